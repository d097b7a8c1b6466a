"""FHIR R4 in: what each kind of resource and code becomes in the intake, and what is reported
as not used. Synthetic EHR records come from carebundle (PyPI), enriched with B12 results."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import carebundle
import pytest

from b12check import service
from b12check.errors import IntakeError, KnowledgeError
from b12check.fhir import bundle_to_intake
from b12check.fhir.terminology import build_terminology
from b12check.knowledge_base import load_knowledge_base
from fhirdata import bundle, observation

TODAY = dt.date(2026, 11, 28)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _reasons(read: Any) -> dict[str, str]:
    return {u.resource: u.reason for u in read.unused}


def _synthetic(profile: str, seed: int) -> dict[str, Any]:
    return json.loads(carebundle.to_json(carebundle.generate_bundle(profile=profile, seed=seed)))


@pytest.mark.parametrize(
    ("profile", "seed"), [("type2_diabetes", 1), ("type2_diabetes", 7), ("anaemia", 3), ("ckd_stage3", 2), ("healthy", 5)]
)
def test_synthetic_record_enriched_with_b12_runs_end_to_end(profile: str, seed: int) -> None:
    record = _synthetic(profile, seed)
    when = dt.date.fromisoformat(
        next(e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Observation")[
            "effectiveDateTime"
        ][:10]
    )
    record["entry"] += [
        {"resource": observation("2132-9", 180, "pg/mL", when.isoformat(), "b12-mass")},
        {"resource": observation("13964-2", 520, "nmol/L", when.isoformat(), "mma-nmol")},
    ]
    read = bundle_to_intake(record, today=when + dt.timedelta(days=30))
    labs = {lab.get("loinc"): lab for lab in read.intake["labs"]}
    assert labs["2132-9"]["value"] == 180 and labs["13964-2"]["unit"] == "nmol/L"
    result = service.assess(read.intake).to_dict()
    b12 = next(lab for lab in result["labs"] if lab["analyte"] == "b12")
    assert b12["value"] == pytest.approx(180 * 0.7378, abs=0.1)  # mass code, converted to pmol/L
    mma = next(lab for lab in result["labs"] if lab["analyte"] == "mma")
    assert mma["value"] == pytest.approx(0.52) and mma["interpretation"] == "high"
    assert result["b12"]["status"] in {"deficient", "probable"}
    # every resource is either used or reported, none silently dropped
    types = {e["resource"]["resourceType"] for e in record["entry"]}
    assert "Observation" in types
    conditions = [e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Condition"]
    icd = [c["code"]["coding"][0]["code"] for c in conditions]
    if any(code.startswith("E11") for code in icd):
        assert "type2_diabetes" in read.intake["conditions"]
    if any(code.startswith("N18") for code in icd):
        assert "chronic_kidney_disease" in read.intake["conditions"]
    reported = {u.code for u in read.unused if u.code}
    for code in icd:
        mapped = code.startswith(("E11", "N18"))
        assert mapped or any(code in r for r in reported), code


def test_metformin_clinical_drug_code_becomes_the_ingredient() -> None:
    record = bundle(
        {"resourceType": "Patient", "id": "p", "birthDate": "1958-01-10", "gender": "male"},
        {
            "resourceType": "MedicationRequest",
            "id": "m1",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "861007"}]},
            "authoredOn": "2025-06-01",
        },
        {
            "resourceType": "MedicationRequest",
            "id": "m2",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "860975"}]},
            "authoredOn": "2019-02-01",
        },
    )
    read = bundle_to_intake(record, today=TODAY)
    assert read.intake["patient"] == {"age": 68, "sex": "male"}
    assert read.intake["medications"] == [{"atc": "A10BA02", "name": "metformin", "since": "2019-02-01"}]
    result = service.assess(read.intake).to_dict()
    assert "metformin_long_term" in result["risk_factors"]  # the earliest prescription counts


def test_atc_and_free_text_medicines_go_through_the_recogniser() -> None:
    record = bundle(
        {
            "resourceType": "MedicationStatement",
            "id": "ppi",
            "status": "active",
            "medicationCodeableConcept": {"text": "Pantozol 40 mg maagsapresistente tablet"},
            "effectivePeriod": {"start": "2024-01-01"},
        },
        {
            "resourceType": "MedicationStatement",
            "id": "atc",
            "status": "active",
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "A02BA02"}]},
        },
        {
            "resourceType": "MedicationStatement",
            "id": "unknown",
            "status": "active",
            "medicationCodeableConcept": {"text": "Paracetamol 500 mg"},
        },
        {
            "resourceType": "MedicationStatement",
            "id": "old",
            "status": "completed",
            "medicationCodeableConcept": {"text": "omeprazole"},
        },
    )
    read = bundle_to_intake(record, today=TODAY)
    result = service.assess(read.intake).to_dict()
    assert {"ppi_long_term", "h2ra"} <= set(result["risk_factors"])
    reasons = _reasons(read)
    assert reasons["MedicationStatement/unknown"].startswith("medicine not recognised")
    assert reasons["MedicationStatement/old"] == "medication not current"


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("http://snomed.info/sct", "44054006", "type2_diabetes"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "E11.42", "type2_diabetes"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "E1165", "type2_diabetes"),
        ("http://hl7.org/fhir/sid/icd-10", "D51.0", "pernicious_anaemia"),
        ("http://snomed.info/sct", "396331005", "coeliac_disease"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "K29.40", "autoimmune_gastritis"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "Z98.84", "bariatric_surgery"),
        ("http://hl7.org/fhir/sid/icd-10", "Z90.3", "gastrectomy"),
    ],
)
def test_condition_codes_map_to_vocabulary_conditions(system: str, code: str, expected: str) -> None:
    record = bundle({"resourceType": "Condition", "id": "c", "code": {"coding": [{"system": system, "code": code}]}})
    assert bundle_to_intake(record, today=TODAY).intake["conditions"] == [expected]


@pytest.mark.parametrize(
    ("system", "code"),
    [
        ("http://snomed.info/sct", "77386006"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "Z33.1"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "O99.01"),
        ("http://hl7.org/fhir/sid/icd-10", "O26.9"),
    ],
)
def test_pregnancy_codes_set_pregnant(system: str, code: str) -> None:
    record = bundle(
        {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1995-03-03"},
        {"resourceType": "Condition", "id": "c", "code": {"coding": [{"system": system, "code": code}]}},
    )
    read = bundle_to_intake(record, today=TODAY)
    assert read.intake["patient"]["pregnant"] is True
    assert "pregnancy" in service.assess(read.intake).to_dict()["risk_factors"]


def test_resolved_refuted_and_unknown_conditions_are_reported_not_used() -> None:
    clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    verification = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    code = {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}
    record = bundle(
        {"resourceType": "Condition", "id": "gone", "code": code,
         "clinicalStatus": {"coding": [{"system": clinical, "code": "resolved"}]}},
        {"resourceType": "Condition", "id": "wrong", "code": code,
         "verificationStatus": {"coding": [{"system": verification, "code": "refuted"}]}},
        {"resourceType": "Condition", "id": "other",
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10"}]}},
        {"resourceType": "Patient", "id": "p", "gender": "female"},
    )  # fmt: skip
    read = bundle_to_intake(record, today=TODAY)
    assert "conditions" not in read.intake
    reasons = _reasons(read)
    assert set(reasons) == {"Condition/gone", "Condition/wrong", "Condition/other"}
    assert [u.code for u in read.unused if u.resource == "Condition/other"] == [
        "http://hl7.org/fhir/sid/icd-10-cm|I10"
    ]


def test_latest_result_per_analyte_wins_and_old_results_are_shown_not_used() -> None:
    record = bundle(
        observation("14685-2", 120, "pmol/L", "2026-03-01", "older"),
        observation("2132-9", 450, "pg/mL", "2026-10-01", "newer"),
        observation("14685-2", 90, "pmol/L", "2024-01-05", "stale"),
        observation("787-2", 104, "fL", "2026-10-01", "mcv", reference=(80, 100)),
        observation("31444-3", "Positive", None, "2026-10-01", "ifab"),
        observation("13965-9", 30, "umol/L", "2026-10-02", "prelim", status="preliminary"),
    )
    read = bundle_to_intake(record, today=TODAY)
    labs = read.intake["labs"]
    assert [lab.get("loinc") for lab in labs] == ["2132-9", "787-2", "31444-3"]
    assert labs[1]["reference_range"] == [80, 100]
    assert labs[2]["value"] == "positive"
    reasons = _reasons(read)
    assert reasons["Observation/older"] == "a later result of the same test was used"
    assert reasons["Observation/stale"].startswith("result older than 365 days")
    assert reasons["Observation/prelim"] == "result not final"
    stale = next(u for u in read.unused if u.resource == "Observation/stale")
    assert "2024-01-05" in (stale.detail or "")  # shown to the clinician with its date
    result = service.assess(read.intake).to_dict()
    b12 = next(lab for lab in result["labs"] if lab["analyte"] == "b12")
    assert b12["value"] == pytest.approx(450 * 0.7378, abs=0.1)
    assert b12["interpretation"] == "normal"


def test_age_limit_is_the_knowledge_base_parameter() -> None:
    kb = load_knowledge_base()
    limit = int(kb.parameter("fhir.max_result_age_days", "seed", TODAY))
    edge = (TODAY - dt.timedelta(days=limit)).isoformat()
    past = (TODAY - dt.timedelta(days=limit + 1)).isoformat()
    read = bundle_to_intake(bundle(observation("14685-2", 100, "pmol/L", edge, "edge"),
                                   observation("787-2", 90, "fL", past, "past")), today=TODAY)  # fmt: skip
    assert [lab["loinc"] for lab in read.intake["labs"]] == ["14685-2"]


def test_unknown_loinc_and_resource_types_are_reported() -> None:
    record = bundle(
        observation("2951-2", 139, "mmol/L", "2026-11-01", "sodium"),
        {"resourceType": "AllergyIntolerance", "id": "a"},
        {"resourceType": "Patient", "id": "p", "gender": "male"},
    )
    read = bundle_to_intake(record, today=TODAY)
    reasons = _reasons(read)
    assert reasons["Observation/sodium"].startswith("no LOINC code")
    assert reasons["AllergyIntolerance/a"] == "resource type not used by b12check"


def test_oddly_shaped_resource_is_reported_not_a_crash() -> None:
    record = bundle(
        {"resourceType": "Patient", "id": "p", "gender": "male"},
        {"resourceType": "MedicationRequest", "id": "odd", "status": "active",
         "medicationCodeableConcept": {"text": "metformin"},
         "dosageInstruction": [{"doseAndRate": {"doseQuantity": {"value": "x", "code": "mg"}},
                                "timing": "twice"}]},
    )  # fmt: skip
    read = bundle_to_intake(record, today=TODAY)
    assert read.intake["medications"] == [{"name": "metformin"}]  # the odd dose is left out


def test_empty_or_non_fhir_input_is_an_input_error() -> None:
    with pytest.raises(IntakeError) as empty:
        bundle_to_intake(bundle(), today=TODAY)
    assert empty.value.errors[0].path == "bundle"
    with pytest.raises(IntakeError):
        bundle_to_intake([1, 2], today=TODAY)
    with pytest.raises(IntakeError) as broken:
        bundle_to_intake({"resourceType": "Bundle", "entry": [{"resource": 3}]}, today=TODAY)
    assert broken.value.errors[0].path == "entry[0].resource"


def test_broken_code_map_is_refused_naming_the_entry() -> None:
    kb = load_knowledge_base()
    from importlib.resources import files

    import yaml

    raw = yaml.safe_load((files("b12check") / "knowledge" / "terminology.yaml").read_text())
    raw["conditions"]["diabetes_typo"] = {"snomed": ["1"], "source": ["snomed-ct"]}
    with pytest.raises(KnowledgeError, match="diabetes_typo"):
        build_terminology(raw, kb)
    raw["conditions"].pop("diabetes_typo")
    raw["conditions"]["vitiligo"]["source"] = ["no-such-source"]
    with pytest.raises(KnowledgeError, match="no-such-source"):
        build_terminology(raw, kb)


@pytest.mark.parametrize(
    ("loinc", "value", "unit"), [("14682-9", 150, "umol/L"), ("2160-0", 1.7, "mg/dL"), ("77140-2", 150, "umol/L")]
)
def test_creatinine_result_gives_an_estimated_egfr(loinc: str, value: float, unit: str) -> None:
    """Rules v2: an eGFR is estimated from creatinine, age and sex; the EHR's creatinine codes
    (codes.md: mass 2160-0, molar 14682-9 and 77140-2) reach the core with their unit."""
    record = bundle(
        {"resourceType": "Patient", "id": "p", "birthDate": "1956-05-01", "gender": "male"},
        observation(loinc, value, unit, "2026-11-01", "creat"),
    )
    read = bundle_to_intake(record, today=TODAY)
    assert read.intake["labs"] == [{"loinc": loinc, "value": value, "unit": unit, "date": "2026-11-01"}]
    assert read.intake["patient"] == {"age": 70, "sex": "male"} and not read.unused
    result = service.assess(read.intake).to_dict()
    creatinine = next(lab for lab in result["labs"] if lab["analyte"] == "creatinine")
    assert creatinine["value"] == pytest.approx(150, abs=1.0)
    egfr = next(lab for lab in result["labs"] if lab["analyte"] == "egfr")
    assert egfr["estimated"] is True and egfr["interpretation"] == "low"
    assert {"code": "egfr_estimated", "field": "labs[0]", "analyte": "egfr"} in result["notes"]


def test_v2_red_flag_symptoms_from_the_questionnaire_response_are_immediate() -> None:
    """chest_pain, fainting and vision_loss (rules v2) come in through the QuestionnaireResponse
    and are never under-triaged on the FHIR door."""
    from b12check.fhir.records import intake_to_bundle

    for symptom in ("chest_pain", "fainting", "vision_loss"):
        intake = {"today": TODAY.isoformat(), "patient": {"age": 45, "sex": "female"}, "symptoms": [symptom]}
        read = bundle_to_intake(intake_to_bundle(intake), today=TODAY)
        assert [s if isinstance(s, str) else s["code"] for s in read.intake["symptoms"]] == [symptom]
        triage = service.assess(read.intake).to_dict()["triage"]
        assert triage["level"] == "immediate" and symptom in triage["reasons"], triage
