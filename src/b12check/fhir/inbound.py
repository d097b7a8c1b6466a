"""FHIR R4 in: a Bundle (or the resources of a CDS Hooks prefetch) -> an intake document.

What an EHR knows is mapped to the contract's intake: Patient (age, sex), Observation (LOINC and
UCUM, mass and molar codes, reference range, date), MedicationStatement/MedicationRequest (ATC,
RxNorm ingredient and clinical-drug codes, free text), Condition (SNOMED CT, ICD-10, ICD-10-CM,
including pregnancy) and the patient's own QuestionnaireResponse. Nothing is guessed: every
resource or code that is not used is listed with the reason, and the core still checks the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from b12check.errors import FieldError, IntakeError
from b12check.fhir.questionnaire import QUESTIONNAIRE_URL, ResponseError, response_to_intake
from b12check.fhir.terminology import PREGNANCY, Terminology, load_terminology
from b12check.knowledge_base import KnowledgeBase, load_knowledge_base

MAX_AGE_PARAMETER = "fhir.max_result_age_days"
ANALYTE_SYSTEM = "urn:b12check:vocabulary:analytes"
USABLE_OBSERVATION = frozenset({"final", "amended", "corrected"})
CURRENT_MEDICATION = frozenset({"active", "on-hold", "unknown", "intended"})
INACTIVE_CONDITION = frozenset({"inactive", "remission", "resolved"})
DOUBTFUL_CONDITION = frozenset({"refuted", "entered-in-error"})
IGNORED_TYPES = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Encounter",
        "Organization",
        "DiagnosticReport",
        "Location",
        "Specimen",
        "OperationOutcome",
        "Provenance",
        "Medication",
    }
)


@dataclass(frozen=True, slots=True)
class Unused:
    """One resource or code that did not go into the intake, and why."""

    resource: str
    reason: str
    code: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form, without empty fields."""
        out = {"resource": self.resource, "reason": self.reason}
        if self.code:
            out["code"] = self.code
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class FhirIntake:
    """The intake read from FHIR, what was left out, and the date it was read for."""

    intake: dict[str, Any]
    unused: list[Unused] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)
    used: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        """What was used and what was not (the audit trail of the mapping)."""
        return {"used": list(self.used), "not_used": [u.to_dict() for u in self.unused]}


@dataclass
class _Candidate:
    analyte: str
    when: dt.date | None
    lab: dict[str, Any]
    ref: str


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 4:
        return None
    try:
        if len(value) == 4:
            return dt.date(int(value), 1, 1)
        if len(value) == 7:
            return dt.date(int(value[:4]), int(value[5:7]), 1)
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _ref(resource: Mapping[str, Any], index: int, urls: Mapping[int, str] | None = None) -> str:
    """How the report names a resource: type/id, else its fullUrl, else its position."""
    kind = str(resource.get("resourceType", "?"))
    ident = resource.get("id")
    if isinstance(ident, str):
        return f"{kind}/{ident}"
    url = (urls or {}).get(id(resource))
    return f"{kind} {url}" if url else f"{kind} (entry {index})"


def _codings(concept: Any) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    codings = concept.get("coding") or []
    return [c for c in codings if isinstance(c, Mapping) and isinstance(c.get("code"), str)]


def _code_text(coding: Mapping[str, Any]) -> str:
    return f"{coding.get('system', '?')}|{coding.get('code')}"


