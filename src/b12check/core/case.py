"""From a shape-valid intake to a :class:`Case`: codes checked, units converted, durations and
totals computed. Every problem becomes a :class:`FieldError`; nothing is guessed silently.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date

from b12check.core.codes import (
    Analyte,
    Condition,
    DietPattern,
    Exposure,
    MedicationClass,
    NoteCode,
    Qualitative,
    Symptom,
    is_condition,
    is_diet,
    is_exposure,
    is_medication_class,
    is_symptom,
)
from b12check.core.intake import Intake, Lab, Medication, Sex, SymptomDetail
from b12check.core.knowledge import AnalyteSpec, Knowledge, UnitSpec
from b12check.core.loinc import loinc_check_digit_ok
from b12check.core.numbers import parse_number
from b12check.core.units import expected_units, find_unit, plausible, plausible_units
from b12check.errors import FieldError, IntakeError

_QUALITATIVE: dict[str, Qualitative] = {
    "positive": "positive",
    "pos": "positive",
    "positief": "positive",
    "detected": "positive",
    "+": "positive",
    "negative": "negative",
    "neg": "negative",
    "negatief": "negative",
    "not detected": "negative",
    "-": "negative",
}


_B12_SUPPLEMENT: MedicationClass = "b12_supplement"


@dataclass(frozen=True, slots=True)
class Note:
    """An assumption or remark the assessment reports (code from vocabulary ``notes``)."""

    code: NoteCode
    path: str
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LabValue:
    """One lab result converted to its analyte's canonical unit (or a qualitative result)."""

    index: int
    analyte: Analyte
    value: float | None  # canonical unit; None for qualitative results
    result: Qualitative | None  # positive / negative for qualitative results
    unit: UnitSpec | None
    original_value: float | str
    original_unit: str | None
    date: date | None
    loinc: str | None
    lab_range: tuple[float | None, float | None] | None  # canonical unit
    canonical_unit: str | None
    estimated: bool = False  # computed by b12check (rule L3), not measured


@dataclass(frozen=True, slots=True)
class MedicineUse:
    """A medicine the person takes: recognised classes (possibly none) and how long."""

    index: int
    name: str
    classes: frozenset[MedicationClass]
    recognised: bool
    months: float | None
    since: date | None
    dose_mg_per_day: float | None


@dataclass(frozen=True, slots=True)
class SupplementTotals:
    """Daily totals over all supplements (a weekly dose counts one seventh)."""

    b12_ug: float
    b6_mg: float
    folic_acid_ug: float
    magnesium_mg: float
    vitamin_d_ug: float


@dataclass
class Case:
    """One person's facts, normalised: what the rules read."""

    today: date
    age: float | None
    sex: Sex | None
    pregnant: bool
    breastfeeding: bool
    diet: DietPattern | None
    fortified_foods: bool | None
    symptoms: dict[Symptom, SymptomDetail]
    conditions: frozenset[Condition]
    exposures: frozenset[Exposure]
    medicines: list[MedicineUse]
    supplements: SupplementTotals
    b12_starts: list[date | None]  # start of every B12 source being taken (None = unknown)
    labs: list[LabValue]
    intake: Intake
    notes: list[Note] = field(default_factory=list)


def months_between(start: date, end: date) -> float:
    """Calendar months from ``start`` to ``end`` (an anniversary is exactly 12), plus the part
    of the month after the last whole one."""
    whole = 12 * (end.year - start.year) + end.month - start.month
    if end.day < start.day:
        whole -= 1
    year, month = divmod(start.month - 1 + whole, 12)
    last_day = monthrange(start.year + year, month + 1)[1]
    anchor = date(start.year + year, month + 1, min(start.day, last_day))
    return whole + max((end - anchor).days, 0) / 31 if whole >= 0 else (end - start).days / 30.4375


