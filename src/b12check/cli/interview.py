"""The terminal questionnaire: the web form's questions (one catalogue, ``b12check.questions``)
asked in the person's language, answered in that language ("man", "v", "veganistisch", "beter",
or a number from the list). ``?`` means don't know, Enter skips. It stops early on a red flag,
then shows the result in the web page's order (action first) and can save the intake as YAML.

Every message the person sees is a UI text; no Python message ever reaches the terminal.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.panel import Panel

from b12check import questions
from b12check.i18n import format_number, parse_number
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base
from b12check.questions import Question

_DATE_FORMS = (
    re.compile(r"(?P<d>\d{1,2})[-/. ](?P<m>\d{1,2})[-/. ](?P<y>\d{4})"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
)


class Asker:
    """Asks catalogue questions and reads the answers in the person's own words."""

    def __init__(self, kb: KnowledgeBase, lang: str) -> None:
        self.kb, self.lang = kb, lang

    def t(self, key: str, **values: str) -> str:
        """An interview UI text."""
        return self.kb.ui(self.lang, f"interview.{key}").format(**values)

    def q(self, qid: str, **values: str) -> str:
        """A question's words from the catalogue."""
        return questions.text(self.lang, qid).format(**values)

    def say(self, text: str) -> None:
        typer.echo(text)

    def raw(self, prompt: str) -> str:
        try:
            return str(
                typer.prompt(prompt, default="", show_default=False, prompt_suffix=" ")
            ).strip()
        except (EOFError, typer.Abort):
            raise typer.Exit(1) from None

    def _loop(self, prompt: str, read: Any) -> Any:
        while True:
            answer = self.raw(prompt)
            if answer in {"", "?"}:
                return None
            value, problem = read(answer)
            if problem is None:
                return value
            self.say(self.t("not_understood", problem=problem))

    def number(self, q: Question, prompt: str | None = None) -> float | None:
        low = q.low if q.low is not None else 0
        high = q.high if q.high is not None else 100000

        def read(answer: str) -> tuple[float | None, str | None]:
            expected = self.t(
                "expect_whole" if q.integer else "expect_number",
                low=format_number(low, self.lang),
                high=format_number(high, self.lang),
            )
            try:
                value = parse_number(answer)
            except ValueError:
                return None, expected
            if not low <= value <= high or (q.integer and not value.is_integer()):
                return None, expected
            return (int(value) if value.is_integer() else value), None

        return self._loop(prompt or self.q(q.id), read)  # type: ignore[no-any-return]

    def _list(self, q: Question) -> None:
        for i, code in enumerate(questions.options(q), 1):
            self.say(f"  {i:2}. {questions.option_label(self.lang, q, code)}")

    def choice(self, q: Question, prompt: str | None = None) -> str | None:
        self.say(prompt or self.q(q.id))
        self._list(q)

        def read(answer: str) -> tuple[str | None, str | None]:
            code = questions.read_choice(self.lang, q, answer)
            if code is None:
                return None, self.t("expect_choice", n=str(len(questions.options(q))))
            return code, None

        return self._loop(self.t("choose"), read)  # type: ignore[no-any-return]

    def yes_no(self, q: Question, prompt: str | None = None) -> bool | None:
        yes_word = questions.option_label(self.lang, q, questions.YES)
        no_word = questions.option_label(self.lang, q, questions.NO)

        def read(answer: str) -> tuple[bool | None, str | None]:
            code = questions.read_choice(self.lang, q, answer)
            if code not in (questions.YES, questions.NO):
                return None, self.t("expect_yes_no", yes=yes_word, no=no_word)
            return code == questions.YES, None

        text = f"{prompt or self.q(q.id)} ({yes_word}/{no_word})"
        return self._loop(text, read)  # type: ignore[no-any-return]

    def many(self, q: Question) -> list[str]:
        self.say(self.q(q.id))
        self._list(q)

        def read(answer: str) -> tuple[list[str] | None, str | None]:
            picked = questions.read_choices(self.lang, q, answer)
            if picked is None:
                return None, self.t("expect_many", n=str(len(q.options)))
            return picked, None

        return self._loop(self.t("choose_many"), read) or []

    def day(self, q: Question) -> str | None:
        def read(answer: str) -> tuple[str | None, str | None]:
            for form in _DATE_FORMS:
                m = form.fullmatch(answer.strip())
                if m:
                    try:
                        when = date(int(m["y"]), int(m["m"]), int(m["d"]))
                    except ValueError:
                        break
                    if when > date.today():
                        return None, self.t("expect_past_date")
                    return when.isoformat(), None
            return None, self.t("expect_date")

        return self._loop(self.q(q.id), read)  # type: ignore[no-any-return]


