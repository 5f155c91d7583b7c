"""The schema of a collection, as sqlite-utils migrations: one function per version.

Applied by `Store.open` when a file is new or older than this program (after a backup).
Each migration sets `PRAGMA user_version`, which `Store.open` reads without loading this
module, so opening an up-to-date collection does not import sqlite-utils.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("quizzer")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Decks, cards, review items, the review log, code runs, files, settings."""
    db.executescript(
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE decks (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE files (
            path TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            deck TEXT NOT NULL,
            imported_at INTEGER NOT NULL
        );
        CREATE TABLE cards (
            id TEXT PRIMARY KEY,
            deck_id INTEGER NOT NULL REFERENCES decks(id),
            kind TEXT NOT NULL CHECK (kind IN ('basic', 'cloze', 'choice', 'code')),
            content TEXT NOT NULL,          -- the validated card as JSON
            content_hash TEXT NOT NULL,     -- of content, deck, tags and source
            tags TEXT NOT NULL,             -- JSON list, deck tags first
            source TEXT,
            path TEXT NOT NULL,             -- the YAML file it came from
            line INTEGER NOT NULL,
            code_hash TEXT,                 -- code cards: what a verified output belongs to
            verified_output TEXT,           -- code cards: NULL until `verify` confirms it
            verified_torch TEXT,
            retired INTEGER NOT NULL DEFAULT 0,  -- 1 once removed from its file
            added_at INTEGER NOT NULL,      -- ms since the epoch, UTC
            changed_at INTEGER NOT NULL     -- when its content last changed (Anki's note mtime)
        );
        CREATE INDEX cards_path ON cards(path);
        CREATE INDEX cards_deck ON cards(deck_id);
        -- One row per review item: a card, or one deletion number of a cloze card.
        CREATE TABLE items (
            card_id TEXT NOT NULL REFERENCES cards(id),
            ord INTEGER NOT NULL,
            deck_id INTEGER NOT NULL REFERENCES decks(id),
            position INTEGER NOT NULL,      -- order of new cards
            ease INTEGER NOT NULL DEFAULT 2500,   -- SM-2 EF in thousandths
            interval INTEGER NOT NULL DEFAULT 0,
            repetitions INTEGER NOT NULL DEFAULT 0,
            due INTEGER,                    -- study day number; NULL while new
            lapses INTEGER NOT NULL DEFAULT 0,
            drill_day INTEGER,              -- study day on which it is drilled again
            suspended INTEGER NOT NULL DEFAULT 0,
            retired INTEGER NOT NULL DEFAULT 0,   -- card retired or deletion removed
            ready INTEGER NOT NULL DEFAULT 1,     -- 0: code card without a verified output
            PRIMARY KEY (card_id, ord)
        );
        CREATE INDEX items_due ON items(due, position)
            WHERE due IS NOT NULL AND suspended = 0 AND retired = 0 AND ready = 1;
        CREATE INDEX items_new ON items(position)
            WHERE due IS NULL AND suspended = 0 AND retired = 0 AND ready = 1;
        CREATE INDEX items_drill ON items(drill_day) WHERE drill_day IS NOT NULL;
        CREATE INDEX items_deck ON items(deck_id);
        -- The review log: append-only. kind: review (SM-2 applied), drill (same-day repeat,
        -- SM-2 untouched), requeue (sent to today's drill), undo (cancels row `undoes`).
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL,
            ord INTEGER NOT NULL,
            at INTEGER NOT NULL,            -- ms since the epoch, UTC
            day INTEGER NOT NULL,           -- study day number
            kind TEXT NOT NULL CHECK (kind IN ('review', 'drill', 'requeue', 'undo')),
            grade INTEGER CHECK (grade BETWEEN 0 AND 5),
            ease_before INTEGER, interval_before INTEGER, repetitions_before INTEGER,
            due_before INTEGER, lapses_before INTEGER, drill_day_before INTEGER,
            ease_after INTEGER, interval_after INTEGER, repetitions_after INTEGER,
            due_after INTEGER, lapses_after INTEGER, drill_day_after INTEGER,
            answer TEXT,                    -- what the learner typed or chose
            duration_ms INTEGER,
            undoes INTEGER REFERENCES reviews(id),
            FOREIGN KEY (card_id, ord) REFERENCES items(card_id, ord)
        );
        CREATE INDEX reviews_item ON reviews(card_id, ord);
        CREATE INDEX reviews_day ON reviews(day);
        CREATE UNIQUE INDEX reviews_undoes ON reviews(undoes) WHERE undoes IS NOT NULL;
        CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
            BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
        CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
            BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
        -- Code card verification results.
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL REFERENCES cards(id),
            code_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            expected TEXT,
            output TEXT,
            stderr TEXT,
            detail TEXT,
            torch_version TEXT,
            environment TEXT,               -- JSON: torch, git hash, numpy, python, machine, cpu
            at INTEGER NOT NULL
        );
        CREATE INDEX runs_card ON runs(card_id, code_hash);
        """
    )
    db.execute("PRAGMA user_version = 1")


@migrations()
def m002_quizzes(db: sqlite_utils.Database) -> None:
    """Quiz results, kept apart from SM-2: a quiz never changes scheduling."""
    db.executescript(
        """
        CREATE TABLE quizzes (
            id INTEGER PRIMARY KEY,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            decks TEXT NOT NULL,            -- JSON list of the deck names asked for
            questions INTEGER NOT NULL,
            correct INTEGER NOT NULL
        );
        CREATE TABLE quiz_answers (
            quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
            seq INTEGER NOT NULL,
            card_id TEXT NOT NULL REFERENCES cards(id),
            ord INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            answer TEXT,
            duration_ms INTEGER,
            PRIMARY KEY (quiz_id, seq)
        );
        """
    )
    db.execute("PRAGMA user_version = 2")


@migrations()
def m003_count_index(db: sqlite_utils.Database) -> None:
    """A covering index for the per-deck totals every screen and `status` start with.

    `deck_id` leads: an index led by `retired` would tempt SQLite's planner away from the
    partial indexes of the study queue (the first card went from 1 ms to 50 ms).
    """
    db.execute("CREATE INDEX items_counts ON items(deck_id, retired, suspended, ready)")
    db.execute("PRAGMA user_version = 3")


def migrate(conn: sqlite3.Connection) -> None:
    """Apply every pending migration to the open collection."""
    migrations.apply(sqlite_utils.Database(conn))
