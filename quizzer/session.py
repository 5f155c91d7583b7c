"""A study session: today's queue served one item at a time, with same-day drill.

Order: an item to drill whose turn has come, else the due item that has waited longest,
else a new item (within the daily limit), else any item still to drill. An item graded
below 4 comes back after a few other answers (`DRILL_GAP`) until it is graded 4 or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from quizzer.collection import Answer, Collection, ReviewItem, to_ms
from quizzer.scheduler import DRILL_UNTIL_GRADE, PASSING_GRADE

DRILL_GAP = 3  # answers in between before a failed item comes back, when others are waiting


@dataclass
class SessionSummary:
    """The end of a session: counts, time, and when the next cards are due."""

    cards: int
    answered: int
    right: int
    wrong: int
    seconds: float
    next_due: date | None


@dataclass
class _Drill:
    card_id: str
    ord: int
    turn: int


@dataclass
class StudySession:
    """Serve and grade today's items of one deck (with sub-decks) or of all decks."""

    collection: Collection
    started: datetime
    deck: str | None = None
    deck_ids: Sequence[int] | None = None
    turn: int = 0
    right: int = 0
    wrong: int = 0
    new_left: int = 0
    _drills: list[_Drill] = field(default_factory=list)
    _answers: list[tuple[ReviewItem, Answer]] = field(default_factory=list)
    _current: ReviewItem | None = None

    @classmethod
    def start(cls, collection: Collection, now: datetime, deck: str | None = None) -> StudySession:
        """A session over `deck` (and its sub-decks), or over every deck."""
        ids = collection.deck_ids(deck)
        session = cls(collection, now, deck, ids)
        session.new_left = collection.new_left(now, ids)
        session._drills = [_Drill(i.card_id, i.ord, 0) for i in collection.drill_items(now, ids)]
        return session

    # -- the queue -----------------------------------------------------------------------

    def next(self, now: datetime) -> ReviewItem | None:
        """The item to show now, or None when the session is over."""
        ripe = [d for d in self._drills if d.turn <= self.turn]
        if ripe:
            self._current = self._drill_item(ripe[0])
            if self._current is not None:
                return self._current
        item = self.collection.first_due(now, self.deck_ids)
        if item is None and self.new_left > 0:
            item = self.collection.first_new(now, self.deck_ids)
        if item is None and self._drills:
            item = self._drill_item(min(self._drills, key=lambda d: d.turn))
        self._current = item
        return item

    def _drill_item(self, drill: _Drill) -> ReviewItem | None:
        item = self.collection.item(drill.card_id, drill.ord)
        if item.suspended or (item.card.type == "code" and item.verified_output is None):
            self._drills.remove(drill)
            return None
        return item

    @property
    def current(self) -> ReviewItem | None:
        """The item last returned by `next`."""
        return self._current

    # -- answering -----------------------------------------------------------------------

    def answer(
        self,
        item: ReviewItem,
        grade: int,
        now: datetime,
        *,
        answer: str | None = None,
        duration_ms: int | None = None,
    ) -> Answer:
        """Grade `item`; below 4 it comes back later in this session."""
        result = self.collection.answer(
            item.card_id, item.ord, grade, now, answer=answer, duration_ms=duration_ms
        )
        self._answers.append((item, result))
        self.turn += 1
        if item.state.is_new and result.kind == "review":
            self.new_left = max(0, self.new_left - 1)
        if grade >= PASSING_GRADE:
            self.right += 1
        else:
            self.wrong += 1
        self._drills = [d for d in self._drills if (d.card_id, d.ord) != (item.card_id, item.ord)]
        if grade < DRILL_UNTIL_GRADE:
            self._drills.append(_Drill(item.card_id, item.ord, self.turn + DRILL_GAP))
        return result

    def undo(self, now: datetime) -> ReviewItem | None:
        """Undo this session's last answer; returns its item, to be shown again."""
        if not self._answers:
            return None
        item, answered = self._answers[-1]
        undone = self.collection.undo(now)
        if undone is None or undone.review_id != answered.review_id:
            return None
        self._answers.pop()
        self.turn -= 1
        if answered.grade >= PASSING_GRADE:
            self.right -= 1
        else:
            self.wrong -= 1
        if item.state.is_new and answered.kind == "review":
            self.new_left += 1
        self._drills = [d for d in self._drills if (d.card_id, d.ord) != (item.card_id, item.ord)]
        if undone.before.drill_day is not None and undone.before.drill_day == (
            self.collection.day(now)
        ):
            self._drills.append(_Drill(item.card_id, item.ord, self.turn))
        self._current = self.collection.item(item.card_id, item.ord)
        return self._current

    # -- progress ------------------------------------------------------------------------

    @property
    def answered(self) -> int:
        """Answers given in this session (undone ones excluded)."""
        return len(self._answers)

    def left(self, now: datetime) -> int:
        """Items still to show today in this session (drills included)."""
        day = self.collection.day(now)
        due = self.collection.store.count_due(day, self.deck_ids)
        new = self.collection.store.count_new(day, self.deck_ids, self.new_left)
        return due + new + len(self._drills)

    def summary(self, now: datetime) -> SessionSummary:
        """Counts and time of this session, and the next day something is due."""
        return SessionSummary(
            cards=len({(i.card_id, i.ord) for i, _ in self._answers}),
            answered=self.answered,
            right=self.right,
            wrong=self.wrong,
            seconds=(to_ms(now) - to_ms(self.started)) / 1000,
            next_due=self.collection.next_due_day(now, self.deck),
        )
