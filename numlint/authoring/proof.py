"""Executing a rule's own examples: the proof that a fix is right, and `numlint rule --demo`.

A bad example that carries a fix also carries a `Proof`: the inputs that break the naive code
(`extreme`), the true value on them (`reference`, a NumPy/SciPy expression evaluated in float64),
and optionally explicit benign inputs. `check` runs the example's code and the fixer's output on
them, in one framework and dtype:

* benign inputs (random normal with the extreme input's shapes, unless given): the fixed code
  returns what the original returns, within a tolerance tied to the dtype (for a bug fix, what
  the reference returns);
* extreme inputs: the original really breaks (a non-finite value, or far from the reference:
  this keeps the examples honest) and the fixed code is finite and equals the reference;
* PyTorch and JAX: the gradient of the fixed code's output on the extreme input is finite.

An accuracy proof (`Proof.exact`, an mpmath expression) measures errors against the exact
value (50 significant digits) in units in the last place of the dtype instead: on the extreme
input the original must lose at least `Proof.bits` bits and the fix be within `Proof.ulps`
units; on benign inputs the fix must be within `Proof.ulps` units or no worse than the
original, element by element.

Only numlint's own examples are ever executed, never user code. Framework libraries are
imported lazily, so the rest of numlint never needs them.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from numlint.engine.rule import Proof

# Frameworks a proof can run in, and the module each needs.
# (SciPy computes the references.)
REQUIRES = {
    "numpy": ("numpy", "scipy"),
    "torch": ("numpy", "scipy", "torch"),
    "tensorflow": ("numpy", "scipy", "tensorflow"),
    "keras": ("numpy", "scipy", "keras", "jax"),
    "jax": ("numpy", "scipy", "jax"),
}
# Frameworks whose examples are checked as text only (reported, and fixed to exactly the
# documented code, by `tests/test_rules.py`), never executed, and why. Their fixes are NumPy's
# rewrites spelled in the library (`numlint.engine.table.spellings`), so the NumPy proofs prove
# the mathematics, and the table's `PROVIDES` lists only functions checked in the library's
# documentation; what no proof here can check is the library itself.
TEXTUAL = {
    "cupy": "CuPy runs only on a CUDA (or ROCm) device, which the proof machines do not have",
    "mxnet": "MXNet, retired to the Apache Attic, is not part of the `verify` extra",
}
# Relative and absolute tolerance on benign inputs (and against the reference), per dtype.
TOLERANCE = {"float64": (1e-9, 1e-12), "float32": (2e-4, 1e-5)}
# The original counts as broken when it is this far from the reference (relative).
BROKEN = 1e-3


class ProofError(AssertionError):
    """A failed proof, with everything needed to find the broken fix."""


@dataclass
class Outcome:
    """What one run of a proof saw."""

    inputs: Dict[str, Any]
    original: Any
    fixed: Any
    reference: Any = None
    # For an accuracy proof: the bits the original and the fixed code lose on the extreme
    # input in float64, at their worst element (see `bits_lost`).
    bits: Optional[Tuple[float, float]] = None

    @property
    def bits_recovered(self) -> Optional[float]:
        return None if self.bits is None else self.bits[0] - self.bits[1]


def missing_modules(framework: str) -> Tuple[str, ...]:
    """The modules a proof in `framework` needs that are not installed."""
    missing = []
    for module in REQUIRES.get(framework, (framework,)):
        if importlib.util.find_spec(module) is None:
            missing.append(module)
    return tuple(missing)


# -- frameworks ------------------------------------------------------------------------------

class Backend:
    """Moves NumPy inputs into one framework and results back."""

    def __init__(self, framework: str):
        self.framework = framework
        self.np = importlib.import_module("numpy")
        if framework == "torch":
            self.torch = importlib.import_module("torch")
        elif framework == "tensorflow":
            self.tf = _quiet_import("tensorflow")
        elif framework == "keras":
            # Keras recovers the logits of its own softmax on the TensorFlow backend only, so
            # its proofs run on another backend (see `run_isolated`).
            os.environ.setdefault("KERAS_BACKEND", "jax")
            os.environ.setdefault("JAX_ENABLE_X64", "1")
            self.keras = _quiet_import("keras")
        elif framework == "jax":
            jax = importlib.import_module("jax")
            jax.config.update("jax_enable_x64", True)
            self.jax = jax
            self.jnp = importlib.import_module("jax.numpy")

    def array(self, value, dtype: str, integer: bool = False, grad: bool = False):
        np = self.np
        data = np.asarray(value, dtype="int64" if integer else dtype)
        if self.framework == "numpy":
            return data
        if self.framework == "torch":
            tensor = self.torch.from_numpy(data.copy())
            return tensor.requires_grad_(True) if grad and not integer else tensor
        if self.framework == "tensorflow":
            return self.tf.constant(data)
        if self.framework == "keras":
            return self.keras.ops.convert_to_tensor(data)
        return self.jnp.asarray(data)

    def numpy(self, value):
        np = self.np
        if isinstance(value, (tuple, list)):
            return [self.numpy(v) for v in value]
        if self.framework == "torch" and isinstance(value, self.torch.Tensor):
            return value.detach().numpy()
        if self.framework == "keras":
            return np.asarray(self.keras.ops.convert_to_numpy(value))
        if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
            return np.asarray(value.numpy())
        return np.asarray(value)

    def gradient(self, function: Callable, args: Dict[str, Any], integers) -> Optional[list]:
        """Gradients of the sum of `function`'s output with respect to its float inputs."""
        floats = [k for k in args if k not in integers]
        if self.framework == "torch":
            out = function(**args)
            total = out.sum() if hasattr(out, "sum") else out
            if not getattr(total, "requires_grad", False):
                return None
            grads = self.torch.autograd.grad(total, [args[k] for k in floats], allow_unused=True)
            return [g.detach().numpy() for g in grads if g is not None]
        if self.framework == "jax":
            def total(*values):
                return self.jnp.sum(function(**dict(args, **dict(zip(floats, values)))))
            grads = self.jax.grad(total, argnums=tuple(range(len(floats))))(
                *[args[k] for k in floats])
            return [self.np.asarray(g) for g in grads]
        return None


