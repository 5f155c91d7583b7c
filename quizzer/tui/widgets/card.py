"""Showing a card of each kind: what the learner sees before and after answering.

The renderers are plain functions returning Rich renderables (Markdown with math through
`quizzer.mathtext`, code through Rich's Syntax), used by review, quiz and the card detail.
`CardView` holds the widgets of one card; screens fill it instead of mounting new widgets per
card, so going from a grade to the next card stays fast.
"""

from __future__ import annotations

from collections.abc import Collection as Set
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static, TextArea

from quizzer import cloze
from quizzer.answers import Verdict, output_diff
from quizzer.collection import ReviewItem
from quizzer.mathtext import TextStyles, WrappedText, gap, render_markdown
from quizzer.models import BasicCard, ChoiceCard, ClozeCard, CodeCard

LETTERS = "abcdefghij"  # choice labels; a card has at most this many choices in review


@dataclass(frozen=True)
class Colors:
    """Theme colors for marks: right, wrong, muted."""

    right: str = "green"
    wrong: str = "red"
    muted: str = "grey50"
    accent: str = "magenta"


def markdown(text: str, styles: TextStyles) -> WrappedText:
    """A Markdown text field (with math) that wraps CJK text properly."""
    return WrappedText(render_markdown(text, styles))


def code_block(code: str, styles: TextStyles, language: str = "python") -> Syntax:
    """Code highlighted for the current theme, on the widget's own background."""
    return Syntax(
        code.rstrip("\n"),
        language,
        theme=styles.code_theme,
        background_color=styles.code_background,
        word_wrap=True,
    )


def front(item: ReviewItem, styles: TextStyles, *, revealed: bool = False) -> RenderableType:
    """The question side: basic front, cloze text with `[...]`, choice prompt, code snippet.

    A revealed cloze shows its answer in place, highlighted.
    """
    card = item.card
    if isinstance(card, BasicCard):
        return markdown(card.front, styles)
    if isinstance(card, ClozeCard):
        return markdown(cloze.render(card.text, item.ord, reveal=revealed, mark=gap), styles)
    if isinstance(card, ChoiceCard):
        return markdown(card.prompt, styles)
    if isinstance(card, CodeCard):
        return Group(markdown(card.prompt, styles), Text(""), code_block(card.code, styles))
    raise TypeError(card)


def back(item: ReviewItem, styles: TextStyles) -> RenderableType | None:
    """What is revealed below the question: a basic back, a cloze's extra note."""
    card = item.card
    if isinstance(card, BasicCard):
        return markdown(card.back, styles)
    if isinstance(card, ClozeCard) and card.extra:
        return markdown(card.extra, styles)
    return None


def options(
    card: ChoiceCard,
    picked: Set[int],
    styles: TextStyles,
    colors: Colors,
    *,
    checked: bool = False,
) -> RenderableType:
    """The choices labelled a, b, c...; picked ones marked; after checking, right ones ✓ and
    wrong picks ✗ (a right choice not picked is marked as missed)."""
    right = set(card.correct)
    rows: list[RenderableType] = []
    for index, choice in enumerate(card.choices):
        label = LETTERS[index] if index < len(LETTERS) else "?"
        chosen = index in picked
        box = "[x]" if chosen else "[ ]"
        style = "bold" if chosen else ""
        mark = Text("  ")
        if checked:
            if choice in right:
                mark = Text("✓ ", style=f"bold {colors.right}")
                style = f"bold {colors.right}" if chosen else colors.right
            elif chosen:
                mark = Text("✗ ", style=f"bold {colors.wrong}")
                style = f"strike {colors.wrong}"
        head = Text.assemble(mark, (f"{label}) ", "bold"), (f"{box} ", style))
        body = render_markdown(choice, styles)
        body.stylize(style)
        if checked and choice in right and not chosen:
            body.append("  (missed)", style=colors.muted)
        rows.append(WrappedText(Text.assemble(head, body)))
    return Group(*rows)


def code_verdict(
    verdict: Verdict,
    typed: str,
    expected: str,
    styles: TextStyles,
    colors: Colors,
) -> RenderableType:
    """The checker's verdict on a predicted output: why it is wrong, a diff, the real output."""
    parts: list[RenderableType] = [Rule(style=colors.muted)]
    if verdict.correct:
        parts.append(Text("✓ Right: that is what the code prints.", style=f"bold {colors.right}"))
    else:
        parts.append(Text("✗ Not quite: " + verdict.explanation, style=f"bold {colors.wrong}"))
        diff = diff_lines(expected, typed, colors)
        if diff.plain:
            parts += [
                Text("\nYour answer against the output (- output, + yours):", style=colors.muted),
                diff,
            ]
    parts += [Text("\nThe real output:", style=colors.muted), code_block(expected, styles, "text")]
    return Group(*parts)


