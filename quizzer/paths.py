"""Where things are on disk: the learner's collection and the built-in decks."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "QUIZZER_DB"
_PACKAGE = Path(__file__).resolve().parent


def builtin_decks_dir() -> Path:
    """The built-in decks: inside the installed wheel, or `decks/` of a checkout."""
    installed = _PACKAGE / "builtin_decks"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "decks"


def default_db_path() -> Path:
    """`$QUIZZER_DB` if set, else `collection.db` in the platform's user data folder."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("quizzer", appauthor=False) / "collection.db"
