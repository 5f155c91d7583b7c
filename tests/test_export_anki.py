"""The Anki export, checked by importing it into a real Anki collection (`anki` from PyPI).

One package is exported from small test decks and imported once per module (the `imported`
fixture); the update scenario (review in Anki, edit inside Anki, re-export unchanged, edit a
card in YAML, re-export) runs once in the `updates` fixture. Each test checks one thing.

Times: a note carries the time its card last changed in quizzer (never before
FORMAT_CHANGED_AT), and Anki compares it with the time of the note it holds; the times here
are fixed just after FORMAT_CHANGED_AT, and the edit made inside Anki is dated between them.
"""

from __future__ import annotations

import html
import re
import sqlite3
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import genanki
import pytest
from anki.collection import Collection as AnkiCollection
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner

from quizzer.cli import main
from quizzer.collection import CardRecord, Collection, RunRecord
from quizzer.export_anki import FORMAT_CHANGED_AT, MODEL_IDS, ExportSummary, export_apkg
from quizzer.models import review_ords

T1 = datetime.fromtimestamp(FORMAT_CHANGED_AT, UTC) + timedelta(seconds=60)
T2 = T1 + timedelta(seconds=60)
T3 = T2 + timedelta(seconds=60)

ROOT = Path(__file__).resolve().parents[1]

BASICS = """\
deck: "测试::基础"
tags: [export-test]
source: https://zh.d2l.ai/chapter_preliminaries/linear-algebra.html
cards:
  - id: exp-basic-math
    type: basic
    tags: [math]
    front: 切片 `x[0:9]` 与 $a < b$ 有什么不同?
    back: |-
      左闭右开区间 $[0, 9)$; 票价 $5 和 $10 不是公式。

      $$\\|\\mathbf{x}\\|_2 = \\sqrt{\\sum_i x_i^2}$$
  - id: exp-cloze-two
    type: cloze
    text: "具有一个轴的张量是 {{c1::向量 (vector)}}，两个轴的是 {{c2::$\\\\mathbf{A}$::矩阵}}"
    extra: 见 2.3 节
  - id: exp-choice-multi
    type: choice
    prompt: 哪些数据集不能用来选择超参数?
    choices: [训练集, 验证集, 测试集]
    answers: [训练集, 测试集]
"""

CODE = """\
deck: "测试::基础::代码"
tags: [export-test, code]
cards:
  - id: exp-code-ok
    type: code
    code: |
      x = torch.tensor([1, 2])
      print(x < 2)
    output: "tensor([ True, False])"
  - id: exp-code-unverified
    type: code
    code: |
      print(torch.zeros(2))
"""

OTHER = """\
deck: "测试::其他"
cards:
  - id: exp-other
    type: basic
    front: 梯度 (gradient)
    back: 偏导数组成的向量
"""

CODE_OK = "x = torch.tensor([1, 2])\nprint(x < 2)\n"


def write_decks(folder: Path) -> Path:
    """The three test deck files under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in [("basics.yaml", BASICS), ("code.yaml", CODE), ("other.yaml", OTHER)]:
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def quizzer_collection(db: Path, decks: Path) -> Collection:
    """A quizzer collection holding the test decks at T1, the code card `exp-code-ok`
    verified (as `quizzer verify` would record it)."""
    col = Collection.open(db, now=T1, import_builtin=False)
    col.import_paths([decks], T1)
    output = "tensor([ True, False])"
    ready = col.record_verification(
        [RunRecord("exp-code-ok", CODE_OK, expected=output, status="ok", output=output)],
        {"torch": "2.13.0"},
        T1,
    )
    assert ready == 1
    return col


def new_anki(folder: Path) -> AnkiCollection:
    """A fresh, empty Anki collection in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return AnkiCollection(str(folder / "collection.anki2"))


