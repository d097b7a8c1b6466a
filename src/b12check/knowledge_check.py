"""The knowledge-base check behind ``b12check kb``: everything at once, every problem named.

The loader (:mod:`b12check.knowledge_base`) stops at the first structural error. This check then
goes further and collects every content problem it finds, for every language that has a text
file, so one run lists all that a reviewer must fix:

- every code and rule has a label, patient and clinician text in every language, and every
  language has the entries any other has (user-interface strings included);
- vocabulary and knowledge base agree on each analyte's unit, and the limits of the lab zones
  are in that unit;
- every analyte the core reads zones for has its limits in every profile, inside the analyte's
  plausible range and in order (low below grey zone below high);
- every look-alike the core judges is in the vocabulary and has its rule and a next step (when
  likely), and the reverse;
- every rule fires in at least one clinical case (``tests/cases`` and the shared vignettes),
  when those folders are present (an installed copy without its tests skips this part); the
  population-screening rules (area ``screening``, C1-C6) run over extracts, not intakes: their
  cases are the screening edge patients (:mod:`b12check.screening.edge_cases`, shipped with the
  package), screened on DuckDB in every profile.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from b12check.core.labs import zone_limits
from b12check.errors import IntakeError, KnowledgeError
from b12check.knowledge_base import (
    KnowledgeBase,
    TextFile,
    discover_languages,
    package_root,
    read_knowledge_base,
    read_text_file,
    text_problems,
)

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, with the file a reviewer opens to fix it."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class CheckReport:
    """What the check looked at and what it found."""

    languages: tuple[str, ...] = ()
    cases: int = 0
    case_folders: tuple[Path, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def default_case_folders() -> tuple[Path, ...]:
    """``tests/cases`` of a source checkout and the shared vignettes (``B12CHECK_SHARED``, else
    ``../shared`` beside the checkout), those that exist."""
    shared = Path(os.environ.get("B12CHECK_SHARED") or REPO.parent / "shared")
    folders = (REPO / "tests" / "cases", shared / "vignettes")
    return tuple(f for f in folders if f.is_dir())


def check_knowledge(
    root: Path | None = None, case_folders: Sequence[Path] | None = None
) -> CheckReport:
    """Check the knowledge base at ``root`` (default: the one shipped in the package) against
    the cases in ``case_folders`` (default: :func:`default_case_folders`; empty: no cases)."""
    folders = tuple(default_case_folders() if case_folders is None else case_folders)
    base_root = package_root() if root is None else root
    report = CheckReport(languages=discover_languages(base_root), case_folders=folders)
    try:
        kb = read_knowledge_base(base_root)
    except KnowledgeError as exc:
        report.problems.append(_problem(exc))
        return report
    if not report.languages:
        report.problems.append(Problem("knowledge/texts", "no language: no <lang>.yaml text file"))
    texts: dict[str, TextFile] = {}
    for lang in report.languages:
        try:
            texts[lang] = read_text_file(base_root, lang)
        except KnowledgeError as exc:
            report.problems.append(_problem(exc))
    sections = {lang: f.sections for lang, f in texts.items()}
    report.problems += [_problem(e) for e in text_problems(sections, kb.core)]
    report.problems += _ui_problems(kb, report.languages)
    vocabulary = _raw(base_root / "vocabulary.yaml")
    report.problems += _unit_problems(kb, vocabulary)
    report.problems += _zone_problems(kb)
    cases = list(cases_in(folders))
    report.cases = len(cases)
    report.problems += _differential_problems(kb)
    if folders:
        report.problems += _coverage_problems(kb, cases)
    return report


def _problem(exc: KnowledgeError) -> Problem:
    prefix = f"{exc.file}: "
    text = str(exc)
    return Problem(exc.file, text[len(prefix) :] if text.startswith(prefix) else text)


def _raw(path: Path | Traversable) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _ui_problems(kb: KnowledgeBase, languages: tuple[str, ...]) -> Iterator[Problem]:
    """Every user-interface key of one language exists in every other."""
    ui = kb.ui_texts
    for lang in languages:
        for other in languages:
            missing = set(ui.get(other, {})) - set(ui.get(lang, {}))
            for key in sorted(missing):
                area, _, name = key.partition(".")
                yield Problem(
                    f"knowledge/texts/ui/{area}.{lang}.yaml",
                    f"missing {name} (it is in {area}.{other}.yaml)",
                )


def _unit_problems(kb: KnowledgeBase, vocabulary: Mapping[str, Any]) -> Iterator[Problem]:
    """The vocabulary's unit of each analyte is the knowledge base's canonical unit, and every
    lab limit of an analyte is written in that unit."""
    for code, entry in (vocabulary.get("analytes") or {}).items():
        spec = kb.analytes.get(code)
        if spec is None:
            continue  # the loader already demands the same analytes in both
        unit = entry.get("unit") if isinstance(entry, Mapping) else None
        if unit != spec.canonical_unit:
            yield Problem(
                "knowledge/analytes.yaml",
                f"{code}: canonical unit {spec.canonical_unit} but the vocabulary says {unit}",
            )
    for name, param in kb.core.parameters.items():
        area, analyte, *_ = [*name.split("."), ""]
        spec = kb.analytes.get(analyte)
        if (
            area == "labs"
            and spec is not None
            and spec.canonical_unit is not None
            and param.unit != spec.canonical_unit
        ):
            yield Problem(
                "knowledge/parameters/labs.yaml",
                f"{name.removeprefix('labs.')}: unit {param.unit}, but {analyte} is read in "
                f"{spec.canonical_unit}",
            )


def _zone_problems(kb: KnowledgeBase) -> Iterator[Problem]:
    """Each analyte the core reads has its limits, in its plausible range and in order, in every
    profile on every date a limit changes."""
    file = "knowledge/parameters/labs.yaml"
    for analyte, orders in zone_limits().items():
        spec = kb.analytes.get(analyte)
        if spec is None or spec.qualitative:
            yield Problem("knowledge/analytes.yaml", f"{analyte}: the core reads it, no entry")
            continue
        for names in orders:
            missing = [n for n in names if n not in kb.core.parameters]
            if missing:
                yield Problem(file, f"{analyte}: missing {', '.join(missing)}")
                continue
            for profile in kb.profiles:
                params = kb.core.profiles[profile]
                dates = sorted({v.since for n in names for v in params[n].values})
                for on in dates:
                    yield from _ordered(analyte, profile, on, names, kb, spec.plausible)


def _ordered(
    analyte: str,
    profile: str,
    on: date,
    names: tuple[str, ...],
    kb: KnowledgeBase,
    plausible: tuple[float, float] | None,
) -> Iterator[Problem]:
    params = kb.core.profiles[profile]
    overridden = any(params[n] is not kb.core.parameters[n] for n in names)
    file = f"knowledge/profiles/{profile}.yaml" if overridden else "knowledge/parameters/labs.yaml"
    values = [params[n].at(on).value for n in names]
    numbers = [v for v in values if isinstance(v, float)]
    if len(numbers) != len(values):
        yield Problem(file, f"{analyte}: a zone limit must be one number ({profile}, {on})")
        return
    for (low_name, low), (high_name, high) in pairwise(zip(names, numbers, strict=True)):
        if not low < high:
            yield Problem(
                file,
                f"{analyte}: zones out of order in profile {profile} from {on}: "
                f"{low_name} = {low:g} is not below {high_name} = {high:g}",
            )
    if plausible is not None:
        for name, value in zip(names, numbers, strict=True):
            if not plausible[0] <= value <= plausible[1]:
                yield Problem(
                    file,
                    f"{name} = {value:g} in profile {profile} lies outside {analyte}'s plausible "
                    f"range {plausible[0]:g}-{plausible[1]:g}",
                )


def _differential_problems(kb: KnowledgeBase) -> Iterator[Problem]:
    """The look-alikes the core judges are exactly the vocabulary's, each with a known rule."""
    from b12check.core.differentials import NEXT_STEPS
    from b12check.service import assess

    judged: dict[str, str] = {}
    for firing in assess({"symptoms": []}, knowledge=kb).firings:
        what, _, _ = firing.conclusion.partition("=")
        if what.startswith("differentials.") and what.count(".") == 1:
            judged[what.removeprefix("differentials.")] = firing.rule
    vocabulary = set(kb.vocabulary.codes("differential_conditions"))
    steps = set(kb.vocabulary.codes("next_steps"))
    next_step: dict[str, str] = {str(c): str(s) for c, s in NEXT_STEPS.items()}
    for condition in sorted(vocabulary & set(judged)):
        step = next_step.get(condition)
        if step is None:
            yield Problem(
                "knowledge/vocabulary.yaml",
                f"differential_conditions.{condition}: no next step when it is likely (rule D)",
            )
        elif step not in steps:
            yield Problem(
                "knowledge/vocabulary.yaml",
                f"next_steps: the core's next step {step} for {condition} is missing",
            )
    for condition in sorted(vocabulary - set(judged)):
        yield Problem(
            "knowledge/vocabulary.yaml",
            f"differential_conditions.{condition}: the core has no rule that judges it",
        )
    for condition in sorted(set(judged) - vocabulary):
        yield Problem(
            "knowledge/vocabulary.yaml",
            f"differential_conditions: the core judges {condition} (rule {judged[condition]}), "
            "which the vocabulary lacks",
        )


