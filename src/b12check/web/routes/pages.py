"""The HTML pages: start, questionnaire, result, lab reader and the GP report.

The questionnaire follows post/redirect/get: a step's answers are POSTed (with a CSRF token),
kept in a signed, HTTP-only session cookie, and the browser is sent on to the next step's
address with a GET. The browser's Back button therefore shows the previous step with its answers
and never a "resubmit form?" page. Nothing personal appears in a URL or is stored on the server
without an account; "start again" forgets the cookie.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from b12check import limits
from b12check.errors import IntakeError
from b12check.questions import STEPS as STEP_INFO
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
from b12check.web.i18n import choose_language, normalise
from b12check.web.presenting import action, lab_views, present, result_context, summarise
from b12check.web.rendering import render_html, render_page
from b12check.web.security import (
    clear_private_cookie,
    request_cookie_name,
    set_private_cookie,
    verify_csrf,
)

router = APIRouter()
csrf = [Depends(verify_csrf), Depends(strict_form)]

ANSWERS_COOKIE = "b12_answers"
PENDING_SAVE_COOKIE = "b12_save_pending"
_MINUTES = {s.id: s.minutes for s in STEP_INFO}


# ---- the answers cookie ------------------------------------------------------------------------


def load_answers(request: Request) -> Answers:
    """The answers so far (empty when there are none or the cookie was tampered with)."""
    blob = request.cookies.get(request_cookie_name(request, ANSWERS_COOKIE))
    return request.app.state.answers.loads(blob)  # type: ignore[no-any-return]


def fits_cookie(request: Request, answers: Answers) -> bool:
    """Whether the answers fit the answers cookie (see ``limits.MAX_ANSWERS_COOKIE``)."""
    return len(request.app.state.answers.dumps(answers)) <= limits.MAX_ANSWERS_COOKIE


def keep_answers(request: Request, response: Response, answers: Answers) -> None:
    """Remember the answers in the browser for this session only (HTTP-only, same-site;
    ``__Host-`` over HTTPS). Answers too long for a cookie are not sent: the browser would
    drop them silently, and the ones it holds stay (the questionnaire says so first)."""
    if not fits_cookie(request, answers):
        return
    set_private_cookie(request, response, ANSWERS_COOKIE, request.app.state.answers.dumps(answers))


def forget_answers(request: Request, response: Response) -> None:
    """Start again: the answers and any pending save are forgotten."""
    for name in (ANSWERS_COOKIE, PENDING_SAVE_COOKIE):
        clear_private_cookie(request, response, name)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---- start -------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    """The start page: what the tool does and does not do, and where to begin."""
    total = sum(_MINUTES[s] for s in ("about", "diet", "medicines", "history", "symptoms"))
    return render_page(
        request, "index.html", {"minutes": total, "has_answers": bool(load_answers(request))}
    )


# ---- questionnaire -----------------------------------------------------------------------------


def _step_page(
    request: Request,
    answers: Answers,
    step: str,
    lang: str,
    errors: FormErrors | None = None,
    status_code: int = 200,
    keep: bool = True,
) -> Response:
    cat = content.catalogue()
    steps = active_steps(answers)
    if step not in steps:
        step = steps[0]
    context: dict[str, Any] = {
        "step": step,
        "steps": steps,
        "step_number": steps.index(step) + 1,
        "minutes": _MINUTES,
        "answers": answers,
        "errors": errors or FormErrors(),
        "cat": cat,
        "supplement_rows": range(SUPPLEMENT_ROWS),
        "medicine_rows": range(MEDICINE_ROWS),
        "lab_rows": range(LAB_ROWS),
        "medicine_names": content.medicine_names(),
    }
    if step == "symptoms":
        context["symptom_groups"] = content.symptom_groups()
    if step == "review":
        built = build_intake(answers, cat)
        context["intake"] = built.intake
        context["summary"] = summarise(built.intake, lang, answers)
    response = render_page(
        request, f"questionnaire/{step}.html", context, lang=lang, status_code=status_code
    )
    if errors and keep:
        keep_answers(request, response, answers)  # what was typed stays, even when wrong
    return response


@router.get("/questionnaire", response_class=HTMLResponse)
def questionnaire_start(request: Request) -> Response:
    """The first step (or where the person left off: answers are kept for the session)."""
    return _step_page(request, load_answers(request), STEPS[0], choose_language(request))


@router.get("/questionnaire/{step}", response_class=HTMLResponse)
def questionnaire_page(request: Request, step: str) -> Response:
    """One step with the answers given so far."""
    answers = load_answers(request)
    if step not in active_steps(answers):
        return _see("/questionnaire")
    return _step_page(request, answers, step, choose_language(request))


def _step_errors(request: Request, answers: Answers, step: str, lang: str) -> FormErrors:
    cat = content.catalogue()
    fields = step_fields(step, cat)
    built = build_intake(answers, cat)
    errors = local_errors(built, lang, only=fields, answers=answers)
    if errors:
        return errors
    found = check_intake(request, built, lang, answers)
    return FormErrors(fields={k: v for k, v in found.fields.items() if k in fields})


@router.post("/questionnaire", response_class=HTMLResponse, dependencies=csrf)
async def questionnaire_step(request: Request) -> Response:
    """Take one step's answers, then go back, forward or to the result (post/redirect/get)."""
    form = await request.form()
    cat = content.catalogue()
    answers = load_answers(request)
    step = str(form.get("step", STEPS[0]))
    if step not in STEPS:
        step = STEPS[0]
    answers = merge_step(answers, step, form, cat)
    action_name = str(form.get("action", "next"))
    lang = choose_language(request, form.get("lang"))
    if not fits_cookie(request, answers):
        too_long = FormErrors(general=[content.ui(lang, "error.answers_too_long")])
        return _step_page(request, answers, step, lang, too_long, status_code=422, keep=False)
    steps = active_steps(answers)
    position = steps.index(step) if step in steps else 0

    if action_name.startswith("lang:"):
        chosen = normalise(action_name.removeprefix("lang:")) or lang
        target = f"/questionnaire/{step if step in steps else steps[0]}?lang={chosen}"
    elif action_name == "back":
        target = f"/questionnaire/{steps[max(position - 1, 0)]}"
    elif action_name == "result":
        _assessment, problem = await run_bounded(request, _assess_answers, request, answers, lang)
        if problem is not None:
            return problem
        target = "/result"
    else:
        errors = _step_errors(request, answers, step, lang)
        if errors:
            return _step_page(request, answers, step, lang, errors, status_code=422)
        target = f"/questionnaire/{steps[min(position + 1, len(steps) - 1)]}"
    response = _see(target)
    keep_answers(request, response, answers)
    return response


