"""LaTeX math as Unicode, and Markdown text fields as terminal text (Rich `Text`).

Pure: no textual, no clock, no I/O. `latex_to_unicode` turns the math the decks use into text
a terminal shows, `f(\\alpha \\mathbf{x}) = |\\alpha| f(\\mathbf{x})` -> `f(α𝐱) = |α| f(𝐱)`:

- symbols from a table of our own (Greek, operators, relations, arrows) and, for anything
  else, pylatexenc's table of LaTeX macros (imported only when an unknown macro turns up);
- sub- and superscripts as Unicode scripts when every character has one (`x_i^2` -> `xᵢ²`,
  `\\mathbf{w}^\\top` -> `𝐰ᵀ`), else `x_(h→0)`;
- `\\frac`, `\\sqrt`, accents (`\\hat{y}` -> `ŷ`), alphabets (`\\mathbf`, `\\mathbb`,
  `\\mathcal`), `\\text`, `\\left`/`\\right`, matrices, as readable one-line text.

pylatexenc alone flattens scripts (`x_i^2` stays as is) and drops `\\|`; unicodeit alone
leaves `\\frac` and `\\sqrt` in LaTeX: hence the parser here, with pylatexenc as its fallback.

`render_markdown` turns a Markdown text field with `$...$` / `$$...$$` math into a Rich `Text`
(inline styles, lists, code blocks highlighted), so wide (CJK) characters wrap and align as
Rich measures them. Spans between `MARK_START` and `MARK_END` are highlighted (cloze gaps).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement
    from rich.style import Style
    from rich.text import Text

MARK_START = "\ue000"  # private-use characters: never in a deck, safe as markers
MARK_END = "\ue001"
_LBRACKET = "\ue003"  # a `[` / `]` of a cloze gap, kept away from Markdown's link syntax
_RBRACKET = "\ue004"


def _table(text: str) -> dict[str, str]:
    """`name=symbol name=symbol ...` as a dict (compact tables that formatters leave alone)."""
    return dict(pair.split("=", 1) for pair in text.split())


def _words(text: str) -> set[str]:
    """Space-separated names as a set."""
    return set(text.split())


# -- symbol tables ---------------------------------------------------------------------------

_GREEK = _table(
    "alpha=α beta=β gamma=γ delta=δ epsilon=ϵ varepsilon=ε zeta=ζ eta=η theta=θ "
    "vartheta=ϑ iota=ι kappa=κ lambda=λ mu=μ nu=ν xi=ξ omicron=ο pi=π varpi=ϖ rho=ρ "
    "varrho=ϱ sigma=σ varsigma=ς tau=τ upsilon=υ phi=ϕ varphi=φ chi=χ psi=ψ omega=ω "
    "Gamma=Γ Delta=Δ Theta=Θ Lambda=Λ Xi=Ξ Pi=Π Sigma=Σ Upsilon=Υ Phi=Φ Psi=Ψ Omega=Ω"
)

# letter-like symbols: written next to a letter they read as one term (`\partial y` -> `∂y`)
_LETTERLIKE = _table(
    "partial=∂ nabla=∇ ell=ℓ infty=∞ hbar=ħ imath=ı jmath=ȷ aleph=ℵ Re=ℜ Im=ℑ wp=℘ "
    "emptyset=∅ varnothing=∅ prime=′ top=⊤ bot=⊥ angle=∠ triangle=△ degree=° dagger=† "
    "ddagger=‡ natural=♮ flat=♭ sharp=♯"
)

# operators, relations, arrows, punctuation-like symbols: keep the spaces the author wrote
_SYMBOLS = _table(
    "times=× cdot=· div=÷ pm=± mp=∓ ast=∗ star=⋆ circ=∘ bullet=∙ odot=⊙ oplus=⊕ ominus=⊖ "
    "otimes=⊗ oslash=⊘ cup=∪ cap=∩ setminus=∖ wedge=∧ land=∧ vee=∨ lor=∨ neg=¬ lnot=¬ "
    "intercal=⊺ leq=≤ le=≤ geq=≥ ge=≥ neq=≠ ne=≠ approx=≈ equiv=≡ sim=∼ simeq=≃ cong=≅ "
    "propto=∝ ll=≪ gg=≫ in=∈ notin=∉ ni=∋ subset=⊂ supset=⊃ subseteq=⊆ supseteq=⊇ perp=⊥ "
    "parallel=∥ mid=| nmid=∤ triangleq=≜ coloneqq=≔ doteq=≐ prec=≺ succ=≻ leftarrow=← "
    "gets=← rightarrow=→ to=→ leftrightarrow=↔ Leftarrow=⇐ Rightarrow=⇒ Leftrightarrow=⇔ "
    "iff=⟺ implies=⟹ mapsto=↦ longrightarrow=⟶ longleftarrow=⟵ uparrow=↑ downarrow=↓ "
    "forall=∀ exists=∃ nexists=∄ therefore=∴ because=∵ ldots=… dots=… dotsc=… dotsb=⋯ "
    "cdots=⋯ vdots=⋮ ddots=⋱ |=‖ Vert=‖ vert=| lvert=| rvert=| lVert=‖ rVert=‖ langle=⟨ "
    "rangle=⟩ lfloor=⌊ rfloor=⌋ lceil=⌈ rceil=⌉ {={ }=} lbrace={ rbrace=} lbrack=[ "
    "rbrack=] backslash=∖ %=% &=& #=# _=_ $=$ colon=:"
)

_BIG_OPERATORS = _table(
    "sum=∑ prod=∏ coprod=∐ int=∫ iint=∬ iiint=∭ oint=∮ bigcup=⋃ bigcap=⋂ bigoplus=⨁ "
    "bigotimes=⨂ bigodot=⨀ bigvee=⋁ bigwedge=⋀"
)

_FUNCTIONS = _words(
    "Pr arccos arcsin arctan arg argmax argmin cos cosh cot coth cov csc deg det diag dim "
    "exp gcd hom inf ker lg lim liminf limsup ln log max min rank sec sgn sin sinh "
    "softmax sup tan tanh tr var"
)

_SPACES = {
    ",": " ",
    ":": " ",
    ";": " ",
    " ": " ",
    "quad": "  ",
    "qquad": "   ",
    "enspace": " ",
    "thinspace": " ",
    "medspace": " ",
    "thickspace": " ",
    "!": "",
    "negthinspace": "",
}

# commands that change size or style only: dropped
_IGNORED = _words(
    "Big Bigg Biggl Biggr Bigl Bigm Bigr Large allowbreak bf big bigg biggl biggr bigl "
    "bigm bigr cal displaystyle it large left limits mathstrut middle nolimits nonumber "
    "normalsize notag relax right rm scriptscriptstyle scriptstyle small strut textstyle "
    "tiny"
)

# combining marks, written as escapes: on their own they would sit on the `=` of a table
_ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "check": "\u030c",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "acute": "\u0301",
    "grave": "\u0300",
    "dot": "\u0307",
    "ddot": "\u0308",
    "breve": "\u0306",
    "bar": "\u0304",
    "vec": "\u20d7",
    "overrightarrow": "\u20d7",
    "mathring": "\u030a",
}
_EVERY_CHAR_ACCENTS = {"overline": "\u0305", "underline": "\u0332"}

_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ⊤′nTi",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡᵀ′ⁿᵀⁱ",
        strict=True,
    )
)
_SUPERSCRIPTS["∗"] = "*"  # `x^*` reads well enough raised by its own shape
_SUPERSCRIPTS["*"] = "*"
_SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"


def _alphabet(upper: int, lower: int, exceptions: dict[str, str]) -> dict[str, str]:
    table = {c: chr(upper + i) for i, c in enumerate(_UPPER)}
    table.update({c: chr(lower + i) for i, c in enumerate(_LOWER)})
    table.update(exceptions)
    return table


_BOLD = _alphabet(0x1D400, 0x1D41A, {str(d): chr(0x1D7CE + d) for d in range(10)})
# bold Greek follows the order of the Greek block (U+0391.., U+03B1..), final sigma included
_BOLD.update({chr(0x391 + i): chr(0x1D6A8 + i) for i in range(25) if i != 0x11})
_BOLD.update({chr(0x3B1 + i): chr(0x1D6C2 + i) for i in range(25)})
_BOLD.update({"ϵ": "𝛜", "ϑ": "𝛝", "ϕ": "𝛟", "ϱ": "𝛠", "ϖ": "𝛡", "∇": "𝛁", "∂": "𝛛"})
_ALPHABETS: dict[str, dict[str, str]] = {
    "mathbf": _BOLD,
    "boldsymbol": _BOLD,
    "bm": _BOLD,
    "pmb": _BOLD,
    "textbf": _BOLD,
    "mathbb": _alphabet(
        0x1D538,
        0x1D552,
        {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}
        | {str(d): chr(0x1D7D8 + d) for d in range(10)},
    ),
    "mathcal": _alphabet(
        0x1D49C,
        0x1D4B6,
        {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}
        | {"e": "ℯ", "g": "ℊ", "o": "ℴ"},
    ),
    "mathscr": _alphabet(
        0x1D49C,
        0x1D4B6,
        {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}
        | {"e": "ℯ", "g": "ℊ", "o": "ℴ"},
    ),
    "mathfrak": _alphabet(0x1D504, 0x1D51E, {"C": "ℭ", "H": "ℌ", "I": "ℑ", "R": "ℜ", "Z": "ℨ"}),
    "mathsf": _alphabet(0x1D5A0, 0x1D5BA, {}),
    "mathtt": _alphabet(0x1D670, 0x1D68A, {}),
}
# upright text: the content as it is
_TEXT_COMMANDS = {"text", "textrm", "textnormal", "mbox", "textit", "textsf", "texttt", "hbox"}
_UPRIGHT_COMMANDS = {"mathrm", "mathit", "mathnormal", "operatorname", "mathop", "mathord"}
_SKIP_ONE_ARGUMENT = {"label", "color", "hspace", "vspace", "phantom", "hphantom", "vphantom"}
_MATRIX_DELIMITERS = {
    "matrix": ("", ""),
    "smallmatrix": ("", ""),
    "array": ("", ""),
    "pmatrix": ("(", ")"),
    "bmatrix": ("[", "]"),
    "Bmatrix": ("⦃", "⦄"),
    "vmatrix": ("|", "|"),
    "Vmatrix": ("‖", "‖"),
}

_FRACTIONS = {
    ("1", "2"): "½",
    ("1", "3"): "⅓",
    ("2", "3"): "⅔",
    ("1", "4"): "¼",
    ("3", "4"): "¾",
    ("1", "5"): "⅕",
    ("1", "6"): "⅙",
    ("1", "8"): "⅛",
}

# -- the parser --------------------------------------------------------------------------------

_TOKEN = re.compile(r"\\([A-Za-z]+\*?|.)|(\s+)|(.)", re.DOTALL)


@dataclass
class _Atom:
    """A piece of output: its text and how it joins its neighbours."""

    text: str
    kind: str = "ord"  # ord | inner (fractions, text) | op | rel | open | close | amp | row
    glue: bool = False  # a letter-like command: `\alpha \mathbf{x}` joins as `α𝐱`
    space_before: bool = False
    loose: bool = False  # carries a `_(...)` script: keep the space after it
    pad_after: bool = False  # `a/b`: a space before what follows, so `1/n ∑` is not `1/n∑`


@dataclass
class _Token:
    kind: str  # cmd | space | char
    text: str


def _tokenize(tex: str) -> list[_Token]:
    tokens = []
    for m in _TOKEN.finditer(tex):
        if m.group(1) is not None:
            tokens.append(_Token("cmd", m.group(1)))
        elif m.group(2) is not None:
            tokens.append(_Token("space", " "))
        else:
            tokens.append(_Token("char", m.group(3)))
    return tokens


class _Parser:
    """Reads a token list into atoms, one construct at a time."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token | None:
        token = self.peek()
        if token is not None:
            self.pos += 1
        return token

    def skip_spaces(self) -> bool:
        skipped = False
        while (t := self.peek()) is not None and t.kind == "space":
            self.pos += 1
            skipped = True
        return skipped

    # a sequence up to `}` (or `\end`, or the end of input)
    def sequence(self, *, stop_at_end: bool = False) -> list[_Atom]:
        atoms: list[_Atom] = []
        space = False
        while (t := self.peek()) is not None:
            if t.kind == "char" and t.text == "}":
                break
            if stop_at_end and t.kind == "cmd" and t.text == "end":
                break
            if t.kind == "space":
                self.take()
                space = True
                continue
            if t.kind == "char" and t.text in "^_":
                self.take()
                self._attach_script(atoms, t.text)
                continue
            produced = self.construct()
            for i, atom in enumerate(produced):
                if i == 0 and space:
                    atom.space_before = True
                atoms.append(atom)
            if produced:
                space = False
        return atoms

    def argument(self) -> list[_Atom]:
        """One argument: a `{group}` or a single token."""
        self.skip_spaces()
        t = self.peek()
        if t is None:
            return []
        if t.kind == "char" and t.text == "{":
            self.take()
            atoms = self.sequence()
            self._close_brace()
            return atoms
        if t.kind == "char" and t.text == "}":
            return []
        return self.construct()

    def raw_group(self) -> str:
        """The text of a `{group}` as written (for `\\text{...}` and environment names)."""
        self.skip_spaces()
        t = self.peek()
        if t is None or not (t.kind == "char" and t.text == "{"):
            token = self.take()
            return "" if token is None else token.text
        self.take()
        depth, out = 1, []
        while (t := self.take()) is not None:
            if t.kind == "char" and t.text == "{":
                depth += 1
            elif t.kind == "char" and t.text == "}":
                depth -= 1
                if depth == 0:
                    break
            if t.kind == "cmd":
                out.append(_text_escape(t.text))
            else:
                out.append(t.text)
        return "".join(out)

    def optional(self) -> list[_Atom] | None:
        """An optional `[argument]`, if present."""
        t = self.peek()
        if t is None or not (t.kind == "char" and t.text == "["):
            return None
        self.take()
        atoms: list[_Atom] = []
        while (t := self.peek()) is not None and not (t.kind == "char" and t.text == "]"):
            if t.kind == "space":
                self.take()
                continue
            atoms.extend(self.construct())
        self.take()
        return atoms

    def _close_brace(self) -> None:
        t = self.peek()
        if t is not None and t.kind == "char" and t.text == "}":
            self.take()

    def _attach_script(self, atoms: list[_Atom], mark: str) -> None:
        content = self.argument()
        text = _join(content).replace(" ", "")
        if not atoms or atoms[-1].kind in ("amp", "row"):
            atoms.append(_Atom(""))
        base = atoms[-1]
        scripted = _script(text, _SUPERSCRIPTS if mark == "^" else _SUBSCRIPTS)
        if scripted is None:
            bracketed = _enclosed(text)
            single = len(_graphemes(text)) == 1
            scripted = f"{mark}{text}" if single or bracketed else f"{mark}({text})"
            base.loose = True
        base.text += scripted

    # one construct: a character, a command with its arguments, a group
    def construct(self) -> list[_Atom]:
        t = self.take()
        if t is None:
            return []
        if t.kind == "char":
            return self._char(t.text)
        return self._command(t.text)

    def _char(self, c: str) -> list[_Atom]:
        if c == "{":
            atoms = self.sequence()
            self._close_brace()
            return atoms
        if c == "}":
            return []
        if c == "&":
            return [_Atom(" ", "amp")]
        if c == "~":
            return [_Atom(" ", "space")]
        if c == "'":
            text = "′"
            while (t := self.peek()) is not None and t.kind == "char" and t.text == "'":
                self.take()
                text += "′"
            return [_Atom(text.replace("′′", "″"), "ord")]
        if c in "=<>":
            return [_Atom(c, "rel")]
        if c in "+-*/":
            return [_Atom(c, "op")]
        if c in "([":
            return [_Atom(c, "open")]
        if c in ")]":
            return [_Atom(c, "close")]
        if c in ",;:|":
            return [_Atom(c, "punct")]
        return [_Atom(c, "ord")]

    def _command(self, name: str) -> list[_Atom]:
        base = name.rstrip("*") if len(name) > 1 else name
        if base in _IGNORED:
            if base in ("left", "right", "middle") or base.startswith(("big", "Big")):
                return self._delimiter()
            return []
        if base in _SPACES:
            return [_Atom(_SPACES[base], "space")] if _SPACES[base] else []
        if base == "\\":
            self.optional()
            return [_Atom("; ", "row")]
        if base in _GREEK:
            return [_Atom(_GREEK[base], "ord", glue=True)]
        if base in _LETTERLIKE:
            return [_Atom(_LETTERLIKE[base], "ord", glue=True)]
        if base in _SYMBOLS:
            kind = "open" if base in ("langle", "lfloor", "lceil", "lvert", "lVert") else "rel"
            kind = "close" if base in ("rangle", "rfloor", "rceil", "rvert", "rVert") else kind
            return [_Atom(_SYMBOLS[base], kind)]
        if base in _BIG_OPERATORS:
            return [_Atom(_BIG_OPERATORS[base], "op")]
        if base in _FUNCTIONS:
            return [_Atom(base, "op")]
        if base in ("frac", "dfrac", "tfrac", "cfrac"):
            return [self._fraction()]
        if base in ("binom", "dbinom", "tbinom"):
            n, k = _join(self.argument()), _join(self.argument())
            return [_Atom(f"C({n}, {k})", "inner")]
        if base == "sqrt":
            return [self._root()]
        if base in _ALPHABETS:
            table = _ALPHABETS[base]
            text = "".join(table.get(ch, ch) for ch in _join(self.argument()))
            return [_Atom(text, "ord", glue=True)]
        if base in _ACCENTS:
            return [_Atom(_accent(_join(self.argument()), _ACCENTS[base]), "ord", glue=True)]
        if base in _EVERY_CHAR_ACCENTS:
            mark = _EVERY_CHAR_ACCENTS[base]
            text = "".join(g + mark for g in _graphemes(_join(self.argument())))
            return [_Atom(text, "ord", glue=True)]
        if base in _TEXT_COMMANDS:
            return [_Atom(_text_content(self.raw_group()), "inner")]
        if base in _UPRIGHT_COMMANDS:
            text = _join(self.argument())
            return [_Atom(text, "op" if base in ("operatorname", "mathop") else "ord")]
        if base in _SKIP_ONE_ARGUMENT:
            self.raw_group()
            return []
        if base == "textcolor":
            self.raw_group()
            return self.argument()
        if base in ("boxed", "fbox"):
            return [_Atom(f"[{_join(self.argument())}]", "inner")]
        if base in ("overbrace", "underbrace", "cancel", "bcancel", "xcancel", "substack"):
            return self.argument()
        if base == "tag":
            return [_Atom(f"({self.raw_group()})", "inner", space_before=True)]
        if base == "not":
            following = self.construct()
            if following:
                following[0].text = {"=": "≠", "∈": "∉", "<": "≮", ">": "≯"}.get(
                    following[0].text, following[0].text + "\u0338"
                )
            return following
        if base in ("pmod", "bmod", "mod"):
            if base == "pmod":
                return [_Atom(f"(mod {_join(self.argument())})", "inner", space_before=True)]
            return [_Atom("mod", "op")]
        if base == "begin":
            return self._environment(self.raw_group())
        if base == "end":
            self.raw_group()
            return []
        return [_Atom(_fallback_symbol(base), "op")]

    def _delimiter(self) -> list[_Atom]:
        t = self.peek()
        if t is None or t.kind == "space":
            return []
        if t.kind == "char" and t.text == ".":
            self.take()
            return []
        return self.construct()

    def _fraction(self) -> _Atom:
        top, bottom = _join(self.argument()).strip(), _join(self.argument()).strip()
        if (top, bottom) in _FRACTIONS:
            return _Atom(_FRACTIONS[(top, bottom)], "inner")
        top = top if _is_simple(top) else f"({top})"
        bottom = bottom if _is_single_term(bottom) else f"({bottom})"
        return _Atom(f"{top}/{bottom}", "inner", pad_after=True)

    def _root(self) -> _Atom:
        degree = self.optional()
        body = _join(self.argument())
        sign = "√"
        if degree:
            index = _join(degree).replace(" ", "")
            sign = {"2": "√", "3": "∛", "4": "∜"}.get(index) or (
                (_script(index, _SUPERSCRIPTS) or f"({index})") + "√"
            )
        return _Atom(sign + (body if _is_simple(body) else f"({body})"), "inner")

    def _environment(self, name: str) -> list[_Atom]:
        base = name.rstrip("*")
        if base == "array":
            self.raw_group()  # the column specification
        atoms = self.sequence(stop_at_end=True)
        end = self.take()
        if end is not None and end.kind == "cmd" and end.text == "end":
            self.raw_group()
        rows: list[list[list[_Atom]]] = [[[]]]
        for atom in atoms:
            if atom.kind == "row":
                rows.append([[]])
            elif atom.kind == "amp":
                rows[-1].append([])
            else:
                rows[-1][-1].append(atom)
        lines = [
            [_join(cell).strip() for cell in row]
            for row in rows
            if any(_join(cell).strip() for cell in row)
        ]
        if base in _MATRIX_DELIMITERS:
            left, right = _MATRIX_DELIMITERS[base]
            body = "; ".join(" ".join(cells) for cells in lines)
            return [_Atom(f"{left}{body}{right}", "inner")]
        if base in ("cases", "dcases"):
            body = "; ".join(
                cells[0] + (f" ({', '.join(cells[1:])})" if len(cells) > 1 else "")
                for cells in lines
            )
            return [_Atom("⎨" + body, "inner")]
        return [_Atom("; ".join(" ".join(cells) for cells in lines), "inner")]


