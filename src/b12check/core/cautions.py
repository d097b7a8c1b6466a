"""Rules W1-W14: safety warnings about supplements, medicines, the tests themselves and (v2) the
look-alikes that must not be handled alone (statin, iron-deficiency anaemia)."""

from __future__ import annotations

from b12check.core.anaemia import iron_deficiency_needs_cause
from b12check.core.codes import (
    ABNORMAL_STATUSES,
    FUNCTIONAL_MARKERS,
    FUNCTIONAL_TESTS,
    WARNINGS,
    MedicationClass,
    Plan,
    Suspicion,
    Test,
    WarningCode,
)
from b12check.core.context import Context
from b12check.core.risk import taking_b12
from b12check.core.status import Status, egfr_reduced

_FOLIC_ACID: MedicationClass = "folic_acid"
_SUSPECTED: frozenset[Suspicion] = frozenset({"high", "moderate"})
_ACID_AND_METFORMIN: frozenset[MedicationClass] = frozenset({"metformin", "ppi", "h2ra"})


def decide_warnings(
    ctx: Context,
    status: Status,
    suspicion: Suspicion,
    plan: Plan,
    tests: list[Test],
    normal_b12_warning: bool,
    test_while_taking: bool,
) -> list[WarningCode]:
    """Every warning that applies, in vocabulary order."""
    found: dict[WarningCode, None] = {}

    def warn(
        rule: str, code: WarningCode, because: list[str], params: tuple[str, ...] = ()
    ) -> None:
        found[code] = None
        ctx.fire(rule, f"warnings+={code}", because, params)

    case, params = ctx.case, ctx.params
    totals = case.supplements
    if totals.b6_mg > params.number("warnings.b6_ul_mg_per_day"):
        warn(
            "W1",
            "b6_above_upper_limit",
            [f"b6_mg_per_day:{totals.b6_mg:g}"],
            ("warnings.b6_ul_mg_per_day",),
        )
    folic = totals.folic_acid_ug + sum(
        (m.dose_mg_per_day or 0) * 1000 for m in case.medicines if _FOLIC_ACID in m.classes
    )
    if (
        folic >= params.number("warnings.folic_acid_high_ug_per_day")
        and not taking_b12(ctx)
        and status.code != "unlikely"
    ):
        warn(
            "W2",
            "folic_acid_without_b12",
            [f"folic_acid_ug_per_day:{folic:g}", "b12_taken:none", f"b12.status:{status.code}"],
            ("warnings.folic_acid_high_ug_per_day",),
        )
    if status.distorted or test_while_taking:
        because = [f"measured_while_taking_b12:{a}" for a in status.distorted]
        warn(
            "W3",
            "supplements_distort_b12_test",
            because or ["b12 test recommended while B12 is taken"],
        )
    if ctx.interp("b12") == "high" and not taking_b12(ctx) and not ctx.exposed_to("nitrous_oxide"):
        warn(
            "W4",
            "unexplained_high_b12",
            [ctx.lab_finding("b12"), "b12_taken:none", "nitrous_oxide:none"],
        )
    kidneys = egfr_reduced(ctx) is True or ctx.known("chronic_kidney_disease")
    mma_involved = any(ctx.measured(a) for a in FUNCTIONAL_MARKERS) or any(
        t in tests for t in FUNCTIONAL_TESTS
    )
    if kidneys and mma_involved:
        warn("W5", "renal_function_affects_mma", ["kidney function reduced", "mma/homocysteine"])
    if ctx.exposed_to("nitrous_oxide"):
        warn("W6", "nitrous_oxide_functional_deficiency", ["exposure:nitrous_oxide"])
    if normal_b12_warning:
        warn("W7", "normal_b12_does_not_exclude", [ctx.lab_finding("b12"), "b12.suspicion:high"])
    drugs = [m.name for m in case.medicines if m.classes & _ACID_AND_METFORMIN]
    if drugs and (suspicion in _SUSPECTED or status.code in ABNORMAL_STATUSES):
        warn(
            "W8",
            "do_not_stop_medication_yourself",
            [f"medicine:{d}" for d in drugs]
            + [f"b12.suspicion:{suspicion}", f"b12.status:{status.code}"],
        )
    if plan == "reevaluate":
        warn("W9", "no_response_reevaluate", ["plan:reevaluate"])
    if (case.pregnant or case.breastfeeding) and plan != "none":
        warn("W10", "pregnancy_consult_doctor", ["pregnant or breastfeeding", f"plan:{plan}"])
    if totals.magnesium_mg > params.number("warnings.magnesium_ul_mg_per_day"):
        warn(
            "W11",
            "magnesium_above_upper_limit",
            [f"magnesium_mg_per_day:{totals.magnesium_mg:g}"],
            ("warnings.magnesium_ul_mg_per_day",),
        )
    if totals.vitamin_d_ug > params.number("warnings.vitamin_d_ul_ug_per_day"):
        warn(
            "W12",
            "vitamin_d_above_upper_limit",
            [f"vitamin_d_ug_per_day:{totals.vitamin_d_ug:g}"],
            ("warnings.vitamin_d_ul_ug_per_day",),
        )
    statins = ctx.takes("statin")
    if statins and ctx.muscle:
        warn(
            "W13",
            "do_not_stop_statin_yourself",
            [f"medicine:{statins[0]}", *ctx.symptoms_in(ctx.muscle)],
        )
    iron = iron_deficiency_needs_cause(ctx)
    if iron:
        warn("W14", "iron_deficiency_look_for_cause", iron, ("triage.iron_cause_age",))
    return [w for w in WARNINGS if w in found]
