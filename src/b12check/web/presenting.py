"""Turning an assessment and the answers into what the pages show (no clinical logic here).

The words about the assessment come from ``render_assessment`` (the same for every door); this
module arranges them in the order a person acts on (action card first, then what to ask for and
what helps, then folded background) and summarises the person's own answers for the review step
and the GP report. Lab results get a range bar (inline SVG with the same facts in words).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.numbers import format_decimal

from b12check.web import content
from b12check.web.forms import STEPS
from b12check.web.i18n import format_day, format_number

_BAR_WIDTH = 300
# Range-bar colours: soft and neutral (a bar is a position, not an alarm); also in the PDF,
# where presentation attributes are more reliable than CSS classes inside SVG.
ZONE_FILL = {"low": "#e9c9b5", "high": "#e9c9b5", "grey": "#d9d9d9", "normal": "#bfdcc6"}


def present(assessment: Any, lang: str, audience: str = "patient") -> Any:
    """The ready-to-show texts of an assessment in this language, for this audience."""
    from b12check.render.report import render_assessment

    return render_assessment(assessment, content.kb(), lang, audience=audience)


# ---- the action card ---------------------------------------------------------------------------


def action(assessment: Any, lang: str) -> Any:
    """The action card (what to do, how soon, why in words) shared with the terminal."""
    from b12check.render.action import action_card

    return action_card(assessment, content.kb(), lang)


# ---- lab results with a range bar --------------------------------------------------------------


@dataclass
class Zone:
    """One coloured stretch of a range bar."""

    kind: str  # low | grey | normal | high
    x: float
    width: float
    label: str


@dataclass
class LabView:
    """One lab result as typed, in the unit labs here use, against its range, with a bar."""

    analyte: str
    label: str
    given: str
    local: str  # in the unit this language's labs use (Hb in mmol/L in Dutch), or ""
    range_text: str
    grey_text: str
    interpretation: str | None
    meaning: str
    basis: str
    zones: list[Zone]
    marker: float | None
    bar_text: str


def _unit_words(lang: str, unit: str | None) -> str:
    if not unit:
        return ""
    from b12check.render.report import unit_label

    return unit_label(content.kb(), lang, unit)


def _local_unit(lang: str, analyte: str) -> tuple[str, float] | None:
    """The unit labs in this language's country print for an analyte, and its factor."""
    unit = content.ui(lang, f"labs.display_unit.{analyte}")
    if unit == f"labs.display_unit.{analyte}":
        return None
    spec = content.kb().analytes.get(analyte)
    if spec is None:
        return None
    found = spec.units.get(unit.lower())
    return (found.name, found.factor) if found else None


def _fmt(value: float, lang: str, decimals: int | None) -> str:
    if decimals is None:
        return format_number(value, lang)
    from b12check.i18n import _locale

    return str(
        format_decimal(round(value, decimals), locale=_locale(lang), format="0." + "0" * decimals)
    )


def _params(profile: str, on: date) -> Any:
    return content.kb().core.profiles[profile]


def _grey_bounds(reading: Any, profile: str, on: date) -> tuple[float, float] | None:
    """The grey zone of a reading (canonical unit) from the core's zone parameters."""
    from b12check.core import labs as core_labs

    scheme = core_labs._SCHEMES.get(reading.lab.analyte)
    if scheme is None:
        return None
    params = _params(profile, on)

    def value(name: str | None) -> float | None:
        if name is None:
            return None
        try:
            raw = params[name].at(on).value
        except KeyError:
            return None
        return float(raw) if isinstance(raw, int | float) else None

    if scheme.grey_from or scheme.grey_to:
        upper = value(scheme.grey_from or scheme.grey_to)
        lower = reading.low
        if upper is not None and lower is not None and upper > lower:
            return (lower, upper)
    if scheme.upper_grey_from:
        lower = value(scheme.upper_grey_from)
        upper = reading.high
        if lower is not None and upper is not None and upper > lower:
            return (lower, upper)
    return None


