"""Every entry of the framework table, checked against the installed libraries.

`numlint.engine.table` writes each library callable as a signature string. These tests import the real
callable and check, for every entry of `FUNCTIONS`, `METHODS` and `STABLE`:

* that it exists (`test_function_signature`, `test_method_signature`, `test_stable_target`);
* that the table's parameter names bind where the real ones do. Where `inspect.signature` gives
  the real signature it is compared directly: the table may omit trailing parameters, but every
  parameter it names must sit at the same position and be positional-only, positional-or-keyword
  or keyword-only as the table says. Then the callable is *called* on a small array: with the
  largest set of the table's parameters that can be passed together by keyword (a parameter
  left out, such as `torch.var`'s `correction` next to `unbiased`, must work when swapped in for
  up to two others), then with growing prefixes of its positional parameters passed positionally,
  which must give the same result. Layers (`torch.nn.Softmax`, Keras losses) are checked as
  constructor plus call (`Spec.call_signature` against `forward`/`__call__`);
* for entries with an axis or keepdims role (`test_roles`), that the axis/keepdims keywords and
  their aliases are accepted, and that the declared default axis ("all", "required",
  "implicit" or an int) and the "reduce everything" argument (`all_axes`) behave as declared on
  a 2x3 input (2-D and 3-D for "implicit");
* that after `import <package>` alone, in a fresh interpreter, every table name under a package
  the emitter imports as a module is reachable as an attribute
  (`test_import_reaches_table_names`).

What cannot be introspected, and what is checked instead:

* PyTorch builtins (`torch.sum`, `Tensor.sum`, ...) have no `inspect` signature, and their
  docstrings disagree with the argument parser (`Tensor.sum`'s shows `dtype` as positional; the
  parser makes it keyword-only). They are checked by calls; parameters without a probe value
  are looked up in ATen's operator schemas (`torch._C._jit_get_schemas_for_operator`, `self`
  read as `input`).
* `math.log` and `builtins.max` have no signature: checked by calls only.
* NumPy ufuncs (and `jax.numpy` ufuncs such as `jnp.maximum`, whose signature is `*args`):
  `nin`/`nout` are checked against the table's positional-only inputs and `out` (the table
  writes `**ufunc_kwargs` for the ufunc keywords), then by calls. NumPy's C methods carry text
  signatures that are sometimes wrong (`ufunc.reduce` says `array, /` and `ndarray.dot` says
  `other, /`, yet `array=` and `b=` work), so ufunc and ndarray methods are checked by calls only.
* TensorFlow entries are the union of TF2's and TF1's signatures. A `tensorflow.X` name that
  TF 2 no longer has (`tensorflow.log`) is checked against `tensorflow.compat.v1.X`, and
  parameters TF 2 dropped (`reduction_indices`, `keep_dims`, `dim`) against the
  `tensorflow.compat.v1` function of the same path; both emit a `TF1OnlyCheck` warning naming
  the function actually checked.

Probe values (what is passed for each parameter) are chosen by parameter name and operation
family (`GENERIC_PROBES`, `probe_values`); a parameter the table names that has no probe value
and that `inspect` cannot see either fails its entry with a request to add one.

A framework that is not installed is skipped with its reason, unless
NUMLINT_REQUIRE_FRAMEWORKS=1, in which case a missing framework fails.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import warnings
from itertools import combinations

import pytest

from numlint.engine.table.schema import ALL, IMPLICIT, REQUIRED, Signature
from numlint.engine.table import (
    FRAMEWORK_ORDER, FUNCTIONS, IMPORT_STYLE, LOADS_SUBMODULES, METHODS, MODULE_FRAMEWORKS,
    STABLE, Target,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before anything imports TensorFlow

REQUIRE_FRAMEWORKS = os.environ.get("NUMLINT_REQUIRE_FRAMEWORKS") == "1"
ORDER = {fw: i for i, fw in enumerate(("python",) + FRAMEWORK_ORDER)}

# The module each framework's arrays come from, and the name of its array type in test ids.
FRAMEWORK_MODULE = {"numpy": "numpy", "torch": "torch", "tensorflow": "tensorflow",
                    "jax": "jax.numpy", "keras": "keras"}
ARRAY_TYPE = {"numpy": "ndarray", "torch": "Tensor", "jax": "Array", "tensorflow": "Tensor",
              "keras": "KerasTensor"}

X2 = [[0.5, 2.0, 1.25], [3.0, 0.25, 1.5]]                    # every row/column reduction differs
X3 = [[[((i * 7 + j * 3 + k * 5) % 11) / 4.0 for k in range(4)] for j in range(3)]
      for i in range(2)]
TF1_PREFIX = "tensorflow.compat.v1."


class TF1OnlyCheck(UserWarning):
    """A TensorFlow name or parameter was checked against `tensorflow.compat.v1`."""


# -- frameworks -------------------------------------------------------------------------------

def require(module: str, reason: str = ""):
    """Import `module`, skipping (or, with NUMLINT_REQUIRE_FRAMEWORKS=1, failing) without it."""
    reason = reason or f"{module} is not installed, so its table entries are not checked"
    if REQUIRE_FRAMEWORKS:
        try:
            return importlib.import_module(module)
        except ImportError as error:
            pytest.fail(f"NUMLINT_REQUIRE_FRAMEWORKS=1 but {module} cannot be imported "
                        f"({error}); {reason}")
    return pytest.importorskip(module, reason=reason)


def require_for(framework: str, qualname: str = "") -> None:
    """Import what checking one entry needs: the framework, the entry's package, NumPy."""
    if framework == "python":
        return
    require(FRAMEWORK_MODULE[framework],
            f"{framework} is not installed, so its table entries are not checked")
    if qualname:
        require(qualname.partition(".")[0])
    require("numpy", f"numpy is not installed; it is needed to check the {framework} entries")


