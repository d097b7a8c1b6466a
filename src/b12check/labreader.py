"""Parse quick lab arguments (``b12=205pg/mL``, ``hb=7.1mmol/L``, ``if_antibodies=positive``)
into intake lab entries; the meaning checks stay in the core."""

from __future__ import annotations

import re
from typing import Any

from b12check.core.numbers import parse_number

_ARG = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*([-+]?(?:[0-9][0-9.,]*|[.,][0-9]+))?\s*(.*?)\s*$")
_LOINC = re.compile(r"^\d{1,7}-\d$")


def parse_lab_arguments(arguments: list[str]) -> list[dict[str, Any]]:
    """Each ``name=value[unit]`` becomes a lab entry; a LOINC code may stand for the name."""
    labs = []
    for i, arg in enumerate(arguments):
        match = _ARG.match(arg)
        if match is None or (match.group(2) is None and not match.group(3)):
            raise ValueError(
                f"argument {i + 1} ({arg!r}): expected name=value[unit], e.g. b12=205pg/mL"
            )
        name, number, rest = match.group(1), match.group(2), match.group(3)
        entry: dict[str, Any] = {"loinc": name} if _LOINC.match(name) else {"analyte": name.lower()}
        if number is None:
            entry["value"] = rest  # qualitative: positive / negative
        else:
            try:
                entry["value"] = parse_number(number)
            except ValueError:
                raise ValueError(
                    f"argument {i + 1} ({arg!r}): {number!r} is not a number; write e.g. 7.1 or 7,1"
                ) from None
            if rest:
                entry["unit"] = rest
        labs.append(entry)
    if not labs:
        raise ValueError("give at least one result, e.g. b12=205pg/mL")
    return labs
