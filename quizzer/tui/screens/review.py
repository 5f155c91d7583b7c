"""The review: today's cards of a deck one at a time, graded 0-5 with SM-2.

Per card the screen goes through phases: `ask` (the question), then `shown` (basic and cloze:
the answer revealed, the learner grades) or `checked` (choice and code: the checker's verdict
and a proposed grade that Enter accepts and a digit overrides). Same-day drill, undo and the
queue are `StudySession`'s; this screen only shows and forwards keys.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group
from rich.rule import Rule
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TextArea

from quizzer.answers import Verdict, check_choice, check_code_output, propose_grade
from quizzer.collection import Collection, ReviewItem, day_date, to_ms
from quizzer.errors import QuizzerError
from quizzer.models import ChoiceCard
from quizzer.session import SessionSummary, StudySession
from quizzer.tui.widgets import card as cardview
from quizzer.tui.widgets.card import LETTERS, CardView, Colors
from quizzer.tui.widgets.gradebar import GRADE_WORDS, GradeBar
from quizzer.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from quizzer.importer import ImportReport
    from quizzer.tui.app import QuizzerApp

ASK, SHOWN, CHECKED = "ask", "shown", "checked"
WIDE = 140  # columns from which a side panel tells about the card


def card_info(item: ReviewItem, today: int) -> Text:
    """Where the card comes from and where it stands (the side panel of a wide terminal)."""
    state = item.state
    info = Text()
    info.append(item.key + "\n", style="bold")
    info.append(f"{item.deck}\n{item.kind} card")
    if item.tags:
        info.append(f" · tags {', '.join(item.tags)}")
    info.append("\n\n")
    if state.is_new:
        info.append("new: never reviewed\n")
    else:
        due = state.due if state.due is not None else today
        info.append(
            f"ease {state.sm2.ease:.2f} · every {state.sm2.interval} d\n"
            f"{state.sm2.repetitions} right in a row · {state.lapses} lapses\n"
            f"due {day_date(due).isoformat()}" + (" (overdue)" if due < today else "") + "\n"
        )
    info.append(f"\n{Path(item.path).name}:{item.line}\n", style="dim")
    if item.source:
        info.append(item.source, style="dim underline")
    return info


def duration_text(seconds: float) -> str:
    """`42 s`, `3 min 05 s`, `1 h 02 min`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def summary_lines(summary: SessionSummary, today: date, deck: str | None) -> list[str]:
    """The end of a session in words: cards, right/wrong, time, when the next cards are due."""
    where = f" in {deck}" if deck else ""
    if not summary.answered:
        lines = [f"Nothing studied{where}."]
    else:
        lines = [
            f"Studied {summary.answered} card{'s' * (summary.answered != 1)}{where}: "
            f"{summary.right} right, {summary.wrong} wrong, in {duration_text(summary.seconds)}."
        ]
    if summary.next_due is not None:
        delta = (summary.next_due - today).days
        words = {0: "today", 1: "tomorrow"}.get(delta, f"in {delta} days")
        lines.append(f"Next cards due {words} ({summary.next_due.isoformat()}).")
    else:
        lines.append("No card is scheduled after today.")
    return lines


def reimport_file(db_path: Path, deck_file: Path, now: datetime) -> ImportReport:
    """Import one deck file on a connection of its own (for a worker thread)."""
    with Collection.open(db_path, import_builtin=False) as col:
        return col.import_paths([deck_file], now)


@dataclass
class _Turn:
    """The card on screen and what has happened to it."""

    item: ReviewItem
    shown_at: datetime
    phase: str = ASK
    picked: set[int] | None = None
    verdict: Verdict | None = None
    proposed: int | None = None
    typed: str | None = None


