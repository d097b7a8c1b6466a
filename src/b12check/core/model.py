"""The assessment (contract section 2) as immutable data, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from b12check.core.case import Note
from b12check.core.codes import (
    B12Status,
    Differential,
    MedicationClass,
    NextStep,
    Plan,
    RiskFactor,
    Support,
    Suspicion,
    Test,
    TreatmentResponse,
    TriageLevel,
    TriageReason,
    WarningCode,
)
from b12check.core.followup import FollowUp
from b12check.core.knowledge import Knowledge, ParameterSet
from b12check.core.labs import Reading
from b12check.core.response import ResponseFinding
from b12check.core.trace import Firing

_RULE_GROUPS = "LRSTBPXDWF"


def rule_sort_key(rule: str) -> tuple[int, int]:
    """Order rule ids the way clinical-rules.md lists them (L, R, T, B, P, X, D, W, F)."""
    group = _RULE_GROUPS.find(rule[0])
    number = int(rule[1:]) if rule[1:].isdigit() else 0
    return (group, number)


@dataclass(frozen=True, slots=True)
class MedicineSeen:
    """A medicine as the assessment understood it."""

    name: str
    recognised: bool
    classes: tuple[MedicationClass, ...]


@dataclass(frozen=True, slots=True)
class ParameterUse:
    """A parameter value a conclusion read, with unit and sources."""

    name: str
    value: float | tuple[float, float]
    unit: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """One conclusion, the rule that drew it, the findings and the sources behind it."""

    conclusion: str
    rule: str
    because: tuple[str, ...]
    sources: tuple[str, ...]
    parameters: tuple[ParameterUse, ...]


@dataclass(frozen=True)
class Assessment:
    """What b12check concludes for one intake. The explanation is built from the trace on
    first use (most callers of the fast path never read it)."""

    version: str
    profile: str
    today: date
    triage_level: TriageLevel
    triage_reasons: tuple[TriageReason, ...]
    status: B12Status
    suspicion: Suspicion
    risk_factors: tuple[RiskFactor, ...]
    labs: tuple[Reading, ...]
    differentials: tuple[tuple[Differential, Support], ...]
    next_steps: tuple[tuple[Differential, NextStep], ...]  # rule D (v2): each likely one's step
    tests: tuple[Test, ...]
    plan: Plan
    warnings: tuple[WarningCode, ...]
    follow_up: FollowUp
    treatment_response: TreatmentResponse | None
    diary_finding: ResponseFinding | None  # F3's numbers when the response came from a diary
    medicines: tuple[MedicineSeen, ...]
    notes: tuple[Note, ...]
    firings: tuple[Firing, ...]
    knowledge: Knowledge = field(repr=False, compare=False)
    params: ParameterSet = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> tuple[Explanation, ...]:
        """Each conclusion with its rule, findings, parameters and sources."""
        return _explain(self.firings, self.knowledge, self.params)

    @cached_property
    def sources(self) -> tuple[str, ...]:
        """Every source id the conclusions rest on, in order of first use."""
        used: dict[str, None] = {}
        for e in self.explanation:
            used.update(dict.fromkeys(e.sources))
        return tuple(used)

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule id that fired, in rule-book order."""
        return tuple(sorted({f.rule for f in self.firings}, key=rule_sort_key))

    def next_step(self, condition: Differential) -> NextStep | None:
        """The next step of a likely look-alike (rule D), None for the others."""
        return dict(self.next_steps).get(condition)

    def _differential(self, condition: Differential, support: Support) -> dict[str, Any]:
        entry: dict[str, Any] = {"condition": condition, "support": support}
        step = self.next_step(condition)
        if step is not None:
            entry["next_step"] = step
        return entry

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON document (plus texts-free extras: rules, notes, sources)."""
        fu = self.follow_up
        return {
            "version": self.version,
            "profile": self.profile,
            "today": self.today.isoformat(),
            "triage": {"level": self.triage_level, "reasons": list(self.triage_reasons)},
            "b12": {"status": self.status, "suspicion": self.suspicion},
            "risk_factors": list(self.risk_factors),
            "labs": [_lab_dict(r) for r in self.labs],
            "differentials": [self._differential(c, s) for c, s in self.differentials],
            "tests": list(self.tests),
            "plan": self.plan,
            "warnings": list(self.warnings),
            "follow_up": {
                "reassess_after_weeks": list(fu.reassess_after_weeks)
                if fu.reassess_after_weeks
                else None,
                "next_check": fu.next_check.isoformat() if fu.next_check else None,
                "expect": list(fu.expectations),
            },
            "treatment_response": self.treatment_response,
            "medications": [
                {"name": m.name, "recognised": m.recognised, "classes": list(m.classes)}
                for m in self.medicines
            ],
            "notes": [{"code": n.code, "field": n.path, **dict(n.values)} for n in self.notes],
            "rules": list(self.rules),
            "explanation": [
                {
                    "conclusion": e.conclusion,
                    "rule": e.rule,
                    "because": list(e.because),
                    "sources": list(e.sources),
                    "parameters": [
                        {
                            "name": p.name,
                            "value": list(p.value) if isinstance(p.value, tuple) else p.value,
                            "unit": p.unit,
                            "sources": list(p.sources),
                        }
                        for p in e.parameters
                    ],
                }
                for e in self.explanation
            ],
            "sources": list(self.sources),
        }


def _explain(
    firings: tuple[Firing, ...], knowledge: Knowledge, params: ParameterSet
) -> tuple[Explanation, ...]:
    out = []
    for f in firings:
        uses = tuple(
            ParameterUse(name, params.values[name].value, params.units[name], params.sources(name))
            for name in f.parameters
        )
        sources = dict.fromkeys(knowledge.rules[f.rule].sources)
        for use in uses:
            sources.update(dict.fromkeys(use.sources))
        out.append(Explanation(f.conclusion, f.rule, f.because, tuple(sources), uses))
    return tuple(out)


def _lab_dict(reading: Reading) -> dict[str, Any]:
    lab = reading.lab
    return {
        "analyte": lab.analyte,
        "value": round(lab.value, 4) if lab.value is not None else lab.result,
        "unit": lab.canonical_unit,
        "interpretation": reading.interpretation,
        "original_value": lab.original_value,
        "original_unit": lab.original_unit,
        "date": lab.date.isoformat() if lab.date else None,
        "loinc": lab.loinc,
        "reference": {"low": reading.low, "high": reading.high, "basis": reading.basis},
        "estimated": lab.estimated,
    }
