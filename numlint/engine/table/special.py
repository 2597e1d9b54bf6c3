"""Framework table section. Special functions and compositions (NL5xx, second half): sqrt of exp, hypot, logs of
products and densities, x log x, erfc, log-gamma, tanh by hand, ratios of exps, roots of sums of squares.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import (
    NP_REDUCE, TF_ELEMENTWISE, TF_REDUCE, TORCH_REDUCE, UFUNC, Target, each, tf_paths,
)

SPECS: list = [
    # ---- the error function and its complement (NL513) ----------------------------------------
    *[spec for kind in ("erf", "erfc") for spec in (
        parse_spec(kind, "python", f"math.{kind}(x, /)"),
        parse_spec(kind, "numpy", f"scipy.special.{kind}({UFUNC})"),
        *each(kind, "torch", [f"torch.{kind}", f"torch.special.{kind}"], "input, *, out=None"),
        parse_spec(kind, "torch", f"{kind}()", method=True),
        # `tf.erf` is TF1's spelling (still in `tf.compat.v1`); TF2 has `tf.math.erf` only.
        *each(kind, "tensorflow", tf_paths(f"math.{kind}", kind), "x, name=None",
              **TF_ELEMENTWISE),
        *each(kind, "jax", [f"jax.scipy.special.{kind}", f"jax.lax.{kind}"], "x"),
        parse_spec(kind, "keras", f"keras.ops.{kind}(x)"),
    )],
    # ---- the hypotenuse (NL509); TensorFlow has none (`tf.experimental.numpy.hypot` is the
    # naive formula: it overflows) -------------------------------------------------------------
    parse_spec("hypot", "python", "math.hypot(*coordinates)"),
    parse_spec("hypot", "numpy", "numpy.hypot(x1, x2, /, out=None, **ufunc_kwargs)"),
    parse_spec("hypot", "torch", "torch.hypot(input, other, *, out=None)"),
    parse_spec("hypot", "torch", "hypot(other)", method=True),
    parse_spec("hypot", "jax", "jax.numpy.hypot(x1, x2, /)"),
    parse_spec("hypot", "keras", "keras.ops.hypot(x1, x2)"),
    # ---- products (NL510) ------------------------------------------------------------------
    # Python's `math.prod` multiplies the items of an iterable (a reduction over axis 0); no
    # default axis is declared, so no rewrite reduces like it (NL510 reports it without a fix).
    parse_spec("prod", "python", "math.prod(iterable, /, *, start=1)"),
    parse_spec("prod", "numpy", "numpy.prod(a, axis=None, dtype=None, out=None, "
                                "keepdims=False, initial=None, where=None)", **NP_REDUCE),
    # torch.prod reduces one `dim` (an int, not None or a tuple) or, without it, every element.
    parse_spec("prod", "torch", "torch.prod(input, dim=None, keepdim=False, *, dtype=None)",
               **TORCH_REDUCE, all_axes=None),
    *each("prod", "tensorflow", tf_paths("math.reduce_prod", "reduce_prod"),
          "input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, "
          "keep_dims=None", **TF_REDUCE),
    parse_spec("prod", "jax", "jax.numpy.prod(a, axis=None, dtype=None, out=None, "
                              "keepdims=False, initial=None, where=None, "
                              "promote_integers=True)", **NP_REDUCE),
    parse_spec("prod", "keras", "keras.ops.prod(x, axis=None, keepdims=False, dtype=None)",
               **NP_REDUCE),
    parse_spec("prod", "numpy", "prod(axis=None, dtype=None, out=None, keepdims=False, "
                                "initial=None, where=None)", method=True, **NP_REDUCE),
    parse_spec("prod", "jax", "prod(axis=None, dtype=None, out=None, keepdims=False, "
                              "initial=None, where=None, promote_integers=True)",
               method=True, **NP_REDUCE),
    parse_spec("prod", "torch", "prod(dim=None, keepdim=False, *, dtype=None)", method=True,
               **TORCH_REDUCE, all_axes=None),
    # ---- the gamma function and its relatives (NL514): PyTorch, TensorFlow and Keras have
    # only the logarithms (`torch.lgamma`, `tf.math.lgamma`) ------------------------------------
    parse_spec("gamma", "python", "math.gamma(x, /)"),
    parse_spec("gamma", "numpy", f"scipy.special.gamma({UFUNC})"),
    parse_spec("gamma", "jax", "jax.scipy.special.gamma(x)"),
    parse_spec("gammaln", "python", "math.lgamma(x, /)"),
    parse_spec("gammaln", "numpy", f"scipy.special.gammaln({UFUNC})"),
    parse_spec("gammaln", "jax", "jax.scipy.special.gammaln(x)"),
    parse_spec("factorial", "numpy", "scipy.special.factorial(n, exact=False, extend='zero')"),
    parse_spec("factorial", "jax", "jax.scipy.special.factorial(n, exact=False)"),
    parse_spec("comb", "python", "math.comb(n, k, /)"),
    parse_spec("comb", "numpy", "scipy.special.comb(N, k, *, exact=False, repetition=False)"),
    parse_spec("comb", "numpy", "scipy.special.binom(x1, x2, /, out=None, **ufunc_kwargs)"),
    parse_spec("comb", "jax", "jax.scipy.special.comb(N, k, *, repetition=False)"),
    parse_spec("beta", "numpy", "scipy.special.beta(x1, x2, /, out=None, **ufunc_kwargs)"),
    parse_spec("beta", "jax", "jax.scipy.special.beta(a, b)"),
    parse_spec("betaln", "numpy", "scipy.special.betaln(x1, x2, /, out=None, **ufunc_kwargs)"),
    parse_spec("betaln", "jax", "jax.scipy.special.betaln(a, b)"),
    # ---- x log y, 0 where x is 0 (NL512); NumPy has none without SciPy, Keras none ----------
    parse_spec("xlogy", "numpy", "scipy.special.xlogy(x1, x2, /, out=None, **ufunc_kwargs)"),
    *each("xlogy", "torch", ["torch.xlogy", "torch.special.xlogy"],
          "input, other, *, out=None"),
    parse_spec("xlogy", "torch", "xlogy(other)", method=True),
    *each("xlogy", "tensorflow", tf_paths("math.xlogy"), "x, y, name=None", **TF_ELEMENTWISE),
    parse_spec("xlogy", "jax", "jax.scipy.special.xlogy(x, y)"),
]

# A stable rewrite that keeps the function the code already calls, with a new argument:
# `template` applied to each framework's spellings of that function. A target is used only in a
# module that already imports its library (a fix adds no dependency); Python's `math` is a
# framework of its own here, so scalar code stays scalar code.
def _same_function(template: str, spellings: Dict[str, Tuple[str, ...]]):
    return {framework: (Target(functions, template=template,
                               needs_import=functions[0].partition(".")[0]),)
            for framework, functions in spellings.items()}


_EXP = {
    "python": ("math.exp",),
    "numpy": ("numpy.exp",),
    "torch": ("torch.exp",),
    "tensorflow": tuple(tf_paths("exp", "math.exp")),
    "jax": ("jax.numpy.exp",),
    "keras": ("keras.ops.exp",),
}

# Callables whose result is an exact Python integer, and the logarithms that take such an
# integer exactly, however large: `math.log(math.comb(2000, 1000))` is 1382.27 (SciPy's float
# `comb` overflows to inf). (`math.factorial` is not in the table: it takes integers only, and
# the signature tests probe with floats.)
EXACT_INTEGER = frozenset({"math.comb"})
EXACT_INTEGER_LOG = frozenset({"math.log"})

# Logarithms that raise at 0 (`math.log(0)`: ValueError) instead of returning -inf: code that
# runs has kept zeros away from them, so `p * log(p)` cannot be NaN there.
RAISES_AT_ZERO = frozenset({"math.log"})

# Distributions whose density methods have a logarithmic twin taking the same arguments
# (NL511): every distribution of these modules, frozen or not, and their `gaussian_kde`
# (checked for SciPy 1.17 and JAX 0.10: each object with a `pdf` has a `logpdf`, each with a
# `pmf` a `logpmf`; `cdf` and `sf` are left out: several of JAX's have no `logcdf`).
DISTRIBUTION_MODULES = ("scipy.stats", "jax.scipy.stats")
LOG_DENSITY_METHODS = {"pdf": "logpdf", "pmf": "logpmf"}

# The log-gamma function, where the code has one: Python's `math.lgamma` or SciPy's
# `gammaln` (the fix adds no dependency), JAX's `gammaln`.
_GAMMALN = {"python": "math.lgamma", "numpy": "scipy.special.gammaln",
            "jax": "jax.scipy.special.gammaln"}


def _log_gamma(template: str, spellings: Dict[str, str] = _GAMMALN):
    return {framework: (Target((function,), template=template,
                               needs_import=function.partition(".")[0]),)
            for framework, function in spellings.items()}


STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    # `p * log(p)` (NL512): `xlogy(p, p)`, the same value except 0 (not NaN) where p is 0.
    "xlogy": {
        "numpy": (Target(("scipy.special.xlogy",), template="{fn}({x}, {y})",
                         needs_import="scipy"),),
        "torch": (Target(("torch.xlogy", "torch.special.xlogy"), template="{fn}({x}, {y})",
                         needs_import="torch"),),
        "tensorflow": (Target(tuple(tf_paths("math.xlogy")), template="{fn}({x}, {y})",
                              needs_import="tensorflow"),),
        "jax": (Target(("jax.scipy.special.xlogy",), template="{fn}({x}, {y})",
                       needs_import="jax"),),
    },
    # `log(gamma(x))`, `log(factorial(n))`, `log(comb(n, k))`, `log(beta(a, b))` (NL514):
    # the logarithms computed directly (`gammaln` is log|gamma|).
    "log_gamma": _log_gamma("{fn}({x})"),
    "log_factorial": _log_gamma("{fn}({n} + 1)"),
    "log_comb": _log_gamma("{fn}({n} + 1) - {fn}({k} + 1) - {fn}({n} - {k} + 1)"),
    "log_beta": _log_gamma("{fn}({a}, {b})", {"numpy": "scipy.special.betaln",
                                               "jax": "jax.scipy.special.betaln"}),
    # `log(prod(p))` (NL510) is `sum(log(p))`, reduced like the product: the sum, and the log
    # function itself (`{fn}`: the reference the module has to it).
    "sum_of_logs": {
        "numpy": (Target(("numpy.sum",)),),
        "torch": (Target(("torch.sum",)),),
        "tensorflow": (Target(tuple(tf_paths("reduce_sum", "math.reduce_sum"))),),
        "jax": (Target(("jax.numpy.sum",)),),
        "keras": (Target(("keras.ops.sum",)),),
    },
    "log_function": {
        "numpy": (Target(("numpy.log",), template="{fn}"),),
        "torch": (Target(("torch.log",), template="{fn}"),),
        "tensorflow": (Target(tuple(tf_paths("math.log")), template="{fn}"),),  # `tf.log`: TF1
        "jax": (Target(("jax.numpy.log",), template="{fn}"),),
        "keras": (Target(("keras.ops.log",), template="{fn}"),),
    },
    # `sqrt(x**2 + y**2)` (NL509): scaled, so it neither overflows nor underflows. Only
    # Python's is the same function for every operand `math.sqrt` takes: NumPy's and JAX's
    # reject complex arrays (whose `sqrt(x**2 + y**2)` is defined), PyTorch's integer tensors,
    # and Keras's follow its backend, so those fixes are unsafe.
    "hypot": {
        "python": (Target(("math.hypot",), template="{fn}({x}, {y})", needs_import="math"),),
        **{framework: (Target((function,), template="{fn}({x}, {y})", safety="unsafe",
                              needs_import=function.partition(".")[0]),)
           for framework, function in (("numpy", "numpy.hypot"), ("torch", "torch.hypot"),
                                       ("jax", "jax.numpy.hypot"), ("keras", "keras.ops.hypot"))},
    },
    # `1 - erf(x)` (NL513): the complementary error function, accurate where `erf(x)` rounds
    # to 1 (x > 5.9 in float64, 3.9 in float32). NumPy has no erf: code that has one imports
    # SciPy (or `math`).
    "erfc": {
        "python": (Target(("math.erfc",), needs_import="math"),),
        "numpy": (Target(("scipy.special.erfc",), needs_import="scipy"),),
        "torch": (Target(("torch.erfc", "torch.special.erfc"), method="erfc"),),
        "tensorflow": (Target(tuple(tf_paths("math.erfc"))),),  # `tf.erfc` is TF1 only
        "jax": (Target(("jax.scipy.special.erfc", "jax.lax.erfc")),),
        "keras": (Target(("keras.ops.erfc",)),),
    },
    # `sqrt(exp(x))` and `exp(x) ** 0.5` (NL508): `exp(0.5 * x)`, one rounding instead of two,
    # and finite wherever the square root is (the intermediate `exp(x)` is never formed).
    "exp_half": _same_function("{fn}(0.5 * {x})", _EXP),
}
