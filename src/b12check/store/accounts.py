"""Accounts: registration, passwords (argon2id), browser sessions, personal API tokens.

Secrets (session cookies, API tokens) are random and only their SHA-256 is stored, so a copy of the
database does not let anyone log in. Every function takes the session it works in; the caller owns
the transaction. The numbers (password length, session and token lifetimes) come from
:class:`b12check.settings.SecurityPolicy`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from b12check import limits
from b12check.settings import SecurityPolicy
from b12check.store import ratelimit
from b12check.store.models import (
    ApiToken,
    Baseline,
    Entry,
    LoginSession,
    Score,
    Treatment,
    User,
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified when the e-mail is unknown, so a failed login takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
# Bounds the argon2 work of this process (see b12check.limits.PASSWORD_HASHES_AT_ONCE).
ARGON2_SLOTS = threading.BoundedSemaphore(limits.PASSWORD_HASHES_AT_ONCE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PasswordBusyError(RuntimeError):
    """No argon2 slot came free in time: the server is busy, the client may try again."""


@contextmanager
def _argon2_slot() -> Iterator[None]:
    if not ARGON2_SLOTS.acquire(timeout=limits.PASSWORD_WAIT_SECONDS):
        raise PasswordBusyError("no password slot free")
    try:
        yield
    finally:
        ARGON2_SLOTS.release()


class AccountError(ValueError):
    """A request about an account that cannot be honoured; ``code`` is a UI text key."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def now() -> datetime:
    """The current time in UTC (timestamps only; diary dates come from the clock of the door)."""
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def check_password(password: str, policy: SecurityPolicy, hints: tuple[str, ...] = ()) -> None:
    """Refuse a password that is too short, too long, common or easy to guess.

    Length counts Unicode code points (NIST: no composition rules). The blocklist is zxcvbn's
    shipped lists of common passwords, names and words, scored with its pattern matcher; ``hints``
    (the e-mail address and its parts) count as known words.
    """
    if len(password) < policy.min_password_length:
        raise AccountError("password_too_short")
    if len(password) > policy.max_password_length:
        raise AccountError("password_too_long")
    from zxcvbn import zxcvbn  # a few MB of word lists: loaded on the first password check

    # zxcvbn scores at most 72 characters; a longer password is judged by its first 72.
    score = int(zxcvbn(password[:72], user_inputs=[*hints, "b12check", "b12"])["score"])
    if score < policy.min_password_score:
        raise AccountError("password_weak")


def _hints(address: str) -> tuple[str, ...]:
    local, _, domain = address.partition("@")
    return (address, local, *domain.split("."))


def valid_email(email: str) -> str:
    """The normalised address, or :class:`AccountError` ``email_invalid``."""
    address = normalise_email(email)
    if not _EMAIL.match(address) or len(address) > 320:
        raise AccountError("email_invalid")
    return address


def new_password_hash(password: str, policy: SecurityPolicy, email: str) -> str:
    """Check a new password (see :func:`check_password`) and hash it. Outside any transaction:
    argon2 takes tens of milliseconds."""
    check_password(password, policy, _hints(normalise_email(email)))
    with _argon2_slot():
        return str(_hasher.hash(password))


def create_user(session: Session, email: str, password_hash: str, lang: str = "nl") -> User | None:
    """Create an account; None when the address is taken. The caller answers both the same
    way, so registration does not reveal who has an account (and has already paid for the
    hash either way, so both answers take as long)."""
    address = valid_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        return None
    user = User(email=address, password_hash=password_hash, lang=lang, created_at=now())
    try:
        with session.begin_nested():  # a simultaneous registration of the same address
            session.add(user)
            session.flush()
    except IntegrityError:
        return None
    return user


def find_user(session: Session, email: str) -> User | None:
    """The account of an e-mail address, if there is one."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is the user's; for no user a dummy hash is verified, so an unknown
    address costs as long as a wrong password. Runs outside any transaction: argon2 takes tens
    of milliseconds and must not hold SQLite's write lock meanwhile."""
    try:
        with _argon2_slot():
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def rehash_if_needed(session: Session, user_id: int, password: str) -> None:
    """After a successful login: upgrade a hash made with an older, cheaper argon2 cost."""
    user = session.get(User, user_id)
    if user is not None and _hasher.check_needs_rehash(user.password_hash):
        with _argon2_slot():
            user.password_hash = _hasher.hash(password)


def set_password(session: Session, user_id: int, password_hash: str) -> None:
    """Replace the password (checked and hashed by :func:`new_password_hash`); ends every session
    and revokes every token, since whoever learnt the old password may have made one."""
    session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


def delete_account(session: Session, user_id: int) -> None:
    """Delete the account and everything it owns (explicitly, not only by cascade)."""
    entry_ids = select(Entry.id).where(Entry.user_id == user_id)
    session.execute(delete(Score).where(Score.entry_id.in_(entry_ids)))
    for table in (Entry, Treatment, Baseline, ApiToken, LoginSession):
        session.execute(delete(table).where(table.user_id == user_id))
    email = session.scalar(select(User.email).where(User.id == user_id))
    if email is not None:
        ratelimit.forget_account(session, email)
    session.execute(delete(User).where(User.id == user_id))


