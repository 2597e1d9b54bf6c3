"""Local dataflow: what a name or `self.` attribute holds where it is used, and the calls the
model sees through (held layers, models ending in an activation, one-hop functions)."""

import ast

import pytest

from numlint.engine.semantic.model import SemanticModel

from conftest import dedent


def origin_at(source: str):
    """The origin of the argument of `USE(...)` in `source`: (text, remote, operation kind)."""
    tree = ast.parse(dedent(source))
    model = SemanticModel(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "USE":
            origin = model.origin(node.args[0])
            op = origin.op
            return ast.unparse(origin.expr), origin.remote, op.kind if op else None
    raise AssertionError("no USE(...) in the source")


SOFTMAX = ("torch.softmax(z, 1)", True, "softmax")
UNKNOWN = ("p", False, None)


@pytest.mark.parametrize("source,expected", [
    ("""
     p = torch.softmax(z, 1)
     USE(p)
     """, SOFTMAX),
    ("""
     for batch in data:
         p = torch.softmax(z, 1)
         USE(p)
     """, SOFTMAX),
    ("""
     p = torch.softmax(z, 1)
     with tf.Session() as session:
         USE(p)
     """, SOFTMAX),
    ("""
     def f(z):
         q = torch.softmax(z, 1)
         p = q
         USE(p)
     """, SOFTMAX),
    ("""
     a, p = z, torch.softmax(z, 1)
     USE(p)
     """, SOFTMAX),
    ("""
     p = torch.softmax(z, 1)
     def f():
         USE(p)
     """, SOFTMAX),
    ("""
     def f(z):
         p = torch.softmax(z, 1)
         return [USE(p) for _ in range(3)]
     """, SOFTMAX),
], ids=["same-block", "loop-body", "nested-block", "chain", "tuple", "free-name",
        "comprehension"])
def test_reaching_assignment(source, expected):
    assert origin_at("import torch\n" + dedent(source)) == expected


@pytest.mark.parametrize("source", [
    """
    if c:
        p = torch.softmax(z, 1)
    USE(p)
    """,
    """
    p = torch.softmax(z, 1)
    for i in range(3):
        USE(p)
        p = p * 2
    """,
    """
    p = torch.softmax(z, 1)
    while c:
        USE(p)
        p += 1
    """,
    """
    try:
        p = torch.softmax(z, 1)
    except ValueError:
        p = None
    USE(p)
    """,
    """
    def f():
        global p
        p = torch.softmax(z, 1)
        USE(p)
    """,
    """
    def outer():
        p = torch.softmax(z, 1)
        def inner():
            nonlocal p
            USE(p)
        return inner
    """,
    """
    p = torch.softmax(z, 1)
    p = torch.sigmoid(z)
    def f():
        USE(p)
    """,
    """
    for p in outputs:
        USE(p)
    """,
    """
    with open(path) as p:
        USE(p)
    """,
    """
    if (p := torch.softmax(z, 1)) is not None:
        USE(p)
    """,
    """
    def f(p):
        USE(p)
    """,
], ids=["other-branch", "rebound-in-loop", "augmented-in-loop", "try-except", "global",
        "nonlocal", "two-module-bindings", "loop-variable", "with-target", "walrus",
        "parameter"])
def test_unknown_values(source):
    assert origin_at("import torch\n" + dedent(source)) == UNKNOWN


def test_reassignment_between_definition_and_use_wins():
    assert origin_at("""
        import torch
        p = torch.softmax(z, 1)
        p = torch.sigmoid(z)
        USE(p)
        """) == ("torch.sigmoid(z)", True, "sigmoid")


@pytest.mark.parametrize("source,expected", [
    ("""
     class M:
         def step(self, z):
             self.p = torch.softmax(z, 1)
             USE(self.p)
     """, SOFTMAX),
    ("""
     class M:
         def __init__(self, z):
             self.p = torch.softmax(z, 1)
         def loss(self):
             USE(self.p)
     """, SOFTMAX),
    ("""
     class M:
         def __init__(self, z):
             self.p = torch.softmax(z, 1)
         def update(self, z):
             self.p = z
         def loss(self):
             USE(self.p)
     """, ("self.p", False, None)),
    ("""
     class M:
         def step(self, z):
             if z:
                 self.p = torch.softmax(z, 1)
             USE(self.p)
     """, ("self.p", False, None)),
    ("""
     class M:
         @staticmethod
         def step(self, z):
             self.p = torch.softmax(z, 1)
             USE(self.p)
     """, ("self.p", False, None)),
], ids=["same-method", "from-init", "assigned-twice", "other-branch", "staticmethod"])
def test_self_attributes(source, expected):
    assert origin_at("import torch\n" + dedent(source)) == expected


@pytest.mark.parametrize("source,kind,form", [
    ("""
     class M(nn.Module):
         def __init__(self):
             self.act = nn.Softmax(dim=1)
         def forward(self, h):
             return USE(self.act(h))
     """, "softmax", "layer"),
    ("""
     model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
     def train(X):
         USE(model(X))
     """, "sigmoid", "model"),
    ("""
     class M(nn.Module):
         def __init__(self):
             self.net = nn.Sequential(nn.Linear(4, 2), nn.Sequential(nn.ReLU(), nn.Softmax(1)))
         def forward(self, x):
             USE(self.net(x))
     """, "softmax", "model"),
    ("""
     class Net(nn.Module):
         def forward(self, x):
             if self.training:
                 return torch.sigmoid(self.fc(x))
             h = self.fc(x)
             return torch.sigmoid(h)
     net = Net()
     USE(net(x))
     """, "sigmoid", "model"),
    ("""
     from scipy.special import softmax
     class Classifier:
         def predict_proba(self, X):
             scores = X @ self.w
             return softmax(scores, axis=1)
         def loss(self, X):
             USE(self.predict_proba(X))
     """, "softmax", "returned"),
    ("""
     def predict(x):
         return torch.sigmoid(x)
     USE(predict(x))
     """, "sigmoid", "returned"),
], ids=["held-layer", "sequential", "nested-sequential", "class-forward", "one-hop-method",
        "one-hop-function"])
def test_calls_seen_through(source, kind, form):
    tree = ast.parse("import torch\nfrom torch import nn\n" + dedent(source))
    model = SemanticModel(tree)
    use = next(n for n in ast.walk(tree)
               if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "USE")
    op = model.op(use.args[0])
    assert (op.kind, op.form) == (kind, form)
    if form != "layer":
        assert op.operand is None and not op.bound  # reported, never fixed


@pytest.mark.parametrize("source", [
    """
    model = nn.Sequential(nn.Linear(4, 1), nn.ReLU())
    USE(model(X))
    """,
    """
    def predict(x):
        return torch.sigmoid(x) if x.ndim else torch.softmax(x, 0)
    USE(predict(x))
    """,
    """
    def f(x):
        return f(x)
    USE(f(x))
    """,
    """
    def gen(x):
        yield torch.sigmoid(x)
        return torch.sigmoid(x)
    USE(gen(x))
    """,
], ids=["no-activation", "mixed", "recursive", "generator"])
def test_calls_not_seen_through(source):
    tree = ast.parse("import torch\nfrom torch import nn\n" + dedent(source))
    model = SemanticModel(tree)
    use = next(n for n in ast.walk(tree)
               if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "USE")
    assert model.op(use.args[0]) is None


@pytest.mark.parametrize("between,portable", [
    ("", True),
    ("other = 1", True),
    ("z = z * 2", False),
    ("if c:\n    z = 0", False),
])
def test_portable(between, portable):
    source = "import torch\np = torch.softmax(z, 1)\n" + between + "\nUSE(p)\n"
    tree = ast.parse(source)
    model = SemanticModel(tree)
    use = next(n for n in ast.walk(tree)
               if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "USE")
    origin = model.origin(use.args[0])
    assert origin.remote
    assert model.portable(origin, use.args[0]) is portable


# -- after a branch, a name may hold any branch's value (issue 12) --------------------------------

def _codes(source):
    from numlint import check_source
    return [(d.code, d.start.row, d.message) for d in check_source(dedent(source), "m.py")]


def test_a_hazard_on_one_branch_is_reported_naming_the_branch():
    found = _codes("""
        import torch
        import torch.nn.functional as F

        def loss(y_pred, y_true, from_logits):
            if not from_logits:
                y_pred = torch.sigmoid(y_pred)
            return F.binary_cross_entropy(y_pred, y_true)
        """)
    assert [(c, r) for c, r, _ in found] == [("NL203", 7)]
    assert "the `if` branch at line 5" in found[0][2]


def test_a_softmax_in_one_arm_of_a_tuple_assignment_branch():
    found = _codes("""
        import torch
        import torch.nn.functional as F

        def kl(y, y_hat, normalize):
            if normalize:
                y = y.softmax(-1)
            else:
                y = y / y.sum(-1, keepdim=True)
            return F.kl_div(y.log(), y_hat)
        """)
    assert [(c, r) for c, r, _ in found] == [("NL101", 9)]


def test_a_guard_counts_only_on_every_path():
    shifted_on_both = """
        import torch

        def lse(x, keepdim):
            if keepdim:
                stable = x - x.max(1, keepdim=True)[0]
            else:
                stable = x - x.max(1)[0].unsqueeze(1)
            return stable.exp().sum(1).log()
        """
    assert _codes(shifted_on_both) == []
    shifted_on_one = shifted_on_both.replace("stable = x - x.max(1)[0].unsqueeze(1)",
                                             "stable = x")
    assert [c for c, _, _ in _codes(shifted_on_one)] == ["NL102"]


def test_try_except_and_walrus():
    found = _codes("""
        import torch
        import torch.nn.functional as F

        def a(z):
            try:
                p = F.softmax(z, -1)
            except RuntimeError:
                p = z
            return torch.log(p)

        def b(z):
            if (p := F.softmax(z, -1)) is not None:
                return torch.log(p)
        """)
    assert [(c, r) for c, r, _ in found] == [("NL101", 9), ("NL101", 13)]


def test_a_loop_that_rebinds_later_stays_unknown():
    assert _codes("""
        import torch

        def f(z, n):
            p = z
            for _ in range(n):
                q = torch.log(p)
                p = torch.softmax(q, -1)
            return q
        """) == []


def test_names_casts_layers_held_in_names_and_temperatures():
    found = _codes("""
        import numpy as np
        import tensorflow as tf
        import torch
        from torch import nn

        def lse(x):
            e = np.exp(x)
            s = e.sum(axis=1)
            return np.log(s)

        def variance(x, dtype):
            mean_sq = tf.reduce_mean(tf.square(x))
            mean_sq = tf.cast(mean_sq, dtype)
            mean = tf.cast(tf.reduce_mean(x), dtype)
            return mean_sq - tf.square(mean)

        act = nn.Sigmoid()
        model = nn.Sequential(nn.Linear(4, 1), act)

        def bce(x, y):
            return nn.BCELoss()(model(x), y)

        def tempered(s, t):
            return ((s - s.max(1, keepdims=True)) / t).exp().sum(1).log()
        """)
    assert [(c, r) for c, r, _ in found] == [("NL102", 9), ("NL401", 15), ("NL203", 21)]


def test_a_loop_that_rebinds_the_name_makes_it_unknown():
    """`probs = softmax(scores)`, then a loop reweighting it, then `log(probs)` (transformers'
    watermarking processor): the log is of the product, not of the softmax."""
    assert _codes("""
        import torch

        def update(scores, g, depth):
            probs = torch.softmax(scores, dim=1)
            for i in range(depth):
                probs = probs * (1 + g[:, :, i])
            return torch.log(probs)
        """) == []


def test_a_keras_model_ending_in_a_dense_softmax():
    found = _codes("""
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(64, activation="relu"),
                                  layers.Dense(10, activation="softmax")])

        def loss(x, y):
            return keras.losses.categorical_crossentropy(y, model(x), from_logits=True)
        """)
    assert [c for c, _, _ in found] == ["NL202"]


def test_a_method_that_may_return_a_softmax_and_static_methods():
    found = _codes("""
        import numpy as np
        from scipy.special import softmax


        class Classifier:
            def predict_proba(self, X):
                if self.ovr:
                    return self._ovr_proba(X)
                return softmax(X @ self.coef_, axis=1)

            def predict_log_proba(self, X):
                return np.log(self.predict_proba(X))

            @staticmethod
            def _from_decision(decision):
                return softmax(decision, axis=1)

            def log_proba(self, X):
                return np.log(self._from_decision(X @ self.coef_))
        """)
    assert [(c, r) for c, r, _ in found] == [("NL101", 12), ("NL101", 19)]


def test_a_function_that_returns_an_activation_or_none_returns_the_activation():
    tree = ast.parse(dedent("""
        import torch

        def predict(x):
            if x is None:
                return None
            return torch.sigmoid(x)
        USE(predict(x))
        """))
    model = SemanticModel(tree)
    use = next(n for n in ast.walk(tree)
               if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "USE")
    op = model.op(use.args[0])
    assert (op.kind, op.form) == ("sigmoid", "returned")


def test_module_spellings_real_packages_use():
    found = _codes("""
        import tensorflow.compat.v2 as tf
        from keras.src import ops

        def a(z):
            return tf.math.log(tf.nn.softmax(z))

        def b(z):
            return ops.log(ops.softmax(z))
        """)
    assert [(c, r) for c, r, _ in found] == [("NL101", 5), ("NL101", 8)]


def test_the_target_of_an_augmented_assignment_holds_the_value_before_it():
    """The left operand of `p /= 2` is the `p` that reaches the statement."""
    tree = ast.parse(dedent("""
        import torch
        p = torch.softmax(z, 1)
        p /= 2
        """))
    model = SemanticModel(tree)
    statement = tree.body[-1]
    op = model.op(statement)
    assert op is not None and op.kind == "div"
    origin = model.origin(op.left)
    assert (ast.unparse(origin.expr), origin.remote) == ("torch.softmax(z, 1)", True)


@pytest.mark.parametrize("statement", ["p /= 2", "p -= p.max(1)", "p += 1"])
def test_after_an_augmented_assignment_the_value_is_unknown(statement):
    """After `p /= 2`, `p` is the quotient, not the softmax it was: no origin is given."""
    assert origin_at(f"""
        import torch
        p = torch.softmax(z, 1)
        {statement}
        USE(p)
        """) == UNKNOWN