def resolve(qualname: str):
    """Import the longest importable prefix of `qualname`, then getattr the rest."""
    parts = qualname.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(f"no importable prefix of {qualname}")


def try_resolve(qualname: str):
    try:
        return resolve(qualname)
    except (ImportError, AttributeError):
        return None


def tf1_name(qualname: str):
    """`tensorflow.compat.v1.X` for a TF2-namespace `tensorflow.X`, else None."""
    if qualname.startswith("tensorflow.") and not qualname.startswith("tensorflow.compat."):
        return TF1_PREFIX + qualname[len("tensorflow."):]
    return None


def resolve_entry(qualname: str):
    """(object, name actually resolved); TF1-only top-level names go to `compat.v1`."""
    obj = try_resolve(qualname)
    if obj is not None:
        return obj, qualname
    fallback = tf1_name(qualname)
    if fallback and try_resolve(fallback) is not None:
        warnings.warn(TF1OnlyCheck(
            f"{qualname} does not exist in TensorFlow "
            f"{importlib.import_module('tensorflow').__version__}; checked {fallback} instead"))
        return resolve(fallback), fallback
    pytest.fail(f"{qualname} does not exist in the installed library")


# -- arrays -----------------------------------------------------------------------------------

def array(framework: str, data=X2):
    np = importlib.import_module("numpy")
    if framework in ("numpy", "python"):
        return np.asarray(data, dtype=np.float64)
    values = np.asarray(data, dtype=np.float32)
    if framework == "torch":
        return importlib.import_module("torch").tensor(values)
    if framework == "tensorflow":
        return importlib.import_module("tensorflow").constant(values)
    if framework == "jax":
        return importlib.import_module("jax.numpy").asarray(values)
    if framework == "keras":
        return importlib.import_module("keras").ops.convert_to_tensor(values)
    raise ValueError(framework)


def flat(framework: str):
    return array(framework, [v for row in X2 for v in row])


def to_numpy(value):
    np = importlib.import_module("numpy")
    if isinstance(value, (tuple, list)):
        return tuple(to_numpy(v) for v in value)
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def same(a, b) -> bool:
    try:
        np = importlib.import_module("numpy")
    except ImportError:  # Python builtins, checked without NumPy
        return a == b
    a, b = to_numpy(a), to_numpy(b)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True))


def same_values(a, b) -> bool:
    """Equal element by element, whatever the shapes (softmax over all elements of a 2-D array
    keeps its shape; over the flattened array it is 1-D)."""
    np = importlib.import_module("numpy")
    a, b = to_numpy(first(a)), to_numpy(first(b))
    return a.size == b.size and bool(np.allclose(a.ravel(), b.ravel(), rtol=1e-5, atol=1e-6))


def show(value) -> str:
    value = to_numpy(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    return f"shape {value.shape}: {value.round(4).tolist()}"


def first(value):
    return value[0] if isinstance(value, tuple) else value


def error_text(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}"


# -- probe values -----------------------------------------------------------------------------

class Out:
    """An `out=` argument, built per call from the result of the same call without it."""

    def __init__(self, framework):
        self.framework = framework

    def make(self, template):
        if isinstance(template, tuple):
            return tuple(self.make(t) for t in template)
        if self.framework == "torch":
            return importlib.import_module("torch").empty_like(template)
        return importlib.import_module("numpy").empty_like(template)


# Operands by family: linear algebra needs square, well-conditioned matrices; binary
# cross-entropy probabilities; losses labels; gathers integer indices.
LINALG_KINDS = {"matmul", "matvec", "transpose", "inv", "pinv", "solve", "lstsq", "det",
                "slogdet", "logdet"}
A3 = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]]   # symmetric positive definite
B3 = [[1.0, 2.0, 0.5], [0.0, 1.0, 3.0], [2.0, 0.5, 1.0]]
V3 = [1.0, 2.0, 3.0]
P2 = [[0.2, 0.7, 0.4], [0.9, 0.1, 0.6]]
ONE_HOT = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
CLASSES = [1, 0]
LABELS = {"target", "labels", "y_true", "onehot_labels", "multi_class_labels"}
SECOND_OPERANDS = {"x", "x1", "x2", "y", "other", "exponent", "input", "b", "B", "mat2", "vec",
                   "rhs"}


def int_array(framework, data):
    np = importlib.import_module("numpy")
    values = np.asarray(data, dtype=np.int64)
    if framework == "torch":
        return importlib.import_module("torch").tensor(values)
    if framework == "tensorflow":
        return importlib.import_module("tensorflow").constant(values.astype(np.int32))
    if framework == "jax":
        return importlib.import_module("jax.numpy").asarray(values.astype(np.int32))
    if framework == "keras":
        return importlib.import_module("keras").ops.convert_to_tensor(values.astype(np.int32))
    return values


