"""The diary's HTML pages: forms with CSRF, login redirects, advice and chart on the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

TODAY = date(2026, 11, 28)
PASSWORD = "correct horse battery"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without CSRF field"
    return match.group(1)


def _register(client: TestClient, email: str) -> None:
    page = client.get("/account/register?lang=en")
    r = client.post(
        "/account/register",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/diary"


def test_diary_needs_login(app_factory: Any) -> None:
    client = TestClient(app_factory(TODAY))
    r = client.get("/diary", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/account/login")


def test_form_posts_without_csrf_are_refused(app_factory: Any) -> None:
    client = TestClient(app_factory(TODAY))
    _register(client, "pages@example.org")
    r = client.post("/diary/entries", data={"day": TODAY.isoformat(), "sev_fatigue": "3"})
    assert r.status_code == 403
    r = client.post("/account/login", data={"email": "pages@example.org", "password": PASSWORD})
    assert r.status_code == 403


def test_full_page_flow_shows_course_and_reevaluation(app_factory: Any) -> None:
    client = TestClient(app_factory(TODAY))
    _register(client, "flow@example.org")
    page = client.get("/diary")
    assert page.status_code == 200
    token = _csrf(page.text)
    started = TODAY - timedelta(weeks=8)
    r = client.post(
        "/diary/treatment",
        data={
            "started": started.isoformat(),
            "route": "oral",
            "dose_ug": "1000",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    for weeks in (8, 4, 0):
        r = client.post(
            "/diary/entries",
            data={
                "day": (TODAY - timedelta(weeks=weeks)).isoformat(),
                "sev_muscle_cramps": "7",
                "sev_fatigue": "5",
                "notes": "<script>x</script>",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    page = client.get("/diary")
    html = page.text
    assert 'id="reevaluate-advice"' in html
    assert 'data-plan="reevaluate"' in html
    assert 'id="warning-no_response_reevaluate"' in html
    assert 'data-response="unchanged"' in html
    assert "<svg" in html and 'class="window"' in html and 'class="start"' in html
    assert "<script>x</script>" not in html  # notes are escaped
    assert 'id="next-check"' in html
    # A bad entry shows the form again with the field named and nothing stored.
    r = client.post(
        "/diary/entries",
        data={
            "day": (TODAY + timedelta(days=1)).isoformat(),
            "sev_fatigue": "3",
            "csrf_token": token,
        },
    )
    assert r.status_code == 422
    assert "day" in r.text
    # Edit and delete an entry through its page.
    entry_id = re.findall(r'href="/diary/entries/(\d+)"', html)[0]
    edit = client.get(f"/diary/entries/{entry_id}")
    assert edit.status_code == 200
    r = client.post(
        f"/diary/entries/{entry_id}",
        data={"day": TODAY.isoformat(), "sev_fatigue": "1", "csrf_token": _csrf(edit.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/diary/entries/{entry_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get(f"/diary/entries/{entry_id}").status_code == 404


def test_other_users_entry_pages_are_404(app_factory: Any) -> None:
    app = app_factory(TODAY)
    owner, other = TestClient(app), TestClient(app)
    _register(owner, "owner@example.org")
    _register(other, "other@example.org")
    token = _csrf(owner.get("/diary").text)
    owner.post(
        "/diary/entries", data={"day": TODAY.isoformat(), "sev_fatigue": "4", "csrf_token": token}
    )
    entry_id = re.findall(r'href="/diary/entries/(\d+)"', owner.get("/diary").text)[0]
    assert other.get(f"/diary/entries/{entry_id}").status_code == 404
    other_token = _csrf(other.get("/diary").text)
    r = other.post(f"/diary/entries/{entry_id}/delete", data={"csrf_token": other_token})
    assert r.status_code == 404
    assert owner.get(f"/diary/entries/{entry_id}").status_code == 200


def test_login_logout_and_delete_account_pages(app_factory: Any) -> None:
    client = TestClient(app_factory(TODAY))
    _register(client, "pagesdel@example.org")
    settings = client.get("/account")
    assert "pagesdel@example.org" in settings.text
    token = _csrf(settings.text)
    client.post("/account/logout", data={"csrf_token": token})
    assert client.get("/diary", follow_redirects=False).status_code == 303
    login = client.get("/account/login")
    r = client.post(
        "/account/login",
        data={
            "email": "pagesdel@example.org",
            "password": PASSWORD,
            "next": "//evil.example",
            "csrf_token": _csrf(login.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/diary"  # no open redirect
    token = _csrf(client.get("/account").text)
    r = client.post(
        "/account/delete", data={"password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    login = client.get("/account/login")
    r = client.post(
        "/account/login",
        data={
            "email": "pagesdel@example.org",
            "password": PASSWORD,
            "csrf_token": _csrf(login.text),
        },
    )
    assert r.status_code == 401


def test_result_page_saves_its_assessment_as_the_diary_starting_point(app_factory: Any) -> None:
    from tests.web.conftest import Flow, hidden

    client = TestClient(app_factory(TODAY))
    _register(client, "baseline@example.org")
    walk = Flow(client, "en")
    walk.to_review({"about": {"age": "45", "sex": "male"},
                    "symptoms": {"sym-muscle_pain": "yes", "sym-muscle_pain-severity": "6"}})  # fmt: skip
    result = walk.result()
    assert result.status_code == 200
    form = result.text.split('action="/result/save"', 1)[1].split("</form>", 1)[0]
    r = client.post(
        "/result/save", data={"csrf_token": hidden(form, "csrf_token")}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/diary"
    diary = client.get("/api/v1/diary/baseline")
    assert diary.status_code == 200
    assert diary.json()["assessment"]["triage"]["level"] == "routine"
