"""Stats: answers per day, rates per deck, ease, quiz history, the calendar grid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from quizzer.collection import Collection
from quizzer.quiz import Quiz
from quizzer.stats import (
    calendar,
    collect,
    deck_rates,
    ease_distribution,
    levels,
    quiz_history,
    reviews_per_day,
    streak,
)
from tests.helpers import NOW
from tests.test_tui_support import make_collection


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    with Collection.open(make_collection(tmp_path, second=True), import_builtin=False) as c:
        yield c


def test_reviews_per_day_counts_answers_not_undone(col: Collection) -> None:
    yesterday = NOW - timedelta(days=1)
    col.answer("mse-name", 0, 5, yesterday)
    col.answer("slice-half-open", 0, 2, NOW)  # a review ...
    col.answer("slice-half-open", 0, 4, NOW)  # ... and its drill, both answers
    col.answer("which-set-tunes", 0, 4, NOW)
    col.undo(NOW)
    col.requeue([("mse-name", 0)], NOW)  # not an answer
    assert reviews_per_day(col, NOW) == {NOW.date() - timedelta(days=1): 1, NOW.date(): 2}


def test_deck_rates_count_grade_three_or_more_as_right_with_parents(col: Collection) -> None:
    col.answer("slice-half-open", 0, 3, NOW)
    col.answer("which-set-tunes", 0, 1, NOW)
    col.answer("mse-name", 0, 5, NOW)
    rates = {r.deck: (r.answers, r.right) for r in deck_rates(col, NOW)}
    assert rates == {
        "d2l": (3, 2),
        "d2l::02 预备知识": (2, 1),
        "d2l::03 线性神经网络": (1, 1),
    }


def test_ease_distribution_of_reviewed_items(col: Collection) -> None:
    col.answer("slice-half-open", 0, 5, NOW)  # 2.6
    col.answer("mse-name", 0, 3, NOW)  # 2.36 -> bucket 2.3
    col.answer("which-set-tunes", 0, 5, NOW)  # 2.6
    assert ease_distribution(col) == [(2.3, 1), (2.6, 2)]


def test_quiz_history_and_collect(col: Collection) -> None:
    quiz = Quiz.start(col, NOW, ["d2l::02 预备知识"], 2)
    for seq in range(2):
        quiz.record(seq, *_right(seq == 0))
    quiz.finish(col, NOW + timedelta(minutes=3))
    history = quiz_history(col, NOW)
    assert [(q.questions, q.correct, q.decks) for q in history] == [(2, 1, ["d2l::02 预备知识"])]
    assert history[0].finished == NOW + timedelta(minutes=3)
    stats = collect(col, NOW)
    assert stats.quizzes == history and stats.total_answers == 0 and len(stats.forecast) == 30


def _right(correct: bool) -> tuple[object, str]:
    from quizzer.answers import Verdict

    return Verdict(correct), "typed"


def test_streak_counts_days_in_a_row() -> None:
    today = date(2026, 11, 26)
    per_day = {today - timedelta(days=i): 3 for i in (1, 2, 3, 5)}
    assert streak(per_day, today) == 3  # nothing yet today: counted up to yesterday
    per_day[today] = 1
    assert streak(per_day, today) == 4


def test_calendar_grid_ends_with_todays_week() -> None:
    today = date(2026, 11, 26)  # a Thursday
    grid = calendar({today: 5, today - timedelta(days=7): 2}, today, weeks=2)
    assert len(grid) == 7 and all(len(row) == 2 for row in grid)
    assert grid[3] == [2, 5]  # Thursdays
    assert grid[4][1] is None and grid[0][1] == 0  # the future is blank, the past empty


def test_levels_split_counts_into_quantiles() -> None:
    assert levels([]) == [1, 1, 1, 1]
    assert levels([0, 1, 2, 3, 4, 100]) == [1, 2, 3, 4]
