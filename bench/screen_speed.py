"""Benchmark of ``b12check screen``: patients screened per minute and peak memory on DuckDB (the
ibis rules) beside a hand-written DuckDB SQL query of the same rules, and Spark local on the
smallest size, all on synthetic extracts (~20 results a person).

    .venv/bin/python bench/screen_speed.py                 # 100k and 1M
    .venv/bin/python bench/screen_speed.py --sizes 100000 1000000 5000000

Each measurement runs in a fresh process (peak resident memory and CPU seconds from wait4);
every run must give identical counts. Other work on the machine slows every run: each line shows
how many cores other processes kept busy during the run ("others", from /proc/stat) and the load
average. Goals (issue 11): >= 10M patients/min, within 1.5x of the hand-written query,
5M patients under 8 GB peak memory. Synthetic extracts are cached in --data (default
/tmp/b12check-bench).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 12, 1)
PROFILE = "seed"


def _synth(folder: Path, patients: int) -> None:
    if (folder / "observations.parquet").exists():
        return
    from b12check.knowledge_base import load_knowledge_base
    from b12check.screening.synth import write_synthetic

    started = time.perf_counter()
    write_synthetic(folder, patients, load_knowledge_base(), seed=12, today=AS_OF)
    print(
        f"  synthesised {patients:,} patients in {time.perf_counter() - started:.1f} s", flush=True
    )


# ---- workers (run in their own process) -------------------------------------------------


def work_ibis(folder: Path, engine: str) -> dict[str, Any]:
    from b12check.knowledge_base import load_knowledge_base
    from b12check.screening.engines import connect
    from b12check.screening.rules import Settings
    from b12check.screening.screen import run_screen

    kb = load_knowledge_base()
    backend = connect(engine)
    started = time.perf_counter()
    result = run_screen(backend, engine, folder, kb, Settings(PROFILE, AS_OF, monitoring=True))
    seconds = time.perf_counter() - started
    rejected = {f"{r['table']}.{r['reason']}": r["rows"] for r in result.rejected}
    return {
        "seconds": seconds,
        "patients": result.patients,
        "flags": result.flags,
        "rejected": rejected,
    }


# The hand-written query does the same work as the ibis path, the way one would write it by hand
# in DuckDB: the patients and a one-pass summary of the results per patient are materialised
# once (as the ibis path caches them), then one query counts the refusals and one the flags.
HAND_PATIENTS = """
CREATE TEMP TABLE pat AS
WITH p AS (
  SELECT patient_id AS pid, birth_date, lower(sex) AS sex, lower(diet) AS diet
  FROM read_parquet('{dir}/patients.parquet')),
g AS (
  SELECT pid, count(*) AS n,
    (count(birth_date) = 0 OR (count(birth_date) = count(*) AND min(birth_date) = max(birth_date)))
    AND (count(sex) = 0 OR (count(sex) = count(*) AND min(sex) = max(sex)))
    AND (count(diet) = 0 OR (count(diet) = count(*) AND min(diet) = max(diet))) AS consistent,
    min(birth_date) AS birth_date, min(sex) AS sex, min(diet) AS diet
  FROM p GROUP BY pid),
a AS (
  SELECT *, {y} - year(birth_date) - CASE WHEN month(birth_date) > {m}
         OR (month(birth_date) = {m} AND day(birth_date) > {d}) THEN 1 ELSE 0 END AS age
  FROM g)
SELECT *, CASE
    WHEN pid IS NULL OR pid = '' THEN 'missing_patient_id'
    WHEN NOT consistent THEN 'duplicate_patient'
    WHEN sex IS NOT NULL AND sex NOT IN ('female', 'male', 'other') THEN 'unknown_sex'
    WHEN diet IS NOT NULL AND diet NOT IN ({diets}) THEN 'unknown_code'
    WHEN birth_date > DATE '{today}' THEN 'future_date'
    WHEN age < 16 THEN 'younger_than_adult'
    WHEN age > 120 THEN 'implausible_value' END AS reason
