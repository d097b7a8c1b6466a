"""The versioned clinician API: problem+json errors naming the field, the same assessment as the
library and the unversioned alias, parameters with sources, FHIR in and out, the API page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from b12check import service
from fhirdata import bundle, observation

INTAKE: dict[str, Any] = {
    "today": "2026-11-28",
    "patient": {"age": 67, "sex": "female"},
    "medications": [{"name": "metformin", "years": 6}],
    "symptoms": {"paresthesia": {}},
    "labs": [{"analyte": "b12", "value": 205, "unit": "pg/mL"}],
}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"] and body["title"]
    return body


def test_assess_gives_the_library_assessment_and_texts(client: TestClient) -> None:
    response = client.post("/api/v1/assess?lang=en&profile=nhg", json=INTAKE)
    assert response.status_code == 200
    body = response.json()
    texts = body.pop("texts")
    assert body == service.assess(INTAKE, profile="nhg").to_dict()
    assert texts["lang"] == "en" and texts["audience"] == "clinician"
    assert texts["triage"]["code"] == body["triage"]["level"] and texts["disclaimer"]
    dutch = client.post("/api/v1/assess?lang=nl&audience=patient", json=INTAKE).json()["texts"]
    assert dutch["lang"] == "nl" and dutch["plan"]["text"] != texts["plan"]["text"]


def test_unversioned_alias_returns_the_same_assessment(client: TestClient) -> None:
    v1 = client.post("/api/v1/assess", json=INTAKE).json()
    v1.pop("texts")
    assert client.post("/api/assess", json=INTAKE).json() == v1


@pytest.mark.parametrize(
    ("body", "query", "field"),
    [
        ({**INTAKE, "labs": [{"analyte": "b12", "value": 205, "unit": "mmol/L"}]}, "", "labs[0].unit"),
        ({**INTAKE, "symptons": {}}, "", "symptons"),
        ({"patient": {"age": 12}}, "", "patient.age"),
        (INTAKE, "?profile=nope", "profile"),
        (INTAKE, "?lang=fr", "lang"),
        (INTAKE, "?audience=nurse", "audience"),
        ([1, 2], "", "intake"),
        ({}, "", "intake"),
    ],
)
def test_input_errors_are_problems_naming_the_field(client: TestClient, body: Any, query: str, field: str) -> None:
    problem = _problem(client.post(f"/api/v1/assess{query}", json=body), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert problem["instance"] == "/api/v1/assess"


def test_transport_errors_are_problems(client: TestClient) -> None:
    _problem(client.post("/api/v1/assess", content=b"{nope", headers={"content-type": "application/json"}), 400)
    _problem(client.post("/api/v1/assess", content=b"a=1", headers={"content-type": "text/plain"}), 415)
    _problem(client.get("/api/v1/fhir/no-such-thing"), 404)
    _problem(client.get("/api/v1/assess"), 405)


def test_labs_interpret_reads_each_result(client: TestClient) -> None:
    response = client.post(
        "/api/v1/labs/interpret?lang=en",
        json={"patient": {"sex": "male"}, "labs": [{"analyte": "b12", "value": 180, "unit": "pmol/L"},
                                                   {"loinc": "59260-0", "value": 7.1, "unit": "mmol/L"}]},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    hb = next(lab for lab in body["labs"] if lab["analyte"] == "hb")
    assert hb["value"] == pytest.approx(114.4, abs=0.2) and hb["interpretation"] == "low"
    assert body["b12"]["status"] == "indeterminate" and "mma" in body["tests"]
    assert _problem(client.post("/api/v1/labs/interpret", json={"labs": []}), 422)["errors"][0]["field"] == "labs"
    problem = _problem(client.post("/api/v1/labs/interpret", json={"labs": [{"analyte": "b12"}], "symptoms": []}), 422)
    assert problem["errors"][0]["field"] == "symptoms"


def test_knowledge_lists_parameters_with_sources_per_profile(client: TestClient) -> None:
    seed = client.get("/api/v1/knowledge?on=2026-11-28").json()
    nhg = client.get("/api/v1/knowledge?profile=nhg&on=2026-11-28").json()
    assert seed["profile"] == "seed" and set(seed["profiles"]) >= {"seed", "nhg", "nice"}
    by_name = {p["name"]: p for p in nhg["parameters"]}
    seed_by_name = {p["name"]: p for p in seed["parameters"]}
    assert by_name["labs.b12.normal_from"]["value"] != seed_by_name["labs.b12.normal_from"]["value"]
    for parameter in nhg["parameters"]:
        assert parameter["unit"] and parameter["sources"]
        assert all(s["title"] and s["link"] for s in parameter["sources"])
    assert by_name["fhir.max_result_age_days"]["unit"] == "days"
    assert _problem(client.get("/api/v1/knowledge?on=yesterday"), 422)["errors"][0]["field"] == "on"


def test_fhir_assess_reads_the_bundle_and_answers_in_fhir(client: TestClient) -> None:
    record = bundle(
        {"resourceType": "Patient", "id": "pat-1", "gender": "female", "birthDate": "1960-02-02"},
        observation("2132-9", 160, "pg/mL", "2026-11-01", "b12"),
        observation("2951-2", 139, "mmol/L", "2026-11-01", "sodium"),
    )
    response = client.post("/api/v1/fhir/assess?lang=en", json=record)
    assert response.status_code == 200
    body = response.json()
    assert body["intake"]["labs"][0]["loinc"] == "2132-9"
    assert body["mapping"]["not_used"][0]["resource"] == "Observation/sodium"
    kinds = [e["resource"]["resourceType"] for e in body["fhir"]["entry"]]
    assert {"RiskAssessment", "GuidanceResponse", "Questionnaire", "QuestionnaireResponse"} <= set(kinds)
    risk = next(e["resource"] for e in body["fhir"]["entry"] if e["resource"]["resourceType"] == "RiskAssessment")
    assert risk["subject"]["reference"] == "Patient/pat-1"
    assert body["assessment"]["b12"]["status"] == "deficient"
    _problem(client.post("/api/v1/fhir/assess", json={"resourceType": "Patient"}), 422)
    assert _problem(client.post("/api/v1/fhir/assess", json=bundle()), 422)["errors"][0]["field"] == "bundle"


def test_openapi_describes_v1_with_examples(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/v1/assess", "/api/v1/labs/interpret", "/api/v1/fhir/assess"):
        content = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert content["example"], path
        assert "application/problem+json" in spec["paths"][path]["post"]["responses"]["422"]["content"]
    assert "/api/v1/knowledge" in spec["paths"] and "/cds-services" in spec["paths"]
    schema = spec["paths"]["/api/v1/assess"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False and "labs" in schema["properties"]


def test_api_page_serves_swagger_ui_from_own_files_without_inline_script(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', page.text))  # no CDN
    for asset in re.findall(r'(?:src|href)="(/static/[^"]*)"', page.text):
        assert client.get(asset).status_code == 200, asset
    assert "script-src 'self'" in page.headers["content-security-policy"]