def _quiet_import(name: str):
    """Import a module whose native code logs to the process's stderr as it starts
    (TensorFlow's oneDNN and absl notices), without that noise."""
    if name in sys.modules:
        return sys.modules[name]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            return importlib.import_module(name)
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load(code: str, function: Optional[str]) -> Callable:
    """Execute an example module and return its function."""
    namespace: Dict[str, Any] = {"__name__": "numlint_example"}
    exec(compile(code, "<numlint example>", "exec"), namespace)  # numlint's own examples only
    if function is not None:
        return namespace[function]
    functions = [v for k, v in namespace.items()
                 if callable(v) and getattr(v, "__module__", None) == "numlint_example"
                 and not isinstance(v, type)]
    if not functions:
        raise ProofError("the example defines no function to call")
    return functions[-1]


# -- the proof --------------------------------------------------------------------------------

def fixed_code(rule, example) -> str:
    from numlint import Config, fix_source
    result = fix_source(example.code, "example.py", Config(select=(rule.code,)),
                        unsafe=example.unsafe)
    return result.source.text


def reference_value(proof: Proof, inputs: Dict[str, Any], dtype: str = "float64"):
    """The true result on `inputs` as rounded to `dtype`, computed in float64."""
    np = importlib.import_module("numpy")
    scipy = importlib.import_module("scipy")
    importlib.import_module("scipy.special")
    importlib.import_module("scipy.linalg")
    names = {k: np.asarray(v, dtype="int64") if k in proof.integers
             else np.asarray(v, dtype=dtype).astype("float64") for k, v in inputs.items()}
    value = eval(proof.reference, {"np": np, "scipy": scipy, "math": math}, names)
    if isinstance(value, tuple):
        return [np.asarray(v) for v in value]
    return np.asarray(value)


