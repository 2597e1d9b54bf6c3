"""NL401 variance-by-cancellation: `mean(x**2) - mean(x)**2` instead of `var(x)`."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from numlint.engine.rule import Applicability, Fixability, Op, Proof, Rule, bad, good
from numlint.engine.table.schema import ALL


class VarianceByCancellation(Rule):
    code = "NL401"
    name = "variance-by-cancellation"
    summary = ("`mean(x**2) - mean(x)**2` cancels catastrophically and can go negative; "
               "use `var`")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("sub",)
    requires = (("sub", "mean"), ("sub", "sum"))

    what = """
Checks for a variance computed in one pass as the mean of the squares minus the square of the
mean, `mean(x**2) - mean(x)**2`, in every spelling of the square (`x**2`, `x * x`,
`square(x)`, `pow(x, 2)`, `x.pow(2)`) and of the mean (functions, methods, or a sum divided
by a count: `sum(x**2)/n - (sum(x)/n)**2`), with the mean held in a name
(`m = x.mean()` ... `(x**2).mean() - m**2`), and its square root, a standard deviation.
The two means must reduce the same `x` over the same axis. After a branch a name may hold
either branch's value: the pattern on one path is reported, naming the branch (`if
cross_replica_axis: mean = pmean(mean)` leaves the plain means on the other path).
"""
    why = """
The formula subtracts two numbers of size `mean(x)**2` to get one of size `var(x)`: when the
mean is large against the spread, every significant digit cancels. In float64,
`x = 1e8 + randn(10000)` gives a variance of 2, -2 or 6 depending on the library, against a
true value of about 1; in float32, `x = 1e4 + randn(10000)` gives 0, 16 or 8 against 0.98.
The result can be negative, so its square root is NaN: for `x = 1e8 + [0.1, 0.1, 0.1]` the
naive standard deviation is 1.414 instead of 0. `var` and `std` subtract the mean first
(two passes) and are accurate.
"""
    fix_safety = """
The fix is safe for a single expression: `var` (`std` under a square root) over the same axis
and with the same `keepdims` computes the same population variance, without the cancellation.
PyTorch's `torch.var`/`torch.std` default to the *unbiased* estimator (`correction=1`, a factor
`n/(n-1)`), so the fix passes `correction=0`; NumPy, JAX, TensorFlow and Keras default to the
population one. A sum divided by a count is fixed only when the count is provably the length of
the reduced axis (`sum(x**2)/len(x) - (sum(x)/len(x))**2` over the first axis); otherwise it
is reported without a fix, as are means with other arguments (`dtype=`, `out=`, `where=`).
When the mean comes from an assignment in another statement, the fix is unsafe: it relies on the
dataflow between the statements. On one path of a branch there is no fix: the other paths hold
other values.
"""
    references = (
        "https://en.wikipedia.org/wiki/Algorithms_for_calculating_variance",
        "https://numpy.org/doc/stable/reference/generated/numpy.var.html",
        "https://pytorch.org/docs/stable/generated/torch.var.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/reduce_variance",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.var.html",
    )

    def check(self, ctx, op):
        # A name that holds another value after a branch (`if cross_replica: mean =
        # pmean(mean)`): the pattern on one path is a hazard on that path. The values of such
        # names are tried as the pattern meets them (at most `_MAX_TRIES` combinations), the
        # first match reported, without a fix.
        choices = [{}]
        for _ in range(_MAX_TRIES):
            if not choices:
                return
            trail = _Trail(choices.pop(0))
            if self._match(ctx, op, trail):
                return
            for key, values in trail.pending.items():
                choices.extend({**trail.choice, key: value} for value in values[:_MAX_VALUES])
                break  # one name at a time: the next is met once this one has a value

    def _match(self, ctx, op, trail: "_Trail") -> bool:
        second = _second_moment(ctx, op.left, op.scope, trail)
        if second is None:
            return False
        first = _squared_first_moment(ctx, op.right, op.scope, trail)
        if first is None or not _same(ctx, first.data, second.data):
            return False
        if not _same_reduction(ctx, first, second):
            return False
        # Across statements, `x` is one value only if nothing rebinds its names in between.
        if not all(ctx.portable(origin, op.node) for origin in trail):
            return False
        root = _square_root_of(ctx, op.node)
        node = root.node if root is not None else op.node
        stable = "std" if root is not None else "var"
        formula = "mean(x**2) - mean(x)**2"
        branches = [o.branch for o in trail.choice.values() if o.branch]
        where = f" (on {branches[0]})" if branches else \
            " (where the branch before it is not taken)" if trail.choice else ""
        message = (f"`sqrt({formula})`{where} cancels catastrophically (NaN when negative); "
                   "use `std`" if root is not None else
                   f"`{formula}`{where} cancels catastrophically and can be negative; use `var`")
        # Through a cast (`tf.cast(tf.reduce_mean(x), dtype)`) the rewrite would drop it: no fix;
        # nor for one path of a branch (the other paths hold other values).
        cast = any(o.op is not None and o.op.kind == "cast" for o in trail)
        fix = None if cast or trail.choice else \
            _fix(ctx, op, root, stable, first, second, remote=bool(trail))
        ctx.report(node, message, fix)
        return True