@dataclass(frozen=True)
class NewSession:
    """A freshly opened browser session: the cookie value and its CSRF token."""

    token: str
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, user_id: int, policy: SecurityPolicy) -> NewSession:
    """Start a browser session for ``user``; the cookie value is returned once. Sessions past
    their end are purged here (every login tidies up)."""
    purge_expired_sessions(session, policy)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    started = now()
    expires = started + timedelta(hours=policy.session_lifetime_hours)
    session.add(
        LoginSession(
            token_hash=_digest(token),
            user_id=user_id,
            csrf_token=csrf,
            created_at=started,
            expires_at=expires,
            last_seen_at=started,
        )
    )
    return NewSession(token=token, csrf_token=csrf, expires_at=expires)


Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")


@dataclass(frozen=True)
class Caller:
    """Who a cookie or token belongs to, as the web layer needs it (no ORM rows leak out)."""

    user_id: int
    email: str
    lang: str
    csrf_token: str | None = None  # sessions only
    scope: Scope | None = None  # tokens only
    stale: bool = False  # its last activity is older than the touch interval: record this one


def _stale(moment: datetime | None, at: datetime, policy: SecurityPolicy) -> bool:
    return moment is None or at - moment >= timedelta(seconds=policy.touch_interval_seconds)


# The two lookups behind every authenticated request, built once (statement construction was
# a measurable share of a diary request's CPU): plain columns, no ORM rows to track.
_SESSION_CALLER = (
    select(
        LoginSession.expires_at,
        LoginSession.last_seen_at,
        LoginSession.csrf_token,
        User.id,
        User.email,
        User.lang,
    )
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)
_TOKEN_CALLER = (
    select(
        ApiToken.expires_at, ApiToken.last_used_at, ApiToken.scope, User.id, User.email, User.lang
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def session_user(
    session: Session | Connection, token: str, policy: SecurityPolicy
) -> Caller | None:
    """The owner of a live session cookie, else None: unknown, past its absolute end, or idle
    longer than the idle timeout. Reads only (see :func:`touch_session`)."""
    moment = now()
    found = session.execute(_SESSION_CALLER, {"token_hash": _digest(token)}).first()
    if found is None:
        return None
    expires_at, last_seen_at, csrf_token, user_id, email, lang = found
    if expires_at <= moment or moment - last_seen_at > timedelta(
        minutes=policy.session_idle_minutes
    ):
        return None
    stale = _stale(last_seen_at, moment, policy)
    return Caller(user_id, email, lang, csrf_token=csrf_token, stale=stale)


def touch_session(session: Session, token: str) -> None:
    """Record activity on a session (its idle timeout starts again)."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _digest(token))
        .values(last_seen_at=now())
    )


def close_session(session: Session, token: str) -> None:
    """Log out: forget the session behind a cookie value."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


TOKEN_PREFIX = "b12_"


def create_token(
    session: Session,
    user: User,
    name: str,
    policy: SecurityPolicy,
    *,
    scope: Scope = "read",
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """A personal API token; the plain value is returned once and never stored."""
    if scope not in SCOPES:
        raise AccountError("token_scope_invalid")
    lifetime = policy.token_default_days if days is None else days
    if not 1 <= lifetime <= policy.token_max_days:
        raise AccountError("token_lifetime_invalid")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = now()
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:100] or "token",
        token_hash=_digest(plain),
        scope=scope,
        created_at=created,
        expires_at=created + timedelta(days=lifetime),
    )
    session.add(row)
    session.flush()
    return row, plain


def token_user(session: Session | Connection, plain: str, policy: SecurityPolicy) -> Caller | None:
    """The owner of a live personal token (None when unknown or expired). Reads only (see
    :func:`touch_token`)."""
    moment = now()
    found = session.execute(_TOKEN_CALLER, {"token_hash": _digest(plain)}).first()
    if found is None:
        return None
    expires_at, last_used_at, raw_scope, user_id, email, lang = found
    if expires_at <= moment:
        return None
    scope: Scope = "write" if raw_scope == "write" else "read"
    stale = _stale(last_used_at, moment, policy)
    return Caller(user_id, email, lang, scope=scope, stale=stale)


def touch_token(session: Session, plain: str) -> None:
    """Record that a token was used (``last_used_at``)."""
    session.execute(
        update(ApiToken).where(ApiToken.token_hash == _digest(plain)).values(last_used_at=now())
    )


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens (names and dates only; the values are not kept)."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, user_id: int, token_id: int) -> bool:
    """Delete one of the user's own tokens; False when no such token of theirs exists."""
    result = session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def purge_expired_sessions(session: Session, policy: SecurityPolicy) -> int:
    """Housekeeping: drop sessions past their absolute end or idle too long; how many went."""
    moment = now()
    idle_since = moment - timedelta(minutes=policy.session_idle_minutes)
    result = session.execute(
        delete(LoginSession).where(
            or_(LoginSession.expires_at <= moment, LoginSession.last_seen_at < idle_since)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def count_users(session: Session) -> int:
    """How many accounts exist (used by tests and the local single-user mode)."""
    return session.scalar(select(func.count()).select_from(User)) or 0
