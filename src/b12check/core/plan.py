"""Rules P1-P5 (with P1b and P2b): one plan code. P1 (re-evaluate after adequate treatment
without effect) is decided before triage, because triage counts a re-evaluation (T3)."""

from __future__ import annotations

from b12check.core.anaemia import hb_below
from b12check.core.codes import (
    TREATABLE,
    B12Status,
    Plan,
    RiskFactor,
    TreatmentResponse,
    TriageLevel,
)
from b12check.core.context import Context
from b12check.core.risk import has_risk
from b12check.core.triage import nerve_symptoms

_NO_HELP: frozenset[TreatmentResponse] = frozenset({"unchanged", "worse"})
_NEEDS_INJECTIONS: tuple[RiskFactor, ...] = (
    "pernicious_anaemia",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
)


def _weeks_treated(ctx: Context) -> float | None:
    treatment = ctx.case.intake.treatment
    if treatment is None:
        return None
    return (ctx.case.today - treatment.started).days / 7


def _window_start(ctx: Context) -> float:
    """P1's window (v2): the lower bound of the profile's reassessment window (nice: 12 weeks)."""
    return ctx.params.range("followup.reassess_weeks")[0]


def needs_reevaluation(ctx: Context, response: TreatmentResponse | None) -> bool:
    """Rule P1: adequate B12 treatment for long enough, and no clear improvement."""
    treatment = ctx.case.intake.treatment
    weeks = _weeks_treated(ctx)
    if treatment is None or weeks is None or response not in _NO_HELP:
        return False
    enough_time = weeks >= _window_start(ctx)
    adequate = treatment.route == "intramuscular" or (
        treatment.dose_ug_per_day is not None
        and treatment.dose_ug_per_day >= ctx.params.number("plan.adequate_oral_ug_per_day")
    )
    if enough_time and adequate:
        ctx.fire(
            "P1",
            "plan=reevaluate",
            [
                f"treatment.route:{treatment.route}",
                f"treatment.weeks:{weeks:.1f}",
                f"treatment.response:{response}",
            ],
            ("followup.reassess_weeks", "plan.adequate_oral_ug_per_day"),
        )
    return enough_time and adequate


def decide_plan(
    ctx: Context,
    status: B12Status,
    triage: TriageLevel,
    risk_factors: list[RiskFactor],
    reevaluate: bool,
    response: TreatmentResponse | None,
) -> Plan:
    """Apply P1, P1b, P2b, then P2 to P5, in that order."""
    if reevaluate:
        return "reevaluate"
    treatment = ctx.case.intake.treatment
    weeks = _weeks_treated(ctx)
    if (
        treatment is not None
        and treatment.route == "oral"
        and response == "worse"
        and weeks is not None
        and weeks < _window_start(ctx)
    ):
        ctx.fire(
            "P1b",
            "plan=intramuscular",
            ["treatment.route:oral", "treatment.response:worse", f"treatment.weeks:{weeks:.1f}"],
            ("followup.reassess_weeks",),
        )
        return "intramuscular"
    whatever_status = _treat_whatever_status(ctx, risk_factors)
    if whatever_status:
        ctx.fire("P2b", "plan=intramuscular", whatever_status)
        return "intramuscular"
    if treatment is not None:
        plan: Plan = "intramuscular" if treatment.route == "intramuscular" else "oral_high_dose"
        ctx.fire("P1", f"plan={plan}", [f"treatment.route:{treatment.route}", "treatment:ongoing"])
        return plan
    if status in TREATABLE:
        reasons: list[str] = [f"risk_factor:{r}" for r in risk_factors if r in _NEEDS_INJECTIONS]
        if has_risk(risk_factors, "nitrous_oxide") and ctx.neuro:
            reasons.append("risk_factor:nitrous_oxide")
        reasons += ctx.symptoms_in(ctx.severe_neuro)
        severe_hb = hb_below(ctx, "triage.severe_anaemia_hb")
        params: tuple[str, ...] = ()
        if severe_hb:
            reasons.append(severe_hb)
            params = ("triage.severe_anaemia_hb",)
        plan = "intramuscular" if reasons else "oral_high_dose"
        ctx.fire("P2", f"plan={plan}", [f"b12.status:{status}", *reasons], params)
        return plan
    if status == "indeterminate":
        plan = "intramuscular" if ctx.severe_neuro else "test_first"
        ctx.fire(
            "P3", f"plan={plan}", ["b12.status:indeterminate", *ctx.symptoms_in(ctx.severe_neuro)]
        )
        return plan
    if status == "not_tested" and triage != "self_care":
        ctx.fire("P4", "plan=test_first", ["b12.status:not_tested", f"triage:{triage}"])
        return "test_first"
    diet_risk = [r for r in risk_factors if r.endswith("_without_supplement")]
    plan = "oral_maintenance" if diet_risk else "none"
    ctx.fire(
        "P5", f"plan={plan}", [f"b12.status:{status}", *(f"risk_factor:{r}" for r in diet_risk)]
    )
    return plan


def _treat_whatever_status(ctx: Context, risk_factors: list[RiskFactor]) -> list[str]:
    """P2b (v2): injections whatever the B12 status (after blood is drawn) for nitrous oxide with
    a nerve symptom or weakness, and for known pernicious anaemia with any symptom; unless both
    MMA and homocysteine were measured and normal. Returns the findings, or [] when it does not
    apply."""
    if ctx.interp("mma") == "normal" and ctx.interp("homocysteine") == "normal":
        return []
    because: list[str] = []
    if ctx.exposed_to("nitrous_oxide"):
        nerves = nerve_symptoms(ctx)
        if nerves:
            because += ["exposure:nitrous_oxide", *ctx.symptoms_in(nerves)]
    if has_risk(risk_factors, "pernicious_anaemia") and ctx.present:
        because += ["risk_factor:pernicious_anaemia", *ctx.symptoms_in(ctx.present)]
    return list(dict.fromkeys(because))
