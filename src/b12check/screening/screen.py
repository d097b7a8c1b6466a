"""One screening run: read, validate, apply the rules, and collect what the report shows.
Each step is one query over all patients; the steps report to a progress callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from b12check.knowledge_base import KnowledgeBase
from b12check.screening.extract import ExtractMapping, read_extract
from b12check.screening.rules import (
    METFORMIN_BANDS,
    REASONS,
    Settings,
    flag_table,
    minus_months,
    patient_list,
    summary,
)
from b12check.screening.validate import validate

STEPS = ("read", "validate", "rules", "details")


@dataclass
class ScreenResult:
    """What a run found, before suppression (the report applies the small-cell limit)."""

    profile: str
    engine: str
    as_of: date
    monitoring: bool
    sources: dict[str, str]
    patients: int
    flags: dict[str, int]
    rejected: list[dict[str, Any]]
    patient_rows: list[dict[str, Any]] | None = None
    b12_by_metformin: list[dict[str, Any]] = field(default_factory=list)
    over_time: list[dict[str, Any]] = field(default_factory=list)


def run_screen(
    backend: BaseBackend,
    engine: str,
    folder: Path,
    kb: KnowledgeBase,
    settings: Settings,
    *,
    mapping: ExtractMapping | None = None,
    with_patients: bool = False,
    with_charts: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ScreenResult:
    """Screen the extract in ``folder`` on ``backend``."""

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    extract = read_extract(backend, folder, mapping or ExtractMapping())
    step("read")
    checked = validate(extract, kb, settings.as_of)
    rejected = [row for row in checked.rejected.to_pyarrow().to_pylist() if row["rows"]]
    rejected.sort(key=lambda r: (r["table"], r["reason"]))
    step("validate")
    flags = flag_table(checked, kb, settings)
    totals = summary(flags).to_pyarrow().to_pylist()[0]
    step("rules")
    result = ScreenResult(
        profile=settings.profile,
        engine=engine,
        as_of=settings.as_of,
        monitoring=settings.monitoring,
        sources=extract.sources,
        patients=int(totals["patients"]),
        flags={r: int(totals[r] or 0) for r in REASONS},
        rejected=rejected,
    )
    if with_patients:
        result.patient_rows = patient_list(flags).to_pyarrow().to_pylist()
    if with_charts:
        result.b12_by_metformin = _b12_by_metformin(flags)
        result.over_time = _over_time(checked, kb, settings)
    step("details")
    return result


def _b12_by_metformin(flags: Any) -> list[dict[str, Any]]:
    """Quartiles of the latest B12 (pmol/L) per metformin-duration band, with group sizes."""
    tested = flags.filter(flags.b12.notnull())
    table = tested.group_by("metformin_band").agg(
        n=tested.count(),
        p10=tested.b12.quantile(0.1),
        p25=tested.b12.quantile(0.25),
        p50=tested.b12.quantile(0.5),
        p75=tested.b12.quantile(0.75),
        p90=tested.b12.quantile(0.9),
    )
    rows = {r["metformin_band"]: r for r in table.to_pyarrow().to_pylist()}
    return [rows[b] for b in METFORMIN_BANDS if b in rows]


def _over_time(checked: Any, kb: KnowledgeBase, settings: Settings) -> list[dict[str, Any]]:
    """The flags as the rules would have found them at the end of each of the last eight
    quarters (rows dated later ignored): is case-finding catching up?"""
    out = []
    for back in range(21, -1, -3):
        as_of = minus_months(settings.as_of, back)
        past = Settings(settings.profile, as_of, settings.monitoring)
        row = summary(flag_table(checked, kb, past)).to_pyarrow().to_pylist()[0]
        out.append(
            {
                "as_of": as_of,
                "patients": int(row["patients"]),
                **{r: int(row[r] or 0) for r in REASONS},
            }
        )
    return out


def today_default() -> date:
    """The screening date when none is given: the real date (the door's job, not the rules')."""
    return date.today()
