"""Accounts (only needed for the diary): register, log in/out, change password, delete, tokens.

Pages under ``/account`` and their JSON twins under ``/api/v1/account``. Browser sessions live in
an HttpOnly, SameSite=Lax cookie (Secure and ``__Host-`` behind HTTPS) that ends after an idle
timeout and at an absolute end; the JSON API also accepts a personal token
(``Authorization: Bearer b12_...``) with a ``read`` or ``write`` scope for the diary, never for
managing the account. Cookie-authenticated API writes must repeat the session's CSRF token in
``X-CSRF-Token``; form posts use the site's signed double-submit token, bound to the session.

Every password check (log in, change password, delete account) counts failures in the database,
so all workers share one budget per account, per address and per account+address. Argon2 runs
outside any database transaction (it takes tens of milliseconds; SQLite's write lock must not
wait for it). Registration answers the same whether or not the address had an account.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from b12check.diary.schemas import (
    AccountOut,
    CredentialsIn,
    LoginOut,
    PasswordChangeIn,
    PasswordConfirmIn,
    RegisteredOut,
    TokenIn,
    TokenOut,
)
from b12check.diary.texts import ui as diary_ui
from b12check.store import accounts, ratelimit
from b12check.store.models import ApiToken, User
from b12check.web.bounds import strict_form
from b12check.web.deps import (
    AccountAuth,
    ApiAuth,
    Auth,
    PageAuth,
    client_address,
    get_database,
    get_limiter,
    login_redirect,
    policy_of,
    session_cookie,
    unauthenticated,
)
from b12check.web.i18n import choose_language
from b12check.web.rendering import render_page
from b12check.web.security import (
    SESSION_COOKIE,
    clear_private_cookie,
    set_private_cookie,
    verify_csrf,
)

router = APIRouter()
api = APIRouter(prefix="/api/v1/account", tags=["account"])
csrf = [Depends(verify_csrf), Depends(strict_form)]


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax; Secure and ``__Host-`` over HTTPS. It lives
    as long as the session's absolute end; the idle timeout is enforced by the server."""
    lifetime = policy_of(request).session_lifetime_hours * 3600
    set_private_cookie(request, response, SESSION_COOKIE, token, max_age=lifetime)


def clear_session_cookie(request: Request, response: Response) -> None:
    """Forget the session cookie in the browser."""
    clear_private_cookie(request, response, SESSION_COOKIE)


def _account_out(user: User) -> AccountOut:
    return AccountOut(id=user.id, email=user.email, lang=user.lang, created_at=user.created_at)


def _token_out(row: ApiToken, plain: str | None = None) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        scope="write" if row.scope == "write" else "read",
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        token=plain,
    )


def _too_many(retry: float) -> HTTPException:
    return HTTPException(
        status_code=429, detail="too_many_attempts", headers={"Retry-After": str(int(retry) + 1)}
    )


class PasswordGate:
    """One password check under the shared failure limits (login, password change, deletion).

    :meth:`check` raises 429 while a limit is reached (even for the right password), records a
    failure, or clears the account's count from this address on success.
    """

    def __init__(self, request: Request) -> None:
        self.database = get_database(request)
        self.address = client_address(request)
        self.limits = get_limiter(request)

    def check(self, email: str, user: User | None, password: str, failure: HTTPException) -> None:
        account = accounts.normalise_email(email)
        with self.database.read() as session:
            retry = ratelimit.retry_after(
                session, self.limits, account, self.address, accounts.now()
            )
        if retry > 0:
            raise _too_many(retry)
        if accounts.password_matches(user, password):
            with self.database.write() as session:
                ratelimit.clear(session, account, self.address)
            return
        with self.database.write() as session:
            ratelimit.record_failure(session, self.limits, account, self.address, accounts.now())
        raise failure


def _own_account(request: Request, auth: Auth) -> User:
    """The caller's account row; 401 when it is gone (deleted in another session)."""
    with get_database(request).read() as session:
        user = session.get(User, auth.user_id)
    if user is None:
        raise unauthenticated()
    return user


def _login(request: Request, email: str, password: str) -> tuple[User, accounts.NewSession]:
    """Check credentials under the rate limit; raises 429 or 401."""
    database = get_database(request)
    with database.read() as session:
        user = accounts.find_user(session, email)
    failed = HTTPException(status_code=401, detail="login_failed")
    PasswordGate(request).check(email, user, password, failed)
    assert user is not None  # the gate lets only a matching password through
    with database.write() as session:
        accounts.rehash_if_needed(session, user.id, password)
        opened = accounts.open_session(session, user.id, policy_of(request))
    return user, opened


