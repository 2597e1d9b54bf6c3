"""Libraries that spell another library's API on arrays of their own (CuPy and MXNet's NumPy:
`numlint.engine.table.spellings`): their calls are NumPy's operations, and a fix of their code
is written with the library the code uses, through the module's own imports of it, or not at
all. Other spellings of a module (`tensorflow.compat.v2 as tf`) are reused the same way."""

import textwrap

import pytest

from numlint.authoring import proof
from numlint.engine import table
from numlint.engine.check import check_source, fix_source
from numlint.engine.registry import all_rules
from numlint.engine.settings import Config


def _codes(code, select):
    return [d.code for d in check_source(textwrap.dedent(code), "m.py",
                                         Config(select=tuple(select)))]


def _fixed(code, select, unsafe=False):
    return fix_source(textwrap.dedent(code), "m.py", Config(select=tuple(select)),
                      unsafe=unsafe).source.text


def test_cupy_code_is_fixed_with_cupy_beside_numpy():
    code = """
        import numpy as np
        import cupy as cp

        def f(x, a, b):
            return cp.exp(x) - 1, np.exp(x) - 1, cp.log(cp.exp(a) + cp.exp(b))
        """
    assert sorted(_codes(code, ["NL502", "NL506"])) == ["NL502", "NL502", "NL506"]
    fixed = _fixed(code, ["NL502", "NL506"])
    assert "return cp.expm1(x), np.expm1(x), cp.logaddexp(a, b)" in fixed


def test_a_comparison_with_cupy_nan_is_fixed_in_cupy():
    # The NaN constant names the library of the arrays compared: `cp.isnan`, never NumPy's
    # (not imported) and never nothing.
    code = """
        import cupy as cp

        def f(x, y):
            return cp.where(x == cp.nan, 0, x), y != cp.nan
        """
    assert _codes(code, ["NL601"]) == ["NL601", "NL601"]
    fixed = _fixed(code, ["NL601"], unsafe=True)
    assert "return cp.where(cp.isnan(x), 0, x), ~cp.isnan(y)" in fixed \
        or "return cp.where(cp.isnan(x), 0, x), cp.logical_not(cp.isnan(y))" in fixed, fixed
    assert "numpy" not in fixed
    both = """
        import numpy as np
        import cupy as cp

        def f(x, y):
            return x == cp.nan, y == np.nan
        """
    fixed = _fixed(both, ["NL601"], unsafe=True)
    assert "return cp.isnan(x), np.isnan(y)" in fixed, fixed


def test_cupyx_special_is_reused_or_imported_from_cupyx():
    code = """
        import cupy as cp
        import cupyx.scipy.special as cps

        def f(x):
            return cp.log(cp.sum(cp.exp(x), axis=1)), 1 - cps.erf(x)
        """
    fixed = _fixed(code, ["NL102", "NL513"])
    assert "return cps.logsumexp(x, axis=1), cps.erfc(x)" in fixed
    alone = """
        import cupy as cp

        def f(x):
            return cp.log(cp.sum(cp.exp(x), axis=1))
        """
    fixed = _fixed(alone, ["NL102"])
    assert "from cupyx.scipy.special import logsumexp" in fixed
    assert "scipy" not in fixed.replace("cupyx.scipy", "")  # never SciPy's on CuPy arrays


def test_numpy_code_in_a_cupy_module_is_not_written_with_cupy():
    code = """
        import numpy as np
        import cupy as cp

        def f(x):
            return np.log(np.exp(x) + np.exp(2 * x))
        """
    assert "np.logaddexp(x, 2 * x)" in _fixed(code, ["NL506"])


def test_cupyx_is_imported_as_a_module_where_the_name_is_taken():
    # cupyx ships with CuPy: a module importing CuPy may import it (never SciPy).
    code = """
        import cupy as cp

        logsumexp = None

        def f(x):
            return cp.log(cp.sum(cp.exp(x)))
        """
    fixed = _fixed(code, ["NL102"])
    assert "import cupyx.scipy.special\n" in fixed
    assert "return cupyx.scipy.special.logsumexp(x)" in fixed


