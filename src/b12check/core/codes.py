"""Every vocabulary code the program compares against, as a typed value.

The codes are ``Literal`` types, so mypy (strict equality is on for the core) rejects a misspelt
code in an assignment, a return or a comparison: ``level == "emergency"`` does not type-check
when ``level`` is a :data:`TriageLevel`. ``tests/core/test_codes.py`` checks each type against
``vocabulary.yaml`` in both directions, so a code added to or dropped from the vocabulary without
the matching change here fails the tests. Codes the project added itself (triage reasons, notes)
are checked against the knowledge base's copy of the vocabulary.

The ``*_CODES`` tuples are the same codes as runtime values, in vocabulary order.
"""

from __future__ import annotations

from typing import Final, Literal, TypeGuard, get_args

TriageLevel = Literal["immediate", "urgent", "routine", "self_care"]

Symptom = Literal[
    "muscle_pain",
    "muscle_cramps",
    "muscle_weakness",
    "paresthesia",
    "numbness",
    "burning_pain",
    "shooting_pain",
    "balance_problems",
    "gait_difficulty",
    "fine_motor_loss",
    "incontinence",
    "cognitive_problems",
    "mood_changes",
    "fatigue",
    "exertional_dyspnoea",
    "severe_dyspnoea",
    "palpitations",
    "chest_pain",
    "fainting",
    "vision_loss",
    "glossitis",
    "eyelid_twitching",
    "bone_pain",
]

Progression = Literal["improving", "stable", "worsening", "rapidly_worsening"]

DietPattern = Literal["omnivore", "pescatarian", "vegetarian", "vegan"]

Condition = Literal[
    "pernicious_anaemia",
    "autoimmune_gastritis",
    "coeliac_disease",
    "crohns_disease",
    "ulcerative_colitis",
    "bacterial_overgrowth",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
    "autoimmune_thyroid_disease",
    "type1_diabetes",
    "type2_diabetes",
    "vitiligo",
    "other_autoimmune_disease",
    "hypothyroidism",
    "chronic_kidney_disease",
    "liver_disease",
    "alcohol_use_disorder",
]

Exposure = Literal["nitrous_oxide", "little_sunlight"]

MedicationClass = Literal[
    "metformin",
    "ppi",
    "h2ra",
    "statin",
    "colchicine",
    "methotrexate",
    "anticonvulsant",
    "diuretic",
    "levothyroxine",
    "b12_supplement",
    "folic_acid",
]

Analyte = Literal[
    "b12",
    "holotc",
    "mma",
    "homocysteine",
    "hb",
    "mcv",
    "folate",
    "ferritin",
    "vitamin_d",
    "magnesium",
    "ck",
    "tsh",
    "ft4",
    "creatinine",
    "egfr",
    "if_antibodies",
    "parietal_cell_antibodies",
    "ttg_iga",
]

Interpretation = Literal["low", "borderline", "normal", "high", "positive", "negative"]
Qualitative = Literal["positive", "negative"]  # the interpretations of an antibody test

B12Status = Literal["deficient", "probable", "indeterminate", "unlikely", "not_tested"]

Suspicion = Literal["high", "moderate", "low"]

Differential = Literal[
    "magnesium_deficiency",
    "vitamin_d_deficiency",
    "thyroid_disorder",
    "statin_myopathy",
    "iron_deficiency_anaemia",
    "folate_deficiency",
]

Support = Literal["likely", "possible", "unlikely", "unknown"]

Test = Literal[
    "cbc",
    "b12",
    "holotc",
    "mma",
    "homocysteine",
    "folate",
    "ferritin",
    "vitamin_d",
    "magnesium",
    "ck",
    "tsh",
    "if_antibodies",
    "parietal_cell_antibodies",
    "coeliac_serology",
    "renal_function",
]

Plan = Literal[
    "test_first", "oral_high_dose", "intramuscular", "oral_maintenance", "reevaluate", "none"
]

RiskFactor = Literal[
    "vegan_without_supplement",
    "vegetarian_without_supplement",
    "age_over_65",
    "pregnancy",
    "breastfeeding",
    "metformin_long_term",
    "metformin",
    "ppi_long_term",
    "ppi",
    "h2ra_long_term",
    "h2ra",
    "pernicious_anaemia",
    "autoimmune_disease",
    "bariatric_surgery",
    "gastrectomy",
    "ileal_resection",
    "coeliac_disease",
    "inflammatory_bowel_disease",
    "bacterial_overgrowth",
    "nitrous_oxide",
]

WarningCode = Literal[
    "b6_above_upper_limit",
    "folic_acid_without_b12",
    "supplements_distort_b12_test",
    "unexplained_high_b12",
    "renal_function_affects_mma",
    "nitrous_oxide_functional_deficiency",
    "normal_b12_does_not_exclude",
    "do_not_stop_medication_yourself",
    "no_response_reevaluate",
    "pregnancy_consult_doctor",
    "magnesium_above_upper_limit",
    "vitamin_d_above_upper_limit",
    "do_not_stop_statin_yourself",
    "iron_deficiency_look_for_cause",
]

NextStep = Literal[
    "magnesium_to_gp",
    "vitamin_d_supplement",
    "thyroid_to_gp",
    "statin_review",
    "iron_cause_to_gp",
    "folate_after_b12_check",
]

TreatmentResponse = Literal["improved", "unchanged", "worse"]

TreatmentRoute = Literal["oral", "intramuscular"]

# ---- codes b12check added to the vocabulary (its own copy in knowledge/vocabulary.yaml) ----

