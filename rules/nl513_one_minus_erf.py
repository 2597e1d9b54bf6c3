"""NL513 one-minus-erf: `1 - erf(x)` instead of `erfc(x)`."""

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._special import defines, framework, number, without_parentheses


class OneMinusErf(Rule):
    code = "NL513"
    name = "one-minus-erf"
    summary = "`1 - erf(x)` loses every digit for large `x`; use `erfc(x)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("sub",)
    requires = (("sub", "erf"),)

    what = """
Checks for the complementary error function computed as `1 - erf(x)` (`1 - math.erf(x)`,
`1 - scipy.special.erf(x)`, `1 - torch.erf(x)`, `1 - x.erf()`, `1 - tf.math.erf(x)`,
`1 - jax.scipy.special.erf(x)`, `1 - keras.ops.erf(x)`), also when `erf(x)` was assigned to a
name first: Gaussian upper tails and p-values, `0.5 * (1 - erf(z / sqrt(2)))`. `1 + erf(x)`
(the lower tail, as in GELU, `x * 0.5 * (1 + erf(x / sqrt(2)))`) is not reported: its
absolute error is what such code needs. Nor is a definition of `erfc` itself (inside a
function named `erfc`, or a statement naming it, as JAX's Taylor rule
`def_comp(lax.erfc_p, lambda x: 1 - lax.erf(x))`), where `erfc` would call itself.
"""
    why = """
`erf(x)` approaches 1 quickly, and `1 - erf(x)` keeps only the digits of `erf(x)` that differ
from 1: at `x = 3` a third of them are gone, and above `x = 5.9` in float64 (3.9 in float32)
`erf(x)` rounds to exactly 1 and the difference is 0. `erfc(x)` computes the difference
directly, to full precision, down to `erfc(26.5) = 1e-307`.

Breaking input: `x = 5` gives `1 - erf(5) = 1.5375e-12` in float64 with only 4 correct digits
(true `1.5374597944280349e-12`), and `0` in float32; the p-value of a 7-sigma event,
`0.5 * (1 - erf(7 / sqrt(2)))`, is `1.28e-12` instead of `1.2798e-12`; a log of it is
`-inf` once `x` passes 5.9.
"""
    fix_safety = """
The fix is safe: `erfc(x)` is the same function, at least as accurate as `1 - erf(x)` for
every `x` and exact to a few units in the last place where the subtraction cancels (checked in
every framework against 50-digit values). It calls the function of the library the code
calls, in the same namespace (`torch.special.erf` becomes `torch.special.erfc`,
`math.erf` becomes `math.erfc`, `x.erf()` becomes `x.erfc()`); NumPy has no `erf`, and
code that calls SciPy's gets SciPy's `erfc`. When `erf(x)` was assigned in an earlier
statement the fix is unsafe, and it is offered only when nothing rebinds `x` in between. No
fix is offered when `erf` has extra arguments (`out=`).
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.erfc.html",
        "https://docs.python.org/3/library/math.html#math.erfc",
        "https://pytorch.org/docs/stable/special.html#torch.special.erfc",
        "https://www.tensorflow.org/api_docs/python/tf/math/erfc",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.scipy.special.erfc.html",
        "https://keras.io/api/ops/math/#erfc-function",
    )

    def check(self, ctx, op):
        if number(op.left) != 1:
            return
        origin = ctx.origin(op.right, op.scope)
        erf = origin.op
        if erf is None or erf.kind != "erf" or erf.operand is None or defines(ctx, op, "erfc"):
            return
        fix = None
        fw = framework(ctx, erf)
        if fw is not None and erf.is_plain() \
                and (not origin.remote or ctx.portable(origin, op.node, erf.operand)):
            replacement = ctx.stable("erfc", fw, erf.operand, op.scope, like=erf,
                                     method=erf.form == "method")
            fix = without_parentheses(ctx, op.node, ctx.fix(
                op.node, replacement, "Replace with `{callee}`",
                Applicability.UNSAFE if origin.remote else Applicability.SAFE))
        ctx.report(op.node, "`1 - erf(x)` loses every digit for large `x`; use `erfc(x)`", fix)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# erf(5) is 1 - 1.5e-12: `1 - erf(5)` keeps 4 digits in float64 and none in float32
# (erf(3.7) = 1 - 1.7e-7 too); erfc is exact to a few ulps in every framework.
_WHY = "erf(5) rounds to 1 - 1.5e-12 (float64) or 1 (float32): the subtraction cancels"


def _proof(name, scale=""):
    return Proof(extreme={name: [[5.0, 3.7], [0.5, -1.0]]},
                 reference=f"{scale}scipy.special.erfc({name})",
                 exact=f"{scale}mpmath.erfc({name})", why=_WHY)


EXAMPLES = (
    bad("numpy", """
        from scipy.special import erf

        def upper_tail(z):
            return 0.5 * (1 - erf(z))
        """, """
        from scipy.special import erfc

        def upper_tail(z):
            return 0.5 * erfc(z)
        """,
        proof=_proof("z", "0.5 * ")),
    bad("numpy", """
        import numpy as np
        import scipy.special as sc

        def p_value(z):
            return 1.0 - sc.erf(np.abs(z) / np.sqrt(2))
        """, """
        import numpy as np
        import scipy.special as sc

        def p_value(z):
            return sc.erfc(np.abs(z) / np.sqrt(2))
        """, title="a two-sided p-value"),
    bad("numpy", """
        import math

        def tail(x):
            return 1 - math.erf(x)
        """, """
        import math

        def tail(x):
            return math.erfc(x)
        """, title="Python's `math`"),
    bad("torch", """
        import torch

        def tail(x):
            return 1 - torch.erf(x)
        """, """
        import torch

        def tail(x):
            return torch.erfc(x)
        """,
        proof=_proof("x")),
    bad("torch", """
        import torch

        def tail(x):
            return 1.0 - x.erf()
        """, """
        import torch

        def tail(x):
            return x.erfc()
        """, title="method",
        proof=_proof("x")),
    bad("torch", """
        import torch

        def tail(x):
            e = torch.special.erf(x)
            return 1 - e
        """, """
        import torch

        def tail(x):
            return torch.special.erfc(x)
        """, unsafe=True, title="across statements (unsafe)",
        proof=_proof("x")),
    bad("tensorflow", """
        import tensorflow as tf

        def tail(x):
            return 1.0 - tf.math.erf(x)
        """, """
        import tensorflow as tf

        def tail(x):
            return tf.math.erfc(x)
        """,
        proof=_proof("x")),
    bad("jax", """
        import jax.scipy.special as jsp

        def tail(x):
            return 1 - jsp.erf(x)
        """, """
        import jax.scipy.special as jsp

        def tail(x):
            return jsp.erfc(x)
        """,
        proof=_proof("x")),
    bad("jax", """
        from jax import lax

        def tail(x):
            return 1 - lax.erf(x)
        """, """
        from jax import lax

        def tail(x):
            return lax.erfc(x)
        """, title="`jax.lax`",
        proof=_proof("x")),
    bad("keras", """
        import keras

        def tail(x):
            return 1 - keras.ops.erf(x)
        """, """
        import keras

        def tail(x):
            return keras.ops.erfc(x)
        """,
        proof=_proof("x")),
    good("torch", """
        import math
        import torch

        def gelu(x):
            return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
        """, title="`1 + erf(x)`: the lower tail, as in GELU"),
    good("jax", """
        from jax import lax

        def_comp(lax.erfc_p, lambda x: 1 - lax.erf(x))

        def erfc_fallback(x):
            return 1.0 - lax.erf(x)
        """, title="a definition of `erfc` itself"),
    good("numpy", """
        from scipy.special import erf, erfc

        def f(x):
            return erfc(x), 2 - erf(x), 1 - erf(x) ** 2
        """),
    bad("cupy", """
        import cupyx.scipy.special as cps


        def upper_tail(x):
            return 1 - cps.erf(x)
        """, """
        import cupyx.scipy.special as cps


        def upper_tail(x):
            return cps.erfc(x)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
