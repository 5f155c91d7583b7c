"""The command line: help and version, exit codes, messages instead of tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizzer.cli import main
from tests.helpers import BASIC_DECK, dump

COMMANDS = [
    "check",
    "import",
    "assign-ids",
    "schema",
    "status",
    "suspend",
    "unsuspend",
    "rebuild",
    "config",
    "backups",
    "restore",
]
ROOT = Path(__file__).resolve().parent.parent


def run(db: Path, *args: str, builtin: bool = False) -> tuple[int, str]:
    flags = ["--db", str(db)] + ([] if builtin else ["--no-builtin"])
    result = CliRunner().invoke(main, [*flags, *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: main" in result.output or "Usage: quizzer" in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "quizzer, version" in result.output


def test_unknown_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["status", "--bogus"])
    assert result.exit_code == 2


def test_import_then_status(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(BASIC_DECK, encoding="utf-8")
    code, out = run(tmp_path / "c.db", "import", str(deck))
    assert code == 0
    assert "4 added, 0 updated, 0 unchanged, 0 retired" in out
    code, out = run(tmp_path / "c.db", "status")
    assert code == 0
    assert "02 预备知识" in out
    assert "today: 3 to study (0 due, 3 new, 0 to drill)" in out
    assert "1 code card waits for a verified output" in out


def test_reimport_says_unchanged(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(BASIC_DECK, encoding="utf-8")
    run(tmp_path / "c.db", "import", str(deck))
    _code, out = run(tmp_path / "c.db", "import", str(deck))
    assert (
        "0 added, 0 updated, 4 unchanged, 0 retired (0 files read, 1 unchanged and skipped)" in out
    )


def test_import_reports_retired(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(BASIC_DECK, encoding="utf-8")
    run(tmp_path / "c.db", "import", str(deck))
    deck.write_text(BASIC_DECK[: BASIC_DECK.index("  - id: norm-l2-of-3-4")], encoding="utf-8")
    _code, out = run(tmp_path / "c.db", "import", str(deck))
    assert "1 retired" in out
    assert "keep their review history but are no longer scheduled" in out


def test_check_writes_nothing_and_reports(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(BASIC_DECK, encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "check", str(deck)])
    assert result.exit_code == 0
    assert "1 file, 4 cards: no errors" in result.output
    assert not (tmp_path / "c.db").exists()


def test_check_fails_on_errors(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text("deck: x\ncards:\n  - id: a\n    type: basic\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(deck)])
    assert result.exit_code == 1
    assert f"{deck}:3: card 'a': 'front' is missing" in result.output


def test_missing_path_is_a_sentence(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "import", str(tmp_path / "nope"))
    assert code == 1
    assert "no such file or folder" in out


def test_schema_matches_the_shipped_file() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["properties"]) == {"deck", "tags", "source", "cards"}
    shipped = (ROOT / "data" / "deck.schema.json").read_text(encoding="utf-8")
    assert result.output == shipped, "run `quizzer schema -o data/deck.schema.json`"


def test_config_shows_and_sets(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "config")
    assert "new_per_day = 20" in out
    code, out = run(tmp_path / "c.db", "config", "new_per_day", "30")
    assert (code, out.strip()) == (0, "new_per_day = 30")
    code, out = run(tmp_path / "c.db", "config", "new_per_day")
    assert "new_per_day = 30" in out


def test_config_bad_key_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "config", "colour", "red")
    assert code == 2
    assert "no setting 'colour'" in out


def test_config_bad_value_changes_nothing(tmp_path: Path) -> None:
    run(tmp_path / "c.db", "config")
    before = dump(tmp_path / "c.db")
    code, out = run(tmp_path / "c.db", "config", "day_starts_at", "noon")
    assert code == 2
    assert "day_starts_at must be a whole number" in out
    assert dump(tmp_path / "c.db") == before


def test_suspend_unknown_card(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "suspend", "nope")
    assert code == 1
    assert "there is no card 'nope'" in out


def test_rebuild_reports_match(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "rebuild", "--check")
    assert code == 0
    assert "matches the review log" in out


def test_assign_ids_writes_generated_ids(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(
        "deck: x  # my deck\ncards:\n  # first\n  - type: basic\n    front: f\n    back: b\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["assign-ids", str(deck)])
    assert result.exit_code == 0
    text = deck.read_text(encoding="utf-8")
    assert "  # first\n  - id: basic-" in text
    assert "# my deck" in text
    again = CliRunner().invoke(main, ["assign-ids", str(deck)])
    assert "every card already has an id" in again.output


def test_new_collection_gets_builtin_decks(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "status", builtin=True)
    assert code == 0
    assert "d2l" in out
    assert "01 前言" in out


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("folder", None, "is a folder"),
        ("noise.db", b"\x00\x01garbage" * 100, "not an SQLite database"),
    ],
)
def test_unusable_db_in_a_real_process(tmp_path: Path, name: str, content, words: str) -> None:
    target = tmp_path / name
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "quizzer", "--db", str(target), "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 3
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
