"""The quiz: a timed test apart from SM-2, every kind answered actively, a score at the end.

Choice: pick with letters, Enter checks. Code: type the output, ctrl+s checks. Cloze: type
the hidden words, Enter checks (case, spaces and full/half width forgiven). Basic: Space
shows the answer, then y (I knew it) or n (I did not). After a check, Enter goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.rule import Rule
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static, TextArea

from quizzer.answers import Verdict
from quizzer.collection import to_ms
from quizzer.models import ChoiceCard, ClozeCard
from quizzer.quiz import ANSWER_SEPARATOR, Quiz, QuizAnswer, check
from quizzer.tui.screens.review import duration_text
from quizzer.tui.widgets import card as cardview
from quizzer.tui.widgets.card import LETTERS, CardView, Colors
from quizzer.tui.widgets.keybar import KeyBar
from quizzer.tui.widgets.tables import MissTable

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

ASK, SHOWN, CHECKED = "ask", "shown", "checked"
ABANDON_SECONDS = 3.0  # a second q within this time leaves an unfinished quiz


class QuizSetupScreen(ModalScreen[None]):
    """How many questions, on which deck; Enter starts the quiz."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]  # noqa: RUF012 - Textual's declaration

    app: QuizzerApp

    def __init__(self, deck: str | None, questions: int) -> None:
        super().__init__()
        self.deck = deck
        self.questions = questions

    def compose(self) -> ComposeResult:
        with Vertical(id="setup-box"):
            yield Static(Text.assemble(("Quiz", "bold"), f" on {self.deck or 'all decks'}"))
            yield Static(
                "Questions are drawn at random; a quiz never changes your review schedule.",
                classes="status",
            )
            yield Input(str(self.questions), id="setup-questions", type="integer")
            yield Static("Enter starts, Escape cancels.", classes="status")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _start(self, event: Input.Submitted) -> None:
        try:
            questions = int(event.value)
        except ValueError:
            questions = 0
        if questions < 1:
            self.notify("Type how many questions (1 or more).", severity="warning")
            return
        self.dismiss(None)
        self.app.start_quiz(self.deck, questions)

    def action_cancel(self) -> None:
        """Back without a quiz."""
        self.dismiss(None)


@dataclass
class _Question:
    seq: int
    shown_at: datetime
    phase: str = ASK
    picked: set[int] | None = None


