"""Server-rendered SVG of one symptom's course, marking treatment start and the re-check window.

Neutral colours (a falling line is good news, so the course is never drawn in alarm red), an
axis label, and a size that stays readable on a 390-px phone; the page adds the title and a legend
in HTML.

No script and no inline style (the site's CSP forbids both): presentation attributes and CSS
classes only. The page shows a table with the same numbers beside it for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

SCALE_MAX = 10  # the diary's severity scale is 0-10


@dataclass(frozen=True)
class ChartLabels:
    """The words a chart needs, already in the reader's language."""

    title: str
    start: str
    window: str
    severity: str


@dataclass(frozen=True)
class Frame:
    """Pixel geometry of a chart."""

    width: int = 360  # drawn at about this size on a phone, so 12-px text stays readable
    height: int = 230
    left: int = 44
    right: int = 10
    top: int = 26
    bottom: int = 34


def date_range(
    days: Sequence[date], started: date | None, window: tuple[date, date] | None
) -> tuple[date, date]:
    """The span every chart of one diary shares, so charts line up under each other."""
    marks = list(days)
    if started:
        marks.append(started)
    if window:
        marks.extend(window)
    if not marks:
        today = date.today()
        return today, today + timedelta(days=1)
    first, last = min(marks), max(marks)
    return (first, last) if last > first else (first, first + timedelta(days=1))


def render_chart(
    points: Sequence[tuple[date, int]],
    span: tuple[date, date],
    labels: ChartLabels,
    *,
    started: date | None = None,
    window: tuple[date, date] | None = None,
    format_day: Callable[[date], str] = date.isoformat,
    frame: Frame = Frame(),
) -> str:
    """The SVG markup of one symptom's course."""
    first, last = span
    plot_w = frame.width - frame.left - frame.right
    plot_h = frame.height - frame.top - frame.bottom
    total = max((last - first).days, 1)

    def x(day: date) -> float:
        return round(frame.left + plot_w * (day - first).days / total, 1)

    def y(severity: int) -> float:
        return round(frame.top + plot_h * (1 - severity / SCALE_MAX), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diary-chart" role="img" '
        f'viewBox="0 0 {frame.width} {frame.height}" aria-label={quoteattr(labels.title)}>',
        f"<title>{escape(labels.title)}</title>",
    ]
    if window:
        parts.append(
            f'<rect class="window" x="{x(window[0])}" y="{frame.top}" '
            f'width="{max(x(window[1]) - x(window[0]), 1)}" height="{plot_h}" fill="#dbe7f3">'
            f"<title>{escape(labels.window)}</title></rect>"
        )
    for level in range(0, SCALE_MAX + 1, SCALE_MAX // 2):
        parts.append(
            f'<line class="grid" x1="{frame.left}" x2="{frame.width - frame.right}" '
            f'y1="{y(level)}" y2="{y(level)}" stroke="#d1d5db" stroke-width="1"/>'
            f'<text x="{frame.left - 6}" y="{y(level) + 4}" text-anchor="end" '
            f'font-size="12" fill="#374151">{level}</text>'
        )
    middle = frame.top + plot_h / 2
    parts.append(
        f'<text class="axis-label" x="12" y="{middle}" font-size="12" fill="#374151" '
        f'text-anchor="middle" transform="rotate(-90 12 {middle})">{escape(labels.severity)}</text>'
    )
    if started:
        parts.append(
            f'<line class="start" x1="{x(started)}" x2="{x(started)}" y1="{frame.top}" '
            f'y2="{frame.top + plot_h}" stroke="#1d4ed8" stroke-width="2" '
            f'stroke-dasharray="4 3"><title>{escape(labels.start)}</title></line>'
            f'<text x="{x(started) + 4}" y="{frame.top - 8}" font-size="12" '
            f'fill="#1d4ed8">{escape(labels.start)}</text>'
        )
    ordered = sorted(points)
    if ordered:
        path = " ".join(f"{x(d)},{y(s)}" for d, s in ordered)
        parts.append(
            f'<polyline class="course" points="{path}" fill="none" stroke="#1f2937" '
            f'stroke-width="2"/>'
        )
        for day, severity in ordered:
            parts.append(
                f'<circle cx="{x(day)}" cy="{y(severity)}" r="4" fill="#1f2937">'
                f"<title>{escape(format_day(day))}: {severity}</title></circle>"
            )
    baseline_y = frame.top + plot_h + 18
    parts.append(
        f'<text x="{frame.left}" y="{baseline_y}" font-size="12" fill="#374151">'
        f"{escape(format_day(first))}</text>"
        f'<text x="{frame.width - frame.right}" y="{baseline_y}" font-size="12" '
        f'text-anchor="end" fill="#374151">{escape(format_day(last))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
