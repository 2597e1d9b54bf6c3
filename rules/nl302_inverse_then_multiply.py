"""NL302 inverse-then-multiply: `inv(A) @ b` instead of `solve(A, b)`."""

import ast
import itertools

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table.losses import literal_int

from ._patterns import in_assertion
from ._linalg import (
    enclosing_product, factor, gram_inverse, inverse, normal_equations_product, plain, product,
    transpose_of, used_once_here,
)

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


class InverseThenMultiply(Rule):
    code = "NL302"
    name = "inverse-then-multiply"
    summary = "`inv(A) @ b` is slower and less accurate than `solve(A, b)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax")
    fixable = Fixability.SOMETIMES
    operations = ("matmul", "matvec")
    requires = (("inv", "matmul"), ("inv", "matvec"))

    what = """
Checks for a linear system solved by multiplying with an explicit inverse: `inv(A) @ b`,
`inv(A).dot(b)`, `np.dot(inv(A), b)`, `torch.inverse(A).mm(b)`, `torch.mv(torch.inverse(A), b)`,
`tf.linalg.matvec(tf.linalg.inv(A), b)`, the right division `B @ inv(A)` and the quadratic form
`x.T @ inv(S) @ x`, with the inverse in the same expression or assigned to a name that is used
only there (`A_inv = inv(A)` ... `A_inv @ b`); also a transposed inverse, `b @ inv(A).T`,
`torch.matmul(b, A_inv.transpose(-1, -2))` (reported without a fix). An inverse used for
itself (a covariance matrix, or one inverse applied to many right-hand sides) is not reported,
and neither are the normal equations `inv(X.T @ X) @ X.T @ y`, which NL301 reports.
"""
    why = """
Multiplying by a computed inverse leaves a residual `‖A x - b‖` up to `cond(A)·eps·‖A‖‖x‖`,
while `solve` (an LU factorisation and two triangular solves) is backward stable, with a
residual of order `eps`; it also costs about three times fewer operations.

Breaking input: for a 50×50 `A` with `cond(A) = 1e13` and `b = A @ x0`, the relative residual
`‖A x - b‖ / ‖b‖` of `inv(A) @ b` is 2e-5 to 1e-4 in NumPy, PyTorch, TensorFlow and JAX
(float64), that of `solve(A, b)` 2e-16 to 9e-16: eleven digits are lost. The inverse can also
overflow where the solution does not: `A = 1e-307 * [[1, 5], [4, 21]]` has condition number 483,
but `inv(A)` has entries up to 2.1e308, beyond float64's range, so `inv(A) @ (A @ [1, 1])` is
`[inf, 1]` while `solve` returns `[1, 1]`. A singular `A` raises in both forms (JAX returns
infinities in both), so error handling is unchanged.
"""
    fix_safety = """
NumPy (2.x) and JAX read `b` exactly as `@` does (a vector only when it is 1-D; stacks of
matrices broadcast), so `solve(A, b)` replaces `inv(A) @ b` safely. PyTorch's `solve` reads a `b`
of shape `A.shape[:-1]` as a batch of vectors where `@` reads it as a matrix (for `A` of shape
(3, 3, 3) and `b` of shape (3, 3), `inv(A) @ b` has shape (3, 3, 3) and `solve(A, b)` (3, 3)),
so the fix is offered, safe, only for `mm` and `mv`, whose operands are single matrices and
vectors; after `@` and `matmul` the rule reports without a fix. TensorFlow's `solve` does not
broadcast (`A` and `b` need the same batch axes, where `@` broadcasts) and needs a matrix `b`
(`matvec` becomes `solve(A, b[..., None])[..., 0]`): those fixes are unsafe. The right division
`B @ inv(A)` becomes `solve(A.T, B.T).T` in NumPy and JAX, exact when `A` is a single matrix,
not a stack: unsafe; PyTorch's `solve(A, B, left=False)` is safe after `mm` and unsafe after
`@` (a 1-D `B` raises); TensorFlow's is not offered. The quadratic form `B @ inv(A) @ c` is
associated as `B @ solve(A, c)` under the same conditions as `solve(A, c)`. The fix stays in the
library of the inverse: SciPy's `inv` becomes `scipy.linalg.solve` (which reads stacks and
vectors as NumPy's does, and warns on an ill-conditioned matrix), `jax.scipy.linalg.inv`
becomes `jax.scipy.linalg.solve`. When the inverse was
assigned in an earlier statement, the fix is unsafe and offered only when nothing rebinds
`A` in between. No fix is offered when the inverse or the product has other arguments
(`check_finite=False` excepted), or the operations come from different libraries.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.linalg.solve.html",
        "https://pytorch.org/docs/stable/generated/torch.linalg.solve.html",
        "https://www.tensorflow.org/api_docs/python/tf/linalg/solve",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.linalg.solve.html",
        "https://www.johndcook.com/blog/2010/01/19/dont-invert-that-matrix/",
    )

    def check(self, ctx, op):
        p = product(op)
        if p is None or in_assertion(ctx, op.node):
            return  # a test of the inverse itself: `assert_allclose(inv(A) @ A, eye)`
        scope = op.scope
        if not p.flipped[0]:
            left, negated = p.left, False
            sign = ctx.op(left, scope)
            if sign is not None and sign.kind == "neg" and sign.operand is not None:
                left, negated = sign.operand, True  # `-inv(H) @ g`, a Newton step
            found = self._inverse(ctx, left, p)
            if found is not None:
                if not normal_equations_product(ctx, p, scope):
                    self._left(ctx, p, found, negated)
                return
            found = self._transposed_inverse(ctx, left, p, p.right)
            if found is not None:
                ctx.report(p.op.node, "`inv(A).T @ b` is less accurate than `solve(A.T, b)`")
                return
        if p.kind != "matmul" or p.flipped[1]:
            return
        found = self._inverse(ctx, p.right, p)
        if found is not None:
            if enclosing_product(ctx, op.node) is None:
                self._right(ctx, p, found)
            return
        found = self._transposed_inverse(ctx, p.right, p, p.left)
        if found is not None:
            if enclosing_product(ctx, op.node) is None:
                ctx.report(p.op.node,
                           "`B @ inv(A).T` is less accurate than solving `X Aᵀ = B`")
            return
        inner = product(ctx.op(p.left, scope))
        if inner is not None and inner.kind == "matmul" and not any(inner.flipped):
            found = self._inverse(ctx, inner.right, inner)
            if found is not None and not self._hat(ctx, inner, found, p):
                self._sandwich(ctx, p, inner, found)

    # -- the inverse ------------------------------------------------------------------------------
    @staticmethod
    def _inverse(ctx, expr, p, other=None):
        """The inverse `expr` holds, when it is computed only for this product (written in
        it, or held in a name read only here), is not exact (of a diagonal matrix) and is not
        multiplied by its own matrix (`inv(A) @ A`, a check of the inverse; `other` is the
        other factor, by default the other side of `p`)."""
        found = inverse(ctx, expr, p.op.scope, kinds=("inv",))
        if found is None:
            return None
        if found.origin.remote and not used_once_here(ctx, expr, found.origin, p.op.scope):
            return None
        matrix = found.op.operand
        if _diagonal(ctx, matrix, found.origin.scope):
            return None
        if other is None:
            other = p.right if expr is p.left else p.left
        if _same_matrix(ctx, matrix, found.origin.scope, other, p.op.scope):
            return None
        return found

    def _transposed_inverse(self, ctx, expr, p, other):
        """The inverse whose transpose `expr` is (`inv(A).T`, `A_inv.mT`,
        `A_inv.transpose(-1, -2)`), on the same conditions as `_inverse`."""
        transposed = transpose_of(ctx, expr, p.op.scope)
        matrix = transposed.matrix if transposed is not None else _swapped_last_axes(expr)
        return self._inverse(ctx, matrix, p, other) if matrix is not None else None

    @staticmethod
    def _hat(ctx, inner, found, p) -> bool:
        """`X @ inv(X.T @ X) @ X.T`, the hat matrix NL301 reports."""
        if gram_inverse(ctx, inner.right, p.op.scope) is None:
            return False
        _, transposed = factor(ctx, p, 1, p.op.scope)
        return transposed is not None and ctx.same(transposed.matrix, inner.left)

    # -- the three shapes -------------------------------------------------------------------------
    def _left(self, ctx, p, found, negated=False):
        """`inv(A) @ b` (or `-inv(A) @ b`)."""
        framework = ctx.framework(p.op, found.op)
        stable = "solve_vector" if p.kind == "matvec" else "solve"
        safety = ctx.safety(stable, framework, single=p.single)
        fix = self._fix(ctx, p, found, framework, safety, stable, [p], negated=negated,
                        b=p.right)
        ctx.report(p.op.node, "`inv(A) @ b` is less accurate than `solve(A, b)`", fix)

    def _right(self, ctx, p, found):
        """`B @ inv(A)`."""
        framework = ctx.framework(p.op, found.op)
        safety = ctx.safety("solve_right", framework, single=p.single)
        fix = self._fix(ctx, p, found, framework, safety, "solve_right", [p], B=p.left)
        ctx.report(p.op.node, "`B @ inv(A)` is less accurate than solving `X A = B`", fix)

    def _sandwich(self, ctx, p, inner, found):
        """`B @ inv(A) @ c`, as `B @ solve(A, c)`."""
        framework = ctx.framework(p.op, inner.op, found.op)
        safety = ctx.safety("product_solve", framework, single=p.single and inner.single)
        fix = self._fix(ctx, p, found, framework, safety, "product_solve", [p, inner],
                        B=inner.left, c=p.right)
        ctx.report(p.op.node, "`B @ inv(A) @ c` is less accurate than `B @ solve(A, c)`", fix)

    @staticmethod
    def _fix(ctx, p, found, framework, safety, stable, products, negated=False, **operands):
        """The fix writing `stable` with `A` (the inverted matrix) and `operands`, at
        `safety` (None: no fix), unsafe when the inverse was assigned earlier."""
        inv = found.op
        if safety is None or framework is None or inv.operand is None:
            return None
        if not plain(inv, binary=False) or not all(q.plain for q in products):
            return None
        if found.origin.remote:
            if not ctx.portable(found.origin, p.op.node):
                return None
            safety = UNSAFE
        operands["A"] = inv.operand
        replacement = ctx.render(stable, framework, p.op.scope, like=inv, **operands)
        if replacement is not None and negated:
            replacement.text = f"-{replacement.text}"
        return ctx.fix(p.op.node, replacement, "Replace with `{callee}`", safety)


def _swapped_last_axes(expr):
    """`x.transpose(-1, -2)`, `x.swapaxes(-2, -1)`, `x.swapdims(-1, -2)`: x (the method form;
    the caller checks that x is an inverse), or None."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("transpose", "swapaxes", "swapdims")
            and len(expr.args) == 2 and not expr.keywords):
        return None
    axes = {literal_int(a) for a in expr.args}
    return expr.func.value if axes == {-1, -2} else None


