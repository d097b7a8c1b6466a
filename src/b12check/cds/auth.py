"""Trusting CDS clients (CDS Hooks 2.0.1): every service call carries a JWT signed by the EHR.

Checked here: an asymmetric algorithm (never ``none`` or HMAC), ``typ`` JWT and a ``kid`` found in
the configured JWK Set (or at an allow-listed ``jku``), the signature, ``iss`` on the allow-list,
``aud`` equal to the URL of the service called, ``exp``/``iat`` present and valid, and a ``jti``
not seen before while the token lives (replay protection, per process).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

ALLOWED_ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS256", "PS384")
LEEWAY_SECONDS = 5


class AuthError(Exception):
    """The token is missing or not acceptable; the message says which check failed."""


@dataclass(frozen=True)
class Caller:
    """Who called: the verified issuer (and tenant, when given)."""

    issuer: str
    tenant: str | None = None


class ReplayCache:
    """``jti`` values seen, each kept until its token expires."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def check_and_add(self, key: str, expires: float) -> bool:
        """True the first time ``key`` is seen while unexpired; False for a replay."""
        now = time.time()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: e for k, e in self._seen.items() if e > now}
            if self._seen.get(key, 0) > now - LEEWAY_SECONDS:
                return False
            self._seen[key] = expires + LEEWAY_SECONDS
            return True


def load_jwks(value: str | None) -> dict[str, PyJWK]:
    """The configured keys by ``kid``: ``value`` is a JWK Set as JSON or the path of a file."""
    if not value:
        return {}
    text = value if value.lstrip().startswith("{") else Path(value).read_text(encoding="utf-8")
    data = json.loads(text)
    keys = {}
    for raw in data.get("keys", []):
        if "kid" in raw:
            keys[str(raw["kid"])] = PyJWK.from_dict(raw)
    return keys


class Verifier:
    """Verifies bearer tokens against the configured keys and issuers."""

    def __init__(
        self,
        keys: Mapping[str, PyJWK],
        issuers: list[str],
        jku_allowlist: list[str] | None = None,
    ) -> None:
        self.keys = dict(keys)
        self.issuers = frozenset(issuers)
        self.jku_allowlist = frozenset(jku_allowlist or [])
        self.replays = ReplayCache()
        self._clients: dict[str, PyJWKClient] = {}

    def _key(self, header: Mapping[str, Any]) -> Any:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("the token header needs a kid")
        jku = header.get("jku")
        if isinstance(jku, str):
            if jku not in self.jku_allowlist:
                raise AuthError("the token's jku is not on the allow-list")
            client = self._clients.setdefault(jku, PyJWKClient(jku, cache_keys=True))
            try:
                return client.get_signing_key(kid).key
            except jwt.PyJWKClientError as exc:
                raise AuthError(f"no key {kid!r} at the jku") from exc
        if kid not in self.keys:
            raise AuthError("unknown kid")
        return self.keys[kid].key

    def verify(self, authorization: str | None, audience: str | list[str]) -> Caller:
        """Check an ``Authorization`` header for a call to ``audience`` (raise AuthError)."""
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("a Bearer token is required")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthError("the token is not a JWT") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise AuthError("the token's algorithm is not allowed (asymmetric only)")
        if header.get("typ") != "JWT":
            raise AuthError("the token header needs typ JWT")
        key = self._key(header)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(header["alg"])],
                audience=audience,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("the token's aud is not this service's URL") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("the token's signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"the token is not acceptable: {exc}") from exc
        issuer = str(claims["iss"])
        if issuer not in self.issuers:
            raise AuthError("the token's issuer is not on the allow-list")
        if not self.replays.check_and_add(f"{issuer}|{claims['jti']}", float(claims["exp"])):
            raise AuthError("the token's jti was already used")
        tenant = claims.get("tenant")
        return Caller(issuer, str(tenant) if tenant is not None else None)