def test_cupy_without_numpy_never_imports_numpy():
    # A pattern with no library call in it (`x.sum()`) has no CuPy spelling to reuse; numpy
    # may not be added to a module that does not import it.
    assert table.spellings_of("numpy:logaddexp.reduce") == []
    assert "cupy:linalg.solve" in table.spellings_of("numpy:linalg.solve")
    assert "cupyx.scipy.special:expit" in table.spellings_of("scipy.special.expit")
    assert table.own_library("cupyx") == "cupy" and table.own_library("numpy") is None


def test_mxnet_numpy_is_numpy_fixed_with_mxnet():
    code = """
        from mxnet import np, npx

        def f(x, a, b):
            return np.exp(x) - 1, np.log(np.exp(a) + np.exp(b))
        """
    assert sorted(_codes(code, ["NL502", "NL506"])) == ["NL502", "NL506"]
    assert "return np.expm1(x), np.logaddexp(a, b)" in _fixed(code, ["NL502", "NL506"])


def test_mxnet_without_the_function_gets_no_fix():
    code = """
        from mxnet import np

        def f(x):
            return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
        """
    assert _codes(code, ["NL515"]) == ["NL515"]
    assert _fixed(code, ["NL515"]) == textwrap.dedent(code)  # `tanh` is not in PROVIDES


def test_tensorflow_compat_v2_is_reused():
    code = """
        import tensorflow.compat.v2 as tf

        def f(x):
            return tf.exp(x) - 1
        """
    fixed = _fixed(code, ["NL502"])
    assert "return tf.math.expm1(x)" in fixed and "import tensorflow\n" not in fixed


def test_trax_fastmath_numpy_is_reused():
    code = """
        from trax.fastmath import numpy as jnp

        def f(x):
            return jnp.exp(x) - 1
        """
    assert "return jnp.expm1(x)" in _fixed(code, ["NL502"])


def test_two_own_libraries_in_one_replaced_expression_get_no_fix():
    code = """
        import cupy as cp
        from mxnet import np

        def f(a, b):
            return cp.log(np.exp(a) + np.exp(b))
        """
    assert _codes(code, ["NL506"]) == ["NL506"]
    assert _fixed(code, ["NL506"]) == textwrap.dedent(code)


def test_provided_names_are_stable_targets():
    """Each name a library is said to provide is a target of the table, so the list stays
    tied to the rewrites it vouches for."""
    targets = {table.Target.qualname(f) for fws in table.STABLE.values()
               for ts in fws.values() for t in ts for f in t.functions}
    for alias, names in table.spellings.PROVIDES.items():
        assert names <= targets, (alias, sorted(names - targets))


@pytest.mark.parametrize("framework", sorted(proof.TEXTUAL))
def test_textual_frameworks_have_examples_that_are_never_executed(framework):
    examples = [(r, e) for r in all_rules() for e in r.examples if e.framework == framework]
    assert examples, f"no {framework} example"
    assert all(e.proof is None for _, e in examples), "a proof would never run"
    assert not list(proof.examples_of(framework))
    assert any(e.fixed is not None for _, e in examples)


def test_pytensor_is_not_read_as_numpy():
    # PyTensor's compiler stabilises these forms itself (`table.spellings`' docstring): read as
    # NumPy, PyMC gave 21 findings, none worth changing.
    code = """
        import pytensor.tensor as pt

        def logp(value, a):
            return pt.log(1 - value ** a) + pt.log(1 + pt.exp(value)) + (pt.exp(a) - 1)
        """
    assert _codes(code, ["NL5"]) == []


def test_numpy_call_on_a_cupy_operand_stays_numpy():
    # The replaced call decides the library, not the operand the fix copies.
    code = """
        import numpy as np
        import cupy as cp

        def f(y):
            return np.exp(cp.asnumpy(y)) - 1
        """
    assert "return np.expm1(cp.asnumpy(y))" in _fixed(code, ["NL502"])
