"""Verifying code cards: run each snippet twice in two worker processes, compare, classify.

Verdicts: ok (both runs agree with the card's output), missing (the card has no output yet),
mismatch (it prints something else), stale (it printed the card's output under the torch
version that last verified it, and prints something else under this one), timeout, crashed,
nondeterministic (the two runs differ). `fix` writes actual outputs into the YAML files.
Torch is never imported here: the runner's workers do that.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from quizzer.answers import output_diff
from quizzer.collection import Collection, RunRecord
from quizzer.decks import LoadResult, load
from quizzer.errors import DeckError, QuizzerError
from quizzer.models import CodeCard, normalize_output
from quizzer.runner import SnippetResult

STATUSES = ("ok", "missing", "mismatch", "stale", "nondeterministic", "timeout", "crashed")
FIXABLE = ("missing", "mismatch", "stale")
NONDETERMINISM_HINT = (
    "seed the random generators (torch.manual_seed(0)) and do not print addresses, id(), "
    "hash() of strings, set order or torch.empty contents"
)


@dataclass(frozen=True)
class CodeCardSource:
    """A code card to verify: its code, the output it expects, and where it is written."""

    id: str
    code: str
    expected: str | None
    path: Path
    line: int


@dataclass(frozen=True)
class Verdict:
    """The outcome for one card."""

    card: CodeCardSource
    status: str
    output: str | None  # what it printed (first run), if it finished
    other_output: str | None = None  # the second run's, when it differs
    stderr: str = ""
    detail: str = ""
    seconds: float = 0.0
    verified_torch: str | None = None  # the torch version that verified the old output

    @property
    def fixable(self) -> bool:
        """True when `--fix` can write the actual output into the card."""
        return self.status in FIXABLE and self.output is not None

    def explanation(self) -> str:
        """What went wrong, in a few lines (empty when ok)."""
        card = self.card
        if self.status == "ok":
            return ""
        if self.status == "missing":
            return "no output yet; `quizzer verify --fix` writes this one:\n" + _indent(
                self.output or ""
            )
        if self.status in ("mismatch", "stale"):
            head = (
                f"verified under torch {self.verified_torch}; this torch prints something else"
                if self.status == "stale"
                else "the card's output is not what the code prints"
            )
            diff = output_diff(card.expected or "", self.output or "")
            return head + "\n" + _indent(diff)
        if self.status == "nondeterministic":
            diff = output_diff(self.output or "", self.other_output or "")
            return f"two runs printed different outputs: {NONDETERMINISM_HINT}\n" + _indent(diff)
        return self.detail or self.status


@dataclass
class VerifyReport:
    """Every verdict, the environment that produced the outputs, and the time it took."""

    verdicts: list[Verdict] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # sandbox features this machine lacks

    def count(self, status: str) -> int:
        """How many cards got `status`."""
        return sum(v.status == status for v in self.verdicts)

    @property
    def ok(self) -> bool:
        """True when every card is ok."""
        return all(v.status == "ok" for v in self.verdicts)

    def summary(self) -> str:
        """One line: counts per verdict, torch version, time."""
        n = len(self.verdicts)
        parts = [f"{self.count(s)} {s}" for s in STATUSES if self.count(s)]
        torch = self.environment.get("torch", "?")
        return (
            f"{n} code card{'s' * (n != 1)}: {', '.join(parts) or 'none'} "
            f"(torch {torch}, each run twice, {self.seconds:.1f} s)"
        )


def cards_from_files(paths: Iterable[Path | str]) -> tuple[list[CodeCardSource], LoadResult]:
    """The code cards of deck files (raises DeckError if the files have errors)."""
    result = load(paths)
    if result.errors:
        raise DeckError(result.problems)
    cards = [
        CodeCardSource(c.id, c.card.code, c.card.output, c.path, c.line)
        for c in result.cards
        if isinstance(c.card, CodeCard)
    ]
    return cards, result


def cards_from_collection(col: Collection) -> list[CodeCardSource]:
    """The code cards of the collection's active cards, as last imported."""
    return [
        CodeCardSource(r.id, r.card.code, r.card.output, Path(r.path), r.line)
        for r in col.cards()
        if isinstance(r.card, CodeCard)
    ]