def _diagonal(ctx, matrix, scope, depth: int = 4) -> bool:
    """`diag(v)`, also under elementwise operations that keep it diagonal (`sqrt`, `abs`, a
    scalar multiple), through names: its inverse is exact."""
    if matrix is None or depth == 0:
        return False
    origin = ctx.origin(matrix, scope)
    op = origin.op
    if op is None:
        return False
    if op.kind == "diag":
        return True
    if op.kind in ("sqrt", "abs", "neg", "cast"):
        return _diagonal(ctx, op.operand, origin.scope, depth - 1)
    if op.kind in ("mul", "div") and op.form == "operator":
        scalar = op.right if op.kind == "div" else (
            op.left if isinstance(op.left, ast.Constant) else op.right)
        matrix = op.left if scalar is op.right else op.right
        return isinstance(scalar, ast.Constant) and _diagonal(ctx, matrix, origin.scope,
                                                              depth - 1)
    return False


def _same_matrix(ctx, matrix, matrix_scope, other, other_scope) -> bool:
    """Whether `other` is the matrix that was inverted, written the same (calls included:
    `inv(np.triu(y)) @ np.triu(y)`), directly or through a name."""
    if matrix is None or other is None:
        return False
    candidates = [other, ctx.origin(other, other_scope).expr]
    return any(_same_tree(matrix, c) for c in candidates)


