"""NL203 bce-on-sigmoid: a binary cross-entropy on probabilities fed a sigmoid's output."""

from typing import Any, Dict

from numlint.engine.rule import Fixability, Proof, Rule, bad, good
from numlint.engine.table import losses

from ._losses import (Activation, activation, on_branch, switch_to_logits, unclipped,
                      without_gradient)
from ._passed import report_passed


class BceOnSigmoid(Rule):
    code = "NL203"
    name = "bce-on-sigmoid"
    summary = ("binary cross-entropy of `sigmoid(x)` is clamped and its gradient vanishes; use "
               "the logits form (`binary_cross_entropy_with_logits`, `from_logits=True`)")
    frameworks = ("torch", "tensorflow", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("binary_cross_entropy", "sigmoid")
    requires = (("binary_cross_entropy", "sigmoid"),)

    what = """
Checks for a binary cross-entropy that takes probabilities (`F.binary_cross_entropy`,
`nn.BCELoss`, Keras' `binary_crossentropy` and `BinaryCrossentropy` without `from_logits=True`)
fed the output of a sigmoid: in the same expression, through a name or a `self.` attribute, a
sigmoid layer held in an attribute, or a model whose last layer is `nn.Sigmoid()`; also when
the sigmoid's output is clipped or given an epsilon first
(`F.binary_cross_entropy(torch.clamp(torch.sigmoid(x), 1e-7, 1 - 1e-7), y)`): the loss is
capped all the same, and its gradient vanishes where the model is confidently wrong.
Also a sigmoid output passed to a function of the project that passes to such a loss as that parameter (the function
in the same module or in another, directly or through a name): reported at the call site,
naming the function and the line of its loss, without a fix (see NL101).
"""
    why = """
`sigmoid(x)` rounds to exactly `1.0` for `x` above about 37 in float64 (17 in float32) and to
`0` below -745 (-104 in float32), where `log(p)` or `log(1 - p)` is `-inf`. The losses guard
against that by clamping, which caps the loss and zeroes its gradient: PyTorch clamps the log at
-100, Keras clips probabilities to `[1e-7, 1 - 1e-7]`. The logits form computes
`max(x, 0) - x * y + log1p(exp(-|x|))`, exact for every `x`.

Breaking input: `x = 50, y = 0` gives `F.binary_cross_entropy(torch.sigmoid(x), y) = 100`
(the true loss is 50) with gradient 0; in float32 `x = 20` already gives 100 (true 20) and
gradient 0 instead of 1. Keras' `BinaryCrossentropy()(y, tf.sigmoid(x))` for `x = [50, -800]`,
`y = [0, 1]` gives `[15.94, 16.12]` instead of `[50, 800]`.
"""
    fix_safety = """
In one expression the fix is safe: `F.binary_cross_entropy_with_logits` and
`nn.BCEWithLogitsLoss` take the same arguments (`weight`, `reduction`, ...; `pos_weight` exists
only on the logits side) and Keras' losses compute the same value with `from_logits=True`;
results differ only where the original was clamped. When the sigmoid was applied in an earlier
statement the fix is unsafe: it writes the sigmoid's input where the loss is (only when nothing
rebinds the names it uses in between) and removes the sigmoid's own assignment where nothing
else reads it. No fix
is offered when the sigmoid is the last layer of a model (the model should return logits, a
change of its contract: inference code must then apply the sigmoid) or when the loss object is
built in another statement (its other uses would change). Where the sigmoid's output was
clipped first, the fix is unsafe: the loss changes wherever the clip was active.

On Keras' TensorFlow backend, `keras.ops.sigmoid` and `keras.activations.sigmoid` tag their
output with the logits and the losses use them, so only code that may run on the JAX or PyTorch
backends is affected; `tf.keras.activations.sigmoid` is not reported, `tf.sigmoid` always is.
"""
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy_with_logits.html",
        "https://keras.io/api/losses/probabilistic_losses/#binarycrossentropy-class",
        "https://www.tensorflow.org/api_docs/python/tf/nn/sigmoid_cross_entropy_with_logits",
    )

    def check(self, ctx, op):
        if op.form == "compiled":
            return  # a model compiled with a loss on probabilities: Keras's own usage
        if op.kind == "sigmoid":
            report_passed(ctx, op, ("binary_cross_entropy",),
                          "computes a binary cross-entropy of",
                          "passed a sigmoid output here: the loss is clamped, capped and its "
                          "gradient vanishes; pass the logits and use the logits form there",
                          (losses.PROBABILITIES,))
            return
        if losses.prediction(op) != losses.PROBABILITIES:
            return
        sigmoid = activation(ctx, op.operand, op.scope, kinds=("sigmoid",))
        clipped = False
        if sigmoid is None:  # `binary_cross_entropy(clamp(sigmoid(x), eps, 1 - eps), y)`
            inner = unclipped(ctx, op.operand, op.scope)
            if inner is not None and not without_gradient(ctx, op.node):
                found = activation(ctx, inner[0], inner[1].scope, kinds=("sigmoid",))
                if found is not None:
                    sigmoid = Activation(found.op, [inner[1]] + found.origins)
                    clipped = True
        if sigmoid is None:
            return
        recovered = losses.keras_recovers_logits(op, sigmoid.op)
        if recovered:
            return
        message = ("binary cross-entropy of a sigmoid output is clamped: the loss is capped "
                   "and its gradient vanishes; pass the logits to the logits form")
        if recovered is None:
            message += " (Keras recovers the logits on its TensorFlow backend only)"
        message += on_branch(sigmoid)
        if clipped:
            message = ("binary cross-entropy of clipped sigmoid probabilities: the loss is "
                       "capped and its gradient vanishes when the model is confidently wrong; "
                       "pass the logits to the logits form")
        fix = switch_to_logits(ctx, op, sigmoid, losses.logits_form(op),
                               "Compute the loss from the logits", unsafe=clipped)
        ctx.report(op.node, message, fix)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes (see `numlint.authoring.proof`): sigmoid(50) rounds to 1 and sigmoid(-800)