def resources_of(document: Any, urls: dict[int, str] | None = None) -> list[Mapping[str, Any]]:
    """The resources of a Bundle, of a searchset, or of a CDS Hooks prefetch mapping; ``urls``
    collects each entry's fullUrl (by resource identity) for the report."""
    if isinstance(document, Mapping) and document.get("resourceType") == "Bundle":
        out: list[Mapping[str, Any]] = []
        entries = document.get("entry") or []
        if not isinstance(entries, list):
            raise IntakeError([FieldError("entry", "expected a list of bundle entries")])
        for i, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(resource, Mapping):
                raise IntakeError([FieldError(f"entry[{i}].resource", "expected a resource")])
            if urls is not None and isinstance(entry.get("fullUrl"), str):
                urls[id(resource)] = entry["fullUrl"]
            out.extend(resources_of(resource, urls))
        return out
    if isinstance(document, Mapping) and isinstance(document.get("resourceType"), str):
        return [document]
    if isinstance(document, Mapping):  # a prefetch: key -> resource or bundle (or null)
        found: list[Mapping[str, Any]] = []
        for value in document.values():
            if value is not None:
                found.extend(resources_of(value, urls))
        return found
    raise IntakeError([FieldError("bundle", "expected a FHIR Bundle (a JSON object)")])


