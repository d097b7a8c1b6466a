"""Route tests of the questionnaire: steps, skipping, keeping answers, errors next to fields."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from b12check.web.content import catalogue
from b12check.web.forms import build_intake


def test_start_page_is_dutch_by_default_and_links_to_both_tools(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="nl">' in response.text
    assert 'href="/questionnaire"' in response.text
    assert 'href="/labs"' in response.text


def test_english_is_selectable_and_remembered(client: TestClient) -> None:
    assert '<html lang="en">' in client.get("/?lang=en").text
    assert '<html lang="en">' in client.get("/questionnaire").text  # cookie remembers


def test_security_headers_on_every_page(client: TestClient) -> None:
    for path in ("/", "/questionnaire", "/labs", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    for path in ("/", "/questionnaire", "/labs"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_post_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/questionnaire")
    response = client.post("/questionnaire", data={"step": "about", "age": "40"})
    assert response.status_code == 403


def test_post_with_forged_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/questionnaire")
    client.cookies.set("b12_csrf", "forged")
    response = client.post("/result", data={"csrf_token": "forged", "state": ""})
    assert response.status_code == 403


def test_supplement_step_is_skipped_unless_supplements_are_taken(flow: Any) -> None:
    flow = flow()
    flow.submit(age="40")
    flow.submit(diet_pattern="omnivore", takes_supplements="no")
    assert flow.step == "medicines"
    flow.submit(action="back")
    flow.submit(diet_pattern="omnivore", takes_supplements="yes")
    assert flow.step == "supplements"


def test_treatment_step_only_when_already_treated(flow: Any) -> None:
    flow = flow(lang="en")
    flow.to_review({"history": {"on_treatment": "no"}})
    assert "Your B12 treatment" not in flow.html
    assert "Your complaints" in flow.html  # the review lists the steps that were shown
    flow.open("history")
    flow.submit(on_treatment="yes")
    assert flow.step == "treatment"


def test_answers_survive_going_back_and_forth(flow: Any) -> None:
    flow = flow()
    flow.submit(age="58", sex="female")
    flow.submit(diet_pattern="vegan", fortified_foods="no", takes_supplements="no")
    flow.submit(action="back")
    assert flow.step == "diet"
    assert 'value="vegan" checked' in flow.html
    flow.submit(action="back", diet_pattern="vegan", fortified_foods="no", takes_supplements="no")
    assert flow.step == "about"
    assert 'name="age" type="text" value="58"' in flow.html
    assert 'value="female" checked' in flow.html


def test_unreadable_number_is_shown_next_to_the_field_and_kept(flow: Any) -> None:
    flow = flow(lang="en")
    response = flow.submit(age="forty")
    assert response.status_code == 422
    assert flow.step == "about"
    assert 'value="forty"' in flow.html
    assert 'id="err-age"' in flow.html
    assert 'aria-invalid="true"' in flow.html
    assert "Age in years: enter a whole number" in flow.html  # the field in words


def test_age_below_adult_range_is_an_error_at_the_age_field(flow: Any) -> None:
    flow = flow()
    response = flow.submit(age="12")
    assert response.status_code == 422
    assert 'id="err-age"' in flow.html
    assert 'value="12"' in flow.html


def test_pregnancy_question_is_dropped_for_men() -> None:
    answers = {"age": "40", "sex": "male", "pregnant": "yes"}
    intake = build_intake(answers, catalogue()).intake
    assert intake["patient"] == {"age": 40, "sex": "male"}


def test_dont_know_answers_are_left_out_not_read_as_no() -> None:
    answers = {"age": "40", "sex": "unknown", "pregnant": "unknown", "diet_pattern": "unknown"}
    intake = build_intake(answers, catalogue()).intake
    assert intake == {"patient": {"age": 40}}


def test_dutch_decimal_comma_is_read() -> None:
    answers = {"lab-0-analyte": "hb", "lab-0-value": "7,1", "lab-0-unit": "mmol/L"}
    intake = build_intake(answers, catalogue()).intake
    assert intake["labs"] == [{"analyte": "hb", "value": 7.1, "unit": "mmol/L"}]


def test_nothing_typed_appears_in_a_url(flow: Any) -> None:
    flow = flow()
    forms = re.findall(r"<form[^>]*>", flow.html)
    assert forms
    assert all('method="post"' in form for form in forms)
