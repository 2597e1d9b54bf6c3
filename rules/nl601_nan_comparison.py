"""NL601 nan-comparison: `x == np.nan`, `x != float("nan")`, `x is math.nan` instead of
`isnan(x)`."""

from __future__ import annotations

import ast
import re
from typing import List, Optional, Tuple

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, TextCondition, bad, good
from numlint.engine.table import framework_of_module
from numlint.engine.table.precision import NAN_CONSTANTS, NAN_CONSTRUCTORS, SCALAR_NAN_CONSTANTS

from ._patterns import in_assertion

_EQUALITY = (ast.Eq, ast.NotEq)
_IDENTITY = (ast.Is, ast.IsNot)
_NEGATED = (ast.NotEq, ast.IsNot)
# How `float("nan")` is written (the prefilter finds these words; `float("nAn")` is not read).
_NAN_STRINGS = ("nan", "NaN", "NAN")


# -- the prefilter's test: where a NaN constant is written -----------------------------------
#
# The rule reports a comparison one of whose sides is a NaN constant, written there or held by
# a name or `self.` attribute assigned one (the model follows assignments only). Most modules
# that write `np.nan` only fill arrays with it (`X[mask] = np.nan`), pass it as an argument
# (`fillna(value=np.nan)`, `[1, np.nan]`) or mention it in a docstring, none of which the rule
# can report. The test reads the text once, skipping comments and strings (a string is a NaN
# only as the one argument of a call, `float("nan")`), and keeps the module when a NaN constant
# may be a comparison's side or a name's value: beside `==`, `!=`, `is`, `is not`; the value of
# an assignment or a walrus to a name or an attribute (not to a subscript; not a keyword
# argument or a default); an element of a tuple or list unpacked into names
# (`a, b = 0, np.nan`); imported under another name (`from numpy import nan as NA`). Whatever
# it cannot read (unbalanced brackets, a comment inside an expression) keeps the module. The
# functions (`np.equal(x, np.nan)`, `x.ne(...)`) are the rule's other combinations.

_LEXEME = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<string>(?<!\w)[rRbBuUfF]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''"
    r"|\"(?:[^\"\\\n]|\\[\s\S])*\"|'(?:[^'\\\n]|\\[\s\S])*'))"
    r"|(?P<nan>\b(?:nan|NaN|NAN)\b)"
    r"|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<end>[\n;])")
_PAIRS = {")": "(", "]": "[", "}": "{"}
_NAN_WORDS = ("nan", "NaN", "NAN")
_BLANK = " \t\r\n\\\f"
_WORD = re.compile(r"\w")
_IS_OR_AS = re.compile(r"(?:is|as)\b")
_ASSIGNMENT = re.compile(r"(?<![=!<>:])=(?!=)")


_NAN_WORD = re.compile(r"\b(?:nan|NaN|NAN)\b")
_UNSURE = None


def _may_compare_a_nan(text: str) -> bool:
    """False only if no NaN constant of `text` can be a side of a comparison, directly or
    through the name it is assigned to. Each NaN is judged from its own line first; the whole
    text is read (`_lexed`) only when a line cannot tell."""
    unsure = False
    for match in _NAN_WORD.finditer(text):
        verdict = _judged_on_its_line(text, match.start(), match.end())
        if verdict:
            return True
        if verdict is _UNSURE:
            unsure = True
    return unsure and _lexed(text)


