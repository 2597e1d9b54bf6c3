"""The semantic model: qualified names through every import form, shadowing, and the canonical
operation behind function, method, layer and operator forms."""

import ast

import pytest

from numlint.engine.semantic.model import SemanticModel
from numlint.engine.table.schema import ALL, IMPLICIT, REQUIRED

from conftest import dedent


def calls(source: str):
    """`(unparsed func, qualname, op)` for every call in `source`, in order."""
    model = SemanticModel(ast.parse(dedent(source)))
    found = []
    for node in model.operations:
        if isinstance(node, ast.Call):
            found.append((ast.unparse(node.func), model.qualname(node.func, model.scope_of(node)),
                          model.op(node)))
    return found


def first_op(source: str, text: str):
    """The operation of the first expression whose source is `text`."""
    model = SemanticModel(ast.parse(dedent(source)))
    for node in model.operations:
        if ast.unparse(node) == text:
            return model.op(node)
    raise AssertionError(f"{text!r} not found")


@pytest.mark.parametrize("imports,call,qualname", [
    ("import numpy as np", "np.log(x)", "numpy.log"),
    ("import numpy", "numpy.log(x)", "numpy.log"),
    ("from numpy import log, exp", "log(x)", "numpy.log"),
    ("from numpy import log as ln", "ln(x)", "numpy.log"),
    ("import torch.nn.functional as F", "F.softmax(x, 1)", "torch.nn.functional.softmax"),
    ("from torch.nn import functional as F", "F.softmax(x, 1)", "torch.nn.functional.softmax"),
    ("import torch.nn.functional", "torch.nn.functional.softmax(x, 1)",
     "torch.nn.functional.softmax"),
    ("from torch import sum as tsum", "tsum(x)", "torch.sum"),
    ("import tensorflow as tf", "tf.math.log(x)", "tensorflow.math.log"),
    ("import tensorflow as tf", "tf.log(x)", "tensorflow.log"),
    ("import tensorflow.compat.v1 as tf", "tf.log(x)", "tensorflow.compat.v1.log"),
    ("import jax.numpy as jnp", "jnp.log(x)", "jax.numpy.log"),
    ("import math", "math.log(x)", "math.log"),
    ("from scipy.special import logsumexp", "logsumexp(x)", "scipy.special.logsumexp"),
    ("from numpy import *", "log(x)", "numpy.log"),
    ("", "sum(x)", "builtins.sum"),
])
def test_import_forms(imports, call, qualname):
    (func, resolved, op), = [c for c in calls(f"{imports}\ny = {call}\n") if c[0] == call.split("(")[0]]
    assert resolved == qualname
    assert op is not None


@pytest.mark.parametrize("source", [
    # a parameter, a local, a loop variable, a lambda parameter and a comprehension target
    "import numpy as np\ndef f(np):\n    return np.log(x)\n",
    "import numpy as np\ndef f():\n    np = get()\n    return np.log(x)\n",
    "import numpy as np\nfor np in things:\n    np.log(x)\n",
    "import numpy as np\ng = lambda np: np.log(x)\n",
    "import numpy as np\nys = [np.log(x) for np in things]\n",
    # a module-level reassignment anywhere makes the name ambiguous
    "import numpy as np\nnp.log(x)\nnp = other\n",
    # an unknown star import can bind anything
    "from mylib import *\nlog(x)\n",
])
def test_shadowed_names_are_not_resolved(source):
    model = SemanticModel(ast.parse(source))
    node = next(n for n in model.operations if isinstance(n, ast.Call)
                and ast.unparse(n.func).endswith("log"))
    assert model.qualname(node.func, model.scope_of(node)) is None


def test_class_scope_does_not_shadow_methods():
    source = """
        import numpy as np

        class C:
            np = None

            def m(self, x):
                return np.log(x)
        """
    (_, qualname, _), = calls(source)
    assert qualname == "numpy.log"


def test_optional_import_with_none_fallback_resolves():
    source = """
        try:
            import scipy.special as sp
        except ImportError:
            sp = None
        y = sp.logsumexp(x)
        """
    (_, qualname, op), = calls(source)
    assert qualname == "scipy.special.logsumexp" and op.kind == "logsumexp"


def test_global_declaration_resolves_in_module_scope():
    source = """
        import numpy as np

        def f():
            global np
            return np.log(x)
        """
    (_, qualname, _), = calls(source)
    assert qualname == "numpy.log"


