"""Shared data and helpers for the TUI, browse, stats and quiz tests (no tests here).

A small collection with every card kind in two decks, code cards made reviewable the way
`quizzer verify` does it, and helpers to read what a Textual screen shows.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.collection import Collection, RunRecord
from tests.helpers import BASIC_DECK, NOW

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

KINDS_DECK = BASIC_DECK  # one card of each kind

SECOND_DECK = r"""
deck: "d2l::03 线性神经网络"
tags: [d2l, ch03]
cards:
  - id: softmax-name
    type: cloze
    text: "{{c1::softmax}} 把未规范化的预测变换为 {{c2::非负数}} 且总和为 1"
    tags: [softmax]
  - id: mse-name
    type: basic
    front: 线性回归最常用的损失函数?
    back: 平方误差 (squared error)
  - id: code-unverified
    type: code
    code: |
      print(torch.arange(3))
    output: "tensor([0, 1, 2])"
"""

KEYS_FIRST_DECK = ["slice-half-open", "norm-homogeneity#c1", "which-set-tunes", "norm-l2-of-3-4"]


def write(folder: Path, name: str, text: str) -> Path:
    """Write a deck file (dedented) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def verify(col: Collection, *card_ids: str) -> None:
    """Make code cards reviewable as `quizzer verify` would (their YAML output confirmed)."""
    runs = []
    for record in col.cards():
        if record.id in card_ids and record.card.type == "code":
            output = record.card.output
            runs.append(RunRecord(record.id, record.card.code, output, "ok", output))
    col.record_verification(runs, {"torch": "2.13.0"}, NOW)


def make_collection(tmp_path: Path, *, second: bool = False) -> Path:
    """A collection with the four kinds (code verified); with `second`, a second deck whose
    code card stays unverified."""
    decks = tmp_path / "decks"
    paths = [write(decks, "ch02.yaml", KINDS_DECK)]
    if second:
        paths.append(write(decks, "ch03.yaml", SECOND_DECK))
    db = tmp_path / "collection.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        col.import_paths(paths, NOW)
        verify(col, "norm-l2-of-3-4")
    return db


def screen_text(app: App[object]) -> str:
    """What the terminal shows, as text lines (read from the compositor's strips)."""
    strips = app.screen._compositor.render_strips()  # the exact cells Textual would write
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)


async def settle(pilot: Pilot[object]) -> None:
    """Let workers finish and their messages be handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type characters one by one (newlines as Enter)."""
    names = {
        "\n": "enter",
        " ": "space",
        "(": "left_parenthesis",
        ")": "right_parenthesis",
        "[": "left_square_bracket",
        "]": "right_square_bracket",
        ",": "comma",
        ".": "full_stop",
        "-": "minus",
        "=": "equals_sign",
        "|": "vertical_line",
        ";": "semicolon",
    }
    await pilot.press(*[names.get(ch, ch) for ch in text])


def review_rows(db: Path) -> list[tuple[str, int, str, int | None]]:
    """(card id, ord, kind, grade) of every log row, in order."""
    with Collection.open(db, import_builtin=False) as col:
        return [
            (r["card_id"], r["ord"], r["kind"], r["grade"])
            for r in col.store.rows("SELECT * FROM reviews ORDER BY id")
        ]
