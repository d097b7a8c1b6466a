"""A person's own data out of the diary: CSV for spreadsheets, a FHIR R4 Bundle for health apps.

Both exports carry everything the account holds: treatments, entries with their scores, doses and
notes, and the saved starting points.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from b12check.store.diary import EntryRecord
from b12check.store.models import Baseline, Treatment, User

CSV_COLUMNS = (
    "record",
    "id",
    "date",
    "symptom",
    "severity",
    "doses_taken",
    "route",
    "dose_ug",
    "schedule",
    "notes",
    "data",
)
# A spreadsheet runs a cell as a formula when it starts with one of these, also when blanks or
# control characters come first (some trim them) or when it is the full-width form (＝, ＋, －,
# ＠, which NFKC folds to the ASCII ones). OWASP "CSV Injection".
_FORMULA_START = frozenset("=+-@")

SYMPTOM_SYSTEM = "urn:b12check:vocabulary:symptoms"
ATC_SYSTEM = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
# SNOMED CT route-of-administration concepts for the two routes the diary records.
ROUTES = {"oral": ("26643006", "Oral route"), "intramuscular": ("78421000", "Intramuscular route")}
VITAMIN_B12_ATC = ("B03BA", "Vitamin B12 (cyanocobalamin and analogues)")


def _is_blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: text whose first visible
    character (after blanks and control characters, folded with NFKC) starts a formula, or
    that begins with a blank or control character at all, gets a leading apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float):
        return text  # numbers we wrote ourselves (ids, scores): never a formula
    if not text:
        return text
    if _is_blank(text[0]):
        return "'" + text
    if unicodedata.normalize("NFKC", text[0])[:1] in _FORMULA_START:
        return "'" + text
    return text


def to_csv(
    treatments: Sequence[Treatment], entries: Sequence[EntryRecord], baselines: Sequence[Baseline]
) -> str:
    """One row per score (an entry without scores gets one row), treatment and starting point."""
    out = io.StringIO()
    # RFC 4180 line ends: a cell holding a carriage return is then quoted, so a note cannot
    # break out of its row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for t in treatments:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    "treatment",
                    t.id,
                    t.started.isoformat(),
                    "",
                    "",
                    "",
                    t.route,
                    t.dose_ug,
                    t.schedule,
                    "",
                    "",
                )
            ]
        )
    for e in entries:
        rows: list[tuple[str, object]] = [(s.symptom, s.severity) for s in e.scores] or [("", "")]
        for symptom, severity in rows:
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        "entry",
                        e.id,
                        e.day.isoformat(),
                        symptom,
                        severity,
                        e.doses_taken,
                        "",
                        "",
                        "",
                        e.notes,
                        "",
                    )
                ]
            )
    for b in baselines:
        data = json.dumps({"intake": b.intake, "assessment": b.assessment}, sort_keys=True)
        writer.writerow(
            [
                _cell(v)
                for v in (
                    "baseline",
                    b.id,
                    b.saved_at.date().isoformat(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    data,
                )
            ]
        )
    return out.getvalue()


def _treatment_resource(t: Treatment, patient_ref: str, current: bool) -> dict[str, Any]:
    code, display = ROUTES[t.route]
    dose = f"{t.dose_ug} µg" if t.dose_ug is not None else ""
    text = " ".join(p for p in (t.route, dose, t.schedule) if p)
    return {
        "resourceType": "MedicationStatement",
        "id": f"treatment-{t.id}",
        "status": "active" if current else "completed",
        "medicationCodeableConcept": {
            "coding": [
                {"system": ATC_SYSTEM, "code": VITAMIN_B12_ATC[0], "display": VITAMIN_B12_ATC[1]}
            ],
            "text": "vitamin B12",
        },
        "subject": {"reference": patient_ref},
        "effectivePeriod": {"start": t.started.isoformat()},
        "dosage": [
            {
                "text": text,
                "route": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
            }
        ],
    }


def _entry_resource(
    e: EntryRecord, patient_ref: str, label: Callable[[str], str]
) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {
            "linkId": f"symptom.{s.symptom}",
            "text": label(s.symptom),
            "answer": [{"valueInteger": s.severity}],
        }
        for s in e.scores
    ]
    if e.doses_taken is not None:
        items.append({"linkId": "doses_taken", "answer": [{"valueInteger": e.doses_taken}]})
    if e.notes:
        items.append({"linkId": "notes", "answer": [{"valueString": e.notes}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"entry-{e.id}",
        "status": "completed",
        "subject": {"reference": patient_ref},
        "authored": e.day.isoformat(),
        "item": items,
    }


def _baseline_resource(b: Baseline, patient_ref: str) -> dict[str, Any]:
    data = json.dumps({"intake": b.intake, "assessment": b.assessment}, sort_keys=True)
    return {
        "resourceType": "DocumentReference",
        "id": f"baseline-{b.id}",
        "status": "current",
        "subject": {"reference": patient_ref},
        "date": b.saved_at.isoformat(),
        "description": "b12check assessment saved as the diary's starting point",
        "content": [
            {
                "attachment": {
                    "contentType": "application/json",
                    "data": base64.b64encode(data.encode("utf-8")).decode("ascii"),
                }
            }
        ],
    }


def _full_url(resource: dict[str, Any]) -> str:
    """A stable urn:uuid per resource, so two exports of the same data match."""
    name = f"b12check/{resource['resourceType']}/{resource['id']}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def to_fhir_bundle(
    user: User,
    treatments: Sequence[Treatment],
    entries: Sequence[EntryRecord],
    baselines: Sequence[Baseline],
    *,
    label: Callable[[str], str],
    today: date,
) -> str:
    """A FHIR R4 ``collection`` Bundle (validated with fhir.resources R4B) as JSON text."""
    from fhir.resources.R4B.bundle import Bundle

    patient_ref = "Patient/diary-owner"
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": "diary-owner",
            "telecom": [{"system": "email", "value": user.email}],
            "communication": [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": user.lang}]}}
            ],
        }
    ]
    last = treatments[-1].id if treatments else None
    resources += [_treatment_resource(t, patient_ref, t.id == last) for t in treatments]
    resources += [_entry_resource(e, patient_ref, label) for e in entries]
    resources += [_baseline_resource(b, patient_ref) for b in baselines]
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": f"{today.isoformat()}T00:00:00Z",
            "entry": [{"fullUrl": _full_url(r), "resource": r} for r in resources],
        }
    )
    return str(bundle.model_dump_json(exclude_none=True))