FROM a
"""

OBS_ROWS = """
  SELECT o.patient_id AS pid, o.code, o.value, o.unit, o.date, l.analyte, o.value * l.factor AS v,
    CASE WHEN o.patient_id IS NULL THEN 'missing_patient_id'
      WHEN l.status IS NULL THEN 'unknown_code'
      WHEN l.status <> '' THEN l.status
      WHEN o.value IS NULL THEN 'missing_value'
      WHEN o.date IS NULL THEN 'missing_date'
      WHEN o.date > DATE '{today}' THEN 'future_date'
      WHEN o.value * l.factor < l.low OR o.value * l.factor > l.high THEN 'implausible_value'
    END AS reason
  FROM {source} o
  LEFT JOIN obs_lookup l ON coalesce(o.code, '') = l.code AND coalesce(o.unit, '') = l.unit
"""

HAND_RESULTS = (
    """
CREATE TEMP TABLE res AS
WITH o AS ("""
    + OBS_ROWS.replace("{source}", "read_parquet('{dir}/observations.parquet')")
    + """),
k AS (SELECT *, reason IS NULL AS ok, (date - DATE '1970-01-01') * 1e6 - v AS key FROM o)
SELECT pid, count(*) AS n, list(reason) FILTER (WHERE reason IS NOT NULL) AS refusals,
  count(*) FILTER (WHERE ok)
    - coalesce(list_unique(list(hash(code, value, unit, date)) FILTER (WHERE ok)), 0) AS repeats,
  bool_or(analyte IN ('b12', 'holotc', 'mma', 'homocysteine')) FILTER (WHERE ok) AS tested,
  arg_max(v, key) FILTER (WHERE ok AND analyte = 'b12') AS b12,
  max(date) FILTER (WHERE ok AND analyte = 'b12') AS b12_date,
  arg_max(v, key) FILTER (WHERE ok AND analyte = 'mma') AS mma,
  arg_max(v, key) FILTER (WHERE ok AND analyte = 'homocysteine') AS homocysteine,
  arg_max(v, key) FILTER (WHERE ok AND analyte = 'hb') AS hb,
  arg_max(v, key) FILTER (WHERE ok AND analyte = 'mcv') AS mcv,
  max(date) FILTER (WHERE ok AND analyte IN ('b12', 'holotc', 'mma', 'hb', 'mcv')) AS last_check,
  max(date) FILTER (WHERE ok AND analyte IN ('b12', 'holotc')) AS last_b12
FROM k GROUP BY pid
"""
)

HAND_SMALL = """
WITH known AS (SELECT pid AS known FROM pat WHERE reason IS NULL),
m AS (
  SELECT m.patient_id AS pid, m.atc, m.start_date, m.end_date, CASE
    WHEN m.atc IS NULL OR NOT coalesce(a.valid, false) THEN 'unknown_code'
    WHEN m.start_date IS NULL THEN 'missing_date'
    WHEN m.start_date > DATE '{today}' THEN 'future_date' END AS reason
  FROM read_parquet('{dir}/medications.parquet') m
  LEFT JOIN (SELECT atc, max(valid) AS valid FROM med_lookup GROUP BY atc) a ON m.atc = a.atc),
c AS (
  SELECT c.patient_id AS pid, c.code, c.date, l.vcode, l.kind, CASE
    WHEN l.kind IS NULL OR l.kind = '' THEN 'unknown_code'
    WHEN c.date IS NULL THEN 'missing_date'
    WHEN c.date > DATE '{today}' THEN 'future_date' END AS reason
  FROM read_parquet('{dir}/conditions.parquet') c LEFT JOIN cond_lookup l ON c.code = l.code)
"""

HAND_REJECTED = (
    HAND_SMALL
    + """,