def _join(atoms: list[_Atom]) -> str:
    """Atoms as text: the spaces the author wrote, except between letter-like terms."""
    out: list[str] = []
    previous: _Atom | None = None
    for atom in atoms:
        if atom.kind == "space":
            if out and not out[-1].endswith(" "):
                out.append(" ")
            previous = None
            continue
        padded = (
            previous is not None
            and previous.pad_after
            and atom.kind not in _NO_PAD
            and not atom.text.startswith(_NO_PAD_TEXT)
        )
        if (atom.space_before or padded) and previous is not None and not out[-1].endswith(" "):
            glued = (
                previous.kind == "ord"
                and atom.kind == "ord"
                and (previous.glue or atom.glue)
                and not previous.loose
            )
            if not glued:
                out.append(" ")
        out.append(atom.text)
        previous = atom
    return "".join(out)


_NO_PAD = ("punct", "close", "space", "amp", "row")
_NO_PAD_TEXT = tuple("+-*/=<>,;:)]′")


def _graphemes(text: str) -> list[str]:
    """`text` split into characters with their combining marks."""
    found: list[str] = []
    for ch in text:
        if found and unicodedata.combining(ch):
            found[-1] += ch
        else:
            found.append(ch)
    return found


def _script(text: str, table: dict[str, str]) -> str | None:
    """`text` in Unicode sub/superscripts, or None when a character has none."""
    if not text:
        return ""
    out = []
    for ch in text:
        mapped = table.get(ch)
        if mapped is None:
            return None
        out.append(mapped)
    return "".join(out)


