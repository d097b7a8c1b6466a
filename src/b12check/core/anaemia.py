"""Haemoglobin facts several rules share (v2): critical and severe anaemia (T1, T2, P2) and the
iron-deficiency anaemia that needs a search for blood loss (T2, W14). One place, so that triage,
plan and warnings cannot drift apart."""

from __future__ import annotations

from b12check.core.context import Context


def hb_below(ctx: Context, parameter: str) -> str | None:
    """A trace finding when the latest Hb (g/L) lies below the parameter's value; else None
    (also when Hb was not measured: unknown is never read as low)."""
    reading = ctx.latest.get("hb")
    if reading is None or reading.lab.value is None:
        return None
    limit = ctx.params.number(parameter)
    if reading.lab.value < limit:
        return f"lab:hb={reading.lab.value:.4g} g/L < {limit:g}"
    return None


def iron_deficiency_needs_cause(ctx: Context) -> list[str] | None:
    """T2's iron criterion: Hb low and ferritin low in a man or in a person aged at least
    ``triage.iron_cause_age``. Returns the findings, or None when it does not hold."""
    if ctx.interp("hb") != "low" or ctx.interp("ferritin") != "low":
        return None
    case = ctx.case
    if case.sex == "male":
        who = "sex:male"
    elif case.age is not None and case.age >= ctx.params.number("triage.iron_cause_age"):
        who = f"age:{case.age:g}"
    else:
        return None
    return [ctx.lab_finding("hb"), ctx.lab_finding("ferritin"), who]
