"""Unit conversion to each analyte's canonical unit (factors and spellings from the knowledge base).

A unit that does not belong to the analyte is an input error; a missing unit is accepted only when
exactly one unit makes the value possible for a living adult (rule L2), and then reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from b12check.core.knowledge import AnalyteSpec, Knowledge, UnitSpec


@dataclass(frozen=True, slots=True)
class Conversion:
    """A value in its canonical unit, and how it got there."""

    value: float
    unit: UnitSpec
    assumed: bool  # no unit was given; the only plausible one was taken (L2)


def normalise_unit(text: str, knowledge: Knowledge) -> str:
    """Lower-case a lab's unit spelling and map known aliases (µ, mcg, [IU], eGFR forms)."""
    key = text.strip().lower()
    for old, new in knowledge.unit_replacements:
        key = key.replace(old, new)
    alias = knowledge.unit_aliases.get(key)
    return alias.lower() if alias is not None else key


def find_unit(spec: AnalyteSpec, text: str, knowledge: Knowledge) -> UnitSpec | None:
    """The analyte's unit spelled ``text``, or None when the analyte is never reported in it."""
    return spec.units.get(normalise_unit(text, knowledge))


def plausible(spec: AnalyteSpec, canonical_value: float) -> bool:
    """Whether a living adult can have this value (catches typing and unit errors)."""
    if spec.plausible is None:
        return True
    low, high = spec.plausible
    return low <= canonical_value <= high


def plausible_units(spec: AnalyteSpec, value: float) -> list[UnitSpec]:
    """Units (one per distinct factor) under which ``value`` is possible."""
    seen: dict[float, UnitSpec] = {}
    for unit in spec.units.values():
        if unit.factor not in seen and plausible(spec, value * unit.factor):
            seen[unit.factor] = unit
    return list(seen.values())


def expected_units(spec: AnalyteSpec) -> str:
    """The units an analyte accepts, for error messages."""
    return ", ".join(u.name for u in spec.units.values())