def anki_import(col: AnkiCollection, package: Path) -> dict[str, list[int]]:
    """Import `package` as Anki's import dialog does by default, merging note types; the
    note ids of the import log per outcome."""
    response = col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=False),
        )
    )
    log = response.log
    return {
        outcome: [n.id.nid for n in getattr(log, outcome)]
        for outcome in ("new", "updated", "duplicate", "conflicting", "first_field_match")
    }


def note_of(col: AnkiCollection, card_id: str) -> Any:
    """The Anki note exported from quizzer card `card_id` (found by its GUID)."""
    nid = col.db.scalar("select id from notes where guid = ?", genanki.guid_for(card_id))
    assert nid, f"no note for {card_id}"
    return col.get_note(nid)


def visible_text(rendered: str) -> str:
    """What a rendered card shows as text: without the style sheet and tags, unescaped."""
    body = re.sub(r"<style>.*?</style>", "", rendered, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


@dataclass
class Imported:
    """A package exported from the test decks and imported into a fresh Anki collection."""

    anki: AnkiCollection
    summary: ExportSummary
    log: dict[str, list[int]]
    records: list[CardRecord]
    package: Path


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    tmp = tmp_path_factory.mktemp("anki-export")
    with quizzer_collection(tmp / "q.db", write_decks(tmp / "decks")) as col:
        records = col.cards()
    package = tmp / "test.apkg"
    summary = export_apkg(records, package, now=T1)
    anki = new_anki(tmp / "anki")
    log = anki_import(anki, package)
    # the Python side caches note types: reopen before reading them back
    anki.close()
    anki = AnkiCollection(str(tmp / "anki" / "collection.anki2"))
    yield Imported(anki, summary, log, records, package)
    anki.close()


# -- what arrives --------------------------------------------------------------------------


def test_summary_counts_notes_per_kind_and_leaves_out_unverified_code(imported: Imported) -> None:
    s = imported.summary
    assert s.notes == {"basic": 2, "cloze": 1, "choice": 1, "code": 1}
    assert s.cards == 6  # the cloze card has two deletions
    assert s.unverified == ("exp-code-unverified",)
    assert set(s.decks) == {"测试::基础", "测试::基础::代码", "测试::其他"}
    assert s.size_bytes == imported.package.stat().st_size > 0
    assert "1 code card without a verified output" in (s.unverified_line() or "")


def test_every_note_arrives_new_once(imported: Imported) -> None:
    assert len(imported.log["new"]) == 5
    assert not any(imported.log[k] for k in ("updated", "duplicate", "conflicting"))


def test_card_counts_per_deck_keep_the_hierarchy(imported: Imported) -> None:
    anki = imported.anki
    names = {d.name for d in anki.decks.all_names_and_ids()}
    assert {"测试", "测试::基础", "测试::基础::代码", "测试::其他"} <= names
    per_deck = {
        anki.decks.name(did): n
        for did, n in anki.db.all("select did, count() from cards group by did")
    }
    assert per_deck == {"测试::基础": 4, "测试::基础::代码": 1, "测试::其他": 1}
    # a deck includes its sub-decks, as in quizzer
    assert len(anki.find_cards('"deck:测试::基础"')) == 5


def test_note_types_have_fixed_ids_names_and_fields(imported: Imported) -> None:
    anki = imported.anki
    fields = {}
    for kind, model_id in MODEL_IDS.items():
        model = anki.models.get(model_id)
        assert model is not None and model["name"] == f"quizzer {kind}"
        fields[kind] = [f["name"] for f in model["flds"]]
        assert "nightMode" in model["css"] and "monospace" in model["css"]
        assert "Noto Sans CJK SC" in model["css"]
    assert fields == {
        "basic": ["Front", "Back", "Source"],
        "cloze": ["Text", "Extra", "Source"],
        "choice": ["Prompt", "Choices", "Answer", "Source"],
        "code": ["Prompt", "Code", "Output", "Source"],
    }
    assert anki.models.get(MODEL_IDS["cloze"])["type"] == 1  # Anki's cloze type


def test_math_delimiters_are_converted_and_prices_left_alone(imported: Imported) -> None:
    note = note_of(imported.anki, "exp-basic-math")
    assert note["Front"] == "切片 <code>x[0:9]</code> 与 \\(a &lt; b\\) 有什么不同?"
    assert "\\([0, 9)\\)" in note["Back"]
    assert "票价 $5 和 $10 不是公式" in note["Back"]
    assert "\\[\\|\\mathbf{x}\\|_2 = \\sqrt{\\sum_i x_i^2}\\]" in note["Back"]
    assert "$" not in note["Front"]


def test_code_is_escaped_in_its_field_and_shown_as_written(imported: Imported) -> None:
    note = note_of(imported.anki, "exp-code-ok")
    assert "&lt;" in note["Code"] and "x < 2" not in note["Code"]
    assert 'style="color' in note["Code"]  # pygments' inline colours
    assert note["Output"] == '<pre class="output">tensor([ True, False])</pre>'
    question = note.cards()[0].question()
    assert "print(x < 2)" in visible_text(question)
    assert "tensor([ True" not in visible_text(question)


def test_chinese_text_arrives_intact(imported: Imported) -> None:
    other = note_of(imported.anki, "exp-other")
    assert (other["Front"], other["Back"]) == ("梯度 (gradient)", "偏导数组成的向量")
    assert "具有一个轴的张量是" in note_of(imported.anki, "exp-cloze-two")["Text"]


def test_cloze_note_gives_one_card_per_deletion(imported: Imported) -> None:
    note = note_of(imported.anki, "exp-cloze-two")
    assert note["Text"] == (
        "具有一个轴的张量是 {{c1::向量 (vector)}}，两个轴的是 {{c2::\\(\\mathbf{A}\\)::矩阵}}"
    )
    cards = sorted(note.cards(), key=lambda c: c.ord)
    assert [c.ord for c in cards] == [0, 1]
    first, second = (visible_text(c.question()) for c in cards)
    assert "[...]" in first and "向量 (vector)" not in first
    assert "[矩阵]" in second and "向量 (vector)" in second
    assert "见 2.3 节" in visible_text(cards[0].answer())


def test_choice_back_marks_the_right_choices(imported: Imported) -> None:
    card = note_of(imported.anki, "exp-choice-multi").cards()[0]
    front = visible_text(card.question())
    assert "A 训练集" in front and "C 测试集" in front and "✓" not in front
    back = card.answer()
    right = re.findall(r'<li class="right"><span class="letter">(\w)</span> (\w+)', back)
    assert right == [("A", "训练集"), ("C", "测试集")]
    assert back.count("✓") == 2


def test_tags_are_the_decks_and_the_cards(imported: Imported) -> None:
    anki = imported.anki
    assert note_of(anki, "exp-basic-math").tags == ["export-test", "math"]
    assert note_of(anki, "exp-code-ok").tags == ["code", "export-test"]
    assert note_of(anki, "exp-other").tags == []


def test_source_link_is_on_the_back(imported: Imported) -> None:
    card = note_of(imported.anki, "exp-basic-math").cards()[0]
    url = "https://zh.d2l.ai/chapter_preliminaries/linear-algebra.html"
    assert f'<a href="{url}">' in card.answer()
    assert url not in card.question()


def test_every_card_renders_and_arrives_new(imported: Imported) -> None:
    anki = imported.anki
    cids = anki.find_cards("")
    assert len(cids) == 6
    for cid in cids:
        card = anki.get_card(cid)
        assert (card.queue, card.type) == (0, 0)
        assert visible_text(card.question()).strip()
        assert len(visible_text(card.answer())) > len(visible_text(card.question())) - 10


def test_notes_carry_their_change_time_not_the_export_time(imported: Imported) -> None:
    with zipfile.ZipFile(imported.package) as z, z.open("collection.anki2") as f:
        db = imported.package.with_suffix(".anki2")
        db.write_bytes(f.read())
    conn = sqlite3.connect(db)
    try:
        mods = {row[0] for row in conn.execute("select mod from notes")}
        model_mods = conn.execute("select models from col").fetchone()[0]
    finally:
        conn.close()
    assert mods == {int(T1.timestamp())}
    assert f'"mod": {FORMAT_CHANGED_AT}' in model_mods


# -- updating in place ---------------------------------------------------------------------


@dataclass
class Updates:
    """What the update scenario saw; see the `updates` fixture."""

    anki: AnkiCollection
    unchanged_log: dict[str, list[int]]
    edited_log: dict[str, list[int]]
    before: dict[int, tuple[list[str], int]]
    after: dict[int, tuple[list[str], int]]
    reviewed_nid: int
    reviewed_cid: int
    anki_edited_nid: int


@pytest.fixture(scope="module")
def updates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Updates]:
    """Export and import; review `exp-basic-math` and edit `exp-other` inside Anki;
    re-export unchanged and import; edit `exp-basic-math` in its YAML, re-import it into
    quizzer, re-export and import again."""
    tmp = tmp_path_factory.mktemp("anki-update")
    decks = write_decks(tmp / "decks")
    anki = new_anki(tmp / "anki")
    with quizzer_collection(tmp / "q.db", decks) as col:
        export_apkg(col.cards(), tmp / "1.apkg", now=T1)
        assert len(anki_import(anki, tmp / "1.apkg")["new"]) == 5

        reviewed = note_of(anki, "exp-basic-math").cards()[0]
        reviewed.start_timer()
        anki.sched.answerCard(reviewed, 3)
        edited = note_of(anki, "exp-other")
        edited["Back"] = "在 Anki 里改过"
        anki.update_note(edited)
        # Anki dates the edit by the real clock; pin it between the two exports, so the
        # scenario does not depend on when the test runs.
        anki.db.execute(
            "update notes set mod = ? where id = ?", int(T1.timestamp()) + 30, edited.id
        )

        export_apkg(col.cards(), tmp / "2.apkg", now=T2)
        unchanged_log = anki_import(anki, tmp / "2.apkg")
        before = snapshot(anki)

        basics = decks / "basics.yaml"
        basics.write_text(
            basics.read_text(encoding="utf-8").replace("有什么不同?", "有什么区别?"),
            encoding="utf-8",
        )
        report = col.import_paths([decks], T3)
        assert report.total().updated == 1
        export_apkg(col.cards(), tmp / "3.apkg", now=T3)
        edited_log = anki_import(anki, tmp / "3.apkg")
    yield Updates(
        anki=anki,
        unchanged_log=unchanged_log,
        edited_log=edited_log,
        before=before,
        after=snapshot(anki),
        reviewed_nid=reviewed.nid,
        reviewed_cid=reviewed.id,
        anki_edited_nid=edited.id,
    )
    anki.close()


