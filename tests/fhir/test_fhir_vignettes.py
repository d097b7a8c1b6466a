"""Every shared vignette, written as the FHIR record an EHR would hold, gives the same
assessment through the FHIR door as its intake gives through the library."""

from __future__ import annotations

from typing import Any

import pytest

from b12check import service
from b12check.errors import IntakeError
from b12check.fhir import bundle_to_intake
from b12check.fhir.records import intake_to_bundle
from fhirdata import conclusions, vignettes

CASES = vignettes()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vignette_as_fhir_bundle_gives_the_same_assessment(case: dict[str, Any]) -> None:
    intake = case["intake"]
    record = intake_to_bundle(intake) if intake else {"resourceType": "Bundle", "type": "collection", "entry": []}
    kinds = {e["resource"]["resourceType"] for e in record["entry"]}
    if intake.get("labs"):
        assert "Observation" in kinds or "QuestionnaireResponse" in kinds
    if "expect_error" in case:
        with pytest.raises(IntakeError):
            service.assess(intake)
        try:
            read = bundle_to_intake(record)
        except IntakeError as exc:  # nothing usable: an input error naming the bundle
            assert exc.errors[0].path == "bundle"
            return
        # what the intake got wrong is reported as not used, never silently read
        assert read.unused, case["id"]
        return
    direct = conclusions(service.assess(intake).to_dict())
    read = bundle_to_intake(record)
    via_fhir = conclusions(service.assess(read.intake).to_dict())
    assert via_fhir == direct
    assert not read.unused, [u.to_dict() for u in read.unused]


def test_structured_facts_travel_as_ehr_resources_not_only_as_answers() -> None:
    by_id = {c["id"]: c for c in CASES}
    record = intake_to_bundle(by_id["p20-ranitidine-long"]["intake"])
    kinds = [e["resource"]["resourceType"] for e in record["entry"]]
    assert kinds.count("MedicationStatement") == 1 and "Patient" in kinds
    record = intake_to_bundle(by_id["p13-folic-acid-pregnancy-dose"]["intake"])
    assert any(e["resource"]["resourceType"] == "Condition" for e in record["entry"])  # pregnancy
