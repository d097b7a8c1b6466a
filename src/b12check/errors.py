"""Errors shared by every door: one for bad input, one for a broken knowledge base."""

from __future__ import annotations

import re
from dataclasses import dataclass

from b12check.limits import MAX_ERRORS

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def path_key(key: object) -> str:
    """A key as it may appear in a field path: plain keys as they are, anything else quoted
    with escapes and shortened, so an error never echoes a long or unprintable key."""
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return text
    short = text if len(text) <= 40 else text[:40] + "…"
    return ascii(short)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of an intake: where (``labs[1].value``) and what was expected."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class IntakeError(ValueError):
    """The intake cannot be assessed; nothing was concluded. Carries the field problems found:
    at most :data:`~b12check.limits.MAX_ERRORS`, with ``omitted`` counting the rest."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors[:MAX_ERRORS]
        self.omitted = max(len(errors) - MAX_ERRORS, 0)
        text = "; ".join(str(e) for e in self.errors)
        if self.omitted:
            text += f"; and {self.omitted} more"
        super().__init__(text)


class KnowledgeError(RuntimeError):
    """The knowledge base is malformed: names the file and the key so a reviewer can fix it."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message}")
