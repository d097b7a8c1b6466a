"""The course of a person's symptoms under B12 treatment, and the core's advice about it.

The diary hands the core the intake the person saved as their starting point, brought up to
date with the recorded treatment and every diary entry, and shows what the core concludes: the
response derived from the entries (F3), the reassessment window (F1), re-evaluation (P1, W9) and
urgency (T2 when worse). It computes none of these itself.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from b12check.core.codes import TRIAGE_LEVELS, TriageLevel
from b12check.core.model import Assessment
from b12check.core.response import ResponseFinding
from b12check.diary.texts import DEFAULT_TRACKED
from b12check.errors import IntakeError
from b12check.store import diary as repo
from b12check.store.diary import EntryRecord
from b12check.store.models import Baseline, Treatment

# Triage levels at which a worse course is shown as an alert: "urgent" and everything above it.
ALERT_LEVELS: frozenset[TriageLevel] = frozenset(TRIAGE_LEVELS[: TRIAGE_LEVELS.index("urgent") + 1])
UNKNOWN = ResponseFinding(response=None)


@dataclass(frozen=True)
class Course:
    """Everything the diary page, its JSON twin and the CLI show."""

    today: date
    treatment: Treatment | None
    treatments: list[Treatment]
    entries: list[EntryRecord]
    baseline: Baseline | None
    tracked: tuple[str, ...]
    series: dict[str, list[tuple[date, int]]]
    assessment_object: Assessment | None = None  # the core's Assessment (shared renderer too)
    assessment_errors: list[str] = field(default_factory=list)

    @cached_property
    def assessment(self) -> dict[str, Any] | None:
        """The core's assessment as the contract's JSON document."""
        return None if self.assessment_object is None else self.assessment_object.to_dict()

    @property
    def finding(self) -> ResponseFinding:
        """The response the core derived from the entries (F3), with its numbers."""
        result = self.assessment_object
        if result is None or result.diary_finding is None:
            return UNKNOWN
        return result.diary_finding

    @property
    def window(self) -> tuple[date, date] | None:
        """The dates of the core's reassessment window (F1) for the treatment under way."""
        result = self.assessment_object
        return None if result is None else result.follow_up.treatment_window

    @property
    def next_check(self) -> date | None:
        """The date the core asks for the next check (always shown when known)."""
        result = self.assessment_object
        if result is None:
            return None
        if result.follow_up.next_check is not None:
            return result.follow_up.next_check
        # no date from the core: the window's end, or today once that has passed
        return max(self.window[1], self.today) if self.window else None

    @property
    def reevaluate(self) -> bool:
        """Whether the core now advises re-evaluation (plan P1)."""
        return self.assessment_object is not None and self.assessment_object.plan == "reevaluate"

    @property
    def urgent(self) -> bool:
        """Whether the core now triages urgent or more (``immediate`` included)."""
        return (
            self.assessment_object is not None
            and self.assessment_object.triage_level in ALERT_LEVELS
        )


def tracked_symptoms(entries: Sequence[EntryRecord], baseline: Baseline | None) -> tuple[str, ...]:
    """The symptoms the person scores, in the order first seen (else the starting point's)."""
    seen: dict[str, None] = {}
    for entry in entries:
        for score in entry.scores:
            seen.setdefault(score.symptom, None)
    if not seen and baseline is not None:
        for code in baseline.intake.get("symptoms") or {}:
            seen.setdefault(str(code), None)
    return tuple(seen) or ()


def series_of(entries: Sequence[EntryRecord]) -> dict[str, list[tuple[date, int]]]:
    """Each symptom's severity over time (one point per entry that scored it)."""
    series: dict[str, list[tuple[date, int]]] = {}
    for entry in entries:
        for score in entry.scores:
            series.setdefault(score.symptom, []).append((entry.day, score.severity))
    return series


def treatment_intake(treatment: Treatment) -> dict[str, Any]:
    """The intake's ``treatment`` block for a recorded treatment (the response is left to the
    core, which derives it from the diary)."""
    block: dict[str, Any] = {"started": treatment.started.isoformat(), "route": treatment.route}
    if treatment.dose_ug is not None:
        key = "dose_ug_per_day" if treatment.route == "oral" else "dose_ug"
        block[key] = treatment.dose_ug
    if treatment.route != "oral" and treatment.schedule:
        block["schedule"] = treatment.schedule
    return block


def diary_intake(entries: Sequence[EntryRecord]) -> list[dict[str, Any]]:
    """The intake's ``diary``: each scored entry's date and severities (contract section 1)."""
    return [
        {"date": e.day.isoformat(), "severity": {s.symptom: s.severity for s in e.scores}}
        for e in entries
        if e.scores
    ]


def followup_intake(
    baseline_intake: Mapping[str, Any] | None,
    entries: Sequence[EntryRecord],
    treatment: Treatment | None,
    today: date,
) -> dict[str, Any]:
    """The starting-point intake brought up to date: today, treatment, diary, symptoms.

    Symptoms the diary tracks are added when the starting point lacks them, with their latest
    severity; nothing else the person said is changed, except that a response they stated is
    left out when the diary can tell (the core derives it from the entries).
    """
    intake: dict[str, Any] = copy.deepcopy(dict(baseline_intake or {}))
    intake["today"] = today.isoformat()
    intake.pop("treatment", None)
    intake.pop("diary", None)
    symptoms: dict[str, Any] = dict(intake.get("symptoms") or {})
    for code, severity in _latest_scores(entries).items():
        detail = dict(symptoms.get(code) or {})
        detail["severity"] = severity
        symptoms[code] = detail
    if symptoms:
        intake["symptoms"] = symptoms
    if treatment is not None:
        intake["treatment"] = treatment_intake(treatment)
    diary = diary_intake(entries)
    if diary:
        intake["diary"] = diary
    return intake


def _latest_scores(entries: Sequence[EntryRecord]) -> dict[str, int]:
    latest: dict[str, int] = {}
    for entry in entries:  # date order: later entries overwrite earlier ones
        for score in entry.scores:
            latest[score.symptom] = score.severity
    return latest


def build_course(session: Session, user_id: int, *, today: date, profile: str) -> Course:
    """Read the person's diary and ask the core what it means today."""
    from b12check.service import assess

    entries = repo.list_entries(session, user_id)
    treatments = repo.list_treatments(session, user_id)
    treatment = treatments[-1] if treatments else None
    baseline = repo.latest_baseline(session, user_id)
    result: Assessment | None = None
    errors: list[str] = []
    intake = followup_intake(baseline.intake if baseline else None, entries, treatment, today)
    if len(intake) > 1:  # more than just `today`: something to assess
        try:
            result = assess(intake, profile=profile, today=today)
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
        assessment_object=result,
        assessment_errors=errors,
    )