def _same_tree(a: ast.AST, b: ast.AST) -> bool:
    """`ast.dump(a) == ast.dump(b)`, without dumping trees that cannot be equal (another node
    type, or more nodes: counted lazily, up to `a`'s size): dumping the whole left operand of
    every product made a chain `inv(A) @ inv(A) @ ...` quadratic (400 terms: 16 s)."""
    if type(a) is not type(b):
        return False
    size = sum(1 for _ in ast.walk(a))
    if sum(1 for _ in itertools.islice(ast.walk(b), size + 1)) != size:
        return False
    return ast.dump(a) == ast.dump(b)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# `A = 1e-307 * [[1, 5], [4, 21]]`: a well-conditioned matrix (condition number 483) with tiny
# entries, whose inverse (entries up to 2.1e308) overflows to inf, while the solutions of
# `A x = A @ [1, 1]` and `x A = [1, 1] @ A` are `[1, 1]`. In float64 only (float32 flushes it to
# zero); the true gradient overflows too.
_A = [[1e-307, 5e-307], [4e-307, 2.1e-306]]
_AX = [6e-307, 2.5e-306]     # A @ [1, 1]
_XA = [5e-307, 2.6e-306]     # [1, 1] @ A
_WHY = "inv(A) overflows to inf for a matrix with tiny entries; solve(A, b) gives [1, 1]"


