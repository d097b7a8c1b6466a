"""What every web route may depend on: the database, the current user, the clock and the
profile. One place, so that the route modules hold routes only.

Use them as FastAPI dependencies (``auth: ApiAuth``, ``Depends(profile)``) or call them with the
request (``get_database(request)``, ``today(request)``, ``profile(request)``).
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from b12check.errors import IntakeError
from b12check.store import Database, accounts, open_database
from b12check.store.ratelimit import LoginRateLimiter

SESSION_COOKIE = "b12_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_init_lock = threading.Lock()


def get_database(request: Request) -> Database:
    """The app's database (opened and migrated by ``create_app``, else on first use)."""
    return get_database_for(request.app)


def get_database_for(app: Any) -> Database:
    """Open and migrate the database of ``app.state.settings`` once per app."""
    state = app.state
    database: Database | None = getattr(state, "database", None)
    if database is None:
        with _init_lock:
            database = getattr(state, "database", None)
            if database is None:
                database = open_database(state.settings.resolved_database_url())
                state.database = database
    return database


def get_limiter(request: Request) -> LoginRateLimiter:
    """The app's login rate limiter (in-process)."""
    state = request.app.state
    limiter: LoginRateLimiter | None = getattr(state, "login_limiter", None)
    if limiter is None:
        with _init_lock:
            limiter = getattr(state, "login_limiter", None)
            if limiter is None:
                limiter = LoginRateLimiter()
                state.login_limiter = limiter
    return limiter


def today(request: Request) -> date:
    """Today for this app: a test may give ``create_app`` a clock (``app.state.clock``)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if callable(clock) else date.today()


def client_address(request: Request) -> str:
    """The peer address (the app is served directly, not behind a trusted proxy)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Auth:
    """Who is asking, and how they proved it."""

    user_id: int
    email: str
    lang: str
    via: str  # "session" | "token"
    csrf_token: str | None = None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def find_auth(request: Request, *, allow_token: bool) -> Auth | None:
    """The authenticated user behind a personal token or the session cookie, if any."""
    database = get_database(request)
    plain = _bearer(request) if allow_token else None
    if plain:
        with database.read() as session:
            user = accounts.token_user(session, plain)
            return Auth(user.id, user.email, user.lang, "token") if user else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with database.read() as session:
        found = accounts.session_user(session, cookie)
        if found is None:
            return None
        user, row = found
        return Auth(user.id, user.email, user.lang, "session", row.csrf_token)


def api_auth(request: Request) -> Auth:
    """Dependency of the JSON API: 401 without valid credentials; 403 on a cookie write
    without the session's CSRF token."""
    auth = find_auth(request, allow_token=True)
    if auth is None:
        raise HTTPException(
            status_code=401, detail="not_authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    if auth.via == "session" and request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not auth.csrf_token or not hmac.compare_digest(sent, auth.csrf_token):
            raise HTTPException(status_code=403, detail="csrf")
    return auth


ApiAuth = Annotated[Auth, Depends(api_auth)]


def page_auth(request: Request) -> Auth | None:
    """Dependency of pages: the logged-in user (cookie only), or None."""
    return find_auth(request, allow_token=False)


def login_redirect(request: Request) -> RedirectResponse:
    """Send a visitor who is not logged in to the login page, and back here afterwards."""
    return RedirectResponse(f"/account/login?next={quote(request.url.path)}", status_code=303)


PageAuth = Annotated[Auth | None, Depends(page_auth)]


def profile(request: Request) -> str:
    """The app's knowledge-base profile (``B12CHECK_PROFILE``), checked by the service as for
    every door; a misconfigured one is a 500 naming the setting, never a silent default."""
    from b12check.service import check_profile

    configured = str(request.app.state.settings.profile)
    try:
        return check_profile(configured)
    except IntakeError as exc:
        raise RuntimeError(f"B12CHECK_PROFILE: {exc.errors[0].message}") from None


def requested_profile(request: Request) -> str:
    """The JSON API's profile: ``?profile=`` when given, else the app's. An unknown one is a 422
    naming it."""
    from b12check.service import check_profile

    asked = request.query_params.get("profile") or str(request.app.state.settings.profile)
    try:
        return check_profile(asked)
    except IntakeError as exc:
        raise HTTPException(status_code=422, detail=exc.errors[0].message) from None
