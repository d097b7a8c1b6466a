"""Hand-made patients at the edges of every screening rule (limits exactly, same-day results,
boundaries of windows), written as a Parquet extract.

They are the screening rules' cases: the parity tests check the flags against the per-person
core where sampling rarely looks, and ``b12check kb`` counts a rule C1-C6 as covered only when it
flags at least one of these people (:func:`rules_fired`), as a clinical case must make a core
rule fire."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from b12check.knowledge_base import KnowledgeBase
from b12check.screening.synth import SCHEMAS

T = date(2026, 12, 1)


def _d(days_ago: int) -> date:
    return T - timedelta(days=days_ago)


def edge_rows() -> dict[str, list[dict[str, Any]]]:
    patients: list[dict[str, Any]] = []
    obs: list[dict[str, Any]] = []
    meds: list[dict[str, Any]] = []
    conds: list[dict[str, Any]] = []

    def person(
        pid: str, age_days: int = 50 * 366, sex: str | None = "female", diet: str | None = None
    ) -> str:
        patients.append(
            {
                "patient_id": pid,
                "birth_date": T - timedelta(days=age_days),
                "sex": sex,
                "diet": diet,
            }
        )
        return pid

    def lab(pid: str, code: str, value: float, unit: str, when: date) -> None:
        obs.append({"patient_id": pid, "code": code, "value": value, "unit": unit, "date": when})

    def med(pid: str, atc: str, start: date, end: date | None = None) -> None:
        meds.append({"patient_id": pid, "atc": atc, "start_date": start, "end_date": end})

    def cond(pid: str, code: str, when: date) -> None:
        conds.append({"patient_id": pid, "code": code, "date": when})

    # C1 edges: glossitis as the only complaint with a medicine risk; a strong risk with a
    # complaint outside the groups; ages around the limit; symptoms at the look-back boundary
    med(person("gloss"), "A02BC01", date(2020, 1, 1))
    cond("gloss", "glossitis", _d(10))
    cond(person("strong"), "gastrectomy", date(2010, 1, 1))
    cond("strong", "cognitive_problems", _d(5))
    cond(person("weak"), "hypothyroidism", date(2010, 1, 1))  # a risk factor since v2 (R6)
    cond("weak", "fatigue", _d(5))
    for pid, birth in (
        ("age65", date(1961, 12, 1)),
        ("age66", date(1960, 12, 1)),
        ("age65b", date(1960, 12, 2)),
    ):
        patients.append({"patient_id": pid, "birth_date": birth, "sex": "male", "diet": None})
        cond(pid, "muscle_cramps", _d(3))
    cond(person("lookback_in"), "coeliac_disease", date(2015, 1, 1))
    cond("lookback_in", "numbness", date(2025, 12, 1))
    cond(person("lookback_out"), "coeliac_disease", date(2015, 1, 1))
    cond("lookback_out", "numbness", date(2025, 11, 30))
    med(person("met12"), "A10BA02", date(2025, 12, 1))  # exactly 12 months: long-term
    cond("met12", "fatigue", _d(1))
    med(person("met11"), "A10BA02", date(2025, 12, 2))
    cond("met11", "paresthesia", _d(1))
    med(person("ppi_ended"), "A02BC02", date(2018, 1, 1), _d(1))
    cond("ppi_ended", "paresthesia", _d(1))
    person("vegan", diet="vegan")
    cond("vegan", "muscle_pain", _d(30))
    person("vegan_b12", diet="vegan")
    cond("vegan_b12", "muscle_pain", _d(30))
    med("vegan_b12", "B03BA01", _d(20))
    med(person("sign_hb"), "A10BA02", date(2019, 1, 1))
    lab("sign_hb", "718-7", 11.9, "g/dL", _d(40))  # 119 g/L < 120 (female)
    med(person("hb_at_limit"), "A10BA02", date(2019, 1, 1))
    lab("hb_at_limit", "718-7", 120, "g/L", _d(40))
    med(person("sign_unknown_sex", sex=None), "A10BA02", date(2019, 1, 1))
    lab("sign_unknown_sex", "718-7", 125, "g/L", _d(40))  # below the male limit used
    med(person("sign_mcv"), "A02BC01", date(2019, 1, 1))
    lab("sign_mcv", "787-2", 100.1, "fL", _d(40))
    med(person("coded_neuropathy"), "A02BC01", date(2019, 1, 1))
    cond("coded_neuropathy", "neuropathy", _d(100))
    # status edges (B12 in pmol/L and pg/mL; MMA in umol/L and nmol/L)
    lab(person("b12_148"), "14685-2", 148, "pmol/L", _d(30))
    lab(person("b12_147"), "14685-2", 147.9, "pmol/L", _d(30))
    lab(person("b12_222"), "14685-2", 222, "pmol/L", _d(30))
    lab(person("b12_221"), "14685-2", 221.9, "pmol/L", _d(30))
    lab(person("b12_pg"), "2132-9", 250, "pg/mL", _d(30))  # 184 pmol/L: grey zone
    lab(person("mma_028"), "14685-2", 160, "pmol/L", _d(30))
    lab("mma_028", "13964-2", 0.28, "umol/L", _d(20))
    lab(person("mma_0279"), "14685-2", 160, "pmol/L", _d(30))
    lab("mma_0279", "13964-2", 279, "nmol/L", _d(20))
    lab(person("mma_045"), "13964-2", 0.45, "umol/L", _d(20))
    lab(person("mma_046"), "13964-2", 0.46, "umol/L", _d(20))
    lab(person("low_mma_normal"), "14685-2", 120, "pmol/L", _d(30))
    lab("low_mma_normal", "13964-2", 0.2, "umol/L", _d(20))
    lab(person("same_day"), "14685-2", 300, "pmol/L", _d(30))
    lab("same_day", "14685-2", 140, "pmol/L", _d(30))
    lab(person("newer_normal"), "14685-2", 140, "pmol/L", _d(300))
    lab("newer_normal", "14685-2", 400, "pmol/L", _d(30))
    # treatment edges: distortion, re-check on the start day, reassessment window
    lab(person("distorted"), "14685-2", 500, "pmol/L", _d(10))
    med("distorted", "B03BA01", _d(60))
    lab(person("distorted_same_day"), "14685-2", 500, "pmol/L", _d(60))
    med("distorted_same_day", "B03BA01", _d(60))
    lab(person("before_start"), "14685-2", 500, "pmol/L", _d(100))
    med("before_start", "B03BA01", _d(60))
    med(person("recheck_start_day"), "B03BA03", _d(200))
    lab("recheck_start_day", "718-7", 8.0, "mmol/L", _d(200))
    med(person("recheck_before"), "B03BA03", _d(200))
    lab("recheck_before", "718-7", 8.0, "mmol/L", _d(201))
    med(person("window_edge"), "B03BA01", _d(56))  # exactly 8 weeks (seed window 6-8)
    med(person("window_inside"), "B03BA01", _d(55))
    med(person("window_nhg"), "B03BA01", _d(70))  # 10 weeks: NHG's upper bound
    lab(person("deficient_treated"), "14685-2", 100, "pmol/L", _d(90))
    med("deficient_treated", "B03BA01", _d(80))
    lab(person("deficient_ended"), "14685-2", 100, "pmol/L", _d(90))
    med("deficient_ended", "B03BA01", _d(80), _d(2))
    # pernicious anaemia with a complaint (v2 P2b: injections whatever the status): C3 counts
    # the deficient one only, C6 both (and the untested one, who also has C1)
    for pid, value in (("pa_low", 120.0), ("pa_normal", 400.0)):
        cond(person(pid), "pernicious_anaemia", date(2015, 1, 1))
        cond(pid, "fatigue", _d(10))
        lab(pid, "14685-2", value, "pmol/L", _d(30))
    # C6 edges: autoimmune gastritis counts as pernicious anaemia (R5); P2b's exception needs
    # both MMA and homocysteine normal (homocysteine 15 umol/L is normal, 15.1 high); a B12
    # medicine, no complaint or a complaint before the look-back: no C6
    cond(person("ag_normal"), "autoimmune_gastritis", date(2015, 1, 1))
    cond("ag_normal", "muscle_cramps", _d(10))
    lab("ag_normal", "14685-2", 400, "pmol/L", _d(30))
    cond(person("pa_untested"), "pernicious_anaemia", date(2015, 1, 1))
    cond("pa_untested", "paresthesia", _d(10))
    for pid, hcy in (("pa_both_normal", 15.0), ("pa_hcy_high", 15.1), ("pa_mma_only", None)):
        cond(person(pid), "pernicious_anaemia", date(2015, 1, 1))
        cond(pid, "fatigue", _d(10))
        lab(pid, "14685-2", 400, "pmol/L", _d(30))
        lab(pid, "13964-2", 0.2, "umol/L", _d(30))
        if hcy is not None:
            lab(pid, "13965-9", hcy, "umol/L", _d(30))
    cond(person("pa_treated"), "pernicious_anaemia", date(2015, 1, 1))
    cond("pa_treated", "fatigue", _d(10))
    med("pa_treated", "B03BA03", date(2015, 2, 1))
    cond(person("pa_no_complaint"), "pernicious_anaemia", date(2015, 1, 1))
    lab("pa_no_complaint", "14685-2", 400, "pmol/L", _d(30))
    cond(person("pa_old_complaint"), "pernicious_anaemia", date(2015, 1, 1))
    cond("pa_old_complaint", "fatigue", date(2025, 11, 30))
    lab("pa_old_complaint", "14685-2", 400, "pmol/L", _d(30))
    # monitoring edges
    med(person("mon_recent"), "A10BD07", date(2018, 1, 1))
    lab("mon_recent", "14685-2", 300, "pmol/L", date(2025, 12, 1))
    med(person("mon_old"), "A10BA02", date(2018, 1, 1))
    lab("mon_old", "14685-2", 300, "pmol/L", date(2025, 11, 30))
    return {"patients": patients, "observations": obs, "medications": meds, "conditions": conds}


def write_edge_extract(folder: Path) -> Path:
    for name, rows in edge_rows().items():
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), folder / f"{name}.parquet")
    return folder


def rules_fired(kb: KnowledgeBase) -> set[str]:
    """The screening rules that flag at least one edge patient in some profile (monitoring on),
    screened on DuckDB with the knowledge base ``kb``."""
    from b12check.screening.engines import connect
    from b12check.screening.extract import ExtractMapping, read_extract
    from b12check.screening.rules import REASONS, RULE_OF, Settings, flag_table, summary
    from b12check.screening.validate import validate

    fired: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="b12check-edges-") as tmp:
        folder = write_edge_extract(Path(tmp))
        checked = validate(read_extract(connect("duckdb"), folder, ExtractMapping()), kb, T)
        for profile in kb.profiles:
            flags = flag_table(checked, kb, Settings(profile, T, monitoring=True))
            counts = summary(flags).to_pyarrow().to_pylist()[0]
            fired |= {RULE_OF[r] for r in REASONS if counts[r]}
    return fired
