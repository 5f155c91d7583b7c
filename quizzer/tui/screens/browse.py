"""Browse: every review item in a table, filtered as you type; Enter shows one card."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from quizzer.browse import BrowseResult, BrowseRow, relative_day, search
from quizzer.collection import Collection, day_date
from quizzer.errors import QuizzerError
from quizzer.mathtext import plain
from quizzer.tui.widgets.keybar import KeyBar
from quizzer.tui.widgets.tables import CardTable

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

SEARCH_DELAY = 0.15  # seconds of no typing before the search runs
HELP = "text  deck:NAME  tag:T  is:due  is:new  is:suspended  is:unverified  kind:code  -NOT"


def run_search(db_path: object, text: str, now: datetime) -> BrowseResult:
    """Search on a connection of its own (for a worker thread)."""
    with Collection.open(db_path, import_builtin=False) as col:  # type: ignore[arg-type]
        return search(col, text, now)


class BrowseScreen(Screen[None]):
    """A table of cards with a search box; the table follows the search as you type."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("slash", "focus_search", "search", key_display="/"),
        Binding("exclamation_mark", "toggle_suspend", "suspend/unsuspend", key_display="!"),
        Binding("escape", "back", "back"),
    ]

    class Found(Message):
        """A search finished in the worker."""

        def __init__(self, text: str, result: BrowseResult | None, error: str | None) -> None:
            super().__init__()
            self.text = text
            self.result = result
            self.error = error

    app: QuizzerApp

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.initial = text
        self.rows: list[BrowseRow] = []
        self._timer: Timer | None = None
        self.searches = 0  # finished searches (tests wait for them)

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("Browse", "bold"), f"  {HELP}"), classes="title")
        yield Input(self.initial, id="browse-search", placeholder="search: " + HELP)
        yield CardTable(id="browse-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="browse-preview")
        yield Static("", id="browse-status", classes="status")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("id", key="id")
        table.add_column("deck", key="deck")
        table.add_column("kind", key="kind")
        table.add_column("due", key="due")
        for name in ("interval", "ease", "lapses"):
            table.add_column(Text(name, justify="right"), key=name)
        table.add_column("susp", key="suspended")
        table.add_column("text", key="text")
        self.query_one(Input).focus()
        self.start_search(self.initial)

    # -- searching ---------------------------------------------------------------------------

    @on(Input.Changed, "#browse-search")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, lambda: self.start_search(event.value))

    @on(Input.Submitted, "#browse-search")
    def _submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def start_search(self, text: str) -> None:
        """Run the search in a worker; the newest search wins."""
        self._search(text, self.app.now())

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str, now: datetime) -> None:
        try:
            result = run_search(self.app.col.path, text, now)
        except (QuizzerError, sqlite3.Error) as exc:
            self.post_message(self.Found(text, None, str(exc)))
            return
        self.post_message(self.Found(text, result, None))

    @on(Found)
    def _found(self, message: Found) -> None:
        self.searches += 1
        status = self.query_one("#browse-status", Static)
        if message.result is None:
            status.update(Text(message.error or "search failed", style="bold"))
            return
        self.fill(message.result)

    def fill(self, result: BrowseResult) -> None:
        """Put the rows of a search into the table."""
        today = day_date(self.app.col.day(self.app.now()))
        table = self.query_one(DataTable)
        table.clear()
        self.rows = result.rows
        muted = "dim"
        for row in result.rows:
            due = relative_day(row.due, today) if row.ready else "unverified"
            table.add_row(
                row.key,
                row.deck,
                row.kind,
                Text(due, style=self.app.color("success", "green") if due == "today" else ""),
                Text(f"{row.interval} d" if row.due else "-", justify="right"),
                Text(f"{row.ease:.2f}" if row.due else "-", justify="right"),
                Text(str(row.lapses), justify="right"),
                Text("yes", style="bold") if row.suspended else Text("", style=muted),
                Text(_snippet(row.text), style=muted),
                key=f"{row.card_id}\x00{row.ord}",
            )
        self.show_preview()
        shown = len(result.rows)
        line = Text(f"{result.total} item{'s' * (result.total != 1)} match")
        if shown < result.total:
            line.append(f" (the first {shown} shown: narrow the search)")
        if result.query.problems:
            line.append("  ·  " + "; ".join(result.query.problems), style="bold")
        self.query_one("#browse-status", Static).update(line)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_preview()

    def show_preview(self) -> None:
        """The highlighted card's text under the table (the text column may be off-screen)."""
        row = self._current()
        preview = Text()
        if row is not None:
            preview.append(row.key, style="bold")
            preview.append("  " + _snippet(row.text, 400))
        preview.no_wrap = True
        preview.overflow = "ellipsis"
        self.query_one("#browse-preview", Static).update(preview)

    # -- actions -----------------------------------------------------------------------------

    def _current(self) -> BrowseRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Show the selected card rendered, with its review history."""
        from quizzer.tui.screens.card import CardScreen

        row = self._current()
        if row is None:
            return
        self.app.push_screen(CardScreen(row.card_id, row.ord))

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one(Input).focus()

    def action_toggle_suspend(self) -> None:
        """Suspend the selected card, or bring it back."""
        row = self._current()
        if row is None:
            return
        self.app.col.suspend(row.card_id, not row.suspended)
        self.notify(f"{row.card_id} {'unsuspended' if row.suspended else 'suspended'}.")
        self.start_search(self.query_one(Input).value)

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.app.pop_screen()

    def on_screen_resume(self) -> None:
        """A card may have changed while shown: search again."""
        if self.searches:
            self.start_search(self.query_one(Input).value)


def _snippet(text: str, width: int = 60) -> str:
    line = plain(text)
    return line if len(line) <= width else line[: width - 1] + "…"
