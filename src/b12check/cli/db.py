"""``b12check db upgrade | downgrade | current``: create and migrate the database by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from b12check.cli.common import UrlOption
from b12check.cli.common import database_url as _url

db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    database_url: UrlOption = None,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database up to the newest (or the given) revision."""
    from b12check.store import migrate

    url = _url(database_url)
    migrate.upgrade(url, revision)
    typer.echo(f"database at revision {migrate.current(url)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision ('base' removes all tables).")],
    database_url: UrlOption = None,
) -> None:
    """Migrate the database down to a revision."""
    from b12check.store import migrate

    url = _url(database_url)
    migrate.downgrade(url, revision)
    typer.echo(f"database at revision {migrate.current(url) or 'base'}")


@db_app.command("current")
def db_current(database_url: UrlOption = None) -> None:
    """Print the revision the database is at, and the newest one this version ships."""
    from b12check.store import migrate

    url = _url(database_url)
    typer.echo(f"current: {migrate.current(url) or 'base (empty)'}\nhead: {migrate.head()}")
