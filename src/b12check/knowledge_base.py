"""Load and validate the knowledge base (``knowledge/``) once; every door reads it from here.

The loader is strict: an unknown key, a value without unit or source, a source that does not
exist, a duplicate key, a bad LOINC check digit or a missing translation stops it, naming the file
(and line where YAML knows it). The core receives the result as plain data and does no I/O.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property, lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from b12check import __version__
from b12check.core.codes import is_analyte
from b12check.core.knowledge import (
    AnalyteSpec,
    DatedValue,
    Knowledge,
    LoincSpec,
    Parameter,
    ParamValue,
    RuleSpec,
    Source,
    UnitSpec,
    Vocabulary,
)
from b12check.core.loinc import loinc_check_digit_ok
from b12check.errors import KnowledgeError
from b12check.medicines import MedicineIndex, build_index

TEXT_FIELDS = ("label", "patient", "clinician")
# vocabulary sections whose every code needs texts, and the text section they live in
TEXT_COVERAGE = {
    "triage_levels": "triage_levels",
    "symptoms": "symptoms",
    "diets": "diets",
    "conditions": "conditions",
    "exposures": "exposures",
    "medication_classes": "medication_classes",
    "analytes": "analytes",
    "lab_interpretations": "lab_interpretations",
    "b12_status": "b12_status",
    "b12_suspicion": "b12_suspicion",
    "differential_conditions": "differential_conditions",
    "differential_support": "differential_support",
    "tests": "tests",
    "plans": "plans",
    "risk_factors": "risk_factors",
    "warnings": "warnings",
    "triage_reasons": "triage_reasons",
    "notes": "notes",
    "next_steps": "next_steps",
    "screening_reasons": "screening_reasons",
    "screening_signs": "screening_signs",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")
FALLBACK_LANGUAGE = "en"  # a user-interface string missing in a language is shown in this one


def discover_languages(root: Traversable | None = None) -> tuple[str, ...]:
    """The languages b12check speaks: one per text file ``knowledge/texts/<lang>.yaml``.

    Nothing else lists them; adding a language means adding its text files (``b12check kb``
    then demands every text in it)."""
    folder = (package_root() if root is None else root) / "texts"
    if not folder.is_dir():
        return ()
    names = (entry.name.split(".") for entry in folder.iterdir())
    return tuple(sorted(parts[0] for parts in names if len(parts) == 2 and parts[1] == "yaml"))


class _Loader(yaml.CSafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    name = "knowledge"


def _no_duplicates(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise KnowledgeError(
                str(loader.name), f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


class KnowledgeBase:
    """The validated knowledge base: the core's data plus texts for people and clinicians.

    Texts are read (and checked for full coverage) on first use, so a JSON-only door such as
    ``b12check assess --format json`` starts quickly.
    """

    def __init__(
        self, core: Knowledge, medicines: MedicineIndex, strict_texts: bool, root: Traversable
    ) -> None:
        self.core = core
        self.medicines = medicines
        self._strict_texts = strict_texts
        self._root = root

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """Every language with a text file, sorted (see :func:`discover_languages`)."""
        return discover_languages(self._root)

    @cached_property
    def _text_files(self) -> Mapping[str, TextFile]:
        files = {lang: _texts(self._root, lang) for lang in self.languages}
        if self._strict_texts:
            check_texts({lang: f.sections for lang, f in files.items()}, self.core)
        return files

    @cached_property
    def texts(self) -> Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]]:
        """lang -> section -> code -> field -> text."""
        return {lang: f.sections for lang, f in self._text_files.items()}

    def locale(self, lang: str) -> str:
        """The Babel locale a language's text file names (``nl_NL``), for numbers and dates."""
        return self._text_files[lang].locale

    @cached_property
    def ui_texts(self) -> Mapping[str, Mapping[str, str]]:
        """lang -> "area.key" -> text."""
        return _ui(self._root)

    @property
    def profiles(self) -> tuple[str, ...]:
        """Profile names, default first."""
        return tuple(self.core.profiles)

    @property
    def vocabulary(self) -> Vocabulary:
        """Every code."""
        return self.core.vocabulary

    @property
    def analytes(self) -> Mapping[str, AnalyteSpec]:
        """Lab analytes with their units."""
        return self.core.analytes

    @property
    def sources(self) -> Mapping[str, Source]:
        """Citable sources by id."""
        return self.core.sources

    def parameter(self, name: str, profile: str = "seed", on: date | None = None) -> ParamValue:
        """A parameter's value for a profile on a date (today when not given)."""
        return self.core.profiles[profile][name].at(on or date.today()).value

    def text(self, lang: str, section: str, code: str, field: str = "patient") -> str:
        """A text of the knowledge base; KeyError when missing (the loader makes that rare)."""
        return self.texts[lang][section][code][field]

    def has_text(self, lang: str, section: str, code: str) -> bool:
        """Whether a text entry exists (optional sections such as rules)."""
        return code in self.texts.get(lang, {}).get(section, {})

    def ui(self, lang: str, key: str) -> str:
        """A user-interface string (``cli.title``, ``web.start``), falling back to English."""
        table = self.ui_texts.get(lang, {})
        if key in table:
            return table[key]
        return self.ui_texts[FALLBACK_LANGUAGE][key]


