"""NL508 sqrt-of-exp: `sqrt(exp(x))` or `exp(x) ** 0.5` instead of `exp(0.5 * x)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._special import framework as _framework


class SqrtOfExp(Rule):
    code = "NL508"
    name = "sqrt-of-exp"
    summary = ("`sqrt(exp(x))` overflows, underflows and has NaN gradients where `exp(0.5 * x)` "
               "does not")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("sqrt", "pow")
    requires = (("sqrt", "exp"), ("pow", "exp"))

    what = """
Checks for the square root of an exponential: `sqrt(exp(x))` (`np.sqrt(np.exp(x))`,
`math.sqrt(math.exp(x))`, `torch.sqrt(torch.exp(x))`, `x.exp().sqrt()`,
`tf.sqrt(tf.exp(x))`, `jnp.sqrt(jnp.exp(x))`, `keras.ops.sqrt(keras.ops.exp(x))`) and
`exp(x) ** 0.5` (also `pow(exp(x), 0.5)`, `np.power(np.exp(x), 0.5)`, `x.exp().pow(0.5)`),
also when the exponential was assigned to a name first (`var = torch.exp(log_var)` ...
`torch.sqrt(var)`): the standard deviation of a variational autoencoder computed from its
log-variance.
"""
    why = """
`exp(x)` is formed before its square root, so it overflows and underflows at half the range
that `exp(0.5 * x)` covers: in float32 `sqrt(exp(100))` is `inf` (true 5.18e21) and
`sqrt(exp(-120))` is `0` (true 8.76e-27); in float64 the limits are 709.78 and -745. The
gradient breaks with it: the derivative of `sqrt` at the underflowed 0 is `inf`, times the
derivative of `exp`, 0, gives NaN, so `torch.sqrt(torch.exp(x))` at `x = -120` in float32 has
gradient NaN (as in TensorFlow and JAX), and one NaN gradient poisons every weight after the
next optimizer step. A log-variance is a network's unbounded output: a confident posterior or
a spike early in training takes it there. `exp(0.5 * x)` has the gradient `4.38e-27` there,
and is finite wherever its value is.

Breaking input: `x = [-120, 100]` in float32 gives `[0, inf]` with gradient `[nan, nan]`;
`exp(0.5 * x)` gives `[8.76e-27, 5.18e21]` with gradient `[4.38e-27, 2.59e21]`.
"""
    fix_safety = """