def build_case(intake: Intake, knowledge: Knowledge, today: date) -> Case:
    """Check every field's meaning and normalise; raise :class:`IntakeError` with all problems."""
    errors: list[FieldError] = []
    notes: list[Note] = []
    vocab = knowledge.vocabulary

    if intake.today is not None and intake.today != today:
        today = intake.today
    patient = intake.patient
    sex = patient.sex if patient else None
    pregnant = bool(patient and patient.pregnant)
    breastfeeding = bool(patient and patient.breastfeeding)
    if patient is not None and sex == "male":
        if patient.pregnant:
            errors.append(
                FieldError("patient.pregnant", "pregnant cannot be true when sex is male")
            )
        if patient.breastfeeding:
            errors.append(
                FieldError("patient.breastfeeding", "breastfeeding cannot be true when sex is male")
            )

    pattern = intake.diet.pattern if intake.diet else None
    diet: DietPattern | None = None
    if pattern is not None:
        if is_diet(pattern):
            diet = pattern
        else:
            errors.append(_unknown_code("diet.pattern", pattern, vocab.codes("diets")))

    conditions: set[Condition] = set()
    for i, code in enumerate(intake.conditions):
        if is_condition(code):
            conditions.add(code)
        else:
            errors.append(_unknown_code(f"conditions[{i}]", code, vocab.codes("conditions")))
    exposures: set[Exposure] = set()
    for i, code in enumerate(intake.exposures):
        if is_exposure(code):
            exposures.add(code)
        else:
            errors.append(_unknown_code(f"exposures[{i}]", code, vocab.codes("exposures")))

    symptoms: dict[Symptom, SymptomDetail] = {}
    for code, detail in intake.symptoms.items():
        if not is_symptom(code):
            errors.append(_unknown_code(f"symptoms.{code}", code, vocab.codes("symptoms")))
        elif detail.severity == 0:
            notes.append(Note("symptom_severity_zero", f"symptoms.{code}", (("symptom", code),)))
        else:
            symptoms[code] = detail

    b12_starts: list[date | None] = []
    totals = _supplement_totals(intake, today, errors, b12_starts)
    medicines = [
        _medicine(i, med, knowledge, today, errors, notes, b12_starts)
        for i, med in enumerate(intake.medications)
    ]
    labs = [_lab(i, lab, knowledge, today, errors, notes) for i, lab in enumerate(intake.labs)]

    treatment = intake.treatment
    if treatment is not None:
        if treatment.started > today:
            errors.append(FieldError("treatment.started", f"date is after today ({today})"))
        b12_starts.append(treatment.started)
    for i, entry in enumerate(intake.diary):
        if entry.date > today:
            errors.append(FieldError(f"diary[{i}].date", f"date is after today ({today})"))
        for code in entry.severity:
            if not is_symptom(code):
                errors.append(
                    _unknown_code(f"diary[{i}].severity.{code}", code, vocab.codes("symptoms"))
                )

    if errors:
        raise IntakeError(errors)
    return Case(
        today=today,
        age=patient.age if patient else None,
        sex=sex,
        pregnant=pregnant,
        breastfeeding=breastfeeding,
        diet=diet,
        fortified_foods=intake.diet.fortified_foods if intake.diet else None,
        symptoms=symptoms,
        conditions=frozenset(conditions),
        exposures=frozenset(exposures),
        medicines=medicines,
        supplements=totals,
        b12_starts=b12_starts,
        labs=[lab for lab in labs if lab is not None],
        intake=intake,
        notes=notes,
    )


def _unknown_code(path: str, code: str, allowed: tuple[str, ...]) -> FieldError:
    return FieldError(path, f"unknown code {code!r}; expected one of: {', '.join(allowed)}")


def _supplement_totals(
    intake: Intake, today: date, errors: list[FieldError], b12_starts: list[date | None]
) -> SupplementTotals:
    sums = {
        "b12_ug": 0.0,
        "b6_mg": 0.0,
        "folic_acid_ug": 0.0,
        "magnesium_mg": 0.0,
        "vitamin_d_ug": 0.0,
    }
    for i, sup in enumerate(intake.supplements):
        if sup.since is not None and sup.since > today:
            errors.append(FieldError(f"supplements[{i}].since", f"date is after today ({today})"))
        divisor = 7.0 if sup.per == "week" else 1.0
        for key in sums:
            amount = getattr(sup, key)
            if amount:
                sums[key] += amount / divisor
        if sup.b12_ug:
            b12_starts.append(sup.since)
    return SupplementTotals(**sums)


