"""Logs without personal data: no e-mail address, health data or other user text in any line.

What each source could leak, and what is done about it:

- SQLAlchemy logs statements with their parameters and, at DEBUG, every result row. Engines
  are made with ``hide_parameters=True`` (see :mod:`b12check.store.database`) and the row lines
  are blanked here.
- An unhandled exception is logged by uvicorn with its traceback, and an exception's message may
  quote user input (``invalid literal for int(): '…'``, a failed statement's parameters). Here
  the traceback is reduced to the exception types and the code locations.
- uvicorn's access log shows the query string (``?next=…``); here it shows the path only.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

_EXCEPTION_LOGGERS = ("uvicorn.error", "uvicorn", "fastapi", "starlette", "b12check")
_ACCESS_LOGGERS = ("uvicorn.access",)
_SQL_LOGGERS = ("sqlalchemy.engine.Engine", "sqlalchemy.engine")


def describe_exception(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> str:
    """The exception chain as types and code locations only (no message, no source line)."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    current_tb = tb
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current_tb or current.__traceback__)[-6:]
        where = " < ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}" for f in frames)
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} at {where}")
        current = current.__cause__ or current.__context__
        current_tb = None
    if not parts and exc_type is not None:
        parts.append(exc_type.__qualname__)
    return " caused by ".join(parts)


class PrivateLogFilter(logging.Filter):
    """Rewrites a record before any handler sees it (so it works for every log format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            summary = describe_exception(*record.exc_info)
            record.msg = f"{record.getMessage()} [{summary}]".replace("%", "%%")
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            record.stack_info = None
        if record.name in _ACCESS_LOGGERS and isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] if i == 2 and isinstance(a, str) else a
                for i, a in enumerate(record.args)
            )
        if record.name.startswith("sqlalchemy.engine") and str(record.msg).startswith(
            ("Row ", "Col ")
        ):
            record.args = ("[hidden]",)
        return True


_FILTER = PrivateLogFilter()


def install() -> None:
    """Attach the filter to every logger that may carry user text (idempotent).

    A logger's filters run for the records created on that very logger, so each name that
    emits is listed, not only a parent.
    """
    for name in (*_EXCEPTION_LOGGERS, *_ACCESS_LOGGERS, *_SQL_LOGGERS):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
