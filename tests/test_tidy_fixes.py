"""Fixes that read as if a person wrote them (issue 16): no parentheses left around a call
that replaced an operator expression, no assignment left dead by a fix that spans
statements, and a fix in the library family of the operation it replaces. Also the two
unsafe fixes users expected (NL303's `slogdet` where the sign is unknown, NL202's softmax
layer held in an attribute), and the module facts for fix safety computed once per module.
"""

import ast
import json
import sys

import pytest

from numlint import Config, check_source, fix_source
from numlint.engine.context import Context

from conftest import dedent


def fixed(source: str, unsafe: bool = True, select=None) -> str:
    config = Config(select=(select,)) if select else Config()
    return fix_source(dedent(source), "m.py", config, unsafe=unsafe).source.text


def diagnostics(source: str, select=None):
    config = Config(select=(select,)) if select else Config()
    return check_source(dedent(source), "m.py", config)


def body(text: str) -> str:
    """The fixed module after its imports, for short assertions."""
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith(("import ", "from ")) and line.strip())


# -- 1. parentheses that only grouped the replaced expression ------------------------------

HEADER = "import numpy as np\nfrom numpy.linalg import inv\n\n\n"


def header_after(code: str, fixed_code: str) -> str:
    """HEADER once the fix is applied: the import clean-up (numlint/engine/imports.py) drops
    `inv` where the code used it and the fixed code no longer does."""
    if "inv(" in code and "inv(" not in fixed_code:
        return HEADER.replace("from numpy.linalg import inv\n", "")
    return HEADER


@pytest.mark.parametrize("code,expected", [
    # the issue's two reports
    ("def f(x):\n    return (np.mean(x**2) - np.mean(x)**2)\n",
     "def f(x):\n    return np.var(x)\n"),
    ("def f(A, B):\n    return (inv(A) @ B).T\n",
     "def f(A, B):\n    return np.linalg.solve(A, B).T\n"),
    # nested groups, blanks and a line break inside them
    ("def f(A, B):\n    return ((inv(A) @ B)).T\n",
     "def f(A, B):\n    return np.linalg.solve(A, B).T\n"),
    ("def f(A, B):\n    return ( inv(A)\n            @ B ).T\n",
     "def f(A, B):\n    return np.linalg.solve(A, B).T\n"),
    # a group inside a call's parentheses: the group goes, the call's stay
    ("def f(A, B):\n    return print((inv(A) @ B))\n",
     "def f(A, B):\n    return print(np.linalg.solve(A, B))\n"),
    ("def f(A, B):\n    return print(inv(A) @ B)\n",
     "def f(A, B):\n    return print(np.linalg.solve(A, B))\n"),
    ("def f(A, B):\n    return (print)((inv(A) @ B))\n",
     "def f(A, B):\n    return (print)(np.linalg.solve(A, B))\n"),
    # an element of a tuple, the element of a generator, a keyword argument
    ("def f(A, B):\n    return ((inv(A) @ B), 1)\n",
     "def f(A, B):\n    return (np.linalg.solve(A, B), 1)\n"),
    ("def f(xs):\n    return list((np.mean(x**2) - np.mean(x)**2) for x in xs)\n",
     "def f(xs):\n    return list(np.var(x) for x in xs)\n"),
    ("def f(A, B):\n    return dict(k=(inv(A) @ B))\n",
     "def f(A, B):\n    return dict(k=np.linalg.solve(A, B))\n"),
    # a keyword written against the group keeps a blank
    ("def f(x):\n    return(np.mean(x**2) - np.mean(x)**2)\n",
     "def f(x):\n    return np.var(x)\n"),
    ("def f(x, c):\n    return 1 if(np.mean(x**2) - np.mean(x)**2)else 2\n",
     "def f(x, c):\n    return 1 if np.var(x)else 2\n"),
    # in an f-string, a slice, after `await`
    ("def f(x):\n    return f\"{(np.mean(x**2) - np.mean(x)**2):.3f}\"\n",
     "def f(x):\n    return f\"{np.var(x):.3f}\"\n"),
    ("def f(x):\n    return x[(np.mean(x**2) - np.mean(x)**2):]\n",
     "def f(x):\n    return x[np.var(x):]\n"),
    ("async def f(x):\n    return await (np.mean(x**2) - np.mean(x)**2)\n",
     "async def f(x):\n    return await np.var(x)\n"),
])
def test_grouping_parentheses_go_with_the_operator_expression(code, expected):
    result = fixed(HEADER + code, unsafe=False)
    assert result == header_after(code, expected) + expected
    ast.parse(result)