class _Reader:
    def __init__(self, kb: KnowledgeBase, terms: Terminology, today: dt.date, profile: str):
        self.kb, self.terms, self.today = kb, terms, today
        self.max_age = int(kb.parameter(MAX_AGE_PARAMETER, profile, today))  # type: ignore[arg-type]
        self.unused: list[Unused] = []
        self.used: list[str] = []
        self.patient: dict[str, Any] = {}
        self.conditions: list[str] = []
        self.medications: dict[str, dict[str, Any]] = {}
        self.labs: list[_Candidate] = []
        self.answers: dict[str, Any] = {}

    def skip(
        self, ref: str, reason: str, code: str | None = None, detail: str | None = None
    ) -> None:
        self.unused.append(Unused(ref, reason, code, detail))

    # -- Patient --------------------------------------------------------------------------
    def read_patient(self, r: Mapping[str, Any], ref: str) -> None:
        born = _date(r.get("birthDate"))
        if born is not None:
            years = (
                self.today.year
                - born.year
                - ((self.today.month, self.today.day) < (born.month, born.day))
            )
            self.patient["age"] = years
        gender = r.get("gender")
        if gender in ("female", "male", "other"):
            self.patient["sex"] = gender
        elif gender is not None:
            self.skip(ref, "gender not usable", detail=str(gender))
        self.used.append(ref)

    # -- Condition ------------------------------------------------------------------------
    def read_condition(self, r: Mapping[str, Any], ref: str) -> None:
        clinical = {c.get("code") for c in _codings(r.get("clinicalStatus"))}
        verification = {c.get("code") for c in _codings(r.get("verificationStatus"))}
        if clinical & INACTIVE_CONDITION:
            self.skip(ref, "condition not active", detail=", ".join(sorted(map(str, clinical))))
            return
        if verification & DOUBTFUL_CONDITION:
            self.skip(ref, "condition refuted or entered in error")
            return
        codings = _codings(r.get("code"))
        for coding in codings:
            condition = self.terms.condition_for(str(coding.get("system", "")), coding["code"])
            if condition is None:
                continue
            if condition == PREGNANCY:
                self.patient["pregnant"] = True
            elif condition not in self.conditions:
                self.conditions.append(condition)
            self.used.append(ref)
            return
        shown = ", ".join(_code_text(c) for c in codings) or None
        self.skip(ref, "no code of this condition is in the knowledge base", shown)

    # -- Medication -----------------------------------------------------------------------
    def read_medication(self, r: Mapping[str, Any], ref: str, contained: Mapping[str, Any]) -> None:
        status = r.get("status")
        if status not in CURRENT_MEDICATION and not (
            r.get("resourceType") == "MedicationRequest" and status == "draft"
        ):
            self.skip(ref, "medication not current", detail=str(status))
            return
        concept = r.get("medicationCodeableConcept")
        reference = r.get("medicationReference")
        if concept is None and isinstance(reference, Mapping):
            target = contained.get(str(reference.get("reference", "")).lstrip("#"))
            concept = target.get("code") if isinstance(target, Mapping) else None
        entry: dict[str, Any] | None = None
        codings = _codings(concept)
        for coding in codings:
            system, code = str(coding.get("system", "")), str(coding["code"]).strip()
            if system == self.terms.system("atc"):
                entry = {"atc": code.upper(), "name": coding.get("display") or code}
            elif system == self.terms.system("rxnorm") and code in self.terms.rxnorm:
                drug = self.terms.rxnorm[code]
                entry = {"atc": drug.atc, "name": drug.name}
            if entry:
                break
        text = concept.get("text") if isinstance(concept, Mapping) else None
        if entry is None and isinstance(text, str) and text.strip():
            entry = {"name": text.strip()}
        if entry is None and codings and isinstance(codings[0].get("display"), str):
            entry = {"name": codings[0]["display"]}
        if entry is None:
            shown = ", ".join(_code_text(c) for c in codings) or None
            self.skip(ref, "medication has no code or name the knowledge base knows", shown)
            return
        match = self.kb.medicines.lookup(entry.get("name"), entry.get("atc"))
        if match is None:
            self.skip(ref, "medicine not recognised (passed on by name)", detail=entry.get("name"))
        since = self._medication_start(r)
        dose = self._dose_mg_per_day(r)
        key = (match.medicine_id if match else str(entry.get("atc") or entry.get("name"))).lower()
        known = self.medications.get(key)
        if known is None:
            if since:
                entry["since"] = since.isoformat()
            if dose is not None:
                entry["dose_mg_per_day"] = dose
            self.medications[key] = entry
        else:  # several prescriptions of one medicine: the earliest start tells the duration
            if since and ("since" not in known or since.isoformat() < known["since"]):
                known["since"] = since.isoformat()
            if dose is not None:
                known["dose_mg_per_day"] = dose
        self.used.append(ref)

    def _medication_start(self, r: Mapping[str, Any]) -> dt.date | None:
        period = r.get("effectivePeriod")
        if isinstance(period, Mapping) and _date(period.get("start")):
            return _date(period.get("start"))
        for key in ("effectiveDateTime", "authoredOn"):
            if _date(r.get(key)):
                return _date(r.get(key))
        dispense = r.get("dispenseRequest")
        if isinstance(dispense, Mapping) and isinstance(dispense.get("validityPeriod"), Mapping):
            return _date(dispense["validityPeriod"].get("start"))
        return None

    @staticmethod
    def _dose_mg_per_day(r: Mapping[str, Any]) -> float | None:
        dosages = r.get("dosage") or r.get("dosageInstruction") or []
        if not isinstance(dosages, list) or not dosages or not isinstance(dosages[0], Mapping):
            return None
        dosage = dosages[0]
        rates = dosage.get("doseAndRate") or []
        rates = [rates] if isinstance(rates, Mapping) else rates
        quantity = rates[0].get("doseQuantity") if rates and isinstance(rates[0], Mapping) else None
        if not isinstance(quantity, Mapping) or quantity.get("code", quantity.get("unit")) != "mg":
            return None
        value = quantity.get("value")
        timing = (
            dosage.get("timing", {}).get("repeat", {})
            if isinstance(dosage.get("timing"), Mapping)
            else {}
        )
        frequency = timing.get("frequency", 1)
        period = timing.get("period", 1)
        per_day = {"d": 1, "wk": 7}.get(str(timing.get("periodUnit", "d")))
        if not isinstance(value, int | float) or per_day is None or not period:
            return None
        return round(float(value) * float(frequency) / (float(period) * per_day), 4)

    # -- Observation ----------------------------------------------------------------------
    def read_observation(self, r: Mapping[str, Any], ref: str) -> None:
        codings = _codings(r.get("code"))
        analyte: str | None = None
        loinc: str | None = None
        for coding in codings:
            system, code = coding.get("system"), str(coding["code"]).strip()
            if system == self.terms.system("loinc") and code in self.kb.core.loinc:
                analyte, loinc = self.kb.core.loinc[code].analyte, code
                break
            if system == ANALYTE_SYSTEM and code in self.kb.analytes:
                analyte = code
                break
        if analyte is None:
            shown = ", ".join(_code_text(c) for c in codings) or None
            self.skip(ref, "no LOINC code of this observation is in the knowledge base", shown)
            return
        if r.get("status") not in USABLE_OBSERVATION:
            self.skip(ref, "result not final", loinc, str(r.get("status")))
            return
        lab: dict[str, Any] = {"loinc": loinc} if loinc else {"analyte": analyte}
        quantity = r.get("valueQuantity")
        if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), int | float):
            lab["value"] = quantity["value"]
            unit = (
                quantity.get("code")
                if quantity.get("system") == self.terms.system("ucum")
                else None
            )
            unit = unit or quantity.get("unit")
            if isinstance(unit, str) and unit:
                lab["unit"] = unit
        else:
            result = self._qualitative(r)
            if result is None:
                self.skip(ref, "result value not readable", loinc)
                return
            lab["value"] = result
        self._reference_range(r, lab)
        when = _date(r.get("effectiveDateTime"))
        period = r.get("effectivePeriod")
        if when is None and isinstance(period, Mapping):
            when = _date(period.get("start"))
        when = when or _date(r.get("issued"))
        if when is not None:
            lab["date"] = when.isoformat()
            if (self.today - when).days > self.max_age:
                self.skip(
                    ref,
                    f"result older than {self.max_age} days: shown, not used",
                    loinc or analyte,
                    f"{analyte} {lab['value']} {lab.get('unit', '')} on {when}".strip(),
                )
                return
        self.labs.append(_Candidate(analyte, when, lab, ref))

    def _qualitative(self, r: Mapping[str, Any]) -> str | None:
        words: list[str] = []
        if isinstance(r.get("valueString"), str):
            words.append(r["valueString"])
        concept = r.get("valueCodeableConcept")
        if isinstance(concept, Mapping):
            words += [str(concept.get("text", ""))]
            words += [str(c.get("code")) for c in _codings(concept)]
            words += [str(c.get("display", "")) for c in _codings(concept)]
        if isinstance(r.get("valueBoolean"), bool):
            words.append("positive" if r["valueBoolean"] else "negative")
        for word in (w.strip().lower() for w in words if w):
            if word in self.terms.positive:
                return "positive"
            if word in self.terms.negative:
                return "negative"
        return None

    @staticmethod
    def _reference_range(r: Mapping[str, Any], lab: dict[str, Any]) -> None:
        ranges = r.get("referenceRange") or []
        if not isinstance(ranges, list) or not ranges or not isinstance(ranges[0], Mapping):
            return
        bounds: list[float | None] = []
        for key in ("low", "high"):
            q = ranges[0].get(key)
            if not isinstance(q, Mapping):
                bounds.append(None)
                continue
            unit = q.get("code") or q.get("unit")
            if unit is not None and lab.get("unit") is not None and unit != lab["unit"]:
                return  # a range in another unit than the value: not comparable, left out
            bounds.append(q.get("value") if isinstance(q.get("value"), int | float) else None)
        if any(b is not None for b in bounds):
            lab["reference_range"] = bounds

    # -- assembling -----------------------------------------------------------------------
    def latest_labs(self) -> list[dict[str, Any]]:
        """Latest result per analyte wins; older ones are reported as superseded."""
        chosen: dict[str, _Candidate] = {}
        order: list[str] = []
        for c in self.labs:
            best = chosen.get(c.analyte)
            if best is None:
                chosen[c.analyte] = c
                order.append(c.analyte)
            elif (c.when or dt.date.min) > (best.when or dt.date.min):
                self.skip(best.ref, "a later result of the same test was used", c.analyte)
                chosen[c.analyte] = c
            else:
                self.skip(c.ref, "a later result of the same test was used", c.analyte)
        for c in chosen.values():
            self.used.append(c.ref)
        return [chosen[a].lab for a in order]


