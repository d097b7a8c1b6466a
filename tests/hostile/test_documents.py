"""The strict reader every door shares: each rule, in JSON and in YAML, named by field path."""

from __future__ import annotations

from typing import Any

import pytest

from b12check.core.numbers import parse_number
from b12check.documents import DocumentError, load_json, load_yaml
from b12check.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_INTEGER_DIGITS


def refused(load: Any, text: str | bytes) -> dict[str, str]:
    with pytest.raises(DocumentError) as caught:
        load(text)
    return {e.path: e.message for e in caught.value.errors}


# ---- duplicate keys -------------------------------------------------------------------------------


def test_a_second_symptoms_key_in_json_is_an_error_naming_it() -> None:
    text = '{"symptoms": {"balance_problems": {}}, "symptoms": {"muscle_cramps": {}}}'
    errors = refused(load_json, text)
    assert list(errors) == ["symptoms"]
    assert "twice" in errors["symptoms"]


def test_a_nested_duplicate_in_json_names_the_full_path() -> None:
    errors = refused(load_json, '{"labs": [{"analyte": "b12", "value": 1, "value": 2}]}')
    assert list(errors) == ["labs[0].value"]


def test_a_second_symptoms_key_in_yaml_is_an_error_naming_it() -> None:
    text = "symptoms: {balance_problems: {}}\npatient: {age: 50}\nsymptoms: {muscle_cramps: {}}\n"
    assert list(refused(load_yaml, text)) == ["symptoms"]


def test_a_nested_duplicate_in_yaml_names_the_full_path() -> None:
    text = "patient:\n  age: 50\n  age: 70\n"
    assert list(refused(load_yaml, text)) == ["patient.age"]


# ---- YAML 1.2 scalars ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0205", 205),  # YAML 1.1 reads octal 133
        ("1:30", "1:30"),  # YAML 1.1 reads sexagesimal 90
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("1_000", "1_000"),  # YAML 1.1 reads 1000
        ("0o17", 15),
        ("0x1F", 31),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("7.1", 7.1),
        ("-3", -3),
        ("2026-11-28", "2026-11-28"),  # no implicit dates: the model parses the text
    ],
)
def test_yaml_scalars_follow_yaml_1_2(text: str, expected: Any) -> None:
    value = load_yaml(f"v: {text}\n")["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_yaml_aliases_are_refused_so_an_alias_bomb_costs_nothing() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    errors = refused(load_yaml, bomb)
    assert "alias" in next(iter(errors.values()))


def test_yaml_errors_give_the_place_but_do_not_quote_the_input() -> None:
    secret = "vertrouwelijk" * 1000
    errors = refused(load_yaml, f"labs: [{{analyte: b12, value: {secret}\n")
    message = next(iter(errors.values()))
    assert "line" in message
    assert secret[:50] not in message


# ---- values nobody types on purpose ------------------------------------------------------------------

HOSTILE_JSON = [
    ('{"labs": [{"value": NaN}]}', "labs[0].value", "finite"),
    ('{"labs": [{"value": Infinity}]}', "labs[0].value", "finite"),
    ('{"labs": [{"value": -Infinity}]}', "labs[0].value", "finite"),
    ('{"labs": [{"value": 1e999}]}', "labs[0].value", "finite"),
    ('{"patient": {"age": ' + "9" * 5000 + "}}", "patient.age", "digits"),
    ('{"patient": {"age": ' + "9" * (MAX_INTEGER_DIGITS + 1) + "}}", "patient.age", "digits"),
    ('{"conditions": ["a\\u0000b"]}', "conditions[0]", "U+0000"),
    ('{"conditions": ["\\ud800"]}', "conditions[0]", "surrogate"),
    ('{"symptoms": {"\\udfff": {}}}', "symptoms.'\\udfff'", "surrogate"),
    ('{"diet": {"pattern": "x\\u001bx"}}', "diet.pattern", "U+001B"),
]


@pytest.mark.parametrize(("text", "path", "word"), HOSTILE_JSON)
def test_hostile_json_values_are_errors_naming_the_field(text: str, path: str, word: str) -> None:
    errors = refused(load_json, text)
    assert path in errors, errors
    assert word in errors[path]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("labs: [{value: .nan}]", "labs[0].value"),
        ("labs: [{value: .inf}]", "labs[0].value"),
        ("labs: [{value: -.Inf}]", "labs[0].value"),
        ("patient: {age: " + "9" * 5000 + "}", "patient.age"),
        ('conditions: ["a\\0b"]', "conditions[0]"),
        ('conditions: ["\\ud800"]', "conditions[0]"),
        ("? [a, b]\n: 1\n", "document"),
    ],
)
def test_hostile_yaml_values_are_errors_naming_the_field(text: str, path: str) -> None:
    assert path in refused(load_yaml, text)


