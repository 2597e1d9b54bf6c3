"""Shared by the proof modules (`test_proof_<framework>.py`): the examples to execute per
framework, and how a missing framework is handled (skipped locally with its reason; a failure
when NUMLINT_REQUIRE_FRAMEWORKS=1, as in CI)."""

import os

import pytest

from numlint.authoring import proof

REQUIRED = os.environ.get("NUMLINT_REQUIRE_FRAMEWORKS") == "1"


def cases(framework: str):
    """`(rule, example)` for every example with a proof in `framework`."""
    return [pytest.param(rule, example, id=key)
            for key, rule, example in proof.examples_of(framework)]


def require(framework: str) -> None:
    missing = proof.missing_modules(framework)
    if missing:
        message = (f"{framework} proofs need {', '.join(missing)}: "
                   f"pip install -e '.[verify]'")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
