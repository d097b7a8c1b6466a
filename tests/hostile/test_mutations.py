"""A few thousand mutated intakes through the API, the CLI and the forms (hypothesis): each is
either assessed or refused with a 4xx / exit 2 naming fields — never a 5xx, never a traceback.

Mutations start from the project's clinical cases and put a hostile value (NaN, infinity, huge
or negative numbers, NUL, lone surrogates, YAML 1.1 look-alikes, overlong text and lists, deep
nesting, wrong types) at a random place, or give a key twice. Runs are derandomized so the suite
is repeatable; raise ``B12CHECK_HYPOTHESIS_SCALE`` for a longer hunt.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from b12check.cli import app
from b12check.limits import MAX_CODES, MAX_TEXT
from hostile.conftest import make_client, valid_intakes

SCALE = float(os.environ.get("B12CHECK_HYPOTHESIS_SCALE", "1"))
INTAKES = [json.loads(json.dumps(i, default=str)) for i in valid_intakes()]


def _settings(examples: int) -> Any:
    return settings(
        max_examples=int(examples * SCALE),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            float("-inf"),
            10**40,
            -(10**30),
            1e308,
            -1e308,
            -1,
            0,
            True,
            None,
            "",
            "a\x00b",
            "\ud800",
            "\udfff",
            "²",
            "0205",
            "1:30",
            "yes",
            "off",
            "NaN",
            "1e400",
            "<0",
            "2026-02-30",
            "9999-12-31",
            "0001-01-01",
            "x" * (MAX_TEXT + 1),
            ["x"] * (MAX_CODES + 1),
            [],
            {},
            {"\ud800": 1},
            {"": None},
            _deep(40),
            [float("nan")],
            [1e308, -1e308],
            [300, 100],
        ]
    ),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**25), max_value=10**25),
)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path inside a document (mapping keys and list indexes)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _places(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _places(v, (*path, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A clinical case with one to three hostile changes."""
    doc = json.loads(json.dumps(draw(st.sampled_from(INTAKES))))
    for _ in range(draw(st.integers(1, 3))):
        place = draw(st.sampled_from(_places(doc)))
        value = copy.deepcopy(draw(HOSTILE_VALUES))  # never change the shared samples
        if not place:
            doc = value if draw(st.booleans()) else {**doc, draw(st.text(max_size=8)): value}
            if not isinstance(doc, dict):
                return doc
            continue
        parent = doc
        for part in place[:-1]:
            parent = parent[part]
        if draw(st.booleans()) or not isinstance(parent, dict):
            parent[place[-1]] = value
        else:
            parent[draw(st.text(max_size=8))] = value
    return doc


def _twice(text: str, key: str) -> str:
    """The JSON text with its first top-level key given a second time (attack of issue 9)."""
    return text.replace("{", "{" + json.dumps(key) + ": {},", 1)


def _check_api(response: Any) -> None:
    assert response.status_code in (200, 400, 413, 422), (response.status_code, response.text)
    body = response.json()
    if response.status_code in (400, 422):
        assert body["errors"], body
        for error in body["errors"]:
            assert error["path"]
            assert error["message"]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for all examples (a fresh one per example would measure start-up, not input)."""
    with make_client(tmp_path_factory.mktemp("mutations")) as client:
        yield client


@_settings(1500)
@given(doc=mutated(), duplicate=st.booleans())
def test_mutated_intakes_are_assessed_or_refused_by_field(
    api: TestClient, doc: Any, duplicate: bool
) -> None:
    text = json.dumps(doc)  # NaN/Infinity as JS literals, surrogates as \\uXXXX escapes
    twice = duplicate and isinstance(doc, dict) and bool(doc)
    if twice:
        text = _twice(text, next(iter(doc)))
    response = api.post("/api/assess", content=text, headers={"content-type": "application/json"})
    _check_api(response)
    if twice:
        assert response.status_code in (400, 422)


RUN = CliRunner()


@_settings(600)
@given(doc=mutated(), as_json=st.booleans())
def test_mutated_intakes_on_the_command_line_exit_0_or_2(doc: Any, as_json: bool) -> None:
    import yaml

    text = json.dumps(doc) if as_json else yaml.safe_dump(doc, allow_unicode=False)
    out = RUN.invoke(app, ["assess", "-", "--format", "json"], input=text.encode("ascii"))
    assert out.exit_code in (0, 2), (out.exit_code, out.exception, text[:300])
    if out.exit_code == 2:
        assert re.search(r"^  \S.*: ", out.stderr, re.MULTILINE), out.stderr
    assert "Traceback" not in out.stderr


FORM_FIELDS = ["age", "lab-0-value", "lab-0-low", "lab-0-high", "lab-0-unit", "lab-0-date"]


@_settings(200)
@given(values=st.lists(st.text(max_size=30), min_size=len(FORM_FIELDS), max_size=len(FORM_FIELDS)))
def test_typed_lab_reader_values_are_read_or_refused_by_field(
    api: TestClient, values: list[str]
) -> None:
    page = api.get("/labs?lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"csrf_token": token.group(1), "lab-0-analyte": "b12"}
    form.update(zip(FORM_FIELDS, values, strict=True))
    response = api.post("/labs", data=form)
    assert response.status_code in (200, 400, 422), response.status_code
    if response.status_code == 422:
        assert 'class="field-error"' in response.text or "error-summary" in response.text