def _accent(text: str, mark: str) -> str:
    """A combining accent over the last character (`\\hat{y}` -> `ŷ`)."""
    if not text:
        return mark.strip()
    parts = _graphemes(text)
    parts[-1] += mark
    return unicodedata.normalize("NFC", "".join(parts))


_OPERATOR_CHARS = set("+-=<>±∓×÷·,;/→←≤≥≈∈") | {" "}
_SCRIPT_CHARS = set(_SUPERSCRIPTS.values()) | set(_SUBSCRIPTS.values())
_DIFFERENTIALS = set("∂dδΔ∇")


def _is_simple(text: str) -> bool:
    """No spaces or operators outside brackets (`∂y`, `6`, `P(A)`, `(a+b)`), so it needs no
    brackets as a numerator or under a root."""
    depth = 0
    for ch in text:
        if ch in "([⟨":
            depth += 1
        elif ch in ")]⟩":
            depth -= 1
        elif depth == 0 and ch in _OPERATOR_CHARS:
            return False
    return bool(text)


def _enclosed(text: str) -> bool:
    """Wrapped in one pair of brackets or bars: `(a, b)`, `|B|`, `‖𝐠‖`."""
    pairs = {"(": ")", "[": "]", "|": "|", "‖": "‖", "⟨": "⟩"}
    if len(text) < 2 or pairs.get(text[0]) != text[-1]:
        return False
    depth = 0
    for i, ch in enumerate(text[:-1]):
        if ch in "([⟨":
            depth += 1
        elif ch in ")]⟩":
            depth -= 1
        if depth == 0 and i > 0 and text[0] in "([⟨":
            return False
    return True


