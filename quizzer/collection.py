"""The service layer: everything the CLI and the TUI do with a collection.

Time is always an argument (`now`, an aware datetime); nothing here reads the clock. A study
day starts at `day_starts_at` o'clock in the time zone of `now` (04:00 by default, as Anki).
Every answer is one transaction, logged with the state before and after, so the live state
can always be rebuilt from the log.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizzer import settings as settings_mod
from quizzer.errors import QuizzerError, UsageError
from quizzer.paths import builtin_decks_dir
from quizzer.scheduler import (
    GRADES,
    ItemState,
    Sm2State,
    answer_item,
    requeue_item,
)
from quizzer.store import Backup, Store, dumps

if TYPE_CHECKING:
    from quizzer.importer import ImportReport
    from quizzer.models import Card


@lru_cache(maxsize=1)
def _card_adapter() -> Any:
    # pydantic and the models load only when a card is read: `quizzer status` needs neither.
    from pydantic import TypeAdapter

    from quizzer.models import Card

    return TypeAdapter(Card)


def to_ms(now: datetime) -> int:
    """An aware datetime as ms since the epoch (UTC)."""
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware (e.g. datetime.now().astimezone())")
    return int(now.timestamp() * 1000)


def study_day(now: datetime, day_starts_at: int = 4) -> int:
    """The study day of `now`: its local date, where a day begins at `day_starts_at` o'clock."""
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware (e.g. datetime.now().astimezone())")
    return (now - timedelta(hours=day_starts_at)).date().toordinal()


def day_date(day: int) -> date:
    """The calendar date of a study day number."""
    return date.fromordinal(day)


@dataclass(frozen=True)
class ReviewItem:
    """A card (or one cloze deletion of it) ready to be shown."""

    card_id: str
    ord: int
    card: Card
    deck: str
    tags: tuple[str, ...]
    source: str | None
    path: str
    line: int
    state: ItemState
    suspended: bool
    verified_output: str | None

    @property
    def key(self) -> str:
        """`id`, or `id#c2` for the second deletion of a cloze card."""
        return f"{self.card_id}#c{self.ord}" if self.card.type == "cloze" else self.card_id

    @property
    def kind(self) -> str:
        """basic, cloze, choice or code."""
        return self.card.type


@dataclass(frozen=True)
class CardRecord:
    """One active card as the collection holds it (for export and browsing)."""

    id: str
    card: Card
    deck: str
    tags: tuple[str, ...]
    source: str | None
    path: str
    line: int
    changed_at_ms: int
    verified_output: str | None
    verified_torch: str | None


@dataclass(frozen=True)
class RunRecord:
    """One verification of a code card: what running its code gave, and the verdict."""

    card_id: str
    code: str
    expected: str | None
    status: str  # ok, mismatch, missing, timeout, crashed, nondeterministic
    output: str | None
    stderr: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Answer:
    """What an answer did: its log row, its kind (review or drill), the state after."""

    review_id: int
    kind: str
    grade: int
    before: ItemState
    after: ItemState


@dataclass(frozen=True)
class DeckCounts:
    """Today's numbers for one deck, its sub-decks included."""

    deck: str
    new: int = 0
    due: int = 0
    drill: int = 0
    suspended: int = 0
    unverified: int = 0
    total: int = 0


@dataclass
class RebuildReport:
    """What rebuilding from the log found: items whose live state differed, and the backup."""

    items: int = 0
    events: int = 0
    differences: list[tuple[tuple[str, int], tuple[Any, ...], tuple[Any, ...]]] = field(
        default_factory=list
    )
    backup: Backup | None = None


