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
