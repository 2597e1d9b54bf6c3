"""NL201 cross-entropy-on-probabilities: a cross-entropy computed from softmax or sigmoid
probabilities instead of from the logits."""

import ast
from dataclasses import dataclass, replace
from typing import Any, Dict, Optional

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table import DIFFERENTIABLE, losses

from ._losses import (Activation, activation, combine, negated, on_branch, switch_to_logits,
                      unclipped, without_gradient)
from ._passed import report_passed


@dataclass
class Probabilities:
    """What a `log` is taken of: the output of the activation `act` (`1 - sigmoid(x)` when
    `complement`), or entries of it that `selection` picks by target (`p[range(n), t]`,
    `p.gather(1, t)`), where `source` is the expression holding the output."""

    act: Activation
    complement: bool
    selection: Optional[ast.expr]
    source: ast.expr
    # Kept finite by a clip or an epsilon (`log(clip(p, 1e-7, 1 - 1e-7))`,
    # `log(1 - sigmoid(x) + eps)`): no `-inf`, but a capped loss whose gradient vanishes.
    clipped: bool = False
    # False when `log_softmax` of the logits would not be the same values where nothing is
    # clipped: renormalized over another axis, or without keeping dimensions.
    fixable: bool = True


class CrossEntropyOnProbabilities(Rule):
    code = "NL201"
    name = "cross-entropy-on-probabilities"
    summary = ("cross-entropy computed from softmax or sigmoid probabilities underflows to "
               "`-inf` or is clipped; compute it from the logits")
    frameworks = ("numpy", "torch", "tensorflow", "jax", "keras")
    fixable = Fixability.SOMETIMES
    operations = ("log", "nll_loss", "cross_entropy", "softmax")
    requires = (("log", "softmax"), ("log", "sigmoid"), ("nll_loss", "softmax"),
                ("cross_entropy", "softmax"))

    what = """
Checks for a cross-entropy computed from probabilities that a softmax or a sigmoid produced,
in the same expression, through names and `self.` attributes, layers held in attributes, models
ending in the activation, or functions of the module that return it:

* the log of the probabilities of the targets, selected by index or gather:
  `-log(p[range(n), t])`, `p.gather(1, t).log()`, `take_along_axis(p, t, axis)`;
* a binary cross-entropy written by hand,
  `-(y * log(p) + (1 - y) * log(1 - p))` with `p = sigmoid(x)`, and any `log(sigmoid(x))` or
  `log(1 - sigmoid(x))` multiplied by labels;
* `nll_loss` (which takes log-probabilities) given softmax probabilities;
* a Keras crossentropy on probabilities (`categorical_crossentropy`,
  `SparseCategoricalCrossentropy()`, ... without `from_logits=True`) given a softmax output;
* any of the logs above kept finite by a clip or an epsilon: `log(p + EPS)`,
  `-log(1 - sigmoid(out) + EPS)`, `log(clip(p, 1e-7, 1 - 1e-7))`, `log(maximum(p, eps))`
  (`EPS` a constant up to 1e-2, also held in a name), and a clipped `log(sigmoid(x))` or
  `log(1 - sigmoid(x))` on its own. A log weighted by its own probabilities,
  `-p * log(p + eps)`, is an entropy and is not reported, nor is a clipped log where no
  gradient is taken (under `torch.no_grad()`: a Hungarian matcher's focal cost, a metric).

The probabilities may be selected by target and then by a mask (`p[range(n), t][mask]`),
renormalized to sum to one (`p / sum(p, axis, keepdims=True)`), or computed on one branch
(`if from_logits: y_pred = softmax(y_pred)`: reported naming the branch, without a fix).

The log of a whole softmax output (`-sum(y * log(softmax(z)))`, also through names) is NL101's
finding (log-of-softmax), whose fix makes such a loss stable: this rule reports what NL101
cannot see, so that one hazard gives one finding.
Softmax probabilities passed to a function of the project that gives that parameter to
`nll_loss` or to a crossentropy on probabilities are reported at the call site, naming the
function and the line of its loss, without a fix (see NL101).
"""
    why = """
A softmax underflows to exactly `0` for logits more than about 745 below the row's maximum in
float64 (104 in float32), and `sigmoid(x)` rounds to exactly `1.0` above about 37 (17 in
float32), so `log(p)` or `log(1 - p)` is `-inf`, the loss is `inf` and the gradients NaN. Losses
that take probabilities guard against this by clipping, which caps the loss and zeroes its
gradient: Keras clips to `[1e-7, 1 - 1e-7]`, so its loss never exceeds 16.12.

Breaking input: logits `[[0, 1000], [0, 0]]` with targets `[0, 0]`:
`-log(softmax(z)[range(2), t])` is `[inf, 0.6931]` instead of `[1000, 0.6931]`; the hand-written
binary cross-entropy of `sigmoid(40)` with label 0 is `inf` (true 40). Keras'
`CategoricalCrossentropy()(y, tf.nn.softmax([[0, 100]]))` with `y = [[1, 0]]` is 16.118
(true 100), with gradient `[0, 0]` instead of `[-1, 1]`. `nll_loss(softmax(z), t)` computes
`-mean(p[t])`, a number between -1 and 0 that is not a cross-entropy at all.

A clip or an epsilon removes the `-inf` but not the hazard: the loss is capped where the model
is confidently wrong, exactly where it must learn, and the gradient there is rounded to zero
("if your model is stuck, you are probably computing cross-entropy using probabilities instead
of logits"). With `sigmoid(50)` and label 0 in float32, `-log(1 - p + 1e-7)` is 16.1 (true 50)
and its gradient 0 instead of 1.
"""
    fix_safety = """
In one expression the fix is safe: `log(p[idx])` becomes `log_softmax(z)[idx]` (the log
commutes with selecting entries), `log(sigmoid(x))` becomes `log_sigmoid(x)` and
`log(1 - sigmoid(x))` becomes `log_sigmoid(-x)`, and a Keras loss gets the logits and
`from_logits=True` (only when the softmax and the loss use the same axis); the values agree
wherever the original was finite and unclipped. When the activation was applied in an earlier
statement the fix is unsafe: it computes the activation's input again where the log is (only
when nothing rebinds the names it uses in between) and leaves the activation's assignment in
place. No fix is offered when the activation is the last layer of a model or inside another
function (the model should return logits, a change of its contract), or when a Keras loss
object is built in another statement. `nll_loss` on probabilities is a bug, not a rounding
problem: passing `log_softmax` of the logits changes the loss's value, so that fix is unsafe.
So is the fix of a clipped log (`log(p + eps)` becomes `log_sigmoid(x)`): it changes the loss
wherever the clip or the epsilon was active.
"""
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.logsigmoid.html",
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.log_expit.html",
        "https://www.tensorflow.org/api_docs/python/tf/nn/softmax_cross_entropy_with_logits",
        "https://www.tensorflow.org/api_docs/python/tf/math/log_sigmoid",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.log_sigmoid.html",
        "https://keras.io/api/losses/probabilistic_losses/#categoricalcrossentropy-class",
    )

    def check(self, ctx, op):
        if op.form == "compiled":
            return  # a model compiled with a loss on probabilities: Keras's own usage
        if op.kind == "softmax":
            self._passed(ctx, op)
        elif op.kind == "log":
            self._log(ctx, op)
        elif op.kind == "nll_loss":
            self._nll_loss(ctx, op)
        elif losses.prediction(op) == losses.PROBABILITIES:
            self._probability_loss(ctx, op)

    # -- softmax probabilities passed to a function that takes log-probabilities --------------
    @staticmethod
    def _passed(ctx, op):
        report_passed(ctx, op, ("nll_loss",), "computes `nll_loss` of",
                      "which takes log-probabilities, passed softmax probabilities here: it "
                      "computes `-p[target]`, not the cross-entropy; pass `log_softmax` of the "
                      "logits")
        report_passed(ctx, op, ("cross_entropy",), "computes a crossentropy on probabilities of",
                      "passed softmax probabilities here: they are clipped, the loss is capped "
                      "and its gradient vanishes; pass the logits to a loss with "
                      "`from_logits=True`", (losses.PROBABILITIES,))

    # -- the log of probabilities -----------------------------------------------------------
    def _log(self, ctx, op):
        probs = _probabilities(ctx, op.operand, op.scope)
        if probs is None:
            return
        if probs.clipped and without_gradient(ctx, op.node):
            return  # no gradient to vanish: a matcher's cost, a metric
        if probs.clipped and probs.act.op.kind == "softmax":
            if probs.selection is None and not _in_cross_entropy(ctx, op, probs):
                return
            ctx.report(op.node, _clipped(ctx, probs), _log_fix(ctx, op, probs))
            return
        if probs.act.op.kind == "softmax":
            if probs.selection is None:
                return  # the log of a softmax output: NL101's finding
            ctx.report(op.node, f"the log of softmax probabilities{on_branch(probs.act)} "
                                "selected by target underflows to `-inf`; select from "
                                "`log_softmax` of the logits",
                       _log_fix(ctx, op, probs))
            return
        if probs.selection is None and (_weighted_by_itself(ctx, op, probs) or (
                not probs.clipped and not _in_cross_entropy(ctx, op, probs))):
            return  # an entropy `p * log(p + eps)`, or not a loss term
        message = (f"cross-entropy of sigmoid probabilities{on_branch(probs.act)}: "
                   "`log(sigmoid(x))` and "
                   "`log(1 - sigmoid(x))` are `-inf` once the sigmoid saturates; use "
                   "`log_sigmoid` of the logits")
        pair = _partner(ctx, op, probs)
        if probs.clipped or (pair is not None and pair[2].clipped):
            message = _clipped(ctx, probs)
        if pair is None:
            ctx.report(op.node, message, _log_fix(ctx, op, probs))
            return
        total, other, other_probs = pair
        if ctx.source.node_range(other.node)[0] < ctx.source.node_range(op.node)[0]:
            return  # reported with the first of the two logs
        fix = combine("Replace both logs with `log_sigmoid` of the logits",
                      _log_fix(ctx, op, probs), _log_fix(ctx, other, other_probs))
        ctx.report(total, message, fix)

    # -- nll_loss of probabilities ------------------------------------------------------------
    def _nll_loss(self, ctx, op):
        softmax = activation(ctx, op.operand, op.scope, kinds=("softmax",))
        if softmax is None:
            return
        fix = None
        framework = ctx.framework(op, softmax.op)
        if not softmax.remote and not softmax.opaque and framework is not None:
            replacement = ctx.stable(
                "log_softmax", framework, softmax.op.operand, op.scope,
                args=ctx.args_of(softmax.op), like=softmax.op,
                method=softmax.op.form == "method", source_default=softmax.op.default_axis)
            fix = ctx.fix(op.operand, replacement, "Pass `{callee}` of the logits",
                          Applicability.UNSAFE)
        ctx.report(op.node, "`nll_loss` takes log-probabilities but is given softmax "
                            "probabilities: it computes `-p[target]`, not the cross-entropy; "
                            "pass `log_softmax` of the logits", fix)

    # -- categorical losses on probabilities (Keras' crossentropies) ----------------------------
    def _probability_loss(self, ctx, op):
        softmax = activation(ctx, op.operand, op.scope, kinds=("softmax",))
        if softmax is None:
            return
        recovered = losses.keras_recovers_logits(op, softmax.op)
        if recovered:
            return
        message = ("a crossentropy on softmax probabilities clips them to `[1e-7, 1 - 1e-7]`: "
                   "the loss is capped at 16.12 and its gradient vanishes; pass the logits "
                   "with `from_logits=True`")
        if recovered is None:
            message += " (Keras recovers the logits on its TensorFlow backend only)"
        fix = None
        axis = losses.class_axis(op)
        if axis is not None and _softmax_axis(softmax.op) == axis:
            fix = switch_to_logits(ctx, op, softmax, losses.logits_form(op),
                                   "Compute the loss from the logits")
        ctx.report(op.node, message, fix)


