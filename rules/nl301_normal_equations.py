"""NL301 normal-equations: `inv(X.T @ X) @ X.T @ y` instead of a least-squares solver."""

import ast
from typing import Optional

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table.linalg import NORMAL_EQUATIONS_BY_DEFAULT, SYMMETRIC_NEUTRAL

from ._linalg import (
    Gram, enclosing_product, factor, gram, gram_inverse, inverse, moment, plain, product,
    second_operand,
)


class NormalEquations(Rule):
    code = "NL301"
    name = "normal-equations"
    summary = ("`inv(X.T @ X) @ X.T @ y` squares the condition number of `X`; use a "
               "least-squares solver")
    frameworks = ("numpy", "torch", "tensorflow", "jax")
    fixable = Fixability.SOMETIMES
    operations = ("matmul", "solve", "lstsq")
    requires = (("inv", "matmul"), ("pinv", "matmul"), ("solve", "matmul"), ("lstsq",))

    what = """
Checks for least squares solved through the normal equations `XᵀX b = Xᵀy`: the explicit
`inv(X.T @ X) @ X.T @ y` in every spelling (`@`, `.dot`, `np.dot`, `np.matmul`, `torch.mm`,
`tf.matmul(X, X, transpose_a=True)`, `tf.transpose(X)`, `X.t()`, `X.mT`, `torch.inverse`,
`pinv(X.T @ X)`), the parenthesised `inv(X.T @ X) @ (X.T @ y)`, `solve(X.T @ X, X.T @ y)`, the
pseudo-inverse `inv(X.T @ X) @ X.T` and the hat matrix `X @ inv(X.T @ X) @ X.T`, also when
`X.T @ X` or `X.T @ y` were assigned to names first, and a right-hand side written transposed
(`solve(Q, A.T @ B.T)` with `Q = A.T @ A` is `lstsq(A, B.T)`). It also reports TensorFlow's
`tf.linalg.lstsq(A, b)` with its default `fast=True`, which is the normal equations too.

A regularised problem solved the same way, a ridge regression
`inv(X.T @ X + lam * I) @ X.T @ y` or `solve(X.T @ X + P, X.T @ y)` (a penalty `P` added to
the Gram matrix), is reported without a fix: it is the normal equations of the augmented
least-squares problem `[X; sqrt(lam) I] b = [y; 0]`, whose condition number it squares. A
penalty whose coefficient is a constant of at least 1e-3 is not reported: it bounds the
condition number (below).
"""
    why = """
Forming `XᵀX` squares the condition number of the problem: with `cond(X) = 1e8` the normal
matrix has `cond(XᵀX) = 1e16`, as large as `1/eps` in float64, and its solution is rounding
noise. Replacing `inv` by `solve` does not help, since `solve(X.T @ X, X.T @ y)` still
factors `XᵀX`. A least-squares solver factors `X` itself (QR or SVD), with an error
proportional to `cond(X)`, not its square.

Breaking input: the degree-11 polynomial fit `X = np.vander(np.linspace(0, 1, 100), 12)`
(`cond(X) = 1.2e8`) with `y = X @ np.ones(12)` has the exact solution `b = 1`. The normal
equations give coefficients between -39 and 32 in NumPy and TensorFlow (between -62 and 62 in
PyTorch), `solve(X.T @ X, X.T @ y)` gives -0.18 to 2.0, TensorFlow's `lstsq` with its default
`fast=True` 0.85 to 1.13, and `lstsq` gives `1 ± 1.1e-8`. In float32 (JAX's default) a
degree-6 fit already breaks: the normal equations give -52 to 68, `lstsq` `1 ± 7e-4`. When `X`
has nearly dependent columns (the Läuchli matrix with `ε = 1e-9`), `XᵀX` is exactly singular
in float64 and `inv` raises `LinAlgError`, while `lstsq` returns the solution `[1, 1]`.
"""
    fix_safety = """
In one expression the fix is safe: for an `X` of full column rank the least-squares solution is
the same vector, computed accurately; it differs only where `XᵀX` is (numerically) singular,
where the original raised or returned noise and the fix returns the minimum-norm solution.
NumPy, PyTorch and JAX get `lstsq`, which solves for a vector `y` and for a matrix of
right-hand sides alike (PyTorch's `lstsq` takes a 1-D `y` too). Where the transposes swap only
the last two axes (`X.mT`), `X` may be a stack of matrices, which NumPy's and JAX's `lstsq`
reject, so the fix is `pinv(X) @ y`, which keeps the product's broadcasting. TensorFlow gets
`tf.linalg.pinv(X) @ y` as well: `tf.linalg.lstsq(..., fast=False)` has no gradient
(`ValueError: Gradient not defined for fast=False`), and its default `fast=True` is the normal
equations again. The pseudo-inverse `inv(X.T @ X) @ X.T` becomes `pinv(X)` and the hat matrix
`X @ pinv(X)`. For complex `X` the normal equations need the conjugate transpose, so `X.T`
there is not least squares at all; the rule assumes real data, as ML code has. When `X.T @ X`,
`X.T @ y` or the inverse were assigned in earlier statements the fix is unsafe (it recomputes
from `X` and `y` where the solution is used, and leaves those assignments in place), and it is
offered only when nothing rebinds `X` or `y` in between. Adding `fast=False` to TensorFlow's
`lstsq` is unsafe: it makes the solution non-differentiable. No fix is offered when the
inverse or the solver has other arguments (`rcond=`), or the operations come from different
libraries.

A ridge's normal equations are reported without a fix, unless the penalty's coefficient is a
constant of at least 1e-3 (`alpha = 1` ... `alpha * np.identity(n)`). The penalty bounds their condition
number by `(σ₁² + λ) / λ`, so they are accurate when `λ` is large against the smallest squared
singular value of `X`, and noise when it is a small jitter added to make the inverse exist:
on the degree-11 Vandermonde fit above, `solve(X.T @ X + λI, X.T @ y)` is off from the
augmented least-squares solution by 2e-11 (relative) with `λ = 1e-3`, 2.6e-8 with `1e-6`,
1.5e-4 with `1e-10` and 0.7 with `1e-14`, and the explicit inverse by about a hundred to a
thousand times more. The stable rewrite, `lstsq` of `X` stacked on `sqrt(λ) I` against `y`
padded with zeros, needs the penalty's square root and the shapes of `X` and `y`, which the
code does not spell; it is left to the reader.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.linalg.lstsq.html",
        "https://pytorch.org/docs/stable/generated/torch.linalg.lstsq.html",
        "https://www.tensorflow.org/api_docs/python/tf/linalg/lstsq",
        "https://www.tensorflow.org/api_docs/python/tf/linalg/pinv",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.linalg.lstsq.html",
        "https://en.wikipedia.org/wiki/Numerical_methods_for_linear_least_squares",
    )

    def check(self, ctx, op):
        if op.kind == "lstsq":
            self._fast_lstsq(ctx, op)
        elif op.kind == "solve":
            self._solve(ctx, op)
        else:
            p = product(op)
            if p is not None and p.kind == "matmul" and p.plain:
                self._product(ctx, p)

    # -- the shapes of the normal equations --------------------------------------------------------
    def _product(self, ctx, p):
        scope = p.op.scope
        if p.flipped[0]:
            return
        inner = product(ctx.op(p.left, scope))
        if inner is not None and inner.kind == "matmul" and inner.plain \
                and not inner.flipped[0]:
            # `(inv(XᵀX) @ Xᵀ) @ y`
            found = gram_inverse(ctx, inner.left, scope)
            _, transposed = factor(ctx, inner, 1, scope)
            if found is not None and transposed is not None and _applies(p):
                inv, g = found
                if ctx.same(transposed.matrix, g.matrix):
                    self._report(ctx, p.op, "lstsq", inv, g, [inner.op],
                                 X=transposed.matrix, y=p.right, stack=transposed.stack)
                return
            ridge = _ridge_inverse(ctx, inner.left, scope)
            if ridge is not None and transposed is not None and _applies(p):
                if ctx.same(transposed.matrix, ridge[1].matrix):
                    self._report_ridge(ctx, p.op, ridge[1], [ridge[0].origin])
                return
            # `(X @ inv(XᵀX)) @ Xᵀ`: the hat matrix
            found = gram_inverse(ctx, inner.right, scope)
            _, transposed = factor(ctx, p, 1, scope)
            _, left_transposed = factor(ctx, inner, 0, scope)
            if found is not None and transposed is not None and left_transposed is None \
                    and not inner.flipped[1]:
                inv, g = found
                if ctx.same(inner.left, g.matrix) and ctx.same(transposed.matrix, g.matrix):
                    self._report(ctx, p.op, "hat", inv, g, [inner.op], X=inner.left,
                                 stack=transposed.stack)
            return
        found = gram_inverse(ctx, p.left, scope)
        if found is None:
            ridge = _ridge_inverse(ctx, p.left, scope)
            m = moment(ctx, p.right, scope) if ridge is not None else None
            if m is not None and ctx.same(m.matrix, ridge[1].matrix):
                # `inv(XᵀX + P) @ (Xᵀ @ y)`
                self._report_ridge(ctx, p.op, ridge[1], [ridge[0].origin, m.origin])
            return
        inv, g = found
        _, transposed = factor(ctx, p, 1, scope)
        if transposed is not None:
            # `inv(XᵀX) @ Xᵀ`, unless it is the left factor of `(...) @ y`, reported there
            outer = enclosing_product(ctx, p.op.node)
            if ctx.same(transposed.matrix, g.matrix) and not (outer and _applies(outer)):
                self._report(ctx, p.op, "pinv", inv, g, [], X=transposed.matrix,
                             stack=transposed.stack)
            return
        m = moment(ctx, p.right, scope)
        if m is not None and ctx.same(m.matrix, g.matrix):
            # `inv(XᵀX) @ (Xᵀ @ y)`
            self._report(ctx, p.op, "lstsq", inv, g, [m.product.op], X=m.matrix, y=m.rhs,
                         stack=m.stack, origins=[m.origin])

    def _solve(self, ctx, op):
        """`solve(XᵀX, Xᵀy)`."""
        rhs = op.arg(second_operand(op))
        if op.operand is None or rhs is None:
            return
        if not plain(op, *SYMMETRIC_NEUTRAL.get(op.spec.name, ())):
            return  # `left=False`, `adjoint=True`: some other system
        g = gram(ctx, op.operand, op.scope)
        if g is None:  # `solve(XᵀX + P, Xᵀy)`: a ridge
            ridge = _regularised(ctx, op.operand, op.scope)
            m = moment(ctx, rhs, op.scope) if ridge is not None else None
            if m is not None and ctx.same(m.matrix, ridge.matrix):
                self._report_ridge(ctx, op, ridge, [m.origin], solver=True)
            return
        m = moment(ctx, rhs, op.scope)
        if m is None or not ctx.same(m.matrix, g.matrix):
            return
        self._report(ctx, op, "lstsq", None, g, [m.product.op], X=m.matrix, y=m.rhs,
                     stack=m.stack, origins=[m.origin], solver=op)

    def _report(self, ctx, op, shape, inv, g, parts, *, X, y=None, stack=False, origins=(),
                solver=None):
        origins = [o for o in [inv.origin if inv else None, *g.origins, *origins] if o]
        if not all(ctx.portable(o, op.node) for o in origins if o.remote):
            return  # a name in between may hold another matrix: not provably the same X
        remote = any(o.remote for o in origins)
        stack = stack or g.stack
        inverse = inv.op if inv else solver
        framework = ctx.framework(op, inverse, g.product.op, *parts)
        if shape == "lstsq":
            # A stack of matrices keeps the product's broadcasting; TensorFlow has no
            # differentiable orthogonal least squares (the table has no `lstsq` there).
            stable = "lstsq" if not stack and ctx.has_target("lstsq", framework) \
                else "pinv_product"
            message = ("`inv(X.T @ X) @ X.T @ y` solves the normal equations, which square the "
                       "condition number of `X`; use a least-squares solver")
            if solver is not None:
                message = ("`solve(X.T @ X, X.T @ y)` still forms the normal equations, which "
                           "square the condition number of `X`; use a least-squares solver")
        elif shape == "pinv":
            stable = "pinv"
            message = ("`inv(X.T @ X) @ X.T` forms the normal equations, which square the "
                       "condition number of `X`; use `pinv(X)`")
        else:
            stable = "hat"
            message = ("the hat matrix `X @ inv(X.T @ X) @ X.T` squares the condition number "
                       "of `X`; use `X @ pinv(X)`")
        fix = None
        simple = plain(inverse, *SYMMETRIC_NEUTRAL.get(getattr(inverse.spec, "name", ""), ()),
                       binary=solver is not None)
        if simple and framework is not None and X is not None:
            operands = {"X": X} if y is None else {"X": X, "y": y}
            replacement = ctx.render(stable, framework, op.scope, like=inverse, **operands)
            applicability = Applicability.UNSAFE if remote else Applicability.SAFE
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}`", applicability)
        ctx.report(op.node, message, fix)

    def _report_ridge(self, ctx, op, g, origins, solver=False):
        """The normal equations of a regularised least-squares problem, `XᵀX + P`: reported
        without a fix (the stable form, least squares on the augmented system, needs the
        penalty's square root and the shapes of `X` and `y`)."""
        origins = [o for o in [*g.origins, *origins] if o]
        if not all(ctx.portable(o, op.node) for o in origins if o.remote):
            return  # a name in between may hold another matrix: not provably the same X
        written = ("`solve(X.T @ X + P, X.T @ y)`" if solver
                   else "`inv(X.T @ X + P) @ X.T @ y`")
        ctx.report(op.node, f"{written} solves the normal equations of a regularised least-"
                            "squares problem: forming `X.T @ X` squares the condition number, "
                            "which the penalty bounds only when it is large; solve the augmented "
                            "least-squares problem (`[X; sqrt(lam) * I] b = [y; 0]`) instead")

    def _fast_lstsq(self, ctx, op):
        """TensorFlow's `lstsq(A, b)`: its default `fast=True` is the normal equations."""
        spec = op.spec
        if spec is None or spec.name not in NORMAL_EQUATIONS_BY_DEFAULT or op.args is None:
            return
        flag, regularizer = NORMAL_EQUATIONS_BY_DEFAULT[spec.name]
        fast, penalty = op.arg(flag), op.arg(regularizer)
        if fast is not None and not _is_constant(fast, True):
            return
        if penalty is not None and not _is_constant(penalty, 0):
            return  # a ridge penalty: `fast=True` is the method that honours it
        fix = None
        rhs = op.arg(second_operand(op))
        if op.operand is not None and rhs is not None and plain(op, flag, regularizer):
            replacement = ctx.render("lstsq_orthogonal", op.framework, op.scope, like=op,
                                     A=op.operand, b=rhs)
            fix = ctx.fix(op.node, replacement, "Pass `fast=False` (not differentiable)",
                          Applicability.UNSAFE)
        ctx.report(op.node, "`lstsq` with the default `fast=True` solves the normal equations, "
                            "which square the condition number; pass `fast=False`, or use "
                            "`pinv(A) @ b` where a gradient is needed", fix)


def _regularised(ctx, expr, scope) -> Optional[Gram]:
    """The Gram matrix of `XᵀX + P` (or `P + XᵀX`, `P` a penalty: `lam * I`, a matrix),
    through names; its origins include the sum's."""
    origin = ctx.origin(expr, scope)
    op = origin.op
    if op is None or op.kind != "add" or op.left is None or op.right is None:
        return None
    for side, penalty in ((op.left, op.right), (op.right, op.left)):
        g = gram(ctx, side, origin.scope)
        if g is not None:
            if _large_penalty(ctx, penalty, origin.scope):
                return None
            return Gram(g.matrix, g.stack, g.product, [origin, *g.origins], g.outer)
    return None


# A penalty whose coefficient is a constant at least this large bounds the normal equations'
# condition number enough (measured on a Vandermonde fit with `cond(X) = 1.2e8`: with `1e-3` the
# ridge's normal equations agree with the augmented least squares to 2e-11).
LARGE_PENALTY = 1e-3


def _large_penalty(ctx, penalty, scope) -> bool:
    """Whether the penalty is `c * M` (or `M * c`, or `c`) with `c` a numeric constant (also
    held in a name) of at least LARGE_PENALTY: a deliberate ridge, not a jitter."""
    origin = ctx.origin(penalty, scope)
    terms = [origin.expr]
    if origin.op is not None and origin.op.kind == "mul" and origin.op.left is not None:
        terms = [origin.op.left, origin.op.right]
    for term in terms:
        value = ctx.origin(term, origin.scope).expr
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
            value = value.operand
        number = value.value if isinstance(value, ast.Constant) else None
        if isinstance(number, (int, float)) and not isinstance(number, bool) \
                and abs(number) >= LARGE_PENALTY:
            return True
    return False


def _ridge_inverse(ctx, expr, scope):
    """`inv(XᵀX + P)`, through names: (the inverse, the Gram matrix)."""
    found = inverse(ctx, expr, scope)
    if found is None or found.op.operand is None:
        return None
    g = _regularised(ctx, found.op.operand, found.origin.scope)
    return (found, g) if g is not None else None


def _applies(p) -> bool:
    """Whether the product `p` applies its left factor to its right one as written (the
    shape `(inv(XᵀX) @ Xᵀ) @ y` needs): a plain product, `y` not transposed by a flag."""
    return p.kind == "matmul" and p.plain and not p.flipped[1]


def _is_constant(node, value) -> bool:
    """Whether `node` is the literal `value` (`True`, `0`, `0.0`; `False` is not `0`)."""
    return isinstance(node, ast.Constant) and type(node.value) in (bool, int, float) \
        and node.value == value and (type(node.value) is bool) == (type(value) is bool)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# The Läuchli matrix with ε = 4e-8: `XᵀX = [[1 + ε², 1], [1, 1 + ε²]]` is singular to about
# eight digits in float64, while `X` itself is not.
_LAUCHLI = [[1.0, 1.0], [4e-8, 0.0], [0.0, 4e-8]]
_WHY = ("X.T @ X squares the condition number of X: the normal equations are off by 3e-2 on "
        "this 3x2 matrix, where lstsq is exact to 1e-16")
FIT = Proof(extreme={"X": _LAUCHLI, "y": [1.0, 2e-8, 1e-8]},
            reference="np.linalg.lstsq(X, y, rcond=None)[0]", dtypes=("float64",), why=_WHY)
PROJECTION = Proof(extreme={"X": _LAUCHLI}, reference="np.linalg.pinv(X)", dtypes=("float64",),
                   why=_WHY)
HAT = Proof(extreme={"X": _LAUCHLI}, reference="np.diag(X @ np.linalg.pinv(X))",
            dtypes=("float64",), why=_WHY)
FIT_COLUMN = Proof(extreme={"X": _LAUCHLI, "y": [[1.0], [2e-8], [1e-8]]},
                   reference="np.linalg.lstsq(X, y, rcond=None)[0]", dtypes=("float64",),
                   why=_WHY)


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def fit(X, y):
            return np.linalg.inv(X.T @ X) @ X.T @ y
        """, """
        import numpy as np

        def fit(X, y):
            return np.linalg.lstsq(X, y, rcond=None)[0]
        """,
        proof=FIT),
    bad("numpy", """
        import numpy as np

        def fit(X, y):
            return np.linalg.inv(X.T.dot(X)).dot(X.T).dot(y)
        """, """
        import numpy as np

        def fit(X, y):
            return np.linalg.lstsq(X, y, rcond=None)[0]
        """, title="`.dot` chain",
        proof=FIT),
    bad("numpy", """
        import numpy as np
        from scipy import linalg

        def fit(X, y):
            return linalg.solve(X.T @ X, X.T @ y, assume_a="pos")
        """, """
        import numpy as np
        from scipy import linalg

        def fit(X, y):
            return linalg.lstsq(X, y)[0]
        """, title="`solve` is still the normal equations",
        proof=FIT),
    bad("numpy", """
        import numpy as np

        def fit(X, y):
            XtX = np.dot(X.T, X)
            Xty = np.dot(X.T, y)
            return np.linalg.solve(XtX, Xty)
        """, """
        import numpy as np

        def fit(X, y):
            return np.linalg.lstsq(X, y, rcond=None)[0]
        """, unsafe=True, title="across statements (unsafe)",
        proof=FIT),
    bad("numpy", """
        import numpy as np

        def projection(X):
            return np.linalg.inv(X.T @ X) @ X.T
        """, """
        import numpy as np

        def projection(X):
            return np.linalg.pinv(X)
        """, title="the pseudo-inverse",
        proof=PROJECTION),
    bad("numpy", """
        import numpy as np

        def leverage(X):
            return np.diag(X @ np.linalg.inv(X.T @ X) @ X.T)
        """, """
        import numpy as np

        def leverage(X):
            return np.diag(X @ np.linalg.pinv(X))
        """, title="the hat matrix",
        proof=HAT),
    bad("numpy", """
        import numpy as np

        def fit(X, y):
            return np.linalg.inv(X.mT @ X) @ X.mT @ y
        """, """
        import numpy as np

        def fit(X, y):
            return np.linalg.pinv(X) @ y
        """, title="a stack of matrices",
        proof=FIT),
    bad("numpy", """
        import numpy as np

        def fit(A, B):
            Q = A.T @ A
            return np.linalg.solve(Q, A.T @ B.T)
        """, """
        import numpy as np

        def fit(A, B):
            return np.linalg.lstsq(A, B.T, rcond=None)[0]
        """, unsafe=True, title="a transposed right-hand side, the Gram matrix in a name (unsafe)",
        proof=Proof(extreme={"A": _LAUCHLI, "B": [[1.0, 2e-8, 1e-8]]},
                    reference="np.linalg.lstsq(A, B.T, rcond=None)[0]", dtypes=("float64",),
                    why=_WHY)),
    bad("numpy", """
        import numpy as np

        def ridge(X, y, lam):
            return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
        """, title="a ridge regression's normal equations: reported without a fix"),
    bad("torch", """
        import torch

        def ridge(X, y, lam):
            gram = X.T @ X
            return torch.linalg.inv(gram + lam * torch.eye(X.shape[1])) @ X.T @ y
        """, title="a ridge with an explicit inverse (NL302 also reports the inverse)"),
    bad("torch", """
        import torch

        def fit(X, y):
            return torch.inverse(X.t() @ X) @ X.t() @ y
        """, """
        import torch

        def fit(X, y):
            return torch.linalg.lstsq(X, y).solution
        """,
        proof=FIT),
    bad("torch", """
        import torch

        def fit(X, y):
            return X.t().mm(X).inverse().mm(X.t()).mm(y)
        """, """
        import torch

        def fit(X, y):
            return torch.linalg.lstsq(X, y).solution
        """, title="method chain",
        proof=FIT_COLUMN),
    bad("torch", """
        import torch

        def fit(X, y):
            return torch.linalg.solve(X.mT @ X, X.mT @ y)
        """, """
        import torch

        def fit(X, y):
            return torch.linalg.pinv(X) @ y
        """, title="`X.mT`: perhaps a batch of matrices",
        proof=FIT),
    bad("torch", """
        import torch

        def fit(X, y):
            return torch.linalg.pinv(X.T @ X, rcond=1e-10) @ X.T @ y
        """, title="a pseudo-inverse with its own cutoff is reported without a fix"),
    bad("tensorflow", """
        import tensorflow as tf

        def fit(X, y):
            return tf.linalg.inv(tf.transpose(X) @ X) @ tf.transpose(X) @ y
        """, """
        import tensorflow as tf

        def fit(X, y):
            return tf.linalg.pinv(X) @ y
        """,
        proof=FIT_COLUMN),
    bad("tensorflow", """
        import tensorflow as tf

        def fit(X, y):
            gram = tf.matmul(X, X, transpose_a=True)
            return tf.linalg.solve(gram, tf.matmul(X, y, transpose_a=True))
        """, """
        import tensorflow as tf

        def fit(X, y):
            return tf.linalg.pinv(X) @ y
        """, unsafe=True, title="`transpose_a=True`, across statements (unsafe)",
        proof=FIT_COLUMN),
    bad("tensorflow", """
        import tensorflow as tf

        def fit(X, y):
            return tf.linalg.lstsq(X, y)
        """, """
        import tensorflow as tf

        def fit(X, y):
            return tf.linalg.lstsq(X, y, fast=False)
        """, unsafe=True, title="`lstsq` defaults to the normal equations (unsafe: no "
                                "gradient with `fast=False`)",
        proof=FIT_COLUMN),
    bad("jax", """
        import jax.numpy as jnp

        def fit(X, y):
            return jnp.linalg.inv(X.T @ X) @ (X.T @ y)
        """, """
        import jax.numpy as jnp

        def fit(X, y):
            return jnp.linalg.lstsq(X, y)[0]
        """,
        proof=FIT),
    good("numpy", """
        import numpy as np

        def fit(X, y):
            return np.linalg.lstsq(X, y, rcond=None)[0]
        """),
    good("numpy", """
        import numpy as np

        def coefficient_covariance(X, residual_variance):
            return residual_variance * np.linalg.inv(X.T @ X)
        """, title="the covariance of the coefficients needs the inverse itself"),
    good("numpy", """
        import numpy as np

        def ridge(X, y):
            alpha = 1.0
            return np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ y)
        """, title="a ridge penalty of a known, large coefficient bounds the condition number"),
    good("numpy", """
        import numpy as np

        def fit(X, Z, y):
            return np.linalg.inv(X.T @ X) @ Z.T @ y
        """, title="two different matrices"),
    good("numpy", """
        import numpy as np

        def fit(X, Z, y):
            XtX = X.T @ X
            X = Z
            return np.linalg.inv(XtX) @ X.T @ y
        """, title="X rebound in between: not provably the same matrix"),
    good("torch", """
        import torch

        def fit(X, y):
            return torch.linalg.lstsq(X, y).solution
        """),
    good("tensorflow", """
        import tensorflow as tf

        def fit(X, y):
            return tf.linalg.lstsq(X, y, fast=False)
        """),
    good("tensorflow", """
        import tensorflow as tf

        def ridge(X, y):
            return tf.linalg.lstsq(X, y, l2_regularizer=0.1)
        """, title="a ridge penalty needs `fast=True`"),
)
