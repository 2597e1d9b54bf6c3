"""The framework table: which library callables perform which canonical operation, and the
stable replacements numlint rewrites to, for NumPy/SciPy, PyTorch, TensorFlow (2 and 1), JAX and
Keras 3.

This is the only module that names library APIs. Rules reason about canonical operations
("log", "sum", "softmax", ...) and ask `numlint.engine.emit` for a stable replacement "in the framework
of the code they found"; supporting a new framework means adding a section here (and its tests),
never touching a rule.

Signatures are the libraries' own (checked against the installed libraries by
`tests/test_table_signatures.py`); where TensorFlow 1 and 2 differ, the entry is the union, with
TF1's spellings (`reduction_indices`, `keep_dims`, `dim`) as aliases. Facts behind each entry
(default axes, traps) are in `../shared/catalog.md`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from numlint.engine.table.schema import ALL, IMPLICIT, REQUIRED, Spec, index_specs, parse_spec
from numlint.engine.table import (arithmetic, elementary, linalg, losses, precision, special,
                                  spellings, stats)
from numlint.engine.table._common import (
    NP_REDUCE, TF_ELEMENTWISE, TF_REDUCE, TORCH_REDUCE, UFUNC, Target, each, tf_paths,
)

FRAMEWORK_ORDER = ("numpy", "torch", "tensorflow", "jax", "keras")

# Top-level modules and the framework they belong to (SciPy shares NumPy's arrays).
MODULE_FRAMEWORKS = {
    "numpy": "numpy",
    "scipy": "numpy",
    "torch": "torch",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "optax": "jax",
    "keras": "keras",
    # Libraries that spell NumPy's API on arrays of their own (section `spellings`).
    "cupy": "numpy",
    "cupyx": "numpy",
    "mxnet": "numpy",
    "math": "python",
    "builtins": "python",
}

# Modules whose star import (`from numpy import *`) we can resolve through this table.
MODULES = frozenset({
    "numpy", "scipy.special", "torch", "torch.nn.functional", "tensorflow", "tensorflow.math",
    "jax.numpy", "jax.nn", "math",
})


# Methods that set a network's attributes once, before its other methods use them: Python's
# `__init__`, Flax's `setup`, Keras's `build` (the dataflow reads `self.attr` from them).
INITIALIZERS = ("__init__", "setup", "build")


# Other spellings of a module that real packages import, and the module whose API they are
# (Keras's own sources import `keras.src.ops`; TF2 code written against the compatibility
# module imports `tensorflow.compat.v2 as tf`). The longest matching alias applies.
MODULE_ALIASES = {
    "keras.src.ops": "keras.ops",
    "keras.src.activations": "keras.activations",
    "keras.src.losses": "keras.losses",
    "keras.src.layers": "keras.layers",
    "tensorflow.compat.v2": "tensorflow",
    # The Keras backend (`K.log`, `K.sum`, `K.softmax`): Keras 2's `keras.backend` and Keras 3's
    # legacy module are TensorFlow's `tf.keras.backend` (section `spellings`).
    "keras.backend": "tensorflow.keras.backend",
    "keras.src.legacy.backend": "tensorflow.keras.backend",
    "tensorflow.compat.v2.keras.backend": "tensorflow.keras.backend",
    "tensorflow.python.keras.backend": "tensorflow.keras.backend",
    # Trax's `fastmath.numpy` forwards to its backend's NumPy (JAX's by default), and
    # `fastmath.logsumexp` / `expit` / `sigmoid` to the backend's special functions.
    "trax.fastmath.numpy": "jax.numpy",
    "trax.fastmath.logsumexp": "jax.nn.logsumexp",
    "trax.fastmath.ops.logsumexp": "jax.nn.logsumexp",
    "trax.fastmath.expit": "jax.scipy.special.expit",
    "trax.fastmath.sigmoid": "jax.nn.sigmoid",
    "trax.fastmath.ops.expit": "jax.scipy.special.expit",
    "trax.fastmath.ops.sigmoid": "jax.nn.sigmoid",
    # CuPy and MXNet's NumPy (section `spellings`: `OWN_ARRAYS`, `PROVIDES`).
    **spellings.ALIASES,
}
_ALIASES_LONGEST_FIRST = sorted(MODULE_ALIASES.items(), key=lambda item: -len(item[0]))


@lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """`keras.src.ops.log` is `keras.ops.log`; other names as they are."""
    for alias, module in _ALIASES_LONGEST_FIRST:
        if qualname == alias or qualname.startswith(alias + "."):
            return module + qualname[len(alias):]
    return qualname


def spellings_of(target: str) -> List[str]:
    """The other spellings of a stable target (`"numpy:linalg.solve"`) through the module
    aliases, in the same `module:attributes` form: `"cupy:linalg.solve"`,
    `"tensorflow.compat.v2:math.expm1"`. A library of `spellings.PROVIDES` spells only the
    functions listed there."""
    module, _, attrs = target.partition(":") if ":" in target else \
        (target.rpartition(".")[0], ".", target.rpartition(".")[2])
    qualname = f"{module}.{attrs}"
    found = []
    for alias, canon in MODULE_ALIASES.items():
        if qualname == canon:  # a function alias: `trax.fastmath.logsumexp`
            found.append(alias)
        elif module == canon or module.startswith(canon + "."):
            provides = spellings.PROVIDES.get(alias)
            if provides is None or qualname in provides:
                found.append(f"{alias}{module[len(canon):]}:{attrs}")
    return found


def own_library(package: str) -> Optional[str]:
    """The library whose arrays a package's functions make, when they are its own though it
    spells another's API (`cupy`, `cupyx`: CuPy); None for every other package."""
    return spellings.OWN_ARRAYS.get(package)


