"""The question catalogue: every question the web form and the terminal interview ask, derived
from the intake model (its fields, bounds and allowed values) and the vocabulary.

Both doors build intakes from these questions, so they ask the same things in the same words and
accept the same answers. Words live in ``knowledge/texts/ui/questions.<lang>.yaml``: the
question, each option's label and the answers a person may type for it ("man", "m", "vrouw",
"v", "veganistisch", or the option's number in the list). No clinical rule is decided here.

A few questions are not intake fields themselves: ``falls`` (a fall through losing one's
balance is the vocabulary's ``balance_problems``, a red flag, so a "yes" adds that symptom),
``tingling_where`` and ``cramps_at_night`` (details a doctor wants; they go into the GP report,
the core does not use them).
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from b12check.core import intake as model
from b12check.knowledge_base import load_knowledge_base

_UI_DIR = Path(__file__).resolve().parent / "knowledge" / "texts" / "ui"

Kind = Literal["number", "choice", "yes_no", "multi", "date", "text"]
YES, NO, UNKNOWN = "yes", "no", "unknown"


@dataclass(frozen=True)
class Question:
    """One question: its id (also the web form field), where its answer goes, what it accepts."""

    id: str
    step: str
    kind: Kind
    path: str = ""  # intake path, "" when the answer is not an intake field
    options: tuple[str, ...] = ()
    section: str = ""  # knowledge-base text section of the option labels ("" = our own words)
    low: float | None = None
    high: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Step:
    """A named step of the questionnaire with a rough time to answer it."""

    id: str
    minutes: int


STEPS: tuple[Step, ...] = (
    Step("about", 1),
    Step("diet", 1),
    Step("supplements", 2),
    Step("medicines", 1),
    Step("history", 1),
    Step("treatment", 1),
    Step("symptoms", 3),
    Step("labs", 2),
    Step("review", 1),
)


def _literal(annotation: Any) -> tuple[str, ...]:
    """The allowed strings of a ``Literal[...]`` (possibly inside ``X | None``)."""
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is Literal:
            return tuple(str(a) for a in typing.get_args(arg))
    return ()


def _bounds(owner: type[Any], name: str) -> tuple[float | None, float | None]:
    info = owner.model_fields[name]
    low = high = None
    for meta in info.metadata:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    for arg in typing.get_args(info.annotation):
        for meta in getattr(arg, "__metadata__", ()):
            for inner in (meta, *getattr(meta, "metadata", ())):
                low = getattr(inner, "ge", low)
                high = getattr(inner, "le", high)
    return low, high


def _field_literal(owner: type[Any], name: str) -> tuple[str, ...]:
    return _literal(owner.model_fields[name].annotation)


@lru_cache(maxsize=1)
def catalogue() -> tuple[Question, ...]:
    """Every question, in the order the interview asks them."""
    vocab = load_knowledge_base().vocabulary
    age_low, age_high = _bounds(model.Patient, "age")
    sev_low, sev_high = _bounds(model.SymptomDetail, "severity")
    weeks_low, weeks_high = _bounds(model.SymptomDetail, "weeks")
    years_low, years_high = _bounds(model.Medication, "years")
    dose_low, dose_high = _bounds(model.Treatment, "dose_ug_per_day")
    amount_low, amount_high = _bounds(model.Supplement, "b12_ug")
    return (
        Question("age", "about", "number", "patient.age", low=age_low, high=age_high, integer=True),
        Question("sex", "about", "choice", "patient.sex", _field_literal(model.Patient, "sex")),
        Question("pregnant", "about", "yes_no", "patient.pregnant"),
        Question("breastfeeding", "about", "yes_no", "patient.breastfeeding"),
        Question("diet_pattern", "diet", "choice", "diet.pattern", vocab.codes("diets"), "diets"),
        Question("fortified_foods", "diet", "yes_no", "diet.fortified_foods"),
        Question("takes_supplements", "diet", "yes_no"),
        Question("supplement_name", "supplements", "text", "supplements[].name"),
        *(
            Question(
                f"supplement_{n}",
                "supplements",
                "number",
                f"supplements[].{n}",
                low=amount_low,
                high=amount_high,
            )
            for n in ("b12_ug", "b6_mg", "folic_acid_ug", "magnesium_mg", "vitamin_d_ug")
        ),
        Question(
            "supplement_per",
            "supplements",
            "choice",
            "supplements[].per",
            _field_literal(model.Supplement, "per"),
        ),
        Question("takes_medicines", "medicines", "yes_no"),
        Question("medicine_name", "medicines", "text", "medications[].name"),
        Question(
            "medicine_years",
            "medicines",
            "number",
            "medications[].years",
            low=years_low,
            high=years_high,
        ),
        Question(
            "conditions", "history", "multi", "conditions", vocab.codes("conditions"), "conditions"
        ),
        Question(
            "exposures", "history", "multi", "exposures", vocab.codes("exposures"), "exposures"
        ),
        Question("on_treatment", "history", "yes_no"),
        Question("treat_started", "treatment", "date", "treatment.started"),
        Question(
            "treat_route",
            "treatment",
            "choice",
            "treatment.route",
            _field_literal(model.Treatment, "route"),
        ),
        Question(
            "treat_dose",
            "treatment",
            "number",
            "treatment.dose_ug_per_day",
            low=dose_low,
            high=dose_high,
        ),
        Question(
            "treat_response",
            "treatment",
            "choice",
            "treatment.response",
            _field_literal(model.Treatment, "response"),
        ),
        Question("falls", "symptoms", "yes_no"),
        Question("symptoms", "symptoms", "multi", "symptoms", vocab.codes("symptoms"), "symptoms"),
        Question(
            "severity",
            "symptoms",
            "number",
            "symptoms.*.severity",
            low=sev_low,
            high=sev_high,
            integer=True,
        ),
        Question("weeks", "symptoms", "number", "symptoms.*.weeks", low=weeks_low, high=weeks_high),
        Question(
            "progression",
            "symptoms",
            "choice",
            "symptoms.*.progression",
            _field_literal(model.SymptomDetail, "progression"),
            "progression",
        ),
        Question(
            "tingling_where",
            "symptoms",
            "choice",
            "",
            ("feet", "hands", "hands_and_feet", "elsewhere"),
        ),
        Question("cramps_at_night", "symptoms", "yes_no"),
        Question("takes_labs", "labs", "yes_no"),
    )


def question(qid: str) -> Question:
    """The question with that id."""
    return next(q for q in catalogue() if q.id == qid)


# ---- words -------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _words(lang: str) -> dict[str, Any]:
    path = _UI_DIR / f"questions.{lang}.yaml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return dict(data)


def text(lang: str, key: str) -> str:
    """A question's words (``text(lang, "sex")``) or another catalogue string."""
    value = _words(lang).get(key)
    return str(value) if value is not None else key


