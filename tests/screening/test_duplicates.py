"""Validation reads the results once, per patient: exact duplicate rows are still counted exactly
(also when every repeat key collides), near-duplicates are no duplicates, refused copies count
under their own reason, and the flags from validation's per-patient results equal the flags
computed again from the accepted rows."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pytest

from b12check.knowledge_base import KnowledgeBase
from b12check.screening import validate as validation
from b12check.screening.engines import connect
from b12check.screening.extract import ExtractMapping, read_extract
from b12check.screening.rules import Settings, flag_table
from b12check.screening.screen import run_screen
from screening.conftest import AS_OF

PATIENTS = """patient_id,birth_date,sex,diet
a,1950-03-01,female,
b,1960-01-01,Male,
b,1960-01-01,male,
d,1970-01-01,male,
d,1970-01-01,male,vegan
"""
B12 = "14685-2,300,pmol/L,2026-01-01"
OBSERVATIONS = f"""patient_id,code,value,unit,date
a,{B12}
a,{B12}
a,{B12}
a,14685-2,301,pmol/L,2026-01-01
a,14685-2,300,pmol/L,2026-01-02
a,2132-9,300,pg/mL,2026-01-01
a,718-7,130,g/L,2026-01-01
b,{B12}
b,{B12}
b,14685-2,100,pmol/L,2027-01-01
b,14685-2,100,pmol/L,2027-01-01
c,{B12}
c,{B12}
,{B12}
,{B12}
"""
MEDICATIONS = """patient_id,atc,start_date,end_date
a,A10BA02,2020-01-01,
a,A10BA02,2020-01-01,
"""
CONDITIONS = """patient_id,code,date
b,paresthesia,2026-11-01
"""
EXPECTED = {
    ("patients", "duplicate_row"): 1,  # b: "Male" and "male" are the same sex
    ("patients", "duplicate_patient"): 2,  # d: no diet in one row, vegan in the other
    ("observations", "duplicate_row"): 3,  # a: two extra copies, b: one
    ("observations", "future_date"): 2,  # refused copies count under their own reason
    ("observations", "unknown_patient"): 2,
    ("observations", "missing_patient_id"): 2,
    ("medications", "duplicate_row"): 1,
}
ROWS = {"patients": 5, "observations": 15, "medications": 2, "conditions": 1}
ACCEPTED = {"patients": 2, "observations": 6, "medications": 1, "conditions": 1}


def write_duplicates_extract(folder: Path) -> Path:
    texts = {
        "patients": PATIENTS,
        "observations": OBSERVATIONS,
        "medications": MEDICATIONS,
        "conditions": CONDITIONS,
    }
    for name, text in texts.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return write_duplicates_extract(tmp_path)


def _refused(folder: Path, kb: KnowledgeBase) -> dict[tuple[str, str], int]:
    result = run_screen(connect("duckdb"), "duckdb", folder, kb, Settings("seed", AS_OF))
    assert result.patients == 2
    # b's refused future B12 of 100 pmol/L would make him deficient (C3) if it were read
    assert not any(result.flags.values()), result.flags
    return {(r["table"], r["reason"]): r["rows"] for r in result.rejected}


def _both_ways(folder: Path, kb: KnowledgeBase, settings: Settings) -> tuple[pa.Table, pa.Table]:
    """The flags from validation's per-patient results and from the accepted rows."""
    checked = validation.validate(
        read_extract(connect("duckdb"), folder, ExtractMapping()), kb, settings.as_of
    )
    # a later validation date sends flag_table to the accepted rows
    again = dataclasses.replace(checked, as_of=settings.as_of + timedelta(days=1))
    fast = flag_table(checked, kb, settings).order_by("patient_id").to_pyarrow()
    return fast, flag_table(again, kb, settings).order_by("patient_id").to_pyarrow()


def test_duplicates_are_exact_and_every_row_is_accounted_for(
    extract: Path, kb: KnowledgeBase
) -> None:
    got = _refused(extract, kb)
    assert got == EXPECTED
    for table, rows in ROWS.items():
        refused = sum(n for (t, _), n in got.items() if t == table)
        assert ACCEPTED[table] + refused == rows, table


def test_colliding_repeat_keys_do_not_change_the_count(
    extract: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repeat key only narrows down where to compare whole rows: with one key for every row
    (every patient's rows collide) the counts stay exact."""

    def same_key(rows: ir.Table) -> ir.Value:
        return rows.date.isnull().cast("int32")

    monkeypatch.setattr(validation, "_repeat_key", same_key)
    assert _refused(extract, kb) == EXPECTED


def test_flags_from_validation_equal_flags_from_the_accepted_rows(
    synthetic: Path, kb: KnowledgeBase
) -> None:
    """Validation's per-patient results (used on the screening date) and the same aggregates
    over the accepted rows (used for earlier dates) give the same flags."""
    for profile in ("seed", "nhg"):
        fast, rows = _both_ways(synthetic, kb, Settings(profile, AS_OF, monitoring=True))
        assert fast.num_rows == 4000
        assert fast == rows, profile


def test_refused_rows_stay_out_of_the_flags_both_ways(extract: Path, kb: KnowledgeBase) -> None:
    fast, rows = _both_ways(extract, kb, Settings("nhg", AS_OF, monitoring=True))
    assert fast == rows
    flagged = fast.drop_columns(["patient_id", "status", "b12", "metformin_band"])
    assert not any(any(column.to_pylist()) for column in flagged.columns)