def framework_of_module(qualname: str) -> Optional[str]:
    return MODULE_FRAMEWORKS.get(qualname.partition(".")[0])


# -- recognition ------------------------------------------------------------------------------
# The core operations are listed here; each family of rules has its own section module
# (`losses`, `linalg`, `stats`) with the operations only that family needs.
_SPECS = [
    # ---- Python ------------------------------------------------------------------------------
    parse_spec("log", "python", "math.log(x, base=None, /)"),
    parse_spec("exp", "python", "math.exp(x, /)"),
    # Builtin `sum` iterates over the first axis of an array: a reduction over axis 0.
    parse_spec("sum", "python", "builtins.sum(iterable, /, start=0)", default_axis=0),
    parse_spec("max", "python", "builtins.max(iterable, /, *args, key=None, default=None)",
               default_axis=0),

    # ---- NumPy / SciPy -----------------------------------------------------------------------
    parse_spec("log", "numpy", f"numpy.log({UFUNC})"),
    parse_spec("exp", "numpy", f"numpy.exp({UFUNC})"),
    parse_spec("sum", "numpy", "numpy.sum(a, axis=None, dtype=None, out=None, keepdims=False, "
                               "initial=None, where=None)", **NP_REDUCE),
    parse_spec("mean", "numpy", "numpy.mean(a, axis=None, dtype=None, out=None, "
                                "keepdims=False, *, where=None)", **NP_REDUCE),
    *each("max", "numpy", ["numpy.max", "numpy.amax"],
           "a, axis=None, out=None, keepdims=False, initial=None, where=None", **NP_REDUCE),
    parse_spec("softmax", "numpy", "scipy.special.softmax(x, axis=None)",
               axis="axis", default_axis=ALL),
    parse_spec("log_softmax", "numpy", "scipy.special.log_softmax(x, axis=None)",
               axis="axis", default_axis=ALL),
    parse_spec("logsumexp", "numpy", "scipy.special.logsumexp(a, axis=None, b=None, "
                                     "keepdims=False, return_sign=False)", **NP_REDUCE),
    # A ufunc reduction: its axis defaults to 0, not to every axis.
    parse_spec("logsumexp", "numpy", "numpy.logaddexp.reduce(array, axis=0, dtype=None, "
                                     "out=None, keepdims=False, initial=None, where=None)",
               axis="axis", keepdims="keepdims", default_axis=0, all_axes="None",
               explicit_axis=True),
    parse_spec("sigmoid", "numpy", f"scipy.special.expit({UFUNC})"),

    # ---- PyTorch -------------------------------------------------------------------------------
    parse_spec("log", "torch", "torch.log(input, *, out=None)"),
    parse_spec("exp", "torch", "torch.exp(input, *, out=None)"),
    parse_spec("sum", "torch", "torch.sum(input, dim=None, keepdim=False, *, dtype=None, "
                               "out=None)", **TORCH_REDUCE),
    parse_spec("mean", "torch", "torch.mean(input, dim=None, keepdim=False, *, dtype=None, "
                                "out=None)", **TORCH_REDUCE),
    parse_spec("max", "torch", "torch.amax(input, dim=(), keepdim=False, *, out=None)",
               **TORCH_REDUCE),
    # torch.max(x) is the maximum; torch.max(x, dim) a (values, indices) pair.
    parse_spec("max", "torch", "torch.max(input, dim=None, keepdim=False, *, out=None)",
               **TORCH_REDUCE, all_axes=None),
    parse_spec("softmax", "torch", "torch.softmax(input, dim, dtype=None)",
               axis="dim", default_axis=REQUIRED, aliases={"axis": "dim"}),
    parse_spec("softmax", "torch", "torch.special.softmax(input, dim, *, dtype=None)",
               axis="dim", default_axis=REQUIRED),
    parse_spec("softmax", "torch", "torch.nn.functional.softmax(input, dim=None, "
                                   "_stacklevel=3, dtype=None)",
               axis="dim", default_axis=IMPLICIT, inert=("_stacklevel",)),
    parse_spec("log_softmax", "torch", "torch.log_softmax(input, dim, dtype=None)",
               axis="dim", default_axis=REQUIRED, aliases={"axis": "dim"}),
    parse_spec("log_softmax", "torch", "torch.special.log_softmax(input, dim, *, dtype=None)",
               axis="dim", default_axis=REQUIRED),
    parse_spec("log_softmax", "torch", "torch.nn.functional.log_softmax(input, dim=None, "
                                       "_stacklevel=3, dtype=None)",
               axis="dim", default_axis=IMPLICIT, inert=("_stacklevel",)),
    *each("logsumexp", "torch", ["torch.logsumexp", "torch.special.logsumexp"],
           "input, dim, keepdim=False, *, out=None",
           axis="dim", keepdims="keepdim", default_axis=REQUIRED,
           aliases={"axis": "dim", "keepdims": "keepdim"}),
    *each("sigmoid", "torch", ["torch.sigmoid", "torch.special.expit"], "input, *, out=None"),
    parse_spec("sigmoid", "torch", "torch.nn.functional.sigmoid(input)"),
    parse_spec("softmax", "torch", "torch.nn.Softmax(dim=None)", layer=True,
               operand="input", axis="dim", default_axis=IMPLICIT),
    parse_spec("log_softmax", "torch", "torch.nn.LogSoftmax(dim=None)", layer=True,
               operand="input", axis="dim", default_axis=IMPLICIT),
    parse_spec("sigmoid", "torch", "torch.nn.Sigmoid()", layer=True, operand="input"),

    # ---- TensorFlow (TF2 and TF1 spellings) ----------------------------------------------------
    *each("log", "tensorflow", tf_paths("math.log", "log"), "x, name=None", **TF_ELEMENTWISE),
    *each("exp", "tensorflow", tf_paths("math.exp", "exp"), "x, name=None", **TF_ELEMENTWISE),
    *each("sum", "tensorflow", tf_paths("math.reduce_sum", "reduce_sum"),
           "input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, "
           "keep_dims=None", **TF_REDUCE),
    *each("mean", "tensorflow", tf_paths("math.reduce_mean", "reduce_mean"),
           "input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, "
           "keep_dims=None", **TF_REDUCE),
    *each("max", "tensorflow", tf_paths("math.reduce_max", "reduce_max"),
           "input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, "
           "keep_dims=None", **TF_REDUCE),
    *each("logsumexp", "tensorflow", tf_paths("math.reduce_logsumexp", "reduce_logsumexp"),
           "input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, "
           "keep_dims=None", **TF_REDUCE),
    *each("softmax", "tensorflow", tf_paths("nn.softmax", "math.softmax"),
           "logits, axis=None, name=None, dim=None",
           axis="axis", default_axis=-1, inert=("name",), aliases={"dim": "axis"}),
    *each("log_softmax", "tensorflow", tf_paths("nn.log_softmax", "math.log_softmax"),
           "logits, axis=None, name=None, dim=None",
           axis="axis", default_axis=-1, inert=("name",), aliases={"dim": "axis"}),
    *each("sigmoid", "tensorflow", tf_paths("math.sigmoid", "sigmoid", "nn.sigmoid"),
           "x, name=None", **TF_ELEMENTWISE),
    *each("softmax", "tensorflow", ["tensorflow.keras.activations.softmax"], "x, axis=-1",
           axis="axis", default_axis=-1),
    *each("sigmoid", "tensorflow", ["tensorflow.keras.activations.sigmoid"], "x"),

    # ---- JAX -----------------------------------------------------------------------------------
    parse_spec("log", "jax", "jax.numpy.log(x, /)"),
    parse_spec("exp", "jax", "jax.numpy.exp(x, /)"),
    # jax.lax's primitives (Flax and Haiku write them): same values, an accuracy option.
    parse_spec("log", "jax", "jax.lax.log(x, *, accuracy=None)"),
    parse_spec("exp", "jax", "jax.lax.exp(x, *, accuracy=None)"),
    parse_spec("sum", "jax", "jax.numpy.sum(a, axis=None, dtype=None, out=None, "
                             "keepdims=False, initial=None, where=None, promote_integers=True)",
               **NP_REDUCE),
    parse_spec("mean", "jax", "jax.numpy.mean(a, axis=None, dtype=None, out=None, "
                              "keepdims=False, *, where=None)", **NP_REDUCE),
    *each("max", "jax", ["jax.numpy.max", "jax.numpy.amax"],
           "a, axis=None, out=None, keepdims=False, initial=None, where=None", **NP_REDUCE),
    parse_spec("softmax", "jax", "jax.nn.softmax(x, axis=-1, where=None)",
               axis="axis", default_axis=-1, all_axes="None"),
    parse_spec("log_softmax", "jax", "jax.nn.log_softmax(x, axis=-1, where=None)",
               axis="axis", default_axis=-1, all_axes="None"),
    # Unlike jax.nn's, SciPy's spellings reduce over every element by default.
    parse_spec("softmax", "jax", "jax.scipy.special.softmax(x, /, *, axis=None)",
               axis="axis", default_axis=ALL),
    parse_spec("log_softmax", "jax", "jax.scipy.special.log_softmax(x, /, *, axis=None)",
               axis="axis", default_axis=ALL),
    *each("logsumexp", "jax", ["jax.nn.logsumexp", "jax.scipy.special.logsumexp"],
           "a, axis=None, b=None, keepdims=False, return_sign=False, where=None",
           **NP_REDUCE),
    *each("sigmoid", "jax", ["jax.nn.sigmoid", "jax.scipy.special.expit"], "x"),

    # ---- Keras 3 (backend-agnostic ops) ------------------------------------------------------
    parse_spec("log", "keras", "keras.ops.log(x)"),
    parse_spec("exp", "keras", "keras.ops.exp(x)"),
    parse_spec("sum", "keras", "keras.ops.sum(x, axis=None, keepdims=False)", **NP_REDUCE),
    parse_spec("mean", "keras", "keras.ops.mean(x, axis=None, keepdims=False)", **NP_REDUCE),
    parse_spec("max", "keras", "keras.ops.max(x, axis=None, keepdims=False, initial=None)",
               **NP_REDUCE),
    *each("softmax", "keras", ["keras.ops.softmax", "keras.activations.softmax"],
           "x, axis=-1", axis="axis", default_axis=-1),
    *each("log_softmax", "keras", ["keras.ops.log_softmax", "keras.activations.log_softmax"],
           "x, axis=-1", axis="axis", default_axis=-1),
    parse_spec("logsumexp", "keras", "keras.ops.logsumexp(x, axis=None, keepdims=False)",
               **NP_REDUCE),
    *each("sigmoid", "keras", ["keras.ops.sigmoid", "keras.activations.sigmoid"], "x"),

    # ---- Methods ---------------------------------------------------------------------------
    # Array methods shared by NumPy and JAX arrays.
    *[parse_spec(kind, fw, header, method=True, **NP_REDUCE)
      for fw in ("numpy", "jax")
      for kind, header in (
          ("sum", "sum(axis=None, dtype=None, out=None, keepdims=False, initial=None, "
                  "where=None)"),
          ("mean", "mean(axis=None, dtype=None, out=None, keepdims=False, *, where=None)"),
          ("max", "max(axis=None, out=None, keepdims=False, initial=None, where=None)"),
      )],
    # Casts: the same values in another dtype or on another device.
    parse_spec("cast", "numpy", "astype(dtype, order='K', casting='unsafe', subok=True, "
                                "copy=True)", method=True),
    parse_spec("cast", "jax", "astype(dtype, copy=False, device=None)", method=True),
    *[parse_spec("cast", "torch", f"{name}(*, memory_format=None)", method=True)
      for name in ("float", "double", "half", "bfloat16")],
    parse_spec("cast", "torch", "to(*args, **kwargs)", method=True),
    parse_spec("cast", "torch", "type(dtype=None, **kwargs)", method=True),
    *each("cast", "tensorflow", tf_paths("cast", "dtypes.cast"), "x, dtype, name=None",
          **TF_ELEMENTWISE),
    # Tensor methods of PyTorch.
    parse_spec("log", "torch", "log()", method=True),
    parse_spec("exp", "torch", "exp()", method=True),
    parse_spec("sigmoid", "torch", "sigmoid()", method=True),
    parse_spec("sum", "torch", "sum(dim=None, keepdim=False, *, dtype=None)", method=True,
               **TORCH_REDUCE),
    parse_spec("mean", "torch", "mean(dim=None, keepdim=False, *, dtype=None)", method=True,
               **TORCH_REDUCE),
    parse_spec("max", "torch", "max(dim=None, keepdim=False)", method=True, **TORCH_REDUCE,
               all_axes=None),
    parse_spec("max", "torch", "amax(dim=(), keepdim=False)", method=True, **TORCH_REDUCE),
    parse_spec("softmax", "torch", "softmax(dim, dtype=None)", method=True,
               axis="dim", default_axis=REQUIRED, aliases={"axis": "dim"}),
    parse_spec("log_softmax", "torch", "log_softmax(dim, dtype=None)", method=True,
               axis="dim", default_axis=REQUIRED, aliases={"axis": "dim"}),
    parse_spec("logsumexp", "torch", "logsumexp(dim, keepdim=False)", method=True,
               axis="dim", keepdims="keepdim", default_axis=REQUIRED,
               aliases={"axis": "dim", "keepdims": "keepdim"}),
]

