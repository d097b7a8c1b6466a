"""Medicine recognition: label text, brands and ATC codes -> vocabulary classes (real data)."""

from __future__ import annotations

import copy
from importlib.resources import files
from typing import Any

import pytest
import yaml

from b12check.errors import KnowledgeError
from b12check.knowledge_base import discover_languages
from b12check.medicines import MedicineIndex, build_index, is_valid_atc

FILE = "medicines.yaml"
KNOWLEDGE = files("b12check") / "knowledge"


def _raw() -> dict[str, Any]:
    data = yaml.safe_load((KNOWLEDGE / FILE).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _vocabulary_classes() -> set[str]:
    vocabulary = yaml.safe_load((KNOWLEDGE / "vocabulary.yaml").read_text(encoding="utf-8"))
    return set(vocabulary["medication_classes"])


RAW = _raw()
VOCABULARY = _vocabulary_classes()
LANGUAGES = discover_languages()


@pytest.fixture(scope="module")
def index() -> MedicineIndex:
    return build_index(copy.deepcopy(RAW), FILE, vocabulary=VOCABULARY, languages=LANGUAGES)


def _classes(index: MedicineIndex, text: str | None = None, atc: str | None = None) -> set[str]:
    found = index.lookup(text=text, atc=atc)
    return set() if found is None else set(found.classes)


# ---- label text, generic names and salts ----------------------------------------------------

LABELS = [
    # Dutch pharmacy labels and spellings
    ("Metformine HCl 500mg tablet", {"metformin"}),
    ("METFORMINE HCL 850MG TABLET FO", {"metformin"}),
    ("OMEPRAZOL 20MG CAPSULE MSR", {"ppi"}),
    ("Pantoprazol 40 mg maagsapresistente tablet", {"ppi"}),
    ("esomeprazol 40 mg tablet msr 1dd1", {"ppi"}),
    ("simvastatine 40 mg tablet 1dd1 a.n.", {"statin"}),
    ("Atorvastatine 20 mg filmomhulde tablet", {"statin"}),
    ("ROSUVASTATINE 10MG TABLET", {"statin"}),
    ("SITAGLIPTINE/METFORMINE 50/1000MG TABLET FO", {"metformin"}),
    ("Ezetimib/simvastatine 10/40 mg tablet", {"statin"}),
    ("Losartan/hydrochloorthiazide 50/12,5 mg", {"diuretic"}),
    ("Levothyroxinenatrium 50 microgram tablet", {"levothyroxine"}),
    ("Fenytoïne 100 mg capsule", {"anticonvulsant"}),
    ("FENYTOINE 100MG", {"anticonvulsant"}),
    ("Methotrexaat 2,5 mg tablet 1x per week", {"methotrexate"}),
    ("Foliumzuur 0,5 mg tablet", {"folic_acid"}),
    ("Hydroxocobalamine 1 mg/ml injectievloeistof", {"b12_supplement"}),
    ("Vitamine B12 1000 mcg zuigtablet", {"b12_supplement"}),
    ("spironolacton 25 mg", {"diuretic"}),
    ("chloortalidon 12,5 mg", {"diuretic"}),
    ("ranitidine 150 mg", {"h2ra"}),
    ("primidon 250 mg", {"anticonvulsant"}),
    # English and US (RxNorm-style) labels
    ("Metformin Hydrochloride 500 MG Oral Tablet", {"metformin"}),
    ("24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", {"metformin"}),
    ("metformin hydrochloride 1000 MG / sitagliptin 50 MG Oral Tablet", {"metformin"}),
    (
        "dapagliflozin 5 MG / metformin hydrochloride 1000 MG Extended Release Oral Tablet",
        {"metformin"},
    ),
    ("esomeprazole magnesium 40 MG Delayed Release Oral Capsule", {"ppi"}),
    ("rosuvastatin calcium 10 MG Oral Tablet", {"statin"}),
    ("ezetimibe 10 MG / simvastatin 40 MG Oral Tablet", {"statin"}),
    ("amlodipine 10 MG / atorvastatin 80 MG Oral Tablet", {"statin"}),
    ("hydrochlorothiazide 12.5 MG / losartan potassium 50 MG Oral Tablet", {"diuretic"}),
    ("Levothyroxine Sodium 0.05 MG Oral Tablet", {"levothyroxine"}),
    ("famotidine 20 MG Oral Tablet", {"h2ra"}),
    ("colchicine 0.6 MG Oral Tablet", {"colchicine"}),
    ("carbamazepine 200 MG Extended Release Oral Tablet", {"anticonvulsant"}),
    ("phenobarbital 30 MG Oral Tablet", {"anticonvulsant"}),
    ("phenytoin sodium 100 MG Extended Release Oral Capsule", {"anticonvulsant"}),
    ("Vitamin B 12 5 MG/ML Injectable Solution", {"b12_supplement"}),
    ("cyanocobalamin 1000 MCG/ML Injectable Solution", {"b12_supplement"}),
    ("methylcobalamin 1 mg", {"b12_supplement"}),
    ("folic acid 1 MG Oral Tablet", {"folic_acid"}),
    ("furosemide 40 MG Oral Tablet", {"diuretic"}),
    ("chlorthalidone 25 MG Oral Tablet", {"diuretic"}),
    ("Frusemide 40mg", {"diuretic"}),
    ("Bendroflumethiazide 2.5mg tablets", {"diuretic"}),
    ("Thyroxine 100 micrograms", {"levothyroxine"}),
    # several medicines in one text: every class is kept
    ("metformine 500 mg en simvastatine 40 mg", {"metformin", "statin"}),
    ("omeprazol 20 mg + foliumzuur 5 mg", {"ppi", "folic_acid"}),
    ("rosuvastatin, perindopril and indapamide", {"statin", "diuretic"}),
    ("ijzer/vitamine B12/foliumzuur", {"b12_supplement", "folic_acid"}),
]


@pytest.mark.parametrize(("text", "expected"), LABELS)
def test_label_text_maps_to_classes(index: MedicineIndex, text: str, expected: set[str]) -> None:
    assert _classes(index, text) == expected


@pytest.mark.parametrize(
    ("text", "medicine_id"),
    [
        ("pantoprazol", "pantoprazole"),
        ("omeprazole", "omeprazole"),
        ("metformine", "metformin"),
        ("simvastatine", "simvastatin"),  # the spelling of public vignette p17
        ("ranitidine", "ranitidine"),  # vignette p20
        ("metformin", "metformin"),  # vignette p11
        ("metformin hydrochloride 1000 MG / sitagliptin 50 MG", "sitagliptin_metformin"),
        ("omeprazole 20 mg and sodium bicarbonate 1100 mg", "omeprazole_sodium_bicarbonate"),
        ("amlodipine 5 mg / atorvastatin 10 mg", "atorvastatin_amlodipine"),
    ],
)
def test_generic_names_and_combinations(index: MedicineIndex, text: str, medicine_id: str) -> None:
    found = index.lookup(text)
    assert found is not None
    assert found.medicine_id == medicine_id


def test_match_carries_canonical_name_atc_and_matched_text(index: MedicineIndex) -> None:
    found = index.lookup("METFORMINE HCL 500MG TABLET")
    assert found is not None
    assert found.name == "metformin"
    assert found.atc == "A10BA02"
    assert found.matched == "metformine HCl"  # the longest known name, as the data spells it


def test_several_medicines_in_one_text_are_all_reported(index: MedicineIndex) -> None:
    found = index.lookup("metformine 500 mg en simvastatine 40 mg")
    assert found is not None
    assert found.medicine_id == "metformin+simvastatin"
    assert found.atc is None
    assert "metformine" in found.matched
    assert "simvastatine" in found.matched


def test_a_medicine_adding_no_class_is_not_reported_twice(index: MedicineIndex) -> None:
    """'Vitamine B12 (methylcobalamine)' is one B12 product, not a combination of two."""
    found = index.lookup("Vitamine B12 1000 mcg (methylcobalamine)")
    assert found is not None
    assert found.medicine_id == "vitamin_b12"
    combo = index.lookup("Janumet 50/1000 mg, metformine 500 mg")
    assert combo is not None
    assert combo.medicine_id == "sitagliptin_metformin"


# ---- brands ---------------------------------------------------------------------------------

BRANDS = [
    ("Glucophage", "metformin", {"metformin"}),
    ("Glucophage SR 500mg", "metformin", {"metformin"}),
    ("Janumet 50/1000", "sitagliptin_metformin", {"metformin"}),
    ("Eucreas", "vildagliptin_metformin", {"metformin"}),
    ("Synjardy", "empagliflozin_metformin", {"metformin"}),
    ("Xigduo XR", "dapagliflozin_metformin", {"metformin"}),
    ("Jentadueto", "linagliptin_metformin", {"metformin"}),
    ("Vokanamet", "canagliflozin_metformin", {"metformin"}),
    ("Segluromet", "ertugliflozin_metformin", {"metformin"}),
    ("Komboglyze", "saxagliptin_metformin", {"metformin"}),
    ("Competact", "pioglitazone_metformin", {"metformin"}),
    ("Losec MUPS 20 mg", "omeprazole", {"ppi"}),
    ("Nexium", "esomeprazole", {"ppi"}),
    ("Pantozol", "pantoprazole", {"ppi"}),
    ("Protonix", "pantoprazole", {"ppi"}),
    ("Vimovo", "naproxen_esomeprazole", {"ppi"}),
    ("Zantac", "ranitidine", {"h2ra"}),
    ("Zantac 360", "famotidine", {"h2ra"}),  # the US product contains famotidine
    ("Pepcid AC", "famotidine", {"h2ra"}),
    ("Tagamet", "cimetidine", {"h2ra"}),
    ("Axid", "nizatidine", {"h2ra"}),
    ("Lipitor", "atorvastatin", {"statin"}),
    ("Zocor", "simvastatin", {"statin"}),
    ("Crestor", "rosuvastatin", {"statin"}),
    ("Inegy", "simvastatin_ezetimibe", {"statin"}),
    ("Atozet", "atorvastatin_ezetimibe", {"statin"}),
    ("Caduet", "atorvastatin_amlodipine", {"statin"}),
    ("Juvisync", "sitagliptin_simvastatin", {"statin"}),
    ("Euthyrox 75 microgram", "levothyroxine", {"levothyroxine"}),
    ("Thyrax Duotab", "levothyroxine", {"levothyroxine"}),
    ("Eltroxin", "levothyroxine", {"levothyroxine"}),
    ("Synthroid", "levothyroxine", {"levothyroxine"}),
    ("Levoxyl", "levothyroxine", {"levothyroxine"}),
    ("Tirosint", "levothyroxine", {"levothyroxine"}),
    ("Tegretol CR", "carbamazepine", {"anticonvulsant"}),
    ("Epanutin", "phenytoin", {"anticonvulsant"}),
    ("Mysoline", "primidone", {"anticonvulsant"}),
    ("Metoject", "methotrexate", {"methotrexate"}),
    ("Lasix", "furosemide", {"diuretic"}),
    ("Burinex", "bumetanide", {"diuretic"}),
    ("Aldactone", "spironolactone", {"diuretic"}),
    ("Dyazide", "triamterene_hydrochlorothiazide", {"diuretic"}),
    ("Co-Diovan", "valsartan_hydrochlorothiazide", {"diuretic"}),
    ("Colcrys", "colchicine", {"colchicine"}),
    ("Neo-Cytamen", "hydroxocobalamin", {"b12_supplement"}),
]


@pytest.mark.parametrize(("text", "medicine_id", "expected"), BRANDS)
def test_brands(index: MedicineIndex, text: str, medicine_id: str, expected: set[str]) -> None:
    found = index.lookup(text)
    assert found is not None
    assert found.medicine_id == medicine_id
    assert set(found.classes) == expected


# ---- ATC codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("A10BA02", {"metformin"}),
        ("A10BD07", {"metformin"}),  # metformin and sitagliptin
        ("A10BD02", {"metformin"}),
        ("A10BD27", {"metformin"}),
        ("A10BD01", set()),  # phenformin and sulfonylureas: no metformin
        ("A10BD19", set()),  # linagliptin and empagliflozin
        ("A10BD21", set()),  # saxagliptin and dapagliflozin
        ("A10BD24", set()),  # sitagliptin and ertugliflozin
        ("C10AA05", {"statin"}),
        ("C10BA02", {"statin"}),
        ("C10BA10", set()),  # bempedoic acid and ezetimibe: no statin
        ("C10BX03", {"statin"}),
        ("C10BX13", {"statin", "diuretic"}),
        ("A10BH51", {"statin"}),  # sitagliptin and simvastatin
        ("A10BH52", {"statin"}),
        ("A10BH01", set()),  # sitagliptin alone
        ("A02BC01", {"ppi"}),
        ("A02BC08", {"ppi"}),
        ("A02BD08", set()),  # bismuth, tetracycline and metronidazole: no PPI
        ("A02BD04", {"ppi"}),
        ("M01AE52", {"ppi"}),
        ("A02BA02", {"h2ra"}),
        ("M04AC01", {"colchicine"}),
        ("L04AX03", {"methotrexate"}),
        ("L01BA01", {"methotrexate"}),
        ("N03AB02", {"anticonvulsant"}),
        ("N03AA02", {"anticonvulsant"}),
        ("N03AA03", {"anticonvulsant"}),
        ("N03AF01", {"anticonvulsant"}),
        ("N03AG01", set()),  # valproic acid is not in the class
        ("C03CA01", {"diuretic"}),
        ("C09DA01", {"diuretic"}),
        ("C09AA02", set()),  # enalapril alone
        ("C02DA01", set()),  # diazoxide is no diuretic
        ("H03AA01", {"levothyroxine"}),
        ("H03AA02", set()),  # liothyronine alone
        ("B03BA01", {"b12_supplement"}),
        ("B03BA03", {"b12_supplement"}),
        ("B03BB01", {"folic_acid"}),
        ("B03AE01", {"b12_supplement", "folic_acid"}),
        ("V03AF03", set()),  # calcium folinate is not folic acid
        ("N02BE01", set()),  # paracetamol
        ("A02BC", {"ppi"}),  # level-4 prefix wholly inside a class
        ("A10BD", set()),  # mixed group: not every member contains metformin
        ("C10B", set()),  # mixed group: C10BA10 has no statin
    ],
)
def test_atc_codes(index: MedicineIndex, code: str, expected: set[str]) -> None:
    assert _classes(index, atc=code) == expected


