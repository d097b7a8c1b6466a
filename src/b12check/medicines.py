"""Recognise medicines from what people and prescriptions write, and map them to medicine classes.

Why this exists: an intake names a medicine the way a person, a Dutch pharmacy label or a US
RxNorm string does ("Glucophage", "METFORMINE HCL 500MG TABLET", "24 HR Metformin hydrochloride
500 MG Extended Release Oral Tablet") or by ATC code. The rules need the vocabulary's medication
classes (metformin, ppi, statin, ...). Everything medical (names, brands, ATC codes, which ATC code
belongs to which class, which words to skip) lives in ``knowledge/medicines.yaml``; this module only
validates that data and matches text against it. It is pure: the knowledge-base loader reads the
file and passes the parsed data to :func:`build_index`.

Matching is deliberately literal: a known name or brand must occur as a whole word or word sequence
(case and accents ignored). There is no fuzzy matching, so "metoprolol" can never turn into a
statin and "nystatine" never into a statin either. What is not recognised returns ``None`` and the
caller reports it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from b12check.errors import KnowledgeError

__all__ = ["MedicineIndex", "MedicineMatch", "build_index", "is_valid_atc"]

# ATC structure (WHO): anatomical group letter, 2-digit therapeutic group, pharmacological letter,
# chemical letter, 2-digit substance. Levels 3, 4 and 5 are 4, 5 and 7 characters long.
_ATC_RE = re.compile(r"[ABCDGHJLMNPRSV][0-9]{2}[A-Z](?:[A-Z](?:[0-9]{2})?)?")
# A class pattern prefix (before ``*``) is level 1 to 4 ("C*", "C03*", "C10B*", "A10BD*").
_ATC_PREFIX_RE = re.compile(r"[ABCDGHJLMNPRSV](?:[0-9]{2}(?:[A-Z](?:[A-Z])?)?)?")
_ATC_TYPED_MAX = 12  # longer text is never a typed ATC code, even with spaces ("A10B A02")
_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
_COUNTRY_RE = re.compile(r"[A-Z]{2}")
_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+")
# Separators between the components of a combination name ("metformin/sitagliptin",
# "sitagliptin and metformin"); used to register every component order. The words themselves
# are the data's ``matching.connectors``.
_SLASH_RE = re.compile(r"\s*[/+&,]\s*")

_TOP_KEYS = frozenset({"last_reviewed", "sources", "matching", "classes", "atc_names", "medicines"})
_MATCHING_KEYS = frozenset({"connectors", "filler_words"})
_CLASS_KEYS = frozenset({"atc", "vocabulary_atc", "note"})
_MEDICINE_KEYS = frozenset(
    {"id", "classes", "atc", "atc_is_group", "names", "synonyms", "brands", "note"}
)
# Generic names are keyed by language; the English one (the INN) is the canonical name. Every
# language of the knowledge base (its text files, passed in) must name each medicine.
_CANONICAL_NAMES = "en"
_BRAND_KEYS = frozenset({"name", "countries"})


@dataclass(frozen=True, slots=True)
class MedicineMatch:
    """What a text or ATC code was recognised as: enough for the rules and for the trace."""

    medicine_id: str  # e.g. "metformin"; "atc:A10BD02" for an ATC code shared by several entries
    name: str  # canonical English generic name (or the WHO ATC name for a class-level match)
    classes: frozenset[str]  # vocabulary medication classes
    atc: str | None  # the ATC code matched, or the medicine's main ATC code
    matched: str  # the name, brand or ATC code that matched


def is_valid_atc(code: str) -> bool:
    """True for a full 7-character ATC code or a level-3/4 prefix (``A10B``, ``A10BD``)."""
    return _ATC_RE.fullmatch(code) is not None


def _fold(text: str) -> str:
    """Lower-case and strip accents so 'Fenytoïne' and 'fenytoine' compare equal."""
    folded = text.casefold()
    if folded.isascii():  # the common case: skip the costly decomposition
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokens(text: str) -> list[str]:
    """Words and numbers, split where letters meet digits: '500mg' -> 500 mg, 'B12' -> b 12."""
    return _TOKEN_RE.findall(_fold(text))


def _normalise_atc(code: str) -> str:
    """'a10b a02' and 'A10B.A02' -> 'A10BA02' (people type codes with spaces or dots)."""
    return "".join(code.split()).replace(".", "").upper()


@dataclass(slots=True)
class _Node:
    """One word in the trie of known names; ``target`` is set where a whole name ends."""

    children: dict[str, _Node] = field(default_factory=dict)
    target: tuple[str, str] | None = None  # (medicine id, display name)


@dataclass(frozen=True, slots=True)
class _Medicine:
    id: str
    name: str
    classes: frozenset[str]
    atc: tuple[str, ...]
    atc_is_group: bool


@dataclass(frozen=True, slots=True)
class _Pattern:
    cls: str
    code: str  # prefix without '*', or the exact code
    is_prefix: bool

    def covers(self, code: str) -> bool:
        """A prefix pattern covers every code below it; an exact one only itself."""
        return code.startswith(self.code) if self.is_prefix else code == self.code


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    size: int  # number of name words matched: longer names win
    medicine_id: str
    display: str


class MedicineIndex:
    """Lookup and type-ahead over validated medicine data (made by :func:`build_index`)."""

    def __init__(
        self,
        medicines: Mapping[str, _Medicine],
        root: _Node,
        patterns: tuple[_Pattern, ...],
        atc_names: Mapping[str, str],
        fillers: frozenset[str],
        displays: tuple[tuple[str, str, int], ...],
    ) -> None:
        self._medicines = dict(medicines)
        self._root = root
        exact: dict[str, set[str]] = {}
        for p in patterns:
            if not p.is_prefix:
                exact.setdefault(p.code, set()).add(p.cls)
        self._exact = {code: frozenset(classes) for code, classes in exact.items()}
        self._prefixes = tuple(p for p in patterns if p.is_prefix)
        self._atc_names = dict(atc_names)
        self._fillers = fillers
        self._displays = displays  # (display, normalised display, kind 0 name/1 brand/2 synonym)
        by_code: dict[str, list[str]] = {}
        for med in self._medicines.values():
            for code in med.atc:
                by_code.setdefault(code, []).append(med.id)
        self._by_code = by_code

    # -- ATC -------------------------------------------------------------------------------
    def classes_for_atc(self, code: str) -> frozenset[str]:
        """The classes an ATC code (or a level-3/4 prefix) belongs to according to the data."""
        found = self._exact.get(code, frozenset())
        for p in self._prefixes:
            if code.startswith(p.code):
                found = found | {p.cls}
        return found

    def _lookup_atc(self, raw: str) -> MedicineMatch | None:
        code = _normalise_atc(raw)
        if not is_valid_atc(code):
            return None
        classes = self.classes_for_atc(code)
        if not classes:
            return None
        owners = self._by_code.get(code, [])
        if len(owners) == 1:
            med = self._medicines[owners[0]]
            if not med.atc_is_group and med.classes == classes:
                return MedicineMatch(med.id, med.name, med.classes, code, code)
        name = self._atc_names.get(code, code)
        return MedicineMatch(f"atc:{code}", name, classes, code, code)

    # -- text ------------------------------------------------------------------------------
    def _hits(self, tokens: list[str]) -> list[_Hit]:
        """Every known name found as a word sequence; filler words may sit between its words.

        Both ways on are tried at each word (take it as part of the name, or skip fillers), so
        "metformin hydrochloride 1000 MG / sitagliptin" finds the salt name and the combination.
        Never skip before a number in a name: 'vitamin B6 12 mg' is not vitamin B12.
        """
        hits: list[_Hit] = []
        n = len(tokens)
        fillers = self._fillers
        starts = self._root.children
        for i in range(n):
            first = starts.get(tokens[i])
            if first is None:
                continue
            if not first.children and first.target is not None:  # one-word name: done
                hits.append(_Hit(i, i + 1, 1, *first.target))
                continue
            stack = [(first, i + 1, 1)]
            while stack:
                node, j, size = stack.pop()
                if node.target is not None:
                    hits.append(_Hit(i, j, size, *node.target))
                if j >= n or not node.children:
                    continue
                child = node.children.get(tokens[j])
                if child is not None:
                    stack.append((child, j + 1, size + 1))
                k = j  # skip fillers; any word after at least one skipped may go on the name
                while k < n and (tokens[k].isdigit() or tokens[k] in fillers):
                    k += 1
                    if k < n and not tokens[k].isdigit():
                        child = node.children.get(tokens[k])
                        if child is not None:
                            stack.append((child, k + 1, size + 1))
        return hits

    def _lookup_text(self, text: str) -> MedicineMatch | None:
        hits = self._hits(_tokens(text))
        if not hits:
            return None
        if len(hits) == 1:
            med = self._medicines[hits[0].medicine_id]
            return MedicineMatch(med.id, med.name, med.classes, med.atc[0], hits[0].display)
        # Longest name first, then the earliest; keep non-overlapping hits.
        hits.sort(key=lambda h: (-h.size, -(h.end - h.start), h.start))
        taken: list[_Hit] = []
        for hit in hits:
            if all(hit.end <= t.start or hit.start >= t.end for t in taken):
                taken.append(hit)
        chosen: list[_Hit] = []
        for hit in taken:  # best first: a medicine already chosen keeps its best hit
            if hit.medicine_id not in (c.medicine_id for c in chosen):
                chosen.append(hit)
        # A medicine whose classes another match already covers adds nothing ("vitamine B12
        # (methylcobalamine)", "Janumet + metformine"): keep the better-ranked one.
        kept: list[_Hit] = []
        for hit in chosen:
            mine = self._medicines[hit.medicine_id].classes
            if not any(mine <= self._medicines[k.medicine_id].classes for k in kept):
                kept = [k for k in kept if not self._medicines[k.medicine_id].classes < mine]
                kept.append(hit)
        if len(kept) == 1:
            med = self._medicines[kept[0].medicine_id]
            return MedicineMatch(med.id, med.name, med.classes, med.atc[0], kept[0].display)
        kept.sort(key=lambda h: h.start)  # several medicines in one text: report them all
        meds = [self._medicines[h.medicine_id] for h in kept]
        return MedicineMatch(
            "+".join(m.id for m in meds),
            " + ".join(m.name for m in meds),
            frozenset().union(*(m.classes for m in meds)),
            None,
            " + ".join(h.display for h in kept),
        )

    # -- public ----------------------------------------------------------------------------
    def lookup(self, text: str | None = None, atc: str | None = None) -> MedicineMatch | None:
        """Recognise a medicine; ``None`` means not recognised (the caller keeps and reports it).

        An ATC code that maps to a class wins over the text; a code that maps to no class (or is
        unknown) falls back to the text, so a typo in one field cannot hide a recognised name.
        An ATC code typed as the name works too.
        """
        if atc is not None:
            found = self._lookup_atc(atc)
            if found is not None:
                return found
        if text is None or not text.strip():
            return None
        if len(text) <= _ATC_TYPED_MAX and is_valid_atc(_normalise_atc(text)):
            found = self._lookup_atc(text)
            if found is not None:
                return found
        return self._lookup_text(text)

    def suggestions(self, prefix: str, limit: int = 10) -> list[str]:
        """Type-ahead over every known name and brand (nl, en): word prefixes before substrings."""
        query = " ".join(_tokens(prefix))
        if not query or limit <= 0:
            return []
        ranked: list[tuple[int, int, int, int, str]] = []
        for order, (display, norm, kind) in enumerate(self._displays):
            if norm.startswith(query):
                rank = 0
            elif f" {query}" in f" {norm}":
                rank = 1
            elif query in norm:
                rank = 2
            else:
                continue
            ranked.append((rank, kind, len(norm), order, display))
        ranked.sort()
        return [display for *_, display in ranked[:limit]]

    def names(self) -> list[str]:
        """Every display name the index knows (generic nl/en, salts and synonyms, brands)."""
        return sorted({d for d, _, _ in self._displays}, key=lambda d: (_fold(d), d))

    def medicine_ids(self) -> list[str]:
        """The ids of every medicine entry (for reviewers and tests)."""
        return sorted(self._medicines)


# ---- validation and building ----------------------------------------------------------------


class _Builder:
    """Validates the raw YAML data step by step; every problem names the file and the entry."""

    def __init__(
        self, file: str, vocabulary: Collection[str] | None, languages: Collection[str] = ()
    ) -> None:
        self.file = file
        self.name_languages = frozenset({_CANONICAL_NAMES, *languages})
        self.vocabulary = None if vocabulary is None else frozenset(vocabulary)
        self.connectors: frozenset[str] = frozenset()
        self.fillers: frozenset[str] = frozenset()
        self.patterns: list[_Pattern] = []
        self.atc_names: dict[str, str] = {}
        self.medicines: dict[str, _Medicine] = {}
        self.root = _Node()
        self.owner_of: dict[tuple[str, ...], tuple[str, str]] = {}  # key -> (medicine id, display)
        self.displays: list[tuple[str, str, int]] = []
        self.seen_displays: set[str] = set()

    def fail(self, message: str) -> KnowledgeError:
        return KnowledgeError(self.file, message)

    # -- small typed readers ---------------------------------------------------------------
    def mapping(self, value: object, where: str) -> Mapping[str, object]:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self.fail(f"{where}: expected a mapping with text keys")
        return value

    def keys(self, value: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f"{where}: unknown key(s) {', '.join(unknown)}")

    def strings(self, value: object, where: str, *, allow_empty: bool = False) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}: expected a list of non-empty texts")
        if not value and not allow_empty:
            raise self.fail(f"{where}: the list is empty")
        return [v.strip() for v in value]

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}: expected a non-empty text")
        return value.strip()

    def atc_code(self, value: object, where: str) -> str:
        code = self.text(value, where)
        if not is_valid_atc(code):
            raise self.fail(f"{where}: malformed ATC code {code!r}")
        return code

    # -- sections --------------------------------------------------------------------------
    def top(self, raw: object) -> Mapping[str, object]:
        data = self.mapping(raw, "top level")
        self.keys(data, _TOP_KEYS, "top level")
        for required in ("classes", "atc_names", "medicines"):
            if required not in data:
                raise self.fail(f"top level: missing key {required!r}")
        reviewed = data.get("last_reviewed")
        if reviewed is not None and not isinstance(reviewed, date):
            try:
                date.fromisoformat(str(reviewed))
            except ValueError:
                raise self.fail(f"last_reviewed: not a date: {reviewed!r}") from None
        if "sources" in data:
            self.strings(data["sources"], "sources")
        return data

    def matching(self, raw: object) -> None:
        data = self.mapping(raw, "matching")
        self.keys(data, _MATCHING_KEYS, "matching")
        connectors = self.strings(
            data.get("connectors", []), "matching.connectors", allow_empty=True
        )
        fillers = self.strings(
            data.get("filler_words", []), "matching.filler_words", allow_empty=True
        )
        for where, words in (
            ("matching.connectors", connectors),
            ("matching.filler_words", fillers),
        ):
            for word in words:
                if _tokens(word) != [word] or word.isdigit():
                    raise self.fail(f"{where}: {word!r} must be one lower-case word without digits")
        self.connectors = frozenset(connectors)
        self.fillers = frozenset(fillers) | self.connectors

    def classes(self, raw: object) -> None:
        data = self.mapping(raw, "classes")
        if not data:
            raise self.fail("classes: no class defined")
        if self.vocabulary is not None:
            missing = sorted(self.vocabulary - set(data))
            if missing:
                raise self.fail(f"classes: vocabulary class(es) without ATC codes: {missing}")
        for cls, spec_raw in data.items():
            where = f"classes.{cls}"
            if self.vocabulary is not None and cls not in self.vocabulary:
                raise self.fail(f"{where}: class is not in the vocabulary")
            spec = self.mapping(spec_raw, where)
            self.keys(spec, _CLASS_KEYS, where)
            if "atc" not in spec:
                raise self.fail(f"{where}: missing key 'atc'")
            own = [
                self.class_pattern(cls, p, f"{where}.atc")
                for p in self.strings(spec["atc"], f"{where}.atc")
            ]
            self.patterns.extend(own)
            if "vocabulary_atc" in spec:
                for text in self.strings(spec["vocabulary_atc"], f"{where}.vocabulary_atc"):
                    vocab = self.class_pattern(cls, text, f"{where}.vocabulary_atc")
                    if not vocab.is_prefix and not any(p.covers(vocab.code) for p in own):
                        raise self.fail(
                            f"{where}: vocabulary code {vocab.code} is not covered by atc"
                        )
            if "note" in spec:
                self.text(spec["note"], f"{where}.note")

    def class_pattern(self, cls: str, text: str, where: str) -> _Pattern:
        if text.endswith("*"):
            prefix = text[:-1]
            if _ATC_PREFIX_RE.fullmatch(prefix) is None:
                raise self.fail(f"{where}: malformed ATC pattern {text!r}")
            return _Pattern(cls, prefix, True)
        if not is_valid_atc(text):
            raise self.fail(f"{where}: malformed ATC code {text!r}")
        return _Pattern(cls, text, False)

    def names_of_atc(self, raw: object) -> None:
        data = self.mapping(raw, "atc_names")
        for code, name in data.items():
            if not is_valid_atc(code) and _ATC_PREFIX_RE.fullmatch(code) is None:
                raise self.fail(f"atc_names: malformed ATC code {code!r}")
            self.atc_names[code] = self.text(name, f"atc_names.{code}")

    def medicines_list(self, raw: object) -> None:
        if not isinstance(raw, list) or not raw:
            raise self.fail("medicines: expected a non-empty list")
        for position, entry in enumerate(raw):
            self.medicine(entry, position)

    def medicine(self, raw: object, position: int) -> None:
        label = f"medicines[{position}]"
        data = self.mapping(raw, label)
        ident = data.get("id")
        if not isinstance(ident, str) or _ID_RE.fullmatch(ident) is None:
            raise self.fail(f"{label}: id must be lower_snake_case text, got {ident!r}")
        where = f"medicines[{position}] ({ident})"
        self.keys(data, _MEDICINE_KEYS, where)
        if ident in self.medicines:
            raise self.fail(f"{where}: duplicate id")
        for required in ("classes", "atc", "names"):
            if required not in data:
                raise self.fail(f"{where}: missing key {required!r}")
        known = {p.cls for p in self.patterns}
        classes = frozenset(self.strings(data["classes"], f"{where}.classes"))
        for cls in sorted(classes):
            if cls not in known:
                raise self.fail(f"{where}: class {cls!r} is not a class of the vocabulary/data")
        codes = tuple(
            self.atc_code(c, f"{where}.atc") for c in self.strings(data["atc"], f"{where}.atc")
        )
        for code in codes:
            if code not in self.atc_names:
                raise self.fail(f"{where}: ATC code {code} is not listed in atc_names")
        group = data.get("atc_is_group", False)
        if not isinstance(group, bool):
            raise self.fail(f"{where}.atc_is_group: expected true or false")
        implied = frozenset().union(
            *(frozenset(p.cls for p in self.patterns if p.covers(c)) for c in codes)
        )
        if group and not implied <= classes:
            raise self.fail(
                f"{where}: ATC implies {sorted(implied)} but classes are {sorted(classes)}"
            )
        if not group and implied != classes:
            raise self.fail(
                f"{where}: classes {sorted(classes)} do not match what its ATC code(s) imply "
                f"({sorted(implied)}); atc_is_group is only for a code shared with other products"
            )
        if "note" in data:
            self.text(data["note"], f"{where}.note")
        names = self.mapping(data["names"], f"{where}.names")
        self.keys(names, self.name_languages, f"{where}.names")
        canonical = self.strings(names.get(_CANONICAL_NAMES), f"{where}.names.{_CANONICAL_NAMES}")
        # every language of the knowledge base names the medicine (checked, not assumed)
        translated = [
            name
            for lang in sorted(self.name_languages - {_CANONICAL_NAMES})
            for name in self.strings(names.get(lang), f"{where}.names.{lang}")
        ]
        synonyms = self.strings(data.get("synonyms", []), f"{where}.synonyms", allow_empty=True)
        brands = self.brands(data.get("brands", []), f"{where}.brands")
        self.medicines[ident] = _Medicine(ident, canonical[0], classes, codes, group)
        for name in [*canonical, *translated]:
            self.register(ident, name, where, kind=0)
        for name in brands:
            self.register(ident, name, where, kind=1)
        for name in synonyms:
            self.register(ident, name, where, kind=2)

    def brands(self, raw: object, where: str) -> list[str]:
        if not isinstance(raw, list):
            raise self.fail(f"{where}: expected a list")
        out: list[str] = []
        for i, item in enumerate(raw):
            if isinstance(item, str):
                out.append(self.text(item, f"{where}[{i}]"))
                continue
            brand = self.mapping(item, f"{where}[{i}]")
            self.keys(brand, _BRAND_KEYS, f"{where}[{i}]")
            name = self.text(brand.get("name"), f"{where}[{i}].name")
            for country in self.strings(
                brand.get("countries", []), f"{where}[{i}].countries", allow_empty=True
            ):
                if _COUNTRY_RE.fullmatch(country) is None:
                    raise self.fail(f"{where}[{i}] ({name}): country {country!r} is no ISO code")
            out.append(name)
        return out

    def keys_for(self, name: str, combination: bool) -> list[tuple[str, ...]]:
        """Word keys a name is matched by. A brand is taken word for word; a generic combination
        name ("metformin/sitagliptin", "sitagliptin and metformin") loses its connectors and is
        registered in every order of its components, as labels list them either way."""
        if not combination:
            key = tuple(_tokens(name))
            return [key] if key else []
        components: list[list[str]] = []
        for piece in _SLASH_RE.split(name):
            components.append([])
            for token in _tokens(piece):
                if token in self.connectors:
                    components.append([])
                else:
                    components[-1].append(token)
        parts = [tuple(c) for c in components if c]
        if not parts:
            return []
        orders = itertools.permutations(parts) if 1 < len(parts) <= 4 else [tuple(parts)]
        return sorted({tuple(t for part in order for t in part) for order in orders})

    def register(self, ident: str, display: str, where: str, *, kind: int) -> None:
        """Add one display name (kind 0 generic, 1 brand, 2 synonym) to the trie and type-ahead."""
        keys = self.keys_for(display, combination=kind != 1)
        if not keys:
            raise self.fail(f"{where}: name {display!r} has no letters or digits to match on")
        for key in keys:
            owner = self.owner_of.get(key)
            if owner is not None and owner[0] != ident:
                raise self.fail(
                    f"{where}: name {display!r} also names medicine {owner[0]!r} ({owner[1]!r})"
                )
            if owner is None:
                self.owner_of[key] = (ident, display)
                node = self.root
                for token in key:
                    node = node.children.setdefault(token, _Node())
                node.target = (ident, display)
        norm = " ".join(_tokens(display))
        if display not in self.seen_displays:
            self.seen_displays.add(display)
            self.displays.append((display, norm, kind))

    def build(self) -> MedicineIndex:
        return MedicineIndex(
            self.medicines,
            self.root,
            tuple(self.patterns),
            self.atc_names,
            self.fillers,
            tuple(self.displays),
        )


def build_index(
    raw: object,
    file: str,
    *,
    vocabulary: Collection[str] | None = None,
    languages: Collection[str] = (),
) -> MedicineIndex:
    """Validate the parsed ``medicines.yaml`` and build the lookup index.

    ``vocabulary`` is the set of medication-class codes of ``vocabulary.yaml``; when given, every
    class must be one of them and each of them must have ATC codes. Any problem raises
    :class:`~b12check.errors.KnowledgeError` naming ``file`` and the entry.
    """
    builder = _Builder(file, vocabulary, languages)
    data = builder.top(raw)
    builder.matching(data.get("matching", {}))
    builder.classes(data["classes"])
    builder.names_of_atc(data["atc_names"])
    builder.medicines_list(data["medicines"])
    return builder.build()