def _judged_on_its_line(text: str, start: int, end: int) -> Optional[bool]:
    """Whether the NaN word at text[start:end] may be a comparison's side or a name's value,
    from its line alone: True where it may (or where keeping the module is the cheap answer),
    False only where nothing around it can make it one, None where brackets opened on other
    lines decide."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    if "#" in before and "'" not in before and '"' not in before:
        return False  # in a comment
    quote = _skip_left(text, start - 1, "+- \t") if start > 0 else -1
    if quote >= line_start and text[quote] in "'\"":
        closing = _skip_right(text, end, " \t")
        if closing >= len(text) or text[closing] != text[quote]:
            return False  # inside a longer string
        before = text[line_start:quote]
        if before.count("'") + before.count('"') > 0:
            return _UNSURE  # other strings on the line: read the whole text
        opening = _skip_left(text, quote - 1, " \t")
        after = _skip_right(text, closing + 1, " \t")
        if opening < line_start or text[opening] != "(" or after >= len(text) \
                or text[after] != ")":
            return False  # a string "nan" that is not a call's one argument: not a NaN
        callee_end = _skip_left(text, opening - 1, " \t")
        extent_start = callee_end
        while extent_start >= line_start and (text[extent_start] == "." or
                                              _WORD.match(text[extent_start])):
            extent_start -= 1
        extent_start += 1
        if extent_start > callee_end:
            return False  # `("nan")`: not a call
        end = after + 1
    else:
        extent_start = start
        while extent_start > line_start and (text[extent_start - 1] == "." or
                                             _WORD.match(text[extent_start - 1])):
            extent_start -= 1
    right = _skip_right(text, end, ")")
    following = text[right:right + 3]
    if following[:1] == "#" or following[:2] in ("==", "!=") or _IS_OR_AS.match(following):
        return True
    if following[:1] in (".", "(", "["):
        return False  # `np.nan.real`, a call, an index: not the constant itself
    left = _skip_left(text, extent_start - 1, "(")
    if left < line_start:
        return _UNSURE  # what precedes it is on another line
    char = text[left]
    segment = text[line_start:left]
    continued = _continued(text, line_start - 1) if line_start > 0 else False
    if "'" in segment or '"' in segment or continued:
        return _UNSURE
    if char == "=":
        if left > 0 and text[left - 1] in "=!:":
            return True  # `==`, `!=`, `:=`
        if left > 0 and text[left - 1] in "<>":
            return False  # `<=`, `>=`: an order, never reported
        if _open_call(segment):
            return False  # a keyword argument or a default
        if _subscript_target(segment):
            return False  # only a statement assigns to a subscript
        raw = _skip_right(text, end, " \t")
        if raw < len(text) and text[raw] in ",)" and _DOTTED.fullmatch(segment.strip()):
            return False  # `value=np.nan,` inside brackets, or a tuple bound whole
        # A target (a name, an attribute, an annotated name, names unpacked) or in doubt
        # (prose in a docstring, a default on a definition's line): the whole text decides.
        return True if _TARGET.fullmatch(segment) else _UNSURE
    if _WORD.match(char):
        return _word_before(text, left) in ("is", "not", "import")
    if char in ",[{":
        return _element_on_its_line(text[line_start:extent_start])
    if char in ":*+-/%&|^~<>@;":
        return False  # a dict value, a lambda's body, an operand, a statement of its own
    return _UNSURE  # not code as this reads it (prose in a string): the whole text decides


# What a line holds before the `=` of an assignment to a name: `x`, `self.fill`,
# `fill: float`, `lo, hi`, `(a, b)`, `*rest, last`.
_TARGET = re.compile(r"\s*(?:[A-Za-z_][\w.]*\s*(?::[^=]*)?|[\w.\s,()\[\]*]*,[\w.\s,()\[\]*]*"
                     r"|[(\[][\w.\s,()\[\]*]*)\s*")


_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*")


def _open_call(segment: str) -> bool:
    """Whether `segment` (a line up to some point) leaves a call's or a definition's
    parenthesis open: `f(a, value`."""
    depth = 0
    for index in range(len(segment) - 1, -1, -1):
        char = segment[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                before = segment[:index].rstrip()
                return char == "(" and bool(before) and (
                    _WORD.match(before[-1]) is not None or before[-1] in ")]")
            depth -= 1
    return False


def _element_on_its_line(segment: str) -> Optional[bool]:
    """For an element of a literal (the line up to it, without strings): False if the
    literal is an argument, an index, or part of one; whether its assignment unpacks it if
    it is assigned on this line; None if its brackets open on a line above."""
    depth = 0
    index = len(segment)
    while index > 0:
        index -= 1
        char = segment[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth > 0:
                depth -= 1
                continue
            before = segment[:index].rstrip()
            if not before:
                return _UNSURE  # the literal begins the line: what encloses it is above
            last = before[-1]
            if last == "=" and (len(before) < 2 or before[-2] not in "=!<>:"):
                target = before[:-1]
                if _open_call(target):
                    return False  # `f(x=[..., np.nan])`
                return _unpacks(target)
            if last in ",([{":
                continue  # nested: the enclosing literal decides
            return False  # an argument, an index, a returned or compared literal
    return _UNSURE  # a bare tuple, or brackets opened above


def _lexed(text: str) -> bool:
    """`_may_compare_a_nan`, reading the whole text: comments and strings skipped, brackets
    matched, statements delimited."""
    stack: List[int] = []  # the positions of the open brackets
    statement = 0  # where the current statement starts
    for match in _LEXEME.finditer(text):
        kind = match.lastgroup
        start = match.start()
        if kind == "open":
            stack.append(start)
        elif kind == "close":
            if not stack or text[stack[-1]] != _PAIRS[text[start]]:
                return True  # unbalanced: not read
            stack.pop()
        elif kind == "end":
            if not stack and not (text[start] == "\n" and _continued(text, start)):
                statement = start + 1
        elif kind == "nan":
            if _relevant(text, start, match.end(), stack, statement):
                return True
        elif kind == "string":
            extent = _nan_call(text, match)
            if extent is not None and _relevant(text, extent[0], extent[1], stack, statement):
                return True
    return bool(stack)  # unbalanced: not read


def _continued(text: str, newline: int) -> bool:
    end = newline - 1 if newline > 0 and text[newline - 1] == "\r" else newline
    return end > 0 and text[end - 1] == "\\"


def _nan_call(text: str, match) -> Optional[Tuple[int, int]]:
    """The extent of `callee("nan")` around a string lexeme that names a NaN as the rule reads
    it (spaces and a sign allowed), or None."""
    literal = match.group()
    body = literal.lstrip("rRbBuUfF")
    prefix = literal[:len(literal) - len(body)].lower()
    if "b" in prefix or "f" in prefix:
        return None
    quote = 3 if body[:3] in ('"""', "'''") else 1
    if body[quote:len(body) - quote].strip().lstrip("+-") not in _NAN_WORDS:
        return None
    before = _skip_left(text, match.start() - 1, "")
    after = _skip_right(text, match.end(), "")
    if before < 0 or text[before] != "(" or after >= len(text) or text[after] != ")":
        return None
    callee = _skip_left(text, before - 1, "")
    first = callee
    while first >= 0 and (text[first] == "." or _WORD.match(text[first])):
        first -= 1
    return (first + 1, after + 1) if first < callee else None


