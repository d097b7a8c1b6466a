"""One i18n module formats numbers and dates for every door, in the locale each language's text
file names; the doors use it rather than their own formatting."""

from __future__ import annotations

from datetime import date

import pytest

from b12check import i18n
from b12check.knowledge_base import load_knowledge_base
from b12check.render import report, text
from b12check.web import i18n as web_i18n


@pytest.mark.parametrize(
    ("value", "nl", "en"),
    [(7.1, "7,1", "7.1"), (148, "148", "148"), (0.28, "0,28", "0.28"), (1 / 3, "0,3333", "0.3333"),
     (12345.6, "12346", "12346"), (None, "", "")],
)  # fmt: skip
def test_numbers_as_each_language_writes_them(value: float | None, nl: str, en: str) -> None:
    assert i18n.format_number(value, "nl") == nl
    assert i18n.format_number(value, "en") == en


def test_dates_in_the_locale_of_the_text_file() -> None:
    kb = load_knowledge_base()
    assert {lang: kb.locale(lang) for lang in kb.languages} == {"en": "en_GB", "nl": "nl_NL"}
    day = date(2026, 11, 28)
    assert i18n.format_date(day, "nl") == "28 nov 2026"
    assert i18n.format_date(day, "en") == "28 Nov 2026"
    assert i18n.format_date(day, "nl", "long") == "28 november 2026"
    assert i18n.format_date("2026-11-28", "en") == "28 Nov 2026"
    assert i18n.format_date("not a date", "en") == "not a date"
    assert i18n.format_date(None, "en") == ""


def test_languages_are_the_text_files_and_input_is_normalised() -> None:
    assert i18n.languages() == load_knowledge_base().languages
    assert i18n.normalise(" NL ") == "nl"
    assert i18n.normalise("fr") is None and i18n.normalise(None) is None


def test_every_door_uses_the_same_functions() -> None:
    assert web_i18n.format_number is i18n.format_number
    assert web_i18n.format_day is i18n.format_date
    assert report.format_number is i18n.format_number
    assert text.format_date is i18n.format_date
