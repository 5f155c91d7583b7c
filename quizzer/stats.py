"""Numbers for the Stats screen: reviews per day, right-answer rate per deck, the ease
distribution, the due forecast and the quiz score history.

Pure service code over the collection's store (no textual). A "right" answer is a grade of 3
or more (SM-2's pass mark); undone answers do not count; requeues are not answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quizzer.collection import Collection, day_date
from quizzer.scheduler import PASSING_GRADE

_ANSWERED = (
    "r.kind IN ('review', 'drill') AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)"
)


@dataclass(frozen=True)
class DeckRate:
    """Answers given in one deck (its sub-decks included) and how many were right."""

    deck: str
    answers: int
    right: int

    @property
    def rate(self) -> float:
        """The share of right answers (0 when there are none)."""
        return self.right / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class QuizResult:
    """One finished quiz."""

    id: int
    started: datetime
    finished: datetime
    decks: list[str]
    questions: int
    correct: int

    @property
    def score(self) -> float:
        """The share of right answers."""
        return self.correct / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Stats:
    """Everything the Stats screen draws, computed at once (in a worker)."""

    today: date
    per_day: dict[date, int]
    forecast: list[int]
    deck_rates: list[DeckRate]
    ease: list[tuple[float, int]]
    quizzes: list[QuizResult]
    answers_today: int
    streak: int
    total_answers: int


def reviews_per_day(col: Collection, now: datetime, days: int | None = 371) -> dict[date, int]:
    """Answers (reviews and drills) per study day over the last `days` days (all days with
    None), today included; days without answers are left out."""
    today = col.day(now)
    since = today - days if days is not None else -1
    # a plain scan: the day index would read the whole log in day order, row by row
    rows = col.store.rows(
        f"SELECT r.day, count(*) AS n FROM reviews r NOT INDEXED WHERE {_ANSWERED} "
        "AND r.day > ? AND r.day <= ? GROUP BY r.day",
        (since, today),
    )
    return {day_date(r["day"]): r["n"] for r in rows}


def streak(per_day: dict[date, int], today: date) -> int:
    """Days in a row with answers, up to today (or up to yesterday if today has none yet)."""
    day = today if per_day.get(today) else today - timedelta(days=1)
    count = 0
    while per_day.get(day):
        count += 1
        day -= timedelta(days=1)
    return count


def deck_rates(col: Collection, now: datetime, days: int | None = None) -> list[DeckRate]:
    """Right-answer rate per deck and parent deck (all time, or the last `days` days), in
    deck order; decks without answers are left out."""
    since = col.day(now) - days if days is not None else -1
    # counted per card first (the log in index order), then per deck: joining every log row
    # to its item would look up the items table once per answer
    rows = col.store.rows(
        "SELECT d.name AS deck, sum(x.n) AS n, sum(x.ok) AS right_answers FROM "
        f"(SELECT r.card_id, count(*) AS n, sum(r.grade >= {PASSING_GRADE}) AS ok "
        f"FROM reviews r WHERE {_ANSWERED} AND r.day > ? GROUP BY r.card_id) x "
        "JOIN cards c ON c.id = x.card_id JOIN decks d ON d.id = c.deck_id GROUP BY d.name",
        (since,),
    )
    totals: dict[str, list[int]] = {}
    for r in rows:
        parts = r["deck"].split("::")
        for depth in range(1, len(parts) + 1):
            name = "::".join(parts[:depth])
            entry = totals.setdefault(name, [0, 0])
            entry[0] += r["n"]
            entry[1] += r["right_answers"] or 0
    return [DeckRate(name, n, right) for name, (n, right) in sorted(totals.items())]


def ease_distribution(col: Collection, step: float = 0.1) -> list[tuple[float, int]]:
    """How many reviewed items have each ease, in buckets of `step` (1.3, 1.4, ...)."""
    milli = round(step * 1000)
    rows = col.store.rows(
        "SELECT (ease / ?) * ? AS bucket, count(*) AS n FROM items "
        "WHERE due IS NOT NULL AND retired = 0 GROUP BY bucket ORDER BY bucket",
        (milli, milli),
    )
    return [(r["bucket"] / 1000, r["n"]) for r in rows]


def quiz_history(col: Collection, now: datetime, limit: int = 100) -> list[QuizResult]:
    """The last `limit` finished quizzes, oldest first (times in the time zone of `now`)."""
    zone = now.tzinfo
    rows = col.store.rows(
        "SELECT * FROM (SELECT * FROM quizzes ORDER BY finished_at DESC, id DESC LIMIT ?) "
        "ORDER BY finished_at, id",
        (limit,),
    )
    return [
        QuizResult(
            id=r["id"],
            started=datetime.fromtimestamp(r["started_at"] / 1000, tz=zone),
            finished=datetime.fromtimestamp(r["finished_at"] / 1000, tz=zone),
            decks=json.loads(r["decks"]),
            questions=r["questions"],
            correct=r["correct"],
        )
        for r in rows
    ]


def collect(col: Collection, now: datetime, days: int = 371, forecast_days: int = 30) -> Stats:
    """All the Stats screen's numbers."""
    today = day_date(col.day(now))
    every_day = reviews_per_day(col, now, None)
    first = today - timedelta(days=days)
    per_day = {day: n for day, n in every_day.items() if day > first}
    return Stats(
        today=today,
        per_day=per_day,
        forecast=col.forecast(now, forecast_days),
        deck_rates=deck_rates(col, now),
        ease=ease_distribution(col),
        quizzes=quiz_history(col, now),
        answers_today=per_day.get(today, 0),
        streak=streak(per_day, today),
        total_answers=sum(every_day.values()),
    )


def calendar(per_day: dict[date, int], today: date, weeks: int) -> list[list[int | None]]:
    """A calendar heatmap's grid: 7 rows (Monday first) by `weeks` columns ending with the
    week of `today`; each cell the answers of that day, None for days after today."""
    weeks = max(1, weeks)
    last_monday = today - timedelta(days=today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    grid: list[list[int | None]] = [[None] * weeks for _ in range(7)]
    for week in range(weeks):
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            grid[weekday][week] = per_day.get(day, 0) if day <= today else None
    return grid


def levels(values: list[int], steps: int = 4) -> list[int]:
    """Thresholds splitting positive counts into `steps` intensity levels (quantiles)."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return [1] * steps
    return [positive[min(len(positive) - 1, (len(positive) * i) // steps)] for i in range(steps)]