def _proof(reference, **extreme):
    return Proof(extreme=extreme, reference=reference, dtypes=("float64",), gradient=False,
                 why=_WHY)


SOLVE = _proof("np.linalg.solve(A, b)", A=_A, b=_AX)
NEWTON = _proof("-np.linalg.solve(hessian, gradient)", hessian=_A, gradient=_AX)
QUADRATIC = _proof("x @ np.linalg.solve(S, x)", x=_AX, S=_A)
RIGHT = _proof("np.linalg.solve(A.T, B.T).T", B=_XA, A=_A)
RIGHT_ROW = _proof("np.linalg.solve(A.T, B.T).T", B=[_XA], A=_A)

SOLVE_COLUMN = _proof("np.linalg.solve(A, B)", A=_A, B=[[v] for v in _AX])
SOLVE_TF = _proof("np.linalg.solve(A, b)", A=_A, b=[[v] for v in _AX])


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def step(A, b):
            return np.linalg.inv(A) @ b
        """, """
        import numpy as np

        def step(A, b):
            return np.linalg.solve(A, b)
        """,
        proof=SOLVE),
    bad("numpy", """
        import numpy as np

        def step(A, b):
            return np.linalg.inv(A).dot(b)
        """, """
        import numpy as np

        def step(A, b):
            return np.linalg.solve(A, b)
        """, title="`.dot`",
        proof=SOLVE),
    bad("numpy", """
        import numpy as np
        import scipy.linalg

        def step(A, b):
            return np.dot(scipy.linalg.inv(A), b)
        """, """
        import scipy.linalg

        def step(A, b):
            return scipy.linalg.solve(A, b)
        """, title="SciPy's `inv`",
        proof=SOLVE),
    bad("numpy", """
        import numpy as np

        def newton_step(hessian, gradient):
            return -np.linalg.inv(hessian) @ gradient
        """, """
        import numpy as np

        def newton_step(hessian, gradient):
            return -np.linalg.solve(hessian, gradient)
        """, title="a Newton step",
        proof=NEWTON),
    bad("numpy", """
        import numpy as np

        def mahalanobis(x, S):
            return x @ np.linalg.inv(S) @ x
        """, """
        import numpy as np

        def mahalanobis(x, S):
            return x @ np.linalg.solve(S, x)
        """, title="a quadratic form",
        proof=QUADRATIC),
    bad("numpy", """
        import numpy as np

        def step(A, b):
            A_inv = np.linalg.inv(A)
            return A_inv @ b
        """, """
        import numpy as np

        def step(A, b):
            return np.linalg.solve(A, b)
        """, unsafe=True, title="the inverse in a name used once (unsafe)",
        proof=SOLVE),
    bad("numpy", """
        import numpy as np

        def whiten(B, A):
            return B @ np.linalg.inv(A)
        """, """
        import numpy as np

        def whiten(B, A):
            return np.linalg.solve(A.T, B.T).T
        """, unsafe=True, title="right division (unsafe: `A` must be a single matrix)",
        proof=RIGHT),
    bad("torch", """
        import torch

        def step(A, B):
            return torch.inverse(A).mm(B)
        """, """
        import torch

        def step(A, B):
            return torch.linalg.solve(A, B)
        """,
        proof=SOLVE_COLUMN),
    bad("torch", """
        import torch

        def step(A, b):
            return torch.mv(torch.linalg.inv(A), b)
        """, """
        import torch

        def step(A, b):
            return torch.linalg.solve(A, b)
        """, title="matrix times vector",
        proof=SOLVE),
    bad("torch", """
        import torch

        def step(A, b):
            return torch.linalg.inv(A) @ b
        """, title="`@`: PyTorch's `solve` may read `b` as a batch of vectors, no fix"),
    bad("torch", """
        import torch

        def filter_taps(correlation_matrix, correlation_vector):
            inv_correlation_matrix = correlation_matrix.inverse()
            return torch.matmul(correlation_vector, inv_correlation_matrix.transpose(-1, -2))
        """, title="a transposed inverse, through a name (no fix)"),
    bad("numpy", """
        import numpy as np

        def whiten(B, A):
            return B @ np.linalg.inv(A).T
        """, title="a transposed inverse (no fix)"),
    bad("torch", """
        import torch

        def whiten(B, A):
            return B.mm(A.inverse())
        """, """
        import torch

        def whiten(B, A):
            return torch.linalg.solve(A, B, left=False)
        """, title="right division",
        proof=RIGHT_ROW),
    bad("tensorflow", """
        import tensorflow as tf

        def step(A, b):
            return tf.linalg.inv(A) @ b
        """, """
        import tensorflow as tf

        def step(A, b):
            return tf.linalg.solve(A, b)
        """, unsafe=True, title="unsafe: `solve` does not broadcast batch axes",
        proof=SOLVE_TF),
    bad("tensorflow", """
        import tensorflow as tf

        def step(A, b):
            return tf.linalg.matvec(tf.linalg.inv(A), b)
        """, """
        import tensorflow as tf

        def step(A, b):
            return tf.linalg.solve(A, b[..., None])[..., 0]
        """, unsafe=True, title="matrix times vector (unsafe)",
        proof=SOLVE),
    bad("jax", """
        import jax.numpy as jnp

        def step(A, b):
            return jnp.linalg.inv(A) @ b
        """, """
        import jax.numpy as jnp

        def step(A, b):
            return jnp.linalg.solve(A, b)
        """,
        proof=SOLVE),
    good("torch", """
        import torch

        def precision_and_taps(R, r):
            R_inv = R.inverse()
            return R_inv, torch.matmul(r, R_inv.transpose(-1, -2))
        """, title="a transposed inverse also used for itself"),
    good("numpy", """
        import numpy as np
        from numpy.testing import assert_allclose

        def test_inverse(a):
            a_inv = np.linalg.inv(a)
            assert_allclose(np.dot(a, a_inv), np.eye(len(a)), atol=1e-12)
            assert_allclose(np.linalg.inv(np.triu(a)) @ np.triu(a), np.eye(len(a)))
        """, title="a test of the inverse itself"),
    good("numpy", """
        import numpy as np

        def similarity_transform(M, q):
            T = np.sqrt(np.diag(2 * q + 1))
            return T @ M @ np.linalg.inv(T)
        """, title="the inverse of a diagonal matrix is exact"),
    good("numpy", """
        import numpy as np

        def step(A, b):
            return np.linalg.solve(A, b)
        """),
    good("numpy", """
        import numpy as np

        def precision_matrix(cov):
            return np.linalg.inv(cov)
        """, title="the inverse itself"),
    good("numpy", """
        import numpy as np

        def coefficient_covariance(X, sigma2):
            return sigma2 * np.linalg.inv(X.T @ X)
        """, title="a covariance matrix needs the inverse"),
    good("numpy", """
        import numpy as np

        def fit(X, y):
            return np.linalg.inv(X.T @ X) @ X.T @ y
        """, title="the normal equations are NL301's"),
    good("numpy", """
        import numpy as np

        def hat(X):
            return X @ np.linalg.inv(X.T @ X) @ X.T
        """, title="the hat matrix is NL301's"),
    good("numpy", """
        import numpy as np

        def solve_all(A, bs):
            A_inv = np.linalg.inv(A)
            return [A_inv @ b for b in bs]
        """, title="one inverse applied to many right-hand sides"),
    good("numpy", """
        import numpy as np

        def step(A, b):
            A_inv = np.linalg.inv(A)
            x = A_inv @ b
            return x, A_inv
        """, title="the inverse is used again"),
    good("torch", """
        import torch

        def step(A, b):
            return torch.linalg.pinv(A) @ b
        """, title="a pseudo-inverse is a least-squares solution"),
    bad("cupy", """
        import cupy as cp


        def solve(A, b):
            return cp.linalg.inv(A) @ b
        """, """
        import cupy as cp


        def solve(A, b):
            return cp.linalg.solve(A, b)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
