"""The `quizzer` command. Thin: each command parses options and calls the service layer.

Exit codes: 0 success; 1 deck errors, failed checks and other problems the user can fix;
2 usage errors; 3 a collection file that cannot be used (damaged, foreign, newer, read-only).
Heavy modules are imported inside the commands that need them, so `quizzer status` starts
fast and never loads torch or textual.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from quizzer import __version__
from quizzer.errors import DatabaseError, QuizzerError
from quizzer.paths import DB_ENV, default_db_path

if TYPE_CHECKING:
    from quizzer.collection import Collection

NOW_ENV = "QUIZZER_NOW"  # an ISO time to use instead of the clock (tests, demos)


def now() -> datetime:
    """The current local time, aware (or `$QUIZZER_NOW`)."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        try:
            value = datetime.fromisoformat(fixed)
        except ValueError:
            raise QuizzerError(f"${NOW_ENV} is not an ISO time: {fixed!r}") from None
        return value if value.tzinfo else value.astimezone()
    return datetime.now().astimezone()


@dataclass
class Options:
    """Global options, shared by every command."""

    db: Path
    builtin: bool

    @contextmanager
    def collection(self) -> Iterator[Collection]:
        """The open collection (created, with the built-in decks, on first use)."""
        from quizzer.collection import Collection

        with Collection.open(self.db, now=now(), import_builtin=self.builtin) as col:
            yield col


class _Group(click.Group):
    """Turns the errors a user can meet into a sentence and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QuizzerError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(exc.exit_code)
        except sqlite3.Error as exc:
            from quizzer.store import describe_sqlite_error

            opts = ctx.find_object(Options)
            where = opts.db if opts else Path("collection")
            click.echo(describe_sqlite_error(where, exc), err=True)
            ctx.exit(DatabaseError.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=True),
    help=f"The collection file. Default: ${DB_ENV}, else collection.db in your data folder.",
)
@click.option(
    "--builtin/--no-builtin",
    default=True,
    show_default=True,
    help="Import the built-in d2l decks when a new collection is created.",
)
@click.version_option(__version__, "--version", prog_name="quizzer")
@click.pass_context
def main(ctx: click.Context, db: Path | None, builtin: bool) -> None:
    """Spaced repetition in the terminal for Dive into Deep Learning (zh.d2l.ai).

    Run `quizzer` alone to study. Decks are YAML files; code cards are checked by running
    their torch code in a sandbox.
    """
    ctx.obj = Options(db=db or default_db_path(), builtin=builtin)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            _run_tui(ctx.obj)  # a person at a terminal studies; scripts and pipes get text
        else:
            ctx.invoke(status)


def _pass_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.pass_obj(fn)


# -- decks ---------------------------------------------------------------------------------


@main.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate deck files and folders without writing anything (for authors and CI)."""
    from quizzer.decks import load

    result = load(paths)
    for problem in sorted(result.problems, key=lambda p: (str(p.path), p.line or 0)):
        click.echo(str(problem), err=True)
    cards = len(result.cards)
    if result.errors:
        n = len(result.errors)
        bad = len({p.path for p in result.errors})
        click.echo(f"{n} error{'s' * (n != 1)} in {bad} file{'s' * (bad != 1)}", err=True)
        sys.exit(1)
    files = len(result.files)
    warn = len(result.warnings)
    note = f" ({warn} warning{'s' * (warn != 1)})" if warn else ""
    click.echo(f"{files} file{'s' * (files != 1)}, {cards} cards: no errors{note}")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_pass_options
def import_(opts: Options, paths: tuple[Path, ...]) -> None:
    """Import deck files and folders into the collection.

    Unchanged files are skipped; edited cards keep their review history; cards removed
    from their file are retired (history kept, no longer scheduled).
    """
    from quizzer.reports import import_report_lines

    with opts.collection() as col:
        report = col.import_paths(paths, now())
    for line in import_report_lines(report):
        click.echo(line)


@main.command("assign-ids")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def assign_ids(paths: tuple[Path, ...]) -> None:
    """Write ids into cards that have none, keeping the files' comments and layout.

    A card without an id gets one made from its content, which changes when the text is
    edited; once written into the file it stays.
    """
    from quizzer.decks import load
    from quizzer.errors import DeckError
    from quizzer.yamledit import update_deck_file

    result = load(paths)
    if result.errors:
        raise DeckError(result.problems)
    written = 0
    for loaded in result.files:
        edits = {c.line: {"id": c.id} for c in loaded.cards if c.id_generated}
        if edits:
            update_deck_file(loaded.path, edits)
            written += len(edits)
            click.echo(f"{loaded.path}: {len(edits)} id{'s' * (len(edits) != 1)} written")
    if not written:
        click.echo("every card already has an id")


