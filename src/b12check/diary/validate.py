"""Checks that need the clock or the vocabulary: no diary date in the future, known symptoms."""

from __future__ import annotations

from datetime import date

from b12check.core.numbers import parse_whole
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


def whole_or_text(text: str) -> int | str | None:
    """A form or command-line field as a whole number (the one parser,
    :func:`b12check.core.numbers.parse_whole`); empty is None, and anything else is passed on
    as typed, so the schema's validation names the field and says what it expected."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse_whole(text)
    except ValueError:
        return text
