"""NL507 log1mexp: `log(1 - exp(x))` instead of Maechler's log1mexp."""

import ast

from numlint.engine.rule import (Applicability, Fixability, Proof, Replacement, Rule, bad,
                                 good)

from ._elementary import constant, framework_for, offset_from_one
from ._patterns import in_assertion

# -ln 2, where Maechler's log1mexp switches from `log(-expm1(x))` to `log1p(-exp(x))`.
SWITCH = "-0.6931471805599453"

# What a fix may write three times: no call (it would run three times), nothing that binds.
_IMPURE = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Log1mexp(Rule):
    code = "NL507"
    name = "log1mexp"
    summary = ("`log(1 - exp(x))` cancels for `x` near 0 and rounds to 0 for very negative `x`; "
               "use `log(-expm1(x))` / `log1p(-exp(x))`")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "exp", "sub"),)

    what = """
Checks for `log(1 - exp(x))` (with `1` or `1.0`, also held in a name), the log of the
probability that an event of log-probability `x < 0` does not happen, with the functions or
methods of any framework and the exponential in the same expression or held in a name. The
difference `1 - exp(x)` must be in the log's expression: held in a name, it is NL502's finding
(`-expm1(x)`), which makes the log accurate too.
"""
    why = """
For `x` near 0, `exp(x)` is rounded near 1 and `1 - exp(x)` keeps only that rounding error:
`log(1 - exp(-1e-10))` is `-23.0258508` in float64 (true `-23.0258509`, 24 bits lost), and
`log(1 - exp(-1e-20))` is `-inf` (true -46.05). For very negative `x`, `1 - exp(x)` rounds to
`1` and the result is `0`: `log(1 - exp(-40))` is `0` (true `-4.25e-18`). Maechler (2012)
shows that `log(-expm1(x))` is accurate for `x > -ln 2` and `log1p(-exp(x))` below, and
either alone is never less accurate than the naive form.
"""
    fix_safety = f"""
The fix is safe: Maechler's switch,
`where(x > {SWITCH}, log(-expm1(x)), log1p(-exp(x)))`, is accurate to a few ulps for every
`x < 0` (and NaN where the original is, for `x > 0`). It writes `x` three times, so it is used
only when `x` calls nothing (a name, an attribute, arithmetic on them); otherwise, and in
Python's `math` (which has no elementwise select), the fix is `log(-expm1(x))` alone, accurate
near 0 and never less accurate than the original (both round to 0 for very negative `x`). In
PyTorch and JAX the gradient of the switch is NaN where `|x|` is so small that `exp(x)` rounds
to 1 (below 1.1e-16 in float64, 6e-8 in float32), as the original's is there.
"""
    references = (
        "https://cran.r-project.org/web/packages/Rmpfr/vignettes/log1mexp-note.pdf",
        "https://numpy.org/doc/stable/reference/generated/numpy.expm1.html",
        "https://pytorch.org/docs/stable/generated/torch.expm1.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/expm1",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.expm1.html",
    )

    def check(self, ctx, op):
        term = offset_from_one(ctx, op.operand, op.scope)
        if term is None or not term.negated or term.remote:
            return
        origin = ctx.origin(term.x, op.scope)
        exp = origin.op if origin is not None else None
        if exp is None or exp.kind != "exp" or exp.operand is None or constant(exp.operand) \
                or in_assertion(ctx, op.node):
            return
        ctx.report(op.node, "`log(1 - exp(x))` cancels for `x` near 0 and rounds to 0 for very "
                            "negative `x`; use `log(-expm1(x))` above -ln 2 and "
                            "`log1p(-exp(x))` below", _fix(ctx, op, exp, origin))


def _fix(ctx, op, exp, origin):
    if not op.is_plain() or not exp.is_plain():
        return None
    x = exp.operand
    pure = not any(isinstance(n, _IMPURE) for n in ast.walk(x))
    if origin.remote and (not pure or not ctx.portable(origin, op.node, x)):
        return None
    framework = framework_for(ctx, "expm1", op, exp)
    if framework is None:
        return None
    pieces = []

    def render(stable, **operands):
        piece = ctx.render(stable, framework, op.scope, like=op, **operands)
        if piece is not None:
            pieces.append(piece)
        return piece

    expm1 = render("expm1", x=x)
    small = expm1 and render("log", x="-" + expm1.text)
    if small is None:
        return None
    text = small.text
    if pure and ctx.has_target("where", framework):
        exponential = render("exp", x=x)
        large = exponential and render("log1p", x="-" + exponential.text)
        condition = f"{ctx.emitter.arg_text(x)} > {SWITCH}"
        switch = large and render("where", c=condition, a=small.text, b=large.text)
        if switch is None:
            return None
        text = switch.text
    imports = list(dict.fromkeys(e for p in pieces for e in p.imports))
    copied = [] if origin.remote else [x]
    replacement = Replacement(text, imports, copied, pieces[-1].callee)
    safety = ctx.safety("expm1", framework)
    if origin.remote:
        safety = Applicability.UNSAFE
    return ctx.fix(op.node, replacement, "Replace with Maechler's log1mexp", safety)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# -1e-6 and -3e-4 lose 19 and 12 bits to the cancellation in float64 (17 and 11 in float32);
