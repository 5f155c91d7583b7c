"""Deck files: YAML text -> validated cards, with every problem located at file:line.

Safety: the YAML is composed by libyaml's safe loader into nodes and converted here, so no
tag can construct a Python object (`!!python/...` is refused), aliases that expand beyond
reason (an "alias bomb") are refused before anything is expanded, and duplicate keys are
errors instead of silently keeping the last one. Every scalar is kept as the text the author
wrote (`back: 0.50` stays "0.50"), since every field of the format is text.
"""

from __future__ import annotations

import difflib
import gc
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from quizzer.errors import Problem, QuizzerError
from quizzer.models import CARD_KINDS, Card, DeckFile, card_kind_fields

DECK_SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 50 * 1024 * 1024
# Aliases may expand a document; refuse beyond this many values (or 10x the written ones).
MAX_EXPANDED_VALUES = 200_000

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_CARD_ADAPTER: TypeAdapter[Card] = TypeAdapter(Card)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# Deck files nest four deep (file, cards, card, tags); libyaml's composer recurses in C and
# crashes the process on tens of thousands of levels, so deeper files are refused first.
MAX_DEPTH = 100
_BRACKET = re.compile(r"[\[\]{}]")
_STR, _SEQ, _MAP = _YAML + "str", _YAML + "seq", _YAML + "map"
_DEFAULT_TAGS = {yaml.ScalarNode: _STR, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}


class _Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """libyaml's parser with no implicit typing of scalars: every field of the format is
    text, so `0.50` stays "0.50", and no time is spent guessing types."""

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return _DEFAULT_TAGS[kind]

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        """No path resolvers: nothing to track while descending (called for every node)."""

    def ascend_resolver(self) -> None:
        """No path resolvers: nothing to track while ascending."""


# For a rule that spans fields (a cloze without deletions), the line to point at.
_RULE_FIELD = {"cloze": ("text",), "choice": ("answer", "answers", "choices")}


@dataclass(slots=True)
class LoadedCard:
    """A validated card with what it inherits from its file and where it was written."""

    card: Card
    id: str
    deck: str
    tags: tuple[str, ...]
    source: str | None
    path: Path
    line: int
    id_generated: bool = False


@dataclass(frozen=True)
class LoadedFile:
    """One valid deck file."""

    path: Path
    sha256: str
    deck: str
    cards: list[LoadedCard]