# -- the pattern ---------------------------------------------------------------------------------


@dataclass
class _Moment:
    """`mean(data)`, or `sum(data) / count`: the reduction, its data and its divisor."""

    data: ast.expr              # x (for the second moment: the x whose square is averaged)
    reduction: Op               # the mean or sum
    count: Optional[ast.expr]   # the divisor of a sum, None for a mean


def _second_moment(ctx, expr, scope, trail) -> Optional[_Moment]:
    """`mean(x**2)` or `sum(x**2) / n`, with the square in any spelling."""
    moment = _moment(ctx, expr, scope, trail)
    if moment is None:
        return None
    data = _square_base(ctx, moment.data, moment.reduction.scope, trail)
    if data is None:
        return None
    return _Moment(data, moment.reduction, moment.count)


def _squared_first_moment(ctx, expr, scope, trail) -> Optional[_Moment]:
    """`mean(x)**2`, `square(mean(x))`, `mean(x) * mean(x)` or `(sum(x) / n)**2`."""
    square = _follow(ctx, expr, scope, trail)
    if square is None:
        return None
    base = _square_base(ctx, square.node, square.scope, trail)
    return _moment(ctx, base, square.scope, trail) if base is not None else None


# Branches: how many values of a name holding several are tried, and how many combinations.
_MAX_VALUES, _MAX_TRIES = 4, 12


class _Trail(list):
    """The origins in other statements the pattern was followed through; `choice`: the value
    taken for each use of a name that holds several after a branch (its `Origin`, by the use's
    node: a value that reads the name itself, `m = m * 2`, is followed as any other);
    `pending`: such uses met without a choice, with their values (`ctx.origins`)."""

    def __init__(self, choice=None):
        super().__init__()
        self.choice = choice or {}
        self.pending = {}


def _follow(ctx, expr, scope, trail):
    """The operation `expr` performs, following a name to the value assigned to it (recorded in
    `trail` when that is in another statement; a name holding several values after a branch
    takes the one `trail.choice` gives, or is recorded in `trail.pending`)."""
    if expr is None:
        return None
    key = id(expr) if type(expr) is ast.Name else None  # this use of the name, not others
    origin = trail.choice.get(key) if key is not None else None
    if origin is None:
        origin = ctx.origin(expr, scope)
        if key is not None and origin.op is None and type(origin.expr) is ast.Name and \
                len(ctx.model.lookup(expr.id, scope)[1]) > 1:  # (a parameter: one binding)
            values = ctx.origins(expr, scope)[0]
            if len(values) > 1:
                trail.pending.setdefault(key, values)
    if origin.remote:
        trail.append(origin)
    op = origin.op
    if op is not None and op.kind == "cast" and op.operand is not None:
        # `tf.cast(tf.reduce_mean(x), dtype)`: the same moment in another dtype (no fix:
        # the rewrite would drop the cast)
        trail.append(origin)
        return _follow(ctx, op.operand, origin.scope, trail)
    return op


def _moment(ctx, expr, scope, trail) -> Optional[_Moment]:
    op = _follow(ctx, expr, scope, trail)
    if op is None:
        return None
    if op.kind == "mean" and op.operand is not None:
        return _Moment(op.operand, op, None)
    if op.kind == "div":
        total = _follow(ctx, op.left, op.scope, trail)  # also `s = (x**2).sum(0)`, `s / n`
        if total is not None and total.kind == "sum" and total.operand is not None:
            return _Moment(total.operand, total, op.right)
    return None


def _square_base(ctx, expr, scope, trail) -> Optional[ast.expr]:
    """The `x` of `x**2`, `x * x`, `square(x)`, `pow(x, 2)` or `x.pow(2)`."""
    op = _follow(ctx, expr, scope, trail)
    if op is None:
        return None
    if op.kind == "square":
        return op.operand if op.is_plain() else None
    if op.kind == "mul":
        return op.left if _same(ctx, op.left, op.right) else None
    if op.kind == "pow":
        if op.form == "operator":
            base, exponent = op.left, op.right
        else:
            extra = op.extra_args()
            if len(extra) != 1:
                return None
            base, exponent = op.operand, op.arg(extra[0])
        return base if _is_two(exponent) else None
    return None


