"""A pytest plugin that runs clinical cases (YAML, contract section 3) as test items.

Every ``*.yaml`` file under ``tests/cases`` is one case; a file with an ``include:`` key names a
folder of cases (the shared vignettes beside the repository). Each case runs twice: through the
library and through the command line (``b12check assess - --format json``).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``../shared`` beside the repository (override with B12CHECK_SHARED)."""
    return Path(os.environ.get("B12CHECK_SHARED", REPO.parent / "shared"))


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Any:
        data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "include" in data:
            folder = Path(str(data["include"]).replace("${SHARED}", str(shared_dir())))
            files = sorted(folder.glob("*.yaml"))
            if not files:
                raise FileNotFoundError(f"no cases in {folder} (is ../shared beside the repo?)")
        else:
            files = [self.path]
        for f in files:
            case = yaml.safe_load(f.read_text(encoding="utf-8"))
            for door in ("library", "cli"):
                yield CaseItem.from_parent(self, name=f"{case['id']}[{door}]", case=case, door=door)


class CaseItem(pytest.Item):
    def __init__(self, *, case: dict[str, Any], door: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.door = door

    def runtest(self) -> None:
        if "expect_error" in self.case:
            self._expect_error()
        else:
            result = self._assess()
            problems = check_expectations(result, self.case["expect"])
            if problems:
                raise CaseFailureError(problems)

    def _assess(self) -> dict[str, Any]:
        if self.door == "library":
            from b12check.service import assess

            return assess(self.case["intake"]).to_dict()
        out = _cli(["assess", "-", "--format", "json"], self.case["intake"])
        assert out.exit_code == 0, f"CLI exit {out.exit_code}: {out.stderr}"
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    def _expect_error(self) -> None:
        paths = self.case["expect_error"]
        if self.door == "library":
            from b12check.errors import IntakeError
            from b12check.service import assess

            with pytest.raises(IntakeError) as info:
                assess(self.case["intake"])
            message = str(info.value)
        else:
            out = _cli(["assess", "-", "--format", "json"], self.case["intake"])
            assert out.exit_code == 2, f"expected exit 2, got {out.exit_code}: {out.stdout}"
            message = out.stderr
        missing = [p for p in paths if p not in message]
        if missing:
            raise CaseFailureError([f"error message does not name {missing}: {message}"])

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailureError):
            return f"{self.case['id']} ({self.door}): " + "\n  ".join(excinfo.value.args[0])
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case {self.case['id']} via {self.door}"


class CaseFailureError(Exception):
    """The assessment did not meet the case's expectations."""


def _cli(args: list[str], intake: Any) -> Any:
    from b12check.cli import app

    return CliRunner().invoke(app, args, input=json.dumps(intake, default=str))


def lookup(result: dict[str, Any], key: str) -> Any:
    """Resolve an expectation key: dotted path, ``differentials.NAME[.next_step]``,
    ``labs.ANALYTE[.value]``."""
    parts = key.split(".")
    if parts[0] == "differentials" and len(parts) in (2, 3):
        field = parts[2] if len(parts) == 3 else "support"
        return next(
            (d.get(field) for d in result["differentials"] if d["condition"] == parts[1]), None
        )
    if parts[0] == "labs" and len(parts) >= 2:
        labs = [lab for lab in result["labs"] if lab["analyte"] == parts[1]]
        if not labs:
            return None
        lab = labs[-1]
        return lab["interpretation"] if len(parts) == 2 else lab[parts[2]]
    value: Any = result
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def check_expectations(result: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every unmet expectation, in words."""
    problems = []
    for key, want in expect.items():
        got = lookup(result, key)
        if isinstance(want, dict) and "approx" in want:
            ok = isinstance(got, int | float) and math.isclose(
                got, want["approx"], abs_tol=want.get("tol", 0.01)
            )
        elif isinstance(want, dict):
            got_set = set(got or [])
            ok = set(want.get("includes", [])) <= got_set and not (
                set(want.get("excludes", [])) & got_set
            )
        elif isinstance(want, list) and not (isinstance(got, list)):
            ok = got in want
        else:
            ok = got == want
        if not ok:
            problems.append(f"{key}: expected {want!r}, got {got!r}")
    return problems
