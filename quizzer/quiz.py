"""Quizzes: a test apart from spaced repetition, to check a chapter before an exam.

`n` review items are drawn at random (a seedable RNG) from the chosen decks; every kind is
answered actively and checked with `quizzer.answers` (choices picked, code output typed,
cloze deletions typed and checked leniently, basic cards marked right or wrong by the
learner). A quiz never changes SM-2 state: a finished quiz is stored in `quizzes` and
`quiz_answers`, and its misses can be sent to today's drill with `Collection.requeue`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from quizzer import answers, cloze
from quizzer.answers import Verdict
from quizzer.collection import Collection, ReviewItem, to_ms
from quizzer.errors import QuizzerError
from quizzer.mathtext import convert_math, latex_to_unicode, plain
from quizzer.models import ChoiceCard, ClozeCard, CodeCard
from quizzer.store import dumps

DEFAULT_QUESTIONS = 20
ANSWER_SEPARATOR = ";"  # a cloze number hidden in several places: answers typed `a; b`


def candidate_keys(col: Collection, decks: Sequence[str] = ()) -> list[tuple[str, int]]:
    """(card id, ord) of every item a quiz may ask: active, not suspended, and (for code
    cards) with a verified output, in the given decks and their sub-decks (all if none)."""
    ids: list[int] | None = None
    if decks:
        ids = sorted({i for d in decks for i in col.deck_ids(d) or []})
    where = "i.retired = 0 AND i.suspended = 0 AND i.ready = 1"
    params: list[int] = []
    if ids is not None:
        where += f" AND i.deck_id IN ({','.join('?' * len(ids))})"
        params = ids
    return [
        (r[0], r[1])
        for r in col.store.conn.execute(
            f"SELECT i.card_id, i.ord FROM items i WHERE {where} ORDER BY i.position, i.ord",
            params,
        )
    ]


def draw(
    col: Collection,
    decks: Sequence[str] = (),
    n: int = DEFAULT_QUESTIONS,
    rng: random.Random | None = None,
) -> list[ReviewItem]:
    """`n` items drawn at random (without repeats) from the decks; fewer if there are fewer."""
    if n < 1:
        raise QuizzerError(f"a quiz needs at least one question, not {n}")
    keys = candidate_keys(col, decks)
    if not keys:
        where = f"in {', '.join(decks)}" if decks else "in the collection"
        raise QuizzerError(f"there is no card to ask {where}")
    chosen = (rng or random.Random()).sample(keys, min(n, len(keys)))
    return [col.item(card_id, ord_) for card_id, ord_ in chosen]


# -- checking ----------------------------------------------------------------------------------


def _forms(expected: str) -> list[str]:
    """What a learner may type for an expected answer: as written, with its math in Unicode,
    and (for math) without the dollars."""
    forms = [expected, plain(expected), convert_math(expected)]
    if "$" in expected:
        forms.append(expected.replace("$", ""))
        forms.append(latex_to_unicode(expected.replace("$", "")))
    return list(dict.fromkeys(f for f in forms if f.strip()))


def _squeezed(text: str) -> str:
    return "".join(text.split())


def check_cloze_answer(text: str, number: int, typed: str) -> Verdict:
    """Check a typed cloze deletion leniently: case, surrounding and repeated spaces and
    full/half width do not matter (`answers.check_cloze`); math may be typed in Unicode
    (`f(αx) = |α| f(x)`) or as LaTeX, with or without spaces. A number hidden in several
    places takes its answers in order, separated by `;`."""
    expected = cloze.answers(text, number)
    if not expected:
        raise QuizzerError(f"the cloze text has no deletion c{number}")
    parts = typed.split(ANSWER_SEPARATOR) if len(expected) > 1 else [typed]
    if len(parts) != len(expected):
        return Verdict(
            False,
            f"{len(expected)} answers expected, separated by '{ANSWER_SEPARATOR}'; "
            f"the answer is {'; '.join(plain(e) for e in expected)!r}",
        )
    for part, want in zip(parts, expected, strict=True):
        forms = _forms(want)
        ok = any(answers.check_cloze(part, form).correct for form in forms)
        if not ok and any("$" in want or "\\" in f for f in forms):
            ok = any(
                answers.check_cloze(_squeezed(part), _squeezed(form)).correct for form in forms
            )
        if not ok:
            shown = plain(want)
            got = part.strip()
            return Verdict(
                False, f"expected {shown!r}, got {got!r}" if got else f"expected {shown!r}"
            )
    return Verdict(True, "")


def check(item: ReviewItem, response: str | Sequence[str] | bool) -> Verdict:
    """Check a response to an item: the picked choices (choice), the typed output (code), the
    typed deletion (cloze) or the learner's own mark (basic: True for right)."""
    card = item.card
    if isinstance(card, ChoiceCard):
        picked = [response] if isinstance(response, str) else list(response)  # type: ignore[arg-type]
        return answers.check_choice(picked, card.correct)
    if isinstance(card, CodeCard):
        if item.verified_output is None:
            raise QuizzerError(f"code card '{item.card_id}' has no verified output yet")
        return answers.check_code_output(str(response), item.verified_output)
    if isinstance(card, ClozeCard):
        return check_cloze_answer(card.text, item.ord, str(response))
    return Verdict(bool(response), "" if response else "marked wrong")