class Collection:
    """An open collection. `Collection.open(path, now=...)`; use as a context manager."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._settings: dict[str, int | float] | None = None

    @classmethod
    def open(
        cls, path: Path | str, *, now: datetime | None = None, import_builtin: bool = True
    ) -> Collection:
        """Open or create the collection; a new one gets the built-in decks (needs `now`)."""
        store = Store.open(path)
        collection = cls(store)
        if store.created and import_builtin:
            if now is None:
                raise ValueError("a new collection needs `now` to import the built-in decks")
            try:
                collection.import_paths([builtin_decks_dir()], now)
            except BaseException:
                store.close()
                raise
        return collection

    def close(self) -> None:
        """Close the collection file."""
        self.store.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        """The collection file."""
        return self.store.path

    # -- settings ------------------------------------------------------------------------

    @property
    def settings(self) -> dict[str, int | float]:
        """Every setting's value (defaults for the ones never set)."""
        if self._settings is None:
            self._settings = settings_mod.resolve(self.store.settings())
        return self._settings

    def set_setting(self, key: str, text: str) -> int | float:
        """Check and store a setting; returns its parsed value."""
        value = settings_mod.lookup(key).parse(text)
        self.store.set_setting(key, str(value))
        self._settings = None
        return value

    def day(self, now: datetime) -> int:
        """The study day number of `now` under this collection's settings."""
        return study_day(now, int(self.settings["day_starts_at"]))

    # -- decks ---------------------------------------------------------------------------

    def import_paths(self, paths: Iterable[Path | str], now: datetime) -> ImportReport:
        """Import deck files and folders (see `quizzer.importer`)."""
        from quizzer.importer import import_paths

        return import_paths(self.store, paths, to_ms(now))

    def deck_names(self) -> list[str]:
        """Every deck that holds at least one active card, sorted."""
        return [
            r[0]
            for r in self.store.conn.execute(
                "SELECT DISTINCT d.name FROM decks d JOIN cards c ON c.deck_id = d.id "
                "WHERE c.retired = 0 ORDER BY d.name"
            )
        ]

    def deck_ids(self, deck: str | None) -> list[int] | None:
        """Ids of `deck` and its sub-decks (None for all decks); a sentence if unknown."""
        if deck is None:
            return None
        wanted = deck.strip()
        ids = [
            i
            for name, i in self.store.deck_ids().items()
            if name == wanted or name.startswith(wanted + "::")
        ]
        if not ids:
            names = self.deck_names()
            hint = f"; decks: {', '.join(names)}" if names else "; the collection has no decks"
            raise QuizzerError(f"there is no deck called {deck!r}{hint}")
        return ids

    # -- studying ------------------------------------------------------------------------

    def item(self, card_id: str, ord_: int = 0) -> ReviewItem:
        """One review item by card id (and cloze number)."""
        row = self.store.item(card_id, ord_)
        if row is None:
            raise QuizzerError(f"there is no card '{card_id}' (item {ord_}) in the collection")
        return item_from_row(row)

    def first_due(self, now: datetime, deck_ids: Sequence[int] | None) -> ReviewItem | None:
        """The due item that has waited longest."""
        row = self.store.first_due(self.day(now), deck_ids)
        return item_from_row(row) if row else None

    def first_new(self, now: datetime, deck_ids: Sequence[int] | None) -> ReviewItem | None:
        """The next new item (ignores the daily limit: see `new_left`)."""
        row = self.store.first_new(self.day(now), deck_ids)
        return item_from_row(row) if row else None

    def drill_items(self, now: datetime, deck_ids: Sequence[int] | None) -> list[ReviewItem]:
        """Items to drill again today that are not due anyway."""
        return [item_from_row(r) for r in self.store.drill_items(self.day(now), deck_ids)]

    def new_left(self, now: datetime, deck_ids: Sequence[int] | None) -> int:
        """How many more new items may be introduced today in these decks."""
        introduced = self.store.new_introduced(self.day(now), deck_ids)
        return max(0, int(self.settings["new_per_day"]) - introduced)

    def queue(self, now: datetime, deck: str | None = None) -> list[ReviewItem]:
        """Today's study queue: due items oldest first, then new items up to the daily limit,
        then items to drill again. (A session serves the same order one card at a time.)"""
        ids = self.deck_ids(deck)
        day = self.day(now)
        due = self.store.due_keys(day, ids)
        new = self.store.new_keys(day, ids, self.new_left(now, ids))
        items = [self.item(c, o) for c, o in [*due, *new]]
        return items + self.drill_items(now, ids)

    def answer(
        self,
        card_id: str,
        ord_: int,
        grade: int,
        now: datetime,
        *,
        answer: str | None = None,
        duration_ms: int | None = None,
    ) -> Answer:
        """Grade an item (0-5) at `now`: one transaction, logged with state before and after."""
        if grade not in GRADES:
            raise UsageError(f"a grade is a whole number from 0 to 5, not {grade!r}")
        day = self.day(now)
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT ease, interval, repetitions, due, lapses, drill_day FROM items "
                "WHERE card_id = ? AND ord = ?",
                (card_id, ord_),
            ).fetchone()
            if row is None:
                raise QuizzerError(f"there is no card '{card_id}' (item {ord_}) to answer")
            before = _state(row)
            kind, after = answer_item(before, grade, day)
            review_id = self.store.append_review(
                conn,
                {
                    "card_id": card_id,
                    "ord": ord_,
                    "at": to_ms(now),
                    "day": day,
                    "kind": kind,
                    "grade": grade,
                    **state_columns(before, "_before"),
                    **state_columns(after, "_after"),
                    "answer": answer,
                    "duration_ms": duration_ms,
                },
            )
            self.store.set_item_state(conn, card_id, ord_, state_columns(after))
        return Answer(review_id, kind, grade, before, after)

    def undo(self, now: datetime) -> Answer | None:
        """Undo the newest answer not yet undone; returns it, or None if there is none.

        The log keeps both rows (the answer and an `undo` row pointing at it). The item's
        state is then replayed from its remaining log, so an event logged after the undone
        answer (a quiz miss sent to drill) keeps its effect, exactly as `rebuild` would.
        """
        with self.store.write() as conn:
            last = self.store.last_undoable()
            if last is None:
                return None
            self.store.append_review(
                conn,
                {
                    "card_id": last["card_id"],
                    "ord": last["ord"],
                    "at": to_ms(now),
                    "day": self.day(now),
                    "kind": "undo",
                    "undoes": last["id"],
                },
            )
            state = replay(self.store.item_events(last["card_id"], last["ord"]))
            self.store.set_item_state(conn, last["card_id"], last["ord"], state_columns(state))
        return Answer(
            last["id"], last["kind"], last["grade"], state, _state_from_log(last, "_after")
        )

    def requeue(self, items: Iterable[tuple[str, int]], now: datetime) -> int:
        """Send items to today's drill (e.g. a quiz's misses) without touching SM-2."""
        day = self.day(now)
        count = 0
        with self.store.write() as conn:
            for card_id, ord_ in items:
                row = conn.execute(
                    "SELECT ease, interval, repetitions, due, lapses, drill_day FROM items "
                    "WHERE card_id = ? AND ord = ?",
                    (card_id, ord_),
                ).fetchone()
                if row is None:
                    continue
                before = _state(row)
                after = requeue_item(before, day)
                self.store.append_review(
                    conn,
                    {
                        "card_id": card_id,
                        "ord": ord_,
                        "at": to_ms(now),
                        "day": day,
                        "kind": "requeue",
                        **state_columns(before, "_before"),
                        **state_columns(after, "_after"),
                    },
                )
                self.store.set_item_state(conn, card_id, ord_, state_columns(after))
                count += 1
        return count

    def suspend(self, card_id: str, suspended: bool = True) -> int:
        """Suspend (or unsuspend) every item of a card; returns how many items changed."""
        with self.store.write() as conn:
            exists = conn.execute("SELECT 1 FROM cards WHERE id = ?", (card_id,)).fetchone()
            if not exists:
                raise QuizzerError(f"there is no card '{card_id}' in the collection")
            return conn.execute(
                "UPDATE items SET suspended = ? WHERE card_id = ? AND suspended != ?",
                (int(suspended), card_id, int(suspended)),
            ).rowcount

    # -- numbers -------------------------------------------------------------------------

    def overview(self, now: datetime) -> tuple[list[DeckCounts], DeckCounts]:
        """Today's numbers for every deck and parent deck (`a` for `a::b`), sorted by name,
        and over all decks. `new` is what a session over that scope would introduce today:
        the new items available, within the daily limit left for it."""
        day = self.day(now)
        limit = int(self.settings["new_per_day"])
        introduced = self.store.new_introduced_by_deck(day)
        rows = self.store.counts_by_deck(day)
        names = sorted({parent for r in rows for parent in deck_ancestors(r["deck"])})

        def under(name: str, deck: str) -> bool:
            return deck == name or deck.startswith(name + "::")

        per_deck = [
            _summed(
                name,
                [r for r in rows if under(name, r["deck"])],
                sum(n for deck, n in introduced.items() if under(name, deck)),
                limit,
            )
            for name in names
        ]
        return per_deck, _summed("", rows, sum(introduced.values()), limit)

    def counts(self, now: datetime) -> list[DeckCounts]:
        """Today's numbers per deck and parent deck (see `overview`)."""
        return self.overview(now)[0]

    def totals(self, now: datetime) -> DeckCounts:
        """Today's numbers over all decks (see `overview`)."""
        return self.overview(now)[1]

    def forecast(self, now: datetime, days: int = 30, deck: str | None = None) -> list[int]:
        """Items due on each of the next `days` study days; today includes overdue items."""
        day = self.day(now)
        histogram = self.store.due_histogram(day, days, self.deck_ids(deck))
        return [histogram.get(day + i, 0) for i in range(days)]

    def next_due_day(self, now: datetime, deck: str | None = None) -> date | None:
        """The first later study day on which something is due, if any."""
        found = self.store.next_due_day(self.day(now), self.deck_ids(deck))
        return day_date(found) if found is not None else None

    # -- the log -------------------------------------------------------------------------

    def rebuild(self, *, apply: bool = True) -> RebuildReport:
        """Recompute every item's schedule from the review log alone.

        With `apply`, the collection is backed up first and items that differ are corrected;
        on a healthy collection there are no differences.
        """
        report = RebuildReport()
        events: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for event in self.store.effective_log():
            events[(event["card_id"], event["ord"])].append(event)
            report.events += 1
        states = {key: replay(item_events) for key, item_events in events.items()}
        live = self.store.all_item_states()
        report.items = len(live)
        for key, values in live.items():
            expected = tuple(state_columns(states.get(key, ItemState())).values())
            if tuple(values) != expected:
                report.differences.append((key, tuple(values), expected))
        if apply and report.differences:
            report.backup = self.store.backup("before-rebuild")
            with self.store.write() as conn:
                for key, _, _ in report.differences:
                    rebuilt = states.get(key, ItemState())
                    self.store.set_item_state(conn, key[0], key[1], state_columns(rebuilt))
        return report

    def cards(self, decks: Sequence[str] = (), tags: Sequence[str] = ()) -> list[CardRecord]:
        """Active cards in deck order, of the given decks (sub-decks included) and with any of
        the given tags; all when none are given."""
        ids: list[int] | None = None
        if decks:
            ids = sorted({i for d in decks for i in self.deck_ids(d) or []})
        wanted = set(tags)
        records = []
        for row in self.store.active_cards(ids):
            card_tags = tuple(json.loads(row["tags"]))
            if wanted and not wanted.intersection(card_tags):
                continue
            records.append(
                CardRecord(
                    id=row["id"],
                    card=_card_adapter().validate_json(row["content"]),
                    deck=row["deck"],
                    tags=card_tags,
                    source=row["source"],
                    path=row["path"],
                    line=row["line"],
                    changed_at_ms=row["changed_at"],
                    verified_output=row["verified_output"],
                    verified_torch=row["verified_torch"],
                )
            )
        return records

    def record_verification(
        self, runs: Sequence[RunRecord], environment: dict[str, str], now: datetime
    ) -> int:
        """Store verification results in one transaction; returns how many cards became (or
        stayed) reviewable.

        An `ok` run of a card's current code whose output equals the card's output makes the
        card reviewable with that output; any other verdict on its current code (the output
        no longer matches, the code fails) takes it out of review until it is fixed.
        """
        from quizzer.importer import code_hash

        at = to_ms(now)
        torch = environment.get("torch")
        ready = 0
        with self.store.write() as conn:
            for run in runs:
                digest = code_hash(run.code)
                row = conn.execute(
                    "SELECT content, code_hash FROM cards WHERE id = ? AND kind = 'code'",
                    (run.card_id,),
                ).fetchone()
                if row is None:
                    continue  # a file that was checked but never imported
                conn.execute(
                    "INSERT INTO runs(card_id, code_hash, status, expected, output, stderr, "
                    "detail, torch_version, environment, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        run.card_id,
                        digest,
                        run.status,
                        run.expected,
                        run.output,
                        run.stderr,
                        run.detail,
                        torch,
                        dumps(environment),
                        at,
                    ),
                )
                if row[1] != digest:
                    continue  # the collection holds other code for this card
                card_output = json.loads(row[0]).get("output")
                good = run.status == "ok" and run.output == card_output
                conn.execute(
                    "UPDATE cards SET verified_output = ?, verified_torch = ? WHERE id = ?",
                    (run.output if good else None, torch if good else None, run.card_id),
                )
                conn.execute(
                    "UPDATE items SET ready = ? WHERE card_id = ?", (int(good), run.card_id)
                )
                ready += good
        return ready

    def history(self, card_id: str) -> list[dict[str, Any]]:
        """The review log of one card, oldest first (undone answers marked)."""
        return [dict(r) for r in self.store.item_history(card_id)]


