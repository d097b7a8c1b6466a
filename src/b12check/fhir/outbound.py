"""FHIR R4 out: an assessment as RiskAssessment, GuidanceResponse, ServiceRequest proposals,
DetectedIssue and the intake's Questionnaire/QuestionnaireResponse, each validated with
fhir.resources (R4B models, which R4 clients read unchanged for these resource types)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b12check.core.model import Assessment
from b12check.fhir.questionnaire import intake_to_response, questionnaire
from b12check.fhir.terminology import Terminology, load_terminology
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base
from b12check.render.report import Report, render_assessment

MODULE_URI = "urn:b12check:module:b12-assessment"
VOCABULARY = "urn:b12check:vocabulary:"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
LAB_PROCEDURE = ("108252007", "Laboratory procedure")  # SNOMED CT, codes.md section 6
MEDICATION_RISKS = frozenset(
    {"metformin_long_term", "metformin", "ppi_long_term", "ppi", "h2ra_long_term", "h2ra"}
)
ISSUE_WARNINGS = frozenset({"b6_above_upper_limit"})
# b12 status (or, untested, clinical suspicion) -> risk-probability code of the B12 picture
_RISK = {
    "deficient": "high",
    "probable": "high",
    "indeterminate": "moderate",
    "unlikely": "low",
}
_SUSPICION_RISK = {"high": "high", "moderate": "moderate", "low": "low"}


def _coding(section: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": VOCABULARY + section, "code": code}
    if display:
        out["display"] = display
    return out


def test_loinc(test: str, kb: KnowledgeBase, terms: Terminology) -> list[tuple[str, str]]:
    """The LOINC codes (code, analyte) a recommended test is ordered with: per analyte the code
    whose kind matches the canonical unit, else the first listed."""
    out = []
    for analyte in terms.tests[test]:
        spec = kb.analytes[analyte]
        canonical = spec.units.get((spec.canonical_unit or "").lower())
        codes = list(spec.loinc.values())
        match = [c for c in codes if canonical is not None and c.kind == canonical.kind]
        out.append(((match or codes)[0].code, analyte))
    return out


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "b12check/" + "/".join(parts)))


def service_requests(
    a: Assessment, report: Report, subject: str, kb: KnowledgeBase, terms: Terminology, key: str
) -> list[dict[str, Any]]:
    """One ServiceRequest proposal per recommended test, coded with LOINC."""
    out = []
    for item in report.tests:
        codings = [
            {
                "system": terms.system("loinc"),
                "code": code,
                "display": kb.text("en", "analytes", analyte, "label"),
            }
            for code, analyte in test_loinc(item.code, kb, terms)
        ]
        out.append(
            {
                "resourceType": "ServiceRequest",
                "id": _id(key, "test", item.code),
                "status": "draft",
                "intent": "proposal",
                "category": [
                    {
                        "coding": [
                            {
                                "system": terms.system("snomed"),
                                "code": LAB_PROCEDURE[0],
                                "display": LAB_PROCEDURE[1],
                            }
                        ]
                    }
                ],
                "code": {"coding": [*codings, _coding("tests", item.code)], "text": item.label},
                "subject": {"reference": subject},
                "authoredOn": a.today.isoformat(),
                "reasonCode": [{"text": report.status.label}],
                "note": [{"text": item.text}],
            }
        )
    return out


def risk_assessment(a: Assessment, report: Report, subject: str, key: str) -> dict[str, Any]:
    """The B12 picture: status and suspicion as a qualitative risk with the rationale."""
    risk = _RISK.get(a.status) or _SUSPICION_RISK.get(a.suspicion, "moderate")
    rationale = " ".join(r.text for r in report.reasons[:6])
    return {
        "resourceType": "RiskAssessment",
        "id": _id(key, "risk"),
        "status": "final",
        "subject": {"reference": subject},
        "occurrenceDateTime": a.today.isoformat(),
        "method": {"text": f"b12check {a.version}, profile {a.profile}"},
        "code": {"coding": [_coding("b12_status", a.status, report.status.label)]},
        "prediction": [
            {
                "outcome": {"text": "Vitamin B12 deficiency"},
                "qualitativeRisk": {"coding": [{"system": RISK_PROBABILITY, "code": risk}]},
                "rationale": rationale or report.status.text,
            }
        ],
        "note": [{"text": report.suspicion.text}, {"text": report.disclaimer}],
    }


@dataclass(frozen=True)
class NextStepLine:
    """A likely look-alike with its next step (rule D, v2), in the reader's words."""

    condition: str
    step: str
    text: str  # "<look-alike> — <step label>: <step text>"


