"""The loss rules (NL201 cross-entropy-on-probabilities, NL202 double-softmax, NL203
bce-on-sigmoid) together, and with NL101 (log-of-softmax): one hazard gives one finding, and
fixing with every rule enabled converges."""

import ast

import pytest

from numlint import Config, check_source, fix_source
from numlint.engine.semantic.model import SemanticModel
from numlint.engine.table import FUNCTIONS, losses

from conftest import dedent

LOSS_KINDS = ("cross_entropy", "binary_cross_entropy", "nll_loss")

# (snippet, the codes reported with every rule enabled)
ONE_FINDING = [
    ("""
     import torch
     import torch.nn.functional as F

     def loss(z, y):
         return -(y * torch.log(F.softmax(z, dim=1))).sum(dim=1).mean()
     """, ["NL101"]),
    ("""
     import torch
     import torch.nn.functional as F

     def loss(z, y):
         p = F.softmax(z, dim=1)
         return -(y * torch.log(p)).sum(dim=1).mean()
     """, ["NL101"]),
    ("""
     import torch
     import torch.nn.functional as F

     def loss(z, t):
         return F.nll_loss(torch.log(F.softmax(z, dim=1)), t)
     """, ["NL101"]),
    ("""
     import torch
     import torch.nn.functional as F

     def loss(z, t):
         return -torch.log(F.softmax(z, dim=1)[torch.arange(len(t)), t]).mean()
     """, ["NL201"]),
    ("""
     import torch.nn.functional as F

     def loss(z, t):
         return F.nll_loss(F.softmax(z, dim=1), t)
     """, ["NL201"]),
    ("""
     import torch.nn.functional as F

     def loss(z, t):
         return F.cross_entropy(F.softmax(z, dim=1), t)
     """, ["NL202"]),
    ("""
     import torch

     def loss(z, y):
         p = torch.sigmoid(z)
         return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
     """, ["NL201"]),
    ("""
     import torch
     import torch.nn.functional as F

     def loss(z, y):
         return F.binary_cross_entropy(torch.sigmoid(z), y)
     """, ["NL203"]),
    ("""
     import torch
     import torch.nn.functional as F

     def loss(z, y):
         return F.binary_cross_entropy_with_logits(torch.sigmoid(z), y)
     """, ["NL202"]),
    ("""
     import tensorflow as tf

     def loss(y, z):
         return tf.keras.losses.CategoricalCrossentropy()(y, tf.nn.softmax(z))
     """, ["NL201"]),
    ("""
     import tensorflow as tf

     def loss(y, z):
         return tf.keras.losses.CategoricalCrossentropy(from_logits=True)(y, tf.nn.softmax(z))
     """, ["NL202"]),
]


@pytest.mark.parametrize("code,expected", ONE_FINDING)
def test_one_hazard_one_finding(code, expected):
    found = check_source(dedent(code), "example.py", Config())
    assert [d.code for d in found] == expected, found


@pytest.mark.parametrize("code,expected", ONE_FINDING)
def test_fixing_with_every_rule_converges(code, expected):
    result = fix_source(dedent(code), "example.py", Config(), unsafe=True)
    assert result.diagnostics == []
    again = fix_source(result.source.text, "example.py", Config(), unsafe=True)
    assert again.source.text == result.source.text


@pytest.mark.parametrize("flag", ["from_logits=use_logits", "**options"])
def test_a_loss_of_unknown_input_is_not_reported(flag):
    code = dedent(f"""
        import tensorflow as tf

        def loss(y, z, use_logits, options):
            return (tf.keras.losses.CategoricalCrossentropy({flag})(y, tf.nn.softmax(z))
                    + tf.keras.losses.BinaryCrossentropy({flag})(y, tf.sigmoid(z)))
        """)
    assert check_source(code, "example.py", Config()) == []


def test_a_loss_held_in_an_attribute_is_reported_without_a_fix():
    code = dedent("""
        import torch
        from torch import nn

        class Detector(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 1)
                self.criterion = nn.BCELoss()

            def loss(self, x, y):
                return self.criterion(torch.sigmoid(self.fc(x)), y)
        """)
    found = check_source(code, "example.py", Config())
    assert [d.code for d in found] == ["NL203"]
    assert found[0].fix is None, "changing the held loss would change its other uses"


