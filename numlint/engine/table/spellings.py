"""Framework table section. Spellings real packages use outside the frameworks' main namespaces.

* The Keras backend of TensorFlow (`tf.keras.backend`, `from keras import backend as K` in
  Keras 2 code, `keras.src.legacy.backend` in Keras 3): `K.log`, `K.sum(x, axis, keepdims)`,
  `K.softmax(x, axis=-1)`, ... compute on TensorFlow tensors, so their framework is TensorFlow
  (a fix writes `tf.math.*`, offered only where the module imports TensorFlow). Keras 3's own
  `keras.backend` has none of these functions: code that calls them is Keras 2 code, whose only
  backend is TensorFlow. The module aliases that lead here are in `numlint.engine.table`'s
  `MODULE_ALIASES`, with those of Trax's `fastmath` (JAX's API).

Signatures are those of TensorFlow 2.21's `tf.keras.backend` (Keras 3.15's
`keras.src.legacy.backend`), checked by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import NP_REDUCE, Target, each

_K = "tensorflow.keras.backend"

SPECS = [
    *[parse_spec(kind, "tensorflow", f"{_K}.{name}(x)")
      for kind, name in (("log", "log"), ("exp", "exp"), ("sqrt", "sqrt"),
                         ("square", "square"), ("abs", "abs"), ("sigmoid", "sigmoid"),
                         ("softplus", "softplus"))],
    *[parse_spec(kind, "tensorflow", f"{_K}.{kind}(x, axis=None, keepdims=False)", **NP_REDUCE)
      for kind in ("sum", "mean", "max", "prod")],
    parse_spec("softmax", "tensorflow", f"{_K}.softmax(x, axis=-1)", axis="axis",
               default_axis=-1),
    parse_spec("pow", "tensorflow", f"{_K}.pow(x, a)"),
    parse_spec("clip", "tensorflow", f"{_K}.clip(x, min_value, max_value)"),
    *each("maximum", "tensorflow", [f"{_K}.maximum"], "x, y"),
]

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {}
