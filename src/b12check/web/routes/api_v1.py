"""The versioned clinician REST API (``/api/v1``): intake in, assessment out; lab reading; the
knowledge base's parameters with sources; FHIR Bundle in, FHIR resources out.

Errors are RFC 9457 problem documents (``application/problem+json``) whose ``errors`` name each
bad field. The unversioned ``/api/assess`` and ``/api/report.pdf`` call the same functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from b12check import limits
from b12check.documents import DocumentError, load_json
from b12check.errors import FieldError, IntakeError
from b12check.i18n import languages
from b12check.web.bounds import run_bounded

router = APIRouter(prefix="/api/v1", tags=["clinician API v1"])
PROBLEM_TYPE = "https://b12check.invalid/problems/"
PROBLEM_MEDIA = "application/problem+json"
# paths whose errors (including routing and validation errors) are problem documents; the
# diary and account API under /api/v1 keep their own error shape
PROBLEM_PATHS = (
    "/api/v1/assess",
    "/api/v1/labs/",
    "/api/v1/knowledge",
    "/api/v1/fhir/",
    "/cds-services",
)


class Problem(Exception):  # noqa: N818 (RFC 9457 calls it a problem)
    """An error answer as a problem document (RFC 9457)."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.errors = errors or []

    def response(self, instance: str) -> JSONResponse:
        """The problem as a response."""
        return problem_response(
            self.status, self.kind, self.title, self.detail, instance, self.errors
        )


