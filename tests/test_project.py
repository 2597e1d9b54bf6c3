"""Hazards split across modules: a network in one module, its loss in another (issue 12).

Each project is checked whole, file by file, and through stdin with `--stdin-filename`: the
findings for a file must be the same at every scope."""

import json
import os

import pytest

GAN = {
    "gan/__init__.py": "",
    "gan/nets.py": """
        import torch
        from torch import nn


        class Discriminator(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 1)

            def forward(self, x):
                return torch.sigmoid(self.body(x))


        def probs(logits):
            return torch.softmax(logits, dim=-1)
        """,
    "gan/train.py": """
        import torch
        import torch.nn.functional as F

        from .nets import Discriminator, probs


        def step(x, y, logits):
            d = Discriminator()
            loss = F.binary_cross_entropy(d(x), y)
            nll = -torch.log(probs(logits)).mean()
            with torch.no_grad():
                p = torch.softmax(logits, -1)
            return loss, nll, torch.log(p)
        """,
}
GAN_FINDINGS = {("gan/train.py", 9, "NL203"), ("gan/train.py", 10, "NL101"),
                ("gan/train.py", 13, "NL101")}


def make(write, files):
    for name, text in files.items():
        write(name, text)


def findings(result, columns=False):
    """(file relative to the working directory, row, code) of each finding (and the column)."""
    assert result.exit_code in (0, 1), result.output
    found = set()
    for d in json.loads(result.output):
        name = os.path.relpath(d["filename"]).replace(os.sep, "/")
        found.add((name, d["location"]["row"], d["code"]) +
                  ((d["location"]["column"],) if columns else ()))
    return found


def check(run, *args, columns=False):
    return findings(run("check", "--no-cache", "--output-format", "json", *args), columns)


def check_stdin(run, tmp_path, path):
    """`check` of the file at `path`, read from stdin with `--stdin-filename path`."""
    source = (tmp_path / path).read_text()
    return findings(run("check", "--no-cache", "--output-format", "json", "--stdin-filename",
                        path, "-", input=source))


def test_the_issue_example_whole_project(run, write):
    make(write, GAN)
    assert check(run, ".") == GAN_FINDINGS


def test_the_same_findings_for_the_file_alone_and_through_stdin(run, write, tmp_path):
    make(write, GAN)
    assert check(run, "gan/train.py") == GAN_FINDINGS
    assert check_stdin(run, tmp_path, "gan/train.py") == GAN_FINDINGS


def test_without_the_other_module_nothing_is_guessed(run, write):
    """Unknown is an acceptable answer: a module that cannot be found says nothing."""
    make(write, {"gan/__init__.py": "", "gan/train.py": GAN["gan/train.py"]})
    assert check(run, ".") == {("gan/train.py", 13, "NL101")}  # only the same-file one


SRC_LAYOUT = {
    "pyproject.toml": "[tool.numlint]\n",
    "src/pkg/__init__.py": "from .models import SoftmaxRegression\nfrom .utils import probs as p\n",
    "src/pkg/utils.py": """
        from scipy.special import softmax


        def probs(z):
            return softmax(z, axis=1)
        """,
    "src/pkg/models.py": """
        import numpy as np
        from scipy.special import softmax


        class SoftmaxRegression:
            def __init__(self, w):
                self.w = w

            def predict_proba(self, X):
                return softmax(X @ self.w, axis=1)
        """,
    "src/pkg/train.py": """
        import numpy as np

        from pkg import SoftmaxRegression, p
        from pkg.models import SoftmaxRegression as Model


        def nll(model: SoftmaxRegression, X, y):
            return -np.log(model.predict_proba(X))[np.arange(len(y)), y]


        def fit(X, w):
            clf = Model(w)
            return np.log(clf.predict_proba(X))


        def scores(z):
            return np.log(p(z))
        """,
}


