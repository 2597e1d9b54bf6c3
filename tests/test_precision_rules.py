"""The comparison and precision rules (NL6xx): decisions their examples do not pin down."""

import pytest

from numlint import Config, check_source, fix_source
from numlint.engine import prefilter
from numlint.engine.registry import rules_by_code

from conftest import dedent


def findings(code: str, source: str):
    return [d for d in check_source(dedent(source), "m.py", Config(select=(code,)))
            if d.code == code]


def fixed(code: str, source: str, unsafe: bool = True) -> str:
    return fix_source(dedent(source), "m.py", Config(select=(code,)), unsafe=unsafe).source.text


# -- NL601 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "import numpy as np\nm = x == np.nan\n",
    "import numpy\nm = x != numpy.NaN\n",
    "from numpy import nan\nm = x == nan\n",
    "import math\nm = x == math.nan\n",
    "m = x == float('nan')\n",
    "m = x != float(\"NaN\")\n",
    "m = x == float('-nan')\n",
    "MISSING = float('NAN')\ndef f(x):\n    return x == MISSING\n",
    "import torch\nm = torch.eq(x, torch.nan)\n",
])
def test_nan_comparisons_pass_the_prefilter_and_are_found(source):
    rule = rules_by_code()["NL601"]
    assert prefilter.may_fire(source, (rule,))
    assert len(findings("NL601", source)) == 1


@pytest.mark.parametrize("source", [
    "m = x == y\n",
    "import numpy as np\nm = x == np.inf\n",
    "m = x == float('inf')\n",
    "import numpy as np\nm = np.isnan(x)\n",
    "m = x != x\n",
])
def test_other_comparisons_are_not(source):
    assert findings("NL601", source) == []


def test_a_file_without_nan_is_not_analysed():
    rule = rules_by_code()["NL601"]
    assert not prefilter.may_fire("if a == b or c < d or e is None:\n    pass\n", (rule,))


def test_the_namespace_of_the_fix():
    # The library of the operations that computed x wins over the NaN's.
    assert "torch.isnan(y)" in fixed("NL601", """
        import numpy as np
        import torch

        def f(x):
            y = torch.exp(x)
            return y == np.nan
        """)
    # A Python NaN against a value of unknown type in array code: no fix.
    code = """
        import torch

        def f(loss):
            return loss == float("nan")
        """
    assert findings("NL601", code) and findings("NL601", code)[0].fix is None
    # Two array libraries and an unknown x: no fix.
    code = """
        import numpy as np
        import torch

        def f(x):
            return x == np.nan
        """
    assert findings("NL601", code)[0].fix is None


def test_not_on_a_python_scalar_and_tilde_on_arrays():
    assert "not math.isnan(r)" in fixed("NL601", "def f(r):\n    return r != float('nan')\n")
    assert "~np.isnan(x)" in fixed("NL601", "import numpy as np\nm = x != np.nan\n")


def test_a_chain_is_reported_without_a_fix():
    found = findings("NL601", "import numpy as np\nm = a == x == np.nan\n")
    assert len(found) == 1 and found[0].fix is None


def test_a_bare_assert_is_reported_an_assertion_helper_is_not():
    assert findings("NL601", "import numpy as np\nassert x != np.nan\n")
    assert not findings("NL601", "import numpy as np\nassert_equal(x == np.nan, y)\n")


# -- NL602 ------------------------------------------------------------------------------------

def test_float64_is_numpys_default_and_float32_only_where_the_function_names_it():
    assert not findings("NL602", "import numpy as np\ndef f(p):\n    return np.log(1e-10 + 1 - p)\n")
    assert findings("NL602", """
        import numpy as np

        def f(p):
            p = np.asarray(p, dtype="float32")
            return np.log(1e-10 + 1 - p)
        """)


def test_float64_named_in_a_torch_function_is_not_judged_in_float32():
    assert findings("NL602", "import torch\ndef f(p):\n    return torch.log(1e-10 + 1 - p)\n")
    assert not findings("NL602", """
        import torch

        def f(p):
            p = p.double()
            return torch.log(1e-10 + 1 - p)
        """)


@pytest.mark.parametrize("eps,found", [(1e-40, True), (1e-37, False)])
def test_tensorflow_flushes_float32_subnormals(eps, found):
    code = f"import tensorflow as tf\ndef f(p):\n    return tf.math.log(p + {eps})\n"
    assert bool(findings("NL602", code)) is found
    # NumPy and PyTorch keep subnormals: 1e-40 is not 0 there.
    assert not findings("NL602", f"import torch\ndef f(p):\n    return torch.log(p + {eps})\n")


# -- NL603 and NL605 ------------------------------------------------------------------------------

def test_arccos_of_a_correlation_and_of_unit_vectors():
    assert findings("NL603", """
        import numpy as np

        def angle(x, y):
            return np.arccos(np.mean(x * y) / (np.std(x) * np.std(y)))
        """)
    assert findings("NL603", """
        import numpy as np

        def angle(a, b):
            u = a / np.linalg.norm(a, axis=-1, keepdims=True)
            v = b / np.linalg.norm(b, axis=-1, keepdims=True)
            return np.arccos(u @ v.T)
        """)
    # A bias makes F.linear something other than a cosine.
    assert not findings("NL603", """
        import torch
        import torch.nn.functional as F

        def angle(x, W, b):
            return torch.acos(F.linear(F.normalize(x), F.normalize(W), b))
        """)


@pytest.mark.parametrize("guarded", [
    "    with np.errstate(invalid='ignore'):\n        return np.sqrt(1 - c ** 2)\n",
    "    return np.sqrt(1 - c ** 2) if abs(c) < 1 else 0.0\n",
    "    return np.nan_to_num(np.sqrt(1 - c ** 2))\n",
    "    d = 1 - c ** 2\n    d[d < 0] = 0\n    return np.sqrt(d)\n",
])
def test_a_guarded_square_root_is_not_reported(guarded):
    code = ("import numpy as np\n\ndef sine(a, b):\n"
            "    c = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))\n" + guarded)
    assert not findings("NL605", code)


def test_nl401s_variance_is_not_reported_twice():
    code = """
        import numpy as np

        def std(x):
            return np.sqrt(np.mean(x ** 2) - np.mean(x) ** 2)
        """
    assert findings("NL401", code)
    assert not findings("NL605", code)


# -- NL604 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("module,h,found", [
    ("numpy as np", "1e-12", True),
    ("numpy as np", "1e-9", False),      # float64: above 100x below sqrt(eps)
    ("torch", "1e-7", True),             # float32: sqrt(eps) = 3.5e-4
    ("torch", "1e-5", False),
])
def test_the_step_threshold_follows_the_dtype(module, h, found):
    alias = module.split()[-1]
    code = (f"import {module}\n\ndef d(x):\n"
            f"    return ({alias}.exp(x + {h}) - {alias}.exp(x)) / {h}\n")
    assert bool(findings("NL604", code)) is found


def test_an_integer_step_beyond_any_float_is_no_failure():
    """Found by the site-packages sweep (sympy's tests): `float()` of a 401-digit literal
    overflows; the rule must stay silent, not fail (NL905)."""
    huge = "1" + "0" * 400
    source = f"y = (f(x + {huge}) - f(x)) / {huge}\n"
    found = check_source(source, "m.py", Config(select=("NL604",)))
    assert found == []
