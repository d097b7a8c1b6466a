"""``b12check kb`` guards the content: each test breaks a temporary copy of the knowledge folder
in one way and checks that the check fails and names the file a reviewer must open."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from b12check.cli import app
from b12check.knowledge_base import load_knowledge_base
from b12check.knowledge_check import check_knowledge, default_case_folders

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(str(files("b12check") / "knowledge"), root)
    return root


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(root: Path | None, folders: list[Path] | None = None) -> list[str]:
    report = check_knowledge(root, [] if folders is None else folders)
    return [str(p) for p in report.problems]


def _texts(root: Path, lang: str) -> Path:
    return root / "texts" / f"{lang}.yaml"


def test_the_shipped_knowledge_base_passes_with_every_case_folder() -> None:
    report = check_knowledge()
    assert report.ok, [str(p) for p in report.problems]
    assert set(report.case_folders) == set(default_case_folders())
    assert CASES in report.case_folders  # rule coverage really ran
    assert report.languages == load_knowledge_base().languages


def test_a_pristine_copy_passes(kb_copy: Path) -> None:
    assert _problems(kb_copy) == []


def test_removing_one_dutch_text_fails_and_names_the_file(kb_copy: Path) -> None:
    data = _load(_texts(kb_copy, "nl"))
    del data["sections"]["warnings"]["b6_above_upper_limit"]
    _dump(_texts(kb_copy, "nl"), data)
    problems = _problems(kb_copy)
    assert "knowledge/texts/nl.yaml: missing text warnings.b6_above_upper_limit" in problems
    # the English file still has it: its Dutch translation is missing too
    assert any(
        p.startswith("knowledge/texts/nl.yaml: missing translation of warnings") for p in problems
    )


def test_every_problem_is_listed_not_only_the_first(kb_copy: Path) -> None:
    data = _load(_texts(kb_copy, "nl"))
    del data["sections"]["plans"]["none"]
    del data["sections"]["rules"]["D6"]
    _dump(_texts(kb_copy, "nl"), data)
    problems = _problems(kb_copy)
    assert "knowledge/texts/nl.yaml: missing text plans.none" in problems
    assert "knowledge/texts/nl.yaml: missing text rules.D6" in problems


def test_a_new_language_is_found_from_its_text_file_and_must_be_complete(kb_copy: Path) -> None:
    data = _load(_texts(kb_copy, "en"))
    data["language"] = "fr"
    data["locale"] = "fr_FR"
    del data["sections"]["symptoms"]["muscle_cramps"]
    _dump(_texts(kb_copy, "fr"), data)
    report = check_knowledge(kb_copy, [])
    assert "fr" in report.languages
    # the medicine register must give names in the new language too
    assert [str(p) for p in report.problems] == [
        "knowledge/medicines.yaml: medicines[0] (metformin).names.fr: expected a list of "
        "non-empty texts"
    ]
    medicines = _load(kb_copy / "medicines.yaml")
    for entry in medicines["medicines"]:
        entry["names"]["fr"] = entry["names"]["en"]
    _dump(kb_copy / "medicines.yaml", medicines)
    problems = _problems(kb_copy)
    assert "knowledge/texts/fr.yaml: missing text symptoms.muscle_cramps" in problems
    # and its user-interface strings are demanded as well
    assert any(p.startswith("knowledge/texts/ui/cli.fr.yaml: missing") for p in problems)


def test_a_missing_interface_string_fails(kb_copy: Path) -> None:
    path = kb_copy / "texts" / "ui" / "web.nl.yaml"
    data = _load(path)
    key = next(iter(data))
    del data[key]
    _dump(path, data)
    assert f"knowledge/texts/ui/web.nl.yaml: missing {key} (it is in web.en.yaml)" in _problems(
        kb_copy
    )


def test_adding_a_condition_without_its_texts_fails(kb_copy: Path) -> None:
    path = kb_copy / "vocabulary.yaml"
    data = _load(path)
    data["conditions"]["gout"] = "gout"
    _dump(path, data)
    problems = _problems(kb_copy)
    for lang in load_knowledge_base().languages:
        assert f"knowledge/texts/{lang}.yaml: missing text conditions.gout" in problems


def _add_texts(root: Path, section: str, code: str) -> None:
    for lang in load_knowledge_base().languages:
        data = _load(_texts(root, lang))
        data["sections"][section][code] = {"label": code, "patient": code, "clinician": code}
        _dump(_texts(root, lang), data)


def test_adding_a_look_alike_without_its_rule_fails(kb_copy: Path) -> None:
    path = kb_copy / "vocabulary.yaml"
    data = _load(path)
    data["differential_conditions"].append("coeliac_disease_lookalike")
    _dump(path, data)
    _add_texts(kb_copy, "differential_conditions", "coeliac_disease_lookalike")
    assert (
        "knowledge/vocabulary.yaml: differential_conditions.coeliac_disease_lookalike: "
        "the core has no rule that judges it"
    ) in _problems(kb_copy)


def test_a_look_alike_the_core_judges_must_be_in_the_vocabulary(kb_copy: Path) -> None:
    path = kb_copy / "vocabulary.yaml"
    data = _load(path)
    data["differential_conditions"].remove("folate_deficiency")
    _dump(path, data)
    problems = _problems(kb_copy)
    assert any(
        p.startswith(
            "knowledge/vocabulary.yaml: differential_conditions: the core judges "
            "folate_deficiency (rule D6)"
        )
        for p in problems
    )


def test_adding_a_rule_without_a_case_fails_and_names_the_rule(kb_copy: Path) -> None:
    path = kb_copy / "rules.yaml"
    data = _load(path)
    data["rules"]["D7"] = {"area": "differentials", "sources": ["seed"]}
    _dump(path, data)
    _add_texts(kb_copy, "rules", "D7")
    problems = _problems(kb_copy, list(default_case_folders()))
    assert problems == [
        "knowledge/rules.yaml: rule D7: no case in tests/cases or the shared vignettes makes it "
        "fire"
    ]


def test_a_screening_rule_needs_an_edge_patient_it_flags(kb_copy: Path) -> None:
    """C1-C6 run over extracts: their cases are the screening edge patients, never a skip."""
    path = kb_copy / "rules.yaml"
    data = _load(path)
    data["rules"]["C7"] = {"area": "screening", "sources": ["seed"]}
    _dump(path, data)
    _add_texts(kb_copy, "rules", "C7")
    assert _problems(kb_copy, list(default_case_folders())) == [
        "knowledge/rules.yaml: rule C7: no screening edge case "
        "(b12check.screening.edge_cases) makes it flag anyone"
    ]


def test_a_screening_rule_filed_under_another_area_fails(kb_copy: Path) -> None:
    path = kb_copy / "rules.yaml"
    data = _load(path)
    data["rules"]["C3"]["area"] = "plan"
    _dump(path, data)
    assert _problems(kb_copy, list(default_case_folders())) == [
        "knowledge/rules.yaml: rule C3: no case in tests/cases or the shared vignettes makes it "
        "fire",
        "knowledge/rules.yaml: rule C3 flags people in the screen but is not listed with area "
        "screening",
    ]


def test_a_screening_rule_that_flags_no_edge_patient_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Take every lab result away from the edge patients: nobody is in the grey zone or
    deficient any more, and the check names C2 and C3 (and only them)."""
    from b12check.screening import edge_cases

    full = edge_cases.edge_rows

    def without_labs() -> dict[str, list[dict[str, object]]]:
        return {**full(), "observations": []}

    monkeypatch.setattr(edge_cases, "edge_rows", without_labs)
    assert _problems(None, list(default_case_folders())) == [
        f"knowledge/rules.yaml: rule {rid}: no screening edge case "
        "(b12check.screening.edge_cases) makes it flag anyone"
        for rid in ("C2", "C3")
    ]


