"""NL101 log-of-softmax: `log(softmax(x))` instead of `log_softmax(x)`."""

import ast

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._passed import report_passed


class LogOfSoftmax(Rule):
    code = "NL101"
    name = "log-of-softmax"
    summary = "`log(softmax(x))` underflows to -inf and has NaN gradients; use `log_softmax`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log", "softmax")
    requires = (("log", "softmax"), ("log", "exp", "sum", "div"))

    what = """
Checks for the logarithm of a softmax, `log(softmax(x))`, in every spelling: functions
(`torch.log(F.softmax(x, dim=1))`), methods (`x.softmax(-1).log()`) and layers
(`torch.log(nn.Softmax(dim=1)(x))`), also across statements: a softmax assigned to a name or
a `self.` attribute and its log taken later, a softmax layer held in an attribute
(`self.act = nn.Softmax(dim=1)`), a model whose last layer is a softmax, and a function of the
module that returns a softmax (`np.log(self.predict_proba(X))`). A softmax written by hand,
`e / e.sum(axis, keepdims=True)` with `e = exp(x - max)` (shifted or not, also returned by a
function or method), is a softmax too: its log is reported without a fix.

Also a softmax output passed to a function of the project that takes the log of that
parameter (`def nll(p): return -torch.log(p).mean()` ... `nll(F.softmax(z, -1))`, the
function in the same module or in another, directly or through a name): reported at the call
site, naming the function and the line of its log. A module checked alone knows what the
functions it calls do with their parameters, never who calls its own functions; at the call
site the finding is the same whether the whole project, the file alone or stdin is checked,
and pre-commit reports it on the change that introduced it.
"""
    why = """
Softmax underflows to exactly `0` for every entry more than about 745 below the row's maximum
in float64 (104 in float32), and `log(0)` is `-inf`. The backward pass then produces NaN for the
whole row, and a training run that hits it is lost. `log_softmax` computes
`x - logsumexp(x)` directly and stays finite and accurate.

Breaking input: `x = [[0, -1000, 1000]]` gives `[-inf, -inf, 0]` instead of
`[-1000, -2000, 0]`; in float32 `[[0, -200, 200]]` already does. The gradient of
`log(softmax(x))[0, 0]` there is `[nan, nan, nan]` in PyTorch, TensorFlow and JAX (the true
gradient is `[1, 0, -1]`).
"""
    fix_safety = """
In one expression the fix is safe: `log_softmax` takes the same arguments as the softmax it replaces, with the
same default axis in every library (SciPy: all elements; `F.softmax` without `dim`: the same
deprecated implicit dimension), and returns the same values wherever `log(softmax(x))` was
finite. It is not offered when the `log` has extra arguments (`out=`, a logarithm base) or the
operations come from different libraries. When the softmax was assigned in an earlier statement
the fix (`log(p)` becomes `log_softmax(z)`) is unsafe: it computes the softmax's input again
where the log is, and is offered only when nothing rebinds the names that input uses in
between. A softmax inside a model or another function is reported without a fix: the model
should return logits, a change of its contract.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.log_softmax.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html",
        "https://www.tensorflow.org/api_docs/python/tf/nn/log_softmax",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.log_softmax.html",
    )

    def check(self, ctx, op):
        if op.kind == "softmax":
            report_passed(ctx, op, ("log",), "takes the log of",
                          "passed a softmax output here: it underflows to `-inf`; pass the "
                          "logits and use `log_softmax` there")
            return
        origin = ctx.origin(op.operand, op.scope)
        softmax = origin.op if origin is not None else None
        if softmax is not None and ctx.model.softmax_by_hand(softmax):
            ctx.report(op.node, "log of a softmax written by hand (`exp(x) / sum(exp(x))`) "
                                "underflows to `-inf` where an exponential does; use "
                                "`log_softmax`")
            return
        if softmax is None or softmax.kind != "softmax":
            self._on_a_branch(ctx, op)
            return
        framework = ctx.framework(op, softmax)
        fix = None
        if op.is_plain() and softmax.bound and softmax.operand is not None \
                and framework is not None \
                and ctx.portable(origin, op.node, copied=softmax.operand):
            replacement = ctx.stable(
                "log_softmax", framework, softmax.operand, op.scope,
                args=ctx.args_of(softmax), like=softmax,
                method=softmax.form == "method", source_default=softmax.default_axis)
            if origin.remote:
                fix = ctx.fix(op.node, replacement, "Replace with `{callee}` of the softmax's "
                              "input", Applicability.UNSAFE)
            else:
                fix = ctx.fix(op.node, replacement, "Replace with `{callee}`",
                              Applicability.SAFE)
        message = "`log(softmax(x))` underflows to `-inf`; use `log_softmax`"
        if origin.remote or softmax.form in ("model", "returned"):
            message = ("log of a softmax output (computed elsewhere) underflows to `-inf`; "
                       "use `log_softmax` of the logits")
        ctx.report(op.node, message, fix)

    @staticmethod
    def _on_a_branch(ctx, op):
        """`if training: p = softmax(z) ... log(p)`: a softmax on one path is a hazard (also
        `if (p := softmax(z)) is not None: log(p)`)."""
        if not isinstance(op.operand, ast.Name):
            return
        for candidate in ctx.origins(op.operand, op.scope)[0]:
            if candidate.op is not None and candidate.op.kind == "softmax":
                where = f"computed on {candidate.branch}" if candidate.branch \
                    else "computed elsewhere"
                ctx.report(op.node, f"log of a softmax output ({where}) underflows to `-inf`; "
                           "use `log_softmax` of the logits")
                return


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proof of the fixes: a row whose entries lie 1000 apart.
ROWS = Proof(
    extreme={"logits": [[0.0, -1000.0, 1000.0], [1.0, 2.0, 3.0]]},
    reference="scipy.special.log_softmax(logits, axis=-1)",
    why="softmax underflows to 0 for entries far below the maximum, and log(0) = -inf",
)


EXAMPLES = (
    bad("numpy", """
        import numpy as np
        from scipy.special import softmax

        def log_probs(logits):
            return np.log(softmax(logits, axis=1))
        """, """
        from scipy.special import log_softmax

        def log_probs(logits):
            return log_softmax(logits, axis=1)
        """,
        proof=ROWS),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def log_probs(logits):
            return torch.log(F.softmax(logits, dim=-1))
        """, """
        import torch.nn.functional as F

        def log_probs(logits):
            return F.log_softmax(logits, dim=-1)
        """,
        proof=ROWS),
    bad("torch", """
        import torch

        def log_probs(logits):
            return logits.softmax(1).log()
        """, """
        import torch

        def log_probs(logits):
            return logits.log_softmax(1)
        """, title="method chain",
        proof=ROWS),
    bad("torch", """
        import torch
        from torch import nn

        def log_probs(logits):
            return torch.log(nn.Softmax(dim=1)(logits))
        """, """
        import torch

        def log_probs(logits):
            return torch.log_softmax(logits, dim=1)
        """, title="softmax layer",
        proof=ROWS),
    bad("tensorflow", """
        import tensorflow as tf

        def log_probs(logits):
            return tf.math.log(tf.nn.softmax(logits, axis=-1))
        """, """
        import tensorflow as tf

        def log_probs(logits):
            return tf.nn.log_softmax(logits, axis=-1)
        """,
        proof=ROWS),
    bad("tensorflow", """
        import tensorflow as tf

        def log_probs(logits):
            return tf.log(tf.nn.softmax(logits))
        """, """
        import tensorflow as tf

        def log_probs(logits):
            return tf.nn.log_softmax(logits)
        """, title="TensorFlow 1"),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def log_probs(logits):
            return jnp.log(jax.nn.softmax(logits, axis=-1))
        """, """
        import jax

        def log_probs(logits):
            return jax.nn.log_softmax(logits, axis=-1)
        """,
        proof=ROWS),
    bad("keras", """
        import keras

        def log_probs(logits):
            return keras.ops.log(keras.ops.softmax(logits))
        """, """
        import keras

        def log_probs(logits):
            return keras.ops.log_softmax(logits)
        """,
        proof=ROWS),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def log_probs(logits):
            probs = F.softmax(logits, dim=-1)
            entropy = -(probs * torch.log(probs)).sum(-1)
            return torch.log(probs), entropy
        """, """
        import torch.nn.functional as F

        def log_probs(logits):
            probs = F.softmax(logits, dim=-1)
            entropy = -(probs * F.log_softmax(logits, dim=-1)).sum(-1)
            return F.log_softmax(logits, dim=-1), entropy
        """, unsafe=True, title="across statements (unsafe)",
        proof=Proof(extreme=ROWS.extreme, reference="(scipy.special.log_softmax(logits, axis=-1), scipy.special.entr(scipy.special.softmax(logits, axis=-1)).sum(-1))")),
    bad("numpy", """
        import numpy as np
        from scipy.special import softmax

        class Classifier:
            def predict_proba(self, X):
                return softmax(X @ self.coef_, axis=1)

            def predict_log_proba(self, X):
                return np.log(self.predict_proba(X))
        """, title="a softmax returned by a method: reported without a fix"),
    bad("torch", """
        import torch
        from torch import nn

        class Policy(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(16, 4)
                self.act = nn.Softmax(dim=-1)

            def log_prob(self, h, action):
                return torch.log(self.act(self.head(h)))[action]
        """, """
        import torch
        from torch import nn

        class Policy(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(16, 4)
                self.act = nn.Softmax(dim=-1)

            def log_prob(self, h, action):
                return torch.log_softmax(self.head(h), dim=-1)[action]
        """, title="a softmax layer held in an attribute"),
    bad("torch", """
        import torch

        def log_probs(logits, training):
            if training:
                probs = torch.softmax(logits, -1)
            else:
                probs = logits
            return torch.log(probs)
        """, title="a softmax on one branch: reported, without a fix"),
    bad("torch", """
        import torch

        def nll(probs, targets):
            return -torch.log(probs)[torch.arange(len(targets)), targets].mean()

        def step(logits, targets):
            probs = torch.softmax(logits, dim=-1)
            return nll(probs, targets)
        """, title="a softmax passed to a function that takes its log: reported at the call"),
    good("torch", """
        import torch.nn.functional as F

        def log_probs(logits):
            return F.log_softmax(logits, dim=-1)
        """),
    good("torch", """
        import torch

        def nll(probs, targets):
            return -torch.log(probs + 1e-8)[torch.arange(len(targets)), targets].mean()

        def step(logits, targets):
            return nll(torch.softmax(logits, dim=-1), targets)
        """, title="a function that guards its log"),
    bad("numpy", """
        import numpy as np

        class Classifier:
            def predict_proba(self, X):
                values = X @ self.coef_
                likelihood = np.exp(values - values.max(axis=1)[:, np.newaxis])
                return likelihood / likelihood.sum(axis=1)[:, np.newaxis]

            def predict_log_proba(self, X):
                return np.log(self.predict_proba(X))
        """, title="a softmax written by hand, returned by a method: reported without a fix"),
    bad("torch", """
        import torch

        def log_probs(logits):
            e = torch.exp(logits - logits.max(dim=-1, keepdim=True).values)
            return torch.log(e / e.sum(dim=-1, keepdim=True))
        """, title="a softmax written by hand, shifted"),
    good("numpy", """
        import numpy as np

        def log_ratio(v, w):
            e = np.exp(v)
            return np.log(e / np.exp(w).sum())
        """, title="exponentials divided by the sum of others"),
    good("numpy", """
        import numpy as np
        from scipy.special import softmax

        def entropy_weights(logits):
            p = softmax(logits, axis=1)
            return np.log(p.sum(axis=1))
        """, title="the log of something else"),
    bad("cupy", """
        import cupy as cp
        from cupyx.scipy.special import softmax


        def log_probs(logits):
            return cp.log(softmax(logits, axis=1))
        """, """
        from cupyx.scipy.special import log_softmax


        def log_probs(logits):
            return log_softmax(logits, axis=1)
        """,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
