"""NL601's text condition (`_may_compare_a_nan`) lets through every way a NaN constant reaches
a comparison the rule reports (beside the operator, through a name, an attribute, an unpacked
tuple, an alias), and stops modules that only fill arrays with NaN, pass it as an argument or
mention it in comments and strings."""

import importlib
import textwrap

import pytest

from numlint.engine import prefilter
from numlint.engine.check import check_source
from numlint.engine.registry import all_rules
from numlint.run.config import Config

_may_compare_a_nan = importlib.import_module(
    type(next(r for r in all_rules() if r.code == "NL601")).__module__)._may_compare_a_nan

# Each is reported by the rule: the module must pass the condition.
REPORTED = {
    "beside ==": "mask = x == np.nan",
    "on the left": "mask = np.nan != x",
    "is": "flag = x is np.nan",
    "is not": "flag = x is not np.nan",
    "parenthesized": "mask = x == (np.nan)",
    "across lines": "mask = (x ==\n            np.nan)",
    "a continuation": "mask = x == \\\n        np.nan",
    "float('nan')": "mask = x == float('nan')",
    "float(' +NaN ')": "mask = x == float(' +NaN ')",
    "a name": "MISSING = np.nan\n    mask = x == MISSING",
    "an annotated name": "MISSING: float = np.nan\n    mask = x == MISSING",
    "a tuple unpacked": "lo, hi = 0.0, np.nan\n    mask = x == hi",
    "a list unpacked": "lo, hi = [0.0, np.nan]\n    mask = x == hi",
    "a nested tuple unpacked": "lo, (a, b) = 0.0, (1.0, np.nan)\n    mask = x == b",
    "after a semicolon": "lo = 0; m = np.nan\n    mask = x == m",
    "beside a comment": "mask = (x ==  # why\n            np.nan)",
}
ATTRIBUTE = """\
    import numpy as np

    class Imputer:
        def __init__(self):
            self.missing = np.nan

        def mask(self, x):
            return x == self.missing
    """
ALIAS = """\
    import numpy as np
    from numpy import nan as NA

    def f(x):
        return x == NA
    """


def _module(body: str) -> str:
    return textwrap.dedent("""\
        import numpy as np

        def f(x):
            {}
            return mask
        """).format(body)


def _agree(text: str):
    config = Config(select=("NL601",))
    filtered = [(d.code, d.start) for d in check_source(text.encode(), "m.py", config)]
    prefilter.ENABLED = False
    try:
        full = [(d.code, d.start) for d in check_source(text.encode(), "m.py", config)]
    finally:
        prefilter.ENABLED = True
    assert filtered == full
    return full


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_every_way_to_compare_a_nan_passes_the_text_condition(name):
    text = _module(REPORTED[name])
    assert _may_compare_a_nan(text)
    assert [code for code, _ in _agree(text)] == ["NL601"]


@pytest.mark.parametrize("text", [ATTRIBUTE, ALIAS], ids=["attribute", "alias"])
def test_a_nan_held_by_an_attribute_or_an_alias_passes(text):
    text = textwrap.dedent(text)
    assert _may_compare_a_nan(text)
    assert [code for code, _ in _agree(text)] == ["NL601"]


# None can be reported: the condition must stop them (the module writes `==` and `np.nan`).
SILENT = {
    "a subscript filled": "X[mask] = np.nan\n    ok = x == 0",
    "a loc filled": 'df.loc[1, "a"] = np.nan\n    ok = x == 0',
    "an augmented subscript": "X[0] += np.nan\n    ok = x == 0",
    "a keyword argument": "y = x.fillna(value=np.nan)\n    ok = x == 0",
    "a keyword argument on its own line": "y = x.fillna(\n        value=np.nan,\n    )\n"
                                          "    ok = x == 0",
    "an argument": "y = np.full(3, np.nan)\n    ok = x == 0",
    "a list bound whole": "y = [1.0, np.nan]\n    ok = x == y",
    "a list compared": "ok = x == [np.nan]",
    "a returned tuple": "ok = x == 0\n    return 1.0, np.nan",
    "an order": "ok = x < np.nan",
    "a comment": "ok = x == 0  # np.nan == x is never true",
    "a docstring": '"""Fill with np.nan where missing."""\n    ok = x == 0',
    "elements of a list over lines": "y = [\n        1.0,\n        np.nan,\n    ]\n    ok = x == y",
    "arguments over lines": "y = np.full(\n        3,\n        np.nan,\n    )\n    ok = x == 0",
    "an f-string": 'ok = x == 0\n    print(f"{x} == nan")',
    "a default": "def g(y=np.nan):\n        return y\n    ok = x == 0",
    "a dict value": 'ok = x == 0\n    d = {"fill": np.nan}',
    "a string that is not a call's argument": 'ok = x == "nan"',
    "a method of nan": "ok = x == np.nan.real",
}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_modules_that_cannot_compare_a_nan_are_stopped(name):
    text = _module(SILENT[name])
    assert not _may_compare_a_nan(text)
    assert _agree(text) == []


def test_a_walrus_passes():
    """The model does not follow a walrus's name yet; the condition keeps such a module."""
    assert _may_compare_a_nan(_module("if (m := np.nan) is not None:\n        mask = x == m"))


_lexed = importlib.import_module(
    type(next(r for r in all_rules() if r.code == "NL601")).__module__)._lexed


@pytest.mark.parametrize("text", [
    "ok = (x == 0\ny = [\n    np.nan]\n",        # unbalanced: not read
    "ok = x == 0)\ny = [\n    np.nan]\n",        # a closing bracket without its opening one
])
def test_what_the_whole_text_cannot_read_passes(text):
    """A NaN whose line cannot tell sends the whole text to `_lexed`; a text whose brackets
    do not match is kept (it does not parse: no rule runs on it anyway)."""
    assert _lexed("import numpy as np\n" + text)
    assert _may_compare_a_nan("import numpy as np\n" + text)


def test_a_docstring_that_reads_like_a_comparison_is_kept():
    """Judged from its line, prose that reads `x == np.nan` is kept (the cheap answer)."""
    assert _may_compare_a_nan(_module('"""x == np.nan is never true."""\n    ok = x == 0'))