def _summed(name: str, rows: Sequence[Any], introduced: int, limit: int) -> DeckCounts:
    """Counts of several decks added up; new items capped by what is left of the limit."""
    return DeckCounts(
        deck=name,
        new=min(sum(r["new"] or 0 for r in rows), max(0, limit - introduced)),
        due=sum(r["due"] or 0 for r in rows),
        drill=sum(r["drill"] or 0 for r in rows),
        suspended=sum(r["suspended"] or 0 for r in rows),
        unverified=sum(r["unverified"] or 0 for r in rows),
        total=sum(r["total"] or 0 for r in rows),
    )


def replay(events: Iterable[Any]) -> ItemState:
    """An item's state from its log alone: its review, drill and requeue rows in order."""
    state = ItemState()
    for event in events:
        if event["kind"] == "requeue":
            state = requeue_item(state, event["day"])
        else:
            state = answer_item(state, event["grade"], event["day"])[1]
    return state


def deck_ancestors(name: str) -> list[str]:
    """`a`, `a::b`, `a::b::c` for the deck `a::b::c`."""
    parts = name.split("::")
    return ["::".join(parts[: i + 1]) for i in range(len(parts))]


def _state(row: Sequence[Any]) -> ItemState:
    ease, interval, repetitions, due, lapses, drill_day = row
    return ItemState(Sm2State.from_milli(ease, interval, repetitions), due, lapses, drill_day)