def _medicine(
    index: int,
    med: Medication,
    knowledge: Knowledge,
    today: date,
    errors: list[FieldError],
    notes: list[Note],
    b12_starts: list[date | None],
) -> MedicineUse:
    path = f"medications[{index}]"
    if med.name is None and med.atc is None:
        errors.append(FieldError(path, "give the medicine's name or its ATC code"))
    if med.atc is not None and not _atc_ok(med.atc):
        errors.append(
            FieldError(f"{path}.atc", f"{med.atc!r} is not an ATC code (expected e.g. A10BA02)")
        )
    if med.since is not None and med.since > today:
        errors.append(FieldError(f"{path}.since", f"date is after today ({today})"))
    months: float | None = None
    if med.since is not None:
        months = months_between(med.since, today)
        stated = _stated_months(med)
        if stated is not None and abs(stated - months) > 12:
            errors.append(
                FieldError(f"{path}.years", "contradicts 'since'; give one of since, years, months")
            )
    else:
        months = _stated_months(med)
    hit = knowledge.medicines.lookup(text=med.name, atc=med.atc)
    name = med.name or med.atc or ""
    if hit is None:
        notes.append(Note("medicine_not_recognised", path, (("name", name),)))
        classes: frozenset[MedicationClass] = frozenset()
    else:
        classes = frozenset(c for c in hit.classes if is_medication_class(c))
    if _B12_SUPPLEMENT in classes:
        b12_starts.append(med.since)
    return MedicineUse(
        index, name, classes, hit is not None, months, med.since, med.dose_mg_per_day
    )


def _stated_months(med: Medication) -> float | None:
    if med.years is not None:
        return med.years * 12
    return med.months


def _atc_ok(code: str) -> bool:
    code = code.strip().upper()
    if not 1 <= len(code) <= 7:
        return False
    pattern = "ADDAADD"  # A=letter, D=digit, by position
    for ch, kind in zip(code, pattern, strict=False):
        if (kind == "A" and not ch.isalpha()) or (kind == "D" and not ch.isdigit()):
            return False
    return True


def _lab(
    index: int,
    lab: Lab,
    knowledge: Knowledge,
    today: date,
    errors: list[FieldError],
    notes: list[Note],
) -> LabValue | None:
    path = f"labs[{index}]"
    spec, loinc = _identify(lab, path, knowledge, errors)
    if lab.date is not None and lab.date > today:
        errors.append(FieldError(f"{path}.date", f"date is after today ({today})"))
    if spec is None:
        return None
    if spec.qualitative:
        text = str(lab.value).strip().lower()
        result = _QUALITATIVE.get(text)
        if result is None:
            errors.append(FieldError(f"{path}.value", "expected positive or negative"))
            return None
        if lab.unit:
            errors.append(FieldError(f"{path}.unit", f"{spec.code} is positive/negative: no unit"))
            return None
        return LabValue(
            index, spec.code, None, result, None, lab.value, None, lab.date, loinc, None, None
        )
    parsed = _number(lab.value)
    if parsed is None:
        errors.append(FieldError(f"{path}.value", f"expected a number in {expected_units(spec)}"))
        return None
    number, censored = parsed
    if censored:
        notes.append(Note("censored_value", f"{path}.value", (("value", str(lab.value)),)))
    unit = _unit(lab, spec, number, path, knowledge, errors, notes, loinc)
    if unit is None:
        return None
    value = number * unit.factor
    if not plausible(spec, value):
        errors.append(FieldError(f"{path}.value", _implausible(spec, number, unit)))
        return None
    lab_range = _lab_range(lab, unit, path, errors)
    if lab_range is not None:
        notes.append(Note("lab_range_used", path, (("analyte", spec.code),)))
    return LabValue(
        index,
        spec.code,
        value,
        None,
        unit,
        lab.value,
        unit.name,
        lab.date,
        loinc,
        lab_range,
        spec.canonical_unit,
    )


def _identify(
    lab: Lab, path: str, knowledge: Knowledge, errors: list[FieldError]
) -> tuple[AnalyteSpec | None, str | None]:
    by_code = None
    if lab.analyte is not None:
        by_code = knowledge.analytes.get(lab.analyte)
        if by_code is None:
            errors.append(_unknown_code(f"{path}.analyte", lab.analyte, tuple(knowledge.analytes)))
            return None, None
    loinc = None
    if lab.loinc is not None:
        loinc = lab.loinc.strip()
        if not loinc_check_digit_ok(loinc):
            errors.append(
                FieldError(f"{path}.loinc", f"{loinc!r} is not a valid LOINC code (check digit)")
            )
            return None, None
        spec = knowledge.loinc.get(loinc)
        if spec is None:
            errors.append(
                FieldError(f"{path}.loinc", f"LOINC {loinc} is not an analyte b12check reads")
            )
            return None, None
        if by_code is not None and by_code.code != spec.analyte:
            errors.append(
                FieldError(f"{path}.loinc", f"LOINC {loinc} is {spec.analyte}, not {by_code.code}")
            )
            return None, None
        return knowledge.analytes[spec.analyte], loinc
    if by_code is None:
        errors.append(FieldError(path, "name the analyte (vocabulary code) or its LOINC code"))
    return by_code, None


