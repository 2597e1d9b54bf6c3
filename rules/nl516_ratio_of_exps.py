"""NL516 ratio-of-exps: `exp(a) / exp(b)` instead of `exp(a - b)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._elementary import constant, framework_for
from ._patterns import in_assertion


class RatioOfExps(Rule):
    code = "NL516"
    name = "ratio-of-exps"
    summary = "`exp(a) / exp(b)` is `inf / inf = nan` when both overflow; use `exp(a - b)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("div",)
    requires = (("div", "exp"),)

    what = """
Checks for a quotient of two exponentials, `exp(a) / exp(b)`, each a function (`np.exp`,
`math.exp`, `torch.exp`, `tf.exp`, `jnp.exp`, `keras.ops.exp`) or a method (`a.exp()`), also
held in names. Quotients whose exponents are both constants are not reported.
"""
    why = """
Each exponential overflows on its own: `exp(1000) / exp(999)` is `inf / inf = nan` in float64
(true `e`), and in float32 `exp(100) / exp(99)` already is; when both underflow (`a`, `b`
below -745, or -104 in float32) it is `0 / 0 = nan`. Their difference is moderate, and so is
`exp(a - b)`: a likelihood ratio, an importance weight or a ratio of unnormalised
probabilities is what such code computes, and the log-domain values it starts from are exactly
those that go beyond the range of `exp`.

Breaking input: `a = [1000, -1000]`, `b = [999, -1001]` gives `[nan, nan]`; `exp(a - b)` gives
`[2.718, 2.718]`.
"""
    fix_safety = """