@dataclass
class LoadResult:
    """What loading a set of files found: the valid files and every problem."""

    files: list[LoadedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop an import."""
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth saying that do not stop an import."""
        return [p for p in self.problems if p.warning]

    @property
    def cards(self) -> list[LoadedCard]:
        """Every card of every valid file, in file order."""
        return [c for f in self.files for c in f.cards]


def find_deck_files(paths: Iterable[Path | str]) -> list[Path]:
    """The deck files named by `paths`: files as given, folders searched for *.yaml / *.yml.

    Hidden folders (such as `.git`) are skipped. A path that does not exist is an error.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix in DECK_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise QuizzerError(f"{path}: no such file or folder")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing makes ~12 objects per card and no cycles,
    and collections triggered by them scan the whole heap again and again (0.3 s of a
    10,000-card import). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generated_id(kind: str, deck: str, card: BaseModel) -> str:
    """A deterministic id for a card written without one: its kind and a hash of its content.

    The hash covers the deck and every field but tags and source, so editing the text gives
    a new id (and the card starts over): `quizzer assign-ids` writes ids into the file.
    """
    content = card.model_dump(exclude={"id", "tags", "source"}, exclude_none=True)
    blob = json.dumps([deck, content], sort_keys=True, ensure_ascii=False)
    return f"{kind}-{hashlib.sha1(blob.encode()).hexdigest()[:10]}"


def load(paths: Iterable[Path | str]) -> LoadResult:
    """Load and validate deck files (folders are searched); ids must be unique across them."""
    result = LoadResult()
    for path in find_deck_files(paths):
        loaded, problems = load_file(path)
        result.problems.extend(problems)
        if loaded is not None:
            result.files.append(loaded)
    result.problems.extend(duplicate_id_problems(result.cards))
    return result


def duplicate_id_problems(
    cards: Iterable[LoadedCard], known: Mapping[str, str] | None = None
) -> list[Problem]:
    """Errors for ids used twice across files (or already used by `known`: id -> 'file:line')."""
    seen: dict[str, str] = dict(known or {})
    problems = []
    for card in cards:
        where = f"{card.path}:{card.line}"
        if card.id in seen and seen[card.id] != where:
            problems.append(
                Problem(
                    card.path,
                    card.line,
                    f"id '{card.id}' is already used at {seen[card.id]}; ids must be "
                    "unique across the collection",
                    card_id=card.id,
                    field="id",
                )
            )
        else:
            seen.setdefault(card.id, where)
    return problems


def load_file(path: Path, data: bytes | None = None) -> tuple[LoadedFile | None, list[Problem]]:
    """Load one deck file. Returns the file (None if it has errors) and all its problems."""
    try:
        if data is None:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                return None, [
                    Problem(
                        path, None, f"file is {size // 2**20} MB; deck files over 50 MB are refused"
                    )
                ]
            data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(path, None, f"cannot read the file: {exc.strerror or exc}")]
    return _FileLoader(path, data).load()


class _FileLoader:
    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.data = data
        self.problems: list[Problem] = []

    def error(self, line: int | None, message: str, **kw: object) -> None:
        self.problems.append(Problem(self.path, line, message, **kw))  # type: ignore[arg-type]

    def load(self) -> tuple[LoadedFile | None, list[Problem]]:
        try:
            with gc_paused():
                return self._load()
        except RecursionError:  # lists in lists in lists ... thousands deep
            self.problems.append(Problem(self.path, 1, "the file nests too deeply"))
            return None, self.problems

    def _load(self) -> tuple[LoadedFile | None, list[Problem]]:
        root = self._compose()
        if root is None:
            return None, self.problems
        header, card_nodes = self._split_root(root)
        deck = self._validate_header(header)
        cards = self._cards(card_nodes, deck) if card_nodes is not None else []
        if any(not p.warning for p in self.problems) or deck is None:
            return None, self.problems
        sha = hashlib.sha256(self.data).hexdigest()
        return LoadedFile(self.path, sha, deck.deck, cards), self.problems

    # -- text to nodes -------------------------------------------------------------------

    def _compose(self) -> yaml.Node | None:
        try:
            text = self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.data[: exc.start].count(b"\n") + 1
            self.error(
                line,
                f"file is not UTF-8 text (byte 0x{self.data[exc.start]:02x} at offset "
                f"{exc.start}); save it as UTF-8",
            )
            return None
        too_deep = _too_deep(text)
        if too_deep is not None:
            self.error(too_deep, f"the file nests more than {MAX_DEPTH} levels deep")
            return None
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = _yaml_message(exc)
            if mark is not None:
                lines = text.split("\n")
                line_text = lines[mark.line] if mark.line < len(lines) else ""
                if "\t" in line_text[: mark.column + 1]:
                    message += "; indent with spaces, not tabs"
            self.error(mark.line + 1 if mark else None, message)
            return None
        except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
            position = getattr(exc, "position", None) or 0
            character = getattr(exc, "character", None)
            if isinstance(character, str):
                character = ord(character)
            what = (
                f"the control character U+{character:04X} is not allowed in YAML"
                if isinstance(character, int)
                else f"YAML cannot read this file ({getattr(exc, 'reason', exc)})"
            )
            self.error(text[:position].count("\n") + 1, what)
            return None
        if root is None:
            self.error(1, "file is empty; a deck file needs 'deck' and 'cards'")
            return None
        if not isinstance(root, yaml.MappingNode):
            what = "a list" if isinstance(root, yaml.SequenceNode) else "plain text"
            self.error(
                _line(root),
                f"the top level is {what}; a deck file is a mapping with 'deck:' and 'cards:'",
            )
            return None
        if "&" in text and not self._size_ok(root):  # without anchors there are no aliases
            return None
        return root

    def _size_ok(self, root: yaml.Node) -> bool:
        """Refuse alias bombs and self-referencing aliases before expanding anything."""
        sizes: dict[int, int] = {}
        active: set[int] = set()

        def size(node: yaml.Node) -> int:
            key = id(node)
            if key in sizes:
                return sizes[key]
            if key in active:
                raise _Cycle(node)
            active.add(key)
            total = 1
            if isinstance(node, yaml.SequenceNode):
                total += sum(size(child) for child in node.value)
            elif isinstance(node, yaml.MappingNode):
                total += sum(size(k) + size(v) for k, v in node.value)
            active.discard(key)
            sizes[key] = total
            return total

        try:
            expanded = size(root)
        except _Cycle as cycle:
            self.error(_line(cycle.node), "an alias refers to its own anchor (a loop)")
            return False
        except RecursionError:
            self.error(_line(root), "the file nests too deeply")
            return False
        if expanded > max(MAX_EXPANDED_VALUES, 10 * len(sizes)):
            first_anchor = next(
                (n for n, line in enumerate(self.data.splitlines(), 1) if b"&" in line), 1
            )
            self.error(
                first_anchor,
                f"aliases in this file expand to {expanded:,} values from {len(sizes):,} "
                "written ones (an 'alias bomb'); deck files do not need such aliases",
            )
            return False
        return True

    # -- nodes to plain values -----------------------------------------------------------

    def _pairs(self, node: yaml.MappingNode) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """The (key, key node, value node) pairs of a mapping, merges applied, keys checked."""
        pairs: list[tuple[str, yaml.Node, yaml.Node]] = []
        keys: set[str] = set()
        merged: list[tuple[str, yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                self.error(_line(key_node), "a key must be a plain word, not a list or mapping")
                continue
            key = key_node.value
            if key == "<<" and not key_node.style:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        merged.extend(self._pairs(source))
                    else:
                        self.error(_line(source), "'<<' merges only mappings")
                continue
            if key in keys:
                first = next(_line(k) for name, k, _ in pairs if name == key)
                self.error(
                    _line(key_node),
                    f"'{key}' appears twice in one mapping (first at line {first})",
                    field=key,
                )
                continue
            keys.add(key)
            pairs.append((key, key_node, value_node))
        if merged:
            pairs += [p for p in merged if p[0] not in keys]
        return pairs

    def _value(self, node: yaml.Node) -> object:
        tag = node.tag
        if tag == _STR and type(node) is yaml.ScalarNode:  # nearly every value: fast path
            return None if not node.style and node.value in _NULLS else node.value
        if tag.startswith(_YAML + "python/") or tag.startswith("!"):
            raise _Refused(
                node,
                f"the tag {_short_tag(tag)} is refused: deck files hold plain text, "
                "lists and mappings only",
            )
        if isinstance(node, yaml.ScalarNode):
            if tag not in _SCALAR_TAGS:
                raise _Refused(node, f"the tag {_short_tag(tag)} is not allowed here")
            return node.value  # an explicit !!int, !!bool...: still the text written
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ:
                raise _Refused(node, f"the tag {_short_tag(tag)} is not allowed here")
            return [self._value(child) for child in node.value]
        if tag != _MAP:
            raise _Refused(node, f"the tag {_short_tag(tag)} is not allowed here")
        return {key: self._value(value) for key, _, value in self._pairs(node)}

    def _mapping(
        self, pairs: list[tuple[str, yaml.Node, yaml.Node]]
    ) -> tuple[dict[str, object], dict[str, yaml.Node]]:
        """Plain values of a mapping's pairs and, per key, the node of its value and (as
        `key:key`) of its key, for lines."""
        return self._values(pairs), _nodes(pairs)

    def _values(self, pairs: list[tuple[str, yaml.Node, yaml.Node]]) -> dict[str, object]:
        """Plain values of a mapping's pairs; a refused value is reported and left out."""
        values: dict[str, object] = {}
        for key, _, node in pairs:
            if node.tag == _STR and type(node) is yaml.ScalarNode:  # most fields: inline
                text = node.value
                values[key] = None if not node.style and text in _NULLS else text
                continue
            try:
                values[key] = self._value(node)
            except _Refused as refused:
                self.error(_line(refused.node), refused.message, field=key)
        return values

    # -- the deck header -----------------------------------------------------------------

    def _split_root(
        self, root: yaml.MappingNode
    ) -> tuple[tuple[dict[str, object], dict[str, yaml.Node]], list[yaml.Node] | None]:
        pairs = self._pairs(root)
        values, nodes = self._mapping([p for p in pairs if p[0] != "cards"])
        cards = [(kn, vn) for k, kn, vn in pairs if k == "cards"]
        if not cards:
            self.error(
                _line(root),
                "'cards' is missing: list the cards under 'cards:', each starting with '- '",
                field="cards",
            )
            return (values, nodes), None
        key_node, cards_node = cards[-1]
        if isinstance(cards_node, yaml.MappingNode):
            self.error(
                _line(cards_node),
                "'cards' is a mapping; write it as a list, each card starting with '- '",
                field="cards",
            )
            return (values, nodes), None
        if isinstance(cards_node, yaml.ScalarNode):
            if not cards_node.style and cards_node.value in _NULLS:
                self.problems.append(
                    Problem(self.path, _line(key_node), "the deck has no cards", warning=True)
                )
                return (values, nodes), []
            self.error(
                _line(cards_node),
                "'cards' is text; write it as a list, each card starting with '- '",
                field="cards",
            )
            return (values, nodes), None
        if cards_node.tag != _YAML + "seq":
            self.error(_line(cards_node), f"the tag {_short_tag(cards_node.tag)} is not allowed")
            return (values, nodes), None
        if not cards_node.value:
            self.problems.append(
                Problem(self.path, _line(key_node), "the deck has no cards", warning=True)
            )
        return (values, nodes), list(cards_node.value)

    def _validate_header(
        self, header: tuple[dict[str, object], dict[str, yaml.Node]]
    ) -> DeckFile | None:
        values, nodes = header
        try:
            return DeckFile.model_validate({**values, "cards": []})
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else None
                line = _field_line(nodes, err["loc"]) or 1
                allowed = [f for f in DeckFile.model_fields if f != "cards"] + ["cards"]
                self.error(line, _explain(err, err["loc"], allowed), field=name)
            return None

    # -- the cards -----------------------------------------------------------------------

    def _cards(self, card_nodes: list[yaml.Node], deck: DeckFile | None) -> list[LoadedCard]:
        cards: list[LoadedCard] = []
        first_line: dict[str, int] = {}
        for index, node in enumerate(card_nodes, start=1):
            line = _line(node)
            if not isinstance(node, yaml.MappingNode):
                what = "a list" if isinstance(node, yaml.SequenceNode) else "plain text"
                self.error(
                    line,
                    f"card #{index} is {what}; a card is a mapping with 'type:' and its fields",
                )
                continue
            before = len(self.problems)
            pairs = self._pairs(node)
            values = self._values(pairs)
            raw_id = values.get("id")
            label = {"card_id": raw_id} if isinstance(raw_id, str) else {"card_index": index}
            if len(self.problems) > before:
                self.problems[before:] = [
                    Problem(p.path, p.line, p.message, field=p.field, **label)  # type: ignore[arg-type]
                    for p in self.problems[before:]
                ]
                continue
            if isinstance(raw_id, str) and raw_id in first_line:
                self.error(
                    line,
                    f"id '{raw_id}' is used twice in this file (first at line "
                    f"{first_line[raw_id]})",
                    card_id=raw_id,
                    field="id",
                )
                continue
            if isinstance(raw_id, str):
                first_line[raw_id] = line
            try:
                card = _CARD_ADAPTER.validate_python(values)
            except ValidationError as exc:
                kind = values.get("type")
                nodes = _nodes(pairs)
                for err in exc.errors():
                    loc = _strip_tag(err["loc"], kind)
                    if not loc and err["type"] == "value_error":
                        # A rule over several fields: point at the field it is mostly about.
                        loc = next(((f,) for f in _RULE_FIELD.get(kind, ()) if f in values), ())
                        message = f"{kind} card: {_explain(err, (), [])}"
                    else:
                        message = _explain(err, loc, card_kind_fields(kind))
                    self.error(
                        _field_line(nodes, loc) or line,
                        message,
                        field=str(loc[0]) if loc else None,
                        **label,
                    )
                continue
            if deck is None:
                continue
            card_id = card.id
            if card_id is None:
                card_id = generated_id(card.type, deck.deck, card)
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        f"card #{index} has no id; it is called '{card_id}' for now, and editing "
                        "its text will change that and start it afresh (`quizzer assign-ids` "
                        "writes ids into the file)",
                        warning=True,
                    )
                )
            if card.id is None:
                if card_id in first_line:
                    self.error(
                        line,
                        f"card #{index} has the same content as the card at line "
                        f"{first_line[card_id]}",
                        card_index=index,
                    )
                    continue
                first_line[card_id] = line
            cards.append(
                LoadedCard(
                    card=card,
                    id=card_id,
                    deck=deck.deck,
                    tags=tuple(dict.fromkeys([*deck.tags, *card.tags])),
                    source=card.source or deck.source,
                    path=self.path,
                    line=line,
                    id_generated=card.id is None,
                )
            )
        return cards


