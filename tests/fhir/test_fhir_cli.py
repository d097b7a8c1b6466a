"""``b12check assess --fhir bundle.json``: the same assessment as the library, unused resources
named on stderr, and an unusable bundle is an input error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from b12check import service
from b12check.cli import app
from b12check.fhir.records import intake_to_bundle
from fhirdata import bundle, observation, vignettes


def test_assess_fhir_bundle_from_a_file(tmp_path: Path) -> None:
    case = next(c for c in vignettes() if c["id"] == "p20-ranitidine-long")
    record = intake_to_bundle(case["intake"])
    record["entry"].append({"resource": observation("2951-2", 139, "mmol/L", "2026-11-01", "sodium")})
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", "--fhir", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    expected = service.assess(case["intake"]).to_dict()
    assert printed["triage"] == expected["triage"] and printed["risk_factors"] == expected["risk_factors"]
    assert "not used: Observation/sodium" in result.stderr and "2951-2" in result.stderr


def test_unusable_bundle_exits_2_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", "--fhir", str(path)])
    assert result.exit_code == 2
    assert "bundle:" in result.stderr
