"""Every bad deck file gets a one-screen message with file:line, exit code 1, and the
collection is left exactly as it was."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizzer.cli import main
from quizzer.decks import load_file
from tests.helpers import BASIC_DECK, dump

ALIAS_BOMB = "deck: x\ncards: []\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

CARD = "  - id: c1\n    type: basic\n    front: f\n    back: b\n"

# name -> (file bytes, words the message must contain, the line it must name)
BAD_FILES: dict[str, tuple[bytes, str, int]] = {
    "yaml syntax": (b"deck: x\ncards:\n  - id: a\n    front: [unclosed\n", "YAML syntax error", 5),
    "tab indentation": (b"deck: x\ncards:\n\t- id: a\n", "not tabs", 3),
    "not utf-8": ("deck: 预备知识\n".encode("gb18030") + b"cards: []\n", "not UTF-8", 1),
    "empty file": (b"", "file is empty", 1),
    "only comments": (b"# nothing here\n", "file is empty", 1),
    "top-level list": (b"- deck: x\n", "top level is a list", 1),
    "top-level text": (b"just words\n", "top level is plain text", 1),
    "cards as mapping": (b"deck: x\ncards:\n  a:\n    type: basic\n", "'cards' is a mapping", 3),
    "cards missing": (b"deck: x\n", "'cards' is missing", 1),
    "missing deck": (b"cards:\n" + CARD.encode(), "'deck' is missing", 1),
    "empty deck name": (b"deck: 'a::'\ncards: []\n", "empty part", 1),
    "missing type": (b"deck: x\ncards:\n  - id: a\n    front: f\n", "'type' is missing", 3),
    "unknown type": (
        b"deck: x\ncards:\n  - id: a\n    type: essay\n",
        "type 'essay' is unknown",
        3,
    ),
    "unknown field": (
        b"deck: x\ncards:\n  - id: a\n    type: basic\n    frnt: f\n    back: b\n",
        "unknown field 'frnt'; did you mean 'front'",
        5,
    ),
    "unknown deck field": (b"deck: x\ndeks: y\ncards: []\n", "unknown field 'deks'", 2),
    "empty front": (
        b"deck: x\ncards:\n  - id: a\n    type: basic\n    front: '  '\n    back: b\n",
        "front is empty",
        5,
    ),
    "cloze without deletion": (
        b"deck: x\ncards:\n  - id: a\n    type: cloze\n    text: no gaps here\n",
        "no deletion",
        5,
    ),
    "cloze math with }}": (
        b"deck: x\ncards:\n  - id: a\n    type: cloze\n    text: '{{c1::$\\frac{a}{b_{i}}$}}'\n",
        "unbalanced braces",
        5,
    ),
    "answer not a choice": (
        b"deck: x\ncards:\n  - id: a\n    type: choice\n    prompt: p\n    choices: [x, y]\n"
        b"    answer: z\n",
        "answer 'z' is not among 'choices'",
        7,
    ),
    "one choice only": (
        b"deck: x\ncards:\n  - id: a\n    type: choice\n    prompt: p\n    choices: [x]\n"
        b"    answer: x\n",
        "at least two 'choices'",
        6,
    ),
    "code without code": (
        b"deck: x\ncards:\n  - id: a\n    type: code\n    prompt: p\n",
        "'code' is missing",
        3,
    ),
    "duplicate ids": (b"deck: x\ncards:\n" + (CARD * 2).encode(), "used twice", 7),
    "duplicate key": (
        b"deck: x\ncards:\n  - id: a\n    type: basic\n    front: f\n    front: g\n    back: b\n",
        "'front' appears twice",
        6,
    ),
    "bad id": (
        b"deck: x\ncards:\n  - id: a b\n    type: basic\n    front: f\n    back: b\n",
        "may use only letters",
        3,
    ),
    "tag with space": (
        b"deck: x\ntags: ['a b']\ncards: []\n",
        "has a space",
        2,
    ),
    "python tag": (
        b"deck: x\ncards:\n  - id: a\n    type: basic\n    front: !!python/object/apply:os.system"
        b" ['touch /tmp/quizzer-pwned']\n    back: b\n",
        "!!python/object/apply:os.system is refused",
        5,
    ),
    "custom tag": (b"deck: !secret x\ncards: []\n", "!secret is refused", 1),
    "alias loop": (b"deck: x\ncards: &c [*c]\n", "refers to its own anchor", 2),
    "two documents": (b"deck: x\ncards: []\n---\ndeck: y\n", "one YAML document", 3),
    "control character": (b"deck: x\ncards: []\nz: \x07\n", "U+0007 is not allowed", 3),
    "deep nesting": (b"deck: x\ncards: " + b"[" * 50_000 + b"]" * 50_000, "nests more than", 2),
    "card is a list": (b"deck: x\ncards:\n  - [a, b]\n", "card #1 is a list", 3),
    "tags not a list": (
        b"deck: x\ncards:\n  - id: a\n    type: basic\n    front: f\n    back: b\n"
        b"    tags: {a: 1}\n",
        "must be a list",
        7,
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_located(tmp_path: Path, name: str) -> None:
    data, words, line = BAD_FILES[name]
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    loaded, problems = load_file(path)
    assert loaded is None
    errors = [p for p in problems if not p.warning]
    assert errors, problems
    messages = [str(p) for p in errors]
    assert any(words in m for m in messages), messages
    assert any(m.startswith(f"{path}:{line}: ") for m in messages), messages


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_import_changes_nothing(tmp_path: Path, name: str) -> None:
    db = tmp_path / "c.db"
    good = tmp_path / "good.yaml"
    good.write_text(BASIC_DECK, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["--db", str(db), "--no-builtin", "import", str(good)])
    assert first.exit_code == 0, first.output
    before = dump(db)
    data, words, line = BAD_FILES[name]
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(data)
    good.write_text(BASIC_DECK.replace("验证集\n", "验证集\n    tags: [edited]\n", 1), "utf-8")
    result = runner.invoke(main, ["--db", str(db), "import", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{line}: " in result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert len(result.output.splitlines()) < 24  # one screen
    assert dump(db) == before


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        f"deck: x\ncards:\n  - !!python/object/apply:os.system ['touch {marker}']\n",
        encoding="utf-8",
    )
    loaded, _problems = load_file(path)
    assert loaded is None
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    start = time.perf_counter()
    loaded, problems = load_file(path)
    elapsed = time.perf_counter() - start
    assert loaded is None
    assert any("alias bomb" in str(p) for p in problems)
    assert elapsed < 1.0


def test_every_error_of_a_file_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "deck: x\ncards:\n"
        "  - id: a\n    type: basic\n    frnt: f\n    back: b\n"
        "  - id: b\n    type: cloze\n    text: none\n"
        "  - id: c\n    type: code\n",
        encoding="utf-8",
    )
    _, problems = load_file(path)
    assert [(p.line, p.card_id) for p in problems] == [(3, "a"), (5, "a"), (9, "b"), (10, "c")]


def test_duplicate_id_across_files(write_deck) -> None:
    from quizzer.decks import load

    one = write_deck("one.yaml", "deck: a\ncards:\n" + CARD)
    two = write_deck(
        "two.yaml", "deck: b\ncards:\n  - type: basic\n    id: c1\n    front: x\n    back: y\n"
    )
    result = load([one.parent])
    assert len(result.errors) == 1
    problem = result.errors[0]
    assert problem.path == two
    assert f"already used at {one}:3" in problem.message
