"""NL517 root-of-sum-of-squares: `sqrt(sum(x**2))` instead of the 2-norm, in PyTorch."""

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table.schema import ALL

from ._linalg import product
from ._special import defines, framework, root_base, square_base


class RootOfSumOfSquares(Rule):
    code = "NL517"
    name = "root-of-sum-of-squares"
    summary = ("`sqrt(sum(x**2))` has a NaN gradient at `x = 0`; use "
               "`torch.linalg.vector_norm(x)`")
    frameworks = ("torch",)
    fixable = Fixability.SOMETIMES
    opt_in = ("no finding on the ecosystem corpus; on the large tier 0/3 (metrics and distances "
              "that are binned: no gradient is taken)")
    operations = ("sqrt", "pow")
    requires = (("sqrt", "sum"), ("pow", "sum"), ("sqrt", "matmul"), ("pow", "matmul"))

    what = """
Checks for a Euclidean norm written as the square root of a sum of squares in PyTorch code:
`torch.sqrt(torch.sum(x**2, dim))`, `(x * x).sum(-1).sqrt()`, `x.pow(2).sum(1) ** 0.5`,
`torch.sqrt(x @ x)`, with the squares written `x**2`, `x * x`, `square(x)` or `x.pow(2)`, also
when the sum was assigned to a name first.

It is reported only where the library has a norm whose gradient is finite at 0: PyTorch's
`torch.linalg.vector_norm`. TensorFlow's `tf.norm` and JAX's `jnp.linalg.norm` have the same
NaN gradient as the root (catalog H21: a double `where` is their fix, a change of structure
numlint does not write), and NumPy has no gradient to break, while no norm of any library
scales its operand against overflow (`np.linalg.norm`, `torch.linalg.vector_norm`, `tf.norm`
and `jnp.linalg.norm` all return `inf` for `[1e200, 1e200]`; only SciPy's `linalg.norm` of a
1-D array does), so a sum of squares there is left alone.
"""
    why = """
The derivative of `sqrt(s)` is `1 / (2 sqrt(s))`, infinite at `s = 0`; autodiff multiplies it by
the derivative of the sum of squares, `2x = 0`, and `0 * inf` is NaN. So the gradient of
`torch.sqrt((x**2).sum())` at `x = 0` is `[nan, nan, ...]`, and the NaN reaches every weight at
the next optimizer step. Zero is not a rare input for a norm in a loss: the distance between
an embedding and itself, a residual that is exactly fitted, a padded row. Where the squares
underflow (`|x| < 1e-23` in float32) the sum is 0 too and the gradient `inf`.
`torch.linalg.vector_norm` has the subgradient 0 there, and the same values everywhere.

Breaking input: `x = [0, 0, 0]`: gradient `[nan, nan, nan]` (vector_norm: `[0, 0, 0]`);
`x = [1e-25, 1e-25]` in float32: gradient `[inf, inf]` (vector_norm: `[0, 0]`).
"""
    fix_safety = """
The fix, `torch.linalg.vector_norm(x, dim=d, keepdim=k)` with the sum's `dim` and `keepdim`,
is safe for a sum of squares: its values are those of the root (neither form scales against
overflow: `[1e20, 1e20]` in float32 is `inf` in both), and its gradient is finite where the
root's is not. For `sqrt(x @ x)` it is unsafe: `x @ x` is the squared norm only for a 1-D `x`
(of a square matrix it is a matrix product), which numlint cannot see. When the sum was
assigned in an earlier statement the fix is unsafe too, and offered only when nothing rebinds
`x` in between. No fix is offered when the sum has other arguments (`dtype=`).
"""
    references = (
        "https://pytorch.org/docs/stable/generated/torch.linalg.vector_norm.html",
        "https://github.com/pytorch/pytorch/issues/2421",
    )

    def check(self, ctx, op):
        total = root_base(op)
        if total is None:
            return
        origin = ctx.origin(total, op.scope)
        inner = origin.op
        if inner is None or defines(ctx, op, "norm"):
            return
        x, unsafe, like = None, origin.remote, None
        if inner.kind == "sum" and inner.operand is not None and inner.is_plain():
            found = square_base(ctx, inner.operand, origin.scope)
            if found is None:
                return
            x, squaring = found
            like = inner
            fw = framework(ctx, op, inner, squaring)
        elif inner.kind == "matmul":
            found_product = product(inner)
            if found_product is None or not ctx.same(found_product.left, found_product.right):
                return
            x, unsafe = found_product.left, True
            fw = framework(ctx, op, inner)
        else:
            return
        if x is None or not ctx.has_target("vector_norm", fw):
            return
        fix = None
        if not origin.remote or ctx.portable(origin, op.node, x):
            replacement = ctx.stable("vector_norm", fw, x, op.scope, like=like,
                                     args=ctx.args_of(like) if like is not None else None,
                                     source_default=like.default_axis if like else ALL)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}`",
                          Applicability.UNSAFE if unsafe else Applicability.SAFE)
        ctx.report(op.node, "`sqrt(sum(x**2))` has a NaN gradient at `x = 0`; use "
                            "`torch.linalg.vector_norm`", fix)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# The values agree everywhere (both overflow alike): the proof is the gradient at 0, which is
# NaN for the root and 0 for the norm.
_WHY = "the gradient of sqrt(s) at s = 0 is 0 * inf = NaN; vector_norm's is 0"


def _proof(name, rows=True):
    value = [[0.0, 0.0, 0.0], [3.0, 4.0, 12.0]] if rows else [0.0, 0.0, 0.0]
    reference = f"np.sqrt(np.sum(np.square({name}), axis=-1))" if rows \
        else f"np.sqrt(np.sum(np.square({name})))"
    return Proof(extreme={name: value}, reference=reference, naive_gradient=True, why=_WHY)


EXAMPLES = (
    bad("torch", """
        import torch

        def distance(a, b):
            return torch.sqrt(torch.sum((a - b) ** 2, dim=-1))
        """, """
        import torch

        def distance(a, b):
            return torch.linalg.vector_norm(a - b, dim=-1)
        """, proof=Proof(extreme={"a": [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                                  "b": [[1.0, 2.0, 3.0], [3.0, 4.0, 12.0]]},
                         reference="np.sqrt(np.sum((a - b) ** 2, axis=-1))",
                         naive_gradient=True, why=_WHY)),
    bad("torch", """
        import torch

        def length(x):
            return (x * x).sum(-1).sqrt()
        """, """
        import torch

        def length(x):
            return torch.linalg.vector_norm(x, dim=-1)
        """, title="methods", proof=_proof("x")),
    bad("torch", """
        import torch

        def length(x):
            return x.pow(2).sum() ** 0.5
        """, """
        import torch

        def length(x):
            return torch.linalg.vector_norm(x)
        """, title="`** 0.5`, every element", proof=_proof("x", rows=False)),
    bad("torch", """
        import torch

        def length(x):
            squared = torch.sum(x ** 2, dim=1, keepdim=True)
            return torch.sqrt(squared)
        """, """
        import torch

        def length(x):
            return torch.linalg.vector_norm(x, dim=1, keepdim=True)
        """, unsafe=True, title="across statements (unsafe)",
        proof=Proof(extreme={"x": [[0.0, 0.0, 0.0], [3.0, 4.0, 12.0]]},
                    reference="np.sqrt(np.sum(x ** 2, axis=1, keepdims=True))",
                    naive_gradient=True, why=_WHY)),
    bad("torch", """
        import torch

        def length(x):
            return torch.sqrt(x @ x)
        """, """
        import torch

        def length(x):
            return torch.linalg.vector_norm(x)
        """, unsafe=True, title="`x @ x`: a squared norm for a 1-D `x` only (unsafe)",
        proof=_proof("x", rows=False)),
    good("torch", """
        import torch

        def lengths(x, y):
            return (torch.linalg.vector_norm(x, dim=-1), torch.sqrt((x ** 2).sum(-1) + 1e-12),
                    torch.sqrt(torch.sum(x * y, dim=-1)), torch.sqrt(x ** 2 + y ** 2))
        """, title="a norm, an epsilon, a product of two arrays, two squares"),
    good("numpy", """
        import numpy as np

        def length(x):
            return np.sqrt(np.sum(x ** 2, axis=-1))
        """, title="NumPy: no gradient, and its norm does not scale either"),
    good("tensorflow", """
        import tensorflow as tf

        def length(x):
            return tf.sqrt(tf.reduce_sum(tf.square(x), axis=-1))
        """, title="TensorFlow: `tf.norm` has the same NaN gradient"),
)
