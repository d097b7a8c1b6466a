"""The questionnaire's answers: which step asks what, and how answers become an intake.

Answers are kept exactly as typed (strings) so that nothing is lost when a value is wrong; they
travel between steps in a signed hidden field, never in a URL and never stored server-side. Only at
the end are they turned into the contract's intake document, together with a map from every intake
path (``labs[0].unit``) back to the form field that holds it, so the core's input errors can be
shown next to the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from b12check import questions
from b12check.core.numbers import parse_number
from b12check.web.content import Catalogue

Answers = dict[str, Any]  # field name -> str, or list[str] for the multi-choice fields

SUPPLEMENT_ROWS = 3
MEDICINE_ROWS = 4
LAB_ROWS = 6
SUPPLEMENT_NUTRIENTS = ("b12_ug", "b6_mg", "folic_acid_ug", "magnesium_mg", "vitamin_d_ug")
MULTI_FIELDS = frozenset({"conditions", "exposures"})
YES, NO, UNKNOWN = "yes", "no", "unknown"
PLANT_BASED_DIETS = ("vegan", "vegetarian")  # question relevance only: fortified foods
QUALITATIVE_RESULTS = ("positive", "negative")
TREATMENT_ROUTES = ("oral", "intramuscular")
TREATMENT_RESPONSES = ("improved", "unchanged", "worse")


def supplement_fields(i: int) -> list[str]:
    """The fields of supplement row ``i``."""
    return [f"supp-{i}-{n}" for n in ("name", *SUPPLEMENT_NUTRIENTS, "per", "since")]


def medicine_fields(i: int) -> list[str]:
    """The fields of medicine row ``i``."""
    return [f"med-{i}-{n}" for n in ("name", "dose", "years", "since")]


def lab_fields(i: int) -> list[str]:
    """The fields of lab row ``i``."""
    return [f"lab-{i}-{n}" for n in ("analyte", "value", "qual", "unit", "low", "high", "date")]


def symptom_fields(code: str) -> list[str]:
    """The fields about one symptom: whether present, then its details."""
    return [f"sym-{code}", f"sym-{code}-severity", f"sym-{code}-weeks", f"sym-{code}-progression"]


STEPS: tuple[str, ...] = (
    "about",
    "diet",
    "supplements",
    "medicines",
    "history",
    "treatment",
    "symptoms",
    "labs",
    "review",
)


def step_fields(step: str, cat: Catalogue) -> list[str]:
    """Every form field a step owns (its answers are replaced when that step is submitted)."""
    if step == "about":
        return ["age", "sex", "pregnant", "breastfeeding"]
    if step == "diet":
        return ["diet_pattern", "fortified_foods", "takes_supplements"]
    if step == "supplements":
        return [f for i in range(SUPPLEMENT_ROWS) for f in supplement_fields(i)]
    if step == "medicines":
        return ["takes_medicines", *[f for i in range(MEDICINE_ROWS) for f in medicine_fields(i)]]
    if step == "history":
        return ["conditions", "exposures", "on_treatment"]
    if step == "treatment":
        return ["treat_started", "treat_route", "treat_dose", "treat_response"]
    if step == "symptoms":
        return [
            "falls",
            *[f for code in cat.symptoms for f in symptom_fields(code)],
            "tingling_where",
            "cramps_at_night",
        ]
    if step == "labs":
        return [f for i in range(LAB_ROWS) for f in lab_fields(i)]
    return []


def step_of(field_name: str, cat: Catalogue) -> str:
    """The step whose page shows a field (review when no step owns it)."""
    for step in STEPS:
        if field_name in step_fields(step, cat):
            return step
    return "review"


def active_steps(answers: Answers) -> list[str]:
    """The steps to show: a step that earlier answers make irrelevant is skipped."""
    steps = ["about", "diet"]
    if answers.get("takes_supplements") == YES:
        steps.append("supplements")
    steps += ["medicines", "history"]
    if answers.get("on_treatment") == YES:
        steps.append("treatment")
    steps += ["symptoms", "labs", "review"]
    return steps


def merge_step(answers: Answers, step: str, form: Any, cat: Catalogue) -> Answers:
    """New answers with one step's fields taken from the submitted form (others kept)."""
    merged = {k: v for k, v in answers.items() if k not in step_fields(step, cat)}
    for name in step_fields(step, cat):
        if name in MULTI_FIELDS:
            values = [str(v) for v in form.getlist(name) if str(v)]
            if values:
                merged[name] = values
        else:
            value = form.get(name)
            if isinstance(value, str) and value.strip():
                merged[name] = value.strip()
    return merged


