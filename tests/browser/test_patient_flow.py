"""End to end in Chromium: four people complete the questionnaire and read their result."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_person_gets_the_expected_triage_level(
    page: Any, person: dict[str, Any], complete: Any, shot: Any
) -> None:
    complete(page, person)
    card = page.locator("#action-card")
    assert card.get_attribute("data-level") == person["level"]
    assert page.locator("html").get_attribute("lang") == person["lang"]
    # the card is the first thing on the page and has the focus
    assert page.evaluate("document.activeElement.id") == "action-card"
    top = page.evaluate("document.getElementById('action-card').getBoundingClientRect().top")
    assert top < 200
    # the page always says it is not a diagnosis (beside the advice, folded for a red flag)
    assert page.locator(".disclaimer").count() >= 1
    shot(page, f"result-{person['name']}")


def test_immediate_result_names_112_and_the_out_of_hours_service(
    page: Any, people: dict[str, Any], complete: Any
) -> None:
    complete(page, people["immediate-nl"])
    text = page.locator("#action-card").inner_text()
    assert "112" in text
    assert "huisartsenpost" in text.lower()


def test_routine_person_sees_labs_converted_and_downloads_the_gp_report(
    page: Any, people: dict[str, Any], complete: Any, shot: Any
) -> None:
    complete(page, people["routine-en-grey-zone"])
    labs = page.locator("details.fold", has=page.locator(".lab-list"))
    labs.locator("summary").click()
    row_text = labs.locator(".lab-item").first.inner_text()
    assert "250 pg/mL" in row_text
    assert re.search(r"184\.[45]", row_text)
    assert "pmol/L" in row_text
    assert labs.locator(".lab-item svg[role=img]").first.is_visible()
    assert page.locator("#tests-heading").is_visible()
    with page.expect_download() as download_info:
        page.locator("a[href='/report.pdf']").click()
    path = download_info.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    page.locator("a[href='/report']").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Report for the GP")
    shot(page, "gp-report-routine-en")


def test_language_switch_keeps_the_answers(page: Any) -> None:
    page.goto("/questionnaire?lang=nl")
    page.locator("#f-age").fill("61")
    page.locator("header a[data-lang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#f-age").input_value() == "61"


def test_back_keeps_what_was_typed(page: Any) -> None:
    page.goto("/questionnaire?lang=en")
    page.locator("#f-age").fill("47")
    page.locator("button[value=next]").click()
    page.locator("#f-diet_pattern-vegetarian").check()
    page.locator("button[value=back]").click()
    assert page.locator("#f-age").input_value() == "47"
    page.locator("button[value=next]").click()
    assert page.locator("#f-diet_pattern-vegetarian").is_checked()


def test_error_is_shown_next_to_the_field_and_focus_moves_to_the_summary(
    page: Any, shot: Any
) -> None:
    page.goto("/questionnaire?lang=en")
    page.locator("#f-age").fill("twelve")
    page.locator("button[value=next]").click()
    assert page.locator("#err-age").is_visible()
    assert page.locator("#f-age").input_value() == "twelve"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    shot(page, "questionnaire-error")


def test_irrelevant_questions_are_hidden_while_answering(page: Any) -> None:
    page.goto("/questionnaire?lang=en")
    pregnant = page.locator("#f-pregnant")
    assert pregnant.is_visible()
    page.locator("#f-sex-male").check()
    assert not pregnant.is_visible()
    page.locator("#f-sex-female").check()
    assert pregnant.is_visible()


def test_medicine_type_ahead_offers_known_names(page: Any) -> None:
    page.goto("/questionnaire?lang=en")
    page.locator("button[value=next]").click()
    page.locator("#f-takes_supplements-no").check()
    page.locator("button[value=next]").click()
    assert page.locator("#medicine-names option").count() >= 3
    assert page.locator("#f-med-0-name").get_attribute("list") == "medicine-names"


def test_keyboard_skip_link_reaches_main_content(page: Any) -> None:
    page.goto("/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_questionnaire_works_without_javascript(
    browser: Any, base_url: str, people: dict[str, Any], complete: Any
) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        complete(page, people["immediate-nl"])
        assert page.locator("#action-card").get_attribute("data-level") == "immediate"
    finally:
        context.close()


def test_result_is_readable_on_a_phone(
    browser: Any, base_url: str, people: dict[str, Any], complete: Any, shot: Any
) -> None:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    try:
        complete(page, people["routine-en-grey-zone"])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, "the page scrolls sideways on a phone"
        shot(page, "result-phone-routine-en")
    finally:
        context.close()
