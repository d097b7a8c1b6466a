"""The lab reader in Chromium: units per analyte, interpretation and the next test."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_unit_picker_offers_only_the_units_of_the_chosen_test(page: Any) -> None:
    page.goto("/labs?lang=en")
    page.locator("#f-lab-0-analyte").select_option("b12")
    visible = page.locator("#f-lab-0-unit optgroup:not([hidden])")
    assert visible.count() == 1
    assert visible.get_attribute("data-analyte") == "b12"


def test_antibody_test_asks_positive_or_negative(page: Any) -> None:
    page.goto("/labs?lang=en")
    page.locator("#f-lab-0-analyte").select_option("if_antibodies")
    assert page.locator("#f-lab-0-qual").is_visible()
    assert not page.locator("#f-lab-0-value").is_visible()


def test_results_are_interpreted_with_the_next_test(page: Any, shot: Any) -> None:
    page.goto("/labs?lang=nl")
    page.locator("#f-lab-0-analyte").select_option("b12")
    page.locator("#f-lab-0-value").fill("250")
    page.locator("#f-lab-0-unit").select_option("pg/mL")
    page.locator("#f-lab-1-analyte").select_option("hb")
    page.locator("#f-lab-1-value").fill("7,1")
    page.locator("#f-lab-1-unit").select_option("mmol/L")
    page.locator("form.lab-form button[type=submit]").click()
    results = page.locator(".lab-list")
    text = results.inner_text()
    assert re.search(r"184,[45] pmol/L", text)
    assert "250 pg/mL" in text
    assert "7,1 mmol/L" in text  # Hb as Dutch labs write it
    assert re.search(r"\d,\d–\d+,\d mmol/L|vanaf \d,\d mmol/L", text)  # its range in mmol/L
    assert results.locator("svg[role=img]").count() == 2  # a range bar per result
    assert "Het grijze gebied" in text  # B12 in the grey zone, explained
    assert page.locator("#action-card").is_visible()  # the urgency the labs alone give
    assert page.locator("#lab-tests-heading").is_visible()  # tests to ask for
    # what was typed is still in the form
    assert page.locator("#f-lab-1-value").input_value() == "7,1"
    shot(page, "lab-reader-nl")


def test_wrong_unit_is_explained_next_to_the_field(page: Any) -> None:
    page.goto("/labs?lang=en")
    page.locator("#f-lab-0-analyte").select_option("mcv")
    page.locator("#f-lab-0-value").fill("500")
    page.locator("#f-lab-0-unit").select_option("fL")
    page.locator("form.lab-form button[type=submit]").click()
    assert page.locator("#err-lab-0-value").is_visible()
    assert page.locator("#f-lab-0-value").input_value() == "500"
