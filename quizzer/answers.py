"""Checking a learner's answer: pure functions of text, standard library only.

Code output (`check_code_output`) is compared token by token, so what torch lays out for the
screen does not matter while what it says does:

- Whitespace, including line breaks, only separates tokens: `tensor([[5, 6], [9, 10]])`
  equals torch's padded two-line repr `tensor([[ 5,  6],\\n        [ 9, 10]])`. It still
  separates: `a b` is not `ab`. (So runs of spaces inside a printed string do not count.)
- Numbers compare by value within their kind. A float is a number with a point or an
  exponent; an integer has neither. `5.` = `5.0` = `5.0000`, `-0.` = `0.`, `1e-3` = `0.001`,
  compared exactly (decimal, no rounding): `0.3333` is not `0.33333`. An integer never equals
  a float: torch prints integer tensors without a point, so `tensor(5)` (int64) and
  `tensor(5.)` (float32) are different answers, as are Python's `2` and `2.0`. A minus sign
  directly before a number belongs to it unless it follows something that ends a value (a
  number, a word, a closing bracket or quote): `[-1.,` holds -1., while `x-1` and `3 - 1`
  subtract.
- Everything else (`True`, `torch.Size([2, 3])`, `dtype=torch.float64`, `nan`, an error
  message) must match exactly, apart from whitespace. Full-width ASCII forms that a Chinese
  input method types (`，` `（` `５`) count as their ASCII letters.

Cloze answers (`check_cloze`) are lenient about case, surrounding and repeated spaces and
full-width vs half-width forms (Unicode NFKC). Choices (`check_choice`) compare as sets.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

QUICK_SECONDS = 10.0  # answered right within this many seconds: proposed grade 5, else 4


@dataclass(frozen=True)
class Verdict:
    """Whether an answer is right, and if not a short sentence naming the first difference."""

    correct: bool
    explanation: str = ""


@dataclass(frozen=True)
class _Token:
    text: str
    kind: str  # "int", "float", "word", "mark"
    line: int  # 1-based line of the text it came from
    start: int  # offset in that text
    value: Decimal | None = None

    @property
    def is_number(self) -> bool:
        return self.kind in ("int", "float")

    def same(self, other: _Token) -> bool:
        if self.is_number or other.is_number:
            return self.kind == other.kind and self.value == other.value
        return self.text == other.text


_SCANNER = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<mark>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# after these a minus sign starts a negative number rather than a subtraction
_VALUE_ENDS = frozenset(")]}'\"")

# full-width ASCII (U+FF01-FF5E) and the ideographic space, as an input method types them
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line = 1
    pending_minus: _Token | None = None
    for match in _SCANNER.finditer(text):
        kind, piece = match.lastgroup, match.group()
        if kind == "space":
            line += piece.count("\n")
            if pending_minus is not None:
                tokens.append(pending_minus)  # a minus followed by a space is an operator
                pending_minus = None
            continue
        if kind == "number":
            is_float = any(c in piece for c in ".eE")
            number = piece
            start = match.start()
            if pending_minus is not None:
                number, start = "-" + piece, pending_minus.start
                pending_minus = None
            try:
                value = Decimal(number)
            except InvalidOperation:  # the pattern only matches decimals: a safeguard
                value = None
            tokens.append(_Token(number, "float" if is_float else "int", line, start, value))
            continue
        if pending_minus is not None:
            tokens.append(pending_minus)
            pending_minus = None
        if piece == "-" and not _ends_value(tokens):
            pending_minus = _Token("-", "mark", line, match.start())
            continue
        tokens.append(_Token(piece, "word" if kind == "word" else "mark", line, match.start()))
    if pending_minus is not None:
        tokens.append(pending_minus)
    return tokens


def _ends_value(tokens: list[_Token]) -> bool:
    """Whether the last token can end a value, so that a following `-` subtracts."""
    if not tokens:
        return False
    last = tokens[-1]
    return last.is_number or last.kind == "word" or last.text in _VALUE_ENDS


def _normalise_width(text: str) -> str:
    return text.translate(_HALF_WIDTH)


def _line_of(text: str, token: _Token) -> str:
    """The whole line the token is on, stripped."""
    return text.split("\n")[token.line - 1].strip()


def _rest_of_line(text: str, token: _Token) -> str:
    """The token and what follows it on its line."""
    return text[token.start :].split("\n", 1)[0].strip()


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def check_code_output(typed: str, expected: str) -> Verdict:
    """Check a predicted output against the real one (see the module docstring for the rules).

    The explanation names the first difference, e.g. "line 2: the value 3. differs from 2."
    or "expected 'tensor([1., 2.])', got 'tensor([1., 3.])'".
    """
    # both sides: a printed full-width character must match itself typed either way
    typed, expected = _normalise_width(typed), _normalise_width(expected)
    want, got = _tokens(expected), _tokens(typed)
    for index in range(max(len(want), len(got))):
        w = want[index] if index < len(want) else None
        g = got[index] if index < len(got) else None
        if w is not None and g is not None and w.same(g):
            continue
        multiline = "\n" in expected.strip()
        return Verdict(False, _explain(typed, expected, w, g, multiline=multiline))
    return Verdict(True, "")


def _explain(
    typed: str, expected: str, w: _Token | None, g: _Token | None, *, multiline: bool
) -> str:
    if w is None and g is None:  # pragma: no cover - the caller only asks about a difference
        return ""
    if w is None:
        assert g is not None
        if not expected.strip():
            return f"the code prints nothing, but the answer has {_clip(typed.strip())!r}"
        return f"the answer goes on after the output ends: {_clip(_rest_of_line(typed, g))!r}"
    where = f"line {w.line}: " if multiline else ""
    if g is None:
        if not typed.strip():
            return f"{where}expected {_clip(_line_of(expected, w))!r}, got nothing"
        rest = _rest_of_line(expected, w)
        return f"{where}the answer stops early, before {_clip(rest)!r}"
    wanted, typed_line = _line_of(expected, w), _line_of(typed, g)
    sentence = f"{where}expected {_clip(wanted)!r}, got {_clip(typed_line)!r}"
    if w.is_number and g.is_number:
        if w.kind == g.kind:
            return f"{sentence}: the value {g.text} differs from {w.text}"
        if w.kind == "float":
            return f"{sentence}: {g.text} is an integer, the output has the float {w.text}"
        return f"{sentence}: {g.text} is a float, the output has the integer {w.text}"
    return sentence


def check_choice(chosen: Iterable[str], correct: Iterable[str]) -> Verdict:
    """Check the choices picked against the right ones (as sets; surrounding spaces ignored)."""
    picked = list(dict.fromkeys(c.strip() for c in chosen))
    right = list(dict.fromkeys(c.strip() for c in correct))
    if set(picked) == set(right):
        return Verdict(True, "")
    wrong = [c for c in picked if c not in right]
    missed = [c for c in right if c not in picked]
    if not picked:
        return Verdict(False, f"nothing chosen; the answer is {_listing(right)}")
    parts = []
    if wrong:
        parts.append(f"{_listing(wrong)} {'is' if len(wrong) == 1 else 'are'} not right")
    if missed:
        parts.append(f"{'also ' if not wrong else 'the answer is '}{_listing(missed)}")
    return Verdict(False, "; ".join(parts))


def _listing(items: list[str]) -> str:
    return ", ".join(repr(item) for item in items)


def _cloze_form(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_cloze(typed: str, expected: str) -> Verdict:
    """Check a cloze answer, ignoring case, surrounding and repeated spaces, and width (NFKC)."""
    if _cloze_form(typed) == _cloze_form(expected):
        return Verdict(True, "")
    if not typed.strip():
        return Verdict(False, f"expected {expected.strip()!r}, got nothing")
    return Verdict(False, f"expected {expected.strip()!r}, got {typed.strip()!r}")


def output_diff(expected: str, actual: str) -> str:
    """A unified diff from the expected output to the actual one ("" when they are equal)."""
    lines = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), "expected", "actual", lineterm=""
    )
    return "\n".join(lines)


def propose_grade(correct: bool, seconds: float, quick_seconds: float = QUICK_SECONDS) -> int:
    """The SM-2 grade to propose: right and quick 5, right 4, wrong 1 (DESIGN.md "Reviewing")."""
    if not correct:
        return 1
    return 5 if seconds <= quick_seconds else 4
