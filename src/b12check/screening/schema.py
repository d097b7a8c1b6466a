"""The four extract tables and their columns: what the screen reads and what a mapping file may
rename. Kept free of ibis so that the command line can describe it cheaply."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One extract table: required and optional columns with their types (ibis type names)."""

    name: str
    required: tuple[tuple[str, str], ...]
    optional: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """All columns, required first."""
        return self.required + self.optional


TABLES: dict[str, TableSpec] = {
    "patients": TableSpec(
        "patients",
        (("patient_id", "string"), ("birth_date", "date"), ("sex", "string")),
        (("diet", "string"),),
    ),
    "observations": TableSpec(
        "observations",
        (
            ("patient_id", "string"),
            ("code", "string"),
            ("value", "float64"),
            ("unit", "string"),
            ("date", "date"),
        ),
    ),
    "medications": TableSpec(
        "medications",
        (("patient_id", "string"), ("atc", "string"), ("start_date", "date")),
        (("end_date", "date"),),
    ),
    "conditions": TableSpec(
        "conditions", (("patient_id", "string"), ("code", "string"), ("date", "date"))
    ),
}

# Why a row was refused; every refused row is counted under exactly one reason (the first that
# applies, in this order).
REJECTION_REASONS = (
    "missing_patient_id",
    "duplicate_patient",
    "unknown_patient",
    "unknown_code",
    "unknown_unit",
    "qualitative_not_read",
    "unknown_sex",
    "missing_value",
    "missing_date",
    "future_date",
    "implausible_value",
    "younger_than_adult",
    "duplicate_row",
)

# The intake contract accepts adults only (core.intake.Patient.age >= 16).
ADULT_FROM_AGE = 16
OLDEST_AGE = 120
SEXES = ("female", "male", "other")


class ExtractError(Exception):
    """An extract the screen cannot read at all (missing table or column): names what is missing."""
