"""NL604 finite-difference-step: `(f(x + h) - f(x)) / h` with a step so small that rounding
error swamps the derivative."""

from __future__ import annotations

import ast
import math
from typing import Optional, Tuple

from numlint.engine.rule import (
    Fixability, Rule, TextCondition, bad, good, may_hold_small_number, numbers,
)
from numlint.engine.table.precision import FLOAT_FORMATS

from ._patterns import in_assertion
from ._precision import DEFAULT_DTYPES, default_dtype

# A step is reported when it is this many times smaller than sqrt(eps), the optimal forward
# step at |x| ~ 1: the rounding error, about eps / h, is then at least 100 sqrt(eps) (1.5e-6
# relative in float64, 3.5e-2 in float32).
_MARGIN = 100.0



def _may_hold_a_tiny_step(text: str) -> bool:
    """Whether the text has a number literal small enough to be a reported step in a dtype
    `default_dtype` may return."""
    return may_hold_small_number(text) and any(0 < value < _LARGEST_REPORTED
                                                for value in numbers(text))


# The largest step reported (float32's bound: 3.5e-6, below the 1e-4 `may_hold_small_number`
# can rule out).
_LARGEST_REPORTED = max(math.sqrt(2.0 ** -FLOAT_FORMATS[d][0]) for d in DEFAULT_DTYPES) / _MARGIN
assert _LARGEST_REPORTED < 1e-4


TINY_STEP = TextCondition("a step far below sqrt(eps)", _may_hold_a_tiny_step)


class FiniteDifferenceStep(Rule):
    code = "NL604"
    name = "finite-difference-step"
    summary = ("`(f(x + h) - f(x)) / h` with a tiny literal `h`: rounding error, about "
               "`eps / h`, swamps the derivative")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.NEVER
    operations = ("div",)
    requires = (("div", "sub", "add", TINY_STEP),)

    what = f"""
Checks for finite differences, forward `(f(x + h) - f(x)) / h` and central
`(f(x + h) - f(x - h)) / (2 * h)` (also with `f(x)` computed earlier and held in a name, and
with a perturbation `x + h * e`), whose step `h` is a number literal, or a name bound to one,
more than {_MARGIN:.0f} times smaller than `sqrt(eps)` of the dtype the code computes in: below
`1.5e-10` in float64 (NumPy's default, or where the function names float64), below `3.5e-6` in
float32 (PyTorch's, TensorFlow's, JAX's and Keras's default). There is no fix: the step, a
central difference or automatic differentiation are choices.
"""
    why = """
A forward difference has a truncation error about `h |f''| / 2` and a rounding error about
`eps |f| / h`: the two balance at `h ~ sqrt(eps) max(1, |x|)`, `1.5e-8` in float64 and `3.5e-4`
in float32. Below that, every halving of `h` doubles the rounding error: `f(x + h)` and `f(x)`
agree in nearly every digit, and their difference is mostly rounding.

Breaking input: `(exp(1 + 1e-15) - exp(1)) / 1e-15` is `3.1086` in float64, 14% off `e`; in
float32, `(sin(1 + 1e-7) - sin(1)) / 1e-7` is `0.596` instead of `0.5403` (10% off).
"""
    references = (
        "https://en.wikipedia.org/wiki/Numerical_differentiation#Step_size",
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.optimize.approx_fprime.html",
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.differentiate.derivative.html",
    )

    def check(self, ctx, op):
        step = _step(ctx, op.right, op.scope)
        if step is None:
            return
        h_node, h = step
        difference = ctx.origin(op.left, op.scope)
        sub = difference.op
        if sub is None or sub.kind != "sub":
            return
        ahead = ctx.origin(sub.left, sub.scope).expr
        behind = ctx.origin(sub.right, sub.scope).expr
        if not _same_function_stepped(ctx, ahead, behind, h_node, h, op.scope):
            return
        framework = ctx.framework(*[o for o in (ctx.op(ahead, op.scope),) if o is not None])
        dtype = default_dtype(ctx, framework, op.scope)
        eps = 2.0 ** -FLOAT_FORMATS[dtype][0]
        optimal = math.sqrt(eps)
        if h * _MARGIN >= optimal or in_assertion(ctx, op.node):
            return
        ctx.report(op.node, f"a finite-difference step of {_show(h)} is far below the optimal "
                            f"~{_show(optimal)} in {dtype}: the rounding error, about eps/h = "
                            f"{_show(eps / h)} relative, swamps the derivative; use "
                            f"h ~ sqrt(eps) * max(1, |x|), a central difference, or autodiff")


