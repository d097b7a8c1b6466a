"""LOINC codes carry a mod-10 check digit; checking it catches mistyped codes such as 14685-3."""

from __future__ import annotations

import re

_LOINC = re.compile(r"^(\d{1,7})-(\d)$")


def loinc_check_digit_ok(code: str) -> bool:
    """True when ``code`` has the form NNNNN-N and its check digit is right (Luhn, mod 10)."""
    match = _LOINC.match(code.strip())
    if match is None:
        return False
    base, check = match.group(1), int(match.group(2))
    total = 0
    for i, ch in enumerate(reversed(base)):
        digit = int(ch)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == check