def test_local_import_inside_function():
    source = """
        def f(x):
            import torch
            return torch.log(x)
        """
    (_, qualname, _), = calls(source)
    assert qualname == "torch.log"


@pytest.mark.parametrize("source,text,kind,framework,form", [
    ("import numpy as np\ny = np.exp(x).sum(axis=1)", "np.exp(x).sum(axis=1)", "sum", "numpy",
     "method"),
    ("import torch\ny = x.exp().sum(-1)", "x.exp().sum(-1)", "sum", "torch", "method"),
    ("import torch\ny = x.exp()", "x.exp()", "exp", "torch", "method"),
    ("import torch\nfrom torch import nn\ny = nn.Softmax(dim=1)(x)", "nn.Softmax(dim=1)(x)",
     "softmax", "torch", "layer"),
    ("y = a @ b", "a @ b", "matmul", None, "operator"),
    ("y = -a", "-a", "neg", None, "operator"),
    ("y = a ** 2", "a ** 2", "pow", None, "operator"),
])
def test_operation_forms(source, text, kind, framework, form):
    op = first_op(source, text)
    assert (op.kind, op.framework, op.form) == (kind, framework, form)


def test_method_of_another_object_is_not_a_tensor_method():
    # PyTorch Lightning's `self.log(name, value)` is not `Tensor.log()`.
    source = "import torch\nclass M:\n    def step(self):\n        self.log('loss', 1.0)\n"
    assert first_op(source, "self.log('loss', 1.0)") is None


def test_module_function_is_not_a_method():
    # `mylib.sum(x)` is a function of an unknown module, not an array's `.sum()`.
    assert first_op("import mylib\ny = mylib.sum(x)", "mylib.sum(x)") is None


@pytest.mark.parametrize("source,text,axis,keepdims,default", [
    ("import numpy as np\ny = np.sum(x, axis=1, keepdims=True)",
     "np.sum(x, axis=1, keepdims=True)", "1", "True", ALL),
    ("import numpy as np\ny = np.sum(x, 1)", "np.sum(x, 1)", "1", None, ALL),
    ("import torch\ny = torch.sum(x, dim=-1, keepdim=True)", "torch.sum(x, dim=-1, keepdim=True)",
     "-1", "True", ALL),
    ("import torch\ny = torch.sum(x, axis=1, keepdims=True)",
     "torch.sum(x, axis=1, keepdims=True)", "1", "True", ALL),
    ("import tensorflow as tf\ny = tf.reduce_sum(x, reduction_indices=[1], keep_dims=True)",
     "tf.reduce_sum(x, reduction_indices=[1], keep_dims=True)", "[1]", "True", ALL),
    ("import tensorflow as tf\ny = tf.nn.softmax(x)", "tf.nn.softmax(x)", None, None, -1),
    ("import torch.nn.functional as F\ny = F.softmax(x)", "F.softmax(x)", None, None, IMPLICIT),
    ("import torch\ny = torch.logsumexp(x, 1)", "torch.logsumexp(x, 1)", "1", None, REQUIRED),
    ("y = sum(x)", "sum(x)", None, None, 0),
    ("from scipy.special import softmax\ny = softmax(x)", "softmax(x)", None, None, ALL),
])
def test_reduction_arguments_are_normalised(source, text, axis, keepdims, default):
    op = first_op(source, text)
    assert (ast.unparse(op.axis) if op.axis is not None else None) == axis
    assert (ast.unparse(op.keepdims) if op.keepdims is not None else None) == keepdims
    assert op.default_axis == default


def test_arguments_that_change_values_make_an_operation_not_plain():
    op = first_op("import numpy as np\ny = np.sum(x, axis=1, dtype=np.float32)",
                  "np.sum(x, axis=1, dtype=np.float32)")
    assert not op.is_plain() and op.extra_args() == ("dtype",)
    tf_op = first_op("import tensorflow as tf\ny = tf.reduce_sum(x, 1, name='total')",
                     "tf.reduce_sum(x, 1, name='total')")
    assert tf_op.is_plain()  # `name=` never changes values


def test_unbindable_call_has_no_arguments():
    op = first_op("import numpy as np\ny = np.sum(*args)", "np.sum(*args)")
    assert op.kind == "sum" and not op.bound


