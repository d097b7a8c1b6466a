"""Reading an extract (CSV, Parquet, a Parquet/Delta folder, or FHIR Bulk Data NDJSON) into typed
ibis tables with the screen's column names, using an optional mapping file for local names and
codes. Nothing is guessed: a missing table or column is an :class:`ExtractError` naming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from b12check.screening.schema import TABLES, ExtractError

_SUFFIXES = (".parquet", ".csv", ".ndjson")


@dataclass(frozen=True)
class ExtractMapping:
    """A mapping file: per table a file name and local column names; local codes and sex values
    translated to the screen's (``codes.observations: {B12: 2132-9}``,
    ``values.sex: {V: female}``)."""

    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    sex_values: dict[str, str] = field(default_factory=dict)


def read_mapping(path: Path | None) -> ExtractMapping:
    """Parse and check a mapping file (YAML); unknown tables or columns are errors."""
    if path is None:
        return ExtractMapping()
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ExtractError(f"mapping file {path}: cannot read it ({exc})") from None
    if not isinstance(raw, Mapping) or set(raw) - {"tables", "codes", "values"}:
        raise ExtractError(f"mapping file {path}: expected keys tables, codes, values")
    files: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for table, entry in (raw.get("tables") or {}).items():
        if table not in TABLES:
            raise ExtractError(f"mapping file {path}: unknown table {table!r}")
        if not isinstance(entry, Mapping) or set(entry) - {"file", "columns"}:
            raise ExtractError(f"mapping file {path}: tables.{table} takes file and columns")
        if "file" in entry:
            files[table] = str(entry["file"])
        known = {c for c, _ in TABLES[table].columns}
        cols = {str(k): str(v) for k, v in (entry.get("columns") or {}).items()}
        unknown = set(cols) - known
        if unknown:
            raise ExtractError(
                f"mapping file {path}: tables.{table}.columns: unknown column "
                f"{', '.join(sorted(unknown))}; expected {', '.join(sorted(known))}"
            )
        columns[table] = cols
    codes = {
        str(t): {str(k): str(v) for k, v in (m or {}).items()}
        for t, m in (raw.get("codes") or {}).items()
    }
    values = raw.get("values") or {}
    sex_values = {str(k): str(v) for k, v in (values.get("sex") or {}).items()}
    return ExtractMapping(files, columns, codes, sex_values)


@dataclass
class Extract:
    """The four tables on one backend, with the screen's column names and types."""

    backend: BaseBackend
    tables: dict[str, ir.Table]
    mapping: ExtractMapping
    sources: dict[str, str]


def _find(folder: Path, table: str, mapping: ExtractMapping) -> Path | None:
    if table in mapping.files:
        path = Path(mapping.files[table])
        return path if path.is_absolute() or "://" in str(path) else folder / path
    for suffix in _SUFFIXES:
        candidate = folder / f"{table}{suffix}"
        if candidate.exists():
            return candidate
    candidate = folder / table  # a folder of Parquet parts or a Delta table (Spark writes these)
    return candidate if candidate.is_dir() else None


def _is_fhir(folder: Path) -> bool:
    return (folder / "Patient.ndjson").is_file()


def read_extract(backend: BaseBackend, folder: Path, mapping: ExtractMapping) -> Extract:
    """Open every table of ``folder`` on ``backend`` and bring it to the screen's shape."""
    if not folder.is_dir():
        raise ExtractError(f"{folder}: not a folder")
    if _is_fhir(folder) and not mapping.files:
        from b12check.screening.fhir import read_fhir

        raw = read_fhir(folder)
        fhir_tables = {
            name: shape(name, backend.create_table(f"b12_raw_{name}", obj=arrow), mapping)
            for name, arrow in raw.items()
        }
        return Extract(backend, fhir_tables, mapping, dict.fromkeys(raw, f"{folder} (FHIR NDJSON)"))
    tables: dict[str, ir.Table] = {}
    sources: dict[str, str] = {}
    for name in TABLES:
        path = _find(folder, name, mapping)
        if path is None or not (path.exists() or "://" in str(path)):
            raise ExtractError(
                f"table {name}: no {name}.parquet, {name}.csv or {name}/ folder in {folder}"
                + (f" (mapping names {mapping.files[name]})" if name in mapping.files else "")
            )
        tables[name] = shape(name, _open(backend, name, path), mapping)
        sources[name] = str(path)
    return Extract(backend, tables, mapping, sources)


def _open(backend: BaseBackend, name: str, path: Path) -> ir.Table:
    table_name = f"b12_raw_{name}"
    text = str(path)
    is_delta = path.is_dir() and (path / "_delta_log").is_dir()
    try:
        if is_delta:
            return backend.read_delta(text, table_name=table_name)
        if text.endswith(".csv"):
            if backend.name == "pyspark":
                return backend.read_csv(text, table_name=table_name, header=True, inferSchema=True)
            return backend.read_csv(text, table_name=table_name)
        if path.is_dir() and backend.name == "duckdb":
            text = f"{text}/**/*.parquet"
        return backend.read_parquet(text, table_name=table_name)
    except Exception as exc:  # the engines raise many types; the message names the file
        raise ExtractError(
            f"table {name}: cannot read {path}: {str(exc).splitlines()[0]}"
        ) from None


def shape(name: str, raw: ir.Table, mapping: ExtractMapping) -> ir.Table:
    """Rename local columns, check that every required column exists (naming table and column),
    and cast to the screen's types (a value that does not parse becomes missing and is then
    refused by validation, never guessed)."""
    spec = TABLES[name]
    local = mapping.columns.get(name, {})
    present = set(raw.columns)
    missing = [c for c, _ in spec.required if local.get(c, c) not in present]
    if missing:
        names = ", ".join(
            f"{c!r}" + (f" (mapped to {local[c]!r})" if c in local else "") for c in missing
        )
        raise ExtractError(
            f"table {name}: missing required column {names}; columns found: "
            f"{', '.join(sorted(present))}"
        )
    selected: dict[str, Any] = {}
    for column, kind in spec.columns:
        source = local.get(column, column)
        if source in present:
            value = raw[source]
            selected[column] = value if value.type() == dt.dtype(kind) else _cast(value, kind)
        else:
            selected[column] = ibis.null(kind)
    return raw.select(**selected)


def _cast(value: ir.Value, kind: str) -> ir.Value:
    if kind == "string":
        return value.cast("string")
    if kind == "date" and value.type().is_timestamp():
        return value.cast("date")
    return value.try_cast(kind)
