"""Rooms that say what they are: which package may import which, where the web's shared
dependencies and the PDF styles live. Read from the source with ``ast``, so a stray import fails
here rather than in a reviewer's head."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from b12check.render import pdf

SRC = Path(__file__).resolve().parents[1] / "src" / "b12check"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("store", ("b12check.diary", "b12check.web", "b12check.cli", "b12check.render")),
        ("core", ("b12check.knowledge_base", "b12check.web", "b12check.cli", "b12check.store",
                  "b12check.diary", "b12check.render", "b12check.i18n", "yaml", "babel")),
        ("diary", ("b12check.web", "b12check.cli")),
        ("render", ("b12check.web", "b12check.cli", "b12check.store")),
        ("screening", ("b12check.web", "b12check.cli", "b12check.store", "b12check.diary",
                       "b12check.render")),
    ],
)  # fmt: skip
def test_a_package_does_not_import_the_rooms_above_it(
    package: str, forbidden: tuple[str, ...]
) -> None:
    found = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(package)
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert not found, found


SHARED_DEPENDENCIES = {
    "get_database",
    "get_database_for",
    "get_limiter",
    "today",
    "client_address",
    "policy_of",
    "session_cookie",
    "find_auth",
    "api_auth",
    "account_auth",
    "page_auth",
    "profile",
    "requested_profile",
    "_profile",
}


def test_route_modules_hold_routes_and_take_shared_dependencies_from_deps() -> None:
    defined = {
        f"{path.name}: {node.name}"
        for path in _modules("web/routes")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and (node.name in SHARED_DEPENDENCIES or node.name == "Auth")
    }
    assert not defined, defined
    deps = {n.name for n in ast.parse((SRC / "web" / "deps.py").read_text()).body
            if isinstance(n, ast.FunctionDef | ast.ClassDef)}  # fmt: skip
    assert SHARED_DEPENDENCIES - {"_profile"} <= deps


def test_the_pdf_stylesheet_belongs_to_the_renderer() -> None:
    assert pdf.STYLESHEET.is_file()
    assert pdf.STYLESHEET.is_relative_to(SRC / "render")
    assert "@page" in pdf.STYLESHEET.read_text(encoding="utf-8")


def test_no_module_lists_the_languages() -> None:
    """Languages come from the knowledge base's text files; a literal pair in code would
    silently leave a new language out."""
    pairs = ('("nl", "en")', '("en", "nl")', '{"nl", "en"}', '{"en", "nl"}', '["nl", "en"]',
             '["en", "nl"]', 'Literal["nl", "en"]')  # fmt: skip
    found = [
        f"{path.relative_to(SRC)}: {pair}"
        for path in SRC.rglob("*.py")
        for pair in pairs
        if pair in path.read_text(encoding="utf-8")
    ]
    assert not found, found
