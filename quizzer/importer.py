"""Importing deck files into a collection: what is new, changed, unchanged or gone.

Rules: a file whose bytes are unchanged since the last import is not even parsed; an import
with any error writes nothing; an edited card keeps its review state; a card removed from its
file (or a file removed from an imported folder) is retired: kept with its history, no longer
scheduled, and revived with that history if it comes back.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quizzer.decks import (
    LoadedCard,
    LoadedFile,
    duplicate_id_problems,
    find_deck_files,
    gc_paused,
    load_file,
)
from quizzer.errors import DeckError, Problem
from quizzer.models import CodeCard, review_ords
from quizzer.store import Store, dumps


@dataclass
class DeckChanges:
    """What an import did to one deck."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    @property
    def wrote(self) -> bool:
        """True when the import changed anything in this deck."""
        return bool(self.added or self.updated or self.retired)


@dataclass
class ImportReport:
    """The outcome of an import: per deck changes, warnings, and files skipped unchanged."""

    decks: dict[str, DeckChanges] = field(default_factory=lambda: defaultdict(DeckChanges))
    warnings: list[Problem] = field(default_factory=list)
    files_read: int = 0
    files_unchanged: int = 0
    files_removed: int = 0

    def total(self) -> DeckChanges:
        """The changes summed over all decks."""
        total = DeckChanges()
        for c in self.decks.values():
            total.added += c.added
            total.updated += c.updated
            total.unchanged += c.unchanged
            total.retired += c.retired
        return total


def content_hash(card: LoadedCard, content: str | None = None, tags: str | None = None) -> str:
    """A hash of everything a card shows or exports: its fields, deck, tags and source.

    `content` is the card's stored JSON and `tags` its tags as JSON (made here when not
    given). The id is left out: writing a generated id into the file changes nothing.
    """
    if content is None:
        content = card_json(card)
    if tags is None:
        tags = dumps(list(card.tags))
    if content.startswith('{"id":'):  # the id comes first; ids hold no comma or quote
        content = "{" + content.split(",", 1)[1]
    blob = "\0".join([content, card.deck, tags, card.source or ""])
    return hashlib.sha256(blob.encode()).hexdigest()


def card_json(card: LoadedCard) -> str:
    """The validated card as stored in the collection: compact JSON, text not escaped."""
    return card.card.model_dump_json(exclude_none=True)


def code_hash(code: str) -> str:
    """What a verified output belongs to: the exact code of a code card."""
    return hashlib.sha256(code.encode()).hexdigest()


def import_paths(store: Store, paths: Iterable[Path | str], now_ms: int) -> ImportReport:
    """Import deck files and folders into `store` in one transaction (or raise DeckError)."""
    with gc_paused():
        return _import_paths(store, [Path(p) for p in paths], now_ms)


def _import_paths(store: Store, paths: list[Path], now_ms: int) -> ImportReport:
    files = find_deck_files(paths)
    report = ImportReport()
    known_hashes = store.file_hashes()
    changed: list[LoadedFile] = []
    unchanged_paths: list[str] = []
    problems: list[Problem] = []
    for path in files:
        key = str(path.resolve())
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(path, None, f"cannot read the file: {exc.strerror or exc}"))
            continue
        if known_hashes.get(key) == hashlib.sha256(data).hexdigest():
            unchanged_paths.append(key)
            continue
        loaded, found = load_file(path, data)
        report.files_read += 1
        problems.extend(found)
        if loaded is not None:
            changed.append(loaded)
    removed = _removed_files(paths, known_hashes, {str(p.resolve()) for p in files})
    changed_keys = {str(f.path.resolve()) for f in changed} | set(removed)
    known_places = store.active_card_places(changed_keys)
    problems.extend(duplicate_id_problems([c for f in changed for c in f.cards], known_places))
    if any(not p.warning for p in problems):
        raise DeckError(problems)
    report.warnings = problems
    report.files_unchanged = len(unchanged_paths)
    report.files_removed = len(removed)
    for deck, count in _active_counts(store, unchanged_paths).items():
        report.decks[deck].unchanged += count
    if not changed and not removed:
        return report
    with store.write() as conn:
        writer = _Writer(store, conn, now_ms, report)
        for loaded in changed:
            writer.write_file(loaded, known_hashes.get(str(loaded.path.resolve())))
        for key in removed:
            writer.retire_file(key)
        writer.flush()
    return report


def _removed_files(paths: list[Path], known: dict[str, str], present: set[str]) -> list[str]:
    """Files once imported from one of the folders in `paths` that are gone from it now."""
    folders = [str(p.resolve()) + "/" for p in paths if p.is_dir()]
    return sorted(
        key
        for key in known
        if key not in present
        and any(key.startswith(folder) for folder in folders)
        and not Path(key).exists()
    )