@dataclass(frozen=True, slots=True)
class Case:
    """A clinical case: an intake and what it expects. A case that expects an input error
    counts for the rules it names (``rules: [L4]``: a rule that refuses input fires by raising)."""

    path: Path
    intake: Any
    expects_error: bool = False
    rules: tuple[str, ...] = ()


def cases_in(folders: Iterable[Path]) -> Iterator[Case]:
    """The cases in these folders, following ``include:`` files (each file once)."""
    seen: set[Path] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            data = _raw(path)
            if isinstance(data, Mapping) and "include" in data:
                shared = os.environ.get("B12CHECK_SHARED") or str(REPO.parent / "shared")
                included = Path(str(data["include"]).replace("${SHARED}", shared))
                files = sorted(included.glob("*.yaml"))
            else:
                files = [path]
            for file in files:
                if file.resolve() in seen:
                    continue
                seen.add(file.resolve())
                case = data if file == path else _raw(file)
                if not isinstance(case, Mapping) or "intake" not in case:
                    continue
                if "expect" in case:
                    yield Case(file, case["intake"])
                elif "expect_error" in case:
                    rules = case.get("rules") or []
                    yield Case(file, case["intake"], True, tuple(str(r) for r in rules))


def rules_fired(kb: KnowledgeBase, cases: Iterable[Case]) -> tuple[set[str], list[Problem]]:
    """Every rule some case makes fire, and the cases that do not behave as they say (an
    assessment that fails, or an expected input error that does not come)."""
    from b12check.service import assess

    fired: set[str] = set()
    problems = []
    for case in cases:
        try:
            result = assess(case.intake, knowledge=kb)
        except IntakeError as exc:
            if case.expects_error:
                fired |= set(case.rules)
            else:
                problems.append(Problem(str(case.path), f"cannot be assessed: {exc}"))
            continue
        if case.expects_error:
            problems.append(Problem(str(case.path), "expects an input error, but none came"))
        else:
            fired |= set(result.rules)
    return fired, problems


