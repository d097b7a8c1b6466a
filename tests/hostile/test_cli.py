"""Hostile input to ``b12check assess``: exit code 2 with the field named, never a traceback;
the same strict rules as the web app (it shares :mod:`b12check.documents`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from b12check.cli import app
from b12check.limits import MAX_DOCUMENT_BYTES

RUN = CliRunner()
BASE = "today: 2026-11-28\npatient: {age: 60, sex: female}\n"


def assess(tmp_path: Path, text: str | bytes, suffix: str = ".yaml") -> tuple[int, str, str]:
    path = tmp_path / f"intake{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    out = RUN.invoke(app, ["assess", str(path), "--format", "json"])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    return out.exit_code, out.stdout, out.stderr


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (BASE + "symptoms: {balance_problems: {}}\nsymptoms: {muscle_cramps: {}}\n", "symptoms"),
        (BASE + "labs:\n  - {analyte: b12, value: 1, value: 2}\n", "labs[0].value"),
        (BASE + "labs: [{analyte: b12, value: .nan, unit: pmol/L}]\n", "labs[0].value"),
        (BASE + "labs: [{analyte: b12, value: .inf, unit: pmol/L}]\n", "labs[0].value"),
        (BASE + "labs: [{analyte: b12, value: " + "9" * 5000 + "}]\n", "labs[0].value"),
        (BASE + 'conditions: ["a\\0b"]\n', "conditions[0]"),
        (BASE + 'conditions: ["\\ud800"]\n', "conditions[0]"),
        (BASE + "conditions: [no]\n", "conditions[0]"),  # 'no' is text, an unknown condition
        (
            BASE + "labs: [{analyte: b12, value: 100, unit: pmol/L,"
            " reference_range: [-1e308, 1e308]}]\n",
            "labs[0].reference_range",
        ),
        (BASE + "x: &a [1]\ny: *a\n", "alias"),
        ("[" * 10_000 + "]" * 10_000, "nested"),
        ("labs: [", "line"),
    ],
)
def test_hostile_yaml_exits_2_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    code, stdout, stderr = assess(tmp_path, text)
    assert code == 2, stdout[:300]
    assert field in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"symptoms": {"balance_problems": {}}, "symptoms": {}}', "symptoms"),
        ('{"patient": {"age": NaN}}', "patient.age"),
        ('{"patient": {"age": Infinity}}', "patient.age"),
        ('{"conditions": ["\\udfff"]}', "conditions[0]"),
    ],
)
def test_hostile_json_exits_2_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    code, _, stderr = assess(tmp_path, text, ".json")
    assert code == 2
    assert field in stderr


def test_yaml_1_2_numbers_are_read_as_written(tmp_path: Path) -> None:
    """``0205`` is 205 pg/mL (borderline-low B12), not octal 133."""
    code, stdout, _ = assess(tmp_path, BASE + "labs: [{analyte: b12, value: 0205, unit: pg/mL}]\n")
    assert code == 0
    lab = json.loads(stdout)["labs"][0]
    assert lab["value"] == pytest.approx(205 * 0.738, rel=0.01)


def test_a_time_like_value_stays_text_and_is_refused(tmp_path: Path) -> None:
    """``1:30`` is not sexagesimal 90: as a number it is an error at the field."""
    code, _, stderr = assess(tmp_path, BASE + "symptoms: {muscle_pain: {weeks: 1:30}}\n")
    assert code == 2
    assert "symptoms.muscle_pain.weeks" in stderr


def test_invalid_utf8_exits_2(tmp_path: Path) -> None:
    code, _, stderr = assess(tmp_path, BASE.encode() + b"conditions: [caf\xe9]\n")
    assert code == 2
    assert "UTF-8" in stderr


def test_a_file_over_the_size_limit_exits_2(tmp_path: Path) -> None:
    code, _, stderr = assess(tmp_path, BASE + "#" * MAX_DOCUMENT_BYTES)
    assert code == 2
    assert "kB" in stderr


def test_invalid_utf8_on_stdin_exits_2_without_traceback_in_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "b12check.cli", "assess", "-"],
        input=b"patient: {age: \xff}\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert b"stdin" in done.stderr
    assert b"Traceback" not in done.stderr


def test_diary_scores_on_the_command_line_exit_2(database_url: str) -> None:
    """``²`` passes ``str.isdigit`` but not ``int``: it used to be a traceback."""
    from b12check.cli.diary import diary_app

    db = ["--database-url", database_url, "--today", "2026-11-28"]
    for typed in ("²", "٣", "9" * 5000, "nan", "1e400"):
        out = RUN.invoke(diary_app, ["add", "--score", f"fatigue={typed}", *db])
        assert out.exit_code == 2, (typed, out.exception)
        assert "--score" in out.stderr
    out = RUN.invoke(diary_app, ["add", "--notes", "a\x00b", *db])
    assert out.exit_code == 2, out.exception
    assert "notes" in out.stderr