@main.command("schema")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write it to a file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of deck files (for editors: validation and completion)."""
    from quizzer.reports import deck_schema_json

    text = deck_schema_json()
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


# -- code cards ----------------------------------------------------------------------------


@main.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fix", is_flag=True, help="Write what the code prints into the YAML files.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Snippets in flight per worker.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    help="Seconds a snippet may run (default: the collection's code_timeout setting).",
)
@click.option("--verbose", "-v", is_flag=True, help="List the cards that are ok too.")
@_pass_options
def verify(
    opts: Options,
    paths: tuple[Path, ...],
    fix: bool,
    jobs: int | None,
    timeout: float | None,
    verbose: bool,
) -> None:
    """Run code cards in the sandbox, twice each, and compare with their outputs.

    PATHS are deck files or folders (default: the collection's cards). Results are stored,
    and a code card is shown in review once its output is verified. --fix writes the actual
    output into missing, mismatched and stale cards, keeping the files' layout.
    """
    from quizzer import verify as verifying

    with opts.collection() as col:
        if paths:
            cards, _ = verifying.cards_from_files(paths)
        else:
            cards = verifying.cards_from_collection(col)
        if not cards:
            click.echo("no code cards to verify")
            return
        with _progress(len(cards) * 2, "running code cards") as advance:
            report = verifying.verify(
                cards,
                timeout=timeout or float(col.settings["code_timeout"]),
                jobs=jobs,
                verified=verifying.previous_torch(col),
                on_result=lambda _run, _result: advance(None),
            )
        written = verifying.fix(report) if fix else {}
        fixed = {card_id for ids in written.values() for card_id in ids}
        verifying.record(col, report, now(), fixed=fixed)
        known = set(col.store.file_hashes())
        again = [p for p in written if str(p.resolve()) in known]
        if again:
            col.import_paths(again, now())
    failed = False
    for v in report.verdicts:
        if v.status == "ok" and not verbose:
            continue
        label = "fixed" if v.card.id in fixed else v.status
        failed |= label not in ("ok", "fixed")
        click.echo(f"{label:<16} {v.card.id}  {v.card.path}:{v.card.line}")
        explanation = v.explanation()
        if explanation and v.card.id not in fixed:
            click.echo("    " + explanation.replace("\n", "\n    "))
        for warning in v.stderr.splitlines()[:5]:
            click.echo(f"    stderr: {warning}")
    for path, ids in written.items():
        click.echo(f"{path}: wrote {len(ids)} output{'s' * (len(ids) != 1)}")
    for note in dict.fromkeys(report.notes):
        click.echo(f"sandbox: {note}", err=True)
    click.echo(report.summary())
    if failed:
        sys.exit(1)


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int | None], None]]:
    """Progress of a long command on stderr: a rich bar on a terminal, else a plain line
    every two seconds. Yields `update(done)`; `update(None)` counts one more."""
    done = 0
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(label, total=total)

            def show(count: int | None = None) -> None:
                nonlocal done
                done = done + 1 if count is None else count
                bar.update(task, completed=done)

            yield show
        return
    said_at = time.monotonic()

    def say(count: int | None = None) -> None:
        # A line every few seconds, only while it is long, so logs stay short.
        nonlocal done, said_at
        done = done + 1 if count is None else count
        if time.monotonic() - said_at >= 2.0:
            said_at = time.monotonic()
            click.echo(f"{label}: {done}/{total}", err=True)

    yield say


# -- the collection ------------------------------------------------------------------------


@main.command("status")
@_pass_options
def status(opts: Options) -> None:
    """Show what is due today, per deck, and the next days."""
    from quizzer.reports import status_lines

    with opts.collection() as col:
        for line in status_lines(col, now()):
            click.echo(line)


def _run_tui(opts: Options, **mode: Any) -> None:
    """Run the Textual app; when a review or quiz ends, print its summary to the shell."""
    from quizzer.tui import run_app

    for line in run_app(opts.db, builtin=opts.builtin, clock=now, **mode):
        click.echo(line)


@main.command("review")
@click.option("--deck", help="Study this deck and its sub-decks (default: all decks).")
@_pass_options
def review(opts: Options, deck: str | None) -> None:
    """Review today's cards in the terminal, then return to the shell."""
    _run_tui(opts, start="review", deck=deck)


@main.command("quiz")
@click.option("--deck", help="Draw questions from this deck and its sub-decks.")
@click.option(
    "-n",
    "questions",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many questions.",
)
@_pass_options
def quiz(opts: Options, deck: str | None, questions: int) -> None:
    """A timed quiz apart from the review schedule; prints the score at the end."""
    _run_tui(opts, start="quiz", deck=deck, questions=questions)


@main.command("suspend")
@click.argument("card_ids", nargs=-1, required=True)
@_pass_options
def suspend(opts: Options, card_ids: tuple[str, ...]) -> None:
    """Suspend cards: they stay in the collection but are not shown until unsuspended."""
    with opts.collection() as col:
        for card_id in card_ids:
            col.suspend(card_id, True)
    click.echo(f"suspended {len(card_ids)} card{'s' * (len(card_ids) != 1)}")


@main.command("unsuspend")
@click.argument("card_ids", nargs=-1, required=True)
@_pass_options
def unsuspend(opts: Options, card_ids: tuple[str, ...]) -> None:
    """Bring suspended cards back into the schedule."""
    with opts.collection() as col:
        for card_id in card_ids:
            col.suspend(card_id, False)
    click.echo(f"unsuspended {len(card_ids)} card{'s' * (len(card_ids) != 1)}")


@main.command("rebuild")
@click.option("--check", "check_only", is_flag=True, help="Only compare; change nothing.")
@_pass_options
def rebuild(opts: Options, check_only: bool) -> None:
    """Recompute every card's schedule from the review log (a backup is made first)."""
    with opts.collection() as col:
        report = col.rebuild(apply=not check_only)
    click.echo(f"replayed {report.events} answers over {report.items} review items")
    if not report.differences:
        click.echo("the live schedule matches the review log")
        return
    for (card_id, ord_), live, rebuilt in report.differences[:20]:
        click.echo(f"  {card_id} item {ord_}: live {live} != from log {rebuilt}")
    n = len(report.differences)
    if check_only:
        click.echo(f"{n} item{'s' * (n != 1)} differ; run `quizzer rebuild` to correct them")
        sys.exit(1)
    click.echo(f"corrected {n} item{'s' * (n != 1)} (backup: {report.backup.path})")


@main.command("config")
@click.argument("key", required=False)
@click.argument("value", required=False)
@_pass_options
def config(opts: Options, key: str | None, value: str | None) -> None:
    """Show settings, show one, or set one: `quizzer config new_per_day 30`."""
    from quizzer.settings import SETTINGS, lookup

    with opts.collection() as col:
        if key is None:
            for name, setting in SETTINGS.items():
                click.echo(f"{name} = {col.settings[name]:g}    # {setting.help}")
            return
        setting = lookup(key)
        if value is None:
            click.echo(f"{key} = {col.settings[key]:g}    # {setting.help}")
            return
        parsed = col.set_setting(key, value)
        click.echo(f"{key} = {parsed:g}")


@main.command("backups")
@_pass_options
def backups(opts: Options) -> None:
    """List the backups of the collection (made before migrations, rebuilds, restores)."""
    from quizzer.store import list_backups

    found = list_backups(opts.db)
    if not found:
        click.echo(f"no backups of {opts.db}")
    for b in found:
        stamp = datetime.fromtimestamp(b.created).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{stamp}  {b.reason:<28}  {b.path}")


@main.command("restore")
@click.argument("backup", required=False, type=click.Path(path_type=Path, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_pass_options
def restore(opts: Options, backup: Path | None, yes: bool) -> None:
    """Replace the collection with a backup (the newest by default).

    The current collection is backed up first, so a restore can itself be undone.
    """
    from quizzer.store import list_backups, restore_backup

    if backup is None:
        found = list_backups(opts.db)
        if not found:
            raise QuizzerError(f"there is no backup of {opts.db} to restore")
        backup = found[0].path
    if not yes and not click.confirm(f"Replace {opts.db} with {backup}?"):
        raise QuizzerError("nothing restored")
    saved = restore_backup(opts.db, backup)
    click.echo(f"restored {opts.db} from {backup}")
    if saved:
        click.echo(f"the collection as it was is kept at {saved.path}")


# -- export --------------------------------------------------------------------------------


@main.group("export")
def export() -> None:
    """Export decks for other programs."""


@export.command("anki")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--deck",
    "decks",
    multiple=True,
    help="Export this deck and its sub-decks (repeat for several). Default: all decks.",
)
@click.option("--tag", "tags", multiple=True, help="Only cards with this tag (repeat: any of).")
@_pass_options
def export_anki(opts: Options, out: Path, decks: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """Write the decks as an Anki package (.apkg) to import into Anki.

    Importing it again after editing cards updates exactly the edited notes, keeping their
    review history in Anki; unchanged notes, and notes edited inside Anki, are left alone.
    Code cards are exported once their output is verified.
    """
    from quizzer.errors import UsageError
    from quizzer.export_anki import export_apkg

    if out.suffix.lower() != ".apkg":
        raise UsageError(f"{out}: an Anki package must end in .apkg (Anki imports only that)")
    with opts.collection() as col:
        records = col.cards(decks, tags)
    with _progress(len(records), "exporting to Anki") as update:
        summary = export_apkg(records, out, now=now(), progress=lambda done, _: update(done))
    click.echo(summary.line())
    left_out = summary.unverified_line()
    if left_out:
        click.echo(left_out)
