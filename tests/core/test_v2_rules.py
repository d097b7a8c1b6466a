"""v2 rules that the YAML cases cannot reach (they run the seed profile): P1's window from the
profile, L4's error text, and the lab reader with creatinine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from b12check.cli import app
from b12check.errors import IntakeError
from b12check.service import assess


def _oral_worse(weeks: int) -> dict[str, Any]:
    started = {8: "2026-10-06", 12: "2026-09-08"}[weeks]
    return {
        "today": "2026-12-01",
        "patient": {"age": 53, "sex": "male"},
        "symptoms": {"paresthesia": {"progression": "worsening"}},
        "labs": [{"analyte": "b12", "value": 120, "unit": "pmol/L", "date": "2026-09-01"}],
        "treatment": {
            "started": started,
            "route": "oral",
            "dose_ug_per_day": 1000,
            "response": "worse",
        },
    }


@pytest.mark.parametrize(
    ("profile", "weeks", "plan", "rule"),
    [
        ("seed", 8, "reevaluate", "P1"),  # seed window 6-8: from week 6 on
        ("nhg", 8, "reevaluate", "P1"),  # NHG window 8-10: exactly its lower bound
        ("nice", 8, "intramuscular", "P1b"),  # NICE window 12-13: still before it
        ("nice", 12, "reevaluate", "P1"),
    ],
)
def test_p1_window_is_the_lower_bound_of_the_profiles_reassessment_window(
    profile: str, weeks: int, plan: str, rule: str
) -> None:
    result = assess(_oral_worse(weeks), profile=profile)
    assert result.plan == plan
    assert rule in result.rules


def test_pregnancy_review_is_four_weeks_in_every_profile() -> None:
    intake = {
        "today": "2026-12-01",
        "patient": {"age": 30, "sex": "female", "pregnant": True},
        "symptoms": {"fatigue": {}},
        "labs": [{"analyte": "b12", "value": 100, "unit": "pmol/L"}],
    }
    for profile in ("seed", "nhg", "nice"):
        assert assess(intake, profile=profile).follow_up.reassess_after_weeks == (4, 4)


@pytest.mark.parametrize(
    ("lab", "likely"),
    [
        ({"analyte": "mma", "value": 450, "unit": "umol/L"}, "450 nmol/L"),
        ({"analyte": "hb", "value": 71, "unit": "mmol/L"}, "71 g/L"),
        ({"analyte": "creatinine", "value": 95, "unit": "mg/dL"}, "95 umol/L"),
    ],
)
def test_an_impossible_value_names_the_field_and_the_likely_unit(
    lab: dict[str, Any], likely: str
) -> None:
    with pytest.raises(IntakeError) as info:
        assess({"today": "2026-12-01", "labs": [lab]})
    (error,) = info.value.errors
    assert error.path == "labs[0].value"
    assert likely in error.message and "not a possible" in error.message


def test_the_lab_reader_accepts_creatinine_and_shows_the_estimated_egfr() -> None:
    run = CliRunner()
    args = ["labs", "creatinine=120umol/L", "--sex", "male", "--age", "60", "--lang", "en"]
    out = run.invoke(app, [*args, "--format", "json"])
    assert out.exit_code == 0, out.stderr
    egfr = [lab for lab in json.loads(out.stdout)["labs"] if lab["analyte"] == "egfr"]
    assert egfr and egfr[0]["estimated"] is True
    assert egfr[0]["value"] == pytest.approx(59.71, abs=0.01)
    text = run.invoke(app, args)
    assert text.exit_code == 0, text.stderr
    assert "59.7" in text.stdout
    no_sex = run.invoke(app, ["labs", "creatinine=1.35mg/dL", "--format", "json"])
    assert [lab["analyte"] for lab in json.loads(no_sex.stdout)["labs"]] == ["creatinine"]


def _text_report(intake: dict[str, Any]) -> str:
    out = CliRunner().invoke(
        app,
        ["assess", "-", "--format", "text", "--lang", "en"],
        input=json.dumps(intake),
        env={"COLUMNS": "200"},  # one line per item, whatever the terminal
    )
    assert out.exit_code == 0, out.stderr
    return str(out.stdout)


def test_the_text_report_shows_a_likely_look_alikes_next_step_beside_the_b12_advice() -> None:
    statin = {
        "today": "2026-12-01",
        "patient": {"age": 62, "sex": "male"},
        "medications": [{"name": "simvastatine", "years": 3}],
        "symptoms": {"muscle_pain": {}},
        "labs": [{"analyte": "ck", "value": 900, "unit": "U/L"}],
    }
    text = _text_report(statin)
    step = text.index("Statin: let the doctor review it")
    assert text.index("What helps") < step < text.index("Could it be something else?")
    # B12 deficiency unlikely: the look-alike's step comes above the B12 advice
    vitamin_d = {
        "today": "2026-12-01",
        "patient": {"age": 40, "sex": "female"},
        "symptoms": {"bone_pain": {}},
        "labs": [
            {"analyte": "b12", "value": 400, "unit": "pmol/L"},
            {"analyte": "vitamin_d", "value": 20, "unit": "nmol/L"},
        ],
    }
    text = _text_report(vitamin_d)
    assert text.index("Low vitamin D: take a supplement") < text.index("What helps")
