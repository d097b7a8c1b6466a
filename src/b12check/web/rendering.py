"""Rendering pages: one Jinja2 environment with the helpers every template may use.

Templates get ``lang``, ``t('key')`` (UI strings), ``label(section, code)`` and ``text(...)``
(knowledge-base texts), ``num``/``day`` (Babel formatting) and ``csrf_token``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from b12check import questions
from b12check.i18n import format_date, languages
from b12check.web import content
from b12check.web.i18n import LANG_COOKIE, choose_language, format_day, format_number
from b12check.web.presenting import ZONE_FILL
from b12check.web.security import CSRF_FIELD, csrf_token_for, set_csrf_cookie

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates ship with the package; no stat() per request
)


def _search_in(line: str, needle: str) -> bool:
    """Jinja test: ``line`` contains ``needle``."""
    return bool(needle) and needle in line


env.tests["search_in"] = _search_in


def page_context(request: Request, lang: str | None = None) -> dict[str, Any]:
    """The helpers and facts every page template needs."""
    lang = lang or choose_language(request)
    return {
        "request": request,
        "lang": lang,
        "languages": languages(),
        "t": partial(content.ui, lang),
        "label": partial(content.label, lang),
        "text": partial(content.text, lang),
        "num": partial(format_number, lang=lang),
        "day": partial(format_day, lang=lang),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token_for(request),
        "path": request.url.path,
        "options": partial(_options, lang),
        "q": partial(questions.text, lang),
        "q_options": partial(_question_options, lang),
        "symptom_label": partial(_symptom_label, lang),
        "zone_fill": ZONE_FILL,
        "unit": partial(_unit_words, lang),
        "long_day": partial(format_date, lang=lang, style="long"),
    }


_MICRO = re.compile(r"(?<![A-Za-z])u(?=[a-zA-Z]+(?:/|\d|$))")


def _unit_words(lang: str, unit: str) -> str:
    """A unit as it reads in this language (``umol/L`` -> ``µmol/L``)."""
    from b12check.render.report import unit_label

    words = unit_label(content.kb(), lang, unit)
    return _MICRO.sub("µ", words).replace("m3", "m³")


def _question_options(lang: str, qid: str) -> list[tuple[str, str]]:
    """(code, label) pairs of a catalogue question, first letter capitalised for the form."""
    q = questions.question(qid)
    return [(c, _capital(questions.option_label(lang, q, c))) for c in questions.options(q)]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _symptom_label(lang: str, code: str) -> str:
    """A symptom as the questionnaire asks it (the catalogue may word it more plainly)."""
    own = questions.text(lang, f"symptoms.{code}")
    return own if own != f"symptoms.{code}" else content.label(lang, "symptoms", code)


def _options(lang: str, section: str, codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for a select or a group of radios."""
    return [(code, content.label(lang, section, code)) for code in codes]


def render_html(
    request: Request, template: str, context: dict[str, Any], lang: str | None = None
) -> str:
    """The HTML of a template (used for pages and for the PDF report)."""
    ctx = page_context(request, lang)
    ctx.update(context)
    return env.get_template(template).render(ctx)


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    lang: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """An HTML response; remembers the language chosen and sets the CSRF cookie."""
    lang = lang or choose_language(request)
    response = HTMLResponse(render_html(request, template, context, lang), status_code=status_code)
    set_csrf_cookie(request, response)
    if request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", path="/", max_age=60 * 60 * 24 * 365)
    return response
