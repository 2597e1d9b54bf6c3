"""A function that puts its parameter in a hazardous position (`def nll(p): return
-torch.log(p).mean()`), called with a softmax or sigmoid output (issue 12).

Reported at the call site, naming the function: the findings for a file depend only on the
modules it imports, so they are the same whether the whole project, the file alone or stdin is
checked, and a warm cache drops them when the function's module changes."""

import json

import pytest

from test_project import check, check_stdin, findings, make

PROJECT = {
    "pkg/__init__.py": "from .losses import nll as negative_log_likelihood\n",
    "pkg/losses.py": """
        import torch
        import torch.nn.functional as F


        def nll(p, y):
            return -torch.log(p)[torch.arange(len(y)), y].mean()


        def bce(p, y):
            return F.binary_cross_entropy(p, y)


        def total(p, y):
            return nll(p, y) + bce(p.max(-1).values, y.float())


        def guarded(p):
            return torch.log(p + 1e-8)


        def ce(logits, targets):
            return F.cross_entropy(logits, targets)


        def log_prob_loss(logp, t):
            return F.nll_loss(logp, t)
        """,
    "pkg/train.py": """
        import torch
        import torch.nn.functional as F

        from pkg import negative_log_likelihood
        from .losses import bce, ce, guarded, log_prob_loss, nll, total


        def step(z, y):
            a = nll(torch.softmax(z, -1), y)
            p = torch.softmax(z, dim=-1)
            b = total(p, y=y)
            c = bce(torch.sigmoid(z), y)
            d = guarded(p) + nll(z, y)
            e = negative_log_likelihood(y=y, p=p)
            f = ce(p, y) + log_prob_loss(F.softmax(z, 1), y)
            return a + b + c + d + e + f
        """,
}
FINDINGS = {("pkg/train.py", 9, "NL101"),    # nll(softmax(z))
            ("pkg/train.py", 11, "NL101"),   # total(p): through nll in the same module
            ("pkg/train.py", 12, "NL203"),   # bce(sigmoid(z))
            ("pkg/train.py", 14, "NL101"),   # a re-export, keyword arguments
            ("pkg/train.py", 15, "NL202"),   # ce(softmax): cross_entropy applies a softmax
            ("pkg/train.py", 15, "NL201")}   # nll_loss of probabilities


def test_reported_at_the_call_site_at_every_scope(run, write, tmp_path):
    make(write, PROJECT)
    assert check(run, ".") == FINDINGS
    assert check(run, "pkg/train.py") == FINDINGS
    assert check_stdin(run, tmp_path, "pkg/train.py") == FINDINGS


def test_the_message_names_the_function_and_its_line(run, write):
    make(write, PROJECT)
    result = run("check", "--no-cache", "--output-format", "json", "pkg/train.py")
    messages = {(d["location"]["row"], d["code"]): d["message"] for d in json.loads(result.output)}
    assert messages[(9, "NL101")].startswith(
        "`nll` takes the log of its parameter `p` (pkg.losses, line 6)")
    assert "(pkg.losses, line 10)" in messages[(12, "NL203")]
    assert all(d["fix"] is None for d in json.loads(result.output))


def test_a_warm_cache_drops_the_finding_when_the_function_guards_its_log(run, write, tmp_path):
    make(write, PROJECT)
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == FINDINGS
    assert warm() == FINDINGS  # from the cache
    losses = tmp_path / "pkg" / "losses.py"
    original = losses.read_text()
    losses.write_text(original.replace("-torch.log(p)[", "-torch.log(p + 1e-8)["))
    assert warm() == FINDINGS - {("pkg/train.py", 9, "NL101"), ("pkg/train.py", 11, "NL101"),
                                 ("pkg/train.py", 14, "NL101")}
    losses.write_text(original)
    assert warm() == FINDINGS


def test_within_one_module(run, write):
    write("m.py", """
        import torch


        def nll(p, y):
            return -torch.log(p).mean()


        def step(z, y):
            probs = torch.softmax(z, dim=-1)
            loss = nll(probs, y)
            probs = z
            return loss + nll(probs, y) + nll(y, torch.softmax(z, -1))
        """)
    assert check(run, ".") == {("m.py", 10, "NL101")}  # not the rebound name, not `y`


