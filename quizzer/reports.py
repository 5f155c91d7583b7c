"""Plain-text reports printed by the command line: status, import summary, the schema."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from quizzer.collection import Collection, day_date

if TYPE_CHECKING:
    from quizzer.importer import ImportReport


def width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, *, right: bool = False) -> str:
    """`text` padded with spaces to `columns` terminal columns."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows aligned in columns; every column but the first is right-aligned."""
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines


def status_lines(col: Collection, now: datetime) -> list[str]:
    """What `quizzer status` prints: per deck today, totals, the coming days."""
    day = col.day(now)
    start = col.settings["day_starts_at"]
    lines = [
        f"collection {col.path}",
        f"study day {day_date(day)} (days start at {start:02.0f}:00)",
    ]
    counts, total = col.overview(now)
    if not counts:
        lines.append("no decks yet: `quizzer import PATH` adds deck files")
        return lines
    rows = []
    for c in counts:
        depth = c.deck.count("::")
        name = "  " * depth + c.deck.split("::")[-1]
        rows.append([name, str(c.new), str(c.due), str(c.drill), str(c.total)])
    lines += ["", *table(["deck", "new", "due", "drill", "total"], rows), ""]
    todo = total.new + total.due + total.drill
    if todo:
        lines.append(
            f"today: {todo} to study ({total.due} due, {total.new} new, {total.drill} to drill)"
        )
    else:
        nxt = col.next_due_day(now)
        lines.append(
            "nothing to study today" + (f"; next cards due {nxt.isoformat()}" if nxt else "")
        )
    forecast = col.forecast(now, days=8)
    days = [(day_date(day) + timedelta(days=i)).strftime("%a") for i in range(1, 8)]
    lines.append(
        "next 7 days: " + "  ".join(f"{d} {n}" for d, n in zip(days, forecast[1:], strict=True))
    )
    if total.unverified:
        lines.append(
            f"{total.unverified} code card{'s' * (total.unverified != 1)} "
            f"{'wait' if total.unverified != 1 else 'waits'} for a verified output and "
            f"{'are' if total.unverified != 1 else 'is'} not shown yet: run `quizzer verify`"
        )
    if total.suspended:
        lines.append(f"{total.suspended} suspended")
    return lines


def import_report_lines(report: ImportReport) -> list[str]:
    """What `quizzer import` prints: per deck added / updated / unchanged / retired."""
    lines = [str(w) for w in report.warnings]
    rows = [
        [deck, str(c.added), str(c.updated), str(c.unchanged), str(c.retired)]
        for deck, c in sorted(report.decks.items())
    ]
    if rows:
        lines += table(["deck", "added", "updated", "unchanged", "retired"], rows)
    t = report.total()
    files = f"{report.files_read} file{'s' * (report.files_read != 1)} read"
    if report.files_unchanged:
        files += f", {report.files_unchanged} unchanged and skipped"
    if report.files_removed:
        files += f", {report.files_removed} gone from their folder"
    lines.append(
        f"{t.added} added, {t.updated} updated, {t.unchanged} unchanged, {t.retired} retired "
        f"({files})"
    )
    if t.retired:
        lines.append("retired cards keep their review history but are no longer scheduled")
    return lines


def deck_schema_json() -> str:
    """The JSON Schema of a deck file, generated from the pydantic models."""
    from quizzer.models import DeckFile

    schema = DeckFile.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "quizzer deck file",
        **schema,
    }
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
