"""SM-2 exactly as DESIGN.md gives it: test vectors, exact EF, properties, day rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzer.scheduler import (
    NEW_CARD,
    ItemState,
    Sm2State,
    answer_item,
    answer_kind,
    requeue_item,
    review,
)


def run(grades: list[int]) -> list[tuple[float, int]]:
    state = Sm2State(2.5, 0, 0)
    out = []
    for q in grades:
        state = review(state, q)
        out.append((state.ease, state.interval))
    return out


def test_vector_all_fives() -> None:
    assert run([5, 5, 5, 5, 5]) == [(2.6, 1), (2.7, 6), (2.8, 17), (2.9, 48), (3.0, 140)]


def test_vector_all_threes() -> None:
    assert run([3, 3, 3, 3, 3]) == [(2.36, 1), (2.22, 6), (2.08, 14), (1.94, 30), (1.80, 59)]


def test_vector_lapse_and_relearn() -> None:
    assert run([5, 5, 2, 4, 4, 4]) == [
        (2.6, 1),
        (2.7, 6),
        (2.38, 1),
        (2.38, 1),
        (2.38, 6),
        (2.38, 15),
    ]


def test_new_card_defaults() -> None:
    assert Sm2State(2.5, 0, 0) == NEW_CARD


def test_ease_is_exact_after_many_steps() -> None:
    state = NEW_CARD
    for _ in range(40):
        state = review(state, 4)  # EF + 0.00 each time
    assert state.ease == 2.5
    assert state.ease_milli == 2500


def test_ease_has_floor() -> None:
    state = NEW_CARD
    for _ in range(10):
        state = review(state, 0)
    assert state.ease == 1.3


def test_grade_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="0 to 5"):
        review(NEW_CARD, 6)


def test_ceil_without_float_drift() -> None:
    # In floats 75 * 1.36 = 102.00000000000001, whose ceil would be 103; SM-2 means 102.
    assert review(Sm2State(1.36, 75, 2), 4).interval == 102
    assert review(Sm2State(2.7, 6, 2), 4).interval == 17


states = st.builds(
    Sm2State.from_milli,
    st.integers(min_value=1300, max_value=4000).map(lambda m: m - m % 20),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=50),
)


@given(states, st.integers(min_value=0, max_value=5))
def test_ease_never_below_floor(state: Sm2State, q: int) -> None:
    assert review(state, q).ease >= 1.3


@given(states, st.integers(min_value=3, max_value=5))
def test_interval_never_decreases_on_pass_after_two(state: Sm2State, q: int) -> None:
    if state.repetitions >= 2 and state.interval >= 1:
        assert review(state, q).interval >= state.interval


@given(states, st.integers(min_value=0, max_value=2))
def test_fail_resets(state: Sm2State, q: int) -> None:
    after = review(state, q)
    assert (after.interval, after.repetitions) == (1, 0)


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=60))
def test_ease_stays_on_the_grid(grades: list[int]) -> None:
    state = NEW_CARD
    for q in grades:
        state = review(state, q)
        assert state.ease_milli % 10 == 0
        assert state.ease == state.ease_milli / 1000


def test_review_makes_item_due_interval_days_later() -> None:
    kind, after = answer_item(ItemState(), 5, day=100)
    assert kind == "review"
    assert after.due == 101
    assert after.drill_day is None


def test_failed_review_is_drilled_the_same_day() -> None:
    _, after = answer_item(ItemState(), 3, day=100)
    assert after.drill_day == 100
    assert after.sm2.repetitions == 1


def test_drill_answer_leaves_sm2_alone() -> None:
    _, failed = answer_item(ItemState(), 2, day=100)
    kind, drilled = answer_item(failed, 5, day=100)
    assert kind == "drill"
    assert drilled.sm2 == failed.sm2
    assert drilled.due == failed.due
    assert drilled.drill_day is None


def test_drill_below_four_stays_in_drill() -> None:
    _, failed = answer_item(ItemState(), 1, day=100)
    _, again = answer_item(failed, 3, day=100)
    assert again.drill_day == 100


def test_lapse_counts_only_learnt_items() -> None:
    _, new_failed = answer_item(ItemState(), 1, day=100)
    assert new_failed.lapses == 0
    _, learnt = answer_item(ItemState(), 5, day=100)
    _, lapsed = answer_item(learnt, 1, day=101)
    assert lapsed.lapses == 1


def test_requeued_due_item_gets_its_review_first() -> None:
    _, learnt = answer_item(ItemState(), 5, day=100)
    queued = requeue_item(learnt, 101)
    assert answer_kind(queued, 101) == "review"
    assert answer_kind(requeue_item(learnt, 100), 100) == "drill"
