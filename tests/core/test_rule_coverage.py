"""Between them, the clinical cases make every numbered rule fire (so every rule is tested), and the
knowledge base holds exactly the rules that clinical-rules.md numbers, plus b12check's own
population-screening rules C1-C6 (docs/screening.md), which run over extracts rather than intakes
and fire in the screening edge cases (:mod:`b12check.screening.edge_cases`) instead.

Which rules the cases make fire is :mod:`b12check.knowledge_check`'s logic, which ``b12check kb``
runs as well."""

from __future__ import annotations

import re
from pathlib import Path

from b12check.knowledge_base import load_knowledge_base
from b12check.knowledge_check import cases_in, rules_fired, screening_rules_fired
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
    # a rule that refuses input (L4) fires by raising the error its case expects (``rules:``)
    fired, misbehaving = rules_fired(KB, cases_in([CASES, shared_dir() / "vignettes"]))
    assert not misbehaving, [str(p) for p in misbehaving]
    fired |= screening_rules_fired(KB)
    missing = set(KB.core.rules) - fired
    assert not missing, f"rules no case makes fire: {sorted(missing)}"


def test_the_knowledge_base_has_exactly_the_rules_the_spec_numbers() -> None:
    spec = spec_rule_ids()
    assert {"L3", "L4", "B5b", "P1b", "P2b", "X9", "W13", "W14"} <= spec  # the v2 additions
    ours = set(KB.core.rules)
    assert spec - ours == set(), "rules in clinical-rules.md without knowledge-base data"
    # The spec names the L table and the six D rows without numbers; b12check numbers them.
    # C1-C6 are b12check's case-finding rules (docs/screening.md), not the spec's.
    screening = {r for r, rule in KB.core.rules.items() if rule.area == "screening"}
    assert screening == {"C1", "C2", "C3", "C4", "C5", "C6"}
    extra = ours - spec - screening
    assert extra == {"L", "D1", "D2", "D3", "D4", "D5", "D6"}, extra