class ReviewScreen(Screen[None]):
    """Study a deck (and its sub-decks), or everything due when `deck` is None."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("space", "reveal", "show answer"),
        Binding("enter", "check", "check choice"),
        Binding("enter", "accept", "accept grade"),
        Binding("ctrl+s", "check_code", "check output", priority=True),
        *[
            Binding(str(g), f"grade({g})", f"grade {g}: {GRADE_WORDS[g]}", show=False)
            for g in range(6)
        ],
        Binding("u", "undo", "undo"),
        Binding("exclamation_mark", "suspend", "suspend", key_display="!"),
        Binding("o", "source", "source"),
        Binding("e", "edit", "edit"),
        Binding("escape", "back", "back", show=False),
        Binding("q", "back", "back"),
        # choices are picked with letters; `e` edits unless a 5th choice needs the letter
        *[
            Binding(letter, f"pick('{letter}')", f"pick choice {letter}", show=False)
            for letter in LETTERS
        ],
    ]

    class Reimported(Message):
        """The edited deck file was imported again (or failed to)."""

        def __init__(self, error: str | None, report: ImportReport | None = None) -> None:
            super().__init__()
            self.error = error
            self.report = report

    app: QuizzerApp

    def __init__(self, deck: str | None = None) -> None:
        super().__init__()
        self.deck = deck
        self.session: StudySession | None = None
        self.turn: _Turn | None = None
        self.unverified = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="review-header")
        with Horizontal(id="review-body"):
            yield CardView(id="card")
            yield Static("", id="card-info", classes="side")
        yield Static("", id="review-hint")
        yield GradeBar(id="grades")
        yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        """A side panel about the card on a wide terminal."""
        self.set_class(event.size.width >= WIDE, "wide")

    def on_mount(self) -> None:
        col, now = self.app.col, self.app.now()
        self.session = StudySession.start(col, now, self.deck)
        counts = [c for c in col.counts(now) if c.deck == self.deck] if self.deck else []
        self.unverified = counts[0].unverified if counts else col.totals(now).unverified
        self.advance()

    # -- showing -----------------------------------------------------------------------------

    @property
    def colors(self) -> Colors:
        """Marks in the theme's colors."""
        return Colors(
            right=self.app.color("success", "green"),
            wrong=self.app.color("error", "red"),
            muted=self.app.color("text-muted", "grey50"),
            accent=self.app.color("accent", "magenta"),
        )

    def advance(self) -> None:
        """Show the next card, or end the session."""
        assert self.session is not None
        item = self.session.next(self.app.now())
        if item is None:
            self.end_session()
            return
        self.show(item)

    def show(self, item: ReviewItem) -> None:
        """Show `item`'s question."""
        self.turn = _Turn(item, self.app.now(), picked=set())
        self.query_one(CardView).ask(item, self.app.text_styles(), self.colors)
        self.refresh_chrome()

    def refresh_chrome(self) -> None:
        """The header, the hint line, the grade bar and the footer for the current phase."""
        assert self.session is not None and self.turn is not None
        item, phase = self.turn.item, self.turn.phase
        now = self.app.now()
        left = self.session.left(now)
        state = item.state
        if state.is_new:
            status = "new"
        elif state.due is not None and state.due > self.app.col.day(now):
            status = "drill"
        else:
            status = f"due · every {state.sm2.interval} d"
        header = Text.assemble(
            ("Review", "bold"),
            f"  {self.deck or 'all decks'}  ·  {self.session.answered} done · {left} left  ·  ",
            (f"{item.kind} · {status}", "bold"),
        )
        if item.deck != self.deck:  # studying a parent deck: say which sub-deck this is from
            header.append(f"  ·  {item.deck}", style="italic")
        self.query_one("#review-header", Static).update(header)
        if self.has_class("wide") or self.size.width >= WIDE:
            self.query_one("#card-info", Static).update(card_info(item, self.app.col.day(now)))
        self.query_one("#review-hint", Static).update(self._hint(item, phase))
        bar = self.query_one(GradeBar)
        bar.enabled = phase in (SHOWN, CHECKED)
        bar.proposed = self.turn.proposed if phase == CHECKED else None
        self.refresh_bindings()

    def _hint(self, item: ReviewItem, phase: str) -> Text:
        hint = Text()
        if phase == ASK:
            if item.kind in ("basic", "cloze"):
                hint.append("Space shows the answer.")
            elif isinstance(item.card, ChoiceCard):
                last = LETTERS[min(len(item.card.choices), len(LETTERS)) - 1]
                many = len(item.card.correct) > 1
                hint.append(
                    f"Press a–{last} to pick{' (several are right)' if many else ''}, "
                    "Enter to check."
                )
            else:
                hint.append(
                    "Type what it prints (Enter adds a line); ctrl+s checks, Esc leaves the box."
                )
        elif phase == SHOWN:
            hint.append("How well did you recall it? Grade 0–5.")
        else:
            hint.append(
                f"Enter accepts the proposed grade {self.turn.proposed if self.turn else ''}; "
                "0–5 picks another."
            )
        if self.unverified:
            hint.append(
                f"  ({self.unverified} code card{'s' * (self.unverified != 1)} wait for "
                "`quizzer verify`)",
                style="dim",
            )
        return hint

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys work in the current phase (the footer shows only those)."""
        turn = self.turn
        if action in ("back", "help"):
            return True
        if turn is None:
            return False
        kind, phase = turn.item.kind, turn.phase
        card = turn.item.card
        if action == "pick":
            letter = str(parameters[0]) if parameters else ""
            return (
                isinstance(card, ChoiceCard)
                and phase == ASK
                and LETTERS.index(letter) < len(card.choices)
            )
        if action == "reveal":
            return phase == ASK and kind in ("basic", "cloze")
        if action == "check":
            return phase == ASK and kind == "choice"
        if action == "accept":
            return phase == CHECKED
        if action == "check_code":
            return phase == ASK and kind == "code"
        if action == "grade":
            return phase in (SHOWN, CHECKED)
        if action == "undo":
            return bool(self.session and self.session.answered) or None
        if action == "edit":
            return not (isinstance(card, ChoiceCard) and phase == ASK and len(card.choices) > 4)
        return True

    def action_reveal(self) -> None:
        """Show the answer of a basic or cloze card."""
        assert self.turn is not None
        item = self.turn.item
        self.turn.phase = SHOWN
        styles = self.app.text_styles()
        view = self.query_one(CardView)
        if item.kind == "cloze":
            view.update_front(cardview.front(item, styles, revealed=True))
        answer = cardview.back(item, styles)
        if answer is not None:
            view.set_back(Group(Rule(style=self.colors.muted), answer))
        self.refresh_chrome()

    def action_pick(self, letter: str) -> None:
        """Toggle a choice."""
        assert self.turn is not None and self.turn.picked is not None
        index = LETTERS.index(letter)
        self.turn.picked ^= {index}
        card = self.turn.item.card
        assert isinstance(card, ChoiceCard)
        self.query_one(CardView).set_options(
            cardview.options(card, self.turn.picked, self.app.text_styles(), self.colors)
        )

    def action_check(self) -> None:
        """Check the picked choices and propose a grade."""
        assert self.turn is not None and self.turn.picked is not None
        card = self.turn.item.card
        assert isinstance(card, ChoiceCard)
        picked = [card.choices[i] for i in sorted(self.turn.picked)]
        verdict = check_choice(picked, card.correct)
        self.turn.typed = "\n".join(picked)
        self._checked(verdict)
        view = self.query_one(CardView)
        view.set_options(
            cardview.options(
                card, self.turn.picked, self.app.text_styles(), self.colors, checked=True
            )
        )
        view.set_back(cardview.verdict_line(verdict, self.colors))

    def action_check_code(self) -> None:
        """Check the predicted output of a code card and propose a grade."""
        assert self.turn is not None
        item = self.turn.item
        view = self.query_one(CardView)
        typed = view.typed
        expected = item.verified_output or ""
        verdict = check_code_output(typed, expected)
        self.turn.typed = typed
        view.lock_inputs(hide_multi_line=True)
        view.focus()
        self._checked(verdict)
        view.set_back(
            cardview.code_verdict(verdict, typed, expected, self.app.text_styles(), self.colors)
        )
        view.show_end()

    def _checked(self, verdict: Verdict) -> None:
        assert self.turn is not None
        seconds = (to_ms(self.app.now()) - to_ms(self.turn.shown_at)) / 1000
        self.turn.verdict = verdict
        self.turn.proposed = propose_grade(verdict.correct, seconds)
        self.turn.phase = CHECKED
        self.refresh_chrome()

    def action_accept(self) -> None:
        """Grade with the proposed grade."""
        assert self.turn is not None and self.turn.proposed is not None
        self.action_grade(self.turn.proposed)

    def action_grade(self, grade: int) -> None:
        """Grade the card 0-5 and go on."""
        assert self.session is not None and self.turn is not None
        now = self.app.now()
        duration = max(0, to_ms(now) - to_ms(self.turn.shown_at))
        try:
            self.session.answer(
                self.turn.item, int(grade), now, answer=self.turn.typed, duration_ms=duration
            )
        except QuizzerError as exc:  # e.g. the file stayed locked by another quizzer
            self.notify(f"{exc}\nThe grade was not saved; press it again.", severity="error")
            return
        self.advance()

    def action_undo(self) -> None:
        """Undo the last answer of this session and show that card again."""
        assert self.session is not None
        try:
            item = self.session.undo(self.app.now())
        except QuizzerError as exc:
            self.notify(str(exc), severity="error")
            return
        if item is None:
            self.notify("Nothing to undo in this session.", severity="warning")
            return
        self.notify(f"Undone: {item.key} is asked again.", timeout=3)
        self.show(item)

    def action_suspend(self) -> None:
        """Suspend the card (every deletion of it) and go on."""
        assert self.turn is not None
        item = self.turn.item
        try:
            self.app.col.suspend(item.card_id, True)
        except QuizzerError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(
            f"Suspended {item.card_id}: it is not shown until unsuspended "
            "(Browse: is:suspended, then !).",
            timeout=5,
        )
        self.advance()

    def action_source(self) -> None:
        """Open the card's source link (and show it: a terminal may have no browser)."""
        assert self.turn is not None
        url = self.turn.item.source
        if not url:
            self.notify("This card has no source link.", severity="warning")
            return
        self.app.open_link(url)

    def action_edit(self) -> None:
        """Edit the card's YAML in $EDITOR at its line; the file is imported again after."""
        assert self.turn is not None
        item = self.turn.item
        path = Path(item.path)
        if not path.is_file():
            self.notify(f"{path} is not there any more.", severity="error")
            return
        try:
            self.app.run_editor(path, item.line)
        except QuizzerError as exc:
            self.notify(str(exc), severity="error")
            return
        self._reimport(path, self.app.now())

    @work(thread=True, exclusive=True, group="edit")
    def _reimport(self, path: Path, now: datetime) -> None:
        try:
            report = reimport_file(self.app.col.path, path, now)
        except (QuizzerError, sqlite3.Error) as exc:
            self.post_message(self.Reimported(str(exc)))
            return
        self.post_message(self.Reimported(None, report))

    @on(Reimported)
    def _reimported(self, message: Reimported) -> None:
        if message.error is not None:
            self.notify(
                message.error, title="The deck file has errors", severity="error", timeout=20
            )
            return
        assert self.turn is not None
        item = self.turn.item
        changed = message.report.total().updated if message.report else 0
        try:
            fresh = self.app.col.item(item.card_id, item.ord)
        except QuizzerError:
            fresh = None
        if fresh is None or fresh.suspended or (fresh.kind == "code" and not fresh.verified_output):
            why = "it waits for `quizzer verify`" if fresh is not None else "it is gone"
            self.notify(f"{item.key} was edited; {why}.", timeout=6)
            self.advance()
            return
        self.notify(f"Imported again: {changed} card{'s' * (changed != 1)} updated.", timeout=3)
        self.show(fresh)

    def action_back(self) -> None:
        """Leave the review (Escape in the answer box first leaves the box)."""
        focused = self.focused
        if isinstance(focused, TextArea) and self.turn and self.turn.phase == ASK:
            self.query_one(CardView).focus()
            return
        self.end_session()

    # -- the end -----------------------------------------------------------------------------

    def end_session(self) -> None:
        """Show the summary of the session."""
        from quizzer.tui.screens.summary import SummaryScreen

        assert self.session is not None
        now = self.app.now()
        summary = self.session.summary(now)
        lines = summary_lines(summary, day_date(self.app.col.day(now)), self.deck)
        if self.unverified:
            lines.append(
                f"{self.unverified} code card{'s' * (self.unverified != 1)} wait for a verified "
                "output: `quizzer verify` fills them."
            )
        self.app.switch_screen(SummaryScreen(summary, lines))