def bundle_to_intake(
    document: Any,
    *,
    today: dt.date | None = None,
    profile: str = "seed",
    kb: KnowledgeBase | None = None,
) -> FhirIntake:
    """Map a FHIR R4 Bundle (or prefetch mapping) to an intake; raise :class:`IntakeError` for a
    document that is not FHIR at all. The date is ``today``, else the QuestionnaireResponse's
    ``authored`` date, else the real date."""
    kb = kb or load_knowledge_base()
    urls: dict[int, str] = {}
    resources = resources_of(document, urls)
    responses = [
        (i, r)
        for i, r in enumerate(resources)
        if r.get("resourceType") == "QuestionnaireResponse"
        and r.get("questionnaire") == QUESTIONNAIRE_URL
    ]
    answers: dict[str, Any] = {}
    for i, r in responses[-1:]:
        try:
            answers = response_to_intake(r)
        except (ResponseError, TypeError, AttributeError, KeyError, IndexError) as exc:
            raise IntakeError([FieldError(f"{_ref(r, i)}.item", str(exc))]) from None
    when = today or _date(answers.get("today")) or dt.date.today()
    reader = _Reader(kb, load_terminology(), when, profile)
    contained = _contained(resources)
    for i, r in enumerate(resources):
        ref = _ref(r, i, urls)
        try:
            _read_one(reader, r, ref, contained, (i, r) in responses[-1:])
        except (TypeError, KeyError, ValueError, AttributeError, IndexError):
            reader.skip(ref, "resource not readable (an element has an unexpected shape)")
    for lab in answers.pop("labs", []):
        analyte = lab.get("analyte") or getattr(
            kb.core.loinc.get(str(lab.get("loinc"))), "analyte", None
        )
        if analyte not in kb.analytes:
            reader.skip("QuestionnaireResponse", "lab not known", str(analyte or lab.get("loinc")))
            continue
        reader.labs.append(
            _Candidate(str(analyte), _date(lab.get("date")), lab, "QuestionnaireResponse")
        )
    intake = _merge(answers, reader, when)
    if set(intake) == {"today"}:
        raise IntakeError(
            [
                FieldError(
                    "bundle", "nothing in it could be used; see which resources b12check reads"
                )
            ]
        )
    return FhirIntake(intake, reader.unused, when, reader.used)


