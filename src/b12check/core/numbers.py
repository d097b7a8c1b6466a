"""Reading a number as a person types it, the one parser every door uses (web form, terminal
interview, diary scores, quick lab arguments, lab values in an intake).

Both a decimal point and a decimal comma are accepted (``7.1`` and ``7,1``), because Dutch
users write the comma. Everything that would have to be guessed is refused: a thousands
separator (``1.234,5`` and ``1,234`` mean different numbers in Dutch and in English), exponents
(``1e3``), digits other than ASCII ``0-9`` (``²``, ``١٢``), ``1_000``, NaN, infinity and
integers longer than :data:`~b12check.limits.MAX_INTEGER_DIGITS` digits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from b12check.limits import MAX_INTEGER_DIGITS

# [0-9], never \d: \d also matches other scripts' digits, which float() would silently read.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)


def parse_number(text: str) -> float:
    """The number in ``text`` (surrounding and inner spaces ignored); ValueError otherwise."""
    cleaned = "".join(text.split())
    if not _DECIMAL.fullmatch(cleaned):
        raise ValueError(f"not a number: {text!r} (write e.g. 7.1 or 7,1)")
    if len(re.split(r"[.,]", cleaned.lstrip("+-"))[0]) > MAX_INTEGER_DIGITS:
        raise ValueError(f"not a number: {text!r} (at most {MAX_INTEGER_DIGITS} digits)")
    value = float(cleaned.replace(",", "."))
    if not math.isfinite(value):  # cannot happen with 18 digits; kept as the last guard
        raise ValueError(f"not a number: {text!r}")
    return value


def parse_whole(text: str) -> int:
    """A whole number typed by a person (``6``, ``6,0``); ValueError for ``6,5`` or text."""
    value = parse_number(text)
    if not value.is_integer():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


def from_text(parse: Callable[[str], float], expected: str) -> Callable[[Any], Any]:
    """A pydantic before-validator: a value given as text goes through ``parse`` (the one
    strict parser), never pydantic's lax one (which reads ``1_00`` as 100 and ``5e1`` as 50);
    other values pass on to the field's own type check."""

    def read(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return parse(value)
            except ValueError:
                raise ValueError(f"expected {expected}") from None
        return value

    return read
