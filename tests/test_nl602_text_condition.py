"""NL602's text condition (`_may_lose_an_epsilon`) lets through every spelling of the sum the
rule reports, `(A + B) - x`, and stops modules that only hold a small and a large number."""

import importlib
import textwrap

import pytest

from numlint.engine import prefilter
from numlint.engine.check import check_source
from numlint.engine.registry import all_rules
from numlint.run.config import Config

_may_lose_an_epsilon = importlib.import_module(
    type(next(r for r in all_rules() if r.code == "NL602")).__module__)._may_lose_an_epsilon

REPORTED = {
    "operators": "torch.log(1e-10 + 1 - p)",
    "parenthesized": "torch.log((1 + 1e-10) - p)",
    "a name": "torch.log(1 + EPS - p)",
    "an attribute": "torch.log(1 + cfg.EPS - p)",
    "a signed term": "torch.log(2 + +1e-10 - p)",
    "a parenthesized term": "torch.log(1 + (1e-10) - p)",
    "a comment between": "torch.log((1 + 1e-10  # guard\n                      ) - p)",
    "a continuation": "torch.log(1 + 1e-10 \\\n        - p)",
    "an add call": "torch.log(torch.add(1, 1e-10) - p)",
    "a sub call": "torch.log(torch.sub(1 + 1e-10, p))",
    "a sub method": "torch.log((1 + 1e-10).sub(p))",
    "a subtract call of an add call": "torch.log(torch.subtract(torch.add(1, 1e-10), p))",
}


def _module(expression: str) -> str:
    return textwrap.dedent("""\
        import torch

        EPS = 1e-10

        def f(p, cfg):
            return {}
        """).format(expression)


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_every_spelling_of_the_sum_passes_the_text_condition(name):
    text = _module(REPORTED[name])
    assert _may_lose_an_epsilon(text)
    config = Config(select=("NL602",))
    filtered = [(d.code, d.start) for d in check_source(text.encode(), "m.py", config)]
    prefilter.ENABLED = False
    try:
        full = [(d.code, d.start) for d in check_source(text.encode(), "m.py", config)]
    finally:
        prefilter.ENABLED = True
    assert filtered == full
    if name not in ("a sub call", "a sub method", "a subtract call of an add call",
                    "an attribute"):
        assert [code for code, _ in full] == ["NL602"]  # the rule reports these spellings


@pytest.mark.parametrize("expression", [
    "torch.log(p + 1e-10) + [i + 1, 1000]",        # `+ 1,` in a module that subtracts nothing
    "torch.log(p[i + 1:] + 1e-10) * 1000",         # `i + 1` followed by `:`
    "torch.log(1 + f(1e-10) - p)",                  # a call is no number
])
def test_a_small_and_a_large_number_alone_do_not_pass(expression):
    assert not _may_lose_an_epsilon(_module(expression).replace("EPS = 1e-10\n", ""))