def _active_counts(store: Store, paths: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(paths), 500):
        chunk = paths[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for deck, n in store.conn.execute(
            f"SELECT d.name, count(*) FROM cards c JOIN decks d ON d.id = c.deck_id "
            f"WHERE c.path IN ({marks}) AND c.retired = 0 GROUP BY d.name",
            chunk,
        ):
            counts[deck] += n
    return counts


class _Writer:
    """Applies loaded files inside one write transaction."""

    def __init__(self, store: Store, conn: sqlite3.Connection, now_ms: int, report: ImportReport):
        self.store = store
        self.conn = conn
        self.now = now_ms
        self.report = report
        self.deck_ids: dict[str, int] = {}
        self.position = store.next_position(conn)
        self.new_cards: list[tuple[object, ...]] = []
        self.new_items: list[tuple[object, ...]] = []

    def deck_id(self, name: str) -> int:
        if name not in self.deck_ids:
            self.deck_ids[name] = self.store.ensure_deck(self.conn, name)
        return self.deck_ids[name]

    def write_file(self, loaded: LoadedFile, old_hash: str | None) -> None:
        key = str(loaded.path.resolve())
        ids = [c.id for c in loaded.cards]
        existing = self.store.cards_by_ids(ids)
        for row in self.store.cards_of_files([key]):
            existing.setdefault(row["id"], row)
        items = self.store.items_of_cards(existing)
        present = set(ids)
        for card in loaded.cards:
            old = existing.get(card.id)
            if old is None:
                self.add(card, key)
            else:
                self.update(card, key, old, items.get(card.id, {}))
        for card_id, old in existing.items():
            if card_id not in present and old["path"] == key and not old["retired"]:
                self.retire(card_id, old["deck_id"])
        self.conn.execute(
            "INSERT INTO files(path, sha256, deck, imported_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, deck = excluded.deck, "
            "imported_at = excluded.imported_at",
            (key, loaded.sha256, loaded.deck, self.now),
        )

    def retire_file(self, key: str) -> None:
        for row in self.store.cards_of_files([key]):
            if not row["retired"]:
                self.retire(row["id"], row["deck_id"])
        self.conn.execute("DELETE FROM files WHERE path = ?", (key,))

    def _verified(self, card: LoadedCard) -> tuple[str | None, str | None, str | None]:
        """(code hash, verified output, torch version) of a code card, from earlier runs."""
        if not isinstance(card.card, CodeCard):
            return None, None, None
        digest = code_hash(card.card.code)
        run = self.store.ok_run_for(card.id, digest, card.card.output)
        if run is None:
            return digest, None, None
        return digest, run["output"], run["torch_version"]

    def add(self, card: LoadedCard, key: str) -> None:
        deck_id = self.deck_id(card.deck)
        # A card new to the collection has no verification runs (cards are never deleted).
        digest = code_hash(card.card.code) if isinstance(card.card, CodeCard) else None
        output = torch = None
        content = card_json(card)
        tags = dumps(list(card.tags))
        self.new_cards.append(
            (
                card.id,
                deck_id,
                card.card.type,
                content,
                content_hash(card, content, tags),
                tags,
                card.source,
                key,
                card.line,
                digest,
                output,
                torch,
                self.now,
                self.now,
            )
        )
        ready = int(card.card.type != "code" or output is not None)
        for ord_ in review_ords(card.card):
            self.add_item(card.id, ord_, deck_id, ready)
        self.report.decks[card.deck].added += 1

    def flush(self) -> None:
        """Insert the cards and items gathered by `add` (in bulk: imports are mostly adds)."""
        self.conn.executemany(
            "INSERT INTO cards(id, deck_id, kind, content, content_hash, tags, source, path, "
            "line, code_hash, verified_output, verified_torch, retired, added_at, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            self.new_cards,
        )
        self.conn.executemany(
            "INSERT INTO items(card_id, ord, deck_id, position, ready) VALUES (?, ?, ?, ?, ?)",
            self.new_items,
        )
        self.new_cards.clear()
        self.new_items.clear()

    def add_item(self, card_id: str, ord_: int, deck_id: int, ready: int) -> None:
        self.new_items.append((card_id, ord_, deck_id, self.position, ready))
        self.position += 1

    def update(
        self, card: LoadedCard, key: str, old: sqlite3.Row, items: dict[int, sqlite3.Row]
    ) -> None:
        content = card_json(card)
        tags = dumps(list(card.tags))
        digest = content_hash(card, content, tags)
        changed = digest != old["content_hash"]
        if not changed and not old["retired"] and old["path"] == key and old["line"] == card.line:
            self.report.decks[card.deck].unchanged += 1
            return
        deck_id = self.deck_id(card.deck)
        code, output, torch = self._verified(card)
        self.conn.execute(
            "UPDATE cards SET deck_id = ?, kind = ?, content = ?, content_hash = ?, tags = ?, "
            "source = ?, path = ?, line = ?, code_hash = ?, verified_output = ?, "
            "verified_torch = ?, retired = 0, changed_at = ? WHERE id = ?",
            (
                deck_id,
                card.card.type,
                content,
                digest,
                tags,
                card.source,
                key,
                card.line,
                code,
                output,
                torch,
                self.now if changed else old["changed_at"],
                card.id,
            ),
        )
        ready = int(card.card.type != "code" or output is not None)
        wanted = review_ords(card.card)
        for ord_ in wanted:
            if ord_ in items:
                self.conn.execute(
                    "UPDATE items SET deck_id = ?, retired = 0, ready = ? "
                    "WHERE card_id = ? AND ord = ?",
                    (deck_id, ready, card.id, ord_),
                )
            else:
                self.add_item(card.id, ord_, deck_id, ready)
        for ord_ in items:
            if ord_ not in wanted:
                self.conn.execute(
                    "UPDATE items SET retired = 1 WHERE card_id = ? AND ord = ?", (card.id, ord_)
                )
        if changed or old["retired"]:
            self.report.decks[card.deck].updated += 1
        else:
            self.report.decks[card.deck].unchanged += 1

    def retire(self, card_id: str, deck_id: int) -> None:
        self.conn.execute("UPDATE cards SET retired = 1 WHERE id = ?", (card_id,))
        self.conn.execute("UPDATE items SET retired = 1 WHERE card_id = ?", (card_id,))
        name = self.conn.execute("SELECT name FROM decks WHERE id = ?", (deck_id,)).fetchone()[0]
        self.report.decks[name].retired += 1
