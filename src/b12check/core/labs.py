"""Rule table L: each lab value read against the profile's limits or the lab's own range (L1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from b12check.core.case import Case, LabValue
from b12check.core.codes import Analyte, Interpretation, NoteCode
from b12check.core.knowledge import ParameterSet


@dataclass(frozen=True, slots=True)
class Scheme:
    """Which parameters bound an analyte's zones; the numbers themselves are parameters."""

    low: str | None = None  # value below this is low
    high: str | None = None  # value above this is high
    grey_from: str | None = None  # low <= value < this is borderline (lower grey zone)
    grey_to: str | None = None  # low <= value <= this is borderline (lower grey zone, inclusive)
    upper_grey_from: str | None = None  # this <= value <= high is borderline (upper grey zone)


_SCHEMES: dict[Analyte, Scheme] = {
    "b12": Scheme(
        low="labs.b12.low_below", grey_from="labs.b12.normal_from", high="labs.b12.high_above"
    ),
    "holotc": Scheme(low="labs.holotc.low_below", grey_to="labs.holotc.normal_above"),
    "mma": Scheme(upper_grey_from="labs.mma.normal_below", high="labs.mma.high_above"),
    "homocysteine": Scheme(high="labs.homocysteine.high_above"),
    "mcv": Scheme(low="labs.mcv.low_below", high="labs.mcv.high_above"),
    "folate": Scheme(low="labs.folate.low_below"),
    "ferritin": Scheme(low="labs.ferritin.low_below", grey_to="labs.ferritin.normal_above"),
    "vitamin_d": Scheme(low="labs.vitamin_d.low_below", grey_from="labs.vitamin_d.normal_from"),
    "magnesium": Scheme(low="labs.magnesium.low_below", high="labs.magnesium.high_above"),
    "tsh": Scheme(low="labs.tsh.low_below", high="labs.tsh.high_above"),
    "egfr": Scheme(low="labs.egfr.reduced_below"),
}


@dataclass(frozen=True, slots=True)
class Reading:
    """A lab value's interpretation and the limits and parameters it rests on."""

    lab: LabValue
    interpretation: Interpretation | None
    low: float | None
    high: float | None
    basis: str  # "profile", "lab" or "none"
    parameters: tuple[str, ...]
    note: NoteCode | None = None  # e.g. sex_unknown_limit


def read_lab(lab: LabValue, case: Case, params: ParameterSet) -> Reading:
    """Interpret one result (rules L and L1)."""
    if lab.result is not None:
        return Reading(lab, lab.result, None, None, "none", ())
    value = lab.value
    assert value is not None
    lab_low, lab_high = lab.lab_range if lab.lab_range is not None else (None, None)
    basis = "lab" if lab.lab_range is not None else "profile"
    used: list[str] = []
    note: NoteCode | None = None

    def number(name: str | None) -> float | None:
        if name is None:
            return None
        used.append(name)
        return params.number(name)

    if lab.analyte == "hb":
        low_name, note = _hb_limit(case)
        scheme = Scheme(low=low_name)
    elif lab.analyte == "ck":
        high_name = "labs.ck.uln_male" if case.sex == "male" else "labs.ck.uln_female"
        scheme = Scheme(high=high_name)
    else:
        scheme = _SCHEMES.get(lab.analyte, Scheme())
    low = lab_low if lab_low is not None else number(scheme.low)
    high = lab_high if lab_high is not None else number(scheme.high)
    if low is None and high is None and scheme == Scheme():
        return Reading(lab, None, None, None, "none", ())
    code: Interpretation
    if low is not None and value < low:
        code = "low"
    elif high is not None and value > high:
        code = "high"
    elif _in_grey_zone(value, scheme, number, low, high):
        code = "borderline"
    else:
        code = "normal"
    return Reading(lab, code, low, high, basis, tuple(used), note)


def _in_grey_zone(
    value: float,
    scheme: Scheme,
    number: Callable[[str], float | None],
    low: float | None,
    high: float | None,
) -> bool:
    """Whether ``value`` (already neither low nor high) lies in the profile's borderline zone.

    Rule L1 (v2): a lab's own range never removes a grey zone. Its limits replace the outer
    boundaries (``low``/``high`` here); the grey zone keeps its other limit from the profile,
    clipped to the range: a lower grey zone ends no lower than the lab's lower limit, an upper
    grey zone starts no higher than the lab's upper limit (MMA with a lab limit of 0.34:
    borderline 0.28-0.34, high above it).
    """
    grey_from = number(scheme.grey_from) if scheme.grey_from else None
    grey_to = number(scheme.grey_to) if scheme.grey_to else None
    upper = number(scheme.upper_grey_from) if scheme.upper_grey_from else None
    if upper is not None and high is not None:
        upper = min(upper, high)
    return (
        (grey_from is not None and value < grey_from)
        or (grey_to is not None and value <= grey_to)
        or (upper is not None and value >= upper)
    )


def _hb_limit(case: Case) -> tuple[str, NoteCode | None]:
    if case.pregnant:
        return "labs.hb.low_below_pregnant", None
    if case.sex == "male":
        return "labs.hb.low_below_male", None
    if case.sex in {"female", "other"}:
        return "labs.hb.low_below_female", None
    return "labs.hb.low_below_male", "sex_unknown_limit"


def latest(readings: list[Reading]) -> dict[Analyte, Reading]:
    """Per analyte the result the rules use: the most recent dated one, else the last given."""
    chosen: dict[Analyte, Reading] = {}
    for reading in readings:
        analyte = reading.lab.analyte
        current = chosen.get(analyte)
        if current is None or _newer(reading, current):
            chosen[analyte] = reading
    return chosen


def _newer(candidate: Reading, current: Reading) -> bool:
    new, old = candidate.lab.date, current.lab.date
    if new is None and old is None:
        return True
    if new is None:
        return False
    if old is None:
        return True
    return new >= old


def zone_limits() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Per analyte the parameters that bound its zones, each sequence lowest first.

    The knowledge-base check (``b12check kb``) demands that each exists in every profile, is in
    the analyte's canonical unit, lies in its plausible range and keeps this order."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for analyte, s in _SCHEMES.items():
        bounds = (s.low, s.grey_to, s.grey_from, s.upper_grey_from, s.high)
        out[analyte] = (tuple(name for name in bounds if name is not None),)
    out["hb"] = (
        ("labs.hb.low_below_pregnant",),
        ("labs.hb.low_below_female",),
        ("labs.hb.low_below_male",),
    )
    out["ck"] = (("labs.ck.uln_male",), ("labs.ck.uln_female",))
    return out
