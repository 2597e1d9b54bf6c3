"""NL402 normalization-without-epsilon: `x / norm(x)`, `(x - mean) / std` and their kin, with a
divisor that is zero for a zero row or constant data."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from numlint.engine.table import linalg, stats
from numlint.engine.rule import Applicability, Fixability, Op, Proof, Rule, bad, good

from ._patterns import (NONNEG, chain, changed_in_place, in_assertion, radicand,
                        shifted_by_max, sign, square_base, strip_casts)

# The floor the fix puts under a divisor, `max(d, EPS)`. It must be a nonzero number in the
# data's dtype, which numlint cannot see: 1e-7 (Keras's default fuzz factor) is the smallest
# power of ten that float16 can hold (as the subnormal 1.19e-7), and a normal number in
# bfloat16, float32 and float64. The common 1e-12 and 1e-8 round to 0 in float16, where such a
# floor does nothing. XLA (JAX) flushes float16 subnormals to zero: float16 data in JAX needs a
# floor of at least 6.1e-5, float16's smallest normal number.
EPS = "1e-7"


@dataclass
class _Divisor:
    """What a divisor computes: a `pattern` ("norm", "std", "sum" or "cosine") of `data`."""

    pattern: str
    data: Optional[ast.expr] = None       # the array the statistic is taken of
    op: Op = None  # type: ignore[assignment]  # the norm, std, var or sum operation
    ops: List[Op] = field(default_factory=list)  # every operation of the divisor


class NormalizationWithoutEpsilon(Rule):
    code = "NL402"
    name = "normalization-without-epsilon"
    summary = ("`x / norm(x)`, `(x - mean) / std`, `x / x.sum(axis)` divide by zero for a zero "
               "row or constant data; floor the divisor with an epsilon")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("div",)
    requires = (("div", "norm"), ("div", "std"), ("div", "var"), ("div", "sum"))

    what = f"""
Checks for normalizations whose divisor is a statistic of the data that is zero for some
inputs, with no epsilon: a row-wise norm (`x / norm(x, axis, keepdims=True)`, also
`x / sqrt(sum(x**2, axis))`), a standardization (`(x - mean) / std`, `x / sqrt(var)`), a cosine
similarity (`dot(a, b) / (norm(a) * norm(b))`) and a row-wise sum (`x / x.sum(axis,
keepdims=True)`), in one expression, with the divisor held in a name, or as an augmented
assignment (`x /= norm(x, axis=1, keepdims=True)`, `v /= sqrt(var)`).

It is silent when the divisor is guarded: `+ eps`, `maximum(d, eps)`, `clamp(min=...)`,
`clip`, `where`, a division inside `where(...)` or `nan_to_num(...)` or under
`np.errstate(...)`, a divisor that the function changes in place (`n[n == 0] = 1`). It is
also silent when the summed values are positive (an `exp`, a softmax, a sigmoid,
`counts + 1`, `counts + alpha`, a function of a max-shifted input; the naive softmax is
NL103's business); for the norm of a constant (a literal, or an array built from one:
`np.array([[...]])`, `torch.tensor(...)`); for a ratio of statistics that is not a
normalization of the data (`x.mean() / x.std()`); and for a norm or a sum over all elements,
whose zero case is an all-zero input (`counts / counts.sum()` of a histogram,
`v / np.linalg.norm(v)` of a direction vector) rather than one zero row among many.

It is silent, too, where the rows or columns cannot be zero by construction: the columns of
an orthonormal factor (`q` of `qr`, the eigenvectors of `eigh`, `u` of `svd`, a selection of
its columns, also returned through functions of the module), columns already divided by their
norm, and a product `a @ v` with such a `v` (a power or subspace iteration: dividing again
only corrects round-off); a matrix whose diagonal was just set to ones or another non-zero
constant (`set_diag(y, ones(n))`: every row holds it). An L1 norm of values of unknown sign
(`w / norm(w, ord=1, axis=-1)`) turns weights into a distribution, as `w / w.sum(axis)` does,
and is treated as that sum.

The fix floors the divisor at `{EPS}` (the module constant `EPS` of this rule; it is the
smallest power of ten float16 can represent).
"""
    why = """
A zero divisor gives `0 / 0 = nan`: an all-zero row (padding, a masked sample, a dead unit) has
norm 0 and sum 0, a constant feature has standard deviation 0, a zero embedding has no cosine.
A norm can also underflow to 0 for a nonzero row (`np.linalg.norm([1e-200, 1e-200])` is 0.0),
giving `inf`. In autodiff frameworks the gradient of `x / norm(x)` at a zero row is NaN even
when the forward value is masked away later.

Breaking input: `x = [[3, 4], [0, 0]]` normalized by its row norms gives
`[[0.6, 0.8], [nan, nan]]`; standardizing the columns of `[[1, 5], [1, 7]]` gives
`[[nan, -1], [nan, 1]]`.
"""
    fix_safety = f"""
The fix is unsafe: the epsilon is a modelling choice. It floors the divisor,
`n / maximum(d, {EPS})` (`torch.clamp(d, min={EPS})` in PyTorch), which is bit-identical to
the original wherever `d >= {EPS}` and maps a zero row to zeros; adding the epsilon instead
(`d + eps`, `sqrt(var + eps)`) would change every value. For `x / x.norm(dim=d, keepdim=True)`
in PyTorch the fix is `F.normalize(x, p=2.0, dim=d, eps={EPS})`, which computes exactly
`x / max(norm, eps)`; it is still unsafe, because a row whose norm is below the epsilon but
not zero (`[1e-9, 0]` in float32) was normalized exactly and is now shrunk (to `[0.01, 0]`).

