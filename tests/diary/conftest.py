"""Every store and diary test runs on SQLite and on PostgreSQL (never silently skipped)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def app_factory(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build the real app on the test database, with a clock the test controls."""
    from datetime import date

    from b12check.settings import Settings
    from b12check.web.app import create_app

    def build(today: date | None = None):  # type: ignore[no-untyped-def]
        settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="test-key")
        app = create_app(settings)
        if today is not None:
            app.state.clock = lambda: today
        return app

    return build