@router.post("/questionnaire/restart", dependencies=csrf)
def questionnaire_restart(request: Request) -> Response:
    """Forget every answer and begin again."""
    response = _see("/questionnaire")
    forget_answers(request, response)
    return response


# ---- result and GP report ----------------------------------------------------------------------


def _result_context(
    request: Request, assessment: Any, lang: str, answers: Answers, audience: str = "patient"
) -> dict[str, Any]:
    intake = build_intake(answers, content.catalogue()).intake
    return result_context(assessment, lang, intake, answers, audience)


def _assess_answers(request: Request, answers: Answers, lang: str) -> tuple[Any, Response | None]:
    """The assessment of the answers, or the step page that shows what must be corrected."""
    cat = content.catalogue()
    built = build_intake(answers, cat)
    errors = local_errors(built, lang, answers=answers)
    if not errors:
        try:
            return assess(request, built.intake), None
        except IntakeError as exc:
            errors = core_errors(exc, built, lang, answers)
    first = next(iter(errors.fields), None)
    step = step_of(first, cat) if first else "review"
    if step not in active_steps(answers):
        step = "review"
    return None, _step_page(request, answers, step, lang, errors, status_code=422)


async def _assessed(request: Request) -> tuple[Answers, str, Any]:
    """The kept answers, the page language and their assessment — or, in the assessment's place,
    the response to send instead (no answers yet: the questionnaire; bad answers: the step)."""
    answers = load_answers(request)
    lang = choose_language(request)
    if not answers:
        return answers, lang, _see("/questionnaire")
    assessment, problem = await run_bounded(request, _assess_answers, request, answers, lang)
    return answers, lang, problem if problem is not None else assessment