The fix is safe: `exp(a - b)` equals the quotient to rounding wherever both exponentials are
finite and normal (the subtraction is exact or correctly rounded, and one exponential is no
less accurate than the quotient of two), and is finite where they overflow or underflow
together. When an exponential was computed in an earlier statement the fix is unsafe (it
writes `a` and `b` again where the division is), offered only when nothing rebinds their
names in between and they call nothing.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.exp.html",
        "https://pytorch.org/docs/stable/generated/torch.exp.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/exp",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.exp.html",
    )

    def check(self, ctx, op):
        if op.left is None:
            return
        top = ctx.origin(op.left, op.scope)
        bottom = ctx.origin(op.right, op.scope)
        numerator, denominator = top.op, bottom.op
        if numerator is None or denominator is None or numerator.kind != "exp" \
                or denominator.kind != "exp" or numerator.operand is None \
                or denominator.operand is None or in_assertion(ctx, op.node):
            return
        a, b = numerator.operand, denominator.operand
        if constant(a) and constant(b):
            return
        fix = None
        remote = top.remote or bottom.remote
        framework = framework_for(ctx, "exp_difference", numerator, denominator)
        safety = ctx.safety("exp_difference", framework)
        if safety is not None and numerator.is_plain() and denominator.is_plain() \
                and (not remote or (_portable(a) and _portable(b))):
            difference = f"{_minuend(ctx, a)} - {_subtrahend(ctx, b)}"
            replacement = ctx.render("exp_difference", framework, op.scope, like=numerator,
                                     d=difference)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}(a - b)`",
                          Applicability.UNSAFE if remote else safety)
        ctx.report(op.node, "`exp(a) / exp(b)` is `inf / inf = nan` when both overflow; use "
                            "`exp(a - b)`", fix)


# Expressions that bind more loosely than `-` (or as loosely, on its right) need parentheses.
_ATOMS = (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant)
_TIGHT = (ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.MatMult, ast.Pow)


def _minuend(ctx, expr) -> str:
    if isinstance(expr, (*_ATOMS, ast.UnaryOp, ast.BinOp)):
        return ctx.text(expr)
    return f"({ctx.text(expr)})"


def _subtrahend(ctx, expr) -> str:
    if isinstance(expr, _ATOMS) or (isinstance(expr, ast.BinOp) and isinstance(expr.op, _TIGHT)):
        return ctx.text(expr)
    if isinstance(expr, ast.UnaryOp) and not isinstance(expr.op, ast.Not):
        return f"({ctx.text(expr)})"
    return f"({ctx.text(expr)})"


def _portable(x) -> bool:
    return not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield))
                   for n in ast.walk(x))


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = "exp(1000) and exp(999) overflow to inf: inf / inf = nan; exp(1) does not"
RATIO = Proof(extreme={"a": [1000.0, -1000.0, 0.5], "b": [999.0, -1001.0, -0.25]},
              reference="np.exp(a - b)", why=_WHY)

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def likelihood_ratio(a, b):
            return np.exp(a) / np.exp(b)
        """, """
        import numpy as np

        def likelihood_ratio(a, b):
            return np.exp(a - b)
        """, proof=RATIO),
    bad("numpy", """
        import numpy as np

        def likelihood_ratio(a, b, c):
            return np.exp(a) / np.exp(b + c)
        """, """
        import numpy as np

        def likelihood_ratio(a, b, c):
            return np.exp(a - (b + c))
        """, title="a sum in the denominator's exponent keeps its parentheses",
        proof=Proof(extreme={"a": [1000.0, -1000.0], "b": [999.0, -1001.0],
                             "c": [0.5, -0.5]},
                    reference="np.exp(a - (b + c))", why=_WHY)),
    bad("numpy", """
        import math

        def ratio(a, b):
            return math.exp(a) / math.exp(b)
        """, """
        import math

        def ratio(a, b):
            return math.exp(a - b)
        """, title="Python's `math`"),
    bad("torch", """
        import torch

        def importance_weight(log_p, log_q):
            return torch.exp(log_p) / torch.exp(log_q)
        """, """
        import torch

        def importance_weight(log_p, log_q):
            return torch.exp(log_p - log_q)
        """, proof=Proof(extreme={"log_p": [1000.0, -1000.0, 0.5],
                                  "log_q": [999.0, -1001.0, -0.25]},
                         reference="np.exp(log_p - log_q)", why=_WHY)),
    bad("torch", """
        import torch

        def importance_weight(log_p, log_q):
            return log_p.exp() / log_q.exp()
        """, """
        import torch

        def importance_weight(log_p, log_q):
            return torch.exp(log_p - log_q)
        """, title="methods",
        proof=Proof(extreme={"log_p": [1000.0, -1000.0, 0.5],
                             "log_q": [999.0, -1001.0, -0.25]},
                    reference="np.exp(log_p - log_q)", why=_WHY)),
    bad("torch", """
        import torch

        def importance_weight(log_p, log_q):
            p = torch.exp(log_p)
            q = torch.exp(log_q)
            return p / q
        """, """
        import torch

        def importance_weight(log_p, log_q):
            return torch.exp(log_p - log_q)
        """, unsafe=True, title="through names (unsafe)",
        proof=Proof(extreme={"log_p": [1000.0, -1000.0, 0.5],
                             "log_q": [999.0, -1001.0, -0.25]},
                    reference="np.exp(log_p - log_q)", why=_WHY)),
    bad("tensorflow", """
        import tensorflow as tf

        def ratio(a, b):
            return tf.exp(a) / tf.exp(b)
        """, """
        import tensorflow as tf

        def ratio(a, b):
            return tf.exp(a - b)
        """, proof=RATIO),
    bad("jax", """
        import jax.numpy as jnp

        def ratio(a, b):
            return jnp.exp(a) / jnp.exp(b)
        """, """
        import jax.numpy as jnp

        def ratio(a, b):
            return jnp.exp(a - b)
        """, proof=RATIO),
    bad("keras", """
        import keras

        def ratio(a, b):
            return keras.ops.exp(a) / keras.ops.exp(b)
        """, """
        import keras

        def ratio(a, b):
            return keras.ops.exp(a - b)
        """, proof=RATIO),
    good("numpy", """
        import numpy as np

        def f(a, b):
            return (np.exp(a - b), np.exp(a) / np.sum(np.exp(a)), np.exp(1.0) / np.exp(2.0),
                    np.exp(a) / b)
        """, title="already one exponential, a softmax, constants"),
    bad("cupy", """
        import cupy as cp


        def ratio(a, b):
            return cp.exp(a) / cp.exp(b)
        """, """
        import cupy as cp


        def ratio(a, b):
            return cp.exp(a - b)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
