"""Bounded work per request: a body-size limit and strict JSON on every route, and a small pool
of worker threads with a time limit for the CPU-heavy parts (assessing, making PDFs).

The limit sits in ASGI middleware, so every route — including ones added later — is covered
without opting in. It trusts no ``Content-Length``: it counts the bytes as they stream in and
answers 413 as soon as there are too many, so a 100 MB or endless chunked body costs nothing.
JSON bodies are read once more by :func:`b12check.documents.load_json` before any route sees
them, so a duplicate key, NaN or a lone surrogate is a 400/422 naming the field on every JSON
endpoint, never a silent "last one wins".
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from fastapi import HTTPException, Request

from b12check import limits
from b12check.documents import DocumentError, character_problem, load_json
from b12check.errors import path_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

P = ParamSpec("P")
T = TypeVar("T")

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit (the app's HTTP error
    handler turns it into a 413 page or JSON answer)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit // 1024} kB")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


_PROBLEM_TITLES = {400: "The body is not valid JSON", 413: "The body is too large"}


def _as_problem(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """The same refusal as an RFC 9457 problem document (the clinician API's error shape)."""
    problem: dict[str, Any] = {
        "type": "about:blank",
        "title": _PROBLEM_TITLES.get(status, "The body breaks the input rules"),
        "status": status,
        "detail": body.get("detail", "invalid input"),
    }
    if body.get("errors"):
        problem["errors"] = [{"field": e["path"], "detail": e["message"]} for e in body["errors"]]
    return problem


async def _answer(send: Send, status: int, body: dict[str, Any], *, problem: bool = False) -> None:
    """A JSON answer from the middleware itself (the request never reached a route); a problem
    document on the routes whose errors are problems."""
    if problem:
        body = _as_problem(status, body)
    media = b"application/problem+json" if problem else b"application/json"
    payload = json.dumps(body, ensure_ascii=True).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestLimitMiddleware:
    """At most ``max_bytes`` of body on every route, and strictly read JSON (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        larger: Mapping[str, int] | None = None,
        problem_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.problem_paths = problem_paths
        self.default_max = max_bytes
        self.larger = sorted((larger or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        """The body limit of a path: a batch route's own, else the default."""
        return next((n for prefix, n in self.larger if path.startswith(prefix)), self.default_max)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        problem = bool(self.problem_paths) and path.startswith(self.problem_paths)
        await _Limited(self.app, self.limit_for(path), problem)(scope, receive, send)


class _Limited:
    """One request under one limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, problem: bool = False) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = {"detail": f"the request body is larger than {self.max_bytes // 1024} kB"}
        length = _header(scope, b"content-length")
        announced_too_large = length is not None and (
            not length.isdigit() or int(length) > self.max_bytes
        )
        content_type = (_header(scope, b"content-type") or "").lower()
        is_json = "json" in content_type or str(scope.get("path", "")).startswith("/api/")
        if announced_too_large and is_json:
            await _answer(send, 413, too_large, problem=self.problem)
            return
        if scope.get("method") in _WITH_BODY and "json" in content_type:
            await self._json(scope, receive, send, too_large)
            return

        received = self.max_bytes + 1 if announced_too_large else 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            if received > self.max_bytes:  # announced too large: refuse before reading a byte
                raise BodyTooLarge(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await _answer(send, 413, too_large, problem=self.problem)

    async def _json(self, scope: Scope, receive: Receive, send: Send, too_large: Any) -> None:
        """Read the whole (bounded) JSON body, refuse it when it is not strictly valid, and hand
        the same bytes to the route."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, too_large, problem=self.problem)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        if body.strip():
            try:
                load_json(body, source="body", max_bytes=self.max_bytes, **_shape(scope))
            except DocumentError as exc:
                status = 400 if exc.unreadable else 422
                await _answer(send, status, error_body(exc), problem=self.problem)
                return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _shape(scope: Scope) -> dict[str, int]:
    """Nesting and size limits of the route's documents: FHIR records nest deeper than intakes."""
    if str(scope.get("path", "")).startswith(limits.FHIR_PATHS):
        return {"max_depth": limits.FHIR_MAX_DEPTH, "max_nodes": limits.FHIR_MAX_NODES}
    return {}


def error_body(exc: DocumentError | Any) -> dict[str, Any]:
    """The JSON answer for input errors: each field and what was expected (never the value),
    with ``omitted`` counting errors beyond the cap."""
    body: dict[str, Any] = {
        "detail": "invalid input",
        "errors": [{"path": e.path, "message": e.message} for e in exc.errors],
    }
    if getattr(exc, "omitted", 0):
        body["omitted"] = exc.omitted
    return body


class WorkPool:
    """A fixed number of worker threads for CPU-heavy work, with a time limit per request.

    The event loop never does the work itself, so ``/healthz`` and every other request keep
    being answered while PDFs are made. A request that waited (queue included) longer than the
    limit gets a 503 at once; its work is cancelled when it had not started, and otherwise
    finishes in its thread without anyone waiting for it. The pool never grows, so abandoned
    work cannot pile up threads.
    """

    def __init__(self, threads: int, seconds: float) -> None:
        self.seconds, self.threads = seconds, threads
        self._executor = self._new_executor()
        self._stopped = False

    def _new_executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="b12-work")

    def start(self) -> None:
        """Take work again after :meth:`shutdown` (an app whose lifespan runs a second time)."""
        if self._stopped:
            self._executor, self._stopped = self._new_executor(), False

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``func(*args, **kwargs)`` in a worker thread; 503 when it takes too long."""
        future = self._executor.submit(func, *args, **kwargs)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.seconds)
        except TimeoutError:
            future.cancel()
            raise busy() from None

    def call(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The same for a plain ``def`` route: its own thread waits for the pool's answer, so
        the diary's assessments share the pool, its queue and its time limit with the rest."""
        future = self._executor.submit(func, *args, **kwargs)
        try:
            return future.result(timeout=self.seconds)
        except TimeoutError:
            future.cancel()
            raise busy() from None

    def shutdown(self) -> None:
        """Stop taking work (threads finish what they started)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._stopped = True


def busy() -> HTTPException:
    """The answer when bounded work did not get done in time (the client may try again)."""
    return HTTPException(
        503, "the server is busy; try again in a moment", headers={"Retry-After": "5"}
    )


async def run_bounded(
    request: Request, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run CPU-heavy ``func`` in the app's :class:`WorkPool` (see there)."""
    pool: WorkPool = request.app.state.work
    return await pool.run(func, *args, **kwargs)


def call_bounded(request: Request, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """:func:`run_bounded` from a plain ``def`` route (which already runs in a thread)."""
    pool: WorkPool = request.app.state.work
    return pool.call(func, *args, **kwargs)


async def strict_form(request: Request) -> None:
    """Dependency for form POSTs, the forms' share of the strict-input rules: a field that takes
    one value but was sent twice, or a value with a control character, is a 400 naming the
    fields (the error page lists them); never "the last one wins"."""
    from b12check.web.forms import MULTI_FIELDS

    form = await request.form()
    seen: set[str] = set()
    problems: list[str] = []
    for name, value in form.multi_items():
        if name in seen and name not in MULTI_FIELDS:
            problems.append(f"{path_key(name)}: given twice")
        seen.add(name)
        problem = character_problem(value) if isinstance(value, str) else None
        if problem:
            problems.append(f"{path_key(name)}: {problem}")
    if problems:
        raise HTTPException(400, detail=sorted(set(problems))[:20])