The fix is safe: `exp(0.5 * x)` is the same number (`0.5 * x` is exact, and one rounded `exp`
is at least as accurate as a rounded `exp` followed by a rounded `sqrt`), and it is finite
where the original overflowed to `inf` or underflowed to 0. It calls the same function the
code calls (`tf.math.exp` stays `tf.math.exp`, `math.exp` stays `math.exp`); the method chain
`x.exp().sqrt()` becomes `torch.exp(0.5 * x)`, offered only where the module imports the
library. When the exponential was assigned in an earlier statement the fix is unsafe (the
name may be rebound, and the square root now recomputes the exponential), and it is offered
only when nothing rebinds `x` in between. No fix is offered when a call has extra arguments
(`out=`, `dtype=`) or the operations come from different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.exp.html",
        "https://pytorch.org/docs/stable/generated/torch.exp.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/exp",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.exp.html",
        "https://keras.io/api/ops/numpy/#exp-function",
    )

    def check(self, ctx, op):
        base = _root_base(op)
        if base is None:
            return
        origin = ctx.origin(base, op.scope)
        exp = origin.op
        if exp is None or exp.kind != "exp" or exp.operand is None:
            return
        fix = None
        framework = _framework(ctx, op, exp)
        if framework is not None and (op.kind == "pow" or op.is_plain()) \
                and exp.is_plain() \
                and (not origin.remote or ctx.portable(origin, op.node, exp.operand)):
            replacement = ctx.render("exp_half", framework, op.scope, like=exp, x=exp.operand)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}(0.5 * x)`",
                          Applicability.UNSAFE if origin.remote else Applicability.SAFE)
        ctx.report(op.node, "`sqrt(exp(x))` overflows, underflows and has NaN gradients; use "
                            "`exp(0.5 * x)`", fix)


def _root_base(op):
    """The `y` of `sqrt(y)`, `y ** 0.5`, `pow(y, 0.5)` or `y.pow(0.5)`; None otherwise (a
    power with any argument besides its base and exponent included)."""
    if op.kind == "sqrt":
        return op.operand
    if op.form == "operator":
        base, exponent = op.left, op.right
    else:
        extra = op.extra_args()
        if len(extra) != 1:
            return None
        base, exponent = op.operand, op.arg(extra[0])
    if isinstance(exponent, ast.Constant) and type(exponent.value) is float \
            and exponent.value == 0.5:
        return base
    return None


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# float32: exp(100) overflows and exp(-120) underflows to 0 (gradient NaN); exp(50) and
# exp(-60) do not. float64 needs inputs beyond 709.78 (and a fix that stays below 1419).
_WHY32 = ("exp(-120) underflows to 0 in float32, where sqrt's gradient is inf * 0 = NaN; "
          "exp(100) overflows")
_WHY64 = "exp(1000) overflows to inf in float64; exp(500) does not"


def _proof32(name):
    return Proof(extreme={name: [[-120.0, 100.0], [0.5, -3.0]]},
                 reference=f"np.exp(0.5 * {name})", dtypes=("float32",), why=_WHY32)


def _proof64(name):
    return Proof(extreme={name: [[-1500.0, 1000.0], [0.5, -3.0]]},
                 reference=f"np.exp(0.5 * {name})", dtypes=("float64",), why=_WHY64)


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def posterior_std(log_var):
            return np.sqrt(np.exp(log_var))
        """, """
        import numpy as np

        def posterior_std(log_var):
            return np.exp(0.5 * log_var)
        """,
        proof=_proof64("log_var")),
    bad("numpy", """
        import numpy as np

        def kernel_scale(log_amplitude):
            return np.exp(log_amplitude) ** 0.5
        """, """
        import numpy as np

        def kernel_scale(log_amplitude):
            return np.exp(0.5 * log_amplitude)
        """, title="the `** 0.5` operator",
        proof=_proof32("log_amplitude")),
    bad("numpy", """
        import math

        def scale(log_var):
            return math.sqrt(math.exp(log_var))
        """, """
        import math

        def scale(log_var):
            return math.exp(0.5 * log_var)
        """, title="Python's `math` stays `math`"),
    bad("torch", """
        import torch

        def reparameterize(mu, logvar, eps):
            std = torch.sqrt(torch.exp(logvar))
            return mu + eps * std
        """, """
        import torch

        def reparameterize(mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            return mu + eps * std
        """,
        proof=Proof(extreme={"mu": [[0.0, 0.0]], "logvar": [[-1500.0, 1000.0]],
                             "eps": [[1.0, 1.0]]},
                    reference="mu + eps * np.exp(0.5 * logvar)", dtypes=("float64",),
                    why=_WHY64)),
    bad("torch", """
        import torch

        def posterior_std(logvar):
            return logvar.exp().sqrt()
        """, """
        import torch

        def posterior_std(logvar):
            return torch.exp(0.5 * logvar)
        """, title="method chain",
        proof=_proof32("logvar")),
    bad("torch", """
        import torch

        def posterior_std(logvar):
            return logvar.exp().pow(0.5)
        """, """
        import torch

        def posterior_std(logvar):
            return torch.exp(0.5 * logvar)
        """, title="`pow(0.5)`",
        proof=_proof32("logvar")),
    bad("torch", """
        import torch

        def posterior_std(logvar):
            var = torch.exp(logvar)
            return torch.sqrt(var)
        """, """
        import torch

        def posterior_std(logvar):
            return torch.exp(0.5 * logvar)
        """, unsafe=True, title="across statements (unsafe)",
        proof=_proof32("logvar")),
    bad("tensorflow", """
        import tensorflow as tf

        def sample_z(z_mean, log_sigma_sq, eps):
            return z_mean + tf.sqrt(tf.exp(log_sigma_sq)) * eps
        """, """
        import tensorflow as tf

        def sample_z(z_mean, log_sigma_sq, eps):
            return z_mean + tf.exp(0.5 * log_sigma_sq) * eps
        """,
        proof=Proof(extreme={"z_mean": [[0.0, 0.0]], "log_sigma_sq": [[-1500.0, 1000.0]],
                             "eps": [[1.0, 1.0]]},
                    reference="np.exp(0.5 * log_sigma_sq)", dtypes=("float64",), why=_WHY64)),
    bad("tensorflow", """
        import tensorflow as tf

        def posterior_std(log_var):
            return tf.math.sqrt(tf.math.exp(log_var))
        """, """
        import tensorflow as tf

        def posterior_std(log_var):
            return tf.math.exp(0.5 * log_var)
        """, title="`tf.math`",
        proof=_proof32("log_var")),
    bad("jax", """
        import jax.numpy as jnp

        def posterior_std(log_var):
            return jnp.sqrt(jnp.exp(log_var))
        """, """
        import jax.numpy as jnp

        def posterior_std(log_var):
            return jnp.exp(0.5 * log_var)
        """,
        proof=_proof64("log_var")),
    bad("jax", """
        import jax.numpy as jnp

        def posterior_std(log_var):
            return jnp.power(jnp.exp(log_var), 0.5)
        """, """
        import jax.numpy as jnp

        def posterior_std(log_var):
            return jnp.exp(0.5 * log_var)
        """, title="`power(..., 0.5)`",
        proof=_proof32("log_var")),
    bad("keras", """
        import keras

        def posterior_std(log_var):
            return keras.ops.sqrt(keras.ops.exp(log_var))
        """, """
        import keras

        def posterior_std(log_var):
            return keras.ops.exp(0.5 * log_var)
        """,
        proof=_proof64("log_var")),
    good("torch", """
        import torch

        def reparameterize(mu, logvar):
            std = torch.exp(0.5 * logvar)
            return mu + torch.randn_like(std) * std
        """),
    good("numpy", """
        import numpy as np

        def f(x):
            return np.sqrt(np.exp(x) + 1.0), np.exp(x) ** 2, np.sqrt(x)
        """, title="other roots and powers"),
    good("tensorflow", """
        import tensorflow as tf

        def posterior_std(log_var):
            return tf.exp(log_var / 2)
        """),
)
