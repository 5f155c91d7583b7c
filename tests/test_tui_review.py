"""The review screen with Pilot: every card kind, grades in the log, undo, drill, suspend,
edit, source, the end-of-session summary, and no torch in the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quizzer.collection import Collection
from quizzer.tui.app import QuizzerApp, create_app
from quizzer.tui.screens.review import ReviewScreen
from quizzer.tui.screens.summary import SummaryScreen
from tests.helpers import NOW
from tests.test_tui_support import make_collection, review_rows, screen_text, settle, type_text

DECK = "d2l::02 预备知识"


def review_app(db: Path, deck: str | None = DECK) -> QuizzerApp:
    return create_app(db, builtin=False, start="review", deck=deck, clock=lambda: NOW)


def item(db: Path, card_id: str, ord_: int = 0) -> tuple[object, ...]:
    with Collection.open(db, import_builtin=False) as col:
        row = col.store.rows(
            "SELECT due, interval, ease, repetitions, drill_day, suspended FROM items "
            "WHERE card_id = ? AND ord = ?",
            (card_id, ord_),
        )[0]
        return tuple(row)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_collection(tmp_path, second=True)


async def test_basic_card_reveals_and_grades(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "切片 x[0:9] 对应数学中的哪个区间?" in text
        assert "左闭右开" not in text and "0 done · 4 left" in text
        await pilot.press("5")  # grading before the answer is shown does nothing
        assert review_rows(db) == []
        await pilot.press("space")
        assert "左闭右开 (half-open) 区间 [0, 9)" in screen_text(app)  # math as text
        await pilot.press("5")
        assert review_rows(db) == [("slice-half-open", 0, "review", 5)]
        assert "范数的齐次性" in screen_text(app)
    day = NOW.date().toordinal()
    assert item(db, "slice-half-open")[:4] == (day + 1, 1, 2600, 1)


async def test_cloze_gap_is_filled_in_place(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "4")
        text = screen_text(app)
        assert "范数的齐次性: [...]" in text and "f(α𝐱)" not in text
        await pilot.press("space")
        assert "范数的齐次性: f(α𝐱) = |α| f(𝐱)" in screen_text(app)
        await pilot.press("4")
    assert review_rows(db)[-1] == ("norm-homogeneity", 1, "review", 4)


async def test_choice_is_checked_and_the_proposed_grade_accepted(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "4", "space", "4")
        text = screen_text(app)
        assert "a) [ ] 训练集" in text and "b) [ ] 验证集" in text
        await pilot.press("a", "b", "a")  # a toggled on and off again
        assert "b) [x] 验证集" in screen_text(app)
        await pilot.press("enter")
        text = screen_text(app)
        assert "✓ b) [x] 验证集" in text and "✓ Right" in text
        assert "Enter accepts the proposed grade 5" in text  # right and quick (fixed clock)
        await pilot.press("enter")
    with Collection.open(db, import_builtin=False) as col:
        last = col.store.rows("SELECT * FROM reviews ORDER BY id DESC LIMIT 1")[0]
    assert (last["card_id"], last["grade"], last["answer"]) == ("which-set-tunes", 5, "验证集")


async def test_wrong_choice_is_marked_and_a_digit_overrides(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "4", "space", "4", "c", "enter")
        text = screen_text(app)
        assert "✗ c) [x] 测试集" in text and "✓ b) [ ] 验证集  (missed)" in text
        assert "proposed grade 1" in text
        await pilot.press("2")
    assert review_rows(db)[-1] == ("which-set-tunes", 0, "review", 2)


async def test_code_output_is_checked_with_a_diff_when_wrong(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("space", "4", "space", "4", "b", "enter", "enter")
        text = screen_text(app)
        assert "print(torch.norm(u))" in text and "ctrl+s" in text
        await type_text(pilot, "tensor(5)\n")  # Enter adds a line in the answer box
        assert review_rows(db)[-1][0] == "which-set-tunes"
        await pilot.press("ctrl+s")
        text = screen_text(app)
        assert "✗ Not quite" in text and "5 is an integer" in text
        assert "-tensor(5.)" in text and "+tensor(5)" in text  # the diff
        assert "The real output:" in text and "proposed grade 1" in text
        await pilot.press("enter")  # accept 1: a lapse to drill
        assert review_rows(db)[-1] == ("norm-l2-of-3-4", 0, "review", 1)
        # the only card left is the one to drill: it comes back now
        assert "code · drill" in screen_text(app)
        await type_text(pilot, "tensor(5.0)")
        await pilot.press("ctrl+s")
        assert "✓ Right" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, SummaryScreen)
    assert review_rows(db)[-1] == ("norm-l2-of-3-4", 0, "drill", 5)
    with Collection.open(db, import_builtin=False) as col:
        answers = [r["answer"] for r in col.store.rows("SELECT answer FROM reviews")]
    assert answers[-2:] == ["tensor(5)\n", "tensor(5.0)"]


async def test_failed_cards_come_back_until_graded_four(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "2")  # basic failed: back after three other answers
        await pilot.press("space", "4", "b", "enter", "enter")
        await type_text(pilot, "tensor(5.)")
        await pilot.press("ctrl+s", "enter")
        assert "basic · drill" in screen_text(app)
        await pilot.press("space", "3")  # still below 4: once more
        assert "basic · drill" in screen_text(app)
        await pilot.press("space", "4")
        assert isinstance(app.screen, SummaryScreen)
    kinds = [(r[0], r[2], r[3]) for r in review_rows(db) if r[0] == "slice-half-open"]
    assert kinds == [
        ("slice-half-open", "review", 2),
        ("slice-half-open", "drill", 3),
        ("slice-half-open", "drill", 4),
    ]
    due, interval, *_ = item(db, "slice-half-open")
    assert (due, interval) == (NOW.date().toordinal() + 1, 1)  # drills left SM-2 alone


async def test_undo_restores_the_card_and_asks_it_again(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")  # nothing to undo yet
        await pilot.press("space", "5")
        assert item(db, "slice-half-open")[0] is not None
        await pilot.press("u")
        text = screen_text(app)
        assert "切片" in text and "0 done · 4 left" in text
    assert item(db, "slice-half-open")[:4] == (None, 0, 2500, 0)
    assert [r[2] for r in review_rows(db)] == ["review", "undo"]


async def test_suspend_skips_the_card_for_good(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("exclamation_mark")
        assert "范数的齐次性" in screen_text(app)
        assert "0 done · 3 left" in screen_text(app)
    assert item(db, "slice-half-open")[5] == 1
    assert review_rows(db) == []


async def test_summary_counts_and_next_due_then_back_to_decks(tmp_path: Path) -> None:
    db = make_collection(tmp_path, second=True)
    app = create_app(db, builtin=False, clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # All decks, d2l, d2l::02 预备知识
        assert isinstance(app.screen, ReviewScreen) and app.screen.deck == DECK
        await pilot.press("space", "5", "space", "1", "space", "4", "b", "enter", "enter")
        await type_text(pilot, "tensor(5.)")
        await pilot.press("ctrl+s", "enter")
        assert "cloze · drill" in screen_text(app)  # graded 1: once more before the end
        await pilot.press("space", "4")
        assert isinstance(app.screen, SummaryScreen)
        text = screen_text(app)
        assert "Session over" in text and "5 cards" in text
        assert "4 right" in text and "1 wrong" in text
        assert "Next cards due tomorrow (2026-11-27)." in text
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "DecksScreen"
        assert "Today: " in screen_text(app)


async def test_unverified_code_cards_are_not_shown_and_counted(db: Path) -> None:
    app = review_app(db, deck="d2l::03 线性神经网络")
    async with app.run_test(size=(100, 30)) as pilot:
        assert "1 code card wait for `quizzer verify`" in screen_text(app).replace("\n", " ")
        for _ in range(3):
            await pilot.press("space", "5")
        assert isinstance(app.screen, SummaryScreen)
        assert "quizzer verify" in screen_text(app)
    assert all(r[0] != "code-unverified" for r in review_rows(db))


async def test_review_mode_exits_with_the_summary_lines(db: Path) -> None:
    app = review_app(db, deck="d2l::03 线性神经网络")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "5", "q")
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("enter")
    assert app.return_value and app.return_value[0].startswith("Studied 1 card in d2l::03")


async def test_source_link_is_shown_and_copied(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    app = review_app(db)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify = lambda message, **kw: shown.append(str(message))  # type: ignore[method-assign]
        await pilot.press("o")
    url = "https://zh.d2l.ai/chapter_preliminaries/linear-algebra.html"
    assert shown == [url] and app.clipboard == url


async def test_edit_runs_the_editor_at_the_line_and_reloads_the_card(db: Path) -> None:
    app = review_app(db)
    calls: list[tuple[Path, int]] = []

    def editor(path: Path, line: int) -> int:
        calls.append((path, line))
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("哪个区间?", "哪个区间 (edited)?"), encoding="utf-8")
        return 0

    async with app.run_test(size=(80, 24)) as pilot:
        app.run_editor = editor
        await pilot.press("e")
        await settle(pilot)
        assert "哪个区间 (edited)?" in screen_text(app)
    path, line = calls[0]
    assert path.name == "ch02.yaml"
    assert (
        path.read_text(encoding="utf-8").splitlines()[line - 1].strip() == "- id: slice-half-open"
    )


async def test_edit_with_a_broken_file_says_where(db: Path) -> None:
    app = review_app(db)
    shown: list[str] = []

    def editor(path: Path, line: int) -> int:
        path.write_text(path.read_text(encoding="utf-8").replace("type: basic", "type: basik"))
        return 0

    async with app.run_test(size=(80, 24)) as pilot:
        app.run_editor = editor
        app.notify = lambda message, **kw: shown.append(str(message))  # type: ignore[method-assign]
        await pilot.press("e")
        await settle(pilot)
        assert "切片" in screen_text(app)  # the review goes on with the card as it was
    assert len(shown) == 1 and "ch02.yaml:" in shown[0] and "slice-half-open" in shown[0]


async def test_help_lists_the_review_keys_from_the_bindings(db: Path) -> None:
    app = review_app(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        text = screen_text(app)
        for words in ("show answer", "grade 3: right (hard)", "undo", "suspend", "source", "edit"):
            assert words in text
        assert "below 4 comes back later" in text
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


def test_a_full_review_session_never_imports_torch(tmp_path: Path) -> None:
    db = make_collection(tmp_path)
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from tests.helpers import NOW
        from quizzer.tui.app import create_app

        async def main():
            app = create_app(Path({str(db)!r}), builtin=False, start="review",
                             clock=lambda: NOW)
            async with app.run_test() as pilot:
                await pilot.press("space", "5", "space", "5", "b", "enter", "enter")
                await pilot.press(*"tensor", "left_parenthesis", "5", "full_stop")
                await pilot.press("right_parenthesis", "ctrl+s", "enter", "enter")
            return app.return_value

        print(asyncio.run(main()))
        print("torch" in sys.modules, "textual" in sys.modules)
        """
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True
    )
    first, second = out.stdout.strip().splitlines()[-2:]
    assert "Studied 4 cards" in first
    assert second == "False True"
