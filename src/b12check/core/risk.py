"""Rules R1-R9: the risk factors for B12 deficiency found in the intake (v2: R6 counts known
hypothyroidism)."""

from __future__ import annotations

from collections.abc import Collection

from b12check.core.codes import RISK_FACTORS, Condition, DietPattern, MedicationClass, RiskFactor
from b12check.core.context import Context

# medicine class -> (risk when taken long term, risk when shorter or duration unknown)
_DRUG_CLASSES: dict[MedicationClass, tuple[RiskFactor, RiskFactor]] = {
    "metformin": ("metformin_long_term", "metformin"),
    "ppi": ("ppi_long_term", "ppi"),
    "h2ra": ("h2ra_long_term", "h2ra"),
}
_DIET_RISKS: dict[DietPattern, RiskFactor] = {
    "vegan": "vegan_without_supplement",
    "vegetarian": "vegetarian_without_supplement",
}
_SURGERY: dict[Condition, RiskFactor] = {
    "bariatric_surgery": "bariatric_surgery",
    "gastrectomy": "gastrectomy",
    "ileal_resection": "ileal_resection",
}
_AUTOIMMUNE: tuple[Condition, ...] = (
    "autoimmune_thyroid_disease",
    "hypothyroidism",  # v2: most often Hashimoto's
    "type1_diabetes",
    "vitiligo",
    "other_autoimmune_disease",
    "coeliac_disease",
)
_PERNICIOUS: tuple[Condition, ...] = ("pernicious_anaemia", "autoimmune_gastritis")
_IBD: tuple[Condition, ...] = ("crohns_disease", "ulcerative_colitis")


# Each condition and the risk factor it gives by itself (R5-R8), the table behind
# :func:`conditions_giving`.
_CONDITION_RISKS: tuple[tuple[Condition, RiskFactor], ...] = (
    *((c, "pernicious_anaemia") for c in _PERNICIOUS),
    *((c, "autoimmune_disease") for c in (*_AUTOIMMUNE, *_PERNICIOUS)),
    *_SURGERY.items(),
    ("coeliac_disease", "coeliac_disease"),
    *((c, "inflammatory_bowel_disease") for c in _IBD),
    ("bacterial_overgrowth", "bacterial_overgrowth"),
)


def conditions_giving(risk_factors: Collection[RiskFactor]) -> frozenset[Condition]:
    """The known conditions that by themselves make one of these risk factors apply (R5-R8).

    Public for doors that read conditions in bulk (population screening) and must count exactly
    the core's risk conditions."""
    return frozenset(c for c, risk in _CONDITION_RISKS if risk in risk_factors)


def has_risk(found: list[RiskFactor], code: RiskFactor) -> bool:
    """Whether ``code`` is among the risk factors found (typed, unlike ``in``)."""
    return code in found


def taking_b12(ctx: Context) -> bool:
    """Whether any B12 (supplement, medicine or treatment) is being taken."""
    return bool(ctx.case.b12_starts)


def find_risk_factors(ctx: Context) -> list[RiskFactor]:
    """Every risk factor code that applies, in vocabulary order, each traced to its rule."""
    case = ctx.case
    found: dict[RiskFactor, tuple[str, list[str], tuple[str, ...]]] = {}
    if case.diet in _DIET_RISKS and case.fortified_foods is not True and not taking_b12(ctx):
        because = [
            f"diet:{case.diet}",
            f"fortified_foods:{case.fortified_foods}",
            "b12_taken:none",
        ]
        found[_DIET_RISKS[case.diet]] = ("R1", because, ())
    if case.age is not None and case.age > ctx.params.number("risk.age_over"):
        found["age_over_65"] = ("R2", [f"age:{case.age:g}"], ("risk.age_over",))
    if case.pregnant:
        found["pregnancy"] = ("R3", ["patient.pregnant:true"], ())
    if case.breastfeeding:
        found["breastfeeding"] = ("R3", ["patient.breastfeeding:true"], ())
    long_term = ctx.params.number("risk.long_term_months")
    for cls, (long_risk, short_risk) in _DRUG_CLASSES.items():
        uses = [m for m in case.medicines if cls in m.classes]
        if not uses:
            continue
        months = [m.months for m in uses if m.months is not None]
        because = [f"medicine:{m.name}" for m in uses]
        if months and max(months) >= long_term:
            found[long_risk] = (
                "R4",
                [*because, f"months:{max(months):.0f}"],
                ("risk.long_term_months",),
            )
        else:
            duration = f"months:{max(months):.0f}" if months else "duration:unknown"
            found[short_risk] = ("R4", [*because, duration], ("risk.long_term_months",))
    pernicious = [f"condition:{c}" for c in _PERNICIOUS if c in case.conditions]
    if ctx.interp("if_antibodies") == "positive":
        pernicious.append("lab:if_antibodies=positive")
    if pernicious:
        found["pernicious_anaemia"] = ("R5", pernicious, ())
    autoimmune = [f"condition:{c}" for c in _AUTOIMMUNE if c in case.conditions]
    if autoimmune or pernicious:
        found["autoimmune_disease"] = ("R6", autoimmune + pernicious, ())
    for condition, surgery in _SURGERY.items():
        if condition in case.conditions:
            found[surgery] = ("R7", [f"condition:{condition}"], ())
    if ctx.known("coeliac_disease"):
        found["coeliac_disease"] = ("R8", ["condition:coeliac_disease"], ())
    ibd = [f"condition:{c}" for c in _IBD if c in case.conditions]
    if ibd:
        found["inflammatory_bowel_disease"] = ("R8", ibd, ())
    if ctx.known("bacterial_overgrowth"):
        found["bacterial_overgrowth"] = ("R8", ["condition:bacterial_overgrowth"], ())
    if ctx.exposed_to("nitrous_oxide"):
        found["nitrous_oxide"] = ("R9", ["exposure:nitrous_oxide"], ())
    ordered = [c for c in RISK_FACTORS if c in found]
    for code in ordered:
        rule, because, params = found[code]
        ctx.fire(rule, f"risk_factors+={code}", because, params)
    return ordered
