"""NL510 log-of-product: `log(prod(p))` instead of `sum(log(p))`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Replacement, Rule, bad, good

from ._patterns import NONNEG, in_assertion, sign
from ._special import framework


class LogOfProduct(Rule):
    code = "NL510"
    name = "log-of-product"
    summary = ("`log(prod(p))` underflows to `-inf` and overflows to `inf`; use "
               "`sum(log(p))`")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "prod"),)

    what = """
Checks for the logarithm of a product, `log(prod(p))`, with the product as a function
(`np.prod`, `math.prod`, `torch.prod`, `tf.reduce_prod`, `jnp.prod`, `keras.ops.prod`) or a
method (`p.prod(axis)`), in method chains (`p.prod(-1).log()`), and with the product assigned
to a name first: the log-likelihood of independent observations as the log of the product of
their likelihoods, the log-determinant of a diagonal matrix as the log of the product of its
variances. The product of a shape (`np.log(np.prod(x.shape))`, `math.prod(sizes)`) is an
element count, an exact integer, and is not reported.
"""
    why = """
A product of `n` factors under- or overflows long before its logarithm does: 1,000
probabilities of 0.01 multiply to `1e-2000`, which is 0 in float64, so the log-likelihood is
`-inf` instead of -4605.17; in float32 100 factors of 0.1 are already 0 (true log -230.26),
and 40 variances of 10 overflow to `inf` (true 92.10). The sum of the logarithms never forms
the product and is exact over the whole range. The gradient is lost with the value: the
gradient of `log(prod(p))` at an underflowed product is NaN.
"""
    fix_safety = """
