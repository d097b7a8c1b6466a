"""CDS Hooks 2.0.1: discovery, the request/response matrix of the sample services (200, 400,
404, 412), requests shaped like the spec's examples, cards as the spec wants them, feedback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from b12check.fhir.outbound import validate
from b12check.fhir.records import PATIENT_ID
from b12check.store.models import CdsFeedback
from cdsdata import OS, PV, RXNORM, patient_view
from fhirdata import loinc_ok


def order_select(selected: list[str], drafts: list[dict[str, Any]]) -> dict[str, Any]:
    request = patient_view("p20-ranitidine-long")
    request["hook"] = "order-select"
    request["context"]["selections"] = selected
    request["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": d} for d in drafts]}
    return request


METFORMIN_DRAFT = {
    "resourceType": "MedicationRequest",
    "id": "draft-metformin",
    "status": "draft",
    "intent": "order",
    "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "861007"}]},
    "subject": {"reference": f"Patient/{PATIENT_ID}"},
    "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                           "doseAndRate": {"doseQuantity": {"value": 500, "unit": "mg", "code": "mg"}}}],
}  # fmt: skip
DIET_DRAFT = {"resourceType": "NutritionOrder", "id": "diet", "status": "draft", "intent": "order",
              "patient": {"reference": f"Patient/{PATIENT_ID}"}, "dateTime": "2026-11-01"}  # fmt: skip


def test_discovery_lists_both_services_with_prefetch_templates(open_client: TestClient) -> None:
    response = open_client.get("/cds-services")
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert services["b12check-patient-view"]["hook"] == "patient-view"
    assert services["b12check-order-select"]["hook"] == "order-select"
    for service in services.values():
        assert service["description"] and service["title"]
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        codes = [part.split("|")[1] for part in prefetch["labs"].split("code=")[1].split("&")[0].split(",")]
        assert "14685-2" in codes and "2132-9" in codes and all(loinc_ok(c) for c in codes)


def test_patient_view_cards_follow_the_spec(open_client: TestClient) -> None:
    response = open_client.post(PV, json=patient_view("p04-low-b12-no-obvious-cause"))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert cards
    for card in cards:
        assert len(card["summary"]) < 140
        assert card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"]
        assert all(r["display"] for r in card.get("overrideReasons", []))
        for value in card.values():  # optional elements are omitted, never empty
            assert value not in (None, "", [], {})
    main = cards[0]
    assert main["source"]["url"].startswith("https://")
    assert "**" in main["detail"]  # Markdown with the explanation
    assert main["selectionBehavior"] == "any"
    for suggestion in main["suggestions"]:
        (action,) = suggestion["actions"]
        assert action["type"] == "create" and action["description"]
        request = validate(action["resource"])
        assert request["resourceType"] == "ServiceRequest" and request["intent"] == "proposal"
        assert request["subject"]["reference"] == f"Patient/{PATIENT_ID}"
        assert all(loinc_ok(c["code"]) for c in request["code"]["coding"] if c["system"] == "http://loinc.org")


@pytest.mark.parametrize(
    ("case_id", "indicator"),
    [("p02-balance-red-flag", "critical"), ("p20-ranitidine-long", "warning"), ("p17-statin-ck-raised", "info")],
)
def test_indicator_follows_triage(open_client: TestClient, case_id: str, indicator: str) -> None:
    cards = open_client.post(PV, json=patient_view(case_id)).json()["cards"]
    assert cards[0]["indicator"] == indicator


@pytest.mark.parametrize(
    ("case_id", "step", "above_plan"),
    [("p19-folate-deficiency", "folate_after_b12_check", True), ("p17-statin-ck-raised", "statin_review", False)],
)
def test_card_names_a_likely_lookalikes_next_step(open_client: TestClient, case_id: str, step: str,
                                                  above_plan: bool) -> None:  # fmt: skip
    """Rules v2 (rule D): the main card's detail gives the next step of a likely look-alike, above
    the plan when B12 deficiency is unlikely (p19), below it otherwise (p17)."""
    from b12check.knowledge_base import load_knowledge_base

    kb = load_knowledge_base()
    detail = open_client.post(PV, json=patient_view(case_id)).json()["cards"][0]["detail"]
    heading = f"**{kb.ui('en', 'cds.heading_next_steps')}**"
    text = kb.text("en", "next_steps", step, "clinician")
    assert heading in detail and text in detail, detail
    plan = detail.index(f"**{kb.ui('en', 'cds.heading_plan')}**")
    assert (detail.index(text) < plan) is above_plan


def test_card_without_a_likely_lookalike_has_no_next_step_heading(open_client: TestClient) -> None:
    from b12check.knowledge_base import load_knowledge_base

    detail = open_client.post(PV, json=patient_view("p04-low-b12-no-obvious-cause")).json()["cards"][0]["detail"]
    assert load_knowledge_base().ui("en", "cds.heading_next_steps") not in detail


def test_medication_risk_gets_its_own_card(open_client: TestClient) -> None:
    cards = open_client.post(PV, json=patient_view("p20-ranitidine-long")).json()["cards"]
    summaries = [c["summary"] for c in cards[1:]]
    assert any("H2" in s or "ranitidine" in s.lower() or "acid" in s.lower() for s in summaries), summaries


def test_null_prefetch_values_mean_no_data_not_missing(open_client: TestClient) -> None:
    request = patient_view("p04-low-b12-no-obvious-cause")
    for key in ("labs", "conditions", "medicationRequests"):
        request["prefetch"][key] = None
    assert open_client.post(PV, json=request).status_code == 200


def test_missing_prefetch_without_fhir_server_is_412(open_client: TestClient) -> None:
    request = patient_view("p04-low-b12-no-obvious-cause")
    del request["prefetch"]["labs"]
    response = open_client.post(PV, json=request)
    assert response.status_code == 412
    assert "labs" in response.json()["detail"]
    request.pop("prefetch")
    assert open_client.post(PV, json=request).status_code == 412


def test_missing_prefetch_is_fetched_from_the_fhir_server(open_client: TestClient) -> None:
    full = patient_view("p04-low-b12-no-obvious-cause")
    asked: list[tuple[str, str | None]] = []

    def ehr(server: str, query: str, token: str | None) -> Any:  # the EHR's FHIR server
        asked.append((query, token))
        return full["prefetch"]["labs"] if query.startswith("Observation?") else None

    open_client.app.state.cds_fetch = ehr  # type: ignore[attr-defined]
    request = copy.deepcopy(full)
    del request["prefetch"]["labs"]
    request["fhirServer"] = "https://ehr.example.org/fhir"
    request["fhirAuthorization"] = {"access_token": "abc", "token_type": "Bearer", "expires_in": 300,
                                    "scope": "patient/*.read", "subject": "b12check"}  # fmt: skip
    with_fetch = open_client.post(PV, json=request).json()
    direct = open_client.post(PV, json=full).json()
    assert [c["summary"] for c in with_fetch["cards"]] == [c["summary"] for c in direct["cards"]]
    assert asked[0][0].startswith(f"Observation?patient={PATIENT_ID}&") and asked[0][1] == "abc"

    def down(server: str, query: str, token: str | None) -> Any:
        raise ConnectionError("unreachable")

    open_client.app.state.cds_fetch = down  # type: ignore[attr-defined]
    assert open_client.post(PV, json=request).status_code == 412


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hook": "order-sign"}, "hook"),
        ({"hookInstance": None}, "hookInstance"),
        ({"context": None}, "context"),
        ({"context": {"userId": "Practitioner/1"}}, "context.patientId"),
        ({"prefetch": []}, "prefetch"),
        ({"prefetch": {"patient": "Patient/1"}}, "prefetch.patient"),
        ({"fhirAuthorization": {"access_token": "x"}}, "fhirServer"),
    ],
)
def test_malformed_requests_are_400_naming_the_field(open_client: TestClient, change: dict[str, Any], field: str) -> None:
    request = patient_view("p04-low-b12-no-obvious-cause")
    request.update(change)
    response = open_client.post(PV, json={k: v for k, v in request.items() if v is not None})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"].startswith(field)


def test_not_json_is_400_and_unknown_service_is_404(open_client: TestClient) -> None:
    assert open_client.post(PV, content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
    assert open_client.post(PV, json=[1]).status_code == 400
    unknown = open_client.post("/cds-services/no-such-service", json=patient_view("p04-low-b12-no-obvious-cause"))
    assert unknown.status_code == 404
    assert open_client.post("/cds-services/no-such-service/feedback", json={}).status_code == 404


def test_record_the_core_cannot_read_gives_an_info_card_not_an_error(open_client: TestClient) -> None:
    request = patient_view("p04-low-b12-no-obvious-cause")
    request["prefetch"]["labs"]["entry"][0]["resource"]["valueQuantity"].update(unit="mmol/L", code="mmol/L")
    response = open_client.post(PV, json=request)
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["indicator"] == "info" and "labs[0].unit" in card["detail"]


def test_order_select_metformin_order_gets_cards_unrelated_order_none(open_client: TestClient) -> None:
    relevant = open_client.post(OS, json=order_select(["MedicationRequest/draft-metformin"], [METFORMIN_DRAFT, DIET_DRAFT]))
    assert relevant.status_code == 200
    summaries = " ".join(c["summary"] for c in relevant.json()["cards"])
    assert "etformin" in summaries
    unrelated = open_client.post(OS, json=order_select(["NutritionOrder/diet"], [METFORMIN_DRAFT, DIET_DRAFT]))
    assert unrelated.status_code == 200 and unrelated.json() == {"cards": []}


def test_order_select_b12_test_order_gets_the_b12_picture(open_client: TestClient) -> None:
    order = {"resourceType": "ServiceRequest", "id": "b12", "status": "draft", "intent": "order",
             "code": {"coding": [{"system": "http://loinc.org", "code": "14685-2"}]},
             "subject": {"reference": f"Patient/{PATIENT_ID}"}}  # fmt: skip
    response = open_client.post(OS, json=order_select(["ServiceRequest/b12"], [order]))
    assert response.status_code == 200 and response.json()["cards"]


def test_order_select_needs_selections_and_draft_orders(open_client: TestClient) -> None:
    request = order_select(["MedicationRequest/draft-metformin"], [METFORMIN_DRAFT])
    del request["context"]["draftOrders"]
    assert open_client.post(OS, json=request).status_code == 400
    request = patient_view("p04-low-b12-no-obvious-cause")
    assert open_client.post(OS, json=request).status_code == 400  # hook patient-view at order-select


def test_feedback_is_stored_for_audit(open_client: TestClient) -> None:
    cards = open_client.post(PV, json=patient_view("p04-low-b12-no-obvious-cause")).json()["cards"]
    card = cards[0]
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2026-12-02T10:15:00Z",
            },
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": card["overrideReasons"][0], "userComment": "done last week"},
                "outcomeTimestamp": "2026-12-02T10:16:00Z",
            },
        ]
    }
    response = open_client.post(f"{PV}/feedback", json=feedback)
    assert response.status_code == 200 and response.json() == {"stored": 2}
    database = open_client.app.state.database  # type: ignore[attr-defined]
    with database.read() as session:
        rows = session.scalars(select(CdsFeedback).order_by(CdsFeedback.id)).all()
    assert [r.outcome for r in rows] == ["accepted", "overridden"]
    assert rows[0].accepted_suggestions == [card["suggestions"][0]["uuid"]]
    assert rows[1].override_reason["code"] == card["overrideReasons"][0]["code"]
    assert rows[1].user_comment == "done last week" and rows[1].client_issuer == "auth-off"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"feedback": []},
        {"feedback": [{"card": "x", "outcome": "maybe", "outcomeTimestamp": "2026-12-02T10:00:00Z"}]},
        {"feedback": [{"card": "x", "outcome": "accepted"}]},
    ],
)
def test_malformed_feedback_is_400_and_stores_nothing(open_client: TestClient, body: dict[str, Any]) -> None:
    assert open_client.post(f"{PV}/feedback", json=body).status_code == 400
    database = open_client.app.state.database  # type: ignore[attr-defined]
    with database.read() as session:
        assert session.scalars(select(CdsFeedback)).all() == []


def test_auth_off_is_announced_on_every_response(open_client: TestClient) -> None:
    for path in ("/cds-services", "/healthz", "/api/openapi.json"):
        assert open_client.get(path).headers["x-b12check-cds-auth"].startswith("off")


def test_auth_on_has_no_marker_and_refuses_anonymous_calls(secured: TestClient) -> None:
    assert "x-b12check-cds-auth" not in secured.get("/cds-services").headers
    response = secured.post(PV, json=patient_view("p04-low-b12-no-obvious-cause"))
    assert response.status_code == 401
    assert json.loads(response.text)["status"] == 401
