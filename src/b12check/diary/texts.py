"""Words the diary shows, taken from the knowledge base (UI strings and vocabulary labels)."""

from __future__ import annotations

from b12check.knowledge_base import KnowledgeBase, load_knowledge_base

# The symptoms a new diary offers first: the article's muscle and nerve complaints plus fatigue.
DEFAULT_TRACKED: tuple[str, ...] = (
    "muscle_pain",
    "muscle_cramps",
    "paresthesia",
    "numbness",
    "fatigue",
    "balance_problems",
)


def kb() -> KnowledgeBase:
    """The cached knowledge base."""
    return load_knowledge_base()


def ui(lang: str, key: str) -> str:
    """A diary UI string (``knowledge/texts/ui/diary.<lang>.yaml``)."""
    return kb().ui(lang, f"diary.{key}")


def symptom_label(lang: str, code: str) -> str:
    """The short name of a symptom in that language."""
    return kb().text(lang, "symptoms", code, field="label")


def symptom_codes() -> tuple[str, ...]:
    """Every symptom code of the vocabulary, defaults first (the order of the entry form)."""
    codes = kb().vocabulary.codes("symptoms")
    return tuple(c for c in DEFAULT_TRACKED if c in codes) + tuple(
        c for c in codes if c not in DEFAULT_TRACKED
    )
