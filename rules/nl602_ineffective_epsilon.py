"""NL602 ineffective-epsilon: an epsilon that rounds away, `log(1e-10 + 1 - p)` in float32 or
`log(p + 1e-50)`."""

from __future__ import annotations

import ast
import math
import re
from functools import partial
from typing import Callable, List, Optional

from numlint.engine.rule import (
    Fixability, Rule, TextCondition, bad, good, may_hold_large_number, may_hold_small_number,
    numbers,
)
from numlint.engine.table.precision import FLOAT_FORMATS, FLUSHES_SUBNORMALS

from ._patterns import in_assertion
from ._precision import (
    DEFAULT_DTYPES, default_dtype, follow, possible_dtypes, visible_dtypes,
)

# Lower-precision dtypes a module may compute in besides its library's default, when it names
# them (`x.half()`, `dtype=torch.bfloat16`, `astype(np.float32)`).
_NARROWER = ("float32", "float16", "bfloat16")


def _may_lose_an_epsilon(text: str) -> bool:
    """Whether the text has number literals the rule could report: one below the smallest
    normal number of a dtype the module may compute in (`_vanishes`), or two whose ratio is
    below half that dtype's relative spacing (`_absorbed`: `eps <= spacing(big) / 2 <=
    big * 2**-(significand + 1)`) in a text that writes the sum `_absorbed` reports."""
    dtypes = possible_dtypes(text)
    if dtypes == DEFAULT_DTYPES and not may_hold_small_number(text) and \
            not may_hold_large_number(text):
        # float32 at the narrowest, every literal in [1e-4, 1000): none is below its smallest
        # normal number, and no ratio is below 2**-24.
        return False
    values = [v for v in numbers(text) if v > 0]
    if not values:
        return False
    smallest, largest = min(values), max(values)
    ratio = None
    for dtype in dtypes:
        significand, _, normal = FLOAT_FORMATS[dtype]
        if smallest < 2.0 ** normal:
            return True
        if smallest <= largest * 2.0 ** -(significand + 1):
            if ratio is None:  # `_absorbed` reports only `(A + B) - x`: is it written?
                ratio = _sum_subtracted(text)
            if ratio:
                return True
    return False


# The text of the sum `_absorbed` reports, `(A + B) - x`, with `A` and `B` numbers or names
# bound to them (a module holding `1e-10` and `1` passes the numbers' test: most do). Scanned
# by hand from each `+` and each `add`: a regular expression of the same gaps (spaces,
# comments, continuations) between optional parts backtracks without end on long runs of
# blanks.
_WORD = re.compile(r"[A-Za-z_]\w*")
_SUB = re.compile(r"\bsub(?:tract)?\b")
_NUMBER_TERM = re.compile(r"[0-9.](?:[\w.]|(?<=[eE])[-+])*")


