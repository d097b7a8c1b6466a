"""The CDS Hooks 2.0.1 services: discovery, request checks, prefetch (or FHIR server) data,
and the cards drawn from the same assessment as every other door.

Status codes follow the spec and its sample services: 400 for a malformed request, 404 for an
unknown service, 412 when a required prefetch is missing and no FHIR server was given to fetch it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from b12check.core.model import Assessment
from b12check.errors import IntakeError
from b12check.fhir.inbound import FhirIntake, bundle_to_intake, resources_of
from b12check.fhir.outbound import MEDICATION_RISKS, next_step_lines, service_requests
from b12check.fhir.terminology import load_terminology
from b12check.knowledge_base import KnowledgeBase
from b12check.render.report import Report, render_assessment

MAX_SOURCES = 8  # the full list is in the assessment's explanation
SUMMARY_LIMIT = 139  # the spec: fewer than 140 characters
INDICATOR = {"immediate": "critical", "urgent": "warning", "routine": "info", "self_care": "info"}
ORDER_CLASSES = frozenset({"metformin", "ppi", "h2ra", "folic_acid", "b12_supplement"})
ORDER_ANALYTES = frozenset({"b12", "holotc", "mma", "homocysteine", "folate"})
TOPIC = {
    "system": "urn:b12check:cds:topic",
    "code": "vitamin-b12-deficiency",
    "display": "Vitamin B12 deficiency",
}
REQUIRED_PREFETCH = ("patient", "labs", "conditions", "medicationRequests")

Fetch = Callable[[str, str, str | None], Any]  # (fhirServer, relative query, token) -> JSON


class CdsError(Exception):
    """A request the service cannot answer, with the HTTP status the spec prescribes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Service:
    """One CDS service as listed by discovery."""

    id: str
    hook: str
    text_key: str


SERVICES = {
    "b12check-patient-view": Service("b12check-patient-view", "patient-view", "patient_view"),
    "b12check-order-select": Service("b12check-order-select", "order-select", "order_select"),
}


def prefetch_templates(kb: KnowledgeBase) -> dict[str, str]:
    """What the services want the EHR to send along: the patient, every lab the knowledge base
    has a LOINC code for, conditions, medicines and the patient's own intake answers."""
    loinc = ",".join(f"http://loinc.org|{code}" for code in kb.core.loinc)
    patient = "{{context.patientId}}"
    return {
        "patient": f"Patient/{patient}",
        "labs": f"Observation?patient={patient}&category=laboratory&code={loinc}&_sort=-date",
        "conditions": f"Condition?patient={patient}",
        "medicationRequests": f"MedicationRequest?patient={patient}&status=active",
        "medicationStatements": f"MedicationStatement?patient={patient}&status=active",
        "intake": f"QuestionnaireResponse?patient={patient}"
        "&questionnaire=urn:b12check:questionnaire:intake&_sort=-authored&_count=1",
    }


def discovery(kb: KnowledgeBase, lang: str) -> dict[str, Any]:
    """The discovery document (``GET /cds-services``)."""
    templates = prefetch_templates(kb)
    return {
        "services": [
            {
                "hook": s.hook,
                "id": s.id,
                "title": kb.ui(lang, f"cds.service_{s.text_key}_title"),
                "description": kb.ui(lang, f"cds.service_{s.text_key}_description"),
                "prefetch": templates,
            }
            for s in SERVICES.values()
        ]
    }


def service_for(service_id: str) -> Service:
    """The service, or 404."""
    if service_id not in SERVICES:
        raise CdsError(404, f"no CDS service {service_id!r}; see GET /cds-services")
    return SERVICES[service_id]


