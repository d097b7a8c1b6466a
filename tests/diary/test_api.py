"""The JSON API end to end on SQLite and PostgreSQL: accounts, diary, re-evaluation, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.diary.helpers import PASSWORD, register

TODAY = date(2026, 11, 28)


def _entry(offset_days: int, **scores: int) -> dict[str, Any]:
    return {"day": (TODAY - timedelta(days=offset_days)).isoformat(), "scores": scores}


@pytest.fixture
def app(app_factory: Any) -> Any:
    return app_factory(TODAY)


def test_unchanged_course_after_eight_weeks_brings_reevaluation(app: Any) -> None:
    alice = register(app, "alice@example.org")
    started = TODAY - timedelta(weeks=8)
    r = alice.post(
        "/api/v1/diary/treatments",
        {
            "started": started.isoformat(),
            "route": "intramuscular",
            "dose_ug": 1000,
            "schedule": "every 2 months",
        },
    )
    assert r.status_code == 201, r.text
    assert alice.post("/api/v1/diary/entries", _entry(56, muscle_pain=6)).status_code == 201
    before = alice.client.get("/api/v1/diary").json()
    assert before["response"]["response"] is None
    assert before["reevaluate"] is False
    assert before["next_check"]  # always visible once a treatment is recorded
    for weeks in (6, 4, 2, 0):
        assert (
            alice.post("/api/v1/diary/entries", _entry(weeks * 7, muscle_pain=6)).status_code == 201
        )
    course = alice.client.get("/api/v1/diary").json()
    assert course["response"]["response"] == "unchanged"
    assert course["reevaluate"] is True
    assert course["assessment"]["plan"] == "reevaluate"
    assert "no_response_reevaluate" in course["assessment"]["warnings"]
    assert course["window"] == [
        (started + timedelta(weeks=6)).isoformat(),
        (started + timedelta(weeks=8)).isoformat(),
    ]


def test_improving_course_keeps_treatment(app: Any) -> None:
    bob = register(app, "bob@example.org")
    bob.post(
        "/api/v1/diary/treatments",
        {"started": (TODAY - timedelta(weeks=9)).isoformat(), "route": "oral", "dose_ug": 1000},
    )
    bob.post("/api/v1/diary/entries", _entry(63, paresthesia=8, fatigue=6))
    bob.post("/api/v1/diary/entries", _entry(0, paresthesia=4, fatigue=3))
    course = bob.client.get("/api/v1/diary").json()
    assert course["response"]["response"] == "improved"
    assert course["reevaluate"] is False
    assert "no_response_reevaluate" not in course["assessment"]["warnings"]


def test_worsening_course_is_urgent_before_the_window(app: Any) -> None:
    carol = register(app, "carol@example.org")
    carol.post(
        "/api/v1/diary/treatments",
        {"started": (TODAY - timedelta(weeks=3)).isoformat(), "route": "oral", "dose_ug": 1000},
    )
    carol.post("/api/v1/diary/entries", _entry(21, numbness=4))
    carol.post("/api/v1/diary/entries", _entry(0, numbness=7))
    course = carol.client.get("/api/v1/diary").json()
    assert course["response"]["response"] == "worse"
    assert course["urgent"] is True
    assert course["assessment"]["triage"]["level"] in ("urgent", "emergency")


def test_entry_crud_and_validation(app: Any) -> None:
    dan = register(app, "dan@example.org")
    r = dan.post(
        "/api/v1/diary/entries",
        {**_entry(1, muscle_cramps=5), "doses_taken": 1, "notes": "after a walk"},
    )
    assert r.status_code == 201
    entry = r.json()
    r = dan.put(
        f"/api/v1/diary/entries/{entry['id']}",
        {**_entry(1, muscle_cramps=3, fatigue=2), "notes": "better"},
    )
    assert r.status_code == 200
    assert dan.client.get(f"/api/v1/diary/entries/{entry['id']}").json()["scores"] == {
        "fatigue": 2,
        "muscle_cramps": 3,
    }
    assert dan.delete(f"/api/v1/diary/entries/{entry['id']}").status_code == 204
    assert dan.client.get("/api/v1/diary/entries").json() == []
    # Input errors name the field and store nothing.
    future = dan.post("/api/v1/diary/entries", _entry(-1, fatigue=2))
    assert future.status_code == 422
    assert future.json()["detail"][0]["path"] == "day"
    assert dan.post("/api/v1/diary/entries", _entry(0, fatigue=11)).status_code == 422
    unknown = dan.post("/api/v1/diary/entries", _entry(0, sore_elbow=3))
    assert unknown.json()["detail"][0]["path"] == "scores.sore_elbow"
    assert dan.client.get("/api/v1/diary/entries").json() == []


def test_two_users_cannot_touch_each_others_data(app: Any) -> None:
    alice = register(app, "alice@example.org")
    mallory = register(app, "mallory@example.org")
    entry = alice.post("/api/v1/diary/entries", _entry(2, fatigue=5)).json()
    treatment = alice.post(
        "/api/v1/diary/treatments", {"started": "2026-10-01", "route": "oral", "dose_ug": 1000}
    ).json()
    token = alice.post("/api/v1/account/tokens", {"name": "phone"}).json()
    eid, tid = entry["id"], treatment["id"]
    assert mallory.client.get(f"/api/v1/diary/entries/{eid}").status_code == 404
    assert mallory.put(f"/api/v1/diary/entries/{eid}", _entry(2, fatigue=0)).status_code == 404
    assert mallory.delete(f"/api/v1/diary/entries/{eid}").status_code == 404
    assert mallory.delete(f"/api/v1/diary/treatments/{tid}").status_code == 404
    assert mallory.delete(f"/api/v1/account/tokens/{token['id']}").status_code == 404
    assert mallory.client.get("/api/v1/diary/entries").json() == []
    assert mallory.client.get("/api/v1/diary/treatments").json() == []
    assert "alice" not in mallory.client.get("/api/v1/diary/export.csv").text
    # Alice's data is untouched.
    assert alice.client.get(f"/api/v1/diary/entries/{eid}").json()["scores"] == {"fatigue": 5}
    assert len(alice.client.get("/api/v1/diary/treatments").json()) == 1


def test_cookie_writes_need_the_csrf_header_tokens_do_not(app: Any) -> None:
    erin = register(app, "erin@example.org")
    no_header = erin.client.post("/api/v1/diary/entries", json=_entry(0, fatigue=1))
    assert no_header.status_code == 403
    forged = erin.client.post(
        "/api/v1/diary/entries", json=_entry(0, fatigue=1), headers={"X-CSRF-Token": "guess"}
    )
    assert forged.status_code == 403
    token = erin.post("/api/v1/account/tokens", {"name": "app", "scope": "write"}).json()["token"]
    bare = TestClient(app)  # no cookies: a mobile app with its personal token
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        bare.post("/api/v1/diary/entries", json=_entry(0, fatigue=1), headers=auth).status_code
        == 201
    )
    assert bare.get("/api/v1/account", headers=auth).json()["email"] == "erin@example.org"
    assert bare.get("/api/v1/diary/entries").status_code == 401
    assert (
        bare.get("/api/v1/diary/entries", headers={"Authorization": "Bearer b12_wrong"}).status_code
        == 401
    )
    # Tokens are stored hashed: the plain value is nowhere in the listing.
    listing = erin.client.get("/api/v1/account/tokens").json()
    assert listing[0]["token"] is None


def test_login_is_rate_limited_per_account_and_address(app: Any) -> None:
    register(app, "frank@example.org")
    client = TestClient(app)
    for _ in range(5):
        r = client.post(
            "/api/v1/account/login",
            json={"email": "frank@example.org", "password": "wrong password!"},
        )
        assert r.status_code == 401
    r = client.post(
        "/api/v1/account/login", json={"email": "frank@example.org", "password": PASSWORD}
    )
    assert r.status_code == 429  # even the right password waits
    assert int(r.headers["Retry-After"]) > 0
    # Another account from the same address is not locked out by Frank's failures.
    register(app, "grace@example.org")
    ok = client.post(
        "/api/v1/account/login", json={"email": "grace@example.org", "password": PASSWORD}
    )
    assert ok.status_code == 200


def test_login_refuses_a_cross_site_simple_post(app: Any) -> None:
    register(app, "heidi@example.org")
    client = TestClient(app)
    body = json.dumps({"email": "heidi@example.org", "password": PASSWORD})
    r = client.post("/api/v1/account/login", content=body, headers={"Content-Type": "text/plain"})
    assert r.status_code == 422
    assert "b12_session" not in r.cookies


def test_session_cookie_flags(app: Any, app_factory: Any) -> None:
    client = TestClient(app)
    r = client.post(
        "/api/v1/account/register", json={"email": "ivan@example.org", "password": PASSWORD}
    )
    assert "set-cookie" not in r.headers  # registering does not log in
    r = client.post(
        "/api/v1/account/login", json={"email": "ivan@example.org", "password": PASSWORD}
    )
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie


def test_password_change_logout_and_account_deletion(app: Any) -> None:
    judy = register(app, "judy@example.org")
    judy.post("/api/v1/diary/entries", _entry(0, fatigue=4))
    other = TestClient(app)
    other.post("/api/v1/account/login", json={"email": judy.email, "password": PASSWORD})
    short = judy.post(
        "/api/v1/account/password", {"old_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    r = judy.post(
        "/api/v1/account/password",
        {"old_password": PASSWORD, "new_password": "a new long passphrase"},
    )
    assert r.status_code == 204
    judy.csrf = r.headers["X-CSRF-Token"]
    assert other.get("/api/v1/account").status_code == 401  # other sessions ended
    assert judy.client.get("/api/v1/account").status_code == 200
    wrong = judy.delete("/api/v1/account", {"password": PASSWORD})
    assert wrong.status_code == 403
    assert judy.delete("/api/v1/account", {"password": "a new long passphrase"}).status_code == 204
    assert judy.client.get("/api/v1/diary/entries").status_code == 401
    again = TestClient(app).post(
        "/api/v1/account/login", json={"email": judy.email, "password": "a new long passphrase"}
    )
    assert again.status_code == 401


def test_deleting_an_account_deletes_all_its_rows(app: Any, database_url: str) -> None:
    from sqlalchemy import func, select

    from b12check.store import Database
    from b12check.store.models import ApiToken, Baseline, Entry, Score, Treatment, User

    kim = register(app, "kim@example.org")
    keep = register(app, "keep@example.org")
    for person in (kim, keep):
        person.post("/api/v1/diary/entries", _entry(0, fatigue=4, numbness=2))
        person.post("/api/v1/diary/treatments", {"started": "2026-10-01", "route": "oral"})
        person.post("/api/v1/account/tokens", {"name": "t"})
        r = person.post(
            "/api/v1/diary/baseline",
            {"intake": {"patient": {"age": 50}, "symptoms": {"fatigue": {}}}},
        )
        assert r.status_code == 201, r.text
    assert kim.delete("/api/v1/account", {"password": PASSWORD}).status_code == 204
    database = Database.open(database_url)
    with database.read() as session:
        for table in (User, Entry, Treatment, Baseline, ApiToken):
            assert session.scalar(select(func.count()).select_from(table)) == 1, table
        assert session.scalar(select(func.count()).select_from(Score)) == 2
    database.dispose()


def test_exports_hold_everything(app: Any) -> None:
    from fhir.resources.R4B.bundle import Bundle

    leo = register(app, "leo@example.org")
    leo.post(
        "/api/v1/diary/treatments", {"started": "2026-10-01", "route": "oral", "dose_ug": 1000}
    )
    leo.post(
        "/api/v1/diary/entries",
        {**_entry(3, muscle_pain=6, fatigue=4), "doses_taken": 3, "notes": '=HYPERLINK("x")'},
    )
    rows = list(csv.DictReader(io.StringIO(leo.client.get("/api/v1/diary/export.csv").text)))
    scores = {(r["symptom"], r["severity"]) for r in rows if r["record"] == "entry"}
    assert scores == {("muscle_pain", "6"), ("fatigue", "4")}
    assert [r["route"] for r in rows if r["record"] == "treatment"] == ["oral"]
    assert all(r["notes"].startswith("'=") for r in rows if r["record"] == "entry")
    r = leo.client.get("/api/v1/diary/export.fhir.json")
    assert r.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(r.text)
    kinds = [e.resource.__resource_type__ for e in bundle.entry]
    assert kinds.count("QuestionnaireResponse") == 1
    assert kinds.count("MedicationStatement") == 1
    answers = {
        i.linkId: i.answer[0]
        for i in bundle.entry[kinds.index("QuestionnaireResponse")].resource.item
    }
    assert answers["symptom.muscle_pain"].valueInteger == 6
    assert answers["doses_taken"].valueInteger == 3


def test_openapi_describes_account_and_diary(app: Any) -> None:
    spec = TestClient(app).get("/api/openapi.json").json()
    paths = set(spec["paths"])
    for path in (
        "/api/v1/account/register",
        "/api/v1/account/login",
        "/api/v1/account",
        "/api/v1/account/tokens",
        "/api/v1/diary",
        "/api/v1/diary/entries",
        "/api/v1/diary/entries/{entry_id}",
        "/api/v1/diary/treatments",
        "/api/v1/diary/export.csv",
        "/api/v1/diary/export.fhir.json",
    ):
        assert path in paths, path
