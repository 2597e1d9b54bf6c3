"""NL501 log1p: `log(1 + x)` instead of `log1p(x)`."""

from numlint.engine.rule import Fixability, Proof, Rule, bad, good

from ._elementary import (constant, framework_for, naive_sigmoid, offset_from_one, rewrite,
                          rounded, variable)
from ._patterns import in_assertion


class Log1p(Rule):
    code = "NL501"
    name = "log1p"
    summary = "`log(1 + x)` loses every digit of `x` when `x` is small; use `log1p(x)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "add"), ("log", "sub"))

    what = """
Checks for `log(1 + x)`, `log(x + 1)` and `log(1 - x)` (with `1` or `1.0`, also held in a
name), as functions (`np.log`, `math.log`, `torch.log`, `tf.math.log`, `jnp.log`,
`keras.ops.log`) or methods (`(1 + x).log()`), with the sum in the same expression or in a name.

It is silent where no digit that matters can be lost: for a constant `x` (`log(1 - 0.2)`),
inside an assertion (the expected value of a test, written as the definition), when the log is
rounded to an integer (`int(log(1 + x, base))`, `floor`, `ceil`), and for `log(1 + v)` of a
plain variable, name or attribute (`log(1 + counts)`, `np.log(dur + 1)`), the
log-compression idiom for counts and magnitudes, which are 0 or at least 1 and so lose nothing;
`log(1 + v)` of a computed value (`log(1 + mu * abs(x))`, `log(1 + x / beta)`, `log(x**2 + 1)`)
and `log(1 - v)` of anything (a probability) are reported.

The log of `1 + exp(x)` is a softplus (NL503), of `1 - exp(x)` a log1mexp (NL507) and of
`1 - sigmoid(x)` a log-sigmoid (NL505 or, in a cross-entropy, NL201): those rules report them,
so that one hazard gives one finding.
"""
    why = """
`1 + x` is rounded before the log sees it: for `|x|` below 1.1e-16 in float64 (6e-8 in float32)
it is exactly `1` and the log is `0`, and for small `x` every digit of `x` lost in the rounding
is lost in the result: `log(1 + 1e-10)` is `1.00000008e-10` in float64 (7 correct digits of 16),
`log(1 + 1e-17)` is `0` (true `1e-17`); in float32 `log(1 + 1e-5)` is `9.5367e-06` (true
`9.99995e-06`). `log1p(x)` is correct to the last bit for every `x`. The loss appears wherever
`x` is small: probabilities, rates, learning-rate schedules, Box-Cox transforms.
"""
    fix_safety = """
The fix is safe: `log1p(x)` equals `log(1 + x)` wherever rounding `1 + x` loses nothing, and is
closer to the exact value wherever it loses something, so it is never less accurate (it is
`nan` and `-inf` where the original is). `log(1 - x)` becomes `log1p(-x)`. When the sum was
computed in an earlier statement (`t = 1 + x` ... `log(t)`) the fix is unsafe: it writes `x`
again where the log is (only when nothing rebinds the names in `x` in between and `x` calls
nothing). No fix is offered for a log with a base (`math.log(1 + x, 2)`) or when the operations
come from different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.log1p.html",
        "https://docs.python.org/3/library/math.html#math.log1p",
        "https://pytorch.org/docs/stable/generated/torch.log1p.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/log1p",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.log1p.html",
        "https://keras.io/api/ops/numpy/#log1p-function",
    )

    def check(self, ctx, op):
        term = offset_from_one(ctx, op.operand, op.scope, owned=_OWNED)
        if term is None or constant(term.x) or in_assertion(ctx, op.node) \
                or rounded(ctx, op.node):
            return
        if not term.negated and variable(term.x):
            return  # `log(1 + n)`: the log-compression of counts and magnitudes
        held = ctx.origin(term.x, term.origin.scope)
        if term.negated and naive_sigmoid(ctx, held.expr, held.scope) is not None:
            return  # `log(1 - 1 / (1 + exp(-x)))`: a log-sigmoid (NL505)
        fix = None
        framework = framework_for(ctx, "log1p", op)
        if op.is_plain() and framework is not None:
            fix = rewrite(ctx, op, term, "log1p", framework)
        sign = "-" if term.negated else "+"
        ctx.report(op.node, f"`log(1 {sign} x)` loses the digits of `x` that `1 {sign} x` "
                            f"rounds away; use `log1p({'-' if term.negated else ''}x)`", fix)


# Terms whose log is another rule's finding: `log(1 + exp(x))` is a softplus (NL503),
# `log(1 - exp(x))` a log1mexp (NL507), `log(1 - sigmoid(x))` a log-sigmoid (NL505, NL201).
_OWNED = {False: ("exp",), True: ("exp", "sigmoid")}


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Values whose digits `1 + x` rounds away: 29 bits lost in float64 for 1e-10, all for 1e-17.
_SMALL = [1e-10, -3e-12, 1e-17]
LOG1P = Proof(extreme={"x": _SMALL}, reference="np.log1p(np.abs(x))",
              exact="mpmath.log1p(abs(x))",
              why="1 + 1e-17 rounds to 1, and log(1) = 0; log1p(1e-17) = 1e-17")
LOG1P_NEG = Proof(extreme={"p": _SMALL}, reference="np.log1p(-p)", exact="mpmath.log1p(-p)",
                  why="1 - 1e-17 rounds to 1, and log(1) = 0; log1p(-1e-17) = -1e-17")

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def compress(x):
            return np.log(1 + np.abs(x))
        """, """
        import numpy as np

        def compress(x):
            return np.log1p(np.abs(x))
        """, proof=Proof(extreme={"x": _SMALL}, reference="np.log1p(np.abs(x))",
                         exact="mpmath.log1p(abs(x))",
                         why="1 + 1e-17 rounds to 1, and log(1) = 0; log1p(1e-17) = 1e-17")),
    bad("numpy", """
        import numpy as np

        def log_survival(p):
            return np.log(1.0 - p)
        """, """
        import numpy as np

        def log_survival(p):
            return np.log1p(-p)
        """, title="`log(1 - p)` is `log1p(-p)`", proof=LOG1P_NEG),
    bad("numpy", """
        import math

        def log_growth(rate, dt):
            return math.log(rate * dt + 1)
        """, """
        import math

        def log_growth(rate, dt):
            return math.log1p(rate * dt)
        """, title="Python's math module"),
    bad("numpy", """
        import numpy as np

        def log_growth(rate, dt):
            growth = 1 + rate * dt
            return np.log(growth)
        """, """
        import numpy as np

        def log_growth(rate, dt):
            return np.log1p(rate * dt)
        """, unsafe=True, title="the sum in a name: the fix is unsafe",
        proof=Proof(extreme={"rate": _SMALL, "dt": [1.0, 0.5, 2.0]},
                    reference="np.log1p(rate * dt)", exact="mpmath.log1p(rate * dt)")),
    bad("numpy", """
        import math

        def log2_growth(rate, dt):
            return math.log(1 + rate * dt, 2)
        """, title="a log with a base is reported without a fix"),
    bad("torch", """
        import torch

        def compress(x):
            return torch.log(1 + x.abs())
        """, """
        import torch

        def compress(x):
            return torch.log1p(x.abs())
        """, proof=LOG1P),
    bad("torch", """
        import torch

        def log_survival(p):
            return (1 - p).log()
        """, """
        import torch

        def log_survival(p):
            return torch.log1p(-p)
        """, title="method", proof=LOG1P_NEG),
    bad("torch", """
        import torch

        def compress(x):
            return (x.abs() + 1.0).log()
        """, """
        import torch

        def compress(x):
            return x.abs().log1p()
        """, title="method", proof=LOG1P),
    bad("tensorflow", """
        import tensorflow as tf

        def compress(x):
            return tf.math.log(1.0 + tf.abs(x))
        """, """
        import tensorflow as tf

        def compress(x):
            return tf.math.log1p(tf.abs(x))
        """, proof=LOG1P),
    bad("tensorflow", """
        import tensorflow as tf

        def log_survival(p):
            return tf.log(1 - p)
        """, """
        import tensorflow as tf

        def log_survival(p):
            return tf.math.log1p(-p)
        """, title="TensorFlow 1"),
    bad("jax", """
        import jax.numpy as jnp

        def compress(x):
            return jnp.log(1 + jnp.abs(x))
        """, """
        import jax.numpy as jnp

        def compress(x):
            return jnp.log1p(jnp.abs(x))
        """, proof=LOG1P),
    bad("jax", """
        import jax.numpy as jnp

        ONE = 1.0

        def log_survival(p):
            return jnp.log(ONE - p)
        """, """
        import jax.numpy as jnp

        ONE = 1.0

        def log_survival(p):
            return jnp.log1p(-p)
        """, title="`1` held in a name", proof=LOG1P_NEG),
    bad("keras", """
        import keras

        def compress(x):
            return keras.ops.log(1 + keras.ops.abs(x))
        """, """
        import keras

        def compress(x):
            return keras.ops.log1p(keras.ops.abs(x))
        """, proof=LOG1P),
    good("numpy", """
        import numpy as np

        def log_growth(rate):
            return np.log1p(rate)
        """),
    good("numpy", """
        import numpy as np

        def log_counts(counts):
            return np.log(counts + 1)
        """, title="the log-compression of a plain variable (counts: 0 or at least 1)"),
    good("numpy", """
        import math

        def levels(n):
            return int(math.log(1 + n / 2, 2))
        """, title="a log rounded to an integer"),
    good("numpy", """
        import numpy as np
        from numpy.testing import assert_allclose

        def test_transform(x, transform):
            assert_allclose(transform(x), np.log(1 - 2 * x))
            return np.log(1 - 0.2)
        """, title="an expected value in a test; a constant"),
    good("numpy", """
        import numpy as np

        def log_shifted(x):
            return np.log(2 + x)
        """, title="only a 1 cancels against a small x"),
    good("numpy", """
        import numpy as np

        def softplus(x):
            return np.log(1 + np.exp(x))
        """, title="a softplus is NL503's finding"),
    good("torch", """
        import torch

        def log1mexp(x):
            return torch.log(1 - torch.exp(x))
        """, title="`log(1 - exp(x))` is NL507's finding"),
    good("torch", """
        import torch

        def log_not(z):
            p = torch.sigmoid(z)
            return torch.log(1 - p), torch.log(1 - 1 / (1 + torch.exp(-z)))
        """, title="`log(1 - sigmoid(z))` is a log-sigmoid, NL505's finding"),
)
