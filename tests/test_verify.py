"""Verifying code cards: classification (pure) and the real runner end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from quizzer.cli import main
from quizzer.collection import Collection
from quizzer.runner import SnippetResult
from quizzer.verify import CodeCardSource, classify
from tests.helpers import NOW

CARD = CodeCardSource("c", "print(1)", "tensor(5.)", Path("d.yaml"), 3)


def ran(output: str, status: str = "ok", detail: str = "") -> SnippetResult:
    return SnippetResult("c", status, output, "", 0.01, detail)


def test_same_output_twice_matching_the_card_is_ok() -> None:
    assert classify(CARD, ran("tensor(5.)"), ran("tensor(5.)  \n")).status == "ok"


def test_output_differing_from_the_card_is_a_mismatch() -> None:
    verdict = classify(CARD, ran("tensor(6.)"), ran("tensor(6.)"))
    assert verdict.status == "mismatch"
    assert verdict.fixable
    assert "-tensor(5.)" in verdict.explanation()
    assert "+tensor(6.)" in verdict.explanation()


def test_mismatch_after_torch_changed_is_stale() -> None:
    verdict = classify(CARD, ran("tensor(6.)"), ran("tensor(6.)"), lambda card: "2.12.0")
    assert verdict.status == "stale"
    assert "verified under torch 2.12.0" in verdict.explanation()


def test_card_without_output_is_missing() -> None:
    card = CodeCardSource("c", "print(1)", None, Path("d.yaml"), 3)
    verdict = classify(card, ran("1"), ran("1"))
    assert (verdict.status, verdict.output, verdict.fixable) == ("missing", "1", True)


def test_runs_that_differ_are_nondeterministic() -> None:
    verdict = classify(CARD, ran("0.1"), ran("0.7"))
    assert verdict.status == "nondeterministic"
    assert not verdict.fixable
    assert "manual_seed" in verdict.explanation()


@pytest.mark.parametrize("status", ["timeout", "crashed"])
def test_failed_run_decides(status: str) -> None:
    verdict = classify(CARD, ran("tensor(5.)"), ran("", status, "it stopped"))
    assert verdict.status == status
    assert verdict.explanation() == "it stopped"


DECK = """\
deck: v
cards:
  - id: norm  # the L2 norm
    type: code
    code: |
      u = torch.tensor([3.0, -4.0])
      print(torch.norm(u))
  - id: shape-error
    type: code
    code: |
      torch.ones(2, 3) @ torch.ones(2, 3)
  - id: wrong
    type: code
    code: |
      print(torch.arange(3))
    output: tensor([0, 1, 3])
  - id: random
    type: code
    code: |
      print(hash("quizzer"), torch.rand(1).item())
"""


@pytest.mark.slow
def test_verify_fix_then_review(tmp_path: Path) -> None:
    deck = tmp_path / "v.yaml"
    deck.write_text(DECK, encoding="utf-8")
    db = tmp_path / "c.db"
    runner = CliRunner()
    assert (
        runner.invoke(main, ["--db", str(db), "--no-builtin", "import", str(deck)]).exit_code == 0
    )

    first = runner.invoke(main, ["--db", str(db), "verify"])
    assert first.exit_code == 1
    assert "missing          norm" in first.output
    assert "mismatch         wrong" in first.output
    assert "nondeterministic random" in first.output
    assert "2 missing, 1 mismatch, 1 nondeterministic" in first.output

    fixed = runner.invoke(main, ["--db", str(db), "verify", "--fix"])
    assert fixed.exit_code == 1  # the random card cannot be fixed
    text = deck.read_text(encoding="utf-8")
    assert "  - id: norm  # the L2 norm\n" in text
    assert "    output: tensor(5.)\n" in text
    assert "    output: 'RuntimeError: mat1 and mat2 shapes cannot be multiplied" in text or (
        'output: "RuntimeError: mat1 and mat2 shapes cannot be multiplied' in text
    )
    assert "    output: tensor([0, 1, 2])\n" in text

    with Collection.open(db) as col:
        ready = {i.card_id: i.verified_output for i in col.queue(NOW) if i.kind == "code"}
    assert ready["norm"] == "tensor(5.)"
    assert ready["wrong"] == "tensor([0, 1, 2])"
    assert "random" not in ready

    again = runner.invoke(main, ["--db", str(db), "verify", str(deck)])
    assert "3 ok, 1 nondeterministic" in again.output
