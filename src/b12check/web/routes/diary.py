"""The symptom diary: pages under ``/diary`` and the JSON API under ``/api/v1/diary``.

Every query is scoped to the logged-in user by the repository (:mod:`b12check.store.diary`): an id
of someone else's entry answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from b12check.diary import export
from b12check.diary.chart import ChartLabels, date_range, render_chart
from b12check.diary.course import Course, build_course
from b12check.diary.schemas import (
    BaselineIn,
    CourseOut,
    EntryIn,
    EntryOut,
    TreatmentIn,
    TreatmentOut,
)
from b12check.diary.texts import symptom_codes, symptom_label, ui
from b12check.diary.validate import check_entry, check_treatment, whole_or_text
from b12check.diary.views import course_out, entries_json, entry_json, treatment_out
from b12check.documents import DocumentError, load_json
from b12check.errors import FieldError, IntakeError
from b12check.store import diary as repo
from b12check.store.diary import EntryRecord
from b12check.store.models import Treatment, User
from b12check.web.bounds import call_bounded, strict_form
from b12check.web.deps import (
    ApiAuth,
    Auth,
    PageAuth,
    get_database,
    get_database_for,
    login_redirect,
    today,
)
from b12check.web.deps import profile as _profile
from b12check.web.i18n import choose_language, format_day
from b12check.web.rendering import render_page
from b12check.web.security import verify_csrf

router = APIRouter()
api = APIRouter(prefix="/api/v1/diary", tags=["diary"])
csrf = [Depends(verify_csrf), Depends(strict_form)]


def prepare(app: Any) -> None:
    """At start-up: migrate the database and load the knowledge base once, so the first burst
    of requests does not load it in every worker thread at the same time."""
    get_database_for(app)
    symptom_codes()


def _invalid(error: IntakeError) -> HTTPException:
    detail = [{"path": e.path, "message": e.message} for e in error.errors]
    return HTTPException(status_code=422, detail=detail)


def load_course(request: Request, user_id: int) -> Course:
    """Build the person's course for today with the app's profile. The core assesses it, so
    this runs in the app's work pool, under its time limit."""
    database, day, profile = get_database(request), today(request), _profile(request)

    def build() -> Course:
        with database.read() as session:
            return build_course(session, user_id, today=day, profile=profile)

    return call_bounded(request, build)


# ---- operations shared by the API and the pages ---------------------------------------------


def _add_entry(request: Request, user_id: int, data: EntryIn) -> EntryRecord:
    check_entry(data, today(request))
    with get_database(request).change() as connection:
        return repo.add_entry(connection, user_id, **data.model_dump())


def _update_entry(
    request: Request, user_id: int, entry_id: int, data: EntryIn
) -> EntryRecord | None:
    check_entry(data, today(request))
    with get_database(request).write() as session:
        return repo.update_entry(session, user_id, entry_id, **data.model_dump())


def _add_treatment(request: Request, user_id: int, data: TreatmentIn) -> Treatment:
    check_treatment(data, today(request))
    with get_database(request).write() as session:
        return repo.add_treatment(session, user_id, **data.model_dump())


def _save_baseline(request: Request, user_id: int, intake: dict[str, Any]) -> dict[str, Any]:
    """Assess the intake (the core validates it) and keep both as the starting point."""
    from b12check.service import assess

    profile, day = _profile(request), today(request)
    result = call_bounded(request, lambda: assess(intake, profile=profile, today=day).to_dict())
    with get_database(request).write() as session:
        repo.save_baseline(session, user_id, intake, result)
    return result


def _exports(request: Request, auth: Auth, kind: str) -> Response:
    with get_database(request).read() as session:
        user = session.get(User, auth.user_id)
        assert user is not None
        treatments = repo.list_treatments(session, auth.user_id)
        entries = repo.list_entries(session, auth.user_id)
        baselines = repo.list_baselines(session, auth.user_id)
        if kind == "csv":
            body = export.to_csv(treatments, entries, baselines)
            media, name = "text/csv; charset=utf-8", "b12check-diary.csv"
        else:
            body = export.to_fhir_bundle(
                user,
                treatments,
                entries,
                baselines,
                label=partial(symptom_label, user.lang),
                today=today(request),
            )
            media, name = "application/fhir+json", "b12check-diary.fhir.json"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# ---- JSON API ---------------------------------------------------------------------------------


@api.get("")
def api_course(request: Request, auth: ApiAuth) -> CourseOut:
    """The course, the derived treatment response, the core's advice and the next check date."""
    return course_out(load_course(request, auth.user_id))


