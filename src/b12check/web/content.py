"""The words and code lists the web pages show, all taken from the knowledge base.

The web layer keeps no clinical texts or numbers of its own: labels, explanations and the lists of
symptoms, conditions, analytes and units come from ``b12check.knowledge_base``. The web app's own
UI strings live in ``knowledge/texts/ui/web.<lang>.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from b12check.knowledge_base import KnowledgeBase, load_knowledge_base

_UI_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "texts" / "ui"


@lru_cache(maxsize=4)
def _web_strings(lang: str) -> dict[str, str]:
    with (_UI_DIR / f"web.{lang}.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {str(k): str(v) for k, v in data.items()}


def kb() -> KnowledgeBase:
    """The (cached) knowledge base."""
    return load_knowledge_base()


def ui(lang: str, key: str) -> str:
    """A UI string of the web area (``web.<key>``); a missing key shows itself, never crashes."""
    try:
        return kb().ui(lang, f"web.{key}")
    except Exception:  # the loader may not know the key yet: fall back to our own file
        return _web_strings(lang).get(key, key)


def label(lang: str, section: str, code: str) -> str:
    """The short human name of a vocabulary code in that language."""
    try:
        return kb().text(lang, section, code, field="label")
    except Exception:
        return code.replace("_", " ")


def text(lang: str, section: str, code: str, field: str = "patient") -> str:
    """A longer text about a code (patient or clinician wording); empty when none is written."""
    try:
        return kb().text(lang, section, code, field=field)
    except Exception:
        return ""


@dataclass(frozen=True)
class Analyte:
    """What the lab form needs to know about one analyte."""

    code: str
    canonical_unit: str | None
    units: tuple[str, ...]
    qualitative: bool


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass(frozen=True)
class Catalogue:
    """The code lists the questionnaire offers, in vocabulary order."""

    symptoms: tuple[str, ...]
    conditions: tuple[str, ...]
    exposures: tuple[str, ...]
    diets: tuple[str, ...]
    progressions: tuple[str, ...]
    analytes: tuple[Analyte, ...]

    def analyte(self, code: str) -> Analyte | None:
        """The analyte with that code, if the knowledge base knows it."""
        return next((a for a in self.analytes if a.code == code), None)


def _section(vocab: Any, name: str) -> Any:
    if hasattr(vocab, "codes"):
        try:
            return vocab.codes(name)
        except KeyError:
            return ()
    return _get(vocab, name)


def _codes(section: Any) -> tuple[str, ...]:
    if isinstance(section, Mapping):
        return tuple(str(k) for k in section)
    if isinstance(section, list | tuple):
        return tuple(str(k) for k in section)
    return ()


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The questionnaire's code lists, built once from the knowledge base."""
    base = kb()
    vocab = base.vocabulary
    analytes = []
    for code, spec in base.analytes.items():
        canonical = _get(spec, "canonical_unit")
        raw_units = _get(spec, "units") or ()
        if isinstance(raw_units, Mapping):
            units = tuple(dict.fromkeys(str(_get(u, "name", key)) for key, u in raw_units.items()))
        else:
            units = tuple(str(u) for u in raw_units)
        if canonical and canonical not in units:
            units = (str(canonical), *units)
        analytes.append(
            Analyte(
                code=str(code),
                canonical_unit=str(canonical) if canonical else None,
                units=units,
                qualitative=bool(_get(spec, "qualitative", canonical is None)),
            )
        )
    progressions = _codes(_section(vocab, "progression"))
    if not progressions:
        from typing import get_args

        from b12check.core.intake import Progression

        progressions = tuple(get_args(Progression))
    return Catalogue(
        symptoms=_codes(_section(vocab, "symptoms")),
        conditions=_codes(_section(vocab, "conditions")),
        exposures=_codes(_section(vocab, "exposures")),
        diets=_codes(_section(vocab, "diets")),
        progressions=progressions,
        analytes=tuple(analytes),
    )


@lru_cache(maxsize=1)
def medicine_names() -> tuple[str, ...]:
    """Every medicine name the core knows (generic and brand, Dutch and English), sorted.

    Served once in a ``<datalist>`` so the browser's own type-ahead works without JavaScript
    and without sending what the person types anywhere.
    """
    index = kb().medicines
    names: dict[str, None] = {}
    for first in "abcdefghijklmnopqrstuvwxyz0123456789":
        for name in index.suggestions(first, limit=10_000):
            names.setdefault(str(name), None)
    return tuple(sorted(names, key=str.casefold))


@lru_cache(maxsize=1)
def symptom_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The symptoms in the core's groups (muscle, neuro, anaemia, the rest), each group in
    vocabulary order, so the questionnaire can ask them under short headings."""
    codes = catalogue().symptoms
    out = []
    seen: set[str] = set()
    for group in ("muscle", "neuro", "anaemia"):
        members = kb().core.group(group)
        chosen = tuple(c for c in codes if c in members and c not in seen)
        seen.update(chosen)
        out.append((group, chosen))
    out.append(("other", tuple(c for c in codes if c not in seen)))
    return tuple((name, group) for name, group in out if group)