def test_shared_method_with_unknown_receiver_reads_only_agreeing_arguments():
    # `.sum(1)`: NumPy's axis and PyTorch's dim agree; `.sum(1, True)` does not.
    agreed = first_op("y = x.sum(1)", "x.sum(1)")
    assert agreed.bound and ast.unparse(agreed.axis) == "1"
    ambiguous = first_op("y = x.sum(1, True)", "x.sum(1, True)")
    assert not ambiguous.bound


HAZARDS = dedent("""
    import numpy as np
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = nn.Softmax(dim=1)

        def forward(self, h):
            p = self.act(h)
            return torch.log(p)

    def f(x, X, y):
        e = np.exp(x - 1)
        s = e / e.sum()
        return np.log(np.sum(np.exp(x))), np.linalg.inv(X.T @ X) @ X.T @ y, s
""")


def test_the_callers_tree_is_not_modified():
    """The model keeps each node's context in its own tables (the flake8 plugin hands it
    flake8's tree): no node gains an attribute."""
    tree = ast.parse(HAZARDS)
    before = {id(node): set(vars(node)) for node in ast.walk(tree)}
    model = SemanticModel(tree)
    for node in model.operations:
        model.op(node)
        model.origin(node)
    assert {id(node): set(vars(node)) for node in ast.walk(tree)} == before


def test_a_released_model_lets_the_tree_go_without_the_cycle_collector():
    """numlint.run.pool pauses the cyclic collector while a file is checked; once the rules
    are done, the tree must be freed by reference counting alone."""
    import gc
    import weakref

    from numlint.engine.check import run_rules
    from numlint.run.config import Config
    from numlint.engine.source import SourceText

    tree = ast.parse(HAZARDS)
    alive = weakref.ref(tree)
    enabled = gc.isenabled()
    gc.disable()
    try:
        diagnostics = run_rules(tree, SourceText(HAZARDS), "m.py", Config().enabled_rules())
        del tree
        assert alive() is None
    finally:
        if enabled:
            gc.enable()
    assert {d.code for d in diagnostics} >= {"NL101", "NL102", "NL301"}


@pytest.mark.parametrize("statement,kind", [
    ("x /= n", "div"), ("x -= n", "sub"), ("x *= n", "mul"), ("x += n", "add"),
    ("x **= n", "pow"), ("x @= n", "matmul"), ("x //= n", "floordiv"),
])
def test_augmented_assignment_is_its_operators_operation(statement, kind):
    """`x /= n` is the division `x / n`: its target, read, is the left operand and its value
    the right one, in the scope of the statement."""
    op = first_op(f"def f(x, n):\n    {statement}\n", statement)
    assert (op.kind, op.form, op.augmented) == (kind, "operator", True)
    assert isinstance(op.left, ast.Name) and op.left.id == "x"
    assert isinstance(op.left.ctx, ast.Load)  # written as the `x` of `norm(x)` is
    assert isinstance(op.right, ast.Name) and op.right.id == "n"
    assert op.scope.kind == "function"
    assert op.model.scope_of(op.left) is op.scope
    assert op.model.statement_of(op.left) is op.node


def test_augmented_assignment_to_an_item_reads_the_item():
    op = first_op("x[:, 0] /= x.sum(1)\n", "x[:, 0] /= x.sum(1)")
    assert op.kind == "div" and ast.unparse(op.left) == "x[:, 0]"
    assert isinstance(op.left.ctx, ast.Load)
    assert ast.unparse(op.right) == "x.sum(1)"


def test_augmented_assignment_of_an_operator_without_a_kind_is_no_operation():
    assert first_op("x |= mask\n", "x |= mask") is None


def test_a_binary_operation_is_not_augmented():
    op = first_op("y = x / n\n", "x / n")
    assert op.kind == "div" and not op.augmented


# -- line starts ------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", " ", "\n", "\r", "\r\n", "x = 1", "\u2028"]),
                max_size=30).map("".join))
def test_line_starts_end_at_every_line_end(text):
    """Without `\\r` the starts are summed from `split("\\n")`; with it, read by the
    expression of every line end: either way where `\\r\\n`, `\\r` or `\\n` ends."""
    import re
    from numlint.engine.source import SourceText
    expected = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    assert SourceText(text).line_starts == expected
