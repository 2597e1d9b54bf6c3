"""Patterns the comparison and precision rules (NL6xx) share: norms and sums of squares written
in every spelling, followed through names. Not a rule: the registry skips `_` modules."""

from __future__ import annotations

import ast
from typing import Tuple

from numlint.engine.rule import has_word
from numlint.engine.table.precision import (
    DEFAULT_FLOAT, DTYPE_METHODS, DTYPE_NAMES, DTYPE_STRINGS, FLOAT_FORMATS, LINEAR_PRODUCTS,
)

from ._patterns import changed_in_place, radicand, square_base, strip_casts

# How many assignments a pattern is followed back through.
_DEPTH = 4


def follow(ctx, expr, scope):
    """The operation that computed `expr`, through names, indexing (`n[:, None]`) and dtype
    casts; None if unknown or if the function may change the array in place
    (`c[c > 1] = 1`, `c.clamp_(-1, 1)`)."""
    followed = []  # what was read through, asked last whether it changes in place
    for _ in range(_DEPTH):
        while isinstance(expr, ast.Subscript):
            expr = expr.value
        expr = strip_casts(ctx, expr, scope)
        followed.append((expr, scope))
        origin = ctx.origin(expr, scope)
        op = origin.op
        if op is None and origin.remote:
            expr, scope = origin.expr, origin.scope
            continue
        if op is None or any(mutated(ctx, e, s) for e, s in followed):
            return None
        return op
    return None


def norm_of(ctx, expr, scope) -> bool:
    """Whether `expr` is a Euclidean norm: `norm(x)`, `sqrt(sum(x**2))`, `sqrt(x @ x)`."""
    op = follow(ctx, expr, scope)
    if op is None:
        return False
    if op.kind == "norm":
        return True
    inner = radicand(op)
    return inner is not None and sum_of_squares(ctx, inner, op.scope)


def cosine_of(ctx, expr, scope) -> bool:
    """Whether `expr` is a cosine similarity or a correlation: a cosine similarity function
    (`F.cosine_similarity`, `optax.cosine_similarity`), a ratio,
    `x / (norm(a) * norm(b))`, `x / sqrt(sum(a**2) * sum(b**2))`, `x / (std(a) * std(b))`, or
    a product of unit vectors, `normalize(a) @ normalize(b).T`, `F.linear(normalize(x),
    normalize(W))`, `sum(u * v)` with `u = a / norm(a)`. In exact arithmetic it lies in
    [-1, 1]; rounded, it can land just outside."""
    linear = _linear_factors(ctx, expr, scope)
    if linear is not None:
        return unit(ctx, linear[0], linear[1]) and unit(ctx, linear[2], linear[1])
    op = follow(ctx, expr, scope)
    if op is None:
        return False
    if op.kind == "cosine_similarity":
        return True
    if op.kind == "div":
        return norm_product(ctx, op.right, op.scope)
    if op.kind == "matmul":
        left, right = _factors(op)
        return unit(ctx, left, op.scope) and unit(ctx, right, op.scope)
    if op.kind == "sum" and op.operand is not None:
        product = follow(ctx, op.operand, op.scope)
        return product is not None and product.kind == "mul" \
            and unit(ctx, product.left, product.scope) and unit(ctx, product.right, product.scope)
    return False


def _linear_factors(ctx, expr, scope):
    """`(input, scope, weight)` of `F.linear(input, weight)` (no bias) held in `expr`."""
    origin = ctx.origin(expr, scope)
    call = origin.expr
    if not isinstance(call, ast.Call) \
            or ctx.model.qualname(call.func, origin.scope) not in LINEAR_PRODUCTS:
        return None
    keywords = {k.arg: k.value for k in call.keywords}
    args = list(call.args) + [keywords.pop(name) for name in ("input", "weight")
                              if name in keywords]
    if len(args) != 2 or keywords:
        return None  # a bias, or arguments we cannot place
    return args[0], origin.scope, args[1]


def unit(ctx, expr, scope) -> bool:
    """Whether `expr` is normalized to unit norm: `normalize(x)`, `x / norm(x)`, or its
    transpose."""
    if expr is None:
        return False
    op = follow(ctx, expr, scope)
    for _ in range(_DEPTH):
        if op is None or op.kind != "transpose" or op.operand is None:
            break
        op = follow(ctx, op.operand, op.scope)
    if op is None:
        return False
    if op.kind == "normalize":
        return True
    return op.kind == "div" and norm_of(ctx, op.right, op.scope)


def norm_product(ctx, expr, scope) -> bool:
    """`norm(a) * norm(b)` (or `std(a) * std(b)`), or `sqrt(sum(a**2) * sum(b**2))`."""
    op = follow(ctx, expr, scope)
    if op is None:
        return False
    if op.kind == "mul":
        return all(norm_of(ctx, side, op.scope) or _std(ctx, side, op.scope)
                   for side in (op.left, op.right))
    inner = radicand(op)
    if inner is None:
        return False
    product = follow(ctx, inner, op.scope)
    return product is not None and product.kind == "mul" \
        and sum_of_squares(ctx, product.left, product.scope) \
        and sum_of_squares(ctx, product.right, product.scope)