@api.post("/baseline", status_code=201)
def api_save_baseline(request: Request, auth: ApiAuth, data: BaselineIn) -> dict[str, Any]:
    """Assess an intake and keep it as the diary's starting point; answers the assessment."""
    try:
        return _save_baseline(request, auth.user_id, data.intake)
    except IntakeError as error:
        raise _invalid(error) from error


@api.get("/baseline")
def api_baseline(request: Request, auth: ApiAuth) -> dict[str, Any]:
    """The starting point (intake and assessment), 404 when none was saved."""
    with get_database(request).read() as session:
        row = repo.latest_baseline(session, auth.user_id)
        if row is None:
            raise HTTPException(status_code=404, detail="not_found")
        return {
            "saved_at": row.saved_at.isoformat(),
            "intake": row.intake,
            "assessment": row.assessment,
        }


@api.get("/treatments")
def api_treatments(request: Request, auth: ApiAuth) -> list[TreatmentOut]:
    """The recorded treatments, oldest start first (the last one is current)."""
    with get_database(request).read() as session:
        return [treatment_out(t) for t in repo.list_treatments(session, auth.user_id)]


@api.post("/treatments", status_code=201)
def api_add_treatment(request: Request, auth: ApiAuth, data: TreatmentIn) -> TreatmentOut:
    """Record a B12 treatment."""
    try:
        return treatment_out(_add_treatment(request, auth.user_id, data))
    except IntakeError as error:
        raise _invalid(error) from error


@api.delete("/treatments/{treatment_id}", status_code=204)
def api_delete_treatment(request: Request, auth: ApiAuth, treatment_id: int) -> Response:
    """Delete one of the person's treatments."""
    with get_database(request).write() as session:
        if not repo.delete_treatment(session, auth.user_id, treatment_id):
            raise HTTPException(status_code=404, detail="not_found")
    return Response(status_code=204)


def _json(body: bytes, status_code: int = 200) -> Response:
    """An answer the route serialised itself from models it built. Returned as a plain
    response, FastAPI does not validate its own output a second time (for a plain ``def``
    route in one more worker-thread hop): the diary API is the app's busiest path."""
    return Response(body, status_code=status_code, media_type="application/json")


@api.get("/entries", response_model=list[EntryOut])
def api_entries(request: Request, auth: ApiAuth) -> Response:
    """All entries in date order."""
    with get_database(request).lookup() as connection:
        entries = repo.list_entries(connection, auth.user_id)
    return _json(entries_json(entries))


@api.post("/entries", status_code=201, response_model=EntryOut)
def api_add_entry(request: Request, auth: ApiAuth, data: EntryIn) -> Response:
    """Write an entry; a 201 means it is committed to disk."""
    try:
        entry = _add_entry(request, auth.user_id, data)
    except IntakeError as error:
        raise _invalid(error) from error
    return _json(entry_json(entry), 201)


@api.get("/entries/{entry_id}", response_model=EntryOut)
def api_entry(request: Request, auth: ApiAuth, entry_id: int) -> Response:
    """One entry (404 when it is not the caller's)."""
    with get_database(request).lookup() as connection:
        entry = repo.get_entry(connection, auth.user_id, entry_id)
    if entry is None:
        raise HTTPException(status_code=404, detail="not_found")
    return _json(entry_json(entry))


@api.put("/entries/{entry_id}", response_model=EntryOut)
def api_update_entry(request: Request, auth: ApiAuth, entry_id: int, data: EntryIn) -> Response:
    """Replace an entry's content."""
    try:
        entry = _update_entry(request, auth.user_id, entry_id, data)
    except IntakeError as error:
        raise _invalid(error) from error
    if entry is None:
        raise HTTPException(status_code=404, detail="not_found")
    return _json(entry_json(entry))


@api.delete("/entries/{entry_id}", status_code=204)
def api_delete_entry(request: Request, auth: ApiAuth, entry_id: int) -> Response:
    """Delete an entry."""
    with get_database(request).write() as session:
        if not repo.delete_entry(session, auth.user_id, entry_id):
            raise HTTPException(status_code=404, detail="not_found")
    return Response(status_code=204)


