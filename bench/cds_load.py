"""Load test of the CDS Hooks patient-view service: the real app under uvicorn on loopback,
called at a fixed rate (open loop) with a realistic prefetch and a fresh signed JWT per call.

    .venv/bin/python bench/cds_load.py --rate 50 --seconds 20

The prefetch is a synthetic EHR record from carebundle (type 2 diabetes: CBC, metabolic panel,
eGFR, lipids, vitals, conditions, prescriptions) enriched with B12, MMA and a metformin history,
plus the patient's intake answers. Reports p50/p90/p99/max latency and errors.
Goal (issue 10): p99 under 100 ms at 50 requests/s with no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import carebundle
import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from b12check.fhir.records import as_prefetch, intake_to_bundle

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test helpers live in tests/
from tests.support.database import LiveServer

ISSUER = "https://ehr.bench.example"
SERVICE = "b12check-patient-view"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server and its worker processes (Linux /proc), to tell
    the server's own cost apart from waiting for a core on a busy machine."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # the server or its child
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def realistic_prefetch() -> tuple[dict[str, Any], str]:
    """A carebundle record plus B12-related results and the patient's answers."""
    record = json.loads(
        carebundle.to_json(carebundle.generate_bundle(profile="type2_diabetes", seed=11))
    )
    patient = next(
        e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient.setdefault("id", "bench-patient")
    last = max(
        e["resource"].get("effectiveDateTime", "")[:10]
        for e in record["entry"]
        if e["resource"]["resourceType"] == "Observation"
    )
    extra = intake_to_bundle(
        {
            "symptoms": {"paresthesia": {"weeks": 12}, "muscle_cramps": {}, "fatigue": {}},
            "diet": {"pattern": "omnivore"},
            "medications": [
                {"name": "metformin", "atc": "A10BA02", "years": 7, "dose_mg_per_day": 2000}
            ],
            "labs": [
                {"loinc": "2132-9", "value": 230, "unit": "pg/mL", "date": last},
                {"loinc": "13964-2", "value": 0.41, "unit": "umol/L", "date": last},
                {"loinc": "787-2", "value": 99, "unit": "fL", "date": last},
            ],
        }
    )
    for entry in extra["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Patient":
            resource.setdefault("subject", {"reference": f"Patient/{patient['id']}"})
            record["entry"].append({"resource": resource})
    return as_prefetch(record), str(patient["id"])


async def run(args: argparse.Namespace) -> int:
    key = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    public.update(kid="bench", alg="ES384")
    prefetch, patient_id = realistic_prefetch()
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/bench", "patientId": patient_id},
        "prefetch": prefetch,
    }
    payload = json.dumps(body).encode()
    resources = sum(len(v.get("entry", [])) if isinstance(v, dict) and "entry" in v else 1
                    for v in prefetch.values() if v is not None)  # fmt: skip
    os.environ["B12CHECK_CDS_ISSUERS"] = json.dumps([ISSUER])
    os.environ["B12CHECK_CDS_JWKS"] = json.dumps({"keys": [public]})
    data = Path(tempfile.mkdtemp(prefix="b12check-cds-bench-"))
    server = LiveServer(f"sqlite:///{data / 'bench.sqlite3'}", data, workers=args.workers)
    server.start()
    url = f"{server.url}/cds-services/{SERVICE}"
    assert server.process is not None
    pid = server.process.pid
    latencies: list[float] = []
    errors: dict[str, int] = {}
    cards_seen: set[int] = set()

    def token() -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": url, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "bench", "typ": "JWT"})

    async def one(client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {token()}", "Content-Type": "application/json"}
        start = time.perf_counter()
        try:
            response = await client.post(url, content=payload, headers=headers)
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
                return
            cards_seen.add(len(response.json()["cards"]))
            latencies.append(elapsed)
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

    try:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=10.0, limits=limits) as client:
            for _ in range(20):  # warm-up, not counted
                await one(client)
            latencies.clear()
            cpu_before = _cpu_seconds(pid)
            total = int(args.rate * args.seconds)
            interval = 1.0 / args.rate
            began = time.perf_counter()
            tasks = []
            for i in range(total):  # open loop: send on schedule, whatever the answers do
                delay = began + i * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(client)))
            await asyncio.gather(*tasks)
            wall = time.perf_counter() - began
            cpu_used = _cpu_seconds(pid) - cpu_before
    finally:
        server.stop()
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, round(p / 100 * (len(ms) - 1)))] if ms else float("nan")

    print(f"CDS Hooks patient-view, {args.workers} worker(s), loopback, JWT checks on")
    print(
        f"prefetch: {resources} resources, {len(payload) / 1024:.0f} KiB; cards per answer: {sorted(cards_seen)}"
    )
    print(
        f"requests: {total} at {args.rate}/s over {wall:.1f} s; ok: {len(ms)}; errors: {sum(errors.values())} {errors or ''}"
    )
    print(
        f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p99 {pct(99):.1f}  max {ms[-1] if ms else float('nan'):.1f}  mean {statistics.fmean(ms) if ms else float('nan'):.1f}"
    )
    print(
        f"server CPU: {cpu_used / max(total, 1) * 1000:.1f} ms per request "
        f"({cpu_used / wall * 100:.0f}% of one core at this rate); "
        f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    ok = bool(ms) and not errors and pct(99) < 100
    print("goal (p99 < 100 ms, no errors):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
