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
    for entry in d.get("explanation", []):
        if not str(entry.get("conclusion", "")).startswith("triage.level"):
            continue
        for finding in entry.get("because", []):
            words = render_finding(str(finding), kb, lang, d["profile"], assessment.today)
            if words != finding and words not in told:
                told.append(words)
    phone = ""
    if level == "immediate":
        complaints = ", ".join(_lower_first(w) for w in told) or kb.ui(lang, "report.phone_default")
        phone = kb.ui(lang, "report.phone_script").format(complaints=complaints)
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
