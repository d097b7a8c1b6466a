"""The answers cookie: it never grows past what a browser keeps (a browser drops a cookie over
4 kB without a word, losing every answer), and over HTTPS it carries the ``__Host-`` prefix."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient

from b12check import limits
from b12check.settings import Settings
from b12check.web.app import create_app


def test_answers_too_long_for_the_cookie_are_refused_with_a_message_and_none_lost(
    flow: Any,
) -> None:
    walk = flow()
    walk.submit(age="44")
    kept = walk.client.cookies.get("b12_answers")
    assert kept
    walk.open("medicines")
    name = secrets.token_urlsafe(limits.MAX_ANSWERS_COOKIE)  # random: does not compress
    refused = walk.submit(takes_medicines="yes", **{"med-0-name": name})
    assert refused.status_code == 422
    assert "te lang om in deze browser te bewaren" in refused.text
    assert name in refused.text  # shown again, so it can be shortened
    assert walk.client.cookies.get("b12_answers") == kept  # the answers so far stay
    walk.open("about")
    assert 'value="44"' in walk.html
    walk.open("medicines")
    accepted = walk.submit(takes_medicines="yes", **{"med-0-name": "metformine"})
    assert accepted.status_code == 200
    assert walk.step != "medicines"
    assert len(walk.client.cookies.get("b12_answers") or "") <= limits.MAX_ANSWERS_COOKIE


def test_over_https_the_answer_cookies_carry_the_host_prefix(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="test-secret-key-for-web-tests", https=True)
    with TestClient(create_app(settings), base_url="https://127.0.0.1") as client:
        page = client.get("/questionnaire")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        posted = client.post(
            "/questionnaire",
            data={"csrf_token": csrf, "step": "about", "action": "next", "age": "44"},
            follow_redirects=False,
        )
        assert posted.status_code == 303
        cookie = posted.headers["set-cookie"]
        assert cookie.startswith("__Host-b12_answers="), cookie
        assert "secure" in cookie.lower() and "path=/" in cookie.lower()
        assert "domain" not in cookie.lower()
        assert 'value="44"' in client.get("/questionnaire/about").text  # read back
