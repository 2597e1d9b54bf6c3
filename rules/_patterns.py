"""Patterns several rules recognise. Not a rule: the registry skips `_` modules."""

import ast
import enum
from typing import List, Optional, Set, Tuple

# How many assignments the sign analysis follows back.
_DEPTH = 6


def strip_casts(ctx, expr, scope):
    """`x.astype(np.float32)`, `x.float()`, `tf.cast(x, tf.float32)`: the same values."""
    for _ in range(_DEPTH):
        op = ctx.op(expr, scope)
        if op is None or op.kind != "cast" or op.operand is None:
            return expr
        expr = op.operand
    return expr


def shifted_by_max(ctx, expr, scope) -> bool:
    """`x - max(x, ...)`: the stable, max-shifted form, also through names
    (`m = x.max(...)` ... `exp(x - m)`) and casts. A subtraction of a value the model cannot
    see (a parameter, an attribute, a call of an unknown function such as a masked maximum) may
    be that shift, so it counts as one; a constant or a known operation other than a maximum
    (`x - x.mean()`) does not."""
    stripped = strip_casts(ctx, expr, scope)
    shifted = ctx.origin(stripped, scope)
    if isinstance(stripped, ast.Name) and shifted.expr is stripped:
        # A name assigned on several branches: shifted only if it is on every path.
        values, complete = ctx.origins(stripped, scope)
        if len(values) > 1 or values[0].expr is not stripped:
            return complete and all(shifted_by_max(ctx, v.expr, v.scope) for v in values)
    shift = shifted.op
    if shift is None:
        inner = strip_casts(ctx, shifted.expr, shifted.scope)
        if inner is not shifted.expr:
            shifted = ctx.origin(inner, shifted.scope)
            shift = shifted.op
    if shift is not None and shift.kind == "div" and shift.left is not None:
        # `(s - s.max()) / t`: a shift divided by a (positive) temperature is still shifted
        return shifted_by_max(ctx, shift.left, shifted.scope)
    if shift is None or shift.kind != "sub":
        return False
    origin = ctx.origin(strip_casts(ctx, shift.right, shifted.scope), shifted.scope)
    subtrahend = origin.expr
    if isinstance(subtrahend, ast.Subscript):  # torch.max(x, dim)[0]
        subtrahend = subtrahend.value
    if isinstance(subtrahend, ast.Attribute) and subtrahend.attr == "values":
        subtrahend = subtrahend.value
    if isinstance(subtrahend, ast.Constant):
        return False
    maximum = ctx.op(subtrahend, origin.scope)
    if maximum is None:
        return True  # unknown: perhaps a maximum
    if maximum.kind == "where" and isinstance(maximum.node, ast.Call):
        # `m = where(isfinite(m), m, 0)`: a maximum with its infinities replaced
        return any(_is_max(ctx, arg, origin.scope) for arg in maximum.node.args[1:])
    # `x - logsumexp(x)` (log-weights normalised): at most 0, its exponentials sum to 1.
    return maximum.kind in ("max", "logsumexp")


def _is_max(ctx, expr, scope) -> bool:
    found = ctx.origin(expr, scope).op
    return found is not None and found.kind == "max"


class Sign(enum.Enum):
    """A sign known of every element of an array."""

    NONNEG = "non-negative"
    NONPOS = "non-positive"


NONNEG, NONPOS = Sign.NONNEG, Sign.NONPOS


def sign(ctx, expr, scope, depth: int = _DEPTH) -> Optional[Sign]:
    """What the sign of `expr` is known to be: NONNEG, NONPOS or None (unknown).

    Knows squares (`x ** 2`, `x * x`, `square(x)`), absolute values, non-negative constants,
    booleans (comparisons, `~mask`, and their casts), and how negation, products, quotients and sums combine them, through names: the exponent
    of a Gaussian, `-0.5 * (x / sigma) ** 2`, is known to be non-positive.
    """
    if depth <= 0 or expr is None:
        return None
    if isinstance(expr, ast.Constant):
        if isinstance(expr.value, bool) or not isinstance(expr.value, (int, float)):
            return None
        return NONNEG if expr.value >= 0 else NONPOS
    if isinstance(expr, ast.Compare):
        return NONNEG  # a boolean
    origin = ctx.origin(expr, scope)
    if origin.remote:
        return sign(ctx, origin.expr, origin.scope, depth - 1)
    op = origin.op
    if op is None:
        return None
    if op.kind == "invert":
        return NONNEG  # `~mask`: a boolean mask (on integers it would be negative)
    if op.kind in ("square", "abs", "exp", "sqrt", "norm", "softmax", "sigmoid"):
        return NONNEG
    if op.kind == "cast":
        return sign(ctx, op.operand, scope, depth - 1)
    if op.kind == "neg":
        return _flip(sign(ctx, op.operand, scope, depth - 1))
    if op.kind == "pos":
        return sign(ctx, op.operand, scope, depth - 1)
    if op.kind == "pow":
        if op.form == "operator":
            exponent = _integer(op.right)
        else:  # `x.pow(2)`, `torch.pow(x, 2)`: the argument that is not the base
            others = [v for v in (op.args or {}).values() if v is not op.operand]
            exponent = _integer(others[0]) if len(others) == 1 else None
        if exponent is not None and exponent % 2 == 0:
            return NONNEG
        return None
    if op.kind in ("mul", "div"):
        if op.kind == "mul" and ctx.same(op.left, op.right):
            return NONNEG
        left = sign(ctx, op.left, scope, depth - 1)
        right = sign(ctx, op.right, scope, depth - 1)
        if left is None or right is None:
            return None
        return NONNEG if left == right else NONPOS
    if op.kind == "add":
        left = sign(ctx, op.left, scope, depth - 1)
        right = sign(ctx, op.right, scope, depth - 1)
        return left if left is not None and left == right else None
    if op.kind == "sub":
        left = sign(ctx, op.left, scope, depth - 1)
        right = _flip(sign(ctx, op.right, scope, depth - 1))
        return left if left is not None and left == right else None
    return None