def test_a_loss_object_held_in_a_name_is_a_hazardous_position(run, write, tmp_path):
    # `criterion(p, y)` after `criterion = nn.BCELoss()` (at module level or in the function)
    # puts `p` in a loss as `F.binary_cross_entropy(p, y)` does.
    make(write, {
        "pkg/__init__.py": "",
        "pkg/losses.py": """
            import torch.nn as nn

            criterion = nn.BCELoss()


            def bce(p, y):
                return criterion(p, y)


            def ce(p, y):
                loss = nn.CrossEntropyLoss()
                return loss(p, y)


            def named(p, y):
                other = len
                return other(p)
            """,
        "pkg/train.py": """
            import torch

            from .losses import bce, ce, named


            def step(z, y):
                a = bce(torch.sigmoid(z), y)
                b = ce(torch.softmax(z, -1), y)
                return a + b + named(torch.sigmoid(z), y)
            """,
    })
    expected = {("pkg/train.py", 7, "NL203"), ("pkg/train.py", 8, "NL202")}
    assert check(run, ".") == expected
    assert check(run, "pkg/train.py") == expected
    losses = tmp_path / "pkg" / "losses.py"
    losses.write_text(losses.read_text().replace("criterion = nn.BCELoss()",
                                                 "criterion = nn.BCEWithLogitsLoss()"))
    # A logits loss given a sigmoid output: the sigmoid is applied twice (NL202, not NL203).
    assert check(run, "pkg/train.py") == {("pkg/train.py", 7, "NL202"),
                                          ("pkg/train.py", 8, "NL202")}


def test_methods_of_the_checked_module_are_hazardous_positions(run, write):
    # A method that puts its parameter in a loss or a log (also through a loss object its
    # `__init__` holds), called on `self` or on an instance of the class.
    write("m.py", """
        import torch
        import torch.nn.functional as F


        class Model:
            def __init__(self):
                self.criterion = torch.nn.BCELoss()

            def loss(self, p, y):
                return F.binary_cross_entropy(p, y)

            def held(self, p, y):
                return self.criterion(p, y)

            @staticmethod
            def nll(p):
                return -torch.log(p).mean()

            def step(self, z, y):
                a = self.loss(torch.sigmoid(z), y)
                b = self.held(torch.sigmoid(z), y) + self.nll(torch.softmax(z, -1))
                return a + b + self.loss(z, y) + self.nll(z)


        def train(z, y):
            model = Model()
            return model.loss(torch.sigmoid(z), y)
        """)
    assert check(run, ".") == {("m.py", 20, "NL203"), ("m.py", 21, "NL203"),
                               ("m.py", 21, "NL101"), ("m.py", 27, "NL203")}


def test_a_sigmoid_passed_to_another_modules_log(run, write):
    # NL505 at the call site, as NL101 for a softmax; `train.py` spells no log (its import
    # provides it to the prefilter).
    make(write, {
        "pkg/__init__.py": "",
        "pkg/scores.py": "import torch\n\ndef log_lik(p):\n    return torch.log(p).sum()\n",
        "pkg/train.py": "import torch\nfrom .scores import log_lik\n\n"
                        "def step(z):\n    return log_lik(torch.sigmoid(z))\n",
    })
    assert check(run, ".") == {("pkg/train.py", 5, "NL505")}
    assert check(run, "pkg/train.py") == {("pkg/train.py", 5, "NL505")}


def test_a_prefiltered_module_asks_its_imports_for_the_log(run, write):
    """`train.py` spells a softmax but no log: the log its import provides lets it through."""
    make(write, {
        "pkg/__init__.py": "",
        "pkg/losses.py": "import torch\n\ndef nll(p):\n    return -torch.log(p).mean()\n",
        "pkg/train.py": "import torch\nfrom .losses import nll\n\n"
                        "def step(z):\n    return nll(torch.softmax(z, -1))\n",
    })
    assert check(run, "pkg/train.py") == {("pkg/train.py", 5, "NL101")}


