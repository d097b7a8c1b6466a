"""Rendering a screening run: JSON (the machine-readable contract), CSV, and a self-contained
HTML summary with inline SVG charts (no scripts, no CDN). Small cells are suppressed here, in one
place, for every format."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from b12check.i18n import format_date, format_number
from b12check.knowledge_base import KnowledgeBase
from b12check.screening.rules import METFORMIN_BANDS, REASONS, RULE_OF
from b12check.screening.screen import ScreenResult

DISCLAIMER_KEY = "screening.disclaimer"
_REASON_COLOURS = ("#1b6ca8", "#c2571a", "#7a3e9d", "#2e8540", "#8a6d00", "#0f7f8a")


@dataclass(frozen=True)
class Suppression:
    """The small-cell limit in force and where it comes from."""

    limit: int
    sources: tuple[str, ...]

    def hide(self, count: int) -> bool:
        """Counts from 1 up to below the limit are hidden (zero reveals nobody)."""
        return 0 < count < self.limit

    def value(self, count: int) -> int | None:
        """The count, or None when suppressed."""
        return None if self.hide(count) else count


def suppression(kb: KnowledgeBase, result: ScreenResult) -> Suppression:
    """The profile's small-cell limit on the screening date."""
    params = kb.core.params(result.profile, result.as_of)
    return Suppression(
        int(params.number("screening.small_cell_below")),
        params.sources("screening.small_cell_below"),
    )


def reasons_in(result: ScreenResult) -> tuple[str, ...]:
    """The reasons this run applied (C5 only when monitoring was asked for)."""
    return tuple(r for r in REASONS if result.monitoring or r != "metformin_monitoring_overdue")


def to_json(result: ScreenResult, kb: KnowledgeBase, lang: str = "en") -> dict[str, Any]:
    """The JSON document: patients, rejected, flags (each {reason, count}), and context."""
    cells = suppression(kb, result)

    def count(n: int) -> dict[str, Any]:
        return {"count": cells.value(n), "suppressed": cells.hide(n)}

    doc: dict[str, Any] = {
        "profile": result.profile,
        "engine": result.engine,
        "as_of": result.as_of.isoformat(),
        "monitoring": result.monitoring,
        "patients": cells.value(result.patients),
        "patients_suppressed": cells.hide(result.patients),
        "flags": [
            {
                "reason": r,
                **count(result.flags[r]),
                "rule": RULE_OF[r],
                "label": kb.text(lang, "screening_reasons", r, "label"),
            }
            for r in reasons_in(result)
        ],
        "rejected": [
            {"table": row["table"], "reason": row["reason"], "rows": int(row["rows"])}
            for row in result.rejected
        ],
        "rejected_rows": sum(int(row["rows"]) for row in result.rejected),
        "small_cell_limit": {
            "value": cells.limit,
            "parameter": "screening.small_cell_below",
            "sources": list(cells.sources),
        },
        "sources": result.sources,
        "disclaimer": kb.ui(lang, DISCLAIMER_KEY),
    }
    if result.patient_rows is not None:
        doc["patient_list"] = [
            {"patient_id": row["patient_id"], "reasons": [r for r in reasons_in(result) if row[r]]}
            for row in result.patient_rows
        ]
    return doc