# to 0, where the probability losses clamp. Labels are 0 or 1, also on benign inputs.
_EXTREME = {"logits": [50.0, -800.0], "targets": [0.0, 1.0]}
_BENIGN = {"logits": [0.3, -1.2, 2.0, -0.4], "targets": [0.0, 1.0, 1.0, 0.0]}
_TERMS = "(np.logaddexp(0, logits) - targets * logits)"
_WHY = "the loss clamps log(0) (PyTorch at -100, Keras at log(1e-7)): capped, zero gradient"
# Keras: a column of predictions; its losses compute in float32.
_COLUMN: Dict[str, Any] = dict(extreme={"targets": [[0.0], [1.0]], "logits": [[50.0], [-800.0]]},
               benign={"targets": [[0.0], [1.0], [1.0]], "logits": [[0.3], [-1.2], [2.0]]},
               dtypes=("float32",), why=_WHY)


EXAMPLES = (
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.binary_cross_entropy(torch.clamp(torch.sigmoid(logits), 1e-7, 1 - 1e-7), targets)
        """, """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.binary_cross_entropy_with_logits(logits, targets)
        """, unsafe=True, title="clipped first: still capped, with a vanishing gradient",
        proof=Proof(extreme=_EXTREME, benign=_BENIGN, constants=("targets",),
                    reference=f"np.mean({_TERMS})", why=_WHY)),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def loss(logits, targets, weights):
            return F.binary_cross_entropy(torch.sigmoid(logits), targets, weight=weights)
        """, """
        import torch.nn.functional as F

        def loss(logits, targets, weights):
            return F.binary_cross_entropy_with_logits(logits, targets, weight=weights)
        """, proof=Proof(extreme=dict(_EXTREME, weights=[1.0, 2.0]),
                         benign=dict(_BENIGN, weights=[1.0, 0.5, 2.0, 1.0]),
                         reference=f"np.mean(weights * {_TERMS})", why=_WHY,
                         gradient=False)),  # torch differentiates no loss by `weight`
    bad("torch", """
        import torch
        from torch import nn

        def loss(logits, targets):
            return nn.BCELoss(reduction="sum")(logits.sigmoid(), targets)
        """, """
        import torch
        from torch import nn

        def loss(logits, targets):
            return nn.BCEWithLogitsLoss(reduction="sum")(logits, targets)
        """, title="loss layer",
        proof=Proof(extreme=_EXTREME, benign=_BENIGN, reference=f"np.sum({_TERMS})",
                    why=_WHY)),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def loss(features, weights, targets):
            logits = features @ weights
            probs = torch.sigmoid(logits)
            return F.binary_cross_entropy(probs, targets)
        """, """
        import torch.nn.functional as F

        def loss(features, weights, targets):
            logits = features @ weights
            return F.binary_cross_entropy_with_logits(logits, targets)
        """, unsafe=True, title="across statements (unsafe)",
        proof=Proof(extreme={"features": [[1.0, 0.0], [0.0, 1.0]], "weights": [50.0, -800.0],
                             "targets": [0.0, 1.0]},
                    benign={"features": [[1.0, 0.5], [0.2, -1.0]], "weights": [0.3, 1.1],
                            "targets": [1.0, 0.0]},
                    reference="np.mean(np.logaddexp(0, features @ weights) - targets * "
                              "(features @ weights))", why=_WHY)),
    bad("torch", """
        from torch import nn

        class Detector(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())
                self.criterion = nn.BCELoss()

            def training_step(self, x, y):
                return self.criterion(self.net(x), y)
        """, title="a model ending in a sigmoid: reported without a fix"),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(targets, logits):
            return tf.keras.losses.BinaryCrossentropy()(targets, tf.sigmoid(logits))
        """, """
        import tensorflow as tf

        def loss(targets, logits):
            return tf.keras.losses.BinaryCrossentropy(from_logits=True)(targets, logits)
        """, proof=Proof(reference=f"np.mean({_TERMS})", **_COLUMN)),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(targets, logits):
            return tf.keras.losses.binary_crossentropy(targets, tf.math.sigmoid(logits), label_smoothing=0.1)
        """, """
        import tensorflow as tf

        def loss(targets, logits):
            return tf.keras.losses.binary_crossentropy(targets, logits, label_smoothing=0.1, from_logits=True)
        """, title="loss function",
        proof=Proof(reference="np.mean(np.logaddexp(0, logits) - (targets * 0.9 + 0.05) * "
                              "logits, axis=-1)", **_COLUMN)),
    bad("keras", """
        import keras

        def loss(labels, logits):
            return keras.losses.binary_crossentropy(labels, keras.ops.sigmoid(logits), from_logits=False)
        """, """
        import keras

        def loss(labels, logits):
            return keras.losses.binary_crossentropy(labels, logits, from_logits=True)
        """, title="backend-agnostic Keras: clipped on the JAX and PyTorch backends",
        proof=Proof(extreme={"labels": [[1.0, 0.0]], "logits": [[-50.0, 30.0]]}, constants=("labels",), dtypes=("float32",), reference="np.mean(np.logaddexp(0, logits) - labels * logits, axis=-1)", why="the sigmoid saturates to 0 or 1, which Keras clips: the loss is capped at 16.1")),
    # No proof: the proofs run Keras on its TensorFlow backend, where this loss is right.
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def bce(probs, targets):
            return F.binary_cross_entropy(probs, targets)

        def step(logits, targets):
            return bce(torch.sigmoid(logits), targets)
        """, title="a sigmoid passed to a function computing the loss: reported at the call"),
    good("torch", """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.binary_cross_entropy_with_logits(logits, targets)
        """),
    good("torch", """
        import torch
        import torch.nn.functional as F

        def loss(probs, targets):
            return F.binary_cross_entropy(probs, targets)
        """, title="probabilities from elsewhere"),
    good("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.BinaryCrossentropy()(labels, tf.keras.activations.sigmoid(logits))
        """, title="tf.keras activations are recovered on the TensorFlow backend"),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def loss(logits, targets, training):
            if training:
                probs = torch.sigmoid(logits)
            else:
                probs = logits
            return F.binary_cross_entropy(probs, targets)
        """, title="a sigmoid on one branch: reported, without a fix"),
)