@pytest.mark.parametrize("code,expected", [
    # the replacement is not a primary: its parentheses are needed
    ("def f(x, S):\n    return (x @ inv(S) @ x).sum()\n",
     "def f(x, S):\n    return (x @ np.linalg.solve(S, x)).sum()\n"),
    ("def f(H, g):\n    return (-inv(H) @ g).T\n",
     "def f(H, g):\n    return (-np.linalg.solve(H, g)).T\n"),
    # a comment inside the group
    ("def f(A, B):\n    return (  # the step\n        inv(A) @ B\n    ).T\n",
     "def f(A, B):\n    return (  # the step\n        np.linalg.solve(A, B)\n    ).T\n"),
    # parentheses the user put around a call are not the fix's business
    ("def f(x):\n    return (np.log(np.sum(np.exp(x))))\n",
     "def f(x):\n    return (np.logaddexp.reduce(x, axis=None))\n"),
])
def test_parentheses_that_are_needed_or_not_ours_stay(code, expected):
    result = fixed(HEADER + code, unsafe=False)
    assert result == header_after(code, expected) + expected
    ast.parse(result)


def test_the_edit_covers_the_parentheses_in_json(run, tmp_path):
    source = HEADER + "def f(A, B):\n    return (inv(A) @ B).T\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    out = run("check", "--no-cache", "--output-format", "json", "m.py").output
    (finding,) = json.loads(out)
    # the replacement, and the import it leaves unused (numlint/engine/imports.py)
    edit, removal = sorted(finding["fix"]["edits"], key=lambda e: -e["location"]["row"])
    assert removal["content"] == "" and removal["location"]["row"] == 2
    assert edit["content"] == "np.linalg.solve(A, B)"
    assert edit["location"] == {"row": 6, "column": 12}
    assert edit["end_location"] == {"row": 6, "column": 24}


def test_every_fixed_example_still_parses_without_the_parentheses():
    """Property over the catalog: wrapping each reported operator expression of every bad
    example in redundant parentheses changes the fixed module only by the parentheses the
    fix can drop: the result parses and equals the example's own fix."""
    from numlint.engine.registry import all_rules
    checked = 0
    for rule in all_rules():
        for example in rule.examples:
            if example.good or example.fixed is None:
                continue
            config = Config(select=(rule.code,))
            found = check_source(example.code, "m.py", config)
            nodes = [d for d in found if d.fix is not None and d.code == rule.code]
            if len(nodes) != 1:
                continue
            (finding,) = nodes
            start, end = finding.offset
            tree = ast.parse(example.code)
            operator = any(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp))
                           and _offsets(example.code, n) == (start, end)
                           for n in ast.walk(tree))
            statement = example.code[start:end]
            if not operator or "\n" in statement:
                continue
            wrapped = example.code[:start] + "(" + statement + ")" + example.code[end:]
            result = fix_source(wrapped, "m.py", config, unsafe=example.unsafe).source.text
            ast.parse(result)
            if result == example.fixed:
                checked += 1
    assert checked >= 20


def _offsets(text: str, node: ast.AST):
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return (starts[node.lineno - 1] + node.col_offset,
            starts[node.end_lineno - 1] + node.end_col_offset)


# -- 2. assignments a cross-statement fix leaves dead ----------------------------------------

def test_a_chain_of_dead_assignments_goes_with_the_fix():
    result = fixed("""
        import numpy as np

        def lse(x):
            e = np.exp(x)
            s = e.sum(axis=1)
            return np.log(s)
        """, select="NL102")
    assert result == dedent("""
        import numpy as np

        def lse(x):
            return np.logaddexp.reduce(x, axis=1)
        """)


@pytest.mark.parametrize("source,expected", [
    ("""
        import numpy as np

        def variance(x):
            mean2 = np.mean(x ** 2)
            mean = np.mean(x)
            return mean2 - mean ** 2
        """, "def variance(x):\n    return np.var(x)"),
    ("""
        import numpy as np
        import scipy.special

        def log_probs(z):
            p = scipy.special.softmax(z, axis=-1)
            return np.log(p)
        """, "def log_probs(z):\n    return scipy.special.log_softmax(z, axis=-1)"),
    ("""
        import numpy as np

        def step(A, b):
            A_inv = np.linalg.inv(A)
            return A_inv @ b
        """, "def step(A, b):\n    return np.linalg.solve(A, b)"),
])
def test_the_issues_dead_assignments_are_removed(source, expected):
    assert body(fixed(source)) == expected