class QuizScreen(Screen[None]):
    """Ask the quiz's questions one by one; the clock runs in the header."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        *[
            Binding(letter, f"pick('{letter}')", f"pick choice {letter}", show=False)
            for letter in LETTERS
        ],
        Binding("space", "reveal", "show answer"),
        Binding("y", "mark(True)", "I knew it"),
        Binding("n", "mark(False)", "I did not"),
        Binding("enter", "check", "check"),
        Binding("enter", "next", "next question"),
        Binding("ctrl+s", "check_code", "check output", priority=True),
        Binding("escape", "back", "leave", show=False),
        Binding("q", "back", "leave"),
    ]

    app: QuizzerApp

    def __init__(self, quiz: Quiz) -> None:
        super().__init__()
        self.quiz = quiz
        self.question: _Question | None = None
        self._leave_asked: float | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="quiz-header")
        yield CardView(id="card")
        yield Static("", id="quiz-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.quiz.started = self.app.now()
        self.set_interval(1.0, self.refresh_header)
        self.ask(0)

    @property
    def colors(self) -> Colors:
        """Marks in the theme's colors."""
        return Colors(
            right=self.app.color("success", "green"),
            wrong=self.app.color("error", "red"),
            muted=self.app.color("text-muted", "grey50"),
        )

    # -- asking ------------------------------------------------------------------------------

    def ask(self, seq: int) -> None:
        """Show question `seq`."""
        self.question = _Question(seq, self.app.now(), picked=set())
        item = self.quiz.items[seq]
        view = self.query_one(CardView)
        view.ask(item, self.app.text_styles(), self.colors, typed_cloze=True)
        self.refresh_header()
        self.refresh_hint()

    def refresh_header(self) -> None:
        """Question number, score so far and the running clock."""
        if self.question is None:
            return
        elapsed = self.quiz.seconds(self.app.now())
        minutes, seconds = divmod(int(elapsed), 60)
        header = Text.assemble(
            ("Quiz", "bold"),
            f"  {', '.join(self.quiz.decks) or 'all decks'}  ·  question "
            f"{self.question.seq + 1} of {len(self.quiz.items)}  ·  {self.quiz.correct} right  ·  ",
            (f"{minutes:02d}:{seconds:02d}", "bold"),
        )
        self.query_one("#quiz-header", Static).update(header)

    def refresh_hint(self) -> None:
        """What to press now."""
        assert self.question is not None
        item = self.quiz.items[self.question.seq]
        phase = self.question.phase
        if phase == CHECKED:
            last = self.question.seq + 1 == len(self.quiz.items)
            hint = "Enter shows your score." if last else "Enter goes to the next question."
        elif phase == SHOWN:
            hint = "Did you know it? y yes, n no."
        elif item.kind == "basic":
            hint = "Think of the answer, then Space shows it."
        elif item.kind == "cloze":
            many = (
                isinstance(item.card, ClozeCard) and item.card.text.count(f"{{{{c{item.ord}::") > 1
            )
            hint = "Type the hidden words, Enter checks."
            if many:
                hint += f" Several gaps: separate them with '{ANSWER_SEPARATOR}'."
        elif isinstance(item.card, ChoiceCard):
            last_letter = LETTERS[min(len(item.card.choices), len(LETTERS)) - 1]
            hint = f"Press a–{last_letter} to pick, Enter checks."
        else:
            hint = "Type what it prints (Enter adds a line); ctrl+s checks, Esc leaves the box."
        self.query_one("#quiz-hint", Static).update(hint)
        self.refresh_bindings()

    # -- answering ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys work for this question and phase."""
        if action in ("back", "help") or self.question is None:
            return action in ("back", "help")
        item = self.quiz.items[self.question.seq]
        phase, kind = self.question.phase, item.kind
        if action == "pick":
            letter = str(parameters[0]) if parameters else ""
            return (
                isinstance(item.card, ChoiceCard)
                and phase == ASK
                and LETTERS.index(letter) < len(item.card.choices)
            )
        if action == "reveal":
            return kind == "basic" and phase == ASK
        if action == "mark":
            return kind == "basic" and phase == SHOWN
        if action == "check":
            return kind in ("choice", "cloze") and phase == ASK
        if action == "check_code":
            return kind == "code" and phase == ASK
        if action == "next":
            return phase == CHECKED
        return True

    def _record(self, verdict: Verdict, answer: str | None) -> QuizAnswer:
        assert self.question is not None
        duration = to_ms(self.app.now()) - to_ms(self.question.shown_at)
        self.question.phase = CHECKED
        entry = self.quiz.record(self.question.seq, verdict, answer, max(0, duration))
        self.refresh_header()
        self.refresh_hint()
        return entry

    def action_pick(self, letter: str) -> None:
        """Toggle a choice."""
        assert self.question is not None and self.question.picked is not None
        self.question.picked ^= {LETTERS.index(letter)}
        card = self.quiz.items[self.question.seq].card
        assert isinstance(card, ChoiceCard)
        self.query_one(CardView).set_options(
            cardview.options(card, self.question.picked, self.app.text_styles(), self.colors)
        )

    def action_check(self) -> None:
        """Check a choice or a typed cloze answer."""
        assert self.question is not None
        item = self.quiz.items[self.question.seq]
        view = self.query_one(CardView)
        styles = self.app.text_styles()
        if isinstance(item.card, ChoiceCard):
            assert self.question.picked is not None
            picked = [item.card.choices[i] for i in sorted(self.question.picked)]
            verdict = check(item, picked)
            self._record(verdict, "\n".join(picked))
            view.set_options(
                cardview.options(item.card, self.question.picked, styles, self.colors, checked=True)
            )
            view.set_back(cardview.verdict_line(verdict, self.colors))
            view.focus()
            return
        typed = view.typed_line
        verdict = check(item, typed)
        self._record(verdict, typed)
        view.lock_inputs()
        view.update_front(cardview.front(item, styles, revealed=True))
        extra = cardview.back(item, styles)
        parts = [cardview.verdict_line(verdict, self.colors)]
        if extra is not None:
            parts += [Rule(style=self.colors.muted), extra]
        view.set_back(Group(*parts))
        view.focus()

    @on(Input.Submitted, "#card-line")
    def _line_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.check_action("check", ()):
            self.action_check()

    def action_check_code(self) -> None:
        """Check a predicted output."""
        assert self.question is not None
        item = self.quiz.items[self.question.seq]
        view = self.query_one(CardView)
        typed = view.typed
        verdict = check(item, typed)
        self._record(verdict, typed)
        view.lock_inputs(hide_multi_line=True)
        view.focus()
        view.set_back(
            cardview.code_verdict(
                verdict, typed, item.verified_output or "", self.app.text_styles(), self.colors
            )
        )
        view.show_end()

    def action_reveal(self) -> None:
        """Show a basic card's answer."""
        assert self.question is not None
        item = self.quiz.items[self.question.seq]
        self.question.phase = SHOWN
        answer = cardview.back(item, self.app.text_styles())
        if answer is not None:
            self.query_one(CardView).set_back(Group(Rule(style=self.colors.muted), answer))
        self.refresh_hint()

    def action_mark(self, right: bool) -> None:
        """The learner's own mark for a basic card; then the next question."""
        assert self.question is not None
        item = self.quiz.items[self.question.seq]
        self._record(check(item, bool(right)), "right" if right else "wrong")
        self.action_next()

    def action_next(self) -> None:
        """The next question, or the score."""
        assert self.question is not None
        seq = self.question.seq + 1
        if seq < len(self.quiz.items):
            self.ask(seq)
            return
        self.quiz.finish(self.app.col, self.app.now())
        self.app.switch_screen(QuizResultScreen(self.quiz))

    def action_back(self) -> None:
        """Leave the quiz: Escape first leaves an answer box; q twice abandons the quiz."""
        focused = self.focused
        if isinstance(focused, TextArea | Input) and self.question and self.question.phase == ASK:
            self.query_one(CardView).focus()
            return
        now = to_ms(self.app.now()) / 1000
        if self._leave_asked is not None and now - self._leave_asked <= ABANDON_SECONDS:
            self.app.finish(["Quiz abandoned: nothing was recorded."])
            return
        self._leave_asked = now
        self.notify(
            "Press q again to abandon the quiz; an unfinished quiz is not recorded.",
            severity="warning",
            timeout=ABANDON_SECONDS,
        )


