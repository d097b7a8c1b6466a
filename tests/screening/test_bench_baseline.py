"""The benchmark's hand-written DuckDB query must do the same work as the screen (the speed goal is
"within 1.5x of it"): on the extracts with every kind of bad row, with duplicates and at every
rule's edges it counts the same refusals and flags."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from b12check.screening.edge_cases import T, write_edge_extract
from b12check.screening.schema import TABLES
from screening.bad_extract import write_bad_extract
from screening.test_duplicates import write_duplicates_extract

BENCH = Path(__file__).resolve().parents[2] / "bench" / "screen_speed.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screen_speed", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["screen_speed"] = module
    spec.loader.exec_module(module)
    assert module.AS_OF == T  # the benchmark's screening date is the extracts' date
    return module


def _as_parquet(csv_folder: Path, out: Path) -> Path:
    """The CSV extract as typed Parquet tables (the hand-written query reads Parquet)."""
    con = duckdb.connect()
    for name, spec in TABLES.items():
        columns = ", ".join(f"'{c}': '{_SQL_TYPES[t]}'" for c, t in spec.columns)
        con.execute(
            f"COPY (SELECT * FROM read_csv('{csv_folder / name}.csv', header = true, "
            f"columns = {{{columns}}})) TO '{out / name}.parquet'"
        )
    return out


_SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "float64": "DOUBLE"}


@pytest.mark.parametrize("extract", ["bad", "duplicates", "edges"])
def test_hand_written_query_counts_what_the_screen_counts(
    bench: ModuleType, tmp_path: Path, extract: str
) -> None:
    (tmp_path / "csv").mkdir()
    (tmp_path / "parquet").mkdir()
    if extract == "edges":
        folder = write_edge_extract(tmp_path / "parquet")
    else:
        writer = write_bad_extract if extract == "bad" else write_duplicates_extract
        folder = _as_parquet(writer(tmp_path / "csv"), tmp_path / "parquet")
    screen, hand = bench.work_ibis(folder, "duckdb"), bench.work_sql(folder)
    for key in ("patients", "flags", "rejected"):
        assert screen[key] == hand[key], key
    assert screen["rejected"] or any(screen["flags"].values())  # something to compare
