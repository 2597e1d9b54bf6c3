"""Framework table section. Statistics and normalization: variance, standard deviation, square
roots, squares and powers, norms, and the guards (maximum, clamp, where) that make a division
safe.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every signature
below was read from the installed library (numpy 2.4, scipy 1.17, torch 2.13, tensorflow 2.21,
jax 0.10, keras 3.15), with `inspect.signature` or, for torch's native functions, the
documented signature, and is checked against it by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

from numlint.engine.table.schema import ALL, parse_spec
from numlint.engine.table._common import (
    NP_REDUCE, TF_ELEMENTWISE, TORCH_REDUCE, UFUNC, Target, each, tf_paths,
)

# Draws of Gaussian noise (`np.random.randn`, `torch.randn`, `tf.random.normal`,
# `jax.random.normal`, TFP's `samplers.normal`): a vector of them is non-zero with probability
# one, so normalizing it (a uniform direction on the sphere) needs no epsilon. Matched on the
# function's name and a random module in its qualified name.
RANDOM_NORMAL_NAMES = frozenset({"normal", "randn", "randn_like", "standard_normal",
                                 "stateless_normal", "truncated_normal", "multivariate_normal"})
RANDOM_MODULES = frozenset({"random", "samplers"})


def draws_gaussian_noise(qualname: str) -> bool:
    """Whether a callable's qualified name says it draws Gaussian noise."""
    parts = qualname.split(".")
    if len(parts) < 2 or parts[-1] not in RANDOM_NORMAL_NAMES:
        return False
    # `torch.randn` says it by its name; `normal` needs a random module around it.
    return parts[-1] in ("randn", "randn_like") or bool(RANDOM_MODULES.intersection(parts[:-1]))


# TensorFlow reductions that TF1 never had under its old argument names: `reduce_variance`,
# `reduce_std` and `reduce_euclidean_norm` accept `axis`/`keepdims` only, also in
# `tf.compat.v1.math`, so these entries carry no `reduction_indices`/`keep_dims` aliases (a
# replacement must not copy them).
TF_MOMENT: Dict[str, Any] = dict(axis="axis", keepdims="keepdims", default_axis=ALL, inert=("name",))
# torch accepts NumPy's spellings on its native reductions (`torch.var(x, axis=1,
# keepdims=True)` runs), and so does `torch.linalg.norm`; `torch.norm` and `Tensor.norm` do not.
TORCH_NORM: Dict[str, Any] = dict(axis="dim", keepdims="keepdim", default_axis=ALL)
# NumPy 2 and JAX also take `correction=`, an alternative spelling of `ddof=` (passing both
# raises), and torch's `var`/`std` have a legacy overload `(input, dim, unbiased, keepdim)`; the
# entries follow the documented signatures, so calls in the other spelling are left unbound.
NP_MOMENT_PARAMS = ("a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, "
                    "mean=None")
# `unbiased=` is the older spelling of `correction=` (`unbiased=False` is `correction=0`): both
# bind, so `torch.std(x, 1, unbiased=False)` is a standard deviation too.
TORCH_MOMENT_PARAMS = "input, dim=None, *, correction=1, keepdim=False, out=None, unbiased=True"

