"""The collection file: opening it safely, transactions, backups, and the queries.

Rules this module keeps:
- WAL, a busy timeout and `BEGIN IMMEDIATE` for writes, so the TUI and a CLI command can
  use one collection at once without "database is locked" reaching the learner.
- Foreign keys on; the review log is append-only (triggers refuse UPDATE and DELETE).
- A file is checked before anything is written to it: a foreign, damaged or newer file is
  refused with a sentence and left exactly as it was.
- Before a migration (quizzer.migrations, through sqlite-utils) the file is copied with
  SQLite's online backup API.
The queries live here; `importer.py` and `collection.py` hold the rules that use them, and
nothing above the service layer (CLI, TUI) sees SQL.
"""

from __future__ import annotations

import json
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizzer.errors import DatabaseError

APPLICATION_ID = 0x51555A5A  # "QUZZ": marks the file as a quizzer collection
BUSY_TIMEOUT_SECONDS = 10.0
BACKUPS_KEPT = 10
SQLITE_HEADER = b"SQLite format 3\x00"

SCHEMA_VERSION = 3  # the number of migrations in quizzer.migrations


def now_ms() -> int:
    """The current time in ms since the epoch (for rows written by maintenance commands)."""
    return int(time.time() * 1000)


def inspect_file(path: Path) -> str:
    """'new', 'empty' or 'collection'; raises DatabaseError for a file quizzer must not touch.

    Reads only the 100-byte SQLite header, so nothing is modified.
    """
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder; --db takes the path of a collection file")
    if not path.exists():
        return "new"
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise DatabaseError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if not header:
        return "empty"
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        raise DatabaseError(
            f"{path} is not a quizzer collection: it is not an SQLite database "
            "(damaged, or another kind of file); it was left as it is"
        )
    user_version = int.from_bytes(header[60:64], "big")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id != APPLICATION_ID:
        raise DatabaseError(
            f"{path} is an SQLite database of another program, not a quizzer collection; "
            "it was left as it is"
        )
    if user_version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer quizzer (schema {user_version}; this one knows "
            f"up to {SCHEMA_VERSION}); upgrade quizzer to open it"
        )
    return "collection"


