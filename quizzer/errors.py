"""The errors a user can meet. Each carries a sentence fit to print, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class QuizzerError(Exception):
    """A problem the user can fix; `str(error)` is the sentence to show. Exit code 1."""

    exit_code = 1


class UsageError(QuizzerError):
    """A command was called wrongly (bad option value, unknown setting). Exit code 2."""

    exit_code = 2


class DatabaseError(QuizzerError):
    """The collection file cannot be used: damaged, foreign, too new, read-only, a folder."""

    exit_code = 3


@dataclass(frozen=True)
class Problem:
    """One error or warning about a deck file, located at file:line and, if known, a card."""

    path: Path
    line: int | None
    message: str
    card_id: str | None = None
    field: str | None = None
    warning: bool = False
    card_index: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        parts = [where]
        if self.card_id:
            parts.append(f"card '{self.card_id}'")
        elif self.card_index:
            parts.append(f"card #{self.card_index}")
        text = ": ".join(parts) + ": "
        if self.warning:
            text += "warning: "
        return text + self.message


class DeckError(QuizzerError):
    """Deck files have errors; nothing was written. Holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        problems = sorted(problems, key=lambda p: (str(p.path), p.line or 0))
        self.problems = problems
        errors = [p for p in problems if not p.warning]
        count = len(errors)
        files = len({p.path for p in errors})
        summary = f"{count} error{'s' * (count != 1)} in {files} file{'s' * (files != 1)}"
        super().__init__("\n".join([*(str(p) for p in problems), summary]))