def test_the_removal_is_one_more_edit_of_the_same_fix():
    found = diagnostics("""
        import numpy as np

        def variance(x):
            mean2 = np.mean(x ** 2)
            mean = np.mean(x)
            return mean2 - mean ** 2
        """, "NL401")
    (finding,) = found
    assert finding.fix.applicability.value == "unsafe"
    replacement, *removals = finding.fix.edits
    assert replacement.content == "np.var(x)"
    assert [e.content for e in removals] == ["", ""]
    assert sorted(e.end - e.start for e in removals) == \
        sorted(len(line) for line in ("    mean2 = np.mean(x ** 2)\n", "    mean = np.mean(x)\n"))


@pytest.mark.parametrize("rule,source,kept", [
    # read elsewhere
    ("NL102", """
        import numpy as np

        def lse(x):
            e = np.exp(x)
            s = e.sum(axis=1)
            print(e)
            return np.log(s)
        """, ["e = np.exp(x)"]),
    # read by a later iteration of the loop (and bound twice)
    ("NL503", """
        import numpy as np

        def f(xs):
            e = None
            out = []
            for x in xs:
                if e is not None:
                    print(e)
                e = np.exp(x)
                out.append(np.log(1 + e))
            return out
        """, ["e = np.exp(x)"]),
    # a module's name, which another module may import
    ("NL503", """
        import numpy as np

        x = np.ones(3)
        e = np.exp(x)
        y = np.log(1 + e)
        """, ["e = np.exp(x)"]),
    # assigned again by a nested function
    ("NL503", """
        import numpy as np

        def outer(x):
            e = np.exp(x)
            def inner():
                nonlocal e
                e = e + 1
            return np.log(1 + e)
        """, ["e = np.exp(x)"]),
    # the function reads its names by their text
    ("NL503", """
        import numpy as np

        def f(x):
            e = np.exp(x)
            print(locals())
            return np.log(1 + e)
        """, ["e = np.exp(x)"]),
    # a value with effects: a layer call (its hooks run)
    ("NL101", """
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.sm = nn.Softmax(dim=1)

            def forward(self, h):
                p = self.sm(h)
                return torch.log(p)
        """, ["p = self.sm(h)"]),
    # alone in its block, which would be left empty; with a comment; with another statement
    ("NL503", """
        import numpy as np

        def f(x, lock):
            with lock:
                e = np.exp(x)
            return np.log(1 + e)
        """, ["e = np.exp(x)"]),
    ("NL503", """
        import numpy as np

        def f(x):
            e = np.exp(x)  # the exponentials
            return np.log(1 + e)
        """, ["e = np.exp(x)  # the exponentials"]),
    ("NL503", """
        import numpy as np

        def f(x):
            e = np.exp(x); y = 2
            return np.log(1 + e), y
        """, ["e = np.exp(x); y = 2"]),
    # an attribute
    ("NL503", """
        import numpy as np

        class C:
            def f(self, x):
                self.e = np.exp(x)
                return np.log(1 + self.e)
        """, ["self.e = np.exp(x)"]),
])
def test_assignments_that_must_stay(rule, source, kept):
    result = fixed(source, select=rule)
    assert result != dedent(source), "the example must be fixed"
    ast.parse(result)
    for line in kept:
        assert line in result


@pytest.mark.parametrize("value,pure", [
    ("np.exp(x)", True),
    ("np.mean(x ** 2) - np.mean(x) ** 2", True),
    ("x.T @ x", True),
    ("np.linalg.inv(A)[0, :]", True),
    ("(x.sum(axis=1), np.pi)", True),
    ("np.exp(x, out=buffer)", False),
    ("x.exp_()", False),
    ("model(x)", False),
    ("self.scale", False),
    ("np.exp(next(it))", False),
    ("[np.exp(v) for v in x]", False),
    ("(y := np.exp(x))", False),
])
def test_only_values_without_effects_are_removed(value, pure):
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.source import SourceText
    source = f"import numpy as np\nimport torch\n\ndef f(self, x, A, buffer, it, model):\n" \
             f"    v = {value}\n"
    tree = ast.parse(source)
    model = SemanticModel(tree)
    context = Context(model, SourceText(source), "m.py")
    function = tree.body[-1]
    assert context._pure(function.body[0].value, model.scope_by_node[function]) is pure


def test_fixing_again_changes_nothing_after_a_removal():
    once = fixed("""
        import numpy as np

        def lse(x):
            e = np.exp(x)
            s = e.sum(axis=1)
            return np.log(s)
        """, select="NL102")
    assert fixed(once, select="NL102") == once


# -- 3. a fix stays in the library family of the operation it replaces -----------------------

