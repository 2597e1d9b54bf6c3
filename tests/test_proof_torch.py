"""Every fix of every rule with a torch example, proven by executing it (see numlint.proof)."""

import pytest

from numlint import proof

from proofs import cases, require

FRAMEWORK = "torch"


@pytest.mark.parametrize("rule,example", cases(FRAMEWORK))
def test_fix_is_proven(rule, example):
    require(FRAMEWORK)
    proof.check(rule, example)
