"""The answer checker: code output by tokens, choices, cloze, diff and proposed grade."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzer.answers import (
    QUICK_SECONDS,
    Verdict,
    check_choice,
    check_cloze,
    check_code_output,
    output_diff,
    propose_grade,
)

PADDED = "tensor([[ 5,  6],\n        [ 9, 10]])"

# (typed, expected): the same answer written differently
RIGHT = [
    ("tensor(5.)", "tensor(5.)"),
    ("  tensor(5.)  \n\n", "tensor(5.)"),
    ("tensor([[5, 6], [9, 10]])", PADDED),
    ("tensor([[5,6],[9,10]])", PADDED),
    ("tensor([[5, 6],\n[9, 10]])", PADDED),
    ("tensor(5.0)", "tensor(5.)"),
    ("tensor(5.0000)", "tensor(5.)"),
    ("tensor(5.)", "tensor(5.0000)"),
    ("tensor([0., 1.])", "tensor([-0., 1.])"),
    ("tensor([-0., 1.])", "tensor([0.0000, 1.0000])"),
    ("tensor(0.001)", "tensor(1.0000e-03)"),
    ("tensor([1000., 0.5])", "tensor([1.0000e+03, 5.0000e-01])"),
    ("tensor(.5)", "tensor(0.5000)"),
    ("tensor([-1.5, 2.])", "tensor([-1.5000,  2.0000])"),
    ("torch.Size([2, 3])", "torch.Size([2, 3])"),
    ("torch.Size([2,3])", "torch.Size([2, 3])"),
    ("True", "True"),
    ("tensor([True, False])", "tensor([ True, False])"),
    ("tensor([1., 2.], dtype=torch.float64)", "tensor([1., 2.], dtype=torch.float64)"),
    ("tensor([1, 2],dtype=torch.int32)", "tensor([1, 2], dtype=torch.int32)"),
    ("tensor([nan, inf, -inf])", "tensor([nan, inf, -inf])"),
    ("0.30000000000000004", "0.30000000000000004"),
    ("2.0", "2."),
    ("(2, 3)", "(2, 3)"),
    ("[1, 2, 3]", "[1,\n 2,\n 3]"),
    (
        "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) "
        "at non-singleton dimension 0",
        "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at "
        "non-singleton dimension 0",
    ),
    ("a\nb", "a b"),
    ("tensor([[1, 2]])\ntorch.Size([1, 2])", "tensor([[1, 2]])\ntorch.Size([1, 2])"),
    ("ｔｅｎｓｏｒ（５．）", "tensor(5.)"),  # typed with a Chinese input method
    ("tensor(5.)，", "tensor(5.),"),
    ("形状：(2, 3)", "形状:(2, 3)"),
    ("形状:(2, 3)", "形状：(2, 3)"),
    ("x-1", "x - 1"),
    ("3 - 1", "3 -1"),
    ("中文 输出", "中文  输出"),
    ("", ""),
    ("  ", ""),
    ("tensor([ 0,  1,  2,  ..., 97, 98, 99])", "tensor([ 0,  1,  2,  ..., 97, 98, 99])"),
    ("tensor([0, 1, 2, ..., 97, 98, 99])", "tensor([ 0,  1,  2,  ..., 97, 98, 99])"),
    ("tensor(1e3)", "tensor(1000.)"),
]

# (typed, expected, words the explanation must contain)
WRONG = [
    ("tensor(5)", "tensor(5.)", ["5 is an integer", "float 5."]),
    ("tensor(5.)", "tensor(5)", ["5. is a float", "integer 5"]),
    ("tensor([1., 3.])", "tensor([1., 2.])", ["the value 3. differs from 2."]),
    ("tensor(0.33333)", "tensor(0.3333)", ["the value 0.33333 differs from 0.3333"]),
    ("tensor(-1.)", "tensor(1.)", ["the value -1. differs from 1."]),
    ("tensor([1., 2.])", "tensor([1., 2.], dtype=torch.float64)", ["dtype=torch.float64"]),
    ("tensor([1., 2.], dtype=torch.float64)", "tensor([1., 2.])", ["dtype"]),
    ("tensor([1, 2])", "tensor([[1, 2]])", ["expected 'tensor([[1, 2]])'"]),
    ("torch.Size([3, 2])", "torch.Size([2, 3])", ["the value 3 differs from 2"]),
    ("(2, 3)", "torch.Size([2, 3])", ["expected 'torch.Size([2, 3])', got '(2, 3)'"]),
    ("true", "True", ["expected 'True', got 'true'"]),
    ("False", "True", ["expected 'True', got 'False'"]),
    ("ab", "a b", ["expected 'a b', got 'ab'"]),
    ("a b", "ab", ["expected 'ab', got 'a b'"]),
    ("12", "1 2", ["the value 12 differs from 1"]),
    ("tensor(2)", "tensor(2.)", ["integer"]),
    ("2", "2.0", ["2 is an integer"]),
    ("tensor(1000)", "tensor(1e3)", ["integer"]),
    ("", "tensor(5.)", ["got nothing"]),
    ("   \n", "tensor(5.)", ["got nothing"]),
    ("tensor(5.)", "", ["prints nothing"]),
    ("tensor(5.) tensor(6.)", "tensor(5.)", ["goes on after the output ends", "tensor(6.)"]),
    ("tensor(5.)", "tensor(5.)\ntensor(6.)", ["line 2", "stops early", "tensor(6.)"]),
    ("a\nb\nc", "a\nb\nd", ["line 3: expected 'd', got 'c'"]),
    ("tensor(nan)", "tensor(inf)", ["expected 'tensor(inf)'"]),
    ("IndexError: index 3 is out of bounds", "IndexError: index 2 is out of bounds", ["3"]),
    ("ValueError: bad", "TypeError: bad", ["expected 'TypeError: bad'"]),
    ("tensor([1., 2.])", "tensor([1., 2.]) tensor([1., 2.])", ["stops early"]),
    ("tensor(5.)", "tensor(5.,)", ["expected 'tensor(5.,)', got 'tensor(5.)'"]),
    ("- 1", "-1", ["expected '-1', got '- 1'"]),
]


@pytest.mark.parametrize(("typed", "expected"), RIGHT)
def test_same_answer_written_differently_is_right(typed: str, expected: str) -> None:
    assert check_code_output(typed, expected) == Verdict(True, "")


@pytest.mark.parametrize(("typed", "expected", "words"), WRONG)
def test_different_answer_is_wrong_and_says_where(
    typed: str, expected: str, words: list[str]
) -> None:
    verdict = check_code_output(typed, expected)
    assert not verdict.correct
    for word in words:
        assert word in verdict.explanation, verdict.explanation


def test_explanation_of_a_multiline_output_names_the_line() -> None:
    verdict = check_code_output("tensor([1., 2.])\ntensor([1., 3.])", "tensor([1., 2.])\n" * 2)
    assert verdict.explanation == (
        "line 2: expected 'tensor([1., 2.])', got 'tensor([1., 3.])': the value 3. differs from 2."
    )


def test_explanation_of_a_long_line_is_cut() -> None:
    expected = "tensor([" + ", ".join(["1."] * 60) + "])"
    verdict = check_code_output(expected.replace("1.])", "2.])"), expected)
    assert "the value 2. differs from 1." in verdict.explanation
    assert "…" in verdict.explanation and len(verdict.explanation) < 220


# -- hypothesis: a repr matches itself however it is spaced -----------------------------------

numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.decimals(-(10**4), 10**4, places=4, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d:.4f}"
    ),
    st.floats(1e-8, 1e8).map(lambda f: f"{f:.4e}"),
    st.sampled_from(["nan", "inf", "-inf", "True", "False", "-0.", "0."]),
)


@st.composite
def tensor_reprs(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A torch-like repr as tokens (numbers, brackets, commas, a dtype) and its text."""
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 4))
    cells = [[draw(numbers) for _ in range(cols)] for _ in range(rows)]
    dtype = draw(st.sampled_from(["", "torch.float64", "torch.int32", "torch.bool"]))
    pieces = ["tensor", "(", "["]
    for r, row in enumerate(cells):
        pieces.append("[")
        for c, cell in enumerate(row):
            pieces.append(cell)
            if c < cols - 1:
                pieces.append(",")
        pieces.append("]")
        if r < rows - 1:
            pieces.append(",")
    pieces.append("]")
    if dtype:
        pieces += [",", "dtype", "=", dtype]
    pieces.append(")")
    return " ".join(pieces), pieces


