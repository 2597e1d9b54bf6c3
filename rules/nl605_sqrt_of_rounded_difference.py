"""NL605 sqrt-of-rounded-difference: `sqrt(1 - cos**2)`, `sqrt(sum(a**2) - sum(b**2))`: a
difference that is non-negative only in exact arithmetic, under a square root."""

from __future__ import annotations

import ast
from typing import Optional

from numlint.engine.rule import (
    Applicability, Fixability, Proof, Rule, TextCondition, bad, good, has_exponent, numbers,
)

from ._patterns import in_assertion, radicand, square_base
from ._precision import cosine_of, follow, sum_of_squares

# `d ** 0.5` is a root only with the literal 0.5 (`radicand`).
HALF = TextCondition("the number 0.5", lambda text: (".5" in text or has_exponent(text))
                     and 0.5 in numbers(text))


class SqrtOfRoundedDifference(Rule):
    code = "NL605"
    name = "sqrt-of-rounded-difference"
    summary = ("`sqrt(1 - cos**2)`, `sqrt(sum(a**2) - sum(b**2))`: a difference that is >= 0 "
               "only in exact arithmetic rounds below 0 and the root is NaN; floor it at 0")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("sqrt", "pow")
    requires = (("sqrt", "sub"), ("pow", "sub", HALF))

    what = """
Checks for the square root (`sqrt(d)`, `d ** 0.5`) of a difference that mathematics makes
non-negative but rounding does not:

* the complement of a squared cosine or correlation, `sqrt(1 - c**2)` with `c` computed as
  `dot(a, b) / (norm(a) * norm(b))`, `cov / (std(a) * std(b))` or a product of unit vectors
  (`F.linear(F.normalize(x), F.normalize(W))`, an ArcFace head): a sine from a cosine;
* the complement of a squared norm, `sqrt(1 - sum(y**2))`, `sqrt(1 - norm(y)**2)` (the last
  coordinate of a unit vector or quaternion);
* a difference of squared norms, `sqrt(sum(a**2) - sum(b**2))`, `sqrt(norm(x)**2 - dot(x, u)**2)`
  (the energy left after a projection, the distance to a line).

Squares of plain inputs are not reported: for `|x| <= 1`, `1 - x**2` is never negative in
floating point, because rounding is monotonic. The variance as `mean(x**2) - mean(x)**2` is
NL401's. It is silent when the difference is floored or clipped (`maximum(d, 0)`,
`clamp(min=0)`), selected (`where(d > 0, sqrt(d), 0)`, `sqrt(d) if d > 0 else 0`), compared
anywhere in the function (`if d < 0: ...`), changed in place, under `np.errstate`, and in
assertions.
"""
    why = """
The two terms are rounded separately: when they are (nearly) equal, their computed difference
is a rounding error of either sign, and the square root of a negative number is NaN. Parallel
vectors have a cosine that rounds to `1 + 2**-52`, so `1 - cos**2` is `-4.4e-16` and the sine
NaN; a unit vector's squared norm rounds above 1 as often as below.

Breaking input: `a = b = [0.967, 0.432, 0.33]`: the sine of their angle,
`sqrt(1 - cos**2)`, is NaN instead of 0 in float64 and in float32.
"""
    fix_safety = """
The fix is unsafe: it floors the difference at 0 before the square root, `sqrt(maximum(d, 0.0))`
(`torch.clamp(d, min=0.0)` in PyTorch). That is the identity wherever `d >= 0`, so every value
that was finite is unchanged, and NaN stays NaN; but a difference that is negative because of
a bug or bad data, not rounding, now gives 0 silently instead of NaN. The gradient of `sqrt` at
0 is infinite: where the floor clips, PyTorch's clamp passes no gradient (0), JAX's `maximum`
gives NaN (0 times infinity); `sqrt(maximum(d, eps))` or a double `where` avoids that, at the
cost of changing values. No fix is offered for Python's `math.sqrt` or when the operations come
from different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.maximum.html",
        "https://pytorch.org/docs/stable/generated/torch.clamp.html",
        "https://people.eecs.berkeley.edu/~wkahan/Mindless.pdf",
    )

    def check(self, ctx, op):
        argument = radicand(op)
        if argument is None:
            return
        difference = follow(ctx, argument, op.scope)
        if difference is None or difference.kind != "sub":
            return
        shape = _shape(ctx, difference)
        if shape is None or _guarded(ctx, op, argument, difference):
            return
        framework = ctx.framework(op, difference)
        replacement = ctx.render("floor_zero", framework, op.scope, d=argument)
        fix = ctx.fix(argument, replacement, "Floor the difference at 0 with `{callee}`",
                      Applicability.UNSAFE)
        ctx.report(op.node, _MESSAGES[shape], fix)


_MESSAGES = {
    "complement": "`sqrt(1 - c**2)` of a computed cosine or unit norm is NaN when rounding "
                  "makes `c**2` exceed 1; floor the difference at 0",
    "energy": "`sqrt(|a|**2 - |b|**2)` is NaN when rounding makes the difference of squared "
              "norms negative; floor it at 0",
}


def _shape(ctx, sub) -> Optional[str]:
    """Which difference, non-negative in exact arithmetic, `sub` is: "complement"
    (`1 - c**2`, `1 - |y|**2`) or "energy" (`|a|**2 - |b|**2`); None for any other."""
    scope = sub.scope
    minuend, subtrahend = sub.left, sub.right
    if isinstance(minuend, ast.Constant) and minuend.value == 1 \
            and not isinstance(minuend.value, bool):
        if sum_of_squares(ctx, subtrahend, scope):
            return "complement"
        base = _square_of(ctx, subtrahend, scope)
        return "complement" if base is not None and cosine_of(ctx, base, scope) else None
    if not sum_of_squares(ctx, minuend, scope):
        return None
    if sum_of_squares(ctx, subtrahend, scope):
        return "energy"
    base = _square_of(ctx, subtrahend, scope)
    return "energy" if base is not None and _dot_product(ctx, base, scope) else None


def _square_of(ctx, expr, scope) -> Optional[ast.expr]:
    """The `x` of `x**2` (any spelling), also held in a name."""
    op = follow(ctx, expr, scope)
    return square_base(ctx, op.node, op.scope) if op is not None else None


def _dot_product(ctx, expr, scope) -> bool:
    """`dot(a, b)`, `a @ b`, `sum(a * b)`: an inner product (not a plain sum, whose square
    `sum(x)**2` can exceed `sum(x**2)`)."""
    op = follow(ctx, expr, scope)
    if op is None:
        return False
    if op.kind == "matmul":
        return True
    if op.kind == "sum" and op.operand is not None:
        inner = ctx.op(op.operand, op.scope)
        return inner is not None and inner.kind == "mul"
    return False


# -- guards ------------------------------------------------------------------------------------

_SELECTING = ("where", "nan_to_num", "maximum", "clip", "abs")


def _guarded(ctx, op, argument, difference) -> bool:
    """Whether the code already deals with a negative difference: the root is selected by a
    condition or cleaned up (`where`, an `if` expression, `nan_to_num`), a name involved is
    compared in the function (`if d < 0: ...`), it runs under `errstate`, or it is checked
    by an assertion."""
    if in_assertion(ctx, op.node):
        return True
    names = {n.id for n in (argument, difference.left, difference.right)
             if isinstance(n, ast.Name)}
    if names & _compared_names(ctx, op.scope):
        return True
    for child, parent in _ancestors(ctx, op.node):
        if isinstance(parent, ast.IfExp) and child is not parent.test:
            return True
        if isinstance(parent, ast.Call):
            call = ctx.op(parent, op.scope)
            if call is not None and call.kind in _SELECTING:
                return True
        if isinstance(parent, (ast.With, ast.AsyncWith)):
            for item in parent.items:
                context = ctx.op(item.context_expr, op.scope)
                if context is not None and context.kind == "errstate":
                    return True
    return False


def _ancestors(ctx, node):
    """`(child, parent)` from `node` up to its function: enclosing expressions, then the
    statements whose blocks hold it."""
    model = ctx.model
    while not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                ast.Module)):
        if isinstance(node, ast.expr):
            parent = model.parent_of(node)
        else:
            block = model.block_of(node)
            parent = block[0] if block is not None else None
        if parent is None:
            return
        yield node, parent
        node = parent


def _compared_names(ctx, scope) -> set:
    """The names compared anywhere in the function (`d < 0`, `disc >= 0`)."""
    region = scope.node

    def compute():
        found = set()
        for node in ast.walk(region):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    found.update(n.id for n in ast.walk(side) if isinstance(n, ast.Name))
        return found
    return ctx.memo(("compared", region), compute)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_PARALLEL = [0.967, 0.432, 0.33]
PARALLEL = Proof(
    extreme={"a": _PARALLEL, "b": _PARALLEL},
    reference="0.0",
    why="the cosine of a vector with itself rounds to 1 + 2**-52, and 1 - cos**2 < 0",
)

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def sine(a, b):
            cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
            return np.sqrt(1 - cos ** 2)
        """, """
        import numpy as np

        def sine(a, b):
            cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
            return np.sqrt(np.maximum(1 - cos ** 2, 0.0))
        """, unsafe=True, proof=PARALLEL),
    bad("numpy", """
        import numpy as np

        def residual_norm(G, projected):
            return np.sqrt(np.sum(G ** 2) - np.sum(projected ** 2))
        """, """
        import numpy as np

        def residual_norm(G, projected):
            return np.sqrt(np.maximum(np.sum(G ** 2) - np.sum(projected ** 2), 0.0))
        """, unsafe=True, title="the energy left after a projection"),
    bad("numpy", """
        import numpy as np

        def quaternion_w(xyz):
            return np.sqrt(1.0 - np.sum(xyz ** 2, axis=-1))
        """, """
        import numpy as np

        def quaternion_w(xyz):
            return np.sqrt(np.maximum(1.0 - np.sum(xyz ** 2, axis=-1), 0.0))
        """, unsafe=True, title="the last coordinate of a unit quaternion"),
    bad("torch", """
        import torch

        def sine(a, b):
            cos = torch.dot(a, b) / (a.norm() * b.norm())
            return torch.sqrt(1 - cos.pow(2))
        """, """
        import torch

        def sine(a, b):
            cos = torch.dot(a, b) / (a.norm() * b.norm())
            return torch.sqrt(torch.clamp(1 - cos.pow(2), min=0.0))
        """, unsafe=True, proof=PARALLEL),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def sines(x, W):
            cosine = F.linear(F.normalize(x), F.normalize(W))
            return torch.sqrt(1.0 - torch.pow(cosine, 2))
        """, """
        import torch
        import torch.nn.functional as F

        def sines(x, W):
            cosine = F.linear(F.normalize(x), F.normalize(W))
            return torch.sqrt(torch.clamp(1.0 - torch.pow(cosine, 2), min=0.0))
        """, unsafe=True, title="the sines of an ArcFace margin",
        # The cosine of this row with itself rounds above 1 in float32 and float64 whatever the
        # order of the sums and the CPU (NL603's `_UNIT`).
        proof=Proof(extreme={"x": [[0.614, 0.762, 0.845]], "W": [[0.614, 0.762, 0.845]]},
                    reference="np.zeros((1, 1))")),
    bad("tensorflow", """
        import tensorflow as tf

        def sine(a, b):
            cos = tf.reduce_sum(a * b) / (tf.norm(a) * tf.norm(b))
            return tf.sqrt(1.0 - tf.square(cos))
        """, """
        import tensorflow as tf

        def sine(a, b):
            cos = tf.reduce_sum(a * b) / (tf.norm(a) * tf.norm(b))
            return tf.sqrt(tf.maximum(1.0 - tf.square(cos), 0.0))
        """, unsafe=True, proof=PARALLEL),
    bad("jax", """
        import jax.numpy as jnp

        def sine(a, b):
            cos = jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b))
            return jnp.sqrt(1 - cos ** 2)
        """, """
        import jax.numpy as jnp

        def sine(a, b):
            cos = jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b))
            return jnp.sqrt(jnp.maximum(1 - cos ** 2, 0.0))
        """, unsafe=True,
        proof=Proof(extreme={"a": _PARALLEL, "b": _PARALLEL}, reference="0.0", gradient=False)),
    bad("keras", """
        import keras

        def sine(a, b):
            cos = keras.ops.sum(a * b) / (keras.ops.norm(a) * keras.ops.norm(b))
            return keras.ops.sqrt(1 - cos ** 2)
        """, """
        import keras

        def sine(a, b):
            cos = keras.ops.sum(a * b) / (keras.ops.norm(a) * keras.ops.norm(b))
            return keras.ops.sqrt(keras.ops.maximum(1 - cos ** 2, 0.0))
        """, unsafe=True, proof=PARALLEL),
    good("numpy", """
        import numpy as np

        def semicircle(x):
            return np.sqrt(1 - x ** 2)
        """, title="the square of an input: never above 1 where |x| <= 1"),
    good("numpy", """
        import numpy as np

        def sine(a, b):
            cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
            return np.sqrt(np.clip(1 - cos ** 2, 0.0, 1.0))
        """, title="already clipped"),
    good("numpy", """
        import numpy as np

        def residual_norm(G, projected):
            d = np.sum(G ** 2) - np.sum(projected ** 2)
            if d < 0:
                raise ValueError("projection larger than the matrix")
            return np.sqrt(d)
        """, title="the sign is checked"),
    good("torch", """
        import torch

        def sine(a, b):
            cos = torch.dot(a, b) / (a.norm() * b.norm())
            return torch.where(cos.abs() < 1, torch.sqrt(1 - cos ** 2), torch.zeros_like(cos))
        """, title="selected by a condition"),
    good("numpy", """
        import numpy as np

        def spread(x):
            return np.sqrt(np.mean(x ** 2) - np.mean(x) ** 2)
        """, title="a variance by cancellation is NL401's"),
    good("numpy", """
        import numpy as np

        def not_a_norm_difference(x):
            return np.sqrt(np.sum(x ** 2) - np.sum(x) ** 2)
        """, title="not non-negative even in exact arithmetic"),
)
