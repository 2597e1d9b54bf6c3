"""Operators written as functions and methods, and the module spellings real packages use.

`torch.add(a, b)`, `np.multiply(a, b)`, `tf.math.divide(a, b)` and `x.exp().add(1).log()` are the
operators' kinds with `left` and `right` operands, so every rule reading `a + b` reads them;
a call whose operands cannot be read (`alpha=`, `out=`, `rounding_mode=`) is no operation.
The Keras backend (`K.log`, `tf.keras.backend.sum`) is TensorFlow, Trax's `fastmath.numpy` is
JAX's NumPy.
"""

import ast
import textwrap

import pytest

from numlint.engine.check import check_source, fix_source
from numlint.engine.semantic.model import SemanticModel
from numlint.engine.settings import Config


def _ops(code):
    tree = ast.parse(textwrap.dedent(code))
    model = SemanticModel(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return model, {ast.unparse(c): model.op(c) for c in calls}


def _codes(code, select):
    config = Config(select=tuple(select))
    return [d.code for d in check_source(textwrap.dedent(code), "m.py", config)]


def _fixed(code, select, unsafe=False):
    config = Config(select=tuple(select))
    return fix_source(textwrap.dedent(code), "m.py", config, unsafe=unsafe).source.text


@pytest.mark.parametrize("call, kind, left, right", [
    ("torch.add(1, x)", "add", "1", "x"),
    ("torch.sub(a, b)", "sub", "a", "b"),
    ("torch.true_divide(a, b)", "div", "a", "b"),
    ("np.multiply(a, b)", "mul", "a", "b"),
    ("np.divide(a, b)", "div", "a", "b"),
    ("jnp.subtract(a, b)", "sub", "a", "b"),
    ("tf.math.divide(a, b)", "div", "a", "b"),
    ("tf.add(a, b, name='s')", "add", "a", "b"),
    ("keras.ops.multiply(a, b)", "mul", "a", "b"),
    ("x.exp().add(1)", "add", "x.exp()", "1"),
    ("torch.exp(h).div(n)", "div", "torch.exp(h)", "n"),
    ("np.power(x, 2)", "pow", "x", "2"),
])
def test_function_and_method_forms_have_operands(call, kind, left, right):
    model, ops = _ops(f"""
        import numpy as np, torch, keras
        import tensorflow as tf
        import jax.numpy as jnp
        y = {call}
        """)
    op = ops[call]
    assert op is not None and op.kind == kind
    assert ast.unparse(op.left) == left and ast.unparse(op.right) == right


@pytest.mark.parametrize("call", [
    "torch.add(a, b, alpha=2)", "torch.div(a, b, rounding_mode='floor')",
    "np.divide(1, x, out=y)", "x.exp().sub(b, alpha=0.5)", "np.add(*pair)",
    "X.multiply(X)", "df.sub(df.mean())",
])
def test_calls_whose_operands_cannot_be_read_are_no_operation(call):
    model, ops = _ops(f"""
        import numpy as np, torch
        y = {call}
        """)
    assert ops[call] is None


def test_method_chain_is_a_softplus():
    code = """
        import torch

        def free_energy(wx_b):
            return -wx_b.exp().add(1).log().sum(1)
        """
    assert _codes(code, ["NL503"]) == ["NL503"]
    assert "torch.nn.functional.softplus(wx_b).sum(1)" in _fixed(code, ["NL503"], unsafe=True)


def test_function_forms_reach_the_rules():
    code = """
        import torch

        def f(x, emb):
            norms = torch.norm(emb, p=2, dim=-1, keepdim=True)
            return torch.sub(torch.exp(x), 1), torch.div(emb, norms), torch.div(1, torch.add(1, torch.exp(-x)))
        """
    assert sorted(_codes(code, ["NL402", "NL502", "NL504"])) == ["NL402", "NL502", "NL504"]
    assert "torch.expm1(x)" in _fixed(code, ["NL502"])


def test_keras_backend_is_tensorflow():
    code = """
        import tensorflow as tf
        from keras import backend as K

        def f(x):
            return K.log(K.softmax(x)), tf.keras.backend.exp(x) - 1
        """
    assert sorted(_codes(code, ["NL101", "NL502"])) == ["NL101", "NL502"]
    fixed = _fixed(code, ["NL101", "NL502"])
    assert "tf.nn.log_softmax(x)" in fixed and "tf.math.expm1(x)" in fixed


def test_keras_backend_without_tensorflow_gets_no_fix():
    code = """
        from keras import backend as K

        def f(x):
            return K.exp(x) - 1
        """
    assert _codes(code, ["NL502"]) == ["NL502"]
    assert _fixed(code, ["NL502"]) == textwrap.dedent(code)


def test_trax_fastmath_is_jax_numpy_fixed_through_trax():
    code = """
        from trax import fastmath
        from trax.fastmath import numpy as jnp

        def f(x):
            return jnp.exp(x) - 1, jnp.log(fastmath.sigmoid(x)), jnp.log(jnp.sum(jnp.exp(x)))
        """
    assert sorted(_codes(code, ["NL102", "NL502", "NL505"])) == ["NL102", "NL502", "NL505"]
    # Written through the module's own Trax names; a log-sigmoid, which Trax does not spell,
    # gets no fix (JAX is not imported).
    fixed = _fixed(code, ["NL102", "NL502", "NL505"])
    assert "return jnp.expm1(x), jnp.log(fastmath.sigmoid(x)), fastmath.logsumexp(x)" in fixed
    assert "import jax" not in fixed


def test_torch_moments_with_unbiased_are_moments():
    model, ops = _ops("""
        import torch
        a = torch.std(x, 1, keepdim=True, unbiased=False)
        b = x.var(dim=0, unbiased=False)
        """)
    assert ops["torch.std(x, 1, keepdim=True, unbiased=False)"].kind == "std"
    assert ops["x.var(dim=0, unbiased=False)"].kind == "var"
    code = """
        import torch

        def standardize(x):
            return (x - x.mean(1, keepdim=True)) / torch.std(x, 1, keepdim=True, unbiased=False)
        """
    assert _codes(code, ["NL402"]) == ["NL402"]