def _register(request: Request, data: CredentialsIn) -> None:
    """Create the account unless the address has one; the caller cannot tell which happened.

    Raises 422 for a malformed address or an unacceptable password (that says nothing about
    anyone else)."""
    try:
        accounts.valid_email(data.email)
        password_hash = accounts.new_password_hash(data.password, policy_of(request), data.email)
        with get_database(request).write() as session:
            accounts.create_user(session, data.email, password_hash, data.lang)
    except accounts.AccountError as error:
        raise HTTPException(status_code=422, detail=error.code) from error


def _change_password(request: Request, auth: Auth, old: str, new: str) -> accounts.NewSession:
    """Check the old password (rate-limited), set the new one, end every session and token,
    and open a fresh session for the caller."""
    database, policy = get_database(request), policy_of(request)
    user = _own_account(request, auth)
    PasswordGate(request).check(
        user.email, user, old, HTTPException(status_code=422, detail="password_wrong")
    )
    try:
        password_hash = accounts.new_password_hash(new, policy, user.email)
    except accounts.AccountError as error:
        raise HTTPException(status_code=422, detail=error.code) from error
    with database.write() as session:
        accounts.set_password(session, user.id, password_hash)
        return accounts.open_session(session, user.id, policy)


def _delete_account(request: Request, auth: Auth, password: str) -> None:
    """Check the password (rate-limited), delete everything, and erase it from the disk."""
    database = get_database(request)
    user = _own_account(request, auth)
    PasswordGate(request).check(
        user.email, user, password, HTTPException(status_code=403, detail="password_wrong")
    )
    with database.write() as session:
        accounts.delete_account(session, auth.user_id)
    database.erase_deleted()


# ---- JSON API ---------------------------------------------------------------------------------


@api.post("/register", status_code=202)
def api_register(request: Request, data: CredentialsIn) -> RegisteredOut:
    """Create an account. The answer is the same whether or not the address already had one;
    log in next (``/api/v1/account/login``)."""
    _register(request, data)
    return RegisteredOut()


@api.post("/login")
def api_login(request: Request, response: Response, data: CredentialsIn) -> LoginOut:
    """Log in; too many failures for this account or from this address answer 429."""
    user, opened = _login(request, data.email, data.password)
    set_session_cookie(request, response, opened.token)
    return LoginOut(account=_account_out(user), csrf_token=opened.csrf_token)


@api.post("/logout", status_code=204)
def api_logout(request: Request, auth: AccountAuth) -> Response:
    """End this browser session."""
    response = Response(status_code=204)
    cookie = session_cookie(request)
    if cookie:
        with get_database(request).write() as session:
            accounts.close_session(session, cookie)
    clear_session_cookie(request, response)
    return response


@api.get("")
def api_account(request: Request, auth: ApiAuth) -> AccountOut:
    """The account of whoever asks (a read-scoped token may ask too)."""
    return _account_out(_own_account(request, auth))


@api.post("/password", status_code=204)
def api_change_password(request: Request, auth: AccountAuth, data: PasswordChangeIn) -> Response:
    """Change the password (the old one is required); every other session and every personal
    token ends. This session continues with a new cookie and CSRF token (in ``X-CSRF-Token``)."""
    opened = _change_password(request, auth, data.old_password, data.new_password)
    response = Response(status_code=204)
    set_session_cookie(request, response, opened.token)
    response.headers["X-CSRF-Token"] = opened.csrf_token
    return response


@api.delete("", status_code=204)
def api_delete_account(request: Request, auth: AccountAuth, data: PasswordConfirmIn) -> Response:
    """Delete the account and every diary record of it (the password confirms)."""
    _delete_account(request, auth, data.password)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


def _create_token(request: Request, auth: Auth, data: TokenIn) -> tuple[ApiToken, str]:
    with get_database(request).write() as session:
        user = session.get(User, auth.user_id)
        if user is None:
            raise unauthenticated()
        try:
            return accounts.create_token(
                session, user, data.name, policy_of(request), scope=data.scope, days=data.days
            )
        except accounts.AccountError as error:
            raise HTTPException(status_code=422, detail=error.code) from error


@api.post("/tokens", status_code=201)
def api_create_token(request: Request, auth: AccountAuth, data: TokenIn) -> TokenOut:
    """A new personal token for the diary API; its value is shown only in this answer."""
    row, plain = _create_token(request, auth, data)
    return _token_out(row, plain)


