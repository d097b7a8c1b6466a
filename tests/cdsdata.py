"""Shared pieces of the CDS Hooks tests: the EHR's identity and patient-view requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b12check.fhir.records import PATIENT_ID, as_prefetch, intake_to_bundle
from fhirdata import vignettes

ISSUER = "https://ehr.example.org"
BASE = "http://testserver"
KID = "ehr-key-1"
Token = Callable[..., str]

PV = "/cds-services/b12check-patient-view"
OS = "/cds-services/b12check-order-select"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
BY_ID = {c["id"]: c for c in vignettes()}


def patient_view(case_id: str, **changes: Any) -> dict[str, Any]:
    """A patient-view call like the spec's example (context userId/patientId/encounterId),
    with the prefetch our discovery asks for, built from a vignette's record."""
    intake = dict(BY_ID[case_id]["intake"])
    intake.pop("today", None)  # a live chart: assessed for the real today
    prefetch = as_prefetch(intake_to_bundle(intake))
    request = {
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": PATIENT_ID, "encounterId": "89284"},
        "prefetch": prefetch,
    }
    request.update(changes)
    return request


