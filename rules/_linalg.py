"""Matrix patterns the linear-algebra rules share (NL301, NL302, NL303): products in every
spelling, transposes, Gram matrices `XᵀX` and the normal equations built on them.

Not a rule: the registry skips `_` modules. Which library callables are products, transposes
or inverses, and which of their arguments transpose a factor, is the table's business
(`numlint.engine.table.linalg`); this module only reads those facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from numlint.engine.rule import Op, Origin
from numlint.engine.table.linalg import PRODUCT_TRANSPOSES, SINGLE_MATRIX_PRODUCTS, STACK_TRANSPOSES

PRODUCTS = ("matmul", "matvec")
LOOPS = (ast.For, ast.AsyncFor, ast.While)


# -- products -------------------------------------------------------------------------------------

@dataclass
class Product:
    """A matrix product `left @ right` however it is written (`a @ b`, `a.dot(b)`,
    `np.matmul(a, b)`, `torch.mm(a, b)`, `tf.matmul(a, b, transpose_a=True)`, ...).

    `flipped` says which factors an argument of the call transposes (TensorFlow's
    `transpose_a`/`adjoint_a`), `single` that the product takes single matrices only (no
    batch axes: `torch.mm`), `plain` that the call has no other arguments.
    """

    op: Op
    left: ast.expr
    right: ast.expr
    flipped: Tuple[bool, bool] = (False, False)
    single: bool = False
    plain: bool = True

    @property
    def kind(self) -> str:
        return self.op.kind


def product(op: Optional[Op]) -> Optional[Product]:
    """The product `op` performs, or None when it is not one whose factors can be read."""
    if op is None or op.kind not in PRODUCTS:
        return None
    if op.form == "operator":
        if op.left is None or op.right is None:
            return None
        return Product(op, op.left, op.right)
    if op.form not in ("function", "method") or op.args is None or op.spec is None:
        return None
    left = op.receiver if op.form == "method" else op.operand
    right = op.arg(second_operand(op))
    if left is None or right is None:
        return None
    flags = PRODUCT_TRANSPOSES.get(op.spec.name, ((), ()))
    flipped = []
    for side in flags:
        values = [_literal(op.arg(name)) for name in side if op.arg(name) is not None]
        if any(v not in (True, False) for v in values):
            return None  # a transposition decided at run time
        flipped.append(any(values))
    return Product(op, left, right, (flipped[0], flipped[1]),
                   single=op.spec.name in SINGLE_MATRIX_PRODUCTS,
                   plain=plain(op, *flags[0], *flags[1]))


def second_operand(op) -> Optional[str]:
    """The parameter of a two-operand call (`b` of `solve(a, b)`, `other` of `x.matmul(other)`)
    that holds the second operand: the one after the operand."""
    if op.spec is None:
        return None
    positional = op.spec.signature.positional
    index = 0 if op.form == "method" else 1
    return positional[index] if len(positional) > index else None


def plain(op, *allowed: str, binary: bool = True) -> bool:
    """Whether `op` has no arguments but its operand, its second operand if it is `binary`,
    and `allowed` (an operator always)."""
    if op.form == "operator":
        return True
    second = second_operand(op) if binary else None
    return op.is_plain(*allowed, *((second,) if second else ()))


def enclosing_product(ctx, node: ast.expr) -> Optional[Product]:
    """The product, in the same statement, whose left factor is `node` (`(node) @ y`)."""
    # The product holds its left factor directly (`node @ y`, `np.dot(node, y)`), through a
    # keyword (`tf.matmul(a=node, b=y)`) or as a method's receiver (`node.dot(y)`): it is one
    # of the node's nearest ancestors. (Walking the whole statement for it made a chain of n
    # inverses cost n² node visits.)
    candidate = ctx.model.parent_of(node)
    for _ in range(2):
        if candidate is None or isinstance(candidate, ast.stmt):
            return None
        if isinstance(candidate, (ast.BinOp, ast.Call)):
            found = product(ctx.op(candidate))
            if found is not None and found.left is node and not found.flipped[0]:
                return found
        if not isinstance(candidate, (ast.keyword, ast.Attribute)):
            return None
        candidate = ctx.model.parent_of(candidate)
    return None


# -- transposes -----------------------------------------------------------------------------------

@dataclass
class Transposed:
    """`Xᵀ`: `matrix` is X; `stack` that only the last two axes are swapped, so that X may be a
    stack of matrices (`X.mT`, `transpose_a=True`) rather than one (`X.T`, `X.t()`)."""

    matrix: ast.expr
    stack: bool


def transpose_of(ctx, expr: ast.expr, scope) -> Optional[Transposed]:
    """`X.T`, `X.mT`, `X.t()`, `np.transpose(X)`, `tf.transpose(X)`, ...: X, or None."""
    op = ctx.op(expr, scope)
    if op is None or op.kind != "transpose" or op.operand is None:
        return None
    if op.form != "operator" and not op.is_plain():
        return None  # `np.transpose(x, axes)`, `tf.transpose(x, perm)`: some other permutation
    key = op.spec.name if op.spec is not None else getattr(op.node, "attr", None)
    return Transposed(op.operand, key in STACK_TRANSPOSES)


def factor(ctx, p: Product, side: int, scope) -> Tuple[ast.expr, Optional[Transposed]]:
    """A factor of `p` (0: left, 1: right) and, if it enters the product transposed, what
    it is the transpose of."""
    expr = p.left if side == 0 else p.right
    written = transpose_of(ctx, expr, scope)
    if p.flipped[side]:
        # `tf.matmul(X, y, transpose_a=True)`; a transposed transpose is no transpose at all.
        return expr, (None if written is not None else Transposed(expr, True))
    return expr, written


# -- Gram matrices and the normal equations -------------------------------------------------------

@dataclass
class Gram:
    """`XᵀX` (or, with `outer`, `XXᵀ`), reached from the expression through `origins`."""

    matrix: ast.expr
    stack: bool
    product: Product
    origins: List[Origin] = field(default_factory=list)
    outer: bool = False


def gram(ctx, expr: ast.expr, scope, *, outer: bool = False) -> Optional[Gram]:
    """The Gram matrix `expr` holds: `X.T @ X`, `X.T.dot(X)`, `np.dot(X.T, X)`,
    `tf.matmul(X, X, transpose_a=True)`, ... (the same X twice), through names; with `outer`,
    also `X @ X.T`. Both are symmetric positive semidefinite."""
    found = _plain_matmul(ctx, expr, scope)
    if found is None:
        return None
    p, origin = found
    for side in ((0, 1), (1, 0)) if outer else ((0, 1),):
        transposed_side, plain_side = side
        _, transposed = factor(ctx, p, transposed_side, origin.scope)
        other, other_transposed = factor(ctx, p, plain_side, origin.scope)
        if transposed is not None and other_transposed is None \
                and ctx.same(transposed.matrix, other):
            return Gram(other, transposed.stack, p, [origin], outer=side == (1, 0))
    return None


def _plain_matmul(ctx, expr: Optional[ast.expr], scope):
    """The matrix product (no extra arguments) `expr` holds, through names, and its origin."""
    if expr is None:
        return None
    origin = ctx.origin(expr, scope)
    p = product(origin.op)
    if p is None or p.kind != "matmul" or not p.plain:
        return None
    return p, origin


@dataclass
class Inverse:
    """An inverse (`kind` "inv" or "pinv") reached from an expression through `origin`."""

    op: Op
    origin: Origin


def inverse(ctx, expr: ast.expr, scope, kinds=("inv", "pinv")) -> Optional[Inverse]:
    """The inverse `expr` holds (`np.linalg.inv(A)`, `torch.inverse(A)`, `A.inverse()`,
    `Ainv` after `Ainv = inv(A)`), or None."""
    if expr is None:
        return None
    origin = ctx.origin(expr, scope)
    op = origin.op
    if op is None or op.kind not in kinds:
        return None
    return Inverse(op, origin)


def gram_inverse(ctx, expr: ast.expr, scope) -> Optional[Tuple[Inverse, Gram]]:
    """`inv(XᵀX)` or `pinv(XᵀX)`, through names."""
    found = inverse(ctx, expr, scope)
    if found is None or found.op.operand is None:
        return None
    g = gram(ctx, found.op.operand, found.origin.scope)
    return (found, g) if g is not None else None


@dataclass
class Moment:
    """`Xᵀy`: the right-hand side of the normal equations, reached through `origin`."""

    matrix: ast.expr
    rhs: ast.expr
    stack: bool
    product: Product
    origin: Origin


def moment(ctx, expr: ast.expr, scope) -> Optional[Moment]:
    """`X.T @ y`, `X.T.dot(y)`, `tf.matmul(X, y, transpose_a=True)`, ... through names."""
    found = _plain_matmul(ctx, expr, scope)
    if found is None:
        return None
    p, origin = found
    _, transposed = factor(ctx, p, 0, origin.scope)
    rhs, rhs_transposed = factor(ctx, p, 1, origin.scope)
    if transposed is None or (rhs_transposed is not None and p.flipped[1]):
        # A right-hand side transposed by a flag (`transpose_b=True`) is not written as the
        # expression `rhs`; one written transposed (`X.T @ B.T`) is: `y` is `B.T`.
        return None
    return Moment(transposed.matrix, rhs, transposed.stack, p, origin)


def normal_equations_product(ctx, p: Product, scope) -> bool:
    """Whether the product `p` with an inverse as its left factor is (part of) the normal
    equations NL301 reports: `inv(XᵀX) @ Xᵀ` or `inv(XᵀX) @ (Xᵀ @ y)`, the same X."""
    found = gram_inverse(ctx, p.left, scope)
    if found is None or p.flipped[0]:
        return False
    _, g = found
    _, transposed = factor(ctx, p, 1, scope)
    if transposed is not None:
        return ctx.same(transposed.matrix, g.matrix)
    m = moment(ctx, p.right, scope)
    return m is not None and ctx.same(m.matrix, g.matrix)


# -- values held in names -------------------------------------------------------------------------

def used_once_here(ctx, name: ast.expr, origin, scope) -> bool:
    """Whether the local `name`, read in `scope` and assigned the value `origin` in that same
    scope, is read only once and not in a loop that repeats the read without the assignment:
    its value is not reused, so computing it differently where it is read costs nothing."""
    if not isinstance(name, ast.Name) or not origin.remote or origin.scope is not scope:
        return False
    assignment = ctx.model.statement_of(origin.expr)
    if assignment is None:
        return False
    root = scope.node
    reads = [n for n in ast.walk(root)
             if isinstance(n, ast.Name) and n.id == name.id and isinstance(n.ctx, ast.Load)]
    if len(reads) != 1:
        return False
    for loop in ast.walk(root):
        if isinstance(loop, LOOPS):
            inside = {id(n) for n in ast.walk(loop)}
            if id(name) in inside and id(assignment) not in inside:
                return False
    return True


def _literal(node: Optional[ast.expr]):
    if isinstance(node, ast.Constant):
        return node.value
    return object()
