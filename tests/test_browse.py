"""Browse: the search language and what it finds; one card's history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from quizzer.browse import Term, card_detail, parse_query, relative_day, search
from quizzer.collection import Collection
from tests.helpers import NOW
from tests.test_tui_support import make_collection


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    with Collection.open(make_collection(tmp_path, second=True), import_builtin=False) as c:
        yield c


def keys(col: Collection, text: str) -> list[str]:
    return [row.key for row in search(col, text, NOW).rows]


def test_parse_query_fields_quotes_and_negation() -> None:
    query = parse_query('norm deck:"d2l::02 预备知识" -tag:ch03 is:DUE kind:code x[0:2]')
    assert query.terms == (
        Term("", "norm"),
        Term("deck", "d2l::02 预备知识"),
        Term("tag", "ch03", negated=True),
        Term("is", "due"),
        Term("kind", "code"),
        Term("", "x[0:2]"),
    )
    assert query.problems == ()


def test_parse_query_reports_unknown_values_and_keeps_the_rest() -> None:
    query = parse_query("is:later kind:essay deck: norm")
    assert [t.value for t in query.terms] == ["norm"]
    assert len(query.problems) == 3


def test_empty_search_lists_every_item_in_deck_order(col: Collection) -> None:
    assert keys(col, "") == [
        "slice-half-open",
        "norm-homogeneity#c1",
        "which-set-tunes",
        "norm-l2-of-3-4",
        "softmax-name#c1",
        "softmax-name#c2",
        "mse-name",
        "code-unverified",
    ]


def test_text_matches_content_and_id_case_insensitively(col: Collection) -> None:
    assert keys(col, "SOFTMAX") == ["softmax-name#c1", "softmax-name#c2"]
    assert keys(col, "损失") == ["mse-name"]
    assert keys(col, "norm torch") == ["norm-l2-of-3-4"]  # every word must match


def test_deck_matches_sub_decks_last_part_and_wildcards(col: Collection) -> None:
    assert len(keys(col, "deck:d2l")) == 8
    assert keys(col, 'deck:"03 线性神经网络"') == keys(col, "deck:d2l::03*")
    assert len(keys(col, 'deck:"03 线性神经网络"')) == 4
    assert keys(col, "deck:nothing") == []


def test_tags_and_kinds(col: Collection) -> None:
    assert keys(col, "tag:indexing") == ["slice-half-open"]
    assert keys(col, "tag:ch0*") == keys(col, "")
    assert keys(col, "kind:code") == ["norm-l2-of-3-4", "code-unverified"]
    assert keys(col, "is:unverified") == ["code-unverified"]


def test_is_due_new_suspended_follow_the_schedule(col: Collection) -> None:
    assert len(keys(col, "is:new")) == 8 and keys(col, "is:due") == []
    col.answer("mse-name", 0, 5, NOW - timedelta(days=3))  # due again 1 day later
    col.suspend("which-set-tunes")
    assert keys(col, "is:due") == ["mse-name"]
    assert "mse-name" not in keys(col, "is:new")
    assert keys(col, "is:suspended") == ["which-set-tunes"]
    assert "which-set-tunes" not in keys(col, "-is:suspended")


def test_rows_carry_the_schedule_and_the_limit_cuts(col: Collection) -> None:
    col.answer("mse-name", 0, 3, NOW)
    row = next(r for r in search(col, "mse", NOW).rows)
    assert (row.kind, row.interval, row.ease, row.lapses) == ("basic", 1, 2.36, 0)
    assert relative_day(row.due, NOW.date()) == "in 1 d"
    result = search(col, "", NOW, limit=3)
    assert len(result.rows) == 3 and result.total == 8


def test_card_detail_has_the_history_of_that_item(col: Collection) -> None:
    col.answer("softmax-name", 2, 2, NOW)
    col.answer("softmax-name", 1, 5, NOW)
    col.undo(NOW)
    detail = card_detail(col, "softmax-name", 2, NOW)
    assert detail.item.key == "softmax-name#c2"
    assert [(h.kind, h.grade, h.undone) for h in detail.history] == [("review", 2, False)]
    first = card_detail(col, "softmax-name", 1, NOW).history
    assert [(h.kind, h.undone) for h in first] == [("review", True), ("undo", False)]
    assert detail.history[0].at == NOW
