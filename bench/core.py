"""Core figures: import, re-import, the first card of a session, answering, `quizzer status`.

Targets (issue "Core"): import 10,000 cards < 1 s in-process, re-import unchanged < 0.1 s,
100,000 cards < 10 s; first card of today's queue on 100,000 cards with a year of history
< 10 ms; answering a card < 2 ms (median); `quizzer status` on 100,000 cards < 0.4 s, whole
process. Run: `python -m bench.core [--quick]`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.corpus import NOW, add_history, write_decks
from bench.figures import Figure, median_seconds, table
from quizzer.collection import Collection
from quizzer.session import StudySession


def _import_once(decks: list[Path], folder: Path, tag: str) -> float:
    db = folder / f"import-{tag}.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        start = time.perf_counter()
        col.import_paths(decks, NOW)
        return time.perf_counter() - start


def run(quick: bool = False) -> list[Figure]:
    """Measure every core figure; `quick` uses smaller inputs (figures then say so)."""
    big = 20_000 if quick else 100_000
    repeat = 3 if quick else 5
    figures = []
    with tempfile.TemporaryDirectory(prefix="quizzer-bench-") as tmp:
        folder = Path(tmp)
        small = write_decks(folder / "decks-10k", 10_000)
        _import_once(write_decks(folder / "warm-up", 10), folder, "warm-up")  # load modules
        times = [_import_once(small, folder, f"s{i}") for i in range(repeat)]
        figures.append(
            Figure("import 10,000 cards (in-process)", statistics.median(times), "s", 1.0)
        )

        db = folder / "import-s0.db"
        with Collection.open(db) as col:
            reimport = median_seconds(lambda: col.import_paths(small, NOW), repeat)
        figures.append(Figure("re-import 10,000 unchanged", reimport, "s", 0.1))

        large = write_decks(folder / "decks-big", big)
        big_runs = 1 if quick else 2
        times = [_import_once(large, folder, f"b{i}") for i in range(big_runs)]
        note = "" if not quick else f"{big:,} cards, quick run"
        figures.append(
            Figure(
                f"import {big:,} cards (in-process)", statistics.median(times), "s", 10.0, note=note
            )
        )

        db = folder / "import-b0.db"
        with Collection.open(db) as col:
            col.record_verification([], {}, NOW)
            add_history(col, days=365)
            reviews = col.store.one("SELECT count(*) FROM reviews")
        history = f"{big:,} cards, {reviews:,} reviews over a year"

        def first_card() -> None:
            with Collection.open(db) as col:
                session = StudySession.start(col, NOW)
                assert session.next(NOW) is not None

        figures.append(
            Figure(
                "first card of today's queue",
                median_seconds(first_card, repeat),
                "s",
                0.010,
                note=history,
            )
        )

        with Collection.open(db) as col:
            session = StudySession.start(col, NOW)
            latencies = []
            when = NOW
            for _ in range(200):
                item = session.next(when)
                if item is None:
                    break
                when += timedelta(seconds=5)
                start = time.perf_counter()
                col.answer(item.card_id, item.ord, 5, when)
                latencies.append(time.perf_counter() - start)
        figures.append(
            Figure(
                "answer a card (one transaction, median)", statistics.median(latencies), "s", 0.002
            )
        )

        env = {**os.environ, "QUIZZER_NOW": NOW.isoformat()}
        command = [sys.executable, "-m", "quizzer", "--db", str(db), "status"]

        def status() -> None:
            subprocess.run(command, env=env, check=True, capture_output=True)

        figures.append(
            Figure(
                "`quizzer status` (whole process)",
                median_seconds(status, repeat),
                "s",
                0.4,
                note=f"{big:,} cards",
            )
        )
    return figures


def main() -> None:
    """Print the core figures."""
    print(table(run(quick="--quick" in sys.argv)))


if __name__ == "__main__":
    main()
