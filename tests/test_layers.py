"""The layers of DESIGN.md, checked in fresh interpreters: the core never loads textual or
torch; the pure modules load nothing but the standard library and pydantic."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "quizzer.cli",
    "quizzer.collection",
    "quizzer.session",
    "quizzer.importer",
    "quizzer.decks",
    "quizzer.store",
    "quizzer.models",
    "quizzer.scheduler",
    "quizzer.reports",
    "quizzer.yamledit",
    "quizzer.runner",
]


def loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_core_does_not_import_textual_or_torch() -> None:
    loaded = top_level(loaded_after("\n".join(f"import {m}" for m in CORE)))
    assert "textual" not in loaded
    assert "torch" not in loaded


def test_status_command_path_does_not_import_textual_or_torch() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from quizzer.cli import main\n"
        "import tempfile, os\n"
        "d = tempfile.mkdtemp()\n"
        "r = CliRunner().invoke(main, ['--db', os.path.join(d, 'c.db'), 'status'])\n"
        "assert r.exit_code == 0, r.output\n"
    )
    loaded = top_level(loaded_after(code))
    assert "textual" not in loaded
    assert "torch" not in loaded


PYDANTIC = {
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "typing_inspection",
}


def test_pure_modules_load_only_stdlib_and_pydantic() -> None:
    at_startup = top_level(loaded_after(""))  # site hooks (.pth files) of this machine
    loaded = top_level(loaded_after("import quizzer.models, quizzer.scheduler, quizzer.cloze"))
    extra = {
        m
        for m in loaded - at_startup - set(sys.stdlib_module_names) - PYDANTIC - {"quizzer"}
        if not m.startswith("_")  # the interpreter's own private modules
    }
    assert extra == set()
