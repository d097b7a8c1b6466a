"""The one parser of typed numbers, and the doors that use it reading the same text alike."""

from __future__ import annotations

import pytest

from b12check.core.numbers import parse_number, parse_whole
from b12check.labreader import parse_lab_arguments
from b12check.web.content import catalogue
from b12check.web.forms import build_intake


@pytest.mark.parametrize(
    ("text", "value"),
    [("7.1", 7.1), ("7,1", 7.1), (" 7 ", 7.0), ("-2,5", -2.5), (",5", 0.5), ("1 000", 1000.0)],
)
def test_reads_a_decimal_point_or_comma(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1.234,5", "1,234.5", "1e3", "nan", "inf", "7..1"])
def test_refuses_what_it_would_have_to_guess(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


def test_whole_numbers() -> None:
    assert parse_whole("6") == 6 and parse_whole("6,0") == 6
    with pytest.raises(ValueError, match="not a whole number"):
        parse_whole("6,5")


def test_web_form_and_lab_reader_read_the_same_text_alike() -> None:
    for text in ("7,1", "7.1", "1.234,5"):
        form = build_intake(
            {"lab-0-analyte": "hb", "lab-0-value": text, "lab-0-unit": "mmol/L"}, catalogue()
        )
        try:
            expected: float | None = parse_number(text)
        except ValueError:
            expected = None
        if expected is None:
            assert [e.field for e in form.errors] == ["lab-0-value"]
            with pytest.raises(ValueError, match="is not a number"):
                parse_lab_arguments([f"hb={text}mmol/L"])
        else:
            assert form.intake["labs"][0]["value"] == expected
            assert parse_lab_arguments([f"hb={text}mmol/L"])[0]["value"] == expected
