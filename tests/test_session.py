"""A study session: order, same-day drill, undo, progress and summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quizzer.collection import Collection
from quizzer.session import DRILL_GAP, StudySession
from tests.helpers import NOW


@pytest.fixture
def six(col: Collection, write_deck) -> Collection:
    cards = "".join(
        f"  - id: s{i}\n    type: basic\n    front: q{i}\n    back: a{i}\n" for i in range(6)
    )
    col.import_paths([write_deck("s.yaml", f"deck: s\ncards:\n{cards}")], NOW)
    return col


def study(session: StudySession, grades: dict[str, list[int]]) -> list[str]:
    """Answer until the session ends; each card takes its next grade from `grades`."""
    shown = []
    when = NOW
    while (item := session.next(when)) is not None:
        shown.append(item.card_id)
        session.answer(item, grades[item.card_id].pop(0), when)
        when += timedelta(seconds=10)
        assert len(shown) < 100
    return shown


def test_session_serves_new_cards_in_order(six: Collection) -> None:
    session = StudySession.start(six, NOW)
    shown = study(session, {f"s{i}": [5] for i in range(6)})
    assert shown == [f"s{i}" for i in range(6)]


def test_failed_card_returns_after_a_gap_until_four(six: Collection) -> None:
    session = StudySession.start(six, NOW)
    grades = {f"s{i}": [5] for i in range(6)}
    grades["s0"] = [1, 3, 4]
    shown = study(session, grades)
    assert shown.count("s0") == 3
    first, second = [i for i, c in enumerate(shown) if c == "s0"][:2]
    assert second - first == DRILL_GAP + 1
    kinds = [r["kind"] for r in six.store.rows("SELECT kind FROM reviews WHERE card_id = 's0'")]
    assert kinds == ["review", "drill", "drill"]


def test_drill_left_over_from_earlier_today_comes_first(six: Collection) -> None:
    six.answer("s3", 0, 2, NOW)
    session = StudySession.start(six, NOW + timedelta(hours=1))
    assert session.next(NOW + timedelta(hours=1)).card_id == "s3"


def test_progress_counts_drills(six: Collection) -> None:
    session = StudySession.start(six, NOW)
    assert session.left(NOW) == 6
    item = session.next(NOW)
    session.answer(item, 2, NOW)
    assert session.left(NOW) == 6  # five new, one drill
    assert session.answered == 1


def test_undo_in_session_shows_the_card_again(six: Collection) -> None:
    session = StudySession.start(six, NOW)
    item = session.next(NOW)
    session.answer(item, 5, NOW)
    again = session.undo(NOW)
    assert again is not None and again.card_id == item.card_id
    assert again.state.is_new
    assert session.answered == 0
    assert session.next(NOW).card_id == item.card_id


def test_undo_of_failed_answer_drops_its_drill(six: Collection) -> None:
    session = StudySession.start(six, NOW)
    item = session.next(NOW)
    session.answer(item, 1, NOW)
    session.undo(NOW)
    assert session.left(NOW) == 6
    assert six.drill_items(NOW, None) == []


def test_new_limit_holds_within_a_session(six: Collection) -> None:
    six.set_setting("new_per_day", "2")
    session = StudySession.start(six, NOW)
    assert study(session, {f"s{i}": [5] for i in range(6)}) == ["s0", "s1"]


def test_summary(six: Collection) -> None:
    session = StudySession.start(six, NOW)
    grades = {f"s{i}": [5] for i in range(6)}
    grades["s1"] = [2, 5]
    study(session, grades)
    summary = session.summary(NOW + timedelta(minutes=3))
    assert (summary.cards, summary.answered, summary.right, summary.wrong) == (6, 7, 6, 1)
    assert summary.seconds == 180
    assert summary.next_due == (NOW + timedelta(days=1)).date()


def test_session_over_one_deck(six: Collection, write_deck) -> None:
    six.import_paths(
        [
            write_deck(
                "o.yaml",
                "deck: other\ncards:\n  - id: o\n    type: basic\n    front: f\n    back: b\n",
            )
        ],
        NOW,
    )
    session = StudySession.start(six, NOW, "other")
    assert study(session, {"o": [5]}) == ["o"]
