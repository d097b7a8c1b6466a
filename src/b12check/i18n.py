"""Languages, and numbers and dates as each language writes them, for every door (terminal
text, web pages, PDF report, diary chart), with Babel.

The small API other modules use:

- :func:`languages` — the languages b12check speaks, found from the knowledge base's text
  files (``knowledge/texts/<lang>.yaml``); no module lists them.
- :func:`normalise` — a user-supplied language (``"NL"``) as a supported code, or None.
- :func:`format_number` — ``7,1`` in Dutch, ``7.1`` in English (at most four significant
  digits, no thousands separator, no trailing zeros).
- :func:`format_date` — ``28 nov 2026`` / ``28 Nov 2026`` (``style="long"``: the month in full).
- :func:`parse_number` — the one parser of typed numbers (decimal point or comma).

The locale of a language (``nl_NL``, ``en_GB``) is named in its text file.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

from b12check.core.numbers import parse_number
from b12check.knowledge_base import discover_languages, load_knowledge_base

__all__ = ["format_date", "format_number", "languages", "normalise", "parse_number"]

DateStyle = Literal["short", "medium", "long", "full"]


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """Every language with a knowledge-base text file, sorted."""
    return discover_languages()


def normalise(lang: object) -> str | None:
    """The supported language code for a user-supplied value, or None."""
    if isinstance(lang, str) and lang.strip().lower() in languages():
        return lang.strip().lower()
    return None


def _locale(lang: str) -> str:
    return load_knowledge_base().locale(lang)


def _significant(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant digits (whole numbers stay whole)."""
    if abs(value) >= 10**digits:
        return float(round(value))
    return float(f"{value:.{digits}g}")


def format_number(value: float | int | None, lang: str, *, digits: int = 4) -> str:
    """A number as people in ``lang`` write it; empty for None (unknown stays visibly empty)."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    rounded = _significant(float(value), digits)
    return str(format_decimal(rounded, locale=_locale(lang), format="0.######"))


def format_date(value: date | str | None, lang: str, style: DateStyle = "medium") -> str:
    """A date in the reader's own style; an unparsable string is returned as given."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    from babel.dates import format_date as babel_format_date

    return str(babel_format_date(day, format=style, locale=_locale(lang)))
