"""NL503 softplus: `log(1 + exp(x))` instead of a softplus."""

import ast

from numlint.engine.rule import Fixability, Proof, Rule, bad, good

from ._elementary import Term, constant, framework_for, offset_from_one, rewrite
from ._patterns import NONPOS, in_assertion, sign


class Softplus(Rule):
    code = "NL503"
    name = "softplus"
    summary = "`log(1 + exp(x))` overflows to inf for large `x` and rounds to 0 for negative `x`; use a softplus"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    opt_in = "precision 3/4 on the ecosystem corpus (scipy's halflogistic logpdf has x >= 0: no overflow)"
    operations = ("log", "log1p")
    requires = (("log", "exp"), ("log1p", "exp"))

    what = """
Checks for a softplus written by hand: `log(1 + exp(x))`, `log(exp(x) + 1)` (with `1` or `1.0`,
also held in a name) and `log1p(exp(x))`, as functions or methods
(`(1 + x.exp()).log()`, `x.exp().log1p()`), with the sum or the exponential in the same
expression or held in a name; `log(1 + exp(-x))` is the softplus of `-x`.

It is silent for `log1p(exp(x))` of an `x` known to be non-positive (`log1p(exp(-abs(x)))`,
the stable form) and for `v + log1p(exp(u - v))`, a log-add-exp shifted by the larger term.
`log(1 + x)` of anything else is NL501's finding; this rule owns the softplus, so that one
hazard gives one finding. Method chains through `add` (`x.exp().add(1).log()`) are not
recognised.
"""
    why = """
`exp(x)` overflows to `inf` above 709.78 in float64 (88.72 in float32), so `log(1 + exp(x))`
is `inf` where the true value is `x`: `log(1 + exp(1000))` is `inf` (true 1000). Below about
-37 (-17 in float32) `1 + exp(x)` rounds to `1` and the result is `0` where the true value is
`exp(x)`: `log(1 + exp(-40))` is `0` (true `4.25e-18`). `log1p(exp(x))` repairs the second
side but still overflows. The gradient through the overflow is NaN. A softplus function
computes `max(x, 0) + log1p(exp(-|x|))`, exact over the whole range.
"""
    fix_safety = """
In NumPy (`np.logaddexp(0, x)`), TensorFlow (`tf.math.softplus`) and JAX (`jax.nn.softplus`)
the fix is safe: these are exact wherever the original was finite. In PyTorch it is unsafe:
`F.softplus` returns `x` itself above its `threshold=20`, which in float64 is off by up to
2e-9 (relative 1e-10) for `20 < x < 37`, where the naive form was exact (float32 cannot see
the difference); `keras.ops.softplus` is `F.softplus` on Keras's PyTorch backend, so it is
unsafe too. `F.softplus` also rejects integer tensors, which the naive form promoted. When the
sum or the exponential was computed in an earlier statement the fix is unsafe (it writes `x`
again where the log is, only when nothing rebinds its names in between and `x` calls nothing).
Python's `math` has no softplus: `math.log(1 + math.exp(x))` is reported without a fix unless
the module imports an array library.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.logaddexp.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.softplus.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/softplus",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.softplus.html",
        "https://keras.io/api/ops/nn/#softplus-function",
    )

    def check(self, ctx, op):
        if op.kind == "log":
            term = offset_from_one(ctx, op.operand, op.scope)
            if term is None or term.negated:
                return  # `log(1 - exp(x))` is NL507's log1mexp
            sum_origin, inner, scope = term.origin, term.x, term.origin.scope
            shape = "log(1 + exp(x))"
        else:
            sum_origin, inner, scope = None, op.operand, op.scope
            shape = "log1p(exp(x))"
        origin = ctx.origin(inner, scope)
        exp = origin.op if origin is not None else None
        if exp is None or exp.kind != "exp" or exp.operand is None or constant(exp.operand) \
                or in_assertion(ctx, op.node):
            return
        if op.kind == "log1p" and (sign(ctx, exp.operand, origin.scope) is NONPOS
                                   or _max_shifted(ctx, op, exp)):
            return  # `log1p(exp(-abs(x)))`, `a + log1p(exp(b - a))`: the stable forms
        fix = None
        framework = framework_for(ctx, "softplus", op, exp)
        if op.is_plain() and exp.is_plain() and framework is not None:
            # `x` is copied from the statement that computed the exponential.
            where = origin if origin.remote or sum_origin is None else sum_origin
            fix = rewrite(ctx, op, Term(exp.operand, False, where), "softplus", framework)
        if shape == "log1p(exp(x))":
            message = ("`log1p(exp(x))` overflows to inf for large `x`; use a softplus "
                       "function")
        else:
            message = ("`log(1 + exp(x))` overflows to inf for large `x` and rounds to 0 for "
                       "negative `x`; use a softplus function")
        ctx.report(op.node, message, fix)


def _max_shifted(ctx, op, exp) -> bool:
    """`v + log1p(exp(u - v))`: a log-add-exp shifted by `v`, stable when `v` is the larger
    (the code's business: `if a > b: return a + log1p(exp(b - a))`)."""
    difference = ctx.op(exp.operand, exp.scope)
    parent = ctx.model.parent_of(op.node)
    if difference is None or difference.kind != "sub" or not isinstance(parent, ast.BinOp) \
            or not isinstance(parent.op, ast.Add):
        return False
    other = parent.right if parent.left is op.node else parent.left
    return ctx.same(other, difference.right)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# exp(1000) overflows (float64 and float32); 1 + exp(-40) rounds to 1 (float64 and float32).
_EXTREME = [1000.0, -40.0, 0.5]
SOFTPLUS = Proof(extreme={"x": _EXTREME}, reference="np.logaddexp(0, x)",
                 why="exp(1000) overflows to inf; 1 + exp(-40) rounds to 1, and log(1) = 0")
SOFTPLUS_NEG = Proof(extreme={"x": [-1000.0, 40.0, 0.5]}, reference="np.logaddexp(0, -x)",
                     why="exp(1000) overflows to inf")

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def softplus(x):
            return np.log(1 + np.exp(x))
        """, """
        import numpy as np

        def softplus(x):
            return np.logaddexp(0, x)
        """, proof=SOFTPLUS),
    bad("numpy", """
        import numpy as np

        def logistic_loss(margin):
            return np.log(np.exp(-margin) + 1.0)
        """, """
        import numpy as np

        def logistic_loss(margin):
            return np.logaddexp(0, -margin)
        """, title="`log(1 + exp(-x))`, the logistic loss", proof=Proof(
            extreme={"margin": [-1000.0, 40.0, 0.5]}, reference="np.logaddexp(0, -margin)")),
    bad("numpy", """
        import numpy as np

        def softplus(x):
            return np.log1p(np.exp(x))
        """, """
        import numpy as np

        def softplus(x):
            return np.logaddexp(0, x)
        """, title="`log1p(exp(x))` still overflows",
        proof=Proof(extreme={"x": [1000.0, 0.5]}, reference="np.logaddexp(0, x)")),
    bad("numpy", """
        import numpy as np

        def softplus(x):
            e = np.exp(x)
            return np.log(1 + e)
        """, """
        import numpy as np

        def softplus(x):
            return np.logaddexp(0, x)
        """, unsafe=True, title="the exponential in a name: the fix is unsafe", proof=SOFTPLUS),
    bad("numpy", """
        import math

        def softplus(x):
            return math.log(1 + math.exp(x))
        """, title="Python's math has no softplus: reported without a fix"),
    bad("torch", """
        import torch

        def softplus(x):
            return torch.log(1 + torch.exp(x))
        """, """
        import torch

        def softplus(x):
            return torch.nn.functional.softplus(x)
        """, unsafe=True, title="`F.softplus` has a threshold: unsafe", proof=SOFTPLUS),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def softplus(x):
            return x.exp().log1p()
        """, """
        import torch
        import torch.nn.functional as F

        def softplus(x):
            return F.softplus(x)
        """, unsafe=True, title="method chain", proof=Proof(
            extreme={"x": [1000.0, 0.5]}, reference="np.logaddexp(0, x)")),
    bad("tensorflow", """
        import tensorflow as tf

        def softplus(x):
            return tf.math.log(1.0 + tf.exp(x))
        """, """
        import tensorflow as tf

        def softplus(x):
            return tf.math.softplus(x)
        """, proof=SOFTPLUS),
    bad("tensorflow", """
        import tensorflow as tf

        def logistic_loss(margin):
            return tf.log(1 + tf.exp(-margin))
        """, """
        import tensorflow as tf

        def logistic_loss(margin):
            return tf.nn.softplus(-margin)
        """, title="TensorFlow 1"),
    bad("jax", """
        import jax.numpy as jnp

        def logistic_loss(margin):
            return jnp.log(1 + jnp.exp(-margin))
        """, """
        import jax

        def logistic_loss(margin):
            return jax.nn.softplus(-margin)
        """, proof=Proof(extreme={"margin": [-1000.0, 40.0, 0.5]},
                         reference="np.logaddexp(0, -margin)")),
    bad("keras", """
        import keras

        def softplus(x):
            return keras.ops.log(1 + keras.ops.exp(x))
        """, """
        import keras

        def softplus(x):
            return keras.ops.softplus(x)
        """, unsafe=True, title="`F.softplus` on the PyTorch backend: unsafe", proof=SOFTPLUS),
    good("numpy", """
        import numpy as np

        def softplus(x):
            return np.logaddexp(0, x)
        """),
    good("torch", """
        import torch

        def log1mexp(x):
            return torch.log(1 - torch.exp(x))
        """, title="`log(1 - exp(x))` is NL507's finding"),
    good("numpy", """
        import numpy as np

        def softplus(x):
            return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
        """, title="`log1p(exp(x))` of a non-positive `x` is the stable form"),
    good("numpy", """
        import math

        def log_add(a, b):
            if a > b:
                return a + math.log1p(math.exp(b - a))
            return b + math.log1p(math.exp(a - b))
        """, title="a log-add-exp shifted by the larger term"),
    good("jax", """
        import jax.numpy as jnp

        def log_two(x):
            return jnp.log(1 + jnp.exp(0.0)), jnp.log(2 + jnp.exp(x))
        """, title="a constant; only `1 + exp(x)` is a softplus"),
    bad("cupy", """
        import cupy as cp


        def softplus(x):
            return cp.log(1 + cp.exp(x))
        """, """
        import cupy as cp


        def softplus(x):
            return cp.logaddexp(0, x)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