def _is_single_term(text: str) -> bool:
    """Safe as a denominator without brackets: one symbol (with its scripts), a number, a
    differential (`dx`, `∂𝐱`), a bracketed group or a function of one (`P(A=a)`)."""
    if not _is_simple(text):
        return False
    if _enclosed(text) or text.isdigit():
        return True
    head = text.split("(", 1)[0]
    if head != text and _enclosed(text[len(head) :]):
        text = head  # a function applied to a bracketed argument reads as one term
    bases = [g for g in _graphemes(text) if g[0] not in _SCRIPT_CHARS]
    if len(bases) == 2 and bases[0] in _DIFFERENTIALS:
        return True
    return len(bases) == 1 or (bool(bases) and "".join(bases).isalpha() and len(bases) > 2)


def _text_escape(name: str) -> str:
    return {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", " ": " "}.get(
        name, ""
    )


def _text_content(text: str) -> str:
    """The content of `\\text{...}`, with any `$math$` inside converted."""
    return convert_math(text) if "$" in text else text


@lru_cache(maxsize=512)
def _fallback_symbol(name: str) -> str:
    """pylatexenc's rendering of a macro the tables here lack, else its name (`\\argmax`)."""
    try:
        from pylatexenc.latex2text import get_default_latex_context_db
    except ImportError:  # a dependency; without it, the name still reads better than LaTeX
        return name
    spec = get_default_latex_context_db().get_macro_spec(name)
    replacement = getattr(spec, "simplify_repl", None) if spec is not None else None
    if isinstance(replacement, str) and replacement and not set(replacement) & set("%\\{"):
        return replacement
    return name


