"""A real server on loopback and Debian's Chromium driven by Playwright (sync API).

The server runs uvicorn in a thread on a free port with its own data folder; Chromium is the
system one (``/usr/bin/chromium``), never a Playwright download; one browser serves the whole
session. In this test mode the app also serves axe-core (``/__axe/axe.min.js``), so the audit
runs under the page's own Content-Security-Policy (``script-src 'self'``), never bypassing it.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe/axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a running b12check web app (stopped at the end of the session)."""
    import uvicorn
    from fastapi.staticfiles import StaticFiles

    from b12check.settings import Settings
    from b12check.web.app import create_app

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("browser-data"), secret_key="browser-test-secret"
    )
    port = _free_port()
    app = create_app(settings)
    if AXE.exists():
        app.mount(AXE_URL.rsplit("/", 1)[0], StaticFiles(directory=AXE.parent), name="axe")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context (own cookies) and page; fails the test on any CSP violation."""
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text  # 422 pages
            else None
        ),
    )
    pg.on("pageerror", lambda exc: problems.append(str(exc)))
    yield pg
    context.close()
    assert not problems, f"browser console errors (CSP?): {problems}"


@pytest.fixture
def audit_page(page: Any) -> Any:
    """A page to audit: the ordinary page, Content-Security-Policy in force."""
    return page


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, object]]:
    """Serious and critical axe-core violations on the current page (WCAG 2.1 A/AA rules)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in the repository root")
    page.add_script_tag(url=AXE_URL)  # served by the app: allowed by script-src 'self'
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# ---------------------------------------------------------------------------------------------
# The people who fill in the questionnaire (one per triage level, one in English).

# Each step: field id -> value. "check:" ticks a box or radio, "select:" chooses an option.
IMMEDIATE_NL: dict[str, Any] = {
    "name": "immediate-nl",
    "lang": "nl",
    "steps": {
        "about": {"f-age": "66", "check:f-sex-male": True},
        "diet": {"check:f-diet_pattern-omnivore": True, "check:f-takes_supplements-no": True},
        "history": {"check:f-on_treatment-no": True},
        "symptoms": {"check:f-sym-balance_problems": True, "check:f-sym-numbness": True},
    },
    "level": "immediate",
}
URGENT_NL: dict[str, Any] = {
    "name": "urgent-nl-vegan",
    "lang": "nl",
    "steps": {
        "about": {"f-age": "29", "check:f-sex-female": True, "check:f-pregnant-no": True},
        "diet": {
            "check:f-diet_pattern-vegan": True,
            "check:f-fortified_foods-no": True,
            "check:f-takes_supplements-no": True,
        },
        "history": {"check:f-on_treatment-no": True},
        "symptoms": {
            "check:f-sym-paresthesia": True,
            "f-sym-paresthesia-weeks": "6",
            "check:f-sym-muscle_pain": True,
            "select:f-sym-muscle_pain-severity": "6",
            "f-sym-muscle_pain-weeks": "10",
            "check:f-sym-fatigue": True,
        },
    },
    "level": "urgent",
}
ROUTINE_EN: dict[str, Any] = {
    "name": "routine-en-grey-zone",
    "lang": "en",
    "steps": {
        "about": {"f-age": "52", "check:f-sex-female": True},
        "diet": {
            "check:f-diet_pattern-omnivore": True,
            "check:f-takes_supplements-yes": True,
        },
        "supplements": {"f-supp-0-name": "Magnesium plus", "f-supp-0-magnesium_mg": "100"},
        "medicines": {"f-med-0-name": "omeprazol", "f-med-0-dose": "20", "f-med-0-years": "0,5"},
        "history": {"check:f-on_treatment-no": True},
        "symptoms": {"check:f-sym-muscle_cramps": True},
        "labs": {
            "select:f-lab-0-analyte": "b12",
            "f-lab-0-value": "250",
            "select:f-lab-0-unit": "pg/mL",
        },
    },
    "level": "routine",
}
SELF_CARE_NL: dict[str, Any] = {
    "name": "self-care-nl",
    "lang": "nl",
    "steps": {
        "about": {"f-age": "34", "check:f-sex-male": True},
        "diet": {"check:f-diet_pattern-omnivore": True, "check:f-takes_supplements-no": True},
        "history": {"check:f-on_treatment-no": True},
    },
    "level": "self_care",
}
PEOPLE = [IMMEDIATE_NL, URGENT_NL, ROUTINE_EN, SELF_CARE_NL]


def fill_step(page: Any, answers: dict[str, Any]) -> None:
    """Answer one questionnaire step the way a person would (click, type, choose)."""
    for key, value in answers.items():
        if key.startswith("check:"):
            page.locator(f"#{key.removeprefix('check:')}").check()
        elif key.startswith("select:"):
            page.locator(f"#{key.removeprefix('select:')}").select_option(value)
        else:
            page.locator(f"#{key}").fill(value)


def complete_questionnaire(page: Any, person: dict[str, Any]) -> None:
    """From the start page to the result page, step by step."""
    page.goto(f"/?lang={person['lang']}")
    page.locator("main a[href='/questionnaire']").first.click()
    for _ in range(12):
        step = page.locator("input[name=step]").get_attribute("value")
        if step == "review":
            break
        fill_step(page, person["steps"].get(step, {}))
        page.locator("button[name=action][value=next]").click()
        page.wait_for_load_state()
        assert page.locator("input[name=step]").get_attribute("value") != step, step
    page.locator("button[value=result]").click()
    page.wait_for_load_state()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that asks for ``person`` runs once for each of the four people."""
    if "person" in metafunc.fixturenames:
        metafunc.parametrize("person", PEOPLE, ids=[p["name"] for p in PEOPLE])


@pytest.fixture
def people() -> dict[str, dict[str, Any]]:
    """The people by name."""
    return {p["name"]: p for p in PEOPLE}


@pytest.fixture
def complete() -> Any:
    """``complete(page, person)``: fill in the whole questionnaire and open the result."""
    return complete_questionnaire


@pytest.fixture
def fill() -> Any:
    """``fill(page, answers)``: answer one step."""
    return fill_step


@pytest.fixture
def shot() -> Any:
    """``shot(page, name)``: save a screenshot to test-artifacts/."""
    return screenshot


@pytest.fixture
def axe() -> Any:
    """``axe(page)``: the serious/critical axe-core violations of the current page."""
    return axe_violations
