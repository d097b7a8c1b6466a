"""PostgreSQL connections that died while idle in the pool (server restart, idle timeout) are
replaced before a request uses them, without a ping on every checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from tests.support.database import temporary_database

from b12check.store import database as db_module
from b12check.store import open_database


def _kill_other_backends(url: str) -> int:
    """End this database's other connections, as a server restart would."""
    from sqlalchemy import create_engine

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            )
    finally:
        admin.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced_unseen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with temporary_database("postgres", tmp_path) as url:
        database = open_database(url, pool_size=1)
        try:
            with database.read() as session:
                assert session.execute(text("SELECT 1")).scalar() == 1
            assert _kill_other_backends(url) == 1  # the pooled connection is gone now
            monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
            with database.read() as session:  # a dead connection would raise here
                assert session.execute(text("SELECT 2")).scalar() == 2
        finally:
            database.dispose()
