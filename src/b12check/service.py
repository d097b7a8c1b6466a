"""The one entry point every door calls: a document (dict from YAML/JSON/form) in, an
:class:`Assessment` out. It parses, supplies the real date when the intake gives none, and loads
the knowledge base; the reasoning itself is the pure core."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from b12check.core.assess import UnknownProfileError, assess_intake
from b12check.core.intake import Intake, parse_shape
from b12check.core.model import Assessment
from b12check.errors import FieldError, IntakeError
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base

__all__ = [
    "Assessment",
    "IntakeError",
    "UnknownProfileError",
    "assess",
    "assess_parsed",
    "check_profile",
    "parse_intake",
]


def check_profile(
    profile: str | None, *, default: str | None = None, knowledge: KnowledgeBase | None = None
) -> str:
    """The profile to use: the one named, else ``default``, else the configured one
    (``B12CHECK_PROFILE``). An unknown name raises :class:`IntakeError` on the field
    ``profile``; the check itself is the knowledge's own, the one place it happens."""
    if profile is None:
        if default is None:
            from b12check.settings import get_settings

            default = get_settings().profile
        profile = default
    kb = knowledge or load_knowledge_base()
    try:
        kb.core.check_profile(profile)
    except UnknownProfileError as exc:
        raise IntakeError([FieldError("profile", str(exc))]) from None
    return profile


def parse_intake(document: object) -> Intake:
    """Check the document's shape; raise :class:`IntakeError` naming each bad field."""
    return parse_shape(document)


def assess(
    document: Mapping[str, Any] | object,
    *,
    profile: str = "seed",
    today: date | None = None,
    knowledge: KnowledgeBase | None = None,
) -> Assessment:
    """Assess one intake document for ``profile`` on ``today`` (default: the intake's date, else
    the real date)."""
    intake = parse_shape(document)
    return assess_parsed(intake, profile=profile, today=today, knowledge=knowledge)


def assess_parsed(
    intake: Intake,
    *,
    profile: str = "seed",
    today: date | None = None,
    knowledge: KnowledgeBase | None = None,
) -> Assessment:
    """Assess an already parsed intake (the benchmark's and the diary's fast path)."""
    kb = knowledge or load_knowledge_base()
    when = intake.today or today or date.today()
    check_profile(profile, knowledge=kb)
    return assess_intake(intake, kb.core, profile, when)