def operand(spec, framework):
    if framework == "python":
        return [1.0, 3.0, 2.0] if spec.operand in ("iterable", "obj") else 8.0
    if spec.operand == "condition":
        return array(framework) > 0.4
    if spec.kind in LINALG_KINDS:
        return array(framework, A3)
    if spec.kind == "binary_cross_entropy":
        return array(framework, P2)
    return array(framework)


def dtype_probe(framework):
    if framework == "numpy":
        return importlib.import_module("numpy").float64
    if framework == "torch":
        return importlib.import_module("torch").float64
    if framework == "jax":
        return importlib.import_module("jax.numpy").float32  # float64 needs jax_enable_x64
    if framework == "tensorflow":
        return importlib.import_module("tensorflow").float64
    return None


# Values for parameters that are neither operands nor axis/keepdims roles, by name. A
# parameter named by the table that is not here, and that `inspect` cannot see either, fails
# the test with a request to add it.
GENERIC_PROBES = {
    "initial": 10.0, "return_sign": True, "promote_integers": True, "name": "numlint_probe",
    "_stacklevel": 3, "base": 2.0, "start": 10.0, "key": abs, "default": 0.0, "mod": None,
    "exp": 2.0, "ord": 2, "p": 2, "ddof": 1, "correction": 1, "unbiased": True,
    "check_finite": True, "size": None, "fill_value": None, "order": "K", "casting": "unsafe",
    "subok": True, "copy": True, "min": 0.75, "max": 1.75, "a_min": 0.75, "a_max": 1.75,
    "x_min": 0.75, "x_max": 1.75, "clip_value_min": 0.75, "clip_value_max": 1.75,
    # linear algebra
    "transpose_a": False, "transpose_b": False, "adjoint_a": False, "adjoint_b": False,
    "a_is_sparse": False, "b_is_sparse": False, "grad_a": False, "grad_b": False,
    "output_type": None, "precision": None, "preferred_element_type": None,
    "out_sharding": None, "axes": (1, 0), "perm": (1, 0), "conjugate": False,
    "overwrite_a": False, "overwrite_b": False, "assume_a": "gen", "lower": False,
    "transposed": False, "debug": False, "hermitian": False, "return_rank": False,
    "validate_args": False, "adjoint": False, "left": True, "l2_regularizer": 0.0,
    "fast": True, "numpy_resid": False, "method": None, "rcond": 1e-12, "rtol": None,
    "atol": None, "driver": None, "lapack_driver": None, "cond": None,
    # losses and gathers
    "weight": None, "size_average": None, "reduce": None, "ignore_index": -100,
    "label_smoothing": 0.0, "pos_weight": None, "from_logits": True, "ignore_class": None,
    "scope": None, "loss_collection": None, "sample_weight": None, "weights": 1.0,
    "sparse_grad": False, "validate_indices": None, "batch_dims": 0, "mode": None,
    "axis": -1, "dim": -1,
}


def probe_values(spec, framework, signature=None):
    """A valid argument for every parameter of `signature` (default: the table's)."""
    x = None if framework == "python" else array(framework)
    values = {}
    for name in (signature or spec.signature).names:
        if name in spec.roles.aliases:
            values[name] = None  # an alias's default; its meaning is checked by test_roles
        elif name == spec.operand:
            values[name] = operand(spec, framework)
        elif name == spec.roles.axis:
            values[name] = 1
        elif name == spec.roles.keepdims:
            values[name] = True
        elif name == "dtype" and spec.is_class:
            values[name] = None
        elif name == "dtype" and dtype_probe(framework) is not None:
            values[name] = dtype_probe(framework)
        elif name == "out" and framework in ("numpy", "torch"):
            values[name] = Out(framework)
        elif name == "out" and framework == "jax":
            values[name] = None  # JAX only accepts out=None
        elif x is None and name in SECOND_OPERANDS:
            values[name] = 2.0
        elif x is None:
            if name in GENERIC_PROBES:
                values[name] = GENERIC_PROBES[name]
        elif name == "where":
            values[name] = x > 0.4
        elif name == "mean" and spec.roles.keepdims:
            values[name] = x.mean(axis=1, keepdims=True)  # as with axis=1, keepdims=True
        elif name == "memory_format" and framework == "torch":
            values[name] = importlib.import_module("torch").preserve_format
        elif name in LABELS:
            sparse = (spec.kind == "nll_loss" or "sparse" in spec.name.lower()
                      or "integer" in spec.name)
            values[name] = int_array(framework, CLASSES) if sparse else array(framework,
                                                                              ONE_HOT)
        elif name in ("index", "indices"):
            if spec.name.endswith("gather_nd"):
                values[name] = int_array(framework, [[0, 1], [1, 2]])
            elif spec.name.endswith(".gather") and framework == "tensorflow":
                values[name] = int_array(framework, [0, 2])
            else:
                values[name] = int_array(framework, [[2], [0]])
        elif name in SECOND_OPERANDS and spec.kind in LINALG_KINDS:
            vector = name == "vec" or spec.kind == "matvec"
            values[name] = array(framework, V3 if vector else B3)
        elif name in SECOND_OPERANDS:
            values[name] = array(framework, [[0.5] * 3] * 2)
        elif name == "reduction":
            if framework == "torch":
                values[name] = "mean"
            elif ".compat.v1.losses." in spec.name:
                values[name] = "weighted_sum_by_nonzero_weights"
            else:
                values[name] = "sum_over_batch_size"
        elif name in GENERIC_PROBES:
            values[name] = GENERIC_PROBES[name]
    return values


