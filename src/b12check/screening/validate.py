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
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from b12check.core.units import find_unit
from b12check.knowledge_base import KnowledgeBase
from b12check.medicines import is_valid_atc
from b12check.screening.extract import Extract
from b12check.screening.results import RESULT_COLUMNS, result_aggregates
from b12check.screening.schema import ADULT_FROM_AGE, OLDEST_AGE, SEXES

_NULL_KEY = ""


@dataclass
class Validated:
    """Accepted rows (typed, codes translated, labs in canonical units) and the refusals.

    The tables besides ``patients`` may also hold rows of patient ids that are not among
    ``patients`` (counted in ``rejected`` as unknown_patient): the rules join them onto
    the patients, where such rows drop out, and checking them earlier would cost a join over
    every row."""

    as_of: date  # rows dated after it were refused
    patients: ir.Table  # patient_id, birth_date, sex, diet, age
    observations: ir.Table  # patient_id, analyte, value (canonical unit), date
    results: ir.Table  # one row per patient id: patient_id, results.RESULT_COLUMNS
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


def _counts(table: str, totals: ir.Table, reasons: tuple[str, ...]) -> ir.Table:
    """The one-row table ``totals`` (a column per reason) as rows of (table, reason, rows)."""
    return ibis.union(
        *(
            totals.select(
                table=ibis.literal(table),
                reason=ibis.literal(reason),
                rows=totals[reason].fill_null(0).cast("int64"),
            )
            for reason in reasons
        )
    )


def _patients(p: ir.Table, vocab_diets: tuple[str, ...], today: date) -> ir.Table:
    """One row per patient id: its details, how many rows it had and why it is refused (null
    when accepted). Rows of one id must agree on every detail; identical rows are read once."""

    def constant(column: ir.Column) -> ir.BooleanScalar:
        filled = column.count()
        return (filled == 0) | ((filled == p.count()) & (column.min() == column.max()))

    g = p.group_by("patient_id").agg(
        rows=p.count(),
        consistent=constant(p.birth_date) & constant(p.sex) & constant(p.diet),
        birth_date=p.birth_date.min(),  # every row has the same details when consistent
        sex=p.sex.min(),
        diet=p.diet.min(),
    )
    g = g.mutate(age=age_at(g.birth_date, today))
    reason = ibis.cases(
        (g.patient_id.isnull() | (g.patient_id == ""), "missing_patient_id"),
        (~g.consistent, "duplicate_patient"),
        (g.sex.notnull() & ~g.sex.isin(SEXES), "unknown_sex"),
        (g.diet.notnull() & ~g.diet.isin(vocab_diets), "unknown_code"),
        (g.birth_date > today, "future_date"),
        (g.age < ADULT_FROM_AGE, "younger_than_adult"),
        (g.age > OLDEST_AGE, "implausible_value"),
        else_=ibis.null("string"),
    )
    return g.mutate(reason=reason).drop("consistent")


def _observation_rows(raw: ir.Table, lookup: ir.Table, today: date) -> ir.Table:
    """The raw result rows with analyte, value in the canonical unit and the first reason to
    refuse the row by itself (whether its patient is known is checked per patient)."""
    o = raw.mutate(code_key=raw.code.fill_null(_NULL_KEY), unit_key=raw.unit.fill_null(_NULL_KEY))
    o = o.left_join(lookup, [o.code_key == lookup.code, o.unit_key == lookup.unit])
    canonical = o.value * o.factor
    reason = ibis.cases(
        (o.patient_id.isnull(), "missing_patient_id"),
        (o.status.isnull(), "unknown_code"),  # code/unit pair absent from the lookup
        (o.status != "", o.status),
        (o.value.isnull(), "missing_value"),
        (o.date.isnull(), "missing_date"),
        (o.date > today, "future_date"),
        ((canonical < o.low) | (canonical > o.high), "implausible_value"),
        else_=ibis.null("string"),
    )
    return o.select(*raw.columns, analyte=o.analyte, canonical=canonical, reason=reason)