def score_lines(quiz: Quiz, requeued: int | None = None) -> list[str]:
    """The score in words (printed by `quizzer quiz` when it ends)."""
    n = len(quiz.items)
    percent = round(100 * quiz.correct / n) if n else 0
    lines = [f"Quiz: {quiz.correct}/{n} right ({percent}%) in {duration_text(quiz.seconds())}."]
    misses = quiz.misses
    if misses:
        lines.append("Missed: " + ", ".join(m.item.key for m in misses))
    if requeued:
        lines.append(f"{requeued} sent to today's drill.")
    return lines


class QuizResultScreen(Screen[None]):
    """The score and the misses; Enter shows a miss, d sends the misses to today's drill."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("d", "drill", "misses to drill"),
        Binding("q", "close", "done"),
        Binding("escape", "close", "done", show=False),
    ]

    app: QuizzerApp

    def __init__(self, quiz: Quiz) -> None:
        super().__init__()
        self.quiz = quiz
        self.requeued: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="result-top")
        yield MissTable(id="result-misses", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in ("#", "card", "deck", "kind", "your answer", "why"):
            table.add_column(name, key=name)
        for miss in self.quiz.misses:
            answer = (miss.answer or "").replace("\n", " ⏎ ")
            table.add_row(
                str(miss.seq + 1),
                miss.item.key,
                miss.item.deck,
                miss.item.kind,
                answer[:30] + ("…" if len(answer) > 30 else ""),
                miss.explanation[:60],
            )
        self.refresh_top()
        table.focus()

    def refresh_top(self) -> None:
        """The score line and what to do next."""
        quiz = self.quiz
        n = len(quiz.items)
        percent = round(100 * quiz.correct / n) if n else 0
        good = (
            self.app.color("success", "green")
            if percent >= 80
            else self.app.color("warning", "yellow")
        )
        top = Text.assemble(
            ("Quiz finished  ", "bold"),
            (f"{quiz.correct}/{n} right ({percent}%)", f"bold {good}"),
            f"  in {duration_text(quiz.seconds())}  ·  {', '.join(quiz.decks) or 'all decks'}",
        )
        misses = len(quiz.misses)
        if misses:
            top.append(f"\n{misses} miss{'es' * (misses != 1)} below: Enter shows one; ")
            if self.requeued is None:
                top.append("d sends them all to today's drill (your schedule is untouched).")
            else:
                top.append(f"{self.requeued} sent to today's drill.", style="bold")
        else:
            top.append("\nNo misses. Well done.")
        self.query_one("#result-top", Static).update(top)

    def _current(self) -> QuizAnswer | None:
        misses = self.quiz.misses
        table = self.query_one(DataTable)
        if not misses or table.cursor_row >= len(misses):
            return None
        return misses[table.cursor_row]

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Show the missed card with your answer."""
        from quizzer.tui.screens.card import CardScreen

        miss = self._current()
        if miss is None:
            return
        wrong = self.app.color("error", "red")
        extra = Text.assemble(
            ("Your answer: ", "bold"),
            (miss.answer or "(nothing)", wrong),
            "\n",
            (miss.explanation or "", wrong),
        )
        self.app.push_screen(CardScreen(miss.item.card_id, miss.item.ord, extra))

    def action_drill(self) -> None:
        """Send every miss to today's drill (SM-2 state untouched)."""
        if self.requeued is not None:
            self.notify("The misses are already in today's drill.")
            return
        if not self.quiz.misses:
            self.notify("No misses to drill.")
            return
        self.requeued = self.quiz.requeue_misses(self.app.col, self.app.now())
        self.notify(f"{self.requeued} card{'s' * (self.requeued != 1)} sent to today's drill.")
        self.refresh_top()

    def action_close(self) -> None:
        """Back to the decks (or to the shell after `quizzer quiz`)."""
        self.app.finish(score_lines(self.quiz, self.requeued))