# -- comparing signatures ---------------------------------------------------------------------

P = inspect.Parameter


def real_signature(obj):
    """`inspect.signature(obj)`, or None where it is missing or known to be wrong."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(getattr(obj, "__self__", None), (np.ufunc, np.ndarray)):
        # NumPy's C methods carry text signatures that are not always right: ufunc.reduce
        # says `array, /` and ndarray.dot says `other, /`, yet `array=` and `b=` are accepted.
        return None
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def compare(table: Signature, real: inspect.Signature):
    """Problems of `table` against `real`, and parameters left to the call probes."""
    problems, deferred = [], []
    params = list(real.parameters.values())
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    names = {p.name: p for p in params if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)}
    varargs = any(p.kind == P.VAR_POSITIONAL for p in params)
    varkw = any(p.kind == P.VAR_KEYWORD for p in params)
    for i, name in enumerate(table.positional):
        if i < len(positional):
            actual = positional[i]
            if actual.name != name:
                problems.append(f"position {i} is {actual.name!r} in the library, "
                                f"{name!r} in the table")
            table_keyword = i >= table.positional_only
            real_keyword = actual.kind == P.POSITIONAL_OR_KEYWORD
            if table_keyword and not real_keyword:
                problems.append(f"{actual.name!r} is positional-only in the library; the "
                                "table lets it be passed by keyword")
            elif real_keyword and not table_keyword:
                problems.append(f"{actual.name!r} can be passed by keyword in the library; "
                                "the table makes it positional-only")
        elif varkw and not varargs:
            deferred.append(name)  # hidden behind **kwargs: only a call can tell
        else:
            problems.append(f"the library takes {len(positional)} positional argument(s); the "
                            f"table binds position {i} to {name!r}")
    for name in table.keyword_only:
        if name in names:
            continue
        if varkw:
            deferred.append(name)
        else:
            problems.append(f"the library has no parameter {name!r}")
    if table.varargs and not varargs:
        problems.append("the table has *args; the library does not")
    if table.varkw and not varkw:
        problems.append("the table has **kwargs; the library does not")
    for p in params:
        if (p.default is P.empty and p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)
                and p.name not in table.names):
            problems.append(f"the library requires {p.name!r}, which the table omits")
    return problems, deferred


def compare_ufunc(table: Signature, ufunc):
    problems = []
    if table.positional_only != ufunc.nin:
        problems.append(f"ufunc has nin={ufunc.nin}; the table has {table.positional_only} "
                        "positional-only input(s)")
    outs = table.positional[table.positional_only:]
    expected = ("out",) if ufunc.nout == 1 else tuple(f"out{i + 1}" for i in range(ufunc.nout))
    if outs != expected[:len(outs)]:
        problems.append(f"ufunc has nout={ufunc.nout}; the table's outputs are {outs}")
    return problems


def torch_schemas(op: str, *, method: bool):
    """(positional, keyword) parameter names of each ATen overload of `op`, as Python sees them."""
    torch = importlib.import_module("torch")
    try:
        schemas = torch._C._jit_get_schemas_for_operator(f"aten::{op}")
    except Exception:  # private API: absent in some builds
        return []
    result = []
    for schema in schemas:
        positional, keyword, has_out = [], [], False
        for argument in schema.arguments:
            alias = argument.alias_info
            if argument.kwarg_only and alias is not None and alias.is_write:
                has_out = True  # `.out` overloads: Python merges their outputs into `out=`
                continue
            name = argument.name
            if name == "self":
                if method:
                    continue
                name = "input"
            (keyword if argument.kwarg_only else positional).append(name)
        result.append((tuple(positional), tuple(keyword) + (("out",) if has_out else ())))
    return result


def compare_torch_schemas(table: Signature, schemas):
    problems = []
    for i, name in enumerate(table.positional):
        if name is None:
            continue  # checked by calls
        if not any(len(pos) > i and pos[i] == name for pos, _ in schemas):
            seen = sorted({pos[i] for pos, _ in schemas if len(pos) > i})
            problems.append(f"no ATen overload has {name!r} at position {i} "
                            f"(overloads have {seen or 'nothing'} there)")
    for name in table.keyword_only:
        if not any(name in pos or name in kw for pos, kw in schemas):
            problems.append(f"no ATen overload has a parameter {name!r}")
    return problems


# -- probing by calls -------------------------------------------------------------------------

class Calls:
    """Calls one callable with chosen table parameters, positionally or by keyword."""

    def __init__(self, call, table: Signature, values):
        self.call = call
        self.positional = list(table.positional)
        self.posonly = table.positional_only
        self.values = values
        self.error = None

    def run(self, names, n_positional=None):
        """Call with `names`: the first `n_positional` table positions positionally."""
        n_positional = self.posonly if n_positional is None else n_positional
        names = set(names)
        out = next((n for n in names if isinstance(self.values[n], Out)), None)
        template = None
        if out is not None:
            limit = n_positional
            if out in self.positional[:n_positional]:
                limit = self.positional.index(out)
            template = self.run(names - {out}, limit)
        args = [self.value(n, template) for n in self.positional[:n_positional] if n in names]
        if len(args) != len(self.positional[:n_positional]):
            raise AssertionError("positional arguments must be contiguous")
        kwargs = {n: self.value(n, template) for n in names
                  if n not in self.positional[:n_positional]}
        return self.call(*args, **kwargs)

    def value(self, name, template):
        value = self.values[name]
        return value.make(template) if isinstance(value, Out) else value

    def works(self, names, n_positional=None):
        try:
            self.run(names, n_positional)
            return True
        except Exception as error:
            self.error = error
            return False


def combinations_upto(items, size):
    for k in range(1, size + 1):
        yield from combinations(items, k)


def call_checks(call, table: Signature, values, *, label=""):
    """Call with the table's parameters; return (problems, reason the calls could not run).

    The table may describe the union of several overloads (`torch.var`'s `unbiased` and
    `correction`; `numpy.clip`'s `a_min` and `min`), so not every parameter can be passed at
    once: find the largest set that can, then check each parameter left out by swapping it in
    for up to two of the others.
    """
    names = [n for n in table.names if n in values]
    posonly = list(table.positional[:table.positional_only])
    missing = [n for n in posonly if n not in values]
    if missing:
        return [], f"no probe value for positional-only {missing}"
    calls = Calls(call, table, values)
    optional = [n for n in names if n not in posonly]
    working = None
    if calls.works(names):
        working = set(names)
    else:
        first_error = calls.error
        for size in (1, 2, 3):
            for dropped in combinations_upto(list(reversed(optional)), size):
                if len(dropped) == size and calls.works(set(names) - set(dropped)):
                    working = set(names) - set(dropped)
                    break
            if working is not None:
                break
        if working is None:
            return [f"{label}no combination of the table's parameters is accepted: "
                    f"{error_text(first_error)}"], None
    problems = []
    for name in optional:
        if name in working:
            continue
        others = sorted(working - set(posonly))
        if any(calls.works((working - set(q)) | {name}) for q in combinations_upto(others, 2)):
            continue
        calls.works(working | {name})
        problems.append(f"{label}rejects {name}=: {error_text(calls.error)}")
    reference = calls.run(working)
    # Positional-only parameters must reject being passed by keyword.
    for i, name in enumerate(posonly):
        keyword_call = Calls(call, Signature(tuple(posonly[:i])), values)
        try:
            keyword_call.run(set(posonly[:i]) | {name} | (working - set(posonly)), i)
        except Exception:
            continue
        problems.append(f"{label}{name!r} is positional-only in the table but the library "
                        f"accepts {name}= as a keyword")
    # Each prefix of the table's positional parameters, passed positionally, binds the same.
    positional = list(table.positional)
    for n_positional in range(len(posonly) + 1, len(positional) + 1):
        name = positional[n_positional - 1]
        if name not in working:
            break
        try:
            result = calls.run(working, n_positional)
        except Exception as error:
            problems.append(f"{label}{name!r} does not bind position {n_positional - 1}: "
                            f"{error_text(error)}")
            break
        if not same(result, reference):
            problems.append(f"{label}passing {name!r} at position {n_positional - 1} gives "
                            f"{show(result)}, by keyword {show(reference)}")
            break
    return problems, None


def receiver(spec, framework):
    """The array a method is called on."""
    if spec.kind in LINALG_KINDS:
        return array(framework, A3)
    return array(framework)


def caller(spec, obj, framework):
    if spec.is_method:
        return lambda *a, **k: getattr(receiver(spec, framework), spec.name)(*a, **k)
    if spec.is_class:
        call_values = probe_values(spec, framework, spec.call_signature)
        inputs = [call_values[n] for n in spec.call_signature.positional]
        return lambda *a, **k: obj(*a, **k)(*inputs)
    return obj


def trim_to(table: Signature, real: inspect.Signature) -> Signature:
    """The table's signature without its trailing parameters the real one lacks."""
    present = set(real.parameters)
    positional = list(table.positional)
    while positional and positional[-1] not in present:
        positional.pop()
    return Signature(tuple(positional), tuple(n for n in table.keyword_only if n in present),
                     min(table.positional_only, len(positional)), table.varargs, table.varkw)


def is_ufunc(obj):
    np, jnp = sys.modules.get("numpy"), sys.modules.get("jax.numpy")
    return ((np is not None and isinstance(obj, np.ufunc))
            or (jnp is not None and isinstance(obj, getattr(jnp, "ufunc", ()))))


def check_callable(spec, obj, resolved, framework):
    """All signature problems of one table entry against the object it names."""
    problems, skipped = [], []
    table = spec.signature
    values = probe_values(spec, framework)
    ufunc = is_ufunc(obj)
    real = None if ufunc else real_signature(obj)
    targets = [(obj, table, "")]  # (object, table signature to probe it with, label)

    if ufunc:
        problems += compare_ufunc(table, obj)
    if spec.is_class and spec.call_signature is not None:
        # torch modules are called through forward(); Keras losses through __call__.
        forward = inspect.signature(getattr(obj, "forward", None) or obj.__call__)
        forward = forward.replace(parameters=[p for p in forward.parameters.values()
                                              if p.name != "self"])
        found, _ = compare(spec.call_signature, forward)
        problems += [f"calling an instance: {p}; library forward{forward}" for p in found]
    if real is not None:
        found, deferred = compare(table, real)
        tf1 = tf1_name(resolved) if resolved == spec.name else None
        tf1_obj = try_resolve(tf1) if tf1 and found else None
        tf1_real = real_signature(tf1_obj) if tf1_obj is not None else None
        if found and tf1_real is not None and trim_to(table, real) != table:
            # A TF2 name whose table entry is the TF1/TF2 union: TF2's part against TF2, the
            # whole against tensorflow.compat.v1.
            trimmed = trim_to(table, real)
            found, deferred = compare(trimmed, real)
            found1, deferred1 = compare(table, tf1_real)
            found += [f"[{tf1}] {p}; library: {tf1_real}" for p in found1]
            deferred += deferred1
            extra = [n for n in table.names if n not in trimmed.names]
            warnings.warn(TF1OnlyCheck(
                f"{spec.name}: TF1-only parameter(s) {extra} checked against {tf1}"))
            targets = [(obj, trimmed, ""), (tf1_obj, table, f"[{tf1}] ")]
        problems += [p if p.startswith("[") else f"{p}; library: {real}" for p in found]
        unprobed = [n for n in deferred if n not in values]
        if unprobed:
            problems.append(f"{unprobed} are hidden behind **kwargs and have no probe value, "
                            "so they cannot be checked (add one to GENERIC_PROBES)")
    elif not ufunc:
        unprobed = [n for n in table.names if n not in values]
        schemas = []
        if framework == "torch":
            op = getattr(obj, "__name__", spec.name.rpartition(".")[2])
            schemas = torch_schemas(op, method=spec.is_method)
            if schemas and unprobed:
                listing = "; ".join(f"{pos} *{kw}" for pos, kw in schemas)
                unprobed_table = Signature(
                    tuple(n if n in unprobed else None for n in table.positional),
                    tuple(n for n in table.keyword_only if n in unprobed))
                found = compare_torch_schemas(unprobed_table, schemas)
                problems += [f"{p} [aten::{op}: {listing}]" for p in found]
        if unprobed and not schemas:
            problems.append(f"{unprobed}: the library gives no signature and there is no "
                            "probe value to check them by calling (add one to GENERIC_PROBES)")
        if table.varargs or table.varkw:
            extra = (1.0, 3.0, 2.0) if framework == "python" else (dtype_probe(framework),)
            try:
                if table.varargs:
                    (obj if framework == "python" else caller(spec, obj, framework))(*extra)
                if table.varkw and framework != "python":
                    caller(spec, obj, framework)(dtype=dtype_probe(framework))
            except TypeError as error:
                problems.append(f"the table has *args/**kwargs but the library rejects "
                                f"extra arguments: {error_text(error)}")

    for target, signature, label in targets:
        target_real = None if ufunc else real_signature(target)
        required = []
        if target_real is not None and not spec.is_class:
            required = [p.name for p in target_real.parameters.values()
                        if p.default is P.empty and p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)
                        and p.name not in values]
        if spec.is_class:
            required = [n for n in spec.call_signature.positional
                        if n not in probe_values(spec, framework, spec.call_signature)]
        if required:
            skipped.append(f"{label}no probe value for required {required}")
            continue
        found, reason = call_checks(caller(spec, target, framework), signature, values,
                                    label=label)
        problems += found
        if reason:
            skipped.append(label + reason)
    return problems, skipped


