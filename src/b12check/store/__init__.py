"""Persistence for the follow-up: accounts and the symptom diary (SQLite by default, PostgreSQL).

The heavy imports (SQLAlchemy, Alembic) stay behind this package so the assessment CLI never pays
for them.
"""

from __future__ import annotations

from b12check.store.database import Database, Synchronous
from b12check.store.migrate import current, downgrade, head, upgrade

__all__ = ["Database", "current", "downgrade", "head", "open_database", "upgrade"]


def open_database(
    url: str, *, migrate: bool = True, synchronous: Synchronous = "FULL", pool_size: int = 10
) -> Database:
    """Open the database at ``url``, first migrating it to the newest revision (idempotent).
    See :mod:`b12check.store.database` for ``synchronous`` (SQLite) and ``pool_size``."""
    if migrate:
        upgrade(url)
    return Database.open(url, synchronous=synchronous, pool_size=pool_size)
