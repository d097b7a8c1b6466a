"""``b12check diary add | treatment | list | export``: the symptom diary in the terminal.

The diary commands run in local single-user mode: one local account (no password, cannot log in
over the web) owns the entries, in the same database the web app uses.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from b12check.cli.common import LangOption, UrlOption, language, profile_name
from b12check.cli.common import checked as _checked
from b12check.cli.common import database_url as _url
from b12check.cli.common import fail as _fail

diary_app = typer.Typer(
    help="The symptom diary in the terminal (local single-user mode).", no_args_is_help=True
)

LOCAL_EMAIL = "local@localhost.invalid"
UNUSABLE_PASSWORD = "!"  # not an argon2 hash: no password can ever match

TodayOption = Annotated[
    str | None, typer.Option("--today", help="The date to assess for (YYYY-MM-DD; default today).")
]


def _local_user_id(database: Any) -> int:
    """The local account, created on first use."""
    from sqlalchemy import select

    from b12check.store.accounts import now
    from b12check.store.models import User

    with database.write() as session:
        user_id = session.scalar(select(User.id).where(User.email == LOCAL_EMAIL))
        if user_id is None:
            user = User(
                email=LOCAL_EMAIL, password_hash=UNUSABLE_PASSWORD, lang="nl", created_at=now()
            )
            session.add(user)
            session.flush()
            user_id = user.id
        return int(user_id)


def _today(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        _fail(f"--today: expected a date YYYY-MM-DD, got {value!r}")


def _open(database_url: str | None) -> tuple[Any, int]:
    from b12check.store import open_database

    database = open_database(_url(database_url))
    return database, _local_user_id(database)


def _parse_scores(scores: list[str]) -> dict[str, int]:
    from b12check.core.numbers import parse_whole

    parsed: dict[str, int] = {}
    for item in scores:
        code, sep, value = item.partition("=")
        try:
            parsed[code.strip()] = parse_whole(value) if sep else parse_whole("")
        except ValueError:
            _fail(f"--score {item!r}: expected SYMPTOM=0..10, e.g. muscle_pain=6")
    return parsed


@diary_app.command("add")
def diary_add(
    score: Annotated[
        list[str] | None,
        typer.Option(
            "--score", "-s", help="SYMPTOM=SEVERITY (0-10); repeat for each tracked symptom."
        ),
    ] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="Date of the entry (default today).")
    ] = None,
    doses: Annotated[
        int | None, typer.Option("--doses", help="Doses taken since last entry.")
    ] = None,
    notes: Annotated[str, typer.Option("--notes", help="Free notes.")] = "",
    database_url: UrlOption = None,
    today: TodayOption = None,
) -> None:
    """Add a dated diary entry."""
    from b12check.diary.schemas import EntryIn
    from b12check.diary.validate import check_entry
    from b12check.store import diary as repo

    now_day = _today(today)

    def build() -> EntryIn:
        data = EntryIn(
            day=day or now_day.isoformat(),
            scores=_parse_scores(score or []),
            doses_taken=doses,
            notes=notes,
        )
        check_entry(data, now_day)
        return data

    data = _checked(build)
    database, user_id = _open(database_url)
    with database.write() as session:
        entry = repo.add_entry(session, user_id, **data.model_dump())
        typer.echo(f"entry {entry.id} saved for {entry.day.isoformat()}")


@diary_app.command("treatment")
def diary_treatment(
    started: Annotated[str, typer.Option("--started", help="Start date YYYY-MM-DD.")],
    route: Annotated[str, typer.Option("--route", help="oral or intramuscular.")] = "oral",
    dose: Annotated[
        int | None, typer.Option("--dose", help="µg per day (oral) or per injection.")
    ] = None,
    schedule: Annotated[str, typer.Option("--schedule", help="Injection schedule.")] = "",
    database_url: UrlOption = None,
    today: TodayOption = None,
) -> None:
    """Record the B12 treatment the diary follows."""
    from b12check.diary.schemas import TreatmentIn
    from b12check.diary.validate import check_treatment
    from b12check.store import diary as repo

    def build() -> TreatmentIn:
        data = TreatmentIn(started=started, route=route, dose_ug=dose, schedule=schedule)
        check_treatment(data, _today(today))
        return data

    data = _checked(build)
    database, user_id = _open(database_url)
    with database.write() as session:
        row = repo.add_treatment(session, user_id, **data.model_dump())
        typer.echo(f"treatment {row.id} recorded from {row.started.isoformat()}")


@diary_app.command("list")
def diary_list(
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    lang: LangOption = None,
    database_url: UrlOption = None,
    today: TodayOption = None,
) -> None:
    """List entries, the derived treatment response, the advice and the next check date."""
    from b12check.diary.course import build_course

    chosen = profile_name(None)
    database, user_id = _open(database_url)
    with database.read() as session:
        course = build_course(session, user_id, today=_today(today), profile=chosen)
    if output == "json":
        from b12check.diary.views import course_out  # same JSON as the API

        typer.echo(course_out(course).model_dump_json(indent=2))
        return
    _print_course(course, language(lang))


def _print_course(course: Any, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from b12check.diary.texts import symptom_label, ui
    from b12check.i18n import format_date

    console = Console()
    table = Table(title=ui(lang, "entries.title"))
    table.add_column(ui(lang, "entry.day"))
    table.add_column(ui(lang, "entry.severity"))
    table.add_column(ui(lang, "entry.doses"))
    table.add_column(ui(lang, "entry.notes"))
    for e in course.entries:
        scores = "; ".join(f"{symptom_label(lang, s.symptom)}: {s.severity}" for s in e.scores)
        doses = "" if e.doses_taken is None else str(e.doses_taken)
        table.add_row(format_date(e.day, lang), scores, doses, e.notes)
    console.print(table)
    finding = course.finding
    response = (
        ui(lang, f"response.{finding.response}")
        if finding.response
        else ui(lang, "response.unknown")
    )
    console.print(f"{ui(lang, 'response.title')}: {response}")
    if course.urgent and finding.response == "worse":
        console.print(f"[bold red]{ui(lang, 'advice.worse')}[/]")
    if course.reevaluate:
        console.print(f"[bold]{ui(lang, 'advice.reevaluate')}[/]")
    check = format_date(course.next_check, lang) or ui(lang, "next_check.unknown")
    console.print(f"{ui(lang, 'next_check')} {check}")


@diary_app.command("export")
def diary_export(
    output_format: Annotated[str, typer.Option("--format", help="csv or fhir.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
    database_url: UrlOption = None,
    today: TodayOption = None,
) -> None:
    """Export everything in the diary as CSV or as a FHIR R4 Bundle."""
    from functools import partial

    from b12check.diary import export
    from b12check.diary.texts import symptom_label
    from b12check.store import diary as repo
    from b12check.store.models import User

    if output_format not in ("csv", "fhir"):
        _fail("--format: expected csv or fhir")
    database, user_id = _open(database_url)
    with database.read() as session:
        user = session.get(User, user_id)
        assert user is not None
        treatments = repo.list_treatments(session, user_id)
        entries = repo.list_entries(session, user_id)
        baselines = repo.list_baselines(session, user_id)
        if output_format == "csv":
            text = export.to_csv(treatments, entries, baselines)
        else:
            text = json.dumps(
                json.loads(
                    export.to_fhir_bundle(
                        user,
                        treatments,
                        entries,
                        baselines,
                        label=partial(symptom_label, user.lang),
                        today=_today(today),
                    )
                ),
                indent=2,
            )
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"written to {output}")
