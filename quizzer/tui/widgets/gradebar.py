"""The bar at the bottom of a review: each grade key with SM-2's meaning in short words."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

# SM-2's six grades (Wozniak 1990), in short words
GRADE_WORDS = (
    "blackout",
    "wrong (familiar)",
    "wrong (easy to recall)",
    "right (hard)",
    "right (hesitant)",
    "perfect",
)

# the longest cell is " 2  wrong (easy to recall)" (26 columns): six of them fit from here
ONE_ROW_WIDTH = 6 * 27


class GradeBar(Static):
    """Six cells, `0 blackout` ... `5 perfect`; dim until grading is possible; the grade the
    checker proposes is highlighted."""

    enabled: reactive[bool] = reactive(False)
    proposed: reactive[int | None] = reactive(None)

    def render(self) -> Table:
        """The grades in one row, or in two rows of three on a narrow terminal."""
        accent = self.app.theme_variables.get("accent", "magenta")
        per_row = 6 if self.size.width >= ONE_ROW_WIDTH else 3
        grid = Table.grid(expand=True, padding=(0, 1))
        for _ in range(per_row):
            grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        cells = []
        for grade, words in enumerate(GRADE_WORDS):
            style = "" if self.enabled else "dim"
            key_style = f"bold {accent}" if self.enabled else "dim"
            if self.enabled and grade == self.proposed:
                style = key_style = f"bold reverse {accent}"
            cells.append(Text.assemble((f" {grade} ", key_style), (f" {words}", style)))
        for start in range(0, len(cells), per_row):
            grid.add_row(*cells[start : start + per_row])
        return grid
