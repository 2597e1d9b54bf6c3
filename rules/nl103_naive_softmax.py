"""NL103 naive-softmax: `exp(x) / sum(exp(x))` without a max shift instead of `softmax(x)`."""

import ast

from numlint.engine.rule import Applicability, Arg, Fixability, Proof, Rule, bad, good
from numlint.engine.table.schema import ALL

from ._patterns import NONPOS, shifted_by_max, sign


class NaiveSoftmax(Rule):
    code = "NL103"
    name = "naive-softmax"
    summary = "`exp(x) / sum(exp(x))` gives NaN for large or very negative `x`; use `softmax`"
    frameworks = ("numpy", "torch", "tensorflow", "jax")
    fixable = Fixability.SOMETIMES
    operations = ("div",)
    requires = (("exp", "sum", "div"),)

    what = """
Checks for a softmax written by hand: the exponential of `x` divided by its sum,
`exp(x) / sum(exp(x), axis, keepdims=True)`, with the sum as a function or a method, in one
expression or across statements (`e = exp(z)` ... `e / e.sum(axis=-1, keepdims=True)`). It is
silent when `x` is already shifted by its maximum (`exp(x - x.max(axis, keepdims=True))`)
or by its `logsumexp`, also through names and dtype casts and on every path that binds it
(both arms of an `if`; a loop that binds a function's local unbound before it, which has run
wherever the name is read), and when `x` is known to be non-positive, as in a Gaussian
kernel `exp(-0.5 * (d / sigma) ** 2) / sum(...)`, which cannot overflow.
"""
    why = """
`exp` overflows to `inf` above 709.78 in float64 (88.72 in float32), and `inf / inf` is NaN;
it underflows to `0` below -745 (-104 in float32), and `0 / 0` is NaN. A softmax function
subtracts the maximum first and is exact over the whole range.

Breaking input: `x = [[1000, 999], [-1000, -1001]]` over axis 1 gives `[[nan, nan], [nan, nan]]`
instead of `[[0.7311, 0.2689], [0.7311, 0.2689]]`; in float32, `[100, 99]` already gives NaN.
"""
    fix_safety = """
In one expression the fix is safe: the softmax reduces over the same axis, and returns the same
values wherever the original was finite. It is offered only when the sum keeps its dimensions
(`keepdims=True`) or reduces every element; summing over an axis without `keepdims` only
broadcasts correctly for 1-D input (on a matrix it divides by the wrong sums, or raises), so
that form is reported without a fix. NumPy code that does not import SciPy gets
`np.exp(x - np.logaddexp.reduce(x, axis, keepdims=True))` rather than a new dependency. When
the exponential was assigned in an earlier statement the fix is unsafe (it recomputes `x` where
the division is, and removes the exponential's assignment where nothing else reads it). No fix
is offered for a full reduction in PyTorch and TensorFlow, whose softmax functions take one
axis.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.softmax.html",
        "https://pytorch.org/docs/stable/generated/torch.softmax.html",
        "https://www.tensorflow.org/api_docs/python/tf/nn/softmax",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.softmax.html",
    )

    def check(self, ctx, op):
        numerator = ctx.origin(op.left, op.scope)
        exp = numerator.op
        if exp is None or exp.kind != "exp" or exp.operand is None:
            return
        denominator = ctx.origin(op.right, op.scope)
        total = denominator.op
        if total is None or total.kind != "sum" or total.operand is None:
            return
        summed = ctx.origin(total.operand, denominator.scope)
        inner = summed.op
        if inner is None or inner.kind != "exp":
            return
        if inner.node is not exp.node and not ctx.same(inner.operand, exp.operand):
            return
        if shifted_by_max(ctx, exp.operand, numerator.scope):
            return
        if sign(ctx, exp.operand, numerator.scope) is NONPOS:
            return  # a Gaussian kernel, `exp(-d**2 / 2)`: it cannot overflow
        fix = self._fix(ctx, op, exp, total, numerator, denominator, summed)
        ctx.report(op.node, "`exp(x) / sum(exp(x))` overflows to NaN; use `softmax`", fix)

    def _fix(self, ctx, op, exp, total, *origins):
        framework = ctx.framework(exp, total)
        if framework is None or not (exp.is_plain() and total.is_plain()):
            return None
        if not all(ctx.portable(o, op.node, copied=exp.operand) for o in origins if o.remote):
            return None
        args = ctx.args_of(total)
        axis = args.get("axis")
        if axis is not None and not _is_true(total.keepdims):
            return None  # a broadcasting bug unless the input is 1-D: report only
        full = axis is None and total.default_axis == ALL
        if axis is None and not full:
            return None
        safety = Applicability.UNSAFE if any(o.remote for o in origins) else Applicability.SAFE
        replacement = ctx.stable("softmax", framework, exp.operand, op.scope,
                                 args={"axis": axis} if axis is not None else {},
                                 like=None, method=exp.form == "method",
                                 source_default=ALL if full else None)
        message = "Replace with `{callee}`"
        if replacement is None:  # NumPy without SciPy: `exp(x - logsumexp(x))`
            message = "Replace with `{callee}(x - logsumexp(x))`"
            shift_args = {"axis": axis} if axis is not None else {}
            shift_args["keepdims"] = Arg("True", keyword="keepdims")
            shift = ctx.stable("logsumexp", framework, exp.operand, op.scope,
                               args=shift_args, source_default=ALL)
            if shift is not None:
                replacement = ctx.render("exp_shifted", framework, op.scope, like=exp,
                                         x=exp.operand, shift=shift.text)
                if replacement is not None:
                    replacement.imports = shift.imports + replacement.imports
        return ctx.fix(op.node, replacement, message, safety)


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes.
_EXTREME = [[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -1002.0]]
ROWS = Proof(
    extreme={"logits": _EXTREME},
    reference="scipy.special.softmax(logits, axis=-1)",
    why="exp(1000) = inf and inf / inf = nan; exp(-1000) = 0 and 0 / 0 = nan",
)


EXAMPLES = (
    bad("numpy", """
        import numpy as np
        from scipy.special import logsumexp

        def probabilities(scores):
            return np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        """, """
        from scipy.special import logsumexp, softmax

        def probabilities(scores):
            return softmax(scores, axis=1)
        """,
        proof=Proof(extreme={"scores": _EXTREME}, reference="scipy.special.softmax(scores, axis=1)")),
    bad("numpy", """
        import numpy as np

        def probabilities(scores):
            return np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
        """, """
        import numpy as np

        def probabilities(scores):
            return np.exp(scores - np.logaddexp.reduce(scores, axis=-1, keepdims=True))
        """, title="NumPy only: no SciPy import is added",
        proof=Proof(extreme={"scores": _EXTREME}, reference="scipy.special.softmax(scores, axis=-1)")),
    bad("numpy", """
        import numpy as np

        def attention(q, k):
            weights = np.exp(q @ k.T)
            return weights / weights.sum(axis=-1, keepdims=True)
        """, """
        import numpy as np

        def attention(q, k):
            return np.exp(q @ k.T - np.logaddexp.reduce(q @ k.T, axis=-1, keepdims=True))
        """, unsafe=True, title="across statements (unsafe)",
        proof=Proof(extreme={"q": [[30.0, 0.0]], "k": [[30.0, 0.0], [0.0, 30.0]]}, reference="scipy.special.softmax(q @ k.T, axis=-1)")),
    bad("numpy", """
        import numpy as np

        def probabilities(scores):
            e = np.exp(scores)
            return e / e.sum(axis=1)
        """, title="no keepdims: only right for 1-D input, reported without a fix"),
    bad("torch", """
        import torch

        def probabilities(logits):
            return torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
        """, """
        import torch

        def probabilities(logits):
            return torch.softmax(logits, dim=1)
        """,
        proof=ROWS),
    bad("torch", """
        import torch

        def probabilities(logits):
            return logits.exp() / logits.exp().sum(-1, keepdim=True)
        """, """
        import torch

        def probabilities(logits):
            return logits.softmax(-1)
        """, title="method chain",
        proof=ROWS),
    bad("tensorflow", """
        import tensorflow as tf

        def probabilities(logits):
            return tf.exp(logits) / tf.reduce_sum(tf.exp(logits), axis=-1, keepdims=True)
        """, """
        import tensorflow as tf

        def probabilities(logits):
            return tf.nn.softmax(logits, axis=-1)
        """,
        proof=ROWS),
    bad("tensorflow", """
        import tensorflow as tf

        def probabilities(logits):
            return tf.exp(logits) / tf.reduce_sum(tf.exp(logits), reduction_indices=1, keep_dims=True)
        """, """
        import tensorflow as tf

        def probabilities(logits):
            return tf.nn.softmax(logits, axis=1)
        """, title="TensorFlow 1"),
    bad("jax", """
        import jax.numpy as jnp

        def probabilities(logits):
            return jnp.exp(logits) / jnp.sum(jnp.exp(logits))
        """, """
        import jax

        def probabilities(logits):
            return jax.nn.softmax(logits, axis=None)
        """, title="a full reduction",
        proof=Proof(extreme=ROWS.extreme, reference="scipy.special.softmax(logits)")),
    good("numpy", """
        import numpy as np

        def probabilities(scores):
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        """, title="shifted by the maximum"),
    good("torch", """
        import torch

        def probabilities(logits):
            shifted = logits - logits.amax(dim=-1, keepdim=True)
            return shifted.exp() / shifted.exp().sum(-1, keepdim=True)
        """, title="shifted by the maximum in an earlier statement"),
    good("jax", """
        import jax.numpy as jnp

        def kernel(row):
            row_max = jnp.max(row, axis=0)
            numerator = jnp.exp((row - row_max).astype(jnp.float32))
            return numerator / jnp.sum(numerator, axis=0)
        """, title="shifted by the maximum, then cast"),
    good("numpy", """
        import numpy as np

        def stable_scores(logits, mask):
            shifted = logits - masked_max(logits, mask)
            return np.exp(shifted) / np.sum(np.exp(shifted), axis=-1, keepdims=True)
        """, title="shifted by a value numlint cannot see: perhaps a maximum"),
    good("numpy", """
        import numpy as np
        from scipy.special import logsumexp

        def tempered_weights(loglik, low, high):
            while high - low > 1e-6:
                beta = (low + high) / 2
                log_w = beta * loglik - logsumexp(beta * loglik)
                if np.exp(-logsumexp(2 * log_w)) < len(loglik) / 2:
                    high = beta
                else:
                    low = beta
            w = np.exp(log_w)
            return w / w.sum()
        """, title="shifted on every path: bound only in a loop, which has run where it is read"),
    good("numpy", """
        import numpy as np

        def gaussian_kernel(sigma, radius):
            sigma2 = sigma * sigma
            x = np.arange(-radius, radius + 1)
            phi = np.exp(-0.5 / sigma2 * x ** 2)
            return phi / phi.sum()
        """, title="a Gaussian kernel: the exponent is never positive"),
    good("torch", """
        import torch

        def gaussian_kernel(x, sigma):
            pdf = torch.exp(-0.5 * (x / sigma).pow(2))
            return pdf / pdf.sum()
        """, title="a Gaussian kernel written with methods"),
    bad("numpy", """
        import numpy as np

        def probabilities(scores):
            centered = scores - scores.mean()
            return np.exp(centered) / np.sum(np.exp(centered))
        """, """
        import numpy as np

        def probabilities(scores):
            centered = scores - scores.mean()
            return np.exp(centered - np.logaddexp.reduce(centered, axis=None, keepdims=True))
        """, title="centering by the mean is not a max shift",
        proof=Proof(extreme={"scores": [[3000.0, 2999.0, 0.0], [-1.0, 0.0, 1.0]]}, reference="scipy.special.softmax(scores - scores.mean())")),
    good("numpy", """
        import numpy as np

        def ratio(a, b):
            return np.exp(a) / np.sum(np.exp(b))
        """, title="different inputs"),
)
