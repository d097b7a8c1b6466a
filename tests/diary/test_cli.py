"""`b12check diary add|treatment|list|export` in local single-user mode, on both databases."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from b12check.cli.diary import diary_app

TODAY = "2026-11-28"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(diary_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_terminal_diary_flow(database_url: str) -> None:
    db = ["--database-url", database_url, "--today", TODAY]
    assert (
        run("treatment", "--started", "2026-10-01", "--route", "oral", "--dose", "1000", *db)[0]
        == 0
    )
    for day, severity in (("2026-10-01", "6"), ("2026-11-26", "6")):
        code, out, _ = run(
            "add",
            "--date",
            day,
            "--score",
            f"muscle_pain={severity}",
            "--doses",
            "7",
            "--notes",
            "kuit",
            *db,
        )
        assert code == 0
        assert "saved" in out
    code, out, _ = run("list", "--format", "json", *db)
    course = json.loads(out)
    assert course["response"]["response"] == "unchanged"
    assert course["assessment"]["plan"] == "reevaluate"
    code, out, _ = run("list", "--lang", "en", *db)
    assert code == 0
    assert "No clear change" in out
    code, out, _ = run("export", "--format", "csv", *db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["severity"] for r in rows if r["record"] == "entry"] == ["6", "6"]
    code, out, _ = run("export", "--format", "fhir", *db)
    assert json.loads(out)["resourceType"] == "Bundle"


def test_terminal_input_errors_exit_2_and_name_the_field(database_url: str) -> None:
    db = ["--database-url", database_url, "--today", TODAY]
    code, _, err = run("add", "--date", "2026-12-01", "--score", "fatigue=3", *db)
    assert code == 2
    assert "day" in err
    code, _, err = run("add", "--score", "fatigue=12", *db)
    assert code == 2
    assert "scores" in err
    code, _, err = run("add", "--score", "fatigue", *db)
    assert code == 2
    assert "SYMPTOM" in err
