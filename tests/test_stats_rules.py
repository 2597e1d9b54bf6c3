"""NL401 variance-by-cancellation and NL402 normalization-without-epsilon, beyond their examples.

The examples check what is reported and the exact fixed text (tests/test_rules.py), and their
proofs execute every fix (tests/test_proof_*.py, `numlint.authoring.proof`). Here: the claim that the
epsilon floor changes nothing above the floor (bit for bit, not to a tolerance), the epsilon's
representability, and behaviours too fine-grained for the documentation: where a fix comes
from and when it is withheld.
"""

from __future__ import annotations

import ast
import importlib
import struct
import textwrap

import pytest

from numlint import Config, check_source, fix_source

from numlint.authoring import proof
from numlint.engine.registry import rules_by_code

RULES = rules_by_code()
NL402_EPS = float(importlib.import_module(type(RULES["NL402"]).__module__).EPS)


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def check(code: str, source: str):
    return check_source(dedent(source), "example.py", Config(select=(code,)))


def fixed(code: str, source: str, unsafe: bool = False) -> str:
    return fix_source(dedent(source), "example.py", Config(select=(code,)),
                      unsafe=unsafe).source.text


def proven(code: str):
    rule = RULES[code]
    return [pytest.param(rule, example, id=f"{code}-{example.framework}-{index}")
            for index, example in enumerate(rule.examples) if example.proof is not None]


@pytest.mark.parametrize("rule,example", proven("NL402"))
def test_epsilon_floor_is_bit_identical_above_the_floor(rule, example):
    """On the proofs' benign inputs every divisor is far above the floor: the fixed code returns
    exactly what the original returns, in float64 and float32."""
    missing = proof.missing_modules(example.framework)
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    backend = proof.Backend(example.framework)
    original = proof.load(example.code, example.proof.function)
    replacement = proof.load(proof.fixed_code(rule, example), example.proof.function)
    for seed in range(3):
        benign = proof.benign_inputs(example.proof, seed)
        for dtype in ("float64", "float32"):
            before = proof.run(original, backend, benign, example.proof, dtype)
            after = proof.run(replacement, backend, benign, example.proof, dtype)
            assert backend.np.array_equal(before, after), (dtype, benign, before, after)


# -- NL401 ----------------------------------------------------------------------------------------

def test_variance_method_of_unknown_library_is_written_in_the_module_framework():
    """`x.mean()` on a receiver of unknown library, in a PyTorch module: the fix is PyTorch's
    method, with its population correction."""
    assert fixed("NL401", """
        import torch

        def f(x):
            return (x ** 2).mean(1) - x.mean(1) ** 2
        """) == dedent("""
        import torch

        def f(x):
            return x.var(1, correction=0)
        """)


def test_variance_keepdims_positional_in_torch_becomes_a_keyword():
    """`torch.var`'s third positional parameter is not `keepdim`: it is passed by keyword."""
    assert fixed("NL401", """
        import torch

        def f(x):
            return torch.mean(x * x, 1, True) - torch.mean(x, 1, True) ** 2
        """) == dedent("""
        import torch

        def f(x):
            return torch.var(x, 1, keepdim=True, correction=0)
        """)


@pytest.mark.parametrize("source", [
    # different keepdims: the subtraction broadcasts to a matrix, not a variance
    """
    import numpy as np

    def f(x):
        return np.mean(x**2, axis=1, keepdims=True) - np.mean(x, axis=1) ** 2
    """,
    # a cube, not a square
    """
    import numpy as np

    def f(x):
        return np.mean(x**3) - np.mean(x) ** 2
    """,
    # sums over different counts
    """
    import numpy as np

    def f(x, n, m):
        return np.sum(x**2) / n - (np.sum(x) / m) ** 2
    """,
])
def test_variance_not_reported(source):
    assert check("NL401", source) == []


def test_variance_reported_without_fix_when_the_mean_has_other_arguments():
    found = check("NL401", """
        import numpy as np

        def f(x):
            return np.mean(x**2, dtype=np.float64) - np.mean(x, dtype=np.float64) ** 2
        """)
    assert [d.code for d in found] == ["NL401"] and found[0].fix is None


def test_variance_sum_over_a_count_of_another_axis_has_no_fix():
    """`len(x)` counts the first axis; a sum over every element is not divided by it."""
    found = check("NL401", """
        import numpy as np

        def f(x):
            return np.sum(x**2) / len(x) - (np.sum(x) / len(x)) ** 2
        """)
    assert [d.code for d in found] == ["NL401"] and found[0].fix is None


def test_variance_square_root_written_as_a_power():
    assert fixed("NL401", """
        import numpy as np

        def f(x):
            return (np.mean(x * x, axis=0) - np.mean(x, axis=0) ** 2) ** 0.5
        """) == dedent("""
        import numpy as np

        def f(x):
            return np.std(x, axis=0)
        """)


# -- NL402 ----------------------------------------------------------------------------------------

