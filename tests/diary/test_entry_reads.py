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
            users = [User(email=f"{n}@example.org", password_hash="x", lang="nl",
                          created_at=now()) for n in ("a", "b")]  # fmt: skip
            session.add_all(users)
            session.flush()
            mine, theirs = users[0].id, users[1].id
        with database.change() as connection:
            later = repo.add_entry(connection, mine, day=date(2026, 11, 3), doses_taken=None,
                                   notes="", scores={"paresthesia": 7, "fatigue": 2,
                                                     "muscle_cramps": 10})  # fmt: skip
            empty = repo.add_entry(connection, mine, day=date(2026, 11, 1), doses_taken=1,
                                   notes="geen klachten, wel: komma", scores={})  # fmt: skip
            same_day = repo.add_entry(connection, mine, day=date(2026, 11, 3), doses_taken=0,
                                      notes="", scores={"fatigue": 0})  # fmt: skip
            repo.add_entry(connection, theirs, day=date(2026, 11, 2), doses_taken=None,
                           notes="", scores={"fatigue": 5})  # fmt: skip
        with database.lookup() as connection:
            listed = repo.list_entries(connection, mine)
            assert [e.id for e in listed] == [empty.id, later.id, same_day.id]
            assert listed[0].scores == () and listed[0].notes == "geen klachten, wel: komma"
            assert [(s.symptom, s.severity) for s in listed[1].scores] == [
                ("fatigue", 2), ("muscle_cramps", 10), ("paresthesia", 7)]  # fmt: skip
            assert [(s.symptom, s.severity) for s in listed[2].scores] == [("fatigue", 0)]
            assert listed[1] == later  # what the write returned is what a read returns
            assert repo.get_entry(connection, theirs, later.id) is None
            assert repo.get_entry(connection, mine, same_day.id) == same_day
        with database.write() as session:
            repo.update_entry(session, mine, later.id, day=date(2026, 11, 4), doses_taken=2,
                              notes="bijgewerkt", scores={"fatigue": 9})  # fmt: skip
        with database.lookup() as connection:
            changed = repo.get_entry(connection, mine, later.id)
            assert changed is not None
            assert [(s.symptom, s.severity) for s in changed.scores] == [("fatigue", 9)]
            assert (changed.day, changed.notes) == (date(2026, 11, 4), "bijgewerkt")
    finally:
        database.dispose()
