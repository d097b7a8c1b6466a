"""CDS Hooks test set-up: an EHR key pair, signed tokens, and apps with JWT checks on or off."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from b12check.settings import Settings
from b12check.web.app import create_app
from cdsdata import BASE, ISSUER, KID, Token


@pytest.fixture(scope="session")
def ehr_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def jwks(ehr_key: ec.EllipticCurvePrivateKey) -> str:
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ehr_key.public_key()))
    public.update(kid=KID, alg="ES384", use="sig")
    return json.dumps({"keys": [public]})


@pytest.fixture
def token(ehr_key: ec.EllipticCurvePrivateKey) -> Token:
    """A token as the EHR signs it; keyword arguments change claims or header fields."""

    def make(service: str = "b12check-patient-view", *, key: Any = None, header: dict[str, Any] | None = None,
             **claims: Any) -> str:  # fmt: skip
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": f"{BASE}/cds-services/{service}",
            "exp": now + 300,
            "iat": now,
            "jti": str(uuid.uuid4()),
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        headers = {"kid": KID, "typ": "JWT", **(header or {})}
        return jwt.encode(payload, key or ehr_key, algorithm=headers.pop("alg", "ES384"), headers=headers)

    return make


@pytest.fixture
def secured(tmp_path: Any, jwks: str) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 32, cds_issuers=[ISSUER], cds_jwks=jwks)
    with TestClient(create_app(settings), base_url=BASE) as client:
        yield client


@pytest.fixture
def open_client(tmp_path: Any) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 32, cds_auth="off")
    with TestClient(create_app(settings), base_url=BASE) as client:
        yield client