def package_root() -> Traversable:
    """The knowledge folder shipped inside the package."""
    return files("b12check") / "knowledge"


def _read(path: Traversable, name: str) -> Any:
    loader = _Loader(path.read_text(encoding="utf-8"))
    loader.name = name
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise KnowledgeError(name, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _keys(
    file: str,
    where: str,
    data: Any,
    required: set[str],
    optional: frozenset[str] | set[str] = frozenset(),
) -> None:
    if not isinstance(data, Mapping):
        raise KnowledgeError(file, f"{where}: expected a mapping")
    missing = required - set(data)
    unknown = set(data) - required - optional
    if missing:
        raise KnowledgeError(file, f"{where}: missing {', '.join(sorted(missing))}")
    if unknown:
        raise KnowledgeError(file, f"{where}: unknown key {', '.join(sorted(map(str, unknown)))}")


@lru_cache(maxsize=4)
def load_knowledge_base(strict_texts: bool = True, root: Path | None = None) -> KnowledgeBase:
    """Read, validate and cache the knowledge base shipped inside the package (or at ``root``,
    which tests use to check that a broken copy is refused)."""
    base: Traversable = package_root() if root is None else root
    cached = _from_cache(base, strict_texts)
    if cached is not None:
        return cached
    kb = _load(base, strict_texts)
    _to_cache(base, kb)
    return kb


def read_knowledge_base(root: Traversable | None = None) -> KnowledgeBase:
    """Read and validate the structure afresh (no cache; texts are checked by the caller):
    what ``b12check kb`` checks."""
    return _load(package_root() if root is None else root, strict_texts=False)


def read_text_file(root: Traversable, lang: str) -> TextFile:
    """One language's text file, its structure checked (coverage: :func:`text_problems`)."""
    return _texts(root, lang)


def _cache_file(root: Traversable) -> Path | None:
    """A compiled copy of the validated core data, keyed by every knowledge file's size and
    modification time (like .pyc files): start-up of the CLI then skips YAML parsing."""
    if not isinstance(root, Path) or os.environ.get("B12CHECK_NO_KB_CACHE"):
        return None
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.yaml")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    from platformdirs import user_cache_dir

    folder = Path(user_cache_dir("b12check", appauthor=False))
    return folder / f"kb-{digest.hexdigest()[:24]}.pickle"


def _from_cache(root: Traversable, strict_texts: bool) -> KnowledgeBase | None:
    path = _cache_file(root)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as f:
            core, medicines = pickle.load(f)  # our own cache file, written below
    except Exception:  # a stale or broken cache is rebuilt, never trusted
        return None
    return KnowledgeBase(core, medicines, strict_texts, root)


def _to_cache(root: Traversable, kb: KnowledgeBase) -> None:
    path = _cache_file(root)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        core = replace(kb.core, _cache={})
        with tmp.open("wb") as f:
            pickle.dump((core, kb.medicines), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a read-only home folder only costs start-up time


def _load(root: Traversable, strict_texts: bool) -> KnowledgeBase:
    vocabulary = _vocabulary(_read(root / "vocabulary.yaml", "knowledge/vocabulary.yaml"))
    sources = _sources(_read(root / "sources.yaml", "knowledge/sources.yaml"))
    parameters: dict[str, Parameter] = {}
    for entry in sorted((root / "parameters").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            area = entry.name.removesuffix(".yaml")
            file = f"knowledge/parameters/{entry.name}"
            for key, raw in _read(entry, file).items():
                name = f"{area}.{key}"
                if name in parameters:
                    raise KnowledgeError(file, f"duplicate parameter {name}")
                parameters[name] = _parameter(file, name, raw, sources, None)
    profiles, descriptions = _profiles(root, parameters, sources)
    analytes, loinc = _analytes(
        _read(root / "analytes.yaml", "knowledge/analytes.yaml"), vocabulary, sources, parameters
    )
    replacements, aliases = _unit_aliases(
        _read(root / "unit_aliases.yaml", "knowledge/unit_aliases.yaml")
    )
    groups, rules = _rules(_read(root / "rules.yaml", "knowledge/rules.yaml"), vocabulary, sources)
    medicines = build_index(
        _read(root / "medicines.yaml", "knowledge/medicines.yaml"),
        "knowledge/medicines.yaml",
        vocabulary=vocabulary.codes("medication_classes"),
        languages=discover_languages(root),
    )
    core = Knowledge(
        vocabulary=vocabulary,
        sources=sources,
        parameters=parameters,
        profiles=profiles,
        profile_descriptions=descriptions,
        analytes=analytes,
        loinc=loinc,
        unit_replacements=replacements,
        unit_aliases=aliases,
        symptom_groups=groups,
        rules=rules,
        medicines=medicines,
    )
    return KnowledgeBase(core, medicines, strict_texts, root)


def _vocabulary(raw: Any) -> Vocabulary:
    sections: dict[str, tuple[str, ...]] = {}
    for name, value in raw.items():
        if isinstance(value, Mapping | list):
            sections[name] = tuple(value)
    progression = raw.get("symptom_detail", {}).get("progression", [])
    sections["progression"] = tuple(progression)
    return Vocabulary(sections)


def _sources(raw: Any) -> dict[str, Source]:
    file = "knowledge/sources.yaml"
    out = {}
    for sid, entry in raw.items():
        _keys(file, sid, entry, {"title", "publisher", "year", "link"})
        if not all(entry[k] for k in ("title", "publisher", "year", "link")):
            raise KnowledgeError(file, f"{sid}: title, publisher, year and link must be filled")
        out[sid] = Source(
            sid,
            str(entry["title"]),
            str(entry["publisher"]),
            int(entry["year"]),
            str(entry["link"]),
        )
    return out


def _source_list(file: str, where: str, raw: Any, sources: Mapping[str, Source]) -> tuple[str, ...]:
    ids = raw if isinstance(raw, list) else [raw]
    if not ids or not all(isinstance(i, str) for i in ids):
        raise KnowledgeError(file, f"{where}: source must name at least one source id")
    for sid in ids:
        if sid not in sources:
            raise KnowledgeError(file, f"{where}: unknown source {sid!r} (see sources.yaml)")
    return tuple(ids)


def _value(file: str, where: str, raw: Any) -> ParamValue:
    if isinstance(raw, bool):
        raise KnowledgeError(file, f"{where}: expected a number or [low, high]")
    if isinstance(raw, int | float):
        return float(raw)
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)
        and raw[0] <= raw[1]
    ):
        return (float(raw[0]), float(raw[1]))
    raise KnowledgeError(file, f"{where}: expected a number or [low, high]")


def _parameter(
    file: str, name: str, raw: Any, sources: Mapping[str, Source], base: Parameter | None
) -> Parameter:
    if base is None:
        _keys(file, name, raw, {"description", "unit", "values", "last_reviewed"})
        description, unit = str(raw["description"]), str(raw["unit"])
        if not unit:
            raise KnowledgeError(file, f"{name}: unit must not be empty")
    else:
        _keys(file, name, raw, {"values", "last_reviewed"}, {"unit"})
        description, unit = base.description, base.unit
        if raw.get("unit", unit) != unit:
            raise KnowledgeError(file, f"{name}: a profile may not change the unit ({unit})")
    if not isinstance(raw["last_reviewed"], date):
        raise KnowledgeError(file, f"{name}: last_reviewed must be a date (YYYY-MM-DD)")
    values = raw["values"]
    if not isinstance(values, Mapping) or not values:
        raise KnowledgeError(file, f"{name}: values must map dates to {{value, source}}")
    dated = []
    for since, entry in values.items():
        where = f"{name}.values.{since}"
        if not isinstance(since, date):
            raise KnowledgeError(file, f"{where}: key must be a date (YYYY-MM-DD)")
        _keys(file, where, entry, {"value", "source"})
        dated.append(
            DatedValue(
                since,
                _value(file, where, entry["value"]),
                _source_list(file, where, entry["source"], sources),
            )
        )
    dated.sort(key=lambda d: d.since)
    return Parameter(name, description, unit, tuple(dated), raw["last_reviewed"])


def _profiles(
    root: Traversable, parameters: dict[str, Parameter], sources: Mapping[str, Source]
) -> tuple[dict[str, dict[str, Parameter]], dict[str, str]]:
    profiles: dict[str, dict[str, Parameter]] = {"seed": dict(parameters)}
    descriptions: dict[str, str] = {}
    for entry in sorted(
        (root / "profiles").iterdir(), key=lambda p: (p.name != "seed.yaml", p.name)
    ):
        if not entry.name.endswith(".yaml"):
            continue
        name = entry.name.removesuffix(".yaml")
        file = f"knowledge/profiles/{entry.name}"
        raw = _read(entry, file)
        _keys(file, name, raw, {"description", "overrides"})
        descriptions[name] = str(raw["description"])
        resolved = dict(parameters)
        for pname, override in (raw["overrides"] or {}).items():
            if pname not in parameters:
                raise KnowledgeError(file, f"override of unknown parameter {pname}")
            resolved[pname] = _parameter(file, pname, override, sources, parameters[pname])
        profiles[name] = resolved
    return profiles, descriptions


def _plausible(file: str, code: str, unit: str, parameters: Mapping[str, Parameter]) -> Any:
    """Rule L4's range for one analyte: the newest value of parameter ``plausible.<code>``."""
    param = parameters.get(f"plausible.{code}")
    if param is None:
        raise KnowledgeError(file, f"{code}: no parameter plausible.{code} (rule L4)")
    if param.unit != unit:
        raise KnowledgeError(
            "knowledge/parameters/plausible.yaml",
            f"{code}: unit {param.unit} differs from the canonical unit {unit}",
        )
    value = param.values[-1].value
    if not isinstance(value, tuple):
        raise KnowledgeError("knowledge/parameters/plausible.yaml", f"{code}: expected [low, high]")
    return value


def _analytes(
    raw: Any,
    vocabulary: Vocabulary,
    sources: Mapping[str, Source],
    parameters: Mapping[str, Parameter],
) -> tuple[dict[str, AnalyteSpec], dict[str, LoincSpec]]:
    file = "knowledge/analytes.yaml"
    vocab_analytes = set(vocabulary.codes("analytes"))
    if set(raw) != vocab_analytes:
        raise KnowledgeError(file, f"analytes differ from vocabulary: {set(raw) ^ vocab_analytes}")
    analytes: dict[str, AnalyteSpec] = {}
    loinc_index: dict[str, LoincSpec] = {}
    for code, entry in raw.items():
        if not is_analyte(code):
            raise KnowledgeError(file, f"{code}: not an analyte of core/codes.py")
        qualitative = bool(entry.get("qualitative", False))
        if qualitative:
            _keys(file, code, entry, {"qualitative", "loinc"})
            units: dict[str, UnitSpec] = {}
            canonical = None
            plausible = None
        else:
            _keys(file, code, entry, {"canonical_unit", "units", "loinc"})
            canonical = str(entry["canonical_unit"])
            plausible = _plausible(file, code, canonical, parameters)
            units = {}
            for uname, u in entry["units"].items():
                where = f"{code}.units.{uname}"
                _keys(file, where, u, {"factor", "kind"}, {"source"})
                is_canonical = uname == canonical
                if not is_canonical and "source" not in u:
                    raise KnowledgeError(file, f"{where}: a conversion factor needs a source")
                src = _source_list(file, where, u["source"], sources)[0] if "source" in u else None
                if uname.lower() in units:
                    raise KnowledgeError(file, f"{where}: duplicate unit")
                units[uname.lower()] = UnitSpec(uname, float(u["factor"]), str(u["kind"]), src)
            if canonical.lower() not in units or units[canonical.lower()].factor != 1:
                raise KnowledgeError(file, f"{code}: canonical unit {canonical} needs factor 1")
        loincs: dict[str, LoincSpec] = {}
        for lcode, spec in entry["loinc"].items():
            where = f"{code}.loinc.{lcode}"
            if not loinc_check_digit_ok(str(lcode)):
                raise KnowledgeError(file, f"{where}: LOINC check digit is wrong")
            _keys(file, where, spec, {"kind"}, {"unit"})
            if lcode in loinc_index:
                raise KnowledgeError(
                    file, f"{where}: LOINC already used for {loinc_index[lcode].analyte}"
                )
            unit = spec.get("unit")
            if unit is not None and str(unit).lower() not in units:
                raise KnowledgeError(file, f"{where}: unit {unit} is not listed under units")
            loincs[lcode] = LoincSpec(lcode, code, str(spec["kind"]), unit)
            loinc_index[lcode] = loincs[lcode]
        analytes[code] = AnalyteSpec(code, canonical, qualitative, plausible, units, loincs)
    return analytes, loinc_index


def _unit_aliases(raw: Any) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    _keys("knowledge/unit_aliases.yaml", "top", raw, {"replace", "aliases"})
    replace = tuple((str(k).lower(), str(v).lower()) for k, v in raw["replace"].items())
    return replace, {str(k).lower(): str(v) for k, v in raw["aliases"].items()}


def _rules(
    raw: Any, vocabulary: Vocabulary, sources: Mapping[str, Source]
) -> tuple[dict[str, frozenset[str]], dict[str, RuleSpec]]:
    file = "knowledge/rules.yaml"
    _keys(file, "top", raw, {"symptom_groups", "rules"})
    symptoms = set(vocabulary.codes("symptoms"))
    groups = {}
    for name, codes in raw["symptom_groups"].items():
        unknown = set(codes) - symptoms
        if unknown:
            raise KnowledgeError(file, f"symptom group {name}: unknown symptoms {sorted(unknown)}")
        groups[name] = frozenset(codes)
    rules = {}
    for rid, entry in raw["rules"].items():
        _keys(file, rid, entry, {"area", "sources"})
        rules[rid] = RuleSpec(
            rid, str(entry["area"]), _source_list(file, rid, entry["sources"], sources)
        )
    return groups, rules


@dataclass(frozen=True, slots=True)
class TextFile:
    """One language's texts and the Babel locale its numbers and dates are written in."""

    locale: str
    sections: dict[str, dict[str, dict[str, str]]]


def _texts(root: Traversable, lang: str) -> TextFile:
    file = f"knowledge/texts/{lang}.yaml"
    raw = _read(root / "texts" / f"{lang}.yaml", file)
    _keys(file, "top", raw, {"language", "sections"}, {"locale"})
    if raw["language"] != lang:
        raise KnowledgeError(file, f"language is {raw['language']!r}, expected {lang!r}")
    locale = str(raw.get("locale") or lang)
    try:
        from babel import Locale, UnknownLocaleError

        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise KnowledgeError(file, f"locale {locale!r} is not a known locale") from None
    out: dict[str, dict[str, dict[str, str]]] = {}
    for section, entries in raw["sections"].items():
        out[section] = {}
        for code, entry in entries.items():
            where = f"{section}.{code}"
            _keys(file, where, entry, set(TEXT_FIELDS), {"contrast", "features"})
            for fname, text in entry.items():
                if not isinstance(text, str) or not text.strip():
                    raise KnowledgeError(file, f"{where}.{fname}: text must not be empty")
            out[section][str(code)] = {k: str(v).strip() for k, v in entry.items()}
    return TextFile(locale, out)


def _ui(root: Traversable) -> dict[str, dict[str, str]]:
    languages = discover_languages(root)
    out: dict[str, dict[str, str]] = {lang: {} for lang in languages}
    folder = root / "texts" / "ui"
    if not folder.is_dir():
        return out
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        parts = entry.name.split(".")
        if len(parts) != 3 or parts[2] != "yaml" or parts[1] not in languages:
            continue
        area, lang = parts[0], parts[1]
        file = f"knowledge/texts/ui/{entry.name}"
        raw = _read(entry, file) or {}
        for key, text in raw.items():
            if not isinstance(text, str):
                raise KnowledgeError(file, f"{key}: expected a text")
            out[lang][f"{area}.{key}"] = text
    return out


def check_texts(texts: Mapping[str, Any], core: Knowledge) -> None:
    """Raise the first of :func:`text_problems` (the loader stops at the first problem)."""
    for problem in text_problems(texts, core):
        raise problem


def text_problems(texts: Mapping[str, Any], core: Knowledge) -> Iterator[KnowledgeError]:
    """Every vocabulary code and every rule needs label, patient and clinician text in each
    language, every language has the entries any other has, and placeholders must name real
    parameters."""
    for lang, sections in texts.items():
        file = f"knowledge/texts/{lang}.yaml"
        for vocab_section, text_section in TEXT_COVERAGE.items():
            have = sections.get(text_section, {})
            for code in core.vocabulary.codes(vocab_section):
                if code not in have:
                    yield KnowledgeError(file, f"missing text {text_section}.{code}")
        for rid in core.rules:
            if rid not in sections.get("rules", {}):
                yield KnowledgeError(file, f"missing text rules.{rid}")
        for section, entries in sections.items():
            for code, entry in entries.items():
                for fname, text in entry.items():
                    for name in _PLACEHOLDER.findall(text):
                        if "." in name and name not in core.parameters:
                            yield KnowledgeError(
                                file, f"{section}.{code}.{fname}: unknown parameter {{{name}}}"
                            )
    for lang, sections in texts.items():
        for other, other_sections in texts.items():
            if other == lang:
                continue
            for section, entries in other_sections.items():
                missing = set(entries) - set(sections.get(section, {}))
                if missing:
                    yield KnowledgeError(
                        f"knowledge/texts/{lang}.yaml",
                        f"missing translation of {section}: {sorted(missing)} (in {other}.yaml)",
                    )
