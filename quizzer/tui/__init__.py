"""The Textual app: `create_app` (in `app.py`) builds it for the CLI and the tests, `run_app`
runs it in the terminal.

Nothing outside this package imports textual. Screens live in `screens/`, widgets in
`widgets/`, styles in `quizzer.tcss`. The app talks only to the service layer
(`quizzer.collection`, `session`, `browse`, `stats`, `quiz`); no SQL here.

This module itself imports no textual: `run_app` starts reading the deck counts in a thread
first, so that the query runs while Textual is being imported (SQLite releases the GIL), and
the first screen is drawn sooner on a large collection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path


def local_now() -> datetime:
    """The current local time, timezone-aware."""
    return datetime.now().astimezone()


def run_app(
    db_path: Path | str,
    *,
    builtin: bool = True,
    start: str = "decks",
    deck: str | None = None,
    questions: int = 20,
    clock: Callable[[], datetime] = local_now,
) -> list[str]:
    """Run the app in the terminal; returns lines to print when it ends (a summary)."""
    from quizzer.tui.prefetch import Prefetch

    prefetch = Prefetch.start(Path(db_path), clock()) if start == "decks" else None
    from quizzer.tui.app import create_app

    app = create_app(
        db_path,
        builtin=builtin,
        start=start,
        deck=deck,
        questions=questions,
        clock=clock,
        prefetch=prefetch,
    )
    result = app.run()
    return list(result or app.result_lines)
