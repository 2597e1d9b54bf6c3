"""NL504 naive-sigmoid: `1 / (1 + exp(-x))` and `exp(x) / (1 + exp(x))` instead of a sigmoid."""

from numlint.engine.rule import Fixability, Proof, Rule, bad, good

from ._elementary import constant, framework_for, logged, naive_sigmoid, rewrite
from ._patterns import in_assertion


class NaiveSigmoid(Rule):
    code = "NL504"
    name = "naive-sigmoid"
    summary = ("a sigmoid written with `exp` overflows: `exp(x) / (1 + exp(x))` is NaN for "
               "large `x`, `1 / (1 + exp(-x))` has NaN gradients; use a sigmoid function")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    opt_in = "precision 8/10 on the ecosystem corpus (reference definitions of the sigmoid in JAX)"
    operations = ("div",)
    requires = (("div", "exp"),)

    what = """
Checks for a logistic sigmoid written by hand: `1 / (1 + exp(-x))` (with `1` or `1.0`, also
held in a name) and `exp(x) / (1 + exp(x))`, `exp(x) / (exp(x) + 1)`, with the exponential or
the sum in the same expression or held in names, the exponential as a function or a method.

It is silent for a constant, inside an assertion, and under a log (`log(1 / (1 + exp(-x)))`
and `log(1 - 1 / (1 + exp(-x)))` are log-sigmoids, NL505's finding).
"""
    why = """
`exp` overflows to `inf` above 709.78 in float64 (88.72 in float32). `exp(x) / (1 + exp(x))` is
then `inf / inf = nan`: at `x = 1000` it is NaN (true 1). `1 / (1 + exp(-x))` gets the right
value, 0, at `x = -1000`, but only through `1 / inf`: it raises overflow warnings
(`FloatingPointError` under `np.errstate(over="raise")`), and its gradient,
`exp(-x) / (1 + exp(-x))**2`, is `inf / inf = nan` there, in float32 already at `x = -100`: one
such input makes every gradient of a training step NaN. A sigmoid function switches formulas by
sign and has neither problem.
"""
    fix_safety = """
The fix is safe: `scipy.special.expit`, `torch.sigmoid`, `tf.math.sigmoid`, `jax.nn.sigmoid`
and `keras.ops.sigmoid` equal the naive forms to rounding wherever those are finite, and give
the limit (0 or 1) and finite gradients where they overflow. In NumPy code that does not import
SciPy the finding has no fix: the NumPy-only `0.5 * (1 + tanh(x / 2))` cancels for negative `x`
(relative error 2e-4 at `x = -30`, 4e-2 at `x = -36`, where the naive form is exact), so it
is not offered; neither is a fix for Python's `math`, which has no sigmoid. When the
exponential or the sum was computed in an earlier statement the fix is unsafe (it writes `x`
again where the division is, only when nothing rebinds its names in between and `x` calls
nothing).
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.expit.html",
        "https://pytorch.org/docs/stable/generated/torch.sigmoid.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/sigmoid",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.sigmoid.html",
        "https://keras.io/api/ops/nn/#sigmoid-function",
    )

    def check(self, ctx, op):
        found = naive_sigmoid(ctx, op.node, op.scope)
        if found is None or constant(found.exp.operand) or in_assertion(ctx, op.node) \
                or logged(ctx, op.node):
            return
        fix = None
        framework = framework_for(ctx, "sigmoid", found.exp)
        if found.exp.is_plain() and framework is not None:
            fix = rewrite(ctx, found.exp, found.term, "sigmoid", framework, node=op.node)
        if found.term.negated:
            message = ("`1 / (1 + exp(-x))` overflows for large negative `x`: overflow "
                       "warnings and NaN gradients; use a sigmoid function")
        else:
            message = ("`exp(x) / (1 + exp(x))` is `inf / inf = nan` for large `x`; use a "
                       "sigmoid function")
        ctx.report(op.node, message, fix)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# exp(1000) overflows in float64 and float32: inf / inf.
RATIO = Proof(extreme={"x": [1000.0, -1000.0, 0.5]}, reference="scipy.special.expit(x)",
              why="exp(1000) overflows to inf, and inf / inf = nan")
# The values of `1 / (1 + exp(-x))` are right; its gradient at -1000 is inf / inf.
RECIPROCAL = Proof(extreme={"x": [-1000.0, 0.5, 30.0]}, reference="scipy.special.expit(x)",
                   naive_gradient=True,
                   why="exp(1000) overflows to inf: the value 1 / inf = 0 is right, the "
                       "gradient inf / inf is NaN")

EXAMPLES = (
    bad("numpy", """
        import numpy as np
        import scipy.special

        def probability(x):
            return np.exp(x) / (1 + np.exp(x))
        """, """
        import scipy.special

        def probability(x):
            return scipy.special.expit(x)
        """, proof=RATIO),
    bad("numpy", """
        import numpy as np
        from scipy.special import logsumexp

        def probability(logit):
            return 1.0 / (1.0 + np.exp(-logit))
        """, """
        from scipy.special import expit, logsumexp

        def probability(logit):
            return expit(logit)
        """, title="`1 / (1 + exp(-x))`"),
    bad("numpy", """
        import numpy as np

        def probability(logit):
            return 1 / (1 + np.exp(-logit))
        """, title="NumPy without SciPy: reported without a fix"),
    bad("torch", """
        import torch

        def gate(x):
            return 1 / (1 + torch.exp(-x))
        """, """
        import torch

        def gate(x):
            return torch.sigmoid(x)
        """, proof=RECIPROCAL),
    bad("torch", """
        import torch

        def gate(x):
            e = x.exp()
            return e / (e + 1)
        """, """
        import torch

        def gate(x):
            return x.sigmoid()
        """, unsafe=True, title="through a name: the fix is unsafe", proof=RATIO),
    bad("tensorflow", """
        import tensorflow as tf

        def gate(x):
            return tf.exp(x) / (tf.exp(x) + 1.0)
        """, """
        import tensorflow as tf

        def gate(x):
            return tf.sigmoid(x)
        """, proof=RATIO),
    bad("jax", """
        import jax.numpy as jnp

        def gate(x):
            return 1.0 / (1.0 + jnp.exp(-x))
        """, """
        import jax

        def gate(x):
            return jax.nn.sigmoid(x)
        """, proof=RECIPROCAL),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def gate(x):
            return jnp.exp(x) / (1 + jnp.exp(x))
        """, """
        import jax

        def gate(x):
            return jax.nn.sigmoid(x)
        """, proof=RATIO),
    bad("keras", """
        import keras

        def gate(x):
            return keras.ops.exp(x) / (1 + keras.ops.exp(x))
        """, """
        import keras

        def gate(x):
            return keras.ops.sigmoid(x)
        """, proof=RATIO),
    good("torch", """
        import torch

        def gate(x):
            return torch.sigmoid(x)
        """),
    good("numpy", """
        import numpy as np

        def ratio(x, y):
            return 1 / (2 + np.exp(-x)), np.exp(x) / (1 + np.exp(y)), 1 / (1 + np.exp(-1.0))
        """, title="not a sigmoid; a constant"),
    good("jax", """
        import jax.numpy as jnp

        def log_probability(x):
            return jnp.log(1 / (1 + jnp.exp(-x)))
        """, title="under a log: NL505's finding"),
)
