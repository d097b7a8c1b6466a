"""Rules X1-X9: which tests to ask the doctor for. Never one already measured."""

from __future__ import annotations

from b12check.core.codes import (
    FUNCTIONAL_TESTS,
    TESTS,
    THYROID_CONDITIONS,
    TREATABLE,
    Analyte,
    B12Status,
    RiskFactor,
    Suspicion,
    Test,
    TriageLevel,
    is_analyte,
)
from b12check.core.context import Context
from b12check.core.risk import has_risk, taking_b12

_CAUSES: tuple[RiskFactor, ...] = (
    "vegan_without_supplement",
    "vegetarian_without_supplement",
    "metformin_long_term",
    "ppi_long_term",
    "h2ra_long_term",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
    "nitrous_oxide",
    "coeliac_disease",
)
_X1_TESTS: tuple[Test, ...] = ("cbc", "b12", "folate")
_FUNCTIONAL: tuple[Test, ...] = ("mma", "homocysteine")
_SERUM: tuple[Analyte, ...] = ("b12", "holotc")


class _Orders:
    """Collects tests in the vocabulary's order, each traced to the rule that asked for it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tests: dict[Test, str] = {}

    def add(self, rule: str, test: Test, because: list[str]) -> None:
        if test in self.tests or self._measured(test):
            return
        self.tests[test] = rule
        self.ctx.fire(rule, f"tests+={test}", because)

    def asked(self, test: Test) -> bool:
        """Whether a rule already asked for ``test``."""
        return test in self.tests

    def _measured(self, test: Test) -> bool:
        ctx = self.ctx
        if test == "cbc":
            return ctx.measured("hb") and ctx.measured("mcv")
        if test == "renal_function":
            return ctx.measured("egfr") or ctx.measured("creatinine")
        if test == "coeliac_serology":
            return ctx.measured("ttg_iga")
        return is_analyte(test) and ctx.measured(test)


def _serum_looks_fine(ctx: Context) -> list[str]:
    """X2's "normal serum B12" (v2): b12 or holoTC normal, or high while no B12 is taken.
    Returns the findings, or [] when neither looks fine."""
    found = []
    for analyte in _SERUM:
        value = ctx.interp(analyte)
        if value == "normal" or (value == "high" and not taking_b12(ctx)):
            found.append(ctx.lab_finding(analyte))
    return found


def decide_tests(
    ctx: Context,
    status: B12Status,
    suspicion: Suspicion,
    triage: TriageLevel,
    risk_factors: list[RiskFactor],
) -> tuple[list[Test], bool, bool]:
    """Return the tests (vocabulary order), whether W7 applies and whether W3's advice applies."""
    orders = _Orders(ctx)
    normal_b12_warning = False
    if status == "not_tested" and triage != "self_care":
        for test in _X1_TESTS:
            orders.add("X1", test, ["b12.status:not_tested", f"triage:{triage}"])
    if status == "indeterminate":
        for test in _FUNCTIONAL:
            orders.add("X2", test, ["b12.status:indeterminate"])
    serum_ok = _serum_looks_fine(ctx)
    if serum_ok and suspicion == "high" and not ctx.measured("mma"):
        normal_b12_warning = True
        for test in _FUNCTIONAL:
            orders.add("X2", test, [*serum_ok, "b12.suspicion:high"])
    if ctx.exposed_to("nitrous_oxide") and ctx.present:
        for test in _FUNCTIONAL:
            orders.add("X2", test, ["exposure:nitrous_oxide", *ctx.symptoms_in(ctx.present)])
    asks_mma = any(orders.asked(t) for t in FUNCTIONAL_TESTS)
    if asks_mma or ctx.measured("mma") or ctx.measured("homocysteine"):
        orders.add("X3", "renal_function", ["mma/homocysteine measured or recommended"])
    if status in TREATABLE and not has_risk(risk_factors, "pernicious_anaemia"):
        orders.add("X4", "if_antibodies", [f"b12.status:{status}", "pernicious_anaemia:not known"])
        orders.add("X4", "parietal_cell_antibodies", [f"b12.status:{status}"])
        if not any(r in _CAUSES for r in risk_factors):
            orders.add(
                "X4",
                "coeliac_serology",
                [f"b12.status:{status}", "no dietary, medicine or surgical cause"],
            )
    pointers = ctx.present & ctx.knowledge.group("magnesium_pointers")
    if pointers:
        orders.add("X5", "magnesium", ctx.symptoms_in(pointers))
    pointers = ctx.present & ctx.knowledge.group("vitamin_d_pointers")
    if pointers:
        orders.add("X6", "vitamin_d", ctx.symptoms_in(pointers))
    statin = ctx.takes("statin")
    if statin and ctx.muscle:
        orders.add("X7", "ck", [f"medicine:{statin[0]}", *ctx.symptoms_in(ctx.muscle)])
    if ctx.muscle and ctx.has("fatigue"):
        orders.add("X7", "tsh", [*ctx.symptoms_in(ctx.muscle), "symptom:fatigue"])
    if ctx.interp("ck") == "high":
        orders.add("X7", "tsh", [ctx.lab_finding("ck")])
    thyroid = sorted(ctx.case.conditions & THYROID_CONDITIONS)
    if thyroid and ctx.muscle:
        orders.add(
            "X7", "tsh", [*(f"condition:{c}" for c in thyroid), *ctx.symptoms_in(ctx.muscle)]
        )
    if ctx.case.pregnant and ctx.interp("b12") == "low" and not ctx.measured("holotc"):
        orders.add("X9", "holotc", ["patient.pregnant:true", ctx.lab_finding("b12"), "holotc:none"])
    pointers = ctx.present & ctx.knowledge.group("iron_pointers")
    if pointers:
        orders.add("X8", "ferritin", ctx.symptoms_in(pointers))
        orders.add("X8", "cbc", ctx.symptoms_in(pointers))
    ordered = [t for t in TESTS if t in orders.tests]
    test_while_taking = orders.asked("b12") and taking_b12(ctx)
    return ordered, normal_b12_warning, test_while_taking
