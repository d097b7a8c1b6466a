"""Checks that need the clock or the vocabulary: no diary date in the future, known symptoms."""

from __future__ import annotations

from datetime import date

from b12check.diary.schemas import EntryIn, TreatmentIn
from b12check.diary.texts import symptom_codes
from b12check.errors import FieldError, IntakeError


def check_entry(entry: EntryIn, today: date) -> None:
    """Raise :class:`IntakeError` naming each bad field of a diary entry."""
    errors: list[FieldError] = []
    if entry.day > today:
        errors.append(FieldError("day", "date in the future"))
    known = set(symptom_codes())
    errors.extend(
        FieldError(f"scores.{code}", "unknown symptom code")
        for code in entry.scores
        if code not in known
    )
    if errors:
        raise IntakeError(errors)


def check_treatment(treatment: TreatmentIn, today: date) -> None:
    """Raise :class:`IntakeError` when the treatment starts in the future."""
    if treatment.started > today:
        raise IntakeError([FieldError("started", "date in the future")])
