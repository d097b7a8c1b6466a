"""Rules F1-F3: when to reassess, what recovery to expect, and the response from a diary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from b12check.core.codes import Plan, TreatmentResponse
from b12check.core.context import Context
from b12check.core.response import ResponseFinding, ScoredDay, derive_response

_TREATING: tuple[Plan, ...] = ("oral_high_dose", "intramuscular")


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The reassessment window (weeks after starting treatment) and the next check date."""

    reassess_after_weeks: tuple[int, int] | None
    next_check: date | None
    expectations: tuple[str, ...]
    # F1's window as dates for a treatment under way, also once the plan has moved on (e.g. to
    # re-evaluation): the diary draws it. Not part of the contract's JSON.
    treatment_window: tuple[date, date] | None = None


def treatment_response(ctx: Context) -> TreatmentResponse | None:
    """The stated response, or the one derived from the diary (F3) when none is stated."""
    return diary_response(ctx)[0]


def diary_response(ctx: Context) -> tuple[TreatmentResponse | None, ResponseFinding | None]:
    """The response (stated, else F3 from the diary) and, when derived, F3's numbers, which the
    diary shows as they are (it does not derive them again)."""
    treatment = ctx.case.intake.treatment
    if treatment is None:
        return None, None
    if treatment.response is not None or not ctx.case.intake.diary:
        return treatment.response, None
    params = ctx.params
    finding = derive_response(
        (ScoredDay(e.date, e.severity) for e in ctx.case.intake.diary),
        treatment.started,
        improved_drop_fraction=params.number("followup.improved_drop_fraction"),
        worse_rise_fraction=params.number("followup.worse_rise_fraction"),
    )
    derived = finding.response
    if derived is not None:
        ctx.fire(
            "F3",
            f"treatment.response={derived}",
            [f"diary_entries:{len(ctx.case.intake.diary)}"],
            ("followup.improved_drop_fraction", "followup.worse_rise_fraction"),
        )
    return derived, finding


def reassess_parameter(ctx: Context) -> str:
    """F1: the parameter holding the reassessment window, in weeks after starting treatment."""
    if ctx.case.pregnant or ctx.case.breastfeeding:
        return "followup.reassess_weeks_pregnancy"  # v2: every profile, NICE's one month
    return "followup.reassess_weeks"


def treatment_window(ctx: Context) -> tuple[date, date] | None:
    """F1's window as dates for the treatment under way, if any."""
    treatment = ctx.case.intake.treatment
    if treatment is None:
        return None
    low, high = ctx.params.range(reassess_parameter(ctx))
    return treatment.started + timedelta(weeks=low), treatment.started + timedelta(weeks=high)


def decide_follow_up(ctx: Context, plan: Plan) -> FollowUp:
    """F1: reassess within the profile's window after starting; F2: what recovery to expect."""
    dates = treatment_window(ctx)
    if plan not in _TREATING:
        return FollowUp(None, None, (), dates)
    window = reassess_parameter(ctx)
    low, high = ctx.params.range(window)
    treatment = ctx.case.intake.treatment
    start = treatment.started if treatment is not None else ctx.case.today
    next_check = start + timedelta(weeks=low)
    if next_check < ctx.case.today:
        next_check = ctx.case.today
    ctx.fire(
        "F1",
        f"follow_up.reassess_after_weeks={low:g}-{high:g}",
        [f"plan:{plan}", *(["pregnant or breastfeeding"] if window.endswith("pregnancy") else [])],
        (window,),
    )
    expectations: tuple[str, ...] = ("cramps_fatigue_weeks",)
    if ctx.neuro:
        expectations = ("cramps_fatigue_weeks", "neuro_months")
        ctx.fire("F2", "follow_up.expect=neuro_months", ctx.symptoms_in(ctx.neuro))
    return FollowUp((int(low), int(high)), next_check, expectations, dates)