def test_the_binary_cross_entropy_is_one_finding_with_one_fix():
    code = dedent("""
        import torch
        import torch.nn.functional as F

        def loss(z, y):
            return y * z.sigmoid().log() + (1 - y) * (-z).sigmoid().log()
        """)
    found = check_source(code, "example.py", Config())
    assert [d.code for d in found] == ["NL201"]
    result = fix_source(code, "example.py", Config())
    assert "y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)" in result.source.text


def _call(code):
    """The canonical operation of the last statement's expression."""
    model = SemanticModel(ast.parse(dedent(code)))
    return model.op(model.tree.body[-1].value)


@pytest.mark.parametrize("code,holds", [
    ("import torch.nn.functional as F\nF.cross_entropy(z, t)", losses.LOGITS),
    ("import torch.nn.functional as F\nF.nll_loss(z, t)", losses.LOG_PROBABILITIES),
    ("from torch import nn\nnn.BCELoss()(p, y)", losses.PROBABILITIES),
    ("import keras\nkeras.losses.binary_crossentropy(y, p)", losses.PROBABILITIES),
    ("import keras\nkeras.losses.binary_crossentropy(y, p, True)", losses.LOGITS),
    ("import keras\nkeras.losses.BinaryCrossentropy(from_logits=True)(y, z)", losses.LOGITS),
    ("import keras\nkeras.losses.BinaryCrossentropy(from_logits=flag)(y, z)", None),
    ("import optax\noptax.sigmoid_binary_cross_entropy(z, y)", losses.LOGITS),
])
def test_what_a_loss_takes(code, holds):
    assert losses.prediction(_call(code)) == holds


def test_every_loss_in_the_table_says_what_it_takes():
    loss_specs = [s for s in FUNCTIONS.values() if s.kind in LOSS_KINDS]
    assert loss_specs
    missing = [s.name for s in loss_specs if s.name not in losses._PREDICTION]
    assert missing == []


@pytest.mark.parametrize("arguments,fixed", [
    ("", "from_logits=True"),
    ("label_smoothing=(a + b)", "label_smoothing=(a + b), from_logits=True"),
    ("reduction='sum',", "reduction='sum', from_logits=True,"),
    ("\n    reduction='sum',  # summed\n", "\n    reduction='sum', from_logits=True,  # summed\n"),
])
def test_from_logits_is_added_as_a_keyword(arguments, fixed):
    code = dedent("""
        import tensorflow as tf

        def loss(y, z, a, b):
            return tf.keras.losses.BinaryCrossentropy(ARGS)(y, tf.sigmoid(z))
        """).replace("ARGS", arguments)
    result = fix_source(code, "example.py", Config(select=("NL203",)))
    assert result.source.text == code.replace(arguments + ")(y, tf.sigmoid(z))",
                                              fixed + ")(y, z)")


def test_a_clipped_cross_entropy_says_what_it_loses_in_each_framework():
    """Where the framework differentiates, the gradient vanishes; NumPy takes no gradient, its
    loss is only capped. On one branch, the branch is named."""
    torch_code = dedent("""
        import torch

        def bce(x, y, from_logits):
            if from_logits:
                x = torch.sigmoid(x)
            p = torch.clamp(x, 1e-7, 1 - 1e-7)
            return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
        """)
    numpy_code = dedent("""
        import numpy as np
        from scipy.special import expit

        def bce(x, y, from_logits):
            if from_logits:
                x = expit(x)
            p = np.clip(x, 1e-7, 1 - 1e-7)
            return -(y * np.log(p) + (1 - y) * np.log(1 - p))
        """)
    config = Config(select=("NL201",))
    for code, line, differentiated in ((torch_code, 4, True), (numpy_code, 5, False)):
        messages = [d.message for d in check_source(code, config=config)]
        assert len(messages) == 1, messages
        assert f"(on the `if` branch at line {line})" in messages[0]
        assert ("gradient vanishes" in messages[0]) is differentiated
        assert "the loss is capped" in messages[0]