_CLIPPED = ("cross-entropy of clipped probabilities: no `-inf`, but the loss is capped and its "
            "gradient vanishes when the model is confidently wrong; compute it from the logits")


def _clipped(ctx, probs: Probabilities) -> str:
    """The message for a clipped cross-entropy: where no gradient is taken (NumPy) the loss
    is only capped; on one branch, the branch is named."""
    message = _CLIPPED
    framework = ctx.framework(probs.act.op)
    if framework is not None and framework not in DIFFERENTIABLE:
        message = ("cross-entropy of clipped probabilities: no `-inf`, but the loss is capped "
                   "(near 16 for a clip at 1e-7) when the model is confidently wrong; compute "
                   "it from the logits")
    return message.replace(":", on_branch(probs.act) + ":", 1)


# -- what a log is taken of --------------------------------------------------------------------


def _probabilities(ctx, expr, scope) -> Optional[Probabilities]:
    """The softmax or sigmoid probabilities `expr` holds, or selects entries of (also through
    names: `q = p[range(n), t]` ... `log(q)`)."""
    origin = ctx.origin(expr, scope)
    if origin is None:
        return None
    origins, selection, source = [origin], None, expr
    origin, outer_clip = _unguarded(ctx, origin, origins)
    for _ in range(3):  # `p[range(n), t]`, also `p[range(n), t][mask]` (a subset of those)
        selected = _selected(ctx, origin.expr, origin.scope)
        if selected is None:
            break
        if selection is None:
            selection = origin.expr
        source = selected
        origin = ctx.origin(selected, origin.scope)
        origins.append(origin)
    origin, clipped = _unguarded(ctx, origin, origins)
    clipped = clipped or outer_clip
    total = _renormalized(ctx, origin)  # `p / sum(p, axis, keepdims=True)`
    if total is not None:
        origin = ctx.origin(total.operand, origin.scope)
        origins.append(origin)
    op, complement = origin.op, False
    if op is not None and op.kind == "sub" and _is_one(op.left):
        origin = ctx.origin(op.right, origin.scope)
        origins.append(origin)
        origin, inner_clip = _unguarded(ctx, origin, origins)
        op, complement, clipped = origin.op, True, clipped or inner_clip
    if op is None and type(origin.expr) is ast.Name and \
            len(ctx.model.lookup(origin.expr.id, origin.scope)[1]) > 1:
        # After a branch (`if from_logits: y_pred = softmax(y_pred)`): an activation on one
        # path.
        found = activation(ctx, origin.expr, origin.scope)
        if found is not None:
            op = found.op
            origins += found.origins
    if op is None or op.kind not in ("softmax", "sigmoid"):
        return None
    if complement and op.kind != "sigmoid":
        return None
    fixable = total is None or (
        isinstance(total.keepdims, ast.Constant) and total.keepdims.value is True and
        total.axis is not None and op.axis is not None and
        ast.dump(total.axis) == ast.dump(op.axis))
    return Probabilities(Activation(op, origins), complement, selection, source, clipped,
                         fixable)


