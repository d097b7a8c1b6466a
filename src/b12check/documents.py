"""Reading documents strictly: one set of rules for JSON, YAML, forms and the CLI.

An intake must mean one thing. So a key given twice is an error (never "the last one wins"),
YAML is read with YAML 1.2 rules (``0205`` is 205, ``1:30`` and ``yes`` are text, never 90 or
true), and values no clinician typed on purpose — NaN, infinity, integers longer than
:data:`~b12check.limits.MAX_INTEGER_DIGITS` digits, NUL and other control characters, lone
surrogates, nesting deeper than :data:`~b12check.limits.MAX_DEPTH` — are errors naming where they
are (``labs[0].value``). Every failure is a :class:`DocumentError`, never another exception.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from b12check.errors import FieldError, IntakeError, path_key
from b12check.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_INTEGER_DIGITS, MAX_NODES

__all__ = [
    "DocumentError",
    "PlainText",
    "character_problem",
    "load_document",
    "load_json",
    "load_yaml",
    "strict",
]


class DocumentError(IntakeError):
    """A document that cannot be read unambiguously. ``unreadable`` is true when it could not be
    parsed at all (bad encoding or syntax: HTTP 400), false when it parsed but holds a value
    that is refused (a duplicate key, NaN, ...: HTTP 422)."""

    def __init__(self, errors: list[FieldError], *, unreadable: bool = False) -> None:
        super().__init__(errors)
        self.unreadable = unreadable


class _Pairs(list[tuple[Any, Any]]):
    """A mapping as parsed, before duplicate keys are checked (so the error can name the path)."""


class _Refused:
    """A scalar the parser met but will not turn into a number (named in the error)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


_HUGE = _Refused(f"number too long (at most {MAX_INTEGER_DIGITS} digits)")
_NOT_FINITE = _Refused("not a finite number (NaN and infinity are not accepted)")
_BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def character_problem(text: str) -> str | None:
    """What is wrong with the characters of a text (None when nothing): NUL and other control
    characters except tab and line breaks, and lone surrogates."""
    match = _BAD_CHARACTERS.search(text)
    if match is None:
        return None
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "contains a lone surrogate (not valid Unicode text)"
    return f"contains the control character U+{ord(char):04X}"


def plain_text(value: str) -> str:
    """Pydantic validator: text without NUL, other control characters or lone surrogates (line
    breaks and tabs are fine). Such text cannot be stored in PostgreSQL or sent as UTF-8."""
    problem = character_problem(value)
    if problem:
        raise ValueError(problem)
    return value


PlainText = Annotated[str, AfterValidator(plain_text)]
"""A ``str`` field that refuses control characters and lone surrogates."""


# ---- the strict tree walk shared by every format ----