def test_sinks_survive_json_and_reject_nonsense():
    from numlint.engine.semantic.project import ModuleSummary, Sink
    summary = ModuleSummary("m", sinks={"nll": (Sink("p", "log", None, 3),),
                                        "bce": (Sink("p", "binary_cross_entropy",
                                                     "probabilities", 7),)},
                            parameters={"nll": ("p",), "bce": ("p", "y")})
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.digest() == summary.digest()
    assert {"log", "binary_cross_entropy"} <= summary.kinds
    for bad in (["p", "exp", None, 3], ["p", "log", "odds", 3], [1, "log", None, 3],
                ["p", "log", None, -1], ["p", "log", None, True], ["p", "log", None]):
        broken = summary.to_json()
        broken["sinks"] = {"nll": [bad]}
        with pytest.raises(ValueError):
            ModuleSummary.from_json(broken)
    broken = summary.to_json()
    broken["schema"] = 2
    with pytest.raises(ValueError):
        ModuleSummary.from_json(broken)


# -- methods returning another module's function's result --------------------------------------

METHODS = {
    "pkg/__init__.py": "",
    "pkg/ops.py": """
        from scipy.special import softmax


        def probs(z):
            return softmax(z, axis=1)
        """,
    "pkg/models.py": """
        from .ops import probs


        class SoftmaxRegression:
            def __init__(self, w):
                self.w = w

            def predict_proba(self, X):
                return probs(X @ self.w)
        """,
    "pkg/train.py": """
        import numpy as np

        from .models import SoftmaxRegression


        class Sub(SoftmaxRegression):
            def predict_log_proba(self, X):
                return np.log(self.predict_proba(X))


        def nll(model: SoftmaxRegression, X):
            return np.log(model.predict_proba(X))


        def fit(X, w):
            clf = SoftmaxRegression(w)
            return np.log(clf.predict_proba(X))
        """,
}
METHOD_FINDINGS = {("pkg/train.py", 8, "NL101"),    # an inherited method
                   ("pkg/train.py", 12, "NL101"),   # an annotated parameter
                   ("pkg/train.py", 17, "NL101")}   # an instance in a name


def test_a_method_returning_another_modules_function_result(run, write, tmp_path):
    """`models.py` never spells a softmax: its method delegates to `ops.probs`."""
    make(write, METHODS)
    assert check(run, ".") == METHOD_FINDINGS
    assert check(run, "pkg/train.py") == METHOD_FINDINGS
    assert check_stdin(run, tmp_path, "pkg/train.py") == METHOD_FINDINGS


def test_a_warm_cache_follows_a_method_delegation(run, write, tmp_path):
    make(write, METHODS)
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == METHOD_FINDINGS
    assert warm() == METHOD_FINDINGS
    ops = tmp_path / "pkg" / "ops.py"
    original = ops.read_text()
    ops.write_text(original.replace("return softmax(z, axis=1)", "return z"))
    assert warm() == set()
    ops.write_text(original)
    assert warm() == METHOD_FINDINGS


def test_class_delegations_survive_json_and_reject_nonsense():
    from numlint.engine.semantic.project import ClassSummary, Delegation, ModuleSummary
    summary = ModuleSummary("m", classes={"C": ClassSummary(
        delegations={"predict": Delegation("pkg.ops.probs", ("X",))},
        parameters={"predict": ("X",)})})
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.digest() == summary.digest()
    broken = summary.to_json()
    broken["classes"]["C"]["delegations"] = {"predict": ["pkg.ops.probs", [3], {}]}
    with pytest.raises(ValueError):
        ModuleSummary.from_json(broken)
    broken = summary.to_json()
    del broken["classes"]["C"]["parameters"]
    with pytest.raises(ValueError):
        ModuleSummary.from_json(broken)


# -- a parameter passed on to another module's function -----------------------------------------

FORWARDS = {
    "pkg/__init__.py": "",
    "pkg/losses.py": """
        import torch


        def nll(p, y):
            return -torch.log(p)[torch.arange(len(y)), y].mean()
        """,
    "pkg/utils.py": """
        from . import losses
        from .losses import nll


        def compute_loss(probs, targets):
            return losses.nll(probs, targets) * 2


        def by_keyword(q, y):
            return nll(y=y, p=q)


        def not_the_probabilities(q, y):
            return nll(y, q)
        """,
    "pkg/train.py": """
        import torch

        from .utils import by_keyword, compute_loss, not_the_probabilities


        def step(z, y):
            a = compute_loss(torch.softmax(z, -1), y)
            b = by_keyword(torch.softmax(z, 1), y)
            return a + b + not_the_probabilities(torch.softmax(z, 1), y)
        """,
}
FORWARD_FINDINGS = {("pkg/train.py", 7, "NL101"), ("pkg/train.py", 8, "NL101")}


