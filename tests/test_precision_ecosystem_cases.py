"""Findings judged false on the ecosystem corpus once augmented assignments became operations
(issue 12), reduced to their principle, with the true findings beside them that must stay:
loops that bind a name (the dataflow), and NL402 on rows or columns non-zero by construction."""

import ast

import pytest

from numlint import check_source
from numlint.engine.semantic.model import SemanticModel

from conftest import dedent


def _findings(source, code=None):
    found = [(d.code, d.start.row, d.message) for d in check_source(dedent(source), "m.py")]
    return [f for f in found if code is None or f[0] == code]


def _rows(source, code):
    return [row for _, row, _ in _findings(source, code)]


def _origins(source):
    """`ctx.origins` of the argument of `USE(...)`: (texts, complete), or None when unknown
    (the name itself comes back, unfollowed)."""
    tree = ast.parse(dedent(source))
    model = SemanticModel(tree)
    use = next(n for n in ast.walk(tree)
               if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "USE")
    values, complete = model.dataflow.origins(use.args[0], model.scope_of(use))
    texts = [ast.unparse(v.expr) for v in values]
    if texts == [ast.unparse(use.args[0])]:
        return None
    return sorted(texts), complete


# -- loops that bind a name --------------------------------------------------------------------

def test_a_name_bound_only_in_a_loop_holds_the_loops_values():
    """pymc's SMC kernel: the log-weights are normalised by `logsumexp` on every path that
    binds them; one of those is a `while` loop. On the path that skips it the local is unbound
    (reading it would raise), so the loop ran: the shift holds on every path."""
    source = """
        import numpy as np
        from scipy.special import logsumexp

        def weights(logp, old, threshold):
            low, up = old, 2.0
            while up - low > 1e-6:
                new = (low + up) / 2.0
                log_w_un = (new - old) * logp
                log_w = log_w_un - logsumexp(log_w_un)
                ess = np.exp(-logsumexp(log_w * 2))
                if ess == threshold:
                    break
                elif ess < threshold:
                    up = new
                else:
                    low = new
            if new >= 1:
                log_w_un = (1 - old) * logp
                log_w = log_w_un - logsumexp(log_w_un)
            w = np.exp(log_w)
            return w / w.sum()
        """
    assert _findings(source) == []
    # Bound before the loop, the name may keep that value if the loop never runs: unknown.
    before = source.replace("low, up = old, 2.0", "low, up = old, 2.0\n            log_w = logp")
    assert _rows(before, "NL103") == [22]
    # Not shifted in the loop: the naive softmax is reported.
    unshifted = source.replace("log_w = log_w_un - logsumexp(log_w_un)\n                ess",
                               "log_w = log_w_un\n                ess")
    assert _rows(unshifted, "NL103") == [21]


@pytest.mark.parametrize("source,expected", [
    ("""
     def f(xs):
         for x in xs:
             p = softmax(x)
         USE(p)
     """, (["softmax(x)"], True)),
    ("""
     def f(xs):
         p = xs
         for x in xs:
             p = softmax(x)
         USE(p)
     """, None),  # the loop may not run and leave `xs`: unknown, as before
    ("""
     def f(p, xs):
         for x in xs:
             p = softmax(x)
         USE(p)
     """, (["softmax(x)"], False)),  # a parameter may come through: not every path
    ("""
     def f(xs):
         for x in xs:
             p = a(x)
             if x:
                 continue
             p = b(x)
         USE(p)
     """, (["a(x)", "b(x)"], True)),  # the value at a `continue` leaves the loop too
    ("""
     def f(xs):
         while True:
             p = a(xs)
             if p:
                 break
             p = b(xs)
         USE(p)
     """, (["a(xs)", "b(xs)"], True)),
    ("""
     def f(xs):
         for x in xs:
             p = a(x)
         else:
             p = b(x)
         USE(p)
     """, None),  # bound in the loop's `else`: unknown
    ("""
     def f(xs, c):
         if c:
             p = a(xs)
         USE(p)
     """, (["a(xs)"], True)),  # on the other path the local is unbound: it raises
    ("""
     p = a(0)
     if c:
         p = b(0)
     USE(p)
     """, (["a(0)", "b(0)"], True)),
    ("""
     if c:
         p = b(0)
     USE(p)
     """, (["b(0)"], False)),  # a module's unbound name may be a builtin
], ids=["loop-only", "bound-before", "parameter", "continue", "break", "loop-else",
        "if-without-else", "module-if", "module-unbound"])
def test_origins_after_loops(source, expected):
    assert _origins(source) == expected


def test_a_softmax_left_by_a_loop_is_reported_naming_the_loop():
    found = _findings("""
        import torch

        def last(zs):
            for z in zs:
                p = torch.softmax(z, -1)
            return torch.log(p)
        """)
    assert [(c, r) for c, r, _ in found] == [("NL101", 6)]
    assert "the `for` loop at line 4" in found[0][2]


# -- NL402: rows and columns non-zero by construction -------------------------------------------

