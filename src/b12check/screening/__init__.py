"""Population screening: case-finding rules C1-C6 as set-based ibis expressions over extracts
(patients, observations, medications, conditions), built from the same knowledge base and profile
as the per-person core. Heavy libraries (ibis, DuckDB, PySpark) are imported only here."""