def parse_request(body: bytes, service: Service) -> dict[str, Any]:
    """The request JSON after the checks of the spec; :class:`CdsError` 400 names the field."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CdsError(400, "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise CdsError(400, "the body must be a JSON object")
    if data.get("hook") != service.hook:
        raise CdsError(400, f"hook: this service answers {service.hook!r}")
    if not isinstance(data.get("hookInstance"), str) or not data["hookInstance"]:
        raise CdsError(400, "hookInstance: a UUID string is required")
    context = data.get("context")
    if not isinstance(context, dict):
        raise CdsError(400, "context: an object is required")
    for key in ("patientId", "userId"):
        if not isinstance(context.get(key), str) or not context[key]:
            raise CdsError(400, f"context.{key}: a string is required")
    if service.hook == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
            raise CdsError(400, "context.selections: a list of resource ids is required")
        drafts = context.get("draftOrders")
        if not isinstance(drafts, dict) or drafts.get("resourceType") != "Bundle":
            raise CdsError(400, "context.draftOrders: a FHIR Bundle is required")
    prefetch = data.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise CdsError(400, "prefetch: an object is required")
    for key, value in (prefetch or {}).items():
        if value is not None and not (
            isinstance(value, dict) and isinstance(value.get("resourceType"), str)
        ):
            raise CdsError(400, f"prefetch.{key}: a FHIR resource or Bundle (or null) is required")
    if "fhirAuthorization" in data:
        auth = data["fhirAuthorization"]
        if not isinstance(auth, dict) or not isinstance(auth.get("access_token"), str):
            raise CdsError(400, "fhirAuthorization.access_token: a string is required")
        if not isinstance(data.get("fhirServer"), str):
            raise CdsError(400, "fhirServer: required when fhirAuthorization is given")
    if "fhirServer" in data and not isinstance(data["fhirServer"], str):
        raise CdsError(400, "fhirServer: a URL string is required")
    return data


def gather(data: Mapping[str, Any], kb: KnowledgeBase, fetch: Fetch | None) -> dict[str, Any]:
    """The prefetch, with what is missing fetched from the EHR's FHIR server (412 if neither)."""
    prefetch = dict(data.get("prefetch") or {})
    templates = prefetch_templates(kb)
    missing = [key for key in REQUIRED_PREFETCH if key not in prefetch]
    if not missing:
        return prefetch
    server = data.get("fhirServer")
    if not server or fetch is None:
        raise CdsError(
            412, f"prefetch {', '.join(missing)} missing and no fhirServer to fetch it from"
        )
    token = (data.get("fhirAuthorization") or {}).get("access_token")
    context = data["context"]
    for key in missing:
        query = templates[key]
        for name in ("patientId", "userId", "encounterId"):
            query = query.replace("{{context." + name + "}}", str(context.get(name, "")))
        try:
            prefetch[key] = fetch(str(server), query, token)
        except Exception as exc:  # any failure to reach the EHR means: data not available
            raise CdsError(412, f"could not fetch {key} from the fhirServer") from exc
    return prefetch


@dataclass
class Outcome:
    """The assessment behind the cards, or why there is none."""

    fhir: FhirIntake | None
    assessment: Assessment | None
    problem: IntakeError | None


def assess_prefetch(
    prefetch: Mapping[str, Any], drafts: list[Mapping[str, Any]], profile: str, kb: KnowledgeBase
) -> Outcome:
    """Read the record (plus draft orders) and assess it; bad data becomes a problem, not a 500."""
    from b12check.service import assess

    # the prefetch mapping is read as it is (no copy); the draft orders join as one more key
    bundle = {**prefetch, "__draftOrders": {"resourceType": "Bundle", "entry": [
        {"resource": d} for d in drafts]}} if drafts else prefetch  # fmt: skip
    try:
        fhir = bundle_to_intake(bundle, today=dt.date.today(), profile=profile, kb=kb)
    except IntakeError as exc:
        return Outcome(None, None, exc)
    try:
        return Outcome(fhir, assess(fhir.intake, profile=profile, knowledge=kb), None)
    except IntakeError as exc:
        return Outcome(fhir, None, exc)


