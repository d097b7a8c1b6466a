"""DuckDB and Spark (local) run the same ibis expressions and must agree exactly: patient by
patient at every rule's edges, refusal by refusal on the bad CSV extract.
One Spark session for all of it (it takes seconds to start), in one test so that parallel test
workers never start two."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from b12check.cli import app
from b12check.knowledge_base import KnowledgeBase
from b12check.screening.edge_cases import T, write_edge_extract
from b12check.screening.engines import connect, spark_session
from b12check.screening.extract import ExtractMapping, read_extract
from b12check.screening.rules import Settings, flag_table
from b12check.screening.screen import run_screen
from b12check.screening.validate import validate
from screening.bad_extract import EXPECTED, write_bad_extract
from screening.conftest import AS_OF
from screening.test_duplicates import EXPECTED as DUPLICATES_EXPECTED
from screening.test_duplicates import write_duplicates_extract


def _rows(
    backend: Any, folder: Path, kb: KnowledgeBase, settings: Settings
) -> list[dict[str, Any]]:
    extract = read_extract(backend, folder, ExtractMapping())
    table = flag_table(validate(extract, kb, settings.as_of), kb, settings).drop("b12")
    return sorted(table.to_pyarrow().to_pylist(), key=lambda r: r["patient_id"])


@pytest.mark.spark
def test_duckdb_and_spark_agree(
    tmp_path: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B12CHECK_SPARK_PARTITIONS", "1")  # small data: fewer, cheaper tasks
    spark = connect("spark", spark_session("b12check-tests"))
    duck = connect("duckdb")
    # patient by patient at every rule's edges
    edges = write_edge_extract(tmp_path)
    settings = Settings("nhg", T, monitoring=True)
    on_duck, on_spark = _rows(duck, edges, kb, settings), _rows(spark, edges, kb, settings)
    assert len(on_duck) == len(on_spark) > 40
    assert on_duck == on_spark
    # refusals of a bad CSV extract, through the command line (--engine spark reuses the
    # session); the benchmark compares the two engines on 100k synthetic patients
    (tmp_path / "bad").mkdir()
    bad = write_bad_extract(tmp_path / "bad")
    runs = [
        CliRunner().invoke(
            app,
            [
                "screen",
                str(bad),
                "--today",
                AS_OF.isoformat(),
                "--engine",
                engine,
                "--patient-list",
            ],
        )
        for engine in ("duckdb", "spark")
    ]
    assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]
    docs = [json.loads(r.stdout) for r in runs]
    for doc in docs:
        assert {(r["table"], r["reason"]): r["rows"] for r in doc["rejected"]} == EXPECTED
    for key in ("patients", "flags", "rejected", "patient_list"):
        assert docs[0][key] == docs[1][key], key
    assert docs[1]["engine"] == "spark"
    # duplicates and refused copies (the one-pass validation's duplicate hint uses each
    # engine's own hash; the count must not depend on it)
    (tmp_path / "dups").mkdir()
    dups = write_duplicates_extract(tmp_path / "dups")
    settings = Settings("seed", AS_OF)
    for backend in (duck, spark):
        result = run_screen(backend, backend.name, dups, kb, settings)
        got = {(r["table"], r["reason"]): r["rows"] for r in result.rejected}
        assert got == DUPLICATES_EXPECTED, backend.name
