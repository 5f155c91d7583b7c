"""LaTeX math as Unicode, Markdown text fields as terminal text, CJK-aware wrapping."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from quizzer import cloze
from quizzer.decks import load
from quizzer.mathtext import (
    MARK_END,
    MARK_START,
    WrappedText,
    convert_math,
    find_math,
    gap,
    latex_to_unicode,
    plain,
    render_markdown,
    wrap_offsets,
)
from quizzer.models import card_texts

DECKS = Path(__file__).resolve().parents[1] / "decks"


def builtin_formulas() -> list[str]:
    """Every formula of every text field of the built-in decks."""
    found = []
    for loaded in load([DECKS]).cards:
        for text in card_texts(loaded.card):
            found += [span.tex for span in find_math(text)]
    return found


def test_the_issue_examples_read_as_unicode() -> None:
    assert latex_to_unicode(r"f(\alpha \mathbf{x}) = |\alpha| f(\mathbf{x})") == "f(α𝐱) = |α| f(𝐱)"
    assert (
        latex_to_unicode(r"\|\mathbf{x}\|_2 = \sqrt{\sum_{i=1}^n x_i^2}") == "‖𝐱‖₂ = √(∑ᵢ₌₁ⁿ xᵢ²)"
    )


def test_every_builtin_formula_converts_without_latex_left() -> None:
    formulas = builtin_formulas()
    assert len(formulas) > 150  # the decks hold a lot of math: the check means something
    bad = {f: out for f in formulas if re.search(r"[\\{}]", out := latex_to_unicode(f))}
    assert bad == {}


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        (r"\hat{y} = \mathbf{w}^\top \mathbf{x} + b", "ŷ = 𝐰ᵀ𝐱 + b"),
        (r"\mathbf{X} \in \mathbb{R}^{m \times n}", "𝐗 ∈ ℝ^(m×n)"),
        (r"\frac{\partial \mathbf{y}}{\partial \mathbf{x}}", "∂𝐲/∂𝐱"),
        (r"\frac{1}{2} (\hat{y}^{(i)} - y^{(i)})^2", "½ (ŷ⁽ⁱ⁾ - y⁽ⁱ⁾)²"),
        (r"\sigma^2 = \frac{2}{n_\text{in} + n_\text{out}}", "σ² = 2/(nᵢₙ + nₒᵤₜ)"),
        (r"\frac{1}{2 \sigma^2}", "1/(2σ²)"),
        (r"\frac{1}{n}\sum_{i=1}^n l_i", "1/n ∑ᵢ₌₁ⁿ lᵢ"),
        (r"\frac{\eta}{|B|} \sum_{i \in B}", "η/|B| ∑_(i∈B)"),
        (r"\lim_{h \rightarrow 0} \frac{f(x+h) - f(x)}{h}", "lim_(h→0) (f(x+h) - f(x))/h"),
        (r"k_h \times k_w", "kₕ × k_w"),
        (r"\log \hat{y}_j = o_j - \max(o_k)", "log ŷⱼ = oⱼ - max(oₖ)"),
        (r"\lambda = 0.5", "λ = 0.5"),
        (r"\sqrt{6/(n_\text{in} + n_\text{out})}", "√(6/(nᵢₙ + nₒᵤₜ))"),
        (r"\sqrt[3]{x}", "∛x"),
        (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", "[1 2; 3 4]"),
        (r"\lfloor (n_h - k_h) / s_h \rfloor", "⌊ (nₕ - kₕ) / sₕ ⌋"),
        (r"\left( \frac{a}{b} \right)", "( a/b )"),
        (r"x \not= y", "x ≠ y"),
        (r"f'(x)", "f′(x)"),
        (r"\boldsymbol{\theta}", "𝛉"),
        (r"\mathcal{L}", "ℒ"),
        (r"\hbar", "ħ"),  # from pylatexenc's table
        (r"\operatorname{argmax}_x", "argmaxₓ"),
        (r"\argmax_x", "argmaxₓ"),  # unknown to every table: the name, no backslash
        (r"a}b{", "ab"),  # stray braces never reach the screen
    ],
)
def test_formulas(tex: str, expected: str) -> None:
    assert latex_to_unicode(tex) == expected


def test_find_math_skips_code_and_money_and_escaped_dollars() -> None:
    text = "cost $5 and $6; `x = $a$` and \\$b$ but $c_1$ and $$\\sum x$$\n```\n$d$\n```"
    assert [(s.tex, s.display) for s in find_math(text)] == [("c_1", False), ("\\sum x", True)]


def test_convert_math_keeps_the_text_around() -> None:
    assert convert_math("左闭右开区间 $[0, 9)$。") == "左闭右开区间 [0, 9)。"
    assert convert_math("`$x$` stays") == "`$x$` stays"


def test_markdown_renders_styles_lists_and_code_without_marks() -> None:
    text = render_markdown("**粗体** and `code` $x_i$\n\n- one\n- two\n\n```python\nprint(1)\n```")
    assert text.plain == "粗体 and code xᵢ\n\n• one\n• two\n\nprint(1)"
    bold = [s for s in text.spans if "bold" in str(s.style)]
    assert text.plain[bold[0].start : bold[0].end] == "粗体"


def test_math_inside_markdown_keeps_its_underscores_and_stars() -> None:
    # `k_w` has no Unicode subscript w: the underscore must not start an emphasis
    assert render_markdown("$k_w$ and $n_w$ and $a^*$ *b*").plain == "k_w and n_w and a* b"


def test_cloze_gap_and_answer_are_highlighted_in_place() -> None:
    text = "齐次性: {{c1::$f(\\alpha \\mathbf{x})$}} 与 {{c2::三角不等式}}(x)"
    hidden = render_markdown(cloze.render(text, 1, reveal=False, mark=gap))
    assert hidden.plain == "齐次性: [...] 与 三角不等式(x)"  # `[...](x)` is no link
    shown = render_markdown(cloze.render(text, 1, reveal=True, mark=gap))
    assert shown.plain == "齐次性: f(α𝐱) 与 三角不等式(x)"
    marked = [shown.plain[s.start : s.end] for s in shown.spans]
    assert "f(α𝐱)" in marked
    assert MARK_START not in shown.plain and MARK_END not in shown.plain


def test_plain_is_one_line_with_cloze_answers() -> None:
    assert plain("**范数**: {{c1::$\\|\\mathbf{x}\\|$}}\n`x`") == "范数: ‖𝐱‖ x"


def test_wrapping_breaks_chinese_between_characters_not_before_punctuation() -> None:
    line = "张量 (tensor) 表示一个由数值组成的数组，可能有多个维度"
    pieces = _pieces(line, 20)
    assert all(_width(p) <= 20 for p in pieces)
    assert pieces[0].startswith("张量 (tensor) 表示")  # not pushed whole to the next line
    assert not any(p.startswith("，") for p in pieces)


def test_wrapping_cuts_a_word_longer_than_the_line() -> None:
    assert [len(p) for p in _pieces("a" * 25, 10)] == [10, 10, 5]


def test_wrapped_text_renders_at_the_given_width() -> None:
    from rich.console import Console

    console = Console(width=16, record=True, color_system=None)
    console.print(WrappedText(render_markdown("范数的齐次性是范数的一个性质，三角不等式也是。")))
    lines = console.export_text().splitlines()
    assert len(lines) == 3 and all(_width(line) <= 16 for line in lines)


def test_the_module_imports_no_textual() -> None:
    code = "import sys, quizzer.mathtext, quizzer.browse, quizzer.stats, quizzer.quiz; "
    code += "print([m for m in ('textual', 'torch') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pieces(line: str, width: int) -> list[str]:
    cuts = [0, *wrap_offsets(line, width), len(line)]
    return [line[a:b].rstrip() for a, b in itertools.pairwise(cuts)]