def _renormalized(ctx, origin):
    """The sum of `p / sum(p, axis, keepdims=True)` (probabilities scaled to sum to one, still
    the same probabilities where the sum is along the activation's axis) that `origin`
    holds, or None."""
    op = origin.op
    if op is None or op.kind != "div" or op.left is None or op.right is None:
        return None
    total = ctx.op(op.right, origin.scope)
    if total is None or total.kind != "sum" or total.operand is None or \
            not ctx.same(total.operand, op.left):
        return None
    return total


def _unguarded(ctx, origin, origins):
    """`origin`, or the probabilities inside the clip or epsilon it holds (at most two:
    `clip(p + eps, ...)`), and whether there was one."""
    clipped = False
    for _ in range(2):
        found = unclipped(ctx, origin.expr, origin.scope)
        if found is None:
            break
        inner, _guard = found
        origin = ctx.origin(inner, origin.scope)
        origins.append(origin)
        clipped = True
    return origin, clipped


def _selected(ctx, expr, scope) -> Optional[ast.expr]:
    """The array whose entries `expr` selects by target (an index that is not a constant or a
    slice, as in `p[range(n), t]`; a gather, as in `p.gather(1, t)`), or None."""
    if isinstance(expr, ast.Subscript):
        index = expr.slice
        elements = index.elts if isinstance(index, ast.Tuple) else [index]
        if any(not isinstance(e, ast.Slice) and not _is_literal(e) for e in elements):
            return expr.value
        return None
    op = ctx.op(expr, scope)
    return op.operand if op is not None and op.kind == "gather" else None


