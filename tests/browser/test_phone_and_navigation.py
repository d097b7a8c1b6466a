"""Phones, the keyboard and the browser's own buttons (issue 8): no page scrolls sideways at
320 px, Enter moves to the next step, Back shows the previous step with its answers, and saving
to the diary while logged out ends, after registering, with the result saved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}
# Controls a finger must hit: at least 44 px high (inline text links are exempt, WCAG 2.5.8).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main button, main a.button, main summary, main .choice, main select, main input[type=text],'
    + ' main input[type=date], main input[type=email], main input[type=password],'
    + ' header nav a, header .lang-switch a')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 43.5)
  .map(e => e.outerHTML.slice(0, 90))"""


def _fits(page: Any) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


def test_no_page_scrolls_sideways_at_320_px(
    phone: Any, people: dict[str, Any], fill: Any, shot: Any
) -> None:
    too_wide: dict[str, tuple[int, int]] = {}
    too_small: dict[str, list[str]] = {}

    def check(name: str) -> None:
        width, inner = _fits(phone)
        if width > inner:
            too_wide[name] = (width, inner)
        small = phone.evaluate(SMALL_TARGETS)
        if small:
            too_small[name] = small

    for path in ("/?lang=nl", "/labs", "/account/login", "/account/register", "/nope"):
        phone.goto(path)
        check(path)
    person = people["routine-en-grey-zone"]
    phone.goto("/questionnaire?lang=en")
    for _ in range(12):
        step = phone.locator("input[name=step]").get_attribute("value")
        fill(phone, person["steps"].get(step, {}))
        for box in phone.locator("input[data-details]").all():
            box.check()  # every symptom's details open: the widest form
        check(f"step {step}")
        if step == "review":
            break
        phone.locator("button[name=action][value=next]").click()
    phone.locator("button[value=result]").click()
    for summary in phone.locator("details > summary").all():
        summary.click()
    check("result")
    shot(phone, "result-320-folds-open")
    phone.goto("/report")
    check("report")
    phone.goto("/labs?lang=nl")
    phone.locator("#f-lab-0-analyte").select_option("hb")
    phone.locator("#f-lab-0-value").fill("7,1")
    phone.locator("#f-lab-0-unit").select_option("mmol/L")
    phone.locator("form.lab-form button[type=submit]").click()
    check("lab reader result")
    shot(phone, "labs-320")
    phone.goto("/account/register?lang=nl")
    phone.fill("#f-email", "phone-320@example.org")
    phone.fill("#f-password", "a long phone passphrase")
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/diary")
    check("diary")
    assert not too_wide, too_wide
    assert not too_small, too_small


def test_enter_moves_to_the_next_step(page: Any) -> None:
    page.goto("/questionnaire?lang=nl")
    page.locator("#f-age").fill("44")
    page.locator("#f-age").press("Enter")
    page.wait_for_load_state()
    assert page.locator("input[name=step]").get_attribute("value") == "diet"


def test_back_button_shows_the_previous_step_with_its_answers(page: Any) -> None:
    page.goto("/questionnaire?lang=en")
    page.locator("#f-age").fill("52")
    page.locator("#f-sex-female").check()
    page.locator("button[value=next]").click()
    page.locator("#f-diet_pattern-vegan").check()
    page.locator("button[value=next]").click()
    assert page.locator("input[name=step]").get_attribute("value") == "medicines"
    page.go_back()
    assert page.locator("input[name=step]").get_attribute("value") == "diet"
    assert page.locator("#f-diet_pattern-vegan").is_checked()
    page.go_back()
    assert page.locator("input[name=step]").get_attribute("value") == "about"
    assert page.locator("#f-age").input_value() == "52"
    assert page.locator("#f-sex-female").is_checked()


def test_saving_to_the_diary_while_logged_out_survives_registration(
    page: Any, people: dict[str, Any], complete: Any
) -> None:
    complete(page, people["urgent-nl-vegan"])
    page.locator("form[action='/result/save'] button").click()
    page.wait_for_url("**/account/login**")
    page.locator("main a[href^='/account/register']").click()
    page.fill("#f-email", "save-later@example.org")
    page.fill("#f-password", "a long passphrase to save")
    page.click("main button[type=submit]")
    page.wait_for_url("**/diary")
    assert page.locator("#h-baseline").is_visible()
    baseline = page.locator("section", has=page.locator("#h-baseline")).inner_text()
    assert "Klik" not in baseline and "Start" not in baseline.split("\n", 1)[-1][:5]
    assert (
        page.locator("section", has=page.locator("#h-baseline"))
        .locator("a[href='/questionnaire']")
        .count()
        == 0
    )


def test_diary_chart_is_readable_at_390_px(browser: Any, base_url: str, shot: Any) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        page.goto("/account/register?lang=nl")
        page.fill("#f-email", "chart-390@example.org")
        page.fill("#f-password", "a long chart passphrase")
        page.click("main button[type=submit]")
        page.wait_for_url("**/diary")
        for day, score in (("2026-10-01", "7"), ("2026-10-15", "5"), ("2026-11-01", "3")):
            page.fill("#f-day", day)
            page.fill("#f-sev-muscle_cramps", score)
            page.locator("#entry-form button[type=submit]").click()
            page.wait_for_url("**/diary*")
        chart = page.locator("#chart-muscle_cramps svg")
        box = chart.bounding_box()
        assert box is not None and box["width"] <= 390 and box["width"] >= 300
        width, inner = _fits(page)
        assert width <= inner
        shot(page, "diary-390")
    finally:
        context.close()