class _Refused(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        self.message = message


class _Cycle(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _too_deep(text: str) -> int | None:
    """The line where `text` nests deeper than MAX_DEPTH, if it does.

    A cheap scan first (bracket balance, line length: deep nesting needs many brackets or a
    very long line); only a suspicious file is walked through libyaml's event stream, which
    is iterative and safe at any depth.
    """
    depth = peak = 0
    if text.count("[") + text.count("{") > MAX_DEPTH:
        for ch in _BRACKET.findall(text):
            if ch in "[{":
                depth += 1
                if depth > peak:
                    peak = depth
            else:
                depth -= 1
    longest = max(map(len, text.splitlines()), default=0)
    if peak <= MAX_DEPTH and longest <= 2 * MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or "") and exc.problem_mark is not None:
            return exc.problem_mark.line + 1  # libyaml >= 0.2.5 stops at its own limit
        return None  # composing reports the syntax error with its line
    except yaml.YAMLError:
        return None
    return None


def _nodes(pairs: list[tuple[str, yaml.Node, yaml.Node]]) -> dict[str, yaml.Node]:
    """Per key, the node of its value and (as `key:key`) of its key: where errors point."""
    nodes: dict[str, yaml.Node] = {}
    for key, key_node, value_node in pairs:
        nodes[key] = value_node
        nodes.setdefault(f"{key}:key", key_node)
    return nodes


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "unreadable YAML"
    if "nesting depth" in problem:  # libyaml >= 0.2.5 stops at its own limit
        return f"the file nests more than {MAX_DEPTH} levels deep"
    if "expected a single document" in f"{problem} {exc.context}":
        return "a deck file holds one YAML document; remove the extra '---'"
    message = f"YAML syntax error: {problem}"
    if exc.context:
        message += f" ({exc.context})"
    return message


def _strip_tag(loc: tuple[int | str, ...], kind: object) -> tuple[int | str, ...]:
    """Drop the discriminator value pydantic puts first in a union member's error location."""
    if loc and isinstance(kind, str) and loc[0] == kind:
        return loc[1:]
    return loc


def _field_line(nodes: Mapping[str, yaml.Node], loc: tuple[int | str, ...]) -> int | None:
    if not loc:
        return None
    name = str(loc[0])
    node = nodes.get(name)
    if node is None:
        key = nodes.get(f"{name}:key")
        return _line(key) if key is not None else None
    if (
        len(loc) > 1
        and isinstance(loc[1], int)
        and isinstance(node, yaml.SequenceNode)
        and 0 <= loc[1] < len(node.value)
    ):
        return _line(node.value[loc[1]])
    if name in nodes and f"{name}:key" in nodes:
        return _line(nodes[f"{name}:key"])
    return _line(node)


def _explain(err: dict, loc: tuple[int | str, ...], allowed: list[str]) -> str:  # type: ignore[type-arg]
    """One pydantic error in plain words; `loc` is where it is, without the card kind."""
    loc = tuple(part for part in loc if not isinstance(part, int))
    name = str(loc[-1]) if loc else None
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return f"'{name}' is missing"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(name), allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(allowed)}"
        return f"unknown field '{name}'{suggestion}"
    if kind == "union_tag_not_found":
        return f"'type' is missing; it must be one of {', '.join(CARD_KINDS)}"
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", value)
        return f"type '{tag}' is unknown; it must be one of {', '.join(CARD_KINDS)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "a card must be a mapping with 'type:' and its fields"
    if kind == "string_type":
        what = (
            "a list"
            if isinstance(value, list)
            else "a mapping"
            if isinstance(value, dict)
            else "empty"
        )
        return f"'{name}' must be text, not {what}"
    if kind == "list_type":
        return f"'{name}' must be a list, like [a, b]"
    if kind == "too_short" and name == "choices":
        return "a choice card needs at least two 'choices'"
    if kind == "string_pattern_mismatch" and name == "id":
        return (
            f"id {value!r} may use only letters, digits, '-', '_' and '.', "
            "and starts with a letter or digit"
        )
    if kind == "string_pattern_mismatch" and name == "tags":
        return f"tag {value!r} has a space; tags cannot (Anki's rule)"
    if kind == "string_too_long":
        return f"'{name}' is too long (at most {err.get('ctx', {}).get('max_length')} characters)"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "value_error" and name and name != "type":
        return f"{name} {message}" if message.startswith("is ") else f"'{name}': {message}"
    return message
