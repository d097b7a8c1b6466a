"""The HTML pages: start, questionnaire, result, lab reader and the GP report.

Every form is a POST with a CSRF token; answers travel in a signed hidden field, so nothing
personal appears in a URL or in the server's memory after the response.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from b12check.errors import IntakeError
from b12check.web import content
from b12check.web.assessing import FormErrors, assess, check_intake, core_errors, local_errors
from b12check.web.bounds import run_bounded, strict_form
from b12check.web.forms import (
    LAB_ROWS,
    MEDICINE_ROWS,
    STEPS,
    SUPPLEMENT_ROWS,
    Answers,
    active_steps,
    build_intake,
    build_lab_reader,
    form_answers,
    lab_fields,
    merge_step,
    step_fields,
    step_of,
)
from b12check.web.i18n import choose_language
from b12check.web.presenting import present, summarise
from b12check.web.rendering import render_html, render_page
from b12check.web.security import verify_csrf

router = APIRouter()
csrf = [Depends(verify_csrf), Depends(strict_form)]


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    """The start page: what the tool does and does not do, and where to begin."""
    return render_page(request, "index.html", {})


def _step_page(
    request: Request,
    answers: Answers,
    step: str,
    lang: str,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    cat = content.catalogue()
    steps = active_steps(answers)
    if step not in steps:
        step = steps[0]
    context: dict[str, Any] = {
        "step": step,
        "steps": steps,
        "step_number": steps.index(step) + 1,
        "answers": answers,
        "state": request.app.state.answers.dumps(answers),
        "errors": errors or FormErrors(),
        "cat": cat,
        "supplement_rows": range(SUPPLEMENT_ROWS),
        "medicine_rows": range(MEDICINE_ROWS),
        "lab_rows": range(LAB_ROWS),
        "medicine_names": content.medicine_names(),
    }
    if step == "review":
        built = build_intake(answers, cat)
        context["intake"] = built.intake
        context["summary"] = summarise(built.intake, lang)
    return render_page(
        request, f"questionnaire/{step}.html", context, lang=lang, status_code=status_code
    )


@router.get("/questionnaire", response_class=HTMLResponse)
def questionnaire_start(request: Request) -> Response:
    """The first step, with no answers yet."""
    return _step_page(request, {}, STEPS[0], choose_language(request))


def _step_errors(request: Request, answers: Answers, step: str, lang: str) -> FormErrors:
    cat = content.catalogue()
    fields = step_fields(step, cat)
    built = build_intake(answers, cat)
    errors = local_errors(built, lang, only=fields)
    if errors:
        return errors
    found = check_intake(request, built, lang)
    return FormErrors(fields={k: v for k, v in found.fields.items() if k in fields})


@router.post("/questionnaire", response_class=HTMLResponse, dependencies=csrf)
async def questionnaire_step(request: Request) -> Response:
    """Take one step's answers, then go back, forward, to a named step, or switch language."""
    form = await request.form()
    cat = content.catalogue()
    answers = request.app.state.answers.loads(form.get("state"))
    step = str(form.get("step", STEPS[0]))
    if step not in STEPS:
        step = STEPS[0]
    answers = merge_step(answers, step, form, cat)
    action = str(form.get("action", "next"))
    lang = choose_language(request, form.get("lang"))
    steps = active_steps(answers)
    position = steps.index(step) if step in steps else 0

    if action.startswith("lang:"):
        lang = choose_language(request, action.removeprefix("lang:"))
        return _step_page(request, answers, step, action.removeprefix("lang:") or lang)
    if action == "back":
        return _step_page(request, answers, steps[max(position - 1, 0)], lang)
    if action.startswith("goto:") and action.removeprefix("goto:") in steps:
        return _step_page(request, answers, action.removeprefix("goto:"), lang)
    errors = _step_errors(request, answers, step, lang)
    if errors:
        return _step_page(request, answers, step, lang, errors, status_code=422)
    return _step_page(request, answers, steps[min(position + 1, len(steps) - 1)], lang)


def _result_context(
    request: Request, assessment: Any, lang: str, answers: Answers, audience: str = "patient"
) -> dict[str, Any]:
    cat = content.catalogue()
    return {
        "a": assessment.to_dict(),
        "view": present(assessment, lang, audience),
        "summary": summarise(build_intake(answers, cat).intake, lang),
        "state": request.app.state.answers.dumps(answers),
        "answers": answers,
    }