def _trim(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    return text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _source(a: Assessment, kb: KnowledgeBase, lang: str) -> dict[str, Any]:
    guideline = kb.sources[load_terminology().card_guideline[a.profile]]
    return {
        "label": f"b12check: {guideline.title}"[:200],
        "url": guideline.link,
        "topic": TOPIC,
    }


def _links(a: Assessment, kb: KnowledgeBase, lang: str) -> list[dict[str, str]]:
    """The profile's guideline first, then the other linked sources behind the conclusions."""
    first = load_terminology().card_guideline[a.profile]
    ordered = [first, *(s for s in a.sources if s != first)]
    links: list[dict[str, str]] = []
    for sid in ordered:
        source = kb.sources[sid]
        if source.link.startswith("http") and sid != "ucum-loinc" and len(links) < 3:
            label = kb.ui(lang, "cds.guideline_link").format(title=source.title)
            links.append({"label": label[:200], "url": source.link, "type": "absolute"})
    return links


def _detail(
    a: Assessment, report: Report, fhir: FhirIntake | None, kb: KnowledgeBase, lang: str
) -> str:
    def h(key: str) -> str:
        return f"**{kb.ui(lang, 'cds.heading_' + key)}**"

    steps = [f"- {s.text}" for s in next_step_lines(a, kb, lang)]
    # Rule D (v2): a likely look-alike's next step beside the plan, above it when B12 deficiency
    # is unlikely (as in the text report).
    step_block = ["", h("next_steps"), *steps] if steps else []
    first, last = (step_block, []) if a.status == "unlikely" else ([], step_block)
    lines = [
        f"{h('triage')}: {report.triage.label}. {report.triage.text}",
        "",
        f"{h('b12')}: {report.status.label}. {report.status.text} {report.suspicion.text}",
        *first,
        "",
        f"{h('plan')}: {report.plan.label}. {report.plan.text}",
        *last,
    ]
    if report.tests:
        lines += ["", h("tests"), *[f"- {t.label}: {t.text}" for t in report.tests]]
    if report.reasons:
        lines += ["", h("why"), *[f"- {r.text}" for r in report.reasons]]
    if report.warnings:
        lines += ["", h("warnings"), *[f"- {w.label}: {w.text}" for w in report.warnings]]
    if fhir is not None and fhir.unused:
        shown = [f"- {u.resource}: {u.reason}" for u in fhir.unused[:8]]
        more = len(fhir.unused) - len(shown)
        lines += ["", h("not_used"), *shown] + ([f"- (+{more})"] if more > 0 else [])
    lines += ["", h("sources")]
    linked = [s for s in report.sources if s.link.startswith("http") and s.id != "ucum-loinc"]
    lines += [f"- [{s.title}]({s.link}) ({s.publisher}, {s.year})" for s in linked[:MAX_SOURCES]]
    lines += ["", f"_{report.disclaimer}_"]
    return "\n".join(lines)


def _override_reasons() -> list[dict[str, str]]:
    terms = load_terminology()
    return [
        {"system": terms.override_system, "code": code, "display": display}
        for code, display in terms.override_reasons.items()
    ]


def cards(outcome: Outcome, patient_id: str, kb: KnowledgeBase, lang: str) -> list[dict[str, Any]]:
    """The cards: the B12 picture with the proposed tests, and one per medication risk and B6
    warning. Unreadable record data gives one card naming the fields."""
    a = outcome.assessment
    if a is None:
        if outcome.problem is None or outcome.fhir is None:
            return []  # nothing in the record that b12check can use: no advice
        detail = "\n".join(f"- `{e.path}`: {e.message}" for e in outcome.problem.errors)
        return [
            {
                "uuid": str(uuid.uuid4()),
                "summary": _trim(kb.ui(lang, "cds.unreadable_summary")),
                "indicator": "info",
                "detail": detail,
                "source": {"label": "b12check", "topic": TOPIC},
            }
        ]
    report = render_assessment(a, kb, lang, audience="clinician")
    subject = f"Patient/{patient_id}"
    requests = service_requests(a, report, subject, kb, load_terminology(), "cds")
    source = _source(a, kb, lang)
    tests = ", ".join(t.label for t in report.tests)
    summary = (
        kb.ui(lang, "cds.summary_tests").format(status=report.status.label, tests=tests)
        if tests
        else kb.ui(lang, "cds.summary").format(status=report.status.label, plan=report.plan.label)
    )
    main: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _trim(summary),
        "indicator": INDICATOR[a.triage_level],
        "detail": _detail(a, report, outcome.fhir, kb, lang),
        "source": source,
        "overrideReasons": _override_reasons(),
    }
    if requests:
        main["selectionBehavior"] = "any"
        main["suggestions"] = [
            {
                "label": _trim(kb.ui(lang, "cds.order_test").format(test=item.label)),
                "uuid": str(uuid.uuid4()),
                "isRecommended": True,
                "actions": [
                    {
                        "type": "create",
                        "description": _trim(kb.ui(lang, "cds.order_test").format(test=item.label)),
                        "resource": {k: v for k, v in request.items() if k != "id"},
                    }
                ],
            }
            for item, request in zip(report.tests, requests, strict=True)
        ]
    links = _links(a, kb, lang)
    if links:
        main["links"] = links
    out = [main]
    for item in report.risk_factors:
        if item.code in MEDICATION_RISKS:
            out.append(
                {
                    "uuid": str(uuid.uuid4()),
                    "summary": _trim(kb.ui(lang, "cds.medication_summary").format(risk=item.label)),
                    "indicator": "warning" if item.code.endswith("_long_term") else "info",
                    "detail": item.text,
                    "source": source,
                    "overrideReasons": _override_reasons(),
                }
            )
    for item in report.warnings:
        if item.code == "b6_above_upper_limit":
            out.append(
                {
                    "uuid": str(uuid.uuid4()),
                    "summary": _trim(kb.ui(lang, "cds.warning_summary").format(warning=item.label)),
                    "indicator": "warning",
                    "detail": item.text,
                    "source": source,
                    "overrideReasons": _override_reasons(),
                }
            )
    return out


