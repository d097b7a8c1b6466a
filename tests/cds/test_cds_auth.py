"""JWT checks of CDS Hooks calls ("Trusting CDS Clients"): each bad token is refused with 401,
a good one passes; switching the checks off is loud."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from b12check.settings import Settings
from b12check.web.app import create_app
from cdsdata import ISSUER, PV, Token, patient_view


def _call(client: TestClient, token: str, path: str = PV, body: Any = None) -> Any:
    return client.post(path, json=body or patient_view("p04-low-b12-no-obvious-cause"),
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def test_a_valid_token_passes(secured: TestClient, token: Token) -> None:
    assert _call(secured, token()).status_code == 200


def test_bad_signature_is_refused(secured: TestClient, token: Token) -> None:
    stranger = ec.generate_private_key(ec.SECP384R1())
    response = _call(secured, token(key=stranger))
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_tampered_payload_is_refused(secured: TestClient, token: Token) -> None:
    import base64
    import json

    header, payload, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["iss"] = ISSUER  # same issuer, but a different jti: the signature no longer fits
    claims["jti"] = "forged"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert _call(secured, f"{header}.{forged}.{signature}").status_code == 401


def test_wrong_issuer_is_refused(secured: TestClient, token: Token) -> None:
    response = _call(secured, token(iss="https://other-ehr.example.org"))
    assert response.status_code == 401 and "issuer" in response.json()["detail"]


def test_wrong_audience_is_refused(secured: TestClient, token: Token) -> None:
    response = _call(secured, token(aud="http://testserver/cds-services/b12check-order-select"))
    assert response.status_code == 401 and "aud" in response.json()["detail"]
    assert _call(secured, token(aud="https://elsewhere.example/cds-services/x")).status_code == 401


def test_expired_token_is_refused(secured: TestClient, token: Token) -> None:
    now = int(time.time())
    response = _call(secured, token(exp=now - 60, iat=now - 360))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_replayed_jti_is_refused(secured: TestClient, token: Token) -> None:
    once = token(jti="same-nonce")
    assert _call(secured, once).status_code == 200
    again = _call(secured, once)
    assert again.status_code == 401 and "jti" in again.json()["detail"]
    assert _call(secured, token(jti="same-nonce", iat=int(time.time()) + 1)).status_code == 401


@pytest.mark.parametrize("missing", ["jti", "exp", "iat", "aud", "iss"])
def test_required_claims_must_be_present(secured: TestClient, token: Token, missing: str) -> None:
    assert _call(secured, token(**{missing: None})).status_code == 401


def test_symmetric_or_unsigned_tokens_and_missing_kid_are_refused(secured: TestClient, token: Token) -> None:
    import jwt

    hmac_token = jwt.encode({"iss": ISSUER}, "secret" * 8, algorithm="HS256", headers={"kid": "ehr-key-1"})
    assert _call(secured, hmac_token).status_code == 401
    unsigned = jwt.encode({"iss": ISSUER}, None, algorithm="none", headers={"kid": "ehr-key-1"})
    assert _call(secured, unsigned).status_code == 401
    assert _call(secured, token(header={"kid": "unknown-key"})).status_code == 401
    assert _call(secured, token(header={"jku": "https://attacker.example/jwks.json"})).status_code == 401
    assert _call(secured, "not-a-jwt").status_code == 401
    assert secured.post(PV, json=patient_view("p04-low-b12-no-obvious-cause")).status_code == 401


def test_feedback_needs_a_token_for_its_own_or_the_service_url(secured: TestClient, token: Token) -> None:
    body = {"feedback": [{"card": "c1", "outcome": "accepted", "outcomeTimestamp": "2026-12-02T10:00:00Z"}]}
    assert _call(secured, token(), f"{PV}/feedback", body).status_code == 200
    own = token(aud=f"http://testserver{PV}/feedback")
    assert _call(secured, own, f"{PV}/feedback", body).status_code == 200
    assert secured.post(f"{PV}/feedback", json=body).status_code == 401


def test_base_url_setting_sets_the_expected_audience(tmp_path: Any, jwks: str, token: Token) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 32, cds_issuers=[ISSUER], cds_jwks=jwks,
                        cds_base_url="https://b12.example.org/")  # fmt: skip
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        assert _call(client, token()).status_code == 401
        good = token(aud="https://b12.example.org/cds-services/b12check-patient-view")
        assert _call(client, good).status_code == 200


def test_switching_auth_off_is_logged_at_start(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="b12check.cds"):
        create_app(Settings(data_dir=tmp_path, secret_key="k" * 32, cds_auth="off"))
    assert any("NOT authenticated" in r.getMessage() for r in caplog.records)