def problem_response(
    status: int,
    kind: str,
    title: str,
    detail: str,
    instance: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A ``application/problem+json`` response; ``errors`` lists ``{field, detail}`` pairs."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = [{"field": e.path, "detail": e.message} for e in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA, headers=headers)


def invalid(exc: IntakeError) -> Problem:
    """An input error of the intake as a 422 problem."""
    return Problem(
        422,
        "invalid-intake",
        "The input cannot be assessed",
        "; ".join(str(e) for e in exc.errors),
        exc.errors,
    )


# ---- shared by /api/v1 and the unversioned aliases ------------------------------------------


async def read_json_object(request: Request, what: str) -> dict[str, Any]:
    """The JSON object in the body; a problem for the wrong media type or bad JSON."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/json", "application/fhir+json")):
        raise Problem(
            415, "unsupported-media-type", "Send JSON", f"send the {what} as application/json"
        )
    try:
        document = load_json(
            await request.body(),
            source=what,
            max_bytes=limits.FHIR_MAX_BODY_BYTES,
            max_depth=limits.FHIR_MAX_DEPTH,
            max_nodes=limits.FHIR_MAX_NODES,
        )
    except DocumentError as exc:
        if exc.unreadable:
            raise Problem(
                400,
                "invalid-json",
                "The body is not valid JSON",
                f"the {what} must be JSON",
                exc.errors,
            ) from None
        raise Problem(
            422,
            "invalid-document",
            "The document breaks the input rules",
            "; ".join(str(e) for e in exc.errors),
            exc.errors,
        ) from None
    if not isinstance(document, dict):
        raise Problem(
            422,
            "invalid-intake",
            "Expected a JSON object",
            f"the {what} must be a JSON object",
            [FieldError(what, "expected a JSON object")],
        )
    return document


def profile_of(request: Request) -> str:
    """``?profile=`` or the app's default, checked in the one place every door uses
    (:func:`b12check.service.check_profile`); a problem naming the field when unknown."""
    from b12check.service import check_profile
    from b12check.web.content import kb

    profile = request.query_params.get("profile") or str(request.app.state.settings.profile)
    try:
        return check_profile(profile, knowledge=kb())
    except IntakeError:
        raise Problem(
            422,
            "unknown-profile",
            "Unknown profile",
            f"unknown profile {profile!r}; expected one of: {', '.join(kb().profiles)}",
            [FieldError("profile", f"expected one of: {', '.join(kb().profiles)}")],
        ) from None


def lang_of(request: Request) -> str:
    """``?lang=`` (a language of the knowledge base) or the app's default; a problem for
    another value."""
    from b12check.web.i18n import choose_language, normalise

    given = request.query_params.get("lang")
    if given is not None and not normalise(given):
        expected = " or ".join(languages())
        raise Problem(
            422,
            "unknown-language",
            "Unknown language",
            f"lang must be {expected}",
            [FieldError("lang", f"expected {expected}")],
        )
    return choose_language(request)


def assess_document(document: dict[str, Any], profile: str) -> Any:
    """The one implementation of 'intake JSON -> assessment' for every HTTP door."""
    from b12check import service

    try:
        return service.assess(document, profile=profile)
    except IntakeError as exc:
        raise invalid(exc) from None


def texts(assessment: Any, lang: str, audience: str) -> dict[str, Any]:
    """The ready-to-show words of an assessment (labels and explanations) in ``lang``."""
    from b12check.render.report import render_assessment
    from b12check.web.content import kb

    r = render_assessment(assessment, kb(), lang, audience=audience)

    def item(i: Any) -> dict[str, str]:
        return {"code": i.code, "label": i.label, "text": i.text}

    return {
        "lang": lang,
        "audience": audience,
        "triage": item(r.triage),
        "b12_status": item(r.status),
        "suspicion": item(r.suspicion),
        "plan": item(r.plan),
        "tests": [item(t) for t in r.tests],
        "warnings": [item(w) for w in r.warnings],
        "risk_factors": [item(f) for f in r.risk_factors],
        "reasons": [
            {"rule": x.rule, "text": x.text, "sources": list(x.sources)} for x in r.reasons
        ],
        "follow_up": list(r.follow_up),
        "notes": list(r.notes),
        "disclaimer": r.disclaimer,
    }


# ---- OpenAPI descriptions --------------------------------------------------------------------

EXAMPLE_INTAKE: dict[str, Any] = {
    "today": "2026-11-28",
    "patient": {"age": 67, "sex": "female"},
    "diet": {"pattern": "omnivore"},
    "medications": [{"name": "metformin", "dose_mg_per_day": 2000, "years": 6}],
    "conditions": ["type2_diabetes"],
    "symptoms": {"paresthesia": {"weeks": 10}, "muscle_cramps": {}},
    "labs": [
        {"analyte": "b12", "value": 205, "unit": "pg/mL", "date": "2026-11-01"},
        {"loinc": "787-2", "value": 101, "unit": "fL", "date": "2026-11-01"},
    ],
}
EXAMPLE_LABS: dict[str, Any] = {
    "patient": {"age": 52, "sex": "male"},
    "labs": [
        {"analyte": "b12", "value": 180, "unit": "pmol/L"},
        {"loinc": "59260-0", "value": 7.1, "unit": "mmol/L"},
    ],
}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` inlined (OpenAPI cannot see ``$defs``)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return dict(walk(schema))


def _intake_schema() -> dict[str, Any]:
    from b12check.core.intake import Intake

    return _inline(Intake.model_json_schema())


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
_PROBLEMS = {
    str(code): {"description": text, "content": {PROBLEM_MEDIA: {"schema": PROBLEM_SCHEMA}}}
    for code, text in (
        (400, "The body is not valid JSON"),
        (415, "The body is not JSON"),
        (422, "Input error: `errors` names each field and what was expected"),
    )
}
_QUERY = [
    {
        "name": "profile",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["seed", "nhg", "nice"]},
        "description": "Guideline profile whose numbers are used (default: the app's)",
    },
    {
        "name": "lang",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(languages())},
        "description": "Language of the `texts` block",
    },
]


def _body(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": example}},
        },
        "parameters": _QUERY,
        "responses": _PROBLEMS,
    }


# ---- endpoints -------------------------------------------------------------------------------


@router.post(
    "/assess",
    summary="Assess an intake",
    description="Intake JSON (contract section 1) in; the assessment (contract section 2) out, "
    "with its words in `texts` (`?lang=`, `?audience=patient|clinician`).",
    openapi_extra=_body(_intake_schema(), EXAMPLE_INTAKE),
)
async def assess_v1(request: Request) -> Response:
    """Intake in, assessment out."""
    try:
        document = await read_json_object(request, "intake")
        profile, lang = profile_of(request), lang_of(request)
        audience = request.query_params.get("audience", "clinician")
        if audience not in ("patient", "clinician"):
            raise Problem(
                422,
                "unknown-audience",
                "Unknown audience",
                "audience must be patient or clinician",
                [FieldError("audience", "expected patient or clinician")],
            )
        assessment = await run_bounded(request, assess_document, document, profile)
    except Problem as p:
        return p.response(request.url.path)
    return JSONResponse({**assessment.to_dict(), "texts": texts(assessment, lang, audience)})


@router.post(
    "/labs/interpret",
    summary="Interpret lab results",
    description="Lab results (by vocabulary code or LOINC, any listed unit) with optional "
    "`patient` (age, sex, pregnant) and `today`: each result in its canonical unit with its "
    "interpretation, the B12 status they give and the tests still needed.",
    openapi_extra=_body(
        {
            "type": "object",
            "required": ["labs"],
            "additionalProperties": False,
            "properties": {
                "labs": {"type": "array", "minItems": 1, "items": {"type": "object"}},
                "patient": {"type": "object"},
                "today": {"type": "string", "format": "date"},
            },
        },
        EXAMPLE_LABS,
    ),
)
async def interpret_labs(request: Request) -> Response:
    """Labs in, their reading out."""
    try:
        document = await read_json_object(request, "body")
        unknown = sorted(set(document) - {"labs", "patient", "today"})
        if unknown:
            raise Problem(
                422,
                "invalid-intake",
                "Unknown field",
                f"unknown field {unknown[0]!r}",
                [FieldError(unknown[0], "unknown field; expected labs, patient, today")],
            )
        if not isinstance(document.get("labs"), list) or not document["labs"]:
            raise Problem(
                422,
                "invalid-intake",
                "No results",
                "give at least one lab result",
                [FieldError("labs", "expected a non-empty list of results")],
            )
        profile, lang = profile_of(request), lang_of(request)
        assessment = await run_bounded(request, assess_document, document, profile)
    except Problem as p:
        return p.response(request.url.path)
    full = assessment.to_dict()
    words = texts(assessment, lang, "clinician")
    return JSONResponse(
        {
            "profile": full["profile"],
            "today": full["today"],
            "labs": full["labs"],
            "b12": full["b12"],
            "tests": full["tests"],
            "notes": full["notes"],
            "texts": {k: words[k] for k in ("lang", "b12_status", "tests", "notes", "disclaimer")},
        }
    )


@router.get(
    "/knowledge",
    summary="Parameters of a profile, with their sources",
    description="Every number the rules read, as in force for `?profile=` on `?on=` "
    "(default today), with unit, description and the sources behind it.",
    openapi_extra={
        "parameters": [
            _QUERY[0],
            {
                "name": "on",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date"},
            },
        ],
        "responses": {"422": _PROBLEMS["422"]},
    },
)
def knowledge(request: Request) -> Response:
    """The knowledge base's parameters for one profile."""
    from b12check.web.content import kb

    try:
        profile = profile_of(request)
        on_text = request.query_params.get("on")
        try:
            on = dt.date.fromisoformat(on_text) if on_text else dt.date.today()
        except ValueError:
            raise Problem(
                422,
                "invalid-date",
                "Not a date",
                "on must be a date (YYYY-MM-DD)",
                [FieldError("on", "expected a date YYYY-MM-DD")],
            ) from None
    except Problem as p:
        return p.response(request.url.path)
    base = kb()
    parameters = []
    for name, parameter in base.core.profiles[profile].items():
        dated = parameter.at(on)
        value = list(dated.value) if isinstance(dated.value, tuple) else dated.value
        parameters.append(
            {
                "name": name,
                "description": parameter.description,
                "value": value,
                "unit": parameter.unit,
                "since": dated.since.isoformat(),
                "last_reviewed": parameter.last_reviewed.isoformat(),
                "sources": [
                    {
                        "id": s,
                        "title": base.sources[s].title,
                        "publisher": base.sources[s].publisher,
                        "year": base.sources[s].year,
                        "link": base.sources[s].link,
                    }
                    for s in dated.sources
                ],
            }
        )
    return JSONResponse(
        {
            "profile": profile,
            "description": base.core.profile_descriptions.get(profile, ""),
            "profiles": list(base.profiles),
            "on": on.isoformat(),
            "parameters": parameters,
        }
    )


EXAMPLE_BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "female",
                "birthDate": "1959-05-01",
            }
        },
        {
            "resource": {
                "resourceType": "Observation",
                "id": "o1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "2132-9"}]},
                "valueQuantity": {
                    "value": 190,
                    "unit": "pg/mL",
                    "system": "http://unitsofmeasure.org",
                    "code": "pg/mL",
                },
                "effectiveDateTime": "2026-11-01",
            }
        },
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": "m1",
                "status": "active",
                "medicationCodeableConcept": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "861007"}
                    ]
                },
                "subject": {"reference": "Patient/p1"},
                "effectivePeriod": {"start": "2019-03-01"},
            }
        },
    ],
}


