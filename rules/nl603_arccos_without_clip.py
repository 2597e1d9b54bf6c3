"""NL603 arccos-without-clip: `arccos(dot(a, b) / (norm(a) * norm(b)))`, NaN when rounding
pushes the cosine past 1."""

from __future__ import annotations

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._patterns import in_assertion
from ._precision import cosine_of, follow


class ArccosWithoutClip(Rule):
    code = "NL603"
    name = "arccos-without-clip"
    summary = ("`arccos(dot(a, b) / (norm(a) * norm(b)))` is NaN when rounding pushes the "
               "cosine past ±1; clip it to [-1, 1]")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("arccos",)
    requires = (("arccos", "norm"), ("arccos", "sqrt"), ("arccos", "pow"), ("arccos", "std"),
                ("arccos", "normalize"), ("arccos", "cosine_similarity"))

    what = """
Checks for the angle between two vectors computed as the arccosine of their cosine similarity
without clipping it into `[-1, 1]`: `arccos(F.cosine_similarity(a, b))` (also
`optax.cosine_similarity`), `arccos(x / (norm(a) * norm(b)))` (`np.arccos`,
`torch.acos`, `x.acos()`, `tf.math.acos`, `jnp.arccos`, `keras.ops.arccos`), with each norm
written as a norm function or method or as `sqrt(sum(a**2))`, or the divisor as
`sqrt(sum(a**2) * sum(b**2))`; the arccosine of a correlation `x / (std(a) * std(b))`; and of
a product of unit vectors, `normalize(a) @ normalize(b).T`, `F.linear(F.normalize(x),
F.normalize(W))` (the cosines of an ArcFace head), `sum(u * v)` with `u = a / norm(a)`; in
one expression or through names.

It is silent when the cosine is clipped or clamped (`arccos(clip(c, -1, 1))`,
`c = c.clamp(-1, 1)`, `c[c > 1] = 1`), and inside assertions.
"""
    why = """
The cosine of two parallel vectors is 1 only in exact arithmetic: the dot product and the
norms are rounded separately, so the ratio lands a unit in the last place above 1 about as
often as below, and `arccos` of anything above 1 is NaN (a NaN loss, a NaN rotation angle).

Breaking input: `a = b = [0.967, 0.432, 0.33]`: the cosine is `1.0000000000000002` in float64
(`1.0000001` in float32) and the angle NaN instead of 0.
"""
    fix_safety = """
The fix is safe: it clips the argument of `arccos` into its domain, `clip(c, -1.0, 1.0)`
(`torch.clamp`, `tf.clip_by_value`, `jnp.clip`, `keras.ops.clip`), which is the identity on
`[-1, 1]`: the angle is unchanged, bit for bit, wherever it was finite, NaN inputs stay NaN,
and a cosine rounded past ±1 gives 0 or pi. The gradient is unchanged inside `(-1, 1)`; at a
cosine rounded past ±1 it is 0 in PyTorch (the clamp passes no gradient there) and still NaN in
JAX, whose clip multiplies the infinite derivative of `arccos` at 1 by 0. (Near ±1 the
arccosine is ill-conditioned anyway, an error of `1e-16` in the cosine moving the angle by
`1.5e-8`; `arctan2(norm(cross(a, b)), dot(a, b))` is accurate there, but it is a different
formula.) No fix is offered when the operations come from different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.arccos.html",
        "https://numpy.org/doc/stable/reference/generated/numpy.clip.html",
        "https://pytorch.org/docs/stable/generated/torch.clamp.html",
        "https://people.eecs.berkeley.edu/~wkahan/Mindless.pdf",
    )

    def check(self, ctx, op):
        argument = op.operand
        if argument is None:
            return
        if not cosine_of(ctx, argument, op.scope) or in_assertion(ctx, op.node):
            return
        cosine = follow(ctx, argument, op.scope)
        framework = ctx.framework(op, *([cosine] if cosine is not None else []))
        replacement = ctx.render("clip_unit", framework, op.scope, x=argument)
        fix = ctx.fix(argument, replacement, "Clip the cosine into [-1, 1] with `{callee}`",
                      Applicability.SAFE)
        ctx.report(op.node, "`arccos` of a computed cosine is NaN when rounding pushes it past "
                            "±1 (parallel vectors); clip it to [-1, 1]", fix)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_PARALLEL = [0.967, 0.432, 0.33]
# Normalized, its cosine with itself rounds above 1 in float32 and float64 whatever the order
# of the sums, with or without fused multiply-adds, dividing by the norm or multiplying by its
# reciprocal (each variant emulated; CPUs differ: [0.815, 0.818, 0.54] rounds to exactly 1 on
# some).
_UNIT = [0.614, 0.762, 0.845]
_SIMILAR = [0.086, 0.882, 0.494]  # its cosine similarity with itself rounds above 1
SIMILAR = Proof(extreme={"a": [_SIMILAR], "b": [_SIMILAR]}, reference="np.zeros(1)")
PARALLEL = Proof(
    extreme={"a": _PARALLEL, "b": _PARALLEL},
    reference="0.0",
    why="the cosine of a vector with itself rounds to 1 + 2**-52, past arccos's domain",
)

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def angle(a, b):
            return np.arccos(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
        """, """
        import numpy as np

        def angle(a, b):
            return np.arccos(np.clip(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0))
        """, proof=PARALLEL),
    bad("numpy", """
        import numpy as np

        def angle(a, b):
            cos = np.sum(a * b) / np.sqrt(np.sum(a ** 2) * np.sum(b ** 2))
            return np.degrees(np.arccos(cos))
        """, """
        import numpy as np

        def angle(a, b):
            cos = np.sum(a * b) / np.sqrt(np.sum(a ** 2) * np.sum(b ** 2))
            return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        """, title="through a name, with the norms under one square root",
        proof=Proof(extreme={"a": [0.686, 0.634, 0.797], "b": [0.4802, 0.4438, 0.5579]},
                    reference="0.0")),
    bad("torch", """
        import torch

        def angle(a, b):
            return torch.acos(torch.dot(a, b) / (a.norm() * b.norm()))
        """, """
        import torch

        def angle(a, b):
            return torch.acos(torch.clamp(torch.dot(a, b) / (a.norm() * b.norm()), -1.0, 1.0))
        """, proof=PARALLEL),
    bad("torch", """
        import torch

        def angle(a, b):
            cos = (a * b).sum(-1) / (torch.linalg.vector_norm(a, dim=-1) * torch.linalg.vector_norm(b, dim=-1))
            return cos.acos()
        """, """
        import torch

        def angle(a, b):
            cos = (a * b).sum(-1) / (torch.linalg.vector_norm(a, dim=-1) * torch.linalg.vector_norm(b, dim=-1))
            return torch.clamp(cos, -1.0, 1.0).acos()
        """, title="the method", proof=PARALLEL),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def angles(x, W):
            cosine = F.linear(F.normalize(x), F.normalize(W))
            return torch.acos(cosine)
        """, """
        import torch
        import torch.nn.functional as F

        def angles(x, W):
            cosine = F.linear(F.normalize(x), F.normalize(W))
            return torch.acos(torch.clamp(cosine, -1.0, 1.0))
        """, title="the cosines of unit vectors (an ArcFace head)",
        proof=Proof(extreme={"x": [_UNIT], "W": [_UNIT]}, reference="np.zeros((1, 1))")),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def angle(a, b):
            return torch.acos(F.cosine_similarity(a, b, dim=-1))
        """, """
        import torch
        import torch.nn.functional as F

        def angle(a, b):
            return torch.acos(torch.clamp(F.cosine_similarity(a, b, dim=-1), -1.0, 1.0))
        """, title="`F.cosine_similarity` exceeds 1 too", proof=SIMILAR),
    bad("tensorflow", """
        import tensorflow as tf

        def angle(a, b):
            return tf.math.acos(tf.reduce_sum(a * b) / (tf.norm(a) * tf.norm(b)))
        """, """
        import tensorflow as tf

        def angle(a, b):
            return tf.math.acos(tf.clip_by_value(tf.reduce_sum(a * b) / (tf.norm(a) * tf.norm(b)), -1.0, 1.0))
        """, proof=PARALLEL),
    bad("jax", """
        import jax.numpy as jnp

        def angle(a, b):
            return jnp.arccos(jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b)))
        """, """
        import jax.numpy as jnp

        def angle(a, b):
            return jnp.arccos(jnp.clip(jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b)), -1.0, 1.0))
        """, proof=Proof(extreme={"a": _PARALLEL, "b": _PARALLEL}, reference="0.0",
                         gradient=False)),
    bad("jax", """
        import jax.numpy as jnp
        import optax

        def angle(a, b):
            return jnp.arccos(optax.cosine_similarity(a, b))
        """, """
        import jax.numpy as jnp
        import optax

        def angle(a, b):
            return jnp.arccos(jnp.clip(optax.cosine_similarity(a, b), -1.0, 1.0))
        """, title="`optax.cosine_similarity`",
        proof=Proof(extreme={"a": [_SIMILAR], "b": [_SIMILAR]}, reference="np.zeros(1)",
                    gradient=False)),
    bad("keras", """
        import keras

        def angle(a, b):
            return keras.ops.arccos(keras.ops.sum(a * b) / (keras.ops.norm(a) * keras.ops.norm(b)))
        """, """
        import keras

        def angle(a, b):
            return keras.ops.arccos(keras.ops.clip(keras.ops.sum(a * b) / (keras.ops.norm(a) * keras.ops.norm(b)), -1.0, 1.0))
        """, proof=PARALLEL),
    good("numpy", """
        import numpy as np

        def angle(a, b):
            cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
            return np.arccos(np.clip(cos, -1.0, 1.0))
        """),
    good("torch", """
        import torch

        def angle(a, b):
            cos = torch.dot(a, b) / (a.norm() * b.norm())
            cos = cos.clamp(-1.0, 1.0)
            return torch.acos(cos)
        """, title="clamped in an earlier statement"),
    good("numpy", """
        import numpy as np

        def angle(a, b):
            cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
            cos[cos > 1.0] = 1.0
            return np.arccos(cos)
        """, title="clipped in place"),
    good("numpy", """
        import numpy as np

        def half_angles(x):
            return np.arccos(x / 2.0)
        """, title="not a cosine of two vectors"),
)
