"""The FastAPI application factory: pages, JSON twins, static assets and security middleware."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from b12check.settings import Settings, get_settings
from b12check.web.forms import AnswerCodec
from b12check.web.rendering import render_page
from b12check.web.security import CsrfSigner, SecurityHeadersMiddleware

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app for these settings (the process settings when none are given)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="b12check",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    secret = settings.resolved_secret_key()
    app.state.settings = settings
    app.state.csrf = CsrfSigner(secret)
    app.state.answers = AnswerCodec(secret)

    from b12check.web.routes import api, pages

    app.include_router(pages.router)
    app.include_router(api.router)
    from b12check.web.routes import account, diary

    app.include_router(account.router)
    app.include_router(account.api)
    app.include_router(diary.router)
    app.include_router(diary.api)
    diary.prepare(app)  # create/migrate the diary database, load the knowledge base
    from b12check.web.routes import api_v1, cds

    app.include_router(api_v1.router)
    cds.install(app)  # CDS Hooks services, their JWT checks and feedback store
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(api_v1.PROBLEM_PATHS):
            return api_v1.problem_response(
                exc.status_code, "http", str(exc.detail), str(exc.detail), request.url.path
            )
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return render_page(
            request, "error.html", {"status": exc.status_code}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith(api_v1.PROBLEM_PATHS):
            return api_v1.problem_response(
                422, "invalid-request", "Invalid request", "the request does not fit the API",
                request.url.path,
            )
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "invalid request"}, status_code=422)
        return render_page(request, "error.html", {"status": 400}, status_code=400)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(SecurityHeadersMiddleware)
    return app
