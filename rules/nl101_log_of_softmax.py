"""NL101 log-of-softmax: `log(softmax(x))` instead of `log_softmax(x)`."""

from numlint.rule import Applicability, Rule, bad, good


class LogOfSoftmax(Rule):
    code = "NL101"
    name = "log-of-softmax"
    summary = "`log(softmax(x))` underflows to -inf and has NaN gradients; use `log_softmax`"
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = "sometimes"
    operations = ("log",)
    requires = (("log", "softmax"),)

    what = """
Checks for the logarithm of a softmax, `log(softmax(x))`, in every spelling: functions
(`torch.log(F.softmax(x, dim=1))`), methods (`x.softmax(-1).log()`) and layers
(`torch.log(nn.Softmax(dim=1)(x))`).
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
The fix is safe: `log_softmax` takes the same arguments as the softmax it replaces, with the
same default axis in every library (SciPy: all elements; `F.softmax` without `dim`: the same
deprecated implicit dimension), and returns the same values wherever `log(softmax(x))` was
finite. It is not offered when the `log` has extra arguments (`out=`, a logarithm base) or the
operations come from different libraries.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.log_softmax.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html",
        "https://www.tensorflow.org/api_docs/python/tf/nn/log_softmax",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.log_softmax.html",
    )

    def check(self, op, ctx):
        softmax = ctx.op(op.operand, op.scope)
        if softmax is None or softmax.kind != "softmax":
            return
        framework = ctx.framework(op, softmax)
        fix = None
        if op.is_plain() and softmax.bound and framework is not None:
            replacement = ctx.stable(
                "log_softmax", framework, softmax.operand, op.scope,
                args=ctx.args_of(softmax), like=softmax,
                method=softmax.form == "method", source_default=softmax.default_axis)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}`", Applicability.SAFE)
        ctx.report(op.node, "`log(softmax(x))` underflows to `-inf`; use `log_softmax`", fix)

    examples = (
        bad("numpy", """
            import numpy as np
            from scipy.special import softmax

            def log_probs(logits):
                return np.log(softmax(logits, axis=1))
            """, """
            import numpy as np
            from scipy.special import softmax
            from scipy.special import log_softmax

            def log_probs(logits):
                return log_softmax(logits, axis=1)
            """),
        bad("torch", """
            import torch
            import torch.nn.functional as F

            def log_probs(logits):
                return torch.log(F.softmax(logits, dim=-1))
            """, """
            import torch
            import torch.nn.functional as F

            def log_probs(logits):
                return F.log_softmax(logits, dim=-1)
            """),
        bad("torch", """
            import torch

            def log_probs(logits):
                return logits.softmax(1).log()
            """, """
            import torch

            def log_probs(logits):
                return logits.log_softmax(1)
            """, title="method chain"),
        bad("torch", """
            import torch
            from torch import nn

            def log_probs(logits):
                return torch.log(nn.Softmax(dim=1)(logits))
            """, """
            import torch
            from torch import nn

            def log_probs(logits):
                return torch.log_softmax(logits, dim=1)
            """, title="softmax layer"),
        bad("tensorflow", """
            import tensorflow as tf

            def log_probs(logits):
                return tf.math.log(tf.nn.softmax(logits, axis=-1))
            """, """
            import tensorflow as tf

            def log_probs(logits):
                return tf.nn.log_softmax(logits, axis=-1)
            """),
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
            import jax.numpy as jnp

            def log_probs(logits):
                return jax.nn.log_softmax(logits, axis=-1)
            """),
        bad("keras", """
            import keras

            def log_probs(logits):
                return keras.ops.log(keras.ops.softmax(logits))
            """, """
            import keras

            def log_probs(logits):
                return keras.ops.log_softmax(logits)
            """),
        good("torch", """
            import torch.nn.functional as F

            def log_probs(logits):
                return F.log_softmax(logits, dim=-1)
            """),
        good("numpy", """
            import numpy as np
            from scipy.special import softmax

            def entropy_weights(logits):
                p = softmax(logits, axis=1)
                return np.log(p.sum(axis=1))
            """, title="the log of something else"),
    )