def selected_drafts(context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The draft orders the clinician selected (order-select)."""
    selected = set(context.get("selections") or [])
    drafts = []
    for resource in resources_of(context.get("draftOrders") or {}):
        ref = f"{resource.get('resourceType')}/{resource.get('id')}"
        if ref in selected:
            drafts.append(resource)
    return drafts


def relevant_order(drafts: list[Mapping[str, Any]], kb: KnowledgeBase) -> bool:
    """Whether a selected order is one b12check has something to say about."""
    for d in drafts:
        if d.get("resourceType") == "ServiceRequest":
            for coding in (d.get("code") or {}).get("coding") or []:
                spec = kb.core.loinc.get(str(coding.get("code")))
                if spec is not None and spec.analyte in ORDER_ANALYTES:
                    return True
    probe = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": d} for d in drafts],
    }
    try:
        read = bundle_to_intake(probe, today=dt.date.today(), kb=kb)
    except IntakeError:
        return False
    for med in read.intake.get("medications", []):
        match = kb.medicines.lookup(med.get("name"), med.get("atc"))
        if match is not None and match.classes & ORDER_CLASSES:
            return True
    return False


def run(
    service: Service,
    data: Mapping[str, Any],
    *,
    profile: str,
    lang: str,
    kb: KnowledgeBase,
    fetch: Fetch | None = None,
) -> dict[str, Any]:
    """Answer one hook call: ``{"cards": [...]}``."""
    prefetch = gather(data, kb, fetch)
    context = data["context"]
    drafts: list[Mapping[str, Any]] = []
    if service.hook == "order-select":
        drafts = selected_drafts(context)
        if not relevant_order(drafts, kb):
            return {"cards": []}
    outcome = assess_prefetch(prefetch, drafts, profile, kb)
    return {"cards": cards(outcome, str(context["patientId"]), kb, lang)}
