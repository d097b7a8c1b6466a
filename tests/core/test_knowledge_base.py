"""The knowledge base: full coverage of the shared vocabulary, sources for every rule and value,
and a loader that refuses a broken copy and names the file."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from b12check.errors import KnowledgeError
from b12check.knowledge_base import TEXT_COVERAGE, load_knowledge_base
from caseplugin import shared_dir

KB = load_knowledge_base()


def test_every_shared_vocabulary_code_is_known_and_has_both_texts_in_both_languages() -> None:
    shared = yaml.safe_load((shared_dir() / "spec" / "vocabulary.yaml").read_text())
    for section, codes in shared.items():
        ours = KB.vocabulary.codes(section)
        missing = set(codes) - set(ours)
        assert not missing, f"{section}: {missing}"
        text_section = TEXT_COVERAGE.get(section)
        if text_section is None:
            continue
        for lang in KB.languages:
            for code in codes:
                entry = KB.texts[lang][text_section][code]
                assert entry["patient"].strip() and entry["clinician"].strip(), (lang, code)


def test_every_rule_names_existing_sources_and_has_texts() -> None:
    for rid, rule in KB.core.rules.items():
        assert rule.sources, rid
        assert all(s in KB.sources for s in rule.sources)
        for lang in KB.languages:
            assert KB.has_text(lang, "rules", rid)


def test_every_parameter_value_has_unit_source_and_review_date_in_every_profile() -> None:
    assert set(KB.profiles) == {"seed", "nhg", "nice"}
    for profile in KB.profiles:
        for name, param in KB.core.profiles[profile].items():
            assert param.unit, name
            assert param.last_reviewed.year >= 2024
            for value in param.values:
                assert value.sources and all(s in KB.sources for s in value.sources)


def test_profiles_differ_only_in_values() -> None:
    seed = KB.core.profiles["seed"]
    for profile in ("nhg", "nice"):
        other = KB.core.profiles[profile]
        assert set(other) == set(seed)
        assert any(other[n].values != seed[n].values for n in seed)
        assert all(other[n].unit == seed[n].unit for n in seed)


def test_sources_include_the_guidelines_the_rules_rest_on() -> None:
    for sid in (
        "seed",
        "nice-ng239",
        "bsh-2014",
        "nhg-standpunt-2014",
        "nhg-lesa-2018",
        "nhg-anemie-2021",
        "efsa-2023-b6",
        "who-2024-hb",
        "who-2020-ferritin",
        "eas-2015",
    ):
        assert sid in KB.sources
        assert KB.sources[sid].link and KB.sources[sid].year


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(str(files("b12check") / "knowledge"), root)
    return root


def _refused(root: Path, match: str) -> None:
    with pytest.raises(KnowledgeError, match=match):
        kb = load_knowledge_base(True, root)
        _ = kb.texts  # texts are checked when first read


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_loader_refuses_an_unknown_key(kb_copy: Path) -> None:
    _edit(kb_copy / "parameters" / "risk.yaml", "  unit: years", "  unit: years\n  colour: red")
    _refused(kb_copy, r"parameters/risk.yaml: risk.age_over: unknown key colour")


def test_loader_refuses_a_parameter_without_unit(kb_copy: Path) -> None:
    _edit(kb_copy / "parameters" / "risk.yaml", "  unit: years\n", "")
    _refused(kb_copy, r"parameters/risk.yaml: risk.age_over: missing unit")


def test_loader_refuses_a_value_without_known_source(kb_copy: Path) -> None:
    _edit(kb_copy / "parameters" / "risk.yaml", "source: [seed]}", "source: [my-aunt]}")
    _refused(kb_copy, r"parameters/risk.yaml: .*unknown source 'my-aunt'")


def test_loader_refuses_a_duplicate_key_and_names_the_line(kb_copy: Path) -> None:
    path = kb_copy / "parameters" / "triage.yaml"
    path.write_text(path.read_text() + path.read_text().split("\n", 1)[1], encoding="utf-8")
    _refused(kb_copy, r"triage.yaml: line \d+: duplicate key 'ck_uln_multiple'")


def test_loader_refuses_a_missing_translation(kb_copy: Path) -> None:
    path = kb_copy / "texts" / "nl.yaml"
    data = yaml.safe_load(path.read_text())
    del data["sections"]["warnings"]["b6_above_upper_limit"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _refused(kb_copy, r"texts/nl.yaml: missing text warnings.b6_above_upper_limit")


def test_loader_refuses_a_bad_loinc_check_digit(kb_copy: Path) -> None:
    _edit(kb_copy / "analytes.yaml", "14685-2:", "14685-3:")
    _refused(kb_copy, r"analytes.yaml: b12.loinc.14685-3: LOINC check digit is wrong")


def test_loader_refuses_a_conversion_factor_without_source(kb_copy: Path) -> None:
    _edit(
        kb_copy / "analytes.yaml",
        "pg/mL: {factor: 0.7378, kind: mass, source: ucum-loinc}",
        "pg/mL: {factor: 0.7378, kind: mass}",
    )
    _refused(kb_copy, r"b12.units.pg/mL: a conversion factor needs a source")


def test_loader_refuses_a_text_with_an_unknown_parameter(kb_copy: Path) -> None:
    path = kb_copy / "texts" / "en.yaml"
    data = yaml.safe_load(path.read_text())
    data["sections"]["plans"]["none"]["patient"] += " {treatment.magic_dose}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _refused(kb_copy, r"unknown parameter \{treatment.magic_dose\}")


def test_profile_may_not_change_a_unit(kb_copy: Path) -> None:
    _edit(
        kb_copy / "profiles" / "nice.yaml",
        "  labs.b12.low_below:\n",
        "  labs.b12.low_below:\n    unit: pg/mL\n",
    )
    _refused(kb_copy, r"profiles/nice.yaml: labs.b12.low_below: a profile may not change the unit")


def test_parameters_resolve_by_date() -> None:
    from datetime import date

    assert KB.parameter("labs.b12.low_below", "nice", date(2026, 1, 1)) == 133
    assert KB.parameter("labs.b12.low_below", "seed", date(2026, 1, 1)) == 148
    # before the first dated value the oldest one holds (a case report from long ago still runs)
    assert KB.parameter("labs.b12.low_below", "seed", date(1990, 1, 1)) == 148
