"""Hostile input to the JSON API: every case of issue 9 is a 4xx naming the field, never a 5xx,
never an echo of the input; /api/report.pdf accepts exactly what /api/assess accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from b12check.limits import MAX_BODY_BYTES, MAX_CODES, MAX_ERRORS, MAX_LABS, MAX_TEXT
from hostile.conftest import P05, make_client

ENDPOINTS = ["/api/assess", "/api/report.pdf"]
JSON = {"content-type": "application/json"}


def post(client: TestClient, path: str, body: str | bytes) -> Any:
    return client.post(path, content=body, headers=JSON)


def paths(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    return [e["path"] for e in response.json()["errors"]]


def with_(**changes: Any) -> str:
    return json.dumps({**P05, **changes})


# ---- strict, unambiguous input ------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_second_symptoms_key_is_refused_not_silently_triaged_routine(
    client: TestClient, path: str
) -> None:
    """The attack of issue 9: the red flag in the first key used to be dropped."""
    body = (
        '{"today": "2026-11-28", "patient": {"age": 60},'
        ' "symptoms": {"balance_problems": {}}, "symptoms": {"muscle_cramps": {}}}'
    )
    response = post(client, path, body)
    assert response.status_code == 422
    assert paths(response) == ["symptoms"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (with_(labs=[{"analyte": "b12", "value": "NAN", "unit": "pmol/L"}]), "labs[0].value"),
        ('{"patient": {"age": NaN}}', "patient.age"),
        ('{"patient": {"age": Infinity}}', "patient.age"),
        ('{"patient": {"age": -Infinity}}', "patient.age"),
        ('{"patient": {"age": 1e999}}', "patient.age"),
        ('{"patient": {"age": ' + "9" * 5000 + "}}", "patient.age"),
        ('{"patient": {"age": 99999999999999999}}', "patient.age"),
        ('{"conditions": ["a\\u0000b"]}', "conditions[0]"),
        ('{"conditions": ["\\ud800"]}', "conditions[0]"),
        ('{"symptoms": {"\\udc80": {}}}', "symptoms.'\\udc80'"),
        ('{"diet": {"pattern": "vegan", "pattern": "omnivore"}}', "diet.pattern"),
        (
            with_(labs=[{"analyte": "b12", "value": 100, "unit": "pmol/L",
                         "reference_range": [-1e308, 1e308]}]),
            "labs[0].reference_range",
        ),
        (
            with_(labs=[{"analyte": "b12", "value": 100, "unit": "pmol/L",
                         "reference_range": [0, 1e308]}]),
            "labs[0].reference_range",
        ),
        (
            with_(labs=[{"analyte": "b12", "value": 100, "unit": "pmol/L",
                         "reference_range": [300, 150]}]),
            "labs[0].reference_range",
        ),
        (
            with_(labs=[{"analyte": "b12", "value": 100, "unit": "pmol/L",
                         "reference_range": [148, "NaN"]}]),
            "labs[0].reference_range",
        ),
        (with_(conditions=["x"] * (MAX_CODES + 1)), "conditions"),
        (with_(labs=[P05["labs"][0]] * (MAX_LABS + 1)), "labs"),
        (with_(conditions=["x" * (MAX_TEXT + 1)]), "conditions[0]"),
        (with_(symptoms={"k" * (MAX_TEXT + 1): {}}), "symptoms"),
    ],
)  # fmt: skip
def test_hostile_values_are_4xx_naming_the_field(
    client: TestClient, path: str, body: str, field: str
) -> None:
    response = post(client, path, body)
    assert response.status_code in (400, 422), response.text[:300]
    found = paths(response)
    assert any(p.startswith(field) for p in found), found


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_deficient_b12_is_not_made_normal_by_an_absurd_lab_range(
    client: TestClient, path: str
) -> None:
    lab = {"analyte": "b12", "value": 100, "unit": "pmol/L", "reference_range": [-1e308, 1e308]}
    assert post(client, path, with_(labs=[lab])).status_code == 422
    lab["reference_range"] = [145, 637]  # a real Dutch lab's range still works
    assert post(client, path, with_(labs=[lab])).status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"conditions": ["caf\xe9"]}', 400),  # invalid UTF-8
        (b"[" * 150_000 + b"]" * 150_000, 413),  # too big before it is too deep
        (b"[" * 5_000 + b"]" * 5_000, 400),  # deep nesting
        (b'{"patient": ' * 20 + b"1" + b"}" * 20, 422),  # deep but parseable
        (b'{"today": ', 400),
        (b"", 400),
        (b"[]", 422),
        (b'"just text"', 422),
    ],
)
def test_unreadable_bodies_are_4xx_with_a_field(
    client: TestClient, path: str, body: bytes, status: int
) -> None:
    response = post(client, path, body)
    assert response.status_code == status, response.text[:300]
    if status != 413:
        assert paths(response)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_error_answers_never_echo_the_input(client: TestClient, path: str) -> None:
    marker = "ECHO" * 40_000  # 160 kB, under the body limit
    for body in (
        with_(patient={"age": marker}),
        with_(symptoms={marker: {}}),
        with_(**{marker: 1}),
        with_(labs=[{"analyte": marker, "value": 1}]),
    ):
        response = post(client, path, body)
        assert response.status_code == 422
        assert len(response.content) < 4_000
        assert "ECHO" * 12 not in response.text  # a field's name is shortened to 40 characters


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_number_of_errors_is_capped(client: TestClient, path: str) -> None:
    labs = [{"analyte": "b12", "value": True}] * MAX_LABS
    response = post(client, path, with_(labs=labs))
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == MAX_ERRORS
    assert body["omitted"] >= MAX_LABS - MAX_ERRORS


def test_report_pdf_accepts_exactly_what_assess_accepts(client: TestClient) -> None:
    """Same body, same verdict; the PDF is made from the parsed intake."""
    bodies = [
        with_(),
        with_(patient={"age": "52"}),  # coerced the same way by both
        with_(symptoms=["muscle_cramps", "balance_problems"]),
        with_(labs=[{"analyte": "b12", "value": "<100", "unit": "pmol/L"}]),
        with_(unknown_field=1),
        with_(patient={"age": 12}),
        '{"today": "2026-11-28", "labs": []}',
    ]
    for body in bodies:
        assessed = post(client, "/api/assess", body)
        reported = post(client, "/api/report.pdf", body)
        assert assessed.status_code == reported.status_code, body
        if assessed.status_code == 200:
            assert reported.content.startswith(b"%PDF")
        else:
            assert paths(assessed) == paths(reported)


# ---- bounded work: body size on every route ----------------------------------------------------------

TOO_BIG = b'{"conditions": ["' + b"x" * (MAX_BODY_BYTES + 1) + b'"]}'
ROUTES = [
    ("POST", "/api/assess"),
    ("POST", "/api/report.pdf"),
    ("POST", "/api/v1/diary/entries"),
    ("POST", "/api/v1/account/login"),
    ("PUT", "/api/v1/diary/entries/1"),
    ("POST", "/questionnaire"),
    ("POST", "/result"),
    ("POST", "/diary/entries"),
    ("POST", "/a/route/added/later"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_a_body_over_the_limit_with_413(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, content=TOO_BIG, headers=JSON)
    assert response.status_code == 413
    assert "kB" in response.text


def _chunks(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        yield b"x" * 65536
        sent += 65536


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_streamed_json_body_without_length_is_counted_too(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, content=_chunks(10 * MAX_BODY_BYTES), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_streamed_form_body_is_refused_without_reading_it_all(
    client: TestClient, method: str, path: str
) -> None:
    """Routes that read forms answer 413; the others refuse it for what it is (415, 401, 404)
    without reading it."""
    response = client.request(
        method,
        path,
        content=_chunks(10 * MAX_BODY_BYTES),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= response.status_code < 500


def test_streamed_form_body_over_the_limit_is_413_before_the_csrf_check(
    client: TestClient,
) -> None:
    response = client.post(
        "/questionnaire",
        content=_chunks(4 * MAX_BODY_BYTES),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_a_body_at_the_limit_is_read(client: TestClient) -> None:
    body = with_()
    padded = body[:-1] + " " * (MAX_BODY_BYTES - len(body)) + "}"
    assert len(padded) == MAX_BODY_BYTES
    assert post(client, "/api/assess", padded).status_code == 200


def test_strict_json_holds_on_every_json_route(client: TestClient) -> None:
    """The diary and account routes get the same rules without opting in."""
    for path in ("/api/v1/account/login", "/api/v1/diary/entries", "/api/later/added"):
        response = post(client, path, '{"email": "a@b.nl", "email": "c@d.nl", "password": "x"}')
        assert response.status_code == 422, path
        assert paths(response) == ["email"]


def test_api_validation_errors_name_the_field_without_the_value(client: TestClient) -> None:
    marker = "LEAK" * 50
    response = post(client, "/api/v1/account/login", json.dumps({"email": marker, "password": 5}))
    assert response.status_code == 422
    assert "password" in paths(response)
    assert marker not in response.text


# ---- no CPU work on the event loop; a time limit -------------------------------------------------


def test_work_over_the_time_limit_answers_503_and_frees_the_caller(tmp_path: Path) -> None:
    with make_client(tmp_path, work_seconds=0.001, work_threads=1) as slow:
        response = post(slow, "/api/report.pdf", with_())
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert slow.get("/healthz").status_code == 200
    with make_client(tmp_path) as normal:
        assert post(normal, "/api/report.pdf", with_()).status_code == 200


def test_the_diary_assesses_in_the_work_pool_under_its_time_limit(tmp_path: Path) -> None:
    """The diary's course and starting point are assessed by the core: with the work pool
    taken they answer 503 in time instead of waiting without limit, while entries (no
    assessment) are still written; once the pool is free the course answers again."""
    import threading

    from diary.helpers import register

    with make_client(tmp_path, work_seconds=0.3, work_threads=1) as client:
        person = register(client.app, "pool@example.org")
        release = threading.Event()
        client.app.state.work._executor.submit(release.wait, 30)  # type: ignore[attr-defined]
        try:
            course = person.client.get("/api/v1/diary")
            assert course.status_code == 503, course.text
            assert course.headers["retry-after"]
            baseline = person.post("/api/v1/diary/baseline", {"intake": P05})
            assert baseline.status_code == 503, baseline.text
            entry = {"day": "2026-11-28", "scores": {"fatigue": 4}}
            assert person.post("/api/v1/diary/entries", entry).status_code == 201
        finally:
            release.set()
        assert person.client.get("/api/v1/diary").status_code == 200
        assert person.post("/api/v1/diary/baseline", {"intake": P05}).status_code == 201


def test_a_batch_route_can_have_a_larger_limit_and_only_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from b12check import limits

    monkeypatch.setattr(limits, "LARGER_BODIES", {"/api/v1/batch": 4 * MAX_BODY_BYTES})
    with make_client(tmp_path) as batch:
        body = b'{"x": "' + b"y" * (2 * MAX_BODY_BYTES) + b'"}'
        assert post(batch, "/api/v1/batch/screen", body).status_code == 404  # read, no route
        assert post(batch, "/api/v1/diary/entries", body).status_code == 413
        assert post(batch, "/api/v1/batch", body + b" " * (3 * MAX_BODY_BYTES)).status_code == 413
