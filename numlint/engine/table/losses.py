"""Framework table section. Losses: cross-entropy, negative log-likelihood, binary cross-entropy, in function,
layer (`nn.CrossEntropyLoss()`) and Keras/optax spellings, and their logits-based forms.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every signature
below was read from the installed libraries (torch 2.13, tensorflow 2.21, keras 3.15, optax 0.2.8,
jax 0.10, numpy 2.4, scipy 1.17) with `inspect.signature`, or for torch's native functions from
their ATen schema; TensorFlow entries are the union of TF2's and TF1's signatures.

Canonical kinds:

* `cross_entropy`: the softmax cross-entropy family (`F.cross_entropy`,
  `tf.nn.softmax_cross_entropy_with_logits`, optax's, Keras' categorical crossentropies);
* `binary_cross_entropy`: the sigmoid family (`F.binary_cross_entropy` and its `_with_logits`
  form, `tf.nn.sigmoid_cross_entropy_with_logits`, optax's, Keras' binary crossentropy);
* `nll_loss`: the negative log-likelihood of log-probabilities (`F.nll_loss`);
* `log_sigmoid` (a stable target) and `gather` (selecting entries along an axis,
  which commutes with an elementwise `log`).

Losses of one kind differ in what their prediction argument (the spec's operand) holds: logits,
probabilities or log-probabilities. `prediction(op)` answers that question for a loss call,
reading Keras' `from_logits` flag; `logits_form(op)` says how the same loss is written on logits.
"""

from __future__ import annotations

import ast
from typing import Any, Dict, Optional, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import TF_ELEMENTWISE, UFUNC, Target, each, tf_paths

LOGITS = "logits"
PROBABILITIES = "probabilities"
LOG_PROBABILITIES = "log_probabilities"

# The flag that makes a Keras crossentropy read its prediction as logits.
FROM_LOGITS = "from_logits"

_PREDICTION: Dict[str, str] = {}  # loss name -> what its prediction argument holds by default
# Categorical losses whose class axis is a parameter: loss name -> (parameter, its default).
_CLASS_AXIS: Dict[str, Tuple[str, int]] = {}


def _register(specs, holds, class_axis):
    for spec in specs:
        _PREDICTION[spec.name] = holds
        if class_axis is not None:
            _CLASS_AXIS[spec.name] = class_axis
    return specs


def _losses(kind, framework, names, params, holds, *, class_axis=None, **roles):
    """Loss specs whose prediction argument (the operand) holds `holds` by default."""
    return _register(each(kind, framework, names, params, **roles), holds, class_axis)


def _loss_layers(kind, framework, names, params, holds, call, *, class_axis=None, **roles):
    """Loss classes: `params` is the constructor's parameter list, `call` an instance's."""
    specs = [parse_spec(kind, framework, f"{name}({params})", layer=True, call=call, **roles)
             for name in names]
    return _register(specs, holds, class_axis)


# ---- PyTorch --------------------------------------------------------------------------------
_TORCH_CE = ("input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, "
             "reduction='mean'")
_TORCH_BCE = "input, target, weight=None, size_average=None, reduce=None, reduction='mean'"
_TORCH_LAYER: Dict[str, Any] = dict(call="input, target", operand="input")

# ---- Keras (keras.losses, tf.keras.losses, and TF2's tf.losses, which is the same module) ---
_KERAS_CALL: Dict[str, Any] = dict(call="y_true, y_pred, sample_weight=None", operand="y_pred")
_KERAS_FUNCTION: Dict[str, Any] = dict(operand="y_pred")
_LAST_AXIS = ("axis", -1)
_KERAS_MODULES = {"keras": ("keras.losses",),
                  "tensorflow": ("tensorflow.keras.losses", "tensorflow.losses")}
_KERAS_REDUCTION = "reduction='sum_over_batch_size'"


