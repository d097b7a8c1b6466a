"""FHIR Bulk Data NDJSON (one resource per line: Patient, Observation, MedicationStatement or
MedicationRequest, Condition) flattened into the screen's four tables as Arrow tables.

Only what the rules read is taken: a resource without it yields a row with that field missing,
which validation then refuses with a reason (never silently dropped)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from b12check.screening.schema import ExtractError

_ATC_SYSTEM = "http://www.whocc.no/atc"


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    raise ExtractError(f"{path.name} line {number}: not valid JSON") from None


def _ref(reference: Any) -> str | None:
    text = (reference or {}).get("reference")
    return str(text).rsplit("/", 1)[-1] if text else None


def _day(text: Any) -> str | None:
    return str(text)[:10] if text else None


def _code(concept: Any, system: str | None = None) -> str | None:
    for coding in (concept or {}).get("coding", []):
        if system is None or coding.get("system") == system:
            code = coding.get("code")
            return str(code) if code is not None else None
    return None


def read_fhir(folder: Path) -> dict[str, pa.Table]:
    """Flatten the NDJSON files of ``folder`` into the four tables (dates as ISO text)."""
    patients = [
        {
            "patient_id": r.get("id"),
            "birth_date": r.get("birthDate"),
            "sex": r.get("gender"),
            "diet": None,
        }
        for r in _lines(folder / "Patient.ndjson")
    ]
    observations = []
    for r in _lines(folder / "Observation.ndjson"):
        quantity = r.get("valueQuantity") or {}
        observations.append(
            {
                "patient_id": _ref(r.get("subject")),
                "code": _code(r.get("code")),
                "value": quantity.get("value"),
                "unit": quantity.get("unit") or quantity.get("code"),
                "date": _day(r.get("effectiveDateTime") or r.get("issued")),
            }
        )
    medications = []
    for kind in ("MedicationStatement", "MedicationRequest"):
        for r in _lines(folder / f"{kind}.ndjson"):
            period = r.get("effectivePeriod") or {}
            medications.append(
                {
                    "patient_id": _ref(r.get("subject")),
                    "atc": _code(r.get("medicationCodeableConcept"), _ATC_SYSTEM),
                    "start_date": _day(period.get("start") or r.get("authoredOn")),
                    "end_date": _day(period.get("end")),
                }
            )
    conditions = [
        {
            "patient_id": _ref(r.get("subject")),
            "code": _code(r.get("code")),
            "date": _day(r.get("onsetDateTime") or r.get("recordedDate")),
        }
        for r in _lines(folder / "Condition.ndjson")
    ]
    string = pa.string()
    schemas = {
        "patients": pa.schema(
            [("patient_id", string), ("birth_date", string), ("sex", string), ("diet", string)]
        ),
        "observations": pa.schema(
            [
                ("patient_id", string),
                ("code", string),
                ("value", pa.float64()),
                ("unit", string),
                ("date", string),
            ]
        ),
        "medications": pa.schema(
            [("patient_id", string), ("atc", string), ("start_date", string), ("end_date", string)]
        ),
        "conditions": pa.schema([("patient_id", string), ("code", string), ("date", string)]),
    }
    rows = {
        "patients": patients,
        "observations": observations,
        "medications": medications,
        "conditions": conditions,
    }
    return {name: pa.Table.from_pylist(rows[name], schema=schemas[name]) for name in schemas}
