"""The patient intake as a FHIR Questionnaire and QuestionnaireResponse, both ways.

The Questionnaire is generated from the vocabulary (every answer option is a vocabulary code), so
it never drifts from what the core accepts. A QuestionnaireResponse carries what only the patient
can tell (symptoms, diet, supplements, treatment, diary); EHR resources carry the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from b12check.knowledge_base import KnowledgeBase

QUESTIONNAIRE_URL = "urn:b12check:questionnaire:intake"
VOCABULARY_SYSTEM = "urn:b12check:vocabulary:"

# (linkId, type, vocabulary section for choices or fixed options, repeats)
_Field = tuple[str, str, str | tuple[str, ...] | None]

PATIENT: tuple[_Field, ...] = (
    ("age", "decimal", None),
    ("sex", "choice", ("female", "male", "other")),
    ("pregnant", "boolean", None),
    ("breastfeeding", "boolean", None),
)
DIET: tuple[_Field, ...] = (("pattern", "choice", "diets"), ("fortified_foods", "boolean", None))
SYMPTOM: tuple[_Field, ...] = (
    ("code", "choice", "symptoms"),
    ("severity", "decimal", None),
    ("weeks", "decimal", None),
    ("progression", "choice", "progression"),
)
SUPPLEMENT: tuple[_Field, ...] = (
    ("name", "string", None),
    ("b12_ug", "decimal", None),
    ("b6_mg", "decimal", None),
    ("folic_acid_ug", "decimal", None),
    ("magnesium_mg", "decimal", None),
    ("vitamin_d_ug", "decimal", None),
    ("per", "choice", ("day", "week")),
    ("since", "date", None),
)
MEDICATION: tuple[_Field, ...] = (
    ("name", "string", None),
    ("atc", "string", None),
    ("dose_mg_per_day", "decimal", None),
    ("since", "date", None),
    ("years", "decimal", None),
    ("months", "decimal", None),
)
LAB: tuple[_Field, ...] = (
    ("analyte", "choice", "analytes"),
    ("loinc", "string", None),
    ("value", "decimal", None),
    ("result", "choice", ("positive", "negative")),
    ("unit", "string", None),
    ("date", "date", None),
    ("reference_low", "decimal", None),
    ("reference_high", "decimal", None),
)
TREATMENT: tuple[_Field, ...] = (
    ("started", "date", None),
    ("route", "choice", ("oral", "intramuscular")),
    ("dose_ug_per_day", "decimal", None),
    ("dose_ug", "decimal", None),
    ("schedule", "string", None),
    ("response", "choice", ("improved", "unchanged", "worse")),
)
SCORE: tuple[_Field, ...] = (("symptom", "choice", "symptoms"), ("severity", "decimal", None))

_VALUE_KEY = {
    "decimal": "valueDecimal",
    "boolean": "valueBoolean",
    "string": "valueString",
    "date": "valueDate",
    "choice": "valueCoding",
}


def _system(choices: str | tuple[str, ...] | None, link: str) -> str:
    return VOCABULARY_SYSTEM + (choices if isinstance(choices, str) else link.rsplit(".", 1)[-1])


def _display(kb: KnowledgeBase, lang: str, choices: str | tuple[str, ...], code: str) -> str:
    """What a person reads for an answer option: the vocabulary's label, or a fixed option."""
    if isinstance(choices, str):
        return kb.text(lang, choices, code, "label")
    return kb.ui(lang, f"questionnaire.option.{code}")


def _options(
    kb: KnowledgeBase, lang: str, choices: str | tuple[str, ...], link: str
) -> list[dict[str, Any]]:
    codes = kb.vocabulary.codes(choices) if isinstance(choices, str) else choices
    system = _system(choices, link)
    return [
        {"valueCoding": {"system": system, "code": c, "display": _display(kb, lang, choices, c)}}
        for c in codes
    ]


def _question(kb: KnowledgeBase, lang: str, link: str, kind: str, choices: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": link,
        "text": kb.ui(lang, f"questionnaire.{link}"),
        "type": kind,
    }
    if choices is not None:
        item["answerOption"] = _options(kb, lang, choices, link)
    return item


