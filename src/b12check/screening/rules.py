"""Case-finding rules C1-C6 as one set-based ibis expression over all patients.

Every number comes from the knowledge base for the chosen profile and date (lab limits, risk
limits, the follow-up window, the screening parameters); symptom groups and risk lists are the
core's own. The per-person core stays the reference: ``tests/screening/test_parity.py`` checks,
patient by patient, that these flags equal what the core concludes (see ``docs/screening.md``
for which core conclusion each flag corresponds to).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from b12check.core.codes import RISK_FACTORS, RiskFactor
from b12check.core.knowledge import ParameterSet
from b12check.core.risk import conditions_giving
from b12check.core.status import STRONG_RISK_FACTORS
from b12check.knowledge_base import KnowledgeBase
from b12check.screening.results import result_aggregates
from b12check.screening.schema import ADULT_FROM_AGE
from b12check.screening.validate import Validated, age_at

REASONS = (
    "untested_risk_with_complaints",
    "grey_zone_without_followup",
    "deficient_without_treatment",
    "treatment_without_recheck",
    "metformin_monitoring_overdue",
    "pernicious_anaemia_without_treatment",
)
RULE_OF = dict(zip(REASONS, ("C1", "C2", "C3", "C4", "C5", "C6"), strict=True))
# The core's own lists (R5-R8, B6): every condition that is by itself a risk factor, and those
# whose risk factor is irreversible or toxic (no exposures table: nitrous oxide is never seen)
_RISK_CONDITIONS = tuple(sorted(conditions_giving(RISK_FACTORS)))
_STRONG_CONDITIONS = tuple(sorted(conditions_giving(STRONG_RISK_FACTORS)))
# R5: the coded conditions that make pernicious anaemia a risk factor (positive intrinsic-factor
# antibodies also do, but qualitative results are not read by the screen)
_PERNICIOUS: tuple[RiskFactor, ...] = ("pernicious_anaemia",)
_PERNICIOUS_CONDITIONS = tuple(sorted(conditions_giving(_PERNICIOUS)))
METFORMIN_BANDS = ("none", "under_1_year", "1_to_4_years", "4_years_or_more")


def minus_months(day: date, months: int) -> date:
    """The calendar date ``months`` before ``day`` (clipped to the month's end); a start on or
    before it is exactly the core's 'at least that many months' (``core.case.months_between``)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Settings:
    """What one screening run needs besides the data."""

    profile: str
    as_of: date
    monitoring: bool = False


def _whole(params: ParameterSet, name: str) -> int:
    value = params.number(name)
    if value != int(value):
        raise ValueError(f"parameter {name} must be a whole number for screening, got {value}")
    return int(value)


def flag_table(v: Validated, kb: KnowledgeBase, settings: Settings) -> ir.Table:
    """One row per screened patient: the flags C1-C6, the B12 status the screen derived, the
    latest B12 (canonical unit) and the metformin duration band (for the HTML charts)."""
    today = settings.as_of
    params = kb.core.params(settings.profile, today)
    num = params.number
    groups = kb.core.symptom_groups

    # Rows dated after the screening date do not exist yet (validation refused rows after the
    # extract's date; an earlier as-of date, for flags over time, filters further).
    patients = v.patients.filter(v.patients.birth_date.isnull() | (v.patients.birth_date <= today))
    patients = patients.mutate(age=age_at(patients.birth_date, today))
    patients = patients.filter(patients.age.isnull() | (patients.age >= ADULT_FROM_AGE))
    meds = v.medications.filter(v.medications.start_date <= today)
    conds = v.conditions.filter(v.conditions.date <= today)

    # per patient the latest results: computed by validation on its date, else again here
    if today >= v.as_of:
        o = v.results.rename(o_id="patient_id")
    else:
        obs = v.observations.filter(v.observations.date <= today)
        o = obs.group_by(o_id=obs.patient_id).agg(**result_aggregates(obs))

    active = meds.filter(meds.end_date.isnull() | (meds.end_date >= today))

    def first_start(cls: str) -> ir.DateScalar:
        return active.start_date.min(where=active.drug_class == cls)

    m = active.group_by(m_id=active.patient_id).agg(
        metformin_start=first_start("metformin"),
        ppi_start=first_start("ppi"),
        h2ra_start=first_start("h2ra"),
        b12_start=first_start("b12_supplement"),
    )

    lookback = minus_months(today, _whole(params, "screening.complaint_lookback_months"))
    recent = conds.date >= lookback
    symptom = (conds.kind == "symptom") & recent

    def has(codes: tuple[str, ...] | frozenset[str], where: ir.BooleanColumn) -> ir.BooleanScalar:
        return (where & conds.code.isin(tuple(sorted(codes)))).any()

    is_condition = conds.kind == "condition"
    c = conds.group_by(c_id=conds.patient_id).agg(
        any_symptom=symptom.any(),
        neuro=has(groups["neuro"], symptom),
        muscle=has(groups["muscle"], symptom),
        anaemia_symptom=has(groups["anaemia"], symptom),
        glossitis=has(("glossitis",), symptom),
        coded_sign=((conds.kind == "sign") & recent).any(),
        strong=has(_STRONG_CONDITIONS, is_condition),
        condition_risk=has(_RISK_CONDITIONS, is_condition),
        pernicious=has(_PERNICIOUS_CONDITIONS, is_condition),
    )

    j = patients.left_join(o, patients.patient_id == o.o_id)
    j = j.left_join(m, j.patient_id == m.m_id)
    j = j.left_join(c, j.patient_id == c.c_id)

    def flag(col: ir.BooleanValue) -> ir.BooleanValue:
        return col.fill_null(False)

    long_cutoff = minus_months(today, _whole(params, "risk.long_term_months"))
    taking_b12 = j.b12_start.notnull()
    drug_risk = j.metformin_start.notnull() | j.ppi_start.notnull() | j.h2ra_start.notnull()
    nondrug_risk = (
        flag(j.age > num("risk.age_over"))
        | (j.diet.isin(("vegan", "vegetarian")).fill_null(False) & ~taking_b12)
        | flag(j.condition_risk)
    )
    has_risk = drug_risk | nondrug_risk
    neuro = flag(j.neuro)
    # B6 with a risk factor present: suspicion at least moderate
    suspicion = (
        neuro
        | flag(j.muscle)
        | flag(j.anaemia_symptom)
        | flag(j.glossitis)
        | (flag(j.strong) & flag(j.any_symptom))
    )
    hb_limit = ibis.cases(
        (j.sex.isin(("female", "other")), num("labs.hb.low_below_female")),
        else_=num("labs.hb.low_below_male"),  # unknown sex: the stricter limit, as the core
    )
    sign = flag(j.coded_sign) | flag(j.hb < hb_limit) | flag(j.mcv > num("labs.mcv.high_above"))
    specific_only = ibis.literal(num("screening.drug_risk_needs_specific_sign") == 1)
    complaint = ibis.ifelse(specific_only & ~nondrug_risk, neuro | sign, suspicion | sign)
    tested = flag(j.tested)
    c1 = ~tested & has_risk & complaint

    has_b12, has_mma = j.b12.notnull(), j.mma.notnull()
    mma_high = flag(j.mma > num("labs.mma.high_above"))
    mma_normal = flag(j.mma < num("labs.mma.normal_below"))
    b12_low = flag(j.b12 < num("labs.b12.low_below"))
    b12_grey = flag(j.b12 < num("labs.b12.normal_from")) & ~b12_low
    distorted = taking_b12 & flag(j.b12_date >= j.b12_start)
    status = ibis.cases(
        (~tested, "not_tested"),
        (mma_high, "deficient"),  # B2 (deficient or probable)
        (b12_low & mma_normal, "indeterminate"),  # B3
        (b12_low, "deficient"),
        (b12_grey & mma_normal, "unlikely"),  # B4
        (b12_grey, "indeterminate"),
        (has_b12 & ~has_mma & distorted, "indeterminate"),  # B5
        (has_b12 & ~has_mma, "unlikely"),
        (mma_normal, "unlikely"),
        else_="indeterminate",  # B5b
    )
    c2 = (status == "indeterminate") & ~has_mma
    c3 = (status == "deficient") & ~taking_b12
    _, reassess_high = params.range("followup.reassess_weeks")
    recheck_due = today - timedelta(weeks=reassess_high)
    c4 = (
        taking_b12
        & flag(j.b12_start <= recheck_due)
        & (j.last_check.isnull() | flag(j.last_check < j.b12_start))
    )
    monitor_from = minus_months(today, _whole(params, "screening.metformin_monitoring_months"))
    c5 = (
        ibis.literal(settings.monitoring)
        & flag(j.metformin_start <= long_cutoff)
        & (j.last_b12.isnull() | flag(j.last_b12 < monitor_from))
    )
    # P2b (v2): known pernicious anaemia with any complaint is treated with injections whatever
    # the B12 status (the assay can read falsely normal; treatment is lifelong), unless both MMA
    # and homocysteine were measured normal
    functional_normal = mma_normal & flag(j.homocysteine <= num("labs.homocysteine.high_above"))
    c6 = flag(j.pernicious) & flag(j.any_symptom) & ~taking_b12 & ~functional_normal
    band = ibis.cases(
        (j.metformin_start.isnull(), "none"),
        (j.metformin_start > long_cutoff, "under_1_year"),
        (j.metformin_start > minus_months(today, 48), "1_to_4_years"),
        else_="4_years_or_more",
    )
    return j.select(
        patient_id=j.patient_id,
        untested_risk_with_complaints=c1,
        grey_zone_without_followup=c2,
        deficient_without_treatment=c3,
        treatment_without_recheck=c4,
        metformin_monitoring_overdue=c5,
        pernicious_anaemia_without_treatment=c6,
        status=status,
        b12=j.b12,
        metformin_band=band,
    )


def summary(flags: ir.Table) -> ir.Table:
    """One row: how many patients were screened and how many carry each flag."""
    return flags.aggregate(
        patients=flags.count(),
        **{r: flags[r].cast("int64").sum() for r in REASONS},
    )


def patient_list(flags: ir.Table) -> ir.Table:
    """Flagged patients only (their id and flags), ordered by id."""
    any_flag = flags[REASONS[0]]
    for r in REASONS[1:]:
        any_flag = any_flag | flags[r]
    return flags.filter(any_flag).select("patient_id", *REASONS).order_by("patient_id")
