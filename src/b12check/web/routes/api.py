"""The JSON twins of the pages: the same computation, returned as the contract's documents.

These endpoints take JSON only (``Content-Type: application/json``): a cross-site HTML form
cannot send that without a CORS preflight, which this app never grants, so no CSRF token is
needed here.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from b12check.errors import IntakeError
from b12check.web.deps import requested_profile as _profile
from b12check.web.i18n import choose_language
from b12check.web.presenting import result_context

router = APIRouter(prefix="/api")


async def _intake(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise HTTPException(status_code=415, detail="send the intake as application/json")
    try:
        document = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(status_code=400, detail="the body is not valid JSON") from exc
    if not isinstance(document, dict):
        raise HTTPException(status_code=422, detail="the intake must be a JSON object")
    return document


def _errors(exc: IntakeError) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"path": e.path, "message": e.message} for e in exc.errors]},
        status_code=422,
    )


@router.post("/assess")
async def api_assess(request: Request) -> Response:
    """Intake JSON in, assessment JSON out (the same document as ``b12check assess``)."""
    from b12check import service

    document = await _intake(request)
    try:
        assessment = service.assess(document, profile=_profile(request))
    except IntakeError as exc:
        return _errors(exc)
    return JSONResponse(assessment.to_dict())


@router.post("/report.pdf")
async def api_report_pdf(request: Request) -> Response:
    """Intake JSON in, the GP report PDF out (``?lang=nl|en``)."""
    from b12check import service
    from b12check.render.pdf import html_to_pdf
    from b12check.web.rendering import render_html

    document = await _intake(request)
    lang = choose_language(request)
    try:
        assessment = service.assess(document, profile=_profile(request))
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
