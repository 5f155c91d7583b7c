"""SM-2 (SuperMemo 2, Wozniak 1990), exactly as the `supermemo2` package implements it.

Pure and deterministic: a state and a grade in, a new state out; no clock, no I/O.
EF moves only in steps of 0.02, so it is computed as an integer in thousandths
(`ease_milli`) and exposed as the float nearest to it (2.38, never 2.3799999);
`ceil(I * EF)` is computed in integers, free of float drift.
"""

from __future__ import annotations

from dataclasses import dataclass

INITIAL_EASE_MILLI = 2500
MIN_EASE_MILLI = 1300
GRADES = range(6)
PASSING_GRADE = 3  # q >= 3: remembered; below: the card starts over
DRILL_UNTIL_GRADE = 4  # same-day drill repeats a card until it is graded 4 or more


@dataclass(frozen=True)
class Sm2State:
    """SM-2 state of one card: easiness factor EF, interval I in days, repetitions n.

    `ease` is normalised to the float nearest to a whole number of thousandths, so
    `review(Sm2State(2.5, 0, 0), 5).ease == 2.6` holds exactly.
    """

    ease: float = 2.5
    interval: int = 0
    repetitions: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "ease", round(float(self.ease), 3))

    @property
    def ease_milli(self) -> int:
        """EF in thousandths (2500 for 2.5): the exact form used for storage and arithmetic."""
        return round(self.ease * 1000)

    @classmethod
    def from_milli(cls, ease_milli: int, interval: int, repetitions: int) -> Sm2State:
        """Build a state from its stored form."""
        return cls(ease_milli / 1000, interval, repetitions)


NEW_CARD = Sm2State()


def ease_delta_milli(quality: int) -> int:
    """SM-2's EF change for grade q, in thousandths: 0.1 - (5-q)(0.08 + (5-q)0.02)."""
    miss = 5 - quality
    return 100 - miss * (80 + miss * 20)


def review(state: Sm2State, quality: int) -> Sm2State:
    """The state after answering with grade `quality` (0..5).

    q >= 3: I = 1, then 6, then ceil(I * EF), and n += 1; q < 3: n = 0 and I = 1.
    EF then changes by SM-2's formula (computed with the old EF) and never drops below 1.3.
    """
    if quality not in GRADES:
        raise ValueError(f"grade must be 0 to 5, not {quality!r}")
    old_ease = state.ease_milli
    if quality >= PASSING_GRADE:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            interval = -(-state.interval * old_ease // 1000)  # exact ceil(I * EF)
        repetitions = state.repetitions + 1
    else:
        interval = 1
        repetitions = 0
    ease = max(MIN_EASE_MILLI, old_ease + ease_delta_milli(quality))
    return Sm2State.from_milli(ease, interval, repetitions)


@dataclass(frozen=True)
class ItemState:
    """Everything the schedule knows about one review item, beyond SM-2: when it is due
    (a study day number, None while new), how often it lapsed, and the day it is drilled."""

    sm2: Sm2State = NEW_CARD
    due: int | None = None
    lapses: int = 0
    drill_day: int | None = None

    @property
    def is_new(self) -> bool:
        """True until the item's first review."""
        return self.due is None


def answer_kind(state: ItemState, day: int) -> str:
    """'drill' for a same-day repeat (SM-2 untouched), else 'review'.

    An item is drilled when it was failed (or sent to drill) today and is not due anyway;
    a new or due item always gets its SM-2 review first.
    """
    if state.due is not None and state.due > day and state.drill_day == day:
        return "drill"
    return "review"


def answer_item(state: ItemState, quality: int, day: int) -> tuple[str, ItemState]:
    """The kind of answer and the item's new state after grade `quality` on study day `day`.

    A review applies SM-2 and makes the item due `interval` days later; a failed review of a
    learnt item counts as a lapse. Any grade below 4 brings the item back later the same day
    (SM-2's last rule); such drill answers are logged but leave EF, n and I alone.
    """
    kind = answer_kind(state, day)
    drill_day = day if quality < DRILL_UNTIL_GRADE else None
    if kind == "drill":
        return kind, ItemState(state.sm2, state.due, state.lapses, drill_day)
    sm2 = review(state.sm2, quality)
    lapsed = quality < PASSING_GRADE and state.due is not None
    return kind, ItemState(sm2, day + sm2.interval, state.lapses + lapsed, drill_day)


def requeue_item(state: ItemState, day: int) -> ItemState:
    """The state of an item sent to today's drill (e.g. a quiz miss): SM-2 untouched."""
    return ItemState(state.sm2, state.due, state.lapses, day)