@ibis.udf.scalar.builtin(  # type: ignore[untyped-decorator]
    name="hash", signature=((dt.string, dt.float64, dt.string, dt.date), dt.int64)
)
def _hash(code: ir.Value, value: ir.Value, unit: ir.Value, day: ir.Value) -> ir.IntegerValue:
    """The engines' own row hash (DuckDB and Spark both take several columns): ibis' ``hash()``
    takes one value, so a row becomes a struct and DuckDB's result goes through a bit string."""


def _repeat_key(rows: ir.Table) -> ir.Value:
    """Equal for equal rows of one patient and seldom equal otherwise: the duplicate check
    compares these within each patient first, then compares whole rows only for patients where
    two keys are equal (so a collision costs time, never a miscount)."""
    row = _hash(rows.code, rows.value, rows.unit, rows.date)
    return (row % 2147483647).cast("int32")  # half the memory of the engines' hash


@ibis.udf.scalar.builtin(  # type: ignore[untyped-decorator]
    name="array_distinct", signature=((dt.Array(dt.int32),), dt.Array(dt.int32))
)
def _array_distinct(values: ir.ArrayValue) -> ir.ArrayValue:
    """The engines' own ``array_distinct`` (DuckDB and Spark both have it): ibis' ``unique()``
    wraps it in a lambda that DuckDB 2 refuses and that costs a second pass over each list."""


def _observation_summary(rows: ir.Table) -> ir.Table:
    """One row per patient id of the results, in one pass over them: how many rows, the reasons
    of the refused ones (a list: refusals are rare), a duplicate hint (accepted rows minus
    distinct repeat keys) and the rules' result aggregates over the accepted rows."""
    ok = rows.reason.isnull()
    accepted = rows.count(where=ok)
    distinct_keys = _array_distinct(_repeat_key(rows).collect(where=ok)).length().fill_null(0)
    return rows.group_by("patient_id").agg(
        rows=rows.count(),
        refusals=rows.reason.collect(),
        repeats=accepted - distinct_keys,
        **result_aggregates(rows, ok, rows.canonical),
    )


def _cache(table: ir.Table) -> ir.Table:
    """``table.cache()`` after a query that returns no rows: executing registers the small
    lookup tables the expression joins on the engine, which ibis' PySpark cache does not."""
    table.limit(0).to_pyarrow()
    return table.cache()


def _observation_refusals(
    raw: ir.Table, lookup: ir.Table, summary: ir.Table, known: ir.Table, today: date
) -> ir.Table:
    """Refused result rows per reason, from the per-patient summary: every row of an unknown
    patient is refused as such, the others under their own first reason; exact duplicates are
    counted by comparing whole rows of the patients whose repeat keys repeat."""
    s = summary.left_join(known, summary.patient_id == known.known_id)
    has_id, is_known = s.patient_id.notnull(), s.known_id.notnull()
    totals = s.aggregate(
        missing_patient_id=s.rows.sum(where=~has_id),
        unknown_patient=s.rows.sum(where=has_id & ~is_known),
    )
    own = s.filter(is_known).select(reason=s.refusals.unnest())
    suspects = s.filter(is_known & (s.repeats > 0)).select("patient_id")
    rows = _observation_rows(raw.semi_join(suspects, "patient_id"), lookup, today)
    accepted = rows.filter(rows.reason.isnull()).select(*raw.columns)
    return ibis.union(
        _counts("observations", totals, ("missing_patient_id", "unknown_patient")),
        own.group_by("reason")
        .agg(rows=own.count())
        .select(table=ibis.literal("observations"), reason="reason", rows="rows"),
        _duplicates("observations", accepted),
    )


@dataclass
class _Checked:
    """Rows of a small table with the first reason to refuse each by itself (null when none;
    whether the patient is known comes first and is checked against the patients), and the
    rows without such a reason joined to their codes (for the rules)."""

    rows: ir.Table
    accepted: ir.Table

    def refusals(self, table: str, known: ir.Table, columns: list[str]) -> list[ir.Table]:
        r = self.rows.left_join(known, self.rows.patient_id == known.known_id)
        reason = ibis.cases(
            (r.patient_id.isnull(), "missing_patient_id"),
            (r.known_id.isnull(), "unknown_patient"),
            else_=r.reason,
        )
        r = r.mutate(reason=reason)
        return [
            _reject_counts(table, r),
            _duplicates(table, r.filter(r.reason.isnull()).select(*columns)),
        ]