def collect(kb: KnowledgeBase, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ask the questions; return the intake (contract section 1) and the extra details."""
    a = Asker(kb, lang)
    q_ = questions.question
    total = sum(s.minutes for s in questions.STEPS if s.id in {"about", "diet", "symptoms"})
    a.say(a.t("intro"))
    a.say(questions.text(lang, "step.total").format(minutes=str(total)))
    intake: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    patient: dict[str, Any] = {}
    age = a.number(q_("age"))
    if age is not None:
        patient["age"] = age
    sex = a.choice(q_("sex"))
    if sex is not None:
        patient["sex"] = sex
    if sex != "male" and (age is None or age < 56):
        for key in ("pregnant", "breastfeeding"):
            answer = a.yes_no(q_(key))
            if answer is not None:
                patient[key] = answer
    if patient:
        intake["patient"] = patient

    symptoms, red_flag = _symptoms(a, kb, extras)
    if symptoms:
        intake["symptoms"] = symptoms
    if red_flag:
        a.say(a.t("red_flag_stop"))
        return intake, extras

    diet = a.choice(q_("diet_pattern"))
    if diet is not None:
        intake["diet"] = {"pattern": diet}
        if diet in {"vegan", "vegetarian"}:
            fortified = a.yes_no(q_("fortified_foods"))
            if fortified is not None:
                intake["diet"]["fortified_foods"] = fortified
    if a.yes_no(q_("takes_supplements")):
        intake["supplements"] = _supplements(a)
    if a.yes_no(q_("takes_medicines")):
        intake["medications"] = _medicines(a, kb)
    for key in ("conditions", "exposures"):
        picked = a.many(q_(key))
        if picked:
            intake[key] = picked
    if a.yes_no(q_("takes_labs")):
        intake["labs"] = _labs(a, kb)
    if a.yes_no(q_("on_treatment")):
        treatment = _treatment(a)
        if treatment:
            intake["treatment"] = treatment
    return intake, extras


def _symptoms(
    a: Asker, kb: KnowledgeBase, extras: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], bool]:
    q_ = questions.question
    falls = a.yes_no(q_("falls"))
    if falls is not None:
        extras["falls"] = questions.YES if falls else questions.NO
    picked = a.many(q_("symptoms"))
    for implied in questions.implied_symptoms(extras):
        if implied not in picked:
            picked.append(implied)
    red_flag = bool(set(picked) & kb.core.group("red_flag"))
    rapid = kb.core.group("red_flag_if_rapidly_worsening")
    detail: dict[str, dict[str, Any]] = {}
    for code in picked:
        name = questions.option_label(a.lang, q_("symptoms"), code)
        entry: dict[str, Any] = {}
        if not red_flag:
            a.say(f"— {name}")
            severity = a.number(q_("severity"))
            if severity is not None:
                entry["severity"] = severity
            weeks = a.number(q_("weeks"))
            if weeks is not None:
                entry["weeks"] = weeks
            if code in kb.core.group("severe_neuro_if_rapidly_worsening"):
                progression = a.choice(q_("progression"))
                if progression is not None:
                    entry["progression"] = progression
                    red_flag = red_flag or (progression == "rapidly_worsening" and code in rapid)
            if code == "paresthesia":
                where = a.choice(q_("tingling_where"))
                if where is not None:
                    extras["tingling_where"] = where
            if code == "muscle_cramps":
                night = a.yes_no(q_("cramps_at_night"))
                if night is not None:
                    extras["cramps_at_night"] = questions.YES if night else questions.NO
        detail[code] = entry
    return detail, red_flag


def _supplements(a: Asker) -> list[dict[str, Any]]:
    q_ = questions.question
    out: list[dict[str, Any]] = []
    while True:
        name = a.raw(a.q("supplement_name"))
        if not name or name == "?":
            return out
        entry: dict[str, Any] = {"name": name}
        for field in ("b12_ug", "b6_mg", "folic_acid_ug", "magnesium_mg", "vitamin_d_ug"):
            amount = a.number(q_(f"supplement_{field}"))
            if amount:
                entry[field] = amount
        per = a.choice(q_("supplement_per"))
        if per is not None:
            entry["per"] = per
        out.append(entry)


def _medicines(a: Asker, kb: KnowledgeBase) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        name = a.raw(a.q("medicine_name"))
        if not name or name == "?":
            return out
        hit = kb.medicines.lookup(text=name)
        if hit is None:
            a.say(a.t("medicine_not_recognised"))
        else:
            labels = ", ".join(
                kb.text(a.lang, "medication_classes", c, "label") for c in sorted(hit.classes)
            )
            a.say(a.t("medicine_recognised", classes=labels))
        entry: dict[str, Any] = {"name": name}
        years = a.number(questions.question("medicine_years"))
        if years is not None:
            entry["years"] = years
        out.append(entry)


def _labs(a: Asker, kb: KnowledgeBase) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    codes = tuple(kb.analytes)
    which = Question("lab_analyte", "labs", "choice", options=codes, section="analytes")
    while True:
        analyte = a.choice(which, a.t("lab_analyte"))
        if analyte is None:
            return out
        spec = kb.analytes[analyte]
        entry: dict[str, Any] = {"analyte": analyte}
        if spec.qualitative:
            result = Question(
                "lab_result",
                "labs",
                "choice",
                options=("positive", "negative"),
                section="lab_interpretations",
            )
            value = a.choice(result, a.t("lab_result"))
            if value is None:
                continue
            entry["value"] = value
        else:
            high = spec.plausible[1] if spec.plausible else 100000
            amount = Question("lab_value", "labs", "number", low=0, high=max(high * 100, 1000))
            number = a.number(amount, a.t("lab_value"))
            if number is None:
                continue
            entry["value"] = number
            units = tuple(u.name for u in spec.units.values())
            unit_q = Question("lab_unit", "labs", "choice", options=units)
            unit = a.choice(unit_q, a.t("lab_unit"))
            while unit is not None and not _plausible(spec, number, unit):
                likely = [u.name for u in spec.units.values() if _plausible(spec, number, u.name)]
                a.say(a.t("implausible", unit=unit, likely=" / ".join(likely) or "–"))
                unit = a.choice(unit_q, a.t("lab_unit"))
            if unit is not None:
                entry["unit"] = unit
        when = a.day(Question("lab_date", "labs", "date"))
        if when is not None:
            entry["date"] = when
        out.append(entry)


def _plausible(spec: Any, value: float, unit: str) -> bool:
    """Whether ``value`` in ``unit`` is a result a living adult can have (rule L4's check, so
    the person can correct the unit at once instead of at the end)."""
    found = spec.units.get(unit.lower())
    if found is None or not spec.plausible:
        return True
    low, high = spec.plausible
    return bool(low <= value * found.factor <= high)


def _treatment(a: Asker) -> dict[str, Any]:
    q_ = questions.question
    started = a.day(q_("treat_started"))
    route = a.choice(q_("treat_route"))
    if started is None or route is None:
        return {}
    treatment: dict[str, Any] = {"started": started, "route": route}
    if route == "oral":
        dose = a.number(q_("treat_dose"))
        if dose is not None:
            treatment["dose_ug_per_day"] = dose
    response = a.choice(q_("treat_response"))
    if response is not None:
        treatment["response"] = response
    return treatment


# ---- the result, in the web page's order -------------------------------------------------------

_STYLE = {
    "immediate": "bold white on red",
    "urgent": "bold black on yellow",
    "routine": "bold white on blue",
    "self_care": "bold white on green",
}


def print_result(result: Any, kb: KnowledgeBase, lang: str, extras: dict[str, Any]) -> None:
    """Action card, tests to ask for, what helps, then why, other causes, labs, for the doctor."""
    from b12check.render.action import action_card
    from b12check.render.report import render_assessment

    out = Console(highlight=False)
    card = action_card(result, kb, lang)
    r = render_assessment(result, kb, lang, "patient")

    def ui(key: str) -> str:
        return kb.ui(lang, f"report.{key}")

    body = [card.text]
    if card.reason:
        body.append(f"{ui('because')}: {card.reason}")
    if card.told:
        body.append(f"{ui('you_told')}: {', '.join(card.told)}")
    if card.phone:
        body.append(card.phone)
    out.print(Panel("\n\n".join(body), title=card.title, style=_STYLE[card.level]))
    if card.level == "immediate":
        out.print(r.emergency)
        out.rule(ui("more_heading"))
    out.rule(ui("tests_heading"))
    for item in r.tests:
        out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    if not r.tests:
        out.print(ui("no_tests"))
    out.rule(ui("helps_heading"))
    steps = [f"• [bold]{s.label}[/bold]: {s.text}" for s in card.next_steps]
    if steps and card.b12_unlikely:
        out.print(ui("lookalike_first"))
        for line in steps:
            out.print(line)
    out.print(f"[bold]{r.plan.label}[/bold]: {r.plan.text}")
    if card.level != "immediate":
        for item in r.advice:
            out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    if steps and not card.b12_unlikely:
        out.print(ui("lookalike_beside"))
        for line in steps:
            out.print(line)
    if r.warnings:
        out.rule(ui("warnings_heading"))
        for item in r.warnings:
            out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    out.print(f"[italic]{r.disclaimer}[/italic]")
    out.rule(ui("why_heading"))
    out.print(f"{r.status.label} — {r.status.text}")
    for reason in r.reasons:
        findings = f" ({'; '.join(reason.findings)})" if reason.findings else ""
        out.print(f"• {reason.text}{findings}")
    others = [row for row in r.lookalikes if row.support in {"likely", "possible"}]
    if others:
        out.rule(ui("others_heading"))
        for row in others:
            out.print(f"• [bold]{row.label}[/bold] ({row.support_label.lower()}): {row.contrast}")
    if r.labs:
        out.rule(ui("labs_heading"))
        for lab in r.labs:
            out.print(f"• {lab.label}: {lab.given} — {lab.interpretation_label}")
    if r.follow_up and card.level != "immediate":
        out.rule(ui("follow_up_heading"))
        for line in r.follow_up:
            out.print(f"• {line}")
    extra = questions.extra_lines(extras, lang)
    out.rule(ui("doctor_heading"))
    for line in extra:
        out.print(f"• {line}")
    out.print(
        f"[dim]{ui('profile')}: {r.profile} · {ui('version')}: {r.version} · "
        f"{ui('rules')}: {', '.join(result.rules)}[/dim]"
    )
    out.print(f"[dim]{ui('sources_heading')}: {'; '.join(s.title for s in r.sources)}[/dim]")


def _field_words(a: Asker, path: str) -> str:
    """The question behind an intake path, in words (``patient.age`` -> the age question)."""
    for q in questions.catalogue():
        pattern = re.escape(q.path).replace(r"\[\]", r"\[\d+\]").replace(r"\*", r"[a-z_]+")
        if q.path and re.fullmatch(pattern, path):
            return questions.text(a.lang, q.id)
    if path.startswith("labs"):
        return a.t("lab_analyte")
    return a.t("some_answer")


def run_interview(lang: str, profile: str, save: Path | None) -> None:
    """Ask, assess, show, and save the intake when asked to."""
    from b12check.errors import IntakeError
    from b12check.service import assess

    kb = load_knowledge_base()
    intake, extras = collect(kb, lang)
    asker = Asker(kb, lang)
    if not intake:
        intake = {"today": date.today().isoformat()}
    try:
        result = assess(intake, profile=profile)
    except IntakeError as exc:
        typer.echo(asker.t("errors"), err=True)
        for e in exc.errors:
            typer.echo(f"  • {_field_words(asker, e.path)}", err=True)
        typer.echo(asker.t("errors_hint"), err=True)
        raise typer.Exit(2) from None
    if save is not None:
        save.write_text(
            yaml.safe_dump(intake, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    print_result(result, kb, lang, extras)
    if save is not None:
        typer.echo(asker.t("saved", path=str(save)))