def _group(
    kb: KnowledgeBase, lang: str, link: str, fields: tuple[_Field, ...], *, repeats: bool = False
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": link,
        "text": kb.ui(lang, f"questionnaire.{link}"),
        "type": "group",
        "item": [_question(kb, lang, f"{link}.{name}", kind, ch) for name, kind, ch in fields],
    }
    if repeats:
        item["repeats"] = True
    return item


def questionnaire(kb: KnowledgeBase, lang: str = "en") -> dict[str, Any]:
    """The intake Questionnaire (FHIR R4) in ``lang``, built from the vocabulary."""
    diary = _group(kb, lang, "diary", (("date", "date", None),), repeats=True)
    diary["item"].append(_group(kb, lang, "diary.score", SCORE, repeats=True))
    conditions = _question(kb, lang, "conditions", "choice", "conditions")
    exposures = _question(kb, lang, "exposures", "choice", "exposures")
    conditions["repeats"] = exposures["repeats"] = True
    return {
        "resourceType": "Questionnaire",
        "id": "b12check-intake",
        "url": QUESTIONNAIRE_URL,
        "name": "B12checkIntake",
        "title": "b12check intake: muscle pain, cramps and tingling",
        "status": "active",
        "subjectType": ["Patient"],
        "language": lang,
        "item": [
            _group(kb, lang, "patient", PATIENT),
            _group(kb, lang, "diet", DIET),
            _group(kb, lang, "symptoms", SYMPTOM, repeats=True),
            conditions,
            exposures,
            _group(kb, lang, "supplements", SUPPLEMENT, repeats=True),
            _group(kb, lang, "medications", MEDICATION, repeats=True),
            _group(kb, lang, "labs", LAB, repeats=True),
            _group(kb, lang, "treatment", TREATMENT),
            diary,
        ],
    }


# ---- intake -> QuestionnaireResponse -------------------------------------------------------


def _answer(kind: str, value: Any, system: str) -> dict[str, Any]:
    if kind == "choice":
        return {"valueCoding": {"system": system, "code": str(value)}}
    if kind == "date":
        return {"valueDate": value.isoformat() if hasattr(value, "isoformat") else str(value)}
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    if kind == "string":
        return {"valueString": str(value)}
    return {"valueDecimal": value}


def _answers(
    link: str, fields: tuple[_Field, ...], data: Mapping[str, Any]
) -> list[dict[str, Any]]:
    items = []
    for name, kind, choices in fields:
        value = data.get(name)
        if value is None:
            continue
        system = _system(choices, f"{link}.{name}")
        items.append({"linkId": f"{link}.{name}", "answer": [_answer(kind, value, system)]})
    return items


def _lab_answers(lab: Mapping[str, Any]) -> list[dict[str, Any]]:
    data = dict(lab)
    value = data.pop("value", None)
    if isinstance(value, str):
        data["result"] = value
    elif value is not None:
        data["value"] = value
    low_high = data.pop("reference_range", None) or (None, None)
    data["reference_low"], data["reference_high"] = low_high
    return _answers("labs", LAB, data)


def intake_to_response(intake: Mapping[str, Any], subject: str | None = None) -> dict[str, Any]:
    """An intake document (contract section 1, JSON form) as a QuestionnaireResponse."""
    items: list[dict[str, Any]] = []

    def add(link: str, children: list[dict[str, Any]]) -> None:
        if children:
            items.append({"linkId": link, "item": children})

    add("patient", _answers("patient", PATIENT, intake.get("patient") or {}))
    add("diet", _answers("diet", DIET, intake.get("diet") or {}))
    symptoms = intake.get("symptoms") or {}
    if isinstance(symptoms, list):
        symptoms = {code: {} for code in symptoms}
    for code, detail in symptoms.items():
        add("symptoms", _answers("symptoms", SYMPTOM, {"code": code, **(detail or {})}))
    for key in ("conditions", "exposures"):
        codes = intake.get(key) or []
        if codes:
            system = VOCABULARY_SYSTEM + key
            items.append({"linkId": key, "answer": [_answer("choice", c, system) for c in codes]})
    for supplement in intake.get("supplements") or []:
        add("supplements", _answers("supplements", SUPPLEMENT, supplement))
    for medication in intake.get("medications") or []:
        add("medications", _answers("medications", MEDICATION, medication))
    for lab in intake.get("labs") or []:
        add("labs", _lab_answers(lab))
    if intake.get("treatment"):
        add("treatment", _answers("treatment", TREATMENT, intake["treatment"]))
    for entry in intake.get("diary") or []:
        children = _answers("diary", (("date", "date", None),), entry)
        for symptom, severity in (entry.get("severity") or {}).items():
            children.append(
                {
                    "linkId": "diary.score",
                    "item": _answers(
                        "diary.score", SCORE, {"symptom": symptom, "severity": severity}
                    ),
                }
            )
        add("diary", children)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": "completed",
        "item": items,
    }
    if intake.get("today"):
        today = intake["today"]
        response["authored"] = today.isoformat() if hasattr(today, "isoformat") else str(today)
    if subject:
        response["subject"] = {"reference": subject}
    return response


