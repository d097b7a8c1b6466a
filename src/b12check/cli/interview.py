"""The terminal questionnaire: asks only what matters, accepts "don't know" (?), stops early on a
red flag, then shows the assessment and can save the intake as YAML.

Questions are UI texts (``knowledge/texts/ui/interview.*.yaml``); which codes to offer comes
from the vocabulary; no clinical rule is decided here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml

from b12check.core.numbers import parse_number
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base

T = TypeVar("T")
UNKNOWN = object()


class Asker:
    """Reads answers from the terminal; ``?`` means don't know, Enter skips."""

    def __init__(self, kb: KnowledgeBase, lang: str) -> None:
        self.kb, self.lang = kb, lang

    def t(self, key: str, **values: str) -> str:
        return self.kb.ui(self.lang, f"interview.{key}").format(**values)

    def raw(self, key: str, **values: str) -> str:
        return str(typer.prompt(self.t(key, **values), default="", show_default=False)).strip()

    def ask(self, key: str, convert: Callable[[str], T], **values: str) -> T | None:
        """Ask until the answer converts; None for skipped or unknown."""
        while True:
            answer = self.raw(key, **values)
            if answer in {"", "?"}:
                return None
            try:
                return convert(answer)
            except ValueError as exc:
                typer.echo(self.t("invalid", problem=str(exc)))

    def yes_no(self, key: str) -> bool | None:
        yes, no = self.t("answer_yes"), self.t("answer_no")

        def convert(answer: str) -> bool:
            first = answer.lower()[:1]
            if first in {yes, "y", "j"}:
                return True
            if first in {no, "n"}:
                return False
            raise ValueError(f"{yes}/{no}")

        return self.ask(key, convert)

    def choice(self, key: str, options: tuple[str, ...], **values: str) -> str | None:
        def convert(answer: str) -> str:
            if answer in options:
                return answer
            raise ValueError(", ".join(options))

        return self.ask(key, convert, **values)

    def pick(self, key: str, section: str, codes: tuple[str, ...]) -> list[str]:
        """Offer numbered codes with their labels; return the chosen codes."""
        for i, code in enumerate(codes, 1):
            typer.echo(f"  {i:2}. {self.kb.text(self.lang, section, code, 'label')}")

        def convert(answer: str) -> list[str]:
            picked = []
            for part in answer.replace(" ", "").split(","):
                if not part.isdigit() or not 1 <= int(part) <= len(codes):
                    raise ValueError(f"1-{len(codes)}")
                picked.append(codes[int(part) - 1])
            return picked

        return self.ask(key, convert) or []


def _number(low: float, high: float) -> Callable[[str], float]:
    def convert(answer: str) -> float:
        value = parse_number(answer)
        if not low <= value <= high:
            raise ValueError(f"{low:g}-{high:g}")
        return value

    return convert


def _date(answer: str) -> str:
    return date.fromisoformat(answer).isoformat()


def collect(kb: KnowledgeBase, lang: str) -> dict[str, Any]:
    """Ask the questions and build an intake document (contract section 1)."""
    q = Asker(kb, lang)
    vocab = kb.vocabulary
    typer.echo(q.t("intro"))
    intake: dict[str, Any] = {}
    patient: dict[str, Any] = {}
    age = q.ask("age", _number(16, 120))
    if age is not None:
        patient["age"] = age
    sex = q.choice("sex", ("female", "male", "other"))
    if sex is not None:
        patient["sex"] = sex
    if sex != "male" and (age is None or age < 56):
        for key in ("pregnant", "breastfeeding"):
            answer = q.yes_no(key)
            if answer is not None:
                patient[key] = answer
    if patient:
        intake["patient"] = patient

    symptoms = q.pick("symptoms", "symptoms", vocab.codes("symptoms"))
    detail: dict[str, dict[str, Any]] = {}
    rapid_groups = kb.core.group("red_flag_if_rapidly_worsening")
    red_flag = bool(set(symptoms) & kb.core.group("red_flag"))
    for code in symptoms:
        label = kb.text(lang, "symptoms", code, "label")
        entry: dict[str, Any] = {}
        if not red_flag:
            severity = q.ask("severity", _number(0, 10), symptom=label)
            if severity is not None:
                entry["severity"] = severity
            weeks = q.ask("weeks", _number(0, 5200), symptom=label)
            if weeks is not None:
                entry["weeks"] = weeks
        if code in kb.core.group("severe_neuro_if_rapidly_worsening") and not red_flag:
            progression = q.choice("progression", vocab.codes("progression"), symptom=label)
            if progression is not None:
                entry["progression"] = progression
                red_flag = red_flag or (progression == "rapidly_worsening" and code in rapid_groups)
        detail[code] = entry
    if detail:
        intake["symptoms"] = detail
    if red_flag:
        typer.echo(q.t("red_flag_stop"))
        return intake

    diet = q.choice("diet", vocab.codes("diets"))
    if diet is not None:
        intake["diet"] = {"pattern": diet}
        if diet in {"vegan", "vegetarian"}:
            fortified = q.yes_no("fortified")
            if fortified is not None:
                intake["diet"]["fortified_foods"] = fortified
    if q.yes_no("any_supplements"):
        intake["supplements"] = _supplements(q)
    if q.yes_no("any_medicines"):
        intake["medications"] = _medicines(q, kb)
    conditions = q.pick("conditions", "conditions", vocab.codes("conditions"))
    if conditions:
        intake["conditions"] = conditions
    exposures = q.pick("exposures", "exposures", vocab.codes("exposures"))
    if exposures:
        intake["exposures"] = exposures
    if q.yes_no("any_labs"):
        intake["labs"] = _labs(q, kb)
    if q.yes_no("any_treatment"):
        treatment = _treatment(q)
        if treatment:
            intake["treatment"] = treatment
    return intake


