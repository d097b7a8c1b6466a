"""Accounts (only needed for the diary): register, log in/out, change password, delete, tokens.

Pages under ``/account`` and their JSON twins under ``/api/v1/account``. Browser sessions live in
an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS); the JSON API also accepts a personal token
(``Authorization: Bearer b12_...``). Cookie-authenticated API writes must repeat the session's
CSRF token in ``X-CSRF-Token``; form posts use the site's signed double-submit token.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from b12check.diary.schemas import (
    AccountOut,
    CredentialsIn,
    LoginOut,
    PasswordChangeIn,
    PasswordConfirmIn,
    TokenIn,
    TokenOut,
)
from b12check.diary.texts import ui as diary_ui
from b12check.store import accounts
from b12check.store.models import User
from b12check.web.deps import (
    SESSION_COOKIE,
    ApiAuth,
    PageAuth,
    client_address,
    get_database,
    get_limiter,
    login_redirect,
)
from b12check.web.i18n import choose_language
from b12check.web.rendering import render_page
from b12check.web.security import verify_csrf

router = APIRouter()
api = APIRouter(prefix="/api/v1/account", tags=["account"])
csrf = [Depends(verify_csrf)]


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when served over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(accounts.POLICY.session_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.https),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Forget the session cookie in the browser."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.https),
    )


def _account_out(user: User) -> AccountOut:
    return AccountOut(id=user.id, email=user.email, lang=user.lang, created_at=user.created_at)


def _too_many(retry: float) -> HTTPException:
    return HTTPException(
        status_code=429, detail="too_many_attempts", headers={"Retry-After": str(int(retry) + 1)}
    )


def _login(request: Request, email: str, password: str) -> tuple[User, accounts.NewSession]:
    """Check credentials under the rate limit; raises 429 or 401."""
    limiter = get_limiter(request)
    key, address = accounts.normalise_email(email), client_address(request)
    retry = limiter.retry_after(key, address)
    if retry > 0:
        raise _too_many(retry)
    with get_database(request).write() as session:
        user = accounts.authenticate(session, email, password)
        if user is None:
            limiter.failed(key, address)
            raise HTTPException(status_code=401, detail="login_failed")
        opened = accounts.open_session(session, user)
    limiter.succeeded(key, address)
    return user, opened


def _register(request: Request, data: CredentialsIn) -> tuple[User, accounts.NewSession]:
    with get_database(request).write() as session:
        try:
            user = accounts.register(session, data.email, data.password, data.lang)
        except accounts.AccountError as error:
            raise HTTPException(status_code=422, detail=error.code) from error
        return user, accounts.open_session(session, user)


# ---- JSON API ---------------------------------------------------------------------------------


@api.post("/register", status_code=201)
def api_register(request: Request, response: Response, data: CredentialsIn) -> LoginOut:
    """Create an account and log in (session cookie set; CSRF token returned for writes)."""
    user, opened = _register(request, data)
    set_session_cookie(request, response, opened.token)
    return LoginOut(account=_account_out(user), csrf_token=opened.csrf_token)


@api.post("/login")
def api_login(request: Request, response: Response, data: CredentialsIn) -> LoginOut:
    """Log in; too many failures for this account from this address answer 429."""
    user, opened = _login(request, data.email, data.password)
    set_session_cookie(request, response, opened.token)
    return LoginOut(account=_account_out(user), csrf_token=opened.csrf_token)


@api.post("/logout", status_code=204)
def api_logout(request: Request, auth: ApiAuth) -> Response:
    """End this browser session."""
    response = Response(status_code=204)
    cookie = request.cookies.get(SESSION_COOKIE)
    if auth.via == "session" and cookie:
        with get_database(request).write() as session:
            accounts.close_session(session, cookie)
    clear_session_cookie(request, response)
    return response


@api.get("")
def api_account(request: Request, auth: ApiAuth) -> AccountOut:
    """The account of whoever asks."""
    with get_database(request).read() as session:
        user = session.get(User, auth.user_id)
        if user is None:
            raise HTTPException(status_code=401, detail="not_authenticated")
        return _account_out(user)


@api.post("/password", status_code=204)
def api_change_password(request: Request, auth: ApiAuth, data: PasswordChangeIn) -> Response:
    """Change the password (the old one is required); other sessions end."""
    response = Response(status_code=204)
    with get_database(request).write() as session:
        user = session.get(User, auth.user_id)
        assert user is not None
        try:
            accounts.change_password(session, user, data.old_password, data.new_password)
        except accounts.AccountError as error:
            raise HTTPException(status_code=422, detail=error.code) from error
        if auth.via == "session":
            opened = accounts.open_session(session, user)
            set_session_cookie(request, response, opened.token)
            response.headers["X-CSRF-Token"] = opened.csrf_token
    return response


@api.delete("", status_code=204)
def api_delete_account(request: Request, auth: ApiAuth, data: PasswordConfirmIn) -> Response:
    """Delete the account and every diary record of it (the password confirms)."""
    database = get_database(request)
    with database.read() as session:
        user = session.get(User, auth.user_id)
        ok = user is not None and accounts.authenticate(session, user.email, data.password)
    if not ok:
        raise HTTPException(status_code=403, detail="password_wrong")
    with database.write() as session:
        accounts.delete_account(session, auth.user_id)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@api.post("/tokens", status_code=201)
def api_create_token(request: Request, auth: ApiAuth, data: TokenIn) -> TokenOut:
    """A new personal token for the JSON API; its value is shown only in this answer."""
    with get_database(request).write() as session:
        user = session.get(User, auth.user_id)
        assert user is not None
        row, plain = accounts.create_token(session, user, data.name)
        return TokenOut(id=row.id, name=row.name, created_at=row.created_at, token=plain)


@api.get("/tokens")
def api_list_tokens(request: Request, auth: ApiAuth) -> list[TokenOut]:
    """The account's personal tokens (names and dates, never the values)."""
    with get_database(request).read() as session:
        return [
            TokenOut(id=t.id, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at)
            for t in accounts.list_tokens(session, auth.user_id)
        ]