def _assess_answers(request: Request, answers: Answers, lang: str) -> tuple[Any, Response | None]:
    """The assessment of the answers, or the step page that shows what must be corrected."""
    cat = content.catalogue()
    built = build_intake(answers, cat)
    errors = local_errors(built, lang)
    if not errors:
        try:
            return assess(request, built.intake), None
        except IntakeError as exc:
            errors = core_errors(exc, built, lang)
    first = next(iter(errors.fields), None)
    step = step_of(first, cat) if first else "review"
    if step not in active_steps(answers):
        step = "review"
    return None, _step_page(request, answers, step, lang, errors, status_code=422)


async def _posted_answers(request: Request) -> tuple[Answers, str]:
    form = await request.form()
    answers = request.app.state.answers.loads(form.get("state"))
    return answers, choose_language(request, form.get("lang"))


@router.post("/result", response_class=HTMLResponse, dependencies=csrf)
async def result(request: Request) -> Response:
    """The result page: what to do and how soon, why, and what to ask the doctor."""
    answers, lang = await _posted_answers(request)
    assessment, problem = await run_bounded(request, _assess_answers, request, answers, lang)
    if problem is not None:
        return problem
    return render_page(
        request, "result.html", _result_context(request, assessment, lang, answers), lang=lang
    )


@router.post("/report", response_class=HTMLResponse, dependencies=csrf)
async def report(request: Request) -> Response:
    """The GP report as a print-friendly page."""
    answers, lang = await _posted_answers(request)
    assessment, problem = await run_bounded(request, _assess_answers, request, answers, lang)
    if problem is not None:
        return problem
    ctx = _result_context(request, assessment, lang, answers, audience="clinician")
    return render_page(request, "report.html", ctx, lang=lang)


@router.post("/report.pdf", dependencies=csrf)
async def report_pdf(request: Request) -> Response:
    """The GP report as a PDF download (same content as the print page)."""
    from b12check.render.pdf import html_to_pdf

    answers, lang = await _posted_answers(request)
    assessment, problem = await run_bounded(request, _assess_answers, request, answers, lang)
    if problem is not None:
        return problem
    ctx = _result_context(request, assessment, lang, answers, audience="clinician")
    ctx["for_pdf"] = True
    html = render_html(request, "report.html", ctx, lang)
    return Response(
        await run_bounded(request, html_to_pdf, html),
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="b12check-report.pdf"'},
    )


LAB_READER_FIELDS = ["age", "sex", *[f for i in range(LAB_ROWS) for f in lab_fields(i)]]


@router.get("/labs", response_class=HTMLResponse)
def lab_reader(request: Request) -> Response:
    """The lab reader: enter results with units, get each one explained."""
    return render_page(request, "labs.html", _lab_context({}, FormErrors(), None))


def _lab_context(answers: Answers, errors: FormErrors, assessment: Any) -> dict[str, Any]:
    return {
        "answers": answers,
        "errors": errors,
        "cat": content.catalogue(),
        "lab_rows": range(LAB_ROWS),
        "a": assessment.to_dict() if assessment is not None else None,
        "assessment": assessment,
    }


@router.post("/labs", response_class=HTMLResponse, dependencies=csrf)
async def lab_reader_post(request: Request) -> Response:
    """Interpret the entered results; errors are shown next to the field, values kept."""
    form = await request.form()
    lang = choose_language(request, form.get("lang"))
    answers = form_answers(form, LAB_READER_FIELDS)
    built = build_lab_reader(answers, content.catalogue())
    errors = local_errors(built, lang)
    assessment = None
    if not errors and not built.intake.get("labs"):
        errors.general.append(content.ui(lang, "labs.none_entered"))
    if not errors:
        try:
            assessment = await run_bounded(request, assess, request, built.intake)
        except IntakeError as exc:
            errors = core_errors(exc, built, lang)
    ctx = _lab_context(answers, errors, assessment)
    if assessment is not None:
        ctx["view"] = present(assessment, lang, "patient")
    return render_page(request, "labs.html", ctx, lang=lang, status_code=422 if errors else 200)
