"""What the diary accepts and returns over the API (and what the CLI and forms validate against).

Dates in the future and unknown symptom codes are input errors, checked by :mod:`validate`
because they depend on the clock and the vocabulary.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Severity = Annotated[int, Field(ge=0, le=10)]


class EntryIn(BaseModel):
    """A diary entry as written by the person."""

    model_config = ConfigDict(extra="forbid")

    day: date
    scores: dict[str, Severity] = Field(default_factory=dict)
    doses_taken: int | None = Field(default=None, ge=0, le=100)
    notes: str = Field(default="", max_length=5000)


class EntryOut(EntryIn):
    """A stored entry."""

    id: int
    created_at: datetime
    updated_at: datetime


class TreatmentIn(BaseModel):
    """B12 treatment: start date, route, dose (µg per day when oral, per injection when IM)."""

    model_config = ConfigDict(extra="forbid")

    started: date
    route: Literal["oral", "intramuscular"]
    dose_ug: int | None = Field(default=None, ge=1, le=100_000)
    schedule: str = Field(default="", max_length=200)


class TreatmentOut(TreatmentIn):
    """A stored treatment."""

    id: int


class BaselineIn(BaseModel):
    """An intake (contract section 1) to assess and keep as the diary's starting point."""

    model_config = ConfigDict(extra="forbid")

    intake: dict[str, Any]


class CredentialsIn(BaseModel):
    """E-mail and password (register, log in)."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    lang: str = "nl"

    @field_validator("lang")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from b12check.i18n import languages, normalise

        lang = normalise(value)
        if lang is None:
            raise ValueError(f"expected one of: {', '.join(languages())}")
        return lang


class PasswordChangeIn(BaseModel):
    """Old and new password."""

    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PasswordConfirmIn(BaseModel):
    """The password again, to confirm deleting the account."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=1024)


class TokenIn(BaseModel):
    """A name for a new personal token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="token", max_length=100)


class TokenOut(BaseModel):
    """A personal token; ``token`` is only filled in once, when it is created."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    token: str | None = None


class AccountOut(BaseModel):
    """The account as its owner sees it."""

    id: int
    email: str
    lang: str
    created_at: datetime


class LoginOut(BaseModel):
    """After logging in: the account and the CSRF token for cookie-authenticated API writes."""

    account: AccountOut
    csrf_token: str


class SeriesPoint(BaseModel):
    """One point of a symptom's course."""

    day: date
    severity: int


class ResponseOut(BaseModel):
    """Rule F3's result with the numbers behind it."""

    response: Literal["improved", "unchanged", "worse"] | None
    baseline_day: date | None
    baseline_mean: float | None
    latest_day: date | None
    latest_mean: float | None
    change_fraction: float | None
    symptoms: list[str]


class CourseOut(BaseModel):
    """The diary page as data: course, response, re-assessment and the next check date."""

    today: date
    treatment: TreatmentOut | None
    window: list[date] | None
    next_check: date | None
    response: ResponseOut
    series: dict[str, list[SeriesPoint]]
    assessment: dict[str, Any] | None
    assessment_errors: list[str]
    reevaluate: bool
    urgent: bool
