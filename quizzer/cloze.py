"""Cloze deletions: `{{c1::answer}}` and `{{c1::answer::hint}}`, read the way Anki reads them.

Pure functions shared by validation, review, quiz and the Anki export. Like Anki, a deletion
ends at the first `}}`; math with `}}` inside a deletion must be written `} }`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.DOTALL)


@dataclass(frozen=True)
class Deletion:
    """One `{{cN::...}}` span of a cloze text."""

    number: int
    answer: str
    hint: str | None
    start: int
    end: int


def deletions(text: str) -> list[Deletion]:
    """All deletions of `text` in order of appearance."""
    found = []
    for match in CLOZE_RE.finditer(text):
        body = match.group(2)
        answer, sep, hint = body.partition("::")
        found.append(
            Deletion(
                number=int(match.group(1)),
                answer=answer,
                hint=hint if sep else None,
                start=match.start(),
                end=match.end(),
            )
        )
    return found


def numbers(text: str) -> list[int]:
    """The distinct deletion numbers of `text`, sorted: one review card per number."""
    return sorted({d.number for d in deletions(text)})


def render(text: str, number: int, *, reveal: bool, mark=None) -> str:
    """`text` with deletion `number` hidden as `[...]` (or `[hint]`), or revealed.

    Other deletions are shown as plain text. `mark(answer)` wraps a revealed answer (or the
    `[...]` gap) so a caller can highlight it; by default it is left as is.
    """
    mark = mark or (lambda s: s)
    out = []
    pos = 0
    for d in deletions(text):
        out.append(text[pos : d.start])
        if d.number != number:
            out.append(d.answer)
        elif reveal:
            out.append(mark(d.answer))
        else:
            out.append(mark(f"[{d.hint}]" if d.hint else "[...]"))
        pos = d.end
    out.append(text[pos:])
    return "".join(out)


def answers(text: str, number: int) -> list[str]:
    """The hidden answers of deletion `number`, in order (a number may appear several times)."""
    return [d.answer for d in deletions(text) if d.number == number]