def test_src_layout_re_exports_classes_and_annotations(run, write):
    make(write, SRC_LAYOUT)
    found = check(run, ".")
    assert found == {("src/pkg/train.py", 8, "NL101"),    # the annotated parameter
                     ("src/pkg/train.py", 13, "NL101"),   # clf = Model(w); clf.predict_proba
                     ("src/pkg/train.py", 17, "NL101")}   # p re-exported by __init__
    assert check(run, "src/pkg/train.py") == found


NETWORKS = {
    "proj/__init__.py": "",
    "proj/models.py": """
        from torch import nn


        def build_model():
            return nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())


        critic = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
        """,
    "proj/nets.py": """
        import torch
        from torch import nn


        class Discriminator(nn.Module):
            def forward(self, x):
                return torch.sigmoid(x)
        """,
    "proj/train.py": """
        from torch import nn
        import torch.nn.functional as F

        from proj.models import build_model, critic
        from proj.nets import Discriminator


        class Trainer:
            def __init__(self):
                self.disc = Discriminator()
                self.criterion = nn.BCELoss()

            def step(self, x, y):
                return self.criterion(self.disc(x), y)


        def train(x, y):
            model = build_model()
            return F.binary_cross_entropy(model(x), y) + F.binary_cross_entropy(critic(x), y)
        """,
}


def test_networks_built_in_one_module_and_trained_in_another(run, write):
    make(write, NETWORKS)
    found = check(run, ".", columns=True)
    assert found == {("proj/train.py", 14, "NL203", 16),   # self.disc = Discriminator()
                     ("proj/train.py", 19, "NL203", 12),   # model = build_model()
                     ("proj/train.py", 19, "NL203", 50)}   # critic, a module-level network
    assert check(run, "proj/train.py", columns=True) == found


def test_a_module_level_script_with_blocks(run, write):
    """TF1 style: statements in `with tf.name_scope(...)` at module level reach later ones."""
    write("script.py", """
        import tensorflow as tf

        logits = tf.compat.v1.placeholder(tf.float32, [None, 10])
        with tf.name_scope("output"):
            probs = tf.nn.softmax(logits)
        loss = -tf.reduce_sum(tf.math.log(probs))
        """)
    assert check(run, ".") == {("script.py", 6, "NL101")}


def test_import_cycles_end(run, write):
    write("a.py", "from b import g\n\ndef f(x):\n    return g(x)\n")
    write("b.py", "from a import f\n\ndef g(x):\n    return f(x)\n")
    write("c.py", "import numpy as np\nfrom a import f\n\ndef h(x):\n    return np.log(f(x))\n")
    assert check(run, ".") == set()


@pytest.mark.parametrize("relative,expected", [
    (".nets.probs", "gan.nets.probs"), ("..util.f", None), ("...x", None), (".", "gan")])
def test_relative_imports_resolve_against_the_package(relative, expected):
    from numlint.engine.semantic.project import ProjectView
    assert ProjectView(None, "gan.train").absolute(relative) == expected


def test_summaries_survive_json_and_reject_nonsense():
    from numlint.engine.semantic.project import ModuleSummary, Returned
    summary = ModuleSummary("m", functions={"f": Returned("softmax", "torch.softmax")},
                            aliases={"g": "scipy.special.softmax"})
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.digest() == summary.digest()
    for broken in ({"schema": 1}, {"schema": 1, "module": "m", "functions": {"f": [1, 2, 3, 4]},
                                   "classes": {}, "aliases": {}, "values": {}},
                   {"schema": 1, "module": "m", "functions": {"f": ["log", "no.such", "returned",
                                                                   None]},
                    "classes": {}, "aliases": {}, "values": {}}):
        with pytest.raises(ValueError):
            ModuleSummary.from_json(broken)


