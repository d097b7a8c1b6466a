"""FHIR R4 out: every resource parses and validates with fhir.resources (R4B models), every LOINC
code carries a valid check digit, and each resource says what the assessment concluded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from b12check import service
from b12check.fhir.outbound import assessment_resources, to_bundle
from b12check.fhir.questionnaire import response_to_intake
from fhirdata import codings, loinc_ok, vignettes

CASES = [c for c in vignettes() if "expect" in c]


def _by_type(resources: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["resourceType"] == kind]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_outputs_validate_and_carry_the_conclusions(case: dict[str, Any]) -> None:
    intake = case["intake"]
    assessment = service.assess(intake)
    result = assessment.to_dict()
    resources = assessment_resources(assessment, intake, lang="en")
    for resource in resources:  # parse again from JSON text, as a receiving system would
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate_json(json.dumps(resource))
    Bundle.model_validate_json(json.dumps(to_bundle(resources, "2026-11-28T00:00:00Z")))
    loinc = [c["code"] for c in codings(resources) if c["system"] == "http://loinc.org"]
    assert all(loinc_ok(code) for code in loinc), loinc
    requests = _by_type(resources, "ServiceRequest")
    assert [c["code"] for r in requests for c in r["code"]["coding"] if c["system"].endswith(":tests")] == result["tests"]
    assert all(r["status"] == "draft" and r["intent"] == "proposal" for r in requests)
    assert all(any(c["system"] == "http://loinc.org" for c in r["code"]["coding"]) for r in requests)
    (guidance,) = _by_type(resources, "GuidanceResponse")
    assert guidance["status"] == ("data-required" if result["tests"] else "success")
    assert len(guidance.get("dataRequirement", [])) == len(result["tests"])
    steps = [d["next_step"] for d in result["differentials"] if "next_step" in d]
    assert len(guidance["note"]) == 2 + len(steps)  # plan, one per next step, disclaimer
    (risk,) = _by_type(resources, "RiskAssessment")
    assert risk["code"]["coding"][0]["code"] == result["b12"]["status"]
    issues = {c["code"] for r in _by_type(resources, "DetectedIssue") for c in r["code"]["coding"]}
    medication = {f for f in result["risk_factors"] if f.startswith(("metformin", "ppi", "h2ra"))}
    b6 = {"b6_above_upper_limit"} & set(result["warnings"])
    assert issues == medication | b6
    (response,) = _by_type(resources, "QuestionnaireResponse")
    assert _by_type(resources, "Questionnaire")[0]["url"] == response["questionnaire"]
    back = response_to_intake(response)
    assert service.assess(back).to_dict()["triage"] == result["triage"]


def test_b6_warning_and_metformin_give_detected_issues() -> None:
    intake = {
        "today": "2026-11-28",
        "patient": {"age": 60, "sex": "male"},
        "medications": [{"name": "metformin", "years": 5}],
        "supplements": [{"name": "B-complex", "b6_mg": 40}],
    }
    resources = assessment_resources(service.assess(intake), intake)
    issues = _by_type(resources, "DetectedIssue")
    codes = sorted(c["code"] for r in issues for c in r["code"]["coding"])
    assert codes == ["b6_above_upper_limit", "metformin_long_term"]
    assert all(r["patient"]["reference"].startswith("Patient/") and r["detail"] for r in issues)


def test_b12_order_uses_the_molar_loinc_code_of_the_canonical_unit() -> None:
    intake = {"today": "2026-11-28", "patient": {"age": 40}, "symptoms": ["paresthesia"], "diet": {"pattern": "vegan"}}
    resources = assessment_resources(service.assess(intake), intake)
    orders = {c["code"] for r in _by_type(resources, "ServiceRequest") for c in r["code"]["coding"]}
    assert "14685-2" in orders and "2132-9" not in orders


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_questionnaire_speaks_to_people_not_in_codes(lang: str) -> None:
    from b12check.fhir.questionnaire import questionnaire
    from b12check.knowledge_base import load_knowledge_base

    q = questionnaire(load_knowledge_base(), lang)
    get_fhir_model_class("Questionnaire").model_validate_json(json.dumps(q))

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for i in items for x in [i, *walk(i.get("item", []))]]

    items = walk(q["item"])
    assert len(items) > 40
    for item in items:
        assert item["text"] and "_" not in item["text"] and item["text"] != item["linkId"], item
        for option in item.get("answerOption", []):
            display = option["valueCoding"]["display"]
            assert display and "_" not in display, option


def _lab_intake(b12: float, analyte: str, value: float, unit: str) -> dict[str, Any]:
    labs = [{"analyte": "b12", "value": b12, "unit": "pmol/L", "date": "2026-11-20"},
            {"analyte": analyte, "value": value, "unit": unit, "date": "2026-11-20"}]  # fmt: skip
    return {"today": "2026-11-28", "patient": {"age": 45, "sex": "female"}, "symptoms": ["muscle_cramps"], "labs": labs}


@pytest.mark.parametrize(
    ("b12", "analyte", "value", "unit", "step", "above_plan"),
    [
        (500, "magnesium", 0.55, "mmol/L", "magnesium_to_gp", True),  # B12 deficiency unlikely
        (90, "vitamin_d", 20, "nmol/L", "vitamin_d_supplement", False),  # B12 deficient
    ],
)
def test_guidance_response_carries_a_likely_lookalikes_next_step(
    b12: float, analyte: str, value: float, unit: str, step: str, above_plan: bool
) -> None:
    """Rules v2 (rule D): the next step of a likely look-alike is a note of the GuidanceResponse,
    beside the plan and above it when B12 deficiency is unlikely (as in the text report)."""
    from b12check.knowledge_base import load_knowledge_base
    from b12check.render.report import render_assessment

    kb = load_knowledge_base()
    intake = _lab_intake(b12, analyte, value, unit)
    assessment = service.assess(intake)
    assert step in dict(assessment.next_steps).values()
    for lang in ("en", "nl"):
        (guidance,) = _by_type(assessment_resources(assessment, intake, lang=lang), "GuidanceResponse")
        notes = [n["text"] for n in guidance["note"]]
        label = kb.text(lang, "next_steps", step, "label")
        at = [i for i, text in enumerate(notes) if label in text and kb.text(lang, "next_steps", step, "clinician") in text]
        plan = notes.index(render_assessment(assessment, kb, lang, audience="clinician").plan.text)
        assert len(at) == 1 and (at[0] < plan) is above_plan, notes
        assert all("_" not in text for text in notes), notes  # words, not codes
