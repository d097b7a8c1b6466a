"""Between them, the clinical cases make every numbered rule fire (so every rule is tested)."""

from __future__ import annotations

from pathlib import Path

import yaml

from b12check.knowledge_base import load_knowledge_base
from b12check.service import assess
from caseplugin import shared_dir

CASES = Path(__file__).resolve().parents[1] / "cases"


def test_every_rule_fires_in_some_case_and_the_suite_is_large_enough() -> None:
    files = [p for p in CASES.glob("*.yaml") if "include" not in p.read_text()[:200]]
    files += list((shared_dir() / "vignettes").glob("*.yaml"))
    fired: set[str] = set()
    own = 0
    for path in files:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "expect" in case:
            fired |= set(assess(case["intake"]).rules)
            own += path.parent == CASES
    assert own >= 40
    # the population-screening rules (C1-C5) run over extracts, not intakes: their coverage is
    # tests/screening/test_parity.py (every C rule fires at the rule edges)
    rules = load_knowledge_base().core.rules
    missing = {r for r, spec in rules.items() if spec.area != "screening"} - fired
    assert not missing, f"rules no case makes fire: {sorted(missing)}"
