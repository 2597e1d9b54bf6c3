"""NL303 log-of-determinant: `log(det(A))` instead of `slogdet(A)` or `logdet(A)`."""

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._linalg import gram, plain


class LogOfDeterminant(Rule):
    code = "NL303"
    name = "log-of-determinant"
    summary = "`log(det(A))` overflows and underflows for large matrices; use `slogdet`"
    frameworks = ("numpy", "torch", "tensorflow", "jax")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "det"),)

    what = """
Checks for the logarithm of a determinant, `log(det(A))` and `log(abs(det(A)))`, in every
spelling (`np.log(np.linalg.det(A))`, `scipy.linalg.det`, `torch.log(torch.det(A))`,
`A.det().log()`, `tf.math.log(tf.linalg.det(A))`, `jnp.log(jnp.linalg.det(A))`), also when
the determinant was assigned to a name first.
"""
    why = """
A determinant is a product of `n` factors, so it overflows and underflows long before its
logarithm does: `det(0.1 * I)` for a 400×400 identity is `1e-400`, which is `0` in float64, and
its `log` is `-inf` instead of -921.03; `det(10 * I)` is `inf` instead of giving 921.03. In
float32 `0.1 * I` of size 46×46 already gives `-inf` (38×38 in JAX and TensorFlow, which flush
float32 subnormals to zero on CPU). The gradient is lost with the value: PyTorch's gradient of
`log(det(A))` at `A = 0.1 * I` (400×400) is NaN, that of `logdet` the true `10 * I`. `slogdet`
computes the sign and the logarithm of the absolute value from an LU factorisation, as a sum
of logarithms, and never forms the product.
"""
    fix_safety = """
PyTorch's `torch.logdet(A)` has exactly the semantics of `log(det(A))`, NaN for a negative
determinant and `-inf` for a singular matrix included: that fix is safe, and so is
`torch.linalg.slogdet(A).logabsdet` for `log(abs(det(A)))`. NumPy, JAX and TensorFlow have no
such function: `slogdet(A)[1]` is the logarithm of the absolute value, so it replaces
`log(abs(det(A)))` safely, and `log(det(A))` only where the determinant cannot be negative,
which the rule proves for a Gram matrix (`X.T @ X`, `X @ X.T`). Elsewhere `slogdet(A)[1]` is
offered as an unsafe fix: it differs from `log(det(A))` only where that was NaN (a negative
determinant, an indefinite covariance matrix say, becomes the finite logarithm of its absolute
value) or `-inf` (an underflow, the hazard itself); where the sign matters, write
`sign, logdet = slogdet(A)` and check the sign. TensorFlow's
`tf.linalg.logdet` is never the fix: it is a Cholesky factorisation, NaN for matrices that are
not positive definite and silently wrong for non-symmetric ones. When the determinant was
assigned in an earlier statement the fix is unsafe, and offered only when nothing rebinds
`A` in between. No fix is offered when the `log` has extra arguments (a base) or the
operations come from different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.linalg.slogdet.html",
        "https://pytorch.org/docs/stable/generated/torch.logdet.html",
        "https://pytorch.org/docs/stable/generated/torch.linalg.slogdet.html",
        "https://www.tensorflow.org/api_docs/python/tf/linalg/slogdet",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.linalg.slogdet.html",
    )

    def check(self, ctx, op):
        if op.operand is None:
            return
        origin = ctx.origin(op.operand, op.scope)
        inner = origin.op
        magnitude = None
        if inner is not None and inner.kind == "abs" and inner.operand is not None:
            magnitude = inner
            origin = ctx.origin(inner.operand, origin.scope)
            inner = origin.op
        if inner is None or inner.kind != "det":
            return
        det = inner
        origins = [ctx.origin(op.operand, op.scope), origin] if magnitude else [origin]
        framework = ctx.framework(op, det, *([magnitude] if magnitude else []))
        fix = None
        if det.operand is not None and framework is not None and op.is_plain() \
                and plain(det, binary=False) and (magnitude is None or magnitude.is_plain()) \
                and all(ctx.portable(o, op.node) for o in origins if o.remote):
            exact = True
            if magnitude:
                stable = "logabsdet"
            elif ctx.has_target("logdet", framework):
                stable = "logdet"  # exactly `log(det(A))`, NaN for a negative determinant
            elif gram(ctx, det.operand, origin.scope, outer=True):
                stable = "logabsdet"  # a Gram matrix's determinant is never negative
            else:
                # The sign is dropped: a finite number where `log` of a negative
                # determinant was NaN.
                stable, exact = "logabsdet", False
            replacement = ctx.render(stable, framework, op.scope, like=det, A=det.operand)
            remote = any(o.remote for o in origins)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}`",
                          Applicability.SAFE if exact and not remote else Applicability.UNSAFE)
        if magnitude:
            message = "`log(abs(det(A)))` overflows and underflows; use `slogdet(A)`"
        else:
            message = ("`log(det(A))` overflows and underflows; use `slogdet(A)` (and check "
                       "its sign)")
        ctx.report(op.node, message, fix)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------


def _scaled_identity(value: float, n: int = 100):
    return [[value if i == j else 0.0 for j in range(n)] for i in range(n)]


# `1e-4 * I` (100×100): its determinant 1e-400 underflows to 0 (in float32 too), its log is
# -921.03. `1e4 * I` overflows instead (`math.log(0)` raises, `math.log(inf)` is inf).
_SMALL, _LARGE = _scaled_identity(1e-4), _scaled_identity(1e4)
_WHY = ("det(1e-4 * I) of a 100x100 identity is 1e-400, which is 0 in float64; slogdet never "
        "forms it")


_SPD = [[2.0, 1.0], [1.0, 3.0]]
_TALL = [[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]


def _proof(name, reference, extreme=_SMALL, benign=_SPD):
    return Proof(extreme={name: extreme}, reference=reference, benign={name: benign}, why=_WHY)


LOG_DET = _proof("A", "np.linalg.slogdet(A)[1]")
LOG_DET_OVERFLOW = _proof("A", "np.linalg.slogdet(A)[1]", extreme=_LARGE)
LOG_DET_COV = _proof("cov", "np.linalg.slogdet(cov)[1]")
LOG_DET_JACOBIAN = _proof("jacobian", "np.linalg.slogdet(jacobian)[1]")
GRAM = _proof("X", "-0.5 * np.linalg.slogdet(X.T @ X)[1]", benign=_TALL)
OUTER_GRAM = _proof("K", "np.linalg.slogdet(K @ K.T)[1]", benign=[list(r) for r in zip(*_TALL)])


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def log_volume(A):
            return np.log(np.abs(np.linalg.det(A)))
        """, """
        import numpy as np

        def log_volume(A):
            return np.linalg.slogdet(A)[1]
        """,
        proof=LOG_DET),
    bad("numpy", """
        import numpy as np

        def gaussian_log_likelihood(X):
            return -0.5 * np.log(np.linalg.det(X.T @ X))
        """, """
        import numpy as np

        def gaussian_log_likelihood(X):
            return -0.5 * np.linalg.slogdet(X.T @ X)[1]
        """, title="a Gram matrix: the determinant is not negative",
        proof=GRAM),
    bad("numpy", """
        import numpy as np

        def log_normaliser(cov):
            return np.log(np.linalg.det(cov))
        """, """
        import numpy as np

        def log_normaliser(cov):
            return np.linalg.slogdet(cov)[1]
        """, unsafe=True,
        title="the sign of the determinant is unknown (unsafe: NaN becomes a number)",
        proof=LOG_DET_COV),
    bad("numpy", """
        import math
        import numpy as np
        from scipy import linalg

        def log_volume(A):
            return math.log(np.absolute(linalg.det(A)))
        """, """
        import numpy as np

        def log_volume(A):
            return np.linalg.slogdet(A)[1]
        """, title="SciPy's `det`, the standard library's `log`",
        proof=LOG_DET_OVERFLOW),
    bad("torch", """
        import torch

        def log_normaliser(cov):
            return torch.log(torch.linalg.det(cov))
        """, """
        import torch

        def log_normaliser(cov):
            return torch.logdet(cov)
        """,
        proof=LOG_DET_COV),
    bad("torch", """
        import torch

        def log_normaliser(cov):
            return cov.det().log()
        """, """
        import torch

        def log_normaliser(cov):
            return torch.logdet(cov)
        """, title="method chain",
        proof=LOG_DET_COV),
    bad("torch", """
        import torch

        def log_volume(jacobian):
            d = torch.det(jacobian)
            return torch.log(torch.abs(d))
        """, """
        import torch

        def log_volume(jacobian):
            return torch.slogdet(jacobian).logabsdet
        """, unsafe=True, title="across statements (unsafe; the dead assignment goes too)",
        proof=LOG_DET_JACOBIAN),
    bad("tensorflow", """
        import tensorflow as tf

        def log_volume(A):
            return tf.math.log(tf.abs(tf.linalg.det(A)))
        """, """
        import tensorflow as tf

        def log_volume(A):
            return tf.linalg.slogdet(A)[1]
        """,
        proof=LOG_DET),
    bad("tensorflow", """
        import tensorflow as tf

        def log_normaliser(cov):
            return tf.math.log(tf.linalg.det(cov))
        """, """
        import tensorflow as tf

        def log_normaliser(cov):
            return tf.linalg.slogdet(cov)[1]
        """, unsafe=True, title="the sign is unknown (unsafe), and `tf.linalg.logdet` is only "
                                "for positive definite matrices",
        proof=LOG_DET_COV),
    bad("jax", """
        import jax.numpy as jnp

        def log_normaliser(cov):
            return jnp.log(jnp.linalg.det(cov))
        """, """
        import jax.numpy as jnp

        def log_normaliser(cov):
            return jnp.linalg.slogdet(cov)[1]
        """, unsafe=True, title="the sign is unknown (unsafe)",
        proof=LOG_DET_COV),
    bad("jax", """
        import jax.numpy as jnp

        def log_evidence(K):
            return jnp.log(jnp.linalg.det(K @ K.T))
        """, """
        import jax.numpy as jnp

        def log_evidence(K):
            return jnp.linalg.slogdet(K @ K.T)[1]
        """,
        proof=OUTER_GRAM),
    good("numpy", """
        import numpy as np

        def log_normaliser(cov):
            sign, logdet = np.linalg.slogdet(cov)
            return logdet
        """),
    good("torch", """
        import torch

        def log_normaliser(cov):
            return torch.logdet(cov)
        """),
    good("numpy", """
        import numpy as np

        def volume(A):
            return np.abs(np.linalg.det(A))
        """, title="a determinant without a logarithm"),
    bad("cupy", """
        import cupy as cp


        def log_det(A):
            return cp.log(cp.linalg.det(A))
        """, """
        import cupy as cp


        def log_det(A):
            return cp.linalg.slogdet(A)[1]
        """, unsafe=True,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
