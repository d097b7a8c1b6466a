"""Kill -9 the server while diary writes are under way: every acknowledged entry survives."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import httpx

from support.database import LiveServer

WRITERS = 8


def _token(base: str, email: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as client:
        r = client.post(
            "/api/v1/account/register", json={"email": email, "password": "durable passphrase"}
        )
        r.raise_for_status()
        r = client.post(
            "/api/v1/account/tokens",
            json={"name": "durability"},
            headers={"X-CSRF-Token": r.json()["csrf_token"]},
        )
        r.raise_for_status()
        return str(r.json()["token"])


def test_acknowledged_entries_survive_a_crash(database_url: str, tmp_path: Path) -> None:
    server = LiveServer(database_url, tmp_path)
    server.start()
    acknowledged: dict[int, str] = {}
    lock = threading.Lock()
    stop = threading.Event()
    try:
        token = _token(server.url, "durable@example.org")
        headers = {"Authorization": f"Bearer {token}"}

        def writer(n: int) -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
                i = 0
                while not stop.is_set():
                    note = f"w{n}-{i}"
                    i += 1
                    try:
                        r = client.post(
                            "/api/v1/diary/entries",
                            json={
                                "day": date.today().isoformat(),
                                "scores": {"fatigue": i % 11},
                                "notes": note,
                            },
                        )
                    except httpx.HTTPError:
                        continue  # the server is gone: this write was never acknowledged
                    if r.status_code == 201:
                        with lock:
                            acknowledged[r.json()["id"]] = note

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # mid-write: the writers are still sending
        stop.set()
        for t in threads:
            t.join()
        assert len(acknowledged) >= 100

        server.start()
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            stored = {e["id"]: e["notes"] for e in client.get("/api/v1/diary/entries").json()}
        missing = {i: n for i, n in acknowledged.items() if stored.get(i) != n}
        assert missing == {}
    finally:
        stop.set()
        server.stop()