FUNCTIONS, METHODS = index_specs(_SPECS + losses.SPECS + linalg.SPECS + stats.SPECS
                                 + elementary.SPECS + special.SPECS + precision.SPECS
                                 + arithmetic.SPECS + spellings.SPECS)


# -- stable replacements ------------------------------------------------------------------------
# For each stable operation and framework: the targets in order of preference.
STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    "softmax": {
        "numpy": (Target(("scipy.special.softmax",), needs_import="scipy"),),
        "torch": (Target(("torch.softmax", "torch.nn.functional.softmax",
                          "torch.special.softmax"), method="softmax"),),
        "tensorflow": (Target(tuple(tf_paths("nn.softmax", "math.softmax"))),),
        "jax": (Target(("jax.nn.softmax", "jax.scipy.special.softmax")),),
        "keras": (Target(("keras.ops.softmax", "keras.activations.softmax")),),
    },
    # `exp(x - shift)`: the softmax of NumPy code without SciPy, shifted by a log-sum-exp.
    "exp_shifted": {
        "numpy": (Target(("numpy.exp",), template="{fn}({x} - {shift})"),),
    },
    "log_softmax": {
        "numpy": (Target(("scipy.special.log_softmax",), needs_import="scipy"),),
        "torch": (Target(("torch.nn.functional.log_softmax", "torch.log_softmax",
                          "torch.special.log_softmax"), method="log_softmax"),),
        "tensorflow": (Target(tuple(tf_paths("nn.log_softmax", "math.log_softmax"))),),
        "jax": (Target(("jax.nn.log_softmax", "jax.scipy.special.log_softmax")),),
        "keras": (Target(("keras.ops.log_softmax", "keras.activations.log_softmax")),),
    },
    "logsumexp": {
        "numpy": (Target(("scipy.special.logsumexp",), needs_import="scipy"),
                  Target(("numpy:logaddexp.reduce",))),
        "torch": (Target(("torch.logsumexp", "torch.special.logsumexp"), method="logsumexp",
                         full_reduction="flatten"),),
        "tensorflow": (Target(tuple(tf_paths("reduce_logsumexp", "math.reduce_logsumexp"))),),
        "jax": (Target(("jax.nn.logsumexp", "jax.scipy.special.logsumexp")),),
        "keras": (Target(("keras.ops.logsumexp",)),),
    },
}

