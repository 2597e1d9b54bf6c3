"""NL515 tanh-by-hand: `(exp(x) - exp(-x)) / (exp(x) + exp(-x))` instead of `tanh(x)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._elementary import constant, framework_for
from ._patterns import in_assertion


class TanhByHand(Rule):
    code = "NL515"
    name = "tanh-by-hand"
    summary = ("`(exp(x) - exp(-x)) / (exp(x) + exp(-x))` is `inf / inf = nan` for large `|x|`; "
               "use `tanh(x)`")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("div",)
    requires = (("div", "exp"),)

    what = """
Checks for the hyperbolic tangent written with exponentials:
`(exp(x) - exp(-x)) / (exp(x) + exp(-x))`, the terms of the sum in either order, each
exponential a function (`np.exp`, `math.exp`, `torch.exp`, `tf.exp`, `jnp.exp`,
`keras.ops.exp`) or a method (`x.exp()`), and the exponentials, the difference or the sum
also held in names (`a = np.exp(x)`, `b = np.exp(-x)`, `(a - b) / (a + b)`).
"""
    why = """
`exp(x)` overflows to `inf` above 709.78 in float64 (88.72 in float32), and `exp(-x)` does for
`x` below the negated limits, so for `|x|` beyond them the quotient is `inf / inf = nan`,
where the true value is 1 or -1, and so is every gradient through it. Activations and
correlations pass through a tanh: a pre-activation of 100 in float32 is enough.

Breaking input: `x = [1000, -1000]` gives `[nan, nan]` (true `[1, -1]`); in float32
`x = 100` already does.
"""
    fix_safety = """
