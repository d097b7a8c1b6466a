"""axe-core audits every page in Chromium and fails on serious or critical violations; it runs
under the page's own Content-Security-Policy (served by the app in test mode, see conftest)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_start_lab_reader_and_error_pages(audit_page: Any, axe: Any, lang: str) -> None:
    for path in ("/", "/labs", "/no-such-page"):
        audit_page.goto(f"{path}?lang={lang}")
        assert not axe(audit_page), path


def test_every_questionnaire_step_result_and_report(
    audit_page: Any, axe: Any, people: dict[str, Any], fill: Any
) -> None:
    person = people["routine-en-grey-zone"]
    audit_page.goto("/questionnaire?lang=en")
    seen = []
    for _ in range(12):
        step = audit_page.locator("input[name=step]").get_attribute("value")
        assert not axe(audit_page), f"step {step}"
        seen.append(step)
        if step == "review":
            break
        fill(audit_page, person["steps"].get(step, {}))
        audit_page.locator("button[name=action][value=next]").click()
    assert {"about", "diet", "supplements", "medicines", "history", "symptoms", "labs"} <= set(seen)
    audit_page.locator("button[value=result]").click()
    assert not axe(audit_page), "result"
    audit_page.locator("a[href='/report']").click()
    assert not axe(audit_page), "gp report"


def test_result_page_of_each_person(
    audit_page: Any, axe: Any, person: dict[str, Any], complete: Any
) -> None:
    complete(audit_page, person)
    assert not axe(audit_page), person["name"]


def test_pages_showing_errors_and_lab_results(audit_page: Any, axe: Any) -> None:
    audit_page.goto("/questionnaire?lang=nl")
    audit_page.locator("#f-age").fill("abc")
    audit_page.locator("button[value=next]").click()
    assert not axe(audit_page), "questionnaire with an error"
    audit_page.goto("/labs?lang=en")
    audit_page.locator("#f-lab-0-analyte").select_option("b12")
    audit_page.locator("#f-lab-0-value").fill("5000")
    audit_page.locator("#f-lab-0-unit").select_option("pmol/L")
    audit_page.locator("form.lab-form button[type=submit]").click()
    assert not axe(audit_page), "lab reader with a result"
    audit_page.goto("/account/register?lang=nl")
    assert not axe(audit_page), "register"
    audit_page.goto("/account/login?lang=en")
    assert not axe(audit_page), "login"


def test_result_with_every_fold_open(
    audit_page: Any, axe: Any, people: dict[str, Any], complete: Any
) -> None:
    complete(audit_page, people["urgent-nl-vegan"])
    for summary in audit_page.locator("details > summary").all():
        summary.click()
    assert not axe(audit_page), "result, folds open"
