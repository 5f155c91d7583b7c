"""Every benchmark of the project, side by side with its target: `python -m bench [--quick]`.

Each module (core, verify, export, tui) builds its own inputs under a temporary folder and
returns figures; this prints them in one table with the machine they ran on. Modules run one
after another so they do not compete for the two cores. `--only core,tui` picks some.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time

from bench.figures import Figure, table

MODULES = ("core", "verify", "export", "tui")


def machine() -> str:
    """A line saying what the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    try:
        from importlib.metadata import version

        torch = version("torch")
    except Exception:  # torch missing: the verify figures will say so
        torch = "not installed"
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, torch {torch}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table; exit 1 if a target does not hold."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer runs")
    parser.add_argument("--only", default=",".join(MODULES), help="comma-separated modules")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    start = time.perf_counter()
    for name in args.only.split(","):
        module = importlib.import_module(f"bench.{name.strip()}")
        print(f"running bench.{name} ...", file=sys.stderr, flush=True)
        figures += module.run(quick=args.quick)
    print(f"machine: {machine()}")
    print(
        f"mode: {'quick' if args.quick else 'full'}, {time.perf_counter() - start:.0f} s in all\n"
    )
    print(table(figures))
    return 0 if all(f.passed is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