def _skip_left(text: str, index: int, also: str) -> int:
    while index >= 0 and (text[index] in _BLANK or text[index] in also):
        index -= 1
    return index


def _skip_right(text: str, index: int, also: str) -> int:
    while index < len(text) and (text[index] in _BLANK or text[index] in also):
        index += 1
    return index


def _word_before(text: str, index: int) -> str:
    first = index
    while first >= 0 and _WORD.match(text[first]):
        first -= 1
    return text[first + 1:index + 1]


def _relevant(text: str, start: int, end: int, stack: List[int], statement: int) -> bool:
    """Whether the NaN constant written at text[start:end] may be a comparison's side or a
    name's value."""
    while start > 0 and (text[start - 1] == "." or _WORD.match(text[start - 1])):
        start -= 1  # `np.nan`: the whole dotted name
    right = _skip_right(text, end, ")")
    following = text[right:right + 3]
    if following[:1] == "#" or following[:2] in ("==", "!=") or _IS_OR_AS.match(following):
        return True
    if following[:1] in (".", "(", "["):
        return False  # `np.nan.real`, a call, an index: not the constant itself
    left = _skip_left(text, start - 1, "(")
    if left < 0:
        return True
    if "#" in text[text.rfind("\n", 0, left) + 1:left + 1] and "\n" in text[left:start]:
        return True  # the line above ends in a comment: what precedes it is not read
    char = text[left]
    if char == "=":
        if left > 0 and text[left - 1] in "=!":
            return True  # `==`, `!=`
        if left > 0 and text[left - 1] in "<>":
            return False  # `<=`, `>=`: an order, never reported
        return _assigned(text, left, stack, statement)
    if _WORD.match(char):
        return _word_before(text, left) in ("is", "not", "import")
    if char in ",[{":
        return _element_bound(text, start, stack, statement)
    return char not in ":*+-/%&|^~<>@"  # a dict value, a lambda's body, an operand: not a side


