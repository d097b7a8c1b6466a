"""The typed codes of ``b12check.core.codes`` agree with the vocabulary in both directions: a code
the vocabulary gains or loses without the matching type change fails here, and a code typed in
the program that the vocabulary does not know fails too."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from b12check.core import codes
from b12check.knowledge_base import load_knowledge_base
from caseplugin import shared_dir

SHARED = yaml.safe_load((shared_dir() / "spec" / "vocabulary.yaml").read_text(encoding="utf-8"))
KB = load_knowledge_base()


def _codes(section: object) -> list[str]:
    if isinstance(section, dict):
        return [str(k) for k in section]
    assert isinstance(section, list)
    return [str(c) for c in section]


@pytest.mark.parametrize("section", sorted(codes.VOCABULARY_SECTIONS))
def test_typed_codes_equal_the_shared_vocabulary_section(section: str) -> None:
    typed = codes.VOCABULARY_SECTIONS[section]
    shared = _codes(SHARED[section])
    assert set(typed) - set(shared) == set(), f"{section}: typed but not in vocabulary.yaml"
    assert set(shared) - set(typed) == set(), f"{section}: in vocabulary.yaml but not typed"
    assert list(typed) == shared, f"{section}: keep the vocabulary's order"


def test_every_shared_section_that_names_codes_has_a_type() -> None:
    # symptom_detail describes fields, not codes; its one code list is the progression.
    untyped = set(SHARED) - set(codes.VOCABULARY_SECTIONS) - {"symptom_detail"}
    assert untyped == set(), f"vocabulary sections without a type in core/codes.py: {untyped}"
    assert list(codes.PROGRESSIONS) == SHARED["symptom_detail"]["progression"]


@pytest.mark.parametrize("section", sorted(codes.PROJECT_SECTIONS))
def test_project_added_codes_equal_the_knowledge_base_vocabulary(section: str) -> None:
    typed = codes.PROJECT_SECTIONS[section]
    ours = KB.vocabulary.codes(section)
    assert set(typed) == set(ours), set(typed) ^ set(ours)


def test_knowledge_base_vocabulary_holds_every_shared_code() -> None:
    for section in codes.VOCABULARY_SECTIONS:
        assert set(KB.vocabulary.codes(section)) == set(_codes(SHARED[section])), section


def test_intake_literals_are_the_vocabulary_types() -> None:
    from b12check.core.intake import SymptomDetail, Treatment

    assert SymptomDetail.model_fields["progression"].annotation == codes.Progression | None
    assert Treatment.model_fields["response"].annotation == codes.TreatmentResponse | None


def test_mypy_rejects_a_misspelt_code(tmp_path: Path) -> None:
    """The point of the types: the diary's old ``level == "emergency"`` no longer type-checks."""
    from mypy import api

    probe = tmp_path / "probe.py"
    probe.write_text(
        "from b12check.core.codes import TREATABLE, TriageLevel, B12Status\n"
        "def alert(level: TriageLevel, status: B12Status) -> bool:\n"
        '    return level == "emergency" or status == "deficent"\n'
        'late: TriageLevel = "urgnet"\n'
        'ok: TriageLevel = "immediate"\n',
        encoding="utf-8",
    )
    out, _, status = api.run(
        ["--strict", "--no-error-summary", "--follow-imports=silent", str(probe)]
    )
    assert status == 1
    lines = [line for line in out.splitlines() if "probe.py" in line]
    assert len(lines) == 3, out  # line 3 twice (both comparisons), line 4 once; line 5 is fine
    assert all(":5:" not in line for line in lines)