def test_invalid_utf8_is_an_error_with_the_byte_position() -> None:
    for load in (load_json, load_yaml):
        errors = refused(load, b'{"conditions": ["caf\xe9"]}')
        assert "UTF-8" in errors["document"]
        assert "byte 20" in errors["document"]


@pytest.mark.parametrize("load", [load_json, load_yaml])
def test_deep_nesting_is_an_error_not_a_recursion_crash(load: Any) -> None:
    for depth in (MAX_DEPTH + 1, 100_000):
        errors = refused(load, "[" * depth + "]" * depth)
        assert any("nested" in m for m in errors.values()), errors


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_documents_over_the_size_limit_are_refused_before_parsing() -> None:
    errors = refused(load_yaml, b"#" * (MAX_DOCUMENT_BYTES + 1))
    assert "kB" in errors["document"]


def test_errors_are_capped_and_counted() -> None:
    text = "[" + ",".join(["NaN"] * 500) + "]"
    with pytest.raises(DocumentError) as caught:
        load_json(text)
    assert len(caught.value.errors) <= 20
    assert caught.value.omitted == 500 - len(caught.value.errors)


# ---- numbers typed in forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7,1", 7.1), ("7.1", 7.1), (" 42 ", 42), ("-3", -3), (",5", 0.5)],
)
def test_typed_numbers(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["²", "١٢", "nan", "inf", "Infinity", "1e3", "1e400", "1_000", "0x10", "1.2.3", "", "9" * 40],
)
def test_typed_numbers_refuse_anything_ambiguous(text: str) -> None:
    """One parser for every door (core/numbers.py); exponents too are refused, never guessed."""
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


@pytest.mark.parametrize("typed", ["1_0", "1e1", "²", "٤", "9" * 40])
def test_diary_numbers_sent_as_text_go_through_the_one_parser(typed: str) -> None:
    """The diary's forms pass unreadable text on to the schema so that it names the field;
    pydantic's own lax reading (``1_0`` is 10) must never be the one that decides."""
    from pydantic import ValidationError

    from b12check.diary.schemas import EntryIn, TreatmentIn

    with pytest.raises(ValidationError, match="whole number"):
        EntryIn(day="2026-11-28", scores={"muscle_pain": typed})
    with pytest.raises(ValidationError, match="whole number"):
        EntryIn(day="2026-11-28", doses_taken=typed)
    with pytest.raises(ValidationError, match="whole number"):
        TreatmentIn(started="2026-11-01", route="oral", dose_ug=typed)
    assert EntryIn(day="2026-11-28", scores={"muscle_pain": "6"}).scores == {"muscle_pain": 6}


@pytest.mark.parametrize("typed", ["1_00", "5e1", "²", "٥٢", "nan", "9" * 40])
def test_intake_numbers_given_as_text_go_through_the_one_parser(typed: str) -> None:
    """``"age": "1_00"`` is not 100: text in a number field is read by core/numbers.py, and an
    error names the field without echoing the text."""
    from b12check.core.intake import parse_shape
    from b12check.errors import IntakeError

    documents = [
        ({"patient": {"age": typed}}, "patient.age"),
        ({"symptoms": {"muscle_pain": {"severity": typed}}}, "symptoms.muscle_pain.severity"),
        (
            {"labs": [{"analyte": "b12", "value": 100, "reference_range": [typed, 600]}]},
            "labs[0].reference_range[0]",
        ),
    ]
    for document, path in documents:
        with pytest.raises(IntakeError) as caught:
            parse_shape(document)
        assert [e.path for e in caught.value.errors] == [path]
        assert typed not in str(caught.value.errors[0].message)
    assert parse_shape({"patient": {"age": "52"}}).patient.age == 52  # type: ignore[union-attr]
