"""The linear-algebra rules (NL301 normal-equations, NL302 inverse-then-multiply, NL303
log-of-determinant) beyond their documented examples: one finding per hazard when they run
together, the cases reported without a fix, and the limits of what they follow through names."""

import pytest

from numlint import Config, check_source, fix_source

from conftest import dedent

LINALG = ("NL301", "NL302", "NL303")


def findings(source: str, select=LINALG):
    return check_source(dedent(source), "m.py", Config(select=select))


def summary(source: str, select=LINALG):
    """(code, line, fix applicability or None) of every finding."""
    return [(d.code, d.start.row, d.fix.applicability.value if d.fix else None)
            for d in findings(source, select)]


def fixed(source: str, unsafe: bool = False, select=LINALG) -> str:
    return fix_source(dedent(source), "m.py", Config(select=select), unsafe=unsafe).source.text


# -- one finding per hazard ----------------------------------------------------------------------

@pytest.mark.parametrize("expression", [
    "np.linalg.inv(X.T @ X) @ X.T @ y",
    "np.linalg.inv(X.T @ X) @ (X.T @ y)",
    "np.linalg.inv(X.T.dot(X)).dot(X.T).dot(y)",
    "np.dot(np.dot(np.linalg.inv(np.dot(X.T, X)), X.T), y)",
    "np.linalg.solve(X.T @ X, X.T @ y)",
    "np.linalg.pinv(X.T @ X) @ X.T @ y",
    "np.linalg.inv(X.T @ X) @ X.T",
    "X @ np.linalg.inv(X.T @ X) @ X.T",
])
def test_the_normal_equations_are_reported_once_by_nl301(expression):
    source = f"""
        import numpy as np

        def f(X, y):
            return {expression}
        """
    assert [code for code, _, _ in summary(source)] == ["NL301"]


def test_a_ridge_is_the_normal_equations_without_a_fix_and_still_an_inverse():
    """NL301 reports the ridge's normal equations (no fix: the augmented system is not
    spelled); NL302's fix of the explicit inverse still applies."""
    source = """
        import numpy as np

        def ridge(X, y, lam):
            return np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1])) @ X.T @ y
        """
    assert summary(source) == [("NL301", 4, None), ("NL302", 4, "safe")]
    assert fixed(source).endswith(
        "return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T) @ y\n")


def test_the_normal_equations_through_names_keep_one_finding():
    source = """
        import numpy as np

        def fit(X, y):
            XtX_inv = np.linalg.inv(X.T @ X)
            return XtX_inv @ X.T @ y
        """
    assert summary(source) == [("NL301", 5, "unsafe")]


# -- NL301 -----------------------------------------------------------------------------------------

def test_an_inverse_used_again_is_left_in_place_by_the_unsafe_fix():
    source = """
        import numpy as np

        def fit(X, y, sigma2):
            XtX_inv = np.linalg.inv(X.T @ X)
            beta = XtX_inv @ X.T @ y
            return beta, sigma2 * XtX_inv
        """
    assert summary(source) == [("NL301", 5, "unsafe")]
    assert fixed(source) == dedent(source)
    assert "beta = np.linalg.lstsq(X, y, rcond=None)[0]\n" in fixed(source, unsafe=True)


def test_the_fix_imports_numpy_when_the_code_only_imports_functions():
    source = """
        from numpy.linalg import inv

        def fit(X, y):
            return inv(X.T @ X) @ X.T @ y
        """
    # (`inv`, no longer used, goes: numlint/engine/imports.py.)
    assert fixed(source) == dedent("""
        import numpy as np

        def fit(X, y):
            return np.linalg.lstsq(X, y, rcond=None)[0]
        """)


@pytest.mark.parametrize("call,reported", [
    ("tf.linalg.lstsq(X, y)", True),
    ("tf.linalg.lstsq(X, y, fast=True)", True),
    ("tf.linalg.lstsq(X, y, l2_regularizer=0.0)", True),
    ("tf.compat.v1.matrix_solve_ls(X, y)", True),
    ("tf.linalg.lstsq(X, y, fast=False)", False),
    ("tf.linalg.lstsq(X, y, fast=fast)", False),
    ("tf.linalg.lstsq(X, y, l2_regularizer=lam)", False),
    ("tf.linalg.lstsq(X, y, l2_regularizer=1e-3)", False),
])
def test_tensorflow_lstsq_is_reported_when_it_solves_the_normal_equations(call, reported):
    source = f"""
        import tensorflow as tf

        def fit(X, y, fast, lam):
            return {call}
        """
    assert bool(findings(source)) is reported


def test_tensorflow_normal_equations_in_compat_spelling():
    source = """
        import tensorflow as tf

        def fit(X, y):
            gram = tf.compat.v1.matmul(X, X, transpose_a=True)
            return tf.compat.v1.matrix_solve(gram, tf.compat.v1.matmul(X, y, transpose_a=True))
        """
    assert summary(source) == [("NL301", 5, "unsafe")]
    assert fixed(source, unsafe=True).endswith("    return tf.linalg.pinv(X) @ y\n")