def diff_lines(expected: str, typed: str, colors: Colors) -> Text:
    """The changed lines of `output_diff`, without its file headers: - output, + yours."""
    out = Text()
    for line in output_diff(expected, typed).splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if out:
            out.append("\n")
        style = (
            colors.right if line.startswith("-") else colors.wrong if line.startswith("+") else ""
        )
        out.append(line, style=style)
    return out


def verdict_line(verdict: Verdict, colors: Colors) -> Text:
    """One line: right, or wrong with the checker's explanation."""
    if verdict.correct:
        return Text("✓ Right", style=f"bold {colors.right}")
    text = Text("✗ Wrong", style=f"bold {colors.wrong}")
    if verdict.explanation:
        text.append(f": {verdict.explanation}", style=colors.wrong)
    return text


class CardView(VerticalScroll):
    """One card: question, choices, an answer box (code: multi-line; quiz cloze: one line),
    and what is revealed after answering. Parts not used by a kind are hidden."""

    def compose(self) -> ComposeResult:
        yield Static("", id="card-front")
        yield Static("", id="card-options", classes="hidden")
        yield TextArea(
            "",
            id="card-input",
            classes="hidden",
            soft_wrap=True,
            tab_behavior="indent",
            placeholder="Type what the code prints; ctrl+s checks it",
        )
        yield Input(id="card-line", classes="hidden", placeholder="Type the hidden words")
        yield Static("", id="card-back", classes="hidden")

    def show(
        self,
        front_part: RenderableType,
        *,
        choices: RenderableType | None = None,
        multi_line: bool = False,
        one_line: bool = False,
    ) -> None:
        """Show a new question: everything below it is cleared and hidden."""
        self.query_one("#card-front", Static).update(front_part)
        self.set_options(choices)
        area = self.query_one("#card-input", TextArea)
        area.read_only = False
        area.clear()
        area.set_class(not multi_line, "hidden")
        line = self.query_one("#card-line", Input)
        line.value = ""
        line.disabled = False
        line.set_class(not one_line, "hidden")
        self.set_back(None)
        self.scroll_home(animate=False)

    def ask(
        self, item: ReviewItem, styles: TextStyles, colors: Colors, *, typed_cloze: bool = False
    ) -> None:
        """Show `item`'s question with its answer box, and focus where the learner answers:
        the code box, the cloze line (`typed_cloze`, in a quiz), else the card itself."""
        choices = None
        if isinstance(item.card, ChoiceCard):
            choices = options(item.card, set(), styles, colors)
        one_line = typed_cloze and item.kind == "cloze"
        self.show(
            front(item, styles), choices=choices, multi_line=item.kind == "code", one_line=one_line
        )
        if item.kind == "code" or one_line:
            self.focus_input()
        else:
            self.focus()

    def update_front(self, front_part: RenderableType) -> None:
        """Replace the question (a cloze revealed in place)."""
        self.query_one("#card-front", Static).update(front_part)

    def set_options(self, choices: RenderableType | None) -> None:
        """Show (or hide, with None) the choices."""
        widget = self.query_one("#card-options", Static)
        widget.set_class(choices is None, "hidden")
        widget.update(choices if choices is not None else "")

    def set_back(self, part: RenderableType | None) -> None:
        """Show (or hide, with None) what is revealed after answering."""
        widget = self.query_one("#card-back", Static)
        widget.set_class(part is None, "hidden")
        widget.update(part if part is not None else "")

    def lock_inputs(self, *, hide_multi_line: bool = False) -> None:
        """After checking: answer boxes take no more typing; the code box can be hidden (the
        verdict below repeats what was typed), leaving the room to the verdict."""
        area = self.query_one("#card-input", TextArea)
        area.read_only = True
        if hide_multi_line:
            area.add_class("hidden")
        self.query_one("#card-line", Input).disabled = True

    def show_end(self) -> None:
        """Scroll so that the bottom (the verdict) is in view, once laid out."""
        self.call_after_refresh(self.scroll_end, animate=False)

    @property
    def typed(self) -> str:
        """The text in the multi-line answer box."""
        return self.query_one("#card-input", TextArea).text

    @property
    def typed_line(self) -> str:
        """The text in the one-line answer box."""
        return self.query_one("#card-line", Input).value

    def focus_input(self) -> None:
        """Put the cursor in whichever answer box is shown."""
        area = self.query_one("#card-input", TextArea)
        line = self.query_one("#card-line", Input)
        if not area.has_class("hidden"):
            area.focus()
        elif not line.has_class("hidden"):
            line.focus()