def _std(ctx, expr, scope) -> bool:
    op = follow(ctx, expr, scope)
    return op is not None and op.kind == "std"


def sum_of_squares(ctx, expr, scope) -> bool:
    """Whether `expr` is a squared Euclidean norm: `sum(x**2)`, `(x * x).sum(axis)`,
    `dot(x, x)`, `x @ x`, `norm(x)**2`, `square(norm(x))`."""
    op = follow(ctx, expr, scope)
    if op is None:
        return False
    if op.kind == "sum":
        return op.operand is not None and square_base(ctx, op.operand, op.scope) is not None
    if op.kind == "matmul":
        left, right = _factors(op)
        return ctx.same(left, right) or (
            isinstance(right, ast.Attribute) and right.attr == "T" and ctx.same(left, right.value))
    base = square_base(ctx, op.node, op.scope)
    return base is not None and norm_of(ctx, base, op.scope)


def _factors(op):
    if op.form == "operator":
        return op.left, op.right
    if op.form == "method":
        values = list((op.args or {}).values())
        return op.receiver, (values[0] if len(values) == 1 else None)
    values = list((op.args or {}).values())
    return (values[0], values[1]) if len(values) == 2 else (None, None)


def mutated(ctx, holder, scope) -> bool:
    """Whether the function may change the array a name holds in place: `c[c > 1] = 1`,
    `c.clamp_(-1, 1)`, `np.clip(c, -1, 1, out=c)`, or a call for its side effects with `c`
    as an argument. Conservative: anywhere in the function."""
    if not isinstance(holder, ast.Name):
        return False
    return holder.id in changed_in_place(ctx, scope.node)[0]


def default_dtype(ctx, framework, scope) -> str:
    """The float dtype code in `scope` computes in when nothing casts it: float64 if the
    function names float64, else the library's default (float32 for PyTorch, TensorFlow, JAX
    and Keras), else that of the module's only array library, else float64."""
    if "float64" in visible_dtypes(ctx, scope):
        return "float64"
    if framework is None:
        imported = ctx.model.imported_frameworks()
        framework = imported[0] if len(imported) == 1 else None
    return DEFAULT_FLOAT.get(framework or "", "float64")


def visible_dtypes(ctx, scope) -> set:
    """The dtypes the function holding `scope` (or, at module level, the module) names:
    `np.float32`, `torch.double`, `x.half()`, `dtype="float16"`, `x.astype("float32")`."""
    region = scope.node
    return ctx.shared(("dtypes", region), lambda: _visible_in(ctx, region))


def _visible_in(ctx, region) -> set:
    model = ctx.model
    found = set()
    for node in ast.walk(region):
        if isinstance(node, ast.Attribute):
            if node.attr not in _DTYPE_ATTRIBUTES:
                continue  # (module aliases rename a module, never the attribute)
            scope = model.scope_of(node)
            if scope is not None:
                dtype = DTYPE_NAMES.get(model.qualname(node, scope) or "")
                if dtype:
                    found.add(dtype)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in DTYPE_METHODS and not node.args and not node.keywords:
                found.add(DTYPE_METHODS[node.func.attr])
            if node.func.attr in ("astype", "type", "to") and node.args:
                found.update(_dtype_string(node.args[0]))
            for keyword in node.keywords:
                if keyword.arg == "dtype":
                    found.update(_dtype_string(keyword.value))
    return found


_DTYPE_ATTRIBUTES = frozenset(qualname.rsplit(".", 1)[-1] for qualname in DTYPE_NAMES)


def _dtype_string(node) -> Tuple[str, ...]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            and node.value in DTYPE_STRINGS:
        return (DTYPE_STRINGS[node.value],)
    return ()


# -- what the prefilter may ask of a module's text (`TextCondition`) -----------------------

DEFAULT_DTYPES = frozenset(DEFAULT_FLOAT.values()) | {"float64"}  # what `default_dtype` returns


def _words_of(dtype: str) -> frozenset:
    """The identifiers without which `visible_dtypes` cannot see `dtype`: the last part of its
    qualified names, its methods (`x.half()`) and strings (`"float16"`)."""
    return frozenset({q.rsplit(".", 1)[-1] for q, d in DTYPE_NAMES.items() if d == dtype}
                     | {m for m, d in DTYPE_METHODS.items() if d == dtype}
                     | {w for w, d in DTYPE_STRINGS.items() if d == dtype})


_DTYPE_WORDS = {dtype: _words_of(dtype) for dtype in FLOAT_FORMATS}


def possible_dtypes(text: str) -> frozenset:
    """The dtypes `default_dtype` and `visible_dtypes` may find anywhere in a module with this
    text: the defaults, and each other one whose words the text holds."""
    return DEFAULT_DTYPES | {d for d, names in _DTYPE_WORDS.items()
                             if d not in DEFAULT_DTYPES and any(has_word(text, n) for n in names)}
