"""The command line as a person uses it: assess (json/text), labs, kb, interview, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from b12check.cli import app
from b12check.knowledge_base import load_knowledge_base

REPO = Path(__file__).resolve().parents[2]
RUN = CliRunner()
INTAKE = {
    "today": "2026-11-28",
    "patient": {"age": 67, "sex": "female"},
    "diet": {"pattern": "vegan", "fortified_foods": False},
    "medications": [
        {"name": "Glucophage", "dose_mg_per_day": 2000, "since": "2019-03-01"},
        {"name": "Kruidenthee Extra"},
    ],
    "symptoms": {"muscle_pain": {"severity": 6, "weeks": 10}, "paresthesia": {}, "fatigue": {}},
    "labs": [
        {"analyte": "b12", "value": 205, "unit": "pg/mL", "date": "2026-11-01"},
        {"analyte": "hb", "value": 7.1, "unit": "mmol/L"},
    ],
}


def test_assess_json_follows_the_contract() -> None:
    out = RUN.invoke(app, ["assess", "-", "--format", "json"], input=json.dumps(INTAKE))
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["triage"]["level"] == "urgent"
    assert {"metformin_long_term", "age_over_65", "vegan_without_supplement"} <= set(
        data["risk_factors"]
    )
    assert data["b12"] == {"status": "indeterminate", "suspicion": "high"}
    # every look-alike of the vocabulary, in its order, each judged
    assert [d["condition"] for d in data["differentials"]] == list(
        load_knowledge_base().vocabulary.codes("differential_conditions")
    )
    assert all(d["support"] for d in data["differentials"])
    assert data["labs"][0]["value"] == 151.249
    assert data["medications"][1] == {
        "name": "Kruidenthee Extra",
        "recognised": False,
        "classes": [],
    }
    assert any(n["code"] == "medicine_not_recognised" for n in data["notes"])
    assert all(e["sources"] for e in data["explanation"])


def test_assess_text_in_dutch_has_banner_reasons_tests_and_disclaimer_near_advice() -> None:
    out = RUN.invoke(app, ["assess", "-", "--lang", "nl"], input=yaml.safe_dump(INTAKE))
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    kb_line = "geen diagnose"
    assert "Wat nu te doen" in text and "Waarom" in text
    assert text.count(kb_line) >= 2  # under the banner and next to the treatment advice
    assert "MMA" in text and "151,2 pmol/L" in text and "Lijkt het op iets anders?" in text
    assert "{" not in text  # every placeholder was filled


def test_assess_text_in_english_for_a_clinician_lists_sources() -> None:
    out = RUN.invoke(
        app, ["assess", "-", "--lang", "en", "--audience", "clinician"], input=json.dumps(INTAKE)
    )
    assert out.exit_code == 0
    assert "What to do now" in out.stdout and "nice-ng239" in out.stdout


def test_bad_input_exits_2_and_names_the_field() -> None:
    bad = {**INTAKE, "labs": [{"analyte": "b12", "value": 205, "unit": "mmol/L"}]}
    out = RUN.invoke(app, ["assess", "-", "--format", "json"], input=json.dumps(bad))
    assert out.exit_code == 2
    assert "labs[0].unit" in out.stderr and "pg/mL" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_unknown_profile_and_unreadable_file_are_clear_errors(tmp_path: Path) -> None:
    out = RUN.invoke(app, ["assess", "-", "--profile", "usa"], input=json.dumps(INTAKE))
    assert out.exit_code == 2 and "profile" in out.stderr
    out = RUN.invoke(app, ["assess", str(tmp_path / "nothing.yaml")])
    assert out.exit_code == 2 and "cannot read" in out.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("patient: {age: [")
    out = RUN.invoke(app, ["assess", str(broken)])
    assert out.exit_code == 2 and "not valid YAML" in out.stderr


def test_profiles_change_numbers_not_logic() -> None:
    doc = {
        "today": "2026-11-28",
        "patient": {"age": 50, "sex": "male"},
        "symptoms": {"fatigue": {}},
        "labs": [{"analyte": "b12", "value": 140, "unit": "pmol/L"}],
    }
    seed = json.loads(RUN.invoke(app, ["assess", "-", "-f", "json"], input=json.dumps(doc)).stdout)
    nice = json.loads(
        RUN.invoke(app, ["assess", "-", "-f", "json", "-p", "nice"], input=json.dumps(doc)).stdout
    )
    assert seed["labs"][0]["interpretation"] == "low" and seed["b12"]["status"] == "deficient"
    assert nice["labs"][0]["interpretation"] == "borderline"
    assert nice["b12"]["status"] == "indeterminate" and nice["profile"] == "nice"


def test_labs_reader_converts_and_suggests_next_tests() -> None:
    out = RUN.invoke(
        app,
        [
            "labs",
            "b12=205pg/mL",
            "mma=3600nmol/L",
            "hb=7.1mmol/L",
            "--sex",
            "female",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert [lab["interpretation"] for lab in data["labs"]] == ["borderline", "high", "low"]
    assert data["b12"]["status"] == "deficient"
    assert "renal_function" in data["tests"]
    text = RUN.invoke(app, ["labs", "b12=205pg/mL", "--lang", "en"])
    assert text.exit_code == 0 and "151.2 pmol/L" in text.stdout


def test_labs_reader_names_the_bad_argument() -> None:
    out = RUN.invoke(app, ["labs", "b12=205pg/mL", "mma=3600mmHg"])
    assert out.exit_code == 2
    assert "labs[1].unit" in out.stderr and "mma=3600mmHg" in out.stderr
    out = RUN.invoke(app, ["labs", "b12"])
    assert out.exit_code == 2 and "name=value" in out.stderr


def test_kb_validates_lists_and_the_checked_in_rule_book_is_current() -> None:
    kb = load_knowledge_base()
    out = RUN.invoke(app, ["kb"])
    assert out.exit_code == 0 and "(valid)" in out.stdout
    assert f"{len(kb.core.parameters)} parameters, {len(kb.core.rules)} rules" in out.stdout
    out = RUN.invoke(app, ["kb", "--format", "markdown"])
    assert out.exit_code == 0
    checked_in = (REPO / "docs" / "knowledge.md").read_text(encoding="utf-8")
    assert out.stdout == checked_in, "run: b12check kb --format markdown -o docs/knowledge.md"
    data = json.loads(RUN.invoke(app, ["kb", "-f", "json", "-p", "nice"]).stdout)
    assert data["nice"]["labs.b12.low_below"]["values"][0]["value"] == 133


def test_interview_asks_only_what_matters_and_saves_yaml(tmp_path: Path) -> None:
    target = tmp_path / "intake.yaml"
    answers = (
        "\n".join(
            [
                "58",
                "man",  # patient: no pregnancy questions for a man
                "nee",  # no falls
                "1,4",  # symptoms: muscle_pain, paresthesia
                "5",
                "8",  # muscle pain: severity, weeks
                "?",
                "?",
                "gelijk",  # paresthesia: severity unknown, weeks unknown, course
                "",  # where the tingling is: skipped
                "gemengd",  # diet (no fortified-food question)
                "n",  # supplements
                "j",
                "metformine 500mg",
                "7",
                "",  # medicines, then done
                "",
                "",  # no conditions, no exposures
                "j",
                "1",
                "205",
                "pg/mL",
                "",
                "",  # one lab result, then done
                "n",  # no treatment
            ]
        )
        + "\n"
    )
    out = RUN.invoke(app, ["interview", "--save", str(target)], input=answers)
    assert out.exit_code == 0, out.stdout
    assert "zwanger" not in out.stdout
    assert "verrijkt" not in out.stdout
    saved = yaml.safe_load(target.read_text())
    assert saved["symptoms"]["paresthesia"] == {"progression": "stable"}
    assert saved["medications"] == [{"name": "metformine 500mg", "years": 7}]
    assert saved["labs"] == [{"analyte": "b12", "value": 205, "unit": "pg/mL"}]
    assert "Tests om aan uw huisarts te vragen" in out.stdout


def test_interview_stops_early_on_a_red_flag() -> None:
    answers = "\n".join(["70", "female", "no", "8"]) + "\n"  # balance problems
    out = RUN.invoke(app, ["interview", "--lang", "en"], input=answers)
    assert out.exit_code == 0
    assert "skip the remaining questions" in out.stdout
    assert "Say on the phone" in out.stdout


def test_the_installed_command_runs_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "b12check.cli", "assess", "-", "--format", "json"],
        input=json.dumps(INTAKE),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["triage"]["level"] == "urgent"


def test_serve_with_a_database_it_cannot_open_exits_2_with_one_line_and_no_password(
    tmp_path: Path,
) -> None:
    """The database is opened (and migrated) before any worker starts: a wrong URL or a server
    that does not answer ends with exit 2 and the reason, never a worker's traceback, and never
    the password inside the URL."""
    for url in ("nosuchdb://x", "postgresql+psycopg://someone:s3cretpw@127.0.0.1:9/none"):
        done = subprocess.run(
            [sys.executable, "-m", "b12check", "serve", "--port", "9", "--workers", "2"],
            env={
                **os.environ,
                "DATABASE_URL": url,
                "B12CHECK_DATA_DIR": str(tmp_path),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("b12check: cannot open the database"), done.stderr
        assert "Traceback" not in done.stderr and "s3cretpw" not in done.stderr