@pytest.mark.parametrize("source,expected", [
    # the issue: SciPy's inverse, a module importing SciPy's `solve` by name
    ("""
        import numpy as np
        import scipy.linalg
        from scipy.linalg import solve

        def step(A, b):
            return scipy.linalg.inv(A) @ b
        """, "    return solve(A, b)"),
    ("""
        import numpy as np
        import scipy.linalg

        def step(A, b):
            return np.dot(scipy.linalg.inv(A), b)
        """, "    return scipy.linalg.solve(A, b)"),
    ("""
        import numpy as np
        from scipy import linalg

        def step(A, b):
            return linalg.inv(A) @ b
        """, "    return linalg.solve(A, b)"),
    ("""
        import numpy as np
        from scipy import linalg

        def fit(X, y):
            return linalg.inv(X.T @ X) @ X.T @ y
        """, "    return linalg.lstsq(X, y)[0]"),
    ("""
        import numpy as np
        from scipy import linalg

        def projection(X):
            return linalg.inv(X.T @ X) @ X.T
        """, "    return linalg.pinv(X)"),
    # NumPy's inverse stays NumPy's, even beside SciPy's `solve`
    ("""
        import numpy as np
        from scipy.linalg import solve

        def step(A, b):
            return np.linalg.inv(A) @ b
        """, "    return np.linalg.solve(A, b)"),
    ("""
        import numpy as np
        import scipy.linalg

        def fit(X, y):
            return np.linalg.inv(X.T @ X) @ X.T @ y
        """, "    return np.linalg.lstsq(X, y, rcond=None)[0]"),
    # JAX's SciPy and jax.numpy
    ("""
        import jax.numpy as jnp
        import jax.scipy.linalg as jsl

        def step(A, b):
            return jsl.inv(A) @ b
        """, "    return jsl.solve(A, b)"),
    ("""
        import jax.numpy as jnp
        import jax.scipy.linalg as jsl

        def step(A, b):
            return jnp.linalg.inv(A) @ b
        """, "    return jnp.linalg.solve(A, b)"),
    # the sweep's other families (kept as they were)
    ("""
        import torch

        def log_volume(A):
            return torch.log(torch.abs(torch.linalg.det(A)))
        """, "    return torch.linalg.slogdet(A).logabsdet"),
    ("""
        import torch

        def log_probs(x):
            return torch.log(torch.special.softmax(x, 1))
        """, "    return torch.special.log_softmax(x, 1)"),
    ("""
        import jax.numpy as jnp
        import jax.scipy.special

        def log_probs(x):
            return jnp.log(jax.scipy.special.softmax(x))
        """, "    return jax.scipy.special.log_softmax(x)"),
    ("""
        import numpy as np
        import scipy.special

        def log_probs(x):
            return np.log(scipy.special.softmax(x))
        """, "    return scipy.special.log_softmax(x)"),
])
def test_a_fix_stays_in_the_family_of_the_replaced_operation(source, expected):
    result = fixed(source, unsafe=False)
    assert expected in result.splitlines(), result
    imports = {line for line in result.splitlines() if "import" in line}
    assert imports <= set(dedent(source).splitlines())  # nothing added (unused ones go)


def test_scipy_solve_agrees_with_the_inverse_it_replaces():
    """The SciPy spelling is exact where NumPy's is: stacks broadcast as `@` does."""
    np = pytest.importorskip("numpy")
    scipy_linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 4, 4)) + 4 * np.eye(4)
    for b in (rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=(3, 4, 2))):
        for matrix in (A, A[0]):
            expected = scipy_linalg.inv(matrix) @ b
            assert np.allclose(scipy_linalg.solve(matrix, b), expected)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    assert np.allclose(scipy_linalg.lstsq(X, y)[0], np.linalg.inv(X.T @ X) @ X.T @ y)
    assert np.allclose(scipy_linalg.pinv(X), np.linalg.inv(X.T @ X) @ X.T)


# -- 4. the two unsafe fixes --------------------------------------------------------------

@pytest.mark.parametrize("source,expected", [
    ("""
        import numpy as np

        def log_normaliser(cov):
            return np.log(np.linalg.det(cov))
        """, "    return np.linalg.slogdet(cov)[1]"),
    ("""
        import tensorflow as tf

        def log_normaliser(cov):
            return tf.math.log(tf.linalg.det(cov))
        """, "    return tf.linalg.slogdet(cov)[1]"),
    ("""
        import jax.numpy as jnp

        def log_normaliser(cov):
            return jnp.log(jnp.linalg.det(cov))
        """, "    return jnp.linalg.slogdet(cov)[1]"),
])
def test_log_det_of_unknown_sign_has_an_unsafe_slogdet_fix(source, expected):
    (finding,) = diagnostics(source, "NL303")
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"
    assert fixed(source, unsafe=False, select="NL303") == dedent(source)
    assert expected in fixed(source, select="NL303").splitlines()


