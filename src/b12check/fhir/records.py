"""An intake written as the FHIR record an EHR would hold: Patient, Observations, medication
statements, Conditions, and a QuestionnaireResponse for what only the patient knows.

Used to replay every vignette through the FHIR door, to build the benchmark's prefetch and to
enrich synthetic bundles with B12 results; the reverse of :mod:`b12check.fhir.inbound`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from b12check.fhir.questionnaire import intake_to_response
from b12check.fhir.terminology import PREGNANCY, Terminology, load_terminology
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base

PATIENT_ID = "b12check-patient"


def _id(seed: str, *parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([seed, *map(str, parts)])))


def _years_before(day: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        start = day.replace(year=day.year - whole)
    except ValueError:  # 29 February
        start = day.replace(year=day.year - whole, day=28)
    return start - dt.timedelta(days=round((years - whole) * 365.25))


def _condition_coding(code: str, terms: Terminology) -> dict[str, Any] | None:
    for concept, condition in terms.snomed.items():
        if condition == code:
            return {"system": terms.system("snomed"), "code": concept}
    for key, prefix, condition in terms.icd:
        if condition == code and prefix[:1].isalpha() and len(prefix) >= 3:
            dotted = prefix if len(prefix) == 3 else f"{prefix[:3]}.{prefix[3:]}"
            return {"system": terms.system(key), "code": dotted}
    return None


def lab_observation(
    lab: Mapping[str, Any], subject: str, ident: str, kb: KnowledgeBase, terms: Terminology
) -> dict[str, Any] | None:
    """One intake lab as a final laboratory Observation (None for an unknown analyte, which
    stays in the QuestionnaireResponse)."""
    loinc = lab.get("loinc")
    analyte = lab.get("analyte")
    if loinc is None and analyte in kb.analytes:
        spec = kb.analytes[str(analyte)]
        unit = str(lab.get("unit") or spec.canonical_unit or "").lower()
        kind = spec.units[unit].kind if unit in spec.units else None
        codes = list(spec.loinc.values())
        match = [c for c in codes if c.kind == kind] or codes
        loinc = match[0].code if match else None
    code: dict[str, Any]
    if loinc is not None:
        code = {"coding": [{"system": terms.system("loinc"), "code": str(loinc)}]}
    elif analyte in kb.analytes:
        code = {"coding": [{"system": "urn:b12check:vocabulary:analytes", "code": str(analyte)}]}
    else:
        return None
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": code,
        "subject": {"reference": subject},
    }
    value = lab.get("value")
    if isinstance(value, str):
        obs["valueString"] = value
    else:
        quantity: dict[str, Any] = {"value": value}
        if lab.get("unit"):
            quantity.update(unit=lab["unit"], system=terms.system("ucum"), code=lab["unit"])
        obs["valueQuantity"] = quantity
    if lab.get("date"):
        obs["effectiveDateTime"] = str(lab["date"])
    if lab.get("reference_range"):
        low, high = lab["reference_range"]
        bound: dict[str, Any] = {}
        for key, number in (("low", low), ("high", high)):
            if number is not None:
                bound[key] = {"value": number}
                if lab.get("unit"):
                    bound[key].update(
                        unit=lab["unit"], system=terms.system("ucum"), code=lab["unit"]
                    )
        obs["referenceRange"] = [bound]
    return obs


def intake_to_bundle(
    intake: Mapping[str, Any], *, kb: KnowledgeBase | None = None
) -> dict[str, Any]:
    """A ``collection`` Bundle that holds the same facts as ``intake`` (JSON form, dates as
    ISO strings). Facts with an EHR home become resources; the rest go into the response."""
    kb = kb or load_knowledge_base()
    terms = load_terminology()
    seed = f"b12check/{sorted(intake.items())!r}"
    subject = f"Patient/{PATIENT_ID}"
    today = dt.date.fromisoformat(str(intake["today"])) if intake.get("today") else dt.date.today()
    rest: dict[str, Any] = {
        k: v for k, v in intake.items() if k not in ("labs", "medications", "conditions")
    }
    resources: list[dict[str, Any]] = []
    patient: dict[str, Any] = {"resourceType": "Patient", "id": PATIENT_ID}
    given = dict(intake.get("patient") or {})
    if isinstance(given.get("age"), int | float) and float(given["age"]).is_integer():
        born = _years_before(today, float(given.pop("age")))
        patient["birthDate"] = born.isoformat()
    if given.get("sex") in ("female", "male", "other"):
        patient["gender"] = given.pop("sex")
    resources.append(patient)
    if given.get("pregnant") is True:
        coding = _condition_coding(PREGNANCY, terms)
        resources.append(_condition(subject, _id(seed, "pregnancy"), coding))
        given.pop("pregnant")
    if given:
        rest["patient"] = given
    else:
        rest.pop("patient", None)
    leftover_conditions = []
    for code in intake.get("conditions") or []:
        coding = _condition_coding(code, terms)
        if coding is None:
            leftover_conditions.append(code)
        else:
            resources.append(_condition(subject, _id(seed, "condition", code), coding))
    if leftover_conditions:
        rest["conditions"] = leftover_conditions
    for i, med in enumerate(intake.get("medications") or []):
        resources.append(_medication(med, subject, _id(seed, "medication", i), today, terms))
    leftover_labs = []
    for i, lab in enumerate(intake.get("labs") or []):
        obs = lab_observation(lab, subject, _id(seed, "lab", i), kb, terms)
        if obs is None:
            leftover_labs.append(lab)
        else:
            resources.append(obs)
    if leftover_labs:
        rest["labs"] = leftover_labs
    if set(rest) - {"today"} or rest.get("today"):
        response = intake_to_response(rest, subject)
        response["id"] = _id(seed, "intake")
        resources.append(response)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{_id(seed, r['resourceType'], r['id'])}", "resource": r}
            for r in resources
        ],
    }


def _condition(subject: str, ident: str, coding: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [coding] if coding else []},
        "subject": {"reference": subject},
    }


def _medication(
    med: Mapping[str, Any], subject: str, ident: str, today: dt.date, terms: Terminology
) -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if med.get("atc"):
        concept["coding"] = [{"system": terms.system("atc"), "code": med["atc"]}]
    if med.get("name"):
        concept["text"] = med["name"]
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": ident,
        "status": "active",
        "medicationCodeableConcept": concept,
        "subject": {"reference": subject},
    }
    start = None
    if med.get("since"):
        start = str(med["since"])
    elif med.get("years") is not None:
        start = _years_before(today, float(med["years"])).isoformat()
    elif med.get("months") is not None:
        start = _years_before(today, float(med["months"]) / 12).isoformat()
    if start:
        statement["effectivePeriod"] = {"start": start}
    if med.get("dose_mg_per_day") is not None:
        statement["dosage"] = [
            {
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": med["dose_mg_per_day"],
                            "unit": "mg",
                            "system": terms.system("ucum"),
                            "code": "mg",
                        }
                    }
                ],
            }
        ]
    return statement


PREFETCH_KEYS = {
    "Patient": "patient",
    "Observation": "labs",
    "Condition": "conditions",
    "MedicationRequest": "medicationRequests",
    "MedicationStatement": "medicationStatements",
    "QuestionnaireResponse": "intake",
}


def as_prefetch(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's resources as the CDS Hooks prefetch of the b12check services would carry
    them: the Patient itself, every other key a searchset Bundle (empty ones as ``null``)."""
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS.values())
    for entry in record.get("entry") or []:
        resource = entry["resource"]
        key = PREFETCH_KEYS.get(resource.get("resourceType"))
        if key is None:
            continue
        if key == "patient":
            prefetch[key] = resource
            continue
        if prefetch[key] is None:
            prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
        prefetch[key]["entry"].append({"resource": resource})
    for search in prefetch.values():
        if search is not None and search.get("type") == "searchset":
            search["total"] = len(search["entry"])
    return prefetch
