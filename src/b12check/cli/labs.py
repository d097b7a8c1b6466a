"""``b12check labs b12=205pg/mL ...``: the quick lab reader in the terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from b12check.cli.common import Format, LangOption, ProfileOption, fail, language, profile_name


def labs(
    results: Annotated[list[str], typer.Argument(help="analyte=value[unit], e.g. b12=205pg/mL")],
    lang: LangOption = None,
    sex: Annotated[str | None, typer.Option(help="female, male or other")] = None,
    age: Annotated[float | None, typer.Option(help="age in years")] = None,
    profile: ProfileOption = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """Quick lab reader: each result in its own and canonical unit, its meaning, next tests."""
    from b12check.errors import IntakeError
    from b12check.labreader import parse_lab_arguments
    from b12check.service import assess as run

    chosen = profile_name(profile)
    try:
        labs_given = parse_lab_arguments(results)
    except ValueError as exc:
        fail(str(exc))
    patient: dict[str, Any] = {k: v for k, v in (("sex", sex), ("age", age)) if v is not None}
    document: dict[str, Any] = {"labs": labs_given}
    if patient:
        document["patient"] = patient
    try:
        result = run(document, profile=chosen)
    except IntakeError as exc:
        fail(
            "invalid lab result:\n"
            + "\n".join(f"  {_arg_name(e.path, results)}: {e.message}" for e in exc.errors)
        )
    if format is Format.json:
        data = result.to_dict()
        typer.echo(
            json.dumps(
                {
                    "labs": data["labs"],
                    "b12": data["b12"],
                    "tests": data["tests"],
                    "differentials": data["differentials"],
                    "warnings": data["warnings"],
                    "notes": data["notes"],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from b12check.knowledge_base import load_knowledge_base
    from b12check.render.text import print_labs

    print_labs(result, load_knowledge_base(), language(lang))


def _arg_name(path: str, results: list[str]) -> str:
    """``labs[1].unit`` -> ``labs[1].unit (argument 'mma=3600nmol/L')``."""
    if path.startswith("labs[") and "]" in path:
        index = int(path[5 : path.index("]")])
        if 0 <= index < len(results):
            return f"{path} (argument {results[index]!r})"
    return path
