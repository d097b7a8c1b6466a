"""Benchmark: in-process assessments per second for typical intakes (goal >= 20,000/s).

Prints figures; it is not a test. Run: .venv/bin/python bench/core_speed.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from b12check.knowledge_base import load_knowledge_base
from b12check.service import assess, assess_parsed, parse_intake

ROOT = Path(__file__).resolve().parents[1]


def typical_intakes() -> list[dict]:  # type: ignore[type-arg]
    """The project's own clinical cases that assess (not the bad-input ones)."""
    out = []
    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(case, dict) and "expect" in case:
            out.append(case["intake"])
    return out


def rate(func, items: list, seconds: float) -> tuple[float, list[float]]:  # type: ignore[type-arg]
    """Calls per second over ``seconds``, and per-round rates for spread."""
    rounds: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        for item in items:
            func(item)
        rounds.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rounds), rounds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    kb = load_knowledge_base()
    intakes = typical_intakes()
    parsed = [parse_intake(doc) for doc in intakes]
    for doc in intakes[:50]:  # warm caches
        assess(doc, knowledge=kb)
    full, _ = rate(lambda d: assess(d, knowledge=kb), intakes, args.seconds)
    core, _ = rate(lambda i: assess_parsed(i, knowledge=kb), parsed, args.seconds)
    json_rate, _ = rate(lambda d: assess(d, knowledge=kb).to_dict(), intakes, args.seconds)
    print(f"intakes: {len(intakes)} typical cases from tests/cases")
    print(
        f"assess(document)             : {full:10,.0f} assessments/s  ({1e6 / full:6.1f} µs each)"
    )
    print(
        f"assess_parsed(intake)        : {core:10,.0f} assessments/s  ({1e6 / core:6.1f} µs each)"
    )
    print(
        f"assess(document).to_dict()   : {json_rate:10,.0f} assessments/s  ({1e6 / json_rate:6.1f} µs each)"
    )
    print(
        f"goal >= 20,000/s (document in, assessment out): {'met' if full >= 20000 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