TriageReasonGeneral = Literal[
    "red_flag_symptom",
    "rapidly_worsening",
    "symptoms_with_risk_group",
    "deficiency_with_neuro_symptoms",
    "treatment_worsening",
    "ck_very_high",
    "critical_hb",
    "severe_anaemia_hb",
    "nitrous_oxide_with_neuro",
    "iron_deficiency_anaemia_needs_cause",
    "symptoms",
    "b12_result_abnormal",
    "risk_needs_test",
    "reevaluation",
    "nothing_urgent",
]
# A triage reason is a general reason, or the symptom / risk factor it names.
TriageReason = TriageReasonGeneral | Symptom | RiskFactor

NoteCode = Literal[
    "unit_assumed",
    "loinc_unit_mismatch",
    "medicine_not_recognised",
    "sex_unknown_limit",
    "lab_range_used",
    "latest_result_used",
    "symptom_severity_zero",
    "response_from_diary",
    "censored_value",
    "egfr_estimated",
]

TRIAGE_LEVELS: Final[tuple[TriageLevel, ...]] = get_args(TriageLevel)
SYMPTOMS: Final[tuple[Symptom, ...]] = get_args(Symptom)
PROGRESSIONS: Final[tuple[Progression, ...]] = get_args(Progression)
DIET_PATTERNS: Final[tuple[DietPattern, ...]] = get_args(DietPattern)
CONDITIONS: Final[tuple[Condition, ...]] = get_args(Condition)
EXPOSURES: Final[tuple[Exposure, ...]] = get_args(Exposure)
MEDICATION_CLASSES: Final[tuple[MedicationClass, ...]] = get_args(MedicationClass)
ANALYTES: Final[tuple[Analyte, ...]] = get_args(Analyte)
INTERPRETATIONS: Final[tuple[Interpretation, ...]] = get_args(Interpretation)
B12_STATUSES: Final[tuple[B12Status, ...]] = get_args(B12Status)
SUSPICIONS: Final[tuple[Suspicion, ...]] = get_args(Suspicion)
DIFFERENTIALS: Final[tuple[Differential, ...]] = get_args(Differential)
SUPPORTS: Final[tuple[Support, ...]] = get_args(Support)
TESTS: Final[tuple[Test, ...]] = get_args(Test)
PLANS: Final[tuple[Plan, ...]] = get_args(Plan)
RISK_FACTORS: Final[tuple[RiskFactor, ...]] = get_args(RiskFactor)
WARNINGS: Final[tuple[WarningCode, ...]] = get_args(WarningCode)
NEXT_STEPS: Final[tuple[NextStep, ...]] = get_args(NextStep)
TREATMENT_RESPONSES: Final[tuple[TreatmentResponse, ...]] = get_args(TreatmentResponse)
TREATMENT_ROUTES: Final[tuple[TreatmentRoute, ...]] = get_args(TreatmentRoute)
TRIAGE_REASONS_GENERAL: Final[tuple[TriageReasonGeneral, ...]] = get_args(TriageReasonGeneral)
NOTE_CODES: Final[tuple[NoteCode, ...]] = get_args(NoteCode)

# Groups of codes several rules share, typed so that a misspelt member fails mypy (an ``in``
# test against a plain set of strings would not).
TREATABLE: Final[frozenset[B12Status]] = frozenset({"deficient", "probable"})
ABNORMAL_STATUSES: Final[frozenset[B12Status]] = frozenset(
    {"deficient", "probable", "indeterminate"}
)
NOT_LOW: Final[frozenset[Interpretation]] = frozenset({"normal", "high"})
OUT_OF_RANGE: Final[frozenset[Interpretation]] = frozenset({"low", "high"})
FUNCTIONAL_TESTS: Final[tuple[Test, ...]] = ("mma", "homocysteine")
FUNCTIONAL_MARKERS: Final[tuple[Analyte, ...]] = ("mma", "homocysteine")
THYROID_CONDITIONS: Final[frozenset[Condition]] = frozenset(
    {"hypothyroidism", "autoimmune_thyroid_disease"}
)  # X7, D3 (v2)

# Which vocabulary section each type mirrors (the test reads this table).
VOCABULARY_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "triage_levels": TRIAGE_LEVELS,
    "symptoms": SYMPTOMS,
    "diets": DIET_PATTERNS,
    "conditions": CONDITIONS,
    "exposures": EXPOSURES,
    "medication_classes": MEDICATION_CLASSES,
    "analytes": ANALYTES,
    "lab_interpretations": INTERPRETATIONS,
    "b12_status": B12_STATUSES,
    "b12_suspicion": SUSPICIONS,
    "differential_conditions": DIFFERENTIALS,
    "differential_support": SUPPORTS,
    "tests": TESTS,
    "plans": PLANS,
    "risk_factors": RISK_FACTORS,
    "warnings": WARNINGS,
    "next_steps": NEXT_STEPS,
}
# Sections b12check added itself: checked against the knowledge base's vocabulary.
PROJECT_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "triage_reasons": TRIAGE_REASONS_GENERAL,
    "notes": NOTE_CODES,
}


def is_symptom(code: str) -> TypeGuard[Symptom]:
    """Whether ``code`` is a symptom code (narrows the type for mypy)."""
    return code in SYMPTOMS


def is_condition(code: str) -> TypeGuard[Condition]:
    """Whether ``code`` is a condition code."""
    return code in CONDITIONS


def is_exposure(code: str) -> TypeGuard[Exposure]:
    """Whether ``code`` is an exposure code."""
    return code in EXPOSURES


def is_diet(code: str) -> TypeGuard[DietPattern]:
    """Whether ``code`` is a diet pattern."""
    return code in DIET_PATTERNS


def is_medication_class(code: str) -> TypeGuard[MedicationClass]:
    """Whether ``code`` is a medication class."""
    return code in MEDICATION_CLASSES


def is_analyte(code: str) -> TypeGuard[Analyte]:
    """Whether ``code`` is an analyte code."""
    return code in ANALYTES
