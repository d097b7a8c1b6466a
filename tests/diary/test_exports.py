"""Exports that work and cannot be turned into attacks: the FHIR export with a saved starting point
on SQLite and PostgreSQL, and CSV cells that no spreadsheet runs as a formula."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from tests.diary.helpers import register

from b12check.diary.export import _cell

TODAY = date(2026, 11, 28)

FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "   =1+1",
    "\u00a0=1+1",  # no-break space
    "\u3000=1+1",  # ideographic space
    "\u200b=1+1",  # zero-width space
    "＝1+1",  # full-width equals sign
    "＋1",  # full-width plus
    "－1",  # full-width minus
    "＠SUM(A1)",  # full-width at sign
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_are_neutralised(text: str) -> None:
    assert _cell(text) == "'" + text


@pytest.mark.parametrize("text", ["cramps at night", "B12 1000 µg", "", "2026-11-28", "'quoted"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert _cell(text) == text


def test_numbers_we_wrote_stay_numbers() -> None:
    assert _cell(7) == "7"
    assert _cell(None) == ""


def test_csv_export_neutralises_notes_end_to_end(app_factory: Any) -> None:
    app = app_factory(TODAY)
    rae = register(app, "rae@example.org")
    for note in FORMULAS:
        entry = {"day": TODAY.isoformat(), "scores": {"fatigue": 2}, "notes": note}
        assert rae.post("/api/v1/diary/entries", entry).status_code == 201
    r = rae.post(
        "/api/v1/diary/treatments",
        {"started": "2026-10-01", "route": "oral", "dose_ug": 1000, "schedule": "=1+1 daily"},
    )
    assert r.status_code == 201
    rows = list(csv.DictReader(io.StringIO(rae.client.get("/api/v1/diary/export.csv").text)))
    notes = [r["notes"] for r in rows if r["record"] == "entry"]
    assert notes == ["'" + n for n in FORMULAS]
    assert [r["schedule"] for r in rows if r["record"] == "treatment"] == ["'=1+1 daily"]


def test_fhir_export_with_a_saved_starting_point(app_factory: Any) -> None:
    from fhir.resources.R4B.bundle import Bundle

    app = app_factory(TODAY)
    sam = register(app, "sam@example.org")
    intake = {"patient": {"age": 61}, "symptoms": {"paresthesia": {}}}
    assert sam.post("/api/v1/diary/baseline", {"intake": intake}).status_code == 201
    assert (
        sam.post(
            "/api/v1/diary/entries",
            {"day": TODAY.isoformat(), "scores": {"paresthesia": 5}, "notes": "left foot"},
        ).status_code
        == 201
    )
    for path in ("/api/v1/diary/export.fhir.json", "/diary/export.fhir.json"):
        r = sam.client.get(path)
        assert r.status_code == 200, r.text
        bundle = Bundle.model_validate_json(r.text)
        documents = [
            e.resource for e in bundle.entry if e.resource.__resource_type__ == "DocumentReference"
        ]
        assert len(documents) == 1
        assert documents[0].date.tzinfo is not None  # a FHIR instant carries its zone
        saved = json.loads(documents[0].content[0].attachment.data)  # decoded by the model
        assert saved["intake"] == intake
    baseline = sam.client.get("/api/v1/diary/baseline").json()
    assert baseline["saved_at"].endswith("+00:00")
