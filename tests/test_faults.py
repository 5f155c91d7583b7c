"""Nothing lost, nothing hangs: crashes, concurrent use, damaged files, fuzzed decks.

Run alone with `pytest -m fault`.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzer.collection import Collection
from quizzer.decks import load_file
from quizzer.session import StudySession
from quizzer.store import SCHEMA_VERSION
from tests.helpers import BASIC_DECK, NOW

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parent.parent
DECKS = ROOT / "decks"

# A learner answering as fast as the machine allows; prints each review id once committed.
ANSWER_LOOP = textwrap.dedent(
    """
    import random, sys
    from datetime import timedelta
    from quizzer.collection import Collection
    from quizzer.session import StudySession
    from tests.helpers import NOW

    rng = random.Random(int(sys.argv[2]))
    with Collection.open(sys.argv[1]) as col:
        when = NOW + timedelta(days=int(sys.argv[3]))
        session = StudySession.start(col, when)
        item = session.next(when)  # loads the models: what follows is answering only
        print("ready", flush=True)
        while item is not None:
            answer = session.answer(item, rng.randrange(6), when)
            print(answer.review_id, flush=True)
            when += timedelta(seconds=1)
            item = session.next(when)
    print("done", flush=True)
    """
)


def many_cards(n: int, text: str = "answer", prefix: str = "f") -> str:
    cards = "".join(
        f"  - id: {prefix}{i}\n    type: basic\n    front: q{i}\n    back: {text} {i}\n"
        for i in range(n)
    )
    return f"deck: faults\ncards:\n{cards}"


def run_quizzer(db: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZZER_NOW": NOW.isoformat()}
    return subprocess.run(
        [sys.executable, "-m", "quizzer", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
        timeout=120,
    )


def test_kill_mid_answer_loses_nothing(tmp_path: Path) -> None:
    deck = tmp_path / "f.yaml"
    deck.write_text(many_cards(400), encoding="utf-8")
    db = tmp_path / "c.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        col.set_setting("new_per_day", "9999")
        col.import_paths([deck], NOW)
    rng = random.Random(2026)
    reported: set[int] = set()
    for kill in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", ANSWER_LOOP, str(db), str(kill), str(kill // 4)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        lines = child.stdout.read().split()
        reported.update(int(x) for x in lines if x.isdigit())
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        logged = {r[0] for r in conn.execute("SELECT id FROM reviews")}
        conn.close()
        assert reported <= logged, f"kill {kill}: committed answers missing"
        with Collection.open(db) as col:
            assert col.rebuild(apply=False).differences == []
    assert len(reported) > 20  # the kills landed while answers were being given
    later = NOW + timedelta(days=30)  # cards answered above are due again by then
    with Collection.open(db) as col:
        session = StudySession.start(col, later)
        item = session.next(later)
        assert item is not None
        session.answer(item, 5, later)
        assert col.rebuild(apply=False).differences == []


def test_review_import_and_export_at_once(tmp_path: Path) -> None:
    deck = tmp_path / "f.yaml"
    deck.write_text(many_cards(3000), encoding="utf-8")
    db = tmp_path / "c.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        col.set_setting("new_per_day", "9999")
        col.import_paths([deck], NOW)
    reviewer = subprocess.Popen(
        [sys.executable, "-c", ANSWER_LOOP, str(db), "1", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert reviewer.stdout is not None
    assert reviewer.stdout.readline().strip() == "ready"
    imports = []
    for round_ in range(3):
        deck.write_text(many_cards(3000, f"edited-{round_}"), encoding="utf-8")
        imports.append(run_quizzer(db, "import", str(deck)))
    export = run_quizzer(db, "export", "anki", str(tmp_path / "out.apkg"))
    time.sleep(0.2)
    reviewer.send_signal(signal.SIGTERM)
    out, err = reviewer.communicate(timeout=60)
    reported = {int(x) for x in out.split() if x.isdigit()}
    for result in [*imports, export]:
        assert result.returncode == 0, result.stderr
        assert "locked" not in result.stderr + result.stdout
    assert "locked" not in err
    assert "3000 updated" in imports[-1].stdout
    assert (tmp_path / "out.apkg").stat().st_size > 0
    with Collection.open(db) as col:
        logged = {r[0] for r in col.store.conn.execute("SELECT id FROM reviews")}
        assert reported <= logged
        assert len(reported) > 50
        assert col.item("f7").card.back == "edited-2 7"
        assert col.rebuild(apply=False).differences == []


def collection_file(tmp_path: Path) -> Path:
    deck = tmp_path / "d.yaml"
    deck.write_text(BASIC_DECK, encoding="utf-8")
    more = tmp_path / "more.yaml"
    more.write_text(many_cards(500), encoding="utf-8")  # so the file spans many pages
    db = tmp_path / "c.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        col.import_paths([deck, more], NOW)
        col.answer("slice-half-open", 0, 5, NOW)
    return db


def damaged(tmp_path: Path, kind: str) -> Path:
    if kind == "folder":
        path = tmp_path / "folder.db"
        path.mkdir()
        return path
    if kind == "random bytes":
        path = tmp_path / "noise.db"
        path.write_bytes(random.Random(1).randbytes(64 * 1024))
        return path
    db = collection_file(tmp_path)
    if kind == "truncated":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
    elif kind == "newer schema":
        conn = sqlite3.connect(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        conn.close()
    elif kind == "read-only":
        db.chmod(0o444)
    elif kind == "foreign":
        db.unlink()
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT)")
        conn.commit()
        conn.close()
    return db


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("truncated", "damaged"),
        ("random bytes", "not an SQLite database"),
        ("newer schema", "newer quizzer"),
        ("read-only", "read-only"),
        ("folder", "is a folder"),
        ("foreign", "another program"),
    ],
)
def test_damaged_or_foreign_file(tmp_path: Path, kind: str, words: str) -> None:
    path = damaged(tmp_path, kind)
    before = None if path.is_dir() else path.read_bytes()
    deck = tmp_path / "new.yaml"
    deck.write_text(many_cards(3, prefix="new"), encoding="utf-8")
    result = run_quizzer(path, "import", str(deck))
    assert result.returncode == 3, result.stdout + result.stderr
    assert words in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if before is not None:
        assert path.read_bytes() == before


def test_read_only_collection_still_shows_status(tmp_path: Path) -> None:
    db = damaged(tmp_path, "read-only")
    result = run_quizzer(db, "status")
    assert result.returncode == 0, result.stderr
    assert "02 预备知识" in result.stdout


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["deck", "cards", "type", "id", "front", "back", "text", "choices"])
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(yaml_values)
def test_fuzzed_documents_give_located_errors(tmp_path: Path, value: object) -> None:
    import yaml

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(value, allow_unicode=True), encoding="utf-8")
    check_loads_cleanly(path)


def check_loads_cleanly(path: Path) -> None:
    start = time.perf_counter()
    loaded, problems = load_file(path)
    assert time.perf_counter() - start < 2.0
    for problem in problems:
        assert problem.path == path
        assert problem.line is not None and problem.line >= 1, problem
        assert str(problem).startswith(f"{path}:{problem.line}: ")
    if loaded is None:
        assert any(not p.warning for p in problems)


BUILTIN_TEXTS = sorted(p.read_text(encoding="utf-8") for p in DECKS.glob("*.yaml"))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(min_value=0, max_value=max(0, len(BUILTIN_TEXTS) - 1)),
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1),
            st.sampled_from(["delete", "insert", "replace", "duplicate-line"]),
            st.sampled_from([*":-[]{}'\"\n\t &*!|>#%@`", "  ", "\ufeff", "\x00", "中"]),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_builtin_decks_give_located_errors(
    tmp_path: Path, index: int, mutations: list[tuple[float, str, str]]
) -> None:
    text = BUILTIN_TEXTS[index]
    for where, how, piece in mutations:
        at = int(where * len(text))
        if how == "delete":
            text = text[:at] + text[at + len(piece) :]
        elif how == "insert":
            text = text[:at] + piece + text[at:]
        elif how == "replace":
            text = text[:at] + piece + text[at + 1 :]
        else:
            lines = text.split("\n")
            n = int(where * (len(lines) - 1))
            text = "\n".join([*lines[: n + 1], lines[n], *lines[n + 1 :]])
    path = tmp_path / "mutant.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    check_loads_cleanly(path)


def test_migration_and_rebuild_make_backups_that_restore(tmp_path: Path) -> None:
    db = collection_file(tmp_path)
    with Collection.open(db) as col:
        col.store.conn.execute("UPDATE items SET ease = 1300 WHERE card_id = 'slice-half-open'")
        report = col.rebuild()
        assert report.backup is not None
    listing = run_quizzer(db, "backups", check=True).stdout
    assert "before-rebuild" in listing
    restored = run_quizzer(db, "restore", str(report.backup.path), "--yes", check=True)
    assert "restored" in restored.stdout
    with Collection.open(db) as col:
        assert col.store.one("SELECT ease FROM items WHERE card_id = 'slice-half-open'") == 1300
    assert "before-restore" in run_quizzer(db, "backups", check=True).stdout