@router.get("/result", response_class=HTMLResponse)
async def result_page(request: Request) -> Response:
    """The result page: the action card, the buttons, tests, what helps, then folded detail."""
    answers, lang, assessment = await _assessed(request)
    if isinstance(assessment, Response):
        return assessment
    context = _result_context(request, assessment, lang, answers)
    context["saved"] = request.query_params.get("saved") == "1"
    return render_page(request, "result.html", context, lang=lang)


@router.post("/result", dependencies=csrf)
async def result_from_state(request: Request) -> Response:
    """Answers posted as a signed ``state`` field (older links, tests): kept, then shown."""
    form = await request.form()
    answers = request.app.state.answers.loads(form.get("state")) or load_answers(request)
    response = _see("/result")
    keep_answers(request, response, answers)
    return response


@router.get("/report", response_class=HTMLResponse)
async def report(request: Request) -> Response:
    """The GP report as a print-friendly page."""
    answers, lang, assessment = await _assessed(request)
    if isinstance(assessment, Response):
        return assessment
    ctx = _result_context(request, assessment, lang, answers, audience="clinician")
    return render_page(request, "report.html", ctx, lang=lang)


def report_pdf_bytes(request: Request, assessment: Any, lang: str, answers: Answers) -> bytes:
    """The GP report as PDF bytes (the same HTML as the print page)."""
    from b12check.render.pdf import html_to_pdf

    ctx = _result_context(request, assessment, lang, answers, audience="clinician")
    ctx["for_pdf"] = True
    return html_to_pdf(render_html(request, "report.html", ctx, lang))


@router.get("/report.pdf")
async def report_pdf(request: Request) -> Response:
    """The GP report as a PDF download."""
    answers, lang, assessment = await _assessed(request)
    if isinstance(assessment, Response):
        return assessment
    return Response(
        await run_bounded(request, report_pdf_bytes, request, assessment, lang, answers),
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="b12check-report.pdf"'},
    )


# ---- save to the diary, also when logged out ---------------------------------------------------


def _save(request: Request, user_id: int, answers: Answers) -> None:
    from b12check.web.routes.diary import _save_baseline

    _save_baseline(request, user_id, build_intake(answers, content.catalogue()).intake)


@router.post("/result/save", dependencies=csrf)
def save_result(request: Request) -> Response:
    """Save the result as the diary's starting point; logged out, first log in or register.

    The answers stay in the session cookie and a signed "save pending" mark is set, so that
    logging in (or registering) ends on :func:`finish_save`, which saves and opens the diary.
    """
    from b12check.web.deps import page_auth

    answers = load_answers(request)
    if not answers:
        return _see("/questionnaire")
    auth = page_auth(request)
    if auth is None:
        response = _see(f"/account/login?next={quote('/result/save')}")
        pending = request.app.state.answers.dumps({"save": True})
        set_private_cookie(request, response, PENDING_SAVE_COOKIE, pending)
        return response
    _save(request, auth.user_id, answers)
    return _see("/diary")


@router.get("/result/save")
def finish_save(request: Request) -> Response:
    """After logging in: save the pending result (only when this browser asked for it)."""
    from b12check.web.deps import login_redirect, page_auth

    auth = page_auth(request)
    if auth is None:
        return login_redirect(request)
    pending = request.app.state.answers.loads(
        request.cookies.get(request_cookie_name(request, PENDING_SAVE_COOKIE))
    )
    answers = load_answers(request)
    if not pending.get("save") or not answers:
        return _see("/result" if answers else "/diary")
    _save(request, auth.user_id, answers)
    response = _see("/diary")
    clear_private_cookie(request, response, PENDING_SAVE_COOKIE)
    return response


# ---- lab reader --------------------------------------------------------------------------------

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
    errors = local_errors(built, lang, answers=answers)
    assessment = None
    if not errors and not built.intake.get("labs"):
        errors.general.append(content.ui(lang, "labs.none_entered"))
    if not errors:
        try:
            assessment = await run_bounded(request, assess, request, built.intake)
        except IntakeError as exc:
            errors = core_errors(exc, built, lang, answers)
    ctx = _lab_context(answers, errors, assessment)
    if assessment is not None:
        ctx["view"] = present(assessment, lang, "patient")
        ctx["card"] = action(assessment, lang)
        ctx["labs"] = lab_views(assessment, lang)
    return render_page(request, "labs.html", ctx, lang=lang, status_code=422 if errors else 200)
