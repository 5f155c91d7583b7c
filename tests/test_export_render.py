"""The pure helpers of the Anki export: Markdown, math, cloze, code, tags, ids, note times."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from quizzer import cloze
from quizzer.export_anki import (
    _LEXER,
    FORMAT_CHANGED_AT,
    _render_full,
    anki_tags,
    choice_letter,
    deck_id,
    note_mod,
    render_choices,
    render_code,
    render_markdown,
    render_output,
    render_source,
)
from quizzer.models import CodeCard, DeckFile

DECKS_DIR = Path(__file__).resolve().parents[1] / "decks"

# -- math ----------------------------------------------------------------------------------


def test_inline_math_becomes_mathjax_parentheses() -> None:
    assert render_markdown("区间 $[0, 9)$ 左闭右开") == "区间 \\([0, 9)\\) 左闭右开"


def test_display_math_becomes_mathjax_brackets() -> None:
    assert render_markdown("$$\\sum_{i=1}^n x_i$$") == "\\[\\sum_{i=1}^n x_i\\]"


def test_markdown_characters_inside_math_are_left_to_mathjax() -> None:
    # `_` and `*` would be emphasis and `\|` an escape if Markdown read the math.
    text = "$\\|\\mathbf{x}\\|_2 = x_i * y_j$"
    assert render_markdown(text) == "\\(\\|\\mathbf{x}\\|_2 = x_i * y_j\\)"


def test_html_in_math_is_escaped() -> None:
    assert render_markdown("$a < b$") == "\\(a &lt; b\\)"


@pytest.mark.parametrize(
    "text",
    [
        "票价 $5 和 $10",  # prices: the closing `$` would follow a space
        "$ x $",  # an opening `$` followed by a space is not math
        "花了 $3$5",  # a closing `$` followed by a digit is not math
        "just one $ sign",
    ],
)
def test_dollars_that_are_not_math_stay(text: str) -> None:
    assert render_markdown(text) == html.escape(text, quote=True).replace("&#x27;", "'")


def test_dollar_in_code_span_stays() -> None:
    assert render_markdown("`print('$x$')`") == "<code>print('$x$')</code>"


def test_escaped_dollar_is_a_dollar() -> None:
    assert render_markdown("\\$x$ 元") == "$x$ 元"


# -- Markdown and HTML ---------------------------------------------------------------------


def test_html_special_characters_are_escaped() -> None:
    assert render_markdown('a < b & "c" <b>x</b>') == (
        "a &lt; b &amp; &quot;c&quot; &lt;b&gt;x&lt;/b&gt;"
    )


def test_single_paragraph_has_no_p_tag_and_keeps_chinese() -> None:
    assert render_markdown("**张量** (tensor) 是 `torch.Tensor`") == (
        "<strong>张量</strong> (tensor) 是 <code>torch.Tensor</code>"
    )


def test_line_break_in_a_card_is_kept() -> None:
    assert render_markdown("第一行\n第二行") == "第一行<br />\n第二行"


def test_several_blocks_keep_their_tags() -> None:
    assert render_markdown("段落 $x$\n\n- 甲\n- 乙") == (
        "<p>段落 \\(x\\)</p>\n<ul>\n<li>甲</li>\n<li>乙</li>\n</ul>"
    )


# -- cloze ---------------------------------------------------------------------------------


def test_cloze_deletion_passes_through_intact() -> None:
    text = "张量有一个轴时是 {{c1::向量 (vector)}}，两个轴时是 {{c2::矩阵::两个字}}"
    assert render_markdown(text) == text


def test_math_inside_a_deletion_becomes_mathjax() -> None:
    text = "齐次性: {{c1::$f(\\alpha \\mathbf{x}) = |\\alpha| f(\\mathbf{x})$}}"
    assert render_markdown(text) == (
        "齐次性: {{c1::\\(f(\\alpha \\mathbf{x}) = |\\alpha| f(\\mathbf{x})\\)}}"
    )


def test_markdown_inside_and_around_deletions() -> None:
    rendered = render_markdown("**{{c1::梯度}}** 与 {{c2::_下降_::$x_i$}}")
    assert rendered == ("<strong>{{c1::梯度}}</strong> 与 {{c2::<em>下降</em>::\\(x_i\\)}}")
    assert cloze.numbers(rendered) == [1, 2]


# The shortcut for texts of words and math must give exactly what the parser gives.
_PIECES = [*"ab 1.2)-+=#>*_`$\\[]<>&\"'!~{}|:\n\t\r张量，。\u3000"]
_PIECES += ["{{c1::", "}}", "::", "  ", "$$", "\\$", "~~~", "```", "&amp;", "1. ", "---"]
_ALPHABET = st.sampled_from(_PIECES)


@settings(max_examples=600, deadline=None)
@given(st.lists(_ALPHABET, max_size=12).map("".join))
def test_words_and_math_shortcut_equals_the_parser(text: str) -> None:
    assert render_markdown(text) == _render_full(text)


# -- code, output, choices, source ---------------------------------------------------------


def test_code_is_escaped_and_highlighted_with_inline_styles() -> None:
    rendered = render_code("x = torch.tensor([1, 2])\nprint(x < 2)  # 少于 $2\n")
    assert "&lt;" in rendered and "x < 2" not in rendered
    assert 'style="' in rendered
    # only the wrapper has a class: the colours do not depend on any stylesheet
    assert re.findall(r'class="([^"]*)"', rendered) == ["code"]
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert text == "x = torch.tensor([1, 2])\nprint(x < 2)  # 少于 $2"


_PYTHONISH = [*"ab_1.2xe ()[]{}:,;=+-*/@<>!&|^~%#'\"\\\n\t$?张", "def ", "class ", "import "]
_PYTHONISH += ["from ", "'''", '"""', "rb'", "f'", "0x1F", "1e-3", "@", " as ", "self", "print"]


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(_PYTHONISH), max_size=20).map("".join),
        st.text(max_size=30),
    )
)
def test_code_lexer_keeps_every_character(code: str) -> None:
    position = 0
    for offset, _, value in _LEXER.get_tokens_unprocessed(code):
        assert (offset, value) == (position, code[position : position + len(value)])
        position += len(value)
    assert position == len(code)


