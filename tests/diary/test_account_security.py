"""Accounts an attacker cannot grind, on SQLite and PostgreSQL: token scope, expiry and revocation,
session idle timeout and purge, CSRF bound to the session, the password check, registration that
reveals nothing, shared failure limits on every password check, trusted proxies, HTTPS cookies
and headers (also on a 500)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from tests.diary.helpers import PASSWORD, Person, login, register

from b12check.store import Database
from b12check.store.models import ApiToken, LoginSession
from b12check.web.security import client_address

TODAY = date(2026, 11, 28)
ENTRY = {"day": TODAY.isoformat(), "scores": {"fatigue": 3}}


@pytest.fixture
def app(app_factory: Any) -> Any:
    return app_factory(TODAY)


def _db(app: Any) -> Database:
    database: Database = app.state.database
    return database


def _token(person: Person, **body: Any) -> dict[str, Any]:
    r = person.post("/api/v1/account/tokens", {"name": "app", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---- personal tokens ---------------------------------------------------------------------------


def test_token_scope_read_reads_write_writes_none_manages_the_account(app: Any) -> None:
    amy = register(app, "amy@example.org")
    read = _token(amy)  # least privilege by default
    write = _token(amy, scope="write")
    assert read["scope"] == "read"
    assert write["scope"] == "write"
    bare = TestClient(app)
    assert bare.get("/api/v1/diary/entries", headers=_bearer(read["token"])).status_code == 200
    denied = bare.post("/api/v1/diary/entries", json=ENTRY, headers=_bearer(read["token"]))
    assert denied.status_code == 403
    assert denied.json()["detail"] == "insufficient_scope"
    assert "insufficient_scope" in denied.headers["www-authenticate"]
    assert bare.get("/api/v1/diary/entries", headers=_bearer(read["token"])).json() == []
    ok = bare.post("/api/v1/diary/entries", json=ENTRY, headers=_bearer(write["token"]))
    assert ok.status_code == 201
    for token in (read["token"], write["token"]):
        headers = _bearer(token)
        for method, path, body in (
            ("POST", "/api/v1/account/tokens", {"name": "more", "scope": "write"}),
            ("GET", "/api/v1/account/tokens", None),
            ("DELETE", f"/api/v1/account/tokens/{read['id']}", None),
            ("POST", "/api/v1/account/password", {"old_password": PASSWORD, "new_password": "x"}),
            ("DELETE", "/api/v1/account", {"password": PASSWORD}),
            ("POST", "/api/v1/account/logout", None),
        ):
            r = bare.request(method, path, json=body, headers=headers)
            assert r.status_code == 403, (method, path, r.status_code)
    assert len(amy.client.get("/api/v1/account/tokens").json()) == 2  # nothing was revoked


def test_token_expiry_and_last_used(app: Any) -> None:
    ben = register(app, "ben@example.org")
    assert ben.post("/api/v1/account/tokens", {"days": 366}).status_code == 422
    assert ben.post("/api/v1/account/tokens", {"days": 0}).status_code == 422
    token = _token(ben, days=30)
    created = date.fromisoformat(token["created_at"][:10])
    assert date.fromisoformat(token["expires_at"][:10]) == created + timedelta(days=30)
    bare = TestClient(app)
    assert token["last_used_at"] is None
    assert bare.get("/api/v1/diary/entries", headers=_bearer(token["token"])).status_code == 200
    listed = ben.client.get("/api/v1/account/tokens").json()[0]
    assert listed["last_used_at"] is not None
    assert listed["token"] is None
    with _db(app).write() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert bare.get("/api/v1/diary/entries", headers=_bearer(token["token"])).status_code == 401


def test_password_change_revokes_every_token(app: Any) -> None:
    cleo = register(app, "cleo@example.org")
    token = _token(cleo, scope="write")["token"]
    bare = TestClient(app)
    assert bare.get("/api/v1/diary/entries", headers=_bearer(token)).status_code == 200
    r = cleo.post(
        "/api/v1/account/password",
        {"old_password": PASSWORD, "new_password": "a different long passphrase"},
    )
    assert r.status_code == 204
    assert bare.get("/api/v1/diary/entries", headers=_bearer(token)).status_code == 401
    cleo.csrf = r.headers["X-CSRF-Token"]
    assert cleo.client.get("/api/v1/account/tokens").json() == []


# ---- sessions ----------------------------------------------------------------------------------


def _age_sessions(app: Any, **shift: timedelta) -> None:
    """Move a timestamp of every session back (the clock cannot be moved forward)."""
    with _db(app).write() as session:
        for row in session.scalars(select(LoginSession)):
            for column, delta in shift.items():
                setattr(row, column, getattr(row, column) - delta)


def test_idle_session_ends_and_activity_keeps_it_alive(app: Any) -> None:
    policy = app.state.settings.security
    dora = register(app, "dora@example.org")
    # Activity after the touch interval moves last_seen_at on.
    _age_sessions(app, last_seen_at=timedelta(seconds=policy.touch_interval_seconds + 5))
    with _db(app).read() as session:
        before = session.scalar(select(LoginSession.last_seen_at))
    assert dora.client.get("/api/v1/account").status_code == 200
    with _db(app).read() as session:
        after = session.scalar(select(LoginSession.last_seen_at))
    assert before is not None
    assert after is not None
    assert after > before
    # Idle for longer than the timeout: logged out.
    _age_sessions(app, last_seen_at=timedelta(minutes=policy.session_idle_minutes + 1))
    assert dora.client.get("/api/v1/account").status_code == 401
    assert dora.client.get("/diary", follow_redirects=False).status_code == 303


def test_session_has_an_absolute_end_and_expired_ones_are_purged(app: Any) -> None:
    policy = app.state.settings.security
    eve = register(app, "eve@example.org")
    login(app, eve.email)  # a second session, in another browser
    _age_sessions(app, expires_at=timedelta(hours=policy.session_lifetime_hours))
    assert eve.client.get("/api/v1/account").status_code == 401
    with _db(app).read() as session:
        assert session.scalar(select(func.count()).select_from(LoginSession)) == 2
    login(app, eve.email)  # every login purges sessions past their end
    with _db(app).read() as session:
        assert session.scalar(select(func.count()).select_from(LoginSession)) == 1


# ---- CSRF bound to the session -----------------------------------------------------------------


def _csrf_field(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _page_login(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    page = client.get("/account/login")
    r = client.post(
        "/account/login",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf_field(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return client


def test_form_csrf_token_is_bound_to_the_session(app: Any) -> None:
    register(app, "fay@example.org")
    register(app, "gus@example.org")
    fay = _page_login(app, "fay@example.org")
    gus = _page_login(app, "gus@example.org")
    fay_token = _csrf_field(fay.get("/diary").text)
    # Fay's own token works for Fay.
    own = fay.post(
        "/diary/entries",
        data={"day": TODAY.isoformat(), "sev_fatigue": "2", "csrf_token": fay_token},
        follow_redirects=False,
    )
    assert own.status_code == 303
    # Planted in Gus's browser (cookie and field alike), Fay's valid token does not work.
    gus.cookies.set("b12_csrf", fay_token)
    planted = gus.post(
        "/diary/entries",
        data={"day": TODAY.isoformat(), "sev_fatigue": "2", "csrf_token": fay_token},
    )
    assert planted.status_code == 403
    # A token issued before logging in is not accepted after it: a new one is issued.
    anonymous = TestClient(app)
    before = _csrf_field(anonymous.get("/account/login").text)
    anonymous.post(
        "/account/login",
        data={"email": "gus@example.org", "password": PASSWORD, "csrf_token": before},
    )
    stale = anonymous.post(
        "/diary/entries",
        data={"day": TODAY.isoformat(), "sev_fatigue": "2", "csrf_token": before},
    )
    assert stale.status_code == 403
    fresh = _csrf_field(anonymous.get("/diary").text)
    assert fresh != before
    ok = anonymous.post(
        "/diary/entries",
        data={"day": TODAY.isoformat(), "sev_fatigue": "2", "csrf_token": fresh},
        follow_redirects=False,
    )
    assert ok.status_code == 303


# ---- passwords and registration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short phrase", "password_too_short"),  # 12 < 15 (NIST SP 800-63B-4, single factor)
        ("passwordpassword", "password_weak"),  # on every breached list
        ("1234567890123456", "password_weak"),
        ("qwertyuiopasdfgh", "password_weak"),  # a keyboard walk
        ("hank@example.org2024", "password_weak"),  # the address itself
        ("x" * 1025, "password_too_long"),
    ],
)
def test_weak_passwords_are_refused(app_factory: Any, password: str, code: str) -> None:
    app = app_factory(TODAY)
    r = TestClient(app).post(
        "/api/v1/account/register", json={"email": "hank@example.org", "password": password}
    )
    assert r.status_code == 422
    body = r.json()
    if code == "password_too_long":  # refused by the schema, which names the field
        assert body["detail"] == "invalid input"
        assert [e["path"] for e in body["errors"]] == ["password"]
        assert password not in r.text  # never the value
    else:
        assert body["detail"] == code


def test_a_good_passphrase_is_accepted(app: Any) -> None:
    r = TestClient(app).post(
        "/api/v1/account/register",
        json={"email": "ivy@example.org", "password": "lantern orbit pickle meadow"},
    )
    assert r.status_code == 202


def test_registration_does_not_reveal_whether_the_address_exists(app: Any) -> None:
    first = TestClient(app).post(
        "/api/v1/account/register", json={"email": "jay@example.org", "password": PASSWORD}
    )
    again = TestClient(app).post(
        "/api/v1/account/register",
        json={"email": "JAY@example.org ", "password": "someone elses passphrase here"},
    )
    assert (first.status_code, first.json()) == (again.status_code, again.json())
    assert "set-cookie" not in first.headers
    assert "set-cookie" not in again.headers
    # The second registration changed nothing: the first password still logs in, the new one not.
    login(app, "jay@example.org")
    r = TestClient(app).post(
        "/api/v1/account/login",
        json={"email": "jay@example.org", "password": "someone elses passphrase here"},
    )
    assert r.status_code == 401
    # The form says the same for both, too.
    pages = []
    for password in (PASSWORD, "yet another long passphrase"):
        client = TestClient(app)
        form = client.get("/account/register")
        r = client.post(
            "/account/register",
            data={
                "email": "kai@example.org",
                "password": password,
                "csrf_token": _csrf_field(form.text),
            },
            follow_redirects=False,
        )
        pages.append((r.status_code, r.headers["location"]))
    assert pages[0] == pages[1]


# ---- failure limits on every password check ----------------------------------------------------


def test_password_change_and_deletion_are_rate_limited(app: Any) -> None:
    policy = app.state.settings.security
    lou = register(app, "lou@example.org")
    for _ in range(policy.failures_per_account_and_address):
        r = lou.post(
            "/api/v1/account/password",
            {"old_password": "not my password at all", "new_password": "a fresh long passphrase"},
        )
        assert r.status_code == 422
    # The budget is shared with deleting the account and with logging in.
    assert lou.delete("/api/v1/account", {"password": PASSWORD}).status_code == 429
    r = TestClient(app).post(
        "/api/v1/account/login", json={"email": lou.email, "password": PASSWORD}
    )
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_one_address_cannot_spray_many_accounts(app_factory: Any, tmp_path: Any) -> None:
    app = app_factory(TODAY)
    policy = app.state.settings.security
    register(app, "target@example.org")
    client = TestClient(app)
    for n in range(policy.failures_per_address):
        r = client.post(
            "/api/v1/account/login",
            json={"email": f"guess{n}@example.org", "password": "wrong wrong wrong"},
        )
        assert r.status_code == 401
    r = client.post(
        "/api/v1/account/login", json={"email": "target@example.org", "password": PASSWORD}
    )
    assert r.status_code == 429
    # Another address is not affected.
    other = TestClient(app, client=("192.0.2.7", 40000))
    ok = other.post(
        "/api/v1/account/login", json={"email": "target@example.org", "password": PASSWORD}
    )
    assert ok.status_code == 200


def test_forwarded_for_is_believed_only_from_a_configured_proxy(app_factory: Any) -> None:
    app = app_factory(TODAY)
    register(app, "max@example.org")
    policy = app.state.settings.security
    wrong = {"email": "max@example.org", "password": "wrong wrong wrong"}
    # Not configured: an attacker rotating X-Forwarded-For is still one address.
    attacker = TestClient(app, client=("198.51.100.9", 5000))
    for n in range(policy.failures_per_account_and_address):
        r = attacker.post(
            "/api/v1/account/login", json=wrong, headers={"X-Forwarded-For": f"203.0.113.{n}"}
        )
        assert r.status_code == 401
    r = attacker.post(
        "/api/v1/account/login", json=wrong, headers={"X-Forwarded-For": "203.0.113.200"}
    )
    assert r.status_code == 429


def test_client_address_rules() -> None:
    proxies = ["10.0.0.0/8", "127.0.0.1"]
    assert client_address("198.51.100.1", "1.2.3.4", proxies) == "198.51.100.1"
    assert client_address("10.1.2.3", "1.2.3.4", proxies) == "1.2.3.4"
    # The client may prepend anything; only what our proxies appended counts.
    assert client_address("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.9.9.9", proxies) == "1.2.3.4"
    assert client_address("10.1.2.3", "not-an-ip", proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", "1.2.3.4", []) == "10.1.2.3"
    assert client_address("10.1.2.3", None, proxies) == "10.1.2.3"


def test_trusted_proxy_gives_each_client_its_own_budget(database_url: str, tmp_path: Any) -> None:
    from b12check.settings import Settings
    from b12check.web.app import create_app

    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-key",
        trusted_proxies=["192.0.2.0/24"],
    )
    app = create_app(settings)
    register(app, "ned@example.org")
    proxy = TestClient(app, client=("192.0.2.1", 443))
    wrong = {"email": "ned@example.org", "password": "wrong wrong wrong"}
    for _ in range(settings.security.failures_per_account_and_address):
        r = proxy.post("/api/v1/account/login", json=wrong, headers={"X-Forwarded-For": "1.1.1.1"})
        assert r.status_code == 401
    blocked = proxy.post(
        "/api/v1/account/login",
        json={"email": "ned@example.org", "password": PASSWORD},
        headers={"X-Forwarded-For": "1.1.1.1"},
    )
    assert blocked.status_code == 429
    other = proxy.post(
        "/api/v1/account/login",
        json={"email": "ned@example.org", "password": PASSWORD},
        headers={"X-Forwarded-For": "2.2.2.2"},
    )
    assert other.status_code == 200


# ---- HTTPS and error answers -------------------------------------------------------------------


def test_https_cookies_and_hsts(database_url: str, tmp_path: Any) -> None:
    from b12check.settings import Settings
    from b12check.web.app import create_app

    settings = Settings(
        data_dir=tmp_path, database_url=database_url, secret_key="test-key", https=True
    )
    app = create_app(settings)
    client = TestClient(app, base_url="https://testserver")
    client.post("/api/v1/account/register", json={"email": "ola@example.org", "password": PASSWORD})
    r = client.post(
        "/api/v1/account/login", json={"email": "ola@example.org", "password": PASSWORD}
    )
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-b12_session=")
    assert "Secure" in cookie
    assert "Domain" not in cookie
    assert "Path=/" in cookie
    assert f"Max-Age={settings.security.session_lifetime_hours * 3600}" in cookie
    assert client.get("/api/v1/account").status_code == 200  # the prefixed cookie is read
    hsts = r.headers["strict-transport-security"]
    assert hsts == f"max-age={settings.security.hsts_max_age_seconds}; includeSubDomains"
    page = client.get("/account/login")
    assert "__Host-b12_csrf=" in page.headers["set-cookie"]
    plain = TestClient(create_app(Settings(data_dir=tmp_path, database_url=database_url)))
    assert "strict-transport-security" not in plain.get("/healthz").headers


def test_a_body_refused_for_its_size_still_carries_the_security_headers(
    database_url: str, tmp_path: Any
) -> None:
    """The body limit sits inside the security headers: its 413 is sent with CSP and HSTS."""
    from b12check.limits import MAX_BODY_BYTES
    from b12check.settings import Settings
    from b12check.web.app import create_app

    settings = Settings(
        data_dir=tmp_path, database_url=database_url, secret_key="test-key", https=True
    )
    client = TestClient(create_app(settings), base_url="https://testserver")
    r = client.post(
        "/api/v1/account/login",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["strict-transport-security"].startswith("max-age=")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_500_carries_the_security_headers_and_no_detail(app: Any) -> None:
    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret detail typed by someone")

    @app.get("/boom")
    def boom_page() -> None:
        raise RuntimeError("secret detail typed by someone")

    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/api/boom", "/boom"):
        r = client.get(path)
        assert r.status_code == 500
        assert "secret detail" not in r.text
        for header in (
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ):
            assert header in r.headers, (path, header)
        assert r.headers["cache-control"] == "no-store"


def test_argon2_work_is_bounded_and_a_wait_too_long_is_503(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most PASSWORD_HASHES_AT_ONCE argon2 computations run at once per process (each
    costs 64 MiB and tens of ms), and a password check that cannot get a slot in time answers
    503 with Retry-After, recording no failure against the account."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from b12check import limits
    from b12check.store import accounts

    register(app, "slots@example.org")
    running, most = 0, 0
    lock = threading.Lock()
    real = accounts._hasher

    class Counting:
        """The real hasher, counting how many of its computations overlap."""

        def verify(self, stored: str, password: str) -> bool:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            try:
                return bool(real.verify(stored, password))
            finally:
                with lock:
                    running -= 1

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    with ThreadPoolExecutor(8) as pool:
        matched = list(pool.map(lambda _: accounts.password_matches(None, "x" * 20), range(16)))
    assert matched == [False] * 16
    assert 1 <= most <= limits.PASSWORD_HASHES_AT_ONCE

    monkeypatch.setattr(limits, "PASSWORD_WAIT_SECONDS", 0.1)
    taken = [accounts.ARGON2_SLOTS.acquire() for _ in range(limits.PASSWORD_HASHES_AT_ONCE)]
    try:
        client = TestClient(app)
        body = {"email": "slots@example.org", "password": PASSWORD}
        busy = client.post("/api/v1/account/login", json=body)
        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"]
        again = client.post("/api/v1/account/register", json={**body, "email": "new@example.org"})
        assert again.status_code == 503
    finally:
        for _ in taken:
            accounts.ARGON2_SLOTS.release()
    assert TestClient(app).post("/api/v1/account/login", json=body).status_code == 200
