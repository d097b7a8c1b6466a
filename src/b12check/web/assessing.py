"""The one place the web door calls the reasoning core, and maps its input errors to fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from b12check.errors import IntakeError
from b12check.web import content
from b12check.web.forms import BuiltIntake

# How a core error on a field ending like this is explained in plain words (UI string keys).
_ERROR_KINDS = (
    (".unit", "unit"),
    (".value", "value"),
    (".reference_range", "range"),
    (".date", "date_core"),
    (".since", "date_core"),
    (".started", "date_core"),
    (".age", "age"),
    (".pregnant", "pregnant"),
    (".breastfeeding", "pregnant"),
    (".severity", "severity"),
    (".weeks", "value"),
    (".years", "value"),
    (".analyte", "analyte"),
)


@dataclass
class FormErrors:
    """Messages per form field, plus messages that belong to no single field."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def local_errors(built: BuiltIntake, lang: str, only: list[str] | None = None) -> FormErrors:
    """Messages for values the web layer could not read (a word where a number belongs)."""
    errors = FormErrors()
    for err in built.errors:
        if only is None or err.field in only:
            errors.fields.setdefault(err.field, content.ui(lang, f"error.{err.kind}"))
    return errors


def core_errors(exc: IntakeError, built: BuiltIntake, lang: str) -> FormErrors:
    """The core's input errors, each placed at its form field with a plain explanation."""
    errors = FormErrors()
    for err in exc.errors:
        kind = next((k for suffix, k in _ERROR_KINDS if err.path.endswith(suffix)), "generic")
        plain = content.ui(lang, f"error.{kind}")
        message = f"{plain} ({err.message})"
        name = built.field_for(err.path)
        if name:
            errors.fields.setdefault(name, message)
        elif err.path in ("", "intake", "$"):
            errors.general.append(content.ui(lang, "error.empty"))
        else:
            errors.general.append(message)
    return errors


def check_intake(request: Request, built: BuiltIntake, lang: str) -> FormErrors:
    """The core's verdict on an intake's form, without assessing (an empty one is fine here)."""
    from b12check import service

    if not built.intake:
        return FormErrors()
    try:
        service.parse_intake(built.intake)
    except IntakeError as exc:
        return core_errors(exc, built, lang)
    return FormErrors()


def assess(request: Request, intake: dict[str, Any]) -> Any:
    """Assess an intake with the configured profile (raises IntakeError on bad input)."""
    from b12check import service

    return service.assess(intake, profile=request.app.state.settings.profile)
