"""Framework table section. Comparisons and precision (NL6xx): NaN comparisons, epsilons below a dtype's spacing,
finite-difference steps, and the dtypes a module computes in.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`
(numpy 2.4, torch 2.13, tensorflow 2.21, jax 0.10, keras 3.15); facts behind the targets are in
`../shared/catalog.md` (H17, H25).
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import TF_ELEMENTWISE, UFUNC, Target, each, tf_paths

# ---- NaN, as code spells it (a comparison with any of these is constant) ----------------------
# Qualified names of the NaN constant. NumPy 1's `NaN` and `NAN` aliases are gone from NumPy 2
# but live on in code; TensorFlow has no NaN constant of its own (`tf.experimental.numpy` has
# none either).
NAN_CONSTANTS: FrozenSet[str] = frozenset({
    "math.nan", "cmath.nan", "numpy.nan", "numpy.NaN", "numpy.NAN", "torch.nan",
    "jax.numpy.nan",
})
# As the table's constants: the model gives `np.nan` the kind "nan".
CONSTANTS: Dict[str, str] = {qualname: "nan" for qualname in NAN_CONSTANTS}
# Python scalars among them: `math.nan`, and `float("nan")` (below).
SCALAR_NAN_CONSTANTS: FrozenSet[str] = frozenset({"math.nan", "cmath.nan", "builtins.float"})
# Callables that make a NaN of the string "nan" (any case, optional sign): `float("nan")`,
# `np.float32("NaN")`.
NAN_CONSTRUCTORS: FrozenSet[str] = frozenset({
    "builtins.float", "numpy.float64", "numpy.float32", "numpy.float16", "numpy.double",
    "numpy.single", "numpy.half", "numpy.longdouble",
})

# ---- dtypes: where an epsilon vanishes ------------------------------------------------------
# The floating-point dtype a library computes in when nothing says otherwise (JAX without
# `jax_enable_x64`, Keras's `floatx()`).
DEFAULT_FLOAT: Dict[str, str] = {
    "python": "float64", "numpy": "float64", "torch": "float32", "tensorflow": "float32",
    "jax": "float32", "keras": "float32",
}
# Per dtype: significand bits after the point, the exponent of the smallest positive
# subnormal and of the smallest normal number.
FLOAT_FORMATS: Dict[str, Tuple[int, int, int]] = {
    "float64": (52, -1074, -1022),
    "float32": (23, -149, -126),
    "float16": (10, -24, -14),
    "bfloat16": (7, -133, -126),
}
# Libraries whose CPU arithmetic flushes subnormal float32 results to zero (checked:
# `tf.math.log(tf.zeros(1) + 1e-40)` and its `jnp` twin are -inf, NumPy's and PyTorch's -92.1;
# float16 subnormals survive in both).
FLUSHES_SUBNORMALS: Dict[str, FrozenSet[str]] = {
    "tensorflow": frozenset({"float32"}),
    "jax": frozenset({"float32"}),
}
# What makes a dtype visible in a function: names, methods (`x.half()`) and strings
# (`dtype="float16"`, `x.astype("float32")`).
DTYPE_NAMES: Dict[str, str] = {
    "numpy.float32": "float32", "numpy.single": "float32", "numpy.float16": "float16",
    "numpy.half": "float16", "torch.float16": "float16", "torch.half": "float16",
    "torch.bfloat16": "bfloat16", "tensorflow.float16": "float16",
    "tensorflow.bfloat16": "bfloat16", "jax.numpy.float32": "float32",
    "jax.numpy.float16": "float16", "jax.numpy.bfloat16": "bfloat16",
    "numpy.float64": "float64", "numpy.double": "float64", "torch.float64": "float64",
    "torch.double": "float64", "tensorflow.float64": "float64", "jax.numpy.float64": "float64",
}
DTYPE_METHODS: Dict[str, str] = {"half": "float16", "bfloat16": "bfloat16", "double": "float64"}
DTYPE_STRINGS: Dict[str, str] = {
    "float32": "float32", "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "float64": "float64", "double": "float64",
}

# Dense products `f(input, weight, bias=None)` = `input @ weight.T (+ bias)`: with both factors
# normalized, the cosines of an ArcFace head.
LINEAR_PRODUCTS: FrozenSet[str] = frozenset({"torch.nn.functional.linear"})

SPECS = [
    # ---- elementwise (in)equality as functions: `np.equal(x, np.nan)` is `x == np.nan` -------
    *[spec
      for kind, numpy_name, torch_names, tf_name in (
          ("equal", "equal", ("eq",), "equal"),
          ("not_equal", "not_equal", ("ne", "not_equal"), "not_equal"))
      for spec in (
          parse_spec(kind, "numpy", f"numpy.{numpy_name}(x1, x2, /, out=None, **ufunc_kwargs)"),
          *each(kind, "torch", [f"torch.{name}" for name in torch_names],
                "input, other, *, out=None"),
          *[parse_spec(kind, "torch", f"{name}(other)", method=True) for name in torch_names],
          *each(kind, "tensorflow", tf_paths(f"math.{tf_name}", tf_name), "x, y, name=None",
                **TF_ELEMENTWISE),
          parse_spec(kind, "jax", f"jax.numpy.{numpy_name}(x, y, /)"),
          parse_spec(kind, "keras", f"keras.ops.{numpy_name}(x1, x2)"),
      )],
    # ---- isnan: what `x == nan` meant ----------------------------------------------------------
    parse_spec("isnan", "python", "math.isnan(x, /)"),
    parse_spec("isnan", "numpy", f"numpy.isnan({UFUNC})"),
    parse_spec("isnan", "torch", "torch.isnan(input)"),
    parse_spec("isnan", "torch", "isnan()", method=True),
    *each("isnan", "tensorflow", ["tensorflow.math.is_nan", "tensorflow.compat.v1.math.is_nan",
                                  "tensorflow.compat.v1.is_nan"], "x, name=None",
          **TF_ELEMENTWISE),
    parse_spec("isnan", "jax", "jax.numpy.isnan(x, /)"),
    parse_spec("isnan", "keras", "keras.ops.isnan(x)"),
    # ---- cosine similarity functions: rounded, their value exceeds 1 for parallel vectors about
    # one time in ten (checked: `F.cosine_similarity(x, 0.7 * x)`) --------------------------
    *each("cosine_similarity", "torch", ["torch.nn.functional.cosine_similarity",
                                         "torch.cosine_similarity"],
          "x1, x2, dim=1, eps=1e-08"),
    *each("cosine_similarity", "jax", ["optax.cosine_similarity", "optax.losses.cosine_similarity"],
          "predictions, targets, *, epsilon=0.0, axis=-1, where=None"),
    # ---- arccos: NaN outside [-1, 1] (array libraries; `math.acos` raises instead) -------------
    *each("arccos", "numpy", ["numpy.arccos", "numpy.acos"], UFUNC),
    *each("arccos", "torch", ["torch.acos", "torch.arccos"], "input, *, out=None"),
    *[parse_spec("arccos", "torch", f"{name}()", method=True) for name in ("acos", "arccos")],
    *each("arccos", "tensorflow", tf_paths("math.acos", "acos"), "x, name=None",
          **TF_ELEMENTWISE),
    *each("arccos", "jax", ["jax.numpy.arccos", "jax.numpy.acos"], "x, /"),
    parse_spec("arccos", "keras", "keras.ops.arccos(x)"),
]


def _isnan(template: str, scalar: str) -> Dict[str, Tuple[Target, ...]]:
    """`isnan(x)` (or its negation) in each framework; `scalar` is the template for Python's
    `math.isnan`, whose result is a bool (`not`, where arrays need `~`)."""
    return {
        "python": (Target(("math.isnan",), template=scalar),),
        "numpy": (Target(("numpy.isnan",), template=template),),
        "torch": (Target(("torch.isnan",), template=template),),
        # Not `tf.is_nan`: TensorFlow 2 has only `tf.math.is_nan`, which TF 1.13+ has too.
        "tensorflow": (Target(("tensorflow.math.is_nan", "tensorflow.compat.v1.math.is_nan"),
                              template=template),),
        "jax": (Target(("jax.numpy.isnan",), template=template),),
        "keras": (Target(("keras.ops.isnan",), template=template),),
    }


STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    # `x == nan` -> `isnan(x)`; `x != nan` -> `~isnan(x)` (`not math.isnan(x)` for a scalar).
    "isnan": _isnan("{fn}({x})", "{fn}({x})"),
    "not_isnan": _isnan("~{fn}({x})", "not {fn}({x})"),
    # The argument of `arccos` clipped into its domain: the identity on [-1, 1], so the arccos
    # is unchanged wherever it was finite; NaN stays NaN (all five checked).
    "clip_unit": {
        "numpy": (Target(("numpy.clip",), template="{fn}({x}, -1.0, 1.0)"),),
        "torch": (Target(("torch.clamp",), template="{fn}({x}, -1.0, 1.0)"),),
        "tensorflow": (Target(tuple(tf_paths("clip_by_value")),
                              template="{fn}({x}, -1.0, 1.0)"),),
        "jax": (Target(("jax.numpy.clip",), template="{fn}({x}, -1.0, 1.0)"),),
        "keras": (Target(("keras.ops.clip",), template="{fn}({x}, -1.0, 1.0)"),),
    },
    # A difference that is non-negative in exact arithmetic, floored at 0 before its square
    # root: the identity wherever it is >= 0 (NaN stays NaN: all five checked).
    "floor_zero": {
        "numpy": (Target(("numpy.maximum",), template="{fn}({d}, 0.0)"),),
        "torch": (Target(("torch.clamp",), template="{fn}({d}, min=0.0)"),),
        "tensorflow": (Target(tuple(tf_paths("maximum", "math.maximum")),
                              template="{fn}({d}, 0.0)"),),
        "jax": (Target(("jax.numpy.maximum",), template="{fn}({d}, 0.0)"),),
        "keras": (Target(("keras.ops.maximum",), template="{fn}({d}, 0.0)"),),
    },
}
