"""Failed-login limits hold across worker processes: a real server with two uvicorn workers on a
loopback port, on SQLite and PostgreSQL. Each attempt uses a new connection, so the kernel hands
the attempts to both workers; with per-process counters the budget would double."""

from __future__ import annotations

from pathlib import Path

import httpx

from b12check.settings import SecurityPolicy
from support.database import LiveServer

BUDGET = SecurityPolicy().failures_per_account_and_address
PASSWORD = "two workers one budget"
ATTEMPTS = 12


def _post(base: str, path: str, body: dict[str, str], **headers: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:  # a new connection
        return client.post(path, json=body)


def test_failed_logins_are_counted_across_two_workers(database_url: str, tmp_path: Path) -> None:
    server = LiveServer(database_url, tmp_path, workers=2)
    server.start()
    try:
        email = "workers@example.org"
        credentials = {"email": email, "password": PASSWORD}
        assert _post(server.url, "/api/v1/account/register", credentials).status_code == 202
        wrong = {"email": email, "password": "definitely not it"}
        statuses = [
            _post(
                server.url,
                "/api/v1/account/login",
                wrong,
                # a rotating X-Forwarded-For must not help: no proxy is configured
                **{"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(ATTEMPTS)
        ]
        # Exactly the budget of one account from one address fails normally; then 429,
        # whichever worker answers.
        assert statuses == [401] * BUDGET + [429] * (ATTEMPTS - BUDGET)
        right = _post(server.url, "/api/v1/account/login", credentials)
        assert right.status_code == 429
        assert int(right.headers["Retry-After"]) > 0
        log = Path(server.log.name).read_text(encoding="utf-8", errors="replace")
        assert log.count("Application startup complete") == 2  # two workers were serving
    finally:
        server.stop()
