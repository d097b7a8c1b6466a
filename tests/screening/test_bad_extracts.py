"""Bad extracts: every refused row is counted under its reason, nothing disappears silently, and
a missing column is an error naming table and column."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from b12check.cli import app
from b12check.knowledge_base import KnowledgeBase
from b12check.screening.engines import connect
from b12check.screening.extract import ExtractMapping, read_extract
from b12check.screening.rules import Settings
from b12check.screening.schema import ExtractError
from b12check.screening.screen import run_screen
from screening.bad_extract import EXPECTED, write_bad_extract

AS_OF = date(2026, 12, 1)


def test_every_bad_row_is_refused_with_its_reason(tmp_path: Path, kb: KnowledgeBase) -> None:
    folder = write_bad_extract(tmp_path)
    result = run_screen(connect("duckdb"), "duckdb", folder, kb, Settings("seed", AS_OF))
    got = {(r["table"], r["reason"]): r["rows"] for r in result.rejected}
    assert got == EXPECTED
    assert result.patients == 2  # p1 and p5 (read once)
    # accepted + refused rows add up to every row of every table: no silent loss
    import pyarrow.csv as pv

    for table in ("patients", "observations", "medications", "conditions"):
        total = pv.read_csv(folder / f"{table}.csv").num_rows
        refused = sum(n for (t, _), n in got.items() if t == table)
        accepted = {"patients": 2, "observations": 2, "medications": 1, "conditions": 1}[table]
        assert accepted + refused == total, table


def test_refused_rows_do_not_change_the_flags(tmp_path: Path, kb: KnowledgeBase) -> None:
    """p1 has one valid B12 (300 pmol/L, normal): the refused grey-zone values (future, undated,
    unknown unit) must not make her indeterminate, and she is tested (no C1)."""
    folder = write_bad_extract(tmp_path)
    result = run_screen(
        connect("duckdb"), "duckdb", folder, kb, Settings("seed", AS_OF), with_patients=True
    )
    assert result.patient_rows == []
    assert all(n == 0 for n in result.flags.values())


@pytest.mark.parametrize(
    ("table", "column"),
    [("observations", "unit"), ("patients", "birth_date"), ("medications", "atc")],
)
def test_missing_column_names_table_and_column(tmp_path: Path, table: str, column: str) -> None:
    folder = write_bad_extract(tmp_path, drop_column=(table, column))
    with pytest.raises(ExtractError, match=rf"table {table}: missing required column '{column}'"):
        read_extract(connect("duckdb"), folder, ExtractMapping())
    run = CliRunner().invoke(app, ["screen", str(folder), "--today", "2026-12-01"])
    assert run.exit_code == 2
    assert f"table {table}: missing required column '{column}'" in run.output
    assert "Traceback" not in run.output


def test_missing_table_is_an_error(tmp_path: Path) -> None:
    folder = write_bad_extract(tmp_path)
    (folder / "conditions.csv").unlink()
    run = CliRunner().invoke(app, ["screen", str(folder)])
    assert run.exit_code == 2
    assert "table conditions" in run.output


def test_mapping_file_renames_local_columns_and_codes(tmp_path: Path, kb: KnowledgeBase) -> None:
    folder = write_bad_extract(tmp_path)
    obs = (
        (folder / "observations.csv")
        .read_text()
        .replace("patient_id,code,value,unit,date", "pat_nr,bepaling,uitslag,eenheid,afnamedatum")
        .replace("XXXX-1", "B12LOCAL")
    )
    (folder / "lab.csv").write_text(obs)
    (folder / "observations.csv").unlink()
    mapping = folder / "mapping.yaml"
    mapping.write_text(
        "tables:\n  observations:\n    file: lab.csv\n    columns: {patient_id: pat_nr, "
        "code: bepaling, value: uitslag, unit: eenheid, date: afnamedatum}\n"
        "codes:\n  observations: {B12LOCAL: '14685-2'}\nvalues:\n  sex: {M: male}\n"
    )
    run = CliRunner().invoke(
        app, ["screen", str(folder), "--mapping", str(mapping), "--today", "2026-12-01"]
    )
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    got = {(r["table"], r["reason"]): r["rows"] for r in doc["rejected"]}
    assert ("observations", "unknown_code") not in got  # translated by the mapping
    assert ("patients", "unknown_sex") not in got  # M -> male


def test_bad_mapping_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = write_bad_extract(tmp_path)
    mapping = folder / "mapping.yaml"
    mapping.write_text("tables:\n  observations:\n    columns: {valeur: x}\n")
    run = CliRunner().invoke(app, ["screen", str(folder), "--mapping", str(mapping)])
    assert run.exit_code == 2
    assert "unknown column valeur" in run.output


def test_unreadable_data_is_a_message_not_a_trace(tmp_path: Path) -> None:
    folder = write_bad_extract(tmp_path)
    (folder / "patients.csv").unlink()
    (folder / "patients.parquet").write_bytes(b"not parquet at all")
    run = CliRunner().invoke(app, ["screen", str(folder)])
    assert run.exit_code in (1, 2)
    assert "patients" in run.output
    assert "Traceback" not in run.output