def _selecting(ctx, value, scope) -> Optional[ast.expr]:
    """The selection by target applied to `value`, if any (`log(p)[range(n), t]`)."""
    parent = ctx.model.parent_of(value)
    if isinstance(parent, ast.Attribute):  # `log(p).gather(1, t)`: the method's call
        parent = ctx.model.parent_of(parent)
    if parent is not None and _selected(ctx, parent, scope) is value:
        return parent
    return None


def _in_cross_entropy(ctx, op, probs) -> bool:
    """Whether the log `op` of sigmoid probabilities is a cross-entropy term: selected by
    target, multiplied by labels (not by the same probabilities: that is an entropy), or the
    input of `nll_loss`."""
    value = op.node
    if _selecting(ctx, value, op.scope) is not None:
        return True
    parent = ctx.model.parent_of(value)
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, (ast.Mult, ast.MatMult)):
        other = parent.right if parent.left is value else parent.left
        weights = _probabilities(ctx, _signed(other)[0], op.scope)  # `-p * log(p)` too
        return weights is None or not _same_activation(ctx, weights.act, probs.act)
    consumer = ctx.op(parent, op.scope) if isinstance(parent, ast.Call) else None
    return consumer is not None and consumer.kind == "nll_loss" and consumer.operand is value


def _weighted_by_itself(ctx, op, probs) -> bool:
    """Whether the log `op` is multiplied by the same probabilities (`p * log(p + eps)`: an
    entropy, not a cross-entropy)."""
    parent = ctx.model.parent_of(op.node)
    if not (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mult)):
        return False
    other = parent.right if parent.left is op.node else parent.left
    weights = _probabilities(ctx, _signed(other)[0], op.scope)
    return weights is not None and _same_activation(ctx, weights.act, probs.act)


def _partner(ctx, op, probs):
    """For one log of a hand-written binary cross-entropy `y * log(p) + (1 - y) * log(1 - p)`:
    the sum, the other log and its probabilities; None when `op` is not part of one."""
    term = ctx.model.parent_of(op.node)
    total = ctx.model.parent_of(term)
    if not (isinstance(term, ast.BinOp) and isinstance(term.op, ast.Mult)
            and isinstance(total, ast.BinOp) and isinstance(total.op, (ast.Add, ast.Sub))):
        return None
    other = total.right if total.left is term else total.left
    if not (isinstance(other, ast.BinOp) and isinstance(other.op, ast.Mult)):
        return None
    for factor in (other.left, other.right):
        log = ctx.op(factor, op.scope)
        if log is None or log.kind != "log" or not log.is_plain():
            continue
        found = _probabilities(ctx, log.operand, op.scope)
        if found is not None and found.selection is None and \
                _complementary(ctx, found, probs):
            return total, log, found
    return None


