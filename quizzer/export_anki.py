"""Export cards to an Anki package (.apkg) that updates in place when it is imported again.

One note type per card kind, each with a fixed model id, so Anki recognises its own note
type on every import. A note's GUID is `genanki.guid_for(card id)` and nothing else: an edited
card updates its note (and keeps its review history) instead of arriving as a second note.

Anki updates an existing note only when the package's note is newer than the one it holds.
So each note is stamped with the time its card last changed in quizzer, never the export
time: an unchanged re-export updates nothing, and edits made inside Anki survive it. The
stamp is never older than `FORMAT_CHANGED_AT`, the last time the way quizzer renders notes
(fields, templates, CSS) changed: a quizzer that renders differently updates every note
once, and a later re-export again touches only edited cards.

Fields are HTML made from Markdown (markdown-it-py): text is escaped, `$..$` becomes Anki's
MathJax `\\(..\\)` and `$$..$$` `\\[..\\]`, a `$` that is not math is left alone, and cloze
deletions `{{c1::...::hint}}` pass through intact. Code is highlighted by pygments with
inline styles, so it looks the same on every Anki client.
"""

from __future__ import annotations

import builtins
import hashlib
import itertools
import json
import keyword
import os
import re
import sqlite3
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import PythonLexer
from pygments.token import Token

from quizzer import cloze
from quizzer.errors import QuizzerError
from quizzer.models import CARD_KINDS, BasicCard, ChoiceCard, ClozeCard, CodeCard

if TYPE_CHECKING:
    from quizzer.collection import CardRecord

# The last time the rendering of notes (fields, templates, CSS) changed. Raise it to that
# moment whenever the rendering changes, so the next export updates every note once. It
# must never lie in the future: notes stamped later than an edit made in Anki would
# overwrite that edit.
FORMAT_CHANGED_AT = int(datetime(2026, 11, 26, tzinfo=UTC).timestamp())

# Fixed for the life of the project: Anki recognises a note type by its id.
MODEL_IDS = {
    "basic": 1_598_227_401,
    "cloze": 1_598_227_402,
    "choice": 1_598_227_403,
    "code": 1_598_227_404,
}

Progress = Callable[[int, int], None]

# -- rendering: Markdown, math, cloze ------------------------------------------------------

# Texts that need no Markdown parser: most card texts are a single line of words and math.
# Rendering them directly (escaped words, MathJax math) skips the parser, which matters for
# 10,000-card exports; a property test holds the shortcut equal to the full rendering.
# `_BLOCK` is anything that can make blocks or be trimmed; `_INLINE` is what Markdown reads
# inline outside math (a `{`, `:`, `}`, `|` or `~` is just text in CommonMark).
_BLOCK = re.compile(r"[\n\r\t\x00]|^[\s#>+=~\-]|^\d+[.)]|\s$")
_INLINE = re.compile(r"[\\`*_\[\]<&!]")


def _math_span(src: str, start: int, end: int) -> tuple[bool, str, int] | None:
    """The math starting at the `$` at `start`: (display?, its LaTeX, where it ends), or None.

    `$$...$$` is display math. For `$...$`, pandoc's rules: the opening `$` is followed by a
    non-space, the closing `$` follows a non-space and is not followed by a digit. So
    `$5 and $10` is no math. A `\\$` is no delimiter.
    """
    if src.startswith("$$", start):
        close = src.find("$$", start + 2, end)
        if close == -1 or not src[start + 2 : close].strip():
            return None
        return True, src[start + 2 : close], close + 2
    first = start + 1
    if first >= end or src[first].isspace():
        return None
    pos = first
    while True:
        close = src.find("$", pos, end)
        if close == -1:
            return None
        backslashes = close - len(src[:close].rstrip("\\"))
        followed_by_digit = close + 1 < end and src[close + 1].isdigit()
        if backslashes % 2 == 0 and not src[close - 1].isspace() and not followed_by_digit:
            return False, src[first:close], close + 1
        pos = close + 1


def _mathjax(display: bool, latex: str) -> str:
    return ("\\[" if display else "\\(") + escapeHtml(latex) + ("\\]" if display else "\\)")


def _math_rule(state: StateInline, silent: bool) -> bool:
    """markdown-it inline rule for `_math_span`. A `$` inside a code span never gets here:
    the backtick rule consumes the span first; `\\$` is the escape rule's literal dollar."""
    if state.src[state.pos] != "$":
        return False
    span = _math_span(state.src, state.pos, state.posMax)
    if span is None:
        return False
    display, latex, after = span
    if not silent:
        token = state.push("math", "", 0)
        token.content = latex
        token.meta = {"display": display}
    state.pos = after
    return True