def lab_views(assessment: Any, lang: str) -> list[LabView]:
    """Every lab result of an assessment, ready for a table of stacked rows and a bar."""
    from b12check.render.report import _original

    kb = content.kb()
    texts = kb.texts[lang]
    out = []
    for reading in assessment.labs:
        lab = reading.lab
        name = texts["analytes"][lab.analyte]["label"]
        interp = reading.interpretation
        meaning = texts["lab_interpretations"][interp]["label"] if interp else ""
        if lab.value is None:
            out.append(
                LabView(
                    lab.analyte,
                    name,
                    meaning or str(lab.result),
                    "",
                    "",
                    "",
                    interp,
                    meaning,
                    "",
                    [],
                    None,
                    "",
                )
            )
            continue
        given = f"{_original(lab.original_value, lang)} {_unit_words(lang, lab.original_unit)}"
        local_unit = _local_unit(lang, lab.analyte)
        unit_name = lab.canonical_unit
        factor = 1.0
        decimals: int | None = None
        if local_unit is not None:
            unit_name, factor = local_unit
            decimals = 1 if factor != 1 else None
        shown_unit = _unit_words(lang, unit_name)
        local = f"{_fmt(lab.value / factor, lang, decimals)} {shown_unit}".strip()
        if (lab.original_unit or "").lower() == (unit_name or "").lower():
            local = ""
        low, high = reading.low, reading.high

        def f(x: float, _d: int | None = decimals, _k: float = factor) -> str:
            return _fmt(x / _k, lang, _d)

        if low is not None and high is not None:
            range_text = f"{f(low)}–{f(high)} {shown_unit}"
        elif low is not None:
            range_text = f"{content.ui(lang, 'labs.from')} {f(low)} {shown_unit}"
        elif high is not None:
            range_text = f"{content.ui(lang, 'labs.up_to')} {f(high)} {shown_unit}"
        else:
            range_text = ""
        grey = _grey_bounds(reading, assessment.profile, assessment.today)
        grey_text = ""
        if grey is not None:
            grey_text = content.ui(lang, "labs.grey_zone").format(
                range=f"{f(grey[0])}–{f(grey[1])} {shown_unit}"
            )
        basis = content.ui(lang, f"labs.basis.{reading.basis}") if range_text else ""
        zones, marker = _bar(lab.value, low, high, grey, lang)
        value_words = f"{f(lab.value)} {shown_unit}"
        normal = _normal_text(low, high, grey, f, lang)
        bar_text = content.ui(lang, "labs.bar_text").format(
            value=value_words,
            meaning=meaning.lower() if meaning else "–",
            range=f"{normal} {shown_unit}".strip() if normal else "–",
        )
        out.append(
            LabView(
                lab.analyte,
                name,
                given.strip(),
                local,
                range_text,
                grey_text,
                interp,
                meaning,
                basis,
                zones,
                marker,
                bar_text,
            )
        )
    return out


def _normal_text(
    low: float | None,
    high: float | None,
    grey: tuple[float, float] | None,
    f: Any,
    lang: str,
) -> str:
    """Where the normal zone lies, in words and numbers (without the unit)."""
    ui = content.ui
    bottom = grey[1] if grey is not None and (low is None or grey[0] <= low) else low
    top = grey[0] if grey is not None and high is not None and grey[1] >= high else high
    if grey is not None and low is None and high is not None and grey[1] >= high:
        return f"{ui(lang, 'labs.below')} {f(grey[0])}"
    if bottom is not None and top is not None:
        return f"{f(bottom)}–{f(top)}"
    if bottom is not None:
        word = "labs.above" if grey is not None else "labs.from"
        return f"{ui(lang, word)} {f(bottom)}"
    if top is not None:
        return f"{ui(lang, 'labs.up_to')} {f(top)}"
    return ""


