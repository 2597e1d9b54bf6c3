"""Framework table section. Spellings real packages use outside the frameworks' main namespaces.

* The Keras backend of TensorFlow (`tf.keras.backend`, `from keras import backend as K` in
  Keras 2 code, `keras.src.legacy.backend` in Keras 3): `K.log`, `K.sum(x, axis, keepdims)`,
  `K.softmax(x, axis=-1)`, ... compute on TensorFlow tensors, so their framework is TensorFlow
  (a fix writes `tf.math.*`, offered only where the module imports TensorFlow). Keras 3's own
  `keras.backend` has none of these functions: code that calls them is Keras 2 code, whose only
  backend is TensorFlow. The module aliases that lead here are in `numlint.engine.table`'s
  `MODULE_ALIASES`, with those of Trax's `fastmath` (JAX's API).
* Libraries that spell NumPy's API on arrays of their own: CuPy (`cupy`, `cupyx.scipy.special`)
  and MXNet's NumPy interface (`from mxnet import np`). Their calls are NumPy's operations
  (`cp.log(1 + x)` is a log1p hazard), but a fix must be written in the library the code uses:
  `np.log1p` on a CuPy or MXNet array copies it to the host, or fails. So each is an
  *own-array* library (`OWN_ARRAYS`): the importer writes a fix of its code through the
  module's own imports of it (`cp.log1p`, `from cupyx.scipy.special import expit`), and only
  with a function the table says the library has (`PROVIDES`, each name checked in the
  library's documentation); where it has none, the finding has no fix.
* Not read, on purpose: Theano's `tensor` (`tt`, `T`, PyMC3's `pm.math`), Aesara's and PyTensor's
  (PyMC 4/5). Their graphs are compiled, and the compiler's `stabilize` rewrites (on in the
  default mode) already turn `log(1 + x)` into `log1p(x)`, `exp(x) - 1` into `expm1(x)`,
  `log(sum(exp(x)))` into a log-sum-exp and `log(exp(a) + exp(b))` into `logaddexp`
  (`local_log1p`, `local_expm1`, `local_log_sum_exp` in `pytensor/tensor/rewriting/math.py`;
  the sigmoid and softplus forms in the same module and Theano's `tensor/nnet/sigm.py`). Read as
  NumPy, PyMC 5.28 gave 21 such findings (`benchmarks/README.md`), none a reviewer would ask to
  change; and a rewrite such as `pt.logaddexp` is itself stabilised only by those rewrites.

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


# -- libraries that spell another's API on arrays of their own ------------------------------------
# Module aliases (merged into `numlint.engine.table.MODULE_ALIASES`): what the calls mean.
ALIASES = {
    "cupy": "numpy",
    "cupyx.scipy.special": "scipy.special",
    # MXNet 2's NumPy interface (`from mxnet import np, npx`); `npx` (softmax, ...) is not
    # NumPy's API and is not read.
    "mxnet.np": "numpy",
    "mxnet.numpy": "numpy",
}

# Top-level packages whose arrays are their own, and the library each belongs to: a fix of an
# expression written with one of them is written with the same library, or not at all.
OWN_ARRAYS = {"cupy": "cupy", "cupyx": "cupy", "mxnet": "mxnet"}

# For each alias module above, the functions (by the qualified name they alias) a fix may write
# through it: the stable targets of `numlint.engine.table.STABLE` the library has, checked one by
# one in its documentation (CuPy 13: docs.cupy.dev/en/stable/reference; MXNet 2:
# mxnet.apache.org/versions/master/api/python/docs/api/np). Missing on purpose:
# `numpy.logaddexp.reduce` (CuPy documents `ufunc.reduce` only in recent versions, and not for
# which ufuncs), `scipy.linalg.*` (`cupyx.scipy.linalg` has no `solve`, `lstsq` or `pinv`).
PROVIDES = {
    "cupy": frozenset(f"numpy.{name}" for name in (
        "log", "exp", "log1p", "expm1", "logaddexp", "tanh", "hypot", "isnan", "clip",
        "maximum", "where", "sum", "var", "std",
        "linalg.solve", "linalg.pinv", "linalg.slogdet", "linalg.lstsq")),
    "cupyx.scipy.special": frozenset(f"scipy.special.{name}" for name in (
        "expit", "log_expit", "logsumexp", "softmax", "log_softmax", "xlogy",
        "gammaln", "betaln", "erfc", "log1p", "expm1")),
    "mxnet.np": frozenset(f"numpy.{name}" for name in (
        "log", "exp", "log1p", "expm1", "logaddexp")),
}
PROVIDES["mxnet.numpy"] = PROVIDES["mxnet.np"]

# What importing one package of a library lets a fix import (`cupyx` ships with CuPy).
REQUIRES = {"cupy": ("cupyx",)}