def report(entry: str, problems, skipped):
    if problems:
        pytest.fail(f"{entry} does not match the installed library:\n  - "
                    + "\n  - ".join(problems), pytrace=False)
    if skipped:
        pytest.skip(f"{entry}: signature matches; call checks not run: {'; '.join(skipped)}")


# -- cases ------------------------------------------------------------------------------------

def _sorted(specs):
    return sorted(specs, key=lambda s: (ORDER.get(s.framework, 99), s.name))


FUNCTION_SPECS = _sorted(FUNCTIONS.values())
METHOD_SPECS = _sorted(s for specs in METHODS.values() for s in specs)


def function_id(spec):
    return f"{spec.framework}:{spec.name}"


def method_id(spec):
    return f"{spec.framework}:{ARRAY_TYPE.get(spec.framework, 'array')}.{spec.name}"


ROLE_SPECS = [s for s in FUNCTION_SPECS + METHOD_SPECS
              if s.roles.axis or s.roles.keepdims or s.roles.default_axis is not None]


def role_id(spec):
    return method_id(spec) if spec.is_method else function_id(spec)


@pytest.mark.parametrize("spec", FUNCTION_SPECS, ids=function_id)
def test_function_signature(spec):
    require_for(spec.framework, spec.name)
    obj, resolved = resolve_entry(spec.name)
    assert callable(obj), f"{resolved} is not callable"
    report(spec.name, *check_callable(spec, obj, resolved, spec.framework))