@router.post(
    "/fhir/assess",
    summary="Assess a FHIR R4 Bundle",
    description="A FHIR R4 Bundle (Patient, Observation, MedicationStatement/-Request, "
    "Condition, the intake QuestionnaireResponse) in; the intake read from it, the report of "
    "what was not used, the assessment, and its FHIR rendering (RiskAssessment, "
    "GuidanceResponse, ServiceRequest, DetectedIssue, Questionnaire/Response) out.",
    openapi_extra=_body({"type": "object"}, EXAMPLE_BUNDLE),
)
async def fhir_assess(request: Request) -> Response:
    """Bundle in, assessment and FHIR resources out."""
    from b12check.fhir import bundle_to_intake
    from b12check.fhir.outbound import assessment_resources, to_bundle
    from b12check.web.content import kb

    try:
        document = await read_json_object(request, "bundle")
        if document.get("resourceType") != "Bundle":
            raise Problem(
                422,
                "invalid-bundle",
                "Not a Bundle",
                "resourceType must be Bundle",
                [FieldError("resourceType", "expected Bundle")],
            )
        profile, lang = profile_of(request), lang_of(request)
        try:
            read = bundle_to_intake(document, profile=profile, kb=kb())
        except IntakeError as exc:
            raise invalid(exc) from None
        assessment = await run_bounded(request, assess_document, read.intake, profile)
    except Problem as p:
        return p.response(request.url.path)
    subject = "Patient/b12check-subject"
    for r in (e.get("resource") for e in document.get("entry") or [] if isinstance(e, dict)):
        if (
            isinstance(r, dict)
            and r.get("resourceType") == "Patient"
            and isinstance(r.get("id"), str)
        ):
            subject = f"Patient/{r['id']}"
            break
    resources = assessment_resources(assessment, read.intake, lang=lang, subject=subject, kb=kb())
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return JSONResponse(
        {
            "intake": read.intake,
            "mapping": read.report(),
            "assessment": assessment.to_dict(),
            "fhir": to_bundle(resources, stamp),
        }
    )


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> Response:
    """The interactive API page (Swagger UI from the app's own static files)."""
    from b12check.web.routes.docs import page

    return page(request)
