"""The diary's entry reads (one statement, scores aggregated per entry) on both databases:
order, scores sorted by symptom, entries without scores, edits, and ownership."""

from __future__ import annotations

from datetime import date

from b12check.store import diary as repo
from b12check.store import open_database
from b12check.store.accounts import now
from b12check.store.models import User


def test_entries_read_back_exactly_as_written(database_url: str) -> None:
    database = open_database(database_url)
    try:
        with database.write() as session:
            users = [
                User(email=f"{n}@example.org", password_hash="x", lang="nl", created_at=now())
                for n in ("a", "b")
            ]
            session.add_all(users)
            session.flush()
            mine, theirs = users[0].id, users[1].id
        with database.change() as connection:
            later = repo.add_entry(
                connection,
                mine,
                day=date(2026, 11, 3),
                doses_taken=None,
                notes="",
                scores={"paresthesia": 7, "fatigue": 2, "muscle_cramps": 10},
            )
            empty = repo.add_entry(
                connection,
                mine,
                day=date(2026, 11, 1),
                doses_taken=1,
                notes="geen klachten, wel: komma",
                scores={},
            )
            same_day = repo.add_entry(
                connection,
                mine,
                day=date(2026, 11, 3),
                doses_taken=0,
                notes="",
                scores={"fatigue": 0},
            )
            repo.add_entry(
                connection,
                theirs,
                day=date(2026, 11, 2),
                doses_taken=None,
                notes="",
                scores={"fatigue": 5},
            )
        with database.lookup() as connection:
            listed = repo.list_entries(connection, mine)
            assert [e.id for e in listed] == [empty.id, later.id, same_day.id]
            assert listed[0].scores == () and listed[0].notes == "geen klachten, wel: komma"
            assert [(s.symptom, s.severity) for s in listed[1].scores] == [
                ("fatigue", 2),
                ("muscle_cramps", 10),
                ("paresthesia", 7),
            ]
            assert [(s.symptom, s.severity) for s in listed[2].scores] == [("fatigue", 0)]
            assert listed[1] == later  # what the write returned is what a read returns
            assert repo.get_entry(connection, theirs, later.id) is None
            assert repo.get_entry(connection, mine, same_day.id) == same_day
        with database.write() as session:
            repo.update_entry(
                session,
                mine,
                later.id,
                day=date(2026, 11, 4),
                doses_taken=2,
                notes="bijgewerkt",
                scores={"fatigue": 9},
            )
        with database.lookup() as connection:
            changed = repo.get_entry(connection, mine, later.id)
            assert changed is not None
            assert [(s.symptom, s.severity) for s in changed.scores] == [("fatigue", 9)]
            assert (changed.day, changed.notes) == (date(2026, 11, 4), "bijgewerkt")
    finally:
        database.dispose()


def test_the_bulk_entry_json_is_byte_for_byte_entryout() -> None:
    """The API serialises entries from plain dictionaries for speed; the result must be what
    the documented response model (EntryOut, validated) gives, field for field and byte for
    byte, or the OpenAPI description would lie."""
    from datetime import UTC, datetime

    from pydantic import TypeAdapter

    from b12check.diary import views
    from b12check.diary.schemas import EntryOut
    from b12check.store.diary import EntryRecord, ScoreRecord

    assert list(views._EntryJson.__annotations__) == list(EntryOut.model_fields)
    moments = [
        datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 3, 8, 0, 1, 5, tzinfo=UTC),
    ]
    records = [
        EntryRecord(1, date(2026, 11, 1), None, "", moments[0], moments[1], ()),
        EntryRecord(
            7,
            date(2026, 11, 3),
            2,
            'tintelingen "links" é ✓',
            moments[1],
            moments[1],
            (ScoreRecord("fatigue", 0), ScoreRecord("paresthesia", 10)),
        ),
    ]
    expected = TypeAdapter(list[EntryOut]).dump_json(
        [
            EntryOut(
                id=r.id,
                day=r.day,
                doses_taken=r.doses_taken,
                notes=r.notes,
                created_at=r.created_at,
                updated_at=r.updated_at,
                scores={s.symptom: s.severity for s in r.scores},
            )
            for r in records
        ]
    )
    assert views.entries_json(records) == expected
    assert (
        views.entry_json(records[1])
        == EntryOut.model_validate_json(views.entry_json(records[1])).model_dump_json().encode()
    )