@api.get("/tokens")
def api_list_tokens(request: Request, auth: AccountAuth) -> list[TokenOut]:
    """The account's personal tokens (names, scopes and dates, never the values)."""
    with get_database(request).read() as session:
        return [_token_out(t) for t in accounts.list_tokens(session, auth.user_id)]


@api.delete("/tokens/{token_id}", status_code=204)
def api_revoke_token(request: Request, auth: AccountAuth, token_id: int) -> Response:
    """Revoke one of the account's tokens (404 for anyone else's)."""
    with get_database(request).write() as session:
        if not accounts.revoke_token(session, auth.user_id, token_id):
            raise HTTPException(status_code=404, detail="not_found")
    return Response(status_code=204)


# ---- pages -------------------------------------------------------------------------------------


def _safe_next(target: str) -> str:
    """Only same-site paths are followed after logging in (no open redirect)."""
    return (
        target
        if target.startswith("/") and not target.startswith("//") and "\\" not in target
        else "/diary"
    )


def _form_page(
    request: Request,
    template: str,
    error: str | None = None,
    status_code: int = 200,
    **extra: object,
) -> HTMLResponse:
    lang = choose_language(request)
    minimum = str(policy_of(request).min_password_length)

    def d(key: str) -> str:  # texts may quote the password length from the policy
        return diary_ui(lang, key).replace("{min_password_length}", minimum)

    context = {"error": error, "d": d, **extra}
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
    """Create the account and go to the login form (whether or not the address had an account:
    the page must not tell)."""
    lang = choose_language(request)
    try:
        _register(request, CredentialsIn(email=email, password=password, lang=lang))
    except HTTPException as error:
        return _form_page(
            request,
            "account/register.html",
            str(error.detail),
            422,
            email=email,
            next=_safe_next(next),
        )
    query = urlencode({"registered": 1, "next": _safe_next(next)})
    return RedirectResponse(f"/account/login?{query}", status_code=303)


@router.get("/account/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/diary", registered: int = 0) -> HTMLResponse:
    """The login form (after registering, with a note that the account is ready)."""
    message = "account.register.done" if registered else None
    return _form_page(request, "account/login.html", next=_safe_next(next), message=message)


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
    cookie = session_cookie(request)
    if cookie:
        with get_database(request).write() as session:
            accounts.close_session(session, cookie)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(request, response)
    return response


def _settings_page(
    request: Request,
    auth: Auth,
    error: str | None = None,
    status_code: int = 200,
    new_token: str | None = None,
) -> HTMLResponse:
    with get_database(request).read() as session:
        tokens = accounts.list_tokens(session, auth.user_id)
    return _form_page(
        request,
        "account/settings.html",
        error,
        status_code,
        auth=auth,
        tokens=tokens,
        new_token=new_token,
        message=None,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, auth: PageAuth) -> Response:
    """Account settings: password, personal tokens, delete everything."""
    if auth is None:
        return login_redirect(request)
    return _settings_page(request, auth)


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
    try:
        opened = _change_password(request, auth, old_password, new_password)
    except HTTPException as error:
        page = _settings_page(request, auth, str(error.detail), error.status_code)
        page.headers.update(error.headers or {})
        return page
    response = RedirectResponse("/account?changed=1", status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


@router.post("/account/tokens", response_class=HTMLResponse, dependencies=csrf)
def token_post(
    request: Request,
    auth: PageAuth,
    name: Annotated[str, Form(max_length=100)] = "token",
    scope: Annotated[str, Form(max_length=10)] = "read",
    days: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Create a personal token and show its value once."""
    if auth is None:
        return login_redirect(request)
    try:
        data = TokenIn(
            name=name,
            scope="write" if scope == "write" else "read",
            days=int(days) if days.strip().isdigit() else None,
        )
        _row, plain = _create_token(request, auth, data)
    except (HTTPException, ValueError) as error:
        code = str(error.detail) if isinstance(error, HTTPException) else "token_lifetime_invalid"
        return _settings_page(request, auth, code, 422)
    return _settings_page(request, auth, new_token=plain)


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
    try:
        _delete_account(request, auth, password)
    except HTTPException as error:
        page = _settings_page(request, auth, str(error.detail), error.status_code)
        page.headers.update(error.headers or {})
        return page
    response = RedirectResponse("/?deleted=1", status_code=303)
    clear_session_cookie(request, response)
    return response
