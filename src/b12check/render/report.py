"""Turn an :class:`Assessment` into the words every door shows (CLI, web page, GP report, CDS
card): one rendering, so the same case reads the same everywhere. Texts and numbers come from the
knowledge base; this module only picks and fills them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from b12check import i18n
from b12check.core.labs import Reading
from b12check.core.model import Assessment
from b12check.i18n import format_number
from b12check.knowledge_base import KnowledgeBase

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")
_TREATING = {"oral_high_dose", "intramuscular", "oral_maintenance"}


@dataclass(frozen=True, slots=True)
class Item:
    """A code with its label and text in the chosen language and audience."""

    code: str
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class LabLine:
    """A lab result: as given, in the canonical unit, and what it means."""

    analyte: str
    label: str
    given: str
    canonical: str
    interpretation: str | None
    interpretation_label: str
    reference: str
    basis: str


@dataclass(frozen=True, slots=True)
class LookalikeRow:
    """One row of the look-alikes table."""

    code: str
    label: str
    support: str
    support_label: str
    contrast: str
    text: str


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a conclusion was drawn: rule, its text, the findings and sources."""

    conclusion: str
    rule: str
    rule_label: str
    text: str
    findings: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A cited source as shown under a report."""

    id: str
    title: str
    publisher: str
    year: int
    link: str


@dataclass
class Report:
    """Ready-to-show strings for one assessment."""

    lang: str
    audience: str
    triage: Item
    triage_reasons: list[str]
    status: Item
    suspicion: Item
    plan: Item
    reasons: list[Reason]
    tests: list[Item]
    warnings: list[Item]
    risk_factors: list[Item]
    lookalikes: list[LookalikeRow]
    labs: list[LabLine]
    advice: list[Item]
    follow_up: list[str]
    notes: list[str]
    disclaimer: str
    emergency: str
    medicines: list[str]
    sources: list[SourceRef]
    rules: list[Item] = field(default_factory=list)
    profile: str = "seed"
    version: str = ""
    today: date | None = None


def fill(
    text: str,
    kb: KnowledgeBase,
    lang: str,
    profile: str,
    on: date,
    values: dict[str, str] | None = None,
) -> str:
    """Replace ``{parameter.name}`` with the value and unit, ``{name}`` with ``values``."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if "." in name:
            return format_parameter(kb, lang, profile, on, name)
        return (values or {}).get(name, match.group(0))

    return _PLACEHOLDER.sub(one, text)


def format_parameter(kb: KnowledgeBase, lang: str, profile: str, on: date, name: str) -> str:
    """A parameter's value with its unit in words of ``lang``."""
    param = kb.core.profiles[profile][name]
    value = param.at(on).value
    unit = unit_label(kb, lang, param.unit)
    if isinstance(value, tuple):
        low, high = value
        number = (
            format_number(low, lang)
            if low == high
            else f"{format_number(low, lang)}–{format_number(high, lang)}"
        )
    else:
        number = format_number(value, lang)
    return f"{number} {unit}".strip()


def unit_label(kb: KnowledgeBase, lang: str, unit: str) -> str:
    """How a unit reads in ``lang`` (``ug/day`` -> ``µg per dag``)."""
    key = f"units.{unit}"
    table = kb.ui_texts.get(lang, {})
    return table.get(key, unit.replace("ug", "µg").replace("umol", "µmol"))