def _keras_losses():
    specs = []
    for framework, modules in _KERAS_MODULES.items():
        def names(attribute):
            return [f"{module}.{attribute}" for module in modules]

        specs += [
            *_losses("cross_entropy", framework, names("categorical_crossentropy"),
                     "y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1",
                     PROBABILITIES, class_axis=_LAST_AXIS, **_KERAS_FUNCTION),
            *_losses("cross_entropy", framework, names("sparse_categorical_crossentropy"),
                     "y_true, y_pred, from_logits=False, ignore_class=None, axis=-1",
                     PROBABILITIES, class_axis=_LAST_AXIS, **_KERAS_FUNCTION),
            *_losses("binary_cross_entropy", framework, names("binary_crossentropy"),
                     "y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1",
                     PROBABILITIES, **_KERAS_FUNCTION),
            *_loss_layers("cross_entropy", framework, names("CategoricalCrossentropy"),
                          f"from_logits=False, label_smoothing=0.0, axis=-1, {_KERAS_REDUCTION}, "
                          "name='categorical_crossentropy', dtype=None",
                          PROBABILITIES, class_axis=_LAST_AXIS, **_KERAS_CALL),
            *_loss_layers("cross_entropy", framework, names("SparseCategoricalCrossentropy"),
                          f"from_logits=False, ignore_class=None, {_KERAS_REDUCTION}, axis=-1, "
                          "name='sparse_categorical_crossentropy', dtype=None",
                          PROBABILITIES, class_axis=_LAST_AXIS, **_KERAS_CALL),
            *_loss_layers("binary_cross_entropy", framework, names("BinaryCrossentropy"),
                          f"from_logits=False, label_smoothing=0.0, axis=-1, {_KERAS_REDUCTION}, "
                          "name='binary_crossentropy', dtype=None",
                          PROBABILITIES, **_KERAS_CALL),
        ]
    return specs


