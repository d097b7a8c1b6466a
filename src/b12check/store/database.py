"""Engines and sessions for SQLite (default) and PostgreSQL, with the settings each needs.

SQLite is used in WAL mode with ``synchronous=FULL`` (an acknowledged entry survives a crash), a
busy timeout, and foreign keys on. Writers open their transaction with ``BEGIN IMMEDIATE`` so two
concurrent writers queue on the busy timeout instead of failing when a read lock must be upgraded.

Privacy: statements are never logged with their parameters (``hide_parameters``), the database
file is created 0600 in a 0700 folder (its -wal/-shm files inherit the mode), and SQLite overwrites
deleted content with zeros (``secure_delete``); :meth:`Database.erase_deleted` then checkpoints the
WAL so old page images with erased text do not linger in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from b12check.private_files import private_file, private_folder

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory databases)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _sqlite_engine(url: str, begin: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        private_folder(path.parent)
        private_file(path)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event own transaction control (pysqlite's own is broken).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def make_engine(url: str, *, for_writes: bool = True) -> Engine:
    """An engine for ``url``; for SQLite, writers take the write lock at BEGIN."""
    if is_sqlite(url):
        return _sqlite_engine(url, "BEGIN IMMEDIATE" if for_writes else "BEGIN")
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


@dataclass
class Database:
    """One database: a session factory for reads and one for writes (the same on PostgreSQL)."""

    url: str
    write_engine: Engine
    read_engine: Engine

    @classmethod
    def open(cls, url: str) -> Database:
        """Connect (lazily) to ``url``; call :func:`b12check.store.migrate.upgrade` first."""
        writer = make_engine(url, for_writes=True)
        reader = make_engine(url, for_writes=False) if is_sqlite(url) else writer
        return cls(url=url, write_engine=writer, read_engine=reader)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with sessionmaker(self.write_engine, expire_on_commit=False).begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    def erase_deleted(self) -> bool:
        """After deleting personal data: make SQLite write the WAL back into the database file
        and truncate the WAL, so the only copy left is the zeroed one. True when the checkpoint
        completed (a reader holding an old snapshot can keep it from finishing; the next
        automatic checkpoint then completes it). PostgreSQL keeps dead rows until VACUUM, which
        runs on its own schedule; nothing to do here.
        """
        if not is_sqlite(self.url):
            return True
        raw = self.write_engine.raw_connection()  # autocommit: a checkpoint runs outside BEGIN
        try:
            cursor = raw.cursor()
            busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
        finally:
            raw.close()
        return int(busy) == 0

    def dispose(self) -> None:
        """Close every pooled connection (tests, shutdown)."""
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
