"""Charts for the Stats screen: a calendar heatmap and labelled bars drawn with Rich text (so
Chinese deck names align), and plotext charts (textual-plotext) for series.

Colors come from the theme, so the charts read under light and dark themes alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta

from rich.text import Text
from textual.color import Color
from textual.widgets import Static

from quizzer.stats import calendar, levels

WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def cell_width(text: str) -> int:
    """Terminal columns of `text` (CJK characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def fit(text: str, width: int) -> str:
    """`text` cut (with …) or padded with spaces to exactly `width` columns."""
    if cell_width(text) <= width:
        return text + " " * (width - cell_width(text))
    out, used = "", 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…" + " " * (width - used - 1)


def shades(app_variables: dict[str, str], steps: int = 4) -> list[str]:
    """`steps` colors from faint to strong, blended from the theme's surface to its accent."""
    base = Color.parse(app_variables.get("surface", "#1e1e1e"))
    strong = Color.parse(app_variables.get("success", "#4ebf71"))
    return [base.blend(strong, (i + 1) / steps).hex for i in range(steps)]


class Heatmap(Static):
    """Answers per day as a calendar: weeks left to right, Monday at the top; as many weeks
    as the width allows (a year on a wide terminal)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.per_day: dict[date, int] = {}
        self.today: date | None = None

    def set_data(self, per_day: dict[date, int], today: date) -> None:
        """Draw these counts, ending at `today`."""
        self.per_day = per_day
        self.today = today
        self.refresh(layout=True)

    def render(self) -> Text:
        """The calendar grid with month names above it and a legend below."""
        if self.today is None:
            return Text("…")
        weeks = max(4, min(53, (self.size.width - 5) // 2))
        grid = calendar(self.per_day, self.today, weeks)
        values = [v for row in grid for v in row if v]
        thresholds = levels(values)
        colors = shades(self.app.theme_variables)
        empty = self.app.theme_variables.get("panel", "#333333")
        first_monday = self.today - timedelta(days=self.today.weekday(), weeks=weeks - 1)
        months = Text("     ")
        last_month = None
        column = 0
        while column < weeks:
            day = first_monday + timedelta(weeks=column)
            if day.month != last_month and column + 2 <= weeks:
                label = day.strftime("%b")
                months.append(label.ljust(4))
                last_month = day.month
                column += 2
            else:
                months.append("  ")
                column += 1
        out = Text()
        out.append_text(months)
        for weekday, row in enumerate(grid):
            out.append("\n" + WEEKDAYS[weekday].ljust(5), style="dim")
            for value in row:
                if value is None:
                    out.append("  ")
                elif value == 0:
                    out.append("■ ", style=empty)
                else:
                    level = sum(value >= t for t in thresholds) - 1
                    out.append("■ ", style=colors[max(0, level)])
        out.append("\n     less ", style="dim")
        out.append("■ ", style=empty)
        for color in colors:
            out.append("■ ", style=color)
        out.append("more", style="dim")
        return out


class Bars(Static):
    """Horizontal bars with labels (deck names) and a value text at the end of each bar."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.rows: list[tuple[str, float, str]] = []
        self.empty_text = "no data yet"

    def set_rows(self, rows: Sequence[tuple[str, float, str]], empty_text: str = "") -> None:
        """Rows of (label, fraction 0..1, value text)."""
        self.rows = list(rows)
        self.empty_text = empty_text or self.empty_text
        self.refresh(layout=True)

    def render(self) -> Text:
        """One line per row: the label, a bar, the value."""
        if not self.rows:
            return Text(self.empty_text, style="dim")
        width = max(20, self.size.width)
        label_width = min(max(cell_width(r[0]) for r in self.rows), max(8, width // 3))
        value_width = max(len(r[2]) for r in self.rows)
        bar_width = max(4, width - label_width - value_width - 3)
        color = self.app.theme_variables.get("success", "green")
        faint = self.app.theme_variables.get("panel", "grey30")
        out = Text()
        for i, (label, fraction, value) in enumerate(self.rows):
            filled = round(max(0.0, min(1.0, fraction)) * bar_width)
            if i:
                out.append("\n")
            out.append(fit(label, label_width) + " ")
            out.append("█" * filled, style=color)
            out.append("░" * (bar_width - filled), style=faint)
            out.append(" " + value.rjust(value_width))
        return out
