"""Safety invariants checked on many generated intakes (hypothesis): red flags always give
'immediate', more risk never lowers triage, a lower B12 never looks less deficient, missing data
never counts as normal, and no intake crashes the core."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from b12check.errors import IntakeError
from b12check.knowledge_base import load_knowledge_base
from b12check.service import assess

KB = load_knowledge_base()
VOCAB = KB.vocabulary
TODAY = date(2026, 11, 28)
LEVELS = ["self_care", "routine", "urgent", "immediate"]
STATUS_RANK = {"unlikely": 0, "indeterminate": 1, "probable": 2, "deficient": 3}
RED_FLAGS = sorted(KB.core.group("red_flag"))
RISK_CONDITIONS = [
    "pernicious_anaemia",
    "autoimmune_gastritis",
    "gastrectomy",
    "ileal_resection",
    "bariatric_surgery",
    "coeliac_disease",
    "crohns_disease",
    "type1_diabetes",
    "vitiligo",
    "autoimmune_thyroid_disease",
]
RISK_MEDICINES = [
    {"name": "metformine", "years": 5},
    {"name": "Nexium", "years": 3},
    {"name": "ranitidine", "years": 2},
    {"name": "omeprazol", "months": 4},
]
MEDICINES = [
    "Glucophage",
    "Losec",
    "simvastatine",
    "Lipitor",
    "furosemide",
    "paracetamol",
    "methotrexaat",
    "levothyroxine",
    "foliumzuur",
    "metoprolol",
]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def canonical_value(analyte: str) -> st.SearchStrategy[float]:
    low, high = KB.analytes[analyte].plausible or (0.0, 1.0)
    return st.floats(min_value=low, max_value=min(high, low * 20 + 50), allow_nan=False)


@st.composite
def labs(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for analyte in draw(st.lists(st.sampled_from(list(KB.analytes)), max_size=6, unique=True)):
        spec = KB.analytes[analyte]
        if spec.qualitative:
            out.append(
                {"analyte": analyte, "value": draw(st.sampled_from(["positive", "negative"]))}
            )
        else:
            out.append(
                {
                    "analyte": analyte,
                    "value": draw(canonical_value(analyte)),
                    "unit": spec.canonical_unit,
                }
            )
    return out


symptom_detail = st.fixed_dictionaries(
    {},
    optional={
        "severity": st.integers(min_value=1, max_value=10),
        "weeks": st.integers(min_value=0, max_value=300),
        "progression": st.sampled_from(list(VOCAB.codes("progression"))),
    },
)


@st.composite
def intakes(draw: st.DrawFn) -> dict[str, Any]:
    sex = draw(st.sampled_from(["female", "male", "other", None]))
    patient: dict[str, Any] = {"age": draw(st.integers(min_value=16, max_value=100))}
    if sex:
        patient["sex"] = sex
    if sex != "male" and draw(st.booleans()):
        patient["pregnant"] = True
    intake: dict[str, Any] = {
        "today": TODAY.isoformat(),
        "patient": patient,
        "symptoms": draw(
            st.dictionaries(
                st.sampled_from(list(VOCAB.codes("symptoms"))), symptom_detail, max_size=5
            )
        ),
        "conditions": draw(
            st.lists(st.sampled_from(list(VOCAB.codes("conditions"))), max_size=3, unique=True)
        ),
        "exposures": draw(
            st.lists(st.sampled_from(list(VOCAB.codes("exposures"))), max_size=2, unique=True)
        ),
        "labs": draw(labs()),
        "medications": [
            {"name": n, "years": draw(st.integers(0, 10))}
            for n in draw(st.lists(st.sampled_from(MEDICINES), max_size=3))
        ],
    }
    if draw(st.booleans()):
        intake["diet"] = {"pattern": draw(st.sampled_from(list(VOCAB.codes("diets"))))}
    if draw(st.booleans()):
        intake["supplements"] = [
            {
                "b12_ug": draw(st.sampled_from([0, 10, 1000])),
                "b6_mg": draw(st.sampled_from([0, 5, 50])),
                "folic_acid_ug": draw(st.sampled_from([0, 400, 5000])),
            }
        ]
    if draw(st.booleans()):
        started = TODAY - timedelta(days=draw(st.integers(0, 200)))
        intake["treatment"] = {
            "started": started.isoformat(),
            "route": draw(st.sampled_from(["oral", "intramuscular"])),
            "dose_ug_per_day": draw(st.sampled_from([100, 1000, 2000])),
            "response": draw(st.sampled_from(["improved", "unchanged", "worse"])),
        }
    return intake


def level(intake: dict[str, Any]) -> int:
    return LEVELS.index(assess(intake).triage_level)


@SETTINGS
@given(intakes(), st.sampled_from(RED_FLAGS))
def test_any_red_flag_gives_immediate_whatever_else_is_true(
    intake: dict[str, Any], flag: str
) -> None:
    intake["symptoms"][flag] = {}
    assert assess(intake).triage_level == "immediate"


@SETTINGS
@given(intakes(), st.sampled_from(["muscle_weakness", "numbness", "paresthesia"]))
def test_rapidly_worsening_weakness_or_numbness_is_a_red_flag(
    intake: dict[str, Any], code: str
) -> None:
    intake["symptoms"][code] = {"progression": "rapidly_worsening"}
    assert assess(intake).triage_level == "immediate"


@SETTINGS
@given(intakes(), st.sampled_from(list(VOCAB.codes("symptoms"))))
def test_adding_a_symptom_never_lowers_triage(intake: dict[str, Any], code: str) -> None:
    before = level(intake)
    intake["symptoms"].setdefault(code, {})
    assert level(intake) >= before


@SETTINGS
@given(
    intakes(),
    st.sampled_from([*RISK_CONDITIONS, "nitrous_oxide", "age", *range(len(RISK_MEDICINES))]),
)
def test_adding_a_risk_factor_never_lowers_triage(intake: dict[str, Any], risk: Any) -> None:
    before = level(intake)
    if risk == "nitrous_oxide":
        intake["exposures"] = sorted(set(intake["exposures"]) | {"nitrous_oxide"})
    elif risk == "age":
        intake["patient"]["age"] = max(intake["patient"]["age"], 70)
    elif isinstance(risk, int):
        intake["medications"].append(dict(RISK_MEDICINES[risk]))
    else:
        intake["conditions"] = sorted(set(intake["conditions"]) | {risk})
    assert level(intake) >= before


@SETTINGS
@given(intakes(), st.floats(min_value=20, max_value=1500), st.floats(min_value=20, max_value=1500))
def test_a_lower_b12_never_gives_a_less_deficient_status(
    intake: dict[str, Any], first: float, second: float
) -> None:
    low, high = sorted((first, second))
    others = [lab for lab in intake["labs"] if lab["analyte"] != "b12"]
    intake.pop("treatment", None)
    intake.pop("supplements", None)
    ranks = []
    for value in (low, high):
        intake["labs"] = [*others, {"analyte": "b12", "value": value, "unit": "pmol/L"}]
        ranks.append(STATUS_RANK[assess(intake).status])
    assert ranks[0] >= ranks[1]


DECISIVE = {
    "magnesium_deficiency": "magnesium",
    "vitamin_d_deficiency": "vitamin_d",
    "thyroid_disorder": "tsh",
    "iron_deficiency_anaemia": "ferritin",
    "folate_deficiency": "folate",
}


@SETTINGS
@given(intakes())
def test_missing_data_never_counts_as_normal(intake: dict[str, Any]) -> None:
    result = assess(intake).to_dict()
    measured = {lab["analyte"] for lab in result["labs"]}
    for d in result["differentials"]:
        if d["condition"] in DECISIVE and d["support"] == "unlikely":
            assert DECISIVE[d["condition"]] in measured, d
    if result["b12"]["status"] == "unlikely":
        assert measured & {"b12", "holotc", "mma"}
    if not measured & {"b12", "holotc", "mma", "homocysteine"}:
        assert result["b12"]["status"] == "not_tested"
    for lab in result["labs"]:
        assert (lab["analyte"] in measured and lab["interpretation"] is not None) or lab[
            "analyte"
        ] in {"ft4", "creatinine"}


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates().map(str),
)
junk = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "patient",
                    "labs",
                    "symptoms",
                    "age",
                    "value",
                    "unit",
                    "analyte",
                    "loinc",
                    "medications",
                    "name",
                    "since",
                    "treatment",
                    "diet",
                    "pattern",
                    "today",
                    "supplements",
                    "b6_mg",
                    "sex",
                    "started",
                    "route",
                    "severity",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(junk, intakes()))
def test_random_intakes_never_crash_the_core(document: Any) -> None:
    try:
        result = assess(document)
    except IntakeError as exc:
        assert exc.errors and all(e.path and e.message for e in exc.errors)
    else:
        assert result.triage_level in LEVELS


# ---- v2 red flags and rules (clinical-rules.md T1, L1, D) ----

V2_RED_FLAGS = ["chest_pain", "fainting", "vision_loss"]
NERVE_SYMPTOMS = [*sorted(KB.core.group("neuro")), "muscle_weakness"]
HB_UNITS = {"g/L": 1.0, "g/dL": 10.0, "mmol/L": KB.analytes["hb"].units["mmol/l"].factor}


@SETTINGS
@given(intakes(), st.sampled_from(V2_RED_FLAGS))
def test_chest_pain_fainting_or_vision_loss_always_give_immediate(
    intake: dict[str, Any], flag: str
) -> None:
    intake["symptoms"][flag] = {}
    assert assess(intake).triage_level == "immediate"


@SETTINGS
@given(intakes(), st.sampled_from(NERVE_SYMPTOMS))
def test_nitrous_oxide_with_a_nerve_symptom_or_weakness_always_gives_immediate(
    intake: dict[str, Any], symptom: str
) -> None:
    intake["exposures"] = sorted(set(intake["exposures"]) | {"nitrous_oxide"})
    intake["symptoms"][symptom] = {}
    result = assess(intake)
    assert result.triage_level == "immediate"
    assert "nitrous_oxide_with_neuro" in result.triage_reasons


@SETTINGS
@given(
    intakes(),
    st.floats(min_value=20, max_value=69.9, allow_nan=False),
    st.sampled_from(sorted(HB_UNITS)),
)
def test_a_critical_haemoglobin_always_gives_immediate(
    intake: dict[str, Any], grams_per_litre: float, unit: str
) -> None:
    others = [lab for lab in intake["labs"] if lab["analyte"] != "hb"]
    value = grams_per_litre / HB_UNITS[unit]
    intake["labs"] = [*others, {"analyte": "hb", "value": value, "unit": unit}]
    result = assess(intake)
    assert result.triage_level == "immediate"
    assert "critical_hb" in result.triage_reasons


@SETTINGS
@given(intakes(), st.floats(min_value=70, max_value=79.9, allow_nan=False))
def test_a_severe_haemoglobin_is_never_below_urgent(
    intake: dict[str, Any], grams_per_litre: float
) -> None:
    others = [lab for lab in intake["labs"] if lab["analyte"] != "hb"]
    intake["labs"] = [*others, {"analyte": "hb", "value": grams_per_litre, "unit": "g/L"}]
    assert level(intake) >= LEVELS.index("urgent")


lab_limit = st.one_of(st.none(), st.floats(min_value=50, max_value=1500, allow_nan=False))


@SETTINGS
@given(
    st.floats(min_value=20, max_value=1500, allow_nan=False),
    lab_limit,
    lab_limit,
    st.sampled_from(["seed", "nhg", "nice"]),
)
def test_entering_a_labs_range_never_turns_a_borderline_b12_into_normal(
    value: float, low: float | None, high: float | None, profile: str
) -> None:
    if low is not None and high is not None:
        assume(low != high)
        low, high = min(low, high), max(low, high)
    bare = {
        "today": TODAY.isoformat(),
        "labs": [{"analyte": "b12", "value": value, "unit": "pmol/L"}],
    }
    without = assess(bare, profile=profile).to_dict()["labs"][0]["interpretation"]
    ranged = {
        "today": TODAY.isoformat(),
        "labs": [
            {"analyte": "b12", "value": value, "unit": "pmol/L", "reference_range": [low, high]}
        ],
    }
    with_range = assess(ranged, profile=profile).to_dict()["labs"][0]["interpretation"]
    if without in {"borderline", "low"}:
        assert with_range != "normal", (value, low, high, without)
    if low is not None and value < low:
        assert with_range == "low"


@SETTINGS
@given(intakes())
def test_a_likely_look_alike_always_has_a_next_step_and_only_then(intake: dict[str, Any]) -> None:
    result = assess(intake).to_dict()
    steps = set(VOCAB.codes("next_steps"))
    for d in result["differentials"]:
        if d["support"] == "likely":
            assert d.get("next_step") in steps, d
        else:
            assert "next_step" not in d, d
