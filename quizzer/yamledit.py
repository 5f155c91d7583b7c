"""Writing into deck files without disturbing them: ids (`assign-ids`), outputs (`verify --fix`).

Edits are made on the text, at the positions the YAML parser reports, so comments, quoting,
key order and blank lines stay exactly as the author wrote them; only the edited values
change. Every edit is checked by loading the new text again before the file is replaced
(atomically), so a file is either edited as intended or left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml

from quizzer.errors import QuizzerError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Fields whose trailing newline does not matter (the model trims them): written as `|`.
TRIMMED_FIELDS = frozenset({"output"})


def render_scalar(value: str, indent: int, *, trimmed: bool = False) -> str:
    """`value` as YAML text for a key at column `indent`: plain when that reads back the
    same, a `|` block for several lines, else a double-quoted string. `trimmed`: the field
    ignores a trailing newline, so a block is written `|` rather than `|-`."""
    lines = value.split("\n")
    printable = all(ch.isprintable() or ch == "\t" for line in lines for ch in line)
    blockable = value.strip() and not any(line != line.rstrip() for line in lines)
    if len(lines) > 1 and printable and "\t" not in value and blockable:
        first = next(line for line in lines if line)
        indicator = "2" if first.startswith(" ") else ""  # else YAML takes its spaces as indent
        trailing = len(value) - len(value.rstrip("\n"))
        chomp = {0: "" if trimmed else "-", 1: ""}.get(trailing, "+")
        if value.endswith("\n"):
            lines = lines[:-1]
        pad = " " * (indent + 2)
        body = "\n".join(pad + line if line else "" for line in lines)
        return f"|{indicator}{chomp}\n{body}"
    if value and printable and "\t" not in value and _reads_back_plain(value):
        return value
    return _double_quoted(value)


def _double_quoted(value: str) -> str:
    """A YAML double-quoted string: readable text kept, everything YAML refuses escaped."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable() and ch != "\ufeff":
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _reads_back_plain(value: str) -> bool:
    try:
        return yaml.load(f"k: {value}\n", Loader=_Loader) == {"k": value}
    except yaml.YAMLError:
        return False


def edit_cards(text: str, edits: Mapping[int, Mapping[str, str]], *, where: str = "") -> str:
    """`text` with fields of cards set: `edits` maps a card's line (1-based, the line of its
    first key) to {field: value}. An existing field's value is replaced; a missing `id` is
    inserted as the card's first key, any other missing field after its last one."""
    newline = "\r\n" if "\r\n" in text else "\n"
    root = yaml.compose(text, Loader=_Loader)
    cards = _cards_node(root)
    starts = _line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[line] + column

    changes: list[tuple[int, int, str]] = []
    found: set[int] = set()
    for card in cards.value:
        line = card.start_mark.line + 1
        if line not in edits or not isinstance(card, yaml.MappingNode):
            continue
        found.add(line)
        if card.flow_style:
            raise QuizzerError(
                f"{where}:{line}: this card is written in flow style ({{...}}); write it as a "
                "block so quizzer can edit it"
            )
        indent = card.value[0][0].start_mark.column
        pairs = {k.value: (k, v) for k, v in card.value}
        for name, value in edits[line].items():
            rendered = render_scalar(value, indent, trimmed=name in TRIMMED_FIELDS)
            rendered = rendered.replace("\n", newline)
            if name in pairs:
                _, node = pairs[name]
                start = offset(node.start_mark.line, node.start_mark.column)
                end = _value_end(text, starts, node)
                lead = " " if start > 0 and text[start - 1] == ":" else ""
                changes.append((start, end, lead + rendered))
            elif name == "id":
                first = card.value[0][0].start_mark
                at = offset(first.line, first.column)
                changes.append((at, at, f"{name}: {rendered}{newline}{' ' * indent}"))
            else:
                at = _value_end(text, starts, card.value[-1][1], to_line_end=True)
                changes.append((at, at, f"{newline}{' ' * indent}{name}: {rendered}"))
    missing = set(edits) - found
    if missing:
        raise QuizzerError(f"{where}: no card starts at line {min(missing)}; the file changed?")
    for start, end, new in sorted(changes, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _cards_node(root: yaml.Node | None) -> yaml.SequenceNode:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "cards" and isinstance(value, yaml.SequenceNode):
                return value
    raise QuizzerError("the file has no list of cards to edit")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    starts.append(len(text) + 1)
    return starts


def _value_end(text: str, starts: list[int], node: yaml.Node, *, to_line_end: bool = False) -> int:
    """Where a value's text ends: after its last character, or (to insert a new key after
    it) at the end of its last line, past any comment there."""
    line, column = node.end_mark.line, node.end_mark.column
    block_scalar = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    if column == 0 and line > node.start_mark.line:
        # The parser stops at the start of the next token: step back over blank lines
        # (and, outside a block scalar, comment lines that belong to what follows).
        line -= 1
        while line > node.start_mark.line:
            content = text[starts[line] : starts[line + 1] - 1].strip()
            if content and (block_scalar or not content.startswith("#")):
                break
            line -= 1
        return starts[line + 1] - 1 - (text[starts[line + 1] - 2] == "\r")
    if to_line_end:
        end = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
        end = min(end, len(text))
        return end - (end > 0 and text[end - 1] == "\r")
    return starts[line] + column


def write_text_atomically(path: Path, text: str, *, bom: bool = False) -> None:
    """Replace `path` with `text` (UTF-8) so a crash leaves either the old or the new file."""
    data = ("\ufeff" if bom else "") + text
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def update_deck_file(path: Path, edits: Mapping[int, Mapping[str, str]]) -> None:
    """Apply `edits` (see `edit_cards`) to the deck file at `path`, after checking that the
    new text loads and holds exactly the intended values."""
    from quizzer.decks import load_file

    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    new_text = edit_cards(text, edits, where=str(path))
    before, _ = load_file(path, raw)
    after, problems = load_file(path, new_text.encode())
    errors = [p for p in problems if not p.warning]
    if before is None or after is None or errors or len(before.cards) != len(after.cards):
        raise QuizzerError(f"{path}: editing the file would break it; it was left as it was")
    for old, new in zip(before.cards, after.cards, strict=True):
        wanted = edits.get(old.line, {})
        old_fields = old.card.model_dump(exclude_none=True)
        new_fields = new.card.model_dump(exclude_none=True)
        for name, value in wanted.items():
            old_fields[name] = _normalised(old.card, name, value)
        if old_fields != new_fields:
            raise QuizzerError(
                f"{path}:{old.line}: the edit did not read back as intended; the file was "
                "left as it was"
            )
    write_text_atomically(path, new_text, bom=bom)


def _normalised(card: object, name: str, value: str) -> str:
    """The value a field holds once validated (outputs are stored trimmed)."""
    model = type(card)
    field = model.model_fields.get(name)  # type: ignore[attr-defined]
    if field is None:
        return value
    data = {**card.model_dump(exclude_none=True), name: value}  # type: ignore[attr-defined]
    return getattr(model.model_validate(data), name)
