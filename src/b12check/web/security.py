"""CSRF protection for forms and the security headers every response carries.

CSRF uses a signed double-submit token: a random nonce signed with the app's secret key is set as
a cookie and repeated in a hidden form field; a POST is accepted only when both are present, equal
and carry a valid signature. Nothing is stored server-side, so no account is needed.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeSerializer

CSRF_COOKIE = "b12_csrf"
CSRF_FIELD = "csrf_token"
_SALT = "b12check.csrf"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class CsrfSigner:
    """Issues and checks CSRF tokens signed with the application's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=_SALT)

    def new_token(self) -> str:
        """A fresh signed nonce, used both as the cookie value and the hidden form field."""
        return self._serializer.dumps(secrets.token_urlsafe(16))

    def is_valid(self, token: str | None) -> bool:
        """True when the token carries our signature (it was issued by this app)."""
        if not token:
            return False
        try:
            self._serializer.loads(token)
        except BadSignature:
            return False
        return True


def csrf_token_for(request: Request) -> str:
    """The token for forms on this page: the visitor's cookie when valid, else a new one.

    The token is remembered on ``request.state`` so the response can set the cookie
    (see :func:`set_csrf_cookie`).
    """
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return str(existing)
    signer: CsrfSigner = request.app.state.csrf
    token = request.cookies.get(CSRF_COOKIE)
    if not signer.is_valid(token):
        token = signer.new_token()
    request.state.csrf_token = token
    return str(token)


def set_csrf_cookie(request: Request, response: Any) -> None:
    """Send the token issued for this request back as a cookie (strict same-site, HTTP-only)."""
    token = getattr(request.state, "csrf_token", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=bool(request.app.state.settings.https),
            path="/",
        )


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency for form POSTs: rejects a missing, forged or mismatched token (403)."""
    form = await request.form()
    field = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    signer: CsrfSigner = request.app.state.csrf
    if (
        not isinstance(field, str)
        or not cookie
        or not hmac.compare_digest(field, cookie)
        or not signer.is_valid(field)
    ):
        raise HTTPException(status_code=403, detail="csrf")
    request.state.csrf_token = cookie


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pure ASGI: cheap, streams untouched).

    Pages and API answers may carry health data, so they are marked ``no-store``; static assets
    keep their own caching.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if not is_static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