def test_slogdet_differs_only_where_log_det_was_nan_or_minus_infinity():
    np = pytest.importorskip("numpy")
    negative = np.array([[0.0, 1.0], [1.0, 0.0]])     # det = -1: NaN, slogdet 0
    tiny = 1e-4 * np.eye(100)                           # det underflows: -inf
    positive = np.array([[2.0, 1.0], [1.0, 3.0]])
    with np.errstate(all="ignore"):
        assert np.isnan(np.log(np.linalg.det(negative)))
        assert np.log(np.linalg.det(tiny)) == -np.inf
        assert np.isclose(np.linalg.slogdet(tiny)[1], 100 * np.log(1e-4))
        assert np.isclose(np.linalg.slogdet(positive)[1], np.log(np.linalg.det(positive)))
        assert np.linalg.slogdet(negative)[1] == 0.0


def test_a_loss_fed_a_softmax_layer_held_in_an_attribute_gets_the_unsafe_fix():
    source = """
        from torch import nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Softmax(dim=1)
                self.loss = nn.CrossEntropyLoss()

            def forward(self, h, t):
                return self.loss(self.act(h), t)
        """
    (finding,) = diagnostics(source, "NL202")
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"
    assert fixed(source, unsafe=False, select="NL202") == dedent(source)
    result = fixed(source, select="NL202")
    assert "        return self.loss(h, t)" in result.splitlines()
    assert "        self.act = nn.Softmax(dim=1)" in result.splitlines()


# -- 5. module facts for fix safety, once per module ----------------------------------------

def test_printed_ranges_are_computed_once_per_module_whatever_the_rules(monkeypatch):
    """Three rules fix one function: its f-strings are read once, not once per rule (and
    not at all in a module without f-strings, or in statements no fix touches)."""
    calls = []
    original = Context._printed_ranges

    def counting(self, region):
        calls.append(region)
        return original(self, region)

    monkeypatch.setattr(Context, "_printed_ranges", counting)
    source = dedent("""
        import numpy as np

        def f(x, A, b):
            a = np.log(np.sum(np.exp(x)))
            v = np.mean(x ** 2) - np.mean(x) ** 2
            s = np.linalg.inv(A) @ b
            print(f"{a=}")
            return a, v, s

        def g(x):
            return f"{x}"
        """)
    found = check_source(source, "m.py")
    assert len({d.code for d in found if d.fix is not None}) >= 3
    assert [type(r).__name__ for r in calls] == ["FunctionDef"]
    calls.clear()
    check_source(source.replace('print(f"{a=}")', "print(a)")
                 .replace('return f"{x}"', "return x"), "m.py")
    assert calls == []


def test_an_f_string_still_protects_what_it_prints():
    source = """
        import numpy as np

        def f(x):
            print(f"{np.log(np.sum(np.exp(x)))=}")
            return np.log(np.sum(np.exp(x)))
        """
    found = diagnostics(source, "NL102")
    assert [d.fix is None for d in found] == [True, False]


@pytest.mark.parametrize("header,unguarded", [
    ("from numpy import *\n", True),
    ("with open(__file__):\n    from numpy import *\n", True),
    ("try:\n    from numpy import *\nexcept ValueError:\n    raise\n", True),
    ("try:\n    from numpy import *\nexcept ImportError:\n    pass\n", False),
    ("if True:\n    from numpy import *\n", False),
    ("def f():\n    from numpy import *\n", False),
    ("class C:\n    from numpy import *\n", False),
])
def test_star_imports_found_by_the_statements_alone(header, unguarded):
    """The importer finds a module's unconditional star imports by its statements (not by
    walking every expression): in blocks that always run, not under a guard or a def."""
    from numlint.engine.importer import Importer
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.source import SourceText
    source = header + "\nx = 1\n"
    importer = Importer(SemanticModel(ast.parse(source)), SourceText(source))
    assert ("numpy" in importer.unguarded_packages()) is unguarded


@pytest.mark.parametrize("module,expected", [
    ("import numpy as np\nfrom scipy import linalg\n", "    return linalg.solve(A.T, B.T).T"),
    ("import jax.numpy as jnp\nfrom jax.scipy import linalg\n",
     "    return linalg.solve(A.T, B.T).T"),
])
def test_right_division_stays_in_scipy_too(module, expected):
    source = module + "\n\ndef whiten(B, A):\n    return B @ linalg.inv(A)\n"
    result = fix_source(source, "m.py", Config(select=("NL302",)), unsafe=True).source.text
    assert expected in result.splitlines()
