"""NL512 x-log-x: `p * log(p)` (an entropy term) instead of `xlogy(p, p)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table import METHODS
from numlint.engine.table.special import RAISES_AT_ZERO

from ._patterns import in_assertion
from ._special import constant, framework, negation_unwrapped, number, without_parentheses

# Calls whose result no longer holds the NaN of a zero probability.
_GUARDS = ("where", "nan_to_num")
# Operations that can floor an array away from 0.
_FLOORS = ("clip", "maximum")


class XLogX(Rule):
    code = "NL512"
    name = "x-log-x"
    summary = "`p * log(p)` is NaN where `p` is 0 (`0 * -inf`); use `xlogy(p, p)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax")
    fixable = Fixability.SOMETIMES
    opt_in = "precision 3/4 on the ecosystem corpus (dgl's pgexplainer keeps m inside [0.01, 0.99])"
    operations = ("mul",)
    requires = (("mul", "log"),)

    what = """
Checks for the term of an entropy, `p * log(p)`, with the same `p` on both sides of the
product (in either order, negated or not, with `log` as a function or a method, or held in a
name first): `-np.sum(p * np.log(p))`, `(p * p.log()).sum(-1)`,
`tf.reduce_sum(p * tf.math.log(p))`, `jnp.log(p) * p`, `-m * log(m) - (1 - m) * log(1 - m)`. A product of two different arrays, `y * log(p)`, is a cross-entropy (see
NL201) and is not reported here; neither is a term already guarded (`where(p > 0, p * log(p),
0)`, `nan_to_num(...)`), nor a `p` kept away from 0 (`p = x + eps`, `clip`, `maximum`,
`p += eps` or another in-place change in the function), nor a constant (`0.25 *
log(0.25)`), nor Python's `math.log`, which raises at 0 rather than returning `-inf`, so code
that runs keeps zeros away from it.
"""
    why = """
A probability of exactly 0 is common (a one-hot label, a masked class, a softmax that
underflowed, an empty histogram bin), and its entropy term is `0 * log(0) = 0 * -inf = NaN`,
where the limit, and the convention of information theory, is 0. One zero turns the whole
entropy into NaN: `p = [0.5, 0.5, 0]` gives `nan` instead of `log 2 = 0.6931`. `xlogy(x, y)`
is `x * log(y)`, and 0 where `x` is 0.
"""
    fix_safety = """
The fix is safe: `xlogy(p, p)` equals `p * log(p)` wherever `p` is not 0, NaN for negative `p`
included, and is 0 where `p` is 0, where the original was NaN (checked in every framework). It
keeps the term's sign (`scipy.special.entr(p)` would be `-p * log(p)`) and is written in the
library of the `log`: `scipy.special.xlogy` (offered only in modules that import SciPy: NumPy
has no `xlogy`), `torch.xlogy`, `tf.math.xlogy`, `jax.scipy.special.xlogy`; Keras has none.
When `log(p)` was assigned in an earlier statement the fix is unsafe, and offered only when
nothing rebinds `p` in between.

The fix repairs the value, not the derivative: the gradient of either form at `p = 0` is not
finite (`log(0)` is `-inf`), so a term that must be differentiated there needs its zeros
masked before the log.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.xlogy.html",
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.entr.html",
        "https://pytorch.org/docs/stable/generated/torch.xlogy.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/xlogy",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.scipy.special.xlogy.html",
    )

    def check(self, ctx, op):
        for factor, other in ((op.left, op.right), (op.right, op.left)):
            negated = isinstance(factor, ast.UnaryOp) and isinstance(factor.op, ast.USub)
            if negated:  # `-p * log(p)`
                factor = factor.operand
            origin = ctx.origin(other, op.scope)
            log = origin.op
            if log is None or log.kind != "log" or log.operand is None \
                    or not ctx.same(factor, log.operand):
                continue
            if (log.spec is not None and log.spec.name in RAISES_AT_ZERO) \
                    or number(factor) is not None or _kept_from_zero(ctx, factor, op.scope) \
                    or _guarded(ctx, op) or in_assertion(ctx, op.node):
                return
            fix = None
            fw = framework(ctx, log)
            if fw is not None and log.is_plain() \
                    and (not origin.remote or ctx.portable(origin, op.node, log.operand)):
                replacement = ctx.render("xlogy", fw, op.scope, like=log, x=factor, y=factor)
                if replacement is not None and negated:
                    replacement.text = f"-{replacement.text}"
                fix = ctx.fix(op.node, replacement, "Replace with `{callee}(p, p)`",
                              Applicability.UNSAFE if origin.remote else Applicability.SAFE)
                fix = negation_unwrapped(ctx, op.node, without_parentheses(ctx, op.node, fix))
            ctx.report(op.node, "`p * log(p)` is NaN where `p` is 0; use `xlogy(p, p)`", fix)
            return


