"""The app factory and the app: one collection, an injected clock, screens pushed on demand.

`create_app` is what the CLI and the tests use. The clock is injected so that Pilot tests run
at fixed times (the service layer never reads the clock). Screens other than the first are
imported when first shown, which keeps start-up under the benchmark's budget.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.actions import parse as parse_action
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from quizzer.collection import Collection
from quizzer.errors import QuizzerError
from quizzer.tui import local_now, run_app
from quizzer.tui.prefetch import Prefetch

if TYPE_CHECKING:
    from quizzer.mathtext import TextStyles
    from quizzer.quiz import Quiz

Clock = Callable[[], datetime]
START_SCREENS = ("decks", "review", "quiz")


@dataclass
class Mode:
    """How the app was started: the first screen, and whether it exits when that ends."""

    start: str = "decks"
    deck: str | None = None
    questions: int = 20

    @property
    def exits_when_done(self) -> bool:
        """`quizzer review` and `quizzer quiz` return to the shell when the session ends."""
        return self.start != "decks"


class QuizzerApp(App[list[str]]):
    """Review and quiz in the terminal. Use `create_app` to build one."""

    CSS_PATH = "quizzer.tcss"
    TITLE = "quizzer"
    BINDINGS = [  # noqa: RUF012 - Textual's class-level declaration
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("f1", "help", "help", show=False),
    ]

    def __init__(
        self,
        col: Collection,
        *,
        mode: Mode,
        clock: Clock = local_now,
        quiz: Quiz | None = None,
        prefetch: Prefetch | None = None,
    ) -> None:
        super().__init__()
        self.col = col
        self.mode = mode
        self.clock = clock
        self._first_quiz = quiz
        self.prefetch = prefetch
        """Deck counts read while the app started (used once, by the first Decks screen)."""
        self.run_editor: Callable[[Path, int], int] = self._run_editor
        """Runs `$EDITOR +LINE FILE` with the app suspended; tests replace it."""
        self.result_lines: list[str] = []

    # -- time and looks ----------------------------------------------------------------------

    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.clock()

    @property
    def dark(self) -> bool:
        """True under a dark theme."""
        return self.current_theme.dark

    def text_styles(self) -> TextStyles:
        """Styles for card text that read well under the current theme."""
        from quizzer.mathtext import TextStyles

        return TextStyles(
            code=f"bold {self.color('secondary', 'cyan')}",
            mark=f"bold underline {self.color('accent', 'magenta')}",
            link="underline",
            heading="bold underline",
            code_theme=self.code_theme(),
            code_background=self.color("surface", "default"),
        )

    def code_theme(self) -> str:
        """The Pygments style for code under the current theme."""
        return "monokai" if self.dark else "friendly"

    def color(self, name: str, default: str) -> str:
        """A theme color (`success`, `error`, `accent`, `text-muted`...) as `#rrggbb` for a
        Rich style; `text-muted` is the foreground faded toward the background."""
        from textual.color import Color, ColorParseError

        variables = self.theme_variables
        try:
            if name == "text-muted":
                foreground = Color.parse(variables["foreground"])
                return foreground.blend(Color.parse(variables["background"]), 0.4).hex
            return Color.parse(variables[name]).hex
        except (KeyError, ColorParseError):
            return default

    # -- screens -----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """The first screen: Decks (a review or a quiz is pushed over a blank one on mount,
        so that it can be replaced by its summary like any other screen)."""
        if self.mode.start != "decks":
            return Screen(id="_default")
        from quizzer.tui.screens.decks import DecksScreen

        return DecksScreen()

    def on_mount(self) -> None:
        """`quizzer review` and `quizzer quiz` open their screen directly."""
        if self.mode.start == "review":
            from quizzer.tui.screens.review import ReviewScreen

            self.push_screen(ReviewScreen(self.mode.deck))
        elif self.mode.start == "quiz" and self._first_quiz is not None:
            from quizzer.tui.screens.quiz import QuizScreen

            self.push_screen(QuizScreen(self._first_quiz))

    def finish(self, lines: Iterable[str]) -> None:
        """End a review or quiz: back to Decks, or to the shell with `lines` to print."""
        lines = list(lines)
        if self.mode.exits_when_done:
            self.result_lines = lines
            self.exit(lines)
        else:
            self.action_decks()

    def action_decks(self) -> None:
        """Back to the Decks screen."""
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_study(self, deck: str | None = None) -> None:
        """Study a deck (with its sub-decks), or everything due."""
        from quizzer.tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(deck))

    def action_browse(self, text: str = "") -> None:
        """Open the card browser."""
        from quizzer.tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen(text))

    def action_stats(self) -> None:
        """Open the statistics."""
        from quizzer.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def action_quiz(self, deck: str | None = None) -> None:
        """Ask how many questions, then start a quiz on `deck` (or all decks)."""
        from quizzer.tui.screens.quiz import QuizSetupScreen

        self.push_screen(QuizSetupScreen(deck, self.mode.questions))

    def start_quiz(self, deck: str | None, questions: int) -> None:
        """Draw a quiz and show it (a sentence if the decks have nothing to ask)."""
        from quizzer.quiz import Quiz
        from quizzer.tui.screens.quiz import QuizScreen

        try:
            quiz = Quiz.start(self.col, self.now(), [deck] if deck else [], questions)
        except QuizzerError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.push_screen(QuizScreen(quiz))

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        from quizzer.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    # -- the command palette ------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key of the current screen, the screens, and Textual's own commands."""
        seen: set[str] = set()
        for node, binding in declared_bindings(screen, self):
            if not binding.description or binding.action in seen:
                continue
            _, name, params = parse_action(binding.action)
            if not node.check_action(name, params):
                continue  # not possible right now (e.g. grading before the answer is shown)
            seen.add(binding.action)
            display = binding.key_display or self.get_key_display(binding)
            yield SystemCommand(
                f"{binding.description[:1].upper()}{binding.description[1:]} ({display})",
                f"{type(screen).__name__.removesuffix('Screen')} screen key",
                partial(self._run_action_on, node, binding.action),
            )
        yield SystemCommand("Decks", "Go to the deck list", self.action_decks)
        yield SystemCommand("Study everything due", "Review all decks", self.action_study)
        yield SystemCommand("Browse cards", "Search and inspect every card", self.action_browse)
        yield SystemCommand("Statistics", "Charts of reviews, forecast, decks", self.action_stats)
        yield SystemCommand("Quiz", "A timed test on all decks", self.action_quiz)
        yield SystemCommand("Help", "The keys of this screen", self.action_help)
        yield from super().get_system_commands(screen)

    async def _run_action_on(self, node: Any, action: str) -> None:
        await self.run_action(action, node)

    # -- outside programs ---------------------------------------------------------------------

    def _run_editor(self, path: Path, line: int) -> int:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        argv = [*shlex.split(editor), f"+{line}", str(path)]
        try:
            with self.suspend():
                return subprocess.call(argv)
        except SuspendNotSupported:
            return subprocess.call(argv)
        except OSError as exc:
            raise QuizzerError(f"cannot run the editor {editor!r}: {exc.strerror or exc}") from None

    def open_link(self, url: str) -> None:
        """Open a web link where a browser can show it, and always show it and copy it.

        Without a graphical session, Python's webbrowser would start a text browser in this
        very terminal, over the app: then the link is only shown and copied (OSC 52).
        """
        graphical = sys.platform in ("darwin", "win32") or any(
            os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
        )
        if graphical:
            self.open_url(url)
        self.copy_to_clipboard(url)
        self.notify(
            url,
            title="Source: opened in the browser" if graphical else "Source (copied)",
            timeout=10,
        )

    def verify_argv(self) -> list[str]:
        """The command that verifies code cards, in a separate process (torch stays there)."""
        return [sys.executable, "-m", "quizzer", "--db", str(self.col.path), "verify"]

    def on_unmount(self) -> None:
        """Close the collection when the app ends."""
        self.col.close()


