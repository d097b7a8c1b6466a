"""The intake document (contract section 1): its shape, and every check that makes bad input an
error naming the field path instead of a silent guess.

Shape checks are pydantic's (unknown fields, types, bounds); meaning checks (codes, units,
dates, contradictions) need the knowledge base and the assessment date and live in
:func:`check_meaning`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from b12check import limits
from b12check.core.codes import Progression as Progression  # re-exported for the doors
from b12check.core.codes import TreatmentResponse, TreatmentRoute
from b12check.core.numbers import from_text, parse_number
from b12check.documents import plain_text
from b12check.errors import FieldError, IntakeError, path_key

Sex = Literal["female", "male", "other"]


Text = Annotated[str, StringConstraints(max_length=limits.MAX_TEXT), AfterValidator(plain_text)]
"""Every name, code and unit of an intake: bounded and printable."""


Number = Annotated[
    float, BeforeValidator(from_text(parse_number, "a number (digits 0-9, decimal point or comma)"))
]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Patient(_Strict):
    """Who the person is; age below 16 is an input error (the tool is for adults)."""

    age: Annotated[Number, Field(ge=16, le=120)] | None = None
    sex: Sex | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None


class Diet(_Strict):
    """Eating pattern; ``fortified_foods`` unknown (None) is never read as 'yes'."""

    pattern: Text | None = None
    fortified_foods: bool | None = None


class Supplement(_Strict):
    """One supplement product with amounts per day (or per week)."""

    name: Text | None = None
    b12_ug: Annotated[Number, Field(ge=0, le=100000)] | None = None
    b6_mg: Annotated[Number, Field(ge=0, le=10000)] | None = None
    folic_acid_ug: Annotated[Number, Field(ge=0, le=100000)] | None = None
    magnesium_mg: Annotated[Number, Field(ge=0, le=100000)] | None = None
    vitamin_d_ug: Annotated[Number, Field(ge=0, le=100000)] | None = None
    per: Literal["day", "week"] = "day"
    since: dt.date | None = None


class Medication(_Strict):
    """One medicine, by name (generic or brand, any spelling, label text) or ATC code."""

    name: Text | None = None
    atc: Text | None = None
    dose_mg_per_day: Annotated[Number, Field(ge=0, le=100000)] | None = None
    since: dt.date | None = None
    years: Annotated[Number, Field(ge=0, le=100)] | None = None
    months: Annotated[Number, Field(ge=0, le=1200)] | None = None


class SymptomDetail(_Strict):
    """Optional detail of one symptom."""

    severity: Annotated[Number, Field(ge=0, le=10)] | None = None
    weeks: Annotated[Number, Field(ge=0, le=5200)] | None = None
    progression: Progression | None = None


class Lab(_Strict):
    """One lab result, named by vocabulary code or LOINC code."""

    analyte: Text | None = None
    loinc: Text | None = None
    value: float | Text
    unit: Text | None = None
    date: dt.date | None = None
    reference_range: tuple[Number | None, Number | None] | None = None

    @field_validator("reference_range")
    @classmethod
    def _ordered_range(
        cls, value: tuple[float | None, float | None] | None
    ) -> tuple[float | None, float | None] | None:
        """A lab's range must be [lower, upper] with lower below upper and neither negative;
        whether it is plausible for the analyte is checked with the unit (rule L1)."""
        if value is None:
            return value
        low, high = value
        if (low is not None and low < 0) or (high is not None and high <= 0):
            raise ValueError("the limits of a lab's range cannot be negative")
        if low is not None and high is not None and low >= high:
            raise ValueError("expected [lower, upper] with lower < upper")
        return value

    @field_validator("value", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("expected a number, or positive/negative for antibody tests")
        return value


class DiaryEntry(_Strict):
    """A dated symptom diary entry: severity 0-10 of each tracked symptom (rule F3)."""

    date: dt.date
    severity: Annotated[
        dict[Text, Annotated[Number, Field(ge=0, le=10)]], Field(max_length=limits.MAX_CODES)
    ]


class Treatment(_Strict):
    """B12 treatment already under way."""

    started: dt.date
    route: TreatmentRoute
    dose_ug_per_day: Annotated[Number, Field(ge=0, le=100000)] | None = None
    dose_ug: Annotated[Number, Field(ge=0, le=100000)] | None = None
    schedule: Text | None = None
    response: TreatmentResponse | None = None


class Intake(_Strict):
    """Everything known about one person. Lists left out mean 'none reported'."""

    today: dt.date | None = None
    patient: Patient | None = None
    diet: Diet | None = None
    supplements: list[Supplement] = Field(default_factory=list, max_length=limits.MAX_SUPPLEMENTS)
    medications: list[Medication] = Field(default_factory=list, max_length=limits.MAX_MEDICATIONS)
    conditions: list[Text] = Field(default_factory=list, max_length=limits.MAX_CODES)
    exposures: list[Text] = Field(default_factory=list, max_length=limits.MAX_CODES)
    symptoms: dict[Text, SymptomDetail] = Field(default_factory=dict, max_length=limits.MAX_CODES)
    labs: list[Lab] = Field(default_factory=list, max_length=limits.MAX_LABS)
    treatment: Treatment | None = None
    diary: list[DiaryEntry] = Field(default_factory=list, max_length=limits.MAX_DIARY_DAYS)

    @field_validator("symptoms", mode="before")
    @classmethod
    def _symptom_list(cls, value: Any) -> Any:
        """A plain list of symptom codes is the same as codes without detail."""
        if isinstance(value, list) and len(value) > limits.MAX_CODES:
            return value  # refused by the length cap, without building a mapping first
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return {v: {} for v in value}
        if isinstance(value, Mapping):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


_UNION_TAGS = frozenset({"float", "str", "int", "bool", "date", "dict", "list", "tuple"})


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('labs', 1, 'value')`` -> ``labs[1].value``: the way the contract names fields."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_TAGS or "[" in part or part.startswith(("constrained", "function-")):
            continue  # pydantic's name for a union member, not a field
        else:
            key = path_key(part)
            out += f".{key}" if out else key
    return out or "intake"


_FRIENDLY = {
    "extra_forbidden": "unknown field (check the spelling; the contract lists the allowed fields)",
    "missing": "this field is required",
}


def parse_shape(document: object) -> Intake:
    """Validate the document's shape; raise :class:`IntakeError` naming every bad field."""
    if not isinstance(document, Mapping):
        raise IntakeError([FieldError("intake", "expected a mapping of intake fields")])
    if not document:
        raise IntakeError([FieldError("intake", "the intake is empty; give at least one field")])
    try:
        return Intake.model_validate(document)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if isinstance(p, int | str))
            message = _FRIENDLY.get(err["type"], err["msg"])
            errors.append(FieldError(field_path(loc), message))
        raise IntakeError(_dedupe(errors)) from None


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: dict[str, FieldError] = {}
    for e in errors:
        seen.setdefault(e.path, e)
    return list(seen.values())
