"""The terminal app on a 100,000-card collection with a year of history.

`python -m bench.tui [--quick]` prints the figures:

- start to first screen: the installed `quizzer` command started in a pseudo-terminal
  (pexpect, 80x24), timed from the spawn until the deck table with today's counts has been
  written to the terminal (then until the status line under it); the whole process, Python's
  start-up included. Median of several starts (the machine may be shared, so the minimum is
  shown too).
- grade to next card: in-process under Textual's Pilot (`run_test`), from the grade key
  (posted as the terminal driver posts it) until every message it caused is handled and
  the next card's whole frame is rendered, over cards of every kind; median and 95th
  percentile.
- memory: the resident set of the real `quizzer` process during a review session (after
  studying some cards), read from /proc.

The collection is built under a temporary folder with `bench.corpus.build_collection`
(generated YAML decks imported, code cards verified, history written in bulk by the same
rules as live answers). `--quick` does fewer starts and fewer cards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from bench.corpus import NOW, build_collection
from bench.figures import Figure, table

CARDS = 100_000
START_TARGET = 0.8  # seconds
GRADE_TARGET = 0.050  # seconds
RSS_TARGET = 150.0  # MB


def quizzer_command() -> str:
    """The installed `quizzer` entry point itself (not a shell shim in front of it)."""
    script = Path(sysconfig.get_path("scripts")) / "quizzer"
    if script.is_file():
        return str(script)
    found = shutil.which("quizzer")
    if found is None:
        raise SystemExit("the quizzer command is not installed: pip install -e .")
    return found


def _env() -> dict[str, str]:
    env = dict(os.environ, QUIZZER_NOW=NOW.isoformat(), TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    return env


def start_times(db: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from spawning `quizzer` to the deck table drawn, and to the status line."""
    import pexpect

    table_seen, status_seen = [], []
    for _ in range(runs):
        start = time.perf_counter()
        child = pexpect.spawn(
            quizzer_command(),
            ["--db", str(db)],
            env=_env(),
            dimensions=(24, 80),
            encoding="utf-8",
            timeout=60,
        )
        try:
            child.expect("All decks")
            table_seen.append(time.perf_counter() - start)
            child.expect("Today:|Nothing to study")
            status_seen.append(time.perf_counter() - start)
            child.send("q")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
    return table_seen, status_seen


def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def session_memory(db: Path, cards: int) -> tuple[float, float]:
    """RSS and peak RSS (MB) of `quizzer review` after studying `cards` basic/cloze cards."""
    import pexpect

    child = pexpect.spawn(
        quizzer_command(),
        ["--db", str(db), "review"],
        env=_env(),
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect("left")
        studied = 0
        while studied < cards:
            index = child.expect(["Space shows the answer", "Enter to check", "ctrl\\+s checks"])
            if index == 0:
                child.send(" ")
                child.expect("Grade 0")
                child.send("4")
            elif index == 1:
                child.send("a")
                child.send("\r")
                child.expect("Enter accepts")
                child.send("\r")
            else:
                child.send("tensor(0)")
                child.send("\x13")  # ctrl+s
                child.expect("Enter accepts")
                child.send("4")
            studied += 1
        time.sleep(0.3)
        rss = _rss_mb(child.pid)
        child.send("q")
        child.expect("Session over")
        child.send("\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return rss


async def _grade_latencies(db: Path, cards: int) -> list[float]:
    from textual import events

    from quizzer.tui.app import create_app
    from quizzer.tui.screens.review import ReviewScreen

    app = create_app(db, builtin=False, start="review", clock=lambda: NOW)
    seconds: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(cards):
            screen = app.screen
            if not isinstance(screen, ReviewScreen) or screen.turn is None:
                break
            kind = screen.turn.item.kind
            if kind in ("basic", "cloze"):
                await pilot.press("space")
                key, char = "4", "4"
            elif kind == "choice":
                await pilot.press("a", "enter")
                key, char = "enter", "\r"
            else:
                await pilot.press(*"tensor", "ctrl+s")
                key, char = "4", "4"
            before = screen.turn
            start = time.perf_counter()
            # the key as the terminal driver delivers it; Pilot.press would add its own
            # idle-detection sleeps (20 ms slices) to what is measured
            app.post_message(events.Key(key, char))
            while screen.turn is before:
                await asyncio.sleep(0)
            await pilot._wait_for_screen()  # every message the grade caused, handled
            app.screen._compositor.render_strips()  # and the whole frame rendered
            seconds.append(time.perf_counter() - start)
    return seconds


def grade_latencies(db: Path, cards: int) -> list[float]:
    """Seconds from a grade key to the next card drawn, per card (in-process, Pilot)."""
    return asyncio.run(_grade_latencies(db, cards))


def stats_seconds(db: Path) -> float:
    """Seconds to compute every number of the Stats screen (done in a worker there)."""
    from quizzer.collection import Collection
    from quizzer.stats import collect

    with Collection.open(db, import_builtin=False) as col:
        start = time.perf_counter()
        collect(col, NOW)
        return time.perf_counter() - start


def run(quick: bool = False, keep: Path | None = None) -> list[Figure]:
    """Build the collection, measure, and return the figures."""
    starts = 3 if quick else 7
    graded = 20 if quick else 60
    with tempfile.TemporaryDirectory(prefix="quizzer-bench-tui-") as tmp:
        folder = keep or Path(tmp)
        db = folder / "collection.db"
        build = 0.0
        if not db.exists():
            begin = time.perf_counter()
            db = build_collection(folder, CARDS)
            build = time.perf_counter() - begin
        table_seen, status_seen = start_times(db, starts)
        latencies = grade_latencies(db, graded)
        # grading changed the collection: measure memory on what is left due
        rss, peak = session_memory(db, 10 if quick else 30)
        stats = stats_seconds(db)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else latencies[0]
    figures = [
        Figure(
            f"start to first screen, {CARDS:,} cards (whole process, median of {starts})",
            statistics.median(table_seen),
            "s",
            START_TARGET,
            note=f"min {min(table_seen):.3f} s",
        ),
        Figure(
            "  status line under it (totals, next due day)", statistics.median(status_seen), "s"
        ),
        Figure(
            f"grade to next card drawn (median of {len(latencies)})",
            statistics.median(latencies),
            "s",
            GRADE_TARGET,
        ),
        Figure("  95th percentile", p95, "s", GRADE_TARGET),
        Figure("resident memory in a review session", rss, "MB", RSS_TARGET),
        Figure("  peak resident memory", peak, "MB", RSS_TARGET),
        Figure("stats screen numbers, computed in a worker", stats, "s"),
    ]
    if build:
        figures.append(Figure("building the collection (not timed by a target)", build, "s"))
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 1 when a target fails."""
    parser = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer starts and cards")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the collection in this folder (kept and reused by later runs)",
    )
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    figures = run(quick=args.quick, keep=args.keep)
    print(table(figures))
    return 0 if all(f.passed is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