def test_module_names_from_source_roots(tmp_path):
    from numlint.run.project import ProjectIndex
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "src" / "pkg" / "m.py").write_text("")
    index = ProjectIndex([str(tmp_path), str(tmp_path / "src")])
    assert index.module_of(str(tmp_path / "src" / "pkg" / "m.py")) == ("pkg.m", False)
    assert index.module_of(str(tmp_path / "src" / "pkg" / "__init__.py")) == ("pkg", True)
    assert index.module_of(str(tmp_path / "my-scripts" / "x.py")) is None
    assert index.path_of("pkg.m") == str(tmp_path / "src" / "pkg" / "m.py")
    assert index.path_of("pkg") == str(tmp_path / "src" / "pkg" / "__init__.py")
    assert index.path_of("numpy") is None


def test_a_warm_cache_drops_a_finding_when_the_module_it_depends_on_changes(run, write, tmp_path):
    """The result of train.py depends on nets.py's summary: editing nets.py so `forward` no
    longer ends in a sigmoid invalidates train.py's cached findings."""
    make(write, GAN)
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == GAN_FINDINGS
    assert warm() == GAN_FINDINGS  # from the cache
    nets = tmp_path / "gan" / "nets.py"
    nets.write_text(nets.read_text().replace("return torch.sigmoid(self.body(x))",
                                             "return self.body(x)"))
    assert warm() == GAN_FINDINGS - {("gan/train.py", 9, "NL203")}
    nets.write_text(nets.read_text().replace("return self.body(x)",
                                             "return torch.sigmoid(self.body(x))"))
    assert warm() == GAN_FINDINGS


def test_the_cache_stores_summaries_and_dependencies(run, write, tmp_path):
    from numlint.run.cache import open_cache
    make(write, GAN)
    run("check", ".")
    cache = open_cache(tmp_path)
    assert any(key.endswith(":gan.nets") for key in cache.summaries)
    with_dependencies = [entry for entry in cache.entries.values() if len(entry) == 3]
    assert with_dependencies and "gan.nets" in with_dependencies[0][2]


def test_a_warm_run_validates_by_the_stored_digests_without_decoding_summaries(
        run, write, tmp_path, monkeypatch):
    """The summaries a cached result depends on are validated by the digest stored with each
    (same answer, no summary decoded); a stored digest that does not match makes the result be
    checked again, never changes the answer."""
    from numlint.engine.semantic.project import ModuleSummary
    from numlint.run import cache as cache_module
    make(write, GAN)
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == GAN_FINDINGS
    stored = cache_module.open_cache(tmp_path).summaries
    nets = next(raw for key, raw in stored.items() if key.endswith(":gan.nets"))
    assert nets[3] == ModuleSummary.from_json(nets[1]).digest()
    decoded = []
    original = ModuleSummary.from_json.__func__
    monkeypatch.setattr(ModuleSummary, "from_json", classmethod(
        lambda cls, data: decoded.append(data) or original(cls, data)))
    assert warm() == GAN_FINDINGS
    assert decoded == []  # every result came from the cache, validated by digests alone
    # A damaged digest: train.py is checked again (it decodes the summary), same findings.
    payload = cache_module.open_cache(tmp_path)
    key = next(key for key in payload.summaries if key.endswith(":gan.nets"))
    payload.summaries[key][3] = "0" * 32
    payload.changed = True
    payload.save()
    assert warm() == GAN_FINDINGS
    assert any(data.get("module") == "gan.nets" for data in decoded)


def test_a_module_that_cannot_be_summarised_is_unknown(run, write, tmp_path):
    """A dependency that does not parse, is binary or is not UTF-8 tells nothing; the
    importing module is checked as usual (no internal error)."""
    make(write, GAN)
    (tmp_path / "gan" / "nets.py").write_bytes(b"def probs(:\n\x00")
    result = run("check", "--no-cache", "--output-format", "json", "gan/train.py")
    assert findings(result) == {("gan/train.py", 13, "NL101")}