def _markdown() -> MarkdownIt:
    # Plain CommonMark: cards use no extension (tables, strikethrough), and every rule costs
    # time on 10,000 cards. Raw HTML in a card is shown as text (`html` off): authors write
    # `<` and mean it. A line break in a card's YAML is meant as one (`breaks`).
    md = MarkdownIt("commonmark", {"html": False, "breaks": True})
    md.inline.ruler.before("escape", "math", _math_rule)
    md.add_render_rule(
        "math",
        lambda self, tokens, idx, options, env: _mathjax(
            tokens[idx].meta["display"], tokens[idx].content
        ),
    )
    return md


_MD = _markdown()


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """A card's Markdown text as HTML for an Anki field.

    Special characters are escaped and math becomes MathJax delimiters. Markdown has no
    syntax for `{`, `:` or `}`, so a cloze deletion `{{c1::...::hint}}` passes through as
    text while its contents are rendered like the rest (math in a deletion becomes MathJax
    too). A single paragraph comes out without `<p>` (no extra margins in a field);
    several blocks keep their tags.
    """
    if _BLOCK.search(text):
        return _render_full(text)
    out, pos = [], 0
    while (dollar := text.find("$", pos)) != -1:
        words = text[pos:dollar]
        span = _math_span(text, dollar, len(text))
        if span is None or _INLINE.search(words):
            return _render_full(text)
        out.append(escapeHtml(words))
        out.append(_mathjax(span[0], span[1]))
        pos = span[2]
    if _INLINE.search(text, pos):
        return _render_full(text)
    out.append(escapeHtml(text[pos:]))
    return "".join(out)


def _render_full(text: str) -> str:
    """`render_markdown` through the Markdown parser, without the shortcut."""
    tokens = _MD.parse(text)
    single = len(tokens) == 3 and tokens[0].type == "paragraph_open"
    if single and tokens[2].type == "paragraph_close":
        html = _MD.renderer.render(tokens[1].children or [], _MD.options, {})
    else:
        html = _MD.renderer.render(tokens, _MD.options, {}).rstrip("\n")
    return html


