"""Rules B1-B6 (with B5b): B12 status from the labs only, and clinical suspicion from the person
only."""

from __future__ import annotations

from dataclasses import dataclass

from b12check.core.codes import Analyte, B12Status, Interpretation, RiskFactor, Suspicion, Symptom
from b12check.core.context import Context
from b12check.core.labs import Reading
from b12check.core.risk import taking_b12

B12_MARKERS: tuple[Analyte, ...] = ("b12", "holotc", "mma", "homocysteine")  # B1: "tested"
_SERUM: tuple[Analyte, ...] = ("b12", "holotc")
_FOLATE_NOT_LOW: frozenset[Interpretation] = frozenset({"normal", "high", "borderline"})
_GLOSSITIS: frozenset[Symptom] = frozenset({"glossitis"})
# B6: risk factors whose cause is irreversible or toxic (suspicion high with any symptom)
STRONG_RISK_FACTORS: frozenset[RiskFactor] = frozenset(
    {"pernicious_anaemia", "bariatric_surgery", "gastrectomy", "ileal_resection", "nitrous_oxide"}
)


@dataclass(frozen=True, slots=True)
class Status:
    """The B12 status and which results were distorted by B12 already being taken (W3)."""

    code: B12Status
    distorted: tuple[Analyte, ...]  # analytes measured while B12 was taken


def egfr_reduced(ctx: Context) -> bool | None:
    """True/False when eGFR was measured; None when unknown (never read as normal)."""
    reading = ctx.interp("egfr")
    if reading is None:
        return None
    return reading == "low"


def measured_while_taking_b12(ctx: Context, reading: Reading) -> bool:
    """Rule B5's test: dated on or after a B12 start, undated, or the start unknown."""
    if not taking_b12(ctx):
        return False
    when = reading.lab.date
    if when is None:
        return True
    return any(start is None or when >= start for start in ctx.case.b12_starts)


def decide_status(ctx: Context) -> Status:
    """Apply B1-B5b in order; the first that decides wins."""
    distorted = tuple(
        a for a in _SERUM if a in ctx.latest and measured_while_taking_b12(ctx, ctx.latest[a])
    )
    b12, holotc = ctx.interp("b12"), ctx.interp("holotc")
    mma, hcy = _functional(ctx, "mma"), _functional(ctx, "homocysteine")
    if not any(ctx.measured(a) for a in B12_MARKERS):
        ctx.fire("B1", "b12.status=not_tested", ["labs:no b12, holotc, mma or homocysteine"])
        return Status("not_tested", distorted)
    if mma == "high":
        reduced = egfr_reduced(ctx)
        because = [ctx.lab_finding("mma"), f"egfr_reduced:{_tri(reduced)}"]
        ckd = reduced is None and ctx.known("chronic_kidney_disease")
        if reduced or ckd:
            if ckd:
                because.append("condition:chronic_kidney_disease")
            ctx.fire("B2", "b12.status=probable", because)
            return Status("probable", distorted)
        ctx.fire("B2", "b12.status=deficient", because)
        return Status("deficient", distorted)
    if b12 == "low" or holotc == "low":
        because = [ctx.lab_finding(a) for a in _SERUM if ctx.interp(a) == "low"]
        if mma == "normal":
            ctx.fire("B3", "b12.status=indeterminate", [*because, ctx.lab_finding("mma")])
            return Status("indeterminate", distorted)
        if pregnant_total_b12_alone(ctx):
            ctx.fire(
                "B3", "b12.status=probable", [*because, "patient.pregnant:true", "holotc:none"]
            )
            return Status("probable", distorted)
        ctx.fire("B3", "b12.status=deficient", because)
        return Status("deficient", distorted)
    if b12 == "borderline" or holotc == "borderline":
        because = [ctx.lab_finding(a) for a in _SERUM if ctx.interp(a) == "borderline"]
        if mma == "normal":
            ctx.fire("B4", "b12.status=unlikely", [*because, ctx.lab_finding("mma")])
            return Status("unlikely", distorted)
        folate_ok = ctx.interp("folate") in _FOLATE_NOT_LOW
        kidneys_ok = egfr_reduced(ctx) is False
        if hcy == "high" and folate_ok and kidneys_ok:
            ctx.fire(
                "B4",
                "b12.status=probable",
                [
                    *because,
                    ctx.lab_finding("homocysteine"),
                    ctx.lab_finding("folate"),
                    ctx.lab_finding("egfr"),
                ],
            )
            return Status("probable", distorted)
        ctx.fire("B4", "b12.status=indeterminate", [*because, f"lab:mma={mma or 'unknown'}"])
        return Status("indeterminate", distorted)
    serum = [a for a in _SERUM if ctx.measured(a)]
    if not serum:
        # B5b (v2): only MMA (and perhaps homocysteine); a high MMA was decided by B2.
        if mma == "normal":
            ctx.fire("B5b", "b12.status=unlikely", [ctx.lab_finding("mma")])
            return Status("unlikely", distorted)
        if mma == "borderline":
            ctx.fire("B5b", "b12.status=indeterminate", [ctx.lab_finding("mma")])
            return Status("indeterminate", distorted)
    elif mma == "borderline":
        because = [*(ctx.lab_finding(a) for a in serum), ctx.lab_finding("mma")]
        ctx.fire("B5b", "b12.status=indeterminate", because)
        return Status("indeterminate", distorted)
    if serum and mma is None:
        because = [ctx.lab_finding(a) for a in serum]
        if distorted:
            ctx.fire("B5", "b12.status=indeterminate", [*because, "b12_taken:before_test"])
            return Status("indeterminate", distorted)
        ctx.fire("B5", "b12.status=unlikely", because)
        return Status("unlikely", distorted)
    if mma == "normal":
        ctx.fire("B5", "b12.status=unlikely", [ctx.lab_finding(a) for a in (*serum, "mma")])
        return Status("unlikely", distorted)
    ctx.fire(
        "B5",
        "b12.status=indeterminate",
        [ctx.lab_finding(a) for a in B12_MARKERS if ctx.measured(a)],
    )
    return Status("indeterminate", distorted)