# -40 rounds to 0.
_EXTREME = [-1e-6, -3e-4, -40.0]
LOG1MEXP = Proof(extreme={"x": _EXTREME}, reference="np.log(-np.expm1(x))",
                 exact="mpmath.log(-mpmath.expm1(x))",
                 why="exp(-1e-6) is rounded near 1 and 1 - exp(-1e-6) keeps the rounding "
                     "error; 1 - exp(-40) rounds to 1")

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def log_miss(log_p):
            return np.log(1 - np.exp(log_p))
        """, """
        import numpy as np

        def log_miss(log_p):
            return np.where(log_p > -0.6931471805599453, np.log(-np.expm1(log_p)), np.log1p(-np.exp(log_p)))
        """, proof=Proof(extreme={"log_p": _EXTREME}, reference="np.log(-np.expm1(log_p))",
                         exact="mpmath.log(-mpmath.expm1(log_p))", why=LOG1MEXP.why)),
    bad("numpy", """
        import numpy as np

        def log_miss(model, x):
            return np.log(1.0 - np.exp(model(x)))
        """, """
        import numpy as np

        def log_miss(model, x):
            return np.log(-np.expm1(model(x)))
        """, title="a call: `log(-expm1(x))` alone, never less accurate"),
    bad("numpy", """
        import math

        def log_miss(log_p):
            return math.log(1 - math.exp(log_p))
        """, """
        import math

        def log_miss(log_p):
            return math.log(-math.expm1(log_p))
        """, title="Python's math: `log(-expm1(x))`"),
    bad("torch", """
        import torch

        def log_miss(log_p):
            return torch.log(1 - torch.exp(log_p))
        """, """
        import torch

        def log_miss(log_p):
            return torch.where(log_p > -0.6931471805599453, torch.log(-torch.expm1(log_p)), torch.log1p(-torch.exp(log_p)))
        """, proof=Proof(extreme={"log_p": _EXTREME}, reference="np.log(-np.expm1(log_p))",
                         exact="mpmath.log(-mpmath.expm1(log_p))")),
    bad("tensorflow", """
        import tensorflow as tf

        def log_miss(x):
            return tf.math.log(1.0 - tf.exp(x))
        """, """
        import tensorflow as tf

        def log_miss(x):
            return tf.where(x > -0.6931471805599453, tf.math.log(-tf.math.expm1(x)), tf.math.log1p(-tf.math.exp(x)))
        """, proof=LOG1MEXP),
    bad("jax", """
        import jax.numpy as jnp

        def log_miss(x):
            e = jnp.exp(x)
            return jnp.log(1 - e)
        """, """
        import jax.numpy as jnp

        def log_miss(x):
            return jnp.where(x > -0.6931471805599453, jnp.log(-jnp.expm1(x)), jnp.log1p(-jnp.exp(x)))
        """, unsafe=True, title="the exponential in a name: unsafe", proof=LOG1MEXP),
    bad("keras", """
        import keras

        def log_miss(x):
            return keras.ops.log(1 - keras.ops.exp(x))
        """, """
        import keras

        def log_miss(x):
            return keras.ops.where(x > -0.6931471805599453, keras.ops.log(-keras.ops.expm1(x)), keras.ops.log1p(-keras.ops.exp(x)))
        """, proof=LOG1MEXP),
    good("numpy", """
        import numpy as np

        def log_miss(x):
            return np.log(-np.expm1(x)), np.log1p(-np.exp(x)), np.log(1 - np.exp(-0.5))
        """, title="the stable forms; a constant"),
    good("torch", """
        import torch

        def log_miss(x):
            survival = 1 - torch.exp(x)
            return torch.log(survival)
        """, title="the difference in a name: NL502's finding"),
)
