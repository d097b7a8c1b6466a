"""Hostile input to the HTML forms: a 4xx page naming the field, never a 500 — for the
questionnaire and the lab reader, and for the diary forms on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from b12check.diary.texts import symptom_label
from b12check.diary.texts import ui as diary_ui
from b12check.limits import MAX_BODY_BYTES
from b12check.settings import Settings
from b12check.web.app import create_app

FORM = {"content-type": "application/x-www-form-urlencoded"}
UNREADABLE_NUMBERS = ["²", "٤٢", "nan", "inf", "-Infinity", "1e400", "1_000", "9" * 5000, "0x2A"]


def error_box(html: str) -> str:
    """The diary's error summary (errors in words, the field as the form names it)."""
    assert 'id="form-error"' in html, "no error summary"
    return html.split('id="form-error"', 1)[1].split("</div>", 1)[0]


def token(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return match.group(1)


def questionnaire(client: TestClient) -> dict[str, str]:
    """The first step's form (the answers so far live in the session cookie)."""
    page = client.get("/questionnaire?lang=en")
    return {"csrf_token": token(page.text), "step": "about", "action": "next"}


@pytest.mark.parametrize("typed", UNREADABLE_NUMBERS)
def test_an_unreadable_age_is_shown_at_the_age_field(client: TestClient, typed: str) -> None:
    response = client.post("/questionnaire", data={**questionnaire(client), "age": typed})
    assert response.status_code == 422
    assert 'id="err-age"' in response.text


@pytest.mark.parametrize("typed", UNREADABLE_NUMBERS)
def test_an_unreadable_lab_value_is_shown_at_its_field(client: TestClient, typed: str) -> None:
    page = client.get("/labs?lang=en")
    form = {
        "csrf_token": token(page.text),
        "lab-0-analyte": "b12",
        "lab-0-value": typed,
        "lab-0-unit": "pmol/L",
    }
    response = client.post("/labs", data=form)
    assert response.status_code == 422
    assert 'id="err-lab-0-value"' in response.text


@pytest.mark.parametrize(("low", "high"), [("-1e308", "1e308"), ("300", "150"), ("0", "1e308")])
def test_an_impossible_lab_range_is_shown_at_the_range(
    client: TestClient, low: str, high: str
) -> None:
    page = client.get("/labs?lang=en")
    form = {
        "csrf_token": token(page.text),
        "lab-0-analyte": "b12",
        "lab-0-value": "100",
        "lab-0-unit": "pmol/L",
        "lab-0-low": low,
        "lab-0-high": high,
    }
    response = client.post("/labs", data=form)
    assert response.status_code == 422
    assert re.search(r'id="err-lab-0-(low|high)"', response.text)


def test_a_field_sent_twice_is_a_400_naming_it(client: TestClient) -> None:
    """The form's share of 'duplicate keys are an error': never the last one wins."""
    form = [*questionnaire(client).items(), ("age", "70"), ("age", "17")]
    response = client.post("/questionnaire", content=urlencode(form), headers=FORM)
    assert response.status_code == 400
    assert "<code>age: given twice</code>" in response.text


def test_multiple_choice_fields_may_repeat(client: TestClient) -> None:
    form = {**questionnaire(client), "step": "history"}
    pairs = [*form.items(), ("conditions", "gastric_surgery"), ("conditions", "crohn")]
    response = client.post("/questionnaire", content=urlencode(pairs), headers=FORM)
    assert response.status_code in (200, 422)
    assert "given twice" not in response.text


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "x\x7f"])
def test_control_characters_in_a_field_are_a_400_naming_it(client: TestClient, value: str) -> None:
    response = client.post("/questionnaire", data={**questionnaire(client), "age": value})
    assert response.status_code == 400
    assert "<code>age: contains the control character" in response.text


def test_a_form_over_the_size_limit_is_a_413_page(client: TestClient) -> None:
    form = {**questionnaire(client), "age": "x" * MAX_BODY_BYTES}
    response = client.post("/questionnaire", data=form)
    assert response.status_code == 413
    assert "<html" in response.text


