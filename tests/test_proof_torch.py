"""Every fix of every rule with a torch example, proven by executing it (see numlint.authoring.proof)."""

import pytest

from numlint.authoring import proof

from proofs import cases, require

FRAMEWORK = "torch"


@pytest.mark.parametrize("rule,example", cases(FRAMEWORK))
def test_fix_is_proven(rule, example):
    require(FRAMEWORK)
    proof.check(rule, example)
