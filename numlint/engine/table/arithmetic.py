"""Framework table section. Arithmetic written as functions and tensor methods: `torch.add(a, b)`,
`np.multiply(a, b)`, `tf.math.divide(a, b)`, `x.exp().add(1).log()`.

They are the operators' kinds (`add`, `sub`, `mul`, `div`; `pow` is in `stats`), so that every
rule reading `a + b` reads `torch.add(a, b)` and `a.add(b)` alike: the semantic model gives
their two operands as `Op.left` and `Op.right` when no other argument changes the value
(`alpha=` of `torch.add`, `rounding_mode=` of `torch.div`, `out=`). Signatures are checked
against the installed libraries by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import TF_ELEMENTWISE, Target, each, tf_paths

_NUMPY_BINARY = "x1, x2, /, out=None, **ufunc_kwargs"

SPECS = [
    # ---- NumPy ufuncs and their JAX counterparts ------------------------------------------------
    *each("add", "numpy", ["numpy.add"], _NUMPY_BINARY),
    *each("sub", "numpy", ["numpy.subtract"], _NUMPY_BINARY),
    *each("mul", "numpy", ["numpy.multiply"], _NUMPY_BINARY),
    *each("div", "numpy", ["numpy.divide", "numpy.true_divide"], _NUMPY_BINARY),
    *each("add", "jax", ["jax.numpy.add"], "x1, x2, /"),
    *each("sub", "jax", ["jax.numpy.subtract"], "x1, x2, /"),
    *each("mul", "jax", ["jax.numpy.multiply"], "x1, x2, /"),
    *each("div", "jax", ["jax.numpy.divide", "jax.numpy.true_divide"], "x1, x2, /"),
    # ---- PyTorch: functions and tensor methods ----------------------------------------------------
    # `alpha` scales the second operand and `rounding_mode` rounds the quotient: with either, the
    # call is not the plain operator (the model gives no `left`/`right` then).
    *each("add", "torch", ["torch.add"], "input, other, *, alpha=1, out=None"),
    *each("sub", "torch", ["torch.sub", "torch.subtract"], "input, other, *, alpha=1, out=None"),
    *each("mul", "torch", ["torch.mul", "torch.multiply"], "input, other, *, out=None"),
    *each("div", "torch", ["torch.div", "torch.divide"],
          "input, other, *, rounding_mode=None, out=None"),
    parse_spec("div", "torch", "torch.true_divide(input, other, *, out=None)"),
    parse_spec("add", "torch", "add(other, *, alpha=1)", method=True),
    *[parse_spec("sub", "torch", f"{name}(other, *, alpha=1)", method=True)
      for name in ("sub", "subtract")],
    *[parse_spec("mul", "torch", f"{name}(other)", method=True) for name in ("mul", "multiply")],
    *[parse_spec("div", "torch", f"{name}(other, *, rounding_mode=None)", method=True)
      for name in ("div", "divide")],
    parse_spec("div", "torch", "true_divide(other)", method=True),
    # ---- TensorFlow (TF2 and TF1 spellings) -------------------------------------------------------
    *each("add", "tensorflow", tf_paths("math.add", "add"), "x, y, name=None", **TF_ELEMENTWISE),
    *each("sub", "tensorflow", tf_paths("math.subtract", "subtract"), "x, y, name=None",
          **TF_ELEMENTWISE),
    *each("mul", "tensorflow", tf_paths("math.multiply", "multiply"), "x, y, name=None",
          **TF_ELEMENTWISE),
    *each("div", "tensorflow", tf_paths("math.divide", "divide", "math.truediv", "truediv"),
          "x, y, name=None", **TF_ELEMENTWISE),
    # ---- Keras 3 ----------------------------------------------------------------------------------
    parse_spec("add", "keras", "keras.ops.add(x1, x2)"),
    parse_spec("sub", "keras", "keras.ops.subtract(x1, x2)"),
    parse_spec("mul", "keras", "keras.ops.multiply(x1, x2)"),
    *each("div", "keras", ["keras.ops.divide", "keras.ops.true_divide"], "x1, x2"),
]

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {}