def test_a_projects_own_softmax_function_returns_a_softmax(run, write):
    """scikit-learn's in-place `extmath.softmax` cannot be followed, but its name says what it
    returns: the log of `predict_proba` built on it is the log of a softmax."""
    make(write, {
        "lib/__init__.py": "",
        "lib/extmath.py": """
            def softmax(X, copy=True):
                if copy:
                    X = X.copy()
                X -= X.max(axis=1)[:, None]
                X **= 1
                return X
            """,
        "lib/model.py": """
            import numpy as np

            from .extmath import softmax


            class Classifier:
                def predict_proba(self, X):
                    return softmax(X @ self.coef_)

                def predict_log_proba(self, X):
                    return np.log(self.predict_proba(X))
            """,
    })
    assert check(run, ".") == {("lib/model.py", 11, "NL101")}


# -- delegation: a function returning another first-party function's result -------------------

DELEGATION = {
    "pkg/__init__.py": "",
    "pkg/nets.py": """
        import torch


        def probs(logits):
            return torch.softmax(logits, dim=-1)


        def predict(x):
            return probs(x)
        """,
    "pkg/train.py": """
        import torch

        from .nets import predict


        def nll(z):
            return -torch.log(predict(z)).mean()
        """,
}


def test_a_function_returning_another_modules_function_result(run, write):
    make(write, DELEGATION)
    assert check(run, ".") == {("pkg/train.py", 7, "NL101")}
    assert check(run, "pkg/train.py") == {("pkg/train.py", 7, "NL101")}


def test_a_delegation_to_an_imported_function_through_a_re_export(run, write):
    """`predict` (in `api.py`) returns `probs` of `ops.py`, imported through the package's
    `__init__.py` under another name; the module delegating does not spell `softmax`."""
    make(write, {
        "pkg/__init__.py": "from .ops import probs as class_probs\n",
        "pkg/ops.py": "import torch\n\ndef probs(logits):\n    return torch.softmax(logits, -1)\n",
        "pkg/api.py": "from pkg import class_probs\n\ndef predict(x):\n"
                      "    out = class_probs(x)\n    return out\n",
        "pkg/train.py": "import torch\nfrom .api import predict\n\n"
                        "def nll(z):\n    return torch.log(predict(z))\n",
    })
    assert check(run, ".") == {("pkg/train.py", 5, "NL101")}
    assert check(run, "pkg/train.py") == {("pkg/train.py", 5, "NL101")}


def test_the_prefilter_reads_a_module_that_delegates_without_spelling_the_kind(run, write):
    """Neither `api.py` nor `train.py` spells `sigmoid`: the kind is provided through the
    delegation, found because `api.py` imports from a first-party module."""
    make(write, {
        "pkg/__init__.py": "from .ops import disc as d\n",
        "pkg/ops.py": "import torch\n\ndef disc(x):\n    return torch.sigmoid(x)\n",
        "pkg/api.py": "from pkg import d\n\ndef predict(x):\n    return d(x)\n",
        "pkg/train.py": "import torch.nn.functional as F\nfrom .api import predict\n\n"
                        "def loss(z, y):\n    return F.binary_cross_entropy(predict(z), y)\n",
    })
    assert check(run, "pkg/train.py") == {("pkg/train.py", 5, "NL203")}


def test_a_delegation_cycle_ends_silently(run, write):
    write("a.py", "import b\n\ndef f(x):\n    return b.g(x)\n")
    write("b.py", "from a import f\n\ndef g(x):\n    return f(x)\n")
    write("c.py", "import numpy as np\nfrom a import f\n\ndef h(x):\n    return np.log(f(x))\n")
    assert check(run, ".") == set()


def _chain(length):
    """`m0.f` returns a softmax; `m{i}.f` returns `m{i-1}.f(x)`; `use.py` logs `m{length}.f`."""
    files = {"m0.py": "import torch\n\ndef f(x):\n    return torch.softmax(x, -1)\n"}
    for i in range(1, length + 1):
        files[f"m{i}.py"] = f"from m{i - 1} import f as g\n\ndef f(x):\n    return g(x)\n"
    files["use.py"] = f"import torch\nfrom m{length} import f\n\ndef h(z):\n" \
                      "    return torch.log(f(z))\n"
    return files


