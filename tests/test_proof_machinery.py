"""The proof harness itself: it must catch a wrong fix, an example whose extreme input does
not break the original, and a fix with a non-finite gradient."""

import pytest

from numlint.authoring import proof
from numlint.engine.registry import find_rule
from numlint.engine.rule import bad

np = pytest.importorskip("numpy")
pytest.importorskip("scipy")

RULE = find_rule("NL102")
CODE = """
import numpy as np

def log_partition(scores):
    return np.log(np.sum(np.exp(scores), axis=1))
"""
GOOD_PROOF = proof.Proof(extreme={"scores": [[1000.0, 1000.0], [-1000.0, -1001.0]]},
                         reference="scipy.special.logsumexp(scores, axis=1)")


def example(proof_, code=CODE):
    return bad("numpy", code, "", proof=proof_)


def test_a_correct_fix_is_proven():
    proof.check(RULE, example(GOOD_PROOF))


def test_a_fix_reducing_the_wrong_axis_is_caught(monkeypatch):
    monkeypatch.setattr(proof, "fixed_code", lambda rule, ex: ex.code.replace(
        "np.log(np.sum(np.exp(scores), axis=1))", "np.logaddexp.reduce(scores, axis=0)"))
    with pytest.raises(proof.ProofError, match=r"NL102 log-sum-exp \[numpy\] float64: on "
                                               r"benign input"):
        proof.check(RULE, example(GOOD_PROOF))


def test_a_fix_that_still_overflows_is_caught(monkeypatch):
    monkeypatch.setattr(proof, "fixed_code", lambda rule, ex: ex.code)
    with pytest.raises(proof.ProofError, match="on the extreme input"):
        proof.check(RULE, example(GOOD_PROOF))


def test_an_extreme_input_that_does_not_break_the_original_is_caught():
    tame = proof.Proof(extreme={"scores": [[1.0, 2.0], [3.0, 4.0]]},
                       reference="scipy.special.logsumexp(scores, axis=1)")
    with pytest.raises(proof.ProofError, match="does not break the original"):
        proof.check(RULE, example(tame))


def test_a_wrong_reference_is_caught():
    wrong = proof.Proof(extreme=GOOD_PROOF.extreme,
                        reference="scipy.special.logsumexp(scores, axis=0)")
    with pytest.raises(proof.ProofError):
        proof.check(RULE, example(wrong))


def test_a_nan_gradient_is_caught(monkeypatch):
    pytest.importorskip("torch")
    code = """
    import torch

    def log_partition(scores):
        return torch.log(torch.sum(torch.exp(scores), dim=1))
    """
    # A "fix" that is finite on the extreme input but whose gradient is NaN there.
    monkeypatch.setattr(proof, "fixed_code", lambda rule, ex: ex.code.replace(
        "torch.log(torch.sum(torch.exp(scores), dim=1))",
        "torch.logsumexp(scores, dim=1) + 0 * torch.sqrt(scores - scores).sum(1)"))
    torch_proof = proof.Proof(extreme=GOOD_PROOF.extreme, reference=GOOD_PROOF.reference)
    with pytest.raises(proof.ProofError, match="gradient"):
        proof.check(RULE, bad("torch", code, "", proof=torch_proof))


# -- accuracy proofs: errors in ulps of an exact (mpmath) value -------------------------------

LOG1P_CODE = """
import numpy as np

def log_one_plus(x):
    return np.log(1 + x)
"""
LOG1P_PROOF = proof.Proof(extreme={"x": [1e-10, -3e-12, 1e-17]}, reference="np.log1p(x)",
                          exact="mpmath.log1p(x)")


def with_fix(monkeypatch, fixed):
    monkeypatch.setattr(proof, "fixed_code", lambda rule, ex: ex.code.replace(
        "np.log(1 + x)", fixed))


def test_an_accurate_fix_is_proven(monkeypatch):
    pytest.importorskip("mpmath")
    with_fix(monkeypatch, "np.log1p(x)")
    proof.check(RULE, example(LOG1P_PROOF, LOG1P_CODE))


def test_a_fix_that_is_finite_but_not_accurate_is_caught(monkeypatch):
    """The finiteness check alone would pass this fix: it is finite, exact on benign inputs
    and within 1e-13 of the true value on the extreme ones, yet hundreds of ulps off there."""
    pytest.importorskip("mpmath")
    with_fix(monkeypatch, "np.log1p(x) + 1e-30")
    with pytest.raises(proof.ProofError, match=r"float64: on the extreme input .* ulps from "
                                               r"the exact value"):
        proof.check(RULE, example(LOG1P_PROOF, LOG1P_CODE))


def test_a_fix_less_accurate_than_the_original_on_benign_input_is_caught(monkeypatch):
    pytest.importorskip("mpmath")
    # Exact for tiny x (the extreme input), wrong by 1e-9 for ordinary ones.
    with_fix(monkeypatch, "np.log1p(x) + 1e-9 * x ** 2")
    with pytest.raises(proof.ProofError, match="on benign input .* less accurate than the "
                                               "original"):
        proof.check(RULE, example(LOG1P_PROOF, LOG1P_CODE))


def test_an_input_on_which_the_original_loses_few_bits_is_caught(monkeypatch):
    pytest.importorskip("mpmath")
    with_fix(monkeypatch, "np.log1p(x)")
    tame = proof.Proof(extreme={"x": [0.5, 2.0]}, reference="np.log1p(x)",
                       exact="mpmath.log1p(x)")
    with pytest.raises(proof.ProofError, match="does not break the original: it loses"):
        proof.check(RULE, example(tame, LOG1P_CODE))


def test_ulp_errors_and_bits_lost():
    mpmath = pytest.importorskip("mpmath")
    exact = proof.exact_values(LOG1P_PROOF, {"x": [1e-17]}, "float64")
    assert float(exact[0]) == 1e-17
    assert proof.ulp_errors(np.array([1e-17]), exact, "float64")[0] < 0.5  # correctly rounded
    naive = proof.ulp_errors(np.array([0.0]), exact, "float64")
    assert naive[0] == pytest.approx(1e-17 / np.spacing(1e-17))
    assert proof.bits_lost(naive) == pytest.approx(52, abs=1)
    assert proof.bits_lost(proof.ulp_errors(np.array([np.inf]), exact, "float64")) == np.inf
    # Where the function has no real value, a NaN result is exact.
    undefined = proof.exact_values(LOG1P_PROOF, {"x": [-2.0]}, "float64")
    assert mpmath.isnan(undefined[0])
    assert proof.ulp_errors(np.array([np.nan]), undefined, "float64")[0] == 0


# -- proofs by the original's gradient -----------------------------------------------------------

SIGMOID_CODE = """
import torch

def sigmoid(x):
    return 1 / (1 + torch.exp(-x))
"""


def test_a_naive_gradient_proof_needs_a_nan_gradient_of_the_original(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setattr(proof, "fixed_code", lambda rule, ex: ex.code.replace(
        "1 / (1 + torch.exp(-x))", "torch.sigmoid(x)"))
    breaking = proof.Proof(extreme={"x": [-1000.0, 0.5]}, reference="scipy.special.expit(x)",
                           naive_gradient=True)
    proof.check(RULE, bad("torch", SIGMOID_CODE, "", proof=breaking))
    tame = proof.Proof(extreme={"x": [-10.0, 0.5]}, reference="scipy.special.expit(x)",
                       naive_gradient=True)
    with pytest.raises(proof.ProofError, match="does not break the original's gradient"):
        proof.check(RULE, bad("torch", SIGMOID_CODE, "", proof=tame))