def declared_bindings(screen: Screen[Any], app: App[Any]) -> list[tuple[Any, Binding]]:
    """The bindings quizzer declares for a screen: its tables' Enter, the screen's own keys,
    the app's; the order the help and the palette list them in. (Keys of Textual's text
    boxes and cursor moves are not commands.)"""
    from quizzer.tui.widgets.tables import CardTable, DeckTable, MissTable

    found: list[tuple[Any, Binding]] = []
    for table in screen.query("*"):
        if isinstance(table, CardTable | DeckTable | MissTable):
            found += [(table, b) for b in Binding.make_bindings(type(table).BINDINGS)]
    found += [(screen, b) for b in Binding.make_bindings(getattr(type(screen), "BINDINGS", []))]
    found += [(app, b) for b in Binding.make_bindings(type(app).BINDINGS)]
    return found


def create_app(
    db_path: Path | str,
    *,
    builtin: bool = True,
    start: str = "decks",
    deck: str | None = None,
    questions: int = 20,
    clock: Clock = local_now,
    prefetch: Prefetch | None = None,
) -> QuizzerApp:
    """Open the collection and build the app. `start` is `decks`, `review` or `quiz`.

    Errors a learner can fix (an unknown deck, a damaged file, a quiz with nothing to ask)
    are raised here as QuizzerError sentences, before the terminal is taken over.
    """
    if start not in START_SCREENS:
        raise QuizzerError(f"start must be one of {', '.join(START_SCREENS)}, not {start!r}")
    col = Collection.open(db_path, now=clock(), import_builtin=builtin)
    quiz = None
    try:
        if deck is not None:
            col.deck_ids(deck)  # an unknown deck is a sentence, not a crash later
        if start == "quiz":
            from quizzer.quiz import Quiz

            quiz = Quiz.start(col, clock(), [deck] if deck else [], questions)
    except BaseException:
        col.close()
        raise
    return QuizzerApp(
        col, mode=Mode(start, deck, questions), clock=clock, quiz=quiz, prefetch=prefetch
    )


__all__ = ["QuizzerApp", "create_app", "local_now", "run_app"]