def _assigned(text: str, equals: int, stack: List[int], statement: int) -> bool:
    """Whether the `=` at `equals` binds a name or an attribute to what follows: not a keyword
    argument or a default (inside a call's brackets), not a subscript target."""
    if text[equals - 1] == ":":
        return True  # `:=`
    enclosing = [p for p in stack if p < equals]
    if enclosing:
        opener = enclosing[-1]
        before = _skip_left(text, opener - 1, "")
        return not (text[opener] == "(" and before >= 0
                    and (_WORD.match(text[before]) is not None or text[before] in ")]"))
    return not _subscript_target(text[statement:equals])


def _subscript_target(target: str) -> bool:
    """Whether an assignment's target (`X[mask]`, `df.loc[i, "a"]`, or augmented, `X[i] +`) is
    one subscript: the value is stored in an array, not bound to a name."""
    target = target.strip().rstrip("+-*/%&|^@<>").strip()
    if not target.endswith("]") or target.startswith(("[", "(")):
        return False
    depth = 0
    for char in target:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            return False  # several targets: a name among them may take the value
    return True


def _element_bound(text: str, start: int, stack: List[int], statement: int) -> bool:
    """Whether the element at `start` of a tuple or list may be unpacked into a name: the
    literal (or the literal around it) is the value of an assignment to a tuple or a list."""
    openers = [p for p in stack if p < start]
    while openers:
        opener = openers.pop()
        before = _skip_left(text, opener - 1, "")
        if before < 0:
            return True
        char = text[before]
        if char == "=" and not (before > 0 and text[before - 1] in "=!<>"):
            if openers:  # `f(x=[...])`: an argument; `[a := (...)]`...: kept
                return _assigned(text, before, openers, statement)
            return _unpacks(text[statement:before])
        if char not in ",([{":
            return False  # an argument, an index, a returned or compared literal
    # a tuple without brackets, at the statement's level: `a, b = 0, np.nan`
    return _unpacks(_target_of(text[statement:start]))


def _target_of(statement: str) -> str:
    """The text before the statement's first `=` that assigns; '' if there is none."""
    found = _ASSIGNMENT.search(statement)
    return statement[:found.start()] if found is not None else ""


def _unpacks(target: str) -> bool:
    target = target.strip()
    return bool(target) and ("," in target or target.startswith(("(", "[")))


NAN_COMPARED = TextCondition("a NaN constant beside a comparison or bound to a name",
                             _may_compare_a_nan)


