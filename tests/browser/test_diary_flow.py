"""A person registers, records B12 treatment, keeps the diary over simulated weeks and sees the
re-evaluation advice appear (Playwright with Debian's Chromium, real server on loopback)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _add_entry(page: Any, day: date, cramps: int, tingling: int) -> None:
    form = page.locator("#entry-form")
    form.locator("#f-day").fill(day.isoformat())
    form.locator("#f-sev-muscle_cramps").fill(str(cramps))
    form.locator("#f-sev-paresthesia").fill(str(tingling))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/diary*")


def test_diary_over_weeks_brings_reevaluation_advice(page: Any) -> None:
    today = date.today()
    started = today - timedelta(weeks=8)
    page.goto("/account/register?lang=en")
    page.fill("#f-email", "browser-diary@example.org")
    page.fill("#f-password", "a long browser passphrase")
    page.click("button[type=submit]")
    # Registering leads to the login form (the answer must not tell whether the address was
    # already taken); log in there.
    page.wait_for_url("**/account/login?registered=1*")
    assert page.locator("p[role=status]").is_visible()
    page.fill("#f-email", "browser-diary@example.org")
    page.fill("#f-password", "a long browser passphrase")
    page.click("main button[type=submit]")
    page.wait_for_url("**/diary")
    assert page.locator("#next-check").is_visible()

    page.fill("#f-started", started.isoformat())
    page.check("#f-route-oral")
    page.fill("#f-dose", "1000")
    page.locator("#treatment-form button[type=submit]").click()
    page.wait_for_url("**/diary")
    assert page.locator("#treatments li").count() == 1

    _add_entry(page, started, cramps=7, tingling=6)
    assert page.locator("#reevaluate-advice").count() == 0  # one score: response unknown
    for weeks_on in (2, 4, 6, 8):
        _add_entry(page, started + timedelta(weeks=weeks_on), cramps=7, tingling=6)
    advice = page.locator("#reevaluate-advice")
    assert advice.is_visible()
    assert "6" in advice.inner_text()
    assert "8" in advice.inner_text()
    assert page.locator("#warning-no_response_reevaluate").is_visible()
    assert page.locator("#response").get_attribute("data-response") == "unchanged"
    assert page.locator("#chart-muscle_cramps svg").is_visible()
    assert page.locator("#next-check").inner_text().strip() != ""
    screenshot(page, "diary-reevaluation")

    with page.expect_download() as download:
        page.click("a[href='/diary/export.csv']")
    assert download.value.suggested_filename == "b12check-diary.csv"
