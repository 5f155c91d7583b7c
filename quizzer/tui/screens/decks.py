"""The start screen: the deck tree with today's new / due / drill counts and totals."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from quizzer.collection import Collection, DeckCounts, day_date
from quizzer.errors import QuizzerError
from quizzer.tui.widgets.keybar import KeyBar
from quizzer.tui.widgets.tables import DeckTable

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

ALL_DECKS = ""  # the row key of "All decks"
WIDE = 110  # columns from which the coming days are shown beside the decks
COMING_DAYS = 14
PREFETCH_WAIT = 30.0  # seconds: the counts query of a huge collection, at most


def _sum(counts: list[DeckCounts]) -> DeckCounts:
    """The top-level decks added up (new is capped by the daily limit only in `totals`, which
    replaces this row as soon as a worker has read it)."""
    roots = [c for c in counts if "::" not in c.deck]
    return DeckCounts(
        deck="",
        new=sum(c.new for c in roots),
        due=sum(c.due for c in roots),
        drill=sum(c.drill for c in roots),
        suspended=sum(c.suspended for c in roots),
        unverified=sum(c.unverified for c in roots),
        total=sum(c.total for c in roots),
    )


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 card`, `2 cards`."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def when(day: date, today: date) -> str:
    """`tomorrow (2026-05-02)`, `in 3 days (...)`."""
    delta = (day - today).days
    words = {0: "today", 1: "tomorrow"}.get(delta, f"in {delta} days")
    return f"{words} ({day.isoformat()})"


class DecksScreen(Screen[None]):
    """Decks with their counts; Enter studies the selected deck, `a` everything due."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("enter", "study_selected", "study"),
        Binding("a", "study_all", "all due"),
        Binding("t", "quiz", "quiz"),
        Binding("b", "browse", "browse"),
        Binding("s", "stats", "stats"),
        Binding("v", "verify", "verify code", show=False),
        Binding("r", "refresh", "refresh counts", show=False),
        Binding("q", "quit", "quit"),
    ]

    class StatusRead(Message):
        """Totals and the next due day, read by a worker."""

        def __init__(
            self, total: DeckCounts, next_due: date | None, today: date, coming: list[int]
        ) -> None:
            super().__init__()
            self.total = total
            self.next_due = next_due
            self.today = today
            self.coming = coming

    class Verified(Message):
        """`quizzer verify` ended: its exit code and last lines of output."""

        def __init__(self, code: int, output: str) -> None:
            super().__init__()
            self.code = code
            self.output = output

    app: QuizzerApp

    def __init__(self) -> None:
        super().__init__()
        self.status_ready = False  # the status lines have been filled (tests wait for it)
        self._left = False

    def compose(self) -> ComposeResult:
        yield Static("", id="decks-title", classes="title")
        with Horizontal(id="decks-body"):
            yield DeckTable(id="decks-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="decks-coming", classes="side")
        yield Static("", id="decks-status", classes="status")
        yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        """The coming days beside the decks on a wide terminal."""
        self.set_class(event.size.width >= WIDE, "wide")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("deck", key="deck")
        for name in ("new", "due", "drill", "total"):
            table.add_column(Text(name, justify="right"), key=name)
        self.refresh_counts()
        table.focus()
        col = self.app.col
        if col.store.created and col.totals(self.app.clock()).unverified:
            # A new collection: its built-in code cards need torch's real output before they
            # can be reviewed. Verify them now, in another process, while the learner starts.
            col.store.created = False
            self.notify(
                "New collection: running its code cards in the sandbox to verify their "
                "outputs (a few seconds); they join the review when done.",
                timeout=6,
            )
            self._verify()

    def on_screen_suspend(self) -> None:
        """Another screen comes on top (a review, a quiz...)."""
        self._left = True

    def on_screen_resume(self) -> None:
        """Counts change while studying: refresh them when coming back (not on first show)."""
        if self._left:
            self._left = False
            self.refresh_counts()

    def _counts(self, now: datetime) -> list[DeckCounts]:
        """Today's counts: read while the app started if that was for the same day."""
        col = self.app.col
        prefetch, self.app.prefetch = self.app.prefetch, None
        if prefetch is not None:
            try:
                counts, day = prefetch.counts.result(timeout=PREFETCH_WAIT)
            except Exception:  # any trouble there: read them here instead
                counts, day = None, None
            if counts is not None and day == col.day(now):
                return counts
        return col.counts(now)

    def refresh_counts(self) -> None:
        """Read today's numbers and fill the table; the status lines follow from a worker."""
        col, now = self.app.col, self.app.now()
        counts = self._counts(now)
        today = day_date(col.day(now))
        table = self.query_one(DataTable)
        selected = self._selected_key()
        table.clear()
        table.add_row(*self._cells("All decks", _sum(counts), bold=True), key=ALL_DECKS)
        for c in counts:
            depth = c.deck.count("::")
            label = "  " * (depth + 1) + c.deck.rsplit("::", 1)[-1]
            table.add_row(*self._cells(label, c), key=c.deck)
        keys = [ALL_DECKS, *(c.deck for c in counts)]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        title = Text.assemble(
            ("quizzer", "bold"), f"  study day {today.isoformat()}  ·  {col.path}"
        )
        title.no_wrap = True
        title.overflow = "ellipsis"
        self.query_one("#decks-title", Static).update(title)
        # after the table is on screen: the totals query must not slow the first frame down
        self.call_after_refresh(self._load_status, now)

    @work(thread=True, exclusive=True, group="status")
    def _load_status(self, now: datetime) -> None:
        """Totals and the next due day, on a connection of the worker's own."""
        try:
            with Collection.open(self.app.col.path, import_builtin=False) as col:
                total = col.totals(now)
                nxt = col.next_due_day(now)
                coming = col.forecast(now, COMING_DAYS)
                today = day_date(col.day(now))
        except (QuizzerError, sqlite3.Error) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.post_message(self.StatusRead(total, nxt, today, coming))

    @on(StatusRead)
    def _status_read(self, message: StatusRead) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            for column, value in zip(
                ("new", "due", "drill", "total"),
                self._cells("", message.total, bold=True)[1:],
                strict=True,
            ):
                table.update_cell(ALL_DECKS, column, value)
        status = self._status(message.total, message.next_due, message.today)
        self.query_one("#decks-status", Static).update(status)
        self.query_one("#decks-coming", Static).update(self._coming(message))
        self.status_ready = True

    def _coming(self, message: StatusRead) -> Text:
        """Cards due on each of the coming days, as bars (today includes overdue cards)."""
        out = Text("Coming days\n\n", style="bold")
        widest = max(message.coming, default=0) or 1
        color = self.app.color("success", "green")
        for offset, count in enumerate(message.coming):
            day = message.today + timedelta(days=offset)
            label = "today" if offset == 0 else day.strftime("%a %m-%d")
            out.append(f"{label:<10}", style="" if offset else "bold")
            out.append("█" * round(28 * count / widest), style=color)
            out.append(f" {count}\n")
        return out

    def _cells(self, label: str, c: DeckCounts, *, bold: bool = False) -> list[str | Text]:
        style = "bold" if bold else ""
        cells: list[str | Text] = [Text(label, style=style)]
        for value, color in ((c.new, "primary"), (c.due, "success"), (c.drill, "warning")):
            cells.append(
                Text(
                    str(value),
                    style=f"{style} {self.app.color(color, 'white')}" if value else "dim",
                    justify="right",
                )
            )
        cells.append(Text(str(c.total), style=style, justify="right"))
        return cells

    def _status(self, total: DeckCounts, nxt: date | None, today: date) -> Text:
        todo = total.new + total.due + total.drill
        lines = Text()
        if todo:
            lines.append(
                f"Today: {plural(todo, 'card')} to study ({total.due} due, {total.new} new, "
                f"{total.drill} to drill). Enter studies the selected deck, a everything.",
            )
        else:
            lines.append("Nothing to study today. ", style="bold")
            lines.append(
                f"Next cards due {when(nxt, today)}." if nxt else "No card is scheduled yet."
            )
            lines.append(" t starts a quiz on the selected deck.")
        if total.unverified:
            lines.append("\n")
            lines.append(
                f"{plural(total.unverified, 'code card')} "
                f"{'waits' if total.unverified == 1 else 'wait'} for a verified output and "
                f"{'is' if total.unverified == 1 else 'are'} not shown: `quizzer verify` "
                "fills them (v runs it now).",
                style=self.app.color("warning", "yellow"),
            )
        if total.suspended:
            lines.append(f"\n{total.suspended} suspended (browse with is:suspended).", style="dim")
        return lines

    def _selected_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def _selected_deck(self) -> str | None:
        key = self._selected_key()
        return key or None

    # -- actions ----------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.action_study(event.row_key.value or None)

    def action_study_selected(self) -> None:
        """Study the selected deck and its sub-decks."""
        self.app.action_study(self._selected_deck())

    def action_study_all(self) -> None:
        """Study everything due in every deck."""
        self.app.action_study(None)

    def action_quiz(self) -> None:
        """A quiz on the selected deck."""
        self.app.action_quiz(self._selected_deck())

    def action_browse(self) -> None:
        """Browse the cards of the selected deck."""
        deck = self._selected_deck()
        self.app.action_browse(f'deck:"{deck}"' if deck else "")

    def action_stats(self) -> None:
        """Charts: reviews, forecast, decks, ease, quizzes."""
        self.app.action_stats()

    def action_refresh(self) -> None:
        """Read the counts again."""
        self.refresh_counts()

    def action_quit(self) -> None:
        """Leave quizzer."""
        self.app.exit([])

    def action_verify(self) -> None:
        """Run `quizzer verify` in another process (torch is never loaded in this one)."""
        self.notify("Verifying code cards in the background…", timeout=4)
        self._verify()

    @work(thread=True, exclusive=True, group="verify")
    def _verify(self) -> None:
        try:
            done = subprocess.run(
                self.app.verify_argv(), capture_output=True, text=True, check=False
            )
        except OSError as exc:
            self.post_message(self.Verified(127, str(exc)))
            return
        # its progress goes to stderr: the summary on stdout is enough unless it failed
        output = done.stdout if done.returncode == 0 else done.stdout + done.stderr
        self.post_message(self.Verified(done.returncode, output.strip()))

    @on(Verified)
    def _verified(self, message: Verified) -> None:
        lines = message.output.splitlines()
        if message.code == 2 and "No such command" in message.output:
            self.notify("This quizzer has no `verify` command yet.", severity="warning", timeout=8)
            return
        summary = "\n".join(lines[-3:]) or "done"
        self.notify(
            summary,
            title="quizzer verify" + (" failed" if message.code else ""),
            severity="error" if message.code else "information",
            timeout=10,
        )
        self.refresh_counts()
