"""Browsing the collection: a search language, the matching review items, one card's story.

The search language (as in Anki's browser, much reduced): words match the card's text or id
(every word must match, case-insensitively for ASCII); `deck:NAME` the deck and its
sub-decks (also by its last part, `deck:"02 预备知识"`, and with `*` wildcards); `tag:T`
(with `*`); `is:due`, `is:new`, `is:suspended`, `is:unverified` (code cards waiting for
`quizzer verify`), `is:drill`; `kind:basic|cloze|choice|code`. Quotes keep spaces:
`deck:"d2l::02 预备知识"`. Anything prefixed with `-` is negated: `-is:new`, `-tag:shape`.

Pure service code: queries go through the collection's store; no textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from quizzer.collection import Collection, ReviewItem, day_date
from quizzer.models import CARD_KINDS

FLAGS = ("due", "new", "suspended", "unverified", "drill")
DEFAULT_LIMIT = 500

_FIELDS = ("deck", "tag", "is", "kind", "id")
_TERM = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True)
class Term:
    """One search term: a field (`""` for free text), its value, and whether it is negated."""

    field: str
    value: str
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed search: the terms (all must hold) and the problems found in the text."""

    terms: tuple[Term, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the search matches everything."""
        return not self.terms


def parse_query(text: str) -> Query:
    """Parse a search text. Unknown fields and `is:` values become problems (and are ignored),
    so a half-typed search still shows results."""
    terms: list[Term] = []
    problems: list[str] = []
    for match in _TERM.finditer(text):
        negated, name, quoted, bare = match.groups()
        value = quoted if quoted is not None else bare or ""
        name = (name or "").lower()
        if not name and value.endswith(":") and value[:-1].lower() in _FIELDS:
            name, value = value[:-1].lower(), ""  # `deck:` typed, its value not yet
        if name and name not in _FIELDS:
            # `word:thing` with an unknown field is a plain word (e.g. `x[0:2]` has no field)
            value, name = f"{name}:{value}", ""
        if not value.strip():
            if name:
                problems.append(f"{name}: needs a value")
            continue
        if name == "is" and value.lower() not in FLAGS:
            problems.append(f"is:{value} is unknown; use is:{', is:'.join(FLAGS)}")
            continue
        if name == "kind" and value.lower() not in CARD_KINDS:
            problems.append(f"kind:{value} is unknown; use kind:{', kind:'.join(CARD_KINDS)}")
            continue
        terms.append(Term(name, value.lower() if name in ("is", "kind") else value, bool(negated)))
    return Query(tuple(terms), tuple(problems))


@dataclass(frozen=True)
class BrowseRow:
    """One review item as the browser lists it."""

    card_id: str
    ord: int
    deck: str
    kind: str
    due: date | None
    interval: int
    ease: float
    lapses: int
    repetitions: int
    suspended: bool
    ready: bool
    text: str  # the card's first text field, raw (Markdown, math, cloze marks)

    @property
    def key(self) -> str:
        """`id`, or `id#c2` for the second deletion of a cloze card."""
        return f"{self.card_id}#c{self.ord}" if self.kind == "cloze" else self.card_id


@dataclass(frozen=True)
class BrowseResult:
    """The rows shown (at most `limit`) and how many items match in all."""

    rows: list[BrowseRow]
    total: int
    query: Query


def _like(value: str) -> str:
    """A LIKE pattern for `value`, with `*` as the wildcard."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _condition(term: Term, day: int) -> tuple[str, list[Any]]:
    value = term.value
    if term.field == "":
        needle = value.lower()
        return (
            "(instr(lower(c.content), ?) > 0 OR instr(lower(c.id), ?) > 0)",
            [needle, needle],
        )
    if term.field == "id":
        return "lower(c.id) LIKE ? ESCAPE '\\'", [_like(value.lower())]
    if term.field == "deck":
        pattern = _like(value.strip())
        return (
            "(d.name LIKE ? ESCAPE '\\' OR d.name LIKE ? ESCAPE '\\' "
            "OR d.name LIKE ? ESCAPE '\\' OR d.name LIKE ? ESCAPE '\\')",
            [pattern, pattern + "::%", "%::" + pattern, "%::" + pattern + "::%"],
        )
    if term.field == "tag":
        return (
            "EXISTS (SELECT 1 FROM json_each(c.tags) t WHERE t.value LIKE ? ESCAPE '\\')",
            [_like(value)],
        )
    if term.field == "kind":
        return "c.kind = ?", [value]
    flags = {
        "due": ("(i.due IS NOT NULL AND i.due <= ? AND i.suspended = 0 AND i.ready = 1)", [day]),
        "new": ("i.due IS NULL", []),
        "suspended": ("i.suspended = 1", []),
        "unverified": ("i.ready = 0", []),
        "drill": ("(i.drill_day = ? AND i.suspended = 0)", [day]),
    }
    return flags[value]


def _where(query: Query, day: int) -> tuple[str, list[Any]]:
    parts = ["i.retired = 0", "c.retired = 0"]
    params: list[Any] = []
    for term in query.terms:
        sql, values = _condition(term, day)
        parts.append(f"NOT {sql}" if term.negated else sql)
        params.extend(values)
    return " AND ".join(parts), params


def search(
    col: Collection, text: str | Query, now: datetime, *, limit: int = DEFAULT_LIMIT
) -> BrowseResult:
    """The review items matching a search, in deck order (at most `limit`), and their count."""
    query = parse_query(text) if isinstance(text, str) else text
    where, params = _where(query, col.day(now))
    joins = "FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id"
    total = col.store.one(f"SELECT count(*) {joins} WHERE {where}", params) or 0
    rows = col.store.rows(
        "SELECT i.card_id, i.ord, d.name AS deck, c.kind, i.due, i.interval, i.ease, "
        "i.lapses, i.repetitions, i.suspended, i.ready, "
        "coalesce(json_extract(c.content, '$.front'), json_extract(c.content, '$.text'), "
        "json_extract(c.content, '$.prompt'), '') AS text "
        f"{joins} WHERE {where} ORDER BY d.name, i.position, i.ord LIMIT ?",
        [*params, limit],
    )
    return BrowseResult(
        rows=[
            BrowseRow(
                card_id=r["card_id"],
                ord=r["ord"],
                deck=r["deck"],
                kind=r["kind"],
                due=day_date(r["due"]) if r["due"] is not None else None,
                interval=r["interval"],
                ease=r["ease"] / 1000,
                lapses=r["lapses"],
                repetitions=r["repetitions"],
                suspended=bool(r["suspended"]),
                ready=bool(r["ready"]),
                text=r["text"],
            )
            for r in rows
        ],
        total=total,
        query=query,
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a card's review log."""

    at: datetime
    kind: str  # review, drill, requeue, undo
    grade: int | None
    interval: int | None  # after the answer
    ease: float | None  # after the answer
    due: date | None  # after the answer
    answer: str | None
    seconds: float | None
    undone: bool


@dataclass(frozen=True)
class CardDetail:
    """A review item and its history, for the browser's card view."""

    item: ReviewItem
    history: list[HistoryEntry] = field(default_factory=list)


def card_detail(col: Collection, card_id: str, ord_: int, now: datetime) -> CardDetail:
    """The item and the log of its answers, oldest first (times in the time zone of `now`)."""
    item = col.item(card_id, ord_)
    zone = now.tzinfo
    history = []
    for row in col.history(card_id):
        if row["ord"] != ord_:
            continue
        at = datetime.fromtimestamp(row["at"] / 1000, tz=zone)
        history.append(
            HistoryEntry(
                at=at,
                kind=row["kind"],
                grade=row["grade"],
                interval=row["interval_after"],
                ease=row["ease_after"] / 1000 if row["ease_after"] is not None else None,
                due=day_date(row["due_after"]) if row["due_after"] is not None else None,
                answer=row["answer"],
                seconds=row["duration_ms"] / 1000 if row["duration_ms"] is not None else None,
                undone=bool(row["undone"]),
            )
        )
    return CardDetail(item, history)


def relative_day(day: date | None, today: date) -> str:
    """`today`, `in 3 d`, `2 d ago`, or `new` for an item never reviewed."""
    if day is None:
        return "new"
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta > 0:
        return f"in {delta} d"
    return f"{-delta} d ago"


__all__ = [
    "BrowseResult",
    "BrowseRow",
    "CardDetail",
    "HistoryEntry",
    "Query",
    "Term",
    "card_detail",
    "parse_query",
    "relative_day",
    "search",
]
