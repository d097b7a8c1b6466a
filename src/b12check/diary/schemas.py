"""What the diary accepts and returns over the API (and what the CLI and forms validate against).

Dates in the future and unknown symptom codes are input errors, checked by :mod:`validate`
because they depend on the clock and the vocabulary.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from b12check import limits
from b12check.core.intake import Text
from b12check.core.numbers import from_text, parse_whole
from b12check.documents import plain_text

Whole = Annotated[int, BeforeValidator(from_text(parse_whole, "a whole number (digits 0-9)"))]
Severity = Annotated[Whole, Field(ge=0, le=10)]
Code = Text  # a vocabulary code: bounded and printable, as every code of an intake
Notes = Annotated[str, StringConstraints(max_length=limits.MAX_NOTES), AfterValidator(plain_text)]
Schedule = Annotated[
    str, StringConstraints(max_length=limits.MAX_SCHEDULE), AfterValidator(plain_text)
]
Password = Annotated[str, StringConstraints(max_length=1024), AfterValidator(plain_text)]


class EntryIn(BaseModel):
    """A diary entry as written by the person."""

    model_config = ConfigDict(extra="forbid")

    day: date
    scores: dict[Code, Severity] = Field(default_factory=dict, max_length=limits.MAX_CODES)
    doses_taken: Whole | None = Field(default=None, ge=0, le=100)
    notes: Notes = ""


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
    dose_ug: Whole | None = Field(default=None, ge=1, le=100_000)
    schedule: Schedule = ""


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

    email: Annotated[str, StringConstraints(max_length=320), AfterValidator(plain_text)]
    password: Password
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

    old_password: Password
    new_password: Password


class PasswordConfirmIn(BaseModel):
    """The password again, to confirm deleting the account."""

    model_config = ConfigDict(extra="forbid")

    password: Password


class TokenIn(BaseModel):
    """A new personal token: its name, what it may do (``read`` the diary, or ``write`` it as
    well; never manage the account) and how many days it lives (default and maximum are in
    the settings' security policy)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=100), AfterValidator(plain_text)] = "token"
    scope: Literal["read", "write"] = "read"
    days: int | None = Field(default=None, ge=1)


class TokenOut(BaseModel):
    """A personal token; ``token`` is only filled in once, when it is created."""

    id: int
    name: str
    scope: Literal["read", "write"]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    token: str | None = None


class RegisteredOut(BaseModel):
    """The answer to a registration, the same whether or not the address already had an
    account (so it reveals nothing); log in next."""

    detail: Literal["registered"] = "registered"
    login: str = "/api/v1/account/login"


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
