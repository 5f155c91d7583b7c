"""Quizzes: random draws, every kind checked, results kept, SM-2 untouched, misses drilled."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizzer.answers import Verdict
from quizzer.collection import Collection
from quizzer.errors import QuizzerError
from quizzer.quiz import Quiz, candidate_keys, check, check_cloze_answer, draw, quiz_answers
from tests.helpers import NOW
from tests.test_tui_support import make_collection

HOMOGENEITY = "范数的齐次性: {{c1::$f(\\alpha \\mathbf{x}) = |\\alpha| f(\\mathbf{x})$}}"


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    with Collection.open(make_collection(tmp_path, second=True), import_builtin=False) as c:
        yield c


def states(col: Collection) -> list[tuple[object, ...]]:
    return col.store.rows("SELECT * FROM items ORDER BY card_id, ord")


def test_candidates_skip_suspended_and_unverified_items(col: Collection) -> None:
    col.suspend("mse-name")
    found = candidate_keys(col, ["d2l::03 线性神经网络"])
    assert found == [("softmax-name", 1), ("softmax-name", 2)]
    assert len(candidate_keys(col)) == 6


def test_draw_is_random_seedable_and_never_repeats(col: Collection) -> None:
    first = [i.key for i in draw(col, [], 5, random.Random(3))]
    again = [i.key for i in draw(col, [], 5, random.Random(3))]
    assert first == again and len(set(first)) == 5
    assert len(draw(col, [], 50, random.Random(1))) == 7  # all there is
    with pytest.raises(QuizzerError, match="at least one"):
        draw(col, [], 0)


def test_draw_explains_an_empty_deck(col: Collection) -> None:
    for card_id in ("softmax-name", "mse-name"):
        col.suspend(card_id)
    with pytest.raises(QuizzerError, match="no card to ask in d2l::03"):
        draw(col, ["d2l::03 线性神经网络"], 3)


@pytest.mark.parametrize(
    "typed",
    [
        "f(αx) = |α| f(x)",  # plain letters for the bold x (NFKC)
        "f(α𝐱)=|α|f(𝐱)",  # without spaces
        "  F(ΑX) = |Α| F(X)  ",  # case and surrounding spaces
        r"f(\alpha \mathbf{x}) = |\alpha| f(\mathbf{x})",  # the LaTeX itself
        "ｆ（αx）＝｜α｜ｆ（x）",  # full-width forms an input method types
    ],
)
def test_cloze_answers_are_checked_leniently(typed: str) -> None:
    assert check_cloze_answer(HOMOGENEITY, 1, typed).correct


def test_wrong_cloze_answers_say_what_was_expected() -> None:
    verdict = check_cloze_answer(HOMOGENEITY, 1, "f(x) >= 0")
    assert not verdict.correct and "f(α𝐱) = |α| f(𝐱)" in verdict.explanation
    assert check_cloze_answer("{{c1::Softmax}} 函数", 1, " softMAX ").correct
    assert check_cloze_answer("{{c1::训练集}}", 1, "训练集 ").correct
    assert not check_cloze_answer("{{c1::训练集}}", 1, "测试集").correct


def test_a_number_hidden_twice_takes_two_answers() -> None:
    text = "{{c1::a}} 和 {{c1::b}}"
    assert check_cloze_answer(text, 1, "a; b").correct
    verdict = check_cloze_answer(text, 1, "a")
    assert not verdict.correct and "separated" in verdict.explanation


def test_check_every_kind(col: Collection) -> None:
    items = {i.card_id: i for i in draw(col, [], 7, random.Random(0))}
    assert check(items["which-set-tunes"], ["验证集"]).correct
    assert not check(items["which-set-tunes"], ["验证集", "训练集"]).correct
    assert check(items["norm-l2-of-3-4"], "tensor(5.0)\n").correct
    assert not check(items["norm-l2-of-3-4"], "tensor(5)").correct
    assert check(items["mse-name"], True).correct and not check(items["mse-name"], False).correct


def test_a_finished_quiz_is_stored_and_leaves_sm2_alone(col: Collection) -> None:
    before = [tuple(r) for r in states(col)]
    reviews_before = col.store.one("SELECT count(*) FROM reviews")
    quiz = Quiz.start(col, NOW, [], 3, random.Random(5))
    quiz.record(0, Verdict(True), "a", 1200)
    quiz.record(1, Verdict(False, "why"), "b", 800)
    with pytest.raises(QuizzerError, match="not finished"):
        quiz.finish(col, NOW)
    quiz.record(2, Verdict(False), None)
    quiz_id = quiz.finish(col, NOW)
    assert quiz.finish(col, NOW) == quiz_id  # finishing twice stores it once
    assert [tuple(r) for r in states(col)] == before
    assert col.store.one("SELECT count(*) FROM reviews") == reviews_before
    row = col.store.rows("SELECT * FROM quizzes")[0]
    assert (row["questions"], row["correct"], row["decks"]) == (3, 1, "[]")
    stored = quiz_answers(col, quiz_id)
    assert [(a["seq"], a["correct"], a["answer"]) for a in stored] == [
        (0, 1, "a"),
        (1, 0, "b"),
        (2, 0, None),
    ]
    assert stored[1]["card_id"] == quiz.items[1].card_id


def test_misses_go_to_todays_drill_without_touching_sm2(col: Collection) -> None:
    quiz = Quiz.start(col, NOW, ["d2l::03 线性神经网络"], 3, random.Random(2))
    for seq in range(3):
        quiz.record(seq, Verdict(seq == 0), "x")
    quiz.finish(col, NOW)
    missed = {(a.item.card_id, a.item.ord) for a in quiz.misses}
    assert quiz.requeue_misses(col, NOW) == 2
    drilled = {(i.card_id, i.ord) for i in col.drill_items(NOW, None)}
    assert drilled == missed
    for card_id, ord_ in missed:
        item = col.item(card_id, ord_)
        assert item.state.sm2.repetitions == 0 and item.state.sm2.ease == 2.5
