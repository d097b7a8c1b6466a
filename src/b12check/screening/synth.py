"""Synthetic extracts for demos, tests and benchmarks: four Parquet tables with plausible
populations (age, sex, diet, metformin, PPIs, B12 treatment, conditions, complaints coded as
diagnoses, B12/MMA/Hb/MCV and other results in the units Dutch, British and American labs use).

Deterministic for a given seed and patient count; written in chunks so that millions of patients
fit in little memory. Unit factors come from the knowledge base, never from here. The numbers that
shape the population are illustrative, not epidemiology.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from b12check.knowledge_base import KnowledgeBase

CHUNK = 200_000
_ID_OFFSET = 10_000_000
_SYMPTOMS = (
    "fatigue",
    "muscle_cramps",
    "muscle_pain",
    "paresthesia",
    "numbness",
    "muscle_weakness",
    "glossitis",
    "cognitive_problems",
    "exertional_dyspnoea",
    "burning_pain",
    "balance_problems",
)
_SYMPTOM_P = np.array([0.28, 0.16, 0.14, 0.1, 0.08, 0.06, 0.03, 0.06, 0.05, 0.03, 0.01])
_CONDITIONS = (
    ("hypothyroidism", 0.03),
    ("autoimmune_thyroid_disease", 0.015),
    ("coeliac_disease", 0.005),
    ("crohns_disease", 0.003),
    ("bariatric_surgery", 0.005),
    ("pernicious_anaemia", 0.002),
    ("autoimmune_gastritis", 0.002),
    ("chronic_kidney_disease", 0.03),
    ("liver_disease", 0.01),
)
_OTHER_ATC = ("C10AA05", "C09AA02", "N02BE01", "B01AC06", "H03AA01")  # atorvastatin, enalapril, ...

SCHEMAS = {
    "patients": pa.schema(
        [
            ("patient_id", pa.string()),
            ("birth_date", pa.date32()),
            ("sex", pa.string()),
            ("diet", pa.string()),
        ]
    ),
    "observations": pa.schema(
        [
            ("patient_id", pa.string()),
            ("code", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("date", pa.date32()),
        ]
    ),
    "medications": pa.schema(
        [
            ("patient_id", pa.string()),
            ("atc", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
        ]
    ),
    "conditions": pa.schema(
        [("patient_id", pa.string()), ("code", pa.string()), ("date", pa.date32())]
    ),
}


def _ids(index: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(index + _ID_OFFSET, pa.int64()), pa.string())


def _days(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int32), pa.int32()).cast(pa.date32())


def _factor(kb: KnowledgeBase, analyte: str, unit: str) -> float:
    return kb.core.analytes[analyte].units[unit.lower()].factor


class _Chunk:
    """One chunk of patients; every table's rows for them."""

    def __init__(
        self, rng: np.random.Generator, start: int, size: int, today: int, kb: KnowledgeBase
    ) -> None:
        self.rng, self.today, self.kb = rng, today, kb
        self.index = np.arange(start, start + size, dtype=np.int64)
        n = size
        age = np.clip(rng.normal(52, 18, n), 18, 99)
        self.age = age
        self.birth = today - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
        self.sex = rng.choice(
            np.array(["female", "male", "other", None], dtype=object),
            n,
            p=[0.505, 0.48, 0.005, 0.01],
        )
        self.diet = rng.choice(
            np.array(["omnivore", "pescatarian", "vegetarian", "vegan", None], dtype=object),
            n,
            p=[0.55, 0.02, 0.05, 0.02, 0.36],
        )
        old = (age > 60).astype(float)
        self.metformin = rng.random(n) < 0.04 + 0.12 * old
        self.ppi = rng.random(n) < 0.08 + 0.12 * old
        self.metformin_start = today - rng.exponential(4 * 365, n).astype(np.int64) - 1
        self.ppi_start = today - rng.exponential(3 * 365, n).astype(np.int64) - 1
        self.conditions = {code: rng.random(n) < p for code, p in _CONDITIONS}
        factor = np.ones(n)
        factor *= np.where(self.metformin & (today - self.metformin_start > 365), 0.78, 1)
        factor *= np.where(self.ppi, 0.9, 1)
        factor *= np.where(self.diet == "vegan", 0.55, 1)
        factor *= np.where(self.diet == "vegetarian", 0.8, 1)
        factor *= np.where(self.conditions["pernicious_anaemia"], 0.35, 1)
        factor *= np.where(age > 70, 0.9, 1)
        self.b12 = np.exp(rng.normal(np.log(310), 0.38, n)) * factor  # pmol/L
        self.low = self.b12 < 160
        self.tested = rng.random(n) < np.where(self.metformin | self.ppi | (age > 65), 0.5, 0.3)
        self.treated = rng.random(n) < np.where(self.low & self.tested, 0.55, 0.02)

    def patients(self) -> pa.Table:
        return pa.table(
            {
                "patient_id": _ids(self.index),
                "birth_date": _days(self.birth),
                "sex": pa.array(self.sex, pa.string()),
                "diet": pa.array(self.diet, pa.string()),
            },
            schema=SCHEMAS["patients"],
        )

    def medications(self) -> pa.Table:
        rng, n, today = self.rng, len(self.index), self.today
        pid, atc, start, end = [], [], [], []

        def add(
            mask: np.ndarray,
            code: np.ndarray | str,
            begin: np.ndarray,
            stop: np.ndarray | None = None,
        ) -> None:
            pid.append(self.index[mask])
            atc.append(np.broadcast_to(np.asarray(code, dtype=object), (n,))[mask])
            start.append(begin[mask])
            end.append(np.full(int(mask.sum()), -1) if stop is None else stop[mask])

        met_code = rng.choice(
            np.array(["A10BA02", "A10BD07", "A10BD20"], dtype=object), n, p=[0.85, 0.1, 0.05]
        )
        add(self.metformin, met_code, self.metformin_start)
        ppi_code = rng.choice(np.array(["A02BC01", "A02BC02", "A02BC05"], dtype=object), n)
        stopped = rng.random(n) < 0.25
        ppi_end = np.where(stopped, today - rng.integers(1, 400, n), -1)
        add(self.ppi, ppi_code, self.ppi_start, ppi_end)
        b12_code = rng.choice(np.array(["B03BA01", "B03BA03"], dtype=object), n, p=[0.7, 0.3])
        b12_start = today - rng.integers(5, 700, n)
        add(self.treated, b12_code, b12_start)
        other = rng.random(n) < 0.3
        add(
            other,
            rng.choice(np.array(_OTHER_ATC, dtype=object), n),
            today - rng.integers(30, 3000, n),
        )
        self.b12_start = np.where(self.treated, b12_start, -1)
        return pa.table(
            {
                "patient_id": _ids(np.concatenate(pid)),
                "atc": pa.array(np.concatenate(atc), pa.string()),
                "start_date": _days(np.concatenate(start)),
                "end_date": pa.array(
                    np.concatenate(end).astype(np.int32), pa.int32(), mask=np.concatenate(end) < 0
                ).cast(pa.date32()),
            },
            schema=SCHEMAS["medications"],
        )

    def conditions_table(self) -> pa.Table:
        rng, n, today = self.rng, len(self.index), self.today
        pid, code, when = [], [], []
        for name, mask in self.conditions.items():
            pid.append(self.index[mask])
            code.append(np.full(int(mask.sum()), name, dtype=object))
            when.append(today - rng.integers(100, 5000, int(mask.sum())))
        diabetic = self.metformin
        pid.append(self.index[diabetic])
        code.append(np.full(int(diabetic.sum()), "type2_diabetes", dtype=object))
        when.append(self.metformin_start[diabetic] - rng.integers(0, 200, int(diabetic.sum())))
        # complaints coded as diagnoses: more when B12 is low
        count = rng.poisson(np.where(self.low, 1.6, 0.7))
        rows = np.repeat(np.arange(n), count)
        pid.append(self.index[rows])
        code.append(
            rng.choice(
                np.array(_SYMPTOMS, dtype=object), len(rows), p=_SYMPTOM_P / _SYMPTOM_P.sum()
            )
        )
        when.append(today - rng.integers(0, 3 * 365, len(rows)))
        signs = {
            "neuropathy": 0.15 * diabetic + 0.05 * self.low,
            "anaemia": 0.03 + 0.1 * self.low,
            "macrocytosis": 0.01 + 0.05 * self.low,
        }
        for name, p in signs.items():
            mask = rng.random(n) < p
            pid.append(self.index[mask])
            code.append(np.full(int(mask.sum()), name, dtype=object))
            when.append(today - rng.integers(0, 4 * 365, int(mask.sum())))
        return pa.table(
            {
                "patient_id": _ids(np.concatenate(pid)),
                "code": pa.array(np.concatenate(code), pa.string()),
                "date": _days(np.concatenate(when)),
            },
            schema=SCHEMAS["conditions"],
        )

    def observations(self) -> pa.Table:
        rng, n, today, kb = self.rng, len(self.index), self.today, self.kb
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        women = self.sex == "female"

        def emit(
            rows: np.ndarray,
            values: np.ndarray,
            days: np.ndarray,
            analyte: str,
            units: tuple[tuple[str, str, float], ...],
        ) -> None:
            """Each result in one of the given (code, unit, share) forms, value converted."""
            pick = rng.choice(len(units), len(rows), p=[u[2] for u in units])
            codes = np.array([u[0] for u in units], dtype=object)[pick]
            names = np.array([u[1] for u in units], dtype=object)[pick]
            factors = np.array([_factor(kb, analyte, u[1]) for u in units])[pick]
            shown = values / factors
            decimals = np.where(shown < 10, 2, np.where(shown < 100, 1, 0))
            shown = np.round(shown * 10.0**decimals) / 10.0**decimals
            parts.append((self.index[rows], codes, shown, names, days))

        # blood counts: Hb and MCV, about eight panels per person over five years
        panels = rng.poisson(8, n)
        rows = np.repeat(np.arange(n), panels)
        days = today - rng.integers(0, 5 * 365, len(rows))
        hb = rng.normal(np.where(women[rows], 133, 146), 11) - 12 * self.low[rows]
        emit(
            rows,
            np.clip(hb, 60, 190),
            days,
            "hb",
            (("718-7", "g/dL", 0.25), ("59260-0", "mmol/L", 0.5), ("718-7", "g/L", 0.25)),
        )
        mcv = rng.normal(90, 4.5, len(rows)) + 7 * self.low[rows]
        emit(rows, np.clip(mcv, 65, 125), days, "mcv", (("787-2", "fL", 1.0),))
        # B12 (latent level with assay noise), sometimes repeated; some after treatment started
        tests = np.where(self.tested, rng.integers(1, 3, n), 0)
        rows = np.repeat(np.arange(n), tests)
        days = today - rng.integers(0, 5 * 365, len(rows))
        values = self.b12[rows] * np.exp(rng.normal(0, 0.08, len(rows)))
        on_treatment = (self.b12_start[rows] >= 0) & (days >= self.b12_start[rows])
        values = np.where(on_treatment, values * 2.5, values)
        emit(
            rows,
            np.clip(values, 40, 2500),
            days,
            "b12",
            (("14685-2", "pmol/L", 0.6), ("2132-9", "pg/mL", 0.4)),
        )
        # MMA mostly after a low or borderline B12
        mma_p = np.where(self.b12 < 260, 0.45, 0.04) * self.tested
        rows = np.nonzero(rng.random(n) < mma_p)[0]
        mma = 0.22 * (300 / self.b12[rows]) ** 1.3 * np.exp(rng.normal(0, 0.25, len(rows)))
        emit(
            rows,
            np.clip(mma, 0.05, 50),
            today - rng.integers(0, 4 * 365, len(rows)),
            "mma",
            (("13964-2", "umol/L", 0.7), ("13964-2", "nmol/L", 0.3)),
        )
        # other results the screen accepts but does not read
        extra = rng.poisson(2.6, n)
        rows = np.repeat(np.arange(n), extra)
        emit(
            rows,
            np.exp(rng.normal(np.log(80), 0.7, len(rows))),
            today - rng.integers(0, 5 * 365, len(rows)),
            "ferritin",
            (("2276-4", "ug/L", 0.6), ("2276-4", "ng/mL", 0.4)),
        )
        return pa.table(
            {
                "patient_id": _ids(np.concatenate([p[0] for p in parts])),
                "code": pa.array(np.concatenate([p[1] for p in parts]), pa.string()),
                "value": pa.array(np.concatenate([p[2] for p in parts]), pa.float64()),
                "unit": pa.array(np.concatenate([p[3] for p in parts]), pa.string()),
                "date": _days(np.concatenate([p[4] for p in parts])),
            },
            schema=SCHEMAS["observations"],
        )


def write_synthetic(
    out: Path,
    patients: int,
    kb: KnowledgeBase,
    *,
    seed: int = 12,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write ``patients`` synthetic people as four Parquet files in ``out``; rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    epoch_today = (today - date(1970, 1, 1)).days
    writers = {
        name: pq.ParquetWriter(out / f"{name}.parquet", schema) for name, schema in SCHEMAS.items()
    }
    counts = dict.fromkeys(SCHEMAS, 0)
    try:
        for start in range(0, patients, CHUNK):
            size = min(CHUNK, patients - start)
            rng = np.random.default_rng([seed, start])
            chunk = _Chunk(rng, start, size, epoch_today, kb)
            tables = {"patients": chunk.patients(), "medications": chunk.medications()}
            tables["conditions"] = chunk.conditions_table()
            tables["observations"] = chunk.observations()
            for name, table in tables.items():
                writers[name].write_table(table)
                counts[name] += table.num_rows
            if progress is not None:
                progress(size)
    finally:
        for writer in writers.values():
            writer.close()
    return counts