def test_a_parameter_passed_on_to_another_modules_function(run, write, tmp_path):
    """Neither `train.py` nor `utils.py` spells a log: `utils.compute_loss` passes its
    parameter to `losses.nll`, which takes its log."""
    make(write, FORWARDS)
    assert check(run, ".") == FORWARD_FINDINGS
    assert check(run, "pkg/train.py") == FORWARD_FINDINGS
    result = run("check", "--no-cache", "--output-format", "json", "pkg/train.py")
    message = next(d["message"] for d in json.loads(result.output) if d["location"]["row"] == 7)
    assert message.startswith("`compute_loss` takes the log of its parameter `probs` "
                              "(pkg.losses, line 5)")
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == FORWARD_FINDINGS
    losses = tmp_path / "pkg" / "losses.py"
    original = losses.read_text()
    losses.write_text(original.replace("torch.log(p)", "torch.log(p.clamp_min(1e-12))"))
    assert warm() == set()
    losses.write_text(original)
    assert warm() == FORWARD_FINDINGS


def test_forwarding_in_a_cycle_ends_silently(run, write):
    write("a.py", "import b\n\ndef f(p):\n    return b.g(p)\n")
    write("b.py", "import a\n\ndef g(p):\n    return a.f(p)\n")
    write("c.py", "import torch\nfrom a import f\n\ndef h(z):\n    return f(torch.softmax(z, -1))\n")
    assert check(run, ".") == set()


def test_forwards_survive_json_and_reject_nonsense():
    from numlint.engine.semantic.project import Forward, ModuleSummary
    summary = ModuleSummary("m", forwards={"f": (Forward("p", "pkg.losses.nll", 0),
                                                 Forward("y", "pkg.losses.nll", None, "y"))},
                            parameters={"f": ("p", "y")})
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.digest() == summary.digest()
    for bad in (["p", "t", None, None], ["p", "t", 0, "y"], ["p", "t", -1, None],
                ["p", "t", True, None], [1, "t", 0, None], ["p", "t", 0]):
        broken = summary.to_json()
        broken["forwards"] = {"f": [bad]}
        with pytest.raises(ValueError):
            ModuleSummary.from_json(broken)


def test_a_function_of_the_checked_module_passing_its_parameter_on(run, write, tmp_path):
    """`same.py` spells no log, and imports the module (`from . import losses`), not the
    function: the prefilter reads the submodule's summary."""
    make(write, {"pkg/__init__.py": "", "pkg/losses.py": FORWARDS["pkg/losses.py"],
                 "pkg/same.py": """
                     import torch

                     from . import losses


                     def loss(p, y):
                         return losses.nll(p, y)


                     def step(z, y):
                         return loss(torch.softmax(z, -1), y)
                     """})
    assert check(run, ".") == {("pkg/same.py", 11, "NL101")}
    assert check_stdin(run, tmp_path, "pkg/same.py") == {("pkg/same.py", 11, "NL101")}


# -- an activation returned by a function of the project, passed to one with a sink ------------

RETURNED = {
    "pkg/__init__.py": "",
    "pkg/nets.py": """
        import torch
        from torch import nn


        def probs(logits):
            return torch.softmax(logits, dim=-1)


        def scores(x, w):
            return x @ w


        class Discriminator(nn.Module):
            def forward(self, x):
                return torch.sigmoid(x.sum(-1))
        """,
    "pkg/losses.py": """
        import torch


        def nll(p, y):
            return -torch.log(p)[torch.arange(len(y)), y].mean()
        """,
    # The activations come from the other module's summary; the functions taking their log
    # are this module's own.
    "pkg/train.py": """
        import torch
        import torch.nn.functional as F

        from .losses import nll
        from .nets import Discriminator, probs, scores


        def log_lik(p, y):
            return torch.log(p).gather(1, y[:, None]).sum()


        class Critic:
            def bce(self, p, y):
                return F.binary_cross_entropy(p, y)

            def step(self, x, w, z, y):
                a = log_lik(probs(z), y)
                q = probs(z)
                b = log_lik(q, y=y)
                disc = Discriminator()
                c = self.bce(disc(x), y)
                d = log_lik(scores(x, w), y) + log_lik(z, y) + log_lik(y, probs(z))
                return a + b + c + d + nll(probs(z), y)
        """,
    # An activation returned by a function of the same module.
    "pkg/local.py": """
        import torch


        def predict(z):
            return torch.softmax(z, -1)


        def log_lik(p):
            return torch.log(p).sum()


        def step(z):
            return log_lik(predict(z)) + log_lik(z)
        """,
}
RETURNED_FINDINGS = {("pkg/train.py", 17, "NL101"),   # log_lik(probs(z))
                     ("pkg/train.py", 23, "NL101"),   # nll(probs(z)): both imported
                     ("pkg/train.py", 19, "NL101"),   # through a name, by keyword
                     ("pkg/train.py", 21, "NL203"),   # self.bce(disc(x)): a model's sigmoid
                     ("pkg/local.py", 13, "NL101")}   # log_lik(predict(z))


