"""The built-in decks in `decks/`: they load, they are big enough, and they cover CONTENT.md.

Fast: YAML + pydantic only, no torch in this process. `quizzer check decks/` runs as a
subprocess; `quizzer verify decks/` (which runs every code card with torch, in its own worker)
is marked slow, so a torch upgrade that changes an output fails CI. Whether every code card has
an `output` at all is checked elsewhere.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from quizzer import cloze
from quizzer.models import ChoiceCard, ClozeCard, CodeCard, DeckFile, card_texts

ROOT = Path(__file__).resolve().parents[1]
DECKS_DIR = ROOT / "decks"
# The course outline the decks are written from; it lives next to the checkout, not in it.
CONTENT_MD = ROOT.parent / "shared" / "CONTENT.md"

SCHEMA_LINE = "# yaml-language-server: $schema=../data/deck.schema.json"

# file name -> deck name, and the chapter folder of zh.d2l.ai its cards link to.
DECKS = {
    "01_preface.yaml": ("d2l::01 前言", "chapter_introduction"),
    "02_preliminaries.yaml": ("d2l::02 预备知识", "chapter_preliminaries"),
    "03_linear_networks.yaml": ("d2l::03 线性神经网络", "chapter_linear-networks"),
    "04_multilayer_perceptrons.yaml": ("d2l::04 多层感知机", "chapter_multilayer-perceptrons"),
    "06_convolutional_networks.yaml": (
        "d2l::06 卷积神经网络",
        "chapter_convolutional-neural-networks",
    ),
}
# Cards that rightly link outside their deck's chapter (the book treats the topic there).
SOURCE_ELSEWHERE = {
    # Gradient clipping is introduced with RNNs (8.5); the notes list it under chapter 4.
    "ch04-gradient-clipping-formula",
    "ch04-gradient-clipping-code",
}
SECTION_URL = re.compile(r"^https://zh\.d2l\.ai/(chapter_[a-z-]+)/[a-z0-9-]+\.html$")

MIN_CARDS, MIN_CODE, MIN_CLOZE, MIN_CHOICE = 150, 40, 20, 15
MAX_CODE_LINES = 10

# Every bullet of CONTENT.md, by section, in order: (section, short key).
CONTENT_ITEMS: list[tuple[str, str]] = [
    ("Chapter 1", "数据: handles data of varying length"),
    ("Chapter 1", "模型: powerful models, layers of data transformations"),
    ("Chapter 1", "目标函数/损失函数/平方误差; 训练集 vs 测试集; 过拟合"),
    ("Chapter 1", "优化算法: 梯度下降"),
    ("Chapter 2", "slicing is half-open [0:9] = [0, 9); code cards on slices and shapes"),
    ("Chapter 2", "x[0:2, :] = 12 assigns rows 1 and 2 (code card)"),
    ("Chapter 2", "norm properties, one cloze each"),
    ("Chapter 2", "L2 norm is Euclidean distance; torch.norm -> 5; L1 abs().sum() -> 7 (code)"),
    ("Chapter 2", "matrix calculus: numerator vs denominator layout"),
    ("Chapter 3", "terms: training set, sample, label/target, feature/covariate"),
    ("Chapter 3", "Gaussian noise: minimising MSE = maximum likelihood"),
    ("Chapter 3", "集成学习 (ensemble learning)"),
    ("Chapter 4", "training / validation / test sets and their roles"),
    ("Chapter 4", "K-fold cross-validation on small data sets"),
    ("Chapter 4", "why activations: stacked affine maps are one affine map (code)"),
    ("Chapter 4", "overfitting vs underfitting"),
    ("Chapter 4", "weight decay; dropout in MLPs not CNNs; dropout is identity in eval (code)"),
    ("Chapter 4", "exploding/vanishing gradients and remedies"),
    ("Chapter 6", "conv output shape floor((n-k+p+s)/s), padding, stride, channels (code)"),
    ("Chapter 6", "pooling: max and average, no parameters (code with MaxPool2d)"),
    ("Card kinds", "all four kinds, e.g. a choice card on which set tunes hyper-parameters"),
]

# CONTENT.md item -> ids of the cards that teach it.
COVERAGE: dict[str, list[str]] = {
    "数据: handles data of varying length": [
        "ch01-data-variable-length",
        "ch01-data-dimensionality",
    ],
    "模型: powerful models, layers of data transformations": [
        "ch01-model-layers-of-transformations",
    ],
    "目标函数/损失函数/平方误差; 训练集 vs 测试集; 过拟合": [
        "ch01-objective-loss-function",
        "ch01-objective-squared-error",
        "ch01-train-vs-test-set",
        "ch01-overfitting-definition",
    ],
    "优化算法: 梯度下降": [
        "ch01-optimization-gradient-descent",
        "ch01-optimization-gd-step",
    ],
    "slicing is half-open [0:9] = [0, 9); code cards on slices and shapes": [
        "ch02-slice-half-open-interval",
        "ch02-slice-vector-2-5",
        "ch02-slice-rows-shape",
        "ch02-slice-int-vs-range-shape",
        "ch02-slice-step",
    ],
    "x[0:2, :] = 12 assigns rows 1 and 2 (code card)": [
        "ch02-slice-assign-rows",
        "ch02-slice-rows-choice",
    ],
    "norm properties, one cloze each": [
        "ch02-norm-homogeneity",
        "ch02-norm-triangle-inequality",
        "ch02-norm-nonnegative",
        "ch02-norm-zero-iff-zero-vector",
    ],
    "L2 norm is Euclidean distance; torch.norm -> 5; L1 abs().sum() -> 7 (code)": [
        "ch02-norm-l2-formula",
        "ch02-norm-l2-of-3-4",
        "ch02-norm-l1-formula",
        "ch02-norm-l1-of-3-4",
    ],
    "matrix calculus: numerator vs denominator layout": [
        "ch02-layout-numerator-shape",
        "ch02-layout-scalar-by-vector",
        "ch02-layout-book-rule",
    ],
    "terms: training set, sample, label/target, feature/covariate": [
        "ch03-term-training-set",
        "ch03-term-sample",
        "ch03-term-label",
        "ch03-term-feature",
        "ch03-term-covariate-choice",
    ],
    "Gaussian noise: minimising MSE = maximum likelihood": [
        "ch03-mse-mle-gaussian",
        "ch03-mle-noise-choice",
        "ch03-mle-nll-first-term",
    ],
    "集成学习 (ensemble learning)": [
        "ch03-ensemble-learning",
    ],
    "training / validation / test sets and their roles": [
        "ch04-dataset-fits-parameters",
        "ch04-dataset-tunes-hyperparameters",
        "ch04-dataset-test-never-tunes",
        "ch04-why-not-tune-on-test",
    ],
    "K-fold cross-validation on small data sets": [
        "ch04-k-fold-procedure",
        "ch04-k-fold-when",
    ],
    "why activations: stacked affine maps are one affine map (code)": [
        "ch04-why-activation",
        "ch04-affine-stack-collapses",
        "ch04-two-linear-equal-one-affine",
    ],
    "overfitting vs underfitting": [
        "ch04-underfitting-diagnosis",
        "ch04-overfitting-diagnosis",
        "ch04-polynomial-fit",
    ],
    "weight decay; dropout in MLPs not CNNs; dropout is identity in eval (code)": [
        "ch04-weight-decay-is-l2",
        "ch04-weight-decay-objective",
        "ch04-weight-decay-sgd-step",
        "ch04-dropout-definition",
        "ch04-dropout-where",
        "ch04-dropout-eval-identity",
    ],
    "exploding/vanishing gradients and remedies": [
        "ch04-exploding-vanishing-definition",
        "ch04-remedies-exploding-vanishing",
        "ch04-products-to-sums",
        "ch04-gradient-clipping-formula",
        "ch04-gradient-clipping-code",
        "ch04-xavier-variance",
        "ch04-relu-default-choice",
    ],
    "conv output shape floor((n-k+p+s)/s), padding, stride, channels (code)": [
        "ch06-output-shape-stride",
        "ch06-pytorch-padding-is-per-side",
        "ch06-conv-same-padding-code",
        "ch06-conv-stride2-halves",
        "ch06-conv-complex-stride",
        "ch06-multi-output-kernel-shape",
        "ch06-conv-weight-shape-code",
    ],
    "pooling: max and average, no parameters (code with MaxPool2d)": [
        "ch06-pooling-max-vs-avg",
        "ch06-pooling-no-parameters",
        "ch06-pooling-param-count-code",
        "ch06-maxpool-values",
        "ch06-avgpool-values",
    ],
    "all four kinds, e.g. a choice card on which set tunes hyper-parameters": [
        "ch04-dataset-tunes-hyperparameters",
    ],
}

# Items whose CONTENT.md bullet asks for particular kinds of card: key -> {kind: at least}.
REQUIRED_KINDS: dict[str, dict[str, int]] = {
    "slicing is half-open [0:9] = [0, 9); code cards on slices and shapes": {"code": 2},
    "x[0:2, :] = 12 assigns rows 1 and 2 (code card)": {"code": 1},
    "norm properties, one cloze each": {"cloze": 4},
    "L2 norm is Euclidean distance; torch.norm -> 5; L1 abs().sum() -> 7 (code)": {"code": 2},
    "why activations: stacked affine maps are one affine map (code)": {"code": 1},
    "weight decay; dropout in MLPs not CNNs; dropout is identity in eval (code)": {"code": 1},
    "conv output shape floor((n-k+p+s)/s), padding, stride, channels (code)": {"code": 2},
    "pooling: max and average, no parameters (code with MaxPool2d)": {"code": 2},
    "all four kinds, e.g. a choice card on which set tunes hyper-parameters": {"choice": 1},
}


def _load(path: Path) -> DeckFile:
    with path.open(encoding="utf-8") as f:
        return DeckFile.model_validate(yaml.safe_load(f))


DECK_FILES = sorted(DECKS_DIR.glob("*.yaml"))
LOADED = {path.name: _load(path) for path in DECK_FILES}
ALL_CARDS = [(name, card) for name, deck in LOADED.items() for card in deck.cards]
BY_ID = {card.id: card for _, card in ALL_CARDS}


def _kind_counts() -> Counter[str]:
    return Counter(card.type for _, card in ALL_CARDS)


# ---- files and decks ----


def test_the_five_deck_files_exist_with_their_names():
    assert {p.name for p in DECK_FILES} == set(DECKS)
    for name, (deck_name, _) in DECKS.items():
        assert LOADED[name].deck == deck_name


@pytest.mark.parametrize("path", DECK_FILES, ids=lambda p: p.name)
def test_file_starts_with_schema_line(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == SCHEMA_LINE


@pytest.mark.parametrize("name", sorted(DECKS))
def test_deck_level_tags_and_source(name: str):
    deck = LOADED[name]
    chapter_tag = "ch" + name[:2]
    assert "d2l" in deck.tags and chapter_tag in deck.tags
    folder = DECKS[name][1]
    assert deck.source == f"https://zh.d2l.ai/{folder}/index.html"


# ---- counts ----


def test_enough_cards_of_each_kind():
    kinds = _kind_counts()
    assert len(ALL_CARDS) >= MIN_CARDS, kinds
    assert kinds["code"] >= MIN_CODE, kinds
    assert kinds["cloze"] >= MIN_CLOZE, kinds
    assert kinds["choice"] >= MIN_CHOICE, kinds
    assert kinds["basic"] >= 1, kinds


def test_every_deck_has_cards_of_several_kinds():
    for name, deck in LOADED.items():
        assert len({card.type for card in deck.cards}) >= 3, name


# ---- every card ----


def test_ids_are_present_and_unique_across_files():
    ids = [card.id for _, card in ALL_CARDS]
    assert all(ids), "every built-in card needs a stable id"
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize(("name", "card"), ALL_CARDS, ids=lambda x: getattr(x, "id", x))
def test_card_has_tags_and_section_source(name: str, card):
    assert card.tags, f"{card.id}: no tags"
    assert any(t.startswith("sec-") for t in card.tags), f"{card.id}: no sec-N.M tag"
    assert card.source and card.source.startswith("https://zh.d2l.ai/"), card.id
    match = SECTION_URL.match(card.source)
    assert match, f"{card.id}: source {card.source!r} is not a section page of zh.d2l.ai"
    if card.id not in SOURCE_ELSEWHERE:
        assert match.group(1) == DECKS[name][1], f"{card.id}: links outside its chapter"
    assert card.id.startswith("ch" + name[:2] + "-"), f"{card.id}: id should start with its chapter"


@pytest.mark.parametrize(("name", "card"), ALL_CARDS, ids=lambda x: getattr(x, "id", x))
def test_math_delimiters_are_balanced(name: str, card):
    for text in card_texts(card):
        unescaped = re.sub(r"\\\$", "", text)
        assert unescaped.count("$") % 2 == 0, f"{card.id}: odd number of '$' in {text!r}"


CODE_CARDS = [card for _, card in ALL_CARDS if isinstance(card, CodeCard)]


@pytest.mark.parametrize("card", CODE_CARDS, ids=lambda c: c.id)
def test_code_card_is_small_and_prints(card: CodeCard):
    lines = card.code.strip().splitlines()
    assert len(lines) <= MAX_CODE_LINES, f"{card.id}: {len(lines)} lines"
    assert "print(" in card.code, f"{card.id}: only what is printed counts; print explicitly"


@pytest.mark.parametrize("card", CODE_CARDS, ids=lambda c: c.id)
def test_code_card_that_draws_random_numbers_is_seeded(card: CodeCard):
    random_calls = ("torch.rand", "torch.normal", ".sample(", "nn.Dropout", "nn.init.xavier")
    if any(call in card.code for call in random_calls):
        assert "torch.manual_seed(" in card.code or "eval()" in card.code, card.id


def test_some_code_cards_teach_an_error():
    errors = [c for c in CODE_CARDS if "error" in c.tags]
    assert len(errors) >= 5, [c.id for c in errors]


CLOZE_CARDS = [card for _, card in ALL_CARDS if isinstance(card, ClozeCard)]


@pytest.mark.parametrize("card", CLOZE_CARDS, ids=lambda c: c.id)
def test_cloze_answer_is_not_shown_while_hidden(card: ClozeCard):
    for number in cloze.numbers(card.text):
        shown = cloze.render(card.text, number, reveal=False)
        for answer in cloze.answers(card.text, number):
            if len(answer.strip()) >= 2:
                assert answer.strip() not in shown, f"{card.id} c{number}: {answer!r} is visible"


CHOICE_CARDS = [card for _, card in ALL_CARDS if isinstance(card, ChoiceCard)]


@pytest.mark.parametrize("card", CHOICE_CARDS, ids=lambda c: c.id)
def test_choice_card_has_distractors(card: ChoiceCard):
    assert len(card.choices) >= 3, f"{card.id}: give at least two wrong choices"
    assert len(card.correct) < len(card.choices), card.id


# ---- coverage of CONTENT.md ----


def test_coverage_map_lists_every_content_item():
    keys = [key for _, key in CONTENT_ITEMS]
    assert len(keys) == len(set(keys))
    assert set(COVERAGE) == set(keys)


@pytest.mark.parametrize("key", list(COVERAGE))
def test_coverage_ids_exist(key: str):
    ids = COVERAGE[key]
    assert ids, f"no card covers {key!r}"
    missing = [i for i in ids if i not in BY_ID]
    assert not missing, f"{key!r}: no card with id {missing}"
    kinds = Counter(BY_ID[i].type for i in ids)
    for kind, least in REQUIRED_KINDS.get(key, {}).items():
        assert kinds[kind] >= least, f"{key!r} needs {least} {kind} card(s), has {kinds}"


def _content_bullets(text: str) -> Counter[str]:
    """Count top-level bullets per '## <section>' heading of CONTENT.md."""
    counts: Counter[str] = Counter()
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("- ") and section is not None:
            counts[section] += 1
    return counts


@pytest.mark.skipif(not CONTENT_MD.exists(), reason="CONTENT.md is not next to this checkout")
def test_content_items_match_content_md():
    bullets = _content_bullets(CONTENT_MD.read_text(encoding="utf-8"))
    mine = Counter(section for section, _ in CONTENT_ITEMS)
    by_prefix = {
        prefix: sum(n for heading, n in bullets.items() if heading.startswith(prefix))
        for prefix in mine
    }
    assert by_prefix == dict(mine)
    assert sum(bullets.values()) == len(CONTENT_ITEMS), bullets


# ---- the command-line checks, as a user runs them ----


def _quizzer(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "quizzer", "--db", str(db), "--no-builtin", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_quizzer_check_passes(tmp_path: Path):
    result = _quizzer("check", str(DECKS_DIR), db=tmp_path / "collection.db")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no errors" in result.stdout


@pytest.mark.slow
def test_quizzer_verify_passes(tmp_path: Path):
    """Every code card prints exactly its stored output with the installed torch."""
    result = _quizzer("verify", "--timeout", "60", str(DECKS_DIR), db=tmp_path / "collection.db")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_code_card_has_an_output_written_by_verify():
    missing = [c.id for _, c in ALL_CARDS if isinstance(c, CodeCard) and c.output is None]
    assert missing == [], "run `quizzer verify --fix decks/`"