def _same_activation(ctx, a: Activation, b: Activation) -> bool:
    return a.op.node is b.op.node or (a.op.kind == b.op.kind
                                      and ctx.same(a.op.operand, b.op.operand))


def _complementary(ctx, a: Probabilities, b: Probabilities) -> bool:
    """Whether `a` is `1 - b` for sigmoid probabilities: `1 - sigmoid(x)` or `sigmoid(-x)`
    against `sigmoid(x)`."""
    if a.act.op.kind != "sigmoid" or b.act.op.kind != "sigmoid":
        return False
    if a.complement != b.complement and _same_activation(ctx, a.act, b.act):
        return True
    (x, x_negated), (y, y_negated) = _signed(a.act.op.operand), _signed(b.act.op.operand)
    return ctx.same(x, y) and (x_negated != a.complement) != (y_negated != b.complement)


def _signed(expr):
    """`(x, True)` for `-x`, `(expr, False)` otherwise."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return expr.operand, True
    return expr, False


# -- fixes -------------------------------------------------------------------------------------

def _log_fix(ctx, op, probs: Probabilities):
    """`log(p)` written from the logits: `log_softmax(z)` (selected like `p` was) or
    `log_sigmoid(x)` (`log_sigmoid(-x)` for `log(1 - sigmoid(x))`)."""
    act = probs.act
    framework = ctx.framework(op, act.op)
    logits = act.op.operand
    if not probs.fixable or act.opaque or not op.is_plain() or framework is None or \
            logits is None or \
            not act.portable(ctx, op.node):
        return None
    if act.op.kind == "softmax":
        replacement = ctx.stable(
            "log_softmax", framework, logits, op.scope, args=ctx.args_of(act.op),
            like=act.op, method=act.op.form == "method", source_default=act.op.default_axis)
    elif act.op.is_plain():
        argument = negated(ctx, logits) if probs.complement else logits
        replacement = ctx.render("log_sigmoid", framework, op.scope, like=act.op, x=argument)
    else:
        return None
    if replacement is not None and probs.selection is not None:
        replacement = _reselect(ctx, replacement, probs.selection, probs.source)
    # Without its clip the loss changes value where the clip was active: unsafe.
    safety = Applicability.UNSAFE if act.remote or probs.clipped else Applicability.SAFE
    return ctx.fix(op.node, replacement, "Replace with `{callee}` of the logits", safety)


def _reselect(ctx, replacement, selection, source):
    """`replacement` selected as `selection` selects from `source`: the selection's text with
    `source` replaced (`p[range(n), t]` becomes `log_softmax(z, 1)[range(n), t]`)."""
    start, end = ctx.source.node_range(selection)
    inner_start, inner_end = ctx.source.node_range(source)
    inner = replacement.text if _is_atom(replacement.text) else f"({replacement.text})"
    text = ctx.source.text
    selected = text[start:inner_start] + inner + text[inner_end:end]
    kept = [n for n in _selection_arguments(selection) if n is not source]
    return replace(replacement, text=selected, copied=list(replacement.copied) + kept)


def _selection_arguments(selection):
    if isinstance(selection, ast.Subscript):
        return [selection.slice]
    return list(selection.args) + [k.value for k in selection.keywords]


def _softmax_axis(op) -> Optional[int]:
    """The axis a softmax normalises, when it is a literal or a concrete default."""
    if op.axis is not None:
        return losses.literal_int(op.axis)
    default = op.default_axis
    return default if isinstance(default, int) else None


def _is_atom(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))


def _is_literal(node) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _is_one(node) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and \
        node.value == 1


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

# Executable proofs of the fixes (see `numlint.authoring.proof`): a row of logits 1000 apart, where the
# softmax underflows to 0, and sigmoid inputs where it rounds to 0 and to 1.
_ROWS: Dict[str, Any] = dict(extreme={"logits": [[0.0, 1000.0], [0.0, 0.0]], "targets": [0, 0]},
             integers=("targets",))
_NLL = ("-scipy.special.log_softmax(logits, axis=1)[np.arange(len(targets)), targets]"
        ".mean()")
_BINARY = {"logits": [50.0, -800.0], "labels": [0.0, 1.0]}
_BINARY_BENIGN = {"logits": [0.3, -1.2, 2.0, -0.4], "labels": [0.0, 1.0, 1.0, 0.0]}
_BCE = "np.mean(np.logaddexp(0, logits) - labels * logits)"


_CLIPPED_WHY = ("sigmoid(50) rounds to 1: the clipped log is capped near log(1e-7) (or "
                "log(eps)), and its gradient is 0 where the model is most wrong")

EXAMPLES = (
    bad("torch", """
        import torch

        EPS = 1e-7

        def loss(out, y):
            p = torch.sigmoid(out)
            return -(y * torch.log(p + EPS) + (1 - y) * torch.log(1 - p + EPS))
        """, """
        import torch

        EPS = 1e-7

        def loss(out, y):
            p = torch.sigmoid(out)
            return -(y * torch.nn.functional.logsigmoid(out) + (1 - y) * torch.nn.functional.logsigmoid(-out))
        """, unsafe=True, title="clipped with an epsilon: capped, with a vanishing gradient",
        proof=Proof(extreme={"out": [50.0, -50.0, 0.3], "y": [0.0, 1.0, 1.0]},
                    benign={"out": [0.3, -1.2, 2.0], "y": [0.0, 1.0, 1.0]},
                    constants=("y",), reference="np.logaddexp(0, out) - y * out",
                    dtypes=("float32",), bug_fix=False, why=_CLIPPED_WHY)),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(z, y):
            p = tf.nn.softmax(z)
            return -tf.reduce_sum(y * tf.math.log(tf.clip_by_value(p, 1e-7, 1 - 1e-7)), axis=-1)
        """, """
        import tensorflow as tf

        def loss(z, y):
            return -tf.reduce_sum(y * tf.nn.log_softmax(z), axis=-1)
        """, unsafe=True, title="clipped with `clip_by_value`",
        proof=Proof(extreme={"z": [[0.0, 60.0], [1.0, 2.0]], "y": [[1.0, 0.0], [0.0, 1.0]]},
                    benign={"z": [[0.3, -1.2], [2.0, 0.5]], "y": [[1.0, 0.0], [0.0, 1.0]]},
                    constants=("y",),
                    reference="-np.sum(y * scipy.special.log_softmax(z, axis=-1), axis=-1)",
                    dtypes=("float32",), why=_CLIPPED_WHY)),
    bad("torch", """
        import torch.nn.functional as F

        def nll(log_probs, targets):
            return F.nll_loss(log_probs, targets)

        def step(logits, targets):
            return nll(F.softmax(logits, dim=1), targets)
        """, title="softmax probabilities passed to a function computing `nll_loss`"),
    good("torch", """
        import torch

        def entropy(out):
            p = torch.sigmoid(out)
            return (-(p * torch.log(p + 1e-8) + (1 - p) * torch.log(1 - p + 1e-8)),
                    -p * torch.log(p + 1e-8) - (1 - p) * torch.log(1 - p + 1e-8))
        """, title="a binary entropy (the probabilities weigh their own logs)"),
    good("torch", """
        import torch

        @torch.no_grad()
        def matching_cost(logits, target_ids):
            p = logits.sigmoid()
            return -(p[:, target_ids] + 1e-8).log() + (-(1 - p + 1e-8).log())[:, target_ids]
        """, title="no gradient is taken: a Hungarian matcher's cost"),
    bad("numpy", """
        import numpy as np
        from scipy.special import softmax

        def nll(logits, targets):
            return -np.log(softmax(logits, axis=1)[np.arange(len(targets)), targets]).mean()
        """, """
        import numpy as np
        from scipy.special import log_softmax

        def nll(logits, targets):
            return -log_softmax(logits, axis=1)[np.arange(len(targets)), targets].mean()
        """, proof=Proof(reference=_NLL, **_ROWS,
                         why="softmax underflows to 0 for a logit 1000 below the maximum, "
                             "and log(0) = -inf")),
    bad("numpy", """
        import numpy as np
        from scipy.special import expit

        def logistic_loss(w, X, y):
            p = expit(X @ w)
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        """, """
        import numpy as np
        from scipy.special import expit, log_expit

        def logistic_loss(w, X, y):
            p = expit(X @ w)
            return -np.mean(y * log_expit(X @ w) + (1 - y) * log_expit(-(X @ w)))
        """, unsafe=True, title="binary cross-entropy across statements (unsafe)",
        proof=Proof(extreme={"w": [40.0, -800.0, 0.0], "X": [[1.0, 0.0, 0.0],
                                                             [0.0, 1.0, 0.0]],
                             "y": [0.0, 1.0]},
                    reference="np.mean(np.logaddexp(0, X @ w) - y * (X @ w))",
                    why="expit(40) rounds to 1.0, and log(1 - 1) = -inf")),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def bce(logits, labels):
            return -(labels * torch.log(torch.sigmoid(logits)) + (1 - labels) * torch.log(1 - torch.sigmoid(logits))).mean()
        """, """
        import torch.nn.functional as F

        def bce(logits, labels):
            return -(labels * F.logsigmoid(logits) + (1 - labels) * F.logsigmoid(-logits)).mean()
        """, title="binary cross-entropy",
        proof=Proof(extreme=_BINARY, benign=_BINARY_BENIGN, reference=_BCE,
                    why="sigmoid(50) rounds to 1.0 and sigmoid(-800) to 0: log gives -inf")),
    bad("torch", """
        import torch.nn.functional as F

        def nll(logits, targets):
            return -F.softmax(logits, dim=1).gather(1, targets.unsqueeze(1)).log().mean()
        """, """
        import torch.nn.functional as F

        def nll(logits, targets):
            return -F.log_softmax(logits, dim=1).gather(1, targets.unsqueeze(1)).mean()
        """, title="gather", proof=Proof(reference=_NLL, **_ROWS)),
    bad("torch", """
        import torch

        def nll(features, weights, targets):
            logits = features @ weights
            probs = logits.softmax(-1)
            return -torch.log(probs[torch.arange(len(targets)), targets]).mean()
        """, """
        import torch

        def nll(features, weights, targets):
            logits = features @ weights
            return -logits.log_softmax(-1)[torch.arange(len(targets)), targets].mean()
        """, unsafe=True, title="indexing across statements (unsafe)",
        proof=Proof(extreme={"features": [[1.0, 0.0], [0.0, 1.0]],
                             "weights": [[0.0, 1000.0], [0.0, 0.0]], "targets": [0, 0]},
                    integers=("targets",),
                    reference="-scipy.special.log_softmax(features @ weights, axis=-1)"
                              "[np.arange(len(targets)), targets].mean()")),
    bad("torch", """
        import torch
        import torch.nn.functional as F

        def total_log_probs(preds, target, ignore_index):
            probs = F.softmax(preds, dim=1)
            mask = target != ignore_index
            probs = probs[torch.arange(target.numel()), target][mask]
            return -probs.log().sum()
        """, """
        import torch
        import torch.nn.functional as F

        def total_log_probs(preds, target, ignore_index):
            probs = F.softmax(preds, dim=1)
            mask = target != ignore_index
            probs = probs[torch.arange(target.numel()), target][mask]
            return -F.log_softmax(preds, dim=1)[torch.arange(target.numel()), target][mask].sum()
        """, unsafe=True, title="selected by target, then by a mask (a perplexity)",
        proof=Proof(extreme={"preds": [[0.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]],
                             "target": [2, 0], "ignore_index": 0},
                    integers=("target", "ignore_index"),
                    reference="-scipy.special.log_softmax(preds, axis=1)"
                              "[np.arange(len(target)), target][target != ignore_index].sum()")),
    bad("torch", """
        import torch

        def nll(model, x, y):
            probs = model(x).softmax(-1)
            return -torch.log(probs[torch.arange(len(y)), y]).mean()
        """, title="the logits would be computed again: reported without a fix"),
    bad("torch", """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.nll_loss(F.softmax(logits, dim=1), targets)
        """, """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.nll_loss(F.log_softmax(logits, dim=1), targets)
        """, unsafe=True, title="nll_loss of probabilities: a bug (unsafe)",
        proof=Proof(reference=_NLL, bug_fix=True, **_ROWS,
                    why="nll_loss(p, t) is -mean(p[t]), a number in [-1, 0]")),
    bad("torch", """
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(16, 4), nn.Softmax(dim=1))

            def loss(self, x, y):
                return nn.NLLLoss()(self.net(x), y)
        """, title="a model ending in a softmax: reported without a fix"),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            p = tf.sigmoid(logits)
            return -tf.reduce_mean(labels * tf.log(p) + (1 - labels) * tf.log(1 - p))
        """, """
        import tensorflow as tf

        def loss(labels, logits):
            p = tf.sigmoid(logits)
            return -tf.reduce_mean(labels * tf.math.log_sigmoid(logits) + (1 - labels) * tf.math.log_sigmoid(-logits))
        """, unsafe=True, title="TensorFlow 1, across statements (unsafe)"),
    bad("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(labels, tf.nn.softmax(logits))
        """, """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.CategoricalCrossentropy(label_smoothing=0.1, from_logits=True)(labels, logits)
        """, title="Keras loss on tf.nn.softmax",
        proof=Proof(extreme={"labels": [[1.0, 0.0]], "logits": [[0.0, 100.0]]},
                    reference="-np.sum((labels * 0.9 + 0.05) * scipy.special.log_softmax("
                              "logits, axis=-1), axis=-1).mean()",
                    dtypes=("float32",),  # Keras losses compute in float32
                    why="Keras clips probabilities to [1e-7, 1 - 1e-7]: the loss is capped "
                        "at 16.1")),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def nll(logits, targets):
            return -jnp.log(jnp.take_along_axis(jax.nn.softmax(logits), targets[:, None], axis=-1)).mean()
        """, """
        import jax
        import jax.numpy as jnp

        def nll(logits, targets):
            return -jnp.take_along_axis(jax.nn.log_softmax(logits), targets[:, None], axis=-1).mean()
        """, proof=Proof(reference=_NLL, **_ROWS)),
    bad("keras", """
        import keras

        def loss(labels, logits):
            return keras.losses.sparse_categorical_crossentropy(labels, keras.ops.softmax(logits))
        """, """
        import keras

        def loss(labels, logits):
            return keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        """, title="backend-agnostic Keras: clipped on the JAX and PyTorch backends",
        proof=Proof(extreme={"labels": [2, 0], "logits": [[0.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]]}, integers=("labels",), dtypes=("float32",), reference="-scipy.special.log_softmax(logits, axis=-1)[np.arange(len(labels)), labels]", why="the softmax of -1000 is 0, which Keras clips to 1e-7: the loss is capped at 16.1")),
    bad("keras", """
        import keras
        from keras import ops

        def categorical(labels, logits):
            probs = ops.softmax(logits, axis=-1)
            output = probs / ops.sum(probs, axis=-1, keepdims=True)
            output = ops.clip(output, 1e-7, 1.0 - 1e-7)
            return -ops.sum(labels * ops.log(output), axis=-1)
        """, """
        import keras
        from keras import ops

        def categorical(labels, logits):
            probs = ops.softmax(logits, axis=-1)
            output = probs / ops.sum(probs, axis=-1, keepdims=True)
            output = ops.clip(output, 1e-7, 1.0 - 1e-7)
            return -ops.sum(labels * ops.log_softmax(logits, axis=-1), axis=-1)
        """, unsafe=True, title="renormalized, then clipped (unsafe)",
        proof=Proof(extreme={"labels": [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]],
                             "logits": [[0.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]]},
                    reference="-np.sum(labels * scipy.special.log_softmax(logits, axis=-1), "
                              "axis=-1)",
                    dtypes=("float32",),
                    why="the softmax of -1000 is 0, clipped to 1e-7: the loss is capped at "
                        "16.1")),
    bad("keras", """
        from keras import ops

        def batch_loss(labels, logits):
            probs = ops.softmax(logits, axis=-1)
            output = ops.clip(probs / ops.sum(probs), 1e-7, 1.0 - 1e-7)
            return -ops.sum(labels * ops.log(output), axis=-1)
        """, title="renormalized over the whole batch: not `log_softmax`, reported without a fix"),
    bad("keras", """
        from keras import ops

        def focal_terms(y_true, y_pred, from_logits=False):
            if from_logits:
                y_pred = ops.softmax(y_pred, axis=-1)
            output = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
            output = ops.clip(output, 1e-7, 1.0 - 1e-7)
            return -y_true * ops.log(output)
        """, title="a softmax on one branch: reported, naming it, without a fix"),
    # No proof: the proofs run Keras on its TensorFlow backend, where this loss is right.
    bad("numpy", """
        import numpy as np
        from scipy.special import softmax

        class Classifier:
            def predict_proba(self, X):
                return softmax(X @ self.coef_, axis=1)

            def log_loss(self, X, y):
                return -np.log(self.predict_proba(X)[np.arange(len(y)), y]).mean()
        """, title="probabilities returned by a method: reported without a fix"),
    good("torch", """
        import torch
        import torch.nn.functional as F

        def loss(logits, y):
            return -(y * torch.log(F.softmax(logits, dim=1))).sum(dim=1).mean()
        """, title="the log of a softmax: NL101's finding"),
    good("torch", """
        import torch

        def binary_entropy(logits):
            p = torch.sigmoid(logits)
            return -(p * torch.log(p) + (1 - p) * torch.log(1 - p))
        """, title="an entropy, not a cross-entropy"),
    good("torch", """
        import torch

        def log_odds(logits):
            return torch.log(torch.sigmoid(logits)) - torch.log(1 - torch.sigmoid(logits))
        """, title="log-sigmoid outside a cross-entropy"),
    good("torch", """
        import torch.nn.functional as F

        def loss(logits, targets):
            return F.nll_loss(F.log_softmax(logits, dim=1), targets)
        """),
    good("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.CategoricalCrossentropy(from_logits=True)(labels, logits)
        """),
    good("tensorflow", """
        import tensorflow as tf

        def loss(labels, logits):
            return tf.keras.losses.categorical_crossentropy(labels, tf.keras.activations.softmax(logits))
        """, title="tf.keras activations are recovered on the TensorFlow backend"),
)
