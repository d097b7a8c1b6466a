"""Rules D1-D6: the six look-alikes, each with its support (likely/possible/unlikely/unknown),
and (v2) for each likely one the next step, so that a look-alike is never a dead end."""

from __future__ import annotations

from collections.abc import Callable

from b12check.core.codes import (
    NOT_LOW,
    OUT_OF_RANGE,
    THYROID_CONDITIONS,
    Differential,
    NextStep,
    Support,
)
from b12check.core.context import Context

# Rule D (v2): what a likely look-alike leads to.
NEXT_STEPS: dict[Differential, NextStep] = {
    "magnesium_deficiency": "magnesium_to_gp",
    "vitamin_d_deficiency": "vitamin_d_supplement",
    "thyroid_disorder": "thyroid_to_gp",
    "statin_myopathy": "statin_review",
    "iron_deficiency_anaemia": "iron_cause_to_gp",
    "folate_deficiency": "folate_after_b12_check",
}


def next_steps(
    ctx: Context, differentials: list[tuple[Differential, Support]]
) -> list[tuple[Differential, NextStep]]:
    """The next step of every likely look-alike, each traced to its D rule."""
    rules = {condition: rule for rule, condition, _ in _JUDGES}
    out = []
    for condition, support in differentials:
        if support == "likely":
            step = NEXT_STEPS[condition]
            ctx.fire(
                rules[condition],
                f"differentials.{condition}.next_step={step}",
                [f"differentials.{condition}:likely"],
            )
            out.append((condition, step))
    return out


def decide_differentials(ctx: Context) -> list[tuple[Differential, Support]]:
    """All six conditions in vocabulary order, each with its support, each traced."""
    out: list[tuple[Differential, Support]] = []
    for rule, condition, judge in _JUDGES:
        support, because = judge(ctx)
        ctx.fire(rule, f"differentials.{condition}={support}", because)
        out.append((condition, support))
    return out


Judgement = tuple[Support, list[str]]


def _magnesium(ctx: Context) -> Judgement:
    mg = ctx.interp("magnesium")
    if mg == "low":
        return "likely", [ctx.lab_finding("magnesium")]
    if mg in NOT_LOW:
        return "unlikely", [ctx.lab_finding("magnesium")]
    pointers = ctx.present & ctx.knowledge.group("magnesium_pointers")
    if pointers:
        return "possible", ctx.symptoms_in(pointers)
    return "unknown", ["magnesium:not measured", "no cramps or twitching"]


def _vitamin_d(ctx: Context) -> Judgement:
    d = ctx.interp("vitamin_d")
    if d == "low":
        return "likely", [ctx.lab_finding("vitamin_d")]
    if d in NOT_LOW:
        return "unlikely", [ctx.lab_finding("vitamin_d")]
    if d == "borderline":
        return "possible", [ctx.lab_finding("vitamin_d")]
    pointers = ctx.present & ctx.knowledge.group("vitamin_d_pointers")
    if pointers:
        return "possible", ctx.symptoms_in(pointers)
    return "unknown", ["vitamin_d:not measured", "no bone pain or weakness"]


def _statin_taken(ctx: Context) -> list[str]:
    return ctx.takes("statin")


def _thyroid(ctx: Context) -> Judgement:
    tsh = ctx.interp("tsh")
    if tsh in OUT_OF_RANGE:
        return "likely", [ctx.lab_finding("tsh")]
    if tsh == "normal":
        return "unlikely", [ctx.lab_finding("tsh")]
    if ctx.muscle and ctx.has("fatigue"):
        return "possible", [*ctx.symptoms_in(ctx.muscle), "symptom:fatigue"]
    if ctx.interp("ck") == "high" and not _statin_taken(ctx):
        return "possible", [ctx.lab_finding("ck"), "statin:none"]
    known = sorted(ctx.case.conditions & THYROID_CONDITIONS)
    if known and ctx.muscle:
        return "possible", [*(f"condition:{c}" for c in known), *ctx.symptoms_in(ctx.muscle)]
    return "unknown", ["tsh:not measured"]


def _statin(ctx: Context) -> Judgement:
    statins = _statin_taken(ctx)
    if not statins:
        return "unlikely", ["statin:none reported"]
    if not ctx.muscle:
        return "unlikely", [f"medicine:{statins[0]}", "no muscle symptom"]
    because = [f"medicine:{statins[0]}", *ctx.symptoms_in(ctx.muscle)]
    if ctx.interp("ck") == "high":
        return "likely", [*because, ctx.lab_finding("ck")]
    return "possible", because


def _iron(ctx: Context) -> Judgement:
    ferritin = ctx.interp("ferritin")
    if ferritin == "low":
        return "likely", [ctx.lab_finding("ferritin")]
    if ctx.interp("mcv") == "low" and ctx.interp("hb") == "low":
        return "likely", [ctx.lab_finding("mcv"), ctx.lab_finding("hb")]
    if ferritin in NOT_LOW:
        return "unlikely", [ctx.lab_finding("ferritin")]
    pointers = ctx.present & ctx.knowledge.group("iron_pointers")
    if pointers:
        return "possible", ctx.symptoms_in(pointers)
    return "unknown", ["ferritin:not measured"]


def _folate(ctx: Context) -> Judgement:
    folate = ctx.interp("folate")
    if folate == "low":
        return "likely", [ctx.lab_finding("folate")]
    if folate is not None:
        return "unlikely", [ctx.lab_finding("folate")]
    if ctx.interp("mcv") == "high":
        return "possible", [ctx.lab_finding("mcv"), "folate:not measured"]
    return "unknown", ["folate:not measured"]


_JUDGES: tuple[tuple[str, Differential, Callable[[Context], Judgement]], ...] = (
    ("D1", "magnesium_deficiency", _magnesium),
    ("D2", "vitamin_d_deficiency", _vitamin_d),
    ("D3", "thyroid_disorder", _thyroid),
    ("D4", "statin_myopathy", _statin),
    ("D5", "iron_deficiency_anaemia", _iron),
    ("D6", "folate_deficiency", _folate),
)