def test_atc_match_names_the_medicine_or_the_who_group(index: MedicineIndex) -> None:
    single = index.lookup(atc="A10BD07")
    assert single is not None
    assert (single.medicine_id, single.atc, single.matched) == (
        "sitagliptin_metformin",
        "A10BD07",
        "A10BD07",
    )
    shared = index.lookup(atc="C03EA01")  # amiloride, triamterene or spironolactone with HCTZ
    assert shared is not None
    assert shared.medicine_id == "atc:C03EA01"
    assert shared.name == "hydrochlorothiazide and potassium-sparing agents"
    assert shared.classes == frozenset({"diuretic"})


def test_atc_is_normalised(index: MedicineIndex) -> None:
    assert _classes(index, atc=" a10b d07 ") == {"metformin"}
    assert _classes(index, atc="A10B.D07") == {"metformin"}


def test_atc_wins_over_text_when_known(index: MedicineIndex) -> None:
    found = index.lookup(text="omeprazol", atc="A10BD07")
    assert found is not None
    assert found.classes == frozenset({"metformin"})


def test_unknown_or_classless_atc_falls_back_to_text(index: MedicineIndex) -> None:
    assert _classes(index, text="omeprazol", atc="N02BE01") == {"ppi"}
    assert _classes(index, text="omeprazol", atc="not-a-code") == {"ppi"}
    assert index.lookup(atc="N02BE01") is None