def test_the_pages_gp_report_pdf_runs_in_the_bounded_pool(tmp_path: Path) -> None:
    """The result pages are GETs now (post/redirect/get); their PDF is still made in the worker
    pool under the time limit, never on the event loop."""
    from hostile.conftest import make_client

    with make_client(tmp_path, work_seconds=0.001, work_threads=1) as slow:
        form = {**questionnaire(slow), "age": "52", "sex": "female"}
        assert slow.post("/questionnaire", data=form).status_code == 200
        response = slow.get("/report.pdf", follow_redirects=False)
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert slow.get("/healthz").status_code == 200


# ---- the diary forms, on both databases ------------------------------------------------------------

TODAY = date(2026, 11, 28)
PASSWORD = "hostile suite passphrase 2026"


@pytest.fixture
def diary(database_url: str, tmp_path: Path) -> Any:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="hostile-key")
    app = create_app(settings)
    app.state.clock = lambda: TODAY
    client = TestClient(app)
    page = client.get("/account/register?lang=en")
    r = client.post(
        "/account/register",
        data={"email": "hostile@example.org", "password": PASSWORD, "csrf_token": token(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    # Registering never logs in (it answers alike for a taken address): log in next.
    login = client.get(r.headers["location"])
    r = client.post(
        "/account/login",
        data={
            "email": "hostile@example.org",
            "password": PASSWORD,
            "csrf_token": token(login.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/diary", r.text[:500]
    return client


def test_diary_scores_that_are_not_numbers_name_the_field(diary: TestClient) -> None:
    form = {"csrf_token": token(diary.get("/diary").text), "day": TODAY.isoformat()}
    for typed in UNREADABLE_NUMBERS:
        response = diary.post("/diary/entries", data={**form, "sev_fatigue": typed})
        assert response.status_code == 422, typed
        box = error_box(response.text)
        assert f"<li>{symptom_label('en', 'fatigue')}:" in box, typed
        assert "scores.fatigue" not in box
        response = diary.post("/diary/entries", data={**form, "doses_taken": typed})
        assert response.status_code == 422, typed
        box = error_box(response.text)
        assert f"<li>{diary_ui('en', 'entry.doses')}:" in box, typed
        assert "doses_taken" not in box
    assert diary.get("/api/v1/diary/entries").json() == []


def test_diary_treatment_dose_that_is_not_a_number_names_the_field(diary: TestClient) -> None:
    form = {
        "csrf_token": token(diary.get("/diary").text),
        "started": "2026-10-01",
        "route": "oral",
    }
    for typed in ("²", "9" * 5000, "1e400", "nan"):
        response = diary.post("/diary/treatment", data={**form, "dose_ug": typed})
        assert response.status_code == 422, typed
        assert f"<li>{diary_ui('en', 'treatment.dose')}:" in error_box(response.text), typed


def test_a_nul_in_diary_notes_is_refused_before_the_database(diary: TestClient) -> None:
    """PostgreSQL cannot store NUL in text: it must be an input error, not a 500."""
    form = {"csrf_token": token(diary.get("/diary").text), "day": TODAY.isoformat()}
    response = diary.post("/diary/entries", data={**form, "notes": "a\x00b"})
    assert response.status_code == 400
    assert "notes" in response.text
    response = diary.post(
        "/api/v1/diary/entries",
        json={"day": TODAY.isoformat(), "notes": "a\x00b"},
        headers={"X-CSRF-Token": token(diary.get("/diary").text)},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "notes"
    assert diary.get("/api/v1/diary/entries").json() == []


def test_a_baseline_intake_with_a_duplicate_key_is_refused(diary: TestClient) -> None:
    form = {
        "csrf_token": token(diary.get("/diary").text),
        "intake": '{"symptoms": {"balance_problems": {}}, "symptoms": {}}',
    }
    response = diary.post("/diary/baseline", data=form)
    assert response.status_code == 422
    # The intake is the site's own hidden field: the summary names no code (i8), only that an
    # answer needs checking; nothing is saved.
    box = error_box(response.text)
    assert f"<li>{diary_ui('en', 'error.some_field')}:" in box
    assert "<code>" not in box
    assert diary.get("/api/v1/diary/baseline").status_code == 404
    # The same answers without the repeated key are taken: it was the duplicate that was refused.
    form["intake"] = '{"symptoms": {"balance_problems": {}}}'
    assert diary.post("/diary/baseline", data=form).status_code == 200
    assert diary.get("/api/v1/diary/baseline").status_code == 200
