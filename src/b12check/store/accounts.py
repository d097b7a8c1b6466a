"""Accounts: registration, passwords (argon2id), browser sessions, personal API tokens.

Secrets (session cookies, API tokens) are random and only their SHA-256 is stored, so a copy of the
database does not let anyone log in. Every function takes the session it works in; the caller owns
the transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class AccountPolicy:
    """Security knobs of the account system (technical settings, not clinical knowledge)."""

    min_password_length: int = 10
    max_password_length: int = 1024
    session_lifetime: timedelta = timedelta(days=14)


POLICY = AccountPolicy()


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


def _check_password(password: str) -> None:
    if len(password) < POLICY.min_password_length:
        raise AccountError("password_too_short")
    if len(password) > POLICY.max_password_length:
        raise AccountError("password_too_long")


def register(session: Session, email: str, password: str, lang: str = "nl") -> User:
    """Create an account; refuses a malformed or taken e-mail and a short password."""
    address = normalise_email(email)
    if not _EMAIL.match(address) or len(address) > 320:
        raise AccountError("email_invalid")
    _check_password(password)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise AccountError("email_taken")
    user = User(email=address, password_hash=_hasher.hash(password), lang=lang, created_at=now())
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose e-mail and password match, else None (same cost whether or not it exists)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def change_password(session: Session, user: User, old: str, new: str) -> None:
    """Replace the password after checking the old one; ends every other session."""
    try:
        _hasher.verify(user.password_hash, old)
    except (VerificationError, InvalidHashError) as error:
        raise AccountError("password_wrong") from error
    _check_password(new)
    user.password_hash = _hasher.hash(new)
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def delete_account(session: Session, user_id: int) -> None:
    """Delete the account and everything it owns (explicitly, not only by cascade)."""
    entry_ids = select(Entry.id).where(Entry.user_id == user_id)
    session.execute(delete(Score).where(Score.entry_id.in_(entry_ids)))
    for table in (Entry, Treatment, Baseline, ApiToken, LoginSession):
        session.execute(delete(table).where(table.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))


@dataclass(frozen=True)
class NewSession:
    """A freshly opened browser session: the cookie value and its CSRF token."""

    token: str
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, user: User) -> NewSession:
    """Start a browser session for ``user``; the cookie value is returned once."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    started = now()
    expires = started + POLICY.session_lifetime
    session.add(
        LoginSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=started,
            expires_at=expires,
        )
    )
    return NewSession(token=token, csrf_token=csrf, expires_at=expires)


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def session_user(session: Session, token: str) -> tuple[User, LoginSession] | None:
    """The user and session row behind a cookie value, if it is valid and not expired."""
    row = session.get(LoginSession, _digest(token))
    if row is None or _aware(row.expires_at) <= now():
        return None
    user = session.get(User, row.user_id)
    return (user, row) if user else None


def close_session(session: Session, token: str) -> None:
    """Log out: forget the session behind a cookie value."""
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


TOKEN_PREFIX = "b12_"


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A personal API token; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:100] or "token",
        token_hash=_digest(plain),
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row, plain


def token_user(session: Session, plain: str) -> User | None:
    """The owner of a personal token, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if row is None:
        return None
    return session.get(User, row.user_id)


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


def purge_expired_sessions(session: Session) -> None:
    """Housekeeping: drop sessions past their expiry."""
    session.execute(delete(LoginSession).where(LoginSession.expires_at < now()))


def count_users(session: Session) -> int:
    """How many accounts exist (used by tests and the local single-user mode)."""
    return session.scalar(select(func.count()).select_from(User)) or 0