SPECS = [
    # ---- variance and standard deviation ---------------------------------------------------
    # NumPy, JAX and Keras compute the population estimator (ddof=0) by default; torch the
    # unbiased one (correction=1), TensorFlow only the population one.
    *[parse_spec(kind, "numpy", f"numpy.{kind}({NP_MOMENT_PARAMS})", **NP_REDUCE)
      for kind in ("var", "std")],
    *[parse_spec(kind, "jax", f"jax.numpy.{kind}({NP_MOMENT_PARAMS})", **NP_REDUCE)
      for kind in ("var", "std")],
    *[parse_spec(kind, "torch", f"torch.{kind}({TORCH_MOMENT_PARAMS})", **TORCH_REDUCE)
      for kind in ("var", "std")],
    *each("var", "tensorflow", tf_paths("math.reduce_variance"),
          "input_tensor, axis=None, keepdims=False, name=None", **TF_MOMENT),
    *each("std", "tensorflow", tf_paths("math.reduce_std"),
          "input_tensor, axis=None, keepdims=False, name=None", **TF_MOMENT),
    *[parse_spec(kind, "keras", f"keras.ops.{kind}(x, axis=None, keepdims=False)", **NP_REDUCE)
      for kind in ("var", "std")],

    # ---- square roots, squares and powers --------------------------------------------------
    parse_spec("sqrt", "python", "math.sqrt(x, /)"),
    parse_spec("sqrt", "numpy", f"numpy.sqrt({UFUNC})"),
    parse_spec("sqrt", "torch", "torch.sqrt(input, *, out=None)"),
    *each("sqrt", "tensorflow", tf_paths("math.sqrt", "sqrt"), "x, name=None", **TF_ELEMENTWISE),
    parse_spec("sqrt", "jax", "jax.numpy.sqrt(x, /)"),
    parse_spec("sqrt", "jax", "jax.lax.sqrt(x, *, accuracy=None)"),
    parse_spec("sqrt", "keras", "keras.ops.sqrt(x)"),
    parse_spec("square", "numpy", f"numpy.square({UFUNC})"),
    parse_spec("square", "torch", "torch.square(input, *, out=None)"),
    *each("square", "tensorflow", tf_paths("math.square", "square"), "x, name=None",
          **TF_ELEMENTWISE),
    parse_spec("square", "jax", "jax.numpy.square(x, /)"),
    parse_spec("square", "jax", "jax.lax.square(x)"),
    parse_spec("square", "keras", "keras.ops.square(x)"),
    # `pow`: the operand is the base; the one other argument is the exponent.
    parse_spec("pow", "python", "builtins.pow(base, exp, mod=None)"),
    parse_spec("pow", "python", "math.pow(x, y, /)"),
    *each("pow", "numpy", ["numpy.power", "numpy.pow"], "x1, x2, /, out=None, **ufunc_kwargs"),
    parse_spec("pow", "torch", "torch.pow(input, exponent, *, out=None)"),
    *each("pow", "tensorflow", tf_paths("math.pow", "pow"), "x, y, name=None",
          **TF_ELEMENTWISE),
    *each("pow", "jax", ["jax.numpy.power", "jax.numpy.pow"], "x1, x2, /"),
    parse_spec("pow", "keras", "keras.ops.power(x1, x2)"),

    # ---- norms (every one is zero exactly when its operand is) ------------------------------
    parse_spec("norm", "numpy", "numpy.linalg.norm(x, ord=None, axis=None, keepdims=False)",
               **NP_REDUCE),
    parse_spec("norm", "numpy", "numpy.linalg.vector_norm(x, /, *, axis=None, keepdims=False, "
                                "ord=2)", **NP_REDUCE),
    parse_spec("norm", "numpy", "scipy.linalg.norm(a, ord=None, axis=None, keepdims=False, "
                                "check_finite=True)", **NP_REDUCE),
    parse_spec("norm", "torch", "torch.norm(input, p='fro', dim=None, keepdim=False, out=None, "
                                "dtype=None)", **TORCH_NORM),
    parse_spec("norm", "torch", "torch.linalg.norm(input, ord=None, dim=None, keepdim=False, *, "
                                "out=None, dtype=None)", **TORCH_REDUCE),
    # Documented as `vector_norm(x, ...)`; ATen's schema (and every call) also takes `input=`.
    parse_spec("norm", "torch", "torch.linalg.vector_norm(input, ord=2, dim=None, keepdim=False, "
                                "*, dtype=None, out=None)",
               **dict(TORCH_REDUCE, aliases={"axis": "dim", "keepdims": "keepdim",
                                             "x": "input"})),
    *each("norm", "tensorflow", tf_paths("norm", "linalg.norm"),
          "tensor, ord='euclidean', axis=None, keepdims=None, name=None, keep_dims=None",
          axis="axis", keepdims="keepdims", default_axis=ALL, inert=("name",),
          aliases={"keep_dims": "keepdims"}),
    *each("norm", "tensorflow", tf_paths("math.reduce_euclidean_norm"),
          "input_tensor, axis=None, keepdims=False, name=None", **TF_MOMENT),
    parse_spec("norm", "jax", "jax.numpy.linalg.norm(x, ord=None, axis=None, keepdims=False)",
               **NP_REDUCE),
    parse_spec("norm", "jax", "jax.numpy.linalg.vector_norm(x, /, *, axis=None, "
                              "keepdims=False, ord=2)", **NP_REDUCE),
    parse_spec("norm", "keras", "keras.ops.norm(x, ord=None, axis=None, keepdims=False)",
               **NP_REDUCE),

    # ---- arrays built from data: the norm or sum of `np.array([[3., 4.], [1., 0.]])` is a
    # constant's, known from its literal (trailing parameters omitted: nothing reads them) --
    parse_spec("array", "numpy", "numpy.array(object, dtype=None)"),
    parse_spec("array", "numpy", "numpy.asarray(a, dtype=None)"),
    parse_spec("array", "torch", "torch.tensor(data, *, dtype=None)"),
    parse_spec("array", "torch", "torch.as_tensor(data, *, dtype=None)"),  # keyword-only
    # (their `dtype=` does not cast a tensor: it must match, so it is not listed)
    parse_spec("array", "tensorflow", "tensorflow.constant(value)"),
    parse_spec("array", "tensorflow", "tensorflow.convert_to_tensor(value)"),
    parse_spec("array", "jax", "jax.numpy.array(object, dtype=None)"),
    parse_spec("array", "jax", "jax.numpy.asarray(a, dtype=None)"),
    parse_spec("array", "keras", "keras.ops.array(x, dtype=None)"),
    parse_spec("array", "keras", "keras.ops.convert_to_tensor(x, dtype=None)"),

    # ---- guards: what makes a divisor safe ---------------------------------------------------
    *each("maximum", "numpy", ["numpy.maximum", "numpy.fmax"],
          "x1, x2, /, out=None, **ufunc_kwargs"),
    *each("maximum", "torch", ["torch.maximum", "torch.fmax"], "input, other, *, out=None"),
    *each("maximum", "tensorflow", tf_paths("math.maximum", "maximum"), "x, y, name=None",
          **TF_ELEMENTWISE),
    # `jnp.maximum` is a `jnp.ufunc` (its `where=` raises); `jnp.fmax` a plain function.
    parse_spec("maximum", "jax", "jax.numpy.maximum(x1, x2, /, *, out=None)"),
    parse_spec("maximum", "jax", "jax.numpy.fmax(x1, x2)"),
    parse_spec("maximum", "keras", "keras.ops.maximum(x1, x2)"),
    # NumPy >= 2.1 also takes `min=`/`max=` (instead of `a_min`/`a_max`): under `**kwargs`.
    parse_spec("clip", "numpy", "numpy.clip(a, a_min=None, a_max=None, out=None, **kwargs)"),
    *each("clip", "torch", ["torch.clamp", "torch.clip"],
          "input, min=None, max=None, *, out=None"),
    parse_spec("clip", "torch", "torch.clamp_min(input, min)"),
    *each("clip", "tensorflow", tf_paths("clip_by_value"),
          "t, clip_value_min, clip_value_max, name=None", **TF_ELEMENTWISE),
    parse_spec("clip", "jax", "jax.numpy.clip(arr=None, /, min=None, max=None)"),
    parse_spec("clip", "keras", "keras.ops.clip(x, x_min, x_max)"),
    parse_spec("where", "numpy", "numpy.where(condition, x=None, y=None, /)"),
    parse_spec("where", "torch", "torch.where(condition, input=None, other=None, *, out=None)"),
    *each("where", "tensorflow", tf_paths("where") + ["tensorflow.compat.v1.where_v2"],
          "condition, x=None, y=None, name=None", **TF_ELEMENTWISE),
    parse_spec("where", "jax", "jax.numpy.where(condition, x=None, y=None, /, *, size=None, "
                               "fill_value=None)"),
    parse_spec("where", "keras", "keras.ops.where(condition, x1=None, x2=None)"),
    parse_spec("abs", "python", "builtins.abs(x, /)"),
    parse_spec("abs", "python", "math.fabs(x, /)"),
    *each("abs", "numpy", ["numpy.abs", "numpy.absolute"], UFUNC),
    *each("abs", "torch", ["torch.abs", "torch.absolute"], "input, *, out=None"),
    *each("abs", "tensorflow", tf_paths("math.abs", "abs"), "x, name=None", **TF_ELEMENTWISE),
    *each("abs", "jax", ["jax.numpy.abs", "jax.numpy.absolute"], "x, /"),
    *each("abs", "keras", ["keras.ops.abs", "keras.ops.absolute"], "x"),
    # A division wrapped in these has its zero divisors handled.
    parse_spec("errstate", "numpy", "numpy.errstate(*, call=None, all=None, divide=None, "
                                    "over=None, under=None, invalid=None)"),
    parse_spec("nan_to_num", "numpy", "numpy.nan_to_num(x, copy=True, nan=0.0, posinf=None, "
                                      "neginf=None)"),
    parse_spec("nan_to_num", "torch", "torch.nan_to_num(input, nan=0.0, posinf=None, "
                                      "neginf=None, *, out=None)"),
    parse_spec("nan_to_num", "jax", "jax.numpy.nan_to_num(x, copy=True, nan=0.0, posinf=None, "
                                    "neginf=None)"),
    # `x / max(||x||_p, eps)` along `dim` (default 1).
    parse_spec("normalize", "torch", "torch.nn.functional.normalize(input, p=2.0, dim=1, "
                                     "eps=1e-12, out=None)", axis="dim", default_axis=1),
    # The length of the first axis, the count behind `sum(x) / len(x)`.
    parse_spec("len", "python", "builtins.len(obj, /)"),

    # ---- methods -------------------------------------------------------------------------------
    # NumPy's ndarray and JAX's Array (keyword-only `keepdims` on NumPy's).
    *[parse_spec(kind, "numpy", f"{kind}(axis=None, dtype=None, out=None, ddof=0, *, "
                                "keepdims=False, where=None, mean=None)", method=True,
                 **NP_REDUCE)
      for kind in ("var", "std")],
    *[parse_spec(kind, "jax", f"{kind}(axis=None, dtype=None, out=None, ddof=0, "
                              "keepdims=False, *, where=None)", method=True,
                 **NP_REDUCE)
      for kind in ("var", "std")],
    parse_spec("clip", "numpy", "clip(min=None, max=None, out=None, **kwargs)", method=True),
    parse_spec("clip", "jax", "clip(min=None, max=None)", method=True),
    # PyTorch's Tensor.
    *[parse_spec(kind, "torch", f"{kind}(dim=None, *, correction=1, keepdim=False, "
                                "unbiased=True)", method=True, **TORCH_REDUCE)
      for kind in ("var", "std")],
    parse_spec("sqrt", "torch", "sqrt()", method=True),
    parse_spec("square", "torch", "square()", method=True),
    parse_spec("pow", "torch", "pow(exponent)", method=True),
    parse_spec("abs", "torch", "abs()", method=True),
    parse_spec("norm", "torch", "norm(p='fro', dim=None, keepdim=False, dtype=None)",
               method=True, **TORCH_NORM),
    *[parse_spec("clip", "torch", f"{name}(min=None, max=None)", method=True)
      for name in ("clamp", "clip")],
    parse_spec("clip", "torch", "clamp_min(min)", method=True),
    parse_spec("nan_to_num", "torch", "nan_to_num(nan=0.0, posinf=None, neginf=None)",
               method=True),
]