def _joinable(left: str, right: str) -> bool:
    """Whether two pieces may touch without whitespace and still read as two tokens."""
    word = re.compile(r"[\w.]")
    return not (word.match(left[-1]) and word.match(right[0]))


@given(tensor_reprs(), st.data())
@settings(max_examples=120, deadline=None)
def test_a_repr_matches_itself_respaced(
    repr_and_pieces: tuple[str, list[str]], data: st.DataObject
) -> None:
    text, pieces = repr_and_pieces
    spaces = st.sampled_from(["", " ", "  ", "\n", "\n        ", "\t"])
    out = [data.draw(st.sampled_from(["", " ", "\n"]))]
    for i, piece in enumerate(pieces):
        if i:
            gap = data.draw(spaces)
            if not gap and not _joinable(pieces[i - 1], piece):
                gap = " "
            out.append(gap)
        out.append(piece)
    out.append(data.draw(st.sampled_from(["", " ", "\n\n"])))
    respaced = "".join(out)
    assert check_code_output(respaced, text).correct, (respaced, text)
    assert check_code_output(text, respaced).correct


@given(tensor_reprs(), st.data())
@settings(max_examples=120, deadline=None)
def test_a_changed_number_is_wrong(
    repr_and_pieces: tuple[str, list[str]], data: st.DataObject
) -> None:
    text, pieces = repr_and_pieces
    positions = [i for i, p in enumerate(pieces) if re.fullmatch(r"-?[\d.]+(e[-+]\d+)?", p)]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    old = pieces[i]
    new = str(Decimal(old) + 1) if "e" not in old else f"{float(old) * 2:.4e}"
    if "." in old and "." not in new and "e" not in new:
        new += "."
    changed = " ".join([*pieces[:i], new, *pieces[i + 1 :]])
    verdict = check_code_output(changed, text)
    assert not verdict.correct
    assert "differs" in verdict.explanation or "integer" in verdict.explanation


