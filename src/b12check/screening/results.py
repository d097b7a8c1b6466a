"""What the rules read from a patient's lab results, as per-patient aggregates: whether B12 was
tested, the latest value of each analyte the rules use (on one day the lowest) and the dates of
the latest B12 result and re-check.

Validation computes these in the same pass over the results as its refusal counts (results are
most of an extract's rows, so reading them once is most of the screen's speed); the rules compute
them again from the accepted rows only for an earlier date (the flags over time).
"""

from __future__ import annotations

import ibis.expr.types as ir

from b12check.core.status import B12_MARKERS

# results that count as a re-check of B12 treatment (C4): the markers and the blood count
RECHECK_ANALYTES = ("b12", "holotc", "mma", "hb", "mcv")
# the columns :func:`result_aggregates` makes (besides the patient id the caller groups on)
RESULT_COLUMNS = (
    "tested",
    "b12",
    "b12_date",
    "mma",
    "homocysteine",
    "hb",
    "mcv",
    "last_check",
    "last_b12",
)


def result_aggregates(
    obs: ir.Table, keep: ir.BooleanValue | None = None, value: ir.FloatingValue | None = None
) -> dict[str, ir.Scalar]:
    """Aggregates over one patient's rows of ``obs`` (``analyte``, ``date`` and ``value`` in the
    canonical unit, or the column given), counting only rows where ``keep`` holds (all when
    None)."""
    value = obs.value if value is None else value

    def only(where: ir.BooleanValue) -> ir.BooleanValue:
        return where if keep is None else keep & where

    # latest first; on one day the lowest value (deterministic on every engine; values stay
    # far below 1e6 in every plausible range, and day numbers keep the key exact to 1e-5)
    key = obs.date.epoch_days().cast("float64") * 1e6 - value

    def latest(analyte: str) -> ir.FloatingScalar:
        return value.argmax(key, where=only(obs.analyte == analyte))

    def last_date(analytes: tuple[str, ...]) -> ir.DateScalar:
        return obs.date.max(where=only(obs.analyte.isin(analytes)))

    aggregates: dict[str, ir.Scalar] = {
        "tested": obs.analyte.isin(B12_MARKERS).any(where=keep),
        "b12": latest("b12"),
        "b12_date": last_date(("b12",)),
        "mma": latest("mma"),
        "homocysteine": latest("homocysteine"),  # only for P2b's exception (C6)
        "hb": latest("hb"),
        "mcv": latest("mcv"),
        "last_check": last_date(RECHECK_ANALYTES),
        "last_b12": last_date(("b12", "holotc")),
    }
    assert tuple(aggregates) == RESULT_COLUMNS
    return aggregates
