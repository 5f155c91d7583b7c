"""End to end: the installed `quizzer` command in a real pseudo-terminal (pexpect), studied
with key presses like a learner, then the review log read back from the collection."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from quizzer.collection import Collection
from tests.helpers import NOW
from tests.test_tui_support import make_collection

QUIZZER = shutil.which("quizzer")
pytestmark = [
    pytest.mark.skipif(QUIZZER is None, reason="the quizzer command is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]


def spawn(*args: str) -> pexpect.spawn:
    env = dict(os.environ, QUIZZER_NOW=NOW.isoformat(), TERM="xterm-256color", COLUMNS="80")
    env.pop("NO_COLOR", None)
    return pexpect.spawn(
        QUIZZER, list(args), env=env, dimensions=(24, 80), encoding="utf-8", timeout=30
    )


def test_study_two_cards_in_a_terminal_then_quit(tmp_path: Path) -> None:
    db = make_collection(tmp_path)
    child = spawn("--db", str(db))
    try:
        child.expect("All decks")
        child.expect("Today: 4 cards to study")
        child.send("a")  # study everything due
        child.expect("Space shows the answer")
        child.send(" ")
        child.expect("half-open")  # the back of the basic card
        child.send("5")
        child.expect("cloze")
        child.send(" ")
        child.expect("How well did you recall it")
        child.send("4")
        child.expect("choice")
        child.send("q")  # leave the review: the summary
        child.expect("Session over")
        child.expect("Next cards due")
        child.send("\r")
        child.expect("Today: 2 cards to study")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    with Collection.open(db, import_builtin=False) as col:
        rows = col.store.rows("SELECT card_id, ord, kind, grade FROM reviews ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("slice-half-open", 0, "review", 5),
        ("norm-homogeneity", 1, "review", 4),
    ]


def test_quizzer_review_returns_to_the_shell_with_a_summary(tmp_path: Path) -> None:
    db = make_collection(tmp_path)
    child = spawn("--db", str(db), "review", "--deck", "d2l::02 预备知识")
    try:
        child.expect("Space shows the answer")
        child.send(" ")
        child.expect("half-open")
        child.send("4")
        child.expect("cloze")
        child.send("q")
        child.expect("Session over")
        child.send("\r")
        child.expect(r"Studied 1 card in d2l::02 预备知识: 1 right, 0 wrong")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
