"""The whole reasoning, in the order the rules depend on each other:
labs -> risk -> status and suspicion -> response (F3) -> P1 -> triage -> plan -> tests ->
warnings -> differentials -> follow-up -> explanation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from b12check import __version__
from b12check.core.case import Case, Note, build_case
from b12check.core.cautions import decide_warnings
from b12check.core.context import Context
from b12check.core.differentials import decide_differentials, next_steps
from b12check.core.egfr import estimated_egfr, parameters_used
from b12check.core.followup import decide_follow_up, diary_response
from b12check.core.intake import Intake
from b12check.core.knowledge import Knowledge, UnknownProfileError
from b12check.core.labs import Reading, latest, read_lab
from b12check.core.model import Assessment, MedicineSeen
from b12check.core.orders import decide_tests
from b12check.core.plan import decide_plan, needs_reevaluation
from b12check.core.risk import find_risk_factors
from b12check.core.status import decide_status, decide_suspicion
from b12check.core.triage import decide_triage

__all__ = ["UnknownProfileError", "assess_intake"]


def assess_intake(intake: Intake, knowledge: Knowledge, profile: str, today: date) -> Assessment:
    """Assess one shape-valid intake. ``today`` is used unless the intake fixes its own date."""
    knowledge.check_profile(profile)
    case = build_case(intake, knowledge, today)
    params = knowledge.params(profile, case.today)
    readings = [read_lab(lab, case, params) for lab in case.labs]
    estimate = estimated_egfr(latest(readings), case, knowledge, params)
    if estimate is not None:
        readings.append(replace(read_lab(estimate, case, params), note="egfr_estimated"))
    ctx = Context(case, knowledge, params, readings, latest(readings))
    _trace_labs(ctx, readings)
    risks = find_risk_factors(ctx)
    status = decide_status(ctx)
    suspicion = decide_suspicion(ctx, risks)
    response, diary_finding = diary_response(ctx)
    reevaluate = needs_reevaluation(ctx, response)
    triage = decide_triage(ctx, risks, status.code, response, reevaluate)
    plan = decide_plan(ctx, status.code, triage.level, risks, reevaluate, response)
    tests, normal_b12_warning, test_while_taking = decide_tests(
        ctx, status.code, suspicion, triage.level, risks
    )
    warnings = decide_warnings(
        ctx, status, suspicion, plan, tests, normal_b12_warning, test_while_taking
    )
    differentials = decide_differentials(ctx)
    steps = next_steps(ctx, differentials)
    follow_up = decide_follow_up(ctx, plan)
    return Assessment(
        version=__version__,
        profile=profile,
        today=case.today,
        triage_level=triage.level,
        triage_reasons=triage.reasons,
        status=status.code,
        suspicion=suspicion,
        risk_factors=tuple(risks),
        labs=tuple(readings),
        differentials=tuple(differentials),
        next_steps=tuple(steps),
        tests=tuple(tests),
        plan=plan,
        warnings=tuple(warnings),
        follow_up=follow_up,
        treatment_response=response,
        diary_finding=diary_finding,
        medicines=_medicines(case),
        notes=tuple(case.notes) + _reading_notes(readings),
        firings=tuple(ctx.firings),
        knowledge=knowledge,
        params=params,
    )


def _trace_labs(ctx: Context, readings: list[Reading]) -> None:
    for r in readings:
        lab = r.lab
        if lab.estimated and "creatinine" in ctx.latest:
            creatinine = ctx.latest["creatinine"].lab
            ctx.fire(
                "L3",
                f"labs.egfr={lab.original_value} {lab.canonical_unit} (estimated)",
                [
                    f"lab:creatinine={creatinine.value:.4g} {creatinine.canonical_unit}",
                    f"age:{ctx.case.age:g}",
                    f"sex:{ctx.case.sex}",
                ],
                parameters_used(ctx.case.sex == "female"),
            )
        elif lab.unit is not None and (lab.unit.factor != 1 or lab.unit.name != lab.canonical_unit):
            ctx.fire(
                "L2",
                f"labs[{lab.index}].value={lab.value:g} {lab.canonical_unit}",
                [f"lab:{lab.analyte}={lab.original_value} {lab.original_unit}"],
            )
        if r.interpretation is None:
            continue
        rule = "L1" if r.basis == "lab" else "L"
        ctx.fire(
            rule,
            f"labs.{lab.analyte}={r.interpretation}",
            [f"lab:{lab.analyte}={lab.original_value} {lab.original_unit or ''}".strip()],
            r.parameters,
        )
    for note in ctx.case.notes:
        if note.code == "unit_assumed":
            ctx.fire("L2", f"{note.path}={dict(note.values)['unit']}", ["unit:not given"])


def _reading_notes(readings: list[Reading]) -> tuple[Note, ...]:
    return tuple(
        Note(r.note, f"labs[{r.lab.index}]", (("analyte", r.lab.analyte),))
        for r in readings
        if r.note is not None
    )


def _medicines(case: Case) -> tuple[MedicineSeen, ...]:
    return tuple(
        MedicineSeen(m.name, m.recognised, tuple(sorted(m.classes))) for m in case.medicines
    )