@given(st.decimals(-(10**6), 10**6, places=6, allow_nan=False, allow_infinity=False))
def test_a_float_matches_however_many_zeros_it_has(value: Decimal) -> None:
    plain = f"{value:.6f}"
    trimmed = plain.rstrip("0")
    assert check_code_output(f"tensor({trimmed})", f"tensor({plain})").correct
    assert check_code_output(f"tensor({value:e})", f"tensor({plain})").correct


@given(st.text(max_size=40))
def test_any_text_matches_itself_with_other_whitespace(text: str) -> None:
    respaced = re.sub(r"\s+", lambda m: "\n  " if " " in m.group() else m.group() + " ", text)
    assert check_code_output("  " + respaced + "\n", text).correct


# -- choices, cloze, diff, grade --------------------------------------------------------------


def test_check_choice() -> None:
    assert check_choice(["验证集"], ["验证集"]) == Verdict(True, "")
    assert check_choice([" b ", "a"], ["a", "b"]).correct
    assert check_choice(iter(["a"]), iter(["a"])).correct
    wrong = check_choice(["训练集"], ["验证集"])
    assert not wrong.correct
    assert wrong.explanation == "'训练集' is not right; the answer is '验证集'"
    missed = check_choice(["a"], ["a", "b"])
    assert missed == Verdict(False, "also 'b'")
    extra = check_choice(["a", "b", "c"], ["a"])
    assert extra == Verdict(False, "'b', 'c' are not right")
    assert check_choice([], ["a"]) == Verdict(False, "nothing chosen; the answer is 'a'")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Validation Set", "validation set"),
        ("  左闭右开  ", "左闭右开"),
        ("half   open", "half open"),
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("f（x）", "f(x)"),  # full-width parentheses
        ("x\u3000y", "x y"),  # ideographic space
    ],
)
def test_cloze_is_lenient(typed: str, expected: str) -> None:
    assert check_cloze(typed, expected) == Verdict(True, "")


@pytest.mark.parametrize(
    ("typed", "expected", "explanation"),
    [
        ("训练集", "验证集", "expected '验证集', got '训练集'"),
        ("halfopen", "half open", "expected 'half open', got 'halfopen'"),
        ("  ", "左闭右开", "expected '左闭右开', got nothing"),
    ],
)
def test_cloze_wrong(typed: str, expected: str, explanation: str) -> None:
    assert check_cloze(typed, expected) == Verdict(False, explanation)


def test_output_diff() -> None:
    assert output_diff("a\nb", "a\nb") == ""
    diff = output_diff("tensor([1., 2.])\nok", "tensor([1., 3.])\nok")
    assert diff.splitlines()[:2] == ["--- expected", "+++ actual"]
    assert "-tensor([1., 2.])" in diff and "+tensor([1., 3.])" in diff and " ok" in diff


def test_propose_grade() -> None:
    assert propose_grade(True, 3.0) == 5
    assert propose_grade(True, QUICK_SECONDS) == 5
    assert propose_grade(True, QUICK_SECONDS + 0.1) == 4
    assert propose_grade(False, 1.0) == 1
    assert propose_grade(True, 20.0, quick_seconds=30.0) == 5


def test_answers_is_pure() -> None:
    code = (
        "import quizzer.answers, sys; "
        "bad = {'torch', 'textual', 'numpy', 'pydantic', 'sqlite_utils'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