class _Walk:
    def __init__(self, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
        self.errors: list[FieldError] = []
        self.nodes = 0
        self.max_depth, self.max_nodes = max_depth, max_nodes

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path or "document", message))

    def value(self, value: Any, path: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            message = f"more than {self.max_nodes} values"
            raise DocumentError([FieldError(path or "document", message)])
        if isinstance(value, _Pairs | dict | list) and depth > self.max_depth:
            self.fail(path, f"nested too deeply (at most {self.max_depth} levels)")
            return None
        if isinstance(value, _Pairs | dict):
            return self.mapping(value.items() if isinstance(value, dict) else value, path, depth)
        if isinstance(value, list):
            return [self.value(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, _Refused):
            self.fail(path, value.reason)
            return None
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if len(str(abs(value))) > MAX_INTEGER_DIGITS:
                self.fail(path, _HUGE.reason)
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fail(path, _NOT_FINITE.reason)
            return value
        if isinstance(value, str):
            problem = character_problem(value)
            if problem:
                self.fail(path, problem)
            return value
        self.fail(path, "expected text, a number, true/false, a list or a mapping")
        return None

    def mapping(self, items: Any, path: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in items:
            if not isinstance(key, str):
                self.fail(path, "every key must be text")
                continue
            sub = f"{path}.{path_key(key)}" if path else path_key(key)
            problem = character_problem(key)
            if problem:
                self.fail(sub, f"the key {problem}")
                continue
            if key in out:
                self.fail(sub, "this key is given twice; give each key once")
                continue
            out[key] = self.value(item, sub, depth + 1)
        return out


def strict(
    value: Any, *, source: str = "", max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Any:
    """The plain (dict/list/scalar) form of a parsed document, or :class:`DocumentError` naming
    every refused value. Also checks documents that did not come from text (a form's answers)."""
    walk = _Walk(max_depth, max_nodes)
    try:
        out = walk.value(value, source, 1)
    except RecursionError:
        raise DocumentError([FieldError(source or "document", "nested too deeply")]) from None
    if walk.errors:
        raise DocumentError(walk.errors)
    return out


# ---- JSON ----


def _int(text: str) -> int | _Refused:
    return _HUGE if len(text.lstrip("-")) > MAX_INTEGER_DIGITS else int(text)


def _constant(_: str) -> _Refused:
    return _NOT_FINITE


def _decode(data: bytes | str, source: str, max_bytes: int) -> str:
    if isinstance(data, str):
        return data
    if len(data) > max_bytes:
        raise DocumentError(
            [FieldError(source, f"larger than {max_bytes // 1024} kB")], unreadable=True
        )
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not valid UTF-8 text (byte {exc.start})"
        raise DocumentError([FieldError(source, message)], unreadable=True) from None


def load_json(
    data: bytes | str,
    *,
    source: str = "document",
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """A JSON document read strictly (see the module's rules)."""
    text = _decode(data, source, max_bytes)
    try:
        parsed = json.loads(
            text, object_pairs_hook=_Pairs, parse_int=_int, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise DocumentError([FieldError(source, message)], unreadable=True) from None
    except RecursionError:
        message = f"nested too deeply (at most {max_depth} levels)"
        raise DocumentError([FieldError(source, message)], unreadable=True) from None
    return strict(parsed, max_depth=max_depth, max_nodes=max_nodes)


# ---- YAML 1.2 ----

_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema instead of YAML 1.1's implicit types
    (no octal ``0205``, no sexagesimal ``1:30``, no ``yes``/``on`` booleans, no implicit dates),
    without aliases (no alias bombs) and keeping duplicate keys for the strict walk to name."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (PyYAML's class-level registry)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])


def _yaml_int(loader: _Loader, node: ScalarNode) -> int | _Refused:
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        digits, base = text[2:], 8 if text[1] == "o" else 16
    else:
        digits, base = text, 10
    if len(digits.lstrip("+-")) > MAX_INTEGER_DIGITS:
        return _HUGE
    try:
        return int(digits, base)
    except ValueError:
        return _Refused("not a whole number (YAML 1.2: digits, 0o for octal, 0x for hex)")


def _yaml_float(loader: _Loader, node: ScalarNode) -> float | _Refused:
    text = str(loader.construct_scalar(node)).lower()
    if text.lstrip("+-") in (".inf", ".nan"):
        return _NOT_FINITE
    try:
        return float(text)
    except ValueError:
        return _Refused("not a number")


def _yaml_bool(loader: _Loader, node: ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


def _yaml_null(loader: _Loader, node: ScalarNode) -> None:
    return None


def _yaml_map(loader: _Loader, node: MappingNode) -> Iterator[_Pairs]:
    pairs = _Pairs()
    yield pairs
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # a list key is refused by the walk
        pairs.append((key, loader.construct_object(value_node)))


_Loader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _yaml_bool)
_Loader.add_constructor("tag:yaml.org,2002:null", _yaml_null)
_Loader.add_constructor("tag:yaml.org,2002:map", _yaml_map)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The parser's complaint with its line and column, without quoting the input."""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "syntax error"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"not valid YAML: {problem}{where}"


def load_yaml(data: bytes | str, *, source: str = "document") -> Any:
    """A YAML (1.2) or JSON document read strictly (see the module's rules)."""
    text = _decode(data, source, MAX_DOCUMENT_BYTES)
    try:
        parsed = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise DocumentError([FieldError(source, _yaml_problem(exc))], unreadable=True) from None
    except RecursionError:
        message = f"nested too deeply (at most {MAX_DEPTH} levels)"
        raise DocumentError([FieldError(source, message)], unreadable=True) from None
    return strict(parsed)


def load_document(data: bytes | str, *, source: str = "document", json_only: bool = False) -> Any:
    """JSON when asked for (or when the source is a ``.json`` file), else YAML 1.2."""
    if json_only or source.lower().endswith(".json"):
        return load_json(data, source=source)
    return load_yaml(data, source=source)