def test_a_returned_activation_passed_to_a_sink_at_every_scope(run, write, tmp_path):
    make(write, RETURNED)
    assert check(run, ".") == RETURNED_FINDINGS
    for path in ("pkg/train.py", "pkg/local.py"):
        alone = {f for f in RETURNED_FINDINGS if f[0] == path}
        assert check(run, path) == alone
        assert check_stdin(run, tmp_path, path) == alone
    # At the argument; not `log_lik(y, probs(z))` (not the parameter with the log).
    assert check(run, "pkg/local.py", columns=True) == {("pkg/local.py", 13, "NL101", 20)}
    assert ("pkg/train.py", 22, "NL101") not in check(run, "pkg/train.py")


def test_a_returned_activation_names_the_function_taking_its_log(run, write):
    make(write, RETURNED)
    result = run("check", "--no-cache", "--output-format", "json", "pkg/train.py")
    messages = {d["location"]["row"]: d["message"] for d in json.loads(result.output)}
    assert messages[17].startswith("`log_lik` takes the log of its parameter `p` (line 9), "
                                   "passed a softmax output here")
    assert messages[21].startswith("`bce` computes a binary cross-entropy of its parameter "
                                   "`p` (line 14), passed a sigmoid output here")
    assert all(d["fix"] is None for d in json.loads(result.output))


def test_a_warm_cache_drops_a_returned_activation_when_its_function_changes(
        run, write, tmp_path):
    make(write, RETURNED)
    warm = lambda: findings(run("check", "--output-format", "json", "pkg/train.py"))  # noqa: E731
    train = {f for f in RETURNED_FINDINGS if f[0] == "pkg/train.py"}
    assert warm() == train
    assert warm() == train  # from the cache
    nets = tmp_path / "pkg" / "nets.py"
    original = nets.read_text()
    nets.write_text(original.replace("return torch.softmax(logits, dim=-1)", "return logits"))
    assert warm() == {("pkg/train.py", 21, "NL203")}
    nets.write_text(original.replace("return torch.sigmoid(x.sum(-1))", "return x.sum(-1)"))
    assert warm() == train - {("pkg/train.py", 21, "NL203")}
    nets.write_text(original)
    assert warm() == train


def test_both_halves_imported(run, write, tmp_path):
    """`nll(probs(z))`, `nll` and `probs` imported from modules of the project: asked only
    because an argument is a call of an imported name; the module spells neither a log nor a
    softmax. A warm re-check drops it when `nll` guards its log."""
    make(write, RETURNED)
    write("pkg/both.py", "from .losses import nll\nfrom .nets import Discriminator, probs\n\n\n"
                         "def f(z, y, x):\n    q = probs(z)\n"
                         "    return nll(probs(z), y) + nll(q, y) + nll(Discriminator()(x), y)\n")
    expected = {("pkg/both.py", 7, "NL101", 16), ("pkg/both.py", 7, "NL101", 35),
                ("pkg/both.py", 7, "NL505", 47)}
    assert check(run, "pkg/both.py", columns=True) == expected
    warm = lambda: findings(run("check", "--output-format", "json", "pkg/both.py"))  # noqa: E731
    assert warm() == {f[:3] for f in expected}
    losses = tmp_path / "pkg" / "losses.py"
    losses.write_text(losses.read_text().replace("-torch.log(p)[", "-torch.log(p + 1e-8)["))
    assert warm() == set()


