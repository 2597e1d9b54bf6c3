"""NL102 log-sum-exp: `log(sum(exp(x)))` instead of `logsumexp(x)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._patterns import shifted_by_max


class LogSumExp(Rule):
    code = "NL102"
    name = "log-sum-exp"
    summary = "`log(sum(exp(x)))` overflows to inf and underflows to -inf; use `logsumexp`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "exp"),)

    what = """
Checks for a log-sum-exp computed naively: `log(sum(exp(x)))`, with the sum as a function
(`np.sum`, `torch.sum`, `tf.reduce_sum`, builtin `sum`) or a method (`exp(x).sum(axis)`), in
method chains (`x.exp().sum(-1).log()`), and the log-mean-exp `log(mean(exp(x)))`.
"""
    why = """
`exp` overflows to `inf` for inputs above 709.78 in float64 (88.72 in float32, 11.09 in
float16), and underflows to `0` below -745 (-104 in float32), where the `log` gives `-inf`.
A log-sum-exp function subtracts the maximum first and is exact over the whole range.

Breaking input: `x = [[1000, 1000], [-1000, -1000]]` summed over axis 1 gives `[inf, -inf]`
instead of `[1000.6931, -999.3069]`; in float32 `[100, 100]` already gives `inf` instead of
`100.6931`.
"""
    fix_safety = """
The fix is safe: the replacement reduces over the same axis with the same `keepdims`, and
returns the same values wherever the original was finite. Default axes are made explicit where
they differ: `np.logaddexp.reduce` (used when the module does not import SciPy, so the fix adds
no dependency) reduces axis 0 unless told `axis=None`; `torch.logsumexp` requires `dim`, so a
full reduction becomes `torch.logsumexp(x.flatten(), 0)`; the builtin `sum` reduces axis 0.
No fix is offered when the sum has other arguments (`dtype=`, `out=`, `where=`), for the
log-mean-exp, or when the operations come from different libraries.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.logsumexp.html",
        "https://pytorch.org/docs/stable/generated/torch.logsumexp.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/reduce_logsumexp",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.logsumexp.html",
        "https://numpy.org/doc/stable/reference/generated/numpy.logaddexp.html",
    )

    def check(self, ctx, op):
        if op.operand is None:
            return
        found = ctx.origin(op.operand, op.scope)  # also through names: `s = e.sum()`
        total = found.op
        if total is None or total.kind not in ("sum", "mean"):
            return
        if _python_generator_of_exp(ctx, total):
            ctx.report(op.node, "`log(sum(exp(v) for v in ...))` overflows for large values; "
                                "shift by the maximum or use a log-sum-exp function")
            return
        inner = ctx.origin(total.operand, total.scope) if total.operand is not None else None
        exp = inner.op if inner is not None else None
        if exp is None or exp.kind != "exp" or exp.operand is None or \
                shifted_by_max(ctx, exp.operand, exp.scope):  # (an exp in another function: unknown)
            return
        if total.kind == "mean":
            ctx.report(op.node, "`log(mean(exp(x)))` overflows and underflows; use "
                                "`logsumexp(x) - log(n)`")
            return
        framework = ctx.framework(op, total, exp)
        fix = None
        remote = [o for o in (found, inner) if o is not None and o.remote]
        if op.is_plain() and total.is_plain() and exp.is_plain() and framework is not None \
                and all(ctx.portable(o, op.node) for o in remote) \
                and (not remote or ctx.portable(inner, op.node, copied=exp.operand)):
            replacement = ctx.stable(
                "logsumexp", framework, exp.operand, op.scope, args=ctx.args_of(total),
                like=total, method=op.form == "method" and not remote,
                source_default=total.default_axis)
            if remote:  # the exp and the sum were computed in earlier statements
                fix = ctx.fix(op.node, replacement, "Replace with `{callee}` of the exp's input",
                              Applicability.UNSAFE)
            else:
                fix = ctx.fix(op.node, replacement, "Replace with `{callee}`",
                              Applicability.SAFE)
        ctx.report(op.node, "`log(sum(exp(x)))` overflows and underflows; use `logsumexp`", fix)