_PYGMENTS_PYTHON = PythonLexer()
_KEYWORD_TOKENS = {
    **dict.fromkeys(keyword.kwlist, Token.Keyword),
    **dict.fromkeys(["True", "False", "None"], Token.Keyword.Constant),
    **dict.fromkeys(["and", "or", "not", "in", "is"], Token.Operator.Word),
    **dict.fromkeys(["import", "from"], Token.Keyword.Namespace),
    **{
        name: Token.Name.Exception
        if isinstance(value, type) and issubclass(value, BaseException)
        else Token.Name.Builtin
        for name, value in vars(builtins).items()
        if not name.startswith("_") and name not in keyword.kwlist
    },
    **dict.fromkeys(["self", "cls"], Token.Name.Builtin.Pseudo),
}
_PYTHON_TOKEN = re.compile(
    r"""
     (?P<comment>\#[^\r\n]*)
    |(?P<string>(?i:[rbfu]{0,2})(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
                                  |'(?:\\.|[^'\\\r\n])*'|"(?:\\.|[^"\\\r\n])*"))
    |(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+
                |(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<space>\s+)
    |(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%@&|^~<>=!]=?|[()\[\]{},:;.])
    |(?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class _QuickPythonLexer(Lexer):
    """Python cut into pygments tokens by one regular expression.

    pygments' PythonLexer (a regex state machine) needs ~0.45 ms for a two-line snippet, and
    even the standard library's tokenizer ~0.15 ms: for the 3,500 code cards of a
    10,000-card export that is most of the 3 s budget. One `finditer` over an alternation
    takes ~0.03 ms. Highlighting needs no parse: the token types follow PythonLexer's for
    what snippets hold (keywords, builtins, functions, classes, imported modules,
    decorators, strings, numbers, comments, operators), so pygments' style colours them
    alike. Code with an f-string or an unterminated string is left to PythonLexer.
    """

    name = "Python (quick)"

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, Any, str]]:
        """(offset, token type, text) for every piece of `text`."""
        tokens = []
        previous, previous_type = "", Token.Text
        line_start, statement = True, ""
        for match in _PYTHON_TOKEN.finditer(text):
            group, value = match.lastgroup, match.group()
            if group == "space":
                tokens.append((match.start(), Token.Text, value))
                line_start = line_start or "\n" in value
                continue
            unterminated = group == "other" and value in "'\""
            fstring = group == "string" and "f" in value[: value.index(value[-1])].lower()
            if unterminated or fstring:
                # PythonLexer recovers from a broken string and colours inside f-strings
                yield from _PYGMENTS_PYTHON.get_tokens_unprocessed(text)
                return
            if line_start:
                statement = value
            if group == "name":
                kind = self._name(value, previous, previous_type, statement)
            elif group == "op":
                decorator = value == "@" and line_start
                kind = Token.Name.Decorator if decorator else _OTHER_TOKENS[group]
                kind = Token.Punctuation if value in "()[]{},:;" else kind
                if value == "." and previous_type is Token.Name.Namespace:
                    kind = Token.Name.Namespace  # `torch.nn.functional` is one module name
            elif group == "number":
                kind = _number_type(value)
            elif group == "string" and line_start and value.startswith(("'''", '"""')):
                kind = Token.String.Doc  # a triple-quoted string alone: a docstring
            elif group == "string":
                kind = Token.String.Double if '"' in value[:4] else Token.String.Single
            else:
                kind = _OTHER_TOKENS[group]
            tokens.append((match.start(), kind, value))
            previous, previous_type, line_start = value, kind, False
        yield from tokens

    @staticmethod
    def _name(value: str, previous: str, previous_type: Any, statement: str) -> Any:
        if keyword.iskeyword(value):
            return _KEYWORD_TOKENS[value]
        if previous in ("def", "class"):
            return Token.Name.Function if previous == "def" else Token.Name.Class
        if previous == "from" or (previous in ("import", "as") and statement == "import"):
            return Token.Name.Namespace
        if previous_type is Token.Name.Decorator:
            return Token.Name.Decorator
        if previous == ".":
            # a module path goes on (`torch.nn`); an attribute is no builtin (`x.max`)
            return Token.Name.Namespace if statement in ("import", "from") else Token.Name
        return _KEYWORD_TOKENS.get(value, Token.Name)


_OTHER_TOKENS = {
    "op": Token.Operator,
    "comment": Token.Comment.Single,
    "other": Token.Text,  # a character Python does not use, such as `$` or `?`
}


def _number_type(value: str) -> Any:
    lowered = value.lower()
    if lowered.startswith(("0x", "0o", "0b")):
        return Token.Number.Hex if lowered.startswith("0x") else Token.Number.Integer
    return Token.Number.Float if any(c in lowered for c in ".ej") else Token.Number.Integer


_LEXER = _QuickPythonLexer()
_FORMATTER = HtmlFormatter(noclasses=True, nobackground=True, cssclass="code")


def render_code(code: str) -> str:
    """Python code highlighted by pygments: `<div class="code"><pre>` with inline colours
    (every Anki client shows them; the night-mode CSS inverts the block)."""
    html = highlight(code.rstrip("\n"), _LEXER, _FORMATTER)
    return html.rstrip("\n").replace("\n</pre>", "</pre>")


def render_output(output: str) -> str:
    """What the code printed: escaped, in a monospace block."""
    return f'<pre class="output">{escapeHtml(output)}</pre>'


def render_source(url: str | None) -> str:
    """The source link (shown without `https://`), or an empty field."""
    if not url:
        return ""
    label = re.sub(r"^https?://", "", url)
    return f'<a href="{escapeHtml(url)}">{escapeHtml(label)}</a>'


def choice_letter(index: int) -> str:
    """A, B, ..., Z, then AA, AB, ... (a 27th choice is unlikely but must not break)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def render_choices(choices: Sequence[str], right: Sequence[str] | None = None) -> str:
    """The choices as a lettered list; with `right`, the right ones marked (for the back)."""
    marked = right is not None
    items = []
    for i, choice in enumerate(choices):
        is_right = marked and choice in (right or ())
        css = ' class="right"' if is_right else ' class="wrong"' if marked else ""
        mark = ' <span class="mark">✓</span>' if is_right else ""
        items.append(
            f'<li{css}><span class="letter">{choice_letter(i)}</span> '
            f"{render_markdown(choice)}{mark}</li>"
        )
    css = "choices marked" if marked else "choices"
    return f'<ol class="{css}">' + "".join(items) + "</ol>"


_TAG_BAD = re.compile(r'[\s"\x00-\x1f\x7f]+')


def anki_tags(tags: Sequence[str]) -> list[str]:
    """Tags Anki accepts: no spaces, quotes or control characters (each run becomes `_`),
    no empty `::` parts; duplicates that differ only in case dropped (Anki ignores case)."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        clean = _TAG_BAD.sub("_", tag.strip())
        parts = [p for p in clean.split("::") if p.strip(":")]
        clean = "::".join(p.strip(":") for p in parts)
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
    return out


@lru_cache(maxsize=1024)
def deck_id(name: str) -> int:
    """A deck id derived from the deck name alone, in genanki's recommended range."""
    digest = hashlib.sha256(f"quizzer deck {name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_mod(changed_at_ms: int) -> int:
    """The modification time (s) a note carries: when its card last changed in quizzer, but
    not before the current rendering of notes existed (see `FORMAT_CHANGED_AT`)."""
    return max(changed_at_ms // 1000, FORMAT_CHANGED_AT)


# -- note types ----------------------------------------------------------------------------

CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  font-size: 20px;
  line-height: 1.6;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
}
.quizzer { max-width: 40em; margin: 0 auto; }
code, pre {
  font-family: "JetBrains Mono", "Fira Code", "SFMono-Regular", Menlo, Consolas,
    "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Sarasa Mono SC", monospace;
  font-size: 0.85em;
}
pre code { font-size: 1em; }
:not(pre) > code {
  background: rgba(175, 184, 193, 0.25); padding: 0.1em 0.3em; border-radius: 4px;
}
.code pre, pre.output {
  padding: 0.6em 0.8em; border-radius: 6px; overflow-x: auto;
  white-space: pre; line-height: 1.45; text-align: left;
}
.code pre { background: #f6f8fa; }
pre.output { background: #f3f4f6; border-left: 3px solid #2da44e; }
.label { margin-top: 0.8em; font-size: 0.75em; color: #57606a; }
.cloze { font-weight: bold; color: #0969da; }
.extra { margin-top: 1em; color: #57606a; }
ol.choices { list-style: none; padding-left: 0; }
ol.choices li { margin: 0.3em 0; padding: 0.15em 0.5em; border-radius: 6px; }
.letter { display: inline-block; min-width: 1.6em; font-weight: bold; }
.marked .right { background: rgba(45, 164, 78, 0.18); font-weight: bold; }
.marked .wrong { opacity: 0.6; }
.mark { color: #2da44e; }
.source { margin-top: 1.5em; font-size: 0.65em; }
.source a { color: #57606a; }

/* Night mode: Anki desktop and AnkiMobile mark the card .nightMode, AnkiDroid .night_mode */
.card.nightMode, .card.night_mode { color: #e6edf3; background-color: #22272e; }
/* the code colours are inline styles: invert the block, then turn the hues back */
.nightMode .code pre, .night_mode .code pre { filter: invert(1) hue-rotate(180deg); }
.nightMode pre.output, .night_mode pre.output { background: #1c2128; color: #e6edf3; }
.nightMode .label, .night_mode .label,
.nightMode .source a, .night_mode .source a { color: #9da7b3; }
.nightMode .cloze, .night_mode .cloze { color: #6cb6ff; }
.nightMode .extra, .night_mode .extra { color: #adbac7; }
"""

_SOURCE = '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'


def _model(kind: str, fields: list[str], qfmt: str, afmt: str, **kwargs: Any) -> genanki.Model:
    return genanki.Model(
        MODEL_IDS[kind],
        f"quizzer {kind}",
        fields=[{"name": name} for name in fields],
        templates=[{"name": kind, "qfmt": qfmt, "afmt": afmt}],
        css=CSS,
        **kwargs,
    )


MODELS: dict[str, genanki.Model] = {
    "basic": _model(
        "basic",
        ["Front", "Back", "Source"],
        '<div class="quizzer"><div class="front">{{Front}}</div></div>',
        '<div class="quizzer"><div class="front">{{Front}}</div>\n<hr id="answer">\n'
        f'<div class="back">{{{{Back}}}}</div>{_SOURCE}</div>',
    ),
    "cloze": _model(
        "cloze",
        ["Text", "Extra", "Source"],
        '<div class="quizzer"><div class="text">{{cloze:Text}}</div></div>',
        '<div class="quizzer"><div class="text">{{cloze:Text}}</div>'
        f'{{{{#Extra}}}}<div class="extra">{{{{Extra}}}}</div>{{{{/Extra}}}}{_SOURCE}</div>',
        model_type=genanki.Model.CLOZE,
    ),
    "choice": _model(
        "choice",
        ["Prompt", "Choices", "Answer", "Source"],
        '<div class="quizzer"><div class="prompt">{{Prompt}}</div>{{Choices}}</div>',
        # The back shows the list once more with the right choices marked (the Answer field).
        '<div class="quizzer"><div class="prompt">{{Prompt}}</div>\n<hr id="answer">\n'
        f"{{{{Answer}}}}{_SOURCE}</div>",
    ),
    "code": _model(
        "code",
        ["Prompt", "Code", "Output", "Source"],
        '<div class="quizzer"><div class="prompt">{{Prompt}}</div>{{Code}}</div>',
        '<div class="quizzer"><div class="prompt">{{Prompt}}</div>{{Code}}\n<hr id="answer">\n'
        f'<div class="label">输出 (output)</div>{{{{Output}}}}{_SOURCE}</div>',
        sort_field_index=1,  # every code card may share the default prompt; sort by code
    ),
}


def note_fields(record: CardRecord) -> list[str] | None:
    """The fields of a card's note, in its note type's order (None for a code card without a
    verified output: it cannot be exported)."""
    card = record.card
    source = render_source(record.source)
    match card:
        case BasicCard():
            return [render_markdown(card.front), render_markdown(card.back), source]
        case ClozeCard():
            extra = render_markdown(card.extra) if card.extra else ""
            return [render_markdown(card.text), extra, source]
        case ChoiceCard():
            return [
                render_markdown(card.prompt),
                render_choices(card.choices),
                render_choices(card.choices, card.correct),
                source,
            ]
        case CodeCard():
            if record.verified_output is None:
                return None
            return [
                render_markdown(card.prompt),
                render_code(card.code),
                render_output(record.verified_output),
                source,
            ]
    raise TypeError(f"unknown card kind: {card!r}")


# -- the package ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: notes per kind, Anki cards, decks, left-out cards, file size."""

    path: Path
    notes: dict[str, int]
    cards: int
    decks: tuple[str, ...]
    unverified: tuple[str, ...] = field(default=())
    size_bytes: int = 0

    @property
    def total_notes(self) -> int:
        """All notes written."""
        return sum(self.notes.values())

    def line(self) -> str:
        """One line for the terminal: `wrote out.apkg: 120 notes (...), 208 cards, ...`."""
        kinds = ", ".join(f"{self.notes[k]} {k}" for k in CARD_KINDS if self.notes.get(k))
        decks = len(self.decks)
        return (
            f"wrote {self.path}: {self.total_notes} note{'s' * (self.total_notes != 1)} "
            f"({kinds}), {self.cards} Anki card{'s' * (self.cards != 1)}, "
            f"{decks} deck{'s' * (decks != 1)}, {_size(self.size_bytes)}"
        )

    def unverified_line(self) -> str | None:
        """Why code cards were left out, if any were."""
        n = len(self.unverified)
        if not n:
            return None
        return (
            f"left out {n} code card{'s' * (n != 1)} without a verified output (their answer "
            "is what the code prints, found by running it): run `quizzer verify`, then "
            "export again"
        )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@dataclass(frozen=True)
class _Note:
    """One note as it goes into the package."""

    kind: str
    deck: str
    guid: str
    mod: int
    tags: list[str]
    fields: list[str]
    ords: list[int]


def export_apkg(
    records: Sequence[CardRecord],
    out: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write `records` as an Anki package at `out` (replaced whole, never left half-written).

    `now` (aware) only seeds the ids of notes and cards new to Anki (Anki shows them as
    their creation time); what Anki updates is decided by each note's `note_mod`.
    `progress(done, total)` is called as notes are rendered. Raises QuizzerError when
    nothing can be exported or the file cannot be written.
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    out = Path(out)
    total = len(records)
    step = max(1, total // 100)
    notes: list[_Note] = []
    unverified: list[str] = []
    for i, record in enumerate(records, 1):
        fields = note_fields(record)
        if fields is None:
            unverified.append(record.id)
        else:
            card = record.card
            notes.append(
                _Note(
                    kind=card.type,
                    deck=record.deck,
                    guid=genanki.guid_for(record.id),
                    mod=note_mod(record.changed_at_ms),
                    tags=anki_tags(record.tags),
                    fields=fields,
                    ords=[n - 1 for n in cloze.numbers(card.text)] if card.type == "cloze" else [0],
                )
            )
        if progress and (i % step == 0 or i == total):
            progress(i, total)
    if not notes:
        if unverified:
            raise QuizzerError(
                f"nothing to export: the {len(unverified)} selected card"
                f"{'s are code cards' if len(unverified) != 1 else ' is a code card'} "
                "without a verified output; run `quizzer verify` first"
            )
        raise QuizzerError("nothing to export: no cards match the selected decks and tags")
    _write_package(notes, out, now)
    kinds = Counter(n.kind for n in notes)
    return ExportSummary(
        path=out,
        notes={k: kinds[k] for k in CARD_KINDS},
        cards=sum(len(n.ords) for n in notes),
        decks=tuple(dict.fromkeys(n.deck for n in notes)),
        unverified=tuple(unverified),
        size_bytes=out.stat().st_size,
    )


def _write_package(notes: list[_Note], out: Path, now: datetime) -> None:
    """Zip the collection of `notes` as `out`, through a temporary file renamed at the end."""
    if not out.parent.is_dir():
        raise QuizzerError(f"cannot write {out}: the folder {out.parent} does not exist")
    try:
        with tempfile.TemporaryDirectory(prefix="quizzer-apkg-") as tmp:
            db_path = Path(tmp) / "collection.anki2"
            conn = sqlite3.connect(db_path)
            try:
                conn.execute("PRAGMA synchronous = OFF")  # a scratch file: no fsync
                _fill_collection(conn.cursor(), notes, int(now.timestamp() * 1000))
                conn.commit()
            finally:
                conn.close()
            partial = out.with_name(f".{out.name}.partial")
            try:
                with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as z:
                    z.write(db_path, "collection.anki2")
                    z.writestr("media", "{}")
                os.replace(partial, out)
            finally:
                partial.unlink(missing_ok=True)
    except OSError as exc:
        raise QuizzerError(f"cannot write {out}: {exc.strerror or exc}") from None


def _fill_collection(cursor: sqlite3.Cursor, notes: list[_Note], first_id: int) -> None:
    """An Anki collection (the legacy `collection.anki2` every Anki imports) with `notes`.

    genanki's lower layer: its schema, collection row, deck and note type JSON, and the note
    and card rows its `Note.write_to_db` writes, with two differences. Each note carries its
    own modification time (genanki stamps all with one package time), and rows go in with
    `executemany` (genanki's note-by-note path took ~0.35 s of a 10,000-card export). Note
    types are dated FORMAT_CHANGED_AT, so Anki takes new templates and CSS only when they
    changed after the user's last import, and keeps the user's own changes otherwise.
    """
    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    names = list(dict.fromkeys(n.deck for n in notes))
    decks = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
    decks.update(
        {str(deck_id(name)): genanki.Deck(deck_id(name), name).to_json() for name in names}
    )
    kinds = dict.fromkeys(n.kind for n in notes)
    models = {
        str(MODEL_IDS[kind]): MODELS[kind].to_json(FORMAT_CHANGED_AT, deck_id(names[0]))
        for kind in kinds
    }
    cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks), json.dumps(models)))
    ids = itertools.count(first_id)
    note_rows, card_rows = [], []
    for position, note in enumerate(notes):
        model = MODELS[note.kind]
        nid = next(ids)
        note_rows.append(
            (
                nid,
                note.guid,
                model.model_id,
                note.mod,
                -1,  # usn
                " " + " ".join(note.tags) + " ",
                "\x1f".join(note.fields),
                note.fields[model.sort_field_index],
                0,  # csum: Anki computes it on import
                0,  # flags
                "",  # data
            )
        )
        did = deck_id(note.deck)
        for ord_ in note.ords:
            # new cards (type 0, queue 0), due in quizzer's order
            card_rows.append(
                (
                    next(ids),
                    nid,
                    did,
                    ord_,
                    note.mod,
                    -1,
                    0,
                    0,
                    position,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )
            )
    cursor.executemany(f"INSERT INTO notes VALUES ({','.join('?' * 11)})", note_rows)
    cursor.executemany(f"INSERT INTO cards VALUES ({','.join('?' * 18)})", card_rows)
