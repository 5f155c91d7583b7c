"""Importing decks: one transaction, unchanged files untouched, edits keep state, removals
retire cards with their history, code changes unverify."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzer.collection import Collection, RunRecord
from quizzer.errors import DeckError
from tests.helpers import BASIC_DECK, NOW, dump


def test_import_adds_cards_and_items(col: Collection, basic_deck: Path) -> None:
    report = col.import_paths([basic_deck], NOW)
    changes = report.decks["d2l::02 预备知识"]
    assert (changes.added, changes.updated, changes.unchanged, changes.retired) == (4, 0, 0, 0)
    assert col.store.one("SELECT count(*) FROM items") == 4


def test_card_remembers_file_and_line(loaded: Collection, basic_deck: Path) -> None:
    item = loaded.item("which-set-tunes")
    assert item.path == str(basic_deck.resolve())
    assert item.line == 13


def test_reimport_of_unchanged_file_writes_nothing(loaded: Collection, basic_deck: Path) -> None:
    before = dump(loaded.path)
    changes = loaded.store.conn.total_changes
    report = loaded.import_paths([basic_deck], NOW)
    assert report.files_unchanged == 1
    assert report.files_read == 0
    assert report.decks["d2l::02 预备知识"].unchanged == 4
    assert loaded.store.conn.total_changes == changes
    assert dump(loaded.path) == before


def test_failed_import_writes_nothing(loaded: Collection, basic_deck: Path, write_deck) -> None:
    before = dump(loaded.path)
    basic_deck.write_text(BASIC_DECK.replace("左闭右开", "左闭右开!"), encoding="utf-8")
    bad = write_deck("bad.yaml", "deck: y\ncards:\n  - id: z\n    type: nope\n")
    with pytest.raises(DeckError) as error:
        loaded.import_paths([basic_deck, bad], NOW)
    assert f"{bad}:3" in str(error.value)
    assert dump(loaded.path) == before


def test_edited_card_keeps_its_state(loaded: Collection, basic_deck: Path) -> None:
    loaded.answer("slice-half-open", 0, 5, NOW)
    state = loaded.item("slice-half-open").state
    basic_deck.write_text(BASIC_DECK.replace("左闭右开 (half-open)", "半开 (half-open)"), "utf-8")
    report = loaded.import_paths([basic_deck], NOW)
    assert report.decks["d2l::02 预备知识"].updated == 1
    item = loaded.item("slice-half-open")
    assert item.card.back.startswith("半开")
    assert item.state == state


def test_edit_moves_changed_time_only_for_that_card(loaded: Collection, basic_deck: Path) -> None:
    from datetime import timedelta

    before = {r.id: r.changed_at_ms for r in loaded.cards()}
    basic_deck.write_text(BASIC_DECK.replace("左闭右开 (half-open)", "半开 (half-open)"), "utf-8")
    loaded.import_paths([basic_deck], NOW + timedelta(hours=1))
    after = {r.id: r.changed_at_ms for r in loaded.cards()}
    changed = [i for i in before if before[i] != after[i]]
    assert changed == ["slice-half-open"]


def test_removed_card_is_retired_with_its_history(loaded: Collection, basic_deck: Path) -> None:
    loaded.answer("which-set-tunes", 0, 4, NOW)
    text = (
        BASIC_DECK[: BASIC_DECK.index("  - id: which-set-tunes")]
        + BASIC_DECK[BASIC_DECK.index("  - id: norm-l2-of-3-4") :]
    )
    basic_deck.write_text(text, encoding="utf-8")
    report = loaded.import_paths([basic_deck], NOW)
    assert report.decks["d2l::02 预备知识"].retired == 1
    assert loaded.store.one("SELECT retired FROM cards WHERE id = 'which-set-tunes'") == 1
    assert len(loaded.history("which-set-tunes")) == 1
    assert all(i.card_id != "which-set-tunes" for i in loaded.queue(NOW))


def test_retired_card_comes_back_with_its_state(loaded: Collection, basic_deck: Path) -> None:
    loaded.answer("which-set-tunes", 0, 5, NOW)
    state = loaded.item("which-set-tunes").state
    start = BASIC_DECK.index("  - id: which-set-tunes")
    end = BASIC_DECK.index("  - id: norm-l2-of-3-4")
    basic_deck.write_text(BASIC_DECK[:start] + BASIC_DECK[end:], encoding="utf-8")
    loaded.import_paths([basic_deck], NOW)
    basic_deck.write_text(BASIC_DECK, encoding="utf-8")
    report = loaded.import_paths([basic_deck], NOW)
    assert report.decks["d2l::02 预备知识"].updated == 1
    assert loaded.item("which-set-tunes").state == state
    assert loaded.store.one("SELECT retired FROM items WHERE card_id = 'which-set-tunes'") == 0


def test_file_gone_from_folder_retires_its_cards(col: Collection, write_deck) -> None:
    one = write_deck("one.yaml", BASIC_DECK)
    write_deck(
        "two.yaml", "deck: other\ncards:\n  - id: o1\n    type: basic\n    front: f\n    back: b\n"
    )
    col.import_paths([one.parent], NOW)
    (one.parent / "two.yaml").unlink()
    report = col.import_paths([one.parent], NOW)
    assert report.files_removed == 1
    assert report.decks["other"].retired == 1
    assert col.store.one("SELECT retired FROM cards WHERE id = 'o1'") == 1


def test_cloze_gets_one_item_per_deletion_number(col: Collection, write_deck) -> None:
    deck = write_deck(
        "c.yaml",
        "deck: x\ncards:\n  - id: z\n    type: cloze\n    text: '{{c1::a}} {{c2::b}} {{c1::c}}'\n",
    )
    col.import_paths([deck], NOW)
    assert [r[0] for r in col.store.rows("SELECT ord FROM items ORDER BY ord")] == [1, 2]


def test_removed_deletion_retires_its_item(col: Collection, write_deck) -> None:
    text = "deck: x\ncards:\n  - id: z\n    type: cloze\n    text: '{{c1::a}} {{c2::b}}'\n"
    deck = write_deck("c.yaml", text)
    col.import_paths([deck], NOW)
    deck.write_text(text.replace(" {{c2::b}}", " b"), encoding="utf-8")
    col.import_paths([deck], NOW)
    rows = col.store.rows("SELECT ord, retired FROM items ORDER BY ord")
    assert [tuple(r) for r in rows] == [(1, 0), (2, 1)]


def test_code_card_waits_for_verification(loaded: Collection) -> None:
    assert loaded.store.one("SELECT ready FROM items WHERE card_id = 'norm-l2-of-3-4'") == 0
    assert all(i.kind != "code" for i in loaded.queue(NOW))


def test_verified_code_card_is_reviewable(loaded: Collection) -> None:
    code = "u = torch.tensor([3.0, -4.0])\nprint(torch.norm(u))\n"
    run = RunRecord("norm-l2-of-3-4", code, "tensor(5.)", "ok", "tensor(5.)")
    assert loaded.record_verification([run], {"torch": "2.13.0"}, NOW) == 1
    item = loaded.item("norm-l2-of-3-4")
    assert item.verified_output == "tensor(5.)"
    assert any(i.kind == "code" for i in loaded.queue(NOW))


def test_changed_code_marks_card_unverified(loaded: Collection, basic_deck: Path) -> None:
    code = "u = torch.tensor([3.0, -4.0])\nprint(torch.norm(u))\n"
    loaded.record_verification(
        [RunRecord("norm-l2-of-3-4", code, "tensor(5.)", "ok", "tensor(5.)")], {}, NOW
    )
    basic_deck.write_text(BASIC_DECK.replace("-4.0", "-4.5"), encoding="utf-8")
    loaded.import_paths([basic_deck], NOW)
    assert loaded.item("norm-l2-of-3-4").verified_output is None
    assert loaded.store.one("SELECT ready FROM items WHERE card_id = 'norm-l2-of-3-4'") == 0


def test_changed_prompt_keeps_verification(loaded: Collection, basic_deck: Path) -> None:
    code = "u = torch.tensor([3.0, -4.0])\nprint(torch.norm(u))\n"
    loaded.record_verification(
        [RunRecord("norm-l2-of-3-4", code, "tensor(5.)", "ok", "tensor(5.)")], {}, NOW
    )
    text = BASIC_DECK.replace("    code: |\n", "    prompt: 输出什么?\n    code: |\n")
    basic_deck.write_text(text, encoding="utf-8")
    loaded.import_paths([basic_deck], NOW)
    assert loaded.item("norm-l2-of-3-4").verified_output == "tensor(5.)"


def test_id_used_by_another_imported_file_is_an_error(loaded: Collection, write_deck) -> None:
    other = write_deck(
        "other.yaml",
        "deck: y\ncards:\n  - id: slice-half-open\n    type: basic\n    front: f\n    back: b\n",
    )
    with pytest.raises(DeckError, match="already used at"):
        loaded.import_paths([other], NOW)


def test_card_may_move_between_files_imported_together(loaded: Collection, write_deck) -> None:
    basic = Path(loaded.item("slice-half-open").path)
    start = BASIC_DECK.index("  - id: slice-half-open")
    end = BASIC_DECK.index("  - id: norm-homogeneity")
    moved = BASIC_DECK[start:end]
    basic.write_text(BASIC_DECK[:start] + BASIC_DECK[end:], encoding="utf-8")
    other = write_deck("other.yaml", 'deck: "d2l::02 预备知识"\ncards:\n' + moved)
    loaded.import_paths([basic, other], NOW)
    assert loaded.item("slice-half-open").path == str(other.resolve())
    assert loaded.store.one("SELECT retired FROM cards WHERE id = 'slice-half-open'") == 0


def test_generated_ids_are_stable(col: Collection, write_deck) -> None:
    deck = write_deck("n.yaml", "deck: x\ncards:\n  - type: basic\n    front: f\n    back: b\n")
    report = col.import_paths([deck], NOW)
    assert "has no id" in str(report.warnings[0])
    first = [r.id for r in col.cards()]
    deck.write_text(deck.read_text() + "\n# touched\n", encoding="utf-8")
    col.import_paths([deck], NOW)
    assert [r.id for r in col.cards()] == first