@api.delete("/tokens/{token_id}", status_code=204)
def api_revoke_token(request: Request, auth: ApiAuth, token_id: int) -> Response:
    """Revoke one of the account's tokens (404 for anyone else's)."""
    with get_database(request).write() as session:
        if not accounts.revoke_token(session, auth.user_id, token_id):
            raise HTTPException(status_code=404, detail="not_found")
    return Response(status_code=204)


# ---- pages -------------------------------------------------------------------------------------


def _safe_next(target: str) -> str:
    """Only same-site paths are followed after logging in (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/diary"


def _form_page(
    request: Request,
    template: str,
    error: str | None = None,
    status_code: int = 200,
    **extra: object,
) -> HTMLResponse:
    context = {"error": error, "d": partial(diary_ui, choose_language(request)), **extra}
    return render_page(request, template, context, status_code=status_code)


@router.get("/account/register", response_class=HTMLResponse)
def register_page(request: Request, next: str = "/diary") -> HTMLResponse:
    """The registration form."""
    return _form_page(request, "account/register.html", next=_safe_next(next))


@router.post("/account/register", response_class=HTMLResponse, dependencies=csrf)
def register_post(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/diary",
) -> Response:
    """Create the account, log in and go on (to the diary, or where the person was going)."""
    lang = choose_language(request)
    try:
        data = CredentialsIn(email=email, password=password, lang=lang)
        _user, opened = _register(request, data)
    except HTTPException as error:
        return _form_page(
            request,
            "account/register.html",
            str(error.detail),
            422,
            email=email,
            next=_safe_next(next),
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.get("/account/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/diary") -> HTMLResponse:
    """The login form."""
    return _form_page(request, "account/login.html", next=_safe_next(next))


@router.post("/account/login", response_class=HTMLResponse, dependencies=csrf)
def login_post(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/diary",
) -> Response:
    """Log in; wrong credentials show the form again, too many attempts a 429 page."""
    try:
        _user, opened = _login(request, email, password)
    except HTTPException as error:
        headers = error.headers or {}
        page = _form_page(
            request,
            "account/login.html",
            str(error.detail),
            error.status_code,
            next=_safe_next(next),
            email=email,
        )
        page.headers.update(headers)
        return page
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.post("/account/logout", dependencies=csrf)
def logout_post(request: Request) -> Response:
    """Log out and go to the start page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with get_database(request).write() as session:
            accounts.close_session(session, cookie)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, auth: PageAuth) -> Response:
    """Account settings: password, personal tokens, delete everything."""
    if auth is None:
        return login_redirect(request)
    with get_database(request).read() as session:
        tokens = accounts.list_tokens(session, auth.user_id)
    return _form_page(
        request, "account/settings.html", auth=auth, tokens=tokens, new_token=None, message=None
    )


