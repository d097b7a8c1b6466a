"""The real server under uvicorn on a loopback port: huge bodies are refused with 413 without the
server reading them into memory, it stays alive, and /healthz is answered while PDFs are made.

Timing figures live in ``bench/hostile_input.py``; here only status, order and memory are
asserted.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from b12check.limits import MAX_LABS
from hostile.conftest import P05
from support.database import LiveServer

TEN_MB = 10_000_000
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    live = LiveServer(f"sqlite:///{folder}/live.sqlite3", folder)
    live.start()
    yield live
    live.stop()


def peak_memory_mb(server: LiveServer) -> float:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def alive(server: LiveServer) -> bool:
    return httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200


def test_ten_megabytes_are_refused_with_413_and_cost_no_memory(server: LiveServer) -> None:
    before = peak_memory_mb(server)
    conditions = json.dumps({**P05, "conditions": ["x" * 8] * (TEN_MB // 12)}).encode()
    assert len(conditions) >= TEN_MB
    response = httpx.post(f"{server.url}/api/assess", content=conditions, headers=JSON, timeout=30)
    assert response.status_code == 413
    assert len(response.content) < 200  # no echo

    def chunks() -> Iterator[bytes]:
        for _ in range(0, TEN_MB, 1 << 16):
            yield b"x" * (1 << 16)

    for path in ("/api/assess", "/questionnaire", "/api/v1/diary/entries"):
        response = httpx.post(f"{server.url}{path}", content=chunks(), headers=JSON, timeout=30)
        assert response.status_code == 413, path
    assert alive(server)
    assert peak_memory_mb(server) - before < 50


def test_an_announced_gigabyte_is_answered_without_waiting_for_it(server: LiveServer) -> None:
    """Before the limit, the server waited for the whole body (the test timed out)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(
            b"POST /api/assess HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000000\r\n\r\n" + b"[" * 65536
        )
        status_line = connection.recv(100).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413")
    assert alive(server)


def test_healthz_is_answered_while_a_pdf_is_being_made(server: LiveServer) -> None:
    """The PDF is made in a worker thread: the event loop stays free. (When it was made on the
    loop, /healthz waited for the whole PDF.) Relative, not absolute, timing: three health checks
    in a row take well under half the time one PDF takes (the PDF thread still holds the GIL
    most of the time, so each check waits some milliseconds for it)."""
    labs = [{"analyte": "b12", "value": 100 + i, "unit": "pmol/L"} for i in range(MAX_LABS)]
    body = json.dumps({**P05, "labs": labs}).encode()
    httpx.post(f"{server.url}/api/report.pdf", content=body, headers=JSON, timeout=120)  # warm
    result: dict[str, float | int] = {}

    def make_pdf() -> None:
        start = time.perf_counter()
        response = httpx.post(
            f"{server.url}/api/report.pdf", content=body, headers=JSON, timeout=120
        )
        result["pdf_seconds"] = time.perf_counter() - start
        result["status"] = response.status_code

    thread = threading.Thread(target=make_pdf)
    thread.start()
    time.sleep(0.2)
    start = time.perf_counter()
    for _ in range(3):
        assert httpx.get(f"{server.url}/healthz", timeout=120).status_code == 200
    health_seconds = time.perf_counter() - start
    done_before_pdf = "status" not in result
    thread.join()
    assert result["status"] == 200
    assert done_before_pdf
    assert health_seconds < float(result["pdf_seconds"]) / 2, (health_seconds, result)
