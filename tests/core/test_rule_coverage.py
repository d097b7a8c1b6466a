"""Between them, the clinical cases make every numbered rule fire (so every rule is tested).

The logic lives in :mod:`b12check.knowledge_check`, which ``b12check kb`` runs as well."""

from __future__ import annotations

from pathlib import Path

from b12check.knowledge_base import load_knowledge_base
from b12check.knowledge_check import cases_in, rules_fired
from caseplugin import shared_dir

CASES = Path(__file__).resolve().parents[1] / "cases"


def test_every_rule_fires_in_some_case_and_the_suite_is_large_enough() -> None:
    cases = list(cases_in([CASES, shared_dir() / "vignettes"]))
    own = sum(case.path.parent == CASES for case in cases)
    assert own >= 40
    fired, unassessable = rules_fired(load_knowledge_base(), cases)
    assert not unassessable, [str(p) for p in unassessable]
    missing = set(load_knowledge_base().core.rules) - fired
    assert not missing, f"rules no case makes fire: {sorted(missing)}"