def _skip_gap(text: str, i: int) -> int:
    """The first offset from `i` that is not whitespace, a line continuation or a comment."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f":
            i += 1
        elif c == "\\":
            i += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            break
    return i


def _subtracted(text: str, i: int, comma: bool) -> bool:
    """Whether what ends before `i` is subtracted from (`- x`), passed on (`, x`, a `sub`
    call's first argument) or a method `sub` is called on it, past closing parentheses."""
    n = len(text)
    while True:
        i = _skip_gap(text, i)
        if i >= n:
            return False
        c = text[i]
        if c == ")":
            i += 1
            continue
        if c == "-" or (c == "," and comma):
            return True
        if c == ".":
            i = _skip_gap(text, i + 1)
            return text.startswith("sub", i)
        return False


def _sum_subtracted(text: str) -> bool:
    """Whether `text` may hold `A + B - x` (also `(A + B) - x`, `sub(A + B, x)`,
    `(A + B).sub(x)`, and `add(A, B)` in place of `A + B`) where `B` is a number or a name
    (possibly signed or parenthesized)."""
    n = len(text)
    comma = "sub" in text and _SUB.search(text) is not None  # every `sub` call spells the word
    i = text.find("+")
    while i >= 0:
        j = i + 1
        if j < n and text[j] != "=":
            while True:
                j = _skip_gap(text, j)
                if j < n and text[j] in "-+~(":
                    j += 1
                    continue
                break
            found = _WORD.match(text, j)
            if found is not None:
                j = found.end()
                while True:  # an attribute chain
                    k = _skip_gap(text, j)
                    if k < n and text[k] == ".":
                        k = _skip_gap(text, k + 1)
                        more = _WORD.match(text, k)
                        if more is not None:
                            j = more.end()
                            continue
                    break
            else:
                found = _NUMBER_TERM.match(text, j)
                j = found.end() if found is not None else -1
            if j >= 0 and _subtracted(text, j, comma):
                return True
        i = text.find("+", i + 1)
    i = text.find("add")
    while i >= 0:
        j = _skip_gap(text, i + 3)
        if j < n and text[j] == "(":
            depth = 0
            while j < n:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n or _subtracted(text, j + 1, comma):
                return True  # unbalanced (a string's parenthesis): may be anything
        i = text.find("add", i + 3)
    return False


LOST_EPSILON = TextCondition("an epsilon a dtype can lose", _may_lose_an_epsilon)


class IneffectiveEpsilon(Rule):
    code = "NL602"
    name = "ineffective-epsilon"
    summary = ("an epsilon that rounds away (`log(1e-10 + 1 - p)` in float32, `log(p + 1e-50)`) "
               "guards nothing; add a representable epsilon where it counts")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.NEVER
    operations = ("log", "sqrt", "div")
    requires = (("log", "add", LOST_EPSILON), ("sqrt", "add", LOST_EPSILON),
                ("div", "add", LOST_EPSILON))

    what = """
Checks for an epsilon that cannot do its job in the dtype the code computes in, where it
guards a `log`, a `sqrt` or a divisor:

* an epsilon added to a number it is too small to change, before the subtraction it was meant
  to keep from reaching 0: `log(1e-10 + 1 - p)` is `log((1e-10 + 1) - p)`, and `1e-10 + 1`
  rounds to `1` in float32 (the spacing of float32 numbers at 1 is `1.2e-7`);
* an epsilon that is 0 in the dtype, `log(p + 1e-50)` in float32 (smaller than the smallest
  float32, `1.4e-45`), `x + 1e-40` in TensorFlow or JAX float32 (whose CPU arithmetic flushes
  results below `1.18e-38` to zero), `x + 1e-8` in float16 (smallest `6e-8`).

The dtype is the library's default: float64 for NumPy and Python, float32 for PyTorch,
TensorFlow, JAX and Keras; and float32, float16 or bfloat16 when the module names them
(`np.float32`, `x.half()`, `dtype=torch.bfloat16`, `dtype="float16"`) in the function that
computes the expression (a module that casts elsewhere does not count). An epsilon is a
positive number literal, or a name bound to one. There is no fix: where the epsilon belongs
(`log(1 - p + eps)`, `log1p(-p)`, a clip) and how large it must be are choices.
"""
    why = """
An epsilon is there for the one input that would make the expression infinite or NaN: a
probability of exactly 1, a zero norm. If the epsilon rounds away, that input still breaks it,
and the code looks guarded when it is not.

Breaking input: in float32, `p = 1.0`: `log(1e-10 + 1 - p)` is `log(0) = -inf`, while
`log(1 - p + 1e-10)` is `-23.03`. In TensorFlow float32, `tf.math.log(x + 1e-40)` at `x = 0` is
`-inf` (NumPy gives `-92.1`).
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.finfo.html",
        "https://en.wikipedia.org/wiki/Machine_epsilon",
        "https://en.wikipedia.org/wiki/Subnormal_number",
    )

    def check(self, ctx, op):
        guarded = op.right if op.kind == "div" else op.operand
        if guarded is None:
            return
        quantity = follow(ctx, guarded, op.scope)
        if quantity is None or quantity.form != "operator" or quantity.kind not in ("add", "sub"):
            return
        framework = ctx.framework(op)
        # The dtypes (a walk of the function, once per function) only where numbers qualify:
        # each of the two tests asks for them after its own.
        dtypes = partial(_dtypes, ctx, framework, op.scope)
        finding = _absorbed(ctx, quantity, dtypes) or _vanishes(ctx, quantity, dtypes, framework)
        if finding is None or in_assertion(ctx, op.node):
            return
        ctx.report(quantity.node, finding)


def _absorbed(ctx, quantity, dtypes: Callable[[], List[str]]) -> Optional[str]:
    """`(c + eps) - x` (written `eps + c - x` or `c + eps - x`) where `c + eps == c`."""
    if quantity.kind != "sub":
        return None
    total = ctx.op(quantity.left, quantity.scope)
    if total is None or total.kind != "add":
        return None
    first = _number(ctx, total.left, quantity.scope)
    second = _number(ctx, total.right, quantity.scope)
    if first is None or second is None:
        return None
    big, eps = (first, second) if abs(first) >= abs(second) else (second, first)
    if eps <= 0 or big == 0:
        return None
    for dtype in dtypes():
        significand = FLOAT_FORMATS[dtype][0]
        spacing = 2.0 ** (math.floor(math.log2(abs(big))) - significand)
        if eps <= spacing / 2:
            return (f"`{_show(eps)} + {_show(big)}` rounds to `{_show(big)}` in {dtype}: the "
                    f"epsilon is lost before the subtraction it should guard; add it after "
                    f"(`{_show(big)} - x + eps`), or use `log1p(-x)`")
    return None


def _vanishes(ctx, quantity, dtypes: Callable[[], List[str]], framework) -> Optional[str]:
    """`x + eps` where `eps` is 0 in the dtype (or flushed to 0 as a result)."""
    if quantity.kind != "add":
        return None
    values = [_number(ctx, side, quantity.scope) for side in (quantity.left, quantity.right)]
    known = [v for v in values if v is not None]
    if len(known) != 1 or known[0] <= 0:
        return None
    eps = known[0]
    for dtype in dtypes():
        _, subnormal, normal = FLOAT_FORMATS[dtype]
        if eps <= 2.0 ** subnormal / 2:
            return (f"`{_show(eps)}` is 0 in {dtype}: the epsilon guards nothing; use one the "
                    f"dtype can hold (at least {_show(2.0 ** normal)})")
        if dtype in FLUSHES_SUBNORMALS.get(framework or "", ()) and eps < 2.0 ** normal:
            return (f"`{_show(eps)}` is below the smallest normal {dtype} number: the library "
                    f"flushes `0 + {_show(eps)}` to 0, so the epsilon guards nothing; use at "
                    f"least {_show(2.0 ** normal)}")
    return None


def _number(ctx, expr, scope) -> Optional[float]:
    """The value of a number literal, also held in a name (`EPS = 1e-10`); None otherwise."""
    origin = ctx.origin(expr, scope)
    node = origin.expr
    negative = False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        negative = isinstance(node.op, ast.USub)
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return -float(node.value) if negative else float(node.value)
    return None


def _dtypes(ctx, framework, scope) -> List[str]:
    """The dtypes the code may compute in, widest first: the library's default (float64 if
    the function names it), then the narrower ones the function names."""
    default = default_dtype(ctx, framework, scope)
    visible = visible_dtypes(ctx, scope)
    return [default] + [d for d in _NARROWER if d in visible and _narrower(d, default)]


def _narrower(dtype: str, than: str) -> bool:
    return FLOAT_FORMATS[dtype][0] < FLOAT_FORMATS[than][0]


def _show(value: float) -> str:
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}".replace("e-0", "e-").replace("e+0", "e+")


# -- examples: the rule's tests and its documentation -------------------------------------

EXAMPLES = (
    bad("torch", """
        import torch

        def log_miss(p):
            return torch.log(1e-10 + 1 - p)
        """, title="absorbed by the 1 before `- p` cancels (float32)"),
    bad("torch", """
        import torch

        def log_prob(p):
            return torch.log(p + 1e-50)
        """, title="0 in float32"),
    bad("numpy", """
        import numpy as np

        EPS = 1e-17

        def log_miss(p):
            return np.log(1 + EPS - p)
        """, title="absorbed in float64 too, through a name"),
    bad("numpy", """
        import numpy as np

        def log_miss(p):
            p = p.astype(np.float32)
            return np.log(1e-10 + 1 - p)
        """, title="float32 named in a NumPy module"),
    bad("tensorflow", """
        import tensorflow as tf

        def log_prob(p):
            return tf.math.log(p + 1e-40)
        """, title="TensorFlow flushes float32 subnormals to zero"),
    bad("jax", """
        import jax.numpy as jnp

        def log_miss(p):
            return jnp.log(1e-9 + 1.0 - p)
        """),
    bad("keras", """
        import keras

        def log_miss(p):
            return keras.ops.log(1e-10 + 1 - p)
        """),
    bad("torch", """
        import torch

        def normalize(x):
            x = x.half()
            return x / (x.norm(dim=-1, keepdim=True) + 1e-8)
        """, title="1e-8 is 0 in float16"),
    good("torch", """
        import torch

        def log_miss(p):
            return torch.log(1 - p + 1e-10)
        """, title="added after the subtraction"),
    good("torch", """
        import torch

        def to_half(x):
            return x.half()

        def weights(counts):
            return counts / (counts.sum() + 1e-8)
        """, title="float16 elsewhere in the module"),
    good("numpy", """
        import numpy as np

        def log_miss(p):
            return np.log(1e-10 + 1 - p)
        """, title="float64: 1e-10 + 1 is not 1"),
    good("torch", """
        import torch

        def log_prob(p):
            return torch.log(p + 1e-10)
        """, title="representable in float32"),
    good("tensorflow", """
        import tensorflow as tf

        def log_prob(p):
            return tf.math.log(p + 1e-30)
        """, title="a normal float32 number"),
    good("jax", """
        import jax.numpy as jnp

        def log_prob(p):
            return jnp.log(p + 1e-7)
        """),
    good("keras", """
        import keras

        def log_miss(p):
            return keras.ops.log(1 - p + keras.config.epsilon())
        """),
)