SPECS = [
    # ---- PyTorch ---------------------------------------------------------------------------
    *_losses("cross_entropy", "torch", ["torch.nn.functional.cross_entropy"],
             f"{_TORCH_CE}, label_smoothing=0.0", LOGITS),
    *_losses("nll_loss", "torch", ["torch.nn.functional.nll_loss"], _TORCH_CE,
             LOG_PROBABILITIES),
    *_losses("binary_cross_entropy", "torch", ["torch.nn.functional.binary_cross_entropy"],
             _TORCH_BCE, PROBABILITIES),
    *_losses("binary_cross_entropy", "torch",
             ["torch.nn.functional.binary_cross_entropy_with_logits"],
             f"{_TORCH_BCE}, pos_weight=None", LOGITS),
    *_loss_layers("cross_entropy", "torch", ["torch.nn.CrossEntropyLoss"],
                  "weight=None, size_average=None, ignore_index=-100, reduce=None, "
                  "reduction='mean', label_smoothing=0.0", LOGITS, **_TORCH_LAYER),
    *_loss_layers("nll_loss", "torch", ["torch.nn.NLLLoss"],
                  "weight=None, size_average=None, ignore_index=-100, reduce=None, "
                  "reduction='mean'", LOG_PROBABILITIES, **_TORCH_LAYER),
    *_loss_layers("binary_cross_entropy", "torch", ["torch.nn.BCELoss"],
                  "weight=None, size_average=None, reduce=None, reduction='mean'",
                  PROBABILITIES, **_TORCH_LAYER),
    *_loss_layers("binary_cross_entropy", "torch", ["torch.nn.BCEWithLogitsLoss"],
                  "weight=None, size_average=None, reduce=None, reduction='mean', "
                  "pos_weight=None", LOGITS, **_TORCH_LAYER),
    parse_spec("log_sigmoid", "torch", "torch.nn.functional.logsigmoid(input)"),
    parse_spec("log_sigmoid", "torch", "torch.nn.LogSigmoid()", layer=True, operand="input"),
    parse_spec("gather", "torch", "torch.gather(input, dim, index, *, sparse_grad=False, "
                                  "out=None)"),
    parse_spec("gather", "torch", "gather(dim, index, *, sparse_grad=False)", method=True),
    parse_spec("gather", "torch", "torch.take_along_dim(input, indices, dim=None, *, out=None)"),
    parse_spec("gather", "torch", "take_along_dim(indices, dim=None)", method=True),

    # ---- TensorFlow (TF2 and TF1 spellings) --------------------------------------------------
    # TF2 takes `labels, logits` positionally; TF1 put a `_sentinel` first, so TF1 code passes
    # them by keyword, and its `dim` is TF2's `axis`.
    *_losses("cross_entropy", "tensorflow", ["tensorflow.nn.softmax_cross_entropy_with_logits"],
             "labels, logits, axis=-1, name=None", LOGITS, operand="logits",
             inert=("name",), aliases={"dim": "axis"}),
    *_losses("cross_entropy", "tensorflow",
             ["tensorflow.compat.v1.nn.softmax_cross_entropy_with_logits"],
             "labels=None, logits=None, dim=-1, name=None", LOGITS,
             operand="logits", inert=("name",), aliases={"axis": "dim"}),
    *_losses("cross_entropy", "tensorflow",
             tf_paths("nn.softmax_cross_entropy_with_logits_v2"),
             "labels, logits, axis=None, name=None, dim=None", LOGITS, operand="logits",
             inert=("name",)),
    *_losses("cross_entropy", "tensorflow",
             ["tensorflow.nn.sparse_softmax_cross_entropy_with_logits"],
             "labels, logits, name=None", LOGITS, operand="logits", inert=("name",)),
    *_losses("cross_entropy", "tensorflow",
             ["tensorflow.compat.v1.nn.sparse_softmax_cross_entropy_with_logits"],
             "labels=None, logits=None, name=None", LOGITS, operand="logits", inert=("name",)),
    *_losses("binary_cross_entropy", "tensorflow",
             tf_paths("nn.sigmoid_cross_entropy_with_logits"),
             "labels=None, logits=None, name=None", LOGITS, operand="logits", inert=("name",)),
    # TF1's `tf.losses`, in TF2's `tf.compat.v1.losses` (TF2's own `tf.losses` is Keras': see
    # `_keras_losses`).
    *_losses("cross_entropy", "tensorflow", ["tensorflow.compat.v1.losses.softmax_cross_entropy"],
             "onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None, "
             "loss_collection='losses', reduction='weighted_sum_by_nonzero_weights'", LOGITS,
             operand="logits"),
    *_losses("cross_entropy", "tensorflow",
             ["tensorflow.compat.v1.losses.sparse_softmax_cross_entropy"],
             "labels, logits, weights=1.0, scope=None, loss_collection='losses', "
             "reduction='weighted_sum_by_nonzero_weights'", LOGITS, operand="logits"),
    *_losses("binary_cross_entropy", "tensorflow",
             ["tensorflow.compat.v1.losses.sigmoid_cross_entropy"],
             "multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None, "
             "loss_collection='losses', reduction='weighted_sum_by_nonzero_weights'", LOGITS,
             operand="logits"),
    *each("log_sigmoid", "tensorflow", tf_paths("math.log_sigmoid", "log_sigmoid"),
          "x, name=None", **TF_ELEMENTWISE),
    parse_spec("gather", "tensorflow", "tensorflow.gather(params, indices, "
                                       "validate_indices=None, axis=None, batch_dims=0, "
                                       "name=None)", inert=("name",)),
    parse_spec("gather", "tensorflow", "tensorflow.compat.v1.gather(params, indices, "
                                       "validate_indices=None, name=None, axis=None, "
                                       "batch_dims=0)", inert=("name",)),
    parse_spec("gather", "tensorflow", "tensorflow.gather_nd(params, indices, batch_dims=0, "
                                       "name=None)", inert=("name",)),
    parse_spec("gather", "tensorflow", "tensorflow.compat.v1.gather_nd(params, indices, "
                                       "name=None, batch_dims=0)", inert=("name",)),

    # ---- JAX and optax -----------------------------------------------------------------------
    *_losses("cross_entropy", "jax",
             ["optax.softmax_cross_entropy", "optax.losses.softmax_cross_entropy"],
             "logits, labels, axis=-1, where=None", LOGITS),
    *_losses("cross_entropy", "jax",
             ["optax.softmax_cross_entropy_with_integer_labels",
              "optax.losses.softmax_cross_entropy_with_integer_labels"],
             "logits, labels, axis=-1, where=None", LOGITS),
    *_losses("binary_cross_entropy", "jax",
             ["optax.sigmoid_binary_cross_entropy", "optax.losses.sigmoid_binary_cross_entropy"],
             "logits, labels", LOGITS),
    parse_spec("log_sigmoid", "jax", "jax.nn.log_sigmoid(x)"),
    parse_spec("gather", "jax", "jax.numpy.take_along_axis(arr, indices, axis=-1, mode=None, "
                                "fill_value=None)"),

    # ---- NumPy / SciPy -----------------------------------------------------------------------
    parse_spec("log_sigmoid", "numpy", f"scipy.special.log_expit({UFUNC})"),
    parse_spec("gather", "numpy", "numpy.take_along_axis(arr, indices, axis=-1)"),

    # ---- Keras 3 ----------------------------------------------------------------------------
    *_keras_losses(),
    *_losses("cross_entropy", "keras",
             ["keras.ops.categorical_crossentropy", "keras.ops.sparse_categorical_crossentropy"],
             "target, output, from_logits=False, axis=-1", PROBABILITIES, operand="output",
             class_axis=_LAST_AXIS),
    *_losses("binary_cross_entropy", "keras", ["keras.ops.binary_crossentropy"],
             "target, output, from_logits=False", PROBABILITIES, operand="output"),
    *each("log_sigmoid", "keras", ["keras.ops.log_sigmoid", "keras.activations.log_sigmoid"],
          "x"),
    parse_spec("gather", "keras", "keras.ops.take_along_axis(x, indices, axis=None)"),
]

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    # `log(sigmoid(x))`, written `{fn}({x})`. NumPy code has a sigmoid only from SciPy (`expit`),
    # so SciPy's `log_expit` is always within reach.
    "log_sigmoid": {
        "numpy": (Target(("scipy.special.log_expit",), needs_import="scipy",
                         template="{fn}({x})"),),
        "torch": (Target(("torch.nn.functional.logsigmoid",), template="{fn}({x})"),),
        "tensorflow": (Target(("tensorflow.math.log_sigmoid",
                               "tensorflow.compat.v1.math.log_sigmoid",
                               "tensorflow.compat.v1.log_sigmoid"), template="{fn}({x})"),),
        "jax": (Target(("jax.nn.log_sigmoid",), template="{fn}({x})"),),
        "keras": (Target(("keras.ops.log_sigmoid", "keras.activations.log_sigmoid"),
                         template="{fn}({x})"),),
    },
    # The logits form of a probability loss that is another callable: the callee to write.
    "binary_cross_entropy_with_logits": {
        "torch": (Target(("torch.nn.functional.binary_cross_entropy_with_logits",),
                         template="{fn}"),),
    },
    "binary_cross_entropy_with_logits_layer": {
        "torch": (Target(("torch.nn.BCEWithLogitsLoss",), template="{fn}"),),
    },
}