def test_atc_typed_as_the_name(index: MedicineIndex) -> None:
    assert _classes(index, text="A10BD07") == {"metformin"}
    assert _classes(index, text="c10aa01") == {"statin"}
    assert index.lookup(text="C10BA10") is None


def test_who_names_agree_with_class_table(index: MedicineIndex) -> None:
    """Every listed ATC code whose WHO name contains metformin / a statin is in that class."""
    statins = (
        "simvastatin",
        "lovastatin",
        "pravastatin",
        "fluvastatin",
        "atorvastatin",
        "cerivastatin",
        "rosuvastatin",
        "pitavastatin",
    )
    ppis = ("prazole", "prazan", "proton pump inhibitor")
    for code, who_name in RAW["atc_names"].items():
        if len(code) != 7:
            continue
        classes = index.lookup(atc=code)
        got = set() if classes is None else set(classes.classes)
        assert ("metformin" in who_name) == ("metformin" in got), code
        assert any(s in who_name for s in statins) == ("statin" in got), code
        assert any(s in who_name for s in ppis) == ("ppi" in got), code
        assert ("levothyroxine" in who_name) == ("levothyroxine" in got), code


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("A10BA02", True),
        ("A10BD", True),
        ("A10B", True),
        ("a10ba02", False),
        ("A10", False),
        ("A10BA0", False),
        ("A10BA021", False),
        ("Z10BA02", False),
        ("", False),
        ("10BA02A", False),
    ],
)
def test_is_valid_atc(code: str, valid: bool) -> None:
    assert is_valid_atc(code) is valid