def _is_two(expr) -> bool:
    return (isinstance(expr, ast.Constant) and type(expr.value) in (int, float)
            and expr.value == 2)


def _same(ctx, a, b) -> bool:
    """Whether two expressions are the same value: written the same, and every call in them a
    canonical operation (those are pure: `x.mean(0)` twice is one value, `randn(3)` twice is
    not)."""
    if ctx.same(a, b):
        return True
    if a is None or b is None:
        return False
    if ast.dump(a, annotate_fields=False) != ast.dump(b, annotate_fields=False):
        return False
    for node in ast.walk(a):
        if isinstance(node, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(node, ast.Call) and ctx.op(node) is None:
            return False
    return True


def _same_reduction(ctx, first: _Moment, second: _Moment) -> bool:
    """Both moments reduce over the same axis, keep the same dimensions and divide by the same
    count (both means, or both sums over the same `n`)."""
    a, b = first.reduction, second.reduction
    if not a.bound or not b.bound:
        return False
    if a.kind != b.kind:  # a mean and a sum over its axis divided by the axis's length
        mean, total = (first, second) if a.kind == "mean" else (second, first)
        return mean.reduction.kind == "mean" and total.count is not None and \
            _length_of_axis(ctx, total.count, total.data, total.reduction) and \
            _axis_key(mean.reduction) == _axis_key(total.reduction) and \
            _keepdims_key(mean.reduction) == _keepdims_key(total.reduction)
    if (first.count is None) != (second.count is None):
        return False
    if first.count is not None and not _same(ctx, first.count, second.count):
        return False
    return _axis_key(a) == _axis_key(b) and _keepdims_key(a) == _keepdims_key(b)


def _length_of_axis(ctx, count, data, reduction) -> bool:
    """Whether `count` is the length of `data` along the axis `reduction` sums over:
    `x.shape[k]` for axis k, `len(x)` or `x.shape[0]` for axis 0."""
    axis = reduction.axis
    k = axis.value if isinstance(axis, ast.Constant) and type(axis.value) is int else None
    if k is None:
        return False
    if isinstance(count, ast.Subscript) and isinstance(count.value, ast.Attribute) and \
            count.value.attr == "shape" and isinstance(count.slice, ast.Constant) and \
            count.slice.value == k:
        return _same(ctx, count.value.value, data)
    if k == 0 and isinstance(count, ast.Call) and isinstance(count.func, ast.Name) and \
            count.func.id == "len" and len(count.args) == 1:
        return _same(ctx, count.args[0], data)
    return False


def _axis_key(op):
    axis = op.axis
    if axis is None or (isinstance(axis, ast.Constant) and axis.value is None
                        and op.default_axis == ALL):
        return ("default", op.default_axis)
    return _normalized(axis)


def _keepdims_key(op):
    keepdims = op.keepdims
    if keepdims is None or (isinstance(keepdims, ast.Constant)
                            and keepdims.value in (False, None)):
        return False
    if isinstance(keepdims, ast.Constant) and keepdims.value is True:
        return True
    return _normalized(keepdims)


def _normalized(expr):
    """An axis written as `1`, `[1]` or `(1,)` is the same axis."""
    if isinstance(expr, (ast.List, ast.Tuple)) and len(expr.elts) == 1:
        expr = expr.elts[0]
    return ast.dump(expr, annotate_fields=False)


def _square_root_of(ctx, node):
    """The `sqrt(node)` or `node ** 0.5` that takes the square root of `node`, if any."""
    statement = ctx.model.statement_of(node)
    if statement is None:
        return None
    for candidate in ast.walk(statement):
        if not isinstance(candidate, (ast.Call, ast.BinOp)):
            continue
        op = ctx.op(candidate)
        if op is None:
            continue
        if op.kind == "sqrt" and op.operand is node and op.is_plain():
            return op
        if (op.kind == "pow" and op.form == "operator" and op.left is node
                and isinstance(op.right, ast.Constant) and op.right.value == 0.5):
            return op
    return None


# -- the fix -----------------------------------------------------------------------------------


def _fix(ctx, op, root, stable: str, first: _Moment, second: _Moment, remote: bool):
    """`var(x)` (or `std(x)`) over the axis of the means, written like the second moment;
    unsafe when the pattern spans statements."""
    reductions = (first.reduction, second.reduction)
    if not all(r.is_plain() for r in reductions):
        return None
    if second.count is not None and not _counts_axis(ctx, second):
        return None
    framework = ctx.framework(*reductions)
    if framework is None:
        return None
    like = second.reduction
    replacement = ctx.stable(stable, framework, second.data, op.scope, args=ctx.args_of(like),
                             like=like, method=like.form == "method",
                             source_default=like.default_axis)
    if remote:
        return ctx.fix(root.node if root is not None else op.node, replacement,
                       "Replace with `{callee}` (the mean is computed in another statement)",
                       Applicability.UNSAFE)
    return ctx.fix(root.node if root is not None else op.node, replacement,
                   "Replace with `{callee}`", Applicability.SAFE)


def _counts_axis(ctx, moment: _Moment) -> bool:
    """Whether the divisor of `sum(x) / n` is the length of the summed axis: `len(x)` with a
    sum over the first axis."""
    count = ctx.op(moment.count)
    if count is None or count.kind != "len" or not _same(ctx, count.operand, moment.data):
        return False
    total = moment.reduction
    axis = total.axis
    if axis is None:
        return total.default_axis == 0
    return isinstance(axis, ast.Constant) and axis.value == 0


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes (float64: a float32 input cannot hold odd deviations from 1e8).
# A mean of 1e8 with deviations of 1 and 3, exact, so the two-pass variance is exact (5 per
# column), while the squares (1e16, spaced 2 apart in float64) lose the deviations: the one-pass
# formula gives 4.
_LARGE_MEAN = [[1e8 + 1, 1e8 - 3], [1e8 - 1, 1e8 + 1], [1e8 + 3, 1e8 - 1], [1e8 - 3, 1e8 + 3]]
_WHY = "squares near 1e16 are spaced 2 apart: mean(x**2) - mean(x)**2 gives 4 instead of 5"


def _proof(parameter: str, reference: str) -> Proof:
    return Proof(extreme={parameter: _LARGE_MEAN}, reference=reference, why=_WHY,
                 dtypes=("float64",))


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def feature_variance(x):
            return np.mean(x**2, axis=0) - np.mean(x, axis=0)**2
        """, """
        import numpy as np

        def feature_variance(x):
            return np.var(x, axis=0)
        """,
        proof=_proof("x", "np.var(x, axis=0)")),
    bad("numpy", """
        import numpy as np

        def spread(x):
            return np.sqrt(np.mean(np.square(x)) - np.mean(x) ** 2)
        """, """
        import numpy as np

        def spread(x):
            return np.std(x)
        """, title="under a square root: a standard deviation",
        proof=_proof("x", "np.std(x)")),
    bad("numpy", """
        import numpy as np

        def row_variance(x):
            return (x * x).mean(axis=1, keepdims=True) - x.mean(axis=1, keepdims=True) ** 2
        """, """
        import numpy as np

        def row_variance(x):
            return x.var(axis=1, keepdims=True)
        """, title="methods, keepdims kept",
        proof=_proof("x", "np.var(x, axis=1, keepdims=True)")),
    bad("numpy", """
        import numpy as np

        def variance(samples):
            return sum(samples**2) / len(samples) - (sum(samples) / len(samples)) ** 2
        """, """
        import numpy as np

        def variance(samples):
            return np.var(samples, axis=0)
        """, title="a sum divided by the length of the summed axis",
        proof=_proof("samples", "np.var(samples, axis=0)")),
    bad("numpy", """
        import numpy as np

        def variance(x, n):
            return np.sum(x**2) / n - (np.sum(x) / n) ** 2
        """, title="a sum divided by an unknown count is reported without a fix"),
    bad("torch", """
        import torch

        def layer_variance(h):
            return torch.mean(h**2, dim=-1, keepdim=True) - torch.mean(h, dim=-1, keepdim=True) ** 2
        """, """
        import torch

        def layer_variance(h):
            return torch.var(h, dim=-1, keepdim=True, correction=0)
        """,
        proof=_proof("h", "np.var(h, axis=-1, keepdims=True)")),
    bad("torch", """
        import torch

        def spread(h):
            return torch.sqrt(h.pow(2).mean(dim=0) - h.mean(dim=0).pow(2))
        """, """
        def spread(h):
            return h.std(dim=0, correction=0)
        """, title="torch.std is unbiased unless told `correction=0`",
        proof=_proof("h", "np.std(h, axis=0)")),
    bad("torch", """
        import torch

        def layer_variance(x):
            mu = x.mean(-1, keepdim=True)
            return (x ** 2).mean(-1, keepdim=True) - mu ** 2
        """, """
        import torch

        def layer_variance(x):
            return x.var(-1, keepdim=True, correction=0)
        """, unsafe=True, title="the mean held in a name (unsafe)",
        proof=_proof("x", "np.var(x, axis=-1, keepdims=True)")),
    bad("tensorflow", """
        import tensorflow as tf

        def feature_variance(x):
            return tf.reduce_mean(tf.square(x), axis=0) - tf.square(tf.reduce_mean(x, axis=0))
        """, """
        import tensorflow as tf

        def feature_variance(x):
            return tf.math.reduce_variance(x, axis=0)
        """,
        proof=_proof("x", "np.var(x, axis=0)")),
    bad("tensorflow", """
        import tensorflow as tf

        def spread(x):
            return tf.sqrt(tf.reduce_mean(x * x, reduction_indices=[1], keep_dims=True)
                           - tf.reduce_mean(x, reduction_indices=[1], keep_dims=True) ** 2)
        """, """
        import tensorflow as tf

        def spread(x):
            return tf.math.reduce_std(x, axis=[1], keepdims=True)
        """, title="TensorFlow 1 spellings"),
    bad("jax", """
        import jax.numpy as jnp

        def feature_variance(x):
            return jnp.mean(jnp.power(x, 2), axis=0) - jnp.mean(x, axis=0) ** 2
        """, """
        import jax.numpy as jnp

        def feature_variance(x):
            return jnp.var(x, axis=0)
        """,
        proof=_proof("x", "np.var(x, axis=0)")),
    bad("keras", """
        import keras

        def feature_variance(x):
            return keras.ops.mean(keras.ops.square(x), axis=-1) - keras.ops.mean(x, axis=-1) ** 2
        """, """
        import keras

        def feature_variance(x):
            return keras.ops.var(x, axis=-1)
        """,
        proof=Proof(extreme={"x": [[9999.0, 10001.0, 9997.0, 10003.0]]},
                    reference="np.var(x, axis=-1)", dtypes=("float32",),
                    why="in float32, mean(x**2) of values near 1e4 is off by up to 8")),
    bad("numpy", """
        import numpy as np

        E = np.mean

        def spread(x):
            return E(x ** 2) - E(x) ** 2
        """, """
        import numpy as np

        E = np.mean

        def spread(x):
            return np.var(x)
        """, title="the mean under another name"),
    good("numpy", """
        import numpy as np

        def feature_variance(x):
            return np.var(x, axis=0)
        """),
    good("numpy", """
        import numpy as np

        def mixed(x):
            return np.mean(x**2, axis=0) - np.mean(x, axis=1) ** 2
        """, title="different axes: not a variance"),
    good("torch", """
        import torch

        def cross_moment(x, y):
            return torch.mean(x**2) - torch.mean(y) ** 2
        """, title="different data"),
    good("numpy", """
        import numpy as np

        def centered_second_moment(x):
            return np.mean((x - x.mean(axis=0)) ** 2, axis=0)
        """, title="the two-pass formula"),
    good("numpy", """
        import numpy as np

        def shifted(x):
            m = x.mean()
            x = x - m
            return (x ** 2).mean() - m ** 2
        """, title="`x` rebound after its mean was taken"),
    bad("numpy", """
        import numpy as np

        def second_moment(x, centered):
            if centered:
                m = x.mean()
            else:
                m = 0.0
            return (x ** 2).mean() - m ** 2
        """, title="the mean assigned in one branch: reported on that path, without a fix"),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def batch_stats(inputs, axis, cross_replica_axis):
            mean = jnp.mean(inputs, axis, keepdims=True)
            mean_of_squares = jnp.mean(jnp.square(inputs), axis, keepdims=True)
            if cross_replica_axis:
                mean = jax.lax.pmean(mean, axis_name=cross_replica_axis)
                mean_of_squares = jax.lax.pmean(mean_of_squares, axis_name=cross_replica_axis)
            return mean, mean_of_squares - jnp.square(mean)
        """, title="the moments averaged across devices in a branch: the path that skips it"),
    good("numpy", """
        import numpy as np

        def second_moment(x, offset, flag):
            if flag:
                m = offset.mean()
            else:
                m = 0.0
            return (x ** 2).mean() - m ** 2
        """, title="on no path the mean of the same data"),
    good("numpy", """
        import numpy as np

        def random_difference(rng):
            return np.mean(rng.normal(size=3) ** 2) - np.mean(rng.normal(size=3)) ** 2
        """, title="two calls are two values"),
    bad("cupy", """
        import cupy as cp


        def variance(x):
            return cp.mean(x ** 2) - cp.mean(x) ** 2
        """, """
        import cupy as cp


        def variance(x):
            return cp.var(x)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