def test_rule_coverage_names_each_rule_no_case_makes_fire(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(CASES / "c01-nothing-relevant-self-care.yaml", folder)
    problems = _problems(None, [folder])
    missing = {p.split(":")[1].strip().removeprefix("rule ") for p in problems}
    assert "P1" in missing and "W9" in missing and "T1" in missing
    assert all(p.startswith("knowledge/rules.yaml: rule ") for p in problems)


def test_zones_out_of_order_fail(kb_copy: Path) -> None:
    path = kb_copy / "parameters" / "labs.yaml"
    text = path.read_text(encoding="utf-8")
    old = "2013-01-10: {value: 222, source: [seed, stabler-2013]}"
    assert old in text
    path.write_text(text.replace(old, old.replace("222", "140")), encoding="utf-8")
    problems = _problems(kb_copy)
    assert any(
        p.startswith("knowledge/parameters/labs.yaml: b12: zones out of order in profile seed")
        and "labs.b12.low_below = 148 is not below labs.b12.normal_from = 140" in p
        for p in problems
    )


def test_a_limit_outside_the_plausible_range_fails(kb_copy: Path) -> None:
    path = kb_copy / "parameters" / "labs.yaml"
    text = path.read_text(encoding="utf-8")
    old = "2024-03-06: {value: 70, source: [nice-ng239]}"
    assert old in text
    path.write_text(text.replace(old, old.replace("70", "70000")), encoding="utf-8")
    assert any(
        "labs.holotc.normal_above = 70000 in profile seed lies outside holotc's plausible" in p
        for p in _problems(kb_copy)
    )


def test_vocabulary_and_knowledge_base_must_agree_on_units(kb_copy: Path) -> None:
    path = kb_copy / "vocabulary.yaml"
    data = _load(path)
    data["analytes"]["ferritin"]["unit"] = "ng/mL"
    _dump(path, data)
    assert (
        "knowledge/analytes.yaml: ferritin: canonical unit ug/L but the vocabulary says ng/mL"
        in _problems(kb_copy)
    )


def test_a_lab_limit_in_the_wrong_unit_fails(kb_copy: Path) -> None:
    path = kb_copy / "parameters" / "labs.yaml"
    text = path.read_text(encoding="utf-8")
    old = 'b12.low_below:\n  description: "Serum B12 below this is low (deficiency likely)."\n  unit: pmol/L'
    assert old in text
    path.write_text(text.replace(old, old.replace("pmol/L", "pg/mL")), encoding="utf-8")
    assert (
        "knowledge/parameters/labs.yaml: b12.low_below: unit pg/mL, but b12 is read in pmol/L"
        in _problems(kb_copy)
    )


def test_the_command_fails_with_exit_1_and_names_the_file(kb_copy: Path) -> None:
    data = _load(_texts(kb_copy, "nl"))
    del data["sections"]["symptoms"]["paresthesia"]
    _dump(_texts(kb_copy, "nl"), data)
    result = CliRunner().invoke(app, ["kb", "--root", str(kb_copy), "--format", "json"])
    assert result.exit_code == 1
    assert "knowledge/texts/nl.yaml: missing text symptoms.paresthesia" in result.stderr
    assert result.stdout == ""  # nothing listed from a broken knowledge base


def test_the_command_passes_on_the_shipped_knowledge_base() -> None:
    result = CliRunner().invoke(app, ["kb", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "every rule fire" in result.stderr


def test_an_error_case_counts_for_its_rule_only_while_the_error_comes(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    case = _load(CASES / "e18-mma-450-umol-implausible.yaml")
    assert case["rules"] == ["L4"]
    _dump(folder / "e18.yaml", case)
    report = check_knowledge(None, [folder])
    assert not any("rule L4:" in str(p) for p in report.problems)
    case["intake"]["labs"][0]["value"] = 0.45  # plausible now: no error, so L4 is not shown
    _dump(folder / "e18.yaml", case)
    problems = [str(p) for p in check_knowledge(None, [folder]).problems]
    assert f"{folder / 'e18.yaml'}: expects an input error, but none came" in problems
    assert any(p.startswith("knowledge/rules.yaml: rule L4: no case") for p in problems)


def test_a_likely_look_alike_needs_its_next_step_in_the_vocabulary(kb_copy: Path) -> None:
    path = kb_copy / "vocabulary.yaml"
    data = _load(path)
    del data["next_steps"]["statin_review"]
    _dump(path, data)
    assert (
        "knowledge/vocabulary.yaml: next_steps: the core's next step statin_review for "
        "statin_myopathy is missing"
    ) in _problems(kb_copy)


def test_zones_broken_by_a_profile_name_the_profile_file(kb_copy: Path) -> None:
    path = kb_copy / "profiles" / "nice.yaml"
    text = path.read_text(encoding="utf-8")
    old = "2024-03-06: {value: 133, source: [nice-ng239]}"
    assert old in text
    path.write_text(text.replace(old, old.replace("133", "900")), encoding="utf-8")
    problems = _problems(kb_copy)
    assert any(
        p.startswith("knowledge/profiles/nice.yaml: b12: zones out of order in profile nice")
        for p in problems
    ), problems
    assert not any("in profile seed" in p for p in problems)
