"""How much work one request or one document may cause: every size, count and time cap in one
place, so that a reviewer sees them together and the doors cannot drift apart.

These are design limits, not clinical knowledge: each is generous for a real person's data (a
lifetime of lab results fits easily) and small enough that the worst input is cheap to refuse.
The web app's body size, time limit and worker threads can be changed per deployment through the
settings (``B12CHECK_MAX_BODY_BYTES`` ...); their defaults are taken from here.
"""

from __future__ import annotations

# ---- requests and documents ----
MAX_BODY_BYTES = 256 * 1024
"""Largest request body on any endpoint (an intake with 100 labs is about 10 kB)."""

FHIR_PATHS = ("/cds-services", "/api/v1/fhir/")
"""Routes that take FHIR records (a Bundle, a CDS Hooks prefetch): a whole record with its
Questionnaire answers is larger and nests deeper than an intake."""

FHIR_MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest FHIR request (a year of a chronic patient's results is about 0.5 MB)."""

FHIR_MAX_DEPTH = 40
"""Deepest nesting in a FHIR request (QuestionnaireResponse items nest without a fixed limit)."""

FHIR_MAX_NODES = 250_000
"""Most values in one FHIR request."""

LARGER_BODIES: dict[str, int] = dict.fromkeys(FHIR_PATHS, FHIR_MAX_BODY_BYTES)
"""Path prefix -> body limit for routes that take records or batches; the longest matching
prefix wins. Every other route has :data:`MAX_BODY_BYTES`."""

MAX_DOCUMENT_BYTES = MAX_BODY_BYTES
"""Largest intake file or stdin the CLI reads: the same rule as the web app."""

MAX_DEPTH = 12
"""Deepest nesting of mappings and lists in a document (an intake needs 4)."""

MAX_NODES = 20_000
"""Most values (mappings, lists, scalars) in one document; also stops YAML alias bombs."""

MAX_INTEGER_DIGITS = 18
"""Longest integer read from a document; longer ones are refused, never rounded."""

MAX_ERRORS = 20
"""Most input errors reported at once; the rest are counted, not listed."""

# ---- the intake (contract section 1) ----
MAX_TEXT = 200
"""Longest name, code, unit or free-text field of an intake."""

MAX_SUPPLEMENTS = 50
MAX_MEDICATIONS = 100
MAX_CODES = 100
"""Most conditions, exposures or symptoms in one intake (the vocabulary has far fewer)."""

MAX_LABS = 100
"""Most lab results in one intake (years of results; the GP report stays a few pages and
renders in about a second)."""

MAX_DIARY_DAYS = 1_000
"""Most diary entries in one intake (nearly three years of daily scores)."""

# ---- the questionnaire ----
MAX_ANSWERS_COOKIE = 3_800
"""Longest signed answers cookie, in bytes. Browsers drop a cookie over 4,096 bytes (name and
attributes included) without a word, which would lose every answer; a step that would pass this
is refused with a message instead, and the answers kept so far stay."""

# ---- the symptom diary ----
MAX_NOTES = 5_000
"""Longest free-text note of a diary entry."""

MAX_SCHEDULE = 200
"""Longest treatment schedule text."""

# ---- worker threads ----
WORK_SECONDS = 20.0
"""Longest a request may wait for its assessment or PDF (queueing included) before a 503."""

WORK_THREADS = 4
"""Threads that assess and render PDFs at once per process; more requests queue."""

PASSWORD_HASHES_AT_ONCE = 2
"""argon2 computations (hash or verify) at once per process. Each takes tens of milliseconds of
CPU and 64 MiB of memory at the library's recommended cost, so a burst of logins must queue
rather than take every worker thread and a gigabyte or more of memory."""

PASSWORD_WAIT_SECONDS = 10.0
"""Longest a password check or new password waits for an argon2 slot before a 503."""
