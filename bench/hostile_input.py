"""Benchmark: what hostile requests cost a real server (issue 9, "bounded work per request").

Starts the app under uvicorn on a free loopback port (its own data folder and SQLite file) and
prints, per attack, the status, the wall time, the size of the answer and the server's peak
resident memory; for the big PDF it also times ``/healthz`` asked while the PDF is being made.
Prints figures; it is not a test. Run:

    .venv/bin/python bench/hostile_input.py [--conditions-mb 10] [--body-mb 100] [--labs 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from b12check.limits import MAX_LABS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.database import LiveServer

P05 = {
    "today": "2026-11-28",
    "patient": {"age": 52, "sex": "female"},
    "symptoms": {"muscle_cramps": {}},
    "labs": [{"analyte": "b12", "value": 250, "unit": "pg/mL"}],
}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def alive(server: LiveServer) -> bool:
    try:
        return httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def post(server: LiveServer, path: str, body: bytes, *, chunked: bool = False) -> str:
    """POST and describe the outcome: status, seconds, answer size."""
    content: bytes | object = body
    if chunked:  # no Content-Length: the server has to count what arrives

        def pieces() -> object:
            for i in range(0, len(body), 1 << 16):
                yield body[i : i + (1 << 16)]

        content = pieces()
    start = time.perf_counter()
    try:
        response = httpx.post(
            server.url + path,
            content=content,  # type: ignore[arg-type]
            headers={"content-type": "application/json"},
            timeout=300,
        )
        outcome = f"{response.status_code}, answer {len(response.content):,} bytes"
    except httpx.HTTPError as exc:
        outcome = f"{type(exc).__name__}"
    return f"{outcome}, {time.perf_counter() - start:.2f} s"


def raw_body_without_reading(server: LiveServer, size: int) -> str:
    """Announce ``size`` bytes, send only the headers and 64 kB, and see how fast the server
    answers (a server that counts bytes answers 413 at once from the Content-Length)."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(
            (
                f"POST /api/assess HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
            ).encode()
            + b"[" * 65536
        )
        s.settimeout(30)
        try:
            first = s.recv(200).split(b"\r\n", 1)[0].decode(errors="replace")
        except TimeoutError:
            first = "no answer within 30 s"
    return f"{first}, {time.perf_counter() - start:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conditions-mb", type=float, default=10)
    parser.add_argument("--body-mb", type=float, default=100)
    parser.add_argument("--labs", type=int, default=2000)
    parser.add_argument("--parallel", type=int, default=12)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp))
        server.start()
        assert server.process is not None
        pid = server.process.pid
        try:
            n = int(args.conditions_mb * 1e6 / 12)
            body = json.dumps({**P05, "conditions": ["x" * 8] * n}).encode()
            print(
                f"{len(body) / 1e6:.1f} MB list of conditions: {post(server, '/api/assess', body)}"
            )
            print(f"  server alive: {alive(server)}, peak RSS {peak_rss_mb(pid):.0f} MB")

            big = b'{"conditions": ["' + b"x" * int(args.body_mb * 1e6) + b'"]}'
            print(
                f"{len(big) / 1e6:.0f} MB body with Content-Length: {post(server, '/api/assess', big)}"
            )
            print(f"  server alive: {alive(server)}, peak RSS {peak_rss_mb(pid):.0f} MB")
            print(
                f"{len(big) / 1e6:.0f} MB body chunked: {post(server, '/api/assess', big, chunked=True)}"
            )
            print(f"  server alive: {alive(server)}, peak RSS {peak_rss_mb(pid):.0f} MB")
            print(f"1 GB announced, 64 kB sent: {raw_body_without_reading(server, 10**9)}")

            echo = json.dumps({**P05, "patient": {"age": "y" * 200_000}}).encode()
            print(f"200 kB bad value (echoed?): {post(server, '/api/assess', echo)}")

            for n_labs in (args.labs, MAX_LABS):
                labs = [
                    {"analyte": "b12", "value": 100 + i % 300, "unit": "pmol/L"}
                    for i in range(n_labs)
                ]
                pdf_body = json.dumps({**P05, "labs": labs}).encode()
                health: list[float] = []

                def poll(health: list[float] = health) -> None:
                    time.sleep(0.3)
                    start = time.perf_counter()
                    with contextlib.suppress(httpx.HTTPError):
                        httpx.get(f"{server.url}/healthz", timeout=120)
                    health.append(time.perf_counter() - start)

                poller = threading.Thread(target=poll)
                poller.start()
                outcome = post(server, "/api/report.pdf", pdf_body)
                poller.join()
                print(f"{n_labs} labs to /api/report.pdf: {outcome}")
                print(f"  /healthz asked meanwhile answered in {health[0]:.2f} s")
                print(f"  server alive: {alive(server)}, peak RSS {peak_rss_mb(pid):.0f} MB")

            outcomes: list[str] = []
            workers = [
                threading.Thread(
                    target=lambda: outcomes.append(post(server, "/api/report.pdf", pdf_body))
                )
                for _ in range(args.parallel)
            ]
            start = time.perf_counter()
            for w in workers:
                w.start()
            time.sleep(0.5)
            h_start = time.perf_counter()
            ok = alive(server)
            h_time = time.perf_counter() - h_start
            for w in workers:
                w.join()
            print(
                f"{args.parallel} PDFs of {MAX_LABS} labs at once: {time.perf_counter() - start:.2f} s "
                f"in all; /healthz meanwhile {ok} in {h_time:.2f} s"
            )
            statuses = [o.split(",")[0] for o in outcomes]
            for status in sorted(set(statuses)):
                print(f"  {statuses.count(status)} x {status}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