def test_an_imported_function_given_this_modules_activation(run, write, tmp_path):
    """`nll(predict(z))`: `nll` imported, `predict` (or a network) of the checked module. The
    producer is read from this module only once `nll`'s own lines spell a log or a loss; a
    warm re-check drops it when `nll` guards its log."""
    make(write, RETURNED)
    write("pkg/mine.py", """
import torch
from torch import nn

from .losses import nll


def predict(z):
    return torch.softmax(z, -1)


def identity(z):
    return z


class Head(nn.Module):
    def forward(self, x):
        return torch.softmax(x, 1)


def f(z, y, x):
    head = Head()
    q = predict(z)
    return nll(predict(z), y) + nll(q, y) + nll(Head()(x), y) + nll(head(x), y) \\
        + nll(identity(z), y) + len(predict(z))
""")
    expected = {("pkg/mine.py", 23, "NL101", 16), ("pkg/mine.py", 23, "NL101", 37),
                ("pkg/mine.py", 23, "NL101", 49), ("pkg/mine.py", 23, "NL101", 69)}
    assert check(run, "pkg/mine.py", columns=True) == expected
    assert check_stdin(run, tmp_path, "pkg/mine.py") == {f[:3] for f in expected}
    warm = lambda: findings(run("check", "--output-format", "json", "pkg/mine.py"))  # noqa: E731
    assert warm() == {f[:3] for f in expected}
    losses = tmp_path / "pkg" / "losses.py"
    losses.write_text(losses.read_text().replace("-torch.log(p)[", "-torch.log(p + 1e-8)["))
    assert warm() == set()


def test_a_local_producer_is_not_evaluated_for_a_callee_without_a_log(run, write, monkeypatch):
    """The gate: `g(predict(z))` with `g` imported from a module whose lines spell no log or
    loss does not ask what `predict` returns."""
    from numlint.engine.semantic import model as semantic
    make(write, {"pkg/__init__.py": "", "pkg/util.py": "def g(p):\n    return p * 2\n",
                 "pkg/use.py": "import torch\nfrom .util import g\n\n\n"
                               "def predict(z):\n    return torch.softmax(z, -1)\n\n\n"
                               "def f(z):\n    return g(predict(z)) + torch.log(z)\n"})
    asked = []
    original = semantic.SemanticModel._returned_kind
    monkeypatch.setattr(semantic.SemanticModel, "_returned_kind",
                        lambda self, function: asked.append(function.node.name)
                        or original(self, function))
    assert check(run, "pkg/use.py") == set()
    assert "predict" not in asked


def test_a_module_without_a_log_or_loss_is_not_asked_what_its_calls_return(
        run, write, monkeypatch):
    """`passed_activations` starts from this module's functions with sinks: a module whose
    walk met no log or loss asks nothing, and no other module is summarised for it."""
    from numlint.engine.semantic import model as semantic
    from numlint.engine.semantic.project import ProjectView
    make(write, {"pkg/__init__.py": "", "pkg/nets.py": RETURNED["pkg/nets.py"],
                 "pkg/use.py": "from .nets import probs\n\n\n"
                               "def f(z, g):\n    return g(probs(z))\n"})
    asked = []
    original = ProjectView.summary

    def spy(self, module):
        asked.append(module)
        return original(self, module)
    monkeypatch.setattr(ProjectView, "summary", spy)
    calls = []
    passed = semantic.SemanticModel.passed_activations
    monkeypatch.setattr(semantic.SemanticModel, "passed_activations",
                        lambda self, kinds: calls.append(self.saw_sinks) or passed(self, kinds))
    assert check(run, "pkg/use.py") == set()
    assert asked == [] and calls == [False]


