"""NL601 nan-comparison: `x == np.nan`, `x != float("nan")`, `x is math.nan` instead of
`isnan(x)`."""

from __future__ import annotations

import ast
from typing import Optional, Tuple

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table import framework_of_module
from numlint.engine.table.precision import NAN_CONSTANTS, NAN_CONSTRUCTORS, SCALAR_NAN_CONSTANTS

from ._patterns import in_assertion

_EQUALITY = (ast.Eq, ast.NotEq)
_IDENTITY = (ast.Is, ast.IsNot)
_NEGATED = (ast.NotEq, ast.IsNot)
# How `float("nan")` is written (the prefilter finds these words; `float("nAn")` is not read).
_NAN_STRINGS = ("nan", "NaN", "NAN")


class NanComparison(Rule):
    code = "NL601"
    name = "nan-comparison"
    summary = "`x == nan` is always False (`!=` always True): NaN equals nothing; use `isnan(x)`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("compare", "equal", "not_equal")
    requires = (("compare", "nan"), ("equal", "nan"), ("not_equal", "nan"))

    what = """
Checks for comparisons with the NaN constant: `==`, `!=`, `is` and `is not` (and the functions
`np.equal`, `np.not_equal`, `torch.eq`, `x.ne(...)`, `tf.math.equal`, ...) where one side is
`np.nan` (also NumPy 1's `np.NaN`, `np.NAN`), `math.nan`, `torch.nan`, `jnp.nan`,
`float("nan")` or `np.float32("NaN")`, directly or through a name
(`MISSING = float("nan")` ... `x == MISSING`).

It is silent inside the arguments of assertion helpers (`assert_array_equal(a == np.nan,
b == np.nan)`: tests of the comparison's own semantics), but not in an `assert` statement,
where `assert x != np.nan` checks nothing.
"""
    why = """
IEEE 754 NaN compares unequal to every value, itself included: `x == np.nan` is False for every
element of every array, NaNs included, and `x != np.nan` is always True. A mask built that way
selects nothing (`x[x == np.nan] = 0` replaces no NaN), and a check such as
`if loss == float("nan")` never fires. `x is np.nan` compares identities: it holds only for
that very object, never for a NaN computed at run time (`0.0 * np.inf is np.nan` is False, and
so is `np.float64("nan") is np.nan`).

Breaking input: `x = [1.0, nan, 3.0]`: `x == np.nan` gives `[False, False, False]`, where
`np.isnan(x)` gives `[False, True, False]`.
"""
    fix_safety = """
The fix is unsafe: it changes what the code does, on purpose. The comparison's result was a
constant; `isnan` makes it depend on the data, so code that never ran (the NaN branch, the
masked assignment) now runs. `==` becomes `isnan(x)` and `!=` becomes `~isnan(x)` in the
namespace of `x`: `np.isnan`, `torch.isnan`, `tf.math.is_nan`, `jnp.isnan`, `keras.ops.isnan`;
in a module that imports no array library, `math.isnan(x)` and `not math.isnan(x)` (`~` on a
Python bool would be wrong: `~True == -2`).

The namespace must be known: from the operations that computed `x`, else from the NaN constant
when it is the module's only array library's own (`np.nan` in NumPy code). A Python NaN
(`float("nan")`, `math.nan`) compared with a value of unknown type in array code is reported
without a fix: `x` may be a Python float (`loss.item()`), which `torch.isnan` rejects, or an
array, which `math.isnan` rejects. `is` and `is not` are reported without a fix: they are used
on values of any type (`value is None or value is np.nan`), where `isnan` raises on a string
or `None`. A chained comparison (`a == b == np.nan`) is reported without a fix.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.isnan.html",
        "https://pytorch.org/docs/stable/generated/torch.isnan.html",
        "https://www.tensorflow.org/api_docs/python/tf/math/is_nan",
        "https://docs.python.org/3/library/math.html#math.isnan",
        "https://docs.astral.sh/ruff/rules/nan-comparison/",
    )

    def check(self, ctx, op):
        if not ctx.spells("nan"):
            return  # no NaN constant is written in the module: nothing compares to one
        if op.kind != "compare":
            _check_function(ctx, op)
            return
        node = op.node
        sides = [node.left, *node.comparators]
        names = ctx.memo("nan names", lambda: _nan_names(ctx))
        for index, operator in enumerate(node.ops):
            if not isinstance(operator, _EQUALITY + _IDENTITY):
                continue
            left, right = sides[index], sides[index + 1]
            nan_left = _side_nan(ctx, left, op.scope, names)
            nan_right = _side_nan(ctx, right, op.scope, names)
            if (nan_left is None) == (nan_right is None):
                continue  # no NaN, or `np.nan != np.nan` written on purpose
            if in_assertion(ctx, node) and not isinstance(ctx.model.statement_of(node),
                                                          ast.Assert):
                return  # a test of the comparison itself
            value, nan = (right, nan_left) if nan_left is not None else (left, nan_right)
            negated = isinstance(operator, _NEGATED)
            fix = None
            if len(node.ops) == 1 and isinstance(operator, _EQUALITY):
                fix = _fix(ctx, op, value, nan, negated)
            ctx.report(node, _message(operator, negated), fix)
            return


def _check_function(ctx, op):
    """`np.equal(x, np.nan)`, `tf.math.not_equal(x, np.nan)`, `x.eq(torch.nan)`: the library
    is the function's own."""
    if op.args is None:
        return
    sides = list(op.args.values())
    if op.form == "method":
        sides = [op.receiver] + sides
    if len(sides) != 2:
        return
    nans = [_nan(ctx, side, op.scope) for side in sides]
    if (nans[0] is None) == (nans[1] is None) or in_assertion(ctx, op.node):
        return
    value = sides[1] if nans[0] is not None else sides[0]
    negated = op.kind == "not_equal"
    replacement = ctx.render("not_isnan" if negated else "isnan", op.framework, op.scope,
                             x=value)
    fix = ctx.fix(op.node, replacement, "Replace with `{callee}`", Applicability.UNSAFE)
    ctx.report(op.node, _message(ast.NotEq() if negated else ast.Eq(), negated), fix)


