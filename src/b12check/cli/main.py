"""The main commands: ``b12check assess | interview | kb | serve``, and the registry of the rest
(``labs``, ``synth`` and ``screen`` always; ``db`` and ``diary`` when asked for).

Thin door: it reads input, calls the service and renders. Heavy doors (web, database) are imported
only by the commands that need them, so ``assess`` starts fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from b12check.cli.common import (
    Format,
    LangOption,
    ProfileOption,
    fail,
    language,
    profile_name,
    read_document,
)
from b12check.cli.labs import labs
from b12check.cli.screening import register as register_screening

app = typer.Typer(
    name="b12check",
    help="Decision support for muscle pain, cramps and tingling from vitamin B12 deficiency. "
    "It informs and prepares a doctor's visit; it does not diagnose or prescribe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Audience(StrEnum):
    patient = "patient"
    clinician = "clinician"


class KbFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command()
def assess(
    source: Annotated[str, typer.Argument(help="Intake file (YAML or JSON), or - for stdin.")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    lang: LangOption = None,
    profile: ProfileOption = None,
    audience: Annotated[Audience, typer.Option("--audience")] = Audience.patient,
    fhir: Annotated[bool, typer.Option("--fhir", help="SOURCE is a FHIR R4 Bundle.")] = False,
) -> None:
    """Assess one intake: JSON as in the contract, or a readable text."""
    from b12check.errors import IntakeError
    from b12check.service import assess as run

    document = read_document(source)
    chosen = profile_name(profile)
    if fhir:
        from b12check.fhir.command import intake_from_bundle

        document = intake_from_bundle(document, chosen, fail)
    try:
        result = run(document, profile=chosen)
    except IntakeError as exc:
        fail("invalid intake:\n" + "\n".join(f"  {e.path}: {e.message}" for e in exc.errors))
    if format is Format.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    from b12check.knowledge_base import load_knowledge_base
    from b12check.render.text import print_report

    print_report(result, load_knowledge_base(), language(lang), audience.value)


app.command()(labs)
register_screening(app)


@app.command()
def interview(
    lang: LangOption = None,
    profile: ProfileOption = None,
    save: Annotated[Path | None, typer.Option(help="Save the intake as YAML here.")] = None,
) -> None:
    """An interactive questionnaire in the terminal that asks only what matters."""
    from b12check.cli.interview import run_interview

    run_interview(language(lang), profile_name(profile), save)


@app.command()
def kb(
    profile: Annotated[str | None, typer.Option("--profile", "-p")] = None,
    format: Annotated[KbFormat, typer.Option("--format", "-f")] = KbFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    cases: Annotated[
        list[Path] | None,
        typer.Option(
            "--cases",
            help="A folder of clinical cases every rule must fire in (repeatable; default: "
            "tests/cases and the shared vignettes, when present).",
        ),
    ] = None,
    root: Annotated[
        Path | None, typer.Option("--root", help="Check this copy of the knowledge folder.")
    ] = None,
) -> None:
    """Check the knowledge base (every text in every language, units, zones, look-alikes, a case
    for every rule), then list it: parameters per profile with values, units and sources;
    ``--format markdown`` writes the rule book a clinician reviews. Exit 1 on any problem."""
    from b12check.knowledge_base import read_knowledge_base
    from b12check.knowledge_check import check_knowledge
    from b12check.rulebook import kb_json, kb_markdown, print_kb_table

    report = check_knowledge(root, cases)
    if not report.ok:
        for problem in report.problems:
            typer.echo(f"b12check kb: {problem}", err=True)
        typer.echo(f"b12check kb: {len(report.problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"knowledge base ok: languages {', '.join(report.languages)}; "
        f"{report.cases} cases (and the screening edge patients) make every rule fire"
        if report.case_folders
        else "knowledge base ok (no case folders found: rule coverage not checked)",
        err=True,
    )
    base = read_knowledge_base(root)
    if profile is not None and profile not in base.profiles:
        fail(f"--profile: unknown profile {profile!r}; expected {', '.join(base.profiles)}")
    if format is KbFormat.table:
        print_kb_table(base, profile)
        return
    text = kb_markdown(base) if format is KbFormat.markdown else kb_json(base, profile)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default 8000")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default 1)")] = None,
) -> None:
    """Start the web app (Dutch by default) with its embedded SQLite database."""
    from b12check.settings import get_settings
    from b12check.web.server import serve as run_server

    settings = get_settings()
    _open_database(settings.resolved_database_url())
    run_server(host or settings.host, port or settings.port, workers=workers or settings.workers)


def _open_database(url: str) -> None:
    """Create or migrate the database before serving, so that a wrong DATABASE_URL or an
    unreachable server ends here with exit 2 and one line, not in a worker's traceback."""
    from b12check.cli.common import fail
    from b12check.store.migrate import upgrade

    try:
        upgrade(url)
    except (
        Exception
    ) as error:  # any driver's error: say which, never the URL (it may hold a password)
        what = f"{type(error).__name__}: {error}"
        fail(f"cannot open the database (DATABASE_URL or B12CHECK_DATA_DIR): {what}")


def _add_heavy_subcommands(argv: list[str]) -> None:
    """Register the database-backed command groups only when asked for (fast start-up)."""
    wanted = argv[1] if len(argv) > 1 else "--help"
    if wanted in {"db", "diary", "--help", "-h"}:
        from b12check.cli.db import db_app
        from b12check.cli.diary import diary_app

        app.add_typer(db_app, name="db")
        app.add_typer(diary_app, name="diary")


def main() -> None:
    """Console entry point."""
    _add_heavy_subcommands(sys.argv)
    app()


if __name__ == "__main__":
    main()
