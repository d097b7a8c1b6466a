"""CDS Hooks feedback: what the clinician did with a card, checked and stored for audit."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from b12check.store.database import Database
from b12check.store.models import CdsFeedback


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Coding(_Open):
    """An override reason as the EHR sends it back."""

    system: str | None = None
    code: str = Field(min_length=1, max_length=200)
    display: str | None = None


class OverrideReason(_Open):
    """Why a card was overridden."""

    reason: Coding | None = None
    userComment: str | None = Field(default=None, max_length=4000)  # noqa: N815 (spec name)


class Suggestion(_Open):
    """An accepted suggestion, by its uuid."""

    id: str = Field(min_length=1, max_length=64)


class Item(_Open):
    """One feedback item (CDS Hooks 2.0.1 section Feedback)."""

    card: str = Field(min_length=1, max_length=64)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[Suggestion] = Field(default_factory=list)  # noqa: N815
    overrideReason: OverrideReason | None = None  # noqa: N815
    outcomeTimestamp: dt.datetime  # noqa: N815


class Feedback(BaseModel):
    """The feedback document."""

    model_config = ConfigDict(extra="forbid")
    feedback: list[Item] = Field(min_length=1, max_length=100)


def parse_feedback(data: object) -> Feedback:
    """Validate; raise ValueError naming the first bad field."""
    try:
        return Feedback.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "feedback"
        raise ValueError(f"{where}: {first['msg']}") from None


def store_feedback(
    database: Database, service_id: str, feedback: Feedback, issuer: str | None
) -> int:
    """Store every item in one transaction; returns how many were stored."""
    now = dt.datetime.now(dt.UTC)
    with database.write() as session:
        for item in feedback.feedback:
            reason = item.overrideReason
            when = item.outcomeTimestamp
            session.add(
                CdsFeedback(
                    service_id=service_id,
                    card_uuid=item.card,
                    outcome=item.outcome,
                    accepted_suggestions=[s.id for s in item.acceptedSuggestions],
                    override_reason=reason.reason.model_dump(exclude_none=True)
                    if reason and reason.reason
                    else None,
                    user_comment=reason.userComment if reason else None,
                    outcome_timestamp=when if when.tzinfo else when.replace(tzinfo=dt.UTC),
                    received_at=now,
                    client_issuer=issuer,
                )
            )
    return len(feedback.feedback)
