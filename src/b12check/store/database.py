"""Engines and sessions for SQLite (default) and PostgreSQL, with the settings each needs.

SQLite is used in WAL mode with a busy timeout and foreign keys on. Writers open their transaction
with ``BEGIN IMMEDIATE`` so two concurrent writers never fail when a read lock must be upgraded,
and before that they queue on a write gate: a lock in the process plus an ``flock`` on a file
next to the database, shared by every process. The kernel hands that lock over the moment it is
free, whereas SQLite's own busy handler polls with sleeps of up to 100 ms, which under load gave
writers seconds of waiting while the database was idle.

``synchronous`` is a choice between two kinds of durability (:data:`SYNCHRONOUS`):

- ``FULL``: every commit is fsync'ed before it returns; an acknowledged entry survives a power
  cut. Each commit costs one fsync (about 4 ms here), and writes are serial, so 50 busy users
  queue for hundreds of milliseconds.
- ``NORMAL`` (the web app's default): a commit is written to the WAL file but fsync'ed only at a
  checkpoint. An acknowledged entry survives the app being killed (``kill -9``, a crash: the
  data is in the operating system's cache; tests/diary/test_durability.py), but a power cut or
  operating-system crash can lose the last commits before the next checkpoint. The database
  itself is never corrupted by that.

On PostgreSQL every commit is durable (its own fsync, shared by commits that arrive together).

Privacy: statements are never logged with their parameters (``hide_parameters``), the database
file is created 0600 in a 0700 folder (its -wal/-shm files inherit the mode), and SQLite overwrites
deleted content with zeros (``secure_delete``); :meth:`Database.erase_deleted` then checkpoints the
WAL so old page images with erased text do not linger in it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from b12check.private_files import private_file, private_folder

SQLITE_BUSY_TIMEOUT_MS = 30_000
Synchronous = Literal["FULL", "NORMAL"]
SYNCHRONOUS: tuple[Synchronous, ...] = ("FULL", "NORMAL")


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory databases)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _sqlite_engine(url: str, begin: str, synchronous: Synchronous) -> Engine:
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
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def make_engine(
    url: str, *, for_writes: bool = True, synchronous: Synchronous = "FULL", pool_size: int = 10
) -> Engine:
    """An engine for ``url``; for SQLite, writers take the write lock at BEGIN.

    PostgreSQL: ``pool_size`` should match the number of threads that use the engine at once;
    a request beyond the pool opens (and then closes) a fresh connection, which costs a
    password exchange with the server each time.
    """
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}")
    if is_sqlite(url):
        return _sqlite_engine(url, "BEGIN IMMEDIATE" if for_writes else "BEGIN", synchronous)
    engine = create_engine(url, pool_size=pool_size, max_overflow=4, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled PostgreSQL connection before use when it sat idle for a while (the server
    may have closed it meanwhile: a restart, an idle timeout); a dead one is replaced before
    the request sees it. SQLAlchemy's ``pool_pre_ping`` pings on every checkout instead, two
    extra round trips per diary request, about a tenth of its CPU under load (bench/)."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return  # new, or used a moment ago
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError("idle connection is gone") from error


class WriteGate:
    """Lets one writer at a time at a SQLite database: a lock within the process, then an
    exclusive ``flock`` on ``<database>.write-lock`` across processes (see the module note)."""

    def __init__(self, database: Path | None) -> None:
        self._lock = threading.Lock()
        self._path = database.with_name(database.name + ".write-lock") if database else None
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._path is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


@dataclass
class Database:
    """One database: a session factory for reads and one for writes (the same on PostgreSQL)."""

    url: str
    write_engine: Engine
    read_engine: Engine
    gate: WriteGate | None = None
    _writer: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, synchronous: Synchronous = "FULL", pool_size: int = 10) -> Database:
        """Connect (lazily) to ``url``; call :func:`b12check.store.migrate.upgrade` first.
        ``synchronous`` applies to SQLite (see the module note), ``pool_size`` to PostgreSQL."""
        writer = make_engine(url, for_writes=True, synchronous=synchronous, pool_size=pool_size)
        if not is_sqlite(url):
            # Reads run each statement as its own transaction: no BEGIN and ROLLBACK round trips
            # around every lookup (two of the five per diary request). Reads that must agree
            # with each other are one statement (the diary's entries with their scores).
            autocommit = writer.execution_options(isolation_level="AUTOCOMMIT")
            return cls(url=url, write_engine=writer, read_engine=autocommit)
        reader = make_engine(url, for_writes=False, synchronous=synchronous)
        return cls(
            url=url, write_engine=writer, read_engine=reader, gate=WriteGate(sqlite_path(url))
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self._turn(), self._writer.begin() as session:
            yield session

    @contextmanager
    def change(self) -> Iterator[Connection]:
        """A plain connection in a write transaction (committed on success, rolled back on
        error) for the writes every busy user makes (a diary entry): Core statements need no
        ORM session."""
        with self._turn(), self.write_engine.begin() as connection:
            yield connection

    def _turn(self) -> AbstractContextManager[None]:
        """A writer's turn at the database: the SQLite write gate (PostgreSQL needs none)."""
        return self.gate.held() if self.gate is not None else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A plain connection for the reads every request makes (who is asking, their
        entries): Core statements need no ORM session, whose set-up and tear-down were a
        tenth of a diary request's CPU."""
        with self.read_engine.connect() as connection:
            yield connection

    def erase_deleted(self) -> bool:
        """After deleting personal data: make SQLite write the WAL back into the database file
        and truncate the WAL, so the only copy left is the zeroed one. True when the checkpoint
        completed (a reader holding an old snapshot can keep it from finishing; the next
        automatic checkpoint then completes it). PostgreSQL keeps dead rows until VACUUM, which
        runs on its own schedule; nothing to do here.
        """
        if not is_sqlite(self.url):
            return True
        gate = self.gate or WriteGate(None)
        with gate.held():  # our own writers wait meanwhile instead of competing for the lock
            raw = self.write_engine.raw_connection()  # autocommit: outside any BEGIN
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
