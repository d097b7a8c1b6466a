"""Errors shared by every door: one for bad input, one for a broken knowledge base."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of an intake: where (``labs[1].value``) and what was expected."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class IntakeError(ValueError):
    """The intake cannot be assessed; nothing was concluded. Carries every field problem found."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class KnowledgeError(RuntimeError):
    """The knowledge base is malformed: names the file and the key so a reviewer can fix it."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message}")