def benign_inputs(proof: Proof, seed: int = 0) -> Dict[str, Any]:
    np = importlib.import_module("numpy")
    if proof.benign is not None:
        return dict(proof.benign)
    generator = np.random.default_rng(seed)
    inputs = {}
    for name, value in proof.extreme.items():
        if name in proof.integers or name in proof.constants:
            inputs[name] = value
        else:
            inputs[name] = generator.standard_normal(np.shape(value)).tolist()
    return inputs


def run(function: Callable, backend: Backend, inputs, proof: Proof, dtype: str):
    args = {k: backend.array(v, dtype, k in proof.integers) for k, v in inputs.items()}
    with backend.np.errstate(all="ignore"):  # the naive code overflows: that is the point
        return backend.numpy(function(**args))


# -- accuracy: errors in units in the last place of the exact value ---------------------------

# Significant digits of the exact values an accuracy proof compares with.
EXACT_DIGITS = 50


def exact_values(proof: Proof, inputs: Dict[str, Any], dtype: str):
    """`proof.exact` evaluated with mpmath, element by element over the broadcast inputs as
    rounded to `dtype`: an object array of mpmath numbers (NaN where the function has no real
    value)."""
    np = importlib.import_module("numpy")
    mpmath = importlib.import_module("mpmath")
    names = list(inputs)
    arrays = np.broadcast_arrays(*[np.asarray(inputs[k], dtype=dtype) for k in names])
    shape = arrays[0].shape if arrays else ()
    out = np.empty(shape, dtype=object)
    expression = compile(proof.exact or "", "<exact>", "eval")
    with mpmath.workdps(EXACT_DIGITS):
        for index in np.ndindex(shape):
            point = {k: mpmath.mpf(float(a[index])) for k, a in zip(names, arrays)}
            try:
                value = eval(expression, {"mpmath": mpmath, "math": math}, point)
            except (ValueError, ZeroDivisionError):
                value = mpmath.mpf("nan")
            if isinstance(value, mpmath.mpc):
                value = value.real if value.imag == 0 else mpmath.mpf("nan")
            out[index] = mpmath.mpf(value)
    return out


def ulp_errors(value, exact, dtype: str):
    """The error of each element of `value` in units in the last place of the exact value in
    `dtype` (0 where both are the same infinity or both undefined, inf for a non-finite value
    where the exact one is finite)."""
    np = importlib.import_module("numpy")
    mpmath = importlib.import_module("mpmath")
    value = np.asarray(value, dtype="float64")
    if value.shape != exact.shape:
        raise ProofError(f"the result has shape {value.shape}, the exact value {exact.shape}")
    errors = np.empty(exact.shape)
    kind = np.dtype(dtype).type
    with mpmath.workdps(EXACT_DIGITS):
        for index in np.ndindex(exact.shape):
            want, got = exact[index], float(value[index])
            if mpmath.isnan(want) or mpmath.isinf(want):
                same = math.isnan(got) if mpmath.isnan(want) else got == float(want)
                errors[index] = 0.0 if same else math.inf
            elif not math.isfinite(got):
                errors[index] = math.inf
            else:
                ulp = float(np.spacing(abs(kind(float(want)))))
                errors[index] = float(abs(mpmath.mpf(got) - want) / ulp)
    return errors


def bits_lost(errors) -> float:
    """The bits an error of `errors` units in the last place costs, at the worst element
    (an error below one unit costs none)."""
    np = importlib.import_module("numpy")
    worst = float(np.max(errors)) if np.size(errors) else 0.0
    return math.inf if not math.isfinite(worst) else math.log2(max(worst, 1.0))