def _half(value: float) -> float:
    """`value` rounded to IEEE float16."""
    return struct.unpack("<e", struct.pack("<e", value))[0]


def test_epsilon_is_representable_in_float16():
    """A floor of 1e-12 or 1e-8 is 0 in float16 and guards nothing."""
    assert _half(NL402_EPS) > 0
    assert _half(1e-12) == 0 and _half(1e-8) == 0  # why the common defaults are not used


def test_epsilon_is_the_smallest_such_power_of_ten():
    """The floor changes results only for divisors below it: keep it as small as float16
    allows."""
    assert _half(NL402_EPS / 10) == 0


@pytest.mark.parametrize("source", [
    # mutated in place with `out=`
    """
    import numpy as np

    def f(x):
        n = np.linalg.norm(x, axis=1, keepdims=True)
        np.maximum(n, 1e-12, out=n)
        return x / n
    """,
    # an in-place clamp
    """
    import torch

    def f(x):
        n = x.norm(dim=1, keepdim=True)
        n.clamp_(min=1e-12)
        return x / n
    """,
    # inside nan_to_num
    """
    import torch

    def f(x):
        return torch.nan_to_num(x / x.sum(dim=1, keepdim=True))
    """,
    # a softmax written in another library: exp of a max-shifted input
    """
    import numpy as np
    import pytensor.tensor as pt

    def f(x):
        e = pt.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    """,
    # a norm of other data
    """
    import numpy as np

    def f(x, y):
        return x / np.linalg.norm(y, axis=1, keepdims=True)
    """,
    # `1 / std`: not a normalization of data
    """
    import numpy as np

    def f(x):
        return 1 / x.std(axis=0)
    """,
    # the norm of a literal
    """
    import numpy as np

    def f():
        return np.array([3.0, 4.0]) / np.linalg.norm([3.0, 4.0], axis=0)
    """,
])
def test_epsilon_not_reported(source):
    assert check("NL402", source) == []


def test_epsilon_normalize_needs_keepdim():
    """Without `keepdim=True`, `x / x.norm(dim=1)` is not `F.normalize(x, dim=1)` (it
    broadcasts differently): the divisor is floored instead."""
    assert fixed("NL402", """
        import torch

        def f(x):
            return x / x.norm(dim=0)
        """, unsafe=True) == dedent("""
        import torch

        def f(x):
            return x / torch.clamp(x.norm(dim=0), min=1e-7)
        """)


def test_epsilon_fix_is_unsafe_only():
    source = """
        import numpy as np

        def f(x):
            return x / np.linalg.norm(x, axis=1, keepdims=True)
        """
    assert fixed("NL402", source) == dedent(source)
    assert fixed("NL402", source, unsafe=True) != dedent(source)


def test_epsilon_no_fix_when_the_library_is_unknown():
    """A method on a value of unknown library, in a module importing two libraries."""
    found = check("NL402", """
        import numpy as np
        import torch

        def f(x):
            return (x - x.mean(0)) / x.std(0)
        """)
    assert [d.code for d in found] == ["NL402"] and found[0].fix is None


def test_epsilon_standardization_with_statistics_of_other_data():
    """`(x_test - mu) / sd` with both statistics of the training data: still reported."""
    found = check("NL402", """
        import numpy as np

        def transform(x_train, x_test):
            mu = x_train.mean(axis=0)
            sd = x_train.std(axis=0)
            return (x_test - mu) / sd
        """)
    assert [d.code for d in found] == ["NL402"]


def test_epsilon_statistics_held_in_attributes():
    """A scaler's statistics set once in `__init__` are followed; one that another method
    repairs in place (`self.scale[self.scale == 0] = 1`) is guarded."""
    source = """
        import numpy as np

        class Scaler:
            def __init__(self, x):
                self.mean = x.mean(axis=0)
                self.scale = x.std(axis=0)

            def transform(self, x):
                return (x - self.mean) / self.scale
        """
    assert [d.code for d in check("NL402", source)] == ["NL402"]
    repaired = source.replace("""
            def transform""", """
            def repair(self):
                self.scale[self.scale == 0] = 1.0

            def transform""")
    assert check("NL402", repaired) == []


def test_epsilon_norm_of_data_rebound_in_between():
    """`x` rebound after its norm was taken: the division is not `x / norm(x)`."""
    assert check("NL402", """
        import numpy as np

        def f(x):
            n = np.linalg.norm(x, axis=1, keepdims=True)
            x = x[:, ::-1] * 2
            return x / n
        """) == []


def test_variance_from_a_sum_of_squares_over_the_axis_length():
    """ESPnet's CMVN: `square_sums = (x**2).sum(0)`, then `square_sums / x.shape[0] - mean**2`
    with `mean = x.mean(0)`: the same moments, a sum divided by its axis's length."""
    source = dedent("""
        import numpy as np

        def cmvn(x):
            square_sums = (x**2).sum(axis=0)
            mean = x.mean(axis=0)
            return square_sums / x.shape[0] - mean**2

        def other_axis(x):
            square_sums = (x**2).sum(axis=0)
            mean = x.mean(axis=0)
            return square_sums / x.shape[1] - mean**2
        """)
    assert [(d.code, d.start.row) for d in check_source(source, "m.py")] == [("NL401", 6)]


