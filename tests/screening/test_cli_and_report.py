"""Command shapes (scripts depend on them), small-cell suppression, HTML without external
resources, FHIR NDJSON input, and a light start-up for ``assess``."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from b12check.cli import app
from b12check.knowledge_base import KnowledgeBase
from b12check.screening.report import Suppression, to_json
from b12check.screening.screen import ScreenResult

runner = CliRunner()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    run = runner.invoke(
        app,
        ["synth", "--patients", "1500", "--out", str(out), "--today", "2026-12-01", "--seed", "3"],
    )
    assert run.exit_code == 0, run.output
    return out


def test_synth_writes_four_parquet_tables_deterministically(small: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    names = sorted(p.name for p in small.iterdir())
    assert names == [
        "conditions.parquet",
        "medications.parquet",
        "observations.parquet",
        "patients.parquet",
    ]
    again = tmp_path / "again"
    runner.invoke(
        app,
        [
            "synth",
            "--patients",
            "1500",
            "--out",
            str(again),
            "--today",
            "2026-12-01",
            "--seed",
            "3",
        ],
    )
    for name in names:
        assert pq.read_table(small / name).equals(pq.read_table(again / name))
    obs = pq.read_table(small / "observations.parquet")
    assert 15 <= obs.num_rows / 1500 <= 25  # about 20 results a person
    units = set(obs.column("unit").to_pylist())
    assert {"pmol/L", "pg/mL", "mmol/L", "g/dL", "umol/L", "nmol/L"} <= units


def test_screen_json_shape(small: Path) -> None:
    run = runner.invoke(app, ["screen", str(small), "--today", "2026-12-01"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert {"patients", "rejected", "flags"} <= set(doc)
    assert doc["patients"] == 1500
    assert isinstance(doc["rejected"], list)
    assert [f["reason"] for f in doc["flags"]] == [
        "untested_risk_with_complaints",
        "grey_zone_without_followup",
        "deficient_without_treatment",
        "treatment_without_recheck",
        "pernicious_anaemia_without_treatment",  # C5 (monitoring) is off by default
    ]
    assert all({"reason", "count"} <= set(f) for f in doc["flags"])
    assert "patient_list" not in doc  # only with --patient-list
    assert doc["small_cell_limit"]["parameter"] == "screening.small_cell_below"


def test_patient_list_only_when_asked(small: Path) -> None:
    run = runner.invoke(
        app,
        [
            "screen",
            str(small),
            "--today",
            "2026-12-01",
            "--patient-list",
            "--monitoring",
            "--profile",
            "nice",
        ],
    )
    doc = json.loads(run.stdout)
    listed = doc["patient_list"]
    assert listed and all(p["reasons"] for p in listed)
    counts = {f["reason"]: f["count"] for f in doc["flags"]}
    for reason, count in counts.items():
        listed_count = sum(reason in p["reasons"] for p in listed)
        assert listed_count == count or (count is None and 0 < listed_count < 10)


def test_csv_and_html(small: Path, tmp_path: Path) -> None:
    run = runner.invoke(app, ["screen", str(small), "--today", "2026-12-01", "-f", "csv"])
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0] == ["reason", "rule", "count"]
    assert rows[1] == ["patients_screened", "", "1500"]
    page = tmp_path / "s.html"
    run = runner.invoke(
        app,
        [
            "screen",
            str(small),
            "--today",
            "2026-12-01",
            "-f",
            "html",
            "-o",
            str(page),
            "--lang",
            "nl",
        ],
    )
    assert run.exit_code == 0, run.output
    html = page.read_text()
    assert html.count("<svg") == 3  # counts, B12 by metformin duration, flags over time
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "stelt geen diagnose" in html  # the disclaimer, in Dutch
    assert "untested_risk_with_complaints" not in html  # no internal codes on the page
    assert "1 december 2026" in html and "2026-12-01" not in html  # dates as Dutch writes them


def test_small_cells_are_suppressed(kb: KnowledgeBase) -> None:
    cells = Suppression(10, ("b12check-screening",))
    assert [cells.hide(n) for n in (0, 1, 9, 10, 11)] == [False, True, True, False, False]
    result = ScreenResult(
        "seed",
        "duckdb",
        date(2026, 12, 1),
        False,
        {},
        patients=9,
        flags={
            "untested_risk_with_complaints": 3,
            "grey_zone_without_followup": 0,
            "deficient_without_treatment": 10,
            "treatment_without_recheck": 1,
            "metformin_monitoring_overdue": 0,
            "pernicious_anaemia_without_treatment": 0,
        },
        rejected=[{"table": "observations", "reason": "future_date", "rows": 2}],
    )
    doc = to_json(result, kb)
    assert doc["patients"] is None and doc["patients_suppressed"] is True
    counts = {f["reason"]: (f["count"], f["suppressed"]) for f in doc["flags"]}
    assert counts["untested_risk_with_complaints"] == (None, True)
    assert counts["treatment_without_recheck"] == (None, True)
    assert counts["grey_zone_without_followup"] == (0, False)
    assert counts["deficient_without_treatment"] == (10, False)
    # the limit is the knowledge base's, cited
    limit = kb.core.params("seed", date(2026, 12, 1)).number("screening.small_cell_below")
    assert doc["small_cell_limit"]["value"] == limit
    assert doc["small_cell_limit"]["sources"]


def test_fhir_bulk_ndjson(tmp_path: Path) -> None:
    def write(name: str, resources: list[dict[str, object]]) -> None:
        (tmp_path / f"{name}.ndjson").write_text("\n".join(json.dumps(r) for r in resources))

    write(
        "Patient",
        [
            {
                "resourceType": "Patient",
                "id": f"x{i}",
                "gender": "female",
                "birthDate": "1950-01-01",
            }
            for i in range(12)
        ],
    )
    write(
        "Observation",
        [
            {
                "resourceType": "Observation",
                "subject": {"reference": f"Patient/x{i}"},
                "code": {"coding": [{"system": "http://loinc.org", "code": "2132-9"}]},
                "valueQuantity": {"value": 130, "unit": "pg/mL"},
                "effectiveDateTime": "2026-10-01T08:00:00Z",
            }
            for i in range(12)
        ],
    )
    write(
        "MedicationStatement",
        [
            {
                "resourceType": "MedicationStatement",
                "subject": {"reference": "Patient/x0"},
                "medicationCodeableConcept": {
                    "coding": [{"system": "http://www.whocc.no/atc", "code": "A10BA02"}]
                },
                "effectivePeriod": {"start": "2019-01-01"},
            }
        ],
    )
    write("Condition", [])
    run = runner.invoke(app, ["screen", str(tmp_path), "--today", "2026-12-01"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert doc["patients"] == 12
    # 130 pg/mL = 96 pmol/L: low, no treatment -> all twelve deficient without treatment
    counts = {f["reason"]: f["count"] for f in doc["flags"]}
    assert counts["deficient_without_treatment"] == 12


def test_assess_does_not_import_the_screening_engines(tmp_path: Path) -> None:
    intake = tmp_path / "i.yaml"
    intake.write_text("symptoms: [paresthesia]\n")
    code = (
        "import sys\n"
        f"sys.argv = ['b12check', 'assess', {str(intake)!r}, '--format', 'json']\n"
        "from b12check.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('ibis', 'duckdb', 'pyspark', 'pyarrow', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stderr
