"""What every rule reads: the case, the profile's parameters in force, lab readings, and the
trace it writes to. Symptom groups (rule S) are computed once here."""

from __future__ import annotations

from dataclasses import dataclass, field

from b12check.core.case import Case
from b12check.core.codes import (
    Analyte,
    Condition,
    Exposure,
    Interpretation,
    MedicationClass,
    Symptom,
)
from b12check.core.knowledge import Knowledge, ParameterSet
from b12check.core.labs import Reading
from b12check.core.trace import Firing


@dataclass
class Context:
    """The working state of one assessment."""

    case: Case
    knowledge: Knowledge
    params: ParameterSet
    readings: list[Reading]
    latest: dict[Analyte, Reading]
    firings: list[Firing] = field(default_factory=list)
    present: frozenset[Symptom] = frozenset()
    neuro: frozenset[Symptom] = frozenset()
    severe_neuro: frozenset[Symptom] = frozenset()
    muscle: frozenset[Symptom] = frozenset()
    anaemia: frozenset[Symptom] = frozenset()

    def __post_init__(self) -> None:
        kb = self.knowledge
        present = frozenset(self.case.symptoms)
        self.present = present
        self.neuro = present & kb.group("neuro")
        rapid = frozenset(
            code
            for code in present & kb.group("severe_neuro_if_rapidly_worsening")
            if self.case.symptoms[code].progression == "rapidly_worsening"
        )
        self.severe_neuro = (present & kb.group("severe_neuro")) | rapid
        self.muscle = present & kb.group("muscle")
        self.anaemia = present & kb.group("anaemia")

    def fire(
        self,
        rule: str,
        conclusion: str,
        because: list[str] | tuple[str, ...],
        parameters: tuple[str, ...] = (),
    ) -> None:
        """Record that ``rule`` concluded ``conclusion`` from ``because``."""
        self.firings.append(Firing(rule, conclusion, tuple(because), parameters))

    # Typed membership tests: ``"statinn" in classes`` would type-check (a str literal overlaps
    # with any code), ``ctx.takes("statinn")`` does not.
    def has(self, symptom: Symptom) -> bool:
        """Whether the symptom is present (reported with a severity above 0)."""
        return symptom in self.present

    def exposed_to(self, exposure: Exposure) -> bool:
        """Whether the intake reports this exposure."""
        return exposure in self.case.exposures

    def known(self, condition: Condition) -> bool:
        """Whether the intake reports this condition."""
        return condition in self.case.conditions

    def takes(self, medicine_class: MedicationClass) -> list[str]:
        """The names of the medicines taken in this class (empty when none)."""
        return [m.name for m in self.case.medicines if medicine_class in m.classes]

    def interp(self, analyte: Analyte) -> Interpretation | None:
        """The interpretation of the result the rules use for ``analyte``; None when unmeasured."""
        reading = self.latest.get(analyte)
        return None if reading is None else reading.interpretation

    def measured(self, analyte: Analyte) -> bool:
        """Whether any result for ``analyte`` was given."""
        return analyte in self.latest

    def lab_finding(self, analyte: Analyte) -> str:
        """A finding string for the trace: ``lab:b12=low``."""
        return f"lab:{analyte}={self.interp(analyte)}"

    def symptoms_in(self, codes: frozenset[Symptom]) -> list[str]:
        """Trace findings for the present symptoms among ``codes`` (sorted for stable output)."""
        return [f"symptom:{c}" for c in sorted(codes)]
