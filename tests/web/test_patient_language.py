"""Every shared vignette, in Dutch and English, through the result page, the GP report page and
its PDF: no internal code, no word of the other language's UI, no validator message; the action
card comes first and names a reason in words; the PDF has at most two pages and page 1 holds the
essentials (issue 8)."""

from __future__ import annotations

import os
import re
import subprocess
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from b12check.web import content
from b12check.web.forms import answers_from_intake

SHARED = Path(os.environ.get("B12CHECK_SHARED", "/work/shared"))
VIGNETTES = sorted((SHARED / "vignettes").glob("*.yaml"))
UI_DIR = Path(content.__file__).resolve().parent.parent / "knowledge" / "texts" / "ui"
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
VALIDATOR = (
    "Input should", "Field required", "field required", "value is not", "could not convert",
    "Traceback", "validation error", "unknown field", "expected a ", "not a valid",
)  # fmt: skip
OTHER = {"nl": "en", "en": "nl"}


def _cases() -> list[Any]:
    out = []
    for path in VIGNETTES:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "expect" in case:
            out.append(pytest.param(case, id=case["id"]))
    return out


_VOID = {"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr", "path", "rect"}


class _Text(HTMLParser):
    """The visible text of a page in the page's own language: no scripts or styles, and no
    part marked as another language (``lang="en"`` on a Dutch page: a source's title)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.page_lang = ""
        self._stack: list[bool] = []  # per open element: whether its text is skipped

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        found = dict(attrs)
        if tag == "html":
            self.page_lang = str(found.get("lang", ""))
        if tag in _VOID:
            return
        other = "lang" in found and found["lang"] != self.page_lang and tag != "html"
        skip = (
            tag in ("script", "style", "title") or other or (bool(self._stack) and self._stack[-1])
        )
        self._stack.append(skip)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self._stack and self._stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[^\W\d_]{5,}", text)}


@cache
def _catalogue_words(lang: str) -> set[str]:
    words: set[str] = set()
    for area in ("web", "report", "questions", "interview"):
        data = yaml.safe_load((UI_DIR / f"{area}.{lang}.yaml").read_text(encoding="utf-8"))
        for key, value in data.items():
            if not key.startswith("lang.") and not key.endswith(".typed"):
                words |= _words(str(value))
    return words


@cache
def foreign_words(lang: str) -> frozenset[str]:
    """Words of the other language's UI catalogue that this language's catalogue never uses."""
    return frozenset(_catalogue_words(OTHER[lang]) - _catalogue_words(lang))


def typed_names(intake: dict[str, Any]) -> set[str]:
    """Words the person typed (product and medicine names): shown as typed, in any language."""
    names = [
        str(x.get("name", "")) for k in ("supplements", "medications") for x in intake.get(k, [])
    ]
    return _words(" ".join(names))


def check_text(text: str, lang: str, where: str, typed: set[str] | None = None) -> None:
    codes = sorted(set(SNAKE.findall(text)))
    assert not codes, f"{where}: internal codes {codes}"
    foreign = sorted((_words(text) - (typed or set())) & foreign_words(lang))
    assert not foreign, f"{where}: words of the other language {foreign}"
    for phrase in VALIDATOR:
        assert phrase not in text, f"{where}: validator text {phrase!r}"


def _open_case(client: TestClient, case: dict[str, Any], lang: str) -> None:
    answers = answers_from_intake(case["intake"], content.catalogue())
    client.cookies.set("b12_answers", client.app.state.answers.dumps(answers))  # type: ignore[attr-defined]
    client.cookies.set("lang", lang)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("case", _cases())
def test_result_and_report_speak_one_language_without_codes(
    client: TestClient, case: dict[str, Any], lang: str
) -> None:
    _open_case(client, case, lang)
    page = client.get("/result")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    main = html.split('<main id="main"', 1)[1]
    first = re.search(r"<(section|div|h1|p|form|details)\b[^>]*>", main.split(">", 1)[1])
    assert first and 'class="action action-' in first.group(0), "the action card is not first"
    card = main.split('id="action-card"', 1)[1].split("</section>", 1)[0]
    reason = (
        visible_text(card.split('class="action-reason"', 1)[-1]) if "action-reason" in card else ""
    )
    assert len(reason) > 20, "the action card names no reason in words"
    typed = typed_names(case["intake"])
    check_text(visible_text(html), lang, f"result {lang}", typed)

    report = client.get("/report")
    assert report.status_code == 200
    check_text(visible_text(report.text), lang, f"report {lang}", typed)


def pdf_pages(pdf: bytes, tmp_path: Path) -> tuple[int, list[str]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    texts = []
    for n in range(1, pages + 1):
        out = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        texts.append(out.stdout)
    return pages, texts


ESSENTIALS = {
    "nl": ("Urgentie", "Patiënt", "Alarmsymptomen", "Klachten", "Medicijnen", "Supplementen",
           "Beoordeling", "Voorgestelde tests", "Plan"),
    "en": ("Urgency", "Patient", "Red flags", "Complaints", "Medicines", "Supplements",
           "Assessment", "Suggested tests", "Plan"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("case", _cases())
def test_pdf_has_at_most_two_pages_with_the_essentials_first(
    client: TestClient, case: dict[str, Any], lang: str, tmp_path: Path
) -> None:
    _open_case(client, case, lang)
    response = client.get("/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pages, texts = pdf_pages(response.content, tmp_path)
    assert pages <= 2, f"{pages} pages"
    first = texts[0]
    for heading in ESSENTIALS[lang]:
        assert heading in first, f"page 1 lacks {heading!r}"
    if case["intake"].get("labs"):
        assert ("Labuitslagen" if lang == "nl" else "Lab results") in first
    sources = "Bronnen" if lang == "nl" else "Sources"
    before_sources = " ".join(texts).rsplit(sources, 1)[0]  # titles keep their own language
    typed = typed_names(case["intake"])
    check_text(" ".join(before_sources.split()), lang, f"pdf {lang}", typed)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_other_page_speaks_one_language_without_codes(client: TestClient, lang: str) -> None:
    """Start, every questionnaire step (with every symptom's details), the lab reader with a
    result, an error page, the account pages and the diary."""
    client.cookies.set("lang", lang)
    pages = {path: client.get(path).text for path in ("/", "/labs", "/nope", "/account/login")}
    answers = {"takes_supplements": "yes", "on_treatment": "yes"}
    client.cookies.set("b12_answers", client.app.state.answers.dumps(answers))  # type: ignore[attr-defined]
    for step in ("about", "diet", "supplements", "medicines", "history", "treatment",
                 "symptoms", "labs", "review"):  # fmt: skip
        pages[step] = client.get(f"/questionnaire/{step}").text
    lab = client.post(
        "/labs",
        data={"csrf_token": _token(pages["/labs"]), "lab-0-analyte": "b12", "lab-0-value": "180",
              "lab-0-unit": "pmol/L", "lab-1-analyte": "mma", "lab-1-value": "0,3",
              "lab-1-unit": "umol/L"},
    )  # fmt: skip
    pages["lab reader"] = lab.text
    register = client.get("/account/register").text
    client.post(
        "/account/register",
        data={"csrf_token": _token(register), "email": f"lang-{lang}@example.org",
              "password": "a long language passphrase"},
    )  # fmt: skip
    pages["register"] = register
    pages["diary"] = client.get("/diary").text
    assert 'id="h-course"' in pages["diary"]  # logged in: the diary itself, not the login page
    assert 'id="f-sym-paresthesia"' in pages["symptoms"]
    assert "lab-list" in pages["lab reader"]
    for name, html in pages.items():
        check_text(visible_text(html), lang, f"{name} {lang}")