def _bar(
    value: float,
    low: float | None,
    high: float | None,
    grey: tuple[float, float] | None,
    lang: str,
) -> tuple[list[Zone], float | None]:
    """Zones and the marker position (0..300) of a range bar; none without any limit."""
    points = sorted({p for p in (low, high, *(grey or ())) if p is not None})
    if not points:
        return [], None
    lo_end, hi_end = min(points[0], value), max(points[-1], value)
    span = (hi_end - lo_end) or abs(hi_end) or 1.0
    start, end = max(lo_end - span * 0.25, 0.0), hi_end + span * 0.25

    def x(v: float) -> float:
        return float(round((v - start) / (end - start) * _BAR_WIDTH, 1))

    def kind(mid: float) -> str:
        if low is not None and mid < low:
            return "low"
        if high is not None and mid > high:
            return "high"
        if grey is not None and grey[0] <= mid <= grey[1]:
            return "grey"
        return "normal"

    cuts = [start, *[p for p in points if start < p < end], end]
    zones: list[Zone] = []
    for a, b in itertools.pairwise(cuts):
        k = kind((a + b) / 2)
        if zones and zones[-1].kind == k:
            zones[-1].width = round(x(b) - zones[-1].x, 1)
        else:
            zones.append(Zone(k, x(a), round(x(b) - x(a), 1), content.ui(lang, f"labs.zone.{k}")))
    return zones, x(value)


@dataclass
class Citation:
    """A source as a reader sees it: the title in its own language (marked as such)."""

    title: str
    lang: str
    year: int
    detail: str


_SOURCE_LANGUAGES = Path(__file__).resolve().parent.parent / "knowledge" / "source_languages.yaml"


@lru_cache(maxsize=1)
def _source_languages() -> dict[str, str]:
    with _SOURCE_LANGUAGES.open(encoding="utf-8") as handle:
        return {str(k): str(v) for k, v in (yaml.safe_load(handle) or {}).items()}


def citations(assessment: Any) -> list[Citation]:
    """The sources of an assessment; a bracketed note after a title is left to the link."""
    kb = content.kb()
    out = []
    for sid in assessment.sources:
        source = kb.sources[sid]
        lang = _source_languages().get(sid, "en")
        title = re.sub(r"\s*\([^)]*\)\s*$", "", source.title).strip() or source.title
        detail = source.publisher if lang == "en" else ""
        out.append(Citation(title, lang, source.year, detail))
    return out


def result_context(
    assessment: Any,
    lang: str,
    intake: dict[str, Any],
    answers: dict[str, Any] | None = None,
    audience: str = "patient",
) -> dict[str, Any]:
    """Everything the result page and the GP report show about one assessment."""
    answers = answers or {}
    return {
        "a": assessment.to_dict(),
        "view": present(assessment, lang, audience),
        "card": action(assessment, lang),
        "labs": lab_views(assessment, lang),
        "summary": summarise(intake, lang, answers),
        "answers": answers,
        "intake": intake,
        "citations": citations(assessment),
        "who": who_line(intake, lang),
    }


def who_line(intake: dict[str, Any], lang: str) -> str:
    """``Vrouw, 67 jaar, niet zwanger · eet: veganist (geen verrijkte producten)``."""
    ui = content.ui
    patient = intake.get("patient") or {}
    bits = []
    if patient.get("sex"):
        bits.append(ui(lang, f"about.sex.{patient['sex']}"))
    if patient.get("age") is not None:
        bits.append(f"{_num(patient['age'], lang)} {ui(lang, 'unit.years')}")
    for key in ("pregnant", "breastfeeding"):
        if patient.get(key) is not None:
            bits.append(ui(lang, f"report.{key}.{'yes' if patient[key] else 'no'}"))
    line = ", ".join(bits)
    diet = intake.get("diet") or {}
    if diet.get("pattern"):
        food = content.label(lang, "diets", diet["pattern"])
        food = food[:1].lower() + food[1:] if food[1:2].islower() else food
        if diet.get("fortified_foods") is not None:
            food += (
                f" ({ui(lang, 'report.fortified.' + ('yes' if diet['fortified_foods'] else 'no'))})"
            )
        line = f"{line} · {ui(lang, 'report.eats')}: {food}" if line else food
    return line


# ---- the person's own answers ------------------------------------------------------------------


def _yes_no(lang: str, value: Any) -> str:
    if value is True:
        return content.ui(lang, "answer.yes")
    if value is False:
        return content.ui(lang, "answer.no")
    return content.ui(lang, "answer.unknown")


def _num(value: Any, lang: str) -> str:
    return format_number(value, lang) if isinstance(value, int | float) else str(value)