def snapshot(anki: AnkiCollection) -> dict[int, tuple[list[str], int]]:
    """Every note's fields and modification time, by note id."""
    return {nid: (anki.get_note(nid).fields, anki.get_note(nid).mod) for nid in anki.find_notes("")}


def test_unchanged_reexport_updates_nothing(updates: Updates) -> None:
    log = updates.unchanged_log
    assert not log["new"] and not log["updated"] and not log["conflicting"]
    assert len(log["duplicate"]) == 5


def test_edit_inside_anki_survives_an_unchanged_reexport(updates: Updates) -> None:
    fields, _ = updates.before[updates.anki_edited_nid]
    assert fields[1] == "在 Anki 里改过"


def test_edited_card_updates_exactly_its_note(updates: Updates) -> None:
    log = updates.edited_log
    assert log["updated"] == [updates.reviewed_nid]
    assert not log["new"] and not log["conflicting"]
    front = updates.anki.get_note(updates.reviewed_nid)["Front"]
    assert front == "切片 <code>x[0:9]</code> 与 \\(a &lt; b\\) 有什么区别?"


def test_update_duplicates_no_note(updates: Updates) -> None:
    anki = updates.anki
    assert set(updates.after) == set(updates.before)
    assert anki.db.scalar("select count(distinct guid) from notes") == 5
    assert len(anki.find_cards("")) == 6


