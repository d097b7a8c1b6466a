"""The JSON twins of the pages: the same computation, returned as the contract's documents.

These endpoints take JSON only (``Content-Type: application/json``): a cross-site HTML form
cannot send that without a CORS preflight, which this app never grants, so no CSRF token is
needed here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from b12check.core.intake import Intake
from b12check.documents import DocumentError, load_json
from b12check.errors import IntakeError
from b12check.web.bounds import error_body, run_bounded
from b12check.web.deps import requested_profile as _profile
from b12check.web.i18n import choose_language
from b12check.web.presenting import result_context

router = APIRouter(prefix="/api")


async def _intake(request: Request) -> Intake:
    """The parsed intake (strict JSON, then the contract's shape); both endpoints read this."""
    from b12check import service

    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise HTTPException(status_code=415, detail="send the intake as application/json")
    try:
        document = load_json(await request.body(), source="body")
    except DocumentError as exc:
        raise _InvalidError(exc, 400 if exc.unreadable else 422) from None
    try:
        return service.parse_intake(document)
    except IntakeError as exc:
        raise _InvalidError(exc, 422) from None


class _InvalidError(Exception):
    def __init__(self, error: IntakeError, status: int) -> None:
        self.response = JSONResponse(error_body(error), status_code=status)


def _assessed(intake: Intake, profile: str) -> dict[str, Any]:
    from b12check import service

    return service.assess_parsed(intake, profile=profile).to_dict()


@router.post("/assess")
async def api_assess(request: Request) -> Response:
    """Intake JSON in, assessment JSON out (the same document as ``b12check assess``)."""
    try:
        intake = await _intake(request)
        result = await run_bounded(request, _assessed, intake, _profile(request))
    except _InvalidError as invalid:
        return invalid.response
    except IntakeError as exc:
        return JSONResponse(error_body(exc), status_code=422)
    return JSONResponse(result)


def _report_pdf(request: Request, intake: Intake, profile: str, lang: str) -> bytes:
    """Assess and render the GP report as PDF (CPU-heavy: runs in a worker thread)."""
    from b12check import service
    from b12check.render.pdf import html_to_pdf
    from b12check.web.rendering import render_html

    assessment = service.assess_parsed(intake, profile=profile)
    document = intake.model_dump(mode="json", exclude_none=True)
    context = result_context(assessment, lang, document, audience="clinician")
    context["for_pdf"] = True
    return html_to_pdf(render_html(request, "report.html", context, lang))


@router.post("/report.pdf")
async def api_report_pdf(request: Request) -> Response:
    """Intake JSON in, the GP report PDF out (``?lang=nl|en``): exactly what ``/api/assess``
    accepts, read from the parsed intake."""
    try:
        intake = await _intake(request)
        pdf = await run_bounded(
            request, _report_pdf, request, intake, _profile(request), choose_language(request)
        )
    except _InvalidError as invalid:
        return invalid.response
    except IntakeError as exc:
        return JSONResponse(error_body(exc), status_code=422)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="b12check-report.pdf"'},
    )