def _message(operator, negated: bool) -> str:
    if isinstance(operator, _IDENTITY):
        return ("`x is nan` is False for every NaN computed at run time (it compares identity, "
                "not value); use `isnan(x)`")
    if negated:
        return "`x != nan` is always True: NaN equals nothing, itself included; use `~isnan(x)`"
    return "`x == nan` is always False: NaN equals nothing, itself included; use `isnan(x)`"


def _nan_names(ctx) -> Tuple[frozenset, frozenset]:
    """What may hold a NaN constant in the module, from the model's bindings (no walk of the
    tree): the names a NaN may be read by directly (`nan`, `NaN`, `NAN`, and names imported
    from a NaN constant, `from numpy import nan as NA`), and the holders `ctx.origin` may
    follow to one: names and `name.attr` attributes assigned a NaN, another holder or a call
    of a holder (a cast, `tf.cast(MISSING, dtype)`), in any scope. A comparison side that is
    neither is not a NaN, and is not followed."""
    direct = set(_NAN_STRINGS)
    assigned = []
    for scope in ctx.model.scopes:
        for name, bindings in scope.bindings.items():
            for binding in bindings:
                if binding.kind == "import" and binding.qualname is not None and \
                        binding.qualname.rsplit(".", 1)[-1] in _NAN_STRINGS:
                    direct.add(name)
                elif binding.kind == "assign" and binding.value is not None:
                    assigned.append((name, binding.value, scope))
        for name, bindings in scope.attributes.items():
            for binding in bindings:
                if binding.kind == "assign" and binding.value is not None:
                    assigned.append((name, binding.value, scope))
    names = frozenset(direct)
    holders = {name for name, value, scope in assigned
               if _direct_nan(ctx, value, scope, names) is not None}
    changed = bool(holders)
    while changed:  # to a fixed point: a holder assigned to another name makes it one
        changed = False
        for name, value, _ in assigned:
            if name not in holders and _reads_holder(value, holders):
                holders.add(name)
                changed = True
    return names, frozenset(holders)


