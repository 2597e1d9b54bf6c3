"""Skip what cannot fire: a cheap text test, before the model walk, derived from the rules.

Each rule declares `requires`: sets of operation kinds that must all occur in a module for it to
possibly fire (any one set suffices). A kind occurs only if something in the text spells it:

* a function, class or layer of the framework table (`numlint.engine.table.FUNCTIONS`): whatever the
  import or alias (`from torch import sum as tsum`, `E = np.mean`, `import scipy.special as sp`,
  `self.act = nn.Softmax()`, one hop into a function of the module), the rightmost name of the
  qualified name appears as an identifier somewhere in the module, in the import statement or
  the attribute access that reaches it (the model resolves names within one module only);
* a method of the table (`x.sum(1)`): its name, after a dot;
* an operator: its character (`/` div, `-` sub and neg, `@` matmul, `**` pow, ...); an `@`
  only where it can be the operator (`may_hold_matmul_operator`: not a decorator's, not in a
  comment), since most modules spell `@` in decorators only.

A combination may also hold a `TextCondition`: a test of the text beyond the kinds it spells,
for rules that report only with a literal of some value (`numbers(text)` gives the values of the
number literals the text holds): NL604 needs a step below 3.5e-6, NL605's `d ** 0.5` the number
0.5.
Such a condition is never provided by another module (the model never follows a literal across
modules), and like a kind it must hold on each of the rule's bad examples, else the declaration
is ignored.

The test is on the set of identifiers of the text (comments and strings included: a superset of
the code's names, so it can only say "maybe" too often, never "no" wrongly); non-ASCII
identifiers are NFKC-normalised, as Python does. A kind the table and the operators cannot
spell is assumed present (the test never guesses). The agreement of the prefilter with the full
check is proven in `tests/test_prefilter.py` (fixtures and every rule example) and on the
ecosystem corpus by `benchmarks/perf.py --agreement`.

The engine runs the test only where it pays (`pays`): for a selection of few rules. With many,
most modules spell some combination, and the scans cost more than the walks they save.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, Optional, Sequence, Tuple

# Set False to run every rule on every file (the agreement test compares both).
ENABLED = True

# Operator kinds (numlint.engine.semantic.model.BINARY_KINDS / UNARY_KINDS) and the text that
# spells them.
OPERATOR_TEXT: Dict[str, Tuple[str, ...]] = {
    "add": ("+",), "sub": ("-",), "mul": ("*",), "div": ("/",), "pow": ("**",),
    "matmul": ("@",), "floordiv": ("//",), "mod": ("%",), "neg": ("-",), "pos": ("+",),
    "invert": ("~",), "compare": ("==", "!=", "<", ">"),
}
# `x.T`, `x.mT` are transposes (numlint.engine.semantic.model.TRANSPOSE_ATTRIBUTES).
# `x is y`, `k in d`: comparisons spelled by a keyword.
_ATTRIBUTE_NAMES = {"transpose": ("T", "mT"), "compare": ("is", "in")}


class Spelling:
    """How the text can spell one operation kind: identifiers and operator characters."""

    __slots__ = ("kind", "names", "chars", "unknown")

    def __init__(self, kind: str, names: FrozenSet[str], chars: Tuple[str, ...], unknown: bool):
        self.kind = kind
        self.names = tuple(sorted(names))
        self.chars = chars
        self.unknown = unknown  # nothing known spells it: always assumed present

    def present(self, text: str) -> bool:
        if self.unknown:
            return True
        for c in self.chars:
            if c in text and c not in OPERATOR_TESTS:
                return True
        for name in self.names:
            if has_word(text, name):
                return True
        for c in self.chars:  # characters that are not always the operator: tested last
            if c in OPERATOR_TESTS and c in text and OPERATOR_TESTS[c](text):
                return True
        return False


def has_word(text: str, name: str) -> bool:
    """Whether `name` occurs in `text` as a whole word (not inside a longer identifier)."""
    for _ in word_starts(text, name):
        return True
    return False


def word_starts(text: str, name: str) -> Iterator[int]:
    """The positions where `name` occurs in `text` as a whole word."""
    find = text.find
    size = len(name)
    i = find(name)
    while i >= 0:
        end = i + size
        if (i == 0 or not _is_word(text[i - 1])) and (end == len(text) or not _is_word(text[end])):
            yield i
        i = find(name, i + 1)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def may_hold_matmul_operator(text: str) -> bool:
    """False only if no `@` of the text can be the matrix product operator: each is a
    decorator's (`@name` first on its line and followed, after its arguments, by another
    decorator or by the `def` or `class` it decorates at the same indentation), or stands
    after a `#` or a `>>>` with no quote before it on its line (in a comment, or in a
    string that cannot end before it, unless a `{` before it may open the field of a
    triple-quoted f-string). Modules spell `@` mostly in decorators and in
    authors' e-mail addresses; a matrix product written at the start of a continuation line
    (`(A\n @B)`) is followed by more of its expression, not by a `def`."""
    find = text.find
    i = find("@")
    while i >= 0:
        start = text.rfind("\n", 0, i) + 1
        before = text[start:i]
        if '"' in before or "'" in before:
            return True
        if not (("#" in before and "{" not in before)  # (`{`: maybe an f-string's field)
                or before.strip(" \t") == ">>>"
                or (not before.strip(" \t") and _decorator(text, start, i))):
            return True
        i = find("@", i + 1)
    return False


def _decorator(text: str, start: int, at: int) -> bool:
    """Whether the `@` at `at`, first on the line beginning at `start`, is a decorator's."""
    if not (text[at + 1:at + 2].isalpha() or text[at + 1:at + 2] == "_"):
        return False  # `@ name`, `@(expr)`: rare in decorators, read as maybe a product
    indentation = text[start:at]
    # Not joined by a backslash to the line before (the nearest one that is not blank).
    end = start - 1  # the newline that ends the line before
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].rstrip(" \t\r")
        if line:
            if line.endswith("\\"):
                return False
            break
        end = begin - 1
    # Its arguments: lines until the brackets it opens are closed (strings skipped).
    position = at
    depth: Optional[int] = 0
    for _ in range(_DECORATOR_LINES):
        end = find_line_end(text, position)
        depth = _bracket_depth(text[position:end], depth or 0)
        if depth is None:
            return False  # a closing bracket it did not open, a triple quote, a backslash
        position = end + 1
        if depth == 0:
            break
    else:
        return False
    # Then, after blank and comment lines, what it decorates (or another decorator).
    while position < len(text):
        end = find_line_end(text, position)
        line = text[position:end]
        stripped = line.strip(" \t\r")
        position = end + 1
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith(indentation) or line[len(indentation):len(indentation) + 1] \
                in (" ", "\t"):
            return False
        return stripped.startswith(("@", "def ", "class ", "async ", "def\t", "class\t"))
    return False


