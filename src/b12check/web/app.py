"""The FastAPI application factory: pages, JSON twins, static assets and security middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from b12check import limits
from b12check.errors import FieldError, IntakeError
from b12check.settings import Settings, get_settings
from b12check.web import private_logs
from b12check.web.bounds import RequestLimitMiddleware, WorkPool, busy, error_body
from b12check.web.forms import AnswerCodec
from b12check.web.rendering import render_page
from b12check.web.security import CsrfSigner, SecurityHeadersMiddleware, security_headers

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready app for these settings (the process settings when none are given)."""
    settings = settings or get_settings()
    private_logs.install()
    threads = settings.worker_threads
    work = WorkPool(settings.work_threads, settings.work_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking endpoints run in this many threads (AnyIO's default is 40); the PostgreSQL
        # pool has as many connections, so no request waits for one or opens a new one.
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        work.start()
        try:
            yield
        finally:
            work.shutdown()  # the pool for CPU-heavy work (b12check.web.bounds)

    app = FastAPI(
        lifespan=lifespan,
        title="b12check",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    secret = settings.resolved_secret_key()
    app.state.settings = settings
    app.state.csrf = CsrfSigner(secret)
    app.state.answers = AnswerCodec(secret)
    app.state.work = work

    from b12check.web.routes import account, api, api_v1, cds, diary, pages

    # FastAPI tries the routes one by one in this order (no path-prefix shortcut), so the
    # busiest ones come first: the diary API is most of the traffic under load (bench/).
    # No two routers share a path, so the order changes nothing else.
    app.include_router(diary.api)
    app.include_router(account.api)
    app.include_router(api_v1.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(account.router)
    app.include_router(diary.router)
    diary.prepare(app)  # create/migrate the diary database, load the knowledge base
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
        detail = exc.detail
        fields: list[str] = detail if exc.status_code == 400 and isinstance(detail, list) else []
        page = render_page(
            request,
            "error.html",
            {"status": exc.status_code, "fields": fields},
            status_code=exc.status_code,
        )
        for name, value in (exc.headers or {}).items():  # Retry-After of a 503, Allow of a 405
            page.headers[name] = value
        return page

    from b12check.store.accounts import PasswordBusyError

    @app.exception_handler(PasswordBusyError)
    async def password_busy(request: Request, exc: PasswordBusyError) -> Response:
        return await http_error(request, busy())

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith(api_v1.PROBLEM_PATHS):
            return api_v1.problem_response(
                422,
                "invalid-request",
                "Invalid request",
                "the request does not fit the API",
                request.url.path,
            )
        if request.url.path.startswith("/api/"):
            return JSONResponse(error_body(_field_errors(exc)), status_code=422)
        return render_page(request, "error.html", {"status": 400}, status_code=400)

    hsts = settings.security.hsts_max_age_seconds if settings.https else None
    error_headers = {
        name.decode(): value.decode()
        for name, value in [*security_headers(hsts), (b"cache-control", b"no-store")]
    }

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # Starlette sends this answer from outside every middleware, so it carries the security
        # headers itself. A fixed text: never the exception (it may quote what a person typed).
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": "internal_error"}, status_code=500, headers=error_headers
            )
        return Response(
            "Internal server error", status_code=500, headers=error_headers, media_type="text/plain"
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Answered on the event loop itself: it shows whether the loop is free."""
        return {"status": "ok"}

    # Added last, so outermost: a body-limit answer (413/422) carries the security headers too.
    app.add_middleware(
        RequestLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger=limits.LARGER_BODIES,
        problem_paths=api_v1.PROBLEM_PATHS,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age=hsts)
    return app


def _field_errors(exc: RequestValidationError) -> IntakeError:
    """FastAPI's validation errors as field paths and messages (capped; never the input)."""
    from b12check.core.intake import field_path

    errors = []
    for err in exc.errors():
        loc = tuple(p for p in err.get("loc", ()) if isinstance(p, int | str))
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        errors.append(FieldError(field_path(loc) if loc else "body", str(err.get("msg", ""))))
    return IntakeError(errors)