@lru_cache(maxsize=4096)
def latex_to_unicode(tex: str) -> str:
    """One LaTeX formula (without its `$`) as a line of Unicode text."""
    # a stray `}` ends the sequence early: read on so nothing is lost
    parser = _Parser(_tokenize(tex))
    atoms = []
    while parser.peek() is not None:
        atoms.extend(parser.sequence())
        parser.take()
    return re.sub(r" {2,}", " ", _join(atoms)).strip()


# -- math in a Markdown text -------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!~])")


@dataclass(frozen=True)
class MathSpan:
    """One formula in a text: where it is, its LaTeX, and whether it is display math."""

    start: int
    end: int
    tex: str
    display: bool


def find_math(text: str) -> list[MathSpan]:
    """The `$...$` and `$$...$$` formulas of a Markdown text, outside code spans and blocks.

    Inline math follows Pandoc's rule: no space just inside the dollars, and no digit right
    after the closing one, so `costs $5 and $6` is not math. `\\$` is a literal dollar.
    """
    spans: list[MathSpan] = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        ch = text[i]
        if at_line_start and text.startswith(("```", "~~~"), i):
            fence = text[i : i + 3]
            close = text.find("\n" + fence, i + 3)
            i = n if close < 0 else close + 4
            continue
        at_line_start = ch == "\n"
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = text.find("`" * run, i + run)
            i = i + run if close < 0 else close + run
            continue
        if ch != "$":
            i += 1
            continue
        if text.startswith("$$", i):
            close = text.find("$$", i + 2)
            if close > i + 2:
                spans.append(MathSpan(i, close + 2, text[i + 2 : close], True))
                i = close + 2
                continue
            i += 2
            continue
        close = _inline_close(text, i + 1)
        if close is not None:
            spans.append(MathSpan(i, close + 1, text[i + 1 : close], False))
            i = close + 1
        else:
            i += 1
    return spans