@router.post("/account/password", response_class=HTMLResponse, dependencies=csrf)
def password_post(
    request: Request,
    auth: PageAuth,
    old_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change the password; this browser stays logged in with a fresh session."""
    if auth is None:
        return login_redirect(request)
    database = get_database(request)
    try:
        with database.write() as session:
            user = session.get(User, auth.user_id)
            assert user is not None
            accounts.change_password(session, user, old_password, new_password)
            opened = accounts.open_session(session, user)
    except accounts.AccountError as error:
        with database.read() as session:
            tokens = accounts.list_tokens(session, auth.user_id)
        return _form_page(
            request,
            "account/settings.html",
            error.code,
            422,
            auth=auth,
            tokens=tokens,
            new_token=None,
            message=None,
        )
    response = RedirectResponse("/account?changed=1", status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.post("/account/tokens", response_class=HTMLResponse, dependencies=csrf)
def token_post(
    request: Request, auth: PageAuth, name: Annotated[str, Form(max_length=100)] = "token"
) -> Response:
    """Create a personal token and show its value once."""
    if auth is None:
        return login_redirect(request)
    with get_database(request).write() as session:
        user = session.get(User, auth.user_id)
        assert user is not None
        _row, plain = accounts.create_token(session, user, name)
        tokens = accounts.list_tokens(session, auth.user_id)
    return _form_page(
        request, "account/settings.html", auth=auth, tokens=tokens, new_token=plain, message=None
    )


@router.post("/account/tokens/{token_id}/delete", dependencies=csrf)
def token_delete_post(request: Request, auth: PageAuth, token_id: int) -> Response:
    """Revoke a personal token."""
    if auth is None:
        return login_redirect(request)
    with get_database(request).write() as session:
        if not accounts.revoke_token(session, auth.user_id, token_id):
            raise HTTPException(status_code=404, detail="not_found")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/delete", response_class=HTMLResponse, dependencies=csrf)
def delete_post(
    request: Request, auth: PageAuth, password: Annotated[str, Form(max_length=1024)] = ""
) -> Response:
    """Delete the account and all its data after the password is confirmed."""
    if auth is None:
        return login_redirect(request)
    database = get_database(request)
    with database.read() as session:
        ok = accounts.authenticate(session, auth.email, password) is not None
        tokens = accounts.list_tokens(session, auth.user_id)
    if not ok:
        return _form_page(
            request,
            "account/settings.html",
            "password_wrong",
            403,
            auth=auth,
            tokens=tokens,
            new_token=None,
            message=None,
        )
    with database.write() as session:
        accounts.delete_account(session, auth.user_id)
    response = RedirectResponse("/?deleted=1", status_code=303)
    clear_session_cookie(request, response)
    return response