def option_label(lang: str, q: Question, code: str) -> str:
    """How an option reads: our own words first, else the knowledge base's label."""
    own = _words(lang).get(f"{q.id}.{code}")
    if own is not None:
        return str(own)
    if q.section:
        try:
            return load_knowledge_base().text(lang, q.section, code, field="label")
        except Exception:
            pass
    yes_no = _words(lang).get(f"answer.{code}")
    return str(yes_no) if yes_no is not None else code


def _norm(word: str) -> str:
    return re.sub(r"\s+", " ", word.strip().casefold().rstrip(".!"))


def aliases(lang: str, q: Question, code: str) -> set[str]:
    """Every answer a person may type for an option: its label, its listed synonyms."""
    words = {_norm(option_label(lang, q, code))}
    extra = _words(lang).get(f"{q.id}.{code}.typed") or _words(lang).get(f"answer.{code}.typed")
    if extra:
        words |= {_norm(w) for w in str(extra).split(",") if w.strip()}
    return words


def options(q: Question) -> tuple[str, ...]:
    """The options of a choice; yes/no questions offer yes and no."""
    return (YES, NO) if q.kind == "yes_no" else q.options


def read_choice(lang: str, q: Question, answer: str) -> str | None:
    """The option code for a typed answer (word, synonym or number in the list); None if none."""
    opts = options(q)
    typed = _norm(answer)
    if typed.isdigit() and 1 <= int(typed) <= len(opts):
        return opts[int(typed) - 1]
    matches = [code for code in opts if typed in aliases(lang, q, code)]
    if len(matches) == 1:
        return matches[0]
    starts = [code for code in opts if any(a.startswith(typed) for a in aliases(lang, q, code))]
    if typed and len(starts) == 1:
        return starts[0]
    return None


def read_choices(lang: str, q: Question, answer: str) -> list[str] | None:
    """Several options, separated by commas (numbers or words); None if any is not understood."""
    picked: list[str] = []
    for part in re.split(r"[,;]", answer):
        if not part.strip():
            continue
        code = read_choice(lang, q, part)
        if code is None:
            return None
        picked.append(code)
    return list(dict.fromkeys(picked))


def extra_lines(answers: dict[str, Any], lang: str) -> list[str]:
    """The details that are not intake fields, as lines for the review and the GP report."""
    out = []
    falls = answers.get("falls")
    if falls in (YES, NO):
        out.append(f"{text(lang, 'falls.short')}: {option_label(lang, question('falls'), falls)}")
    where = answers.get("tingling_where")
    q = question("tingling_where")
    if where in q.options:
        out.append(f"{text(lang, 'tingling_where.short')}: {option_label(lang, q, where)}")
    night = answers.get("cramps_at_night")
    if night in (YES, NO):
        out.append(
            f"{text(lang, 'cramps_at_night.short')}: "
            f"{option_label(lang, question('cramps_at_night'), night)}"
        )
    return out


def implied_symptoms(answers: dict[str, Any]) -> list[str]:
    """Symptoms that an answer to another question means (a fall through imbalance)."""
    return ["balance_problems"] if answers.get("falls") == YES else []
