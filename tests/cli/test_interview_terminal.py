"""The terminal interview driven through a real pseudo-terminal (pexpect), as a person types:
answers in their own language ("man", "v", "veganistisch", "erger", a number from a list), a
wrong answer explained in words (never a Python message), and the result with the action first,
in the same order as the web page (issue 8)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest

BIN = Path(sys.executable).with_name("b12check")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
PYTHON_WORDS = ("Traceback", "could not convert", "ValueError", "Error:", "invalid literal")


def _spawn(lang: str) -> pexpect.spawn:
    command = str(BIN) if BIN.exists() else shutil.which("b12check")
    assert command, "the b12check command is not installed"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    return pexpect.spawn(
        command, ["interview", "--lang", lang], env=env, encoding="utf-8", timeout=30,
        dimensions=(50, 100),
    )  # fmt: skip


def _answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect(prompt)
    child.sendline(text)


def _finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return ANSI.sub("", child.before or "")


def _in_order(text: str, *parts: str) -> None:
    positions = [text.find(p) for p in parts]
    assert all(p >= 0 for p in positions), dict(zip(parts, positions, strict=True))
    assert positions == sorted(positions), dict(zip(parts, positions, strict=True))


def test_dutch_interview_in_dutch_words() -> None:
    child = _spawn("nl")
    _answer(child, "Hoe oud bent u", "veertig")  # a word where a number belongs
    child.expect("Typ een heel getal van 16 tot 120")
    child.sendline("67")
    _answer(child, "Uw keuze", "m")  # sex: "m" is man
    _answer(child, "gevallen", "nee")
    _answer(child, "Uw keuze", "tintelingen, 1")  # symptoms: a word and a number
    _answer(child, "Hoe erg", "6")  # tingling
    _answer(child, "Hoeveel weken", "10")
    _answer(child, "Uw keuze", "erger")  # course: worsening
    _answer(child, "Uw keuze", "voeten")  # where the tingling is
    _answer(child, "Hoe erg", "4")  # muscle pain
    _answer(child, "Hoeveel weken", "3")
    _answer(child, "Uw keuze", "omnivore")  # an English code is not a Dutch answer ...
    child.expect("Typ een woord uit de lijst")
    child.sendline("veganistisch")  # ... the Dutch word is
    _answer(child, "verrijkt", "nee")
    _answer(child, "supplementen", "nee")
    _answer(child, "medicijnen", "nee")
    _answer(child, "aandoeningen", "")
    _answer(child, "Uw keuze", "")
    _answer(child, "Uw keuze", "")  # exposures
    _answer(child, "bloedonderzoek", "nee")
    _answer(child, "behandeld", "nee")
    out = _finish(child)
    for word in PYTHON_WORDS:
        assert word not in out
    assert not SNAKE.findall(out), SNAKE.findall(out)
    _in_order(
        out,
        "Binnen enkele dagen naar de huisarts",  # the action card first
        "Waarom:",
        "Tests om aan uw huisarts te vragen",
        "Wat helpt",
        "Waarom deze uitkomst",
        "Voor uw arts",
    )
    assert "Tintelingen in: in de voeten" in out


def test_english_interview_in_english_words() -> None:
    child = _spawn("en")
    _answer(child, "How old are you", "34")
    _answer(child, "Your choice", "woman")
    _answer(child, "pregnant", "no")
    _answer(child, "breastfeeding", "n")
    _answer(child, "fallen", "yes")  # a fall through losing balance: a red flag
    _answer(child, "Your choice", "")  # no other symptoms
    child.expect("skip the remaining questions")
    out = _finish(child)
    for word in PYTHON_WORDS:
        assert word not in out
    _in_order(
        out, "Get help now", "Say on the phone", "Tests to ask your GP for", "For your doctor"
    )
    assert "balance problems" in out.split("Say on the phone", 1)[1].lower()


@pytest.mark.parametrize(("lang", "typed", "expected"), [
    ("nl", "vrouw", "female"), ("nl", "v", "female"), ("nl", "man", "male"),
    ("en", "f", "female"), ("en", "male", "male"), ("en", "2", "male"),
])  # fmt: skip
def test_sex_answers_in_the_persons_language(lang: str, typed: str, expected: str) -> None:
    from b12check import questions

    assert questions.read_choice(lang, questions.question("sex"), typed) == expected


def test_dutch_course_and_diet_words() -> None:
    from b12check import questions

    q = questions.question
    assert questions.read_choice("nl", q("progression"), "beter") == "improving"
    assert questions.read_choice("nl", q("treat_response"), "beter") == "improved"
    assert questions.read_choice("nl", q("diet_pattern"), "veganistisch") == "vegan"
    assert questions.read_choice("nl", q("diet_pattern"), "omnivore") is None


def test_impossible_lab_value_is_caught_at_once_with_the_likely_unit() -> None:
    child = _spawn("nl")
    for prompt, text in (
        ("Hoe oud bent u", "50"), ("Uw keuze", "vrouw"), ("zwanger", "nee"),
        ("borstvoeding", "nee"), ("gevallen", "nee"), ("Uw keuze", ""), ("Uw keuze", "alles"),
        ("supplementen", "nee"), ("medicijnen", "nee"), ("Uw keuze", ""), ("Uw keuze", ""),
        ("bloedonderzoek", "ja"), ("Uw keuze", "hemoglobine"), ("Welke waarde", "71"),
        ("Uw keuze", "mmol/L"),
    ):  # fmt: skip
        _answer(child, prompt, text)
    child.expect("Deze waarde kan niet in mmol/L. Bedoelde u g/L?")
    _answer(child, "Uw keuze", "g/L")
    _answer(child, "Datum", "")
    _answer(child, "Uw keuze", "")  # no more results
    _answer(child, "behandeld", "nee")
    out = _finish(child)
    assert "Hemoglobine (Hb) 71 g/L: laag" in out


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_question_has_words_in_each_language(lang: str) -> None:
    from b12check import questions

    ids = [q.id for q in questions.catalogue()] + ["lab_date"]
    missing = [qid for qid in ids if questions.text(lang, qid) == qid]
    assert not missing, missing
