"""Stored rows and the course turned into the API's shapes (shared by the API and the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from b12check.diary.course import Course
from b12check.diary.schemas import (
    CourseOut,
    ResponseOut,
    SeriesPoint,
    TreatmentOut,
)
from b12check.store.diary import EntryRecord
from b12check.store.models import Treatment


class _EntryJson(TypedDict):
    """:class:`EntryOut`'s fields in its order, for serialising stored entries in bulk
    (tests/diary/test_entry_reads.py proves the JSON is the same byte for byte)."""

    day: date
    scores: dict[str, int]
    doses_taken: int | None
    notes: str
    id: int
    created_at: datetime
    updated_at: datetime


_ENTRIES_JSON = TypeAdapter(list[_EntryJson])


def _entry_fields(entry: EntryRecord) -> _EntryJson:
    return {
        "day": entry.day,
        "scores": {s.symptom: s.severity for s in entry.scores},
        "doses_taken": entry.doses_taken,
        "notes": entry.notes,
        "id": entry.id,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def entries_json(entries: Sequence[EntryRecord]) -> bytes:
    """Stored entries as the API's JSON list of :class:`EntryOut`, serialised from plain
    dictionaries: a year of daily entries is read often, and building a model per entry cost
    three times as much as the rest of the serialisation."""
    return _ENTRIES_JSON.dump_json([_entry_fields(e) for e in entries])


def entry_json(entry: EntryRecord) -> bytes:
    """One stored entry as the API's :class:`EntryOut` JSON."""
    return entries_json([entry])[1:-1]


def treatment_out(treatment: Treatment) -> TreatmentOut:
    """A stored treatment as the API shows it."""
    return TreatmentOut(
        id=treatment.id,
        started=treatment.started,
        route=treatment.route,
        dose_ug=treatment.dose_ug,
        schedule=treatment.schedule,
    )


def course_out(course: Course) -> CourseOut:
    """The diary's state as JSON: what the page shows, for the API."""
    f = course.finding
    return CourseOut(
        today=course.today,
        treatment=treatment_out(course.treatment) if course.treatment else None,
        window=list(course.window) if course.window else None,
        next_check=course.next_check,
        response=ResponseOut(
            response=f.response,
            baseline_day=f.baseline_day,
            baseline_mean=f.baseline_mean,
            latest_day=f.latest_day,
            latest_mean=f.latest_mean,
            change_fraction=f.change_fraction,
            symptoms=list(f.symptoms),
        ),
        series={
            code: [SeriesPoint(day=d, severity=s) for d, s in points]
            for code, points in course.series.items()
        },
        assessment=course.assessment,
        assessment_errors=course.assessment_errors,
        reevaluate=course.reevaluate,
        urgent=course.urgent,
    )
