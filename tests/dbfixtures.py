"""Database fixtures shared by the store and diary tests: every such test runs on SQLite and on
PostgreSQL (never silently skipped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.database import MISSING_POSTGRES, POSTGRES_ENV, temporary_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of each kind."""
    import os

    if request.param == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.fail(MISSING_POSTGRES)
    with temporary_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A new database migrated to the newest revision."""
    from b12check.store import upgrade

    upgrade(empty_database_url)
    return empty_database_url
