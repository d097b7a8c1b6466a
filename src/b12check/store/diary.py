"""Diary repository: every read and write is scoped to one owner.

Functions take ``user_id`` and filter on it in the same query that finds the row, so an id that
belongs to someone else behaves exactly like an id that does not exist (None / False → 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy import cast as sql_cast
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


@dataclass(frozen=True, slots=True, order=True)
class ScoreRecord:
    """One symptom's severity in an entry, as read."""

    symptom: str
    severity: int


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A diary entry as read: plain values, scores ordered by symptom.

    Reads of entries go through Core queries into these records instead of ORM objects: the
    diary API is the busiest part of the app and the ORM's identity map, relationship loading
    and attribute instrumentation were most of its CPU per request (bench/diary_load.py).
    """

    id: int
    day: date
    doses_taken: int | None
    notes: str
    created_at: datetime
    updated_at: datetime
    scores: tuple[ScoreRecord, ...]


_ENTRIES = cast(Table, Entry.__table__)
_SCORES = cast(Table, Score.__table__)
_ENTRY_COLUMNS = (
    _ENTRIES.c.id,
    _ENTRIES.c.day,
    _ENTRIES.c.doses_taken,
    _ENTRIES.c.notes,
    _ENTRIES.c.created_at,
    _ENTRIES.c.updated_at,
)


def _score_rows(scores: Mapping[str, int]) -> tuple[ScoreRecord, ...]:
    return tuple(ScoreRecord(symptom, severity) for symptom, severity in sorted(scores.items()))


# Built once (constructing them was a fifth of a write's CPU); the values are bound per call.
_INSERT_ENTRY = insert(_ENTRIES).returning(_ENTRIES.c.id)
_INSERT_SCORES = insert(_SCORES)


def add_entry(
    session: Session | Connection,
    user_id: int,
    *,
    day: date,
    scores: Mapping[str, int],
    doses_taken: int | None,
    notes: str,
) -> EntryRecord:
    """Write one diary entry with its symptom scores (two statements, no read-back)."""
    moment = now()
    entry_id = session.execute(
        _INSERT_ENTRY,
        {
            "user_id": user_id,
            "day": day,
            "doses_taken": doses_taken,
            "notes": notes,
            "created_at": moment,
            "updated_at": moment,
        },
    ).scalar_one()
    rows = _score_rows(scores)
    if rows:
        session.execute(
            _INSERT_SCORES,
            [{"entry_id": entry_id, "symptom": r.symptom, "severity": r.severity} for r in rows],
        )
    return EntryRecord(entry_id, day, doses_taken, notes, moment, moment, rows)


# An entry's scores as one text, "symptom:severity" joined by commas (group_concat on SQLite,
# string_agg on PostgreSQL): one row per entry instead of one per score halves the rows a long
# diary reads, and the date and time columns are converted once per entry. Symptom codes are
# vocabulary codes ([a-z0-9_], checked on every write by diary.validate.check_entry), so
# neither separator can occur in them.
_SCORE_TEXT = func.aggregate_strings(
    _SCORES.c.symptom + literal(":") + sql_cast(_SCORES.c.severity, String), ","
)


def _owner_entries(*, one: bool) -> Select[Any]:
    """The statement that reads an owner's entries (or one of them) with their scores, in date
    order. One statement, so it reads one snapshot also where each statement is its own
    transaction."""
    mine = _ENTRIES.c.user_id == bindparam("user_id")
    if one:
        mine = and_(mine, _ENTRIES.c.id == bindparam("entry_id"))
    return (
        select(*_ENTRY_COLUMNS, _SCORE_TEXT)
        .select_from(_ENTRIES.outerjoin(_SCORES, _SCORES.c.entry_id == _ENTRIES.c.id))
        .where(mine)
        .group_by(_ENTRIES.c.id)
        .order_by(_ENTRIES.c.day, _ENTRIES.c.id)
    )


_ALL_ENTRIES = _owner_entries(one=False)  # built once: the diary API reads these all the time
_ONE_ENTRY = _owner_entries(one=True)


def _scores_of(text: str | None) -> tuple[ScoreRecord, ...]:
    if not text:
        return ()
    pairs = (part.split(":") for part in text.split(","))
    return tuple(sorted(ScoreRecord(symptom, int(severity)) for symptom, severity in pairs))


def _entry_records(
    session: Session | Connection, user_id: int, entry_id: int | None
) -> list[EntryRecord]:
    """The owner's entries (or the one with ``entry_id``) in date order, with their scores."""
    query = _ALL_ENTRIES if entry_id is None else _ONE_ENTRY
    rows = session.execute(query, {"user_id": user_id, "entry_id": entry_id})
    return [
        EntryRecord(key, day, doses, notes, created, updated, _scores_of(scores))
        for key, day, doses, notes, created, updated, scores in rows
    ]


def get_entry(session: Session | Connection, user_id: int, entry_id: int) -> EntryRecord | None:
    """One of the user's own entries, or None (also when it belongs to someone else)."""
    found = _entry_records(session, user_id, entry_id)
    return found[0] if found else None


def _owned_entry(session: Session, user_id: int, entry_id: int) -> Entry | None:
    """The ORM row of one of the user's entries, for changing or deleting it."""
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
) -> EntryRecord | None:
    """Replace the content of one of the user's entries; None when it is not theirs."""
    entry = _owned_entry(session, user_id, entry_id)
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
    return EntryRecord(
        entry.id,
        entry.day,
        entry.doses_taken,
        entry.notes,
        entry.created_at,
        entry.updated_at,
        _score_rows(scores),
    )


def delete_entry(session: Session, user_id: int, entry_id: int) -> bool:
    """Delete one of the user's entries; False when it is not theirs or does not exist."""
    entry = _owned_entry(session, user_id, entry_id)
    if entry is None:
        return False
    session.delete(entry)
    session.flush()
    return True


def list_entries(session: Session | Connection, user_id: int) -> list[EntryRecord]:
    """The user's entries in date order (then in the order they were written)."""
    return _entry_records(session, user_id, None)
