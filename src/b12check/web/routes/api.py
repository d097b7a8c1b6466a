"""The JSON twins of the pages: the same computation, returned as the contract's documents.

These endpoints take JSON only (``Content-Type: application/json``): a cross-site HTML form
cannot send that without a CORS preflight, which this app never grants, so no CSRF token is
needed here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from b12check.errors import FieldError, IntakeError
from b12check.web.deps import requested_profile as _profile
from b12check.web.i18n import choose_language
from b12check.web.presenting import result_context
from b12check.web.routes import api_v1

router = APIRouter(prefix="/api")


async def _intake(request: Request) -> dict[str, Any]:
    """The intake of the body, read by the same code as ``/api/v1`` (legacy error shape)."""
    try:
        return await api_v1.read_json_object(request, "intake")
    except api_v1.Problem as p:
        raise HTTPException(status_code=p.status, detail=p.detail) from None


def _errors(exc: IntakeError) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"path": e.path, "message": e.message} for e in exc.errors]},
        status_code=422,
    )


def _assess(document: dict[str, Any], profile: str) -> Any:
    """The one implementation (``api_v1.assess_document``), with the legacy error shape."""
    try:
        return api_v1.assess_document(document, profile)
    except api_v1.Problem as p:
        raise IntakeError([FieldError(e.path, e.message) for e in p.errors]) from None


@router.post("/assess")
async def api_assess(request: Request) -> Response:
    """Intake JSON in, assessment JSON out: an alias of ``POST /api/v1/assess`` (same code)."""
    document = await _intake(request)
    try:
        assessment = _assess(document, _profile(request))
    except IntakeError as exc:
        return _errors(exc)
    return JSONResponse(assessment.to_dict())


@router.post("/report.pdf")
async def api_report_pdf(request: Request) -> Response:
    """Intake JSON in, the GP report PDF out (``?lang=nl|en``)."""
    from b12check.render.pdf import html_to_pdf
    from b12check.web.rendering import render_html

    document = await _intake(request)
    lang = choose_language(request)
    try:
        assessment = _assess(document, _profile(request))
    except IntakeError as exc:
        return _errors(exc)
    context = result_context(assessment, lang, document, audience="clinician")
    context["for_pdf"] = True
    html = render_html(request, "report.html", context, lang)
    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="b12check-report.pdf"'},
    )
