"""Verifying code cards: 100 snippets run twice in two warm workers vs a fresh python each.

`python -m bench.verify [--quick]` prints the figures. The warm way is `run_twice` (two worker
processes, each importing torch once and forking a child per snippet), timed from the call
to the last result, worker start-up included. The naive way is a fresh `python -c` per run
(torch imported every time), measured one after another on a sample of the same snippets
and extrapolated to all 200 runs. The warm way is measured 3 times and the median run is
reported; `--quick` measures it once and the naive way on 3 snippets, not 10.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from bench.figures import Figure, table
from quizzer.runner import SnippetResult, run_twice

SNIPPETS = 100
RUNS = 2 * SNIPPETS

# small torch snippets like the code cards of the decks; {i} makes each one distinct
_TEMPLATES = (
    "x = torch.arange({n}).reshape(-1, 1)\nprint(x.shape, x.sum())",
    "x = torch.tensor([{i}.0, -4.0])\nprint(torch.norm(x))",
    "a = torch.ones(2, {k})\nb = torch.ones({k}, 3)\nprint(a @ b)",
    "x = torch.arange({n}, dtype=torch.float32)\nprint(x.mean(), x.std())",
    "x = torch.zeros({k}, 2)\nx[0, 1] = {i}\nprint(x)",
    "x = torch.tensor({i}.0, requires_grad=True)\ny = x ** 2\ny.backward()\nprint(x.grad)",
    "x = torch.arange({n}).float()\nprint(torch.softmax(x[:3], dim=0))",
    "a = torch.arange({k})\nb = a.reshape(-1, 1)\nprint(a + b)",
    "x = torch.tensor([[1, 2], [3, {i}]])\nprint(x.T, x.dtype)",
    "x = torch.linspace(0, 1, {k})\nprint(x, x.numel())",
    "x = torch.arange({n})\nprint(x[x % 3 == 0])",
    "x = torch.eye({k})\nprint(torch.cat([x, x], dim=0).shape)",
)


def snippets(count: int = SNIPPETS) -> list[tuple[str, str]]:
    """`count` distinct small snippets (key, code), deterministic in their output."""
    out = []
    for i in range(count):
        template = _TEMPLATES[i % len(_TEMPLATES)]
        code = template.format(i=i + 1, n=i + 4, k=2 + i % 4)
        out.append((f"bench-{i:03d}", code))
    return out


def naive_seconds(sample: list[tuple[str, str]]) -> list[float]:
    """Seconds of a fresh `python -c "import torch; <snippet>"` for each snippet in turn."""
    times = []
    for _, code in sample:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import torch\n" + code],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def warm_once(
    items: list[tuple[str, str]],
) -> tuple[float, float, list[SnippetResult], list[SnippetResult]]:
    """One `run_twice`: (wall seconds, seconds to the first result, results 0, results 1)."""
    first_result: list[float] = []
    start = time.perf_counter()

    def seen(_run: int, _result: object) -> None:
        if not first_result:
            first_result.append(time.perf_counter() - start)

    first, second, _env = run_twice(items, on_result=seen)
    return time.perf_counter() - start, first_result[0], first, second


def run(quick: bool = False) -> list[Figure]:
    """Measure both ways and return the figures (the warm way: median of 3, quick: 1)."""
    items = snippets()
    attempts = sorted((warm_once(items) for _ in range(1 if quick else 3)), key=lambda a: a[0])
    wall, startup, first, second = attempts[len(attempts) // 2]
    results = first + second
    failed = sum(r.status != "ok" or r.output.startswith("Traceback") for r in results)
    differing = sum(a.output != b.output for a, b in zip(first, second, strict=True))
    warm_child = statistics.median(r.seconds for r in results)

    sample = items[:: SNIPPETS // (3 if quick else 10)][: 3 if quick else 10]
    naive = naive_seconds(sample)
    naive_total = statistics.mean(naive) * RUNS
    return [
        Figure(
            f"verify: {SNIPPETS} snippets x2, two workers, wall incl. start-up",
            wall,
            "s",
            4.0,
            note="median of 3" if not quick else "",
        ),
        Figure("  first result after (worker start-up)", startup, "s"),
        Figure("  wall per run (200 runs)", wall / RUNS, "s"),
        Figure("  one snippet in its forked child (median)", warm_child, "s"),
        Figure("  runs not ok (must be 0)", failed, "", 0),
        Figure("  snippets whose two runs differ (must be 0)", differing, "", 0),
        Figure(
            f"naive: fresh python -c per run, extrapolated to {RUNS}",
            naive_total,
            "s",
            note=f"mean of {len(naive)}: {statistics.mean(naive):.2f} s",
        ),
        Figure("speed-up of the warm workers", naive_total / wall, "x", 50, lower_is_better=False),
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 1 when a target fails."""
    parser = argparse.ArgumentParser(prog="python -m bench.verify", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 warm run, 3 naive runs")
    args = parser.parse_args(argv)
    figures = run(quick=args.quick)
    print(table(figures))
    return 0 if all(f.passed is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
