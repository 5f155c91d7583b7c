"""The built-in decks are found from a checkout and from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from quizzer.paths import builtin_decks_dir

ROOT = Path(__file__).resolve().parent.parent


def test_checkout_finds_the_decks_folder() -> None:
    assert builtin_decks_dir() == ROOT / "decks"
    assert len(list(builtin_decks_dir().glob("*.yaml"))) == 5


@pytest.mark.slow
def test_installed_wheel_carries_and_finds_the_decks(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("quizzer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "quizzer/builtin_decks/02_preliminaries.yaml" in names
    assert "quizzer/tui/quizzer.tcss" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    found = subprocess.run(
        [sys.executable, "-c", "import quizzer.paths as p; print(p.builtin_decks_dir())"],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert found == str(target / "quizzer" / "builtin_decks")
