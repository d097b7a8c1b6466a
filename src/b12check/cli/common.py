"""What every command shares: failing with exit code 2 and a message naming the input, the
database URL option, and reading intake documents."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

T = TypeVar("T")


class Format(StrEnum):
    json = "json"
    text = "text"


def _language(value: str | None) -> str | None:
    """Typer callback: a language of the knowledge base's text files (checked, not listed)."""
    if value is None:
        return None
    from b12check.i18n import languages, normalise

    lang = normalise(value)
    if lang is None:
        raise typer.BadParameter(f"{value!r}; expected one of: {', '.join(languages())}")
    return lang


LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        "-l",
        callback=_language,
        help="Language (default: B12CHECK_DEFAULT_LANG, else nl).",
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile", "-p", help="seed, nhg or nice (default: B12CHECK_PROFILE, else seed)."
    ),
]


def language(lang: str | None) -> str:
    """The language asked for, else the settings' default language."""
    if lang is not None:
        return lang
    from b12check.i18n import normalise
    from b12check.settings import get_settings

    default = get_settings().default_lang
    checked = normalise(default)
    if checked is None:
        fail(f"B12CHECK_DEFAULT_LANG: unknown language {default!r}")
    return checked


def profile_name(profile: str | None) -> str:
    """The profile asked for, else B12CHECK_PROFILE (as the web app), checked in one place
    (:func:`b12check.service.check_profile`); an unknown one exits 2 naming the option."""
    from b12check.errors import IntakeError
    from b12check.service import check_profile

    try:
        return check_profile(profile)
    except IntakeError as exc:
        where = "--profile" if profile is not None else "B12CHECK_PROFILE"
        fail(f"{where}: {exc.errors[0].message}")


UrlOption = Annotated[
    str | None,
    typer.Option("--database-url", help="Database URL (default: DATABASE_URL or the data folder)."),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """A clear message on stderr and exit ``code`` (2: bad input; 1: the work itself failed),
    never a stack trace."""
    typer.echo(f"b12check: {message}", err=True)
    raise typer.Exit(code)


def database_url(url: str | None) -> str:
    """The URL given, else the one from the settings (DATABASE_URL or the data folder)."""
    if url:
        return url
    from b12check.settings import get_settings

    return get_settings().resolved_database_url()


def checked(build: Callable[[], T]) -> T:
    """Build and check an entry or treatment; bad input exits 2 naming the field."""
    from pydantic import ValidationError

    from b12check.errors import IntakeError

    try:
        return build()
    except ValidationError as error:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
    except IntakeError as error:
        fail(str(error))


def read_document(source: str) -> Any:
    """An intake document from a file or stdin (``-``): JSON for ``.json`` files, else YAML 1.2,
    read by the same strict rules as the web app (:mod:`b12check.documents`); any problem exits
    2 naming the field or the place in the file."""
    from b12check.documents import DocumentError, load_document
    from b12check.limits import MAX_DOCUMENT_BYTES

    name = "stdin" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror}")
    try:
        return load_document(data, source=name)
    except DocumentError as exc:
        lines = "\n".join(f"  {e.path}: {e.message}" for e in exc.errors)
        fail(f"{name} cannot be read:\n{lines}")