_DECORATOR_LINES = 200  # lines of arguments a decorator is followed over


def find_line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _bracket_depth(line: str, depth: int) -> Optional[int]:
    """`depth` after the brackets of `line` (its strings and comment skipped); None if it
    closes one it did not open, or holds what this reading does not follow (a triple quote,
    a backslash at its end)."""
    index = 0
    size = len(line)
    while index < size:
        char = line[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif char == "#":
            break
        elif char == '"' or char == "'":
            if line.startswith(char * 3, index):
                return None
            index += 1
            while index < size and line[index] != char:
                index += 2 if line[index] == "\\" else 1
            if index >= size:
                return None  # unterminated on its line
        index += 1
    if line.rstrip(" \t\r").endswith("\\"):
        return None
    return depth


# Characters that spell an operator only sometimes, and the test that tells.
OPERATOR_TESTS: Dict[str, Callable[[str], bool]] = {"@": may_hold_matmul_operator}


class TextCondition:
    """A requirement on the module's text that no operation kind says: `test(text)` is False
    only if the rule cannot fire on the module. Written in a rule's `requires` beside kinds."""

    __slots__ = ("kind", "test", "names", "chars", "unknown")

    def __init__(self, name: str, test: Callable[[str], bool]):
        self.kind = name  # never an operation kind: imports cannot provide it
        self.test = test
        self.names: Tuple[str, ...] = ()
        self.chars: Tuple[str, ...] = ()
        self.unknown = False

    def present(self, text: str) -> bool:
        return self.test(text)

    def __repr__(self) -> str:
        return f"TextCondition({self.kind!r})"


# A number literal as the tokenizer reads it (decimal, float, exponent, underscores; hex, octal
# and binary integers; an imaginary suffix), not preceded by a word character or a dot, so the
# digits ending an identifier (`x1e5`) or an attribute are not numbers.
_NUMBER = re.compile(
    r"(?<![\w.])(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[jJ]?")
_NUMBERS: list = [None, frozenset(), None, frozenset()]  # the last two texts scanned, and
# their numbers (a module's text and its NFKC form are tested one after the other)


_EXPONENT = re.compile(r"[0-9_.][eE][-+]?[0-9]")
_FOUR_DIGITS = re.compile(r"\d(?:_?\d){3}")


def has_exponent(text: str) -> bool:
    """Whether the text may hold a number literal with an exponent (`1e-10`, `5E-1`)."""
    return _EXPONENT.search(text) is not None


def may_hold_small_number(text: str) -> bool:
    """False only if every number literal of the text is 0 or at least 1e-4: without an
    exponent, a smaller one is written with four zeros after the point (`0.00001`, or with
    underscores between them, `0.000_01`)."""
    return ".0000" in text or "0_0" in text or has_exponent(text)


def may_hold_large_number(text: str) -> bool:
    """False only if every number literal of the text is below 1000 (no exponent, no run of
    four digits)."""
    return has_exponent(text) or _FOUR_DIGITS.search(text) is not None


def numbers(text: str) -> FrozenSet[float]:
    """The absolute values of the number literals `text` may hold (comments and strings
    included: a superset of the module's numeric constants; integers beyond a float are
    infinite). Remembered for the last text, which the prefilter tests rule after rule."""
    if _NUMBERS[0] is text:
        return _NUMBERS[1]
    if _NUMBERS[2] is text:
        return _NUMBERS[3]
    found = set()
    for token in _NUMBER.findall(text):
        token = token.rstrip("jJ").replace("_", "")
        try:
            found.add(abs(float(int(token, 0)) if token[:2].lower() in ("0x", "0o", "0b")
                          else float(token)))
        except (ValueError, OverflowError):  # a hexadecimal integer beyond any float
            found.add(float("inf"))
    _NUMBERS[2], _NUMBERS[3] = _NUMBERS[0], _NUMBERS[1]
    _NUMBERS[0], _NUMBERS[1] = text, frozenset(found)
    return _NUMBERS[1]


def _texts(text: str) -> Tuple[str, ...]:
    """The text, and with non-ASCII characters its NFKC form too (as Python reads names);
    the form is remembered for the last text (tested rule after rule)."""
    if text.isascii():
        return (text,)
    if _NFKC[0] is not text:
        _NFKC[0], _NFKC[1] = text, (text, unicodedata.normalize("NFKC", text))
    return _NFKC[1]


_NFKC: list = [None, ()]


@lru_cache(maxsize=None)
def spelling(kind: str) -> Spelling:
    from numlint.engine.table import CONSTANTS, FUNCTIONS, METHODS
    names = {qualname.rsplit(".", 1)[-1] for qualname, spec in FUNCTIONS.items()
             if spec.kind == kind}
    names |= {qualname.rsplit(".", 1)[-1] for qualname, found in CONSTANTS.items()
              if found == kind}
    names |= {name for name, specs in METHODS.items() if any(s.kind == kind for s in specs)}
    names |= set(_ATTRIBUTE_NAMES.get(kind, ()))
    chars = OPERATOR_TEXT.get(kind, ())
    return Spelling(kind, frozenset(names), chars, unknown=not names and not chars)


@lru_cache(maxsize=256)
def _plan(rules: Tuple) -> Optional[Tuple[Tuple[Spelling, ...], ...]]:
    """The combinations any of `rules` needs, as tuples of Spellings, the rarest first; None if
    some rule may fire on any module."""
    plan: list = []
    for rule in rules:
        combinations = requirements(rule)
        if combinations is None:
            return None
        for combination in combinations:
            plan.append(tuple(sorted((_spelling(kind) for kind in combination),
                                     key=_commonness)))
    # A reduction with operators (`mean` and `-`, `sum` and `/`) holds in most modules that
    # hold any combination, and is told by two scans: tried first, it decides a large module
    # before the rare names of the other combinations are looked for in all of it (the text
    # test of the large tier: 2.6 s -> 2.1 s).
    plan.sort(key=lambda combination: not _reduction_and_operators(combination))
    return tuple(plan)


def _reduction_and_operators(combination) -> bool:
    named = [s for s in combination if not s.chars]
    return len(named) == 1 and named[0].kind in _REDUCTIONS and not named[0].unknown \
        and not isinstance(named[0], TextCondition)


_REDUCTIONS = frozenset({"mean", "sum", "norm", "std", "var"})


@lru_cache(maxsize=None)
def requirements(rule) -> Optional[Tuple[Tuple[str, ...], ...]]:
    """The combinations of operation kinds of which one must occur for `rule` to fire.

    The rule's declared `requires`, if every one of its own bad examples satisfies it; else
    (a declaration that misses a pattern the rule reports) the kinds the rule is called on,
    `operations`, one of which must occur by construction. None: no condition at all."""
    declared = tuple(tuple(c) for c in rule.requires)
    if declared and all(_satisfies(example.code, declared)
                        for example in rule.examples if not example.good):
        return declared
    if rule.operations:
        return tuple((kind,) for kind in rule.operations)
    return None


def _spelling(requirement) -> "Spelling | TextCondition":
    return requirement if isinstance(requirement, TextCondition) else spelling(requirement)


def _satisfies(text: str, combinations) -> bool:
    return any(all(_spelling(kind).present(text) for kind in combination)
               for combination in combinations)


def _commonness(s) -> int:
    # Operators and short common names last (they are present almost everywhere); text
    # conditions after everything (a scan of the text's numbers costs more than a name's).
    if isinstance(s, TextCondition):
        return 3
    return 2 if s.unknown or s.chars else (1 if _COMMON.intersection(s.names) else 0)


_COMMON = frozenset({"sum", "log", "exp", "mean", "dot", "var", "std", "norm"})


_LAST: list = [None, {}]  # the last text tested, and which spellings it has (by id)


def _known_for(text: str) -> Dict[int, bool]:
    """What is known of `text`'s spellings: `may_fire` and `missing_kinds` test the same
    module one after the other, and scanning a text is the prefilter's whole cost."""
    if _LAST[0] is not text:
        _LAST[0], _LAST[1] = text, {}
    return _LAST[1]


# The text test pays only while the rules are few: it costs a scan of the text for each
# spelling it must rule out, and saves the walk of the modules it skips. Counted in
# instructions on 1,500 files of the large tier (`benchmarks/instructions.py`): with wave 1's
# 11 rules (a plan of 24 combinations) it saves 7.6% of the check; with the 28 default rules
# (58 combinations, common kinds among them: `exp` and `-`, `sqrt` and `-`, a comparison and
# `nan`) it skips few more modules and costs 4.6%. The engine tests the text only for a plan
# of at most this many combinations (`pays`).
MAX_COMBINATIONS = 40


def pays(rules: Sequence) -> bool:
    """Whether testing the text before the walk is worth its cost for `rules` (see
    MAX_COMBINATIONS); False also when some rule may fire on any module."""
    if not ENABLED:
        return False
    plan = _plan(tuple(rules))
    return plan is not None and len(plan) <= MAX_COMBINATIONS


def may_fire(text: str, rules: Sequence, provided: FrozenSet[str] = frozenset()) -> bool:
    """False only if no rule of `rules` can report anything on this module. `provided`: kinds
    the module can obtain from first-party modules it imports (their summaries), present
    whatever the text spells."""
    if not ENABLED:
        return True
    plan = _plan(tuple(rules))
    if plan is None:
        return True
    if not plan:
        return False  # no rule selected
    texts = _texts(text)
    known = _known_for(text)
    for combination in plan:
        for s in combination:
            key = id(s)
            if key not in known:  # what the text spells (`provided` is not the text's)
                known[key] = any(s.present(t) for t in texts)
            if not known[key] and s.kind not in provided:
                break
        else:
            return True
    return False


def missing_kinds(text: str, rules: Sequence,
                  providable: FrozenSet[str] = frozenset()) -> FrozenSet[str]:
    """The kinds the text cannot spell that would complete some rule's combination if the
    modules it imports provided them: combinations the text spells in part, whose missing
    kinds are all `providable`."""
    plan = _plan(tuple(rules))
    if not plan:
        return frozenset()
    texts = _texts(text)
    known = _known_for(text)

    def present(s: Spelling) -> bool:
        key = id(s)
        if key not in known:
            known[key] = any(s.present(t) for t in texts)
        return known[key]

    wanted: set = set()
    for combination in plan:
        # What imports cannot provide must be spelled here: looked for first, it rules most
        # combinations out before the names of the others are looked for.
        if not all(present(s) for s in combination if s.kind not in providable):
            continue
        missing = {s.kind for s in combination if s.kind in providable and not present(s)}
        if missing and len(missing) < len(combination):
            wanted |= missing
    return frozenset(wanted)


def spells(text: str, kinds: Iterable[str]) -> bool:
    """Whether `text` can spell any of `kinds` (or re-export it: the caller's business)."""
    return any(spelling(kind).present(text) for kind in kinds)


def spelled_here(text: str, kinds: Iterable[str]) -> bool:
    """`spells`, for the module being checked: shares what `may_fire` learnt of its text."""
    known = _known_for(text)
    for kind in kinds:
        s = spelling(kind)
        if id(s) not in known:  # as `may_fire` learns it (the memo is shared)
            known[id(s)] = any(s.present(t) for t in _texts(text))
        if known[id(s)]:
            return True
    return False


def has_any_word(text: str, names: Iterable[str]) -> bool:
    """Whether `text` (or its NFKC form) holds one of `names` as a whole word."""
    return any(has_word(t, name) for t in _texts(text) for name in names)


def requirement_names(kinds: Iterable[str]) -> Dict[str, Optional[FrozenSet[str]]]:
    """For documentation and tests: the identifiers each kind is recognised by (None: any)."""
    out: Dict[str, Optional[FrozenSet[str]]] = {}
    for kind in kinds:
        s = spelling(kind)
        out[kind] = None if s.unknown else frozenset(s.names) | frozenset(s.chars)
    return out