_CENSORED = {"<": -1, "≤": -1, "<=": -1, ">": 1, "≥": 1, ">=": 1}
_EDGE = 1e-6  # a result reported as "<148" lies just below 148


def _number(value: float | str) -> tuple[float, str] | None:
    """A lab value as a number; ``"<50"``-style results (below or above the assay's range) give
    the limit and the sign, so that they read as just beyond it, never as the limit itself."""
    if isinstance(value, int | float):
        return float(value), ""
    text = value.strip()
    sign = ""
    for prefix in sorted(_CENSORED, key=len, reverse=True):
        if text.startswith(prefix):
            sign, text = prefix, text[len(prefix) :].strip()
            break
    try:
        number = parse_number(text)
    except ValueError:
        return None
    if sign:
        number *= 1 + _CENSORED[sign] * _EDGE
    return number, sign


def _unit(
    lab: Lab,
    spec: AnalyteSpec,
    number: float,
    path: str,
    knowledge: Knowledge,
    errors: list[FieldError],
    notes: list[Note],
    loinc: str | None,
) -> UnitSpec | None:
    if lab.unit:
        unit = find_unit(spec, lab.unit, knowledge)
        if unit is None:
            errors.append(
                FieldError(
                    f"{path}.unit",
                    f"{lab.unit!r} is not a unit for {spec.code}; expected {expected_units(spec)}",
                )
            )
            return None
        loinc_spec = spec.loinc.get(loinc) if loinc else None
        if loinc_spec is not None and loinc_spec.kind != unit.kind:
            notes.append(
                Note(
                    "loinc_unit_mismatch",
                    f"{path}.unit",
                    (("loinc", loinc or ""), ("unit", unit.name)),
                )
            )
        return unit
    if loinc is not None:
        loinc_spec = spec.loinc[loinc]
        if loinc_spec.unit is not None:
            unit = find_unit(spec, loinc_spec.unit, knowledge)
            if unit is not None:
                notes.append(_assumed(path, spec, number, unit))
                return unit
    candidates = plausible_units(spec, number)
    if len(candidates) == 1:
        notes.append(_assumed(path, spec, number, candidates[0]))
        return candidates[0]
    errors.append(
        FieldError(
            f"{path}.unit",
            f"a unit is needed for {spec.code} {number:g}; expected {expected_units(spec)}",
        )
    )
    return None


def _implausible(spec: AnalyteSpec, number: float, unit: UnitSpec) -> str:
    """Rule L4: say what was given, what is possible, and the unit the person probably meant."""
    low, high = spec.plausible or (0.0, 0.0)
    message = (
        f"{number:g} {unit.name} is not a possible {spec.code} value "
        f"(possible: {low:g}–{high:g} {spec.canonical_unit})"
    )
    likely = [u for u in plausible_units(spec, number) if u.factor != unit.factor]
    if likely:
        meant = " or ".join(f"{number:g} {u.name}" for u in likely)
        return f"{message}; did you mean {meant}? Check the value and the unit"
    return f"{message}; check the value and the unit"


def _assumed(path: str, spec: AnalyteSpec, number: float, unit: UnitSpec) -> Note:
    return Note(
        "unit_assumed",
        f"{path}.unit",
        (("analyte", spec.code), ("value", f"{number:g}"), ("unit", unit.name)),
    )


def _lab_range(
    lab: Lab, unit: UnitSpec, path: str, errors: list[FieldError]
) -> tuple[float | None, float | None] | None:
    if lab.reference_range is None:
        return None
    low, high = lab.reference_range
    if low is None and high is None:
        return None
    if low is not None and high is not None and low >= high:
        errors.append(
            FieldError(f"{path}.reference_range", "expected [lower, upper] with lower < upper")
        )
        return None
    return (
        None if low is None else low * unit.factor,
        None if high is None else high * unit.factor,
    )
