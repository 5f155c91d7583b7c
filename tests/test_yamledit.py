"""Editing deck files in place: only the edited values change; the rest stays byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzer.decks import load_file
from quizzer.errors import QuizzerError
from quizzer.yamledit import edit_cards, render_scalar, update_deck_file

DECK = """\
# yaml-language-server: $schema=../data/deck.schema.json
deck: "d2l::02 预备知识"   # the chapter
cards:
  # norms
  - id: norm
    type: code
    code: |
      u = torch.tensor([3.0, -4.0])
      print(torch.norm(u))
    output: "tensor(4.)"   # wrong on purpose
  - type: code
    code: |
      print(torch.ones(2, 2))

  # no output yet, and no id
  - id: last
    type: basic
    front: 'f'
    back: b  # trailing comment
"""


def changed_lines(old: str, new: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_replace_output_keeps_everything_else() -> None:
    new = edit_cards(DECK, {5: {"output": "tensor(5.)"}})
    assert changed_lines(DECK, new) == [
        '-    output: "tensor(4.)"   # wrong on purpose',
        "+    output: tensor(5.)   # wrong on purpose",
    ]


def test_multi_line_output_becomes_a_block() -> None:
    new = edit_cards(DECK, {11: {"output": "tensor([[1., 1.],\n        [1., 1.]])"}})
    assert (
        "    output: |\n      tensor([[1., 1.],\n              [1., 1.]])\n\n  # no output" in new
    )


def test_insert_id_as_first_key() -> None:
    new = edit_cards(DECK, {11: {"id": "ones"}})
    assert changed_lines(DECK, new) == ["-  - type: code", "+  - id: ones", "+    type: code"]


def test_insert_after_trailing_comment() -> None:
    new = edit_cards(DECK, {16: {"tags": "x"}})
    assert "    back: b  # trailing comment\n    tags: x\n" in new


def test_crlf_files_stay_crlf() -> None:
    text = DECK.replace("\n", "\r\n")
    new = edit_cards(text, {11: {"output": "a\nb"}})
    assert "\n" not in new.replace("\r\n", "")


def test_flow_style_card_is_refused() -> None:
    text = "deck: x\ncards:\n  - {type: basic, front: f, back: b}\n"
    with pytest.raises(QuizzerError, match="flow style"):
        edit_cards(text, {3: {"id": "a"}}, where="x.yaml")


def test_unknown_line_is_refused() -> None:
    with pytest.raises(QuizzerError, match="no card starts at line 7"):
        edit_cards(DECK, {7: {"id": "a"}}, where="x.yaml")


def test_update_deck_file_checks_and_writes(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(DECK, encoding="utf-8")
    update_deck_file(path, {5: {"output": "tensor(5.)"}, 11: {"id": "ones", "output": "x\n y"}})
    loaded, problems = load_file(path)
    assert loaded is not None, problems
    cards = {c.id: c.card for c in loaded.cards}
    assert cards["norm"].output == "tensor(5.)"
    assert cards["ones"].output == "x\n y"


def test_update_keeps_bom(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + DECK.encode())
    update_deck_file(path, {5: {"output": "tensor(5.)"}})
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=40
)


@given(text_values)
def test_rendered_scalar_reads_back(value: str) -> None:
    import yaml

    rendered = render_scalar(value, 4)
    doc = f"cards:\n  - x: 1\n    output: {rendered}\n"
    assert yaml.safe_load(doc)["cards"][0]["output"] == value