def test_methods_of_another_modules_class_are_hazardous_positions(run, write, tmp_path):
    """`crit.nll(p, y)` with `crit = Criterion()` (or a parameter annotated `Criterion`),
    `Criterion` a class of another module whose method takes the log of `p`; static methods
    take no instance."""
    make(write, {
        "pkg/__init__.py": "",
        "pkg/nets.py": RETURNED["pkg/nets.py"],
        "pkg/crit.py": """
            import torch


            class Criterion:
                def nll(self, p, y):
                    return -torch.log(p)[torch.arange(len(y)), y].mean()

                @staticmethod
                def log_lik(p):
                    return torch.log(p).sum()

                def fine(self, p, y):
                    return p.mean()
            """,
        "pkg/train.py": """
            import torch
            import torch.nn.functional as F

            from .crit import Criterion
            from .nets import probs


            def step(z, y, other: Criterion):
                crit = Criterion()
                a = crit.nll(torch.softmax(z, -1), y)
                b = crit.nll(y, torch.softmax(z, -1)) + probs(z)
                c = other.nll(p=F.softmax(z, 1), y=y) + crit.fine(F.softmax(z, 1), y)
                d = crit.log_lik(torch.sigmoid(z))
                return a + b + c + d
            """,
    })
    expected = {("pkg/train.py", 10, "NL101"), ("pkg/train.py", 12, "NL101"),
                ("pkg/train.py", 13, "NL505")}
    assert check(run, ".") == expected
    assert check(run, "pkg/train.py", columns=True) >= {("pkg/train.py", 10, "NL101", 18),
                                                        ("pkg/train.py", 12, "NL101", 21)}
    result = run("check", "--no-cache", "--output-format", "json", "pkg/train.py")
    message = next(d["message"] for d in json.loads(result.output) if d["location"]["row"] == 10)
    assert message.startswith("`nll` takes the log of its parameter `p` (pkg.crit, line 6)")
    warm = lambda: findings(run("check", "--output-format", "json", "pkg/train.py"))  # noqa: E731
    assert warm() == expected
    crit = tmp_path / "pkg" / "crit.py"
    crit.write_text(crit.read_text().replace("-torch.log(p)[", "-p["))
    assert warm() == {("pkg/train.py", 13, "NL505")}


def test_another_modules_method_or_module_given_a_returned_activation(run, write, tmp_path):
    """`crit.nll(probs(z), y)` (`crit` an instance of another module's class), `losses.nll(
    predict(z), y)` (`losses` a module of the project) and `crit.nll(net(x), y)`: the consumer
    and the producer each in some module of the project, or the producer in this one."""
    make(write, RETURNED)
    write("pkg/crit.py", "import torch\n\n\nclass Criterion:\n    def nll(self, p, y):\n"
                         "        return -torch.log(p)[torch.arange(len(y)), y].mean()\n\n"
                         "    def fine(self, p, y):\n        return p.mean()\n")
    write("pkg/mixed.py", """
import torch

from . import losses
from .crit import Criterion
from .nets import probs


def predict(z):
    return torch.softmax(z, -1)


def f(z, y, other: Criterion):
    crit = Criterion()
    q = probs(z)
    a = crit.nll(probs(z), y) + other.nll(q, y) + crit.fine(probs(z), y)
    b = losses.nll(predict(z), y) + losses.nll(probs(z), y) + losses.nll(y, probs(z))
    return a + b + crit.nll(predict(z), y) + losses.nll(z, y)
""")
    expected = {("pkg/mixed.py", 15, "NL101", 18), ("pkg/mixed.py", 15, "NL101", 43),
                ("pkg/mixed.py", 16, "NL101", 20), ("pkg/mixed.py", 16, "NL101", 48),
                ("pkg/mixed.py", 17, "NL101", 29)}
    assert check(run, "pkg/mixed.py", columns=True) == expected
    assert check_stdin(run, tmp_path, "pkg/mixed.py") == {f[:3] for f in expected}
    warm = lambda: findings(run("check", "--output-format", "json", "pkg/mixed.py"))  # noqa: E731
    assert warm() == {f[:3] for f in expected}
    crit = tmp_path / "pkg" / "crit.py"
    crit.write_text(crit.read_text().replace("-torch.log(p)[", "-p["))
    assert warm() == {f[:3] for f in expected if f[1] == 16}


def test_class_sinks_survive_json_and_reject_nonsense():
    from numlint.engine.semantic.project import ClassSummary, ModuleSummary, Sink
    cls = ClassSummary(sinks={"nll": (Sink("p", "log", None, 6),)}, parameters={"nll": ("p", "y")})
    summary = ModuleSummary("m", classes={"Criterion": cls})
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.digest() == summary.digest()
    assert "log" in summary.kinds
    for bad in ({"nll": []}, {"nll": [["p", "exp", None, 6]]}, {"nll": "p"}, []):
        broken = summary.to_json()
        broken["classes"]["Criterion"]["sinks"] = bad
        with pytest.raises(ValueError):
            ModuleSummary.from_json(broken)