# ---- not recognised -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "metoprolol",  # close to metformin in letters, another drug
        "Metoprolol succinaat 50 mg retard",
        "paracetamol 500 mg",
        "nystatine",  # contains 'statin' but is an antifungal
        "somatostatine",
        "ezetimibe 10 mg",  # lipid-lowering but not a statin
        "Ezetrol",
        "bempedoic acid and ezetimibe",
        "sitagliptine",
        "vitamin B6 12 mg",  # must not be read as B12
        "vitamine D3",
        "magnesiumcitraat",
        "omeprazo",  # truncated: no fuzzy guessing
        "metformi",
        "500 mg tablet",
        "",
        "   ",
    ],
)
def test_not_recognised(index: MedicineIndex, text: str) -> None:
    assert index.lookup(text) is None


def test_nothing_given(index: MedicineIndex) -> None:
    assert index.lookup() is None


def test_every_name_in_the_data_resolves_to_its_own_entry(index: MedicineIndex) -> None:
    """No name or brand is shadowed by another entry's longer or shorter name."""
    for entry in RAW["medicines"]:
        names = [*entry["names"]["en"], *entry["names"]["nl"], *entry.get("synonyms", [])]
        names += [b if isinstance(b, str) else b["name"] for b in entry.get("brands", [])]
        for name in names:
            found = index.lookup(name)
            assert found is not None, name
            assert found.medicine_id == entry["id"], name
            assert found.classes == frozenset(entry["classes"]), name