def _state_from_log(row: Any, suffix: str) -> ItemState:
    return _state(
        [
            row[f"{name}{suffix}"]
            for name in ("ease", "interval", "repetitions", "due", "lapses", "drill_day")
        ]
    )


def state_columns(state: ItemState, suffix: str = "") -> dict[str, Any]:
    """An item state as the columns of `items` (with `suffix`: of a log row)."""
    return {
        f"ease{suffix}": state.sm2.ease_milli,
        f"interval{suffix}": state.sm2.interval,
        f"repetitions{suffix}": state.sm2.repetitions,
        f"due{suffix}": state.due,
        f"lapses{suffix}": state.lapses,
        f"drill_day{suffix}": state.drill_day,
    }


def item_from_row(row: Any) -> ReviewItem:
    """A ReviewItem from a store row (items joined with cards and decks)."""
    return ReviewItem(
        card_id=row["card_id"],
        ord=row["ord"],
        card=_card_adapter().validate_json(row["content"]),
        deck=row["deck"],
        tags=tuple(json.loads(row["tags"])),
        source=row["source"],
        path=row["path"],
        line=row["line"],
        state=_state(
            [row[n] for n in ("ease", "interval", "repetitions", "due", "lapses", "drill_day")]
        ),
        suspended=bool(row["suspended"]),
        verified_output=row["verified_output"],
    )


__all__ = ["Answer", "Collection", "DeckCounts", "ReviewItem", "dumps", "study_day"]