def _python_generator_of_exp(ctx, total) -> bool:
    """`sum(exp(v) for v in xs)`: a pure-Python log-sum-exp over a generator."""
    operand = total.operand
    if not isinstance(operand, (ast.GeneratorExp, ast.ListComp)):
        return False
    element = ctx.op(operand.elt, total.scope)
    return element is not None and element.kind == "exp"


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes.
_EXTREME = [[1000.0, 1000.0, 0.0], [-1000.0, -1000.0, -1001.0]]
ROWS = Proof(
    extreme={"scores": _EXTREME},
    reference="scipy.special.logsumexp(scores, axis=-1)",
    why="exp(1000) overflows to inf; exp(-1000) underflows to 0, and log(0) = -inf",
)


EXAMPLES = (
    good("tensorflow", """
        import tensorflow as tf

        def reduce_logsumexp(a):
            amax = tf.math.reduce_max(a, axis=-1, keepdims=True)
            amax = tf.where(tf.math.is_finite(amax), amax, 0)
            return amax + tf.math.log(tf.math.reduce_sum(tf.math.exp(a - amax), axis=-1,
                                                         keepdims=True))
        """, title="shifted by a maximum whose infinities are replaced"),
    bad("numpy", """
        import numpy as np
        import scipy.special

        def log_partition(scores):
            return np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
        """, """
        import scipy.special

        def log_partition(scores):
            return scipy.special.logsumexp(scores, axis=1, keepdims=True)
        """,
        proof=Proof(extreme={"scores": _EXTREME}, reference="scipy.special.logsumexp(scores, axis=1, keepdims=True)")),
    bad("numpy", """
        import numpy as np

        def log_evidence(log_weights):
            return np.log(np.exp(log_weights).sum())
        """, """
        import numpy as np

        def log_evidence(log_weights):
            return np.logaddexp.reduce(log_weights, axis=None)
        """, title="NumPy only: no SciPy import is added",
        proof=Proof(extreme={"log_weights": _EXTREME}, reference="scipy.special.logsumexp(log_weights)")),
    bad("numpy", """
        from numpy import log, exp

        def log_evidence(log_weights):
            return log(sum(exp(log_weights)))
        """, """
        import numpy as np

        def log_evidence(log_weights):
            return np.logaddexp.reduce(log_weights, axis=0)
        """, title="builtin sum reduces the first axis",
        proof=Proof(extreme={"log_weights": _EXTREME}, reference="scipy.special.logsumexp(log_weights, axis=0)")),
    bad("torch", """
        import torch

        def log_partition(scores):
            return torch.log(torch.sum(torch.exp(scores), dim=1, keepdim=True))
        """, """
        import torch

        def log_partition(scores):
            return torch.logsumexp(scores, dim=1, keepdim=True)
        """,
        proof=Proof(extreme={"scores": _EXTREME}, reference="scipy.special.logsumexp(scores, axis=1, keepdims=True)")),
    bad("torch", """
        import torch

        def log_partition(scores):
            return scores.exp().sum(-1).log()
        """, """
        import torch

        def log_partition(scores):
            return scores.logsumexp(-1)
        """, title="method chain",
        proof=ROWS),
    bad("torch", """
        import torch
        from torch import sum as tsum

        def log_evidence(log_weights):
            return torch.log(tsum(torch.exp(log_weights)))
        """, """
        import torch

        def log_evidence(log_weights):
            return torch.logsumexp(log_weights.flatten(), 0)
        """, title="full reduction: torch.logsumexp needs a dim",
        proof=Proof(extreme={"log_weights": _EXTREME}, reference="scipy.special.logsumexp(log_weights)")),
    bad("tensorflow", """
        import tensorflow as tf

        def log_partition(scores):
            return tf.math.log(tf.reduce_sum(tf.exp(scores), axis=-1))
        """, """
        import tensorflow as tf

        def log_partition(scores):
            return tf.reduce_logsumexp(scores, axis=-1)
        """,
        proof=ROWS),
    bad("tensorflow", """
        import tensorflow as tf

        def log_partition(scores):
            return tf.log(tf.reduce_sum(tf.exp(scores), reduction_indices=[1], keep_dims=True))
        """, """
        import tensorflow as tf

        def log_partition(scores):
            return tf.reduce_logsumexp(scores, reduction_indices=[1], keep_dims=True)
        """, title="TensorFlow 1"),
    bad("jax", """
        import jax.numpy as jnp

        def log_partition(scores):
            return jnp.log(jnp.sum(jnp.exp(scores), axis=-1))
        """, """
        import jax

        def log_partition(scores):
            return jax.nn.logsumexp(scores, axis=-1)
        """,
        proof=ROWS),
    bad("keras", """
        import keras

        def log_partition(scores):
            return keras.ops.log(keras.ops.sum(keras.ops.exp(scores), axis=-1))
        """, """
        import keras

        def log_partition(scores):
            return keras.ops.logsumexp(scores, axis=-1)
        """,
        proof=ROWS),
    bad("numpy", """
        import numpy as np

        def log_mean_likelihood(log_likelihoods):
            return np.log(np.mean(np.exp(log_likelihoods)))
        """, title="log-mean-exp is reported without a fix"),
    bad("numpy", """
        import math

        def log_evidence(log_weights):
            return math.log(sum(math.exp(w) for w in log_weights))
        """, title="pure Python is reported without a fix"),
    good("numpy", """
        import numpy as np

        def log_partition(scores):
            shift = scores.max(axis=1, keepdims=True)
            return shift + np.log(np.sum(np.exp(scores - scores.max(axis=1, keepdims=True)), axis=1, keepdims=True))
        """, title="already shifted by the maximum"),
    good("torch", """
        import torch

        def log_partition(scores):
            m = scores.max(dim=-1, keepdim=True).values
            return m + torch.log(torch.sum(torch.exp(scores - m), dim=-1, keepdim=True))
        """, title="shifted by a maximum held in a name"),
    bad("torch", """
        import torch

        def log_partition(scores):
            centered = scores - scores.mean(dim=-1, keepdim=True)
            return torch.log(torch.sum(torch.exp(centered), dim=-1))
        """, """
        import torch

        def log_partition(scores):
            centered = scores - scores.mean(dim=-1, keepdim=True)
            return torch.logsumexp(centered, dim=-1)
        """, title="centering by the mean is not a max shift",
        proof=Proof(extreme={"scores": [[3000.0, 3000.0, 0.0], [-1.0, 0.0, 1.0]]}, reference="scipy.special.logsumexp(scores - scores.mean(axis=-1, keepdims=True), axis=-1)")),
    good("jax", """
        import jax.numpy as jnp

        def log_partition(scores):
            shifted = scores - jnp.max(scores, axis=-1, keepdims=True)
            return jnp.log(jnp.sum(jnp.exp(shifted), axis=-1))
        """, title="shifted by the maximum in an earlier statement"),
    good("torch", """
        import torch

        def log_partition(scores):
            return torch.logsumexp(scores, dim=-1)
        """),
    bad("numpy", """
        import numpy as np

        def log_partition(x):
            e = np.exp(x)
            s = e.sum(axis=1)
            return np.log(s)
        """, """
        import numpy as np

        def log_partition(x):
            return np.logaddexp.reduce(x, axis=1)
        """, unsafe=True, title="across statements", proof=Proof(
            extreme={"x": _EXTREME}, reference="scipy.special.logsumexp(x, axis=1)",
            why="exp(1000) overflows to inf; exp(-1000) underflows to 0, and log(0) = -inf")),
    bad("cupy", """
        import cupy as cp


        def log_partition(scores):
            return cp.log(cp.sum(cp.exp(scores), axis=1))
        """, """
        from cupyx.scipy.special import logsumexp


        def log_partition(scores):
            return logsumexp(scores, axis=1)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