def _check_accuracy(where, proof: Proof, backend, original, fixed, dtype: str) -> None:
    np = backend.np
    benign = benign_inputs(proof)
    exact = exact_values(proof, benign, dtype)
    fixed_errors = ulp_errors(run(fixed, backend, benign, proof, dtype), exact, dtype)
    naive_errors = ulp_errors(run(original, backend, benign, proof, dtype), exact, dtype)
    worse = (fixed_errors > proof.ulps) & (fixed_errors > naive_errors)
    if np.any(worse):
        raise ProofError(f"{where} {dtype}: on benign input {benign} the fixed code is less "
                         f"accurate than the original (errors in ulps: fixed "
                         f"{fixed_errors[worse]}, original {naive_errors[worse]})")
    exact = exact_values(proof, proof.extreme, dtype)
    naive = run(original, backend, proof.extreme, proof, dtype)
    lost = bits_lost(ulp_errors(naive, exact, dtype))
    if lost < proof.bits:
        raise ProofError(f"{where} {dtype}: the extreme input {proof.extreme} does not break "
                         f"the original: it loses {lost:.1f} bits ({naive}), fewer than "
                         f"{proof.bits:g}; choose an input that does")
    stable = run(fixed, backend, proof.extreme, proof, dtype)
    errors = ulp_errors(stable, exact, dtype)
    if not np.all(errors <= proof.ulps):
        raise ProofError(f"{where} {dtype}: on the extreme input {proof.extreme} the fixed "
                         f"code gives {stable}, {float(np.max(errors)):.3g} ulps from the exact "
                         f"value {[float(v) for v in exact.ravel()]} (at most {proof.ulps:g} "
                         f"allowed; the original gave {naive})")


def check(rule, example, framework: Optional[str] = None) -> None:
    """Prove `example`'s fix in `framework` (default: the example's own); raise ProofError."""
    framework = framework or example.framework
    proof = example.proof
    backend = Backend(framework)
    np = backend.np
    original = load(example.code, proof.function)
    fixed = load(fixed_code(rule, example), proof.function)
    where = f"{rule.code} {rule.name} [{framework}]"
    for dtype in proof.dtypes:
        if proof.exact is not None:
            _check_accuracy(where, proof, backend, original, fixed, dtype)
            _check_gradient(where, proof, backend, fixed, dtype)
            continue
        rtol, atol = TOLERANCE[dtype]
        benign = benign_inputs(proof)
        got = run(fixed, backend, benign, proof, dtype)
        if proof.bug_fix:
            expected = reference_value(proof, benign, dtype)
            label = "the reference"
        else:
            expected = run(original, backend, benign, proof, dtype)
            label = "the original"
        if not _close(np, got, expected, rtol, atol):
            raise ProofError(f"{where} {dtype}: on benign input {benign} the fixed code gives "
                             f"{got}, {label} {expected}")
        reference = reference_value(proof, proof.extreme, dtype)
        naive = run(original, backend, proof.extreme, proof, dtype)
        if proof.naive_gradient:
            _check_naive_gradient(where, proof, backend, original, dtype)
        elif _finite(np, naive) and _close(np, naive, reference, BROKEN, BROKEN):
            raise ProofError(f"{where} {dtype}: the extreme input {proof.extreme} does not "
                             f"break the original ({naive}, reference {reference}); choose an "
                             f"input that does")
        stable = run(fixed, backend, proof.extreme, proof, dtype)
        if not _finite(np, stable) or not _close(np, stable, reference, rtol, atol):
            raise ProofError(f"{where} {dtype}: on the extreme input {proof.extreme} the fixed "
                             f"code gives {stable}, the reference is {reference} (the original "
                             f"gave {naive})")
        _check_gradient(where, proof, backend, fixed, dtype)


def _check_naive_gradient(where, proof: Proof, backend, original, dtype: str) -> None:
    """The original's gradient on the extreme input must be non-finite (`naive_gradient`)."""
    np = backend.np
    if backend.framework not in ("torch", "jax"):
        raise ProofError(f"{where}: a proof by the original's gradient runs in PyTorch or "
                         f"JAX only")
    args = {k: backend.array(v, dtype, k in proof.integers, grad=True)
            for k, v in proof.extreme.items()}
    with np.errstate(all="ignore"):
        grads = backend.gradient(original, args, proof.integers)
    if grads is None or all(_finite(np, g) for g in grads):
        raise ProofError(f"{where} {dtype}: the extreme input {proof.extreme} does not break "
                         f"the original's gradient ({grads}); choose an input that does")