class NanComparison(Rule):
    code = "NL601"
    name = "nan-comparison"
    summary = "`x == nan` is always False (`!=` always True): NaN equals nothing; use `isnan(x)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("compare", "equal", "not_equal")
    requires = (("compare", "nan", NAN_COMPARED), ("equal", "nan"), ("not_equal", "nan"))

    what = """
Checks for comparisons with the NaN constant: `==`, `!=`, `is` and `is not` (and the functions
`np.equal`, `np.not_equal`, `torch.eq`, `x.ne(...)`, `tf.math.equal`, ...) where one side is
`np.nan` (also NumPy 1's `np.NaN`, `np.NAN`), `math.nan`, `torch.nan`, `jnp.nan`,
`float("nan")` or `np.float32("NaN")`, directly or through a name
(`MISSING = float("nan")` ... `x == MISSING`).

It is silent inside the arguments of assertion helpers (`assert_array_equal(a == np.nan,
b == np.nan)`: tests of the comparison's own semantics), but not in an `assert` statement,
where `assert x != np.nan` checks nothing.
"""
    why = """
IEEE 754 NaN compares unequal to every value, itself included: `x == np.nan` is False for every
element of every array, NaNs included, and `x != np.nan` is always True. A mask built that way
selects nothing (`x[x == np.nan] = 0` replaces no NaN), and a check such as
`if loss == float("nan")` never fires. `x is np.nan` compares identities: it holds only for
that very object, never for a NaN computed at run time (`0.0 * np.inf is np.nan` is False, and
so is `np.float64("nan") is np.nan`).

Breaking input: `x = [1.0, nan, 3.0]`: `x == np.nan` gives `[False, False, False]`, where
`np.isnan(x)` gives `[False, True, False]`.
"""
    fix_safety = """
The fix is unsafe: it changes what the code does, on purpose. The comparison's result was a
constant; `isnan` makes it depend on the data, so code that never ran (the NaN branch, the
masked assignment) now runs. `==` becomes `isnan(x)` and `!=` becomes `~isnan(x)` in the
namespace of `x`: `np.isnan`, `torch.isnan`, `tf.math.is_nan`, `jnp.isnan`, `keras.ops.isnan`;
in a module that imports no array library, `math.isnan(x)` and `not math.isnan(x)` (`~` on a
Python bool would be wrong: `~True == -2`).

The namespace must be known: from the operations that computed `x`, else from the NaN constant
when it is the module's only array library's own (`np.nan` in NumPy code). A Python NaN
(`float("nan")`, `math.nan`) compared with a value of unknown type in array code is reported
without a fix: `x` may be a Python float (`loss.item()`), which `torch.isnan` rejects, or an
array, which `math.isnan` rejects. `is` and `is not` are reported without a fix: they are used
on values of any type (`value is None or value is np.nan`), where `isnan` raises on a string
or `None`. A chained comparison (`a == b == np.nan`) is reported without a fix.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.isnan.html",
        "https://pytorch.org/docs/stable/generated/torch.isnan.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/is_nan",
        "https://docs.python.org/3/library/math.html#math.isnan",
        "https://docs.astral.sh/ruff/rules/nan-comparison/",
    )

    def check(self, ctx, op):
        if not ctx.spells("nan"):
            return  # no NaN constant is written in the module: nothing compares to one
        if op.kind != "compare":
            _check_function(ctx, op)
            return
        if not ctx.satisfies(NAN_COMPARED):
            return  # no NaN constant is written where a comparison can read it
        node = op.node
        sides = [node.left, *node.comparators]
        for index, operator in enumerate(node.ops):
            if not isinstance(operator, _EQUALITY + _IDENTITY):
                continue
            left, right = sides[index], sides[index + 1]
            nan_left, nan_right = _nan(ctx, left, op.scope), _nan(ctx, right, op.scope)
            if (nan_left is None) == (nan_right is None):
                continue  # no NaN, or `np.nan != np.nan` written on purpose
            if in_assertion(ctx, node) and not isinstance(ctx.model.statement_of(node),
                                                          ast.Assert):
                return  # a test of the comparison itself
            value, nan = (right, nan_left) if nan_left is not None else (left, nan_right)
            negated = isinstance(operator, _NEGATED)
            fix = None
            if len(node.ops) == 1 and isinstance(operator, _EQUALITY):
                fix = _fix(ctx, op, value, nan, negated)
            ctx.report(node, _message(operator, negated), fix)
            return


def _check_function(ctx, op):
    """`np.equal(x, np.nan)`, `tf.math.not_equal(x, np.nan)`, `x.eq(torch.nan)`: the library
    is the function's own."""
    if op.args is None:
        return
    sides = list(op.args.values())
    if op.form == "method":
        sides = [op.receiver] + sides
    if len(sides) != 2:
        return
    nans = [_nan(ctx, side, op.scope) for side in sides]
    if (nans[0] is None) == (nans[1] is None) or in_assertion(ctx, op.node):
        return
    value = sides[1] if nans[0] is not None else sides[0]
    negated = op.kind == "not_equal"
    replacement = ctx.render("not_isnan" if negated else "isnan", op.framework, op.scope,
                             x=value)
    fix = ctx.fix(op.node, replacement, "Replace with `{callee}`", Applicability.UNSAFE)
    ctx.report(op.node, _message(ast.NotEq() if negated else ast.Eq(), negated), fix)