def to_csv(result: ScreenResult, kb: KnowledgeBase) -> str:
    """Counts per reason (suppressed cells as ``<limit``); with a patient list, one row per
    flagged patient instead."""
    cells = suppression(kb, result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    reasons = reasons_in(result)
    if result.patient_rows is not None:
        writer.writerow(["patient_id", *reasons])
        for row in result.patient_rows:
            writer.writerow([row["patient_id"], *(int(bool(row[r])) for r in reasons)])
        return out.getvalue()
    writer.writerow(["reason", "rule", "count"])
    writer.writerow(["patients_screened", "", _cell(result.patients, cells)])
    for r in reasons:
        writer.writerow([r, RULE_OF[r], _cell(result.flags[r], cells)])
    return out.getvalue()


def _cell(count: int, cells: Suppression, lang: str | None = None) -> str:
    """A count as a table shows it: ``<limit`` when suppressed; in ``lang``'s digits when given
    (the HTML page), plain digits otherwise (CSV stays machine-readable)."""
    if cells.hide(count):
        return f"<{cells.limit}"
    return str(count) if lang is None else format_number(count, lang, digits=12)


# ---- HTML -----------------------------------------------------------------------------------


def _bars(items: list[tuple[str, int | None]], limit: int, lang: str) -> str:
    """Horizontal bars; a suppressed count draws no bar and says so."""
    width, row = 640, 30
    # room for the longest label (13 px text; Dutch labels run to about 40 characters)
    label_w = min(360, max(200, round(7.4 * max((len(label) for label, _ in items), default=0))))
    top = max([n for _, n in items if n is not None] + [1])
    parts = [
        f'<svg viewBox="0 0 {width} {row * len(items) + 10}" role="img" '
        f'class="chart" aria-label="counts">'
    ]
    for i, (label, n) in enumerate(items):
        y = i * row + 5
        parts.append(f'<text x="0" y="{y + 18}" font-size="13">{_esc(label)}</text>')
        if n is None:
            parts.append(
                f'<text x="{label_w}" y="{y + 18}" font-size="13" fill="#555">&lt; {limit}</text>'
            )
            continue
        w = (width - label_w - 70) * n / top
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="18" '
            f'fill="{_REASON_COLOURS[i % len(_REASON_COLOURS)]}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 18}" font-size="13">{_n(n, lang)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _boxes(
    groups: list[dict[str, Any]], labels: dict[str, str], lines: tuple[float, float], lang: str
) -> str:
    """Box plots of B12 per metformin band, with the profile's limits as dashed lines."""
    width, height, left, bottom = 640, 260, 50, 40
    if not groups:
        return ""
    high = float(max(max(g["p90"] for g in groups), lines[1])) * 1.1

    def y(v: float) -> float:
        return height - bottom - (height - bottom - 10) * v / high

    slot = (width - left) / len(groups)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="B12 by metformin duration">'
    ]
    for tick in range(0, int(high) + 1, 100):
        parts.append(f'<text x="0" y="{y(tick) + 4:.1f}" font-size="11">{_n(tick, lang)}</text>')
        parts.append(
            f'<line x1="{left - 5}" x2="{width}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#eee"/>'
        )
    for v in lines:
        parts.append(
            f'<line x1="{left}" x2="{width}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#c2571a" stroke-dasharray="5,4"/>'
        )
    for i, g in enumerate(groups):
        cx = left + slot * (i + 0.5)
        half = slot * 0.2
        parts.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(g["p10"]):.1f}" '
            f'y2="{y(g["p90"]):.1f}" stroke="#333"/>'
        )
        parts.append(
            f'<rect x="{cx - half:.1f}" y="{y(g["p75"]):.1f}" width="{2 * half:.1f}" '
            f'height="{y(g["p25"]) - y(g["p75"]):.1f}" fill="#cfe3f3" stroke="#1b6ca8"/>'
        )
        parts.append(
            f'<line x1="{cx - half:.1f}" x2="{cx + half:.1f}" y1="{y(g["p50"]):.1f}" '
            f'y2="{y(g["p50"]):.1f}" stroke="#1b6ca8" stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{height - 22}" font-size="12" text-anchor="middle">'
            f"{_esc(labels[g['metformin_band']])}</text>"
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="#555">n = {_n(g["n"], lang)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _lines(
    points: list[dict[str, Any]],
    reasons: tuple[str, ...],
    labels: dict[str, str],
    cells: Suppression,
    lang: str,
) -> str:
    """One line per reason over the quarter ends; suppressed points are left out (gaps)."""
    width, left = 640, 50
    bottom = 40 + 14 * len(reasons)  # the dates, then one legend line per reason
    height = 190 + bottom
    if not points:
        return ""
    top = max([p[r] for p in points for r in reasons] + [1]) * 1.1
    step = (width - left - 40) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, height - bottom - (height - bottom - 10) * v / top

    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="flags over time">'
    ]
    for k in range(5):
        value = top / 1.1 * k / 4
        _, ty = xy(0, value)
        parts.append(f'<text x="0" y="{ty + 4:.1f}" font-size="11">{_n(round(value), lang)}</text>')
        parts.append(
            f'<line x1="{left - 5}" x2="{width}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#eee"/>'
        )
    for i, p in enumerate(points):
        x, _ = xy(i, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="10" '
            f'text-anchor="middle">{_esc(format_date(p["as_of"], lang))}</text>'
        )
    for k, r in enumerate(reasons):
        colour = _REASON_COLOURS[k % len(_REASON_COLOURS)]
        segment: list[str] = []
        for i, p in enumerate(points):
            if cells.hide(p[r]):
                if len(segment) > 1:
                    parts.append(_polyline(segment, colour))
                segment = []
                continue
            x, yv = xy(i, p[r])
            segment.append(f"{x:.1f},{yv:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{yv:.1f}" r="3" fill="{colour}"/>')
        if len(segment) > 1:
            parts.append(_polyline(segment, colour))
        ly = height - bottom + 34 + 14 * k
        parts.append(f'<rect x="{left}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + 16}" y="{ly}" font-size="12">{_esc(labels[r])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _polyline(points: list[str], colour: str) -> str:
    return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>'


def _n(count: float, lang: str) -> str:
    """A whole number in the reader's digits (no rounding to significant digits)."""
    return _esc(format_number(count, lang, digits=12))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_html(result: ScreenResult, kb: KnowledgeBase, lang: str = "en") -> str:
    """A one-page summary with charts: counts, B12 by metformin duration, flags over time."""
    cells = suppression(kb, result)
    reasons = reasons_in(result)
    labels = {r: kb.text(lang, "screening_reasons", r, "label") for r in reasons}

    def ui(key: str) -> str:
        return kb.ui(lang, f"screening.{key}").format(
            limit=cells.limit, limit_minus_one=cells.limit - 1
        )

    params = kb.core.params(result.profile, result.as_of)
    band_labels = {b: ui(f"band_{b}") for b in METFORMIN_BANDS}
    groups = [g for g in result.b12_by_metformin if not cells.hide(int(g["n"])) and g["n"]]
    env = Environment(
        loader=PackageLoader("b12check.screening", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    template = env.get_template("summary.html")
    return template.render(
        lang=lang,
        ui=ui,
        result=result,
        as_of=format_date(result.as_of, lang, "long"),
        patients=_cell(result.patients, cells, lang),
        rows=[(labels[r], RULE_OF[r], _cell(result.flags[r], cells, lang)) for r in reasons],
        rejected=[
            (
                row["table"],
                ui(f"reject_{row['reason']}"),
                format_number(row["rows"], lang, digits=12),
            )
            for row in result.rejected
        ],
        counts_svg=_bars(
            [(labels[r], cells.value(result.flags[r])) for r in reasons], cells.limit, lang
        ),
        b12_svg=_boxes(
            groups,
            band_labels,
            (params.number("labs.b12.low_below"), params.number("labs.b12.normal_from")),
            lang,
        ),
        time_svg=_lines(result.over_time, reasons, labels, cells, lang),
    )


def dumps(doc: dict[str, Any]) -> str:
    """JSON text as the command prints it."""
    return json.dumps(doc, ensure_ascii=False, indent=2)
