"""Private by default, on SQLite and PostgreSQL: no e-mail address or health data in any log line
(SQLAlchemy and uvicorn at DEBUG included, a crash included), database files for their owner
only, and what an account deletion erases gone from the SQLite files on disk."""

from __future__ import annotations

import logging
import socket
import stat
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from b12check.settings import Settings
from b12check.web.app import create_app

EMAIL = "privacy-marker-7f3a@example.org"
NOTE = "knee-marker-qz81 cramps after cycling"
LAB_VALUE = 187.31  # an unusual B12 value (pmol/L) that appears nowhere else
QUERY_MARKER = "query-marker-k2v9"
CRASH_MARKER = "crash-marker-w5h4"
PASSWORD = "correct horse battery"
MARKERS = (EMAIL, "privacy-marker-7f3a", "knee-marker-qz81", "187.31", QUERY_MARKER, CRASH_MARKER)
SERVER_SIDE = ("uvicorn", "sqlalchemy", "b12check", "fastapi", "starlette", "alembic", "root")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_app(database_url: str, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The real app under uvicorn in this process (so caplog sees every server logger), with
    uvicorn's access log on and one route that crashes quoting user input, as a bug might."""
    app = create_app(
        Settings(data_dir=tmp_path, database_url=database_url, secret_key="privacy-test")
    )

    @app.get("/api/crash")
    def crash(q: str = "") -> None:
        raise ValueError(f"could not read {q!r}")

    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, log_level="debug", access_log=True
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _formatted(record: logging.LogRecord) -> str:
    """The record as a handler would write it, traceback included."""
    return logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)


def test_no_personal_data_in_any_log_line(
    live_app: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    _app, base = live_app
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "uvicorn", "uvicorn.access"):
        caplog.set_level(logging.DEBUG, logger=name)
    credentials = {"email": EMAIL, "password": PASSWORD}
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.post("/api/v1/account/register", json=credentials).status_code == 202
        r = client.post("/api/v1/account/login", json=credentials)
        assert r.status_code == 200
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        wrong = client.post("/api/v1/account/login", json={**credentials, "password": "nope"})
        assert wrong.status_code == 401
        entry = {"day": date.today().isoformat(), "scores": {"fatigue": 4}, "notes": NOTE}
        assert client.post("/api/v1/diary/entries", json=entry, headers=headers).status_code == 201
        intake = {
            "patient": {"age": 50},
            "symptoms": {"fatigue": {}},
            "labs": [{"analyte": "b12", "value": LAB_VALUE, "unit": "pmol/L"}],
        }
        r = client.post("/api/v1/diary/baseline", json={"intake": intake}, headers=headers)
        assert r.status_code == 201, r.text
        assert client.get("/api/v1/diary/entries").status_code == 200
        assert client.get("/api/v1/diary").status_code == 200
        assert client.get("/api/v1/diary/export.csv").status_code == 200
        assert client.get("/api/v1/diary/export.fhir.json").status_code == 200
        assert client.get(f"/diary?lang=en&who={QUERY_MARKER}").status_code == 200
        crashed = client.get("/api/crash", params={"q": CRASH_MARKER})
        assert crashed.status_code == 500
        assert CRASH_MARKER not in crashed.text
    time.sleep(0.2)  # let the server thread finish logging the last request
    server_records = [r for r in caplog.records if r.name.split(".")[0] in SERVER_SIDE]
    text = "\n".join(_formatted(r) for r in server_records)
    # The capture is live: statements, the access log and the crash were all logged ...
    assert "INSERT INTO entries" in text
    assert "[SQL parameters hidden due to hide_parameters=True]" in text
    assert "GET /diary " in text
    assert "ValueError at" in text
    # ... but none of what the person typed or measured, nor their address.
    leaks = [(m, line) for m in MARKERS for line in text.splitlines() if m in line]
    assert leaks == []


def test_database_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    settings = Settings(data_dir=folder, secret_key=None)
    app = create_app(settings)
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.post(
        "/api/v1/account/register", json={"email": "files@example.org", "password": PASSWORD}
    )
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {"b12check.sqlite3", "b12check.sqlite3-wal", "secret.key"} <= set(files)
    assert {name: mode for name, mode in files.items() if mode != 0o600} == {}
    app.state.database.dispose()


def test_a_loose_database_file_is_tightened_but_not_a_shared_folder(tmp_path: Path) -> None:
    from b12check.store.database import Database

    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    db = folder / "d.sqlite3"
    db.touch()
    db.chmod(0o644)
    Database.open(f"sqlite:///{db}").dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # may hold other things: left alone
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    Settings(data_dir=data).resolved_database_url()  # b12check's own data folder is tightened
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_deleted_account_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path / 'erase.sqlite3'}"
    app = create_app(Settings(data_dir=tmp_path, database_url=url, secret_key="erase-test"))
    client = TestClient(app)
    keep = TestClient(app)
    for who, c in ((EMAIL, client), ("keep@example.org", keep)):
        c.post("/api/v1/account/register", json={"email": who, "password": PASSWORD})
        r = c.post("/api/v1/account/login", json={"email": who, "password": PASSWORD})
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    for n in range(30):  # enough rows to span several pages
        entry = {"day": date.today().isoformat(), "scores": {"fatigue": 4}, "notes": f"{NOTE} {n}"}
        assert client.post("/api/v1/diary/entries", json=entry).status_code == 201
        other = {"day": date.today().isoformat(), "scores": {"fatigue": 1}, "notes": "kept"}
        assert keep.post("/api/v1/diary/entries", json=other).status_code == 201
    files = [tmp_path / f"erase.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]

    def on_disk(marker: str) -> list[str]:
        return [f.name for f in files if f.exists() and marker.encode() in f.read_bytes()]

    assert on_disk("knee-marker-qz81")  # the check can see it before
    r = client.request("DELETE", "/api/v1/account", json={"password": PASSWORD})
    assert r.status_code == 204
    assert on_disk("knee-marker-qz81") == []
    assert on_disk(EMAIL) == []
    assert on_disk("kept")  # the other account's diary is still there
    with app.state.database.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    app.state.database.dispose()
