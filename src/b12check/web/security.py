"""CSRF protection for forms, cookie names, the client's address and the security headers every
response carries.

CSRF uses a signed double-submit token: a random nonce, bound to the visitor's session cookie and
signed with the app's secret key, is set as a cookie and repeated in a hidden form field; a POST
is accepted only when both are present, equal, carry a valid signature and are bound to the
session cookie the POST comes with. So a token planted from elsewhere (another session, a
sibling subdomain) does not work. Nothing is stored server-side, so no account is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

CSRF_COOKIE = "b12_csrf"
SESSION_COOKIE = "b12_session"
CSRF_FIELD = "csrf_token"
_SALT = "b12check.csrf"


def cookie_name(base: str, https: bool) -> str:
    """Over HTTPS cookies carry the ``__Host-`` prefix: the browser then only accepts them when
    Secure, for path / and without a Domain, so a sibling subdomain cannot set or shadow them."""
    return f"__Host-{base}" if https else base


def request_cookie_name(request: Request, base: str) -> str:
    """The name of cookie ``base`` for this app (prefixed when served over HTTPS)."""
    return cookie_name(base, bool(request.app.state.settings.https))


def set_private_cookie(
    request: Request, response: Response, base: str, value: str, max_age: int | None = None
) -> None:
    """Set one of the app's cookies the one way they are all set: HttpOnly, SameSite=Lax,
    path /, and Secure with the ``__Host-`` prefix over HTTPS."""
    response.set_cookie(
        request_cookie_name(request, base),
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.https),
        path="/",
    )


def clear_private_cookie(request: Request, response: Response, base: str) -> None:
    """Forget a cookie set by :func:`set_private_cookie` (same name and attributes)."""
    response.delete_cookie(
        request_cookie_name(request, base),
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.https),
    )


def session_binding(request: Request) -> str:
    """What a CSRF token is bound to: a digest of the session cookie ('' when there is none)."""
    cookie = request.cookies.get(request_cookie_name(request, SESSION_COOKIE))
    return hashlib.sha256(cookie.encode()).hexdigest()[:32] if cookie else ""


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The client's address: the peer, unless the peer is one of our configured proxies; then
    the right-most address in X-Forwarded-For that is not a trusted proxy (each proxy appends
    the address it saw, so anything left of that could have been written by the client)."""
    networks = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in networks)

    if peer is None:
        return "unknown"
    if not networks or not is_trusted(peer) or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client: fall back to the proxy itself
    return peer


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def security_headers(hsts_max_age: int | None) -> list[tuple[bytes, bytes]]:
    """The headers for every answer; HSTS only when served over HTTPS (``hsts_max_age`` set)."""
    headers = list(SECURITY_HEADERS)
    if hsts_max_age is not None:
        headers.append(
            (b"strict-transport-security", f"max-age={hsts_max_age}; includeSubDomains".encode())
        )
    return headers


class CsrfSigner:
    """Issues and checks CSRF tokens signed with the application's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=_SALT)

    def new_token(self, binding: str = "") -> str:
        """A fresh signed nonce bound to ``binding`` (see :func:`session_binding`), used both as
        the cookie value and the hidden form field."""
        return self._serializer.dumps([secrets.token_urlsafe(16), binding])

    def binding(self, token: str | None) -> str | None:
        """The binding of a token we signed; None for a missing, forged or old-style token."""
        if not token:
            return None
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            return None
        if isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], str):
            return payload[1]
        return None

    def is_valid(self, token: str | None, binding: str = "") -> bool:
        """True when the token carries our signature and is bound to ``binding``."""
        bound = self.binding(token)
        return bound is not None and hmac.compare_digest(bound, binding)


def csrf_token_for(request: Request) -> str:
    """The token for forms on this page: the visitor's cookie when valid, else a new one.

    The token is remembered on ``request.state`` so the response can set the cookie
    (see :func:`set_csrf_cookie`).
    """
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return str(existing)
    signer: CsrfSigner = request.app.state.csrf
    binding = session_binding(request)
    token = request.cookies.get(request_cookie_name(request, CSRF_COOKIE))
    if not signer.is_valid(token, binding):
        token = signer.new_token(binding)
    request.state.csrf_token = token
    return str(token)


def set_csrf_cookie(request: Request, response: Any) -> None:
    """Send the token issued for this request back as a cookie (strict same-site, HTTP-only)."""
    token = getattr(request.state, "csrf_token", None)
    name = request_cookie_name(request, CSRF_COOKIE)
    if token and request.cookies.get(name) != token:
        response.set_cookie(
            name,
            token,
            httponly=True,
            samesite="strict",
            secure=bool(request.app.state.settings.https),
            path="/",
        )


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency for form POSTs: rejects a missing, forged or mismatched token, or one
    bound to another session (403)."""
    form = await request.form()
    field = form.get(CSRF_FIELD)
    cookie = request.cookies.get(request_cookie_name(request, CSRF_COOKIE))
    signer: CsrfSigner = request.app.state.csrf
    if (
        not isinstance(field, str)
        or not cookie
        or not hmac.compare_digest(field, cookie)
        or not signer.is_valid(field, session_binding(request))
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
    keep their own caching. Answers to unhandled errors (500) are sent from outside this
    middleware; the app's error handler adds the same headers there.
    """

    def __init__(self, app: ASGIApp, hsts_max_age: int | None = None) -> None:
        self.app = app
        self.headers = security_headers(hsts_max_age)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in names)
                if not is_static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
