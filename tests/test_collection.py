"""The collection service: queue order, answers, drill, undo, suspend, counts, rebuild."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzer.collection import Collection, study_day
from quizzer.errors import QuizzerError, UsageError
from tests.helpers import NOW, TZ


def many_cards_deck(write_deck, name: str, deck: str, n: int) -> Path:
    cards = "".join(
        f"  - id: {name}-{i}\n    type: basic\n    front: q{i}\n    back: a{i}\n" for i in range(n)
    )
    return write_deck(f"{name}.yaml", f'deck: "{deck}"\ncards:\n{cards}')


@pytest.fixture
def two_decks(col: Collection, write_deck) -> Collection:
    col.import_paths(
        [
            many_cards_deck(write_deck, "a", "top::a", 30),
            many_cards_deck(write_deck, "b", "top::b", 5),
        ],
        NOW,
    )
    return col


def test_study_day_rolls_over_at_four_local_time() -> None:
    before = datetime(2026, 11, 27, 3, 59, tzinfo=TZ)
    after = datetime(2026, 11, 27, 4, 0, tzinfo=TZ)
    assert study_day(before) == study_day(after) - 1
    assert study_day(after) == datetime(2026, 11, 27).toordinal()


def test_rollover_hour_is_a_setting(two_decks: Collection) -> None:
    late = datetime(2026, 11, 27, 1, 0, tzinfo=TZ)
    assert two_decks.day(late) == study_day(NOW)
    two_decks.set_setting("day_starts_at", "0")
    assert two_decks.day(late) == study_day(NOW) + 1


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        study_day(datetime(2026, 1, 1))


def test_new_cards_limited_per_day(two_decks: Collection) -> None:
    queue = two_decks.queue(NOW)
    assert len(queue) == 20
    assert [i.card_id for i in queue[:3]] == ["a-0", "a-1", "a-2"]


def test_new_limit_setting(two_decks: Collection) -> None:
    two_decks.set_setting("new_per_day", "3")
    assert len(two_decks.queue(NOW)) == 3


def test_introduced_new_cards_count_against_the_limit(two_decks: Collection) -> None:
    two_decks.set_setting("new_per_day", "3")
    two_decks.answer("a-0", 0, 5, NOW)
    assert [i.card_id for i in two_decks.queue(NOW)] == ["a-1", "a-2"]


def test_queue_per_deck_includes_sub_decks(two_decks: Collection) -> None:
    assert {i.deck for i in two_decks.queue(NOW, "top::b")} == {"top::b"}
    assert len(two_decks.queue(NOW, "top::b")) == 5
    assert len(two_decks.queue(NOW, "top")) == 20


def test_unknown_deck_is_a_sentence(two_decks: Collection) -> None:
    with pytest.raises(QuizzerError, match="no deck called 'nope'; decks: top::a, top::b"):
        two_decks.queue(NOW, "nope")


def test_due_cards_come_oldest_first_then_new(two_decks: Collection) -> None:
    first_day = NOW - timedelta(days=10)
    two_decks.answer("a-5", 0, 5, first_day)  # due 1 day later: 9 days overdue
    two_decks.answer("a-6", 0, 5, first_day + timedelta(days=3))  # 6 days overdue
    two_decks.answer("b-1", 0, 5, NOW - timedelta(days=1))  # due today
    keys = [i.card_id for i in two_decks.queue(NOW)]
    assert keys[:4] == ["a-5", "a-6", "b-1", "a-0"]


def test_answer_logs_state_before_and_after(two_decks: Collection) -> None:
    result = two_decks.answer("a-0", 0, 4, NOW, answer="typed", duration_ms=1234)
    row = two_decks.store.rows("SELECT * FROM reviews")[0]
    assert result.kind == "review"
    assert (row["grade"], row["answer"], row["duration_ms"]) == (4, "typed", 1234)
    assert (row["ease_before"], row["interval_before"], row["due_before"]) == (2500, 0, None)
    assert (row["ease_after"], row["interval_after"], row["due_after"]) == (
        2500,
        1,
        study_day(NOW) + 1,
    )
    assert row["at"] == int(NOW.timestamp() * 1000)


def test_answer_moves_due_date(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 5, NOW)
    item = two_decks.item("a-0")
    assert item.state.due == study_day(NOW) + 1
    assert item.state.sm2.ease == 2.6


def test_bad_grade_is_refused(two_decks: Collection) -> None:
    with pytest.raises(UsageError):
        two_decks.answer("a-0", 0, 7, NOW)
    assert two_decks.store.one("SELECT count(*) FROM reviews") == 0


def test_unknown_card_cannot_be_answered(two_decks: Collection) -> None:
    with pytest.raises(QuizzerError, match="no card 'zzz'"):
        two_decks.answer("zzz", 0, 5, NOW)


def test_failed_card_is_drilled_today(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 2, NOW)
    drills = two_decks.drill_items(NOW, None)
    assert [d.card_id for d in drills] == ["a-0"]
    result = two_decks.answer("a-0", 0, 4, NOW + timedelta(minutes=5))
    assert result.kind == "drill"
    assert result.after.sm2 == result.before.sm2
    assert two_decks.drill_items(NOW, None) == []


def test_drill_expires_with_the_day(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 3, NOW)
    assert two_decks.drill_items(NOW + timedelta(days=1), None) == []


def test_undo_restores_state_and_keeps_log(two_decks: Collection) -> None:
    before = two_decks.item("a-0").state
    two_decks.answer("a-0", 0, 5, NOW)
    undone = two_decks.undo(NOW)
    assert undone is not None and undone.grade == 5
    assert two_decks.item("a-0").state == before
    kinds = [r["kind"] for r in two_decks.store.rows("SELECT kind FROM reviews ORDER BY id")]
    assert kinds == ["review", "undo"]


def test_undo_twice_undoes_two_answers(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 5, NOW)
    two_decks.answer("a-1", 0, 5, NOW)
    assert two_decks.undo(NOW).review_id == 2
    assert two_decks.undo(NOW).review_id == 1
    assert two_decks.undo(NOW) is None
    assert two_decks.item("a-0").state.is_new


def test_review_log_is_append_only(two_decks: Collection) -> None:
    import sqlite3

    two_decks.answer("a-0", 0, 5, NOW)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        two_decks.store.conn.execute("UPDATE reviews SET grade = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        two_decks.store.conn.execute("DELETE FROM reviews")


def test_suspended_card_leaves_the_queue(two_decks: Collection) -> None:
    two_decks.suspend("a-0")
    assert "a-0" not in [i.card_id for i in two_decks.queue(NOW)]
    two_decks.suspend("a-0", False)
    assert two_decks.queue(NOW)[0].card_id == "a-0"


def test_suspending_unknown_card_is_a_sentence(two_decks: Collection) -> None:
    with pytest.raises(QuizzerError, match="no card 'nope'"):
        two_decks.suspend("nope")


def test_requeue_sends_to_drill_without_sm2(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 5, NOW - timedelta(days=1))
    state = two_decks.item("a-0").state
    two_decks.requeue([("a-0", 0)], NOW + timedelta(days=3))
    later = NOW + timedelta(days=3)
    assert [d.card_id for d in two_decks.drill_items(later, None)] == []  # due anyway
    two_decks.requeue([("b-0", 0)], NOW)
    assert two_decks.item("a-0").state.sm2 == state.sm2


def test_counts_per_deck_and_parent(two_decks: Collection) -> None:
    two_decks.answer("b-0", 0, 2, NOW)
    counts = {c.deck: c for c in two_decks.counts(NOW)}
    assert set(counts) == {"top", "top::a", "top::b"}
    assert (counts["top::b"].new, counts["top::b"].drill, counts["top::b"].total) == (4, 1, 5)
    assert counts["top"].new == 19  # 34 new left, but the day's limit of 20 has 19 left
    assert counts["top"].total == 35


def test_forecast_counts_due_items_per_day(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 5, NOW)  # due tomorrow
    two_decks.answer("a-1", 0, 5, NOW - timedelta(days=5))  # overdue: counted today
    forecast = two_decks.forecast(NOW, days=30)
    assert len(forecast) == 30
    assert forecast[:2] == [1, 1]
    assert sum(forecast) == 2


def test_next_due_day(two_decks: Collection) -> None:
    assert two_decks.next_due_day(NOW) is None
    two_decks.answer("a-0", 0, 5, NOW)
    assert two_decks.next_due_day(NOW) == (NOW.date() + timedelta(days=1))


def test_rebuild_of_healthy_collection_changes_nothing(two_decks: Collection) -> None:
    for day in range(5):
        when = NOW + timedelta(days=day)
        for item in two_decks.queue(when)[:6]:
            two_decks.answer(item.card_id, item.ord, (day + len(item.card_id)) % 6, when)
    two_decks.undo(NOW + timedelta(days=5))
    report = two_decks.rebuild(apply=False)
    assert report.events > 20
    assert report.differences == []


def test_rebuild_repairs_a_damaged_state(two_decks: Collection) -> None:
    two_decks.answer("a-0", 0, 5, NOW)
    two_decks.store.conn.execute("UPDATE items SET ease = 1300, due = NULL WHERE card_id = 'a-0'")
    report = two_decks.rebuild()
    assert len(report.differences) == 1
    assert report.backup is not None and report.backup.path.exists()
    assert two_decks.item("a-0").state.sm2.ease == 2.6
    assert two_decks.rebuild(apply=False).differences == []


actions = st.lists(
    st.tuples(
        st.sampled_from(["answer", "answer", "answer", "undo", "requeue"]),
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=0, max_value=2),
    ),
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions)
def test_rebuild_equals_live_state(tmp_path_factory, write_deck, actions) -> None:
    db = tmp_path_factory.mktemp("rebuild") / "c.db"
    with Collection.open(db, import_builtin=False) as col:
        col.import_paths([many_cards_deck(write_deck, "r", "r", 4)], NOW)
        for action, grade, card, days in actions:
            when = NOW + timedelta(days=days, minutes=len(action))
            if action == "answer":
                col.answer(f"r-{card}", 0, grade, when)
            elif action == "undo":
                col.undo(when)
            else:
                col.requeue([(f"r-{card}", 0)], when)
        assert col.rebuild(apply=False).differences == []


def test_settings_are_checked(two_decks: Collection) -> None:
    with pytest.raises(UsageError, match="new_per_day must be a whole number"):
        two_decks.set_setting("new_per_day", "many")
    with pytest.raises(UsageError, match="between 0 and 23"):
        two_decks.set_setting("day_starts_at", "25")
    with pytest.raises(UsageError, match="no setting 'colour'"):
        two_decks.set_setting("colour", "red")


def test_settings_travel_with_the_collection(two_decks: Collection) -> None:
    two_decks.set_setting("new_per_day", "7")
    with Collection.open(two_decks.path) as again:
        assert again.settings["new_per_day"] == 7