@pytest.mark.parametrize("expression", [
    "np.linalg.inv(X.T @ X) @ Z.T @ y",          # another matrix
    "np.linalg.inv(X.T @ Z) @ X.T @ y",          # not a Gram matrix
    "np.linalg.inv(X @ X.T) @ X.T @ y",          # the outer product
    "np.linalg.inv(X.T @ X) @ X @ y",            # no transpose
    "np.linalg.solve(X.T @ X, Z.T @ y)",
    "np.linalg.inv(np.transpose(X, (1, 0, 2)) @ X) @ X.T @ y",  # another permutation
])
def test_nl301_needs_the_same_matrix_transposed(expression):
    source = f"""
        import numpy as np

        def f(X, Z, y):
            return {expression}
        """
    assert "NL301" not in [code for code, _, _ in summary(source)]


def test_a_pseudo_inverse_assigned_and_applied_later_is_reported_where_it_is_formed():
    source = """
        import numpy as np

        def fit(X, y):
            P = np.linalg.inv(X.T @ X) @ X.T
            return P @ y
        """
    assert summary(source) == [("NL301", 4, "safe")]


# -- NL302 -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression", [
    "torch.linalg.inv(A) @ b",
    "torch.matmul(torch.inverse(A), b)",
    "A.inverse().matmul(b)",
    "x @ torch.inverse(S) @ x",
])
def test_pytorch_products_of_unknown_shape_are_reported_without_a_fix(expression):
    source = f"""
        import torch

        def f(A, S, b, x):
            return {expression}
        """
    assert [(code, fix) for code, _, fix in summary(source)] == [("NL302", None)]


def test_pytorch_right_division_with_at_is_unsafe():
    source = """
        import torch

        def f(A, B):
            return B @ torch.linalg.inv(A)
        """
    assert summary(source) == [("NL302", 4, "unsafe")]


def test_tensorflow_right_division_has_no_fix():
    source = """
        import tensorflow as tf

        def f(A, B):
            return B @ tf.linalg.inv(A)
        """
    assert summary(source) == [("NL302", 4, None)]


@pytest.mark.parametrize("body", [
    # the inverse applied in a loop that does not recompute it
    """
    A_inv = np.linalg.inv(A)
    while True:
        x = A_inv @ b
        if x.sum() > 0:
            return x
    """,
    """
    A_inv = np.linalg.inv(A)
    for b in bs:
        yield A_inv @ b
    """,
    # read twice
    """
    A_inv = np.linalg.inv(A)
    return A_inv @ b, A_inv @ bs
    """,
    # an attribute holds it: computed once, used by every call
    """
    self.A_inv = np.linalg.inv(A)
    return self.A_inv @ b
    """,
])
def test_an_inverse_that_is_reused_is_not_reported(body):
    source = "import numpy as np\n\n\ndef f(self, A, b, bs):\n" + "".join(
        "    " + line + "\n" for line in dedent(body).splitlines())
    assert summary(source) == []


def test_an_inverse_whose_matrix_is_rebound_is_reported_without_a_fix():
    source = """
        import numpy as np

        def f(A, b):
            A_inv = np.linalg.inv(A)
            A = A + 1
            return A_inv @ b
        """
    assert summary(source) == [("NL302", 6, None)]


def test_nested_inverses_converge_in_one_fix_run():
    source = """
        import numpy as np

        def f(A, B, c):
            return np.linalg.inv(A) @ np.linalg.inv(B) @ c
        """
    assert fixed(source).endswith("    return np.linalg.solve(A, np.linalg.solve(B, c))\n")


def test_a_transposed_inverse_is_not_guessed():
    source = """
        import tensorflow as tf

        def f(A, b):
            return tf.matmul(tf.linalg.inv(A), b, transpose_a=True)
        """
    assert summary(source) == []


# -- NL303 -----------------------------------------------------------------------------------------

def test_a_gram_matrix_held_in_a_name_gets_the_safe_fix():
    source = """
        import numpy as np

        def f(X):
            G = X.T @ X
            return np.log(np.linalg.det(G))
        """
    assert summary(source) == [("NL303", 5, "safe")]
    assert fixed(source).endswith("    return np.linalg.slogdet(G)[1]\n")


@pytest.mark.parametrize("log", ["np.log(np.linalg.det(A), out=out)",
                                 "math.log(np.linalg.det(A), 2)"])
def test_a_log_with_extra_arguments_is_reported_without_a_fix(log):
    source = f"""
        import math
        import numpy as np

        def f(A, out):
            return {log}
        """
    assert summary(source) == [("NL303", 5, None)]


def test_tensorflow_never_gets_the_cholesky_logdet():
    source = """
        import tensorflow as tf

        def f(A):
            return tf.math.log(tf.abs(tf.linalg.det(A))), tf.math.log(tf.linalg.det(A))
        """
    text = fixed(source, unsafe=True)
    assert "tf.linalg.slogdet(A)[1]" in text and "logdet(A)" not in text.replace("slogdet", "")


def test_same_tree_agrees_with_ast_dump():
    """NL302's `_same_tree` skips dumps that cannot be equal; it answers as `ast.dump` does
    (formatting is not structure)."""
    import ast as _ast
    from numlint.engine.registry import rules_by_code
    import importlib
    module = importlib.import_module(type(rules_by_code()["NL302"]).__module__)
    pairs = [("np.triu(y)", "np.triu( y )"), ("A", "A @ inv(A) @ inv(A)"), ("A", "B"),
             ("inv(A)", "inv(A)"), ("x[0]", "x[1]"), ("f(a, b)", "f(a)")]
    for left, right in pairs:
        a = _ast.parse(left, mode="eval").body
        b = _ast.parse(right, mode="eval").body
        assert module._same_tree(a, b) == (_ast.dump(a) == _ast.dump(b)), (left, right)
