"""Reading a number as a person types it, the one parser every door uses (web form, terminal
interview, quick lab arguments, lab values in an intake).

Both a decimal point and a decimal comma are accepted (``7.1`` and ``7,1``), because Dutch
users write the comma. A thousands separator is refused rather than guessed: ``1.234,5`` and
``1,234`` mean different numbers in Dutch and in English.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


def parse_number(text: str) -> float:
    """The number in ``text`` (surrounding and inner spaces ignored); ValueError otherwise."""
    cleaned = "".join(text.split())
    if not _DECIMAL.fullmatch(cleaned):
        raise ValueError(f"not a number: {text!r} (write e.g. 7.1 or 7,1)")
    return float(cleaned.replace(",", "."))


def parse_whole(text: str) -> int:
    """A whole number typed by a person (``6``, ``6,0``); ValueError for ``6,5`` or text."""
    value = parse_number(text)
    if not value.is_integer():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)