def _is_read_only(path: Path) -> bool:
    # Checked by mode bits, not os.access: root may write anything, yet a file marked
    # read-only is the learner saying "do not change this".
    try:
        return not (path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    except OSError:
        return False


@dataclass(frozen=True)
class Backup:
    """A copy of the collection made before a risky step."""

    path: Path
    reason: str
    created: float


class Store:
    """An open collection file. Use `Store.open`; close it (or use `with`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, created: bool, read_only: bool):
        self.path = path
        self.conn = conn
        self.created = created
        self.read_only = read_only

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, backup_before_migrating: bool = True) -> Store:
        """Open (or create) the collection at `path`, migrating it if it is older."""
        path = Path(path).expanduser()
        state = inspect_file(path)
        read_only = state == "collection" and _is_read_only(path)
        if state == "new":
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the folder {path.parent}: {exc.strerror or exc}"
                ) from None
        if read_only:
            uri = f"file:{path.resolve()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            try:
                conn = sqlite3.connect(
                    path,
                    timeout=BUSY_TIMEOUT_SECONDS,
                    isolation_level=None,
                    check_same_thread=False,
                )
            except sqlite3.Error as exc:
                raise DatabaseError(f"cannot open {path}: {exc}") from None
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        store = cls(path, conn, created=state in ("new", "empty"), read_only=read_only)
        try:
            store._prepare(backup_before_migrating and state == "collection")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(describe_sqlite_error(path, exc)) from None
        except BaseException:
            conn.close()
            raise
        return store

    def _prepare(self, backup: bool) -> None:
        if self.created:
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.conn.execute("PRAGMA journal_mode = WAL")
        # Every committed answer survives a crash of the process; after a power loss the
        # WAL may lose the last commits, never the file's integrity.
        self.conn.execute("PRAGMA synchronous = NORMAL")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            if self.read_only:
                raise DatabaseError(
                    f"{self.path} needs an upgrade of its format, but the file is read-only"
                )
            if backup and version > 0:
                self.backup(f"before-migration-{version}-to-{SCHEMA_VERSION}")
            from quizzer.migrations import migrate  # sqlite-utils costs 0.1 s: only when needed

            migrate(self.conn)

    def close(self) -> None:
        """Close the file (checkpointing the WAL)."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE): all of it is stored, or none of it."""
        if self.read_only:
            raise DatabaseError(f"{self.path} is read-only; quizzer cannot save changes to it")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DatabaseError(describe_sqlite_error(self.path, exc)) from None
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of a query, each readable by column name and by position."""
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """The single value of a query (None when it returns no row)."""
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- backups -------------------------------------------------------------------------

    def backups_dir(self) -> Path:
        """Where copies of this collection are kept."""
        return self.path.parent / f"{self.path.name}.backups"

    def backup(self, reason: str) -> Backup:
        """Copy the collection (online backup API, consistent even while in use)."""
        folder = self.backups_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = folder / f"{stamp}-{reason}.db"
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{stamp}-{reason}-{n}.db"
        dest = sqlite3.connect(target)
        try:
            self.conn.backup(dest)
        finally:
            dest.close()
        for old in list_backups(self.path)[BACKUPS_KEPT:]:
            old.path.unlink(missing_ok=True)
        return Backup(target, reason, target.stat().st_mtime)

    # -- settings ------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """Every stored setting (defaults are applied by the caller)."""
        return dict(self.conn.execute("SELECT key, value FROM settings").fetchall())

    def set_setting(self, key: str, value: str) -> None:
        """Store one setting."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- decks, files, cards -------------------------------------------------------------

    def deck_ids(self) -> dict[str, int]:
        """Deck name -> id."""
        return {name: i for i, name in self.conn.execute("SELECT id, name FROM decks")}

    def ensure_deck(self, conn: sqlite3.Connection, name: str) -> int:
        """The id of deck `name`, created if needed (inside a write transaction)."""
        row = conn.execute("SELECT id FROM decks WHERE name = ?", (name,)).fetchone()
        if row:
            return row[0]
        return conn.execute("INSERT INTO decks(name) VALUES (?)", (name,)).lastrowid

    def file_hashes(self) -> dict[str, str]:
        """Imported file path -> sha256 of its bytes at import."""
        return dict(self.conn.execute("SELECT path, sha256 FROM files").fetchall())

    def cards_of_files(self, paths: Iterable[str]) -> list[sqlite3.Row]:
        """Cards (active or retired) that came from any of `paths`."""
        paths = list(paths)
        if not paths:
            return []
        marks = ",".join("?" * len(paths))
        return self.rows(f"SELECT * FROM cards WHERE path IN ({marks})", paths)

    def cards_by_ids(self, ids: Iterable[str]) -> dict[str, sqlite3.Row]:
        """Cards with the given ids, by id."""
        ids = list(ids)
        found: dict[str, sqlite3.Row] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.rows(f"SELECT * FROM cards WHERE id IN ({marks})", chunk):
                found[row["id"]] = row
        return found

    def active_card_places(self, excluding_paths: Iterable[str]) -> dict[str, str]:
        """id -> 'path:line' of active cards outside `excluding_paths` (for duplicate ids)."""
        excluded = set(excluding_paths)
        return {
            card_id: f"{path}:{line}"
            for card_id, path, line in self.conn.execute(
                "SELECT id, path, line FROM cards WHERE retired = 0"
            )
            if path not in excluded
        }

    def active_cards(self, deck_ids: Sequence[int] | None) -> list[sqlite3.Row]:
        """Active cards with their deck name, in the order they were added."""
        where, params = _deck_filter(deck_ids, "c.deck_id")
        return self.rows(
            "SELECT c.*, d.name AS deck, (SELECT min(position) FROM items i "
            "WHERE i.card_id = c.id) AS first_position FROM cards c "
            f"JOIN decks d ON d.id = c.deck_id WHERE c.retired = 0{where} "
            "ORDER BY d.name, first_position",
            params,
        )

    def next_position(self, conn: sqlite3.Connection) -> int:
        """The position after the last new-card position used."""
        return (conn.execute("SELECT max(position) FROM items").fetchone()[0] or 0) + 1

    def items_of_cards(self, card_ids: Iterable[str]) -> dict[str, dict[int, sqlite3.Row]]:
        """card id -> ord -> item row."""
        ids = list(card_ids)
        found: dict[str, dict[int, sqlite3.Row]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.rows(f"SELECT * FROM items WHERE card_id IN ({marks})", chunk):
                found.setdefault(row["card_id"], {})[row["ord"]] = row
        return found

    # -- review items --------------------------------------------------------------------

    def item(self, card_id: str, ord_: int) -> sqlite3.Row | None:
        """One review item joined with its card."""
        rows = self.rows(
            f"SELECT {_ITEM_COLUMNS} FROM items i JOIN cards c ON c.id = i.card_id "
            "JOIN decks d ON d.id = i.deck_id WHERE i.card_id = ? AND i.ord = ?",
            (card_id, ord_),
        )
        return rows[0] if rows else None

    def first_due(self, day: int, deck_ids: Sequence[int] | None) -> sqlite3.Row | None:
        """The due item that has waited longest (due day, then position)."""
        return self._first(
            "i.due IS NOT NULL AND i.due <= ? AND i.suspended = 0 AND i.retired = 0 "
            "AND i.ready = 1",
            [day],
            "i.due, i.position",
            deck_ids,
        )

    def first_new(self, day: int, deck_ids: Sequence[int] | None) -> sqlite3.Row | None:
        """The next new item in deck order (not one sent to today's drill)."""
        return self._first(
            "i.due IS NULL AND i.suspended = 0 AND i.retired = 0 AND i.ready = 1 "
            "AND (i.drill_day IS NULL OR i.drill_day != ?)",
            [day],
            "i.position",
            deck_ids,
        )

    def drill_items(self, day: int, deck_ids: Sequence[int] | None) -> list[sqlite3.Row]:
        """Items to drill again today that are not due anyway."""
        where, params = _deck_filter(deck_ids)
        return self.rows(
            f"SELECT {_ITEM_COLUMNS} FROM items i JOIN cards c ON c.id = i.card_id "
            "JOIN decks d ON d.id = i.deck_id "
            "WHERE i.drill_day = ? AND i.suspended = 0 AND i.retired = 0 AND i.ready = 1 "
            f"AND NOT (i.due IS NOT NULL AND i.due <= ?){where} ORDER BY i.position",
            [day, day, *params],
        )

    def _first(
        self,
        condition: str,
        params: list[Any],
        order: str,
        deck_ids: Sequence[int] | None,
    ) -> sqlite3.Row | None:
        where, deck_params = _deck_filter(deck_ids)
        rows = self.rows(
            f"SELECT {_ITEM_COLUMNS} FROM items i JOIN cards c ON c.id = i.card_id "
            f"JOIN decks d ON d.id = i.deck_id WHERE {condition}{where} "
            f"ORDER BY {order} LIMIT 1",
            [*params, *deck_params],
        )
        return rows[0] if rows else None

    def due_keys(self, day: int, deck_ids: Sequence[int] | None) -> list[tuple[str, int]]:
        """(card id, ord) of every due item, longest waiting first."""
        where, params = _deck_filter(deck_ids)
        return self.conn.execute(
            "SELECT i.card_id, i.ord FROM items i WHERE i.due IS NOT NULL AND i.due <= ? "
            f"AND i.suspended = 0 AND i.retired = 0 AND i.ready = 1{where} "
            "ORDER BY i.due, i.position",
            [day, *params],
        ).fetchall()

    def new_keys(
        self, day: int, deck_ids: Sequence[int] | None, limit: int
    ) -> list[tuple[str, int]]:
        """(card id, ord) of the next `limit` new items in deck order."""
        where, params = _deck_filter(deck_ids)
        return self.conn.execute(
            "SELECT i.card_id, i.ord FROM items i WHERE i.due IS NULL AND i.suspended = 0 "
            "AND i.retired = 0 AND i.ready = 1 AND (i.drill_day IS NULL OR i.drill_day != ?)"
            f"{where} ORDER BY i.position LIMIT ?",
            [day, *params, limit],
        ).fetchall()

    def count_due(self, day: int, deck_ids: Sequence[int] | None) -> int:
        """How many items are due on `day` (overdue included)."""
        where, params = _deck_filter(deck_ids)
        return self.one(
            "SELECT count(*) FROM items i WHERE i.due IS NOT NULL AND i.due <= ? "
            f"AND i.suspended = 0 AND i.retired = 0 AND i.ready = 1{where}",
            [day, *params],
        )

    def count_new(self, day: int, deck_ids: Sequence[int] | None, limit: int) -> int:
        """How many new items are available, counting at most `limit`."""
        where, params = _deck_filter(deck_ids)
        return self.one(
            "SELECT count(*) FROM (SELECT 1 FROM items i WHERE i.due IS NULL "
            "AND i.suspended = 0 AND i.retired = 0 AND i.ready = 1 "
            f"AND (i.drill_day IS NULL OR i.drill_day != ?){where} LIMIT ?)",
            [day, *params, limit],
        )

    def new_introduced(self, day: int, deck_ids: Sequence[int] | None) -> int:
        """How many new items were first reviewed on study day `day` (not undone)."""
        where, params = _deck_filter(deck_ids)
        return self.one(
            "SELECT count(*) FROM reviews r "
            "JOIN items i ON i.card_id = r.card_id AND i.ord = r.ord "
            "WHERE r.day = ? AND r.kind = 'review' AND r.due_before IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)"
            f"{where}",
            [day, *params],
        )

    def counts_by_deck(self, day: int) -> list[dict[str, Any]]:
        """Per deck: new, due, drill, suspended, unverified, total items (today).

        One query per number, new, due and drill each on its partial index: a single pass
        testing every condition on every item takes twice as long on a large collection,
        and these counts are what the app's first screen waits for.
        """
        names = {deck_id: name for name, deck_id in self.deck_ids().items()}
        counts: dict[int, dict[str, Any]] = {}
        for deck_id, total, suspended, unverified in self.conn.execute(
            "SELECT deck_id, count(*), sum(suspended), sum(ready = 0) FROM items "
            "WHERE retired = 0 GROUP BY deck_id"
        ):
            counts[deck_id] = {
                "deck": names[deck_id],
                "new": 0,
                "due": 0,
                "drill": 0,
                "suspended": suspended,
                "unverified": unverified,
                "total": total,
            }
        ready = "suspended = 0 AND retired = 0 AND ready = 1"
        for column, condition, params in (
            ("new", "due IS NULL AND (drill_day IS NULL OR drill_day != ?)", (day,)),
            ("due", "due IS NOT NULL AND due <= ?", (day,)),
            ("drill", "drill_day = ? AND NOT (due IS NOT NULL AND due <= ?)", (day, day)),
        ):
            for deck_id, n in self.conn.execute(
                f"SELECT deck_id, count(*) FROM items WHERE {condition} AND {ready} "
                "GROUP BY deck_id",
                params,
            ):
                counts[deck_id][column] = n
        return sorted(counts.values(), key=lambda row: row["deck"])

    def new_introduced_by_deck(self, day: int) -> dict[str, int]:
        """Per deck: new items first reviewed on study day `day`."""
        return dict(
            self.conn.execute(
                "SELECT d.name, count(*) FROM reviews r "
                "JOIN items i ON i.card_id = r.card_id AND i.ord = r.ord "
                "JOIN decks d ON d.id = i.deck_id "
                "WHERE r.day = ? AND r.kind = 'review' AND r.due_before IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id) "
                "GROUP BY d.name",
                (day,),
            ).fetchall()
        )

    def due_histogram(self, day: int, days: int, deck_ids: Sequence[int] | None) -> dict[int, int]:
        """Due day -> number of items, for items due before `day + days` (overdue included)."""
        where, params = _deck_filter(deck_ids)
        return dict(
            self.conn.execute(
                "SELECT max(i.due, ?) AS d, count(*) FROM items i "
                "WHERE i.due IS NOT NULL AND i.due < ? AND i.suspended = 0 AND i.retired = 0 "
                f"AND i.ready = 1{where} GROUP BY d",
                [day, day + days, *params],
            ).fetchall()
        )

    def next_due_day(self, after_day: int, deck_ids: Sequence[int] | None) -> int | None:
        """The first study day after `after_day` on which something is due."""
        where, params = _deck_filter(deck_ids)
        return self.one(
            "SELECT min(i.due) FROM items i WHERE i.due > ? AND i.suspended = 0 "
            f"AND i.retired = 0 AND i.ready = 1{where}",
            [after_day, *params],
        )

    # -- the review log ------------------------------------------------------------------

    def append_review(self, conn: sqlite3.Connection, row: dict[str, Any]) -> int:
        """Add one row to the review log; returns its id."""
        names = ",".join(row)
        marks = ",".join("?" * len(row))
        return conn.execute(
            f"INSERT INTO reviews({names}) VALUES ({marks})", list(row.values())
        ).lastrowid

    def set_item_state(
        self, conn: sqlite3.Connection, card_id: str, ord_: int, state: dict[str, Any]
    ) -> None:
        """Write an item's scheduling columns (ease ... drill_day) inside a transaction."""
        sets = ", ".join(f"{k} = ?" for k in state)
        cur = conn.execute(
            f"UPDATE items SET {sets} WHERE card_id = ? AND ord = ?",
            [*state.values(), card_id, ord_],
        )
        if cur.rowcount != 1:
            raise DatabaseError(f"card '{card_id}' is not in the collection")

    def last_undoable(self) -> sqlite3.Row | None:
        """The newest review or drill answer that has not been undone."""
        rows = self.rows(
            "SELECT * FROM reviews r WHERE r.kind IN ('review', 'drill') "
            "AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id) "
            "ORDER BY r.id DESC LIMIT 1"
        )
        return rows[0] if rows else None

    def effective_log(self) -> Iterator[sqlite3.Row]:
        """Every review, drill and requeue not undone, oldest first."""
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        yield from cur.execute(
            "SELECT r.id, r.card_id, r.ord, r.day, r.kind, r.grade, r.due_before FROM reviews r "
            "WHERE r.kind != 'undo' AND NOT EXISTS "
            "(SELECT 1 FROM reviews u WHERE u.undoes = r.id) ORDER BY r.id"
        )

    def item_events(self, card_id: str, ord_: int) -> list[sqlite3.Row]:
        """The review, drill and requeue rows of one item not undone, oldest first."""
        return self.rows(
            "SELECT r.id, r.card_id, r.ord, r.day, r.kind, r.grade FROM reviews r "
            "WHERE r.card_id = ? AND r.ord = ? AND r.kind != 'undo' AND NOT EXISTS "
            "(SELECT 1 FROM reviews u WHERE u.undoes = r.id) ORDER BY r.id",
            (card_id, ord_),
        )

    def all_item_states(self) -> dict[tuple[str, int], tuple[Any, ...]]:
        """(card id, ord) -> (ease, interval, repetitions, due, lapses, drill_day)."""
        return {
            (r[0], r[1]): tuple(r[2:])
            for r in self.conn.execute(
                "SELECT card_id, ord, ease, interval, repetitions, due, lapses, drill_day "
                "FROM items"
            )
        }

    def item_history(self, card_id: str) -> list[sqlite3.Row]:
        """The log of one card, oldest first, with undone rows marked."""
        return self.rows(
            "SELECT r.*, EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id) AS undone "
            "FROM reviews r WHERE r.card_id = ? ORDER BY r.id",
            (card_id,),
        )

    # -- code runs -----------------------------------------------------------------------

    def ok_run_for(self, card_id: str, code_hash: str, output: str | None) -> sqlite3.Row | None:
        """The newest successful verification of this exact code and output, if any."""
        if output is None:
            return None
        rows = self.rows(
            "SELECT * FROM runs WHERE card_id = ? AND code_hash = ? AND status = 'ok' "
            "AND output = ? ORDER BY id DESC LIMIT 1",
            (card_id, code_hash, output),
        )
        return rows[0] if rows else None

    def integrity_problems(self) -> list[str]:
        """`PRAGMA integrity_check` findings (empty when the file is sound)."""
        found = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found


_ITEM_COLUMNS = (
    "i.card_id, i.ord, i.ease, i.interval, i.repetitions, i.due, i.lapses, i.drill_day, "
    "i.suspended, i.position, c.kind, c.content, c.tags, c.source, c.path, c.line, "
    "c.verified_output, c.verified_torch, d.name AS deck"
)


def _deck_filter(
    deck_ids: Sequence[int] | None, column: str = "i.deck_id"
) -> tuple[str, list[int]]:
    """SQL (and its parameters) that keeps rows of the given decks; all rows for None."""
    if deck_ids is None:
        return "", []
    if not deck_ids:
        return " AND 0", []
    return f" AND {column} IN ({','.join('?' * len(deck_ids))})", list(deck_ids)


def list_backups(db_path: Path) -> list[Backup]:
    """Backups of the collection at `db_path`, newest first."""
    folder = db_path.parent / f"{db_path.name}.backups"
    if not folder.is_dir():
        return []
    found = []
    for p in folder.glob("*.db"):
        reason = p.stem.split("-", 2)[2] if p.stem.count("-") >= 2 else ""
        found.append(Backup(p, reason, p.stat().st_mtime))
    return sorted(found, key=lambda b: (b.created, b.path.name), reverse=True)


def restore_backup(db_path: Path, backup: Path) -> Backup | None:
    """Replace the collection with `backup` (the current file is backed up first)."""
    state = inspect_file(backup)
    if state != "collection":
        raise DatabaseError(f"{backup} is not a quizzer collection backup")
    saved = None
    if inspect_file(db_path) == "collection":
        with Store.open(db_path, backup_before_migrating=False) as current:
            saved = current.backup("before-restore")
    source = sqlite3.connect(f"file:{backup.resolve()}?mode=ro", uri=True)
    target = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return saved


def describe_sqlite_error(path: Path, exc: sqlite3.Error) -> str:
    """A sentence for an SQLite error met while using the collection at `path`."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (
            f"{path} stayed locked by another quizzer for {BUSY_TIMEOUT_SECONDS:.0f} s; "
            "try again when it has finished"
        )
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only; quizzer cannot save changes to it"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return (
            f"{path} is damaged ({text}); restore a backup with `quizzer restore` "
            "(the file was left as it is)"
        )
    return f"{path}: {text}"


def dumps(value: Any) -> str:
    """Compact JSON as stored in the collection (UTF-8, not ASCII-escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