def _step(ctx, divisor, scope) -> Optional[Tuple[ast.expr, float]]:
    """The step `h` of a divisor `h`, `2 * h` or `h * 2`, and its value."""
    value = _number(ctx, divisor, scope)
    if value is not None:
        return (divisor, value) if value > 0 else None
    node = divisor
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for two, h in ((node.left, node.right), (node.right, node.left)):
            if _number(ctx, two, scope) == 2.0:
                value = _number(ctx, h, scope)
                if value is not None and value > 0:
                    return h, value
    return None


def _same_function_stepped(ctx, ahead, behind, h_node, h, scope) -> bool:
    """`f(..., x + h, ...)` and `f(..., x, ...)` (or `f(..., x - h, ...)`): the same function,
    one argument stepped by `h`."""
    if not isinstance(ahead, ast.Call) or not isinstance(behind, ast.Call):
        return False
    if not ctx.same(ahead.func, behind.func) or len(ahead.args) != len(behind.args):
        return False
    for forward, backward in zip(ahead.args, behind.args):
        x = _stepped(ctx, forward, ast.Add, h_node, h, scope)
        if x is None:
            continue
        if ctx.same(backward, x):
            return True
        back = _stepped(ctx, backward, ast.Sub, h_node, h, scope)
        if back is not None and ctx.same(back, x):
            return True
    return False


def _stepped(ctx, expr, operator, h_node, h, scope) -> Optional[ast.expr]:
    """The `x` of `x + h` (`operator` Add) or `x - h` (Sub), also `x + h * e`."""
    if not isinstance(expr, ast.BinOp) or not isinstance(expr.op, operator):
        return None
    sides = [(expr.left, expr.right)]
    if isinstance(expr.op, ast.Add):
        sides.append((expr.right, expr.left))
    for x, step in sides:
        if _is_step(ctx, step, h_node, h, scope):
            return x
    return None


def _is_step(ctx, expr, h_node, h, scope) -> bool:
    if ctx.same(expr, h_node) or _number(ctx, expr, scope) == h:
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):  # `h * e_i`
        return any(ctx.same(side, h_node) or _number(ctx, side, scope) == h
                   for side in (expr.left, expr.right))
    return False


def _number(ctx, expr, scope) -> Optional[float]:
    """The value of a number literal, also held in a name (`h = 1e-12`)."""
    node = ctx.origin(expr, scope).expr
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        try:
            return float(node.value)
        except OverflowError:  # an integer literal beyond any float (`1` and 400 zeros)
            return None
    return None


def _show(value: float) -> str:
    return f"{value:.2g}".replace("e-0", "e-").replace("e+0", "e+")


# -- examples: the rule's tests and its documentation -------------------------------------

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def derivative(x):
            return (np.exp(x + 1e-15) - np.exp(x)) / 1e-15
        """),
    bad("numpy", """
        import numpy as np

        def gradient(f, x):
            h = 1e-12
            fx = f(x)
            return np.array([(f(x + h * e) - fx) / h for e in np.eye(len(x))])
        """, title="a perturbation along each axis, f(x) computed once"),
    bad("torch", """
        import torch

        def derivative(f, x):
            h = 1e-7
            return (f(x + h) - f(x - h)) / (2 * h)
        """, title="float32: 1e-7 is far below sqrt(eps) = 3.5e-4"),
    bad("tensorflow", """
        import tensorflow as tf

        def derivative(x):
            return (tf.sin(x + 1e-8) - tf.sin(x)) / 1e-8
        """),
    bad("jax", """
        import jax.numpy as jnp

        def derivative(x):
            return (jnp.sin(x + 1e-7) - jnp.sin(x)) / 1e-7
        """),
    bad("keras", """
        import keras

        def derivative(x):
            return (keras.ops.sin(x + 1e-7) - keras.ops.sin(x)) / 1e-7
        """),
    good("numpy", """
        import numpy as np

        def derivative(x):
            h = 1.5e-8
            return (np.exp(x + h) - np.exp(x)) / h
        """, title="sqrt(eps) in float64"),
    good("torch", """
        import torch

        def derivative(f, x):
            x = x.double()
            h = 1e-7
            return (f(x + h) - f(x - h)) / (2 * h)
        """, title="float64 named in the function"),
    good("torch", """
        import torch

        def derivative(f, x):
            h = 1e-3
            return (f(x + h) - f(x)) / h
        """),
    good("numpy", """
        import numpy as np

        def relative_change(a, b):
            return (np.log(a + 1e-15) - np.log(b)) / 1e-15
        """, title="not the same argument stepped"),
)
