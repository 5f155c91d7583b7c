"""Shared fixtures: a fixed clock, fresh collections and deck files written on the fly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from quizzer.collection import Collection
from tests.helpers import BASIC_DECK, NOW


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """The path of a collection file that does not exist yet."""
    return tmp_path / "collection.db"


@pytest.fixture
def write_deck(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a deck file (text dedented) under tmp_path/decks and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / "decks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def col(fresh_db: Path) -> Iterator[Collection]:
    """An empty collection (no built-in decks)."""
    with Collection.open(fresh_db, now=NOW, import_builtin=False) as collection:
        yield collection


@pytest.fixture
def basic_deck(write_deck: Callable[[str, str], Path]) -> Path:
    """A deck file with one card of each kind."""
    return write_deck("ch02.yaml", BASIC_DECK)


@pytest.fixture
def loaded(col: Collection, basic_deck: Path) -> Collection:
    """A collection holding BASIC_DECK."""
    col.import_paths([basic_deck], NOW)
    return col