def _inline_close(text: str, start: int) -> int | None:
    if start >= len(text) or text[start].isspace():
        return None
    j = start
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "\n" and text[j + 1 : j + 2] == "\n":
            return None  # math never spans a paragraph break
        if ch == "$":
            if text[j - 1].isspace() or text[j + 1 : j + 2].isdigit():
                return None
            return j
        j += 1
    return None


def convert_math(text: str, *, escape_markdown: bool = False) -> str:
    """`text` with every formula replaced by its Unicode form.

    With `escape_markdown`, characters of a formula that Markdown would read as syntax
    (`*`, `_`, `[`...) are backslash-escaped, so the result can go through a Markdown parser
    and come out as the formula. Display math goes on a line of its own.
    """
    spans = find_math(text)
    if not spans:
        return text
    out, pos = [], 0
    for span in spans:
        out.append(text[pos : span.start])
        converted = latex_to_unicode(span.tex.strip())
        if escape_markdown:
            converted = _MARKDOWN_SPECIAL.sub(r"\\\1", converted)
        if span.display:
            converted = f"\n\n{converted}\n\n" if escape_markdown else f"\n{converted}\n"
        out.append(converted)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def plain(text: str) -> str:
    """A text field as one plain line: math converted, Markdown marks and cloze syntax read."""
    from quizzer import cloze

    if "{{c" in text:
        text = cloze.CLOZE_RE.sub(lambda m: m.group(2).partition("::")[0], text)
    text = convert_math(text)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return " ".join(text.split())


