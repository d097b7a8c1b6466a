"""The CDS Hooks door: ``GET /cds-services``, ``POST /cds-services/{id}`` and its feedback.

JWT checks (b12check.cds.auth) guard the service and feedback calls; ``B12CHECK_CDS_AUTH=off``
switches them off for local development only, which is logged at start and marked on every
response with the ``X-B12check-CDS-Auth`` header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from b12check.cds.auth import AuthError, Caller, Verifier, load_jwks
from b12check.cds.services import CdsError, discovery, parse_request, run, service_for
from b12check.web.routes.api_v1 import problem_response

log = logging.getLogger("b12check.cds")
router = APIRouter(prefix="/cds-services", tags=["CDS Hooks 2.0.1"])
AUTH_OFF_HEADER = (b"x-b12check-cds-auth", b"off: JWT checks disabled (development only)")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class AuthOffMarker:
    """Marks every HTTP response while CDS JWT checks are off (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), AUTH_OFF_HEADER]
            await send(message)

        await self.app(scope, receive, marked)


def install(app: FastAPI) -> None:
    """Add the CDS Hooks routes and the verifier for this app's settings."""
    settings = app.state.settings
    app.include_router(router)
    app.state.cds_verifier = Verifier(
        load_jwks(settings.cds_jwks), settings.cds_issuers, settings.cds_jku_allowlist
    )
    app.state.cds_fetch = fetch_from_fhir_server
    if settings.cds_auth == "off":
        log.warning(
            "B12CHECK_CDS_AUTH=off: CDS Hooks calls are NOT authenticated. "
            "Local development only; never expose this server."
        )
        app.add_middleware(AuthOffMarker)
    elif not settings.cds_issuers:
        log.warning(
            "no CDS client issuers configured (B12CHECK_CDS_ISSUERS): every hook call "
            "will be refused with 401"
        )


def fetch_from_fhir_server(server: str, query: str, token: str | None) -> Any:
    """GET one prefetch query from the EHR's FHIR server (what the spec asks when a prefetch
    is missing)."""
    import httpx

    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.get(f"{server.rstrip('/')}/{query}", headers=headers, timeout=5.0)
    response.raise_for_status()
    return response.json()


def _audiences(request: Request, service_id: str) -> list[str]:
    base = request.app.state.settings.cds_base_url
    root = base.rstrip("/") if base else str(request.base_url).rstrip("/")
    service_url = f"{root}/cds-services/{service_id}"
    return [service_url, f"{root}{request.url.path}"]


def _caller(request: Request, service_id: str) -> Caller:
    if request.app.state.settings.cds_auth == "off":
        return Caller("auth-off")
    verifier: Verifier = request.app.state.cds_verifier
    return verifier.verify(request.headers.get("authorization"), _audiences(request, service_id))


def _error(request: Request, status: int, detail: str) -> JSONResponse:
    titles = {
        400: "Malformed request",
        401: "Not authenticated",
        404: "Unknown service",
        412: "Data needed",
        422: "Invalid",
    }
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else None
    kind = "cds-" + titles.get(status, "error").lower().replace(" ", "-")
    return problem_response(
        status, kind, titles.get(status, "Error"), detail, request.url.path, headers=headers
    )


@router.get("", summary="CDS Hooks discovery")
def discover(request: Request) -> Response:
    """The services, their hooks and prefetch templates."""
    from b12check.web.content import kb

    return JSONResponse(discovery(kb(), request.app.state.settings.cds_lang))


_HOOK_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["hook", "hookInstance", "context"],
                    "properties": {
                        "hook": {"type": "string", "enum": ["patient-view", "order-select"]},
                        "hookInstance": {"type": "string"},
                        "fhirServer": {"type": "string"},
                        "fhirAuthorization": {"type": "object"},
                        "context": {"type": "object"},
                        "prefetch": {"type": "object"},
                    },
                },
                "example": {
                    "hook": "patient-view",
                    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                    "context": {"userId": "Practitioner/example", "patientId": "1288992"},
                    "prefetch": {
                        "patient": {
                            "resourceType": "Patient",
                            "id": "1288992",
                            "gender": "male",
                            "birthDate": "1950-04-02",
                        },
                        "labs": None,
                        "conditions": None,
                        "medicationRequests": None,
                    },
                },
            }
        },
    }
}


@router.post(
    "/{service_id}",
    openapi_extra=_HOOK_REQUEST,
    summary="Call a CDS service",
    responses={
        400: {"description": "Malformed request"},
        401: {"description": "JWT missing or invalid"},
        404: {"description": "Unknown service"},
        412: {"description": "Prefetch missing"},
    },
)
async def call_service(service_id: str, request: Request) -> Response:
    """One hook call: the cards for this patient (``{"cards": []}`` when there is no advice)."""
    from b12check.web.content import kb
    from b12check.web.deps import profile

    try:
        service = service_for(service_id)
        _caller(request, service_id)
        data = parse_request(await request.body(), service)
        settings = request.app.state.settings
        answer = run(
            service,
            data,
            profile=profile(request),
            lang=settings.cds_lang,
            kb=kb(),
            fetch=request.app.state.cds_fetch,
        )
    except CdsError as exc:
        return _error(request, exc.status, exc.message)
    except AuthError as exc:
        return _error(request, 401, str(exc))
    return JSONResponse(answer)


@router.post(
    "/{service_id}/feedback",
    summary="Feedback on cards",
    responses={
        400: {"description": "Malformed feedback"},
        401: {"description": "JWT missing or invalid"},
        404: {"description": "Unknown service"},
    },
)
async def feedback(service_id: str, request: Request) -> Response:
    """What the clinician did with our cards, stored for audit."""
    from b12check.cds.feedback import parse_feedback, store_feedback
    from b12check.web.deps import get_database

    try:
        service_for(service_id)
        caller = _caller(request, service_id)
        try:
            parsed = parse_feedback(json.loads(await request.body()))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CdsError(400, "the body is not valid JSON") from None
        except ValueError as exc:
            raise CdsError(400, str(exc)) from None
    except CdsError as exc:
        return _error(request, exc.status, exc.message)
    except AuthError as exc:
        return _error(request, 401, str(exc))
    stored = store_feedback(get_database(request), service_id, parsed, caller.issuer)
    return JSONResponse({"stored": stored})
