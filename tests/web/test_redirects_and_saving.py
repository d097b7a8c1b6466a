"""Post/redirect/get in the questionnaire, "start again", and saving the result to the diary
while logged out: the answers survive logging in, and the entry is saved at the end."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.web.conftest import hidden

PASSWORD = "a long test passphrase"
BALANCE = {"about": {"age": "66", "sex": "male"}, "symptoms": {"sym-balance_problems": "yes"}}


def test_each_step_answers_with_a_redirect_to_a_get_page(flow: Any) -> None:
    walk = flow()
    response = walk.client.post(
        "/questionnaire",
        data={"csrf_token": walk.hidden("csrf_token"), "step": "about", "age": "50"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/questionnaire/diet"
    assert "50" not in response.headers["location"]  # nothing personal in the address
    back = walk.client.get("/questionnaire/about")  # what the browser's Back button loads
    assert 'value="50"' in back.text


def test_start_again_forgets_the_answers(flow: Any) -> None:
    walk = flow()
    walk.submit(age="61")
    walk.client.post("/questionnaire/restart", data={"csrf_token": walk.hidden("csrf_token")})
    assert 'value="61"' not in walk.client.get("/questionnaire/about").text


def test_the_result_address_without_answers_goes_to_the_questionnaire(client: TestClient) -> None:
    response = client.get("/result", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/questionnaire"


def _register_and_log_out(client: TestClient, email: str) -> None:
    page = client.get("/account/register?lang=nl")
    client.post(
        "/account/register",
        data={"email": email, "password": PASSWORD, "csrf_token": hidden(page.text, "csrf_token")},
    )
    diary = client.get("/diary")
    client.post("/account/logout", data={"csrf_token": hidden(diary.text, "csrf_token")})
    assert client.get("/diary", follow_redirects=False).status_code == 303


def test_saving_while_logged_out_ends_saved_after_logging_in(flow: Any) -> None:
    walk = flow()
    _register_and_log_out(walk.client, "later@example.org")
    walk.to_review(BALANCE)
    result = walk.result()
    token = hidden(result.text.split('action="/result/save"', 1)[1], "csrf_token")
    to_login = walk.client.post("/result/save", data={"csrf_token": token}, follow_redirects=False)
    assert to_login.status_code == 303
    assert to_login.headers["location"].startswith("/account/login?next=")
    login_page = walk.client.get(to_login.headers["location"])
    assert hidden(login_page.text, "next") == "/result/save"
    done = walk.client.post(
        "/account/login",
        data={"email": "later@example.org", "password": PASSWORD, "next": "/result/save",
              "csrf_token": hidden(login_page.text, "csrf_token")},
    )  # fmt: skip
    assert str(done.url).endswith("/diary")
    saved = walk.client.get("/api/v1/diary/baseline")
    assert saved.status_code == 200
    assert saved.json()["assessment"]["triage"]["level"] == "immediate"


def test_the_finish_address_saves_nothing_unless_this_browser_asked(flow: Any) -> None:
    walk = flow()
    page = walk.client.get("/account/register?lang=nl")
    walk.client.post(
        "/account/register",
        data={"email": "no-ask@example.org", "password": PASSWORD,
              "csrf_token": hidden(page.text, "csrf_token")},
    )  # fmt: skip
    walk.to_review(BALANCE)
    walk.client.get("/result/save")  # no pending mark: e.g. a link from another site
    assert walk.client.get("/api/v1/diary/baseline").status_code == 404


def test_diary_names_the_next_check_date_once(client: TestClient) -> None:
    from datetime import date, timedelta

    from b12check.i18n import format_date

    page = client.get("/account/register?lang=nl")
    client.post(
        "/account/register",
        data={"email": "once@example.org", "password": PASSWORD,
              "csrf_token": hidden(page.text, "csrf_token")},
    )  # fmt: skip
    diary = client.get("/diary")
    started = date.today() - timedelta(days=10)
    client.post(
        "/diary/treatment",
        data={"csrf_token": hidden(diary.text, "csrf_token"), "started": started.isoformat(),
              "route": "oral", "dose_ug": "1000"},
    )  # fmt: skip
    html = client.get("/diary").text
    shown = html.split('id="next-check"', 1)[1].split("</p>", 1)[0]
    when = next(
        d
        for d in (started + timedelta(days=n) for n in range(1, 200))
        if format_date(d, "nl") in shown
    )
    assert html.count(format_date(when, "nl")) == 1
    assert format_date(when, "nl", "long") not in html


def test_diary_errors_are_in_words_without_codes_or_validator_text(client: TestClient) -> None:
    page = client.get("/account/register?lang=nl")
    client.post(
        "/account/register",
        data={"email": "errors@example.org", "password": PASSWORD,
              "csrf_token": hidden(page.text, "csrf_token")},
    )  # fmt: skip
    diary = client.get("/diary")
    response = client.post(
        "/diary/treatment",
        data={"csrf_token": hidden(diary.text, "csrf_token"), "started": "2099-01-01",
              "route": "oral", "dose_ug": "1000"},
    )  # fmt: skip
    assert response.status_code == 422
    box = response.text.split('id="form-error"', 1)[1].split("</div>", 1)[0]
    assert "Startdatum:" in box
    assert "<code>" not in box and "_" not in box and "should" not in box
