"""The tracer: every conclusion records the rule that drew it, the findings it rests on and the
parameters it read, so each door can explain it the same way (OpenFisca's tracer, in small)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Firing:
    """One rule that fired: what it concluded and why."""

    rule: str
    conclusion: str  # e.g. "triage.level=urgent", "tests+=mma"
    because: tuple[str, ...]  # findings, e.g. "symptom:paresthesia", "lab:b12=low"
    parameters: tuple[str, ...] = ()  # knowledge-base parameters read