# -- a quiz ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizAnswer:
    """One answered question."""

    seq: int
    item: ReviewItem
    correct: bool
    answer: str | None
    duration_ms: int | None
    explanation: str = ""


@dataclass
class Quiz:
    """A quiz in progress: its questions, the answers so far, and when it started."""

    decks: list[str]
    items: list[ReviewItem]
    started: datetime
    answers: dict[int, QuizAnswer] = field(default_factory=dict)
    quiz_id: int | None = None
    finished: datetime | None = None

    @classmethod
    def start(
        cls,
        col: Collection,
        now: datetime,
        decks: Sequence[str] = (),
        n: int = DEFAULT_QUESTIONS,
        rng: random.Random | None = None,
    ) -> Quiz:
        """Draw the questions of a new quiz."""
        return cls(list(decks), draw(col, decks, n, rng), now)

    def record(
        self,
        seq: int,
        verdict: Verdict,
        answer: str | None,
        duration_ms: int | None = None,
    ) -> QuizAnswer:
        """Keep the answer to question `seq` (0-based); answering again replaces it."""
        if not 0 <= seq < len(self.items):
            raise QuizzerError(f"the quiz has no question {seq + 1}")
        entry = QuizAnswer(
            seq, self.items[seq], verdict.correct, answer, duration_ms, verdict.explanation
        )
        self.answers[seq] = entry
        return entry

    @property
    def done(self) -> bool:
        """True when every question has an answer."""
        return len(self.answers) == len(self.items)

    @property
    def correct(self) -> int:
        """Right answers so far."""
        return sum(a.correct for a in self.answers.values())

    @property
    def misses(self) -> list[QuizAnswer]:
        """The wrong answers, in question order."""
        return [self.answers[s] for s in sorted(self.answers) if not self.answers[s].correct]

    def finish(self, col: Collection, now: datetime) -> int:
        """Store the finished quiz (one transaction) and return its id. SM-2 is untouched."""
        if not self.done:
            left = len(self.items) - len(self.answers)
            raise QuizzerError(f"the quiz is not finished: {left} question(s) left")
        if self.quiz_id is not None:
            return self.quiz_id
        with col.store.write() as conn:
            quiz_id = conn.execute(
                "INSERT INTO quizzes(started_at, finished_at, decks, questions, correct) "
                "VALUES (?, ?, ?, ?, ?)",
                (to_ms(self.started), to_ms(now), dumps(self.decks), len(self.items), self.correct),
            ).lastrowid
            conn.executemany(
                "INSERT INTO quiz_answers(quiz_id, seq, card_id, ord, correct, answer, "
                "duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        quiz_id,
                        a.seq,
                        a.item.card_id,
                        a.item.ord,
                        int(a.correct),
                        a.answer,
                        a.duration_ms,
                    )
                    for a in (self.answers[s] for s in sorted(self.answers))
                ],
            )
        self.quiz_id = quiz_id
        self.finished = now
        return quiz_id

    def requeue_misses(self, col: Collection, now: datetime) -> int:
        """Send the missed items to today's drill (SM-2 untouched); returns how many."""
        return col.requeue([(a.item.card_id, a.item.ord) for a in self.misses], now)

    def seconds(self, now: datetime | None = None) -> float:
        """How long the quiz took (so far)."""
        end = self.finished or now or self.started
        return (to_ms(end) - to_ms(self.started)) / 1000


def quiz_answers(col: Collection, quiz_id: int) -> list[dict[str, object]]:
    """The stored answers of a quiz, in question order."""
    return [
        dict(r)
        for r in col.store.rows(
            "SELECT * FROM quiz_answers WHERE quiz_id = ? ORDER BY seq", (quiz_id,)
        )
    ]
