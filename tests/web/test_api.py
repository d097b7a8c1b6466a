"""The JSON twins: the same assessment as the library, errors naming the field."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient

from b12check import service
from caseplugin import shared_dir

P05 = {
    "today": "2026-11-28",
    "patient": {"age": 52, "sex": "female"},
    "symptoms": {"muscle_cramps": {}},
    "labs": [{"analyte": "b12", "value": 250, "unit": "pg/mL"}],
}


def test_api_assess_equals_the_library(client: TestClient) -> None:
    response = client.post("/api/assess", json=P05)
    assert response.status_code == 200
    assert response.json() == service.assess(P05).to_dict()


def test_api_assess_all_vignettes_like_the_library(client: TestClient) -> None:
    vignettes = sorted((shared_dir() / "vignettes").glob("*.yaml"))
    assert vignettes, f"no vignettes in {shared_dir()} (set B12CHECK_SHARED)"
    for path in vignettes:
        case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        intake = yaml.safe_load(yaml.safe_dump(case["intake"], default_flow_style=False))
        response = client.post("/api/assess", content=_json(intake),
                               headers={"content-type": "application/json"})  # fmt: skip
        if "expect_error" in case:
            assert response.status_code == 422, path.name
            paths = [e["path"] for e in response.json()["errors"]]
            for expected in case["expect_error"]:
                assert any(expected in p for p in paths), (path.name, paths)
        else:
            assert response.status_code == 200, (path.name, response.text)
            assert response.json() == service.assess(intake).to_dict(), path.name


def _json(data: Any) -> str:
    import json

    return json.dumps(data, default=str)


def test_api_error_names_the_field(client: TestClient) -> None:
    bad = {**P05, "labs": [{"analyte": "b12", "value": 250, "unit": "mmol/L"}]}
    response = client.post("/api/assess", json=bad)
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["labs[0].unit"]


def test_api_wants_json(client: TestClient) -> None:
    response = client.post("/api/assess", data={"patient": "x"})
    assert response.status_code == 415
    broken = client.post("/api/assess", content=b"{not json",
                         headers={"content-type": "application/json"})  # fmt: skip
    assert broken.status_code == 400
    assert client.post("/api/assess", json=[1, 2]).status_code == 422


def test_api_unknown_profile(client: TestClient) -> None:
    assert client.post("/api/assess?profile=nope", json=P05).status_code == 422


def test_api_report_pdf(client: TestClient) -> None:
    response = client.post("/api/report.pdf?lang=en", json=P05)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert client.post("/api/report.pdf", json={}).status_code == 422