@pytest.mark.parametrize("spec", METHOD_SPECS, ids=method_id)
def test_method_signature(spec):
    require_for(spec.framework)
    instance = receiver(spec, spec.framework)
    kind = type(instance)
    assert hasattr(instance, spec.name), f"{kind.__name__} has no method {spec.name}"
    bound = getattr(instance, spec.name)
    report(f"{kind.__name__}.{spec.name}", *check_callable(spec, bound, spec.name,
                                                            spec.framework))


# -- argument roles and default axes ----------------------------------------------------------

class Invoker:
    """Calls one entry on an array with keyword arguments, routing TF1-only keywords."""

    def __init__(self, spec):
        self.spec = spec
        self.framework = spec.framework
        if spec.is_method:
            self.obj, self.resolved = None, spec.name
        else:
            self.obj, self.resolved = resolve_entry(spec.name)
        tf1 = tf1_name(self.resolved)
        self.tf1 = tf1
        self.tf1_obj = try_resolve(tf1) if tf1 else None
        self.real = real_signature(self.obj) if self.obj is not None else None

    def accepts(self, keyword):
        if self.real is None:
            return True
        params = self.real.parameters.values()
        return keyword in self.real.parameters or any(p.kind == P.VAR_KEYWORD for p in params)

    def extra(self, signature, real):
        """Probe values for the other arguments a call needs (a loss's labels)."""
        spec = self.spec
        values = probe_values(spec, self.framework, signature)
        if real is None:
            return {}
        return {p.name: values[p.name] for p in real.parameters.values()
                if p.default is P.empty and p.name in values and p.name != spec.roles.operand
                and p.name != spec.operand and p.kind != P.POSITIONAL_ONLY}

    def __call__(self, x, **kwargs):
        spec = self.spec
        if spec.is_method:
            return getattr(x, spec.name)(**kwargs)
        if spec.is_class:
            inputs = probe_values(spec, self.framework, spec.call_signature)
            inputs[spec.roles.operand] = x
            return self.obj(**kwargs)(*[inputs[n] for n in spec.call_signature.positional])
        obj, real = self.obj, self.real
        rejected = [k for k in kwargs if not self.accepts(k)]
        if rejected and self.tf1_obj is not None:
            warnings.warn(TF1OnlyCheck(
                f"{spec.name}: TF1-only keyword(s) {rejected} checked against {self.tf1}"))
            obj, real = self.tf1_obj, real_signature(self.tf1_obj)
        kwargs = {**self.extra(spec.signature, real), **kwargs}
        operand_name = spec.operand
        if operand_name is None or spec.signature.positional[:1] == (operand_name,):
            return obj(x, **kwargs)
        return obj(**{operand_name: x}, **kwargs)


