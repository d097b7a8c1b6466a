"""The tables of the follow-up store: accounts, their sessions and tokens, and the symptom diary.

Every diary row carries ``user_id`` so that each query can be scoped to its owner; deleting a user
deletes everything of theirs (ON DELETE CASCADE, and the repositories delete explicitly as well so
SQLite without the foreign-key pragma would still be clean).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back with its zone.

    SQLite keeps no zone, so without this a value written as 12:00+00:00 comes back as a naive
    12:00, which cannot be compared with an aware "now" nor exported as a FHIR instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING)


def _owner() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    """An account: only needed for the diary; assessments stay account-free."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    lang: Mapped[str] = mapped_column(String(8), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginSession(Base):
    """A browser session: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = _owner()
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute end
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)  # for the idle timeout


class ApiToken(Base):
    """A personal token for the JSON API (a future mobile app); stored hashed, shown once.

    ``scope`` is ``read`` or ``write`` (diary only: a token never manages the account); it stops
    working at ``expires_at`` and is deleted when the password changes.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuthFailure(Base):
    """One failed password check, under the SHA-256 of a rate-limit key (account and/or client
    address; never the e-mail itself). Kept in the database so that every worker process sees
    every failure; rows older than the window are purged."""

    __tablename__ = "auth_failures"
    __table_args__ = (Index("ix_auth_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Baseline(Base):
    """An assessment the person saved as the starting point of their diary (intake + result)."""

    __tablename__ = "baselines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    intake: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)


class Treatment(Base):
    """B12 treatment as the person records it: start, route, dose and schedule."""

    __tablename__ = "treatments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    started: Mapped[date] = mapped_column(Date)
    route: Mapped[str] = mapped_column(String(20))  # oral | intramuscular
    dose_ug: Mapped[int | None] = mapped_column(Integer, nullable=True)
    schedule: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Entry(Base):
    """One dated diary entry: symptom scores, doses taken and free notes."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    day: Mapped[date] = mapped_column(Date, index=True)
    doses_taken: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scores: Mapped[list[Score]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="Score.symptom",
    )


class Score(Base):
    """The severity (0-10) of one tracked symptom in one entry."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("entry_id", "symptom"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    symptom: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(Integer)

    entry: Mapped[Entry] = relationship(back_populates="scores")


class CdsFeedback(Base):
    """What a clinician did with one CDS Hooks card (accepted or overridden, and why), kept for
    audit. No patient identifier is stored: the card's uuid links it to the call."""

    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    card_uuid: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # accepted | overridden
    accepted_suggestions: Mapped[list[str]] = mapped_column(JSON, default=list)
    override_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    user_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