@api.get("/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def api_export_csv(request: Request, auth: ApiAuth) -> Response:
    """Everything in the diary as CSV (one row per score, treatment and starting point)."""
    return _exports(request, auth, "csv")


@api.get(
    "/export.fhir.json",
    response_class=Response,
    responses={200: {"content": {"application/fhir+json": {}}}},
)
def api_export_fhir(request: Request, auth: ApiAuth) -> Response:
    """Everything in the diary as a FHIR R4 collection Bundle."""
    return _exports(request, auth, "fhir")


# ---- pages -------------------------------------------------------------------------------------


def _charts(course: Course, lang: str) -> list[dict[str, Any]]:
    """One SVG and one table row set per tracked symptom, on a shared time axis."""
    started = course.treatment.started if course.treatment else None
    days = [e.day for e in course.entries]
    span = date_range(days, started, course.window)
    fmt: Callable[[date], str] = partial(format_day, lang=lang)
    charts = []
    for code in course.tracked:
        points = course.series.get(code, [])
        if not points:
            continue
        name = symptom_label(lang, code)
        labels = ChartLabels(
            title=ui(lang, "chart.title").format(symptom=name),
            start=ui(lang, "chart.start"),
            window=ui(lang, "chart.window"),
            severity=ui(lang, "chart.severity"),
        )
        svg = render_chart(
            points, span, labels, started=started, window=course.window, format_day=fmt
        )
        charts.append({"code": code, "label": name, "svg": svg, "points": points})
    return charts


def _report(course: Course, lang: str) -> Any:
    if course.assessment_object is None:
        return None
    from b12check.diary.texts import kb
    from b12check.render.report import render_assessment

    return render_assessment(course.assessment_object, kb(), lang, audience="patient")


def _diary_page(
    request: Request,
    auth: Auth,
    *,
    errors: list[FieldError] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = choose_language(request)
    course = load_course(request, auth.user_id)
    context = {
        "auth": auth,
        "course": course,
        "charts": _charts(course, lang),
        "report": _report(course, lang),
        "symptoms": symptom_codes(),
        "symptom_label": partial(symptom_label, lang),
        "d": partial(ui, lang),
        "errors": errors or [],
        "form": form or {},
    }
    return render_page(request, "diary/index.html", context, lang=lang, status_code=status_code)


@router.get("/diary", response_class=HTMLResponse)
def diary_page(request: Request, auth: PageAuth) -> Response:
    """The person's diary: advice for today, next check date, course charts, entries, forms."""
    if auth is None:
        return login_redirect(request)
    return _diary_page(request, auth)


def _entry_from_form(form: Any) -> EntryIn:
    scores: dict[str, Any] = {}
    for code in symptom_codes():
        value = whole_or_text(str(form.get(f"sev_{code}", "")))
        if value is not None:
            scores[code] = value
    return EntryIn(
        day=str(form.get("day", "")),
        scores=scores,
        doses_taken=whole_or_text(str(form.get("doses_taken", ""))),
        notes=str(form.get("notes", "")),
    )


def _pydantic_errors(error: ValidationError) -> list[FieldError]:
    return [FieldError(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]


async def _posted_entry(
    request: Request,
) -> tuple[EntryIn | None, list[FieldError], dict[str, Any]]:
    form = await request.form()
    raw = {k: str(v) for k, v in form.items()}
    try:
        return _entry_from_form(form), [], raw
    except ValidationError as error:
        return None, _pydantic_errors(error), raw


@router.post("/diary/entries", response_class=HTMLResponse, dependencies=csrf)
async def entry_post(request: Request, auth: PageAuth) -> Response:
    """Add an entry from the form; errors show the form again with the values typed."""
    if auth is None:
        return login_redirect(request)
    data, errors, raw = await _posted_entry(request)
    if data is not None:
        try:
            await run_in_threadpool(_add_entry, request, auth.user_id, data)
            return RedirectResponse("/diary#course", status_code=303)
        except IntakeError as error:
            errors = error.errors
    return await run_in_threadpool(
        partial(_diary_page, request, auth, errors=errors, form=raw, status_code=422)
    )


@router.get("/diary/entries/{entry_id}", response_class=HTMLResponse)
def entry_edit_page(request: Request, auth: PageAuth, entry_id: int) -> Response:
    """The form to change or delete one entry."""
    if auth is None:
        return login_redirect(request)
    with get_database(request).read() as session:
        entry = repo.get_entry(session, auth.user_id, entry_id)
        if entry is None:
            raise HTTPException(status_code=404, detail="not_found")
        form = {
            "day": entry.day.isoformat(),
            "doses_taken": entry.doses_taken or "",
            "notes": entry.notes,
        }
        form.update({f"sev_{s.symptom}": s.severity for s in entry.scores})
    return _edit_page(request, entry_id, form, [])


def _edit_page(
    request: Request,
    entry_id: int,
    form: dict[str, Any],
    errors: list[FieldError],
    status_code: int = 200,
) -> HTMLResponse:
    lang = choose_language(request)
    context = {
        "entry_id": entry_id,
        "form": form,
        "errors": errors,
        "symptoms": symptom_codes(),
        "symptom_label": partial(symptom_label, lang),
        "d": partial(ui, lang),
    }
    return render_page(request, "diary/entry.html", context, lang=lang, status_code=status_code)


@router.post("/diary/entries/{entry_id}", response_class=HTMLResponse, dependencies=csrf)
async def entry_update_post(request: Request, auth: PageAuth, entry_id: int) -> Response:
    """Save the changed entry."""
    if auth is None:
        return login_redirect(request)
    data, errors, raw = await _posted_entry(request)
    if data is not None:
        try:
            entry = await run_in_threadpool(_update_entry, request, auth.user_id, entry_id, data)
        except IntakeError as error:
            errors = error.errors
        else:
            if entry is None:
                raise HTTPException(status_code=404, detail="not_found")
            return RedirectResponse("/diary#entries", status_code=303)
    return _edit_page(request, entry_id, raw, errors, status_code=422)


@router.post("/diary/entries/{entry_id}/delete", dependencies=csrf)
def entry_delete_post(request: Request, auth: PageAuth, entry_id: int) -> Response:
    """Delete one entry."""
    if auth is None:
        return login_redirect(request)
    with get_database(request).write() as session:
        if not repo.delete_entry(session, auth.user_id, entry_id):
            raise HTTPException(status_code=404, detail="not_found")
    return RedirectResponse("/diary#entries", status_code=303)


@router.post("/diary/treatment", response_class=HTMLResponse, dependencies=csrf)
def treatment_post(
    request: Request,
    auth: PageAuth,
    started: Annotated[str, Form()] = "",
    route: Annotated[str, Form()] = "",
    dose_ug: Annotated[str, Form()] = "",
    schedule: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record the B12 treatment from the form."""
    if auth is None:
        return login_redirect(request)
    raw = {"started": started, "route": route, "dose_ug": dose_ug, "schedule": schedule}
    try:
        data = TreatmentIn(
            started=started,
            route=route,
            dose_ug=whole_or_text(dose_ug),
            schedule=schedule,
        )
        _add_treatment(request, auth.user_id, data)
    except ValidationError as error:
        return _diary_page(request, auth, errors=_pydantic_errors(error), form=raw, status_code=422)
    except IntakeError as error:
        return _diary_page(request, auth, errors=error.errors, form=raw, status_code=422)
    return RedirectResponse("/diary", status_code=303)


@router.post("/diary/treatments/{treatment_id}/delete", dependencies=csrf)
def treatment_delete_post(request: Request, auth: PageAuth, treatment_id: int) -> Response:
    """Delete one recorded treatment."""
    if auth is None:
        return login_redirect(request)
    with get_database(request).write() as session:
        if not repo.delete_treatment(session, auth.user_id, treatment_id):
            raise HTTPException(status_code=404, detail="not_found")
    return RedirectResponse("/diary", status_code=303)


@router.post("/diary/baseline", response_class=HTMLResponse, dependencies=csrf)
def baseline_post(
    request: Request,
    auth: PageAuth,
    state: Annotated[str, Form()] = "",
    intake: Annotated[str, Form()] = "",
) -> Response:
    """Save an assessment as the starting point: from the result page's signed answers
    (``state``) or from an intake in JSON."""
    if auth is None:
        return login_redirect(request)
    try:
        if state:
            from b12check.web import content
            from b12check.web.forms import build_intake

            answers = request.app.state.answers.loads(state)
            document = build_intake(answers, content.catalogue()).intake
        else:
            document = load_json(intake or "{}", source="intake")
        _save_baseline(request, auth.user_id, document)
    except DocumentError as error:
        return _diary_page(request, auth, errors=error.errors, status_code=422)
    except (IntakeError, ValueError) as error:
        problems = (
            error.errors
            if isinstance(error, IntakeError)
            else [FieldError("intake", "not a valid intake")]
        )
        return _diary_page(request, auth, errors=problems, status_code=422)
    return RedirectResponse("/diary", status_code=303)


@router.get("/diary/export.csv")
def export_csv_page(request: Request, auth: PageAuth) -> Response:
    """Download everything as CSV."""
    if auth is None:
        return login_redirect(request)
    return _exports(request, auth, "csv")


@router.get("/diary/export.fhir.json")
def export_fhir_page(request: Request, auth: PageAuth) -> Response:
    """Download everything as a FHIR R4 Bundle."""
    if auth is None:
        return login_redirect(request)
    return _exports(request, auth, "fhir")
