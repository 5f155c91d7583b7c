"""Help (`?`): the keys of the screen underneath, generated from its bindings, plus notes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from quizzer.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

# Notes per screen, by class name: what the keys alone do not say.
NOTES = {
    "DecksScreen": (
        "The counts are today's: new cards (within the daily limit), cards due, cards to "
        "drill again. A deck's numbers include its sub-decks. Code cards are shown only once "
        "`quizzer verify` has checked their output."
    ),
    "ReviewScreen": (
        "Grades are SM-2's: 0 blackout, 1 wrong but familiar, 2 wrong but easy to recall once "
        "seen, 3 right with difficulty, 4 right after hesitating, 5 perfect. A card graded "
        "below 4 comes back later in the session until it is graded 4 or more.\n"
        "Choice and code cards are checked for you: the proposed grade is highlighted, Enter "
        "takes it, a digit overrides it. In the code answer box Enter adds a line; ctrl+s "
        "checks and Escape leaves the box."
    ),
    "BrowseScreen": (
        "Search: words match the text or id; deck:NAME (sub-decks too, * wildcard), tag:T, "
        "is:due, is:new, is:suspended, is:unverified, is:drill, kind:code; quote spaces: "
        'deck:"d2l::02 预备知识"; a leading - negates: -is:new.'
    ),
    "QuizScreen": (
        "A quiz never changes your review schedule. Cloze answers forgive case, spaces and "
        "full-width characters; math may be typed as Unicode or LaTeX. At the end, d sends "
        "the misses to today's drill."
    ),
}


def describe_keys(screen: Screen[Any], app: QuizzerApp) -> Table:
    """A table of the screen's keys and the app's, from their bindings' descriptions."""
    rows: dict[str, list[str]] = {}
    from quizzer.tui.app import declared_bindings

    sources = [binding for _, binding in declared_bindings(screen, app)]
    for binding in sources:
        if not binding.description:
            continue
        action = binding.action.split("(", 1)[0]
        description = binding.description
        if action == "pick":
            description = "pick or unpick a choice (choice cards)"
        key = binding.key_display or app.get_key_display(binding)
        keys = rows.setdefault(description, [])
        if key not in keys:
            keys.append(key)
    rows.setdefault("command palette: every action by name", []).append(
        app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "command_palette"))
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for description, keys in rows.items():
        shown = keys if len(keys) <= 3 else [f"{keys[0]}–{keys[-1]}"]
        table.add_row(", ".join(shown), description)
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of `under` (the screen help was asked on)."""

    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("escape", "close", "close"),
        Binding("q", "close", "close", show=False),
    ]

    app: QuizzerApp

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        name = type(self.under).__name__
        title = name.removesuffix("Screen") or "quizzer"
        parts: list[RenderableType] = [
            Text(f"Keys: {title}", style="bold"),
            Text(""),
            describe_keys(self.under, self.app),
        ]
        if name in NOTES:
            parts += [Text(""), Text(NOTES[name])]
        with Vertical(id="help-box"), VerticalScroll():
            yield Static(Group(*parts), id="help-text")
        yield KeyBar()

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