def test_every_vocabulary_class_has_medicines(index: MedicineIndex) -> None:
    covered = {cls for entry in RAW["medicines"] for cls in entry["classes"]}
    assert covered == VOCABULARY


# ---- suggestions and names ------------------------------------------------------------------


def test_suggestions_prefix_case_and_accents(index: MedicineIndex) -> None:
    found = index.suggestions("OMEP")
    assert found[:2] == ["omeprazol", "omeprazole"]
    assert "fenytoïne" in index.suggestions("fenytoi")
    assert "fenytoïne" in index.suggestions("FENYTOÏ")
    assert "Glucophage" in index.suggestions("gluco")


def test_suggestions_word_prefix_before_substring(index: MedicineIndex) -> None:
    found = index.suggestions("met", limit=1000)
    assert found.index("metformine") < found.index("Actoplus Met") < found.index("Janumet")
    assert found.index("metformine") < found.index("glibenclamide/metformine")


def test_suggestions_limit_and_empty(index: MedicineIndex) -> None:
    assert len(index.suggestions("a", limit=3)) == 3
    assert index.suggestions("") == []
    assert index.suggestions("  ") == []
    assert index.suggestions("met", limit=0) == []
    assert index.suggestions("xyzzy") == []


def test_names_cover_dutch_english_and_brands(index: MedicineIndex) -> None:
    names = index.names()
    for expected in (
        "metformine",
        "metformin",
        "Glucophage",
        "foliumzuur",
        "folic acid",
        "Thyrax Duotab",
        "Zantac 360",
        "vitamine B12",
    ):
        assert expected in names
    assert len(names) == len(set(names))
    assert "metoprolol" not in names


