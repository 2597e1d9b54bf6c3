"""NL506 log-add-exp: `log(exp(a) + exp(b))` instead of `logaddexp(a, b)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Replacement, Rule, bad, good

from ._elementary import constant, framework_for
from ._patterns import in_assertion

# Expressions a fix can copy from another statement: no call (it would run again).
_IMPURE = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


class LogAddExp(Rule):
    code = "NL506"
    name = "log-add-exp"
    summary = "`log(exp(a) + exp(b))` overflows and underflows; use `logaddexp(a, b)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "exp", "add"),)

    what = """
Checks for the log of a sum of two exponentials, `log(exp(a) + exp(b))`, with the functions or
methods of any framework (`(a.exp() + b.exp()).log()`), the sum or the exponentials in the same
expression or held in names. A sum with `1` is a softplus (NL503); a sum over an axis is a
log-sum-exp (NL102); `log(exp(a) - exp(b))` is not reported.
"""
    why = """
`exp` overflows to `inf` above 709.78 in float64 (88.72 in float32) and underflows to `0` below
-745 (-104 in float32), so `log(exp(1000) + exp(1000))` is `inf` (true 1000.6931) and
`log(exp(-1000) + exp(-1000))` is `-inf` (true -999.3069); the gradients are NaN. `logaddexp`
computes `max(a, b) + log1p(exp(-|a - b|))`, exact over the whole range. Log-likelihoods of
mixtures and HMM forward recursions add probabilities this way.
"""
    fix_safety = """
The fix is safe in NumPy (`np.logaddexp`), JAX (`jnp.logaddexp`) and TensorFlow, which has no
`tf.math.logaddexp` but has `tf.experimental.numpy.logaddexp` (stable, broadcasting as `+`
does): equal to the original wherever it was finite. In PyTorch it is unsafe: `torch.logaddexp`
rejects integer tensors, which `torch.exp` accepted and promoted. In Keras it is unsafe:
`keras.ops.logaddexp` (Keras 3.15) returns float32 for float64 inputs, losing half the digits
(proven in float32 only).
When the sum or an exponential was computed in an earlier statement the fix is unsafe (it
writes `a` and `b` again where the log is, only when nothing rebinds their names in between and
they call nothing). Python's `math` has no `logaddexp`: reported without a fix there.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.logaddexp.html",
        "https://pytorch.org/docs/stable/generated/torch.logaddexp.html",
        "https://www.tensorflow.org/api_docs/python/tf/experimental/numpy/logaddexp",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.logaddexp.html",
        "https://keras.io/api/ops/numpy/#logaddexp-function",
    )

    def check(self, ctx, op):
        total = ctx.origin(op.operand, op.scope)
        if total is None or total.op is None or total.op.kind != "add" \
                or total.op.left is None:
            return
        terms = [ctx.origin(side, total.scope) for side in (total.op.left, total.op.right)]
        exps = [t.op for t in terms]
        if any(e is None or e.kind != "exp" or e.operand is None for e in exps) or \
                all(constant(e.operand) for e in exps) or in_assertion(ctx, op.node):
            return
        ctx.report(op.node, "`log(exp(a) + exp(b))` overflows and underflows; use "
                            "`logaddexp(a, b)`", _fix(ctx, op, total, terms, exps))


def _fix(ctx, op, total, terms, exps):
    if not op.is_plain() or not all(e.is_plain() for e in exps):
        return None
    framework = framework_for(ctx, "logaddexp", op, *exps)
    exactness = ctx.safety("logaddexp", framework)
    if exactness is None:
        return None
    origins = [total] + terms
    remote = any(o.remote for o in origins)
    for term, exp in zip(terms, exps):
        source = term if term.remote else total
        if source.remote and (any(isinstance(n, _IMPURE) for n in ast.walk(exp.operand))
                              or not ctx.portable(source, op.node, exp.operand)):
            return None
    replacement = ctx.render("logaddexp", framework, op.scope, like=op,
                             a=exps[0].operand, b=exps[1].operand)
    if replacement is None:
        return None
    if remote:
        replacement = Replacement(replacement.text, replacement.imports, [], replacement.callee)
    safety = Applicability.UNSAFE if remote else exactness
    return ctx.fix(op.node, replacement, "Replace with `{callee}`", safety)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# exp(1000) overflows, exp(-1000) underflows (float64 and float32).
