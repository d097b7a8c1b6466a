"""Rules P1-P5: one plan code. P1 (re-evaluate after adequate treatment without effect) is
decided before triage, because triage counts a re-evaluation (T3)."""

from __future__ import annotations

from b12check.core.codes import (
    B12Status,
    Plan,
    RiskFactor,
    TreatmentResponse,
    TriageLevel,
)
from b12check.core.context import Context

_NEEDS_INJECTIONS: tuple[RiskFactor, ...] = (
    "pernicious_anaemia",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
)


def needs_reevaluation(ctx: Context, response: TreatmentResponse | None) -> bool:
    """Rule P1: adequate B12 treatment for long enough, and no clear improvement."""
    treatment = ctx.case.intake.treatment
    if treatment is None or response not in {"unchanged", "worse"}:
        return False
    weeks = (ctx.case.today - treatment.started).days / 7
    enough_time = weeks >= ctx.params.number("plan.reevaluate_after_weeks")
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
            ("plan.reevaluate_after_weeks", "plan.adequate_oral_ug_per_day"),
        )
    return enough_time and adequate


def decide_plan(
    ctx: Context,
    status: B12Status,
    triage: TriageLevel,
    risk_factors: list[RiskFactor],
    reevaluate: bool,
) -> Plan:
    """Apply P1 to P5 in order."""
    if reevaluate:
        return "reevaluate"
    treatment = ctx.case.intake.treatment
    if treatment is not None:
        plan: Plan = "intramuscular" if treatment.route == "intramuscular" else "oral_high_dose"
        ctx.fire("P1", f"plan={plan}", [f"treatment.route:{treatment.route}", "treatment:ongoing"])
        return plan
    if status in {"deficient", "probable"}:
        reasons: list[str] = [r for r in risk_factors if r in _NEEDS_INJECTIONS]
        if "nitrous_oxide" in risk_factors and ctx.neuro:
            reasons.append("nitrous_oxide")
        if ctx.severe_neuro:
            reasons += sorted(ctx.severe_neuro)
        plan = "intramuscular" if reasons else "oral_high_dose"
        ctx.fire("P2", f"plan={plan}", [f"b12.status:{status}", *reasons])
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
