"""``b12check synth`` and ``b12check screen``: the population-screening door.

Importing this module is cheap: ibis, DuckDB, PySpark and pyarrow load only when one of these
commands runs, so ``b12check assess`` stays fast."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from b12check.cli.common import LangOption, ProfileOption, fail, language, profile_name


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class ScreenFormat(StrEnum):
    json = "json"
    html = "html"
    csv = "csv"


def _progress() -> object:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )


def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder for the four Parquet tables.")],
    patients: Annotated[int, typer.Option("--patients", min=1, help="How many people.")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 12,
    today: Annotated[
        str | None, typer.Option(help="Reference date YYYY-MM-DD (default today).")
    ] = None,
) -> None:
    """Write a synthetic extract (patients, observations, medications, conditions) as Parquet."""
    from rich.progress import Progress

    from b12check.knowledge_base import load_knowledge_base
    from b12check.screening.synth import write_synthetic

    when = _date(today, "--today")
    progress = _progress()
    assert isinstance(progress, Progress)
    with progress:
        task = progress.add_task("synth", total=patients)
        counts = write_synthetic(
            out,
            patients,
            load_knowledge_base(),
            seed=seed,
            today=when,
            progress=lambda n: progress.advance(task, n),
        )
    typer.echo(f"wrote {out}: " + ", ".join(f"{n} {name}" for name, n in counts.items()), err=True)


def screen(
    folder: Annotated[Path, typer.Argument(help="Folder with the extract tables.")],
    engine: Annotated[Engine, typer.Option("--engine")] = Engine.duckdb,
    profile: ProfileOption = None,
    format: Annotated[ScreenFormat, typer.Option("--format", "-f")] = ScreenFormat.json,
    patient_list: Annotated[
        bool, typer.Option("--patient-list", help="Also list the flagged patients.")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML file naming local files/columns/codes.")
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="Screening date YYYY-MM-DD (default today).")
    ] = None,
    monitoring: Annotated[
        bool, typer.Option("--monitoring", help="Add rule C5: metformin monitoring overdue.")
    ] = False,
    lang: LangOption = None,
) -> None:
    """Case-finding over a population extract: counts per reason (small cells suppressed)."""
    from rich.progress import Progress

    from b12check.knowledge_base import load_knowledge_base
    from b12check.screening import report
    from b12check.screening.schema import ExtractError

    kb = load_knowledge_base()
    chosen = profile_name(profile)
    words = language(lang)
    when = _date(today, "--today")
    from b12check.screening.engines import connect
    from b12check.screening.extract import read_mapping
    from b12check.screening.rules import Settings
    from b12check.screening.screen import STEPS, run_screen

    progress = _progress()
    assert isinstance(progress, Progress)
    try:
        columns = read_mapping(mapping)
        with progress:
            task = progress.add_task(f"screen ({engine.value})", total=len(STEPS))
            backend = connect(engine.value)
            result = run_screen(
                backend,
                engine.value,
                folder,
                kb,
                Settings(chosen, when, monitoring),
                mapping=columns,
                with_patients=patient_list,
                with_charts=format is ScreenFormat.html,
                progress=lambda _step: progress.advance(task),
            )
    except ExtractError as exc:
        fail(str(exc))
    except Exception as exc:  # an engine failure (no Java, unreadable data): a message, no trace
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(f"screening failed on {engine.value}: {detail}", code=1)
    if format is ScreenFormat.json:
        text = report.dumps(report.to_json(result, kb, words)) + "\n"
    elif format is ScreenFormat.csv:
        text = report.to_csv(result, kb)
    else:
        text = report.to_html(result, kb, words)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _date(text: str | None, option: str) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: expected a date YYYY-MM-DD, got {text!r}")


def register(app: typer.Typer) -> None:
    """Add ``synth`` and ``screen`` to the command line (cheap: nothing heavy is imported)."""
    app.command(name="synth")(synth)
    app.command(name="screen")(screen)