def next_step_lines(
    a: Assessment, kb: KnowledgeBase, lang: str, audience: str = "clinician"
) -> list[NextStepLine]:
    """Each likely look-alike's next step, worded as the text report words it."""
    out = []
    for condition, step in a.next_steps:
        name = kb.text(lang, "differential_conditions", condition, "label")
        label = kb.text(lang, "next_steps", step, "label")
        text = kb.text(lang, "next_steps", step, audience)
        out.append(NextStepLine(condition, step, f"{name} — {label}: {text}"))
    return out


def guidance_response(
    a: Assessment,
    report: Report,
    subject: str,
    requests: list[dict[str, Any]],
    key: str,
    steps: list[NextStepLine] | None = None,
) -> dict[str, Any]:
    """The run of the b12check module: ``data-required`` while recommended tests are missing.
    A likely look-alike's next step is a note beside the plan, above it when B12 deficiency is
    unlikely (as in the text report)."""
    step_notes = [{"text": s.text} for s in steps or []]
    plan = [{"text": report.plan.text}]
    notes = [*step_notes, *plan] if a.status == "unlikely" else [*plan, *step_notes]
    resource: dict[str, Any] = {
        "resourceType": "GuidanceResponse",
        "id": _id(key, "guidance"),
        "moduleUri": MODULE_URI,
        "status": "data-required" if requests else "success",
        "subject": {"reference": subject},
        "occurrenceDateTime": a.today.isoformat(),
        "reasonCode": [
            {
                "coding": [_coding("triage_levels", a.triage_level, report.triage.label)],
                "text": report.triage.text,
            }
        ],
        "note": [*notes, {"text": report.disclaimer}],
    }
    if requests:
        resource["dataRequirement"] = [
            {
                "type": "Observation",
                "codeFilter": [
                    {
                        "path": "code",
                        "code": [
                            c for c in r["code"]["coding"] if c["system"] == "http://loinc.org"
                        ],
                    }
                ],
            }
            for r in requests
        ]
    return resource


def detected_issues(
    a: Assessment, report: Report, subject: str, kb: KnowledgeBase, lang: str, key: str
) -> list[dict[str, Any]]:
    """Medication-related B12 risk and the vitamin B6 warning as DetectedIssue resources."""
    out = []
    for item in report.risk_factors:
        if item.code in MEDICATION_RISKS:
            out.append(_issue(a, subject, "risk_factors", item.label, item.code, item.text, key))
    for item in report.warnings:
        if item.code in ISSUE_WARNINGS:
            out.append(_issue(a, subject, "warnings", item.label, item.code, item.text, key))
    return out


def _issue(
    a: Assessment, subject: str, section: str, label: str, code: str, text: str, key: str
) -> dict[str, Any]:
    return {
        "resourceType": "DetectedIssue",
        "id": _id(key, "issue", code),
        "status": "final",
        "code": {"coding": [_coding(section, code, label)], "text": label},
        "severity": "moderate",
        "patient": {"reference": subject},
        "identifiedDateTime": a.today.isoformat(),
        "detail": text,
    }


def assessment_resources(
    a: Assessment,
    intake: Mapping[str, Any] | None = None,
    *,
    lang: str = "en",
    subject: str = "Patient/b12check-subject",
    kb: KnowledgeBase | None = None,
) -> list[dict[str, Any]]:
    """Every output resource for one assessment (and its intake), validated."""
    kb = kb or load_knowledge_base()
    terms = load_terminology()
    report = render_assessment(a, kb, lang, audience="clinician")
    key = f"{subject}/{a.today.isoformat()}"
    requests = service_requests(a, report, subject, kb, terms, key)
    resources = [
        risk_assessment(a, report, subject, key),
        guidance_response(a, report, subject, requests, key, next_step_lines(a, kb, lang)),
        *requests,
        *detected_issues(a, report, subject, kb, lang, key),
    ]
    if intake is not None:
        resources.append(questionnaire(kb, lang))
        response = intake_to_response(intake, subject)
        response["id"] = _id(key, "intake")
        resources.append(response)
    return [validate(r) for r in resources]


def validate(resource: Mapping[str, Any]) -> dict[str, Any]:
    """Parse with the fhir.resources R4B model (raises on a missing or unknown element) and
    return the model's own JSON form."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(str(resource["resourceType"])).model_validate(dict(resource))
    import json

    return dict(json.loads(model.model_dump_json(exclude_none=True)))


def to_bundle(resources: list[dict[str, Any]], timestamp: str) -> dict[str, Any]:
    """A validated ``collection`` Bundle of the resources."""
    return validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": timestamp,
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{r['id']}"
                    if "-" in r.get("id", "")
                    else f"urn:b12check:{r['resourceType']}:{r.get('id')}",
                    "resource": r,
                }
                for r in resources
            ],
        }
    )
