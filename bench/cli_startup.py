"""Benchmark: wall-clock start-up of `b12check assess FILE --format json` (goal < 0.3 s).

Prints figures; it is not a test. Run: .venv/bin/python bench/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INTAKE = """today: 2026-11-28
patient: {age: 67, sex: female}
medications: [{name: Glucophage, years: 6}]
symptoms: {paresthesia: {}, muscle_pain: {}}
labs: [{analyte: b12, value: 205, unit: pg/mL}]
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("b12check")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(INTAKE)
    for label, extra in (("json", ["--format", "json"]), ("text", ["--format", "text"])):
        times = []
        for _ in range(args.runs + 1):
            start = time.perf_counter()
            subprocess.run([str(exe), "assess", f.name, *extra], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        times = times[1:]  # the first run warms the .pyc cache
        print(
            f"b12check assess --format {label}: median {statistics.median(times):.3f} s, "
            f"min {min(times):.3f} s, max {max(times):.3f} s over {args.runs} runs"
        )
    print("goal: json start-up under 0.3 s")


if __name__ == "__main__":
    main()
