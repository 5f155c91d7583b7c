"""The deck format: pydantic models of a YAML deck file and its four kinds of card.

Pure: standard library and pydantic only. Unknown fields are errors, so a typo such as
`frnt` never passes silently. The JSON Schema of `DeckFile` (`quizzer schema`) lets editors
validate and complete deck files.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from quizzer import cloze

CARD_KINDS = ("basic", "cloze", "choice", "code")
DEFAULT_CODE_PROMPT = "下面的代码输出什么? (What does this code print?)"
SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    return value


def _deck_name(value: str) -> str:
    parts = value.split("::")
    if any(not part.strip() for part in parts):
        raise ValueError(f"deck name {value!r} has an empty part; write it like 'd2l::02 预备知识'")
    return "::".join(part.strip() for part in parts)


def _url(value: str) -> str:
    if not re.match(r"^https?://\S+$", value):
        raise ValueError(f"{value!r} is not a web address (http:// or https://)")
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
CardId = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, max_length=120),
    Field(description="Stable identity: letters, digits, '-', '_' and '.'."),
]
Tag = Annotated[
    str,
    StringConstraints(pattern=r"^\S+$", max_length=100),
    Field(description="A tag without spaces (Anki's rule)."),
]
DeckName = Annotated[
    str,
    AfterValidator(_deck_name),
    Field(description="Deck name; '::' separates sub-decks, as in Anki."),
]
Url = Annotated[str, AfterValidator(_url)]


class _Card(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CardId | None = None
    tags: list[Tag] = []
    source: Url | None = Field(None, description="Link to the section of the book.")


class BasicCard(_Card):
    """A question and its answer."""

    type: Literal["basic"]
    front: Text
    back: Text


class ClozeCard(_Card):
    """A text with `{{c1::...}}` deletions; each deletion number is reviewed on its own."""

    type: Literal["cloze"]
    text: Text
    extra: str | None = Field(None, description="Shown after the answer.")

    # A plain default: with `default_factory`, pydantic inspects the factory's signature on
    # every validation (2 s for 5,000 cards).
    _numbers: tuple[int, ...] = PrivateAttr(default=())

    @property
    def numbers(self) -> list[int]:
        """The distinct deletion numbers, sorted: one review item per number."""
        return list(self._numbers)

    @model_validator(mode="after")
    def _has_deletions(self) -> ClozeCard:
        found = cloze.deletions(self.text)
        self._numbers = tuple(sorted({d.number for d in found}))
        if not found:
            raise ValueError("text has no deletion; mark one like {{c1::答案}}")
        for d in found:
            if not d.answer.strip():
                raise ValueError(f"deletion c{d.number} is empty")
            if d.answer.count("{") != d.answer.count("}"):
                raise ValueError(
                    f"deletion c{d.number} {d.answer!r} has unbalanced braces: a deletion ends "
                    "at the first '}}', so write '}}' inside math as '} }'"
                )
        return self


class ChoiceCard(_Card):
    """A multiple-choice question: `answer` for one right choice, `answers` for several."""

    type: Literal["choice"]
    prompt: Text
    choices: list[Text] = Field(min_length=2)
    answer: str | None = None
    answers: list[str] | None = None

    @model_validator(mode="after")
    def _answers_among_choices(self) -> ChoiceCard:
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices repeat; each choice must be different")
        if (self.answer is None) == (self.answers is None):
            raise ValueError("choice card needs exactly one of 'answer' or 'answers'")
        right = self.correct
        if not right:
            raise ValueError("'answers' is empty")
        missing = [a for a in right if a not in self.choices]
        if missing:
            raise ValueError(f"answer {missing[0]!r} is not among 'choices'")
        return self

    @property
    def correct(self) -> list[str]:
        """The right choices, in the order they are listed in `choices`."""
        right = [self.answer] if self.answer is not None else list(self.answers or [])
        return [c for c in self.choices if c in right] or right


def normalize_output(text: str) -> str:
    """Printed output as compared and stored: trailing whitespace trimmed on every line and
    at the end (a YAML `|` block adds a final newline; torch pads some lines)."""
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n"))


class CodeCard(_Card):
    """A torch snippet; the learner types what it prints. `output` is filled by `verify --fix`."""

    type: Literal["code"]
    prompt: Text = DEFAULT_CODE_PROMPT
    code: Text
    output: Annotated[str, AfterValidator(normalize_output)] | None = Field(
        None, description="What the code prints; written by `quizzer verify --fix`, not by hand."
    )


Card = Annotated[
    BasicCard | ClozeCard | ChoiceCard | CodeCard,
    Field(discriminator="type"),
]


class DeckFile(BaseModel):
    """One YAML deck file: a deck name, tags and source for all its cards, and the cards."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deck: DeckName
    tags: list[Tag] = []
    source: Url | None = None
    cards: list[Card] = []


_KIND_MODELS: dict[str, type[_Card]] = {
    "basic": BasicCard,
    "cloze": ClozeCard,
    "choice": ChoiceCard,
    "code": CodeCard,
}


def card_kind_fields(kind: object) -> list[str]:
    """The fields a card of `kind` may have (all kinds' fields when `kind` is unknown)."""
    models = [_KIND_MODELS[kind]] if kind in _KIND_MODELS else list(_KIND_MODELS.values())
    return list(dict.fromkeys(name for m in models for name in m.model_fields))


def card_texts(card: BasicCard | ClozeCard | ChoiceCard | CodeCard) -> list[str]:
    """The learner-visible text fields of a card (for search and for math rendering checks)."""
    match card:
        case BasicCard():
            return [card.front, card.back]
        case ClozeCard():
            return [card.text, *([card.extra] if card.extra else [])]
        case ChoiceCard():
            return [card.prompt, *card.choices]
        case CodeCard():
            return [card.prompt]
    raise TypeError(card)


def review_ords(card: BasicCard | ClozeCard | ChoiceCard | CodeCard) -> list[int]:
    """The review items of a card: one per cloze number, else a single item 0."""
    if isinstance(card, ClozeCard):
        return card.numbers
    return [0]
