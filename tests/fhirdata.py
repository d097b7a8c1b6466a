"""Shared helpers of the FHIR tests: shared vignettes, an independent LOINC check, builders."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
KEYS = ("triage", "b12", "risk_factors", "differentials", "tests", "plan", "warnings", "follow_up")


def shared_dir() -> Path:
    """``../shared`` beside the repository (override with B12CHECK_SHARED)."""
    return Path(os.environ.get("B12CHECK_SHARED", REPO.parent / "shared"))


def vignettes() -> list[dict[str, Any]]:
    """Every shared vignette, with dates as ISO strings (the JSON form of an intake)."""
    out = []
    for path in sorted((shared_dir() / "vignettes").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["intake"] = json.loads(json.dumps(data["intake"], default=str))
        out.append(data)
    assert out, f"no vignettes found in {shared_dir()}"
    return out


def conclusions(assessment: dict[str, Any]) -> dict[str, Any]:
    """The contract's conclusions of an assessment document (what must not differ by door)."""
    out = {k: assessment[k] for k in KEYS}
    out["labs"] = [(lab["analyte"], lab["value"], lab["interpretation"]) for lab in assessment["labs"]]
    return out


def loinc_ok(code: str) -> bool:
    """LOINC mod-10 check digit, written out here independently of the project's own."""
    base, _, check = code.partition("-")
    if not base.isdigit() or not check.isdigit() or len(check) != 1:
        return False
    total = 0
    for position, char in enumerate(reversed(base)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(check)


def codings(node: Any) -> list[dict[str, Any]]:
    """Every Coding anywhere in a JSON tree."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            found.append(node)
        for value in node.values():
            found += codings(value)
    elif isinstance(node, list):
        for value in node:
            found += codings(value)
    return found


def observation(
    loinc: str,
    value: Any,
    unit: str | None,
    when: str | None,
    ident: str,
    reference: tuple[float | None, float | None] | None = None,
    status: str = "final",
) -> dict[str, Any]:
    """A laboratory Observation as an EHR sends it."""
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ident,
        "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
    }
    if isinstance(value, str):
        obs["valueCodeableConcept"] = {"text": value}
    else:
        obs["valueQuantity"] = {"value": value}
        if unit:
            obs["valueQuantity"].update(unit=unit, system="http://unitsofmeasure.org", code=unit)
    if when:
        obs["effectiveDateTime"] = when
    if reference:
        low, high = reference
        bounds: dict[str, Any] = {}
        if low is not None:
            bounds["low"] = {"value": low, "unit": unit, "code": unit}
        if high is not None:
            bounds["high"] = {"value": high, "unit": unit, "code": unit}
        obs["referenceRange"] = [bounds]
    return obs


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    """A collection Bundle of the resources."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