The fix is safe: `tanh` (`math.tanh`, `np.tanh`, `torch.tanh`, `tf.math.tanh`, `jnp.tanh`)
equals the quotient to rounding wherever that is finite, and is correctly saturated where it
is not. In Keras it is unsafe: Keras 3.15's `keras.ops.tanh` returns float32 precision for
float64 inputs (seen on the JAX backend). When an exponential or the sum was computed in an earlier
statement the fix is unsafe (it writes `x` where the division is), offered only when nothing
rebinds `x`'s names in between and `x` calls nothing.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.tanh.html",
        "https://pytorch.org/docs/stable/generated/torch.tanh.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/tanh",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.tanh.html",
        "https://keras.io/api/ops/numpy/#tanh-function",
    )

    def check(self, ctx, op):
        top = _exp_pair(ctx, op.left, op.scope, "sub")
        bottom = _exp_pair(ctx, op.right, op.scope, "add")
        if top is None or bottom is None or in_assertion(ctx, op.node):
            return
        (positive, negative, top_remote), (plus, minus, bottom_remote) = top, bottom
        if not (_same_exp(ctx, positive, plus) and _same_exp(ctx, negative, minus)) \
                and not (_same_exp(ctx, positive, minus) and _same_exp(ctx, negative, plus)):
            return
        # Which exponential of the sum is `exp(x)`: the one whose operand the numerator's
        # positive term shares.
        x = positive.operand
        if not _negation_of(ctx, negative.operand, x) or constant(x):
            return
        fix = None
        remote = top_remote or bottom_remote
        framework = framework_for(ctx, "tanh", positive, negative, plus, minus)
        safety = ctx.safety("tanh", framework)
        if safety is not None and all(e.is_plain() for e in (positive, negative, plus, minus)) \
                and (not remote or _portable(x)):
            replacement = ctx.render("tanh", framework, op.scope, like=positive, x=x)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}(x)`",
                          Applicability.UNSAFE if remote else safety)
        ctx.report(op.node, "`(exp(x) - exp(-x)) / (exp(x) + exp(-x))` is `inf / inf = nan` "
                            "for large `|x|`; use `tanh(x)`", fix)


def _exp_pair(ctx, expr, scope, kind):
    """The two exponentials of `exp(a) - exp(b)` (kind "sub") or `exp(a) + exp(b)` ("add")
    that `expr` holds, and whether any part came from another statement; None otherwise."""
    origin = ctx.origin(expr, scope)
    total = origin.op
    if total is None or total.kind != kind or total.left is None:
        return None
    sides = [ctx.origin(side, origin.scope) for side in (total.left, total.right)]
    exps = [side.op for side in sides]
    if any(e is None or e.kind != "exp" or e.operand is None for e in exps):
        return None
    remote = origin.remote or any(side.remote for side in sides)
    return exps[0], exps[1], remote


def _same_exp(ctx, a, b) -> bool:
    return a.node is b.node or ctx.same(a.operand, b.operand)


def _negation_of(ctx, expr, x) -> bool:
    """Whether `expr` is written `-x` (or `x` is written `-expr`)."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return ctx.same(expr.operand, x)
    return isinstance(x, ast.UnaryOp) and isinstance(x.op, ast.USub) and ctx.same(x.operand, expr)


def _portable(x) -> bool:
    """`x` can be written again where the division is: names, attributes, constants."""
    return not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield))
                   for n in ast.walk(x))


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = "exp(1000) overflows to inf in float64 and float32: inf / inf = nan"
TANH = Proof(extreme={"x": [1000.0, -1000.0, 0.5]}, reference="np.tanh(x)", why=_WHY)

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def activation(x):
            return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
        """, """
        import numpy as np

        def activation(x):
            return np.tanh(x)
        """, proof=TANH),
    bad("numpy", """
        import math

        def activation(x):
            return (math.exp(x) - math.exp(-x)) / (math.exp(-x) + math.exp(x))
        """, """
        import math

        def activation(x):
            return math.tanh(x)
        """, title="Python's `math`, the sum in the other order"),
    bad("numpy", """
        import numpy as np

        def activation(x):
            a = np.exp(x)
            b = np.exp(-x)
            return (a - b) / (a + b)
        """, """
        import numpy as np

        def activation(x):
            return np.tanh(x)
        """, unsafe=True, title="through names (unsafe)", proof=TANH),
    bad("torch", """
        import torch

        def activation(x):
            return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
        """, """
        import torch

        def activation(x):
            return torch.tanh(x)
        """, proof=TANH),
    bad("torch", """
        import torch

        def activation(x):
            return (x.exp() - (-x).exp()) / (x.exp() + (-x).exp())
        """, """
        import torch

        def activation(x):
            return torch.tanh(x)
        """, title="methods", proof=TANH),
    bad("tensorflow", """
        import tensorflow as tf

        def activation(x):
            return (tf.exp(x) - tf.exp(-x)) / (tf.exp(x) + tf.exp(-x))
        """, """
        import tensorflow as tf

        def activation(x):
            return tf.tanh(x)
        """, proof=TANH),
    bad("jax", """
        import jax.numpy as jnp

        def activation(x):
            return (jnp.exp(x) - jnp.exp(-x)) / (jnp.exp(x) + jnp.exp(-x))
        """, """
        import jax.numpy as jnp

        def activation(x):
            return jnp.tanh(x)
        """, proof=TANH),
    bad("keras", """
        import keras

        def activation(x):
            return (keras.ops.exp(x) - keras.ops.exp(-x)) / (keras.ops.exp(x) + keras.ops.exp(-x))
        """, """
        import keras

        def activation(x):
            return keras.ops.tanh(x)
        """, unsafe=True, title="Keras: unsafe (its `tanh` rounds float64 to float32)",
        proof=Proof(extreme={"x": [1000.0, -1000.0, 0.5]}, reference="np.tanh(x)",
                    dtypes=("float32",), why=_WHY)),
    good("numpy", """
        import numpy as np

        def f(x, y):
            return ((np.exp(x) - np.exp(-y)) / (np.exp(x) + np.exp(-y)),
                    (np.exp(x) - np.exp(-x)) / 2,
                    (np.exp(1.0) - np.exp(-1.0)) / (np.exp(1.0) + np.exp(-1.0)),
                    np.tanh(x))
        """, title="different operands, sinh, a constant"),
    bad("cupy", """
        import cupy as cp


        def tanh(x):
            return (cp.exp(x) - cp.exp(-x)) / (cp.exp(x) + cp.exp(-x))
        """, """
        import cupy as cp


        def tanh(x):
            return cp.tanh(x)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