def classify(
    card: CodeCardSource,
    a: SnippetResult,
    b: SnippetResult,
    verified: Callable[[CodeCardSource], str | None] | None = None,
) -> Verdict:
    """The verdict for one card from its two runs.

    `verified(card)` gives the torch version that verified the card's current output, if
    any: a different output now, under another torch version, is `stale`.
    """
    stderr = "\n".join(dict.fromkeys(s for s in (a.stderr, b.stderr) if s))
    seconds = max(a.seconds, b.seconds)
    for run in (a, b):
        if run.status != "ok":
            return Verdict(card, run.status, None, None, stderr, run.detail, seconds)
    out_a, out_b = normalize_output(a.output), normalize_output(b.output)
    if out_a != out_b:
        return Verdict(card, "nondeterministic", out_a, out_b, stderr, "", seconds)
    if card.expected is None:
        return Verdict(card, "missing", out_a, None, stderr, "", seconds)
    if normalize_output(card.expected) == out_a:
        return Verdict(card, "ok", out_a, None, stderr, "", seconds)
    old_torch = verified(card) if verified else None
    status = "stale" if old_torch else "mismatch"
    return Verdict(card, status, out_a, None, stderr, "", seconds, old_torch)


def verify(
    cards: Sequence[CodeCardSource],
    *,
    timeout: float = 5.0,
    jobs: int | None = None,
    verified: Callable[[CodeCardSource], str | None] | None = None,
    on_result: Callable[[int, SnippetResult], None] | None = None,
) -> VerifyReport:
    """Run every card twice, in two worker processes at once, and classify the results."""
    from quizzer.runner import RunnerError, installed_torch_version, run_twice

    if installed_torch_version() is None:
        raise RunnerError("torch is not installed, so code cards cannot be verified")
    start = time.perf_counter()
    snippets = [(c.id, c.code) for c in cards]
    if not snippets:
        return VerifyReport([], {"torch": installed_torch_version() or "?"}, 0.0)
    notes: list[str] = []
    first, second, environment = run_twice(
        snippets, jobs=jobs, timeout=timeout, on_result=on_result, notes=notes
    )
    verdicts = [
        classify(card, a, b, verified) for card, a, b in zip(cards, first, second, strict=True)
    ]
    return VerifyReport(verdicts, environment, time.perf_counter() - start, notes)


def previous_torch(col: Collection) -> Callable[[CodeCardSource], str | None]:
    """A `verified` callback for `classify`: the torch version of the collection's last ok
    run of this card's code with its current output, when it is not the installed one."""
    from quizzer.importer import code_hash
    from quizzer.runner import installed_torch_version

    current = installed_torch_version()

    def lookup(card: CodeCardSource) -> str | None:
        run = col.store.ok_run_for(card.id, code_hash(card.code), card.expected)
        torch = run["torch_version"] if run is not None else None
        return torch if torch and torch != current else None

    return lookup


def record(
    col: Collection, report: VerifyReport, now: datetime, *, fixed: Iterable[str] = ()
) -> int:
    """Store the verdicts in the collection; cards in `fixed` now hold their actual output.

    Returns how many cards are reviewable with a verified output afterwards.
    """
    fixed = set(fixed)
    runs = []
    for v in report.verdicts:
        status = "ok" if v.card.id in fixed else v.status
        expected = v.output if v.card.id in fixed else v.card.expected
        runs.append(
            RunRecord(v.card.id, v.card.code, expected, status, v.output, v.stderr, v.detail)
        )
    return col.record_verification(runs, report.environment, now)


def fix(report: VerifyReport) -> dict[Path, list[str]]:
    """Write the actual output into every fixable card's YAML (formatting kept).

    Cards are found again by id in the current file, so a file edited since it was loaded
    is handled; a card whose code changed in the meantime is left alone. Returns the ids
    written per file.
    """
    from quizzer.decks import load_file
    from quizzer.yamledit import update_deck_file

    by_file: dict[Path, list[Verdict]] = defaultdict(list)
    for v in report.verdicts:
        if v.fixable:
            by_file[v.card.path].append(v)
    written: dict[Path, list[str]] = {}
    for path, verdicts in by_file.items():
        loaded, problems = load_file(path)
        if loaded is None:
            raise QuizzerError(
                f"{path} has errors now, so no output was written into it:\n"
                + "\n".join(str(p) for p in problems if not p.warning)
            )
        current = {c.id: c for c in loaded.cards}
        edits: dict[int, dict[str, str]] = {}
        for v in verdicts:
            card = current.get(v.card.id)
            if card is None or not isinstance(card.card, CodeCard) or card.card.code != v.card.code:
                continue
            edits[card.line] = {"output": v.output or ""}
            written.setdefault(path, []).append(v.card.id)
        if edits:
            update_deck_file(path, edits)
    return written


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