# ---- malformed data -------------------------------------------------------------------------


def _entry(raw: dict[str, Any], ident: str) -> dict[str, Any]:
    for entry in raw["medicines"]:
        if entry["id"] == ident:
            assert isinstance(entry, dict)
            return entry
    raise AssertionError(ident)


def _break_unknown_top_key(raw: dict[str, Any]) -> None:
    raw["medicine"] = []


def _break_missing_classes(raw: dict[str, Any]) -> None:
    del raw["classes"]


def _break_class_not_in_vocabulary(raw: dict[str, Any]) -> None:
    raw["classes"]["nsaid"] = {"atc": ["M01AE*"]}


def _break_vocabulary_class_missing(raw: dict[str, Any]) -> None:
    del raw["classes"]["h2ra"]
    raw["medicines"] = [e for e in raw["medicines"] if "h2ra" not in e["classes"]]


def _break_class_pattern(raw: dict[str, Any]) -> None:
    raw["classes"]["statin"]["atc"].append("C10A*A")


def _break_class_unknown_key(raw: dict[str, Any]) -> None:
    raw["classes"]["statin"]["atcs"] = ["C10AA*"]


def _break_vocabulary_code_not_covered(raw: dict[str, Any]) -> None:
    raw["classes"]["colchicine"]["atc"] = ["M04AC51"]


def _break_atc_names_code(raw: dict[str, Any]) -> None:
    raw["atc_names"]["A10BX1"] = "something"


