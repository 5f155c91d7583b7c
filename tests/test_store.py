"""The collection file: its settings, schema version, and files quizzer must not touch."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from quizzer.collection import Collection
from quizzer.errors import DatabaseError
from quizzer.store import APPLICATION_ID, SCHEMA_VERSION, Store, list_backups, restore_backup
from tests.helpers import NOW


def test_new_collection_uses_wal_and_foreign_keys(fresh_db: Path) -> None:
    with Store.open(fresh_db) as store:
        assert store.one("PRAGMA journal_mode") == "wal"
        assert store.one("PRAGMA foreign_keys") == 1
        assert store.one("PRAGMA busy_timeout") >= 5000
        assert store.one("PRAGMA application_id") == APPLICATION_ID
        assert store.one("PRAGMA user_version") == SCHEMA_VERSION


def test_migrations_are_recorded(fresh_db: Path) -> None:
    with Store.open(fresh_db) as store:
        names = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names == ["m001_initial", "m002_quizzes", "m003_count_index"]


def test_old_collection_is_backed_up_then_migrated(fresh_db: Path) -> None:
    from quizzer.migrations import migrations

    conn = sqlite3.connect(fresh_db)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    import sqlite_utils

    db = sqlite_utils.Database(fresh_db)
    migrations.apply(db, stop_before="m002_quizzes")
    db.close()
    with Store.open(fresh_db) as store:
        assert store.one("PRAGMA user_version") == SCHEMA_VERSION
        assert store.one("SELECT count(*) FROM quizzes") == 0
    backups = list_backups(fresh_db)
    assert [b.reason for b in backups] == [f"before-migration-1-to-{SCHEMA_VERSION}"]


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a folder"):
        Store.open(tmp_path)


def test_random_bytes_are_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    data = os.urandom(5000)
    path.write_bytes(data)
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        Store.open(path)
    assert path.read_bytes() == data


def test_truncated_collection_is_refused_and_left_alone(tmp_path: Path, basic_deck: Path) -> None:
    path = tmp_path / "c.db"
    with Collection.open(path, now=NOW, import_builtin=False) as col:
        col.import_paths([basic_deck], NOW)
    data = path.read_bytes()
    path.write_bytes(data[:50])
    with pytest.raises(DatabaseError):
        Store.open(path)
    assert path.read_bytes() == data[:50]


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="another program"):
        Store.open(path)
    assert path.read_bytes() == before


def test_newer_schema_is_refused(fresh_db: Path) -> None:
    Store.open(fresh_db).close()
    conn = sqlite3.connect(fresh_db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = fresh_db.read_bytes()
    with pytest.raises(DatabaseError, match="newer quizzer"):
        Store.open(fresh_db)
    assert fresh_db.read_bytes() == before


def test_read_only_collection_can_be_read_not_written(fresh_db: Path, basic_deck: Path) -> None:
    with Collection.open(fresh_db, now=NOW, import_builtin=False) as col:
        col.import_paths([basic_deck], NOW)
    fresh_db.chmod(0o444)
    before = fresh_db.read_bytes()
    with Collection.open(fresh_db) as col:
        assert len(col.queue(NOW)) == 3
        with pytest.raises(DatabaseError, match="read-only"):
            col.answer("slice-half-open", 0, 5, NOW)
    assert fresh_db.read_bytes() == before


def test_backup_and_restore(fresh_db: Path, basic_deck: Path) -> None:
    with Collection.open(fresh_db, now=NOW, import_builtin=False) as col:
        col.import_paths([basic_deck], NOW)
        backup = col.store.backup("manual")
        col.answer("slice-half-open", 0, 5, NOW)
    saved = restore_backup(fresh_db, backup.path)
    with Collection.open(fresh_db) as col:
        assert col.store.one("SELECT count(*) FROM reviews") == 0
    assert saved is not None
    with Store.open(saved.path) as store:
        assert store.one("SELECT count(*) FROM reviews") == 1


def test_integrity_check_of_healthy_file(fresh_db: Path) -> None:
    with Store.open(fresh_db) as store:
        assert store.integrity_problems() == []


def test_schema_version_counts_the_migrations() -> None:
    from quizzer.migrations import migrations

    assert len(migrations._migrations) == SCHEMA_VERSION