def _read_one(
    reader: _Reader,
    r: Mapping[str, Any],
    ref: str,
    contained: Mapping[str, Mapping[str, Any]],
    is_intake: bool,
) -> None:
    kind = r.get("resourceType")
    if kind == "Patient":
        reader.read_patient(r, ref)
    elif kind == "Condition":
        reader.read_condition(r, ref)
    elif kind in ("MedicationStatement", "MedicationRequest"):
        reader.read_medication(r, ref, contained)
    elif kind == "Observation":
        reader.read_observation(r, ref)
    elif kind == "QuestionnaireResponse" and is_intake:
        reader.used.append(ref)
    elif kind not in IGNORED_TYPES:
        reader.skip(ref, "resource type not used by b12check")


def _contained(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Medication resources by id (contained or in the bundle), for medicationReference."""
    found: dict[str, Mapping[str, Any]] = {}
    for r in resources:
        for c in r.get("contained") or []:
            if isinstance(c, Mapping) and c.get("resourceType") == "Medication":
                found[str(c.get("id"))] = c
        if r.get("resourceType") == "Medication":
            found[f"Medication/{r.get('id')}"] = r
    return found


def _merge(answers: dict[str, Any], reader: _Reader, when: dt.date) -> dict[str, Any]:
    """EHR facts first; the patient's answers fill what the record does not say."""
    intake = dict(answers)
    intake["today"] = when.isoformat()
    patient = {**(answers.get("patient") or {}), **reader.patient}
    if patient:
        intake["patient"] = patient
    conditions = list(answers.get("conditions") or [])
    conditions += [c for c in reader.conditions if c not in conditions]
    if conditions:
        intake["conditions"] = conditions
    medications = list(answers.get("medications") or []) + list(reader.medications.values())
    if medications:
        intake["medications"] = medications
    labs = reader.latest_labs()
    if labs:
        intake["labs"] = labs
    return intake
