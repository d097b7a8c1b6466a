"""Shared screening fixtures: one synthetic extract per session and the screening date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b12check.knowledge_base import KnowledgeBase, load_knowledge_base
from b12check.screening.synth import write_synthetic

AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    write_synthetic(out, 4000, kb, seed=7, today=AS_OF)
    return out
