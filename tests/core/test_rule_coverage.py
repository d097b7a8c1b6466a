"""Between them, the clinical cases make every numbered rule fire (so every rule is tested), and the
knowledge base holds exactly the rules that clinical-rules.md numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from b12check.errors import IntakeError
from b12check.knowledge_base import load_knowledge_base
from b12check.service import assess
from caseplugin import shared_dir

CASES = Path(__file__).resolve().parents[1] / "cases"
KB = load_knowledge_base()
# A rule id as clinical-rules.md writes it: L3, P2b, W14 (B12 is the vitamin, not a rule).
_RULE_ID = re.compile(r"\b([LRTBPXWF])(\d{1,2})(b?)\b")


def spec_rule_ids() -> set[str]:
    text = (shared_dir() / "spec" / "clinical-rules.md").read_text(encoding="utf-8")
    ids = set()
    for letter, number, suffix in _RULE_ID.findall(text):
        if letter == "B" and int(number) > 6:
            continue  # vitamin B12 / B6, not rule B12
        ids.add(f"{letter}{number}{suffix}")
    return ids


def test_every_rule_fires_in_some_case() -> None:
    files = [p for p in CASES.glob("*.yaml") if "include" not in p.read_text()[:200]]
    files += list((shared_dir() / "vignettes").glob("*.yaml"))
    fired: set[str] = set()
    for path in files:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "expect" in case:
            fired |= set(assess(case["intake"]).rules)
        elif "rules" in case:
            # a rule that refuses input (L4) fires by raising the error its case expects
            with pytest.raises(IntakeError):
                assess(case["intake"])
            fired |= set(case["rules"])
    missing = set(KB.core.rules) - fired
    assert not missing, f"rules no case makes fire: {sorted(missing)}"


def test_the_knowledge_base_has_exactly_the_rules_the_spec_numbers() -> None:
    spec = spec_rule_ids()
    assert {"L3", "L4", "B5b", "P1b", "P2b", "X9", "W13", "W14"} <= spec  # the v2 additions
    ours = set(KB.core.rules)
    assert spec - ours == set(), "rules in clinical-rules.md without knowledge-base data"
    # The spec names the L table and the six D rows without numbers; b12check numbers them.
    extra = ours - spec
    assert extra == {"L", "D1", "D2", "D3", "D4", "D5", "D6"}, extra
