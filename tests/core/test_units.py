"""Unit conversion and LOINC handling: every unit a Dutch, British or American lab reports."""

from __future__ import annotations

import pytest

from b12check.core.loinc import loinc_check_digit_ok
from b12check.errors import IntakeError
from b12check.service import assess

TODAY = "2026-11-28"


def lab_value(entry: dict[str, object], patient: dict[str, object] | None = None) -> dict:  # type: ignore[type-arg]
    doc = {"today": TODAY, "labs": [entry], "patient": patient or {"age": 50, "sex": "female"}}
    return assess(doc).to_dict()["labs"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "canonical"),
    [
        ("b12", 300, "pg/mL", 221.34),
        ("b12", 300, "ng/L", 221.34),
        ("b12", 0.3, "ng/mL", 221.34),
        ("b12", 221, "pmol/l", 221),
        ("mma", 520, "nmol/L", 0.52),
        ("mma", 0.52, "µmol/L", 0.52),
        ("mma", 0.52, "umol/L", 0.52),
        ("mma", 0.52, "nmol/mL", 0.52),
        ("homocysteine", 2.0, "mg/L", 14.79),
        ("hb", 12.5, "g/dL", 125),
        ("hb", 7.1, "mmol/L", 114.41),
        ("hb", 125, "g/L", 125),
        ("mcv", 104, "fL", 104),
        ("folate", 3, "ng/mL", 6.80),
        ("folate", 3, "µg/L", 6.80),
        ("ferritin", 20, "ng/mL", 20),
        ("ferritin", 20, "mcg/L", 20),
        ("vitamin_d", 20, "ng/mL", 49.92),
        ("magnesium", 1.7, "mg/dL", 0.699),
        ("magnesium", 1.4, "mEq/L", 0.7),
        ("ck", 10, "µkat/L", 600),
        ("ck", 600, "IU/L", 600),
        ("tsh", 2.5, "mIU/L", 2.5),
        ("tsh", 2.5, "µIU/mL", 2.5),
        ("tsh", 2.5, "m[IU]/L", 2.5),
        ("ft4", 1.2, "ng/dL", 15.44),
        ("creatinine", 1.0, "mg/dL", 88.42),
        ("egfr", 75, "mL/min/{1.73_m2}", 75),
        ("egfr", 75, "mL/min/1.73m2", 75),
    ],
)
def test_conversion_to_canonical_unit(
    analyte: str, value: float, unit: str, canonical: float
) -> None:
    out = lab_value({"analyte": analyte, "value": value, "unit": unit})
    assert out["value"] == pytest.approx(canonical, rel=2e-3)
    assert out["original_unit"] is not None


@pytest.mark.parametrize(
    ("loinc", "unit", "analyte"),
    [
        ("2132-9", "pg/mL", "b12"),
        ("14685-2", "pmol/L", "b12"),
        ("13964-2", "nmol/L", "mma"),
        ("718-7", "g/dL", "hb"),
        ("59260-0", "mmol/L", "hb"),
        ("62292-8", "ng/mL", "vitamin_d"),
        ("2601-3", "mmol/L", "magnesium"),
        ("19123-9", "mg/dL", "magnesium"),
        ("98979-8", "mL/min/{1.73_m2}", "egfr"),
        ("3016-3", "mIU/L", "tsh"),
    ],
)
def test_both_mass_and_molar_loinc_codes_are_read(loinc: str, unit: str, analyte: str) -> None:
    value = 1 if analyte == "magnesium" else 10
    assert lab_value({"loinc": loinc, "value": value, "unit": unit})["analyte"] == analyte


def test_loinc_check_digit() -> None:
    assert loinc_check_digit_ok("2132-9")
    assert loinc_check_digit_ok("14685-2")
    assert not loinc_check_digit_ok("14685-3")
    assert not loinc_check_digit_ok("2132")
    assert not loinc_check_digit_ok("abc-1")


def errors_of(doc: dict) -> list[str]:  # type: ignore[type-arg]
    with pytest.raises(IntakeError) as info:
        assess({"today": TODAY, **doc})
    return [f"{e.path}: {e.message}" for e in info.value.errors]


def test_unit_that_does_not_fit_the_analyte_is_an_error_naming_the_field() -> None:
    (message,) = errors_of({"labs": [{"analyte": "b12", "value": 200, "unit": "mmol/L"}]})
    assert message.startswith("labs[0].unit:") and "pmol/L" in message


def test_value_impossible_for_a_human_is_an_error() -> None:
    (message,) = errors_of({"labs": [{"analyte": "mcv", "value": 500, "unit": "fL"}]})
    assert message.startswith("labs[0].value:")


def test_missing_unit_is_assumed_only_when_one_unit_is_plausible_and_the_assessment_says_so() -> (
    None
):
    result = assess({"today": TODAY, "labs": [{"analyte": "mcv", "value": 104}]}).to_dict()
    assert result["labs"][0]["unit"] == "fL"
    assert {
        "code": "unit_assumed",
        "field": "labs[0].unit",
        "analyte": "mcv",
        "value": "104",
        "unit": "fL",
    } in result["notes"]
    assert "L2" in result["rules"]
    (message,) = errors_of({"labs": [{"analyte": "b12", "value": 200}]})
    assert message.startswith("labs[0].unit:")


def test_loinc_without_unit_takes_the_codes_unit() -> None:
    result = assess({"today": TODAY, "labs": [{"loinc": "2132-9", "value": 150}]}).to_dict()
    assert result["labs"][0]["value"] == pytest.approx(110.67, abs=0.01)
    assert result["notes"][0]["code"] == "unit_assumed"


def test_loinc_and_analyte_that_disagree_are_an_error() -> None:
    (message,) = errors_of({"labs": [{"analyte": "folate", "loinc": "2132-9", "value": 3}]})
    assert message.startswith("labs[0].loinc:")


def test_lab_range_is_converted_and_decides_low_normal_high() -> None:
    out = lab_value(
        {"analyte": "b12", "value": 190, "unit": "pg/mL", "reference_range": [200, 900]}
    )
    assert out["interpretation"] == "low"
    assert out["reference"]["basis"] == "lab"
    assert out["reference"]["low"] == pytest.approx(147.56)


def test_hb_limit_depends_on_sex_and_pregnancy() -> None:
    hb = {"analyte": "hb", "value": 125, "unit": "g/L"}
    assert lab_value(hb, {"sex": "male"})["interpretation"] == "low"
    assert lab_value(hb, {"sex": "female"})["interpretation"] == "normal"
    assert (
        lab_value({**hb, "value": 115}, {"sex": "female", "pregnant": True})["interpretation"]
        == "normal"
    )
    unknown = assess({"today": TODAY, "labs": [hb]}).to_dict()
    assert unknown["labs"][0]["interpretation"] == "low"  # the stricter limit when sex is unknown
    assert any(n["code"] == "sex_unknown_limit" for n in unknown["notes"])


def test_results_outside_the_assay_range_read_as_just_beyond_the_limit() -> None:
    below = assess(
        {"today": TODAY, "labs": [{"analyte": "b12", "value": "<148", "unit": "pmol/L"}]}
    )
    assert below.to_dict()["labs"][0]["interpretation"] == "low"
    assert below.to_dict()["notes"][0]["code"] == "censored_value"
    above = lab_value({"analyte": "b12", "value": "> 738", "unit": "pmol/L"})
    assert above["interpretation"] == "high"
    (message,) = errors_of({"labs": [{"analyte": "b12", "value": "low-ish", "unit": "pmol/L"}]})
    assert message.startswith("labs[0].value:")