class AnswerCodec:
    """Packs answers into a signed hidden-field value and back (tampering is detected)."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="b12check.answers")

    def dumps(self, answers: Answers) -> str:
        """The signed, URL-safe text of the answers."""
        return self._serializer.dumps(answers)

    def loads(self, blob: object) -> Answers:
        """The answers in a signed blob; an empty or forged blob gives no answers."""
        if not isinstance(blob, str) or not blob:
            return {}
        try:
            data = self._serializer.loads(blob)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}


@dataclass
class LocalError:
    """A problem the web layer itself sees (a number it cannot read), named by form field."""

    field: str
    kind: str  # number | integer | date


@dataclass
class BuiltIntake:
    """An intake document, the form field behind each of its paths, and unreadable fields."""

    intake: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)
    errors: list[LocalError] = field(default_factory=list)

    def field_for(self, path: str) -> str | None:
        """The form field for an intake path, trying shorter paths (``labs[0]``) when needed."""
        candidate = path
        while candidate:
            if candidate in self.paths:
                return self.paths[candidate]
            cut = max(candidate.rfind("."), candidate.rfind("["))
            if cut <= 0:
                break
            candidate = candidate[:cut]
        return self.paths.get(candidate)


class _Builder:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.built = BuiltIntake(intake={})

    def text(self, name: str) -> str:
        value = self.answers.get(name)
        return value.strip() if isinstance(value, str) else ""

    def number(self, name: str, *, integer: bool = False) -> float | int | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            value = parse_number(raw)  # decimal point or Dutch decimal comma
        except ValueError:
            self.built.errors.append(LocalError(name, "integer" if integer else "number"))
            return None
        if integer:
            if not value.is_integer():
                self.built.errors.append(LocalError(name, "integer"))
                return None
            return int(value)
        return int(value) if value.is_integer() else value

    def day(self, name: str) -> str | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            self.built.errors.append(LocalError(name, "date"))
            return None

    def tri(self, name: str) -> bool | None:
        return {YES: True, NO: False}.get(self.text(name))

    def put(self, target: dict[str, Any], key: str, value: Any, path: str, name: str) -> None:
        self.built.paths[path] = name
        if value is not None:
            target[key] = value


def build_intake(answers: Answers, cat: Catalogue) -> BuiltIntake:
    """The contract's intake for these answers (answers on skipped steps are left out)."""
    b = _Builder(answers)
    intake = b.built.intake
    steps = active_steps(answers)

    patient: dict[str, Any] = {}
    b.put(patient, "age", b.number("age", integer=True), "patient.age", "age")
    sex = b.text("sex")
    b.put(patient, "sex", sex if sex in ("female", "male", "other") else None, "patient.sex", "sex")
    if sex != "male":
        b.put(patient, "pregnant", b.tri("pregnant"), "patient.pregnant", "pregnant")
        b.put(
            patient,
            "breastfeeding",
            b.tri("breastfeeding"),
            "patient.breastfeeding",
            "breastfeeding",
        )
    b.built.paths["patient"] = "age"
    if patient:
        intake["patient"] = patient

    diet: dict[str, Any] = {}
    pattern = b.text("diet_pattern")
    b.put(
        diet, "pattern", pattern if pattern in cat.diets else None, "diet.pattern", "diet_pattern"
    )
    if pattern in PLANT_BASED_DIETS:
        b.put(
            diet,
            "fortified_foods",
            b.tri("fortified_foods"),
            "diet.fortified_foods",
            "fortified_foods",
        )
    b.built.paths["diet"] = "diet_pattern"
    if diet:
        intake["diet"] = diet

    if "supplements" in steps:
        supplements: list[dict[str, Any]] = []
        for i in range(SUPPLEMENT_ROWS):
            if not any(b.text(f) for f in supplement_fields(i)):
                continue
            path = f"supplements[{len(supplements)}]"
            row: dict[str, Any] = {}
            b.put(row, "name", b.text(f"supp-{i}-name") or None, f"{path}.name", f"supp-{i}-name")
            for nutrient in SUPPLEMENT_NUTRIENTS:
                name = f"supp-{i}-{nutrient}"
                b.put(row, nutrient, b.number(name), f"{path}.{nutrient}", name)
            per = b.text(f"supp-{i}-per")
            b.put(
                row, "per", per if per in ("day", "week") else None, f"{path}.per", f"supp-{i}-per"
            )
            b.put(row, "since", b.day(f"supp-{i}-since"), f"{path}.since", f"supp-{i}-since")
            b.built.paths[path] = f"supp-{i}-name"
            supplements.append(row)
        if supplements:
            intake["supplements"] = supplements

    medications: list[dict[str, Any]] = []
    for i in range(MEDICINE_ROWS):
        if not b.text(f"med-{i}-name"):
            continue
        path = f"medications[{len(medications)}]"
        row = {}
        b.put(row, "name", b.text(f"med-{i}-name"), f"{path}.name", f"med-{i}-name")
        b.put(
            row,
            "dose_mg_per_day",
            b.number(f"med-{i}-dose"),
            f"{path}.dose_mg_per_day",
            f"med-{i}-dose",
        )
        since = b.day(f"med-{i}-since")
        b.put(row, "since", since, f"{path}.since", f"med-{i}-since")
        if since is None:
            b.put(row, "years", b.number(f"med-{i}-years"), f"{path}.years", f"med-{i}-years")
        b.built.paths[path] = f"med-{i}-name"
        medications.append(row)
    if medications:
        intake["medications"] = medications

    for key in ("conditions", "exposures"):
        chosen = answers.get(key)
        if isinstance(chosen, list) and chosen:
            intake[key] = [str(c) for c in chosen]
            b.built.paths[key] = key
            for n in range(len(chosen)):
                b.built.paths[f"{key}[{n}]"] = key

    if "treatment" in steps:
        treatment: dict[str, Any] = {}
        b.put(treatment, "started", b.day("treat_started"), "treatment.started", "treat_started")
        route = b.text("treat_route")
        b.put(
            treatment,
            "route",
            route if route in TREATMENT_ROUTES else None,
            "treatment.route",
            "treat_route",
        )
        dose_key = "dose_ug" if route == "intramuscular" else "dose_ug_per_day"
        b.put(treatment, dose_key, b.number("treat_dose"), f"treatment.{dose_key}", "treat_dose")
        response = b.text("treat_response")
        b.put(
            treatment,
            "response",
            response if response in TREATMENT_RESPONSES else None,
            "treatment.response",
            "treat_response",
        )
        b.built.paths["treatment"] = "treat_started"
        if treatment:
            intake["treatment"] = treatment

    symptoms: dict[str, Any] = {}
    implied = set(questions.implied_symptoms(answers))
    for code in cat.symptoms:
        if b.text(f"sym-{code}") != YES and code not in implied:
            continue
        detail: dict[str, Any] = {}
        path = f"symptoms.{code}"
        b.put(
            detail,
            "severity",
            b.number(f"sym-{code}-severity", integer=True),
            f"{path}.severity",
            f"sym-{code}-severity",
        )
        b.put(detail, "weeks", b.number(f"sym-{code}-weeks"), f"{path}.weeks", f"sym-{code}-weeks")
        progression = b.text(f"sym-{code}-progression")
        b.put(
            detail,
            "progression",
            progression if progression in cat.progressions else None,
            f"{path}.progression",
            f"sym-{code}-progression",
        )
        b.built.paths[path] = f"sym-{code}"
        symptoms[code] = detail
    if symptoms:
        intake["symptoms"] = symptoms
    b.built.paths["symptoms"] = f"sym-{cat.symptoms[0]}" if cat.symptoms else "review"

    labs = build_labs(b, answers, cat, "labs")
    if labs:
        intake["labs"] = labs
    return b.built


