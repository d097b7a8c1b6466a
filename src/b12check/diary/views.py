"""Stored rows and the course turned into the API's shapes (shared by the API and the CLI)."""

from __future__ import annotations

from b12check.diary.course import Course
from b12check.diary.schemas import (
    CourseOut,
    EntryOut,
    ResponseOut,
    SeriesPoint,
    TreatmentOut,
)
from b12check.store.diary import EntryRecord
from b12check.store.models import Treatment


def entry_out(entry: EntryRecord) -> EntryOut:
    """A stored entry as the API shows it. Built without validation: every stored entry was
    validated as ``EntryIn`` on its way in, and a long diary is read often."""
    return EntryOut.model_construct(
        id=entry.id,
        day=entry.day,
        scores={s.symptom: s.severity for s in entry.scores},
        doses_taken=entry.doses_taken,
        notes=entry.notes,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )


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