def _message(operator, negated: bool) -> str:
    if isinstance(operator, _IDENTITY):
        return ("`x is nan` is False for every NaN computed at run time (it compares identity, "
                "not value); use `isnan(x)`")
    if negated:
        return "`x != nan` is always True: NaN equals nothing, itself included; use `~isnan(x)`"
    return "`x == nan` is always False: NaN equals nothing, itself included; use `isnan(x)`"


def _nan(ctx, expr, scope) -> Optional[str]:
    """The qualified name behind a NaN constant: `numpy.nan`, `math.nan`, or for
    `float("nan")` the constructor, `builtins.float`. None for anything else."""
    if isinstance(expr, ast.Constant):  # `x is None`, `n == 0`: most comparisons
        return None
    origin = ctx.origin(expr, scope)
    expr, scope = origin.expr, origin.scope
    if isinstance(expr, (ast.Name, ast.Attribute)):
        qualname = ctx.model.qualname(expr, scope)
        return qualname if qualname in NAN_CONSTANTS else None
    if isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords:
        text = expr.args[0]
        if isinstance(text, ast.Constant) and isinstance(text.value, str) \
                and text.value.strip().lstrip("+-") in _NAN_STRINGS:
            qualname = ctx.model.qualname(expr.func, scope)
            return qualname if qualname in NAN_CONSTRUCTORS else None
    return None


def _framework(ctx, value, scope, nan: str) -> Optional[str]:
    """The namespace whose `isnan` fits `value`: the library of the operations that computed
    it; else, in a module without array libraries, Python's; else the NaN constant's own
    library when it is the module's only one. None when that is not known."""
    origin = ctx.origin(value, scope)
    known = ctx.model.framework_of(origin.expr, origin.scope)
    if known is not None:
        return known
    imported = ctx.model.imported_frameworks()
    own = framework_of_module(nan)
    if nan in SCALAR_NAN_CONSTANTS:
        return own if not imported else None
    return own if imported == (own,) else None


def _fix(ctx, op, value, nan: str, negated: bool):
    framework = _framework(ctx, value, op.scope, nan)
    # `like`: the comparison, so that a NaN written with CuPy (`x == cp.nan`) is fixed in
    # CuPy (`cp.isnan(x)`), the library whose arrays the module compares.
    replacement = ctx.render("not_isnan" if negated else "isnan", framework, op.scope,
                             like=op, x=value)
    return ctx.fix(op.node, replacement, "Replace with `{callee}`", Applicability.UNSAFE)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WITH_NAN = [1.5, float("nan"), -2.0, 0.25]