SCREENING_AREA = "screening"


def screening_rules_fired(kb: KnowledgeBase) -> set[str]:
    """The screening rules (C1-C6) that flag at least one screening edge patient."""
    from b12check.screening.edge_cases import rules_fired as screened

    return screened(kb)


def _coverage_problems(kb: KnowledgeBase, cases: list[Case]) -> Iterator[Problem]:
    fired, problems = rules_fired(kb, cases)
    yield from problems
    screening = {r for r, rule in kb.core.rules.items() if rule.area == SCREENING_AREA}
    screened = screening_rules_fired(kb)
    for rid in kb.core.rules:
        if rid in screening and rid not in screened:
            yield Problem(
                "knowledge/rules.yaml",
                f"rule {rid}: no screening edge case (b12check.screening.edge_cases) makes it "
                "flag anyone",
            )
        elif rid not in screening and rid not in fired:
            yield Problem(
                "knowledge/rules.yaml",
                f"rule {rid}: no case in tests/cases or the shared vignettes makes it fire",
            )
    for rid in sorted(fired - set(kb.core.rules)):
        yield Problem("knowledge/rules.yaml", f"rule {rid} fires in the core but is not listed")
    for rid in sorted(screened - screening):
        yield Problem(
            "knowledge/rules.yaml",
            f"rule {rid} flags people in the screen but is not listed with area {SCREENING_AREA}",
        )