rk AS (SELECT res.*, known IS NOT NULL AS is_known FROM res LEFT JOIN known ON pid = known),
suspect AS (SELECT pid FROM rk WHERE is_known AND repeats > 0),
copies AS (SELECT code, value, unit, date, pid FROM ("""
    + OBS_ROWS.replace(
        "{source}",
        "(SELECT * FROM read_parquet('{dir}/observations.parquet') "
        "WHERE patient_id IN (SELECT pid FROM suspect))",
    )
    + """) WHERE reason IS NULL),
mr AS (
  SELECT m.*, CASE WHEN pid IS NULL THEN 'missing_patient_id'
    WHEN known IS NULL THEN 'unknown_patient' ELSE reason END AS why
  FROM m LEFT JOIN known ON pid = known),
cr AS (
  SELECT c.*, CASE WHEN pid IS NULL THEN 'missing_patient_id'
    WHEN known IS NULL THEN 'unknown_patient' ELSE reason END AS why
  FROM c LEFT JOIN known ON pid = known)
SELECT 'patients' AS t, reason, sum(n) AS n FROM pat WHERE reason IS NOT NULL GROUP BY reason
UNION ALL SELECT 'patients', 'duplicate_row', sum(n - 1) FROM pat WHERE reason IS NULL
UNION ALL SELECT 'observations', 'missing_patient_id', sum(n) FROM rk WHERE pid IS NULL
UNION ALL SELECT 'observations', 'unknown_patient', sum(n) FROM rk
  WHERE pid IS NOT NULL AND NOT is_known
UNION ALL SELECT 'observations', r, count(*) FROM (
  SELECT unnest(refusals) AS r FROM rk WHERE is_known) GROUP BY r
UNION ALL SELECT 'observations', 'duplicate_row',
  (SELECT count(*) FROM copies) - (SELECT count(*) FROM (SELECT DISTINCT * FROM copies))
UNION ALL SELECT 'medications', why, count(*) FROM mr WHERE why IS NOT NULL GROUP BY why
UNION ALL SELECT 'medications', 'duplicate_row', (SELECT count(*) FROM mr WHERE why IS NULL)
  - (SELECT count(*) FROM (SELECT DISTINCT pid, atc, start_date, end_date FROM mr
                           WHERE why IS NULL))
UNION ALL SELECT 'conditions', why, count(*) FROM cr WHERE why IS NOT NULL GROUP BY why
UNION ALL SELECT 'conditions', 'duplicate_row', (SELECT count(*) FROM cr WHERE why IS NULL)
  - (SELECT count(*) FROM (SELECT DISTINCT pid, code, date FROM cr WHERE why IS NULL))
"""
)

HAND_FLAGS = (
    HAND_SMALL
    + """,
meds AS (
  SELECT m.pid, l.drug_class, m.start_date FROM m JOIN med_lookup l ON m.atc = l.atc
  WHERE m.reason IS NULL AND m.pid IS NOT NULL AND l.drug_class <> ''
    AND (m.end_date IS NULL OR m.end_date >= DATE '{today}')),
fm AS (
  SELECT pid, min(start_date) FILTER (WHERE drug_class = 'metformin') AS met,
    min(start_date) FILTER (WHERE drug_class = 'ppi') AS ppi,
    min(start_date) FILTER (WHERE drug_class = 'h2ra') AS h2ra,
    min(start_date) FILTER (WHERE drug_class = 'b12_supplement') AS b12_start
  FROM meds GROUP BY pid),
cc AS (SELECT pid, vcode AS code, kind, date, date >= DATE '{lookback}' AS recent
       FROM c WHERE reason IS NULL AND pid IS NOT NULL),
