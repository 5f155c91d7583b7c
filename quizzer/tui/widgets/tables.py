"""Tables whose Enter key has a description, so the key bar and the help can show it
(DataTable's own Enter binding is hidden)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable


class DeckTable(DataTable[str | Text]):
    """The deck list: Enter studies the deck under the cursor."""

    BINDINGS = [Binding("enter", "select_cursor", "study")]  # noqa: RUF012 - Textual's


class CardTable(DataTable[str | Text]):
    """A list of cards: Enter shows the card under the cursor."""

    BINDINGS = [Binding("enter", "select_cursor", "show card")]  # noqa: RUF012 - Textual's


class MissTable(DataTable[str | Text]):
    """A quiz's misses: Enter shows the missed card with the answer given."""

    BINDINGS = [Binding("enter", "select_cursor", "show miss")]  # noqa: RUF012 - Textual's
