"""The questionnaire's answers travel in a signed session cookie: a page accepts only answers it
signed itself. Each test has a control that the same answers, signed with the app's own key,
are accepted — so that the refusal is the signature check's doing, not an unused field's."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer

from b12check.web.forms import AnswerCodec

APP_KEY = "test-secret-key-for-web-tests"  # tests/web/conftest.py
SALT = "b12check.answers"
ANSWERS = {"age": "99", "sex": "female"}


def _about_page(flow: Any, state: str) -> str:
    flow.submit(age="44")
    flow.client.cookies.set("b12_answers", state)
    flow.response = flow.client.get("/questionnaire/about")
    assert flow.response.status_code == 200
    return str(flow.html)


def _signed(key: str) -> str:
    return URLSafeSerializer(key, salt=SALT).dumps(ANSWERS)


def test_answers_signed_by_the_app_are_kept(flow: Any) -> None:
    assert 'value="99"' in _about_page(flow(), _signed(APP_KEY))


def test_answers_signed_with_another_key_are_dropped(flow: Any) -> None:
    html = _about_page(flow(), _signed("someone-elses-key"))
    assert 'value="99"' not in html


def test_a_signed_state_with_its_signature_cut_off_is_dropped(flow: Any) -> None:
    payload = _signed(APP_KEY).rsplit(".", 1)[0]
    assert 'value="99"' not in _about_page(flow(), payload + ".forged")


def test_codec_round_trip_and_refusals() -> None:
    codec = AnswerCodec(APP_KEY)
    assert codec.loads(codec.dumps(ANSWERS)) == ANSWERS
    assert codec.loads(_signed(APP_KEY)) == ANSWERS
    assert codec.loads(_signed("someone-elses-key")) == {}
    assert codec.loads(AnswerCodec("other").dumps(ANSWERS)) == {}
    assert codec.loads("") == {} and codec.loads(None) == {}


def test_client_fixture_uses_the_key_these_tests_sign_with(client: TestClient) -> None:
    assert client.app.state.settings.secret_key == APP_KEY  # type: ignore[attr-defined]
