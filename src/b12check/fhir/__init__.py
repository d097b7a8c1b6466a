"""FHIR R4 doors: a Bundle or CDS Hooks prefetch in, FHIR resources out (fhir.resources R4B).

Imported lazily by the CLI and the web app: fhir.resources is heavy."""

from __future__ import annotations

from b12check.fhir.inbound import FhirIntake, Unused, bundle_to_intake

__all__ = ["FhirIntake", "Unused", "bundle_to_intake"]
