"""Turning an assessment and the answers into what the pages show (no clinical logic here).

The words about the assessment come from ``render_assessment`` (the same for every door); this
module only arranges them and summarises the person's own answers for the review step and the GP
report.
"""

from __future__ import annotations

from typing import Any

from b12check.web import content
from b12check.web.forms import STEPS
from b12check.web.i18n import format_day, format_number


def present(assessment: Any, lang: str, audience: str = "patient") -> Any:
    """The ready-to-show texts of an assessment in this language, for this audience."""
    from b12check.render.report import render_assessment

    return render_assessment(assessment, content.kb(), lang, audience=audience)


def _yes_no(lang: str, value: Any) -> str:
    if value is True:
        return content.ui(lang, "answer.yes")
    if value is False:
        return content.ui(lang, "answer.no")
    return content.ui(lang, "answer.unknown")


def _num(value: Any, lang: str) -> str:
    return format_number(value, lang) if isinstance(value, int | float) else str(value)


def summarise(intake: dict[str, Any], lang: str) -> dict[str, list[str]]:
    """The person's answers as short lines, grouped by questionnaire step."""

    def t(key: str) -> str:
        return content.ui(lang, key)

    out: dict[str, list[str]] = {
        s: []
        for s in STEPS
        if s != "review"
    }
    patient = intake.get("patient") or {}
    if "age" in patient:
        out["about"].append(f"{t('about.age')}: {_num(patient['age'], lang)}")
    if "sex" in patient:
        out["about"].append(f"{t('about.sex')}: {t('about.sex.' + patient['sex'])}")
    for key in ("pregnant", "breastfeeding"):
        if key in patient:
            out["about"].append(f"{t('about.' + key)}: {_yes_no(lang, patient[key])}")
    diet = intake.get("diet") or {}
    if "pattern" in diet:
        out["diet"].append(f"{t('diet.pattern')}: {content.label(lang, 'diets', diet['pattern'])}")
    if "fortified_foods" in diet:
        out["diet"].append(f"{t('diet.fortified')}: {_yes_no(lang, diet['fortified_foods'])}")
    for supp in intake.get("supplements", []):
        amounts = [
            f"{t('supplements.' + k)} {_num(v, lang)}"
            for k, v in supp.items()
            if k not in ("name", "per", "since")
        ]
        per = t("supplements.per." + supp.get("per", "day"))
        name = supp.get("name") or t("supplements.unnamed")
        out["supplements"].append(f"{name}: {', '.join(amounts)} ({per})")
    for med in intake.get("medications", []):
        parts = [med.get("name", "")]
        if "dose_mg_per_day" in med:
            parts.append(f"{_num(med['dose_mg_per_day'], lang)} mg/{t('unit.day')}")
        if "since" in med:
            parts.append(f"{t('medicines.since')} {format_day(med['since'], lang)}")
        elif "years" in med:
            parts.append(f"{_num(med['years'], lang)} {t('unit.years')}")
        out["medicines"].append(", ".join(parts))
    for key, section in (("conditions", "conditions"), ("exposures", "exposures")):
        for code in intake.get(key, []):
            out["history"].append(content.label(lang, section, code))
    treatment = intake.get("treatment")
    if treatment:
        for key, value in treatment.items():
            shown = format_day(value, lang) if key == "started" else _num(value, lang)
            if key in ("route", "response"):
                shown = t(f"treatment.{key}.{value}")
            out["treatment"].append(f"{t('treatment.' + key.removesuffix('_per_day'))}: {shown}")
    symptoms = intake.get("symptoms") or {}
    if isinstance(symptoms, list):
        symptoms = {code: {} for code in symptoms}
    for code, detail in symptoms.items():
        detail = detail or {}
        bits = []
        if "severity" in detail:
            bits.append(f"{t('symptoms.severity')} {_num(detail['severity'], lang)}/10")
        if "weeks" in detail:
            bits.append(f"{_num(detail['weeks'], lang)} {t('unit.weeks')}")
        if "progression" in detail:
            bits.append(content.label(lang, "progression", detail["progression"]))
        line = content.label(lang, "symptoms", code)
        out["symptoms"].append(f"{line} ({', '.join(bits)})" if bits else line)
    for lab in intake.get("labs", []):
        value = lab.get("value")
        name = lab.get("analyte") or f"LOINC {lab.get('loinc', '?')}"
        line = f"{content.label(lang, 'analytes', name)}: {_num(value, lang)}"
        if lab.get("unit"):
            line += f" {lab['unit']}"
        if lab.get("reference_range"):
            low, high = lab["reference_range"]
            line += f" ({t('labs.lab_range')} {_num(low, lang)}–{_num(high, lang)})"
        if lab.get("date"):
            line += f", {format_day(lab['date'], lang)}"
        out["labs"].append(line)
    return out
