"""Schemathesis fuzzes every operation of the OpenAPI description (bounded: a few examples per
operation, the PDF report left out for time): no answer may be a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from b12check.settings import Settings
from b12check.web.app import create_app

_DATA = Path(tempfile.mkdtemp(prefix="b12check-fuzz-"))
APP = create_app(Settings(data_dir=_DATA, secret_key="f" * 32, cds_auth="off"))
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP).exclude(path="/api/report.pdf")


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])


def test_fuzzing_covers_the_clinician_doors() -> None:
    paths = {op.path for op in (r.ok() for r in SCHEMA.get_all_operations())}
    assert {"/api/v1/assess", "/api/v1/fhir/assess", "/cds-services/{service_id}"} <= paths


@pytest.fixture(autouse=True, scope="module")
def _cleanup() -> object:
    yield None
    import shutil

    shutil.rmtree(_DATA, ignore_errors=True)