An augmented assignment keeps its in-place update: `x /= d` becomes `x /= maximum(d, {EPS})`
(never `F.normalize`, which would bind a new tensor to the name).

A row sum is reported (and floored) only when the summed values are known to be non-negative
(a mask, a comparison, `abs`, squares): then a zero sum means an all-zero row, and the floor
maps it to zeros; for values of unknown sign a floor could turn a negative sum into the
epsilon, and such sums (probabilities, weights) are not reported. No fix is offered when the
divisor's operations come from different libraries.

The floor fixes the values, not every gradient: in JAX the gradient at a zero row or a
constant column stays NaN (the derivative of the norm or of the standard deviation at 0 is
`0 / 0`, and `maximum` multiplies it by 0), as it does through `torch.sqrt(var)` in PyTorch.
`F.normalize`, `torch.norm` and `Tensor.std` have finite gradients there.
"""
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.normalize.html",
        "https://numpy.org/doc/stable/reference/generated/numpy.maximum.html",
        "https://pytorch.org/docs/stable/generated/torch.clamp.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/maximum",
        "https://keras.io/api/utils/config_utils/#epsilon-function",
    )

    def check(self, ctx, op):
        trail = []
        divisor = _divisor(ctx, op.right, op.scope, trail)
        if divisor is None:
            return
        match = _matches_numerator(ctx, divisor, op, trail)
        if match is None or _guarded(ctx, op) or in_assertion(ctx, op.node):
            return
        if divisor.pattern == "sum" and sign(ctx, divisor.data, divisor.op.scope) is not NONNEG:
            # Values of unknown sign are most often probabilities or weights, which never sum
            # to zero; a mask, counts of a comparison, absolute values or squares can.
            return
        # The same `x` in two statements is one value only if nothing rebinds it in between.
        if match == "data" and not all(ctx.portable(o, op.node) for o in trail):
            return
        if divisor.pattern == "norm" and _nonzero_by_construction(ctx, divisor):
            return
        ctx.report(op.node, _MESSAGES[divisor.pattern], _fix(ctx, op, divisor, trail))


_MESSAGES = {
    "norm": "`x / norm(x)` is NaN for an all-zero row; floor the norm with an epsilon",
    "std": "dividing by a standard deviation is NaN or inf for constant data (std = 0); floor "
           "the std with an epsilon",
    "sum": "`x / x.sum(axis)` is NaN for a row that sums to zero; floor the sum with an epsilon",
    "cosine": "cosine similarity is NaN for a zero vector; floor the product of the norms with "
              "an epsilon",
}


# -- the divisor ---------------------------------------------------------------------------------


def _follow(ctx, expr, scope, trail):
    """The operation that computed `expr`, through names, indexing (`n[:, None]`) and dtype
    casts; an origin in another statement is recorded in `trail`. None if unknown."""
    for _ in range(4):
        while isinstance(expr, ast.Subscript):
            expr = expr.value
        expr = strip_casts(ctx, expr, scope)
        origin = ctx.origin(expr, scope)
        if not origin.remote:
            return origin.op
        if _mutated(ctx, expr, scope):
            return None
        trail.append(origin)
        if not isinstance(origin.expr, ast.Subscript):
            return origin.op
        expr, scope = origin.expr, origin.scope
    return None


def _divisor(ctx, expr, scope, trail) -> Optional[_Divisor]:
    op = _follow(ctx, expr, scope, trail)
    if op is None:
        return None
    if op.kind == "mul":  # norm(a) * norm(b)
        factors = [_norm(ctx, side, op.scope, trail) for side in (op.left, op.right)]
        found = [f for f in factors if f is not None]
        if len(found) == len(factors):
            return _Divisor("cosine", ops=[op] + [f.op for f in found])
        return None
    norm = _norm(ctx, op.node, op.scope, trail)
    if norm is not None:
        return norm if norm.op.axis is not None else None
    if op.kind == "std" and op.operand is not None:
        return _Divisor("std", op.operand, op, [op])
    root = radicand(op)
    if root is not None:
        inner = _follow(ctx, root, op.scope, trail)
        if inner is not None and inner.kind == "var" and inner.operand is not None:
            return _Divisor("std", inner.operand, inner, [op, inner])
        return None
    if op.kind == "sum" and op.operand is not None and op.axis is not None:
        if not _positive(ctx, op.operand, op.scope):
            return _Divisor("sum", op.operand, op, [op])
    return None


def _norm(ctx, expr, scope, trail) -> Optional[_Divisor]:
    """A norm: `norm(x)`, or written out, `sqrt(sum(x**2))`; `.T` and indexing of it too."""
    op = _follow(ctx, expr, scope, trail)
    if op is not None and op.kind == "transpose":
        return _norm(ctx, op.operand, op.scope, trail)
    if op is None:
        return None
    if op.kind == "norm" and op.operand is not None:
        return _Divisor("norm", op.operand, op, [op])
    root = radicand(op)
    if root is not None:
        total = _follow(ctx, root, op.scope, trail)
        if total is not None and total.kind == "sum":
            data = square_base(ctx, total.operand, total.scope)
            if data is not None:
                return _Divisor("norm", data, total, [op, total])
    return None


def _matches_numerator(ctx, divisor: _Divisor, op, trail) -> Optional[str]:
    """Whether the division normalizes the data the divisor was computed from: "shape" when
    it has the shape of a normalization whatever the data (a cosine, `(x - mean) / std`),
    "data" when the numerator is the data itself (`x / norm(x)`, `(x - m) / std(x)`), None
    otherwise."""
    numerator = op.left
    if isinstance(numerator, ast.Constant):
        return None
    if divisor.pattern == "cosine":
        return "shape"
    data = divisor.data
    if isinstance(data, (ast.Constant, ast.List, ast.Tuple)) or _literal_array(ctx, data, op.scope):
        return None  # a constant: its norm is known
    if divisor.pattern == "norm" and _gaussian_noise(ctx, data, op.scope):
        return None  # a direction drawn at random: non-zero with probability one
    centered = None
    if divisor.pattern == "std":  # `(x - mean) / std`, `(x - mu) / sd` with `mu` a mean
        centered = _follow(ctx, numerator, op.scope, trail)
        if centered is not None and centered.kind == "sub":
            mean = _follow(ctx, centered.right, centered.scope, trail)
            if mean is not None and mean.kind == "mean":
                return "shape"
        else:
            centered = None
    if ctx.same(numerator, data) or (centered is not None and ctx.same(centered.left, data)):
        return "data"
    return None


# -- data whose norm cannot be zero -------------------------------------------------------------


def _nonzero_by_construction(ctx, divisor: _Divisor) -> bool:
    """Whether the rows (or columns) being normalized cannot be zero, by how the code built
    them, or are weights rather than data:

    * an L1 norm (`norm(w, ord=1, axis)`) of values of unknown sign: `w / sum(|w|)` turns
      weights into a distribution, as `w / w.sum(axis)` does (not reported either); of values
      known non-negative (a mask, `abs`, squares) it is a row sum that can be zero;
    * columns that have unit norm by construction: a slice of the columns of an orthonormal
      factor (`q` of `qr`, the eigenvectors of `eigh`, `u` of `svd`), columns already divided
      by their norm, and a product `A @ V` with such a `V` (a power or subspace iteration):
      normalizing them again only corrects round-off;
    * a matrix whose diagonal was just set to a non-zero constant (`set_diag(y, ones)`):
      every row and column holds a non-zero entry."""
    norm = divisor.op
    if norm.kind != "norm" or divisor.data is None:
        return False
    data, scope = divisor.data, norm.scope
    order = _order(norm)
    if order == 1 and sign(ctx, data, scope) is not NONNEG:
        return True
    if order not in (None, 2):
        return False
    if _int_value(norm.axis) in _COLUMN_AXES:
        if _unit_columns(ctx, data, scope, _DEPTH):
            return True
        product = _follow(ctx, data, scope, [])
        if product is not None and product.kind == "matmul":
            right = _right_factor(ctx, product)
            if right is not None and _unit_columns(ctx, right[0], right[1], _DEPTH):
                return True
    return _diagonal_set(ctx, data, scope)


_COLUMN_AXES = (0, -2)  # the columns of a matrix
_DEPTH = 4  # functions followed to a decomposition


def _order(norm: Op) -> Optional[int]:
    """The order of a norm (`ord=1`, torch's `p=1`): None for the default (2 for vectors),
    -1 when it is not a literal number."""
    args = norm.args or {}
    value = args.get("ord", args.get("p"))
    if value is None:
        return None
    number = _int_value(value)
    if number is None and isinstance(value, ast.Constant) and value.value in (1.0, 2.0):
        number = 1 if value.value == 1.0 else 2
    return number if number is not None else -1


def _int_value(node) -> Optional[int]:
    if _int_literal(node):
        return int(ast.literal_eval(node))
    return None


_NAMED_FACTORS = ("Q", "U", "eigenvectors")  # the named tuples of torch and NumPy 2
# Arguments that make a decomposition skip that factor.
_FACTOR_OFF = ("eigvals_only", "compute_uv", "compute_v", "compute_q")


def _orthonormal_factor(ctx, call, scope) -> Optional[int]:
    """The index of the factor with orthonormal columns returned by `call`, a decomposition
    (`np.linalg.qr(a)`, `jnp.linalg.eigh(a)`, `torch.linalg.svd(a)`: the table's
    `ORTHONORMAL_FACTORS`); None otherwise."""
    if not isinstance(call, ast.Call):
        return None
    qualname = ctx.model.qualname(call.func, scope)
    index = linalg.ORTHONORMAL_FACTORS.get(qualname) if qualname is not None else None
    if index is None:
        return None
    for keyword in call.keywords:
        if keyword.arg in _FACTOR_OFF:
            return None
        if keyword.arg == "mode" and not (isinstance(keyword.value, ast.Constant) and
                                          keyword.value.value in ("reduced", "complete",
                                                                  "economic", "full")):
            return None
    return index


def _unit_columns(ctx, expr, scope, depth: int) -> bool:
    """Whether `expr` holds a matrix whose columns have unit norm by construction: the
    orthonormal factor of a decomposition, a selection of its columns (`v[:, ::-1]`,
    `q[:, :k]`), columns divided by their norm (`b /= norm(b, axis=0)`), through names, tuple
    unpacking (`w, v = eigh(a)`) and functions of the module that return such a factor."""
    for _ in range(8):
        if isinstance(expr, ast.Subscript) and _keeps_columns(expr):
            expr = expr.value
            continue
        if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
            index = _orthonormal_factor(ctx, expr.value, scope)  # `qr(a)[0]`
            return index is not None and expr.slice.value == index
        if isinstance(expr, ast.Attribute) and expr.attr in _NAMED_FACTORS:
            return _orthonormal_factor(ctx, expr.value, scope) is not None
        origin = ctx.origin(expr, scope)
        if origin.remote:
            expr, scope = origin.expr, origin.scope
            continue
        if isinstance(expr, ast.Name):
            return _unit_name(ctx, expr, scope, depth)
        op = ctx.op(expr, scope)
        return op is not None and _normalized_columns(ctx, op)
    return False


def _keeps_columns(subscript: ast.Subscript) -> bool:
    """`v[:, ::-1]`, `q[:, :k]`, `v[..., idx]`: every row kept, so each column keeps its norm."""
    index = subscript.slice
    if not isinstance(index, ast.Tuple) or len(index.elts) != 2:
        return False
    first = index.elts[0]
    if isinstance(first, ast.Constant) and first.value is Ellipsis:
        return True
    return isinstance(first, ast.Slice) and first.lower is None and first.upper is None and \
        first.step is None


def _unit_name(ctx, name: ast.Name, scope, depth: int) -> bool:
    """A name bound by unpacking a decomposition (`q, r = qr(a)`) or a function of the module
    returning one, or by dividing itself by its column norms (`b /= norm(b, axis=0)`)."""
    binding = _reaching_binding(ctx, name, scope)
    if binding is None:
        return False
    statement = binding.node
    if isinstance(statement, ast.AugAssign):
        op = ctx.op(statement, scope)
        return op is not None and _normalized_columns(ctx, op)
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Tuple):
        return False
    targets = statement.targets[0].elts
    index = next((i for i, t in enumerate(targets)
                  if isinstance(t, ast.Name) and t.id == name.id), None)
    if index is None or any(isinstance(t, ast.Starred) for t in targets):
        return False
    return _returns_unit_columns(ctx, statement.value, scope, index, depth)


def _returns_unit_columns(ctx, call, scope, index: int, depth: int) -> bool:
    """Whether element `index` of what `call` returns has unit columns: a decomposition's
    orthonormal factor, or a function of the module every `return` of which gives one."""
    if _orthonormal_factor(ctx, call, scope) == index:
        return True
    if depth <= 0 or not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return False
    function = _local_function(ctx, call.func, scope)
    if function is None:
        return False
    node, inner = function
    returns = [r for r in _returns(node) if r.value is not None]
    if not returns:
        return False
    for statement in returns:
        value = statement.value
        if isinstance(value, ast.Tuple):
            if len(value.elts) <= index or \
                    not _unit_columns(ctx, value.elts[index], inner, depth - 1):
                return False
        elif not _returns_unit_columns(ctx, value, inner, index, depth - 1):
            return False
    return True


def _local_function(ctx, name: ast.Name, scope):
    """The definition and scope of the module's function `name` (its only binding)."""
    _, bindings = ctx.model.lookup(name.id, scope)
    if len(bindings) != 1:
        return None
    node = bindings[0].node
    inner = ctx.model.scope_by_node.get(node)
    if inner is None or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
            node.name != name.id:
        return None
    return node, inner


def _returns(function) -> List[ast.Return]:
    """The `return` statements of a function, not of functions or classes inside it."""
    found: List[ast.Return] = []
    stack: List[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            found.append(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                   ast.Lambda, ast.expr)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _reaching_binding(ctx, name: ast.Name, scope):
    """The binding of `name` that reaches its use in straight-line code, or None."""
    use = ctx.model.statement_of(name)
    owner, bindings = ctx.model.lookup(name.id, scope)
    if use is None or owner is not scope or not bindings:
        return None
    return ctx.model.dataflow.reaching(bindings, use)


def _normalized_columns(ctx, op: Op) -> bool:
    """`b / norm(b, axis=0)` (or `b /= ...`), unguarded: its columns have unit norm (or are
    already NaN, which that division's own finding reports)."""
    if op.kind != "div" or op.left is None or op.right is None:
        return False
    divisor = _divisor(ctx, op.right, op.scope, [])
    if divisor is None or divisor.pattern != "norm" or divisor.op.kind != "norm" or \
            _order(divisor.op) not in (None, 2) or \
            _int_value(divisor.op.axis) not in _COLUMN_AXES:
        return False
    return ctx.same(op.left, divisor.data)


def _right_factor(ctx, product: Op):
    """The right factor of a matrix product (`a @ b`, `matmul(a, b)`, a function of the
    module returning `matmul` of its parameters), with its scope; None if unknown."""
    if isinstance(product.node, ast.BinOp):
        return product.node.right, product.scope
    call = product.node
    if not isinstance(call, ast.Call):
        return None
    if product.form == "function" and product.spec is not None and product.args is not None:
        positional = product.spec.signature.positional
        if len(positional) >= 2 and positional[1] in product.args:
            return product.args[positional[1]], product.scope
        return None
    if product.form != "returned" or not isinstance(call.func, ast.Name) or \
            any(isinstance(a, ast.Starred) for a in call.args):
        return None
    function = _local_function(ctx, call.func, product.scope)
    if function is None:
        return None
    node, inner = function
    returns = _returns(node)
    if len(returns) != 1 or returns[0].value is None:
        return None
    returned = ctx.op(returns[0].value, inner)
    if returned is None or returned.kind != "matmul" or returned.form == "returned":
        return None
    right = _right_factor(ctx, returned)
    if right is None or not isinstance(right[0], ast.Name):
        return None
    params = [a.arg for a in node.args.posonlyargs + node.args.args]
    if right[0].id not in params or len(inner.bindings.get(right[0].id, ())) != 1:
        return None
    position = params.index(right[0].id)
    if position >= len(call.args):
        return None
    return call.args[position], product.scope


# Functions that set the diagonal of a matrix: (the matrix, the diagonal) by position.
_SET_DIAGONAL = ("set_diag", "matrix_set_diag")


def _diagonal_set(ctx, data, scope) -> bool:
    """`set_diag(y, ones(...))`: a matrix whose diagonal was set to a non-zero constant."""
    origin = ctx.origin(data, scope)
    call = origin.expr
    if not isinstance(call, ast.Call) or len(call.args) < 2:
        return False
    qualname = ctx.model.qualname(call.func, origin.scope)
    if qualname is None or qualname.split(".")[-1] not in _SET_DIAGONAL:
        return False
    return _nonzero_constant(ctx, call.args[1], origin.scope)


def _nonzero_constant(ctx, expr, scope) -> bool:
    """A non-zero number, or an array of ones (`ones(shape)`, `ones_like(x)`)."""
    if _positive_constant(expr):
        return True
    origin = ctx.origin(expr, scope)
    call = origin.expr
    if not isinstance(call, ast.Call):
        return _positive_constant(call)
    qualname = ctx.model.qualname(call.func, origin.scope)
    return qualname is not None and qualname.split(".")[-1] in ("ones", "ones_like")


def _gaussian_noise(ctx, data, scope) -> bool:
    """Whether `data` holds draws of Gaussian noise (`normal_samples = samplers.normal(...)`,
    `torch.randn(n, d)`, `rng.standard_normal((n, d))` of a NumPy generator held in a name),
    directly or through a name."""
    origin = ctx.origin(data, scope)
    call = origin.expr
    if not isinstance(call, ast.Call):
        return False
    qualname = ctx.model.qualname(call.func, origin.scope)
    if qualname is not None:
        return stats.draws_gaussian_noise(qualname)
    return isinstance(call.func, ast.Attribute) and _random_generator_draw(call.func)


# Methods of NumPy's random generators (`Generator`, `RandomState`) drawing Gaussian noise;
# `normal` also names other things, so only on a receiver named as a generator.
_GENERATOR_GAUSSIAN_METHODS = frozenset({"standard_normal", "randn"})
_GENERATOR_NAMES = ("rng", "random", "generator")


def _random_generator_draw(func: ast.Attribute) -> bool:
    """`rng.standard_normal(shape)`, `random_state.randn(n, d)`, `self.rng.normal(...)`."""
    if func.attr in _GENERATOR_GAUSSIAN_METHODS:
        return True
    receiver = func.value
    name = receiver.attr if isinstance(receiver, ast.Attribute) else \
        receiver.id if isinstance(receiver, ast.Name) else ""
    return func.attr == "normal" and any(part in name.lower() for part in _GENERATOR_NAMES)


def _literal_array(ctx, data, scope) -> bool:
    """Whether `data` is an array built from a literal (`np.array([[0.8, 0.6], [1.7, -1.0]])`,
    `torch.tensor(...)`, directly or through a name): a constant, as a list literal is."""
    built = _follow(ctx, data, scope, [])
    return built is not None and built.kind == "array" and \
        isinstance(built.operand, (ast.List, ast.Tuple, ast.Constant))


def _positive(ctx, expr, scope) -> bool:
    """Values known to be positive: an exponential, a softmax or sigmoid, `x + 1`, `x + eps`,
    `maximum(x, 1e-8)`, a function of a max-shifted input (`exp(x - x.max())` in a library
    numlint does not know)."""
    origin = ctx.origin(strip_casts(ctx, expr, scope), scope)
    op = origin.op
    if op is None:
        # `f(x - x.max(...))` of a function numlint does not know: the exponential of a
        # max-shifted softmax in some other library.
        call = origin.expr
        return (isinstance(call, ast.Call) and len(call.args) == 1
                and shifted_by_max(ctx, call.args[0], origin.scope))
    if op.kind in ("exp", "softmax", "sigmoid"):
        return True
    if op.kind == "add":
        return any(_positive_constant(side) or isinstance(side, (ast.Name, ast.Attribute))
                   for side in (op.left, op.right))
    if op.kind == "maximum":
        return any(_positive_constant(arg) for arg in op.node.args)
    return False


def _positive_constant(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool) and node.value > 0)


# -- guards --------------------------------------------------------------------------------------


def _guarded(ctx, op) -> bool:
    """The division sits inside `where(...)` or `nan_to_num(...)`, or under `np.errstate`:
    its zero divisors are handled."""
    node = op.node
    parent = ctx.model.parent_of(node)
    while isinstance(parent, (ast.Call, ast.BinOp, ast.UnaryOp)):
        enclosing = ctx.op(parent)
        if enclosing is not None and enclosing.kind in ("where", "nan_to_num"):
            return True
        parent = ctx.model.parent_of(parent)
    statement = ctx.model.statement_of(node)
    if statement is None:
        return False
    region = op.scope.node
    if isinstance(region, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        # The blocks around the statement, up to its function (not every node of it).
        candidates = []
        current: ast.AST = statement
        while current is not region:
            block = ctx.model.block_of(current)
            if block is None:
                break
            current = block[0]
            candidates.append(current)
    else:
        candidates = list(ast.walk(region))
    for candidate in candidates:
        if isinstance(candidate, (ast.With, ast.AsyncWith)) and \
                candidate.lineno <= statement.lineno <= candidate.end_lineno:
            for item in candidate.items:
                manager = ctx.op(item.context_expr)
                if manager is not None and manager.kind == "errstate":
                    return True
    return False


def _mutated(ctx, holder, scope) -> bool:
    """Whether the code may change the array a name (or `self.` attribute) holds in place:
    `n[n == 0] = 1`, `n.clamp_(min=eps)`, `np.maximum(n, eps, out=n)`, or a call for its side
    effects with `n` as an argument (`np.copyto(n, ...)`). Conservative: anywhere in the
    function, or in the class for an attribute."""
    if not isinstance(holder, (ast.Name, ast.Attribute)):
        return False
    region = scope.node
    if isinstance(holder, ast.Attribute) and scope.parent is not None \
            and scope.parent.kind == "class":
        region = scope.parent.node
    chains, others = changed_in_place(ctx, region)
    key = chain(holder)
    if key is not None:
        return key in chains
    dumped = ast.dump(holder, annotate_fields=False)
    return any(ast.dump(node, annotate_fields=False) == dumped for node in others)


# -- the fix -------------------------------------------------------------------------------------


def _fix(ctx, op, divisor: _Divisor, trail):
    """Floor the divisor at `EPS`; in PyTorch, `x / x.norm(dim=d, keepdim=True)` becomes
    `F.normalize(x, p=2.0, dim=d, eps=EPS)`."""
    framework = ctx.framework(*divisor.ops)
    if framework is None:
        return None
    if op.augmented:  # `x /= d` becomes `x /= maximum(d, eps)`: the value only, in place
        replacement = ctx.render("floored", framework, op.scope, like=divisor.op,
                                 d=op.right, eps=EPS)
        return ctx.fix(op.right, replacement, f"Floor the divisor at {EPS} with `{{callee}}`",
                       Applicability.UNSAFE)
    if _normalize_applies(ctx, op, divisor, trail):  # where the table has `normalize`
        replacement = ctx.render("normalize", framework, op.scope, like=divisor.op,
                                 x=op.left, dim=divisor.op.axis, eps=EPS)
        if replacement is not None:
            return ctx.fix(op.node, replacement, f"Replace with `{{callee}}` (eps={EPS})",
                           Applicability.UNSAFE)
    replacement = ctx.render("divide_floored", framework, op.scope, like=divisor.op,
                             n=op.left, d=op.right, eps=EPS)
    return ctx.fix(op.node, replacement, f"Floor the divisor at {EPS} with `{{callee}}`",
                   Applicability.UNSAFE)


def _normalize_applies(ctx, op, divisor: _Divisor, trail) -> bool:
    """`x / x.norm(dim=d, keepdim=True)` with the 2-norm over one literal dimension, in one
    expression: exactly `F.normalize`'s `x / max(norm, eps)`."""
    norm = divisor.op
    if divisor.pattern != "norm" or trail or norm.kind != "norm" or op.right is not norm.node:
        return False
    if not norm.is_plain() or not _is_true(norm.keepdims):
        return False
    return _int_literal(norm.axis)


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _int_literal(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes: the zero case becomes 0 (the reference maps 0 / 0 to 0).
_ZERO_ROW = Proof(
    extreme={"x": [[3.0, 4.0], [0.0, 0.0]]},
    reference="np.nan_to_num(x / np.linalg.norm(x, axis=-1, keepdims=True))",
    why="the norm of a zero row is 0, and 0 / 0 is NaN")
_CONSTANT_COLUMN = Proof(
    extreme={"x": [[1.0, 5.0], [1.0, 7.0]]},
    reference="np.nan_to_num((x - x.mean(axis=0)) / x.std(axis=0))",
    why="a constant column has standard deviation 0, and 0 / 0 is NaN")


EXAMPLES = (
    good("torch", """
        import torch

        def random_directions(n, d):
            v = torch.randn(n, d)
            return v / v.norm(dim=-1, keepdim=True)
        """, title="a direction drawn at random: non-zero with probability one"),
    bad("numpy", """
        import numpy as np

        def unit_rows(x):
            return x / np.linalg.norm(x, axis=1, keepdims=True)
        """, """
        import numpy as np

        def unit_rows(x):
            return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-7)
        """, unsafe=True, proof=_ZERO_ROW),
    bad("numpy", """
        import numpy as np

        def standardize(x):
            return (x - x.mean(axis=0)) / x.std(axis=0)
        """, """
        import numpy as np

        def standardize(x):
            return (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-7)
        """, unsafe=True, title="standardization", proof=_CONSTANT_COLUMN),
    bad("numpy", """
        import numpy as np

        def cosine(a, b):
            return np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
        """, """
        import numpy as np

        def cosine(a, b):
            return np.dot(a, b) / np.maximum(np.linalg.norm(a) * np.linalg.norm(b), 1e-7)
        """, unsafe=True, title="cosine similarity", proof=Proof(
            extreme={"a": [0.0, 0.0, 0.0], "b": [1.0, 2.0, 3.0]},
            reference="np.nan_to_num(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))",
            why="the cosine of a zero vector is 0 / 0")),
    bad("numpy", """
        import numpy as np

        def attention_weights(scores):
            weights = np.abs(scores)
            totals = weights.sum(axis=-1, keepdims=True)
            return weights / totals
        """, """
        import numpy as np

        def attention_weights(scores):
            weights = np.abs(scores)
            totals = weights.sum(axis=-1, keepdims=True)
            return weights / np.maximum(totals, 1e-7)
        """, unsafe=True, title="row sums of non-negative values, held in a name",
        proof=Proof(extreme={"scores": _ZERO_ROW.extreme["x"]},
                    reference="np.nan_to_num(np.abs(scores) / np.abs(scores).sum("
                              "axis=-1, keepdims=True))",
                    why="a row of zeros sums to 0")),
    good("numpy", """
        import numpy as np

        def row_distribution(weights):
            return weights / weights.sum(axis=1, keepdims=True)
        """, title="row sums of values of unknown sign: most often positive weights"),
    bad("torch", """
        import torch

        def masked_average(states, mask):
            weights = (~mask).float()
            weights = weights / weights.sum(dim=1, keepdim=True)
            return (states * weights.unsqueeze(2)).sum(1)
        """, """
        import torch

        def masked_average(states, mask):
            weights = (~mask).float()
            weights = weights / torch.clamp(weights.sum(dim=1, keepdim=True), min=1e-7)
            return (states * weights.unsqueeze(2)).sum(1)
        """, unsafe=True, title="a mask: a fully masked row sums to zero"),
    good("numpy", """
        import numpy as np
        from numpy.testing import assert_allclose

        def test_cosine(a, b, expected):
            assert_allclose(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), expected)
        """, title="computed only to be checked by a test"),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def unit_rows(x):
            return x / x.norm(dim=-1, keepdim=True)
        """, """
        import torch
        import torch.nn.functional as F

        def unit_rows(x):
            return F.normalize(x, p=2.0, dim=-1, eps=1e-7)
        """, unsafe=True, proof=_ZERO_ROW),
    bad("torch", """
        import torch

        def whiten(h):
            mu = h.mean(dim=0)
            return (h - mu) / torch.sqrt(h.var(dim=0))
        """, """
        import torch

        def whiten(h):
            mu = h.mean(dim=0)
            return (h - mu) / torch.clamp(torch.sqrt(h.var(dim=0)), min=1e-7)
        """, unsafe=True, title="square root of a variance", proof=Proof(
            extreme={"h": _CONSTANT_COLUMN.extreme["x"]},
            reference="np.nan_to_num((h - h.mean(axis=0)) / h.std(axis=0, ddof=1))",
            why=_CONSTANT_COLUMN.why, gradient=False)),
    bad("tensorflow", """
        import tensorflow as tf

        def unit_rows(x):
            return x / tf.norm(x, axis=-1, keepdims=True)
        """, """
        import tensorflow as tf

        def unit_rows(x):
            return x / tf.maximum(tf.norm(x, axis=-1, keepdims=True), 1e-7)
        """, unsafe=True, proof=_ZERO_ROW),
    bad("jax", """
        import jax.numpy as jnp

        def standardize(x):
            return (x - jnp.mean(x, axis=0)) / jnp.std(x, axis=0)
        """, """
        import jax.numpy as jnp

        def standardize(x):
            return (x - jnp.mean(x, axis=0)) / jnp.maximum(jnp.std(x, axis=0), 1e-7)
        """, unsafe=True, proof=Proof(
            extreme=_CONSTANT_COLUMN.extreme, reference=_CONSTANT_COLUMN.reference,
            why=_CONSTANT_COLUMN.why, gradient=False)),
    bad("keras", """
        import keras

        def unit_rows(x):
            return x / keras.ops.sqrt(keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True))
        """, """
        import keras

        def unit_rows(x):
            return x / keras.ops.maximum(keras.ops.sqrt(keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True)), 1e-7)
        """, unsafe=True, title="a norm written out", proof=_ZERO_ROW),
    bad("numpy", """
        import numpy as np

        def unit_rows(x):
            x = x.copy()
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            return x
        """, """
        import numpy as np

        def unit_rows(x):
            x = x.copy()
            x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-7)
            return x
        """, unsafe=True, title="an augmented assignment: the fix floors its value only",
        proof=_ZERO_ROW),
    bad("numpy", """
        import numpy as np

        def standardize(v):
            v = v - v.mean(axis=0)
            v /= np.sqrt(v.var(axis=0))
            return v
        """, """
        import numpy as np

        def standardize(v):
            v = v - v.mean(axis=0)
            v /= np.maximum(np.sqrt(v.var(axis=0)), 1e-7)
            return v
        """, unsafe=True, title="an augmented assignment by the root of a variance",
        proof=Proof(extreme={"v": _CONSTANT_COLUMN.extreme["x"]},
                    reference="np.nan_to_num((v - v.mean(axis=0)) / v.std(axis=0))",
                    why=_CONSTANT_COLUMN.why)),
    bad("numpy", """
        import numpy as np

        def row_frequencies(counts):
            p = np.abs(counts)
            p /= p.sum(axis=1, keepdims=True)
            return p
        """, """
        import numpy as np

        def row_frequencies(counts):
            p = np.abs(counts)
            p /= np.maximum(p.sum(axis=1, keepdims=True), 1e-7)
            return p
        """, unsafe=True, title="an augmented assignment by a row sum of non-negative values",
        proof=Proof(extreme={"counts": _ZERO_ROW.extreme["x"]},
                    reference="np.nan_to_num(np.abs(counts) / np.abs(counts).sum("
                              "axis=1, keepdims=True))",
                    why="a row of zeros sums to 0")),
    bad("torch", """
        import torch

        @torch.no_grad()
        def normalize_embeddings(embeddings):
            embeddings = embeddings.clone()
            embeddings /= embeddings.norm(dim=-1, keepdim=True)
            return embeddings
        """, """
        import torch

        @torch.no_grad()
        def normalize_embeddings(embeddings):
            embeddings = embeddings.clone()
            embeddings /= torch.clamp(embeddings.norm(dim=-1, keepdim=True), min=1e-7)
            return embeddings
        """, unsafe=True, title="an augmented assignment, in place (no gradient)",
        proof=Proof(extreme={"embeddings": _ZERO_ROW.extreme["x"]},
                    reference="np.nan_to_num(embeddings / np.linalg.norm("
                              "embeddings, axis=-1, keepdims=True))",
                    why=_ZERO_ROW.why, gradient=False)),
    good("numpy", """
        import numpy as np

        def unit_rows(x, eps=1e-7):
            x = x.copy()
            x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), eps)
            x /= 2.0
            return x
        """, title="augmented assignments by a floored norm and by a constant"),
    good("torch", """
        import torch

        @torch.no_grad()
        def normalize_embeddings(embeddings, eps=1e-7):
            n = embeddings.norm(dim=-1, keepdim=True)
            embeddings /= torch.maximum(n, torch.tensor(eps))
            embeddings /= 2.0
            return embeddings
        """, title="augmented assignments by a floored norm and by a constant, in PyTorch"),
    good("numpy", """
        import numpy as np

        def unit_rows(x, eps=1e-7):
            n = np.linalg.norm(x, axis=1, keepdims=True)
            n += eps
            x /= n
            return x
        """, title="a divisor changed by its own augmented assignment: unknown"),
    good("numpy", """
        import numpy as np

        def sample_sphere(n, dim, seed=None):
            rng = np.random.default_rng(seed)
            points = rng.standard_normal((n, dim))
            points /= np.linalg.norm(points, axis=1, keepdims=True)
            return points
        """, title="directions drawn with a NumPy generator: non-zero with probability one"),
    good("jax", """
        import jax.numpy as jnp

        def top_eigenvectors(a, k):
            w, v = jnp.linalg.eigh(a)
            top = v[:, ::-1][:, :k]
            top /= jnp.linalg.norm(top, axis=0, keepdims=True)
            return top
        """, title="columns of eigenvectors: unit norm by construction"),
    good("numpy", """
        import numpy as np

        def subspace_step(a, v):
            q, _ = np.linalg.qr(v)
            x = a @ q
            return x / np.linalg.norm(x, axis=0, keepdims=True)
        """, title="a product with orthonormal columns (a subspace iteration)"),
    good("tensorflow", """
        import tensorflow as tf

        def unit_rows_with_unit_diagonal(y, n):
            y = tf.linalg.set_diag(y, tf.ones([n], dtype=y.dtype))
            y /= tf.norm(y, axis=-1, keepdims=True)
            return y
        """, title="rows whose diagonal was set to ones: each row holds a 1"),
    good("tensorflow", """
        import tensorflow as tf

        def quadrature_probs(weights):
            probs = tf.convert_to_tensor(weights)
            probs /= tf.norm(probs, ord=1, axis=-1, keepdims=True)
            return probs
        """, title="weights normalized by their L1 norm: a distribution, as by their sum"),
    good("numpy", """
        import numpy as np

        def unit_rows(x, eps=1e-12):
            return x / (np.linalg.norm(x, axis=1, keepdims=True) + eps)
        """, title="+ eps"),
    good("numpy", """
        import numpy as np

        def unit_rows(x):
            return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        """, title="a floor"),
    good("torch", """
        import torch

        def unit_rows(x):
            return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-12)
        """, title="clamp"),
    good("torch", """
        import torch

        def standardize(x):
            return (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
        """, title="clamp_min"),
    good("numpy", """
        import numpy as np

        def standardize(x):
            sd = x.std(axis=0)
            sd[sd == 0] = 1.0
            return (x - x.mean(axis=0)) / sd
        """, title="zero divisors replaced in place"),
    good("numpy", """
        import numpy as np

        def unit_rows(x):
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            return np.where(norms > 0, x / norms, 0.0)
        """, title="inside where"),
    good("numpy", """
        import numpy as np

        def standardize(x):
            with np.errstate(divide="ignore", invalid="ignore"):
                z = (x - x.mean(axis=0)) / x.std(axis=0)
            return np.nan_to_num(z)
        """, title="under errstate"),
    good("numpy", """
        import numpy as np

        def standardize(x):
            return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
        """, title="epsilon inside the square root"),
    good("numpy", """
        import numpy as np

        def histogram_density(values, bins):
            counts, _ = np.histogram(values, bins)
            return counts / counts.sum()
        """, title="a whole-array sum: an empty histogram, not a zero row"),
    good("numpy", """
        import numpy as np

        def direction(v):
            return v / np.linalg.norm(v)
        """, title="a whole-vector norm"),
    good("numpy", """
        import numpy as np

        def smoothed(counts):
            return (counts + 1) / (counts + 1).sum(axis=1, keepdims=True)
        """, title="+ 1: positive"),
    good("jax", """
        import jax.numpy as jnp

        def probabilities(scores):
            e = jnp.exp(scores - scores.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """, title="a sum of exponentials is positive"),
    good("numpy", """
        import numpy as np

        def scale(x):
            return x / np.sqrt(2.0)
        """, title="a constant"),
    good("numpy", """
        import numpy as np

        def reference():
            data = np.array([[0.8660254, 0.5, 0.0], [1.7320508, -1.0, 0.0]])
            return data / np.linalg.norm(data, axis=-1, keepdims=True)
        """, title="an array written out in the code: its rows are known"),
    good("torch", """
        import torch

        corners = torch.tensor([[1.0, 1.0], [-1.0, 1.0]])
        directions = corners / corners.norm(dim=1, keepdim=True)
        """, title="a tensor written out in the code"),
    good("numpy", """
        import numpy as np

        def sharpe(returns):
            return returns.mean() / returns.std()
        """, title="a ratio of statistics, not a normalization of the data"),
    good("numpy", """
        import numpy as np

        def scale(x, sigma):
            return (x - x.mean()) / sigma
        """, title="a divisor numlint cannot see"),
)
