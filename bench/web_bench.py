"""Load benchmark of the web app on loopback with wrk (20 connections).

Measures requests per second and p50/p99 latency of ``POST /api/assess`` and of the result page
(``POST /result``, the questionnaire's final answer). Goal on the reference machine: p99 under
50 ms and no errors. Run: ``.venv/bin/python bench/web_bench.py [--duration 10]``.
Exits 1 when a request failed or the p99 goal was missed (``--no-goal`` only reports).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL_P99_MS = 50.0
SECRET = "bench-secret-key"

# A 52-year-old with cramps and a grey-zone B12 in pg/mL (vignette p05), plus a medicine.
INTAKE = {
    "patient": {"age": 52, "sex": "female"},
    "symptoms": {"muscle_cramps": {"severity": 5, "weeks": 8}, "paresthesia": {}},
    "medications": [{"name": "metformine", "dose_mg_per_day": 1000, "years": 3}],
    "labs": [{"analyte": "b12", "value": 250, "unit": "pg/mL"}, {"analyte": "mcv", "value": 97}],
}
ANSWERS = {
    "age": "52",
    "sex": "female",
    "diet_pattern": "omnivore",
    "takes_supplements": "no",
    "med-0-name": "metformine",
    "med-0-dose": "1000",
    "med-0-years": "3",
    "on_treatment": "no",
    "sym-muscle_cramps": "yes",
    "sym-muscle_cramps-severity": "5",
    "sym-muscle_cramps-weeks": "8",
    "sym-paresthesia": "yes",
    "lab-0-analyte": "b12",
    "lab-0-value": "250",
    "lab-0-unit": "pg/mL",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the app did not answer at {url}")


def _wrk(url: str, body: Path, content_type: str, cookie: str, duration: int) -> dict[str, float]:
    env = {**os.environ, "BENCH_BODY": str(body), "BENCH_TYPE": content_type,
           "BENCH_COOKIE": cookie}  # fmt: skip
    out = subprocess.run(
        ["wrk", "-t2", "-c20", f"-d{duration}s", "--latency",
         "-s", str(HERE / "web_post.lua"), url],
        check=True, capture_output=True, text=True, env=env,
    ).stdout  # fmt: skip

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            raise SystemExit(f"cannot read the {label}% latency from wrk:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", out)
    failed = int(non2xx.group(1)) if non2xx else 0
    if errors:
        failed += sum(int(g) for g in errors.groups())
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "errors": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--no-goal", action="store_true", help="report only, never fail")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package 'wrk')")

    sys.path.insert(0, str(ROOT / "src"))
    from b12check.web.forms import AnswerCodec

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="b12bench-"))
    env = {**os.environ, "B12CHECK_SECRET_KEY": SECRET, "B12CHECK_DATA_DIR": str(work)}
    # Migrate once before several workers open the same database.
    subprocess.run([sys.executable, "-m", "b12check.cli", "db", "upgrade"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "b12check.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         "--workers", str(args.workers)],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        _wait(f"{base}/healthz")
        # A real visitor's CSRF cookie and token, from the questionnaire page.
        with urllib.request.urlopen(f"{base}/questionnaire") as response:
            cookies = response.headers.get_all("set-cookie") or []
        token = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("b12_csrf="))
        cookie = f"b12_csrf={token}"
        assess_body = work / "assess.json"
        assess_body.write_text(json.dumps(INTAKE), encoding="utf-8")
        result_body = work / "result.form"
        state = AnswerCodec(SECRET).dumps(ANSWERS)
        result_body.write_text(urlencode({"csrf_token": token, "state": state, "lang": "nl"}))

        rows = {
            "POST /api/assess": _wrk(f"{base}/api/assess", assess_body, "application/json", "",
                                     args.duration),
            "POST /result (page)": _wrk(f"{base}/result", result_body,
                                        "application/x-www-form-urlencoded", cookie,
                                        args.duration),
        }  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'endpoint':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    ok = True
    for name, row in rows.items():
        print(f"{name:<22} {row['rps']:>9.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
              f"{int(row['errors']):>7}")  # fmt: skip
        ok = ok and row["errors"] == 0 and row["p99"] < GOAL_P99_MS
    print(
        f"goal: p99 < {GOAL_P99_MS:.0f} ms and no errors at 20 connections -> "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok or args.no_goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