def test_other_notes_are_untouched_by_the_update(updates: Updates) -> None:
    others = set(updates.before) - {updates.reviewed_nid}
    assert {n: updates.after[n] for n in others} == {n: updates.before[n] for n in others}
    assert updates.after[updates.anki_edited_nid][0][1] == "在 Anki 里改过"


def test_review_history_survives_the_update(updates: Updates) -> None:
    anki = updates.anki
    cid = updates.reviewed_cid
    assert anki.db.scalar("select count() from revlog where cid = ?", cid) == 1
    card = anki.get_card(cid)
    assert card.nid == updates.reviewed_nid
    assert card.type != 0 and card.queue != 0  # still being learned, not new again


# -- the command and the built-in decks ----------------------------------------------------


def test_command_exports_a_selection_and_says_what_it_left_out(tmp_path: Path) -> None:
    decks = write_decks(tmp_path / "decks")
    db = tmp_path / "q.db"
    quizzer_collection(db, decks).close()
    out = tmp_path / "code.apkg"
    env = {"QUIZZER_NOW": T2.isoformat()}
    args = ["--db", str(db), "export", "anki", str(out), "--deck", "测试::基础", "--tag", "code"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(
        rf"wrote {re.escape(str(out))}: 1 note \(1 code\), 1 Anki card, 1 deck, \d+ KB", lines[0]
    )
    assert lines[1].startswith("left out 1 code card without a verified output")
    assert len(lines) == 2  # no progress bar when the output is not a terminal
    assert zipfile.ZipFile(out).namelist() == ["collection.anki2", "media"]


def test_command_rejects_an_unknown_deck_with_a_sentence(tmp_path: Path) -> None:
    decks = write_decks(tmp_path / "decks")
    db = tmp_path / "q.db"
    quizzer_collection(db, decks).close()
    out = tmp_path / "x.apkg"
    result = CliRunner().invoke(main, ["--db", str(db), "export", "anki", str(out), "--deck", "无"])
    assert result.exit_code == 1
    assert "there is no deck called '无'" in result.output
    assert not out.exists()


def test_builtin_decks_export_and_import(tmp_path: Path) -> None:
    db, out = tmp_path / "q.db", tmp_path / "d2l.apkg"
    env = {"QUIZZER_NOW": T2.isoformat()}
    result = CliRunner().invoke(main, ["--db", str(db), "export", "anki", str(out)], env=env)
    assert result.exit_code == 0, result.output
    with Collection.open(db) as col:
        records = col.cards()
    exported = [r for r in records if r.card.type != "code" or r.verified_output is not None]
    left_out = len(records) - len(exported)
    assert f"left out {left_out} code card" in result.output or left_out == 0

    anki = new_anki(tmp_path / "anki")
    try:
        log = anki_import(anki, out)
        assert len(log["new"]) == len(exported)
        assert not log["conflicting"] and not log["duplicate"]
        per_deck: dict[str, int] = {}
        for r in exported:
            per_deck[r.deck] = per_deck.get(r.deck, 0) + len(review_ords(r.card))
        got = {
            anki.decks.name(did): n
            for did, n in anki.db.all("select did, count() from cards group by did")
        }
        assert got == per_deck
        assert "d2l" in {d.name for d in anki.decks.all_names_and_ids()}
        for cid in anki.find_cards(""):
            card = anki.get_card(cid)
            assert card.queue == 0
            assert visible_text(card.question()).strip()
    finally:
        anki.close()
