"""A fresh web app per test (own data folder, key and cookies), and a questionnaire driver."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from b12check.settings import Settings
from b12check.web.app import create_app


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, secret_key="test-secret-key-for-web-tests")
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


def hidden(html: str, name: str) -> str:
    """The value of the first hidden input with that name in a page."""
    match = re.search(rf'type="hidden" name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


class Flow:
    """Walks the questionnaire the way a browser without JavaScript would."""

    def __init__(self, client: TestClient, lang: str | None = None) -> None:
        self.client = client
        response = client.get("/questionnaire" + (f"?lang={lang}" if lang else ""))
        assert response.status_code == 200
        self.response = response

    @property
    def html(self) -> str:
        return self.response.text

    def hidden(self, name: str) -> str:
        """A hidden field of the current page."""
        return hidden(self.html, name)

    @property
    def step(self) -> str:
        return hidden(self.html, "step")

    def submit(self, action: str = "next", url: str = "/questionnaire", **fields: Any) -> Any:
        """Post the current step's form with these fields; keep the answer page."""
        data: dict[str, Any] = {
            "csrf_token": hidden(self.html, "csrf_token"),
            "step": self.step,
            "action": action,
            **fields,
        }
        self.response = self.client.post(url, data=data)
        return self.response

    def to_review(self, steps: dict[str, dict[str, Any]]) -> None:
        """Answer each step in turn (steps not named are passed empty) up to the review."""
        while self.step != "review":
            current = self.step
            response = self.submit(**steps.get(current, {}))
            assert response.status_code == 200, (current, response.text[:2000])
            assert self.step != current, f"stuck on {current}"

    def open(self, step: str) -> Any:
        """Go to a step by its address, as the review's "change" links and Back do."""
        self.response = self.client.get(f"/questionnaire/{step}")
        return self.response

    def result(self) -> Any:
        """Ask for the result on the review step (post/redirect/get to ``/result``)."""
        return self.submit(action="result")


@pytest.fixture
def flow(client: TestClient) -> Any:
    """A factory of questionnaire walks: ``flow()`` or ``flow(lang="en")``."""
    return lambda lang=None: Flow(client, lang)
