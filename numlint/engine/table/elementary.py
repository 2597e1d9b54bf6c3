"""Framework table section. Elementary functions (NL5xx): log1p, expm1, softplus, sigmoid and log-sigmoid, logaddexp,
special functions (erfc, log-gamma), hypot, x log x, and the stable forms they rewrite to.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`
(numpy 2.4, scipy 1.17, torch 2.13, tensorflow 2.21, jax 0.10, keras 3.15); facts behind the
targets are in `../shared/catalog.md` (H10-H15).
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import TF_ELEMENTWISE, UFUNC, Target, each, tf_paths

SPECS = [
    # ---- log1p and expm1: the accurate log(1 + x) and exp(x) - 1 -----------------------------
    *[spec
      for kind in ("log1p", "expm1")
      for spec in (
          parse_spec(kind, "python", f"math.{kind}(x, /)"),
          *each(kind, "numpy", [f"numpy.{kind}", f"scipy.special.{kind}"], UFUNC),
          *each(kind, "torch", [f"torch.{kind}", f"torch.special.{kind}"],
                "input, *, out=None"),
          parse_spec(kind, "torch", f"{kind}()", method=True),
          *each(kind, "tensorflow", tf_paths(f"math.{kind}", kind), "x, name=None",
                **TF_ELEMENTWISE),
          parse_spec(kind, "jax", f"jax.numpy.{kind}(x, /)"),
          parse_spec(kind, "keras", f"keras.ops.{kind}(x)"),
      )],
    # `fabs`: an absolute value (`log1p(exp(-fabs(x)))` is a stable softplus).
    parse_spec("abs", "numpy", f"numpy.fabs({UFUNC})"),
    # ---- softplus, log(1 + exp(x)) ------------------------------------------------------------
    parse_spec("softplus", "numpy", "scipy.special.softplus(x, **kwargs)"),
    parse_spec("softplus", "torch", "torch.nn.functional.softplus(input, beta=1.0, "
                                    "threshold=20.0)"),
    parse_spec("softplus", "torch", "torch.nn.Softplus(beta=1.0, threshold=20.0)", layer=True,
               operand="input"),
    *each("softplus", "tensorflow", tf_paths("math.softplus", "nn.softplus"),
          "features, name=None", **TF_ELEMENTWISE),
    parse_spec("softplus", "jax", "jax.nn.softplus(x)"),
    *each("softplus", "keras", ["keras.ops.softplus", "keras.activations.softplus"], "x"),
    # ---- logaddexp, log(exp(a) + exp(b)) (TensorFlow has none in tf.math) ---------------------
    parse_spec("logaddexp", "numpy", "numpy.logaddexp(x1, x2, /, out=None, **ufunc_kwargs)"),
    parse_spec("logaddexp", "torch", "torch.logaddexp(input, other, *, out=None)"),
    parse_spec("logaddexp", "torch", "logaddexp(other)", method=True),
    parse_spec("logaddexp", "jax", "jax.numpy.logaddexp(x1, x2, /)"),
    parse_spec("logaddexp", "keras", "keras.ops.logaddexp(x1, x2)"),
    # ---- tanh (the stable form of `(exp(x) - exp(-x)) / (exp(x) + exp(-x))`) -------------------
    parse_spec("tanh", "python", "math.tanh(x, /)"),
    parse_spec("tanh", "numpy", f"numpy.tanh({UFUNC})"),
    parse_spec("tanh", "torch", "torch.tanh(input, *, out=None)"),
    parse_spec("tanh", "torch", "tanh()", method=True),
    *each("tanh", "tensorflow", tf_paths("math.tanh", "tanh"), "x, name=None", **TF_ELEMENTWISE),
    parse_spec("tanh", "jax", "jax.numpy.tanh(x, /)"),
    parse_spec("tanh", "keras", "keras.ops.tanh(x)"),
    # TensorFlow has no `tf.math.logaddexp`; its NumPy API's is stable and broadcasts.
    parse_spec("logaddexp", "tensorflow", "tensorflow.experimental.numpy.logaddexp(x1, x2)"),
]


def _elementwise(kind: str) -> Dict[str, Tuple[Target, ...]]:
    """The targets of an elementwise function every framework has under its own name, written
    `{fn}({x})` (or as a method, where the tensor has one)."""
    return {
        "python": (Target((f"math.{kind}",), template="{fn}({x})"),),
        "numpy": (Target((f"numpy.{kind}", f"scipy.special.{kind}"), template="{fn}({x})"),),
        "torch": (Target((f"torch.{kind}", f"torch.special.{kind}"), method=kind,
                         template="{fn}({x})"),),
        # Not `tf.{kind}`: TensorFlow 2 has only `tf.math.{kind}` (TF1 code is written
        # `tf.math.{kind}` too, which TF 1.13 and later have).
        "tensorflow": (Target((f"tensorflow.math.{kind}", f"tensorflow.compat.v1.math.{kind}",
                               f"tensorflow.compat.v1.{kind}"), template="{fn}({x})"),),
        "jax": (Target((f"jax.numpy.{kind}",), template="{fn}({x})"),),
        "keras": (Target((f"keras.ops.{kind}",), template="{fn}({x})"),),
    }


STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    # `log(1 + x)` and `exp(x) - 1`: correctly rounded where the naive forms cancel.
    "log1p": _elementwise("log1p"),
    "expm1": _elementwise("expm1"),
    # `log(1 + exp(x))`, written `{fn}({x})`. NumPy: `logaddexp(0, x)` (SciPy's `softplus` is
    # new in 1.15). PyTorch's `F.softplus` returns `x` itself above `threshold=20`: in float64
    # it is off by up to 2e-9 for 20 < x < 37, where the naive form is exact, so it is unsafe;
    # so is `keras.ops.softplus`, which is `F.softplus` on Keras's torch backend.
    "softplus": {
        "numpy": (Target(("numpy.logaddexp",), template="{fn}(0, {x})"),),
        "torch": (Target(("torch.nn.functional.softplus",), template="{fn}({x})",
                         safety="unsafe"),),
        "tensorflow": (Target(("tensorflow.math.softplus", "tensorflow.nn.softplus",
                               "tensorflow.compat.v1.math.softplus",
                               "tensorflow.compat.v1.nn.softplus"), template="{fn}({x})"),),
        "jax": (Target(("jax.nn.softplus",), template="{fn}({x})"),),
        "keras": (Target(("keras.ops.softplus", "keras.activations.softplus"),
                         template="{fn}({x})", safety="unsafe"),),
    },
    # `log(exp(a) + exp(b))`, written `{fn}({a}, {b})`. PyTorch's `logaddexp` rejects integer
    # tensors, which `torch.exp` promoted to float: unsafe there. Keras 3.15's
    # `keras.ops.logaddexp` returns float32 for float64 inputs (seen on the JAX backend: it
    # promotes with `float`, i.e. floatx): unsafe too.
    "logaddexp": {
        "numpy": (Target(("numpy.logaddexp",), template="{fn}({a}, {b})"),),
        "torch": (Target(("torch.logaddexp",), template="{fn}({a}, {b})", safety="unsafe"),),
        "tensorflow": (Target(("tensorflow.experimental.numpy.logaddexp",),
                              template="{fn}({a}, {b})"),),
        "jax": (Target(("jax.numpy.logaddexp",), template="{fn}({a}, {b})"),),
        "keras": (Target(("keras.ops.logaddexp",), template="{fn}({a}, {b})",
                         safety="unsafe"),),
    },
    # The pieces of Maechler's log1mexp, `where(x > -ln 2, log(-expm1(x)), log1p(-exp(x)))`
    # (with "log1p" and "expm1" above): the plain log and exp, and an elementwise select.
    "log": {
        "python": (Target(("math.log",), template="{fn}({x})"),),
        "numpy": (Target(("numpy.log",), template="{fn}({x})"),),
        "torch": (Target(("torch.log",), template="{fn}({x})"),),
        "tensorflow": (Target(("tensorflow.math.log", "tensorflow.compat.v1.math.log",
                               "tensorflow.compat.v1.log"), template="{fn}({x})"),),
        "jax": (Target(("jax.numpy.log",), template="{fn}({x})"),),
        "keras": (Target(("keras.ops.log",), template="{fn}({x})"),),
    },
    "exp": {
        "numpy": (Target(("numpy.exp",), template="{fn}({x})"),),
        "torch": (Target(("torch.exp",), template="{fn}({x})"),),
        "tensorflow": (Target(("tensorflow.math.exp", "tensorflow.exp",
                               "tensorflow.compat.v1.math.exp", "tensorflow.compat.v1.exp"),
                              template="{fn}({x})"),),
        "jax": (Target(("jax.numpy.exp",), template="{fn}({x})"),),
        "keras": (Target(("keras.ops.exp",), template="{fn}({x})"),),
    },
    # `tf.where` is TF2's broadcasting `where_v2` (`tf.compat.v1.where` does not broadcast).
    "where": {
        "numpy": (Target(("numpy.where",), template="{fn}({c}, {a}, {b})"),),
        "torch": (Target(("torch.where",), template="{fn}({c}, {a}, {b})"),),
        "tensorflow": (Target(("tensorflow.where", "tensorflow.compat.v1.where_v2"),
                              template="{fn}({c}, {a}, {b})"),),
        "jax": (Target(("jax.numpy.where",), template="{fn}({c}, {a}, {b})"),),
        "keras": (Target(("keras.ops.where",), template="{fn}({c}, {a}, {b})"),),
    },
    # `(exp(x) - exp(-x)) / (exp(x) + exp(-x))`: the hyperbolic tangent, which every library
    # computes without forming `exp(x)` (catalog H24). No SciPy spelling: NumPy's is the ufunc.
    "tanh": {
        "python": (Target(("math.tanh",), template="{fn}({x})"),),
        "numpy": (Target(("numpy.tanh",), template="{fn}({x})"),),
        "torch": (Target(("torch.tanh",), method="tanh", template="{fn}({x})"),),
        "tensorflow": (Target(("tensorflow.math.tanh", "tensorflow.tanh",
                               "tensorflow.compat.v1.math.tanh", "tensorflow.compat.v1.tanh"),
                              template="{fn}({x})"),),
        "jax": (Target(("jax.numpy.tanh",), template="{fn}({x})"),),
        # Keras 3.15's `tanh` computes in float32 for float64 inputs (JAX backend): unsafe.
        "keras": (Target(("keras.ops.tanh",), template="{fn}({x})", safety="unsafe"),),
    },
    # `exp(a) / exp(b)`: one exponential of the difference (catalog H26), `{d}` the text of
    # `a - b`, parenthesised by the rule where needed.
    "exp_difference": {
        "python": (Target(("math.exp",), template="{fn}({d})"),),
        "numpy": (Target(("numpy.exp",), template="{fn}({d})"),),
        "torch": (Target(("torch.exp",), template="{fn}({d})"),),
        "tensorflow": (Target(("tensorflow.math.exp", "tensorflow.exp",
                               "tensorflow.compat.v1.math.exp", "tensorflow.compat.v1.exp"),
                              template="{fn}({d})"),),
        "jax": (Target(("jax.numpy.exp",), template="{fn}({d})"),),
        "keras": (Target(("keras.ops.exp",), template="{fn}({d})"),),
    },
    # `log(sigmoid(x))` in NumPy code without SciPy (`log_sigmoid`'s NumPy target is SciPy's
    # `log_expit`): `-softplus(-x)`, written `-{fn}(0, {x})` with `{x}` the negated logit.
    "neg_softplus": {
        "numpy": (Target(("numpy.logaddexp",), template="-{fn}(0, {x})"),),
    },
    # `1 / (1 + exp(-x))`. NumPy needs SciPy's `expit`: the NumPy-only `0.5 * (1 + tanh(x / 2))`
    # cancels for negative x (relative error 2e-4 at x = -30, 4e-2 at x = -36, where the naive
    # form is exact),
    # and `exp(-logaddexp(0, -x))` loses |x| ulps; Python's math has no sigmoid.
    "sigmoid": {
        "numpy": (Target(("scipy.special.expit",), needs_import="scipy", template="{fn}({x})"),),
        "torch": (Target(("torch.sigmoid", "torch.special.expit",
                          "torch.nn.functional.sigmoid"), method="sigmoid",
                         template="{fn}({x})"),),
        "tensorflow": (Target(("tensorflow.math.sigmoid", "tensorflow.sigmoid",
                               "tensorflow.nn.sigmoid", "tensorflow.compat.v1.math.sigmoid",
                               "tensorflow.compat.v1.sigmoid", "tensorflow.compat.v1.nn.sigmoid"),
                              template="{fn}({x})"),),
        "jax": (Target(("jax.nn.sigmoid", "jax.scipy.special.expit"), template="{fn}({x})"),),
        "keras": (Target(("keras.ops.sigmoid", "keras.activations.sigmoid"),
                         template="{fn}({x})"),),
    },
}
