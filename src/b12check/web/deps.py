"""What every web route may depend on: the database, the current user, the clock, the security
policy and the profile. One place, so that the route modules hold routes only.

Use them as FastAPI dependencies (``auth: ApiAuth``, ``Depends(profile)``) or call them with the
request (``get_database(request)``, ``today(request)``, ``profile(request)``).

Sessions end after an idle timeout and at an absolute end; personal tokens carry a ``read`` or
``write`` scope for the diary and never manage the account. Cookie-authenticated writes must
repeat the session's CSRF token in ``X-CSRF-Token``.
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
from b12check.settings import SecurityPolicy
from b12check.store import Database, accounts, open_database
from b12check.store.ratelimit import FailureLimits
from b12check.web.security import SESSION_COOKIE, request_cookie_name
from b12check.web.security import client_address as resolve_client_address

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
                settings = state.settings
                database = open_database(
                    settings.resolved_database_url(),
                    synchronous=settings.sqlite_synchronous,
                    pool_size=settings.worker_threads,
                )
                state.database = database
    return database


def policy_of(request: Request) -> SecurityPolicy:
    """The app's security numbers (one place: :class:`b12check.settings.SecurityPolicy`)."""
    policy: SecurityPolicy = request.app.state.settings.security
    return policy


def get_limiter(request: Request) -> FailureLimits:
    """The failure limits every password check shares. They are counted in the database, so
    every worker process sees the same budget (not an in-process counter)."""
    return FailureLimits.from_policy(policy_of(request))


def today(request: Request) -> date:
    """Today for this app: a test may give ``create_app`` a clock (``app.state.clock``)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if callable(clock) else date.today()


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a configured trusted proxy says it saw."""
    return resolve_client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        request.app.state.settings.trusted_proxies,
    )


@dataclass(frozen=True)
class Auth:
    """Who is asking, and how they proved it."""

    user_id: int
    email: str
    lang: str
    via: str  # "session" | "token"
    csrf_token: str | None = None
    scope: str | None = None  # tokens: "read" | "write"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def session_cookie(request: Request) -> str | None:
    """The session cookie's value, if the browser sent one."""
    return request.cookies.get(request_cookie_name(request, SESSION_COOKIE))


def find_auth(request: Request, *, allow_token: bool) -> Auth | None:
    """The authenticated user behind a personal token or the session cookie, if any.

    Activity is written at most once per touch interval (a read on most requests, not a write).
    """
    cached = getattr(request.state, "auth", None)
    if cached is not None and (allow_token or cached.via == "session"):
        return cached  # type: ignore[no-any-return]
    database, policy = get_database(request), policy_of(request)
    plain = _bearer(request) if allow_token else None
    secret = plain or session_cookie(request)
    if not secret:
        return None
    find, touch = (
        (accounts.token_user, accounts.touch_token)
        if plain
        else (accounts.session_user, accounts.touch_session)
    )
    with database.lookup() as connection:
        caller = find(connection, secret, policy)
    if caller is None:
        return None
    if caller.stale:
        with database.write() as session:
            touch(session, secret)
    via = "token" if plain else "session"
    auth = Auth(caller.user_id, caller.email, caller.lang, via, caller.csrf_token, caller.scope)
    request.state.auth = auth
    return auth


def unauthenticated() -> HTTPException:
    return HTTPException(
        status_code=401, detail="not_authenticated", headers={"WWW-Authenticate": "Bearer"}
    )


def insufficient_scope() -> HTTPException:
    return HTTPException(
        status_code=403,
        detail="insufficient_scope",
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
    )


def _check_session_csrf(request: Request, auth: Auth) -> None:
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not auth.csrf_token or not hmac.compare_digest(sent, auth.csrf_token):
            raise HTTPException(status_code=403, detail="csrf")


def api_auth(request: Request) -> Auth:
    """Dependency of the diary API: a session, or a token whose scope allows the method
    (``read``: GET/HEAD; ``write``: everything in the diary). 401 without valid credentials;
    403 on a cookie write without the session's CSRF token or a token's missing scope."""
    auth = find_auth(request, allow_token=True)
    if auth is None:
        raise unauthenticated()
    if auth.via == "session":
        _check_session_csrf(request, auth)
    elif request.method not in _SAFE_METHODS and auth.scope != "write":
        raise insufficient_scope()
    return auth


def account_auth(request: Request) -> Auth:
    """Dependency of account management (password, deletion, tokens, logout): a browser session
    only; a personal token, whatever its scope, gets 403."""
    if _bearer(request):
        raise insufficient_scope()
    auth = find_auth(request, allow_token=False)
    if auth is None:
        raise unauthenticated()
    _check_session_csrf(request, auth)
    return auth


ApiAuth = Annotated[Auth, Depends(api_auth)]
AccountAuth = Annotated[Auth, Depends(account_auth)]


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
