"""NL202 double-softmax: a loss that applies the softmax (or sigmoid) itself fed its output."""

from typing import Any, Dict

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table import losses

from ._losses import activation, logits, on_branch
from ._passed import passed, takes


# The activation each logits-based loss kind applies itself.
APPLIES = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}


class DoubleSoftmax(Rule):
    code = "NL202"
    name = "double-softmax"
    summary = ("a logits-based loss (`cross_entropy`, `from_logits=True`) fed a softmax output "
               "applies the softmax twice: wrong values, vanishing gradients")
    frameworks = ("torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("cross_entropy", "binary_cross_entropy", "softmax", "sigmoid")
    requires = (("cross_entropy", "softmax"), ("cross_entropy", "sigmoid"),
                ("binary_cross_entropy", "sigmoid"))

    what = """
Checks for a loss that takes logits and applies the softmax itself (`F.cross_entropy`,
`nn.CrossEntropyLoss`, `tf.nn.softmax_cross_entropy_with_logits` and its sparse form,
`optax.softmax_cross_entropy`, a Keras crossentropy with `from_logits=True`) fed the output of a
softmax: in the same expression, through a name or a `self.` attribute, a softmax layer held in
an attribute, or a model whose last layer is a softmax. Likewise a sigmoid output fed to a
sigmoid cross-entropy on logits (`F.binary_cross_entropy_with_logits`,
`tf.nn.sigmoid_cross_entropy_with_logits`, `optax.sigmoid_binary_cross_entropy`). A
`log_softmax` output is not reported: log-softmax is idempotent, so the loss is right.
A Keras model whose last layer applies the softmax (`Dense(10, activation="softmax")`, a
`Softmax()` layer; the model built in the same module or by a `build_model()` of another)
compiled with a loss on logits (`model.compile(loss=SparseCategoricalCrossentropy(from_logits=True))`,
also a loss object held in a name) is reported at the loss, without a fix (the model's
output changes meaning if its last activation goes). On Keras's TensorFlow backend the loss
recovers the logits of a Keras softmax and warns; on its JAX and PyTorch backends the softmax
is applied twice, so `keras` models are reported with that note and `tf.keras` ones are not.
Also a softmax or sigmoid output passed to a function of the project that passes to such a loss as the logits that parameter (the function
in the same module or in another, directly or through a name): reported at the call site,
naming the function and the line of its loss, without a fix (see NL101).
"""
    why = """
The loss computes `-log_softmax(p)[target]` of probabilities `p` in `[0, 1]`: every row of
logits is squashed into a range of width 1, so with `C` classes the loss stays between
`log(1 + (C - 1) / e)` and `log(C - 1 + e)` however right or wrong the model is, and its
gradient shrinks by orders of magnitude. Training stalls or converges to a poor model, with no error or NaN to
notice. This is a bug, not a rounding problem.

Breaking input: logits `[[0, 10]]` with target class 0: `F.cross_entropy(z, t)` is 10.00005,
`F.cross_entropy(F.softmax(z, dim=1), t)` is 1.3132, and its gradient is `6.6e-05` instead of
`1.0`. On standard-normal logits over 10 classes with random targets the loss is 2.30 instead
of 2.70, close to `log(10)` however confident the model is.
"""
    fix_safety = """
The fix passes the logits, the softmax's input, instead of its output. It changes the loss's
value (it corrects it), so it is always unsafe, and it is offered only when the softmax is
applied in the same expression as the loss, as a function or as a layer held in an attribute
(`self.loss(self.act(h), t)` becomes `self.loss(h, t)`: the layer stays, for its other uses);
through names or models the finding is reported without a fix (the softmax output may have
other uses, and a model that returns logits changes its contract). A sigmoid output fed to a softmax loss, or the reverse, is reported without a
fix: which activation was intended is a modelling question.

On Keras' TensorFlow backend, `keras.ops.softmax` and `keras.activations.softmax` tag their
output with the logits and the losses use them, so only code that may run on the JAX or PyTorch
backends is affected; `tf.keras.activations.softmax` is not reported, `tf.nn.softmax` always is.
"""
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html",
        "https://www.tensorflow.org/api_docs/python/tf/nn/softmax_cross_entropy_with_logits",
        "https://optax.readthedocs.io/en/latest/api/losses.html#optax.losses.softmax_cross_entropy",
        "https://keras.io/api/losses/probabilistic_losses/#categoricalcrossentropy-class",
    )

    def check(self, ctx, op):
        if op.kind in ("softmax", "sigmoid"):
            for record in passed(ctx, op, tuple(APPLIES), (losses.LOGITS,)):
                applied = APPLIES[record.sink.kind]
                if applied == op.kind:
                    what = (f"applies a {applied} to it: passed a {applied} output here, the "
                            "activation is applied twice; pass the logits")
                else:
                    what = f"applies a {applied} to it, but is passed a {op.kind} output here"
                ctx.report(record.argument,
                           f"{takes(record, 'computes a loss on logits of')}, which {what}")
            return
        applied = APPLIES.get(op.kind)
        if applied is None or losses.prediction(op) != losses.LOGITS:
            return
        if op.form == "compiled":
            self._compiled(ctx, op, applied)
            return
        given = activation(ctx, op.operand, op.scope)
        if given is None:
            return
        recovered = losses.keras_recovers_logits(op, given.op)
        if recovered:
            return
        if given.op.kind != applied:
            ctx.report(op.node, f"a loss that applies a {applied} to logits is fed a "
                                f"{given.op.kind} output")
            return
        message = (f"the loss applies a {applied} to its input, which is already a {applied} "
                   "output: the activation is applied twice; pass the logits")
        if recovered is None:
            message += " (Keras recovers the logits on its TensorFlow backend only)"
        message += on_branch(given)
        fix = None
        if not given.remote:
            prediction = op.operand
            fix = ctx.fix(prediction, logits(ctx, given, prediction),
                          f"Pass the {applied}'s input", Applicability.UNSAFE)
        ctx.report(op.node, message, fix)


    @staticmethod
    def _compiled(ctx, op, applied):
        """`model.compile(loss=SparseCategoricalCrossentropy(from_logits=True))` of a model
        whose last layer applies the softmax."""
        output = ctx.model.compiled_output(op)
        if output is None or output.kind not in APPLIES.values():
            return
        recovered = losses.keras_recovers_logits(op, output)
        if recovered:
            return
        if output.kind != applied:
            message = (f"the model's last layer applies a {output.kind}, and its loss, on "
                       f"logits, applies a {applied}")
        else:
            message = (f"the model's last layer applies a {applied} and its loss, on logits "
                       f"(`from_logits=True`), applies it again: wrong values, vanishing "
                       "gradients; remove the activation from the last layer")
        if recovered is None:
            message += " (Keras recovers the logits on its TensorFlow backend only)"
        call = op.node
        where = next((k.value for k in call.keywords if k.arg == "loss"), None)
        if where is None:
            where = call.args[1] if len(call.args) > 1 else call
        ctx.report(where, message)


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes (see `numlint.authoring.proof`): the fix corrects the value, so the fixed
# code is compared with the true loss, also on benign inputs.
_WHY = "the loss applies a softmax to probabilities: it stays near log(C), its gradient vanishes"
_SPARSE: Dict[str, Any] = dict(extreme={"logits": [[0.0, 10.0]], "targets": [0]}, integers=("targets",),
               bug_fix=True, why=_WHY)