def check_roles(spec):
    fw = "numpy" if spec.framework == "python" else spec.framework
    roles = spec.roles
    call = Invoker(spec)
    x2, x3, x1 = array(fw), array(fw, X3), flat(fw)
    problems = []

    def attempt(what, thunk):
        try:
            return True, thunk()
        except Exception as error:
            problems.append(f"{what} raised {error_text(error)}")
            return False, None

    axis = roles.axis
    if axis:
        ok, by_axis = attempt(f"{axis}=1", lambda: call(x2, **{axis: 1}))
        for alias in spec.spellings(axis)[1:]:
            good, result = attempt(f"alias {alias}=1", lambda: call(x2, **{alias: 1}))
            if good and ok and not same(result, by_axis):
                problems.append(f"{alias}=1 gives {show(result)}, {axis}=1 {show(by_axis)}")
    if roles.keepdims:
        for spelling in spec.spellings(roles.keepdims):
            kwargs = {spelling: True}
            if axis:
                kwargs[axis] = 1
            good, result = attempt(f"{kwargs}", lambda: call(x2, **kwargs))
            if good and to_numpy(first(result)).shape != (2, 1):
                problems.append(f"{kwargs} gives {show(first(result))}, not shape (2, 1)")

    default = roles.default_axis
    if default == ALL:
        good, whole = attempt("call without an axis", lambda: call(x2))
        _, reference = attempt("call on the flattened array", lambda: call(x1))
        if good and reference is not None and not same_values(whole, reference):
            problems.append(f"default axis is 'all' in the table, but without an axis the "
                            f"result is {show(whole)}; over all elements it is {show(reference)}")
    elif default == REQUIRED:
        try:
            result = call(x2)
        except (TypeError, ValueError, RuntimeError):
            pass
        else:
            problems.append(f"default axis is 'required' in the table, but calling without "
                            f"{axis} works: {show(result)}")
    elif default == IMPLICIT:
        for x, dim in ((x3, 0), (x2, 1), (x1, 0)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                good, implicit = attempt(f"implicit call on {x.ndim}-D input", lambda: call(x))
            if not good:
                continue
            _, explicit = attempt(f"{axis}={dim}", lambda: call(x, **{axis: dim}))
            if explicit is not None and not same(implicit, explicit):
                problems.append(f"implicit dim on {x.ndim}-D input does not reduce dim {dim}")
            if not any("implicit" in str(w.message).lower() for w in caught):
                problems.append(f"no implicit-dimension warning on {x.ndim}-D input")
    elif isinstance(default, int) and not isinstance(default, bool):
        good, implicit = attempt("call without an axis", lambda: call(x2))
        if axis:
            _, explicit = attempt(f"{axis}={default}", lambda: call(x2, **{axis: default}))
        else:
            np = importlib.import_module("numpy")
            reference = {"sum": np.sum, "max": np.max, "mean": np.mean}[spec.kind]
            explicit = reference(x2, axis=default)
            if not good and spec.framework == "python":
                # builtins.max on a 2-D array compares rows: "truth value ... is ambiguous".
                problems.pop()
                good, implicit = attempt("call on a 1-D array", lambda: call(x1))
                explicit = reference(x1, axis=default)
                warnings.warn(UserWarning(
                    f"{spec.name} raises on a 2x3 array; its default axis {default} was "
                    "checked on a 1-D array"))
        if good and explicit is not None and not same(implicit, explicit):
            problems.append(f"default axis is {default} in the table, but without an axis the "
                            f"result is {show(implicit)}; with axis {default} {show(explicit)}")
    if roles.all_axes is not None and axis:
        value = ast.literal_eval(roles.all_axes)
        good, whole = attempt(f"{axis}={value!r} (the table's all-axes argument)",
                              lambda: call(x2, **{axis: value}))
        _, reference = attempt("call on the flattened array", lambda: call(x1))
        if good and reference is not None and not same_values(whole, reference):
            problems.append(f"{axis}={value!r} gives {show(whole)}; over all elements "
                            f"{show(reference)}")
    return problems


@pytest.mark.parametrize("spec", ROLE_SPECS, ids=role_id)
def test_roles(spec):
    require_for(spec.framework, "" if spec.is_method else spec.name)
    require("numpy", "numpy is not installed; the roles of the Python builtins are checked on "
                     "NumPy arrays")
    problems = check_roles(spec)
    report(f"{role_id(spec)} (roles {spec.roles})", problems, [])


# -- stable replacements ----------------------------------------------------------------------

STABLE_CASES = sorted(
    ((operation, framework, target, function)
     for operation, frameworks in STABLE.items()
     for framework, targets in frameworks.items()
     for target in targets
     for function in target.functions),
    key=lambda c: (ORDER.get(c[1], 99), c[0], c[3]))


@pytest.mark.parametrize("case", STABLE_CASES,
                         ids=[f"{fw}:{op}->{Target.qualname(f)}" for op, fw, _, f in STABLE_CASES])
def test_stable_target(case):
    operation, framework, target, function = case
    qualname = Target.qualname(function)
    require_for(framework, qualname)
    if target.needs_import:
        require(target.needs_import)
    obj, resolved = resolve_entry(qualname)
    problems = []
    if not callable(obj):
        problems.append(f"{resolved} is not callable")
    spec = FUNCTIONS.get(qualname)
    if spec is None:
        problems.append(f"{qualname} has no entry in FUNCTIONS, so its signature is unchecked")
    if target.method:
        instance = array(framework)
        if not hasattr(instance, target.method):
            problems.append(f"{type(instance).__name__} has no method {target.method}")
        if not any(s.framework == framework for s in METHODS.get(target.method, ())):
            problems.append(f"method {target.method} has no {framework} entry in METHODS")
    if target.full_reduction == "flatten" and spec is not None and spec.roles.axis:
        x = array(framework)
        flattened = obj(x.flatten(), **{spec.roles.axis: 0})
        every = obj(x, **{spec.roles.axis: tuple(range(len(x.shape)))})
        if not same(flattened, every):
            problems.append(f"reducing x.flatten() over axis 0 gives {show(flattened)}, over "
                            f"every axis {show(every)}")
    report(f"{framework}:{operation} -> {qualname}", problems, [])


# -- what `import <package>` alone makes reachable ----------------------------------------------

REACH_SCRIPT = r"""
import importlib, json, sys
package, names = sys.argv[1], json.loads(sys.argv[2])
module = importlib.import_module(package)
result = {}
for name in names:
    obj = module
    try:
        for part in name.split(".")[1:]:
            obj = getattr(obj, part)
        result[name] = "reachable"
    except AttributeError as error:
        result[name] = "unreachable: " + str(error)
json.dump(result, sys.stdout)
"""

# Packages the emitter imports as a module and then spells full paths under.
REACH_PACKAGES = sorted(set(LOADS_SUBMODULES) | {p for p, s in IMPORT_STYLE.items()
                                                 if s == "module"})


def names_under(package):
    names = set(FUNCTIONS)
    names |= {Target.qualname(f) for frameworks in STABLE.values()
              for targets in frameworks.values() for t in targets for f in t.functions}
    return sorted(n for n in names if n.startswith(package + "."))


@pytest.fixture(scope="module", autouse=True)
def reach_processes(request):
    """Start one fresh interpreter per package up front, so they overlap the other tests."""
    wanted = any(item.name.startswith("test_import_reaches") for item in request.session.items)
    processes = {}
    if wanted:
        for package in REACH_PACKAGES:
            if importlib.util.find_spec(package) is None:
                continue
            processes[package] = subprocess.Popen(
                [sys.executable, "-c", REACH_SCRIPT, package, json.dumps(names_under(package))],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("package", REACH_PACKAGES,
                         ids=[f"{MODULE_FRAMEWORKS.get(p, p)}:import {p}" for p in REACH_PACKAGES])
def test_import_reaches_table_names(package, reach_processes):
    require(package)
    process = reach_processes.get(package)
    assert process is not None
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-2000:]
    problems = []
    for name, status in json.loads(stdout).items():
        if status == "reachable":
            continue
        if try_resolve(name) is None:
            # Absent from the installed library altogether (a TF1-only spelling such as
            # tensorflow.log): existence is test_function_signature's business.
            continue
        problems.append(f"after `import {package}`, {name} is {status}")
    report(f"import {package}", problems, [])