# Containers whose output is their last layer's: `nn.Sequential(..., nn.Sigmoid())`.
SEQUENTIAL = frozenset({"torch.nn.Sequential", "tensorflow.keras.Sequential",
                        "tensorflow.keras.models.Sequential", "keras.Sequential",
                        "keras.models.Sequential"})
# Keras's functional models, `Model(inputs, outputs)`: their output is `outputs`.
FUNCTIONAL_MODELS = frozenset({"keras.Model", "keras.models.Model", "tensorflow.keras.Model",
                               "tensorflow.keras.models.Model"})
# Keras layers that apply an activation named by their `activation` argument
# (`Dense(10, activation="softmax")`), and the table entry each name stands for.
ACTIVATION_LAYERS = frozenset(
    f"{package}.layers.{layer}" for package in ("keras", "tensorflow.keras")
    for layer in ("Dense", "Conv1D", "Conv2D", "Conv3D", "Activation"))
ACTIVATION_NAMES = {
    "keras": {"softmax": "keras.activations.softmax", "sigmoid": "keras.activations.sigmoid"},
    "tensorflow": {"softmax": "tensorflow.keras.activations.softmax",
                   "sigmoid": "tensorflow.keras.activations.sigmoid"},
}
# Operations that make a model's output a probability (what losses must know about).
ACTIVATIONS = frozenset({"softmax", "sigmoid", "log_softmax"})
# The kinds another module's function or network can hand a module that the prefilter must
# count as present (`ProjectView.provided_kinds`): the activations and inverses, whose names
# are rare in text, so that a module spelling none of them is not summarised for the
# prefilter. (Common kinds — sum, mean, matmul — are spelled by the importing module itself
# almost always; a module that does not is not analysed, a measured trade: asking the summaries
# for them cost 20% of a cold run on the large tier.)
PROVIDED_KINDS = ACTIVATIONS | frozenset({"inv", "pinv", "det"})
# A project's own function with one of these names returns that activation, whatever its body
# does (an in-place, shifted or array-API softmax the model cannot follow, as scikit-learn's
# `extmath.softmax`): the table entry standing for it (for the kind; such an operation is
# reported, never rewritten).
NAMED_ACTIVATIONS = {"softmax": "scipy.special.softmax", "log_softmax": "scipy.special.log_softmax",
                     "sigmoid": "scipy.special.expit", "expit": "scipy.special.expit",
                     "logistic": "scipy.special.expit"}