_NLL = ("-scipy.special.log_softmax(logits, axis=-1)[np.arange(len(targets)), targets]"
        ".mean()")
_DENSE: Dict[str, Any] = dict(extreme={"labels": [[1.0, 0.0]], "logits": [[0.0, 10.0]]}, bug_fix=True, why=_WHY)
_CE = "-np.sum(labels * scipy.special.log_softmax(logits, axis=-1), axis=-1)"


EXAMPLES = (
    bad("torch", """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.cross_entropy(F.softmax(logits, dim=1), targets)
        """, """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.cross_entropy(logits, targets)
        """, unsafe=True, proof=Proof(reference=_NLL, **_SPARSE)),
    bad("torch", """
        from torch import nn

        def loss(logits, targets):
            return nn.CrossEntropyLoss(label_smoothing=0.1)(logits.softmax(-1), targets)
        """, """
        from torch import nn

        def loss(logits, targets):
            return nn.CrossEntropyLoss(label_smoothing=0.1)(logits, targets)
        """, unsafe=True, title="loss layer",
        proof=Proof(reference="np.mean(0.9 * -scipy.special.log_softmax(logits, axis=-1)"
                              "[np.arange(len(targets)), targets] + 0.1 * "
                              "-scipy.special.log_softmax(logits, axis=-1).mean(axis=-1))",
                    **_SPARSE)),
    bad("torch", """
        from torch import nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Softmax(dim=1)
                self.loss = nn.CrossEntropyLoss()

            def forward(self, h, t):
                return self.loss(self.act(h), t)

        def loss(logits, targets):
            return Head()(logits, targets)
        """, """
        from torch import nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Softmax(dim=1)
                self.loss = nn.CrossEntropyLoss()

            def forward(self, h, t):
                return self.loss(h, t)

        def loss(logits, targets):
            return Head()(logits, targets)
        """, unsafe=True, title="a softmax layer held in an attribute",
        proof=Proof(reference=_NLL, **_SPARSE)),
    bad("torch", """
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(16, 4), nn.ReLU(), nn.Linear(4, 4), nn.Softmax(dim=1))
                self.criterion = nn.CrossEntropyLoss()

            def training_step(self, x, y):
                return self.criterion(self.net(x), y)
        """, title="a model ending in a softmax: reported without a fix"),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def loss(logits, targets):
            probs = torch.softmax(logits, dim=1)
            return F.cross_entropy(probs, targets), probs.argmax(1)
        """, title="through a name: reported without a fix"),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=tf.nn.softmax(logits))
        """, """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        """, unsafe=True, proof=Proof(reference=_CE, **_DENSE)),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(targets, logits):
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=tf.nn.softmax(logits)))
        """, """
        import tensorflow as tf

        def loss(targets, logits):
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits))
        """, unsafe=True, title="sparse labels", proof=Proof(reference=_NLL, **_SPARSE)),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.CategoricalCrossentropy(from_logits=True)(labels, tf.nn.softmax(logits))
        """, """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.CategoricalCrossentropy(from_logits=True)(labels, logits)
        """, unsafe=True, title="Keras loss with from_logits=True",
        proof=Proof(reference=f"np.mean({_CE})", dtypes=("float32",), **_DENSE)),
    bad("jax", """
        import jax
        import optax

        def loss(logits, targets):
            return optax.softmax_cross_entropy_with_integer_labels(jax.nn.softmax(logits), targets).mean()
        """, """
        import optax

        def loss(logits, targets):
            return optax.softmax_cross_entropy_with_integer_labels(logits, targets).mean()
        """, unsafe=True, proof=Proof(reference=_NLL, **_SPARSE)),
    bad("jax", """
        import jax
        import optax

        def loss(logits, labels):
            return optax.sigmoid_binary_cross_entropy(jax.nn.sigmoid(logits), labels).mean()
        """, """
        import optax

        def loss(logits, labels):
            return optax.sigmoid_binary_cross_entropy(logits, labels).mean()
        """, unsafe=True, title="a sigmoid applied twice",
        proof=Proof(extreme={"logits": [10.0], "labels": [0.0]}, bug_fix=True,
                    reference="np.mean(np.logaddexp(0, logits) - labels * logits)",
                    why="the loss applies a sigmoid to probabilities: it stays in "
                        "[0.31, 1.31]")),
    bad("keras", """
        import keras

        def loss(labels, logits):
            return keras.losses.categorical_crossentropy(labels, keras.ops.softmax(logits), from_logits=True)
        """, """
        import keras

        def loss(labels, logits):
            return keras.losses.categorical_crossentropy(labels, logits, from_logits=True)
        """, unsafe=True, title="backend-agnostic Keras: wrong on the JAX and PyTorch backends",
        proof=Proof(extreme={"labels": [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "logits": [[0.0, 10.0, -10.0], [1.0, 2.0, 3.0]]}, constants=("labels",), bug_fix=True, dtypes=("float32",), reference="-(labels * scipy.special.log_softmax(logits, axis=-1)).sum(-1)", why="a second softmax squashes the probabilities: the loss and its gradient are wrong")),
    # No proof: the proofs run Keras on its TensorFlow backend, where this loss is right.
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.cross_entropy(torch.sigmoid(logits), targets)
        """, title="a sigmoid fed to a softmax loss: reported without a fix"),
    bad("torch", """
        import torch.nn.functional as F

        def classification_loss(logits, targets):
            return F.cross_entropy(logits, targets)

        def step(scores, targets):
            probs = F.softmax(scores, dim=1)
            return classification_loss(probs, targets)
        """, title="a softmax passed to a function computing the loss: reported at the call"),
    bad("keras", """
        import keras
        from keras import layers

        def train(x, y):
            model = keras.Sequential([layers.Dense(64, activation="relu"),
                                      layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam",
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            return model.fit(x, y)
        """, title="a model ending in a softmax compiled with `from_logits=True`: reported"),
    good("keras", """
        import keras
        from keras import layers

        def train(x, y):
            model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
            model.compile(optimizer="adam",
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            return model.fit(x, y)
        """, title="the model returns logits"),
    good("torch", """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.cross_entropy(F.log_softmax(logits, dim=1), targets)
        """, title="log-softmax is idempotent"),
    good("torch", """
        import torch.nn.functional as F

        def distillation(student_logits, teacher_logits, T):
            return F.cross_entropy(student_logits / T, F.softmax(teacher_logits / T, dim=1))
        """, title="probabilities as the target"),
    good("keras", """
        import keras

        def loss(labels, logits):
            return keras.losses.categorical_crossentropy(labels, keras.ops.softmax(logits))
        """, title="a loss on probabilities (NL201's business)"),
    good("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.CategoricalCrossentropy(from_logits=True)(labels, tf.keras.activations.softmax(logits))
        """, title="tf.keras activations are recovered on the TensorFlow backend"),
)
