"""Validation of an extract: every row is accepted or refused with one reason, so the report can
say what was left out and why (never a silent miscount).

Codes and units are translated through small lookup tables built once from the distinct values
in the extract and the knowledge base (the same unit factors, LOINC codes and medicine classes the
per-person core uses); the rows themselves are checked set-based on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from b12check.core.units import find_unit
from b12check.knowledge_base import KnowledgeBase
from b12check.medicines import is_valid_atc
from b12check.screening.extract import Extract
from b12check.screening.schema import ADULT_FROM_AGE, OLDEST_AGE, SEXES

_NULL_KEY = ""


@dataclass
class Validated:
    """Accepted rows (typed, codes translated, labs in canonical units) and the refusals."""

    patients: ir.Table  # patient_id, birth_date, sex, diet, age
    observations: ir.Table  # patient_id, analyte, value (canonical unit), date
    medications: ir.Table  # patient_id, drug_class, start_date, end_date
    conditions: ir.Table  # patient_id, code, kind (condition|symptom|sign), date
    rejected: ir.Table  # table, reason, rows


def age_at(birth: ir.DateValue, today: date) -> ir.IntegerValue:
    """Completed years on ``today`` (the intake's age for the core is the same number)."""
    before_birthday = (birth.month() > today.month) | (
        (birth.month() == today.month) & (birth.day() > today.day)
    )
    return (today.year - birth.year() - before_birthday.cast("int64")).cast("int64")


def _lookup(rows: list[dict[str, object]], schema: dict[str, str]) -> ir.Table:
    """A small lookup table. Missing text is written as "" and missing numbers as 0, never as
    null: on PySpark a null in a memtable's text column arrives as the text 'NaN' (pandas)."""
    blank = {"string": "", "float64": 0.0, "boolean": False}
    filled = [{k: blank[schema[k]] if v is None else v for k, v in row.items()} for row in rows]
    placeholder = {k: blank[t] for k, t in schema.items()}
    return ibis.memtable(filled or [placeholder], schema=schema).filter(ibis.literal(bool(rows)))


def _distinct(table: ir.Table, *columns: str) -> list[tuple[object, ...]]:
    data = table.select(*columns).distinct().to_pyarrow().to_pylist()
    return [tuple(row[c] for c in columns) for row in data]


def observation_codes(extract: Extract, kb: KnowledgeBase) -> ir.Table:
    """(code, unit) -> analyte, factor to the canonical unit, plausible range, or why refused."""
    core = kb.core
    codes_map = extract.mapping.codes.get("observations", {})
    rows: list[dict[str, object]] = []
    for code, unit in _distinct(extract.tables["observations"], "code", "unit"):
        code_s = None if code is None else str(code)
        key = codes_map.get(code_s, code_s) if code_s is not None else None
        analyte = None
        if key is not None:
            if key in core.analytes:
                analyte = key
            elif key in core.loinc:
                analyte = core.loinc[key].analyte
        row: dict[str, object] = {
            "code": _NULL_KEY if code is None else code_s,
            "unit": _NULL_KEY if unit is None else str(unit),
            "analyte": analyte,
            "factor": None,
            "low": None,
            "high": None,
            "status": None,
        }
        if analyte is None:
            row["status"] = "unknown_code"
        elif core.analytes[analyte].qualitative:
            row["status"] = "qualitative_not_read"
        else:
            spec = core.analytes[analyte]
            found = find_unit(spec, str(unit), core) if unit is not None else None
            if found is None:
                row["status"] = "unknown_unit"
            else:
                assert spec.plausible is not None
                row.update(factor=found.factor, low=spec.plausible[0], high=spec.plausible[1])
        rows.append(row)
    schema = {
        "code": "string",
        "unit": "string",
        "analyte": "string",
        "factor": "float64",
        "low": "float64",
        "high": "float64",
        "status": "string",
    }
    return _lookup(rows, schema)


def medication_classes(extract: Extract, kb: KnowledgeBase) -> ir.Table:
    """ATC code -> medicine class (one row per class; the medicine index of the core)."""
    codes_map = extract.mapping.codes.get("medications", {})
    rows: list[dict[str, object]] = []
    for (atc,) in _distinct(extract.tables["medications"], "atc"):
        if atc is None:
            continue
        key = codes_map.get(str(atc), str(atc)).strip().upper()
        if not is_valid_atc(key):
            rows.append({"atc": str(atc), "drug_class": None, "valid": False})
            continue
        classes: list[str | None] = [*sorted(kb.medicines.classes_for_atc(key))] or [None]
        rows.extend({"atc": str(atc), "drug_class": c, "valid": True} for c in classes)
    return _lookup(rows, {"atc": "string", "drug_class": "string", "valid": "boolean"})


def condition_codes(extract: Extract, kb: KnowledgeBase) -> ir.Table:
    """Diagnosis code -> vocabulary condition, symptom (a complaint coded as a diagnosis) or
    screening sign."""
    vocab = kb.vocabulary
    kinds = {
        **dict.fromkeys(vocab.codes("conditions"), "condition"),
        **dict.fromkeys(vocab.codes("symptoms"), "symptom"),
        **dict.fromkeys(vocab.codes("screening_signs"), "sign"),
    }
    codes_map = extract.mapping.codes.get("conditions", {})
    rows: list[dict[str, object]] = []
    for (code,) in _distinct(extract.tables["conditions"], "code"):
        if code is None:
            continue
        key = codes_map.get(str(code), str(code))
        rows.append({"code": str(code), "vcode": key, "kind": kinds.get(key)})
    return _lookup(rows, {"code": "string", "vcode": "string", "kind": "string"})


def _reject_counts(table: str, rows: ir.Table) -> ir.Table:
    return (
        rows.filter(rows.reason.notnull())
        .group_by("reason")
        .agg(rows=ibis._.count())
        .mutate(table=ibis.literal(table))
        .select("table", "reason", "rows")
    )


def _duplicates(table: str, accepted: ir.Table) -> ir.Table:
    """Exact duplicate rows among the accepted ones: counted, then read once."""
    total = accepted.count()
    unique = accepted.distinct().count()
    return ibis.memtable({"table": [table], "reason": ["duplicate_row"]}).mutate(
        rows=(total - unique).cast("int64")
    )


def validate(extract: Extract, kb: KnowledgeBase, today: date) -> Validated:
    """Accept or refuse every row; see :data:`b12check.screening.schema.REJECTION_REASONS`."""
    t = extract.tables
    vocab = kb.vocabulary
    sex_map = extract.mapping.sex_values

    # patients
    p = t["patients"]
    # (no strip(): ibis' PySpark translation of it also removes letters such as 'f' and 'n')
    sex = p.sex.lower() if not sex_map else p.sex.substitute(sex_map, else_=p.sex.lower())
    p = p.mutate(sex=sex, diet=p.diet.lower(), age=age_at(p.birth_date, today))
    conflicting = (
        p.distinct()
        .group_by("patient_id")
        .agg(n=ibis._.count())
        .filter(ibis._.n > 1)
        .select(conflict_id="patient_id")
    )
    p = p.left_join(conflicting, p.patient_id == conflicting.conflict_id)
    p_reason = ibis.cases(
        (p.patient_id.isnull() | (p.patient_id == ""), "missing_patient_id"),
        (p.conflict_id.notnull(), "duplicate_patient"),
        (p.sex.notnull() & ~p.sex.isin(SEXES), "unknown_sex"),
        (p.diet.notnull() & ~p.diet.isin(vocab.codes("diets")), "unknown_code"),
        (p.birth_date > today, "future_date"),
        (p.age < ADULT_FROM_AGE, "younger_than_adult"),
        (p.age > OLDEST_AGE, "implausible_value"),
        else_=ibis.null("string"),
    )
    p = p.mutate(reason=p_reason).drop("conflict_id")
    patients_ok = p.filter(p.reason.isnull()).drop("reason")
    # read once: every other table is checked against these ids (ibis inlines subqueries)
    patients = patients_ok.distinct().cache()
    known = patients.select(known_id="patient_id")

    # observations
    o = t["observations"]
    lookup = observation_codes(extract, kb)
    o = o.mutate(code_key=o.code.fill_null(_NULL_KEY), unit_key=o.unit.fill_null(_NULL_KEY))
    o = o.left_join(lookup, [o.code_key == lookup.code, o.unit_key == lookup.unit]).drop(
        "code_right", "unit_right", "code_key", "unit_key"
    )
    o = o.left_join(known, o.patient_id == known.known_id)
    canonical = o.value * o.factor
    o_reason = ibis.cases(
        (o.patient_id.isnull(), "missing_patient_id"),
        (o.known_id.isnull(), "unknown_patient"),
        (o.status.isnull(), "unknown_code"),  # code/unit pair absent from the lookup
        (o.status != "", o.status),
        (o.value.isnull(), "missing_value"),
        (o.date.isnull(), "missing_date"),
        (o.date > today, "future_date"),
        ((canonical < o.low) | (canonical > o.high), "implausible_value"),
        else_=ibis.null("string"),
    )
    o = o.mutate(reason=o_reason, canonical=canonical)
    obs_ok = o.filter(o.reason.isnull())
    observations = obs_ok.select(
        patient_id=obs_ok.patient_id,
        analyte=obs_ok.analyte,
        value=obs_ok.canonical,
        date=obs_ok.date,
    )

    # medications
    m = t["medications"]
    classes = medication_classes(extract, kb)
    valid = classes.group_by("atc").agg(valid=classes.valid.max())
    m = m.left_join(valid, m.atc == valid.atc).drop("atc_right")
    m = m.left_join(known, m.patient_id == known.known_id)
    m_reason = ibis.cases(
        (m.patient_id.isnull(), "missing_patient_id"),
        (m.known_id.isnull(), "unknown_patient"),
        (m.atc.isnull() | ~m.valid.fill_null(False), "unknown_code"),
        (m.start_date.isnull(), "missing_date"),
        ((m.start_date > today), "future_date"),
        else_=ibis.null("string"),
    )
    m = m.mutate(reason=m_reason)
    meds_ok = m.filter(m.reason.isnull())
    with_class = meds_ok.inner_join(
        classes.filter(classes.drug_class != ""), meds_ok.atc == classes.atc
    )
    medications = with_class.select("patient_id", "drug_class", "start_date", "end_date")

    # conditions
    c = t["conditions"]
    ccodes = condition_codes(extract, kb)
    c = c.left_join(ccodes, c.code == ccodes.code).drop("code_right")
    c = c.left_join(known, c.patient_id == known.known_id)
    c_reason = ibis.cases(
        (c.patient_id.isnull(), "missing_patient_id"),
        (c.known_id.isnull(), "unknown_patient"),
        (c.kind.isnull() | (c.kind == ""), "unknown_code"),
        (c.date.isnull(), "missing_date"),
        (c.date > today, "future_date"),
        else_=ibis.null("string"),
    )
    c = c.mutate(reason=c_reason)
    cond_ok = c.filter(c.reason.isnull())
    conditions = cond_ok.select(
        patient_id=cond_ok.patient_id, code=cond_ok.vcode, kind=cond_ok.kind, date=cond_ok.date
    )

    raw = {
        "observations": t["observations"],
        "medications": t["medications"],
        "conditions": t["conditions"],
    }
    rejected = ibis.union(
        _reject_counts("patients", p),
        _duplicates("patients", patients_ok),
        _reject_counts("observations", o),
        _duplicates("observations", obs_ok.select(*raw["observations"].columns)),
        _reject_counts("medications", m),
        _duplicates("medications", meds_ok.select(*raw["medications"].columns)),
        _reject_counts("conditions", c),
        _duplicates("conditions", cond_ok.select(*raw["conditions"].columns)),
    )
    return Validated(patients, observations, medications, conditions, rejected)