def _medication_rows(raw: ir.Table, classes: ir.Table, today: date) -> _Checked:
    """Medication rows; an accepted row appears once per medicine class of its ATC code."""
    valid = classes.group_by("atc").agg(valid=classes.valid.max())
    m = raw.left_join(valid, raw.atc == valid.atc).drop("atc_right")
    reason = ibis.cases(
        (m.atc.isnull() | ~m.valid.fill_null(False), "unknown_code"),
        (m.start_date.isnull(), "missing_date"),
        (m.start_date > today, "future_date"),
        else_=ibis.null("string"),
    )
    m = m.mutate(reason=reason)
    ok = m.filter(m.reason.isnull() & m.patient_id.notnull())
    named = classes.filter(classes.drug_class != "")
    return _Checked(m, ok.inner_join(named, ok.atc == named.atc))


def _condition_rows(raw: ir.Table, codes: ir.Table, today: date) -> _Checked:
    """Diagnosis rows with their vocabulary code and kind."""
    c = raw.left_join(codes, raw.code == codes.code).drop("code_right")
    reason = ibis.cases(
        (c.kind.isnull() | (c.kind == ""), "unknown_code"),
        (c.date.isnull(), "missing_date"),
        (c.date > today, "future_date"),
        else_=ibis.null("string"),
    )
    c = c.mutate(reason=reason)
    return _Checked(c, c.filter(c.reason.isnull() & c.patient_id.notnull()))


def validate(extract: Extract, kb: KnowledgeBase, today: date) -> Validated:
    """Accept or refuse every row; see :data:`b12check.screening.schema.REJECTION_REASONS`.

    The patients and the per-patient summary of the results are computed here, once (cached on
    the engine); every other table is an expression over them and the extract."""
    t = extract.tables
    vocab = kb.vocabulary
    sex_map = extract.mapping.sex_values

    # patients
    p = t["patients"]
    # (no strip(): ibis' PySpark translation of it also removes letters such as 'f' and 'n')
    sex = p.sex.lower() if not sex_map else p.sex.substitute(sex_map, else_=p.sex.lower())
    p = p.select("patient_id", "birth_date", sex=sex, diet=p.diet.lower())
    checked = _patients(p, vocab.codes("diets"), today).cache()
    ok_patients = checked.filter(checked.reason.isnull())
    patients = ok_patients.select("patient_id", "birth_date", "sex", "diet", "age")
    known = patients.select(known_id="patient_id")

    # observations: one pass over all rows, per patient (the rules' aggregates included)
    lookup = observation_codes(extract, kb)
    obs_rows = _observation_rows(t["observations"], lookup, today)
    summary = _cache(_observation_summary(obs_rows))
    o = obs_rows.filter(obs_rows.reason.isnull())
    observations = o.select("patient_id", "analyte", value=o.canonical, date=o.date)
    results = summary.select("patient_id", *RESULT_COLUMNS)

    # medications and conditions: checked row by row
    m = _medication_rows(t["medications"], medication_classes(extract, kb), today)
    medications = m.accepted.select("patient_id", "drug_class", "start_date", "end_date")
    c = _condition_rows(t["conditions"], condition_codes(extract, kb), today)
    conditions = c.accepted.select(
        patient_id=c.accepted.patient_id, code="vcode", kind="kind", date="date"
    )

    refused_patients = checked.filter(checked.reason.notnull())
    rejected = ibis.union(
        refused_patients.group_by("reason")
        .agg(rows=refused_patients.rows.sum().cast("int64"))
        .select(table=ibis.literal("patients"), reason="reason", rows="rows"),
        ok_patients.aggregate(rows=(ok_patients.rows - 1).sum().fill_null(0).cast("int64")).select(
            table=ibis.literal("patients"), reason=ibis.literal("duplicate_row"), rows="rows"
        ),
        _observation_refusals(t["observations"], lookup, summary, known, today),
        *m.refusals("medications", known, t["medications"].columns),
        *c.refusals("conditions", known, t["conditions"].columns),
    )
    return Validated(today, patients, observations, results, medications, conditions, rejected)