def pregnant_total_b12_alone(ctx: Context) -> bool:
    """B3's pregnancy clause (v2): pregnant, total B12 low, and neither holoTC nor MMA measured
    (total B12 falls in normal pregnancy; NICE prefers active B12)."""
    return (
        ctx.case.pregnant
        and ctx.interp("b12") == "low"
        and not ctx.measured("holotc")
        and not ctx.measured("mma")
    )


def _functional(ctx: Context, analyte: Analyte) -> Interpretation | None:
    """MMA and homocysteine below a lab's lower limit say nothing about B12: read as normal."""
    value = ctx.interp(analyte)
    return "normal" if value == "low" else value


def _tri(value: bool | None) -> str:
    return "unknown" if value is None else str(value).lower()


def decide_suspicion(ctx: Context, risk_factors: list[RiskFactor]) -> Suspicion:
    """Rule B6: clinical suspicion from symptoms and risks, before any lab."""
    glossitis = ctx.has("glossitis")
    risky = [f"risk_factor:{r}" for r in risk_factors]
    strong = [f"risk_factor:{r}" for r in risk_factors if r in STRONG_RISK_FACTORS]
    if ctx.neuro and (risk_factors or glossitis):
        because = ctx.symptoms_in(ctx.neuro) + risky + (["symptom:glossitis"] if glossitis else [])
        ctx.fire("B6", "b12.suspicion=high", because)
        return "high"
    if strong and ctx.present:
        ctx.fire("B6", "b12.suspicion=high", strong + ctx.symptoms_in(ctx.present))
        return "high"
    if ctx.neuro:
        ctx.fire("B6", "b12.suspicion=moderate", ctx.symptoms_in(ctx.neuro))
        return "moderate"
    if risk_factors and (ctx.muscle or ctx.anaemia or glossitis):
        signs = ctx.muscle | ctx.anaemia | (_GLOSSITIS if glossitis else frozenset())
        ctx.fire("B6", "b12.suspicion=moderate", risky + ctx.symptoms_in(signs))
        return "moderate"
    if glossitis:
        ctx.fire("B6", "b12.suspicion=moderate", ["symptom:glossitis"])
        return "moderate"
    ctx.fire("B6", "b12.suspicion=low", ["no neuro symptom with a risk factor"])
    return "low"