# -- Markdown to Rich text ---------------------------------------------------------------------


def gap(label: str) -> str:
    """A cloze gap or answer wrapped in highlight markers (pass to `cloze.render(mark=...)`)."""
    return MARK_START + label.replace("[", _LBRACKET).replace("]", _RBRACKET) + MARK_END


@lru_cache(maxsize=1)
def _markdown_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).disable(["html_inline", "html_block"])


@dataclass(frozen=True)
class TextStyles:
    """The styles `render_markdown` uses; a light or dark theme passes its own."""

    code: str = "bold"
    mark: str = "reverse bold"
    link: str = "underline"
    heading: str = "bold underline"
    code_theme: str = "monokai"
    code_background: str = "default"  # a color, or "default" for the terminal's own


def render_markdown(text: str, styles: TextStyles | None = None) -> Text:
    """A Markdown text field (math included) as a Rich `Text` that wraps and aligns right."""
    from rich.text import Text

    styles = styles or TextStyles()
    source = convert_math(text, escape_markdown=True)
    tokens = _markdown_parser().parse(source)
    out = Text(end="")
    _Renderer(out, styles).blocks(tokens)
    out.rstrip()
    return _apply_marks(out, styles.mark)


class _Renderer:
    """Walks markdown-it's block tokens, appending styled text to `out`."""

    def __init__(self, out: Text, styles: TextStyles) -> None:
        self.out = out
        self.styles = styles
        self.prefixes: list[str] = []
        self.lists: list[int | None] = []  # per open list: next number, None for bullets
        self.line_start = True
        self.after_bullet = False

    def write(self, text: str, style: str | Style = "") -> None:
        for i, line in enumerate(text.split("\n")):
            if i:
                self.newline()
            if line:
                if self.line_start and self.prefixes:
                    self.out.append("".join(self.prefixes))
                self.line_start = False
                self.after_bullet = False
                self.out.append(line, style)

    def newline(self) -> None:
        self.out.append("\n")
        self.line_start = True

    def block_break(self, blank: bool) -> None:
        """End the current line, and leave a blank line when `blank` (between paragraphs)."""
        if not self.out.plain or self.after_bullet:
            return
        if not self.line_start:
            self.newline()
        if blank and not self.out.plain.endswith("\n\n"):
            self.newline()

    def blocks(self, tokens: list) -> None:
        for token in tokens:
            kind = token.type
            if kind == "inline":
                self.inline(token.children or [])
            elif kind == "paragraph_open":
                self.block_break(blank=not token.hidden)
            elif kind == "heading_open":
                self.block_break(blank=True)
                self.out.append("")
                self.heading_from = len(self.out)
            elif kind == "heading_close":
                self.out.stylize(self.styles.heading, self.heading_from, len(self.out))
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.block_break(blank=not self.lists)
                start = token.attrGet("start") if kind == "ordered_list_open" else None
                self.lists.append(int(start or 1) if kind == "ordered_list_open" else None)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                self.block_break(blank=False)
                number = self.lists[-1]
                indent = "  " * (len(self.lists) - 1)
                if number is None:
                    self.write(f"{indent}• ")
                else:
                    self.write(f"{indent}{number}. ")
                    self.lists[-1] = number + 1
                self.after_bullet = True
            elif kind in ("fence", "code_block"):
                self.block_break(blank=True)
                self.code_block(token.content, (token.info or "").strip() or "python")
            elif kind == "blockquote_open":
                self.block_break(blank=True)
                self.prefixes.append("▌ ")
            elif kind == "blockquote_close":
                self.prefixes.pop()
            elif kind == "hr":
                self.block_break(blank=True)
                self.write("─" * 20)

    def code_block(self, code: str, language: str) -> None:
        from rich.syntax import Syntax

        code = code.rstrip("\n")
        highlighted = Syntax(
            code,
            language,
            theme=self.styles.code_theme,
            background_color=self.styles.code_background,
        ).highlight(code)
        highlighted.rstrip()
        highlighted.end = ""
        self.out.append_text(highlighted)
        self.line_start = False

    def inline(self, children: list) -> None:
        styles: list[str] = []
        for child in children:
            kind = child.type
            style = " ".join(styles)
            if kind == "text":
                self.write(child.content, style)
            elif kind == "code_inline":
                self.write(child.content, f"{style} {self.styles.code}".strip())
            elif kind in ("softbreak", "hardbreak"):
                # the author's line breaks are kept: card texts are short and laid out by hand
                self.newline()
            elif kind == "strong_open":
                styles.append("bold")
            elif kind == "em_open":
                styles.append("italic")
            elif kind == "s_open":
                styles.append("strike")
            elif kind == "link_open":
                styles.append(self.styles.link)
            elif kind in ("strong_close", "em_close", "s_close", "link_close"):
                if styles:
                    styles.pop()
            else:
                self.write(child.content, style)