fc AS (
  SELECT pid,
    bool_or(kind = 'symptom' AND recent) AS any_symptom,
    bool_or(kind = 'symptom' AND recent AND code IN ({neuro})) AS neuro,
    bool_or(kind = 'symptom' AND recent AND code IN ({muscle})) AS muscle,
    bool_or(kind = 'symptom' AND recent AND code IN ({anaemia})) AS anaemia_symptom,
    bool_or(kind = 'symptom' AND recent AND code = 'glossitis') AS glossitis,
    bool_or(kind = 'sign' AND recent) AS coded_sign,
    bool_or(kind = 'condition' AND code IN ({strong})) AS strong,
    bool_or(kind = 'condition' AND code IN ({risky})) AS condition_risk,
    bool_or(kind = 'condition' AND code IN ({pernicious})) AS pernicious
  FROM cc GROUP BY pid),
j AS (
  SELECT p.pid, p.sex, p.diet, p.age, fo.* EXCLUDE (pid), fm.* EXCLUDE (pid),
    fc.* EXCLUDE (pid),
    coalesce(fo.tested, false) AS is_tested,
    fm.b12_start IS NOT NULL AS taking_b12,
    (fm.met IS NOT NULL OR fm.ppi IS NOT NULL OR fm.h2ra IS NOT NULL) AS drug_risk
  FROM (SELECT * FROM pat WHERE reason IS NULL) p LEFT JOIN res fo ON p.pid = fo.pid
  LEFT JOIN fm ON p.pid = fm.pid LEFT JOIN fc ON p.pid = fc.pid),
k AS (
  SELECT *,
    coalesce(age > {age_over}, false)
      OR (coalesce(diet IN ('vegan', 'vegetarian'), false) AND NOT taking_b12)
      OR coalesce(condition_risk, false) AS nondrug_risk,
    coalesce(neuro, false) OR coalesce(muscle, false) OR coalesce(anaemia_symptom, false)
      OR coalesce(glossitis, false) OR (coalesce(strong, false) AND coalesce(any_symptom, false))
      AS suspicion,
    coalesce(coded_sign, false)
      OR coalesce(hb < CASE WHEN sex IN ('female', 'other') THEN {hb_f} ELSE {hb_m} END, false)
      OR coalesce(mcv > {mcv_high}, false) AS sign,
    CASE WHEN NOT coalesce(tested, false) THEN 'not_tested'
      WHEN coalesce(mma > {mma_high}, false) THEN 'deficient'
      WHEN coalesce(b12 < {b12_low}, false) AND coalesce(mma < {mma_normal}, false)
        THEN 'indeterminate'
      WHEN coalesce(b12 < {b12_low}, false) THEN 'deficient'
      WHEN coalesce(b12 < {b12_normal}, false) AND coalesce(mma < {mma_normal}, false)
        THEN 'unlikely'
      WHEN coalesce(b12 < {b12_normal}, false) THEN 'indeterminate'
      WHEN b12 IS NOT NULL AND mma IS NULL AND b12_start IS NOT NULL
        AND coalesce(b12_date >= b12_start, false) THEN 'indeterminate'
      WHEN b12 IS NOT NULL AND mma IS NULL THEN 'unlikely'
      WHEN coalesce(mma < {mma_normal}, false) THEN 'unlikely'
      ELSE 'indeterminate' END AS status
  FROM j)
SELECT count(*) AS patients,
  count(*) FILTER (WHERE NOT is_tested AND (drug_risk OR nondrug_risk) AND CASE
    WHEN {specific} AND NOT nondrug_risk THEN coalesce(neuro, false) OR sign
    ELSE suspicion OR sign END) AS untested_risk_with_complaints,
  count(*) FILTER (WHERE status = 'indeterminate' AND mma IS NULL) AS grey_zone_without_followup,
  count(*) FILTER (WHERE status = 'deficient' AND NOT taking_b12) AS deficient_without_treatment,
  count(*) FILTER (WHERE taking_b12 AND b12_start <= DATE '{recheck_due}'
    AND (last_check IS NULL OR last_check < b12_start)) AS treatment_without_recheck,
  count(*) FILTER (WHERE met <= DATE '{long_cutoff}'
    AND (last_b12 IS NULL OR last_b12 < DATE '{monitor_from}')) AS metformin_monitoring_overdue,
  count(*) FILTER (WHERE coalesce(pernicious, false) AND coalesce(any_symptom, false)
    AND NOT taking_b12 AND NOT (coalesce(mma < {mma_normal}, false)
                                AND coalesce(homocysteine <= {hcy_high}, false)))
    AS pernicious_anaemia_without_treatment
