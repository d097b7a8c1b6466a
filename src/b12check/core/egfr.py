"""Rule L3 (v2): estimate eGFR from serum creatinine (CKD-EPI 2021, no race term).

Only when no eGFR was given, a creatinine result was, the person is an adult and their sex is
male or female: the equation is not defined otherwise, and an unknown eGFR stays unknown. Every
coefficient is a knowledge-base parameter (``egfr.*``), so this module holds no number of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from b12check.core.case import Case, LabValue
from b12check.core.codes import Analyte
from b12check.core.knowledge import Knowledge, ParameterSet
from b12check.core.labs import Reading

# LOINC of "eGFR by creatinine-based formula (CKD-EPI 2021)/1.73 sq M" (codes.md section 3).
CKD_EPI_2021_LOINC = "98979-8"


def parameters_used(female: bool) -> tuple[str, ...]:
    """The parameters the equation reads for one sex (for the explanation)."""
    sexed = (
        ("egfr.kappa_female", "egfr.alpha_female", "egfr.female_factor")
        if female
        else ("egfr.kappa_male", "egfr.alpha_male")
    )
    return (
        "egfr.min_age",
        "egfr.creatinine_umol_per_mg_dl",
        "egfr.constant",
        *sexed,
        "egfr.exponent_above",
        "egfr.age_base",
    )


def ckd_epi_2021(creatinine_umol_l: float, age: float, female: bool, params: ParameterSet) -> float:
    """eGFR in mL/min/1.73 m2 from creatinine (umol/L), age (years) and sex."""
    p = params.number
    scr = creatinine_umol_l / p("egfr.creatinine_umol_per_mg_dl")
    kappa = p("egfr.kappa_female") if female else p("egfr.kappa_male")
    alpha = p("egfr.alpha_female") if female else p("egfr.alpha_male")
    ratio = scr / kappa
    egfr = float(
        p("egfr.constant")
        * min(ratio, 1.0) ** alpha
        * max(ratio, 1.0) ** p("egfr.exponent_above")
        * p("egfr.age_base") ** age
    )
    return egfr * p("egfr.female_factor") if female else egfr


def estimated_egfr(
    latest: Mapping[Analyte, Reading], case: Case, knowledge: Knowledge, params: ParameterSet
) -> LabValue | None:
    """The eGFR lab value L3 adds, or None when L3 does not apply."""
    creatinine = latest.get("creatinine")
    if latest.get("egfr") is not None or creatinine is None or creatinine.lab.value is None:
        return None
    if case.age is None or case.age < params.number("egfr.min_age"):
        return None
    if case.sex not in {"female", "male"}:
        return None
    value = ckd_epi_2021(creatinine.lab.value, case.age, case.sex == "female", params)
    spec = knowledge.analytes["egfr"]
    unit = spec.units[(spec.canonical_unit or "").lower()]
    return replace(
        creatinine.lab,
        analyte="egfr",
        value=value,
        unit=unit,
        original_value=round(value, 1),
        original_unit=unit.name,
        loinc=CKD_EPI_2021_LOINC,
        lab_range=None,
        canonical_unit=spec.canonical_unit,
        estimated=True,
    )
