"""NL505 log-of-sigmoid: `log(sigmoid(x))` and `log(1 - sigmoid(x))` instead of `log_sigmoid`."""

import ast

from numlint.engine.rule import Fixability, Proof, Rule, bad, good

from ._elementary import (Term, constant, framework_for, naive_sigmoid, offset_from_one,
                          rewrite)
from ._passed import report_passed
from ._patterns import in_assertion


class LogOfSigmoid(Rule):
    code = "NL505"
    name = "log-of-sigmoid"
    summary = ("`log(sigmoid(x))` and `log(1 - sigmoid(x))` are `-inf` once the sigmoid "
               "underflows or rounds to 1; use `log_sigmoid`")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log", "sigmoid")
    requires = (("log", "sigmoid"), ("log", "div", "exp"))

    what = """
Checks for the log of a sigmoid, `log(sigmoid(x))`, and of its complement,
`log(1 - sigmoid(x))`, with the sigmoid as a function, a method, a layer or written by hand
(`1 / (1 + exp(-x))`), in the same expression or held in a name.

A log of sigmoid probabilities (also of a sigmoid written by hand, which NL504 reports)
inside a cross-entropy (multiplied by labels, selected by target,
fed to `nll_loss`, a hand-written binary cross-entropy) is NL201's finding, and this rule is
silent there, so that one hazard gives one finding; it reports the other logs of a sigmoid:
log-likelihoods (`log(sigmoid(pos)).mean()` in negative sampling), entropies
(`p * log(p)`), log-odds terms.

Also a sigmoid output passed to a function of the project that takes the log of that
parameter (`def log_lik(p): return torch.log(p).sum()` ... `log_lik(torch.sigmoid(z))`, the
function in the same module or in another): reported at the call site, naming the function
and the line of its log, without a fix (the function's contract would change), as NL101 does
for a softmax.
"""
    why = """
`sigmoid(x)` underflows to `0` below about -745 in float64 (-104 in float32) and rounds to
exactly `1.0` above about 37 in float64 (17 in float32), so `log(sigmoid(-1000))` is `-inf`
(true -1000) and `log(1 - sigmoid(40))` is `-inf` (true -40); the gradients are NaN. Even where
it is finite, `log(1 - sigmoid(x))` loses digits as the sigmoid approaches 1. `log_sigmoid(x)`
is `-softplus(-x)`, exact over the whole range; `1 - sigmoid(x)` is `sigmoid(-x)`.
"""
    fix_safety = """
The fix is safe: `log(sigmoid(x))` becomes `log_sigmoid(x)` (`scipy.special.log_expit`,
`F.logsigmoid`, `tf.math.log_sigmoid`, `jax.nn.log_sigmoid`, `keras.ops.log_sigmoid`) and
`log(1 - sigmoid(x))` becomes `log_sigmoid(-x)`, equal to the original wherever it was finite
and accurate; in NumPy code without SciPy it becomes `-np.logaddexp(0, -x)`. When the sigmoid or
the complement was computed in an earlier statement the fix is unsafe (it writes `x` again
where the log is, only when nothing rebinds its names in between and `x` calls nothing), and no
fix is offered for a sigmoid that is the last layer of a model. `F.logsigmoid` rejects integer
tensors, which `torch.sigmoid` accepted.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.log_expit.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/log_sigmoid",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.log_sigmoid.html",
        "https://keras.io/api/ops/nn/#log_sigmoid-function",
    )

    def check(self, ctx, op):
        if op.kind == "sigmoid":
            report_passed(ctx, op, ("log",), "takes the log of",
                          "passed a sigmoid output here: it is `-inf` once the sigmoid "
                          "underflows; pass the logits and use `log_sigmoid` there")
            return
        complement = offset_from_one(ctx, op.operand, op.scope)
        if complement is not None and not complement.negated:
            return  # `log(1 + sigmoid(x))`: NL501's business
        probability = complement.x if complement is not None else op.operand
        scope = complement.origin.scope if complement is not None else op.scope
        found = _sigmoid(ctx, probability, scope)
        if found is None or in_assertion(ctx, op.node):
            return
        logit, negated, origin, sigmoid = found
        if constant(logit) or _cross_entropy(ctx, op):
            return  # a cross-entropy term: NL201's (a sigmoid by hand: NL504's, then NL201's)
        if complement is not None:
            negated = not negated
            if complement.remote and not origin.remote:
                origin = complement.origin
        fix = None
        plain = sigmoid is None or (sigmoid.is_plain() and sigmoid.form not in _OPAQUE)
        if op.is_plain() and plain:
            term = Term(logit, negated, origin)
            framework = framework_for(ctx, "log_sigmoid", op, *([sigmoid] if sigmoid else []))
            stable = "log_sigmoid" if ctx.has_target("log_sigmoid", framework) else \
                "neg_softplus"
            if stable == "neg_softplus":  # `-logaddexp(0, -x)`: the negated logit
                term = Term(logit, not negated, origin)
            if framework is not None:
                fix = rewrite(ctx, op, term, stable, framework)
        if complement is not None:
            message = ("`log(1 - sigmoid(x))` is `-inf` once the sigmoid rounds to 1; use "
                       "`log_sigmoid(-x)`")
        else:
            message = ("`log(sigmoid(x))` is `-inf` once the sigmoid underflows to 0; use "
                       "`log_sigmoid(x)`")
        ctx.report(op.node, message, fix)


# Sigmoids whose input is out of reach: a model ending in one, a function returning one.
_OPAQUE = ("model", "returned")


def _sigmoid(ctx, expr, scope):
    """`(logit, negated, origin, op)` for a sigmoid `expr` holds (the sigmoid of `-logit` when
    `negated`; `op` None for one written by hand), or None."""
    origin = ctx.origin(expr, scope)
    if origin is None:
        return None
    op = origin.op
    if op is not None and op.kind == "sigmoid" and op.operand is not None:
        return op.operand, False, origin, op
    if op is not None and op.kind == "div":
        found = naive_sigmoid(ctx, origin.expr, origin.scope)
        if found is not None:
            where = found.term.origin if found.term.remote else origin
            return found.term.x, found.term.negated, where, None
    return None


def _cross_entropy(ctx, op) -> bool:
    """Whether the log `op` is a cross-entropy term, NL201's finding: multiplied by something
    other than its own operand (labels; `p * log(p)` is an entropy), selected by target
    (`log(p)[range(n), t]`, `.gather`) or fed to `nll_loss`."""
    parent = ctx.model.parent_of(op.node)
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Mult, ast.MatMult)):
        other = parent.right if parent.left is op.node else parent.left
        return not ctx.same(other, op.operand)
    if isinstance(parent, ast.Subscript) and parent.value is op.node:
        return True
    if isinstance(parent, ast.Attribute):
        parent = ctx.model.parent_of(parent)
    consumer = ctx.op(parent, op.scope) if isinstance(parent, ast.Call) else None
    return consumer is not None and consumer.kind in ("nll_loss", "gather")


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# sigmoid(-1000) underflows to 0 (float64 and float32); sigmoid(40) rounds to 1.
LOG_SIGMOID = Proof(extreme={"x": [-1000.0, 0.5, 3.0]},
                    reference="scipy.special.log_expit(x)",
                    why="sigmoid(-1000) underflows to 0, and log(0) = -inf")
LOG_COMPLEMENT = Proof(extreme={"x": [40.0, 1000.0, 0.5]},
                       reference="scipy.special.log_expit(-x)",
                       why="sigmoid(40) rounds to 1.0, and log(1 - 1) = -inf")

EXAMPLES = (
    bad("numpy", """
        import numpy as np
        from scipy.special import expit

        def log_likelihood(x):
            return np.log(expit(x))
        """, """
        from scipy.special import log_expit

        def log_likelihood(x):
            return log_expit(x)
        """, proof=LOG_SIGMOID),
    bad("numpy", """
        import numpy as np

        def log_likelihood(x):
            return np.log(1 / (1 + np.exp(-x)))
        """, """
        import numpy as np

        def log_likelihood(x):
            return -np.logaddexp(0, -x)
        """, title="a sigmoid by hand, NumPy without SciPy", proof=LOG_SIGMOID),
    bad("torch", """
        import torch

        def negative_sampling(pos, neg):
            return -(torch.log(torch.sigmoid(pos)) + torch.log(1 - torch.sigmoid(neg)))
        """, """
        import torch

        def negative_sampling(pos, neg):
            return -(torch.nn.functional.logsigmoid(pos) + torch.nn.functional.logsigmoid(-neg))
        """, title="the word2vec negative-sampling loss",
        proof=Proof(extreme={"pos": [-1000.0, 0.5], "neg": [40.0, 0.5]},
                    reference="-(scipy.special.log_expit(pos) + scipy.special.log_expit(-neg))")),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def log_not(x):
            p = x.sigmoid()
            return (1 - p).log()
        """, """
        import torch
        import torch.nn.functional as F

        def log_not(x):
            return F.logsigmoid(-x)
        """, unsafe=True, title="through a name: the fix is unsafe", proof=LOG_COMPLEMENT),
    bad("tensorflow", """
        import tensorflow as tf

        def log_not(x):
            return tf.math.log(1.0 - tf.sigmoid(x))
        """, """
        import tensorflow as tf

        def log_not(x):
            return tf.math.log_sigmoid(-x)
        """, proof=LOG_COMPLEMENT),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def log_likelihood(x):
            return jnp.log(jax.nn.sigmoid(x))
        """, """
        import jax

        def log_likelihood(x):
            return jax.nn.log_sigmoid(x)
        """, proof=LOG_SIGMOID),
    bad("keras", """
        import keras

        def log_likelihood(x):
            return keras.ops.log(keras.ops.sigmoid(x))
        """, """
        import keras

        def log_likelihood(x):
            return keras.ops.log_sigmoid(x)
        """, proof=LOG_SIGMOID),
    good("torch", """
        import torch

        def log_likelihood(x):
            return torch.nn.functional.logsigmoid(x)
        """),
    good("torch", """
        import torch

        def bce(z, y):
            p = torch.sigmoid(z)
            return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        """, title="a cross-entropy: NL201's finding"),
    good("jax", """
        import jax
        import jax.numpy as jnp

        def log_grow(x):
            return jnp.log(1 + jax.nn.sigmoid(x)), jnp.log(jax.nn.sigmoid(2.0))
        """, title="`log(1 + sigmoid(x))` is not a log-sigmoid; a constant"),
    bad("cupy", """
        import cupy as cp
        from cupyx.scipy.special import expit


        def log_likelihood(z):
            return cp.log(expit(z))
        """, """
        import cupy as cp


        def log_likelihood(z):
            return -cp.logaddexp(0, -z)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
    bad("torch", """
        import torch

        def log_likelihood(p):
            return torch.log(p).sum()

        def score(z):
            return log_likelihood(torch.sigmoid(z))
        """, title="a sigmoid passed to a function that takes its log: reported at the call"),
    good("torch", """
        import torch

        def log_likelihood(p):
            return torch.log(p.clamp_min(1e-12)).sum()

        def score(z):
            return log_likelihood(torch.sigmoid(z))
        """, title="a function that clamps before its log"),
)
