"""The action card every patient-facing door puts first: what to do, how soon, and why in
words (never a rule code); for ``immediate`` also what to say on the phone. Likely look-alikes
carry their next step (rule D, v2), shown beside the B12 advice, above it when B12 deficiency is
unlikely. Words come from the knowledge base; this module only picks them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b12check.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class NextStep:
    """What to do about a look-alike that the answers make likely."""

    condition: str
    label: str
    text: str


@dataclass(frozen=True)
class Action:
    """The coloured card at the top of a result."""

    level: str
    title: str
    text: str
    reason: str
    told: tuple[str, ...]
    phone: str
    next_steps: tuple[NextStep, ...] = field(default_factory=tuple)
    b12_unlikely: bool = False


def _lower_first(text: str) -> str:
    """``Tintelingen`` -> ``tintelingen`` (but ``TSH`` and ``B12`` stay as they are)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def lab_words(assessment: Any, finding: str, kb: KnowledgeBase, lang: str) -> str:
    """``lab:hb=62.8 g/L < 70`` -> ``Hemoglobine (Hb) 3,9 mmol/L: laag``: the result as the
    person typed it, with its meaning, instead of the rule's arithmetic."""
    from b12check.i18n import format_number

    analyte = finding.removeprefix("lab:").split("=", 1)[0]
    texts = kb.texts[lang]
    label = str(texts["analytes"].get(analyte, {}).get("label", ""))
    reading = next((r for r in reversed(assessment.labs) if r.lab.analyte == analyte), None)
    if not label or reading is None:
        return ""
    lab = reading.lab
    if isinstance(lab.original_value, int | float):
        from b12check.render.report import unit_label

        unit = unit_label(kb, lang, lab.original_unit) if lab.original_unit else ""
        value = f"{format_number(float(lab.original_value), lang)} {unit}".strip()
    else:
        value = str(lab.result or lab.original_value)
    meaning = reading.interpretation
    word = str(texts["lab_interpretations"][meaning]["label"]).lower() if meaning else ""
    return f"{label} {value}: {word}" if word else f"{label} {value}"


def action_card(assessment: Any, kb: KnowledgeBase, lang: str) -> Action:
    """The action card of an assessment in ``lang``."""
    from b12check.render.report import render_finding

    d = assessment.to_dict()
    level = str(d["triage"]["level"])
    texts = kb.texts[lang]
    reasons = d["triage"].get("reasons") or []
    reason_code = next((r for r in reasons if r in texts.get("triage_reasons", {})), None)
    reason = str(texts["triage_reasons"][reason_code]["patient"]) if reason_code else ""
    told: list[str] = []
    said: list[str] = []  # complaints, as a person says them
    labs: list[str] = []  # lab results, as the person typed them
    for entry in d.get("explanation", []):
        if not str(entry.get("conclusion", "")).startswith("triage.level"):
            continue
        for raw in entry.get("because", []):
            finding = str(raw)
            if finding.startswith("lab:"):
                words = lab_words(assessment, finding, kb, lang)
                if words and words not in labs:
                    labs.append(words)
                    told.append(words)
                continue
            words = render_finding(finding, kb, lang, d["profile"], assessment.today)
            if words != finding and words not in told:
                told.append(words)
                if finding.startswith("symptom:"):
                    said.append(_lower_first(words))
    phone = ""
    if level == "immediate":
        if said or not labs:
            complaints = ", ".join(said) or kb.ui(lang, "report.phone_default")
            phone = kb.ui(lang, "report.phone_script").format(complaints=complaints)
        else:
            phone = kb.ui(lang, "report.phone_labs").format(labs="; ".join(labs))
    steps = []
    next_texts = texts.get("next_steps", {})
    for row in d.get("differentials", []):
        code = row.get("next_step")
        if row.get("support") != "likely" or not code:
            continue
        entry = next_texts.get(code, {})
        steps.append(
            NextStep(
                str(row["condition"]),
                str(texts["differential_conditions"][row["condition"]]["label"]),
                str(entry.get("patient") or entry.get("label") or ""),
            )
        )
    return Action(
        level=level,
        title=str(texts["triage_levels"][level]["label"]),
        text=str(texts["triage_levels"][level]["patient"]),
        reason=reason,
        told=tuple(told),
        phone=phone,
        next_steps=tuple(steps),
        b12_unlikely=d["b12"]["status"] == "unlikely",
    )
