"""Rules T1-T4: how urgently to see a doctor. The most urgent rule that fires wins; red flags are
hard rules that nothing else can lower (v2: also chest pain, fainting, vision loss, nitrous oxide
with nerve symptoms or weakness, and a critical Hb)."""

from __future__ import annotations

from dataclasses import dataclass

from b12check.core.anaemia import hb_below, iron_deficiency_needs_cause
from b12check.core.codes import (
    ABNORMAL_STATUSES,
    TREATABLE,
    B12Status,
    RiskFactor,
    Symptom,
    TreatmentResponse,
    TriageLevel,
    TriageReason,
)
from b12check.core.context import Context
from b12check.core.risk import has_risk

_URGENT_RISKS: tuple[RiskFactor, ...] = (
    "pregnancy",
    "pernicious_anaemia",
    "autoimmune_disease",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
    "metformin_long_term",
    "ppi_long_term",
    "h2ra_long_term",
    "vegan_without_supplement",
    "nitrous_oxide",
)
_WEAKNESS: frozenset[Symptom] = frozenset({"muscle_weakness"})
_TEST_WORTHY_RISKS: tuple[RiskFactor, ...] = (
    "metformin_long_term",
    "ppi_long_term",
    "h2ra_long_term",
    "pernicious_anaemia",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
)


@dataclass(frozen=True, slots=True)
class Triage:
    """The triage level and the reason codes behind it."""

    level: TriageLevel
    reasons: tuple[TriageReason, ...]


def nerve_symptoms(ctx: Context) -> frozenset[Symptom]:
    """The present neuro symptoms and muscle weakness: what nitrous oxide makes urgent (T1, P2b)."""
    return ctx.neuro | (ctx.present & _WEAKNESS)


def decide_triage(
    ctx: Context,
    risk_factors: list[RiskFactor],
    status: B12Status,
    response: TreatmentResponse | None,
    reevaluate: bool,
) -> Triage:
    """Apply T1 to T4 in order of urgency."""
    kb = ctx.knowledge
    red = ctx.present & kb.group("red_flag")
    rapid = frozenset(
        s
        for s in ctx.present & kb.group("red_flag_if_rapidly_worsening")
        if ctx.case.symptoms[s].progression == "rapidly_worsening"
    )
    nitrous_nerves = nerve_symptoms(ctx) if ctx.exposed_to("nitrous_oxide") else frozenset()
    critical_hb = hb_below(ctx, "triage.critical_hb")
    if red or rapid or nitrous_nerves or critical_hb:
        reasons: list[TriageReason] = []
        red_because = ctx.symptoms_in(red | rapid)
        params: tuple[str, ...] = ()
        if red:
            reasons += ["red_flag_symptom", *sorted(red)]
        if rapid:
            reasons += ["rapidly_worsening", *sorted(rapid)]
        if nitrous_nerves:
            reasons += ["nitrous_oxide_with_neuro", "nitrous_oxide"]
            red_because += ["exposure:nitrous_oxide", *ctx.symptoms_in(nitrous_nerves)]
        if critical_hb:
            reasons.append("critical_hb")
            red_because.append(critical_hb)
            params = ("triage.critical_hb",)
        ctx.fire("T1", "triage.level=immediate", list(dict.fromkeys(red_because)), params)
        return Triage("immediate", tuple(dict.fromkeys(reasons)))
    urgent = _urgent(ctx, risk_factors, status, response)
    if urgent:
        reasons, urgent_because, params = urgent
        ctx.fire("T2", "triage.level=urgent", urgent_because, params)
        return Triage("urgent", tuple(dict.fromkeys(reasons)))
    routine_reasons: list[TriageReason] = []
    because: list[str] = []
    if ctx.present:
        routine_reasons.append("symptoms")
        because += ctx.symptoms_in(ctx.present)
    if status in ABNORMAL_STATUSES:
        routine_reasons.append("b12_result_abnormal")
        because.append(f"b12.status:{status}")
    worthy = [r for r in risk_factors if r in _TEST_WORTHY_RISKS]
    if worthy:
        routine_reasons += ["risk_needs_test", *worthy]
        because += [f"risk_factor:{r}" for r in worthy]
    if reevaluate:
        routine_reasons.append("reevaluation")
        because.append("plan:reevaluate")
    if routine_reasons:
        ctx.fire("T3", "triage.level=routine", because)
        return Triage("routine", tuple(dict.fromkeys(routine_reasons)))
    ctx.fire("T4", "triage.level=self_care", ["no symptom, abnormal result or testable risk"])
    return Triage("self_care", ("nothing_urgent",))


def _urgent(
    ctx: Context,
    risk_factors: list[RiskFactor],
    status: B12Status,
    response: TreatmentResponse | None,
) -> tuple[list[TriageReason], list[str], tuple[str, ...]] | None:
    reasons: list[TriageReason] = []
    because: list[str] = []
    params: tuple[str, ...] = ()
    if ctx.present:
        groups = [r for r in risk_factors if r in _URGENT_RISKS]
        if has_risk(risk_factors, "age_over_65") and ctx.has("fatigue") and ctx.neuro:
            groups.append("age_over_65")
        if groups:
            reasons += ["symptoms_with_risk_group", *groups]
            because += ctx.symptoms_in(ctx.present) + [f"risk_factor:{g}" for g in groups]
    if status in TREATABLE and ctx.neuro:
        reasons.append("deficiency_with_neuro_symptoms")
        because += [f"b12.status:{status}", *ctx.symptoms_in(ctx.neuro)]
    if response == "worse":
        reasons.append("treatment_worsening")
        because.append("treatment.response:worse")
    severe_hb = hb_below(ctx, "triage.severe_anaemia_hb")
    if severe_hb:
        reasons.append("severe_anaemia_hb")
        because.append(severe_hb)
        params += ("triage.severe_anaemia_hb",)
    iron = iron_deficiency_needs_cause(ctx)
    if iron:
        reasons.append("iron_deficiency_anaemia_needs_cause")
        because += iron
        params += ("triage.iron_cause_age",)
    ck = ctx.latest.get("ck")
    if ck is not None and ck.lab.value is not None and ck.high is not None:
        multiple = ctx.params.number("triage.ck_uln_multiple")
        if ck.lab.value > multiple * ck.high:
            reasons.append("ck_very_high")
            because.append(f"lab:ck={ck.lab.value:g} U/L > {multiple:g} x {ck.high:g}")
            params += ("triage.ck_uln_multiple",)
    return (reasons, because, params) if reasons else None