def build_labs(b: _Builder, answers: Answers, cat: Catalogue, key: str) -> list[dict[str, Any]]:
    """The lab entries of the answers (shared by the questionnaire and the lab reader)."""
    labs: list[dict[str, Any]] = []
    for i in range(LAB_ROWS):
        analyte_code = b.text(f"lab-{i}-analyte")
        if not analyte_code:
            continue
        analyte = cat.analyte(analyte_code)
        path = f"{key}[{len(labs)}]"
        row: dict[str, Any] = {}
        b.put(row, "analyte", analyte_code, f"{path}.analyte", f"lab-{i}-analyte")
        qual = b.text(f"lab-{i}-qual")
        if analyte is not None and analyte.qualitative:
            value: Any = qual if qual in QUALITATIVE_RESULTS else None
            if value is None:
                b.built.errors.append(LocalError(f"lab-{i}-qual", "qualitative"))
            b.put(row, "value", value, f"{path}.value", f"lab-{i}-qual")
        else:
            value = b.number(f"lab-{i}-value")
            if value is None and not any(e.field == f"lab-{i}-value" for e in b.built.errors):
                b.built.errors.append(LocalError(f"lab-{i}-value", "required"))
            b.put(row, "value", value, f"{path}.value", f"lab-{i}-value")
            b.put(row, "unit", b.text(f"lab-{i}-unit") or None, f"{path}.unit", f"lab-{i}-unit")
            low, high = b.number(f"lab-{i}-low"), b.number(f"lab-{i}-high")
            if (low is None) != (high is None):
                missing = f"lab-{i}-high" if high is None else f"lab-{i}-low"
                b.built.errors.append(LocalError(missing, "range"))
            b.put(
                row,
                "reference_range",
                [low, high] if low is not None and high is not None else None,
                f"{path}.reference_range",
                f"lab-{i}-low",
            )
        b.put(row, "date", b.day(f"lab-{i}-date"), f"{path}.date", f"lab-{i}-date")
        b.built.paths[path] = f"lab-{i}-analyte"
        labs.append(row)
    return labs


