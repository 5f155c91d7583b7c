"""Benchmark inputs: generated YAML decks and collections with a year of review history.

Everything is made under a folder the caller gives (a temporary one), deterministically
(a seeded RNG), so two runs measure the same work.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from quizzer.collection import Collection, state_columns
from quizzer.scheduler import ItemState, answer_item

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def card_yaml(i: int) -> str:
    """One generated card of a kind chosen by its number: basic, cloze, choice or code."""
    kind = ("basic", "basic", "cloze", "choice", "basic", "cloze", "code", "basic")[i % 8]
    head = f"  - id: gen-{i}\n    type: {kind}\n    tags: [t{i % 17}]\n"
    if kind == "basic":
        return head + f"    front: '问题 {i}: $x_{{{i}}}$ 的 $L_2$ 范数?'\n    back: 答案 {i}\n"
    if kind == "cloze":
        return head + f"    text: '第 {i} 个 {{{{c1::术语 {i}}}}} 与 {{{{c2::term {i}}}}}'\n"
    if kind == "choice":
        return (
            head
            + f"    prompt: 第 {i} 题选哪个?\n    choices: [训练集 {i}, 验证集 {i}, 测试集 {i}]\n"
            + f"    answer: 验证集 {i}\n"
        )
    code = f"print(torch.tensor({i % 97}))"
    return head + f"    code: |\n      {code}\n    output: tensor({i % 97})\n"


def write_decks(folder: Path, cards: int, files: int = 10) -> list[Path]:
    """`cards` generated cards split over `files` deck files under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-cards // files)
    paths = []
    for f in range(files):
        start, stop = f * per_file, min(cards, (f + 1) * per_file)
        if start >= stop:
            break
        path = folder / f"deck-{f:02d}.yaml"
        body = "".join(card_yaml(i) for i in range(start, stop))
        path.write_text(f'deck: "bench::part {f:02d}"\ncards:\n{body}', encoding="utf-8")
        paths.append(path)
    return paths


def add_history(col: Collection, *, days: int = 365, seed: int = 7, now: datetime = NOW) -> int:
    """Give most items a plausible review history over the last `days` days, as the log and
    the items' state (the same rules as live answers, so `rebuild` finds no difference).

    Written in bulk rather than through `Collection.answer`, which would take minutes for a
    year of 100,000 cards. Returns the number of log rows written.
    """
    rng = random.Random(seed)
    today = col.day(now)
    keys = [tuple(r) for r in col.store.conn.execute("SELECT card_id, ord FROM items")]
    log_rows = []
    states = []
    for card_id, ord_ in keys:
        if rng.random() < 0.3:
            continue  # still new
        state = ItemState()
        day = today - rng.randrange(1, days)
        while day < today:
            grade = rng.choices((5, 4, 3, 2, 1), weights=(40, 35, 12, 8, 5))[0]
            kind, after = answer_item(state, grade, day)
            log_rows.append(_log_row(card_id, ord_, day, kind, grade, state, after))
            state = after
            if after.drill_day == day:  # drilled again the same day until graded 4 or more
                kind, after = answer_item(state, 4, day)
                log_rows.append(_log_row(card_id, ord_, day, kind, 4, state, after))
                state = after
            day = state.due if state.due is not None else today
        states.append((*state_columns(state).values(), card_id, ord_))
    with col.store.write() as conn:
        conn.executemany(
            "INSERT INTO reviews(card_id, ord, at, day, kind, grade, ease_before, "
            "interval_before, repetitions_before, due_before, lapses_before, drill_day_before, "
            "ease_after, interval_after, repetitions_after, due_after, lapses_after, "
            "drill_day_after) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            log_rows,
        )
        conn.executemany(
            "UPDATE items SET ease = ?, interval = ?, repetitions = ?, due = ?, lapses = ?, "
            "drill_day = ? WHERE card_id = ? AND ord = ?",
            states,
        )
    return len(log_rows)


def _log_row(
    card_id: str,
    ord_: int,
    day: int,
    kind: str,
    grade: int,
    before: ItemState,
    after: ItemState,
) -> tuple[object, ...]:
    at = datetime.combine(date.fromordinal(day), time(10), NOW.tzinfo)
    return (
        card_id,
        ord_,
        int(at.timestamp() * 1000),
        day,
        kind,
        grade,
        *state_columns(before).values(),
        *state_columns(after).values(),
    )


def build_collection(folder: Path, cards: int, *, history_days: int = 365) -> Path:
    """A collection of `cards` generated cards (code cards verified) with a year of history."""
    from quizzer.collection import RunRecord

    decks = write_decks(folder / "decks", cards)
    db = folder / "collection.db"
    with Collection.open(db, now=NOW, import_builtin=False) as col:
        col.import_paths(decks, NOW)
        runs = [
            RunRecord(r.id, r.card.code, r.card.output, "ok", r.card.output)
            for r in col.cards()
            if r.card.type == "code"
        ]
        col.record_verification(runs, {"torch": "2.13.0"}, NOW)
        if history_days:
            add_history(col, days=history_days)
    return db