def _reads_holder(value, holders) -> bool:
    if isinstance(value, ast.Call):
        return any(_key(arg) in holders for arg in value.args) or \
            any(_key(keyword.value) in holders for keyword in value.keywords)
    return _key(value) in holders


def _key(expr) -> Optional[str]:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return f"{expr.value.id}.{expr.attr}"
    return None


def _side_nan(ctx, expr, scope, names) -> Optional[str]:
    """`_nan` of a comparison's side: followed only if it is a holder. Any other name or
    attribute either is not followed by `ctx.origin` (a parameter, an import, `np.nan`) or
    is followed to values none of which can be a NaN: what it is itself decides, as in
    `_nan` after following it."""
    direct, holders = names
    key = _key(expr)
    if key is not None and key in holders:
        return _nan(ctx, expr, scope)
    return _direct_nan(ctx, expr, scope, direct)


def _direct_nan(ctx, expr, scope, direct=None) -> Optional[str]:
    """The qualified name of the NaN constant `expr` is itself (`np.nan`, an alias of one,
    `float("nan")`), not following names; None otherwise. `direct`: the names that may be
    one (`_nan_names`), a test before the qualified name is looked up."""
    if isinstance(expr, ast.Attribute):
        if expr.attr not in _NAN_STRINGS:
            return None
    elif isinstance(expr, ast.Name):
        if direct is not None and expr.id not in direct:
            return None
    elif isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords:
        text = expr.args[0]
        if isinstance(text, ast.Constant) and isinstance(text.value, str) \
                and text.value.strip().lstrip("+-") in _NAN_STRINGS:
            qualname = ctx.model.qualname(expr.func, scope)
            return qualname if qualname in NAN_CONSTRUCTORS else None
        return None
    else:
        return None
    qualname = ctx.model.qualname(expr, scope)
    return qualname if qualname in NAN_CONSTANTS else None


def _nan(ctx, expr, scope) -> Optional[str]:
    """The qualified name behind a NaN constant: `numpy.nan`, `math.nan`, or for
    `float("nan")` the constructor, `builtins.float`. None for anything else."""
    if isinstance(expr, ast.Constant):  # `x is None`, `n == 0`: most comparisons
        return None
    origin = ctx.origin(expr, scope)
    return _direct_nan(ctx, origin.expr, origin.scope)


def _framework(ctx, value, scope, nan: str) -> Optional[str]:
    """The namespace whose `isnan` fits `value`: the library of the operations that computed
    it; else, in a module without array libraries, Python's; else the NaN constant's own
    library when it is the module's only one. None when that is not known."""
    origin = ctx.origin(value, scope)
    known = ctx.model.framework_of(origin.expr, origin.scope)
    if known is not None:
        return known
    imported = ctx.model.imported_frameworks()
    own = framework_of_module(nan)
    if nan in SCALAR_NAN_CONSTANTS:
        return own if not imported else None
    return own if imported == (own,) else None


def _fix(ctx, op, value, nan: str, negated: bool):
    framework = _framework(ctx, value, op.scope, nan)
    # `like`: the comparison, so that a NaN written with CuPy (`x == cp.nan`) is fixed in
    # CuPy (`cp.isnan(x)`), the library whose arrays the module compares.
    replacement = ctx.render("not_isnan" if negated else "isnan", framework, op.scope,
                             like=op, x=value)
    return ctx.fix(op.node, replacement, "Replace with `{callee}`", Applicability.UNSAFE)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WITH_NAN = [1.5, float("nan"), -2.0, 0.25]
FILLED = Proof(
    extreme={"x": _WITH_NAN},
    reference="np.where(np.isnan(x), 0.0, x)",
    why="NaN == NaN is False: the mask selects nothing and the NaN stays",
)

EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def fill_missing(x):
            return np.where(x == np.nan, 0.0, x)
        """, """
        import numpy as np

        def fill_missing(x):
            return np.where(np.isnan(x), 0.0, x)
        """, unsafe=True, proof=FILLED),
    bad("numpy", """
        import numpy as np

        def fill_missing(x):
            x = np.array(x)
            x[x == np.nan] = 0.0
            return x
        """, """
        import numpy as np

        def fill_missing(x):
            x = np.array(x)
            x[np.isnan(x)] = 0.0
            return x
        """, unsafe=True, title="a mask that selects nothing",
        proof=FILLED),
    bad("numpy", """
        def ratio_or_zero(a, b):
            r = a / b
            if r != float("nan"):
                return r
            return 0.0
        """, """
        import math
        def ratio_or_zero(a, b):
            r = a / b
            if not math.isnan(r):
                return r
            return 0.0
        """, unsafe=True, title="plain Python: `not math.isnan`",
        proof=Proof(extreme={"a": 0.0, "b": 0.0}, reference="0.0",
                    why="0 / 0 is NaN, and NaN != NaN is True")),
    bad("numpy", """
        import numpy as np

        def is_missing(value):
            return value is None or value is np.nan
        """, title="`is` is reported without a fix: `value` may be a string or None"),
    bad("torch", """
        import torch

        def fill_missing(x):
            return torch.where(x != torch.nan, x, torch.zeros_like(x))
        """, """
        import torch

        def fill_missing(x):
            return torch.where(~torch.isnan(x), x, torch.zeros_like(x))
        """, unsafe=True, proof=FILLED),
    bad("torch", """
        import torch

        def check(loss):
            if loss.item() == float("nan"):
                raise FloatingPointError("the loss is NaN")
        """, title="a Python NaN against a value of unknown type: reported without a fix"),
    bad("tensorflow", """
        import tensorflow as tf

        def fill_missing(x):
            x = tf.convert_to_tensor(x)
            return tf.where(x == float("nan"), tf.zeros_like(x), x)
        """, """
        import tensorflow as tf

        def fill_missing(x):
            x = tf.convert_to_tensor(x)
            return tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)
        """, unsafe=True, proof=FILLED),
    bad("tensorflow", """
        import numpy as np
        import tensorflow as tf

        def fill_missing(x):
            return tf.where(tf.math.equal(x, np.nan), tf.zeros_like(x), x)
        """, """
        import tensorflow as tf

        def fill_missing(x):
            return tf.where(tf.math.is_nan(x), tf.zeros_like(x), x)
        """, unsafe=True, title="the function form", proof=FILLED),
    bad("torch", """
        import torch

        def count_present(x):
            return x.ne(torch.nan).sum()
        """, """
        import torch

        def count_present(x):
            return (~torch.isnan(x)).sum()
        """, unsafe=True, title="the method form",
        proof=Proof(extreme={"x": _WITH_NAN}, reference="np.sum(~np.isnan(x))",
                    gradient=False)),
    bad("jax", """
        import jax.numpy as jnp

        def fill_missing(x):
            return jnp.where(x == jnp.nan, 0.0, x)
        """, """
        import jax.numpy as jnp

        def fill_missing(x):
            return jnp.where(jnp.isnan(x), 0.0, x)
        """, unsafe=True, proof=FILLED),
    bad("keras", """
        import keras

        def fill_missing(x):
            x = keras.ops.convert_to_tensor(x)
            return keras.ops.where(x == float("nan"), 0.0, x)
        """, """
        import keras

        def fill_missing(x):
            x = keras.ops.convert_to_tensor(x)
            return keras.ops.where(keras.ops.isnan(x), 0.0, x)
        """, unsafe=True, proof=FILLED),
    good("numpy", """
        import numpy as np

        def fill_missing(x):
            return np.where(np.isnan(x), 0.0, x)
        """),
    good("numpy", """
        import numpy as np

        def fill_missing(x):
            return np.where(x != x, 0.0, x)
        """, title="`x != x` is the NaN test written out"),
    good("numpy", """
        import numpy as np

        def test_sparse_comparison(dense, sparse):
            np.testing.assert_array_equal(dense == np.nan, (sparse == np.nan).toarray())
        """, title="a test of the comparison's own semantics"),
    good("torch", """
        import torch

        def clip_inf(x):
            return torch.where(x == torch.inf, torch.zeros_like(x), x)
        """, title="infinity equals itself"),
)