# The method that computes a model's output when it is called.
FORWARD_METHODS = ("forward", "__call__", "call")

# How a target is imported when the file has no binding that reaches it: "from" imports the
# function by name (`from scipy.special import logsumexp`), "module" imports the top-level
# package and spells the full path (`import jax` ... `jax.nn.logsumexp`).
IMPORT_STYLE = {"scipy": "from", "numpy": "module", "torch": "module",
                "tensorflow": "module", "jax": "module", "keras": "module", "cupyx": "from"}

# The conventional alias when a package must be imported and the file has none.
CONVENTIONAL_ALIASES = {"numpy": "np", "tensorflow": "tf", "cupy": "cp"}

# Packages whose submodules are loaded by importing the package itself, so that after
# `import torch`, `torch.nn.functional.log_softmax` is reachable as an attribute.
LOADS_SUBMODULES = frozenset({"torch", "tensorflow", "jax", "keras"})

# The frameworks that differentiate the code they run (a clipped loss there loses its
# gradient; in NumPy it is only capped).
DIFFERENTIABLE = frozenset({"torch", "tensorflow", "jax", "keras"})


for _section in (losses, linalg, stats, elementary, special, precision, arithmetic,
                 spellings):
    for _operation, _targets in _section.STABLE.items():
        if _operation in STABLE:
            raise ValueError(f"stable operation {_operation!r} defined twice")
        STABLE[_operation] = _targets

# Named constants and the kind of value each is (`numpy.nan` is a "nan"), from the sections: the
# model answers `op()` of an expression that names one, the prefilter spells the kind by them.
CONSTANTS: Dict[str, str] = {}
for _section in (losses, linalg, stats, elementary, special, precision):
    CONSTANTS.update(getattr(_section, "CONSTANTS", {}))
CONSTANT_NAMES = frozenset(qualname.rpartition(".")[2] for qualname in CONSTANTS)


def spec_key(spec: Spec) -> str:
    """A stable name for a table entry, to refer to it from outside the process (module
    summaries): a function's qualified name, or `method@framework` for a method."""
    return f"{spec.name}@{spec.framework}" if spec.is_method else spec.name


def spec_from_key(key: str) -> Optional[Spec]:
    """The table entry `spec_key` named; None if the table has no such entry (any more)."""
    name, _, framework = key.partition("@")
    if not framework:
        return FUNCTIONS.get(name)
    for spec in METHODS.get(name, ()):
        if spec.framework == framework:
            return spec
    return None
