"""One card in full: rendered with its answer, where it comes from, and its review history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from quizzer.browse import CardDetail, card_detail
from quizzer.errors import QuizzerError
from quizzer.models import ChoiceCard, CodeCard
from quizzer.tui.widgets import card as cardview
from quizzer.tui.widgets.card import Colors
from quizzer.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp


def revealed_card(detail: CardDetail, app: QuizzerApp) -> RenderableType:
    """The card with its answer: cloze filled in, right choices marked, the real output."""
    item = detail.item
    styles = app.text_styles()
    colors = Colors(
        right=app.color("success", "green"),
        wrong=app.color("error", "red"),
        muted=app.color("text-muted", "grey50"),
    )
    parts: list[RenderableType] = [cardview.front(item, styles, revealed=True)]
    card = item.card
    if isinstance(card, ChoiceCard):
        right = {i for i, c in enumerate(card.choices) if c in card.correct}
        parts += [Text(""), cardview.options(card, right, styles, colors, checked=True)]
    answer = cardview.back(item, styles)
    if answer is not None:
        parts += [Rule(style=colors.muted), answer]
    if isinstance(card, CodeCard):
        output = item.verified_output
        parts += [Rule(style=colors.muted)]
        if output is None:
            parts.append(Text("No verified output yet: `quizzer verify` fills it.", style="bold"))
        else:
            parts += [
                Text("Output:", style=colors.muted),
                cardview.code_block(output, styles, "text"),
            ]
    return Group(*parts)


class CardScreen(ModalScreen[None]):
    """A card by id (and cloze number); `extra` is shown above it (e.g. a quiz answer)."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("escape", "close", "close"),
        Binding("q", "close", "close", show=False),
        Binding("o", "source", "source"),
        Binding("exclamation_mark", "toggle_suspend", "suspend/unsuspend", key_display="!"),
    ]

    app: QuizzerApp

    def __init__(self, card_id: str, ord_: int, extra: RenderableType | None = None) -> None:
        super().__init__()
        self.card_id = card_id
        self.ord = ord_
        self.extra = extra
        self.detail: CardDetail | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="card-detail"):
            yield Static("", id="card-detail-title", classes="title")
            with VerticalScroll(id="card-detail-body"):
                yield Static("", id="card-detail-extra")
                yield Static("", id="card-detail-card")
                yield Static(Text("Review history", style="bold"), id="card-history-title")
                yield DataTable(id="card-history", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in ("when", "kind", "grade", "interval", "ease", "due", "time", "answer"):
            table.add_column(name, key=name)
        self.load()
        self.query_one("#card-detail-body").focus()

    def load(self) -> None:
        """Read the card and its history and show them."""
        try:
            self.detail = card_detail(self.app.col, self.card_id, self.ord, self.app.now())
        except QuizzerError as exc:
            self.query_one("#card-detail-card", Static).update(str(exc))
            return
        item = self.detail.item
        state = item.state
        title = Text.assemble(
            (item.key, "bold"),
            ("  ·  suspended" if item.suspended else "", "bold"),
            f"  ·  {item.deck}  ·  {item.kind}",
            f"  ·  tags: {', '.join(item.tags) or '-'}",
        )
        title.no_wrap = True
        title.overflow = "ellipsis"
        self.query_one("#card-detail-title", Static).update(title)
        where = Text(f"{item.path}:{item.line}", style="dim")
        if item.source:
            where.append(f"\n{item.source}", style="dim underline")
        if not state.is_new:
            where.append(
                f"\nease {state.sm2.ease:.2f} · every {state.sm2.interval} d · "
                f"{state.sm2.repetitions} in a row · {state.lapses} lapses",
                style="dim",
            )
        extra = self.query_one("#card-detail-extra", Static)
        extra.update(Group(self.extra, Text("")) if self.extra is not None else "")
        extra.set_class(self.extra is None, "hidden")
        self.query_one("#card-detail-card", Static).update(
            Group(where, Text(""), revealed_card(self.detail, self.app))
        )
        table = self.query_one(DataTable)
        table.clear()
        for entry in self.detail.history:
            answer = (entry.answer or "").replace("\n", " ⏎ ")
            table.add_row(
                entry.at.strftime("%Y-%m-%d %H:%M"),
                entry.kind + (" (undone)" if entry.undone else ""),
                "-" if entry.grade is None else str(entry.grade),
                "-" if entry.interval is None else f"{entry.interval} d",
                "-" if entry.ease is None else f"{entry.ease:.2f}",
                "-" if entry.due is None else entry.due.isoformat(),
                "-" if entry.seconds is None else f"{entry.seconds:.0f} s",
                answer[:40] + ("…" if len(answer) > 40 else ""),
            )
        if not self.detail.history:
            table.add_row("never reviewed", "", "", "", "", "", "", "")

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(None)

    def action_source(self) -> None:
        """Open the card's source link."""
        if self.detail is None or not self.detail.item.source:
            self.notify("This card has no source link.", severity="warning")
            return
        self.app.open_link(self.detail.item.source)

    def action_toggle_suspend(self) -> None:
        """Suspend the card, or bring it back."""
        if self.detail is None:
            return
        suspended = not self.detail.item.suspended
        self.app.col.suspend(self.card_id, suspended)
        self.notify(f"{self.card_id} {'suspended' if suspended else 'unsuspended'}.")
        self.load()
