"""The command line chooses the profile as the web app does (``--profile``, else
``B12CHECK_PROFILE``, else seed), checks it in one place, and speaks the languages of the
knowledge base's text files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from b12check.cli import app
from b12check.knowledge_base import load_knowledge_base

# B12 140 pmol/L: below the seed profile's low limit, above NICE's (see knowledge/profiles).
B12_140 = ["labs", "b12=140pmol/L", "--format", "json"]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "B12CHECK_PROFILE"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "b12check.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=environment,
    )


def _b12(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["labs"][0]["interpretation"])


def test_the_profile_comes_from_the_environment_like_the_web_app() -> None:
    kb = load_knowledge_base()
    assert kb.parameter("labs.b12.low_below", "nice") < 140 < kb.parameter("labs.b12.low_below")
    assert _b12(_run(B12_140)) == "low"
    assert _b12(_run(B12_140, B12CHECK_PROFILE="nice")) == "borderline"
    # the option wins over the environment
    assert _b12(_run([*B12_140, "--profile", "seed"], B12CHECK_PROFILE="nice")) == "low"


def test_an_unknown_profile_is_refused_naming_where_it_came_from() -> None:
    proc = _run(B12_140, B12CHECK_PROFILE="nhs")
    assert proc.returncode == 2
    assert "B12CHECK_PROFILE: unknown profile 'nhs'" in proc.stderr
    assert "Traceback" not in proc.stderr
    out = CliRunner().invoke(app, [*B12_140, "--profile", "nhs"])
    assert out.exit_code == 2
    assert "--profile: unknown profile 'nhs'; expected one of: seed, nhg, nice" in out.stderr


def test_languages_are_those_of_the_text_files() -> None:
    for lang in load_knowledge_base().languages:
        out = CliRunner().invoke(app, ["labs", "b12=140pmol/L", "--lang", lang])
        assert out.exit_code == 0, out.stderr
    out = CliRunner().invoke(app, ["labs", "b12=140pmol/L", "--lang", "fr"])
    assert out.exit_code == 2
    assert "expected one of: " + ", ".join(load_knowledge_base().languages) in out.stderr
