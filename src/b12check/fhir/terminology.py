"""The code maps of ``knowledge/terminology.yaml`` (SNOMED CT, ICD-10, ICD-10-CM, RxNorm), loaded
once and checked against the vocabulary and the sources, so a typo stops start-up instead of
silently dropping a diagnosis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from b12check.errors import KnowledgeError
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base
from b12check.medicines import is_valid_atc

FILE = "knowledge/terminology.yaml"
PREGNANCY = "pregnancy"


@dataclass(frozen=True, slots=True)
class Drug:
    """What an RxNorm code stands for: the ingredient's ATC code and name."""

    rxcui: str
    atc: str
    name: str


@dataclass(frozen=True)
class Terminology:
    """System URIs and the maps from EHR codes to vocabulary codes."""

    systems: Mapping[str, str]
    snomed: Mapping[str, str]  # concept id -> vocabulary condition (or "pregnancy")
    icd: tuple[tuple[str, str, str], ...]  # (system key, prefix without dot, condition)
    rxnorm: Mapping[str, Drug]
    positive: frozenset[str]
    negative: frozenset[str]
    tests: Mapping[str, tuple[str, ...]]  # recommended test -> analytes it measures
    override_system: str = ""
    override_reasons: Mapping[str, str] = field(default_factory=dict)  # code -> display
    card_guideline: Mapping[str, str] = field(default_factory=dict)  # profile -> source id

    def system(self, key: str) -> str:
        """The URI of a code system by its short name (``loinc``, ``snomed``...)."""
        return self.systems[key]

    def condition_for(self, system: str, code: str) -> str | None:
        """The vocabulary condition a coded diagnosis names, or None."""
        if system == self.systems["snomed"]:
            return self.snomed.get(code.strip())
        for key in ("icd10", "icd10cm"):
            if system == self.systems[key]:
                flat = code.replace(".", "").strip().upper()
                best: tuple[int, str] | None = None
                for sys_key, prefix, condition in self.icd:
                    if (
                        sys_key == key
                        and flat.startswith(prefix)
                        and (best is None or len(prefix) > best[0])
                    ):
                        best = (len(prefix), condition)
                return best[1] if best else None
        return None


def _fail(message: str) -> KnowledgeError:
    return KnowledgeError(FILE, message)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(f"{where}: expected a list of strings")
    return list(value)


def _check_sources(value: Any, where: str, kb: KnowledgeBase) -> None:
    for source in _strings(value, where):
        if source not in kb.sources:
            raise _fail(f"{where}: unknown source {source!r}")


def build_terminology(raw: Any, kb: KnowledgeBase) -> Terminology:
    """Validate the parsed YAML against the knowledge base; raise :class:`KnowledgeError`."""
    if not isinstance(raw, Mapping):
        raise _fail("expected a mapping")
    expected = {
        "last_reviewed",
        "systems",
        "conditions",
        "rxnorm",
        "rxnorm_source",
        "qualitative",
        "qualitative_source",
        "tests",
        "override_reasons",
        "override_source",
        "card_guideline",
    }
    if set(raw) != expected:
        raise _fail(f"top-level keys must be {sorted(expected)}")
    systems = {str(k): str(v) for k, v in raw["systems"].items()}
    allowed = set(kb.vocabulary.codes("conditions")) | {PREGNANCY}
    snomed: dict[str, str] = {}
    icd: list[tuple[str, str, str]] = []
    for condition, entry in raw["conditions"].items():
        where = f"conditions.{condition}"
        if condition not in allowed:
            raise _fail(f"{where}: not a vocabulary condition")
        if not isinstance(entry, Mapping) or not set(entry) <= {
            "snomed",
            "icd10",
            "icd10cm",
            "source",
        }:
            raise _fail(f"{where}: keys are snomed, icd10, icd10cm, source")
        _check_sources(entry.get("source"), f"{where}.source", kb)
        for concept in _strings(entry.get("snomed", []) or [], f"{where}.snomed"):
            if not concept.isdigit() or concept in snomed:
                raise _fail(f"{where}.snomed: {concept!r} is not a new SNOMED CT id")
            snomed[concept] = condition
        for key in ("icd10", "icd10cm"):
            for code in _strings(entry.get(key, []) or [], f"{where}.{key}"):
                icd.append((key, code.replace(".", "").upper(), condition))
    rxnorm: dict[str, Drug] = {}
    for rxcui, entry in raw["rxnorm"].items():
        where = f"rxnorm.{rxcui}"
        if not str(rxcui).isdigit() or not isinstance(entry, Mapping):
            raise _fail(f"{where}: expected a numeric RxCUI mapping to {{atc, name}}")
        atc = str(entry.get("atc", ""))
        if not is_valid_atc(atc) or len(atc) != 7:
            raise _fail(f"{where}: {atc!r} is not a full ATC code")
        rxnorm[str(rxcui)] = Drug(str(rxcui), atc, str(entry["name"]))
    _check_sources(raw["rxnorm_source"], "rxnorm_source", kb)
    _check_sources(raw["qualitative_source"], "qualitative_source", kb)
    _check_sources(raw["override_source"], "override_source", kb)
    qualitative = raw["qualitative"]
    tests: dict[str, tuple[str, ...]] = {}
    for test, analytes in raw["tests"].items():
        if test not in kb.vocabulary.codes("tests"):
            raise _fail(f"tests.{test}: not a vocabulary test")
        for analyte in _strings(analytes, f"tests.{test}"):
            if analyte not in kb.analytes or not kb.analytes[analyte].loinc:
                raise _fail(f"tests.{test}: {analyte!r} is not an analyte with LOINC codes")
        tests[test] = tuple(analytes)
    guidelines = {str(k): str(v) for k, v in raw["card_guideline"].items()}
    if set(guidelines) != set(kb.profiles):
        raise _fail("card_guideline: give one source for every profile")
    for profile, source in guidelines.items():
        if source not in kb.sources:
            raise _fail(f"card_guideline.{profile}: unknown source {source!r}")
    missing = set(kb.vocabulary.codes("tests")) - set(tests)
    if missing:
        raise _fail(f"tests: no analytes for {', '.join(sorted(missing))}")
    return Terminology(
        systems=systems,
        snomed=snomed,
        icd=tuple(icd),
        rxnorm=rxnorm,
        positive=frozenset(s.lower() for s in _strings(qualitative["positive"], "positive")),
        negative=frozenset(s.lower() for s in _strings(qualitative["negative"], "negative")),
        tests=tests,
        override_system=str(raw["override_reasons"]["system"]),
        override_reasons={str(k): str(v) for k, v in raw["override_reasons"]["codes"].items()},
        card_guideline=guidelines,
    )


@lru_cache(maxsize=1)
def load_terminology() -> Terminology:
    """The shipped code maps, validated against the shipped knowledge base."""
    text = (files("b12check") / "knowledge" / "terminology.yaml").read_text(encoding="utf-8")
    return build_terminology(yaml.safe_load(text), load_knowledge_base())