FROM k
"""
)


def work_sql(folder: Path) -> dict[str, Any]:
    """The same rules written by hand in DuckDB SQL (the lookups are the KB's, built the same
    way; the time to build them counts, as in the ibis run)."""
    from datetime import timedelta

    import duckdb

    from b12check.core.codes import RISK_FACTORS, RiskFactor
    from b12check.core.risk import conditions_giving
    from b12check.core.status import STRONG_RISK_FACTORS
    from b12check.knowledge_base import load_knowledge_base
    from b12check.screening.engines import connect
    from b12check.screening.extract import ExtractMapping, read_extract
    from b12check.screening.rules import minus_months
    from b12check.screening.validate import condition_codes, medication_classes, observation_codes

    kb = load_knowledge_base()
    params = kb.core.params(PROFILE, AS_OF)
    num = params.number
    groups = kb.core.symptom_groups

    pernicious: tuple[RiskFactor, ...] = ("pernicious_anaemia",)

    def q(codes: Any) -> str:
        return ", ".join(f"'{c}'" for c in sorted(codes))

    started = time.perf_counter()
    extract = read_extract(connect("duckdb"), folder, ExtractMapping())
    # the same engine settings as the ibis run (see screening.engines)
    memory = os.environ.get("B12CHECK_DUCKDB_MEMORY", "5GB")
    con = duckdb.connect(config={"memory_limit": memory, "preserve_insertion_order": False})
    con.register("obs_lookup", observation_codes(extract, kb).to_pyarrow())
    con.register("med_lookup", medication_classes(extract, kb).to_pyarrow())
    con.register("cond_lookup", condition_codes(extract, kb).to_pyarrow())
    fill = {
        "dir": str(folder),
        "today": AS_OF.isoformat(),
        "y": AS_OF.year,
        "m": AS_OF.month,
        "d": AS_OF.day,
        "diets": q(kb.vocabulary.codes("diets")),
        "lookback": minus_months(AS_OF, int(num("screening.complaint_lookback_months"))),
        "neuro": q(groups["neuro"]),
        "muscle": q(groups["muscle"]),
        "anaemia": q(groups["anaemia"]),
        "strong": q(conditions_giving(STRONG_RISK_FACTORS)),
        "risky": q(conditions_giving(RISK_FACTORS)),
        "pernicious": q(conditions_giving(pernicious)),
        "age_over": num("risk.age_over"),
        "hb_f": num("labs.hb.low_below_female"),
        "hb_m": num("labs.hb.low_below_male"),
        "mcv_high": num("labs.mcv.high_above"),
        "mma_high": num("labs.mma.high_above"),
        "mma_normal": num("labs.mma.normal_below"),
        "hcy_high": num("labs.homocysteine.high_above"),
        "b12_low": num("labs.b12.low_below"),
        "b12_normal": num("labs.b12.normal_from"),
        "specific": "true" if num("screening.drug_risk_needs_specific_sign") == 1 else "false",
        "recheck_due": AS_OF - timedelta(weeks=params.range("followup.reassess_weeks")[1]),
        "long_cutoff": minus_months(AS_OF, int(num("risk.long_term_months"))),
        "monitor_from": minus_months(AS_OF, int(num("screening.metformin_monitoring_months"))),
    }
    con.execute(HAND_PATIENTS.format(**fill))
    con.execute(HAND_RESULTS.format(**fill))
    rejected = {
        f"{t}.{r}": int(n) for t, r, n in con.sql(HAND_REJECTED.format(**fill)).fetchall() if n
    }
    cur = con.execute(HAND_FLAGS.format(**fill))
    names = [c[0] for c in cur.description]
    row = dict(zip(names, cur.fetchall()[0], strict=True))
    seconds = time.perf_counter() - started
    patients = int(row.pop("patients"))
    return {
        "seconds": seconds,
        "patients": patients,
        "flags": {k: int(v) for k, v in row.items()},
        "rejected": rejected,
    }


# ---- driver -----------------------------------------------------------------------------


def _busy_seconds() -> float:
    """CPU seconds all processes on the machine spent so far (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measure(kind: str, folder: Path) -> dict[str, Any]:
    """Run one worker in a fresh process; its own peak resident memory from wait4, and how many
    cores other processes kept busy meanwhile (the load average lags behind by a minute)."""
    busy, started = _busy_seconds(), time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", kind, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"worker {kind} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    # CPU seconds of the whole worker (start-up included): on a shared machine less dependent
    # on the load than the elapsed time
    result["cpu"] = usage.ru_utime + usage.ru_stime
    others = _busy_seconds() - busy - result["cpu"]
    result["others"] = max(others, 0.0) / (time.perf_counter() - started)
    return result


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/b12check-bench"))
    parser.add_argument("--spark-size", type=int, default=100_000, help="0: no Spark run")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per size and kind, alternating; best reported"
    )
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, folder = args.worker[0], Path(args.worker[1])
        result = work_sql(folder) if kind == "sql" else work_ibis(folder, kind)
        print(json.dumps(result))
        return
    print(f"screen benchmark: profile {PROFILE}, as of {AS_OF}, cores {os.cpu_count()}")
    print(f"load average {_load()} (1, 5, 15 min)", flush=True)
    differ = False
    for size in sorted(set(args.sizes) | ({args.spark_size} - {0})):
        folder = args.data / str(size)
        _synth(folder, size)
        kinds = ["duckdb", "sql"] if size in args.sizes else []
        if size == args.spark_size:
            kinds.append("spark")
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
        reference: dict[str, Any] | None = None
        for _ in range(args.repeat):
            for kind in kinds:
                r = measure(kind, folder)
                r["load"] = _load()
                runs[kind].append(r)
                reference = reference or r
                same = all(r[k] == reference[k] for k in ("flags", "patients", "rejected"))
                differ |= not same
                rate = r["patients"] / r["seconds"] * 60
                peak = f"{r['peak_mb']:,.0f} MB" if kind != "spark" else "JVM (not measured)"
                cpu = f"{r['cpu']:6.1f} s" if kind != "spark" else "JVM"
                # (Spark's JVM is not the worker's child that wait4 counts: it is among others)
                others = f"{r['others']:.1f} cores" if kind != "spark" else "n/a"
                print(
                    f"{size:>10,} {kind:<7} {r['seconds']:8.2f} s {rate / 1e6:8.2f} M patients/min "
                    f"peak {peak:>18}  cpu {cpu}  others {others}  "
                    f"load {r['load']}  "
                    f"counts {'identical' if same else 'DIFFER'}",
                    flush=True,
                )
        best = {kind: min(rs, key=lambda r: r["seconds"]) for kind, rs in runs.items()}
        if args.repeat > 1:
            for kind, r in best.items():
                rate = r["patients"] / r["seconds"] * 60
                print(
                    f"{'':>10} best of {args.repeat}: {kind:<7} {r['seconds']:6.2f} s "
                    f"{rate / 1e6:6.2f} M patients/min (others {r['others']:.1f} cores, "
                    f"load {r['load']})"
                )
        if "sql" in best:
            ratio = best["duckdb"]["seconds"] / best["sql"]["seconds"]
            print(f"{'':>10} ibis/hand-written time ratio {ratio:.2f}", flush=True)
        assert reference is not None
        print(f"{'':>10} flags {reference['flags']}", flush=True)
        if differ:
            raise SystemExit("counts differ between runs")


if __name__ == "__main__":
    main()
