"""Decks, Browse, Stats, Help and the command palette with Pilot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from quizzer.collection import Collection
from quizzer.tui.app import QuizzerApp, create_app
from quizzer.tui.screens.browse import BrowseScreen
from quizzer.tui.screens.card import CardScreen
from quizzer.tui.screens.decks import DecksScreen
from quizzer.tui.screens.review import ReviewScreen
from quizzer.tui.screens.stats import StatsScreen
from quizzer.tui.widgets.charts import Bars, Heatmap
from tests.helpers import NOW
from tests.test_tui_support import make_collection, screen_text, settle, type_text


def app_at(db: Path, when: datetime = NOW) -> QuizzerApp:
    return create_app(db, builtin=False, clock=lambda: when)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_collection(tmp_path, second=True)


# -- Decks -------------------------------------------------------------------------------------


async def test_decks_show_the_tree_with_todays_counts(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        rows = {line.split()[0]: line.split()[-4:] for line in lines[2:6]}
        assert rows["All"] == ["7", "0", "0", "8"]  # 7 new (the unverified code card is not)
        assert rows["d2l"] == ["7", "0", "0", "8"]
        assert rows["02"] == ["4", "0", "0", "4"]
        assert rows["03"] == ["3", "0", "0", "4"]
        text = screen_text(app)
        assert "Today: 7 cards to study (0 due, 7 new, 0 to drill)" in text
        assert "1 code card waits for a verified output" in text
        assert "quizzer verify" in text


async def test_enter_studies_the_selected_deck_and_a_everything(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "enter")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.deck == "d2l::03 线性神经网络"
        await pilot.press("q", "enter")  # leave at once: the summary, then the decks
        await settle(pilot)
        assert isinstance(app.screen, DecksScreen)
        await pilot.press("a")
        assert isinstance(app.screen, ReviewScreen) and app.screen.deck is None


async def test_counts_follow_the_reviews_when_coming_back(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a", "space", "5", "q", "enter")
        await settle(pilot)
        assert "Today: 6 cards to study (0 due, 6 new, 0 to drill)" in screen_text(app)


async def test_nothing_due_says_when_the_next_cards_are(db: Path) -> None:
    with Collection.open(db, import_builtin=False) as col:
        for key in col.store.rows("SELECT card_id, ord FROM items WHERE ready = 1"):
            for _ in range(2):  # intervals 1 then 6: due 5 days from today
                col.answer(key["card_id"], key["ord"], 5, NOW - timedelta(days=1))
    app = app_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Nothing to study today." in text
        assert "Next cards due in 5 days (2026-12-01)." in text


async def test_first_screen_uses_the_counts_read_while_starting(db: Path) -> None:
    from quizzer.tui.prefetch import Prefetch

    prefetch = Prefetch.start(db, NOW)
    assert prefetch is not None
    app = create_app(db, builtin=False, clock=lambda: NOW, prefetch=prefetch)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.prefetch is None  # taken by the first Decks screen
        assert "Today: 7 cards to study" in screen_text(app)


# -- Browse ------------------------------------------------------------------------------------


async def browse_keys(app: QuizzerApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, BrowseScreen)
    return [row.key for row in screen.rows]


async def test_browse_filters_as_you_type(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert len(await browse_keys(app)) == 8
        assert "8 items match" in screen_text(app)
        await type_text(pilot, "kind:cloze")
        await pilot.pause(0.3)
        await settle(pilot)
        assert await browse_keys(app) == [
            "norm-homogeneity#c1",
            "softmax-name#c1",
            "softmax-name#c2",
        ]
        await type_text(pilot, " tag:softmax")
        await pilot.pause(0.3)
        await settle(pilot)
        assert await browse_keys(app) == ["softmax-name#c1", "softmax-name#c2"]
        text = screen_text(app)
        assert "softmax-name#c1  softmax 把未规范化的预测变换为" in text  # the preview line
        assert "2 items match" in text
        await type_text(pilot, " zzz")
        await pilot.pause(0.3)
        await settle(pilot)
        assert "0 items match" in screen_text(app)
        assert "softmax-name#c1" not in screen_text(app)


async def test_browse_is_suspended_and_toggle(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_browse("is:new")
        await settle(pilot)
        await pilot.press("enter")  # from the search box to the table
        await pilot.press("exclamation_mark")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        screen.query_one("#browse-search").value = "is:suspended"  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        await settle(pilot)
        assert await browse_keys(app) == ["slice-half-open"]
        assert "yes" in screen_text(app)


async def test_enter_shows_the_card_rendered_with_its_history(db: Path) -> None:
    with Collection.open(db, import_builtin=False) as col:
        col.answer("norm-homogeneity", 1, 3, NOW - timedelta(days=2))
    app = app_at(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.action_browse("norm-homogeneity")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        text = screen_text(app)
        assert "范数的齐次性: f(α𝐱) = |α| f(𝐱)" in text  # revealed, math as Unicode
        assert "2026-11-24 10:00" in text and "review" in text  # the history row
        history = app.screen.query_one("#card-history", DataTable)
        assert history.row_count == 1
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


# -- Stats -------------------------------------------------------------------------------------


async def test_stats_draw_charts_from_a_worker(db: Path) -> None:
    with Collection.open(db, import_builtin=False) as col:
        for days, grade in ((3, 5), (2, 2), (1, 4)):
            col.answer("mse-name", 0, grade, NOW - timedelta(days=days))
        col.answer("slice-half-open", 0, 5, NOW)
    app = app_at(db)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.stats is not None
        assert screen.stats.total_answers == 4 and screen.stats.answers_today == 1
        heatmap = screen.query_one(Heatmap)
        assert sum(heatmap.per_day.values()) == 4
        bars = screen.query_one(Bars)
        assert ("d2l::03 线性神经网络", 2 / 3, "67% of 3") in bars.rows
        text = screen_text(app)
        for title in ("Answers per day", "Due in the next 30 days", "Right answers per deck"):
            assert title in text
        assert "4 answers in all" in text and "Mon" in text and "■" in text


# -- Help and the palette ----------------------------------------------------------------------


async def test_help_on_decks_lists_its_keys(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        text = screen_text(app)
        for words in ("study", "all due", "quiz", "browse", "stats", "verify code", "palette"):
            assert words in text
        await pilot.press("escape")
        assert isinstance(app.screen, DecksScreen)


async def test_palette_offers_every_key_of_the_screen_and_the_screens(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Browse (b)", "Stats (s)", "Quiz (t)", "Verify code (v)", "Statistics"):
            assert title in titles
        assert "Study (⏎)" in titles  # the deck table's Enter
        app.action_browse()
        await settle(pilot)  # the search box has the focus: its own keys are no commands
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Suspend/unsuspend (!)" in titles
        assert not any(t.startswith(("Focus", "Move cursor")) for t in titles)
        app.pop_screen()
        await pilot.press("ctrl+p")
        await type_text(pilot, "statistics")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)


async def test_verify_key_runs_the_command_in_another_process(db: Path) -> None:
    import sys

    app = app_at(db)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.notify = lambda message, **kw: shown.append(str(message))  # type: ignore[method-assign]
        app.verify_argv = lambda: [sys.executable, "-c", "print('3 cards verified')"]  # type: ignore[method-assign]
        await pilot.press("v")
        await settle(pilot)
    assert shown[-1] == "3 cards verified"


async def test_new_collection_verifies_its_code_cards_at_once(tmp_path: Path) -> None:
    import sys

    app = create_app(tmp_path / "new.db", builtin=True, clock=lambda: NOW)
    ran: list[str] = []
    app.verify_argv = lambda: [sys.executable, "-c", "print('97 ok')"]  # type: ignore[method-assign]
    app.notify = lambda message, **kw: ran.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    assert ran[0].startswith("New collection: running its code cards")
    assert ran[-1] == "97 ok"


async def test_existing_collection_does_not_verify_by_itself(db: Path) -> None:
    app = app_at(db)
    ran: list[str] = []
    app.notify = lambda message, **kw: ran.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    assert ran == []


async def test_light_theme_renders_every_screen(db: Path) -> None:
    app = app_at(db)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "textual-light"
        await settle(pilot)
        assert not app.dark and app.code_theme() == "friendly"
        await pilot.press("a")
        assert "切片" in screen_text(app)


def test_counts_are_not_read_ahead_from_a_file_that_needs_migrating(tmp_path: Path) -> None:
    import sqlite3

    from quizzer.tui.prefetch import Prefetch

    assert Prefetch.start(tmp_path / "new.db", NOW) is None  # a new collection
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert Prefetch.start(old, NOW) is None  # the app migrates it first, alone
