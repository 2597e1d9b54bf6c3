"""NL502 expm1: `exp(x) - 1` instead of `expm1(x)`."""

from numlint.engine.rule import Fixability, Proof, Rule, bad, good

from ._elementary import (Term, constant, framework_for, is_minus_one, is_one, rewrite,
                          rounded, under_log)
from ._patterns import in_assertion


class Expm1(Rule):
    code = "NL502"
    name = "expm1"
    summary = "`exp(x) - 1` cancels to noise or 0 when `x` is small; use `expm1(x)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("sub", "add")
    requires = (("sub", "exp"), ("add", "exp"))

    what = """
Checks for `exp(x) - 1`, `-1 + exp(x)` and `1 - exp(x)` (with `1` or `1.0`, also held in a
name), with the exponential as a function (`np.exp`, `math.exp`, `torch.exp`, `tf.exp`,
`jnp.exp`, `keras.ops.exp`) or a method (`x.exp() - 1`), in the same expression or held in a
name.

It is silent for a constant exponent (`exp(0.5) - 1`, `exp(np.pi / 2) - 1`), inside an
assertion (the expected value of a test), when the result is rounded to an integer
(`round(exp(log_duration) - 1)`), and for `log(1 - exp(x))`, which is a log1mexp (NL507's
finding).
"""
    why = """
`exp(x)` is rounded to the float nearest to it, whose spacing near 1 is 2.2e-16 in float64
(1.2e-7 in float32); subtracting 1 keeps that rounding error and cancels everything else, so
for small `x` only the leading digits survive: `exp(1e-10) - 1` is `1.00000008e-10` in float64
(7 correct digits of 16), `exp(1e-17) - 1` is `0` (true `1e-17`), and in float32
`exp(1e-5) - 1` is `1.0014e-05` (true `1.000005e-05`). `expm1(x)` is correct to the last bit
for every `x`. Small exponents are everywhere: rates times short time steps, continuous
compounding, the Box-Cox and Yeo-Johnson inverses, the ELU activation near 0.
"""
    fix_safety = """
The fix is safe: `expm1(x)` equals `exp(x) - 1` wherever the subtraction cancels nothing and is
closer to the exact value wherever it cancels something, so it is never less accurate (both
overflow to `inf` and reach `-1` alike). `1 - exp(x)` becomes `-expm1(x)` (`1 - e` and
`-(e - 1)` are the same float). When the exponential was computed in an earlier statement
(`e = exp(x)` ... `e - 1`) the fix is unsafe: it writes `x` again (only when nothing rebinds
the names in `x` in between and `x` calls nothing), and `e` may still be used elsewhere. No fix
is offered when the exponential has other arguments (`out=`) or the operations come from
different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.expm1.html",
        "https://docs.python.org/3/library/math.html#math.expm1",
        "https://pytorch.org/docs/stable/generated/torch.expm1.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/expm1",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.expm1.html",
        "https://keras.io/api/ops/numpy/#expm1-function",
    )

    def check(self, ctx, op):
        if not ctx.spells("exp"):
            return  # called on every addition and subtraction: none is an `exp(x) - 1` here
        found = _exp_minus_one(ctx, op)
        if found is None:
            return
        exp, origin, negate = found
        if exp.operand is None or constant(exp.operand) or in_assertion(ctx, op.node) \
                or rounded(ctx, op.node):
            return
        if negate and under_log(ctx, op.node):
            return  # `log(1 - exp(x))`: NL507's log1mexp
        fix = None
        framework = framework_for(ctx, "expm1", exp)
        if exp.is_plain() and framework is not None:
            fix = rewrite(ctx, exp, Term(exp.operand, False, origin), "expm1", framework,
                          node=op.node, negate=negate)
        if negate:
            message = "`1 - exp(x)` cancels for small `x`; use `-expm1(x)`"
        else:
            message = "`exp(x) - 1` cancels for small `x`; use `expm1(x)`"
        ctx.report(op.node, message, fix)


def _exp_minus_one(ctx, op):
    """`(exp, origin, negate)` for `exp(x) - 1`, `-1 + exp(x)`, `exp(x) + -1` (negate False)
    and `1 - exp(x)` (negate True), where `origin` is where the exponential was found (through
    a name); None for anything else."""
    if op.kind == "sub" and is_one(ctx, op.right, op.scope):
        candidates = ((op.left, False),)
    elif op.kind == "sub" and is_one(ctx, op.left, op.scope):
        candidates = ((op.right, True),)
    elif op.kind == "add" and is_minus_one(ctx, op.left, op.scope):
        candidates = ((op.right, False),)
    elif op.kind == "add" and is_minus_one(ctx, op.right, op.scope):
        candidates = ((op.left, False),)
    else:
        return None
    for expr, negate in candidates:
        origin = ctx.origin(expr, op.scope)
        if origin is not None and origin.op is not None and origin.op.kind == "exp":
            return origin.op, origin, negate
    return None


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Exponents whose digits the subtraction cancels: 29 bits lost in float64 for 1e-10, all for
# 1e-17.
_SMALL = [1e-10, -3e-12, 1e-17]
EXPM1 = Proof(extreme={"x": _SMALL}, reference="np.expm1(x)", exact="mpmath.expm1(x)",
              why="exp(1e-17) rounds to 1, and 1 - 1 = 0; expm1(1e-17) = 1e-17")
ONE_MINUS = Proof(extreme={"x": _SMALL}, reference="-np.expm1(x)", exact="-mpmath.expm1(x)",
                  why="exp(1e-17) rounds to 1, and 1 - 1 = 0; -expm1(1e-17) = -1e-17")

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def growth(rate, dt):
            return np.exp(rate * dt) - 1
        """, """
        import numpy as np

        def growth(rate, dt):
            return np.expm1(rate * dt)
        """, proof=Proof(extreme={"rate": _SMALL, "dt": [1.0, 0.5, 2.0]},
                         reference="np.expm1(rate * dt)", exact="mpmath.expm1(rate * dt)",
                         why="exp(1e-17) rounds to 1, and 1 - 1 = 0; expm1(1e-17) = 1e-17")),
    bad("numpy", """
        import numpy as np

        def decay(x):
            return 1.0 - np.exp(x)
        """, """
        import numpy as np

        def decay(x):
            return -np.expm1(x)
        """, title="`1 - exp(x)` is `-expm1(x)`", proof=ONE_MINUS),
    bad("numpy", """
        import math

        def growth(rate):
            return -1 + math.exp(rate)
        """, """
        import math

        def growth(rate):
            return math.expm1(rate)
        """, title="Python's math module"),
    bad("numpy", """
        import numpy as np

        def growth(x):
            e = np.exp(x)
            return e - 1
        """, """
        import numpy as np

        def growth(x):
            return np.expm1(x)
        """, unsafe=True, title="the exponential in a name: the fix is unsafe", proof=EXPM1),
    bad("numpy", """
        import numpy as np

        def growth(x, buffer):
            return np.exp(x, out=buffer) - 1
        """, title="an exponential with other arguments is reported without a fix"),
    bad("torch", """
        import torch

        def elu(x):
            return torch.where(x > 0, x, torch.exp(x) - 1)
        """, """
        import torch

        def elu(x):
            return torch.where(x > 0, x, torch.expm1(x))
        """, title="ELU", proof=Proof(extreme={"x": [-1e-10, -3e-12, -1e-17]},
                                     reference="np.where(x > 0, x, np.expm1(x))",
                                     exact="x if x > 0 else mpmath.expm1(x)")),
    bad("torch", """
        import torch

        def decay(x):
            return (1 - x.exp()) * 2
        """, """
        import torch

        def decay(x):
            return (-x.expm1()) * 2
        """, title="method", proof=Proof(extreme={"x": _SMALL}, reference="-2 * np.expm1(x)",
                                        exact="-2 * mpmath.expm1(x)")),
    bad("tensorflow", """
        import tensorflow as tf

        def growth(x):
            return tf.exp(x) - 1.0
        """, """
        import tensorflow as tf

        def growth(x):
            return tf.math.expm1(x)
        """, proof=EXPM1),
    bad("jax", """
        import jax.numpy as jnp

        def growth(x):
            return jnp.exp(x) - 1
        """, """
        import jax.numpy as jnp

        def growth(x):
            return jnp.expm1(x)
        """, proof=EXPM1),
    bad("keras", """
        import keras

        def decay(x):
            return 1 - keras.ops.exp(x)
        """, """
        import keras

        def decay(x):
            return -keras.ops.expm1(x)
        """, proof=ONE_MINUS),
    good("numpy", """
        import numpy as np

        def growth(x):
            return np.expm1(x)
        """),
    good("numpy", """
        import numpy as np

        def ratio(x):
            return np.exp(x) - 2, np.exp(0.5) - 1, np.exp(np.pi / 2) - 1
        """, title="only a 1 cancels; a constant exponent"),
    good("torch", """
        import torch

        def frames(log_duration):
            return torch.round(torch.exp(log_duration) - 1).long()
        """, title="rounded to an integer: the low digits do not matter"),
    good("torch", """
        import torch

        def log1mexp(x):
            return torch.log(1 - torch.exp(x))
        """, title="`log(1 - exp(x))` is NL507's finding"),
    good("jax", """
        import jax.numpy as jnp
        from numpy.testing import assert_allclose

        def test_growth(growth, x):
            assert_allclose(growth(x), jnp.exp(x) - 1)
        """, title="the expected value in a test"),
    bad("cupy", """
        import cupy as cp


        def elu(x, alpha):
            return cp.where(x > 0, x, alpha * (cp.exp(x) - 1))
        """, """
        import cupy as cp


        def elu(x, alpha):
            return cp.where(x > 0, x, alpha * cp.expm1(x))
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
    bad("mxnet", """
        from mxnet import np, npx


        def elu(x, alpha):
            return np.where(x > 0, x, alpha * (np.exp(x) - 1))
        """, """
        from mxnet import np, npx


        def elu(x, alpha):
            return np.where(x > 0, x, alpha * np.expm1(x))
        """,
        title="the fix is written with `mxnet.np`; checked as text, not executed"),
)