def _check_gradient(where, proof: Proof, backend, fixed, dtype: str) -> None:
    np = backend.np
    if proof.gradient and backend.framework in ("torch", "jax"):
        args = {k: backend.array(v, dtype, k in proof.integers, grad=True)
                for k, v in proof.extreme.items()}
        grads = backend.gradient(fixed, args, proof.integers)
        if grads is not None and not all(_finite(np, g) for g in grads):
            raise ProofError(f"{where} {dtype}: the fixed code's gradient on the extreme "
                             f"input {proof.extreme} is not finite: {grads}")


def demo(rule, example) -> Outcome:
    """Run an example on its extreme input in float64: the naive and the stable result."""
    proof = example.proof
    backend = Backend(example.framework)
    original = load(example.code, proof.function)
    fixed = load(fixed_code(rule, example), proof.function)
    outcome = Outcome(proof.extreme, None, None)
    for attribute, function in (("original", original), ("fixed", fixed)):
        try:
            value = run(function, backend, proof.extreme, proof, "float64")
        except Exception as error:  # the naive code may raise (a singular matrix)
            value = f"{type(error).__name__}: {error}"
        setattr(outcome, attribute, value)
    try:
        outcome.reference = reference_value(proof, proof.extreme)
    except ImportError:
        outcome.reference = None
    if proof.exact is not None and importlib.util.find_spec("mpmath") is not None:
        exact = exact_values(proof, proof.extreme, "float64")
        outcome.reference = backend.np.array([float(v) for v in exact.ravel()]).reshape(
            exact.shape)  # the exact value, rounded once
        try:
            outcome.bits = (bits_lost(ulp_errors(outcome.original, exact, "float64")),
                            bits_lost(ulp_errors(outcome.fixed, exact, "float64")))
        except (ProofError, TypeError, ValueError):  # the naive code raised
            outcome.bits = None
    return outcome


def _finite(np, value) -> bool:
    if isinstance(value, (list, tuple)) and value and not np.isscalar(value[0]) \
            and not isinstance(value[0], list):
        return all(_finite(np, v) for v in value)
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype="float64"))))
    except (TypeError, ValueError):
        return False


def _close(np, a, b, rtol, atol) -> bool:
    if isinstance(b, np.ndarray) and b.dtype == object:  # a tuple of results
        b = list(b)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) \
            and any(isinstance(v, np.ndarray) for v in a):
        return all(_close(np, x, y, rtol, atol) for x, y in zip(a, b))
    try:
        a = np.asarray(a, dtype="float64")
        b = np.asarray(b, dtype="float64")
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


# -- Keras, in a process of its own ----------------------------------------------------------

KERAS_BACKEND = "jax"


def run_isolated(framework: str) -> Dict[str, Optional[str]]:
    """Prove every example of `framework` in a fresh interpreter and return, per example id
    (`CODE-index`), None or the failure. Keras picks its backend once per process, when it is
    first imported, and its TensorFlow backend hides the hazard of `keras.ops.softmax`, so the
    Keras proofs run here with KERAS_BACKEND=jax."""
    import json
    import subprocess
    env = dict(os.environ, KERAS_BACKEND=KERAS_BACKEND, JAX_ENABLE_X64="1")
    completed = subprocess.run([sys.executable, "-m", "numlint.authoring.proof", framework],
                               capture_output=True, text=True, env=env, check=False)
    if completed.returncode != 0:
        raise ProofError(f"the {framework} proofs could not run:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def examples_of(framework: str):
    """`(id, rule, example)` for every example with a proof in `framework`."""
    from numlint.engine.registry import all_rules
    for rule in all_rules():
        if rule.meta:
            continue
        for index, example in enumerate(rule.examples):
            if example.proof is not None and example.framework == framework \
                    and framework not in TEXTUAL:
                yield f"{rule.code}-{framework}-{index}", rule, example


def _main(argv) -> int:
    import json
    framework = argv[1]
    results: Dict[str, Optional[str]] = {}
    for key, rule, example in examples_of(framework):
        try:
            check(rule, example)
            results[key] = None
        except Exception as error:  # reported per example by the caller
            results[key] = f"{type(error).__name__}: {error}"
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
