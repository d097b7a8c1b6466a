"""The one place the web door calls the reasoning core, and maps its input errors to fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from fastapi import Request

from b12check.errors import IntakeError
from b12check.web import content
from b12check.web.forms import Answers, BuiltIntake

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


def field_label(name: str, answers: Answers, lang: str) -> str:
    """A form field named in words, as the person saw it (``sym-paresthesia-severity`` ->
    ``Tintelingen``; ``lab-0-unit`` -> ``Vitamine B12``)."""
    ui = partial(content.ui, lang)
    parts = name.split("-")
    if parts[0] == "sym" and len(parts) >= 2:
        return content.label(lang, "symptoms", parts[1])
    if parts[0] == "lab" and len(parts) >= 3:
        analyte = answers.get(f"lab-{parts[1]}-analyte")
        if isinstance(analyte, str) and analyte:
            return content.label(lang, "analytes", analyte)
        return f"{ui('labs.row')} {int(parts[1]) + 1}"
    if parts[0] == "supp" and len(parts) >= 3:
        named = answers.get(f"supp-{parts[1]}-name")
        return str(named) if named else f"{ui('supplements.row')} {int(parts[1]) + 1}"
    if parts[0] == "med" and len(parts) >= 3:
        named = answers.get(f"med-{parts[1]}-name")
        return str(named) if named else f"{ui('medicines.row')} {int(parts[1]) + 1}"
    key = _FIELD_KEYS.get(name)
    return ui(key) if key else ui("error.some_answer")


_FIELD_KEYS = {
    "age": "about.age",
    "sex": "about.sex",
    "pregnant": "about.pregnant",
    "breastfeeding": "about.breastfeeding",
    "diet_pattern": "diet.pattern",
    "fortified_foods": "diet.fortified",
    "conditions": "history.conditions",
    "exposures": "history.exposures",
    "treat_started": "treatment.started",
    "treat_route": "treatment.route",
    "treat_dose": "treatment.dose",
    "treat_response": "treatment.response",
}


def _worded(name: str, plain: str, answers: Answers, lang: str) -> str:
    return f"{field_label(name, answers, lang)}: {plain[:1].lower()}{plain[1:]}"


def local_errors(
    built: BuiltIntake, lang: str, only: list[str] | None = None, answers: Answers | None = None
) -> FormErrors:
    """Messages for values the web layer could not read (a word where a number belongs)."""
    errors = FormErrors()
    for err in built.errors:
        if only is None or err.field in only:
            plain = content.ui(lang, f"error.{err.kind}")
            errors.fields.setdefault(err.field, _worded(err.field, plain, answers or {}, lang))
    return errors


def likely_units(analyte: str, value: float) -> list[str]:
    """The units in which a typed value would be a plausible result (rule L4's hint)."""
    spec = content.kb().analytes.get(analyte)
    if spec is None or not spec.plausible:
        return []
    low, high = spec.plausible
    return [u.name for u in spec.units.values() if low <= value * u.factor <= high]


def core_errors(
    exc: IntakeError, built: BuiltIntake, lang: str, answers: Answers | None = None
) -> FormErrors:
    """The core's input errors, each placed at its form field and said in plain words.

    The core's own message (English, technical) is never shown to the person.
    """
    answers = answers or {}
    errors = FormErrors()
    for err in exc.errors:
        kind = next((k for suffix, k in _ERROR_KINDS if err.path.endswith(suffix)), "generic")
        plain = content.ui(lang, f"error.{kind}")
        name = built.field_for(err.path)
        if name and name.startswith("lab-") and kind in {"value", "unit"}:
            row = name.split("-")[1]
            analyte = str(answers.get(f"lab-{row}-analyte", ""))
            value = _typed_number(answers.get(f"lab-{row}-value"))
            units = likely_units(analyte, value) if value is not None else []
            if units:
                plain = content.ui(lang, "error.likely_unit").format(unit=" / ".join(units))
        if name:
            errors.fields.setdefault(name, _worded(name, plain, answers, lang))
        elif err.path in ("", "intake", "$"):
            errors.general.append(content.ui(lang, "error.empty"))
        else:
            errors.general.append(plain)
    return errors


def _typed_number(raw: object) -> float | None:
    from b12check.i18n import parse_number

    if not isinstance(raw, str):
        return None
    try:
        return parse_number(raw)
    except ValueError:
        return None


def check_intake(
    request: Request, built: BuiltIntake, lang: str, answers: Answers | None = None
) -> FormErrors:
    """The core's verdict on an intake's form, without assessing (an empty one is fine here)."""
    from b12check import service

    if not built.intake:
        return FormErrors()
    try:
        service.parse_intake(built.intake)
    except IntakeError as exc:
        return core_errors(exc, built, lang, answers)
    return FormErrors()


def assess(request: Request, intake: dict[str, Any]) -> Any:
    """Assess an intake with the configured profile (raises IntakeError on bad input)."""
    from b12check import service

    return service.assess(intake, profile=request.app.state.settings.profile)
