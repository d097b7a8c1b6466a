"""Rule F3: derive the treatment response (improved / unchanged / worse) from a symptom diary.

The diary holds dated severity scores (0-10) of the symptoms a person tracks. The response compares
the mean severity at the start of B12 treatment with the mean severity of the latest entry, over the
symptoms scored in both. Thresholds are knowledge-base parameters
(``followup.improved_drop_fraction`` and ``followup.worse_rise_fraction``) passed in by the caller:
this module does no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from b12check.core.codes import TreatmentResponse as Response


@dataclass(frozen=True, slots=True)
class ScoredDay:
    """One diary entry reduced to what F3 needs: its date and the severity of each symptom."""

    day: date
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class ResponseFinding:
    """The derived response with the numbers behind it, so every door can explain it.

    ``response`` is ``None`` when the diary cannot tell (no treatment start, fewer than two usable
    entries, or no symptom scored both at the start and later): unknown, never "unchanged".
    """

    response: Response | None
    baseline_day: date | None = None
    baseline_mean: float | None = None
    latest_day: date | None = None
    latest_mean: float | None = None
    change_fraction: float | None = None
    symptoms: tuple[str, ...] = ()
    baseline_after_start: bool = False


def _mean(scores: Mapping[str, float], symptoms: Iterable[str]) -> float:
    values = [scores[s] for s in symptoms]
    return sum(values) / len(values)


def derive_response(
    days: Iterable[ScoredDay],
    started: date | None,
    *,
    improved_drop_fraction: float,
    worse_rise_fraction: float,
) -> ResponseFinding:
    """F3: improved when the mean severity fell by at least ``improved_drop_fraction`` since the
    start of treatment, worse when it rose by at least ``worse_rise_fraction``, else unchanged.

    The baseline is the latest entry dated on or before ``started``; when the person began the
    diary only after starting treatment, the first entry serves (flagged ``baseline_after_start``).
    Entries without any score are ignored.
    """
    if started is None:
        return ResponseFinding(response=None)
    scored = sorted((d for d in days if d.scores), key=lambda d: d.day)
    if len(scored) < 2:
        return ResponseFinding(response=None)
    before = [d for d in scored if d.day <= started]
    baseline = before[-1] if before else scored[0]
    latest = scored[-1]
    if latest.day <= baseline.day or latest.day <= started:
        return ResponseFinding(response=None)
    common = tuple(sorted(set(baseline.scores) & set(latest.scores)))
    if not common:
        return ResponseFinding(response=None)
    base_mean = _mean(baseline.scores, common)
    last_mean = _mean(latest.scores, common)
    change: float | None
    response: Response
    if base_mean == 0:
        # Nothing to fall from: any rise from symptom-free counts as worse.
        change = None
        response = "worse" if last_mean > 0 else "unchanged"
    else:
        change = (last_mean - base_mean) / base_mean
        if change <= -improved_drop_fraction:
            response = "improved"
        elif change >= worse_rise_fraction:
            response = "worse"
        else:
            response = "unchanged"
    return ResponseFinding(
        response=response,
        baseline_day=baseline.day,
        baseline_mean=base_mean,
        latest_day=latest.day,
        latest_mean=last_mean,
        change_fraction=change,
        symptoms=common,
        baseline_after_start=baseline.day > started,
    )
