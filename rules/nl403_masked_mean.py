"""NL403 masked-mean: `sum(x * mask) / sum(mask)` without a floor on the count."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._patterns import in_assertion, strip_casts
from ._special import framework


class MaskedMean(Rule):
    code = "NL403"
    name = "masked-mean"
    summary = "`sum(x * mask) / sum(mask)` is `0 / 0 = nan` for an all-masked row; floor the count at 1"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    opt_in = ("precision 5/6 on the ecosystem corpus (a mask of nonzero probabilities, never "
              "empty)")
    operations = ("div",)
    requires = (("div", "sum", "mul"),)

    what = """
Checks for a mean over the entries a mask selects, `sum(x * mask, axis) / sum(mask, axis)`
(`(x * mask).sum(1) / mask.sum(1)`, `torch.sum(h * m, dim=1) / torch.sum(m, dim=1)`,
`tf.reduce_sum(x * mask, 1) / tf.reduce_sum(mask, 1)`, the mask on either side of the
product, cast or not, the sums also held in names), where the count in the denominator has
no floor (`clamp(min=1)`, `maximum(..., 1)`, `+ eps`). Both sums must reduce over the same
explicit axis other than 0: a mean over every element, or over the batch axis (a mixture of
experts' load-balancing loss over every token), is NaN only when the whole batch is masked.

The divisor must be a mask: a comparison (`ids != pad`), a boolean inverted (`~padding`), a
cast of one, or a name that says so (`mask`, `attention_mask`). A weighted mean,
`sum(x * w) / sum(w)` with real weights, is not reported: flooring its weights' sum at 1 would
change its value.
"""
    why = """
A row whose mask is all zeros (an empty sequence, a padded batch entry, a class absent from a
batch) has the count 0 and the sum 0, and `0 / 0` is NaN; its gradient is NaN too, and the
next optimizer step writes NaN into every weight. Such rows are rare, so the NaN appears
after thousands of steps, when a batch happens to hold one.

Breaking input: `x = [[1, 2], [3, 4]]`, `mask = [[1, 1], [0, 0]]`: the row means are
`[1.5, nan]`; with the count floored at 1, `[1.5, 0]`.
"""
    fix_safety = """
The fix divides by the count floored at 1, `torch.clamp(mask.sum(1), min=1)`,
`np.maximum(mask.sum(1), 1)`, `tf.maximum(...)`, `jnp.maximum(...)`, `keras.ops.maximum(...)`:
for a 0/1 mask the count is a whole number, so this changes nothing but the all-masked rows,
which become 0 instead of NaN. It is unsafe all the same: a mask of fractional weights (soft
masks) has counts below 1 that the floor changes, and whether an empty row should be 0 is the
model's decision.
"""
    references = (
        "https://pytorch.org/docs/stable/generated/torch.clamp.html",
        "https://numpy.org/doc/stable/reference/generated/numpy.maximum.html",
    )

    def check(self, ctx, op):
        if op.left is None:
            return
        top = ctx.origin(op.left, op.scope)
        bottom = ctx.origin(op.right, op.scope)
        total, count = top.op, bottom.op
        if total is None or count is None or total.kind != "sum" or count.kind != "sum" \
                or total.operand is None or count.operand is None \
                or not total.is_plain() or not count.is_plain() \
                or not _same_reduction(ctx, total, count) or in_assertion(ctx, op.node):
            return
        product = ctx.origin(total.operand, top.scope).op
        if product is None or product.kind != "mul" or product.left is None:
            return
        mask = strip_casts(ctx, count.operand, bottom.scope)
        sides = [strip_casts(ctx, side, top.scope) for side in (product.left, product.right)]
        if not any(ctx.same(side, mask) for side in sides) or not _is_mask(ctx, mask,
                                                                             bottom.scope):
            return
        fix = None
        fw = framework(ctx, total, count)
        if ctx.has_target("divide_floored", fw):
            replacement = ctx.render("divide_floored", fw, op.scope, like=count, n=op.left,
                                     d=op.right, eps="1")
            fix = ctx.fix(op.node, replacement, "Floor the count at 1 with `{callee}`",
                          Applicability.UNSAFE)
        ctx.report(op.node, "`sum(x * mask) / sum(mask)` is `0 / 0 = nan` for an all-masked "
                            "row; floor the count at 1", fix)


def _same_reduction(ctx, a, b) -> bool:
    """Both sums reduce over the same explicit axes (a mean per row: a sum over every element
    is zero only when the whole batch is masked)."""
    return a.axis is not None and b.axis is not None and ctx.same(a.axis, b.axis) \
        and not _is_zero(a.axis) and _alike(ctx, a.keepdims, b.keepdims)


def _is_zero(axis) -> bool:
    """Axis 0, the batch axis: a mean over it (a load-balancing loss over every token) is NaN
    only when the whole batch is masked."""
    return isinstance(axis, ast.Constant) and axis.value == 0


def _alike(ctx, a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return ctx.same(a, b)


# Words that name a mask: `mask`, `attention_mask`, `padding_mask`, `valid`, `keep`.
_MASK_WORDS = ("mask", "valid", "keep")


def _is_mask(ctx, expr, scope, depth=4) -> bool:
    """Whether `expr` is a 0/1 mask: a comparison, an inverted boolean, a cast of one, or a
    name (or attribute) whose words say so."""
    if depth == 0 or expr is None:
        return False
    if isinstance(expr, ast.Compare):
        return True
    name = expr.id if isinstance(expr, ast.Name) else \
        expr.attr if isinstance(expr, ast.Attribute) else None
    if name is not None and any(w in name.lower() for w in _MASK_WORDS):
        return True
    origin = ctx.origin(expr, scope)
    if origin.expr is not expr:
        return _is_mask(ctx, strip_casts(ctx, origin.expr, origin.scope), origin.scope,
                        depth - 1)
    found = origin.op
    return found is not None and found.kind in ("invert", "compare")


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = "the second row's mask is all zeros: 0 / 0 = nan"


def _proof(reference, x="x", mask="mask"):
    return Proof(extreme={x: [[1.0, 2.0], [3.0, 4.0]], mask: [[1.0, 1.0], [0.0, 0.0]]},
                 benign={x: [[1.0, 2.0, 0.5], [3.0, -4.0, 2.0]],
                         mask: [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]},
                 constants=(mask,), reference=reference, why=_WHY)


_MEAN = "np.sum(x * mask, axis=1) / np.maximum(np.sum(mask, axis=1), 1)"

EXAMPLES = (
    bad("torch", """
        import torch

        def pool(x, mask):
            return (x * mask).sum(1) / mask.sum(1)
        """, """
        import torch

        def pool(x, mask):
            return (x * mask).sum(1) / torch.clamp(mask.sum(1), min=1)
        """, unsafe=True, proof=_proof(_MEAN)),
    bad("torch", """
        import torch

        def pool(hidden, attention_mask):
            summed = torch.sum(hidden * attention_mask, dim=1)
            count = torch.sum(attention_mask, dim=1)
            return summed / count
        """, """
        import torch

        def pool(hidden, attention_mask):
            summed = torch.sum(hidden * attention_mask, dim=1)
            count = torch.sum(attention_mask, dim=1)
            return summed / torch.clamp(count, min=1)
        """, unsafe=True, title="through names",
        proof=Proof(extreme={"hidden": [[1.0, 2.0], [3.0, 4.0]],
                             "attention_mask": [[1.0, 1.0], [0.0, 0.0]]},
                    benign={"hidden": [[1.0, 2.0, 0.5], [3.0, -4.0, 2.0]],
                            "attention_mask": [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]},
                    constants=("attention_mask",),
                    reference="np.sum(hidden * attention_mask, axis=1) / "
                              "np.maximum(np.sum(attention_mask, axis=1), 1)", why=_WHY)),
    bad("numpy", """
        import numpy as np

        def pool(x, mask):
            return np.sum(x * mask, axis=1) / np.sum(mask, axis=1)
        """, """
        import numpy as np

        def pool(x, mask):
            return np.sum(x * mask, axis=1) / np.maximum(np.sum(mask, axis=1), 1)
        """, unsafe=True, proof=_proof(_MEAN)),
    bad("tensorflow", """
        import tensorflow as tf

        def pool(x, mask):
            return tf.reduce_sum(x * mask, axis=1) / tf.reduce_sum(mask, axis=1)
        """, """
        import tensorflow as tf

        def pool(x, mask):
            return tf.reduce_sum(x * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1)
        """, unsafe=True, proof=_proof(_MEAN)),
    bad("jax", """
        import jax.numpy as jnp

        def pool(x, mask):
            return jnp.sum(mask * x, axis=1) / jnp.sum(mask, axis=1)
        """, """
        import jax.numpy as jnp

        def pool(x, mask):
            return jnp.sum(mask * x, axis=1) / jnp.maximum(jnp.sum(mask, axis=1), 1)
        """, unsafe=True, title="the mask on the left", proof=_proof(_MEAN)),
    bad("keras", """
        import keras

        def pool(x, mask):
            return keras.ops.sum(x * mask, axis=1) / keras.ops.sum(mask, axis=1)
        """, """
        import keras

        def pool(x, mask):
            return keras.ops.sum(x * mask, axis=1) / keras.ops.maximum(keras.ops.sum(mask, axis=1), 1)
        """, unsafe=True, proof=_proof(_MEAN)),
    good("torch", """
        import torch

        def pool(x, mask, weights):
            return ((x * mask).sum(1) / mask.sum(1).clamp(min=1),
                    (x * mask).sum(1) / (mask.sum(1) + 1e-8),
                    (x * weights).sum(1) / weights.sum(1),
                    (x * mask).sum(1) / mask.sum(0),
                    (x * mask).sum() / mask.sum())
        """, title="a floor, an epsilon, real weights, another axis, every element"),
)