def build_lab_reader(answers: Answers, cat: Catalogue) -> BuiltIntake:
    """The intake for the lab reader: the lab rows, with age and sex when given."""
    b = _Builder(answers)
    patient: dict[str, Any] = {}
    b.put(patient, "age", b.number("age", integer=True), "patient.age", "age")
    sex = b.text("sex")
    b.put(patient, "sex", sex if sex in ("female", "male", "other") else None, "patient.sex", "sex")
    if patient:
        b.built.intake["patient"] = patient
    labs = build_labs(b, answers, cat, "labs")
    if labs:
        b.built.intake["labs"] = labs
    return b.built


def form_answers(form: Any, names: list[str]) -> Answers:
    """The given fields of a submitted form, as typed (used by the one-page lab reader)."""
    answers: Answers = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            answers[name] = value.strip()
    return answers


def _typed(value: Any) -> str:
    """A value as a person would type it into the form."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_MEDICINE_KEYS = (("dose_mg_per_day", "dose"), ("years", "years"), ("since", "since"))


def answers_from_intake(intake: dict[str, Any], cat: Catalogue) -> Answers:
    """The form answers that build this intake (the inverse of :func:`build_intake`), for an
    intake that fits the form's rows; used to open a saved or example case in the web form."""
    a: Answers = {}
    patient = intake.get("patient") or {}
    for key in ("age", "sex", "pregnant", "breastfeeding"):
        if key in patient and patient[key] is not None:
            a[key] = _typed(patient[key])
    diet = intake.get("diet") or {}
    if diet.get("pattern"):
        a["diet_pattern"] = str(diet["pattern"])
    if diet.get("fortified_foods") is not None:
        a["fortified_foods"] = _typed(diet["fortified_foods"])
    supplements = intake.get("supplements") or []
    a["takes_supplements"] = YES if supplements else NO
    for i, supp in enumerate(supplements[:SUPPLEMENT_ROWS]):
        for key, value in supp.items():
            if value is not None:
                a[f"supp-{i}-{key}"] = _typed(value)
    medications = intake.get("medications") or []
    a["takes_medicines"] = YES if medications else NO
    for i, med in enumerate(medications[:MEDICINE_ROWS]):
        a[f"med-{i}-name"] = str(med.get("name") or med.get("atc") or "")
        for key, field_name in (
            ("dose_mg_per_day", "dose"),
            ("years", "years"),
            ("since", "since"),
        ):
            if med.get(key) is not None:
                a[f"med-{i}-{field_name}"] = _typed(med[key])
    for key in ("conditions", "exposures"):
        if intake.get(key):
            a[key] = [str(c) for c in intake[key]]
    treatment = intake.get("treatment")
    a["on_treatment"] = YES if treatment else NO
    if treatment:
        a["treat_started"] = _typed(treatment["started"])
        a["treat_route"] = str(treatment["route"])
        dose = treatment.get("dose_ug_per_day", treatment.get("dose_ug"))
        if dose is not None:
            a["treat_dose"] = _typed(dose)
        if treatment.get("response"):
            a["treat_response"] = str(treatment["response"])
    symptoms = intake.get("symptoms") or {}
    if isinstance(symptoms, list):
        symptoms = {code: {} for code in symptoms}
    for code, detail in symptoms.items():
        a[f"sym-{code}"] = YES
        for key, value in (detail or {}).items():
            if value is not None:
                a[f"sym-{code}-{key}"] = _typed(value)
    for i, lab in enumerate((intake.get("labs") or [])[:LAB_ROWS]):
        analyte = lab.get("analyte") or _analyte_of_loinc(str(lab.get("loinc", "")))
        a[f"lab-{i}-analyte"] = str(analyte)
        value = lab.get("value")
        if isinstance(value, str) and value in QUALITATIVE_RESULTS:
            a[f"lab-{i}-qual"] = value
        elif value is not None:
            a[f"lab-{i}-value"] = _typed(value)
        if lab.get("unit"):
            a[f"lab-{i}-unit"] = str(lab["unit"])
        elif lab.get("loinc"):
            unit = _unit_of_loinc(str(lab["loinc"]))
            if unit:
                a[f"lab-{i}-unit"] = unit
        if lab.get("reference_range"):
            low, high = lab["reference_range"]
            a[f"lab-{i}-low"], a[f"lab-{i}-high"] = _typed(low), _typed(high)
        if lab.get("date"):
            a[f"lab-{i}-date"] = _typed(lab["date"])
    return a


def _analyte_of_loinc(code: str) -> str:
    from b12check.knowledge_base import load_knowledge_base

    for analyte, spec in load_knowledge_base().analytes.items():
        if code in spec.loinc:
            return str(analyte)
    return code


def _unit_of_loinc(code: str) -> str | None:
    from b12check.knowledge_base import load_knowledge_base

    for spec in load_knowledge_base().analytes.values():
        if code in spec.loinc:
            return str(spec.loinc[code].unit)
    return None
