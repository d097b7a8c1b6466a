"""Route tests of the result page, lab reader and GP report, including every error path."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from b12check import service

BALANCE = {"about": {"age": "66", "sex": "male"},
           "symptoms": {"sym-balance_problems": "yes", "sym-numbness": "yes"}}  # fmt: skip


def _level(html: str) -> str:
    match = re.search(r'data-level="([a-z_]+)"', html)
    assert match, "no action card"
    return match.group(1)


def _card(html: str) -> str:
    return html.split('id="action-card"', 1)[1].split("</section>", 1)[0]


def test_red_flag_gives_immediate_with_112_and_huisartsenpost(flow: Any) -> None:
    walk = flow()
    walk.to_review(BALANCE)
    response = walk.result()
    assert response.status_code == 200
    assert str(response.url).endswith("/result")  # post/redirect/get
    assert _level(response.text) == "immediate"
    card = _card(response.text)
    assert "112" in card
    assert "huisartsenpost" in card.lower()
    assert "Zeg aan de telefoon" in card
    assert "evenwicht" in card.lower()  # the reason in words


def test_immediate_shows_nothing_else_above_the_fold(flow: Any) -> None:
    """For a red flag only the card and the buttons are open; tablets, follow-up dates and
    tests wait in a closed fold."""
    walk = flow()
    walk.to_review(BALANCE)
    html = walk.result().text
    main = html.split('<main id="main"', 1)[1]
    before_fold = main.split("<details", 1)[0]
    assert 'id="action-card"' in before_fold
    assert 'href="/report"' in before_fold
    for later in ('id="tests-heading"', 'id="helps-heading"'):
        assert later not in before_fold
        assert later in main


def test_routine_result_puts_buttons_then_tests_then_what_helps(flow: Any) -> None:
    walk = flow(lang="en")
    walk.to_review({
        "about": {"age": "52", "sex": "female"},
        "symptoms": {"sym-muscle_cramps": "yes"},
        "labs": {"lab-0-analyte": "b12", "lab-0-value": "250", "lab-0-unit": "pg/mL"},
    })  # fmt: skip
    html = walk.result().text
    order = [
        html.index(m)
        for m in (
            'id="action-card"',
            'href="/report"',
            'action="/result/save"',
            'id="tests-heading"',
            'id="helps-heading"',
            "<details",
        )
    ]
    assert order == sorted(order)
    doctor = html.split('class="fold doctor"', 1)[1]
    assert re.search(r"<strong>T3</strong>", doctor)  # rule codes only in the doctor's fold
    before_doctor = html.split('class="fold doctor"', 1)[0]
    shown = before_doctor.split("<main", 1)[1]
    assert not re.search(r"\b(T[1-4]|P[1-5]|X[1-9]|R[1-9]|D[1-6]|W\d+)\b", shown)


def test_result_matches_the_core_for_the_same_intake(flow: Any) -> None:
    walk = flow(lang="en")
    walk.to_review({
        "about": {"age": "29", "sex": "female", "pregnant": "no"},
        "diet": {"diet_pattern": "vegan", "fortified_foods": "no", "takes_supplements": "no"},
        "symptoms": {"sym-paresthesia": "yes", "sym-paresthesia-weeks": "6",
                     "sym-muscle_pain": "yes", "sym-muscle_pain-severity": "6",
                     "sym-fatigue": "yes"},
    })  # fmt: skip
    html = walk.result().text
    expected = service.assess({
        "patient": {"age": 29, "sex": "female", "pregnant": False},
        "diet": {"pattern": "vegan", "fortified_foods": False},
        "symptoms": {"paresthesia": {"weeks": 6}, "muscle_pain": {"severity": 6},
                     "fatigue": {}},
    }).to_dict()  # fmt: skip
    assert _level(html) == expected["triage"]["level"] == "urgent"
    assert "is not a diagnosis" in html


def test_bad_unit_goes_back_to_the_lab_step_with_the_message_at_the_unit(flow: Any) -> None:
    walk = flow(lang="en")
    walk.to_review({
        "about": {"age": "50"},
        "labs": {"lab-0-analyte": "mcv", "lab-0-value": "92", "lab-0-unit": "fL",
                 "lab-1-analyte": "b12", "lab-1-value": "180", "lab-1-unit": "fL"},
    })  # fmt: skip
    response = walk.result()
    assert response.status_code == 422
    assert walk.step == "labs"
    assert 'id="err-lab-1-unit"' in walk.html
    assert 'id="err-lab-0-unit"' not in walk.html
    assert 'value="180"' in walk.html  # nothing typed is lost


def test_impossible_value_is_marked_at_the_value_field(flow: Any) -> None:
    walk = flow()
    walk.to_review({"labs": {"lab-0-analyte": "mcv", "lab-0-value": "500", "lab-0-unit": "fL"}})
    response = walk.result()
    assert response.status_code == 422
    assert 'id="err-lab-0-value"' in walk.html
    assert 'value="500"' in walk.html


def test_empty_questionnaire_asks_for_at_least_one_answer(flow: Any) -> None:
    walk = flow(lang="en")
    walk.to_review({})
    response = walk.result()
    assert response.status_code == 422
    assert "Answer at least one question" in response.text


def test_unknown_medicine_is_kept_and_noted_not_rejected(flow: Any) -> None:
    walk = flow(lang="en")
    walk.to_review(
        {
            "about": {"age": "45"},
            "medicines": {"med-0-name": "Zyxoquatrol", "med-0-dose": "10"},
            "symptoms": {"sym-muscle_cramps": "yes"},
        }
    )
    assert "Zyxoquatrol" in walk.html  # shown on the review page as typed
    response = walk.result()
    assert response.status_code == 200
    assert "Zyxoquatrol" in walk.client.get("/report").text


def test_gp_report_page_and_pdf(flow: Any) -> None:
    walk = flow(lang="en")
    walk.to_review({
        "about": {"age": "52", "sex": "female"},
        "symptoms": {"sym-muscle_cramps": "yes"},
        "labs": {"lab-0-analyte": "b12", "lab-0-value": "250", "lab-0-unit": "pg/mL"},
    })  # fmt: skip
    walk.result()
    report = walk.client.get("/report")
    assert report.status_code == 200
    assert "Report for the GP" in report.text
    assert "250 pg/mL" in report.text
    assert re.search(r"184\.[45] pmol/L", report.text)
    assert "148–738 pmol/L" in report.text  # the range used, as a range
    assert re.search(r"\bL\d|\bB\d|\bT\d", report.text), "rule references missing"
    pdf = walk.client.get("/report.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["content-disposition"]


def test_lab_reader_interprets_in_both_units(client: TestClient) -> None:
    page = client.get("/labs?lang=nl").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/labs",
        data={
            "csrf_token": token,
            "lab-0-analyte": "b12",
            "lab-0-value": "250",
            "lab-0-unit": "pg/mL",
            "lab-1-analyte": "if_antibodies",
            "lab-1-qual": "positive",
        },
    )
    assert response.status_code == 200
    assert "250 pg/mL" in response.text
    assert re.search(r"184,[45] pmol/L", response.text)
    assert "148–738 pmol/L" in response.text
    assert 'value="250"' in response.text
    assert "<svg" in response.text and 'role="img"' in response.text  # the range bar
    assert re.search(
        r"Uw waarde 184,[45] pmol/L is grenswaarde\. Normaal: 222–738 pmol/L", response.text
    )


def test_lab_reader_errors(client: TestClient) -> None:
    page = client.get("/labs?lang=en").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    bad_unit = client.post(
        "/labs",
        data={
            "csrf_token": token,
            "lab-0-analyte": "b12",
            "lab-0-value": "250",
            "lab-0-unit": "fL",
        },
    )
    assert bad_unit.status_code == 422
    assert 'id="err-lab-0-unit"' in bad_unit.text
    no_value = client.post("/labs", data={"csrf_token": token, "lab-0-analyte": "b12"})
    assert no_value.status_code == 422
    assert 'id="err-lab-0-value"' in no_value.text
    nothing = client.post("/labs", data={"csrf_token": token})
    assert nothing.status_code == 422
    assert "at least one lab result" in nothing.text


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/nope?lang=en")
    assert response.status_code == 404
    assert "This page does not exist" in response.text


def test_lab_reader_gives_the_urgency_of_the_labs_alone(client: TestClient) -> None:
    """A critical Hb is `immediate` even without any complaint; the card says the result as
    typed (3,9 mmol/L), never the rule's arithmetic in grams per litre."""
    page = client.get("/labs?lang=nl").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/labs",
        data={"csrf_token": token, "sex": "female", "lab-0-analyte": "hb",
              "lab-0-value": "3,9", "lab-0-unit": "mmol/L"},
    )  # fmt: skip
    assert response.status_code == 200
    assert _level(response.text) == "immediate"
    card = _card(response.text)
    assert "Mijn bloeduitslag is sterk afwijkend: Hemoglobine (Hb) 3,9 mmol/L" in card
    assert "62.8" not in response.text and "62,8" not in card


def test_impossible_hb_names_the_unit_the_person_probably_meant(flow: Any) -> None:
    """Rule L4: Hb 71 typed as mmol/L is refused at the field, with "g/L" suggested in words."""
    walk = flow()
    walk.to_review({"labs": {"lab-0-analyte": "hb", "lab-0-value": "71", "lab-0-unit": "mmol/L"}})
    response = walk.result()
    assert response.status_code == 422
    message = response.text.split('id="err-lab-0-value"', 1)[1].split("</p>", 1)[0]
    assert "Hemoglobine (Hb)" in message and "g/L" in message


def test_gp_report_tells_none_from_not_answered(flow: Any) -> None:
    walk = flow()
    walk.to_review({"about": {"age": "40"}, "diet": {"takes_supplements": "no"},
                    "symptoms": {"sym-muscle_cramps": "yes"}})  # fmt: skip
    walk.result()
    report = " ".join(walk.client.get("/report").text.split())
    assert "<strong>Supplementen:</strong> geen (zo opgegeven)" in report
    assert "<strong>Medicijnen:</strong> niet beantwoord" in report