# Probability losses whose logits form is another callable, with the same parameters (the
# logits form may add some: `pos_weight`): the stable operation that writes it.
_LOGITS_CALLABLE = {
    "torch.nn.functional.binary_cross_entropy": "binary_cross_entropy_with_logits",
    "torch.nn.BCELoss": "binary_cross_entropy_with_logits_layer",
}

# Activations whose output Keras 3 tags with their logits (`_keras_logits`) on the TensorFlow
# backend, where its crossentropy losses then compute from the logits, whatever `from_logits`
# says (verified on Keras 3.15: `CategoricalCrossentropy()(y, keras.ops.softmax([[0, 100]]))` is
# 100.0, the exact value; with `tf.nn.softmax` it is clipped to 16.118). The JAX and PyTorch
# backends tag nothing.
_KERAS_TAGGED = frozenset({
    "keras.ops.softmax", "keras.activations.softmax", "keras.ops.sigmoid",
    "keras.activations.sigmoid",
})
# Keras activations spelled through TensorFlow: the code runs on the TensorFlow backend.
_TF_KERAS_TAGGED = frozenset({
    "tensorflow.keras.activations.softmax", "tensorflow.keras.activations.sigmoid",
})
_KERAS_PACKAGES = ("keras.", "tensorflow.keras.", "tensorflow.losses.")


def prediction(op) -> Optional[str]:
    """What the prediction argument (the operand) of the loss call `op` holds: `LOGITS`,
    `PROBABILITIES` or `LOG_PROBABILITIES`; None for an operation that is not a loss, or a
    `from_logits` flag whose value is not a literal (or a call that cannot be bound)."""
    if op.spec is None or not op.bound:
        return None
    holds = _PREDICTION.get(op.spec.name)
    if holds is None or FROM_LOGITS not in op.spec.signature.names:
        return holds
    flag = op.option(FROM_LOGITS)
    if flag is None:
        return holds
    if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
        return LOGITS if flag.value else holds
    return None


def logits_form(op) -> Optional[Tuple[str, str]]:
    """How the probability loss `op` is written on logits: `("callable", stable)` for another
    callable with the same arguments (render `stable`'s template for its name), `("flag",
    parameter)` for the same callable with `parameter=True`; None if there is no such form."""
    if op.spec is None:
        return None
    if op.spec.name in _LOGITS_CALLABLE:
        return "callable", _LOGITS_CALLABLE[op.spec.name]
    if FROM_LOGITS in op.spec.signature.names:
        return "flag", FROM_LOGITS
    return None


def keras_recovers_logits(loss, activation) -> Optional[bool]:
    """Whether the Keras loss `loss` computes from the logits behind `activation` although it
    is given the activation's output: True where the code is bound to the TensorFlow backend
    (`tf.keras.activations`), None where it depends on the backend (`keras.ops`), False when
    the loss or the activation is not a Keras one (`tf.nn.softmax` is never recovered)."""
    if loss.spec is None or activation.spec is None or \
            not loss.spec.name.startswith(_KERAS_PACKAGES):
        return False
    if activation.spec.name in _TF_KERAS_TAGGED:
        return True
    if activation.spec.name in _KERAS_TAGGED:
        return None
    return False


def class_axis(op) -> Optional[int]:
    """The class axis of the categorical loss call `op` when it is a parameter given as a
    literal or left at its default; None otherwise."""
    if op.spec is None or op.spec.name not in _CLASS_AXIS:
        return None
    param, default = _CLASS_AXIS[op.spec.name]
    given = op.option(param)
    return default if given is None else literal_int(given)


def literal_int(node) -> Optional[int]:
    """The value of an integer literal such as `1` or `-1`; None for anything else."""
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