def render_assessment(
    assessment: Assessment, kb: KnowledgeBase, lang: str = "nl", audience: str = "patient"
) -> Report:
    """Every text a door needs for ``assessment``, in ``lang`` for ``audience``."""
    a = assessment
    on, profile = a.today, a.profile

    def item(section: str, code: str, values: dict[str, str] | None = None) -> Item:
        entry = kb.texts[lang][section][code]
        return Item(
            code,
            fill(entry["label"], kb, lang, profile, on, values),
            fill(entry[audience], kb, lang, profile, on, values),
        )

    def label(section: str, code: str) -> str:
        return fill(kb.texts[lang][section][code]["label"], kb, lang, profile, on)

    labs = [_lab_line(r, kb, lang) for r in a.labs]
    lookalikes = []
    for condition, support in a.differentials:
        entry = kb.texts[lang]["differential_conditions"][condition]
        lookalikes.append(
            LookalikeRow(
                condition,
                entry["label"],
                support,
                label("differential_support", support),
                entry.get("contrast", ""),
                entry[audience],
            )
        )
    follow = []
    if a.follow_up.reassess_after_weeks:
        follow.append(item("follow_up", "reassess").text)
    if a.follow_up.next_check:
        follow.append(
            item(
                "follow_up", "next_check", {"date": format_date(a.follow_up.next_check, lang)}
            ).text
        )
    if "neuro_months" in a.follow_up.expectations:
        follow.append(item("follow_up", "neuro_recovery").text)
    if a.plan in _TREATING or a.treatment_response is not None:
        follow.append(item("follow_up", "diary_hint").text)
    if a.plan == "reevaluate":
        follow.append(item("follow_up", "no_improvement").text)
    notes = []
    for n in a.notes:
        values = dict(n.values)
        if "analyte" in values:
            values["analyte"] = label("analytes", values["analyte"])
        notes.append(item("notes", n.code, values).text)
    return Report(
        lang=lang,
        audience=audience,
        triage=item("triage_levels", a.triage_level),
        triage_reasons=[
            label(_reason_section(kb, lang, r), r)
            for r in a.triage_reasons
            if _reason_section(kb, lang, r)
        ],
        status=item("b12_status", a.status),
        suspicion=item("b12_suspicion", a.suspicion),
        plan=item("plans", a.plan),
        reasons=_reasons(a, kb, lang, audience),
        tests=[item("tests", t) for t in a.tests],
        warnings=[item("warnings", w) for w in a.warnings],
        risk_factors=[item("risk_factors", r) for r in a.risk_factors],
        lookalikes=lookalikes,
        labs=labs,
        advice=[item("advice", code) for code in advice_codes(a)],
        follow_up=follow,
        notes=notes,
        disclaimer=item("advice", "disclaimer").text,
        emergency=item("advice", "emergency").text,
        medicines=[m.name for m in a.medicines],
        sources=[
            SourceRef(
                s,
                kb.sources[s].title,
                kb.sources[s].publisher,
                kb.sources[s].year,
                kb.sources[s].link,
            )
            for s in a.sources
        ],
        rules=[item("rules", r) for r in a.rules],
        profile=a.profile,
        version=a.version,
        today=a.today,
    )


def advice_codes(a: Assessment) -> list[str]:
    """Which general advice fits this assessment (treatment facts, cautions, lifestyle)."""
    codes = []
    if a.plan in {"oral_high_dose", "intramuscular", "reevaluate"}:
        codes += ["forms_equally_effective", "recovery_time"]
    if {"pernicious_anaemia", "gastrectomy", "ileal_resection", "bariatric_surgery"} & set(
        a.risk_factors
    ):
        codes.append("lifelong_when_cause_irreversible")
    if {"vegan_without_supplement", "vegetarian_without_supplement"} & set(a.risk_factors):
        codes += ["vegan_maintenance", "diet_sources"]
    if "do_not_stop_medication_yourself" in a.warnings:
        codes.append("do_not_stop_medicines")
    if "supplements_distort_b12_test" in a.warnings:
        codes.append("test_timing_on_supplements")
    if "coeliac_serology" in a.tests or a.plan == "reevaluate":
        codes.append("malabsorption_to_doctor")
    if "magnesium" in a.tests:
        codes.append("magnesium_only_if_low")
    codes += ["folic_acid_not_alone", "avoid_high_b6", "lab_ranges_differ", "lifestyle"]
    return list(dict.fromkeys(codes))


def format_date(when: date, lang: str) -> str:
    """A date with the month in full, as the report writes it."""
    return i18n.format_date(when, lang, "long")


def _reason_section(kb: KnowledgeBase, lang: str, code: str) -> str:
    for section in ("triage_reasons", "symptoms", "risk_factors"):
        if kb.has_text(lang, section, code):
            return section
    return ""