def test_delegations_are_followed_to_a_bounded_depth(run, write, tmp_path):
    from numlint.engine.semantic.project import MAX_DELEGATIONS
    make(write, _chain(MAX_DELEGATIONS))
    assert check(run, ".") == {("use.py", 5, "NL101")}
    for name in os.listdir(tmp_path):
        if name.endswith(".py"):
            os.remove(tmp_path / name)
    make(write, _chain(MAX_DELEGATIONS + 1))
    assert check(run, ".") == set()


def test_a_delegation_maps_the_callees_parameter_to_the_callers(tmp_path):
    from numlint.engine.semantic.project import ProjectView
    from numlint.run.project import ProjectIndex
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "nets.py").write_text(
        "import torch\n\ndef probs(logits, dim=-1):\n    return torch.softmax(logits, dim)\n\n"
        "def predict(x, t):\n    return probs(t)\n\n"
        "def by_name(x, t):\n    return probs(dim=0, logits=x)\n\n"
        "def constant(x):\n    return probs(x * 2)\n")
    view = ProjectView(ProjectIndex([str(tmp_path)]), "user")
    predict = view.resolve("pkg.nets.predict")
    assert predict is not None and predict.returned is not None
    assert (predict.returned.kind, predict.returned.operand) == ("softmax", "t")
    assert view.resolve("pkg.nets.by_name").returned.operand == "x"
    constant = view.resolve("pkg.nets.constant").returned
    assert constant.kind == "softmax" and constant.operand is None
    assert "pkg.nets" in view.used


def test_two_hops_within_a_module(run, write):
    write("m.py", "import torch\n\ndef probs(z):\n    return torch.softmax(z, -1)\n\n"
                  "def predict(x):\n    return probs(x)\n\ndef score(x):\n    return predict(x)\n\n"
                  "def nll(x):\n    return torch.log(score(x))\n")
    assert check(run, ".") == {("m.py", 13, "NL101")}


def test_a_warm_cache_drops_a_finding_when_a_delegated_to_module_changes(run, write, tmp_path):
    """train.py's finding depends on api.py (the delegation) and ops.py (the softmax): editing
    ops.py so `probs` returns its logits invalidates train.py's cached result."""
    make(write, {
        "pkg/__init__.py": "",
        "pkg/ops.py": "import torch\n\ndef probs(logits):\n    return torch.softmax(logits, -1)\n",
        "pkg/api.py": "from .ops import probs\n\ndef predict(x):\n    return probs(x)\n",
        "pkg/train.py": "import torch\nfrom .api import predict\n\n"
                        "def nll(z):\n    return torch.log(predict(z))\n",
    })
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == {("pkg/train.py", 5, "NL101")}
    assert warm() == {("pkg/train.py", 5, "NL101")}  # from the cache
    ops = tmp_path / "pkg" / "ops.py"
    ops.write_text(ops.read_text().replace("torch.softmax(logits, -1)", "logits"))
    assert warm() == set()
    ops.write_text(ops.read_text().replace("return logits", "return torch.softmax(logits, -1)"))
    assert warm() == {("pkg/train.py", 5, "NL101")}


def test_delegations_survive_json():
    from numlint.engine.semantic.project import Delegation, ModuleSummary
    summary = ModuleSummary("m", delegations={"f": Delegation("pkg.g", ("x", None), {"a": "y"})},
                            parameters={"f": ("x", "y")})
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.digest() == summary.digest()
    broken = summary.to_json()
    broken["delegations"] = {"f": ["pkg.g", [1], {}]}
    with pytest.raises(ValueError):
        ModuleSummary.from_json(broken)