# `var`/`std` replace the population estimator `mean(x**2) - mean(x)**2`: torch's default to
# the unbiased `correction=1` (a factor n/(n-1)), so its targets pass `correction=0`.
_POPULATION = (("correction", "0"),)

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    "var": {
        "numpy": (Target(("numpy.var",), method="var"),),
        "torch": (Target(("torch.var",), method="var", arguments=_POPULATION),),
        "tensorflow": (Target(tuple(tf_paths("math.reduce_variance"))),),
        "jax": (Target(("jax.numpy.var",), method="var"),),
        "keras": (Target(("keras.ops.var",)),),
    },
    "std": {
        "numpy": (Target(("numpy.std",), method="std"),),
        "torch": (Target(("torch.std",), method="std", arguments=_POPULATION),),
        "tensorflow": (Target(tuple(tf_paths("math.reduce_std"))),),
        "jax": (Target(("jax.numpy.std",), method="std"),),
        "keras": (Target(("keras.ops.std",)),),
    },
    # A division by a divisor floored at eps, `n / max(d, eps)`: bit-identical to `n / d`
    # wherever `d >= eps`.
    "divide_floored": {
        "numpy": (Target(("numpy.maximum",), template="{n} / {fn}({d}, {eps})"),),
        "torch": (Target(("torch.clamp",), template="{n} / {fn}({d}, min={eps})"),),
        "tensorflow": (Target(tuple(tf_paths("maximum", "math.maximum")),
                              template="{n} / {fn}({d}, {eps})"),),
        "jax": (Target(("jax.numpy.maximum",), template="{n} / {fn}({d}, {eps})"),),
        "keras": (Target(("keras.ops.maximum",), template="{n} / {fn}({d}, {eps})"),),
    },
    # The divisor alone, floored at eps: `x /= max(d, eps)`, the value of an augmented
    # assignment (whose target the fix leaves as it is).
    "floored": {
        "numpy": (Target(("numpy.maximum",), template="{fn}({d}, {eps})"),),
        "torch": (Target(("torch.clamp",), template="{fn}({d}, min={eps})"),),
        "tensorflow": (Target(tuple(tf_paths("maximum", "math.maximum")),
                              template="{fn}({d}, {eps})"),),
        "jax": (Target(("jax.numpy.maximum",), template="{fn}({d}, {eps})"),),
        "keras": (Target(("keras.ops.maximum",), template="{fn}({d}, {eps})"),),
    },
    # `sqrt(sum(x**2, dim))`: PyTorch's 2-norm has the same values (it does not scale: both
    # overflow alike) and a gradient of 0 at x = 0, where the root's is 0 * inf = NaN (catalog
    # H21). TensorFlow's `tf.norm` and JAX's `jnp.linalg.norm` have the NaN gradient too, and
    # NumPy has no gradient: no target there.
    "vector_norm": {
        "torch": (Target(("torch.linalg.vector_norm",)),),
    },
    # `x / max(||x||_2, eps)` along `dim`, exactly as `x / x.norm(dim=d, keepdim=True)` where
    # the norm is at least eps.
    "normalize": {
        "torch": (Target(("torch.nn.functional.normalize",),
                         template="{fn}({x}, p=2.0, dim={dim}, eps={eps})"),),
    },
}
