"""NL301 on the variants issue 12 found in released packages: a right-hand side written
transposed (`solve(Q, A.T @ B.T)` with `Q = A.T @ A`), and a ridge's normal equations."""

import pytest

from numlint import Config, check_source, fix_source

from conftest import dedent


def nl301(source: str):
    return [(d.start.row, d.fix.applicability.value if d.fix else None)
            for d in check_source(dedent(source), "m.py", Config(select=("NL301",)))]


def test_a_transposed_right_hand_side_is_least_squares_of_it():
    source = """
        import numpy as np

        def fit(A, B):
            Q = A.T @ A
            return np.linalg.solve(Q, A.T @ B.T)
        """
    assert nl301(source) == [(5, "unsafe")]
    fixed = fix_source(dedent(source), "m.py", Config(select=("NL301",)), unsafe=True)
    assert "return np.linalg.lstsq(A, B.T, rcond=None)[0]" in fixed.source.text
    assert "Q = A.T @ A" not in fixed.source.text


def test_a_right_hand_side_transposed_by_a_flag_is_not_written_as_such():
    """`tf.matmul(A, B, transpose_a=True, transpose_b=True)` is `Aᵀ Bᵀ`, but the fix would
    write `B`: not a moment NL301 can rewrite."""
    assert nl301("""
        import tensorflow as tf

        def fit(A, B):
            Q = tf.matmul(A, A, transpose_a=True)
            return tf.linalg.solve(Q, tf.matmul(A, B, transpose_a=True, transpose_b=True))
        """) == []


@pytest.mark.parametrize("penalty", ["lam * np.eye(X.shape[1])", "np.eye(X.shape[1]) * lam",
                                     "1e-8 * np.eye(X.shape[1])", "jitter"])
def test_a_ridge_of_an_unknown_or_tiny_penalty_is_reported_without_a_fix(penalty):
    assert nl301(f"""
        import numpy as np

        def ridge(X, y, lam, jitter):
            return np.linalg.solve(X.T @ X + {penalty}, X.T @ y)
        """) == [(4, None)]
    assert nl301(f"""
        import numpy as np

        def ridge(X, y, lam, jitter):
            gram = X.T @ X
            return np.linalg.inv({penalty} + gram) @ (X.T @ y)
        """) == [(5, None)]


def test_a_ridge_with_a_large_constant_penalty_is_not_reported():
    """scikit-learn's test of ridge: `alpha = 1`, the penalty matrix mutated afterwards."""
    assert nl301("""
        import numpy as np
        from scipy import linalg

        def ridge(X, y, n_features):
            alpha = 1
            d = alpha * np.identity(n_features)
            d[-1, -1] = 0
            return linalg.solve(X.T @ X + d, X.T @ y)
        """) == []


def test_a_ridge_of_two_different_matrices_is_not_the_normal_equations():
    assert nl301("""
        import numpy as np

        def f(X, Z, y, lam):
            return np.linalg.solve(X.T @ X + lam * np.eye(3), Z.T @ y)
        """) == []