def summarise(
    intake: dict[str, Any], lang: str, answers: dict[str, Any] | None = None
) -> dict[str, list[str]]:
    """The person's answers as short lines, grouped by questionnaire step."""
    from b12check import questions

    def t(key: str) -> str:
        return content.ui(lang, key)

    answers = answers or {}
    out: dict[str, list[str]] = {s: [] for s in STEPS if s != "review"}
    patient = intake.get("patient") or {}
    if "age" in patient:
        out["about"].append(f"{t('about.age')}: {_num(patient['age'], lang)}")
    if "sex" in patient:
        out["about"].append(f"{t('about.sex')}: {t('about.sex.' + patient['sex'])}")
    for key in ("pregnant", "breastfeeding"):
        if key in patient:
            out["about"].append(f"{t('about.' + key)}: {_yes_no(lang, patient[key])}")
    diet = intake.get("diet") or {}
    if "pattern" in diet:
        out["diet"].append(f"{t('diet.pattern')}: {content.label(lang, 'diets', diet['pattern'])}")
    if "fortified_foods" in diet:
        out["diet"].append(f"{t('diet.fortified')}: {_yes_no(lang, diet['fortified_foods'])}")
    for supp in intake.get("supplements", []):
        amounts = [
            f"{t('supplements.' + k)} {_num(v, lang)}"
            for k, v in supp.items()
            if k not in ("name", "per", "since")
        ]
        per = t("supplements.per." + supp.get("per", "day"))
        name = supp.get("name") or t("supplements.unnamed")
        out["supplements"].append(f"{name}: {', '.join(amounts)} ({per})")
    for med in intake.get("medications", []):
        parts = [med.get("name", "")]
        if "dose_mg_per_day" in med:
            parts.append(f"{_num(med['dose_mg_per_day'], lang)} mg/{t('unit.day')}")
        if "since" in med:
            parts.append(f"{t('medicines.since')} {format_day(med['since'], lang)}")
        elif "years" in med:
            parts.append(f"{_num(med['years'], lang)} {t('unit.years')}")
        out["medicines"].append(", ".join(parts))
    for key, section in (("conditions", "conditions"), ("exposures", "exposures")):
        for code in intake.get(key, []):
            out["history"].append(content.label(lang, section, code))
    treatment = intake.get("treatment")
    if treatment:
        for key, value in treatment.items():
            shown = format_day(value, lang) if key == "started" else _num(value, lang)
            if key in ("route", "response"):
                shown = t(f"treatment.{key}.{value}")
            out["treatment"].append(f"{t('treatment.' + key.removesuffix('_per_day'))}: {shown}")
    symptoms = intake.get("symptoms") or {}
    if isinstance(symptoms, list):
        symptoms = {code: {} for code in symptoms}
    for code, detail in symptoms.items():
        out["symptoms"].append(symptom_line(code, detail or {}, lang, answers))
    for extra in questions.extra_lines(answers, lang):
        out["symptoms"].append(extra)
    for lab in intake.get("labs", []):
        value = lab.get("value")
        name = lab.get("analyte") or f"LOINC {lab.get('loinc', '?')}"
        shown = value if not isinstance(value, str) else t(f"labs.{value}")
        line = f"{content.label(lang, 'analytes', name)}: {_num(shown, lang)}"
        if lab.get("unit"):
            line += f" {_unit_words(lang, lab['unit'])}"
        if lab.get("reference_range"):
            low, high = lab["reference_range"]
            line += f" ({t('labs.lab_range')} {_num(low, lang)}–{_num(high, lang)})"
        if lab.get("date"):
            line += f", {format_day(lab['date'], lang)}"
        out["labs"].append(line)
    return out


def symptom_line(code: str, detail: dict[str, Any], lang: str, answers: dict[str, Any]) -> str:
    """``Tintelingen (ernst 6/10, 6 weken, wordt erger)``."""
    bits = []
    if "severity" in detail:
        bits.append(
            f"{content.ui(lang, 'symptoms.severity_short')} {_num(detail['severity'], lang)}/10"
        )
    if "weeks" in detail:
        bits.append(f"{_num(detail['weeks'], lang)} {content.ui(lang, 'unit.weeks')}")
    if "progression" in detail:
        bits.append(content.label(lang, "progression", detail["progression"]).lower())
    line = content.label(lang, "symptoms", code)
    return f"{line} ({', '.join(bits)})" if bits else line
