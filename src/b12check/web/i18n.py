"""Which language a visitor sees, and locale-aware numbers and dates (Babel).

Order of choice: ``?lang=`` on a GET (then remembered in a cookie), a ``lang`` form field on a
POST, the ``lang`` cookie, and finally the settings' default (Dutch).
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as _babel_format_date
from babel.numbers import format_decimal
from fastapi import Request

LANGUAGES: tuple[str, ...] = ("nl", "en")
LANG_COOKIE = "lang"
_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def normalise(lang: object) -> str | None:
    """The supported language code for a user-supplied value, or None."""
    if isinstance(lang, str) and lang.lower() in LANGUAGES:
        return lang.lower()
    return None


def choose_language(request: Request, form_lang: object = None) -> str:
    """The language for this request (see module docstring for the order)."""
    for candidate in (
        request.query_params.get("lang"),
        form_lang,
        request.cookies.get(LANG_COOKIE),
    ):
        lang = normalise(candidate)
        if lang:
            return lang
    default = normalise(request.app.state.settings.default_lang)
    return default or LANGUAGES[0]


def format_number(value: float | int | None, lang: str) -> str:
    """A number as people in that language write it (``7,1`` in Dutch, ``7.1`` in English)."""
    if value is None:
        return ""
    return format_decimal(value, locale=_LOCALES[lang], format="#,##0.##")


def format_day(value: date | str | None, lang: str) -> str:
    """A date in the reader's own style (``28 nov 2026`` / ``28 Nov 2026``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    return str(_babel_format_date(day, format="medium", locale=_LOCALES[lang]))
