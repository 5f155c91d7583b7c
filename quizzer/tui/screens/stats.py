"""Stats: charts of the collection. Computed in a worker thread on a connection of its own,
so a large collection never freezes the screen; the charts appear when the numbers arrive."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from quizzer.collection import Collection
from quizzer.errors import QuizzerError
from quizzer.stats import Stats, collect
from quizzer.tui.widgets.charts import Bars, Heatmap
from quizzer.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

WIDE = 150  # columns from which the charts go two by two


def compute(db_path: Path, now: datetime) -> Stats:
    """The numbers, on a connection of its own (for a worker thread)."""
    with Collection.open(db_path, import_builtin=False) as col:
        return collect(col, now)


class StatsScreen(Screen[None]):
    """Reviews per day, the due forecast, right answers per deck, ease, quiz scores."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("r", "reload", "reload"),
        Binding("escape", "back", "back"),
        Binding("q", "back", "back", show=False),
    ]

    class Ready(Message):
        """The numbers are computed."""

        def __init__(self, stats: Stats) -> None:
            super().__init__()
            self.stats = stats

    app: QuizzerApp

    def __init__(self) -> None:
        super().__init__()
        self.stats: Stats | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Statistics", style="bold"), classes="title")
        with VerticalScroll(id="stats-body"):
            yield Static("Computing…", id="stats-summary")
            with Container(id="stats-grid"):
                with Vertical(classes="chart-box", id="box-heatmap"):
                    yield Heatmap(id="chart-heatmap")
                with Vertical(classes="chart-box", id="box-forecast"):
                    yield PlotextPlot(id="chart-forecast")
                with Vertical(classes="chart-box", id="box-decks"):
                    yield Bars(id="chart-decks")
                with Vertical(classes="chart-box", id="box-ease"):
                    yield PlotextPlot(id="chart-ease")
                with Vertical(classes="chart-box", id="box-quiz"):
                    yield PlotextPlot(id="chart-quiz")
        yield KeyBar()

    def on_mount(self) -> None:
        titles = {
            "box-heatmap": "Answers per day",
            "box-forecast": "Due in the next 30 days",
            "box-decks": "Right answers per deck (grade 3 or more)",
            "box-ease": "Ease of the cards reviewed so far",
            "box-quiz": "Quiz scores",
        }
        for box, title in titles.items():
            self.query_one(f"#{box}").border_title = title
        self.query_one("#stats-body").focus()
        self.action_reload()

    def on_resize(self, event: events.Resize) -> None:
        """Two charts side by side on a wide terminal."""
        self.query_one("#stats-grid").set_class(event.size.width >= WIDE, "wide")

    def action_reload(self) -> None:
        """Compute the numbers again (in a worker)."""
        self._compute(self.app.col.path, self.app.now())

    @work(thread=True, exclusive=True, group="stats")
    def _compute(self, db_path: Path, now: datetime) -> None:
        try:
            self.post_message(self.Ready(compute(db_path, now)))
        except (QuizzerError, sqlite3.Error) as exc:
            self.post_message(self.Failed(str(exc)))

    class Failed(Message):
        """The numbers could not be read."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.query_one("#stats-summary", Static).update(
            Text(f"The statistics could not be read: {message.error}", style="bold")
        )

    @on(Ready)
    def _ready(self, message: Ready) -> None:
        self.stats = stats = message.stats
        summary = Text.assemble(
            (f"{stats.total_answers}", "bold"),
            " answers in all  ·  ",
            (f"{stats.answers_today}", "bold"),
            " today  ·  ",
            (f"{stats.streak}", "bold"),
            f" day{'s' * (stats.streak != 1)} in a row  ·  ",
            (f"{sum(stats.forecast)}", "bold"),
            " due in the next 30 days",
        )
        self.query_one("#stats-summary", Static).update(summary)
        self.query_one(Heatmap).set_data(stats.per_day, stats.today)
        self._forecast(stats)
        self.query_one(Bars).set_rows(
            [(r.deck, r.rate, f"{r.rate:.0%} of {r.answers}") for r in stats.deck_rates],
            "no answers yet",
        )
        self._ease(stats)
        self._quizzes(stats)

    def _forecast(self, stats: Stats) -> None:
        plot = self.query_one("#chart-forecast", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        days = list(range(len(stats.forecast)))
        plt.bar(days, stats.forecast, color="green", width=0.6)
        ticks = [d for d in days if d % 7 == 0]
        labels = [
            "today" if d == 0 else (stats.today + timedelta(days=d)).strftime("%m-%d")
            for d in ticks
        ]
        plt.xticks(ticks, labels)
        plt.ylabel("cards")
        plot.refresh()

    def _ease(self, stats: Stats) -> None:
        plot = self.query_one("#chart-ease", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        if stats.ease:
            labels = [f"{ease:.1f}" for ease, _ in stats.ease]
            plt.bar(labels, [n for _, n in stats.ease], color="cyan", width=0.6)
            plt.ylabel("cards")
        else:
            plt.title("no card reviewed yet")
        plot.refresh()

    def _quizzes(self, stats: Stats) -> None:
        plot = self.query_one("#chart-quiz", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        if stats.quizzes:
            scores = [round(100 * q.score) for q in stats.quizzes]
            xs = list(range(1, len(scores) + 1))
            plt.plot(xs, scores, marker="braille", color="magenta")
            plt.scatter(xs, scores, marker="●", color="magenta")
            plt.ylim(0, 100)
            plt.xlabel("quiz")
            plt.ylabel("% right")
            last = stats.quizzes[-1]
            plt.title(f"last: {last.correct}/{last.questions} on {last.finished:%Y-%m-%d}")
        else:
            plt.title("no quiz taken yet: t on the Decks screen starts one")
        plot.refresh()

    def action_back(self) -> None:
        """Back to the previous screen."""
        self.app.pop_screen()