`sum(log(p))` over the same axis, with the same `keepdims`, written in the library of the
code (`torch.log(p).sum(...)` as `torch.sum(torch.log(p), ...)`, `tf.reduce_sum(tf.math.log(p),
...)`). It equals `log(prod(p))` wherever the factors are non-negative, zeros included (both
give `-inf`), so the fix is safe where the rule can see that they are (an `exp`, a softmax, a
sigmoid, squares, absolute values) and unsafe otherwise: with an even number of negative
factors `log(prod(p))` is finite and `sum(log(p))` is NaN. It is also unsafe when the
product was assigned in an earlier statement (offered only when nothing rebinds `p` in
between). No fix is offered for Python's `math.prod` of an iterable, when the product has
other arguments (`dtype=`, `initial=`, `where=`), or when the operations come from different
libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.prod.html",
        "https://pytorch.org/docs/stable/generated/torch.prod.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/reduce_prod",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.prod.html",
    )

    def check(self, ctx, op):
        if op.operand is None or in_assertion(ctx, op.node):
            return
        origin = ctx.origin(op.operand, op.scope)
        prod = origin.op
        if prod is None or prod.kind != "prod" or prod.operand is None \
                or _shape(ctx, prod.operand, origin.scope):
            return
        fix = None
        fw = framework(ctx, op, prod)
        if fw is not None and op.is_plain() and prod.is_plain() \
                and (not origin.remote or ctx.portable(origin, op.node, prod.operand)):
            replacement = _sum_of_logs(ctx, op, prod, fw)
            safe = not origin.remote and sign(ctx, prod.operand, origin.scope) is NONNEG
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}` of the logs",
                          Applicability.SAFE if safe else Applicability.UNSAFE)
        ctx.report(op.node, "`log(prod(p))` underflows to `-inf` and overflows to `inf`; use "
                            "`sum(log(p))`", fix)


def _shape(ctx, expr, scope) -> bool:
    """A shape (`x.shape`, `x.shape[1:]`, `full_out_shape`, `sizes`): its product is an element
    count, an integer computed exactly."""
    for candidate in (expr, ctx.origin(expr, scope).expr):
        while isinstance(candidate, ast.Subscript):
            candidate = candidate.value
        name = candidate.attr if isinstance(candidate, ast.Attribute) else \
            candidate.id if isinstance(candidate, ast.Name) else ""
        if any(word in name.lower() for word in ("shape", "size", "dims")):
            return True
    return False


def _sum_of_logs(ctx, log, prod, fw):
    """`sum(log(p), <the product's axis and keepdims>)`: the table's sum reduced like `prod`,
    with its operand `p` wrapped in the library's log function."""
    function = ctx.render("log_function", fw, log.scope, like=log)
    total = ctx.stable("sum_of_logs", fw, prod.operand, log.scope, args=ctx.args_of(prod),
                       like=prod, source_default=prod.default_axis)
    if function is None or total is None:
        return None
    operand = ctx.emitter.arg_text(prod.operand)
    head = f"{total.callee}({operand}"
    if not total.text.startswith(head):  # not the plain `sum(p, ...)` this wraps
        return None
    text = f"{total.callee}({function.text}({operand})" + total.text[len(head):]
    return Replacement(text, function.imports + total.imports, total.copied, total.callee)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# 40 factors per row: 0.01**40 = 1e-80 underflows in float32, and 10**40 overflows; float64
# needs 400 factors of 1e-3 (1e-1200).
_WHY = "the product of 40 factors of 0.01 is 1e-80, which is 0 in float32: its log is -inf"


def _rows(*values, n=40):
    return [[v] * n for v in values]


def _proof(name, axis, dtype="float32", n=40, values=(0.01, 10.0), keepdims=False):
    keep = ", keepdims=True" if keepdims else ""
    return Proof(extreme={name: _rows(*values, n=n)},
                 benign={name: _rows(0.5, 1.5, 0.9, n=n)},
                 reference=f"np.sum(np.log({name}), axis={axis}{keep})", dtypes=(dtype,),
                 why=_WHY)


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def log_likelihood(likelihoods):
            return np.log(np.prod(likelihoods, axis=1))
        """, """
        import numpy as np

        def log_likelihood(likelihoods):
            return np.sum(np.log(likelihoods), axis=1)
        """, unsafe=True,
        proof=_proof("likelihoods", 1, "float64", n=400, values=(1e-3, 1e3))),
    bad("numpy", """
        import numpy as np

        def log_likelihood(likelihoods):
            return np.log(likelihoods.prod(-1, keepdims=True))
        """, """
        import numpy as np

        def log_likelihood(likelihoods):
            return np.sum(np.log(likelihoods), -1, keepdims=True)
        """, unsafe=True, title="method",
        proof=_proof("likelihoods", -1, keepdims=True)),
    bad("numpy", """
        import numpy as np

        def log_abs_det(R):
            return np.log(np.prod(np.abs(np.diag(R))))
        """, """
        import numpy as np

        def log_abs_det(R):
            return np.sum(np.log(np.abs(np.diag(R))))
        """, title="factors known to be non-negative: safe",
        proof=Proof(extreme={"R": [[1e-3 if i == j else 0.5 for j in range(400)]
                                   for i in range(400)]},
                    benign={"R": [[2.0, 1.0], [0.0, -3.0]]},
                    reference="np.sum(np.log(np.abs(np.diag(R))))", why=_WHY)),
    bad("numpy", """
        import math

        def log_likelihood(likelihoods):
            return math.log(math.prod(likelihoods))
        """, title="Python's `math.prod` of an iterable: reported without a fix"),
    bad("torch", """
        import torch

        def log_det_diagonal(variances):
            return torch.log(torch.prod(variances, dim=-1))
        """, """
        import torch

        def log_det_diagonal(variances):
            return torch.sum(torch.log(variances), dim=-1)
        """, unsafe=True,
        proof=_proof("variances", -1)),
    bad("torch", """
        import torch

        def log_likelihood(likelihoods):
            return likelihoods.prod(1).log()
        """, """
        import torch

        def log_likelihood(likelihoods):
            return torch.sum(torch.log(likelihoods), 1)
        """, unsafe=True, title="method chain",
        proof=_proof("likelihoods", 1)),
    bad("torch", """
        import torch

        def log_likelihood(likelihoods):
            joint = torch.prod(likelihoods)
            return torch.log(joint)
        """, """
        import torch

        def log_likelihood(likelihoods):
            return torch.sum(torch.log(likelihoods))
        """, unsafe=True, title="across statements",
        proof=Proof(extreme={"likelihoods": _rows(0.01, 0.5)},
                    benign={"likelihoods": _rows(0.9, 1.1)},
                    reference="np.sum(np.log(likelihoods))", dtypes=("float32",), why=_WHY)),
    bad("tensorflow", """
        import tensorflow as tf

        def log_likelihood(likelihoods):
            return tf.math.log(tf.reduce_prod(likelihoods, axis=-1))
        """, """
        import tensorflow as tf

        def log_likelihood(likelihoods):
            return tf.reduce_sum(tf.math.log(likelihoods), axis=-1)
        """, unsafe=True,
        proof=_proof("likelihoods", -1)),
    bad("tensorflow", """
        import tensorflow as tf

        def log_likelihood(likelihoods):
            return tf.log(tf.reduce_prod(likelihoods, reduction_indices=[1]))
        """, """
        import tensorflow as tf

        def log_likelihood(likelihoods):
            return tf.reduce_sum(tf.math.log(likelihoods), reduction_indices=[1])
        """, unsafe=True, title="TensorFlow 1"),
    bad("jax", """
        import jax.numpy as jnp

        def log_likelihood(likelihoods):
            return jnp.log(jnp.prod(likelihoods, axis=1))
        """, """
        import jax.numpy as jnp

        def log_likelihood(likelihoods):
            return jnp.sum(jnp.log(likelihoods), axis=1)
        """, unsafe=True,
        proof=_proof("likelihoods", 1)),
    bad("keras", """
        import keras

        def log_likelihood(likelihoods):
            return keras.ops.log(keras.ops.prod(likelihoods, axis=1))
        """, """
        import keras

        def log_likelihood(likelihoods):
            return keras.ops.sum(keras.ops.log(likelihoods), axis=1)
        """, unsafe=True,
        proof=_proof("likelihoods", 1)),
    good("numpy", """
        import numpy as np

        def log_likelihood(likelihoods):
            return np.sum(np.log(likelihoods), axis=1), np.prod(likelihoods, axis=1)
        """),
    good("numpy", """
        import math
        import numpy as np

        def fft_cost(x, full_out_shape):
            return np.log(np.prod(x.shape[1:])), np.log(math.prod(full_out_shape))
        """, title="the product of a shape: an element count"),
    good("torch", """
        import torch

        def log_volume(sides):
            return torch.log(torch.sum(sides, dim=-1))
        """),
)
