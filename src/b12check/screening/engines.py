"""The two engines the same ibis expressions run on: DuckDB embedded (default) and PySpark
(local mode here; on a cluster the session ``spark-submit`` created is reused)."""

from __future__ import annotations

import os
from typing import Any

import ibis
from ibis.backends import BaseBackend

ENGINES = ("duckdb", "spark")


def spark_session(app_name: str = "b12check-screen") -> Any:
    """The active Spark session (under spark-submit) or a local one with modest resources."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = os.environ.get("B12CHECK_SPARK_MASTER", "local[2]")
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("B12CHECK_SPARK_PARTITIONS", "8"))
        .config("spark.driver.memory", os.environ.get("B12CHECK_SPARK_MEMORY", "2g"))
        .getOrCreate()
    )


def connect(engine: str, session: Any = None) -> BaseBackend:
    """An ibis backend for ``engine`` (``duckdb`` or ``spark``)."""
    if engine == "duckdb":
        # DuckDB spills to disk past this limit (its default, 80 % of RAM, let 5 M patients
        # peak at 11 GB); B12CHECK_DUCKDB_MEMORY changes it. No result of the screen depends on
        # the order rows were read in (lists are sorted explicitly), and not keeping that order
        # lets DuckDB fill the cached per-patient tables in parallel.
        return ibis.duckdb.connect(
            memory_limit=os.environ.get("B12CHECK_DUCKDB_MEMORY", "5GB"),
            preserve_insertion_order=False,
        )
    if engine == "spark":
        return ibis.pyspark.connect(session if session is not None else spark_session())
    raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