_A = [1000.0, -1000.0, 0.5]
_B = [1000.0, -1000.0, -0.3]
LOGADDEXP = Proof(extreme={"a": _A, "b": _B}, reference="np.logaddexp(a, b)",
                  why="exp(1000) overflows to inf; exp(-1000) underflows to 0, and log(0) = -inf")

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def log_mixture(log_p, log_q):
            return np.log(np.exp(log_p) + np.exp(log_q))
        """, """
        import numpy as np

        def log_mixture(log_p, log_q):
            return np.logaddexp(log_p, log_q)
        """, proof=Proof(extreme={"log_p": _A, "log_q": _B},
                         reference="np.logaddexp(log_p, log_q)",
                         why="exp(1000) overflows to inf; exp(-1000) underflows to 0, and "
                             "log(0) = -inf")),
    bad("numpy", """
        import numpy as np

        def log_mixture(log_p, log_q):
            p = np.exp(log_p)
            q = np.exp(log_q)
            return np.log(p + q)
        """, """
        import numpy as np

        def log_mixture(log_p, log_q):
            return np.logaddexp(log_p, log_q)
        """, unsafe=True, title="through names: the fix is unsafe",
        proof=Proof(extreme={"log_p": _A, "log_q": _B},
                    reference="np.logaddexp(log_p, log_q)")),
    bad("numpy", """
        import math

        def log_mixture(log_p, log_q):
            return math.log(math.exp(log_p) + math.exp(log_q))
        """, title="Python's math has no logaddexp: reported without a fix"),
    bad("torch", """
        import torch

        def log_mixture(a, b):
            return (a.exp() + b.exp()).log()
        """, """
        import torch

        def log_mixture(a, b):
            return torch.logaddexp(a, b)
        """, unsafe=True, title="`torch.logaddexp` rejects integer tensors: unsafe",
        proof=LOGADDEXP),
    bad("tensorflow", """
        import tensorflow as tf

        def log_mixture(a, b):
            return tf.math.log(tf.exp(a) + tf.exp(b))
        """, """
        import tensorflow as tf

        def log_mixture(a, b):
            return tf.experimental.numpy.logaddexp(a, b)
        """, proof=LOGADDEXP),
    bad("jax", """
        import jax.numpy as jnp

        def log_mixture(a, b):
            return jnp.log(jnp.exp(a) + jnp.exp(b))
        """, """
        import jax.numpy as jnp

        def log_mixture(a, b):
            return jnp.logaddexp(a, b)
        """, proof=LOGADDEXP),
    bad("keras", """
        import keras

        def log_mixture(a, b):
            return keras.ops.log(keras.ops.exp(a) + keras.ops.exp(b))
        """, """
        import keras

        def log_mixture(a, b):
            return keras.ops.logaddexp(a, b)
        """, unsafe=True, title="`keras.ops.logaddexp` computes float64 in float32: unsafe",
        proof=Proof(extreme={"a": _A, "b": _B}, reference="np.logaddexp(a, b)",
                    dtypes=("float32",))),
    good("numpy", """
        import numpy as np

        def log_mixture(a, b):
            return np.logaddexp(a, b)
        """),
    good("numpy", """
        import numpy as np

        def other(a, b):
            return np.log(np.exp(a) - np.exp(b)), np.log(np.exp(a) + b), np.log(np.exp(1.0) + np.exp(2.0))
        """, title="a difference; a sum with something else; constants"),
    bad("cupy", """
        import cupy as cp


        def combine(a, b):
            return cp.log(cp.exp(a) + cp.exp(b))
        """, """
        import cupy as cp


        def combine(a, b):
            return cp.logaddexp(a, b)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
