"""Every fix of every rule with a Keras example, proven by executing it (see numlint.authoring.proof).

Keras chooses its backend when first imported, and on the TensorFlow backend its losses recover
the logits of a Keras softmax, hiding the hazard; so these proofs run in a separate interpreter
on the JAX backend (`numlint.authoring.proof.run_isolated`), once for the module."""

import pytest

from numlint.authoring import proof

from proofs import require

FRAMEWORK = "keras"
CASES = [key for key, _, _ in proof.examples_of(FRAMEWORK)]


@pytest.fixture(scope="module")
def results():
    require(FRAMEWORK)
    require("jax")
    return proof.run_isolated(FRAMEWORK)


@pytest.mark.parametrize("key", CASES)
def test_fix_is_proven(key, results):
    assert results[key] is None, results[key]
