"""Limits on failed password checks, counted in the database (sliding window).

Every worker process and every server sharing the database sees the same failures, so running
more workers does not multiply an attacker's budget. Three budgets are checked: one account from
one address (small), one address over all accounts (spraying), one account from all addresses
(a botnet; larger, so that a stranger cannot easily lock the owner out). Keys are stored as
SHA-256 digests: the table never holds an e-mail address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from b12check.settings import SecurityPolicy
from b12check.store.models import AuthFailure


@dataclass(frozen=True)
class FailureLimits:
    """How many failures each key may collect within ``window``."""

    per_account_and_address: int
    per_address: int
    per_account: int
    window: timedelta

    @classmethod
    def from_policy(cls, policy: SecurityPolicy) -> FailureLimits:
        return cls(
            per_account_and_address=policy.failures_per_account_and_address,
            per_address=policy.failures_per_address,
            per_account=policy.failures_per_account,
            window=timedelta(minutes=policy.failure_window_minutes),
        )


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def _keys(limits: FailureLimits, account: str, address: str) -> list[tuple[str, int]]:
    return [
        (_digest("account+address", f"{account}\x00{address}"), limits.per_account_and_address),
        (_digest("address", address), limits.per_address),
        (_digest("account", account), limits.per_account),
    ]


def retry_after(
    session: Session, limits: FailureLimits, account: str, address: str, now: datetime
) -> float:
    """Seconds until another attempt is allowed; 0 when one is allowed now."""
    waits = [0.0]
    for key, limit in _keys(limits, account, address):
        recent = list(
            session.scalars(
                select(AuthFailure.at)
                .where(AuthFailure.key == key, AuthFailure.at > now - limits.window)
                .order_by(AuthFailure.at.desc())
                .limit(limit)
            )
        )
        if len(recent) >= limit:  # allowed again when the limit-th newest failure ages out
            waits.append((recent[-1] + limits.window - now).total_seconds())
    return max(waits)


def record_failure(
    session: Session, limits: FailureLimits, account: str, address: str, now: datetime
) -> None:
    """Count one failed password check against every key; forget failures past the window."""
    session.execute(delete(AuthFailure).where(AuthFailure.at <= now - limits.window))
    session.add_all(AuthFailure(key=key, at=now) for key, _ in _keys(limits, account, address))


def clear(session: Session, account: str, address: str) -> None:
    """A correct password from this address clears the account's count from that address."""
    key = _digest("account+address", f"{account}\x00{address}")
    session.execute(delete(AuthFailure).where(AuthFailure.key == key))


def forget_account(session: Session, account: str) -> None:
    """Drop the account's own counter (on deletion: not even its digest stays behind)."""
    session.execute(delete(AuthFailure).where(AuthFailure.key == _digest("account", account)))
