"""Exporting 10,000 cards to an Anki package: `python -m bench.export [--quick]`.

Builds a collection of 10,000 distinct cards in a temporary folder (the built-in decks' mix:
about a third code cards, all verified, a third cloze, the rest basic and choice, with math,
Markdown and Chinese text), then times what `quizzer export anki` does once the collection is
open: reading the cards (`Collection.cards`) and writing the package (`export_apkg`:
Markdown, math, pygments, genanki, zip). The figure is the median of 3 runs (1 with
`--quick`). Building the collection is not timed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.figures import Figure, table
from quizzer.collection import Collection, RunRecord
from quizzer.export_anki import FORMAT_CHANGED_AT, export_apkg, render_markdown

CARDS = 10_000
FILES = 10
TARGET_S = 3.0
NOW = datetime.fromtimestamp(FORMAT_CHANGED_AT + 3600, UTC)


def _yaml_str(text: str) -> str:
    # YAML double-quoted scalar: escape backslashes and quotes
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _card(i: int) -> tuple[str, str | None, str | None]:
    """The YAML of card `i`, and (code, output) when it is a code card."""
    kind = i % 20
    if kind < 4:
        return (
            f"  - id: b-{i}\n    type: basic\n    tags: [bench, basic]\n"
            f"    front: {_yaml_str(f'第 {i} 题: 切片 `x[0:{i}]` 对应哪个区间?')}\n"
            f"    back: {_yaml_str(f'左闭右开区间 $[0, {i})$, 共 **{i}** 个元素')}\n",
            None,
            None,
        )
    if kind < 11:
        text = f"张量 {i} 的 {{{{c1::$L_2$ 范数}}}} 是 {{{{c2::$\\sqrt{{\\sum_j x_{{{i}j}}^2}}$}}}}"
        return (
            f"  - id: z-{i}\n    type: cloze\n    text: {_yaml_str(text)}\n"
            f"    extra: {_yaml_str(f'见第 {i % 17} 节')}\n",
            None,
            None,
        )
    if kind < 13:
        return (
            f"  - id: c-{i}\n    type: choice\n    prompt: {_yaml_str(f'第 {i} 题选哪个?')}\n"
            f'    choices: ["训练集 {i}", "验证集 {i}", "测试集 {i}", "$x_{{{i}}}$"]\n'
            f"    answer: 验证集 {i}\n",
            None,
            None,
        )
    code = f"x = torch.arange({i}).reshape(-1, 1)\nprint(x.shape, x.sum() < {i * i})\n"
    output = f"torch.Size([{i}, 1]) tensor(True)"
    block = "\n".join("      " + line for line in code.rstrip("\n").split("\n"))
    return (
        f"  - id: k-{i}\n    type: code\n    tags: [bench, code]\n    code: |\n{block}\n"
        f"    output: {_yaml_str(output)}\n",
        code,
        output,
    )


def build(folder: Path, cards: int = CARDS) -> Path:
    """A collection of `cards` cards in `folder`, every code card verified; its path."""
    decks = folder / "decks"
    decks.mkdir(parents=True)
    runs = []
    per_file = cards // FILES
    for f in range(FILES):
        lines = [f'deck: "bench::{f:02d} 第 {f} 章"', "tags: [bench]", "cards:"]
        for i in range(f * per_file, (f + 1) * per_file):
            text, code, output = _card(i)
            lines.append(text.rstrip("\n"))
            if code is not None:
                runs.append(RunRecord(f"k-{i}", code, expected=output, status="ok", output=output))
        (decks / f"{f:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "bench.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        col.import_paths([decks], NOW)
        ready = col.record_verification(runs, {"torch": "2.13.0"}, NOW)
        assert ready == len(runs), (ready, len(runs))
    return db


def run(quick: bool = False) -> list[Figure]:
    """Build the collection, time the export, return the figures."""
    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="quizzer-bench-export-") as tmp:
        folder = Path(tmp)
        db = build(folder)
        totals, reads, writes = [], [], []
        summary = None
        for n in range(repeat):
            out = folder / f"export-{n}.apkg"
            render_markdown.cache_clear()  # every run renders from scratch, as the command does
            start = time.perf_counter()
            with Collection.open(db) as col:
                records = col.cards()
            read = time.perf_counter()
            summary = export_apkg(records, out, now=NOW)
            end = time.perf_counter()
            totals.append(end - start)
            reads.append(read - start)
            writes.append(end - read)
        assert summary is not None and summary.total_notes == CARDS, summary
        middle = sorted(range(repeat), key=lambda k: totals[k])[repeat // 2]
        return [
            Figure(
                f"export {CARDS:,} cards to .apkg",
                totals[middle],
                "s",
                target=TARGET_S,
                note=f"median of {repeat}",
            ),
            Figure("  reading the cards (Collection.cards)", reads[middle], "s"),
            Figure("  rendering and writing (export_apkg)", writes[middle], "s"),
            Figure(
                "  package",
                summary.size_bytes / 1024 / 1024,
                "MB",
                note=f"{summary.total_notes:,} notes, {summary.cards:,} Anki cards",
            ),
        ]


def main() -> None:
    """Print the figures as a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run instead of three")
    args = parser.parse_args()
    print(table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
