"""The end of a review session: cards, right and wrong, time, when the next cards are due."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from quizzer.session import SessionSummary
from quizzer.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp


class SummaryScreen(Screen[None]):
    """The session's numbers in a box; any of Enter, q or Escape closes it."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("enter", "close", "done"),
        Binding("q", "close", "done", show=False),
        Binding("escape", "close", "done", show=False),
    ]

    app: QuizzerApp

    def __init__(self, summary: SessionSummary, lines: list[str]) -> None:
        super().__init__()
        self.summary = summary
        self.lines = lines

    def compose(self) -> ComposeResult:
        s = self.summary
        body = Text()
        body.append("Session over\n\n", style="bold")
        right = self.app.color("success", "green")
        wrong = self.app.color("error", "red")
        body.append(f"{s.answered}", style="bold")
        body.append(f" card{'s' * (s.answered != 1)}   ")
        body.append(f"{s.right} right", style=f"bold {right}")
        body.append("   ")
        body.append(f"{s.wrong} wrong", style=f"bold {wrong}")
        body.append("\n\n")
        body.append("\n".join(self.lines))
        body.append("\n\nEnter closes.", style="dim")
        with Vertical(id="summary-box"):
            yield Static(body, id="summary-text")
        yield KeyBar()

    def action_close(self) -> None:
        """Back to the decks (or to the shell after `quizzer review`)."""
        self.app.finish(self.lines)