def radicand(op) -> Optional[ast.expr]:
    """The `v` of `sqrt(v)` or `v ** 0.5`."""
    if op.kind == "sqrt":
        return op.operand
    if op.kind == "pow" and op.form == "operator" and isinstance(op.right, ast.Constant) \
            and op.right.value == 0.5:
        return op.left
    return None


def square_base(ctx, expr, scope) -> Optional[ast.expr]:
    """The `x` of `x**2`, `x * x`, `square(x)`, `pow(x, 2)` or `x.pow(2)`."""
    op = ctx.op(expr, scope)
    if op is None:
        return None
    if op.kind == "square":
        return op.operand
    if op.kind == "mul" and ctx.same(op.left, op.right):
        return op.left
    if op.kind == "pow":
        if op.form == "operator":
            base, exponent = op.left, op.right
        else:
            extra = op.extra_args()
            base, exponent = op.operand, (op.arg(extra[0]) if len(extra) == 1 else None)
        if isinstance(exponent, ast.Constant) and exponent.value == 2:
            return base
    return None


def in_assertion(ctx, node) -> bool:
    """Whether `node` is evaluated only to be checked: inside an `assert` statement or an
    argument of an assertion helper (`assert_allclose(inv(b) @ b, eye)`, `self.assertEqual`),
    as tests of the operation itself are."""
    model = ctx.model
    statement = model.statement_of(node)
    if statement is None:
        return False
    if isinstance(statement, ast.Assert):
        return True
    current = node
    while True:
        parent = model.parent_of(current)
        if not isinstance(parent, ast.expr):
            return False
        if isinstance(parent, ast.Call) and current is not parent.func:
            name = getattr(parent.func, "attr", None) or getattr(parent.func, "id", None) or ""
            if name.lower().startswith("assert"):
                return True
        current = parent


def _flip(value: Optional[Sign]) -> Optional[Sign]:
    return {NONNEG: NONPOS, NONPOS: NONNEG}.get(value) if value is not None else None


def _integer(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool) and float(node.value).is_integer():
        return int(node.value)
    return None


def changed_in_place(ctx, region) -> Tuple[Set[str], List[ast.expr]]:
    """The expressions the code of `region` (a function, class or module node) may change in
    place: `n[n == 0] = 1`, `n.clamp_(min=eps)`, `np.maximum(n, eps, out=n)`, or a call for
    its side effects with `n` as an argument (`np.copyto(n, ...)`). As the names and
    attribute chains (`n`, `self.n`, as `chain`) and the other expressions (compared
    structurally by the caller, only when asked). Computed once per region and module,
    whichever rule asks."""
    return ctx.shared(("changed in place", region), lambda: _changed_in(region))


def _changed_in(region) -> Tuple[Set[str], List[ast.expr]]:
    chains: Set[str] = set()
    others: List[ast.expr] = []

    def add(node) -> None:
        key = chain(node)
        if key is not None:
            chains.add(key)
        else:
            others.append(node)

    for node in ast.walk(region):
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            add(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr.endswith("_") \
                    and not func.attr.startswith("_"):
                add(func.value)
            for k in node.keywords:
                if k.arg == "out":
                    add(k.value)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            for a in call.args:
                add(a)
            for k in call.keywords:
                add(k.value)
    return chains, others


def chain(node) -> Optional[str]:
    """`n` or `self.n.m` as a dotted string; None for any other expression."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
