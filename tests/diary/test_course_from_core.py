"""The diary shows the core's course (F1, F3, P1, T2) and computes none of it itself.

These tests run the real app on SQLite and PostgreSQL and compare what the diary shows with
what the core concludes from the same intake."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from tests.diary.helpers import register

from b12check import service
from b12check.core.codes import TRIAGE_LEVELS

TODAY = date(2026, 11, 28)
STARTED = TODAY - timedelta(weeks=3)


@pytest.fixture
def app(app_factory: Any) -> Any:
    return app_factory(TODAY)


def _worse_on_treatment(person: Any, baseline: dict[str, Any]) -> dict[str, Any]:
    assert person.post("/api/v1/diary/baseline", {"intake": baseline}).status_code in (200, 201)
    person.post(
        "/api/v1/diary/treatments",
        {"started": STARTED.isoformat(), "route": "intramuscular", "dose_ug": 1000},
    )
    person.post("/api/v1/diary/entries", {"day": STARTED.isoformat(), "scores": {"numbness": 4}})
    person.post("/api/v1/diary/entries", {"day": TODAY.isoformat(), "scores": {"numbness": 7}})
    course: dict[str, Any] = person.client.get("/api/v1/diary").json()
    return course


def test_worse_under_treatment_is_an_alert_also_when_triage_is_immediate(app: Any) -> None:
    """The live bug: the alert compared the level with "emergency", which is no triage code,
    so it was hidden exactly for ``immediate`` cases."""
    erin = register(app, "erin@example.org")
    red_flag = {"patient": {"age": 60, "sex": "female"}, "symptoms": {"balance_problems": {}}}
    course = _worse_on_treatment(erin, red_flag)
    assert course["assessment"]["triage"]["level"] == "immediate" == TRIAGE_LEVELS[0]
    assert course["response"]["response"] == "worse"
    assert course["urgent"] is True
    page = erin.client.get("/diary").text
    assert 'id="worse-advice"' in page


def test_worse_under_treatment_at_urgent_is_an_alert(app: Any) -> None:
    fay = register(app, "fay@example.org")
    course = _worse_on_treatment(fay, {"patient": {"age": 60, "sex": "female"}})
    assert course["assessment"]["triage"]["level"] == "urgent"
    assert course["urgent"] is True
    assert 'id="worse-advice"' in fay.client.get("/diary").text


def test_the_response_and_window_are_the_cores(app: Any) -> None:
    gus = register(app, "gus@example.org")
    course = _worse_on_treatment(gus, {"patient": {"age": 50, "sex": "male"}})
    # the diary's entries went to the core, which derived the response (F3) and drew the window
    assessment = course["assessment"]
    assert "F3" in assessment["rules"] and "F3" in [e["rule"] for e in assessment["explanation"]]
    assert assessment["treatment_response"] == course["response"]["response"] == "worse"
    same = service.assess(
        {
            "today": TODAY.isoformat(),
            "patient": {"age": 50, "sex": "male"},
            "symptoms": {"numbness": {"severity": 7}},
            "treatment": {"started": STARTED.isoformat(), "route": "intramuscular",
                          "dose_ug": 1000},
            "diary": [
                {"date": STARTED.isoformat(), "severity": {"numbness": 4}},
                {"date": TODAY.isoformat(), "severity": {"numbness": 7}},
            ],
        }
    )  # fmt: skip
    finding = same.diary_finding
    assert finding is not None
    assert course["response"]["baseline_mean"] == finding.baseline_mean == 4
    assert course["response"]["latest_mean"] == finding.latest_mean == 7
    assert course["response"]["change_fraction"] == pytest.approx(finding.change_fraction)
    window = same.follow_up.treatment_window
    assert window is not None
    assert course["window"] == [window[0].isoformat(), window[1].isoformat()]


def test_the_window_follows_the_core_for_pregnancy(app: Any) -> None:
    """F1 v2: pregnant or breastfeeding, reassess after four weeks in every profile. A diary
    that computed its own window from the general parameter would show six to eight."""
    hana = register(app, "hana@example.org")
    pregnant = {"patient": {"age": 31, "sex": "female", "pregnant": True}}
    course = _worse_on_treatment(hana, pregnant)
    weeks = service.assess(
        {**pregnant, "today": TODAY.isoformat(),
         "treatment": {"started": STARTED.isoformat(), "route": "intramuscular"}}
    ).follow_up.treatment_window  # fmt: skip
    assert weeks is not None
    assert course["window"] == [weeks[0].isoformat(), weeks[1].isoformat()]
    assert course["window"] == [(STARTED + timedelta(weeks=4)).isoformat()] * 2
