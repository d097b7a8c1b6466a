"""The command line: ``b12check assess | interview | labs | kb | serve | db | diary``.

Thin door: it reads input, calls the service and renders. Heavy doors (web, database) are imported
only by the commands that need them, so ``assess`` starts fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(
    name="b12check",
    help="Decision support for muscle pain, cramps and tingling from vitamin B12 deficiency. "
    "It informs and prepares a doctor's visit; it does not diagnose or prescribe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    json = "json"
    text = "text"


class Lang(StrEnum):
    nl = "nl"
    en = "en"


class Audience(StrEnum):
    patient = "patient"
    clinician = "clinician"


class KbFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


def _fail(message: str) -> NoReturn:
    """Bad input: a clear message on stderr and exit code 2 (never a stack trace)."""
    typer.echo(f"b12check: {message}", err=True)
    raise typer.Exit(2)


def _read_document(source: str) -> Any:
    import yaml

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read {source}: {exc.strerror}")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        _fail(f"{source} is not valid YAML or JSON: {exc}")


@app.command()
def assess(
    source: Annotated[str, typer.Argument(help="Intake file (YAML or JSON), or - for stdin.")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    lang: Annotated[Lang, typer.Option("--lang", "-l")] = Lang.nl,
    profile: Annotated[str, typer.Option("--profile", "-p", help="seed, nhg or nice")] = "seed",
    audience: Annotated[Audience, typer.Option("--audience")] = Audience.patient,
) -> None:
    """Assess one intake: JSON as in the contract, or a readable text."""
    from b12check.errors import IntakeError
    from b12check.service import assess as run

    document = _read_document(source)
    try:
        result = run(document, profile=profile)
    except IntakeError as exc:
        _fail("invalid intake:\n" + "\n".join(f"  {e.path}: {e.message}" for e in exc.errors))
    if format is Format.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    from b12check.knowledge_base import load_knowledge_base
    from b12check.render.text import print_report

    print_report(result, load_knowledge_base(), lang.value, audience.value)


@app.command()
def labs(
    results: Annotated[list[str], typer.Argument(help="analyte=value[unit], e.g. b12=205pg/mL")],
    lang: Annotated[Lang, typer.Option("--lang", "-l")] = Lang.nl,
    sex: Annotated[str | None, typer.Option(help="female, male or other")] = None,
    age: Annotated[float | None, typer.Option(help="age in years")] = None,
    profile: Annotated[str, typer.Option("--profile", "-p")] = "seed",
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """Quick lab reader: each result in its own and canonical unit, its meaning, next tests."""
    from b12check.errors import IntakeError
    from b12check.labreader import parse_lab_arguments
    from b12check.service import assess as run

    try:
        labs_given = parse_lab_arguments(results)
    except ValueError as exc:
        _fail(str(exc))
    patient: dict[str, Any] = {k: v for k, v in (("sex", sex), ("age", age)) if v is not None}
    document: dict[str, Any] = {"labs": labs_given}
    if patient:
        document["patient"] = patient
    try:
        result = run(document, profile=profile)
    except IntakeError as exc:
        _fail(
            "invalid lab result:\n"
            + "\n".join(f"  {_arg_name(e.path, results)}: {e.message}" for e in exc.errors)
        )
    if format is Format.json:
        data = result.to_dict()
        typer.echo(
            json.dumps(
                {
                    "labs": data["labs"],
                    "b12": data["b12"],
                    "tests": data["tests"],
                    "differentials": data["differentials"],
                    "warnings": data["warnings"],
                    "notes": data["notes"],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from b12check.knowledge_base import load_knowledge_base
    from b12check.render.text import print_labs

    print_labs(result, load_knowledge_base(), lang.value)


def _arg_name(path: str, results: list[str]) -> str:
    """``labs[1].unit`` -> ``labs[1].unit (argument 'mma=3600nmol/L')``."""
    if path.startswith("labs[") and "]" in path:
        index = int(path[5 : path.index("]")])
        if 0 <= index < len(results):
            return f"{path} (argument {results[index]!r})"
    return path


@app.command()
def interview(
    lang: Annotated[Lang, typer.Option("--lang", "-l")] = Lang.nl,
    profile: Annotated[str, typer.Option("--profile", "-p")] = "seed",
    save: Annotated[Path | None, typer.Option(help="Save the intake as YAML here.")] = None,
) -> None:
    """An interactive questionnaire in the terminal that asks only what matters."""
    from b12check.interview import run_interview

    run_interview(lang.value, profile, save)


@app.command()
def kb(
    profile: Annotated[str | None, typer.Option("--profile", "-p")] = None,
    format: Annotated[KbFormat, typer.Option("--format", "-f")] = KbFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """List the knowledge base (parameters per profile with values, units, sources) after
    validating it; ``--format markdown`` writes the rule book a clinician reviews."""
    from b12check.errors import KnowledgeError
    from b12check.knowledge_base import load_knowledge_base
    from b12check.rulebook import kb_json, kb_markdown, print_kb_table

    try:
        base = load_knowledge_base()
    except KnowledgeError as exc:
        _fail(f"knowledge base invalid: {exc}")
    if profile is not None and profile not in base.profiles:
        _fail(f"--profile: unknown profile {profile!r}; expected {', '.join(base.profiles)}")
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
    run_server(host or settings.host, port or settings.port, workers=workers or settings.workers)


from b12check.screening.commands import register as _register_screening  # noqa: E402 (light)

_register_screening(app)


def _add_heavy_subcommands(argv: list[str]) -> None:
    """Register the database-backed command groups only when asked for (fast start-up)."""
    wanted = argv[1] if len(argv) > 1 else "--help"
    if wanted in {"db", "diary", "--help", "-h"}:
        from b12check.store.cli import db_app, diary_app

        app.add_typer(db_app, name="db")
        app.add_typer(diary_app, name="diary")


def main() -> None:
    """Console entry point."""
    _add_heavy_subcommands(sys.argv)
    app()


if __name__ == "__main__":
    main()
