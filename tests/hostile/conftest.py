"""A fresh web app per test for the hostile-input suite, and valid intakes to start from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from b12check.settings import Settings
from b12check.web.app import create_app

CASES = Path(__file__).resolve().parents[1] / "cases"

P05: dict[str, Any] = {
    "today": "2026-11-28",
    "patient": {"age": 52, "sex": "female"},
    "symptoms": {"muscle_cramps": {}},
    "labs": [{"analyte": "b12", "value": 250, "unit": "pg/mL"}],
}


def valid_intakes() -> list[dict[str, Any]]:
    """The project's clinical cases that assess without error (they differ in every section)."""
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(case, dict) and "expect" in case and isinstance(case.get("intake"), dict):
            out.append(case["intake"])
    return out


def make_client(tmp_path: Path, **overrides: Any) -> TestClient:
    settings = Settings(data_dir=tmp_path, secret_key="hostile-suite-key", **overrides)
    return TestClient(create_app(settings), base_url="http://127.0.0.1")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as test_client:
        yield test_client
