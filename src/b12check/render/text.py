"""Readable terminal output (Rich) of an assessment: banner first, the disclaimer beside the
advice, then why, tests, labs, treatment, look-alikes, warnings and follow-up."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from b12check.core.model import Assessment
from b12check.i18n import format_date
from b12check.knowledge_base import KnowledgeBase
from b12check.render.report import Report, render_assessment

_STYLE = {
    "immediate": "bold white on red",
    "urgent": "bold black on yellow",
    "routine": "bold white on blue",
    "self_care": "bold white on green",
}


def print_report(
    assessment: Assessment,
    kb: KnowledgeBase,
    lang: str,
    audience: str = "patient",
    console: Console | None = None,
) -> None:
    """Print the whole assessment for a person (or a clinician)."""
    out = console or Console(highlight=False)
    r = render_assessment(assessment, kb, lang, audience)

    def ui(key: str) -> str:
        return kb.ui(lang, f"cli.{key}")

    out.print(
        Panel(
            f"{r.triage.text}\n\n[italic]{r.disclaimer}[/italic]",
            title=f"{ui('what_to_do')}: {r.triage.label}",
            style=_STYLE[assessment.triage_level],
        )
    )
    if assessment.triage_level == "immediate":
        out.print(r.emergency)
    out.rule(ui("why"))
    if r.triage_reasons:
        out.print("• " + ", ".join(r.triage_reasons))
    for reason in r.reasons:
        findings = f" ({'; '.join(reason.findings)})" if reason.findings else ""
        sources = f" [dim][{', '.join(reason.sources)}][/dim]" if audience == "clinician" else ""
        out.print(
            f"• [bold]{reason.rule_label}[/bold] [{reason.rule}]: {reason.text}{findings}{sources}"
        )
    out.print(f"{ui('b12_status')}: [bold]{r.status.label}[/bold] — {r.status.text}")
    out.print(f"{ui('suspicion')}: [bold]{r.suspicion.label}[/bold] — {r.suspicion.text}")
    if r.risk_factors:
        out.rule(ui("risk_factors"))
        for item in r.risk_factors:
            out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    _print_tests(out, r, ui)
    if r.labs:
        _print_lab_table(out, r, ui)
    # Rule D (v2): a likely look-alike's next step sits beside the B12 advice, above it when
    # B12 deficiency is unlikely.
    steps_first = assessment.status == "unlikely"
    if steps_first:
        _print_next_steps(out, assessment, kb, lang, audience, ui)
    out.rule(ui("treatment"))
    out.print(f"[bold]{r.plan.label}[/bold]: {r.plan.text}")
    for item in r.advice:
        out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    if not steps_first:
        _print_next_steps(out, assessment, kb, lang, audience, ui)
    out.print(f"[italic]{r.disclaimer}[/italic]")
    out.rule(ui("lookalikes"))
    table = Table(show_lines=False)
    for column in (ui("condition"), ui("support"), ui("contrast")):
        table.add_column(column)
    for row in r.lookalikes:
        table.add_row(row.label, row.support_label, row.contrast)
    out.print(table)
    if r.warnings:
        out.rule(ui("warnings"))
        for item in r.warnings:
            out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    if r.follow_up:
        out.rule(ui("follow_up"))
        for line in r.follow_up:
            out.print(f"• {line}")
    if r.notes:
        out.rule(ui("notes"))
        for line in r.notes:
            out.print(f"• {line}")
    out.rule()
    out.print(
        f"[dim]{ui('profile')}: {r.profile} · b12check {r.version} · "
        f"{format_date(r.today, lang)} · "
        f"{ui('rules')}: {', '.join(assessment.rules)}[/dim]"
    )
    out.print(f"[dim]{ui('sources')}: {', '.join(s.id for s in r.sources)}[/dim]")


def _print_next_steps(
    out: Console,
    assessment: Assessment,
    kb: KnowledgeBase,
    lang: str,
    audience: str,
    ui: Callable[[str], str],
) -> None:
    """Each likely look-alike with what to do about it (vocabulary ``next_steps``)."""
    if not assessment.next_steps:
        return
    out.rule(ui("next_steps"))
    for condition, step in assessment.next_steps:
        name = kb.text(lang, "differential_conditions", condition, "label")
        label = kb.text(lang, "next_steps", step, "label")
        text = kb.text(lang, "next_steps", step, audience)
        out.print(f"• [bold]{name}[/bold] — {label}: {text}")


def _print_tests(out: Console, r: Report, ui: Callable[[str], str]) -> None:
    out.rule(ui("tests"))
    for item in r.tests:
        out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    if not r.tests:
        out.print(ui("no_tests"))


def _print_lab_table(out: Console, r: Report, ui: Callable[[str], str]) -> None:
    out.rule(ui("labs"))
    table = Table()
    for column in (
        "",
        ui("lab_given"),
        ui("lab_canonical"),
        ui("lab_meaning"),
        ui("lab_reference"),
    ):
        table.add_column(column)
    for line in r.labs:
        table.add_row(
            line.label, line.given, line.canonical, line.interpretation_label, line.reference
        )
    out.print(table)


def print_labs(assessment: Assessment, kb: KnowledgeBase, lang: str) -> None:
    """The quick lab reader: each result, what it means, the B12 status and the next tests."""
    out = Console(highlight=False)
    r = render_assessment(assessment, kb, lang, "patient")

    def ui(key: str) -> str:
        return kb.ui(lang, f"cli.{key}")

    _print_lab_table(out, r, ui)
    out.print(f"{ui('b12_status')}: [bold]{r.status.label}[/bold] — {r.status.text}")
    _print_tests(out, r, ui)
    for item in r.warnings:
        out.print(f"• [bold]{item.label}[/bold]: {item.text}")
    for line in r.notes:
        out.print(f"• {line}")
    out.print(f"[italic]{r.disclaimer}[/italic]")
