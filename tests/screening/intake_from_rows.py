"""The per-person reference: one patient's extract rows turned into an intake for the core, and
the correspondence between the core's conclusions and the screening flags (docs/screening.md).

This is deliberately plain Python over pyarrow rows, independent of ibis, so that a mistake in the
set-based rules cannot hide in the reference."""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from b12check.core.codes import TREATABLE
from b12check.core.model import Assessment
from b12check.knowledge_base import KnowledgeBase

DRUG_RISKS = {"metformin", "metformin_long_term", "ppi", "ppi_long_term", "h2ra", "h2ra_long_term"}


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def load_rows(folder: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """table -> patient_id -> rows."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in ("patients", "observations", "medications", "conditions"):
        by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in pq.read_table(folder / f"{name}.parquet").to_pylist():
            by_patient[row["patient_id"]].append(row)
        out[name] = by_patient
    return out


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((birth.month, birth.day) > (today.month, today.day))


def canonical(kb: KnowledgeBase, row: dict[str, Any]) -> tuple[str, float] | None:
    spec = kb.core.loinc.get(row["code"])
    analyte = spec.analyte if spec else row["code"]
    unit = kb.core.analytes[analyte].units.get(row["unit"].lower())
    return (analyte, row["value"] * unit.factor) if unit else None


def to_intake(
    kb: KnowledgeBase,
    rows: dict[str, dict[str, list[dict[str, Any]]]],
    pid: str,
    today: date,
    profile: str,
) -> dict[str, Any]:
    """The intake a clinician would fill in from this patient's rows on ``today``."""
    params = kb.core.params(profile, today)
    lookback = months_before(today, int(params.number("screening.complaint_lookback_months")))
    person = rows["patients"][pid][0]
    intake: dict[str, Any] = {"today": today.isoformat(), "patient": {}}
    if person["birth_date"] is not None:
        intake["patient"]["age"] = _age(person["birth_date"], today)
    if person["sex"] is not None:
        intake["patient"]["sex"] = person["sex"]
    if not intake["patient"]:
        del intake["patient"]
    if person["diet"] is not None:
        intake["diet"] = {"pattern": person["diet"]}
    medications, b12 = [], []
    for med in rows["medications"].get(pid, []):
        if med["start_date"] > today or (med["end_date"] is not None and med["end_date"] < today):
            continue
        if "b12_supplement" in kb.medicines.classes_for_atc(med["atc"]):
            b12.append(med)
        else:
            medications.append({"atc": med["atc"], "since": med["start_date"].isoformat()})
    if medications:
        intake["medications"] = medications
    if b12:
        first = min(b12, key=lambda m: m["start_date"])
        intake["treatment"] = {
            "started": first["start_date"].isoformat(),
            "route": "intramuscular" if first["atc"] == "B03BA03" else "oral",
        }
    vocab = kb.vocabulary
    conditions, symptoms = set(), set()
    for cond in rows["conditions"].get(pid, []):
        if cond["date"] > today:
            continue
        if cond["code"] in vocab.codes("conditions"):
            conditions.add(cond["code"])
        elif cond["code"] in vocab.codes("symptoms") and cond["date"] >= lookback:
            symptoms.add(cond["code"])
    if conditions:
        intake["conditions"] = sorted(conditions)
    if symptoms:
        intake["symptoms"] = sorted(symptoms)
    labs = []
    for obs in rows["observations"].get(pid, []):
        if obs["date"] > today:
            continue
        converted = canonical(kb, obs)
        assert converted is not None
        labs.append((obs["date"], -converted[1], obs))
    # the core uses the last given of equally recent results: give the lowest last
    labs.sort(key=lambda t: (t[0], t[1]))
    if labs:
        intake["labs"] = [
            {
                "loinc": o["code"],
                "value": o["value"],
                "unit": o["unit"],
                "date": o["date"].isoformat(),
            }
            for _, _, o in labs
        ]
    return intake


def latest(
    kb: KnowledgeBase, rows: list[dict[str, Any]], analyte: str, today: date
) -> float | None:
    found = [
        (o["date"], -c[1], c[1])
        for o in rows
        if o["date"] <= today and (c := canonical(kb, o)) is not None and c[0] == analyte
    ]
    return max(found)[2] if found else None


def has_sign(
    kb: KnowledgeBase,
    rows: dict[str, dict[str, list[dict[str, Any]]]],
    pid: str,
    today: date,
    profile: str,
) -> bool:
    """A screening-only fact the intake cannot carry: a coded sign within the look-back, or the
    latest Hb low / MCV high."""
    params = kb.core.params(profile, today)
    lookback = months_before(today, int(params.number("screening.complaint_lookback_months")))
    for cond in rows["conditions"].get(pid, []):
        if (
            cond["code"] in kb.vocabulary.codes("screening_signs")
            and lookback <= cond["date"] <= today
        ):
            return True
    obs = rows["observations"].get(pid, [])
    sex = rows["patients"][pid][0]["sex"]
    hb_limit = params.number(
        "labs.hb.low_below_female" if sex in ("female", "other") else "labs.hb.low_below_male"
    )
    hb, mcv = latest(kb, obs, "hb", today), latest(kb, obs, "mcv", today)
    return (hb is not None and hb < hb_limit) or (
        mcv is not None and mcv > params.number("labs.mcv.high_above")
    )


def expected_flags(
    kb: KnowledgeBase,
    a: Assessment,
    intake: dict[str, Any],
    rows: dict[str, dict[str, list[dict[str, Any]]]],
    pid: str,
    today: date,
    profile: str,
    monitoring: bool,
) -> dict[str, bool]:
    """The screening flags as the core's conclusions imply them (the documented mapping)."""
    params = kb.core.params(profile, today)
    sign = has_sign(kb, rows, pid, today, profile)
    risks = set(a.risk_factors)
    if params.number("screening.drug_risk_needs_specific_sign") == 1 and risks <= DRUG_RISKS:
        complaint = a.suspicion == "high" or sign
    else:
        complaint = a.suspicion in ("high", "moderate") or sign
    obs = [o for o in rows["observations"].get(pid, []) if o["date"] <= today]
    analytes = [(canonical(kb, o) or ("?", 0.0))[0] for o in obs]
    flags = {
        "untested_risk_with_complaints": a.status == "not_tested" and bool(risks) and complaint,
        "grey_zone_without_followup": a.status == "indeterminate" and "mma" in a.tests,
        # the core plans treatment for an untreated deficiency: P2, or (v2) P2b when the
        # status is deficient or probable (P2b also treats pernicious anaemia whatever the
        # status; a deficiency is what C3 counts)
        "deficient_without_treatment": any(
            f.rule == "P2" and f.conclusion.startswith("plan=") for f in a.firings
        )
        or (
            a.status in TREATABLE
            and "treatment" not in intake
            and any(f.rule == "P2b" for f in a.firings)
        ),
    }
    treatment = intake.get("treatment")
    recheck = False
    if treatment is not None and a.follow_up.reassess_after_weeks is not None:
        start = date.fromisoformat(treatment["started"])
        due = start + timedelta(weeks=a.follow_up.reassess_after_weeks[1]) <= today
        checked = any(
            an in ("b12", "holotc", "mma", "hb", "mcv") and o["date"] >= start
            for o, an in zip(obs, analytes, strict=True)
        )
        recheck = due and not checked
    flags["treatment_without_recheck"] = recheck
    since = months_before(today, int(params.number("screening.metformin_monitoring_months")))
    recent_b12 = any(
        an in ("b12", "holotc") and o["date"] >= since for o, an in zip(obs, analytes, strict=True)
    )
    flags["metformin_monitoring_overdue"] = (
        monitoring and "metformin_long_term" in risks and not recent_b12
    )
    # (v2) P2b plans injections whatever the status for pernicious anaemia with a complaint
    # (nitrous oxide, its other branch, is never in an extract); no treatment in the intake
    flags["pernicious_anaemia_without_treatment"] = "treatment" not in intake and any(
        f.rule == "P2b" for f in a.firings
    )
    return flags
