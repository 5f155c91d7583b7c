"""The quiz with Pilot: every kind answered actively, the score, misses shown and drilled,
results kept, SM-2 untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from quizzer.collection import Collection
from quizzer.models import ChoiceCard
from quizzer.tui.app import QuizzerApp, create_app
from quizzer.tui.screens.card import CardScreen
from quizzer.tui.screens.decks import DecksScreen
from quizzer.tui.screens.quiz import QuizResultScreen, QuizScreen
from quizzer.tui.widgets.card import LETTERS
from tests.helpers import NOW
from tests.test_tui_support import make_collection, screen_text, settle, type_text

DECK = "d2l::02 预备知识"
# what to answer per card: right for choice and cloze, wrong for code and basic
PLAN = {"which-set-tunes": True, "norm-homogeneity": True, "norm-l2-of-3-4": False}


def quiz_app(db: Path, questions: int = 4) -> QuizzerApp:
    return create_app(
        db, builtin=False, start="quiz", deck=DECK, questions=questions, clock=lambda: NOW
    )


def schedule(db: Path) -> list[tuple[object, ...]]:
    with Collection.open(db, import_builtin=False) as col:
        return [tuple(r) for r in col.store.rows("SELECT * FROM items ORDER BY card_id, ord")]


async def answer_current(app: QuizzerApp, pilot: Pilot[object], right: bool) -> None:
    screen = app.screen
    assert isinstance(screen, QuizScreen) and screen.question is not None
    item = screen.quiz.items[screen.question.seq]
    card = item.card
    if isinstance(card, ChoiceCard):
        index = card.choices.index("验证集" if right else "测试集")
        await pilot.press(LETTERS[index], "enter")
        assert ("✓ Right" if right else "✗ Wrong") in screen_text(app)
        await pilot.press("enter")
    elif item.kind == "cloze":
        await type_text(pilot, "F(αx) = |α| f(x) " if right else "f(x)")
        await pilot.press("enter")
        text = screen_text(app)
        assert ("✓ Right" if right else "✗ Wrong") in text
        assert "范数的齐次性: f(α𝐱) = |α| f(𝐱)" in text  # revealed in place
        await pilot.press("enter")
    elif item.kind == "code":
        await type_text(pilot, "tensor(5.)" if right else "tensor(5)")
        await pilot.press("ctrl+s")
        assert "The real output:" in screen_text(app)
        await pilot.press("enter")
    else:
        await pilot.press("space")
        assert "左闭右开" in screen_text(app)
        await pilot.press("y" if right else "n")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_collection(tmp_path, second=True)


async def test_a_quiz_of_every_kind_is_scored_and_kept(db: Path) -> None:
    before = schedule(db)
    app = quiz_app(db)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QuizScreen) and len(screen.quiz.items) == 4
        assert "question 1 of 4" in screen_text(app)
        for _ in range(4):
            current = app.screen
            assert isinstance(current, QuizScreen) and current.question is not None
            card_id = current.quiz.items[current.question.seq].card_id
            await answer_current(app, pilot, PLAN.get(card_id, False))
        assert isinstance(app.screen, QuizResultScreen)
        text = screen_text(app)
        assert "2/4 right (50%)" in text and "2 misses below" in text
        assert "norm-l2-of-3-4" in text and "slice-half-open" in text
    assert schedule(db) == before  # SM-2 untouched
    with Collection.open(db, import_builtin=False) as col:
        quiz = col.store.rows("SELECT * FROM quizzes")[0]
        answers = col.store.rows("SELECT card_id, correct, answer FROM quiz_answers ORDER BY seq")
        assert col.store.one("SELECT count(*) FROM reviews") == 0
    assert (quiz["questions"], quiz["correct"], quiz["decks"]) == (4, 2, '["d2l::02 预备知识"]')
    got = {a["card_id"]: (a["correct"], a["answer"]) for a in answers}
    assert got["norm-l2-of-3-4"] == (0, "tensor(5)")
    assert got["which-set-tunes"] == (1, "验证集")
    assert got["slice-half-open"] == (0, "wrong")


async def test_misses_open_and_go_to_todays_drill(db: Path) -> None:
    app = quiz_app(db)
    async with app.run_test(size=(100, 40)) as pilot:
        for _ in range(4):
            current = app.screen
            assert isinstance(current, QuizScreen) and current.question is not None
            card_id = current.quiz.items[current.question.seq].card_id
            await answer_current(app, pilot, PLAN.get(card_id, False))
        await pilot.press("enter")
        assert isinstance(app.screen, CardScreen)
        assert "Your answer:" in screen_text(app)
        await pilot.press("escape", "d")
        assert "2 sent to today's drill" in screen_text(app)
        await pilot.press("d")  # only once
        await pilot.press("q")
    assert app.return_value is not None
    assert app.return_value[0].startswith("Quiz: 2/4 right (50%)")
    assert app.return_value[-1] == "2 sent to today's drill."
    with Collection.open(db, import_builtin=False) as col:
        drilled = sorted(i.card_id for i in col.drill_items(NOW, None))
        kinds = [r["kind"] for r in col.store.rows("SELECT kind FROM reviews")]
    assert drilled == ["norm-l2-of-3-4", "slice-half-open"] and kinds == ["requeue"] * 2


async def test_quiz_from_decks_asks_how_many_and_can_be_abandoned(db: Path) -> None:
    app = create_app(db, builtin=False, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "t")  # on d2l::02 预备知识
        assert "Quiz on d2l::02 预备知识" in screen_text(app)
        await pilot.press("backspace", "backspace", "2", "enter")
        screen = app.screen
        assert isinstance(screen, QuizScreen) and len(screen.quiz.items) == 2
        assert screen.quiz.decks == [DECK]
        if isinstance(app.focused, Input | TextArea):
            await pilot.press("escape")  # Escape first leaves the answer box
            assert isinstance(app.screen, QuizScreen)
        await pilot.press("q")
        assert isinstance(app.screen, QuizScreen)  # asked to press q again
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, DecksScreen)
    with Collection.open(db, import_builtin=False) as col:
        assert col.store.one("SELECT count(*) FROM quizzes") == 0


async def test_stats_show_the_quiz_score_history(db: Path) -> None:
    app = quiz_app(db, questions=1)
    async with app.run_test(size=(100, 40)) as pilot:
        await answer_current(app, pilot, right=False)
        if isinstance(app.screen, QuizScreen):  # a basic card goes on by itself
            await pilot.press("enter")
    app = create_app(db, builtin=False, clock=lambda: NOW)
    async with app.run_test(size=(120, 80)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert "last: 0/1 on 2026-11-26" in screen_text(app)