def _visible_styles(rendered: str) -> str:
    # pygments colours some spaces grey: a colour nobody sees
    return re.sub(r'<span style="color: #BBB">(\s+)</span>', r"\1", rendered)


def test_quick_lexer_colours_like_pygments_python_lexer() -> None:
    codes = [
        card.code
        for path in sorted(DECKS_DIR.glob("*.yaml"))
        for card in DeckFile.model_validate(yaml.safe_load(path.read_text("utf-8"))).cards
        if isinstance(card, CodeCard)
    ]
    codes.append(
        "import torch.nn.functional as F\nfrom torch import nn\n@torch.no_grad()\n"
        "def f(a, b=None):\n    '''矩阵乘法'''\n    return a @ b if b else self.w  # 注释\n"
        "class Net(nn.Module):\n    pass\nprint(f'{x!r}', 0x1F, 2.5e-3, 1_000, ValueError, x.max())"
    )
    assert len(codes) > 10
    formatter = HtmlFormatter(noclasses=True, nobackground=True, cssclass="code")
    for code in codes:
        quick = _visible_styles(highlight(code.rstrip("\n"), _LEXER, formatter))
        slow = _visible_styles(highlight(code.rstrip("\n"), PythonLexer(), formatter))
        assert quick == slow, code


def test_code_with_an_unterminated_string_is_still_shown_whole() -> None:
    rendered = render_code("s = 'no end\nprint(s < 1)")
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == "s = 'no end\nprint(s < 1)"


def test_output_is_escaped_and_monospace() -> None:
    assert render_output("tensor([True, False]) <class 'torch.Tensor'>") == (
        "<pre class=\"output\">tensor([True, False]) &lt;class 'torch.Tensor'&gt;</pre>"
    )


def test_choices_are_lettered() -> None:
    rendered = render_choices(["训练集", "验证集", "$x$"])
    assert re.findall(r'<span class="letter">(\w)</span> ([^<]*)</li>', rendered) == [
        ("A", "训练集"),
        ("B", "验证集"),
        ("C", "\\(x\\)"),
    ]
    assert "right" not in rendered and "✓" not in rendered


def test_back_marks_only_the_right_choices() -> None:
    rendered = render_choices(["甲", "乙", "丙"], ["甲", "丙"])
    marks = re.findall(r'<li class="(\w+)"><span class="letter">(\w)</span> (\w)', rendered)
    assert marks == [("right", "A", "甲"), ("wrong", "B", "乙"), ("right", "C", "丙")]
    assert rendered.count("✓") == 2


def test_choice_letters_go_on_after_z() -> None:
    assert [choice_letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def test_source_is_an_escaped_link() -> None:
    assert render_source("https://zh.d2l.ai/a.html?x=1&y=2") == (
        '<a href="https://zh.d2l.ai/a.html?x=1&amp;y=2">zh.d2l.ai/a.html?x=1&amp;y=2</a>'
    )
    assert render_source(None) == ""


# -- tags, ids, times ----------------------------------------------------------------------


def test_tags_are_made_valid_for_anki() -> None:
    tags = ["d2l", "sec 2.1", 'say"hi', "D2L", "::ch02::", "a::::b", "  ", "ch\t02"]
    assert anki_tags(tags) == ["d2l", "sec_2.1", "say_hi", "ch02", "a::b", "ch_02"]


def test_deck_ids_are_derived_from_names() -> None:
    names = ["d2l", "d2l::02 预备知识", "d2l::03 线性神经网络", "测试::基础::代码"]
    ids = [deck_id(n) for n in names]
    assert ids == [deck_id(n) for n in names]
    assert len(set(ids)) == len(ids)
    assert all((1 << 30) <= i < (1 << 31) for i in ids)


def test_note_time_is_the_card_change_time_but_not_before_the_format() -> None:
    later = FORMAT_CHANGED_AT + 3600
    assert note_mod(later * 1000 + 999) == later
    assert note_mod((FORMAT_CHANGED_AT - 86400) * 1000) == FORMAT_CHANGED_AT


def test_format_time_is_not_in_the_future() -> None:
    # A note stamped later than the real time of an edit inside Anki would overwrite it.
    assert time.time() > FORMAT_CHANGED_AT


def test_export_module_loads_neither_textual_nor_torch() -> None:
    script = "import sys, quizzer.export_anki; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in out.stdout.split()}
    assert "genanki" in loaded
    assert not loaded & {"textual", "torch"}
