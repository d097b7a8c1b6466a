"""The knowledge the core reasons with, as plain immutable data.

The loader (``b12check.knowledge_base``) reads and validates the YAML files and builds these
objects; the core only reads them, so it stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from b12check.core.codes import Analyte

Number = float
ParamValue = float | tuple[float, float]


@dataclass(frozen=True, slots=True)
class Source:
    """A citable source: every parameter value and every rule names at least one."""

    id: str
    title: str
    publisher: str
    year: int
    link: str


@dataclass(frozen=True, slots=True)
class DatedValue:
    """A parameter value that holds from ``since`` on, with the sources it comes from."""

    since: date
    value: ParamValue
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named number (or range) with its unit and dated history, OpenFisca-style."""

    name: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]  # oldest first
    last_reviewed: date

    def at(self, on: date) -> DatedValue:
        """The value in force on ``on``; before the first date the oldest value holds."""
        chosen = self.values[0]
        for dated in self.values:
            if dated.since <= on:
                chosen = dated
        return chosen


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """All parameters of one profile resolved for one date: what a rule reads."""

    profile: str
    on: date
    values: Mapping[str, DatedValue]
    units: Mapping[str, str]

    def number(self, name: str) -> float:
        """A single-number parameter."""
        value = self.values[name].value
        if isinstance(value, tuple):
            raise TypeError(f"parameter {name} is a range, not a number")
        return value

    def range(self, name: str) -> tuple[float, float]:
        """A range parameter (low, high)."""
        value = self.values[name].value
        if not isinstance(value, tuple):
            return (value, value)
        return value

    def sources(self, name: str) -> tuple[str, ...]:
        """The sources behind the value in force."""
        return self.values[name].sources


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """One unit a lab may report an analyte in, with its factor to the canonical unit."""

    name: str
    factor: float
    kind: str
    source: str | None


@dataclass(frozen=True, slots=True)
class LoincSpec:
    """A LOINC code accepted for an analyte: what kind of quantity it names, its usual unit."""

    code: str
    analyte: Analyte
    kind: str
    unit: str | None


@dataclass(frozen=True, slots=True)
class AnalyteSpec:
    """What the core knows about one analyte: units, plausible values, LOINC codes."""

    code: Analyte
    canonical_unit: str | None
    qualitative: bool
    plausible: tuple[float, float] | None
    units: Mapping[str, UnitSpec]  # keyed by lower-cased unit name
    loinc: Mapping[str, LoincSpec]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A numbered rule of clinical-rules.md and the sources it rests on."""

    id: str
    area: str
    sources: tuple[str, ...]


class MedicineLookup(Protocol):
    """The part of the medicine index the core uses."""

    def lookup(self, text: str | None = None, atc: str | None = None) -> MedicineHitLike | None:
        """Recognise a medicine by name, label text or ATC code; None when not recognised."""
        ...


class MedicineHitLike(Protocol):
    """What a recognised medicine tells the core: which classes it belongs to."""

    @property
    def medicine_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def classes(self) -> frozenset[str]: ...
    @property
    def atc(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every code an intake may carry and an assessment may print (ordered where order shows)."""

    sections: Mapping[str, tuple[str, ...]]

    def codes(self, section: str) -> tuple[str, ...]:
        """The codes of one vocabulary section, in the vocabulary's order."""
        return self.sections[section]


class UnknownProfileError(ValueError):
    """The profile asked for does not exist in the knowledge base."""


@dataclass(frozen=True)
class Knowledge:
    """The whole knowledge base as the core sees it."""

    vocabulary: Vocabulary
    sources: Mapping[str, Source]
    parameters: Mapping[str, Parameter]  # the seed (base) values
    profiles: Mapping[str, Mapping[str, Parameter]]  # every profile, fully resolved
    profile_descriptions: Mapping[str, str]
    analytes: Mapping[str, AnalyteSpec]
    loinc: Mapping[str, LoincSpec]
    unit_replacements: tuple[tuple[str, str], ...]
    unit_aliases: Mapping[str, str]
    symptom_groups: Mapping[str, frozenset[str]]
    rules: Mapping[str, RuleSpec]
    medicines: MedicineLookup
    _cache: dict[tuple[str, date], ParameterSet] = field(default_factory=dict, repr=False)

    def check_profile(self, profile: str) -> None:
        """The one check of a profile name every door relies on (through the service)."""
        if profile not in self.profiles:
            raise UnknownProfileError(
                f"unknown profile {profile!r}; expected one of: {', '.join(self.profiles)}"
            )

    def params(self, profile: str, on: date) -> ParameterSet:
        """The parameters of ``profile`` in force on ``on`` (memoised: profiles are immutable)."""
        key = (profile, on)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        params = self.profiles[profile]
        resolved = ParameterSet(
            profile=profile,
            on=on,
            values={name: p.at(on) for name, p in params.items()},
            units={name: p.unit for name, p in params.items()},
        )
        if len(self._cache) < 4096:
            self._cache[key] = resolved
        return resolved

    def group(self, name: str) -> frozenset[str]:
        """A symptom group of rule S."""
        return self.symptom_groups[name]
