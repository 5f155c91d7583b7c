"""What every benchmark reports: a figure, its value, its target, and whether it holds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure. `lower_is_better` decides how `target` is compared."""

    name: str
    value: float
    unit: str
    target: float | None = None
    lower_is_better: bool = True
    note: str = ""

    @property
    def passed(self) -> bool | None:
        """True when the target holds, None when there is no target."""
        if self.target is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target


def median_seconds(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of `fn()` over `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _fmt(value: float, unit: str) -> str:
    if unit == "s" and value < 0.1:
        return f"{value * 1000:.2f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "x":
        return f"{value:.1f}x"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:g} {unit}".strip()


def table(figures: list[Figure]) -> str:
    """The figures as an aligned text table: figure, value, target, pass/fail."""
    rows = [("figure", "value", "target", "result")]
    for f in figures:
        if f.target is None:
            target, result = "-", "-"
        else:
            target = ("< " if f.lower_is_better else "> ") + _fmt(f.target, f.unit)
            result = "pass" if f.passed else "FAIL"
        name = f.name + (f" ({f.note})" if f.note else "")
        rows.append((name, _fmt(f.value, f.unit), target, result))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)