# ---- QuestionnaireResponse -> intake -------------------------------------------------------


class ResponseError(ValueError):
    """A QuestionnaireResponse item that cannot be read, with its linkId."""


def _value(answer: Mapping[str, Any], link: str) -> Any:
    for key in (
        "valueCoding",
        "valueDecimal",
        "valueInteger",
        "valueBoolean",
        "valueString",
        "valueDate",
    ):
        if key in answer:
            value = answer[key]
            if key == "valueCoding":
                if not isinstance(value, Mapping) or not isinstance(value.get("code"), str):
                    raise ResponseError(f"{link}: valueCoding needs a code")
                return value["code"]
            return value
    raise ResponseError(f"{link}: answer has no supported value[x]")


def _children(item: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    children = item.get("item") or []
    if not isinstance(children, list):
        raise ResponseError(f"{item.get('linkId')}: item must be a list")
    for child in children:
        if not isinstance(child, Mapping) or not isinstance(child.get("linkId"), str):
            raise ResponseError("every item needs a linkId")
        yield child


def _fields(item: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in _children(item):
        link = str(child["linkId"])
        name = link.removeprefix(prefix + ".")
        answers = child.get("answer") or []
        if answers:
            out[name] = _value(answers[0], link)
    return out


def response_to_intake(response: Mapping[str, Any]) -> dict[str, Any]:
    """A QuestionnaireResponse of :func:`questionnaire` back to an intake document (JSON form).

    Raises :class:`ResponseError` naming the linkId of an unreadable answer; unknown linkIds are
    errors too (a typo must not drop a symptom)."""
    intake: dict[str, Any] = {}
    for item in _children(response):
        link = str(item["linkId"])
        if link in ("patient", "diet", "treatment"):
            intake[link] = {**intake.get(link, {}), **_fields(item, link)}
        elif link == "symptoms":
            detail = _fields(item, link)
            code = detail.pop("code", None)
            if not isinstance(code, str):
                raise ResponseError("symptoms.code: each symptom group needs its code")
            intake.setdefault("symptoms", {})[code] = detail
        elif link in ("conditions", "exposures"):
            intake[link] = [_value(a, link) for a in item.get("answer") or []]
        elif link in ("supplements", "medications"):
            intake.setdefault(link, []).append(_fields(item, link))
        elif link == "labs":
            lab = _fields(item, link)
            low, high = lab.pop("reference_low", None), lab.pop("reference_high", None)
            if low is not None or high is not None:
                lab["reference_range"] = [low, high]
            if "result" in lab:
                lab["value"] = lab.pop("result")
            intake.setdefault("labs", []).append(lab)
        elif link == "diary":
            entry: dict[str, Any] = {"severity": {}}
            for child in _children(item):
                if child["linkId"] == "diary.date":
                    entry["date"] = _value((child.get("answer") or [{}])[0], "diary.date")
                elif child["linkId"] == "diary.score":
                    score = _fields(child, "diary.score")
                    entry["severity"][score.get("symptom")] = score.get("severity")
                else:
                    raise ResponseError(f"{child['linkId']}: unknown linkId")
            intake.setdefault("diary", []).append(entry)
        else:
            raise ResponseError(f"{link}: unknown linkId")
    if isinstance(response.get("authored"), str):
        intake["today"] = response["authored"][:10]
    return intake