def _supplements(q: Asker) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        name = q.raw("supplement_name")
        if not name:
            return out
        entry: dict[str, Any] = {"name": name}
        for key, field in (
            ("supplement_b12", "b12_ug"),
            ("supplement_b6", "b6_mg"),
            ("supplement_folic", "folic_acid_ug"),
            ("supplement_magnesium", "magnesium_mg"),
            ("supplement_vitamin_d", "vitamin_d_ug"),
        ):
            amount = q.ask(key, _number(0, 100000))
            if amount:
                entry[field] = amount
        per = q.choice("supplement_per", ("day", "week"))
        if per is not None:
            entry["per"] = per
        out.append(entry)


def _medicines(q: Asker, kb: KnowledgeBase) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        name = q.raw("medicine_name")
        if not name:
            return out
        hit = kb.medicines.lookup(text=name)
        if hit is None:
            typer.echo(q.t("medicine_not_recognised"))
        else:
            labels = ", ".join(
                kb.text(q.lang, "medication_classes", c, "label") for c in sorted(hit.classes)
            )
            typer.echo(q.t("medicine_recognised", classes=labels))
        entry: dict[str, Any] = {"name": name}
        years = q.ask("medicine_years", _number(0, 100))
        if years is not None:
            entry["years"] = years
        out.append(entry)


def _labs(q: Asker, kb: KnowledgeBase) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    analytes = tuple(kb.analytes)
    while True:
        for i, code in enumerate(analytes, 1):
            typer.echo(f"  {i:2}. {kb.text(q.lang, 'analytes', code, 'label')}")

        def convert(answer: str) -> str:
            if answer.isdigit() and 1 <= int(answer) <= len(analytes):
                return analytes[int(answer) - 1]
            if answer in analytes:
                return answer
            raise ValueError(f"1-{len(analytes)}")

        analyte = q.ask("lab_analyte", convert)
        if analyte is None:
            return out
        spec = kb.analytes[analyte]
        value = q.raw("lab_value")
        if not value:
            continue
        entry: dict[str, Any] = {"analyte": analyte}
        try:
            entry["value"] = parse_number(value)
        except ValueError:
            entry["value"] = value
        if not spec.qualitative:
            units = tuple(u.name for u in spec.units.values())
            unit = q.choice("lab_unit", units, units=", ".join(units))
            if unit is not None:
                entry["unit"] = unit
        when = q.ask("lab_date", _date)
        if when is not None:
            entry["date"] = when
        out.append(entry)


def _treatment(q: Asker) -> dict[str, Any]:
    started = q.ask("treatment_started", _date)
    route = q.choice("treatment_route", ("oral", "intramuscular"))
    if started is None or route is None:
        return {}
    treatment: dict[str, Any] = {"started": started, "route": route}
    if route == "oral":
        dose = q.ask("treatment_dose", _number(0, 100000))
        if dose is not None:
            treatment["dose_ug_per_day"] = dose
    response = q.choice("treatment_response", ("improved", "unchanged", "worse"))
    if response is not None:
        treatment["response"] = response
    return treatment


def run_interview(lang: str, profile: str, save: Path | None) -> None:
    """Ask, assess, show, and save the intake when asked to."""
    from b12check.errors import IntakeError
    from b12check.render.text import print_report
    from b12check.service import assess

    kb = load_knowledge_base()
    intake = collect(kb, lang)
    asker = Asker(kb, lang)
    if not intake:
        intake = {"today": date.today().isoformat()}
    try:
        result = assess(intake, profile=profile)
    except IntakeError as exc:
        typer.echo(asker.t("errors"), err=True)
        for e in exc.errors:
            typer.echo(f"  {e.path}: {e.message}", err=True)
        raise typer.Exit(2) from None
    if save is not None:
        save.write_text(
            yaml.safe_dump(intake, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    print_report(result, kb, lang)
    if save is not None:
        typer.echo(asker.t("saved", path=str(save)))
