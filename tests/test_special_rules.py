"""The special-function rules (NL508-NL514): claims their documentation makes that the proof
harness does not check by itself.

The proof harness checks that the naive code's *value* breaks on the extreme input and that
the fix's gradient is finite there. NL508's main hazard is the naive code's *gradient* (NaN
where `exp(x)` underflows to 0, with a value of 0 that is within the harness's tolerance of the
true 8.8e-27); these tests execute the examples and check that claim.
"""

import math

import pytest

from numlint.authoring import proof
from numlint.engine.registry import all_rules

from proofs import require


def _rule(code):
    return next(r for r in all_rules() if r.code == code)


def _gradient_cases(code):
    return [pytest.param(rule, example, id=f"{code}-{example.framework}-{i}")
            for rule in [_rule(code)] for i, example in enumerate(rule.examples)
            if example.proof is not None and example.framework in ("torch", "jax")]


@pytest.mark.parametrize("rule,example", _gradient_cases("NL508"))
@pytest.mark.parametrize("value", [-120.0, 100.0])
def test_sqrt_of_exp_gradient_is_nan_where_the_fix_is_finite(rule, example, value):
    """float32: the naive gradient at x = -120 (exp underflows) and x = 100 (exp overflows)
    is NaN; the fix's is finite."""
    require(example.framework)
    backend = proof.Backend(example.framework)
    original = proof.load(example.code, example.proof.function)
    fixed = proof.load(proof.fixed_code(rule, example), example.proof.function)
    # every float input 1.0, except the log-variance, set to `value`
    names = list(example.proof.extreme)
    target = next(n for n in names if "log" in n)
    inputs = {n: [[value if n == target else 1.0]] for n in names}
    gradients = {}
    for label, function in (("original", original), ("fixed", fixed)):
        args = {k: backend.array(v, "float32", grad=True) for k, v in inputs.items()}
        grads = backend.gradient(function, args, ())
        gradients[label] = float(backend.np.asarray(grads[names.index(target)]).ravel()[0])
    assert math.isnan(gradients["original"]), gradients
    assert math.isfinite(gradients["fixed"]), gradients
