"""Today's deck counts read in a thread while the app starts (no textual imported here)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from quizzer.collection import Collection, DeckCounts


class Prefetch:
    """Counts for one moment, computed on a connection of the thread's own."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.counts: Future[tuple[list[DeckCounts], int]] = Future()

    @classmethod
    def start(cls, db_path: Path, now: datetime) -> Prefetch | None:
        """Start reading an existing collection's counts; None for a new collection (it gets
        the built-in decks first, so there is nothing to read yet) or one that the app will
        migrate first (two connections must never migrate at once)."""
        if not _current_schema(db_path.expanduser()):
            return None
        prefetch = cls(now)
        threading.Thread(
            target=prefetch._run, args=(db_path.expanduser(),), name="prefetch", daemon=True
        ).start()
        return prefetch

    def _run(self, db_path: Path) -> None:
        try:
            with Collection.open(db_path, import_builtin=False) as col:
                self.counts.set_result((col.counts(self.now), col.day(self.now)))
        except BaseException as exc:  # the app reads the counts itself then
            self.counts.set_exception(exc)


def _current_schema(path: Path) -> bool:
    """True for a collection file already at this quizzer's schema version (SQLite keeps
    `user_version` at byte 60 of its header)."""
    from quizzer.store import SCHEMA_VERSION

    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError:
        return False
    return len(header) == 100 and int.from_bytes(header[60:64], "big") == SCHEMA_VERSION