def _lab_line(reading: Reading, kb: KnowledgeBase, lang: str) -> LabLine:
    lab = reading.lab
    texts = kb.texts[lang]
    name = texts["analytes"][lab.analyte]["label"]
    interp = reading.interpretation
    interp_label = texts["lab_interpretations"][interp]["label"] if interp else "–"
    if lab.value is None:
        given = canonical = str(lab.result)
        reference = ""
    else:
        given = f"{_original(lab.original_value, lang)} {lab.original_unit or ''}".strip()
        if lab.estimated:  # rule L3: computed, not given
            given = texts["notes"]["egfr_estimated"]["label"]
        canonical = f"{format_number(lab.value, lang)} {lab.canonical_unit}"
        parts = []
        if reading.low is not None:
            parts.append(f"≥ {format_number(reading.low, lang)}")
        if reading.high is not None:
            parts.append(f"≤ {format_number(reading.high, lang)}")
        reference = " ".join(parts)
    return LabLine(
        lab.analyte, name, given, canonical, interp, interp_label, reference, reading.basis
    )


def _original(value: float | str, lang: str) -> str:
    if isinstance(value, int | float):
        return format_number(float(value), lang)
    return str(value)


def _reasons(a: Assessment, kb: KnowledgeBase, lang: str, audience: str) -> list[Reason]:
    main = ("triage.level", "b12.status", "b12.suspicion", "plan")
    out = []
    for e in a.explanation:
        if not e.conclusion.startswith(main):
            continue
        rule = kb.texts[lang]["rules"][e.rule]
        out.append(
            Reason(
                e.conclusion,
                e.rule,
                rule["label"],
                fill(rule[audience], kb, lang, a.profile, a.today),
                _findings(e.because, kb, lang, audience, a.profile, a.today),
                e.sources,
            )
        )
    return out


def _findings(
    because: tuple[str, ...], kb: KnowledgeBase, lang: str, audience: str, profile: str, on: date
) -> tuple[str, ...]:
    """Findings in words: only those the knowledge base has words for (the rule's text says
    the rest), so no internal code or untranslated note reaches any reader."""
    out = []
    for finding in because:
        text = render_finding(finding, kb, lang, profile, on)
        if text != finding:
            out.append(text)
    return tuple(out)


_MEASURE = re.compile(r"(\d+(?:\.\d+)?)|([A-Za-z]+/[A-Za-z0-9./]+)")


def _localised_measure(text: str, kb: KnowledgeBase, lang: str) -> str:
    """``62.84 g/L < 70`` in the reader's numbers and units (``62,84 g/L < 70`` in Dutch)."""

    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return format_number(float(match.group(1)), lang)
        return unit_label(kb, lang, match.group(2))

    return _MEASURE.sub(one, text)


def render_finding(finding: str, kb: KnowledgeBase, lang: str, profile: str, on: date) -> str:
    """``symptom:paresthesia`` -> ``Tintelingen``; ``lab:b12=low`` -> ``Vitamine B12: laag``."""
    kind, _, rest = finding.partition(":")
    texts = kb.texts[lang]
    section = {
        "symptom": "symptoms",
        "risk_factor": "risk_factors",
        "condition": "conditions",
        "exposure": "exposures",
    }.get(kind)
    if section and rest in texts.get(section, {}):
        return fill(texts[section][rest]["label"], kb, lang, profile, on)
    if kind == "lab" and "=" in rest:
        analyte, _, value = rest.partition("=")
        name = texts["analytes"].get(analyte, {}).get("label", analyte)
        fallback = (
            kb.ui(lang, "cli.not_measured")
            if value in {"None", "unknown"}
            else _localised_measure(value, kb, lang)
        )
        value_label = texts["lab_interpretations"].get(value, {}).get("label", fallback)
        return f"{name}: {value_label}"
    if kind in {"b12.status", "plan", "triage"} and rest:
        section = {"b12.status": "b12_status", "plan": "plans", "triage": "triage_levels"}[kind]
        if rest in texts.get(section, {}):
            return fill(texts[section][rest]["label"], kb, lang, profile, on)
    return finding