FILLED = Proof(
    extreme={"x": _WITH_NAN},
    reference="np.where(np.isnan(x), 0.0, x)",
    why="NaN == NaN is False: the mask selects nothing and the NaN stays",
)

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def fill_missing(x):
            return np.where(x == np.nan, 0.0, x)
        """, """
        import numpy as np

        def fill_missing(x):
            return np.where(np.isnan(x), 0.0, x)
        """, unsafe=True, proof=FILLED),
    bad("numpy", """
        import numpy as np

        def fill_missing(x):
            x = np.array(x)
            x[x == np.nan] = 0.0
            return x
        """, """
        import numpy as np

        def fill_missing(x):
            x = np.array(x)
            x[np.isnan(x)] = 0.0
            return x
        """, unsafe=True, title="a mask that selects nothing",
        proof=FILLED),
    bad("numpy", """
        def ratio_or_zero(a, b):
            r = a / b
            if r != float("nan"):
                return r
            return 0.0
        """, """
        import math
        def ratio_or_zero(a, b):
            r = a / b
            if not math.isnan(r):
                return r
            return 0.0
        """, unsafe=True, title="plain Python: `not math.isnan`",
        proof=Proof(extreme={"a": 0.0, "b": 0.0}, reference="0.0",
                    why="0 / 0 is NaN, and NaN != NaN is True")),
    bad("numpy", """
        import numpy as np

        def is_missing(value):
            return value is None or value is np.nan
        """, title="`is` is reported without a fix: `value` may be a string or None"),
    bad("torch", """
        import torch

        def fill_missing(x):
            return torch.where(x != torch.nan, x, torch.zeros_like(x))
        """, """
        import torch

        def fill_missing(x):
            return torch.where(~torch.isnan(x), x, torch.zeros_like(x))
        """, unsafe=True, proof=FILLED),
    bad("torch", """
        import torch

        def check(loss):
            if loss.item() == float("nan"):
                raise FloatingPointError("the loss is NaN")
        """, title="a Python NaN against a value of unknown type: reported without a fix"),
    bad("tensorflow", """
        import tensorflow as tf

        def fill_missing(x):
            x = tf.convert_to_tensor(x)
            return tf.where(x == float("nan"), tf.zeros_like(x), x)
        """, """
        import tensorflow as tf

        def fill_missing(x):
            x = tf.convert_to_tensor(x)
            return tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)
        """, unsafe=True, proof=FILLED),
    bad("tensorflow", """
        import numpy as np
        import tensorflow as tf

        def fill_missing(x):
            return tf.where(tf.math.equal(x, np.nan), tf.zeros_like(x), x)
        """, """
        import tensorflow as tf

        def fill_missing(x):
            return tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)
        """, unsafe=True, title="the function form", proof=FILLED),
    bad("torch", """
        import torch

        def count_present(x):
            return x.ne(torch.nan).sum()
        """, """
        import torch

        def count_present(x):
            return (~torch.isnan(x)).sum()
        """, unsafe=True, title="the method form",
        proof=Proof(extreme={"x": _WITH_NAN}, reference="np.sum(~np.isnan(x))",
                    gradient=False)),
    bad("jax", """
        import jax.numpy as jnp

        def fill_missing(x):
            return jnp.where(x == jnp.nan, 0.0, x)
        """, """
        import jax.numpy as jnp

        def fill_missing(x):
            return jnp.where(jnp.isnan(x), 0.0, x)
        """, unsafe=True, proof=FILLED),
    bad("keras", """
        import keras

        def fill_missing(x):
            x = keras.ops.convert_to_tensor(x)
            return keras.ops.where(x == float("nan"), 0.0, x)
        """, """
        import keras

        def fill_missing(x):
            x = keras.ops.convert_to_tensor(x)
            return keras.ops.where(keras.ops.isnan(x), 0.0, x)
        """, unsafe=True, proof=FILLED),
    good("numpy", """
        import numpy as np

        def fill_missing(x):
            return np.where(np.isnan(x), 0.0, x)
        """),
    good("numpy", """
        import numpy as np

        def fill_missing(x):
            return np.where(x != x, 0.0, x)
        """, title="`x != x` is the NaN test written out"),
    good("numpy", """
        import numpy as np

        def test_sparse_comparison(dense, sparse):
            np.testing.assert_array_equal(dense == np.nan, (sparse == np.nan).toarray())
        """, title="a test of the comparison's own semantics"),
    good("torch", """
        import torch

        def clip_inf(x):
            return torch.where(x == torch.inf, torch.zeros_like(x), x)
        """, title="infinity equals itself"),
)
