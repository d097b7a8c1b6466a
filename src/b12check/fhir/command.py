"""What ``b12check assess --fhir bundle.json`` does with the bundle: read it into an intake and
tell, on stderr, what in it was not used (the CLI stays a thin door)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn

from b12check.errors import IntakeError


def intake_from_bundle(
    document: Any, profile: str, fail: Callable[[str], NoReturn]
) -> dict[str, Any]:
    """The intake read from ``document``; input errors go to ``fail`` (exit 2)."""
    from b12check.fhir.inbound import bundle_to_intake

    try:
        read = bundle_to_intake(document, profile=profile)
    except IntakeError as exc:
        fail("invalid FHIR bundle:\n" + "\n".join(f"  {e.path}: {e.message}" for e in exc.errors))
    for unused in read.unused:
        code = f" [{unused.code}]" if unused.code else ""
        print(f"b12check: not used: {unused.resource}{code}: {unused.reason}", file=sys.stderr)
    return read.intake