def test_eigenvector_columns_of_a_subspace_iteration():
    """jax's LOBPCG: columns of the eigenvectors of a projected problem (returned through two
    functions of the module) divided by their norm, then their product with an orthonormal
    basis, divided again: both only correct round-off."""
    source = """
        import jax
        import jax.numpy as jnp

        def _mm(a, b, precision=jax.lax.Precision.HIGHEST):
            return jax.lax.dot(a, b, precision=(precision, precision))

        def _eigh_ascending(A):
            w, V = jnp.linalg.eigh(A)
            return w[::-1], V[:, ::-1]

        def _rayleigh_ritz(A, S):
            return _eigh_ascending(_mm(S.T, A(S)))

        def step(A, XPR, k):
            theta, Q = _rayleigh_ritz(A, XPR)
            B = Q[:, :k]
            normB = jnp.linalg.norm(B, ord=2, axis=0, keepdims=True)
            B /= normB
            X = _mm(XPR, B)
            normX = jnp.linalg.norm(X, ord=2, axis=0, keepdims=True)
            X /= normX
            return X
        """
    assert _findings(source, "NL402") == []
    # The columns of a selection of rows are not unit (the product with them, divided by
    # their norm just before, is).
    assert _rows(source.replace("B = Q[:, :k]", "B = Q[:k, :]"), "NL402") == [18]
    # The product's columns come from its right factor, not from a left one.
    assert _rows(source.replace("X = _mm(XPR, B)", "X = _mm(B, XPR)"), "NL402") == [21]
    # Columns normalized with a guard may stay zero: their product is reported.
    guarded = source.replace("B /= normB", "B /= jnp.where(normB == 0, 1.0, normB)")
    assert _rows(guarded, "NL402") == [21]


@pytest.mark.parametrize("source,reported", [
    ("""
     import numpy as np

     def f(a):
         q, r = np.linalg.qr(a)
         q /= np.linalg.norm(q, axis=0, keepdims=True)
         return q
     """, False),
    ("""
     import numpy as np

     def f(a):
         q, r = np.linalg.qr(a)
         return q / np.linalg.norm(q, axis=1, keepdims=True)
     """, True),  # the rows of a thin `q` can be zero
    ("""
     import torch

     def f(a):
         q = torch.linalg.qr(a).Q
         return q / q.norm(dim=0, keepdim=True)
     """, False),
    ("""
     import numpy as np

     def f(a):
         q = np.linalg.qr(a, mode="r")
         return q / np.linalg.norm(q, axis=0, keepdims=True)
     """, True),  # `mode="r"` returns `r` only
    ("""
     import tensorflow as tf

     def f(a):
         s, u, v = tf.linalg.svd(a)
         return u / tf.norm(u, axis=-2, keepdims=True)
     """, False),
    ("""
     import tensorflow as tf

     def f(a):
         s, u, v = tf.linalg.svd(a)
         return s / tf.norm(s, axis=0, keepdims=True)
     """, True),  # TensorFlow's `svd` returns the singular values first
    ("""
     import numpy as np

     def f(a, b):
         q, _ = np.linalg.qr(b)
         x = a @ q
         return x / np.linalg.norm(x, axis=0, keepdims=True)
     """, False),
], ids=["qr-columns", "qr-rows", "torch-named-tuple", "qr-mode-r", "tf-svd-u", "tf-svd-s",
        "product"])
def test_orthonormal_factors(source, reported):
    assert bool(_findings(source, "NL402")) is reported


def test_rows_whose_diagonal_was_set_to_one():
    """TFP's correlation Cholesky bijector: the diagonal is set to ones, then each row is
    normalized: every row holds a 1."""
    source = """
        import tensorflow as tf

        def forward(y, n):
            diag = tf.ones([n], dtype=y.dtype)
            y = tf.linalg.set_diag(y, diag)
            y /= tf.norm(y, axis=-1)[..., tf.newaxis]
            return y
        """
    assert _findings(source, "NL402") == []
    assert _rows(source.replace("tf.ones(", "tf.zeros("), "NL402") == [6]
    assert _rows(source.replace("diag = tf.ones([n], dtype=y.dtype)", "diag = y[0]"),
                 "NL402") == [6]


def test_weights_normalized_by_their_l1_norm():
    """TFP's quadrature weights: `w / norm(w, ord=1, axis=-1)` turns weights into a
    distribution, as `w / w.sum(-1)` does (silent); of values known non-negative it is a sum
    that a zero row makes zero (reported, as the sum is)."""
    source = """
        import tensorflow as tf

        def weights(probs):
            probs = tf.convert_to_tensor(probs)
            probs /= tf.norm(probs, ord=1, axis=-1, keepdims=True)
            return probs
        """
    assert _findings(source, "NL402") == []
    assert _rows(source.replace("tf.convert_to_tensor(probs)", "tf.abs(probs)"),
                 "NL402") == [5]
    # The L2 norm of the same weights stays reported.
    assert _rows(source.replace("ord=1, ", ""), "NL402") == [5]


def test_true_findings_stay():
    """The true findings beside these cases: scikit-learn's FastICA `S /= S_std`, espnet's
    `torch.div(x, norm)`, a zero row of embeddings."""
    found = _findings("""
        import numpy as np
        import torch

        def fast_ica(S):
            S_std = np.std(S, axis=0, keepdims=True)
            S /= S_std
            return S

        def am_softmax(x):
            x_norm = torch.norm(x, p=2, dim=1, keepdim=True)
            return torch.div(x, x_norm)

        def embed(e):
            e = e.clone()
            e /= e.norm(dim=-1, keepdim=True)
            return e
        """, "NL402")
    assert [r for _, r, _ in found] == [6, 11, 15]