# -- NL402 on augmented assignments -----------------------------------------------------------


@pytest.mark.parametrize("before,after", [
    ("x /= n", "x /= np.maximum(n, 1e-7)"),
    ("x[:, :3] /= np.linalg.norm(x[:, :3], axis=1, keepdims=True)",
     "x[:, :3] /= np.maximum(np.linalg.norm(x[:, :3], axis=1, keepdims=True), 1e-7)"),
    ("x /= np.sqrt(x.var(axis=0))", "x /= np.maximum(np.sqrt(x.var(axis=0)), 1e-7)"),
])
def test_epsilon_augmented_division_floors_the_value_only(before, after):
    """`x /= d` becomes `x /= maximum(d, eps)`: the target and the in-place update are kept,
    and the result parses."""
    source = f"""
        import numpy as np

        def f(x):
            n = np.linalg.norm(x, axis=1, keepdims=True)
            {before}
            return x
        """
    assert len(check("NL402", source)) == 1
    result = fixed("NL402", source, unsafe=True)
    assert result == dedent(source.replace(before, after))
    ast.parse(result)


@pytest.mark.parametrize("statement", [
    "x /= np.maximum(n, 1e-7)",
    "x /= 2.0",
    "x *= n",  # a product, not a division
    "n /= x",  # the data divided into its own norm: not a normalization
])
def test_epsilon_augmented_not_reported(statement):
    assert check("NL402", f"""
        import numpy as np

        def f(x):
            n = np.linalg.norm(x, axis=1, keepdims=True)
            {statement}
            return x
        """) == []


def test_epsilon_augmented_division_in_torch_keeps_the_update_in_place():
    """In PyTorch, `x /= x.norm(dim=1, keepdim=True)` is floored in place, not rewritten as
    `F.normalize` (which would rebind the name instead of updating the tensor)."""
    assert fixed("NL402", """
        import torch

        def f(x):
            x /= x.norm(dim=1, keepdim=True)
            return x
        """, unsafe=True) == dedent("""
        import torch

        def f(x):
            x /= torch.clamp(x.norm(dim=1, keepdim=True), min=1e-7)
            return x
        """)


def test_other_rules_report_an_augmented_assignment_without_a_whole_statement_fix():
    """A rule whose fix replaces the operation's node (NL502's `exp(x) - 1` -> `expm1(x)`)
    reports `z -= 1` but offers no fix: an expression cannot replace the statement."""
    source = """
        import numpy as np

        def f(y):
            z = np.exp(y)
            z -= 1
            return z
        """
    found = check_source(dedent(source), "example.py", Config(select=("NL502",)))
    assert [d.code for d in found] == ["NL502"]
    assert found[0].fix is None
    assert fix_source(dedent(source), "example.py", Config(select=("NL502",)),
                      unsafe=True).source.text == dedent(source)


@pytest.mark.parametrize("draw", [
    "random_state.standard_normal((n, d))", "rng.randn(n, d)", "self.rng.normal(size=(n, d))",
])
def test_epsilon_not_reported_for_gaussian_draws_of_a_generator(draw):
    """Gaussian noise drawn from a NumPy generator held in a name is non-zero with
    probability one (scipy's `_sample_uniform_direction`)."""
    assert check("NL402", f"""
        import numpy as np

        def f(self, random_state, rng, n, d):
            v = {draw}
            v /= np.linalg.norm(v, axis=-1, keepdims=True)
            return v
        """) == []


def test_epsilon_reported_for_a_method_named_normal_of_another_object():
    assert len(check("NL402", """
        import numpy as np

        def f(mesh):
            v = mesh.normal(3)
            v /= np.linalg.norm(v, axis=-1, keepdims=True)
            return v
        """)) == 1


def test_naive_softmax_of_an_augmented_assignment_after_a_logsumexp_shift_is_not_reported():
    """`w = exp(lw - logsumexp(lw)); w /= w.sum()` (as pymc's SMC kernel) renormalises weights
    whose exponents are shifted as a softmax's are: NL103, which now sees `/=`, is silent;
    unshifted, it reports the statement (without a fix: the statement is not an expression)."""
    shifted = """
        import numpy as np
        from scipy.special import logsumexp

        def f(lw):
            lw = lw - logsumexp(lw)
            w = np.exp(lw)
            w /= w.sum()
            return w
        """
    assert check("NL103", shifted) == []
    found = check("NL103", shifted.replace("lw = lw - logsumexp(lw)", "pass"))
    assert [(d.code, d.fix) for d in found] == [("NL103", None)]