def _break_medicine_unknown_key(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["brand"] = ["Glucophage"]


def _break_medicine_class_unknown(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["classes"] = ["biguanide"]


def _break_medicine_malformed_atc(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["atc"] = ["A10BA2"]


def _break_medicine_atc_not_listed(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["atc"] = ["A10BA03"]


def _break_classes_disagree_with_atc(raw: dict[str, Any]) -> None:
    raw["atc_names"]["C10BA10"] = "bempedoic acid and ezetimibe"
    raw["medicines"].append(
        {
            "id": "bempedoic_ezetimibe",
            "classes": ["statin"],
            "atc": ["C10BA10"],
            "names": {"en": ["bempedoic acid and ezetimibe"], "nl": ["bempedoïnezuur/ezetimib"]},
        }
    )


def _break_group_atc_missing_class(raw: dict[str, Any]) -> None:
    entry = _entry(raw, "ibuprofen_famotidine")
    entry["atc"] = ["A02BC01"]  # implies ppi, which the entry does not declare


def _break_duplicate_name(raw: dict[str, Any]) -> None:
    _entry(raw, "omeprazole")["brands"].append({"name": "GLUCOPHAGE"})


def _break_duplicate_id(raw: dict[str, Any]) -> None:
    raw["medicines"].append(copy.deepcopy(_entry(raw, "metformin")))


def _break_missing_english_name(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["names"] = {"nl": ["metformine"]}


def _break_empty_dutch_names(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["names"]["nl"] = []


def _break_missing_dutch_names(raw: dict[str, Any]) -> None:
    del raw["medicines"][0]["names"]["nl"]  # every language of the text files names a medicine


def _break_brand_country(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["brands"][0]["countries"] = ["Netherlands"]


def _break_brand_unknown_key(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["brands"][0]["country"] = "NL"


def _break_name_without_letters(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["synonyms"].append("+ / +")


def _break_filler_word(raw: dict[str, Any]) -> None:
    raw["matching"]["filler_words"].append("500mg")


def _break_filler_word_capitals(raw: dict[str, Any]) -> None:
    raw["matching"]["filler_words"].append("HCl")


def _break_last_reviewed(raw: dict[str, Any]) -> None:
    raw["last_reviewed"] = "someday"


def _break_medicines_not_a_list(raw: dict[str, Any]) -> None:
    raw["medicines"] = {"metformin": {}}


def _break_bad_id(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["id"] = "Metformin HCl"


def _break_atc_is_group_type(raw: dict[str, Any]) -> None:
    _entry(raw, "metformin")["atc_is_group"] = "yes"


BREAKS = [
    (_break_unknown_top_key, "medicine"),
    (_break_missing_classes, "classes"),
    (_break_class_not_in_vocabulary, "nsaid"),
    (_break_vocabulary_class_missing, "h2ra"),
    (_break_class_pattern, "C10A*A"),
    (_break_class_unknown_key, "atcs"),
    (_break_vocabulary_code_not_covered, "M04AC01"),
    (_break_atc_names_code, "A10BX1"),
    (_break_medicine_unknown_key, "metformin"),
    (_break_medicine_class_unknown, "biguanide"),
    (_break_medicine_malformed_atc, "A10BA2"),
    (_break_medicine_atc_not_listed, "A10BA03"),
    (_break_classes_disagree_with_atc, "bempedoic_ezetimibe"),
    (_break_group_atc_missing_class, "ibuprofen_famotidine"),
    (_break_duplicate_name, "metformin"),
    (_break_duplicate_id, "duplicate id"),
    (_break_missing_english_name, "metformin"),
    (_break_empty_dutch_names, "metformin"),
    (_break_missing_dutch_names, "metformin).names.nl"),
    (_break_brand_country, "Netherlands"),
    (_break_brand_unknown_key, "country"),
    (_break_name_without_letters, "metformin"),
    (_break_filler_word, "500mg"),
    (_break_filler_word_capitals, "HCl"),
    (_break_last_reviewed, "someday"),
    (_break_medicines_not_a_list, "medicines"),
    (_break_bad_id, "Metformin HCl"),
    (_break_atc_is_group_type, "atc_is_group"),
]


@pytest.mark.parametrize(("breaker", "named"), BREAKS, ids=[b.__name__[7:] for b, _ in BREAKS])
def test_malformed_data_raises_knowledge_error(breaker: Any, named: str) -> None:
    raw = copy.deepcopy(RAW)
    breaker(raw)
    with pytest.raises(KnowledgeError) as caught:
        build_index(raw, "knowledge/medicines.yaml", vocabulary=VOCABULARY, languages=LANGUAGES)
    assert caught.value.file == "knowledge/medicines.yaml"
    assert str(caught.value).startswith("knowledge/medicines.yaml: ")
    assert named in str(caught.value)


def test_duplicate_name_message_names_both_entries() -> None:
    raw = copy.deepcopy(RAW)
    _break_duplicate_name(raw)
    with pytest.raises(KnowledgeError, match=r"omeprazole.*metformin"):
        build_index(raw, FILE, languages=LANGUAGES)


@pytest.mark.parametrize("raw", [None, [], "medicines", {1: "x"}])
def test_top_level_must_be_a_mapping(raw: object) -> None:
    with pytest.raises(KnowledgeError):
        build_index(raw, FILE, languages=LANGUAGES)


def test_data_builds_without_vocabulary_too() -> None:
    index = build_index(copy.deepcopy(RAW), FILE, languages=LANGUAGES)
    assert _classes(index, "Glucophage") == {"metformin"}
