"""The prefilter never drops a finding: it agrees with the full check, and it skips files."""

from pathlib import Path

import pytest

from numlint import check_source

from numlint.engine import prefilter
from numlint.run.config import Config
from numlint.engine.registry import all_rules

from conftest import ROOT, dedent

RULES = [r for r in all_rules() if not r.meta]
EXAMPLES = [(rule, i, e) for rule in RULES for i, e in enumerate(rule.examples)]


def _full(monkeypatch, text, path="m.py", config=None):
    monkeypatch.setattr(prefilter, "ENABLED", False)
    try:
        return check_source(text, path, config)
    finally:
        monkeypatch.setattr(prefilter, "ENABLED", True)


def _view(diagnostics):
    return [(d.code, d.start, d.end, d.message, d.fix) for d in diagnostics]


@pytest.mark.parametrize("rule,index,example", EXAMPLES,
                         ids=[f"{r.code}-{e.framework}-{i}" for r, i, e in EXAMPLES])
def test_agrees_on_every_example(monkeypatch, rule, index, example):
    for config in (Config(), Config(select=(rule.code,))):
        filtered = check_source(example.code, "m.py", config)
        assert _view(filtered) == _view(_full(monkeypatch, example.code, config=config))
    if not example.good:
        assert prefilter.may_fire(example.code, [rule])


@pytest.mark.parametrize("path", sorted((ROOT / "fixtures").rglob("*.py")), ids=lambda p: p.name)
def test_agrees_on_fixtures(monkeypatch, path: Path):
    data = path.read_bytes()
    assert _view(check_source(data, str(path))) == _view(_full(monkeypatch, data, str(path)))


def test_declared_requirements_are_checked_against_the_examples():
    # Every rule's requirements (declared, or the fallback) admit each of its bad examples.
    for rule in RULES:
        combinations = prefilter.requirements(rule)
        assert combinations, rule
        for example in rule.examples:
            if not example.good:
                assert prefilter._satisfies(example.code, combinations), (rule, example.code)


def test_wrong_declaration_falls_back_to_operations():
    class Fake:
        requires = (("det", "log"),)
        operations = ("log",)
        examples = ()

    fake = Fake()
    assert prefilter.requirements(fake) == (("det", "log"),)

    class Wrong(Fake):
        examples = (type("E", (), {"good": False, "code": "import numpy as np\n"
                                                          "np.log(np.exp(x).sum())\n"})(),)

    assert prefilter.requirements(Wrong()) == (("log",),)


def test_file_without_the_names_is_not_walked(monkeypatch):
    import numlint.engine.semantic.model as model
    walked = []
    real = model.SemanticModel
    monkeypatch.setattr(model, "SemanticModel",
                        lambda tree, *a: walked.append(tree) or real(tree, *a))
    few = Config(select=("NL1",))  # few rules: the text is tested first (`prefilter.pays`)
    check_source("import os\nprint(os.path.join('a', 'b'))\n", "m.py", few)
    assert walked == []
    check_source("import torch\ny = torch.log(torch.softmax(x, 1))\n", "m.py", few)
    assert len(walked) == 1


def test_the_text_is_tested_only_while_it_pays(monkeypatch):
    """With the default rules the text test costs more than the walks it saves
    (`prefilter.MAX_COMBINATIONS`): every module is walked, the findings are the same."""
    import numlint.engine.semantic.model as model
    assert prefilter.pays(Config(select=("NL1",)).enabled_rules())
    assert not prefilter.pays(Config().enabled_rules())
    walked = []
    real = model.SemanticModel
    monkeypatch.setattr(model, "SemanticModel",
                        lambda tree, *a: walked.append(tree) or real(tree, *a))
    assert check_source("import os\nprint(os.path.join('a', 'b'))\n", "m.py") == []
    assert len(walked) == 1


def test_syntax_errors_are_still_reported():
    (diagnostic,) = check_source("x = (1,\n", "m.py")
    assert diagnostic.code == "NL901"


@pytest.mark.parametrize("code", [
    # aliases: the alias appears, and so does the original name, in the import
    """
    from torch import softmax as sm, log as lg
    y = lg(sm(x, 1))
    """,
    """
    import numpy as np
    E = np.exp
    S = np.sum
    p = E(x) / S(E(x))
    """,
    # a layer held in an attribute
    """
    import torch
    from torch import nn
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = nn.Softmax(dim=1)
        def forward(self, h):
            return torch.log(self.act(h))
    """,
    # one hop into a function of the module
    """
    import torch
    def probabilities(z):
        return torch.softmax(z, dim=-1)
    y = torch.log(probabilities(z))
    """,
    # a model ending in an activation
    """
    import torch
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    loss = nn.BCELoss()(model(x), t)
    """,
    # names spelled with compatibility characters are NFKC-normalised by Python
    """
    import torch
    y = torch.ｌｏｇ(torch.ｓｏｆｔｍａｘ(x, 1))
    """,
])
def test_hard_spellings_agree(monkeypatch, code):
    text = dedent(code)
    full = _full(monkeypatch, text)
    assert full, "the case must really be a finding"
    assert prefilter.may_fire(text, RULES)
    assert _view(check_source(text, "m.py")) == _view(full)


def test_names_inside_longer_identifiers_do_not_count():
    rules = [r for r in RULES if r.code == "NL101"]
    assert not prefilter.may_fire("logits = softmaxed + 1\n", rules)
    assert prefilter.may_fire("y = log(softmax)\n", rules)
    assert not prefilter.may_fire("anything", [])


def test_selected_rules_decide():
    text = "import numpy as np\ny = np.log(np.exp(x).sum())\n"
    by_code = {r.code: r for r in RULES}
    assert prefilter.may_fire(text, [by_code["NL102"]])
    assert not prefilter.may_fire(text, [by_code["NL303"]])
    assert check_source(text, "m.py", Config(select=("NL303",))) == []


@pytest.mark.parametrize("rule", [r for r in all_rules() if not r.meta and r.requires],
                         ids=lambda r: r.code)
def test_every_rule_declares_requirements_its_examples_satisfy(rule):
    """The fallback of `requirements` is a safety net, not a way to live with a wrong
    declaration: each rule's `requires` covers every pattern it reports."""
    assert prefilter.requirements(rule) == tuple(tuple(c) for c in rule.requires)
