"""The course of a person's symptoms under B12 treatment, and the core's advice about it.

The diary derives the treatment response with rule F3 (:mod:`b12check.core.response`), writes it
into the intake the person saved as their starting point, and asks the core again. The core's own
rules (P1 re-evaluate, W9 no response, T2 urgent when worse) then decide what the page says: the
diary re-implements none of them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from b12check.core.response import ResponseFinding, ScoredDay, derive_response
from b12check.diary.texts import DEFAULT_TRACKED, kb
from b12check.errors import IntakeError
from b12check.store import diary as repo
from b12check.store.models import Baseline, Entry, Treatment


@dataclass(frozen=True)
class Course:
    """Everything the diary page, its JSON twin and the CLI show."""

    today: date
    treatment: Treatment | None
    treatments: list[Treatment]
    entries: list[Entry]
    baseline: Baseline | None
    tracked: tuple[str, ...]
    series: dict[str, list[tuple[date, int]]]
    finding: ResponseFinding
    window: tuple[date, date] | None
    assessment: dict[str, Any] | None
    assessment_errors: list[str] = field(default_factory=list)
    assessment_object: Any = None  # the core's Assessment, for the shared report renderer

    @property
    def next_check(self) -> date | None:
        """The date the core asks for the next check (always shown when known)."""
        follow_up = (self.assessment or {}).get("follow_up") or {}
        value = follow_up.get("next_check")
        if isinstance(value, date):
            return value
        if isinstance(value, str) and value:
            return date.fromisoformat(value)
        # The core gives no date (e.g. re-evaluation is due now): the window's end, or today
        # once that has passed.
        return max(self.window[1], self.today) if self.window else None

    @property
    def reevaluate(self) -> bool:
        """Whether the core now advises re-evaluation (plan P1)."""
        return (self.assessment or {}).get("plan") == "reevaluate"

    @property
    def urgent(self) -> bool:
        """Whether the core now triages urgent or emergency."""
        level = ((self.assessment or {}).get("triage") or {}).get("level")
        return level in ("urgent", "emergency")


def scored_days(entries: Sequence[Entry]) -> list[ScoredDay]:
    """Entries reduced to dates and scores, the input of rule F3."""
    return [ScoredDay(day=e.day, scores={s.symptom: s.severity for s in e.scores}) for e in entries]


def tracked_symptoms(entries: Sequence[Entry], baseline: Baseline | None) -> tuple[str, ...]:
    """The symptoms the person scores, in the order first seen (else the starting point's)."""
    seen: dict[str, None] = {}
    for entry in entries:
        for score in entry.scores:
            seen.setdefault(score.symptom, None)
    if not seen and baseline is not None:
        for code in baseline.intake.get("symptoms") or {}:
            seen.setdefault(str(code), None)
    return tuple(seen) or ()


def series_of(entries: Sequence[Entry]) -> dict[str, list[tuple[date, int]]]:
    """Each symptom's severity over time (one point per entry that scored it)."""
    series: dict[str, list[tuple[date, int]]] = {}
    for entry in entries:
        for score in entry.scores:
            series.setdefault(score.symptom, []).append((entry.day, score.severity))
    return series


def treatment_intake(treatment: Treatment, response: str | None) -> dict[str, Any]:
    """The intake's ``treatment`` block for a recorded treatment and a derived response."""
    block: dict[str, Any] = {"started": treatment.started.isoformat(), "route": treatment.route}
    if treatment.dose_ug is not None:
        key = "dose_ug_per_day" if treatment.route == "oral" else "dose_ug"
        block[key] = treatment.dose_ug
    if treatment.route != "oral" and treatment.schedule:
        block["schedule"] = treatment.schedule
    if response is not None:
        block["response"] = response
    return block


def followup_intake(
    baseline_intake: Mapping[str, Any] | None,
    latest_scores: Mapping[str, int],
    treatment: Treatment | None,
    response: str | None,
    today: date,
) -> dict[str, Any]:
    """The starting-point intake brought up to date: today, treatment, response, symptoms.

    Symptoms the diary tracks are added when the starting point lacks them, with their latest
    severity; nothing else the person said is changed.
    """
    intake: dict[str, Any] = copy.deepcopy(dict(baseline_intake or {}))
    intake["today"] = today.isoformat()
    intake.pop("treatment", None)
    symptoms: dict[str, Any] = dict(intake.get("symptoms") or {})
    for code, severity in latest_scores.items():
        detail = dict(symptoms.get(code) or {})
        detail["severity"] = severity
        symptoms[code] = detail
    if symptoms:
        intake["symptoms"] = symptoms
    if treatment is not None:
        intake["treatment"] = treatment_intake(treatment, response)
    return intake


def _latest_scores(entries: Sequence[Entry]) -> dict[str, int]:
    latest: dict[str, int] = {}
    for entry in entries:  # date order: later entries overwrite earlier ones
        for score in entry.scores:
            latest[score.symptom] = score.severity
    return latest


def _parameter(name: str, profile: str, today: date) -> Any:
    return kb().parameter(name, profile=profile, on=today)


def build_course(session: Session, user_id: int, *, today: date, profile: str) -> Course:
    """Read the person's diary and ask the core what it means today."""
    from b12check.service import assess

    entries = repo.list_entries(session, user_id)
    treatments = repo.list_treatments(session, user_id)
    treatment = treatments[-1] if treatments else None
    baseline = repo.latest_baseline(session, user_id)
    finding = derive_response(
        scored_days(entries),
        treatment.started if treatment else None,
        improved_drop_fraction=float(_parameter("followup.improved_drop_fraction", profile, today)),
        worse_rise_fraction=float(_parameter("followup.worse_rise_fraction", profile, today)),
    )
    window = None
    if treatment is not None:
        first, last = _parameter("followup.reassess_weeks", profile, today)
        window = (
            treatment.started + timedelta(weeks=int(first)),
            treatment.started + timedelta(weeks=int(last)),
        )
    assessment: dict[str, Any] | None = None
    assessment_object: Any = None
    errors: list[str] = []
    intake = followup_intake(
        baseline.intake if baseline else None,
        _latest_scores(entries),
        treatment,
        finding.response,
        today,
    )
    if len(intake) > 1:  # more than just `today`: something to assess
        try:
            assessment_object = assess(intake, profile=profile, today=today)
            assessment = assessment_object.to_dict()
        except IntakeError as error:
            errors = [str(e) for e in error.errors]
    return Course(
        today=today,
        treatment=treatment,
        treatments=treatments,
        entries=entries,
        baseline=baseline,
        tracked=tracked_symptoms(entries, baseline) or DEFAULT_TRACKED,
        series=series_of(entries),
        finding=finding,
        window=window,
        assessment=assessment,
        assessment_errors=errors,
        assessment_object=assessment_object,
    )
