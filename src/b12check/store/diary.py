"""Diary repository: every read and write is scoped to one owner.

Functions take ``user_id`` and filter on it in the same query that finds the row, so an id that
belongs to someone else behaves exactly like an id that does not exist (None / False → 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from b12check.store.accounts import now
from b12check.store.models import Baseline, Entry, Score, Treatment


def save_baseline(
    session: Session, user_id: int, intake: Mapping[str, Any], assessment: Mapping[str, Any]
) -> Baseline:
    """Keep an assessment (its intake and result) as the starting point of the diary."""
    row = Baseline(
        user_id=user_id, saved_at=now(), intake=dict(intake), assessment=dict(assessment)
    )
    session.add(row)
    session.flush()
    return row


def latest_baseline(session: Session, user_id: int) -> Baseline | None:
    """The most recently saved starting point."""
    return session.scalar(
        select(Baseline)
        .where(Baseline.user_id == user_id)
        .order_by(Baseline.saved_at.desc(), Baseline.id.desc())
        .limit(1)
    )


def list_baselines(session: Session, user_id: int) -> list[Baseline]:
    """Every starting point the user saved, oldest first (for the export)."""
    return list(
        session.scalars(select(Baseline).where(Baseline.user_id == user_id).order_by(Baseline.id))
    )


def add_treatment(
    session: Session,
    user_id: int,
    *,
    started: date,
    route: str,
    dose_ug: int | None,
    schedule: str,
) -> Treatment:
    """Record a B12 treatment (a change of route or dose is a new record)."""
    row = Treatment(
        user_id=user_id,
        started=started,
        route=route,
        dose_ug=dose_ug,
        schedule=schedule,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def list_treatments(session: Session, user_id: int) -> list[Treatment]:
    """The user's treatments, oldest start first."""
    return list(
        session.scalars(
            select(Treatment)
            .where(Treatment.user_id == user_id)
            .order_by(Treatment.started, Treatment.id)
        )
    )


def current_treatment(session: Session, user_id: int) -> Treatment | None:
    """The treatment that started last: the one the re-evaluation is about."""
    treatments = list_treatments(session, user_id)
    return treatments[-1] if treatments else None


def delete_treatment(session: Session, user_id: int, treatment_id: int) -> bool:
    """Delete one of the user's own treatments."""
    result = session.execute(
        delete(Treatment).where(Treatment.id == treatment_id, Treatment.user_id == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def add_entry(
    session: Session,
    user_id: int,
    *,
    day: date,
    scores: Mapping[str, int],
    doses_taken: int | None,
    notes: str,
) -> Entry:
    """Write one diary entry with its symptom scores."""
    moment = now()
    entry = Entry(
        user_id=user_id,
        day=day,
        doses_taken=doses_taken,
        notes=notes,
        created_at=moment,
        updated_at=moment,
        scores=[Score(symptom=s, severity=v) for s, v in sorted(scores.items())],
    )
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, user_id: int, entry_id: int) -> Entry | None:
    """One of the user's own entries, or None (also when it belongs to someone else)."""
    return session.scalar(select(Entry).where(Entry.id == entry_id, Entry.user_id == user_id))


def update_entry(
    session: Session,
    user_id: int,
    entry_id: int,
    *,
    day: date,
    scores: Mapping[str, int],
    doses_taken: int | None,
    notes: str,
) -> Entry | None:
    """Replace the content of one of the user's entries; None when it is not theirs."""
    entry = get_entry(session, user_id, entry_id)
    if entry is None:
        return None
    entry.day = day
    entry.doses_taken = doses_taken
    entry.notes = notes
    entry.updated_at = now()
    entry.scores.clear()
    session.flush()  # delete the old scores before inserting new ones (unique entry+symptom)
    entry.scores.extend(Score(symptom=s, severity=v) for s, v in sorted(scores.items()))
    session.flush()
    return entry


def delete_entry(session: Session, user_id: int, entry_id: int) -> bool:
    """Delete one of the user's entries; False when it is not theirs or does not exist."""
    entry = get_entry(session, user_id, entry_id)
    if entry is None:
        return False
    session.delete(entry)
    session.flush()
    return True


def list_entries(session: Session, user_id: int) -> list[Entry]:
    """The user's entries in date order (then in the order they were written)."""
    return list(
        session.scalars(select(Entry).where(Entry.user_id == user_id).order_by(Entry.day, Entry.id))
    )