def _apply_marks(out: Text, mark_style: str) -> Text:
    """Highlight the spans between MARK_START and MARK_END and drop the markers."""
    from rich.text import Text

    plain_text = out.plain
    if MARK_START in plain_text:
        start = None
        for i, ch in enumerate(plain_text):
            if ch == MARK_START:
                start = i
            elif ch == MARK_END and start is not None:
                out.stylize(mark_style, start + 1, i)
                start = None
        markers = [i for i, ch in enumerate(plain_text) if ch in (MARK_START, MARK_END)]
        cuts = sorted({*markers, *(i + 1 for i in markers)})
        pieces = [p for p in out.divide(cuts) if p.plain not in (MARK_START, MARK_END)]
        out = Text("", end="").join(pieces)
    if _LBRACKET in out.plain or _RBRACKET in out.plain:
        # same length, so the styles stay where they are
        out.plain = out.plain.replace(_LBRACKET, "[").replace(_RBRACKET, "]")
    return out


# -- wrapping wide (CJK) text ------------------------------------------------------------------

# no line starts with these (closing punctuation), none ends with the opening ones
_NO_LINE_START = set("，。、；：！？）」』》〉】”’,.;:!?)]}%…·ー～")
_NO_LINE_END = set("（「『《〈【“‘([{")


def _cells(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200d":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def wrap_offsets(line: str, width: int) -> list[int]:
    """Where to break one line of text so that no piece is wider than `width` cells.

    A line may break at a space, or between two wide (CJK) characters, which Chinese text
    allows anywhere (spaces-only wrapping would push a whole Chinese sentence to the next
    line); never before closing punctuation or after an opening one. A word wider than the
    line is cut where it must. Offsets are indices into `line`.
    """
    width = max(1, width)
    units: list[tuple[int, int, int, bool]] = []  # start, end, cells, is_space
    i = 0
    while i < len(line):
        ch = line[i]
        j = i + 1
        if ch == " ":
            while j < len(line) and line[j] == " ":
                j += 1
            units.append((i, j, j - i, True))
        elif _is_wide(ch):
            while j < len(line) and (line[j] in _NO_LINE_START or _cells(line[j]) == 0):
                j += 1  # closing punctuation sticks to the character before it
            if ch in _NO_LINE_END and j < len(line):
                j += 1
            units.append((i, j, sum(_cells(c) for c in line[i:j]), False))
        else:
            while (
                j < len(line)
                and line[j] != " "
                and (not _is_wide(line[j]) or line[j] in _NO_LINE_START)
            ):
                j += 1
            units.append((i, j, sum(_cells(c) for c in line[i:j]), False))
        i = j
    breaks: list[int] = []
    used = 0
    for start, end, cells, is_space in units:
        if is_space:
            used += cells
            continue
        if used and used + cells > width:
            breaks.append(start)
            used = 0
        while cells > width:  # a word longer than a line: cut it
            taken, k = 0, start
            while k < end and taken + _cells(line[k]) <= width:
                taken += _cells(line[k])
                k += 1
            k = max(k, start + 1)
            breaks.append(k)
            cells -= sum(_cells(c) for c in line[start:k])
            start = k
        used += cells
    return breaks


class WrappedText:
    """A Rich renderable: a `Text` wrapped with `wrap_offsets` (CJK-aware) at the width given.

    Rich and Textual wrap only at spaces, so a Chinese sentence without spaces would move to
    a line of its own; this breaks it where Chinese typesetting allows.
    """

    def __init__(self, text: Text) -> None:
        self.text = text

    def lines(self, width: int) -> list[Text]:
        """The wrapped lines, styles kept, trailing spaces dropped."""
        out = []
        for line in self.text.split("\n", allow_blank=True):
            offsets = wrap_offsets(line.plain, width)
            for piece in line.divide(offsets) if offsets else [line]:
                piece.rstrip()
                piece.end = "\n"
                piece.no_wrap = True
                piece.overflow = "ignore"
                out.append(piece)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        widest = max((sum(_cells(c) for c in ln) for ln in self.text.plain.split("\n")), default=0)
        return Measurement(min(4, widest), widest)
