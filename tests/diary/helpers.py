"""Small helpers for diary tests: a logged-in API client per person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


@dataclass
class Person:
    """A TestClient logged in through the JSON API, with the CSRF header for writes."""

    client: TestClient
    csrf: str
    email: str

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers())

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(path, json=body, headers=self.headers())

    def delete(self, path: str, body: Any = None) -> Any:
        return self.client.request("DELETE", path, json=body, headers=self.headers())


def register(app: Any, email: str) -> Person:
    """Register (which never logs in: it must not reveal whether the address was taken), then
    log in."""
    client = TestClient(app)
    response = client.post(
        "/api/v1/account/register", json={"email": email, "password": PASSWORD, "lang": "en"}
    )
    assert response.status_code == 202, response.text
    return login(app, email, client)


def login(app: Any, email: str, client: TestClient | None = None) -> Person:
    client = client or TestClient(app)
    response = client.post("/api/v1/account/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Person(client=client, csrf=response.json()["csrf_token"], email=email)
