"""Load test of the diary API: N concurrent users writing and reading entries against the real
app under uvicorn, on SQLite and/or PostgreSQL, on loopback.

    .venv/bin/python bench/diary_load.py --seconds 60 --users 50 \
        --database sqlite --database postgres

``postgres`` uses B12CHECK_TEST_POSTGRES_URL (scripts/postgres.sh prints it) and a fresh database.
Reports throughput, latency percentiles, errors and lost entries (acknowledged but not stored).
Goal (issue 4): zero errors, zero lost entries, p99 under 100 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test helpers live in tests/
from tests.support.database import LiveServer, temporary_database


@dataclass
class Tally:
    """What the users saw."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    acknowledged: dict[str, dict[int, str]] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


async def _register(client: httpx.AsyncClient, n: int) -> str:
    r = await client.post(
        "/api/v1/account/register",
        json={"email": f"bench{n}@example.org", "password": "bench passphrase"},
    )
    r.raise_for_status()
    r = await client.post(
        "/api/v1/account/tokens",
        json={"name": "bench"},
        headers={"X-CSRF-Token": r.json()["csrf_token"]},
    )
    r.raise_for_status()
    return str(r.json()["token"])


async def _user(base: str, token: str, until: float, tally: Tally) -> None:
    mine = tally.acknowledged.setdefault(token, {})
    today = date.today().isoformat()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        i = 0
        while time.monotonic() < until:
            i += 1
            note = f"bench-{i}"
            started = time.perf_counter()
            try:
                if i % 2:
                    r = await client.post(
                        "/api/v1/diary/entries",
                        json={
                            "day": today,
                            "scores": {"muscle_pain": i % 11, "fatigue": (i * 3) % 11},
                            "doses_taken": 1,
                            "notes": note,
                        },
                    )
                    ok = r.status_code == 201
                    if ok:
                        mine[r.json()["id"]] = note
                elif mine and i % 10:
                    r = await client.get(f"/api/v1/diary/entries/{next(reversed(mine))}")
                    ok = r.status_code == 200
                else:
                    r = await client.get("/api/v1/diary/entries")
                    ok = r.status_code == 200
                if not ok:
                    tally.error(f"http {r.status_code}")
            except httpx.HTTPError as error:
                tally.error(type(error).__name__)
            tally.latencies.append(time.perf_counter() - started)


async def _lost(base: str, tally: Tally) -> int:
    lost = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for token, entries in tally.acknowledged.items():
            r = await client.get(
                "/api/v1/diary/entries", headers={"Authorization": f"Bearer {token}"}
            )
            stored = {e["id"]: e["notes"] for e in r.json()}
            lost += sum(1 for i, note in entries.items() if stored.get(i) != note)
    return lost


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def _run(base: str, users: int, seconds: float) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        tokens = [await _register(client, n) for n in range(users)]
    tally = Tally()
    until = time.monotonic() + seconds
    began = time.monotonic()
    await asyncio.gather(*(_user(base, t, until, tally) for t in tokens))
    elapsed = time.monotonic() - began
    lost = await _lost(base, tally)
    ms = [x * 1000 for x in tally.latencies]
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(ms),
        "throughput_rps": round(len(ms) / elapsed, 1),
        "p50_ms": round(_percentile(ms, 0.50), 1),
        "p99_ms": round(_percentile(ms, 0.99), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
        "errors": tally.errors,
        "error_kinds": tally.error_kinds,
        "entries_acknowledged": sum(len(v) for v in tally.acknowledged.values()),
        "lost_entries": lost,
    }


def bench(kind: str, users: int, seconds: float, workers: int = 2) -> dict[str, object]:
    """Start a server on a fresh database of ``kind`` and run the load against it."""
    with tempfile.TemporaryDirectory() as folder, temporary_database(kind, Path(folder)) as url:
        server = LiveServer(url, Path(folder), workers=workers)
        server.start()
        try:
            result = asyncio.run(_run(server.url, users, seconds))
        finally:
            server.stop()
    return {"database": kind, **result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--database", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--json", action="store_true", help="print JSON lines only")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    failed = False
    for kind in args.database or ["sqlite", "postgres"]:
        result = bench(kind, args.users, args.seconds, args.workers)
        failed |= bool(result["errors"]) or bool(result["lost_entries"])
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"{kind:>9}: {result['throughput_rps']} req/s over {result['seconds']} s, "
                f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
                f"errors {result['errors']} {result['error_kinds'] or ''}, "
                f"entries {result['entries_acknowledged']}, lost {result['lost_entries']}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
