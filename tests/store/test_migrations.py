"""Migrations upgrade an empty database, match the models and downgrade cleanly, on both kinds."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from typer.testing import CliRunner

from b12check.cli.db import db_app
from b12check.store import current, downgrade, head, upgrade
from b12check.store.database import make_engine
from b12check.store.models import Base

TABLES = {"users", "login_sessions", "api_tokens", "baselines", "treatments", "entries", "scores"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_empty_then_downgrade_to_nothing(empty_database_url: str) -> None:
    assert current(empty_database_url) is None
    upgrade(empty_database_url)
    assert current(empty_database_url) == head()
    assert _tables(empty_database_url) == TABLES
    upgrade(empty_database_url)  # idempotent: a second start-up changes nothing
    downgrade(empty_database_url, "base")
    assert current(empty_database_url) is None
    assert _tables(empty_database_url) == set()
    upgrade(empty_database_url)
    assert _tables(empty_database_url) == TABLES


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_db_cli_upgrade_current_downgrade(empty_database_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(db_app, ["upgrade", "--database-url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert head() in result.output
    result = runner.invoke(db_app, ["current", "--database-url", empty_database_url])
    assert f"current: {head()}" in result.output
    result = runner.invoke(db_app, ["downgrade", "base", "--database-url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert current(empty_database_url) is None