def _kept_from_zero(ctx, expr, scope) -> bool:
    """Whether `p` is kept away from 0 before its log: `p = x + eps` (a positive constant or a
    name with `eps` in it), `clip(x, eps, 1)`, `maximum(x, eps)`, or an in-place change in the
    function (`p += eps`, `p.clamp_(min=eps)`, `p[p == 0] = 1`)."""
    op = ctx.origin(expr, scope).op
    if op is not None and op.kind in _FLOORS:
        return True
    if op is not None and op.kind == "add" \
            and any(_epsilon(ctx, side, scope) for side in (op.left, op.right)):
        return True
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return False
    return ast.unparse(expr) in ctx.memo(("changed in place", scope.node),
                                         lambda: _changed_in(scope.node))


def _epsilon(ctx, node, scope) -> bool:
    """A positive constant (`1e-8`, `1.0 - scale` with `scale = 0.99`) or a name with `eps` in
    it."""
    value = constant(ctx, node, scope)
    if value is not None:
        return value > 0
    name = node.attr if isinstance(node, ast.Attribute) else \
        node.id if isinstance(node, ast.Name) else ""
    return "eps" in name.lower()


def _changed_in(region) -> set:
    """What `region` changes in place in a way that may keep it from 0: targets of `+=` and
    of item assignments (`p[p == 0] = 1`), receivers of in-place floors (`x.clamp_(min=eps)`),
    as source text (`p /= p.sum()` and `p.index_add_(...)` keep its zeros)."""
    found = set()
    for node in ast.walk(region):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            found.add(ast.unparse(node.target))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            found.add(ast.unparse(node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr.endswith("_") \
                and any(spec.kind in _FLOORS for spec in METHODS.get(node.func.attr[:-1], ())):
            found.add(ast.unparse(node.func.value))  # `p.clamp_(min=eps)`
    return found


def _guarded(ctx, op) -> bool:
    """Whether the product is evaluated inside a call that discards its NaN
    (`where(p > 0, p * log(p), 0)`, `nan_to_num(...)`)."""
    node = op.node
    while True:
        parent = ctx.model.parent_of(node)
        if not isinstance(parent, ast.expr):
            return False
        if isinstance(parent, ast.Call) and node is not parent.func:
            call = ctx.op(parent, op.scope)
            if call is not None and call.kind in _GUARDS:
                return True
        node = parent


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = "a zero probability gives 0 * log(0) = 0 * -inf = NaN"


def _proof(name="p", reference="scipy.special.entr(p).sum(axis=-1)"):
    return Proof(extreme={name: [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]]},
                 benign={name: [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]},
                 reference=reference, gradient=False, why=_WHY)


EXAMPLES = (
    bad("numpy", """
        import numpy as np
        import scipy.special

        def entropy(p):
            return -np.sum(p * np.log(p), axis=-1)
        """, """
        import numpy as np
        import scipy.special

        def entropy(p):
            return -np.sum(scipy.special.xlogy(p, p), axis=-1)
        """,
        proof=_proof()),
    bad("numpy", """
        import numpy as np

        def entropy(p):
            return -np.sum(p * np.log(p), axis=-1)
        """, title="NumPy without SciPy: reported without a fix"),
    bad("torch", """
        import torch

        def entropy(p):
            return -(p * p.log()).sum(-1)
        """, """
        import torch

        def entropy(p):
            return -torch.xlogy(p, p).sum(-1)
        """,
        proof=_proof()),
    bad("torch", """
        import torch

        def entropy(probs):
            log_probs = torch.log(probs)
            return -(log_probs * probs).sum(-1)
        """, """
        import torch

        def entropy(probs):
            return -torch.xlogy(probs, probs).sum(-1)
        """, unsafe=True, title="across statements",
        proof=_proof("probs", "scipy.special.entr(probs).sum(axis=-1)")),
    bad("tensorflow", """
        import tensorflow as tf

        def entropy(p):
            return -tf.reduce_sum(p * tf.math.log(p), axis=-1)
        """, """
        import tensorflow as tf

        def entropy(p):
            return -tf.reduce_sum(tf.math.xlogy(p, p), axis=-1)
        """,
        proof=_proof()),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def entropy(p):
            return -jnp.sum(jnp.log(p) * p, axis=-1)
        """, """
        import jax
        import jax.numpy as jnp

        def entropy(p):
            return -jnp.sum(jax.scipy.special.xlogy(p, p), axis=-1)
        """,
        proof=_proof()),
    good("numpy", """
        import math
        import numpy as np

        def terms(p, y):
            cross = -np.sum(y * np.log(p))
            guarded = np.where(p > 0, p * np.log(p), 0.0)
            scalar = -sum(q * math.log(q) for q in [0.5, 0.5])
            return cross, guarded, scalar
        """, title="a cross-entropy, a guarded term, Python's raising log"),
    good("torch", """
        import torch

        def entropy(p):
            return -torch.special.entr(p).sum(-1), -torch.xlogy(p, p).sum(-1)
        """),
    good("torch", """
        import torch

        def entropies(counts, q, m, eps=1e-8):
            p = counts / counts.sum()
            p += eps
            r = q.clamp(min=1e-12)
            q.clamp_(min=1e-12)
            s = q + eps
            scale = 0.99
            t = m * (2 * scale - 1.0) + (1.0 - scale)
            return (p * torch.log(p)).sum(), (r * r.log()).sum(), (s * s.log()).sum(), \
                -t * torch.log(t), (q * q.log()).sum()
        """, title="kept away from zero: in place, clamped, shifted by a positive constant"),
    bad("torch", """
        import torch

        def class_entropy(counts):
            p = counts.float()
            p /= p.sum()
            return -(p * torch.log(p)).sum()
        """, """
        import torch

        def class_entropy(counts):
            p = counts.float()
            p /= p.sum()
            return -torch.xlogy(p, p).sum()
        """, title="normalized in place: its zeros stay"),
    good("numpy", """
        import numpy as np

        expected = -0.25 * np.log(0.25) - 0.75 * np.log(0.75) + 2 * np.log(2)
        """, title="constants"),
    bad("torch", """
        import torch

        def binary_entropy(m):
            return -m * torch.log(m) - (1 - m) * torch.log(1 - m)
        """, """
        import torch

        def binary_entropy(m):
            return -torch.xlogy(m, m) - torch.xlogy(1 - m, 1 - m)
        """, title="`-p * log(p)`",
        proof=Proof(extreme={"m": [[0.0, 0.5, 1.0]]}, benign={"m": [[0.2, 0.5, 0.9]]},
                    reference="scipy.special.entr(m) + scipy.special.entr(1 - m)",
                    gradient=False, why=_WHY)),
    bad("cupy", """
        import cupy as cp


        def entropy(p):
            return -cp.sum(p * cp.log(p))
        """, """
        import cupy as cp
        from cupyx.scipy.special import xlogy


        def entropy(p):
            return -cp.sum(xlogy(p, p))
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
