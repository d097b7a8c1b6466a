"""Which language a visitor sees. Numbers and dates are formatted by :mod:`b12check.i18n`
(re-exported here as ``format_number`` and ``format_day`` for the templates).

Order of choice: ``?lang=`` on a GET (then remembered in a cookie), a ``lang`` form field on a
POST, the ``lang`` cookie, and finally the settings' default (Dutch).
"""

from __future__ import annotations

from fastapi import Request

from b12check.i18n import format_date as format_day
from b12check.i18n import format_number, languages, normalise

__all__ = ["LANG_COOKIE", "choose_language", "format_day", "format_number", "normalise"]

LANG_COOKIE = "lang"


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
    return default or languages()[0]
