"""Patterns the loss rules (NL201, NL202, NL203) share. Not a rule: the registry skips `_`
modules.

Every loss hazard starts from an activation (a softmax or a sigmoid) whose output reaches a
loss: directly, through names and `self.` attributes, through a layer held in an attribute, a
model whose last layer it is, or a function of the module that returns it. `activation()`
finds it; `logits()` writes the logits in its place; `set_flag()` turns a Keras loss to
`from_logits=True`; `combine()` joins the edits of one fix.
"""

import ast
from dataclasses import dataclass, field
from typing import List, Optional

from numlint.engine.rule import Applicability, Edit, Fix, Op, Origin, Replacement

# Forms whose input is out of reach: a model ending in the activation, a function returning it.
OPAQUE_FORMS = ("model", "returned")


@dataclass
class Activation:
    """A softmax or sigmoid operation `op` whose output an expression holds, and the origins
    followed to reach it (`remote` if any went through an assignment in another statement)."""

    op: Op
    origins: List[Origin] = field(default_factory=list)

    @property
    def remote(self) -> bool:
        return any(o.remote for o in self.origins)

    @property
    def branch(self) -> Optional[str]:
        """The branch the activation is computed on, when the value is one of several."""
        return next((o.branch for o in self.origins if o.branch), None)

    @property
    def opaque(self) -> bool:
        """Whether the activation's input cannot be written where its output is used (also:
        the output of one branch among several)."""
        return self.op.form in OPAQUE_FORMS or self.op.operand is None or not self.op.bound \
            or self.branch is not None

    def portable(self, ctx, at: ast.expr) -> bool:
        """Whether the activation's input can be written at `at` and mean the same there: in
        another statement, only when nothing rebinds the names it uses in between and it calls
        nothing (computing `model(x)` again is another forward pass, with other dropout)."""
        if not self.remote:
            return True
        operand = self.op.operand
        if operand is None or any(
                isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr))
                for n in ast.walk(operand)):
            return False
        return all(ctx.portable(o, at) for o in self.origins if o.remote)


def activation(ctx, expr, scope, kinds=("softmax", "sigmoid")) -> Optional[Activation]:
    """The activation of one of `kinds` whose output `expr` holds, or None."""
    origin = ctx.origin(expr, scope)
    if origin is not None and origin.op is not None and origin.op.kind in kinds:
        return Activation(origin.op, [origin])
    if isinstance(expr, ast.Name):  # after a branch: an activation on one path
        for candidate in ctx.origins(expr, scope)[0]:
            if candidate.op is not None and candidate.op.kind in kinds:
                return Activation(candidate.op, [candidate])
    return None


def on_branch(act: Activation) -> str:
    """` (on the `if` branch at line 12)` for an activation computed on one branch."""
    return f" (on {act.branch})" if act.branch else ""


def logits(ctx, act: Activation, at: ast.expr) -> Optional[Replacement]:
    """The logits behind `act`, to replace the expression `at` that holds its output; None
    when they are out of reach or would mean something else at `at`."""
    if act.opaque or not act.portable(ctx, at):
        return None
    operand = act.op.operand
    if operand is None:
        return None
    return Replacement(ctx.emitter.arg_text(operand), copied=[] if act.remote else [operand])


def negated(ctx, expr: ast.expr) -> str:
    """The text of `-expr`, as an argument (`-x`, `-(a + b)`, and `x` for `-x`)."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return ctx.emitter.arg_text(expr.operand)
    return "-" + ctx.emitter.receiver_text(expr)


def set_flag(ctx, call: ast.Call, value: Optional[ast.expr], param: str) -> Optional[Fix]:
    """A fix setting `param=True` in `call`, whose argument for `param` is `value` (None when
    omitted): the value is replaced, or the keyword added after the last argument."""
    message = f"Set `{param}=True`"
    if value is not None:
        return ctx.fix(value, Replacement("True", copied=[]), message)
    closing = ctx.source.node_range(call)[1] - 1  # the call's closing parenthesis
    arguments = list(call.args) + [k.value for k in call.keywords]
    if not arguments:
        return Fix(Applicability.SAFE, message, (Edit(closing, closing, f"{param}=True"),))
    last = max(ctx.source.node_range(a)[1] for a in arguments)
    comma = _trailing_comma(ctx.source.text, last, closing)
    if comma is None:
        edit = Edit(closing, closing, f", {param}=True")
    else:
        edit = Edit(comma + 1, comma + 1, f" {param}=True,")
    return Fix(Applicability.SAFE, message, (edit,))


def _trailing_comma(text: str, start: int, end: int) -> Optional[int]:
    """The offset of the comma after a call's last argument, in `text[start:end]` (where only
    the argument's closing parentheses, blanks, comments and that comma can be), or None."""
    position = start
    while position < end:
        char = text[position]
        if char == ",":
            return position
        if char == "#":
            newline = text.find("\n", position, end)
            position = end if newline < 0 else newline
        elif char in ") \t\r\n\\":
            position += 1
        else:
            return None
    return None


def combine(message: str, *fixes: Optional[Fix],
            applicability: Applicability = Applicability.SAFE) -> Optional[Fix]:
    """One fix made of the edits of `fixes` (None if any is missing); unsafe if any part is."""
    present = [f for f in fixes if f is not None]
    if len(present) != len(fixes):
        return None
    if any(f.applicability is not Applicability.SAFE for f in present):
        applicability = Applicability.UNSAFE
    edits = tuple(dict.fromkeys(e for f in present for e in f.edits))
    return Fix(applicability, message, edits)


def switch_to_logits(ctx, loss, act: Activation, form, message: str,
                     unsafe: bool = False) -> Optional[Fix]:
    """The fix that feeds `act`'s logits to the probability loss `loss` written on logits:
    `form` is `numlint.engine.table.losses.logits_form(loss)`, another callable (`("callable",
    stable)`) or a flag (`("flag", parameter)`). The loss must be built in the same expression
    (`nn.BCELoss()(p, y)`, not a loss held in an attribute: its other uses would change)."""
    if form is None or not act.op.is_plain():
        return None
    if loss.form == "layer":
        call = loss.constructor
        if call is None or call is not loss.node.func:
            return None
    else:
        call = loss.node
    prediction = loss.operand
    inputs = ctx.fix(prediction, logits(ctx, act, prediction), "Pass the logits")
    kind, name = form
    if kind == "callable":
        callee = ctx.render(name, ctx.framework(loss), loss.scope, like=loss)
        switched = ctx.fix(call.func, callee, "Call `{callee}`")
    else:
        switched = set_flag(ctx, call, loss.option(name), name)
    safety = Applicability.UNSAFE if act.remote or unsafe else Applicability.SAFE
    return combine(message, switched, inputs, applicability=safety)


# A constant added to probabilities to keep their log finite is small; larger ones are
# something else (a smoothing term, an offset).
_EPSILON_BOUND = 1e-2


def unclipped(ctx, expr, scope):
    """The expression inside a guard that keeps a log of probabilities finite, and its origin:
    `p` of `clip(p, eps, 1 - eps)` (a clamp, `clip_by_value`), of `p + eps` or of
    `maximum(p, eps)` (eps a small constant, also held in a name); None when `expr` holds no
    such guard."""
    origin = ctx.origin(expr, scope)
    op = origin.op
    if op is None:
        return None
    if op.kind == "clip" and op.operand is not None:
        return op.operand, origin
    if op.kind == "add" and op.left is not None:
        for inner, other in ((op.left, op.right), (op.right, op.left)):
            if _small(ctx, other, origin.scope):
                return inner, origin
    if op.kind == "maximum" and isinstance(op.node, ast.Call) and len(op.node.args) == 2:
        for inner, other in (op.node.args, op.node.args[::-1]):
            if _small(ctx, other, origin.scope):
                return inner, origin
    return None


def _small(ctx, node, scope, depth: int = 3) -> bool:
    """A positive constant below `_EPSILON_BOUND` (`1e-7`, `EPS`, `K.epsilon()` is not known)."""
    if isinstance(node, ast.Constant):
        value = node.value
        return isinstance(value, (int, float)) and not isinstance(value, bool) \
            and 0 < value <= _EPSILON_BOUND
    if isinstance(node, ast.Name) and depth > 0:
        origin = ctx.origin(node, scope)
        return origin.expr is not node and _small(ctx, origin.expr, origin.scope, depth - 1)
    return False


# Contexts and decorators under which no gradient is computed.
_NO_GRADIENT = ("no_grad", "inference_mode")


def without_gradient(ctx, node) -> bool:
    """Whether `node` is computed where no gradient is taken: in a function decorated with
    `torch.no_grad()` / `torch.inference_mode()`, or inside `with torch.no_grad():` (a
    Hungarian matcher's cost, a metric). A clipped loss there loses nothing."""
    model = ctx.model
    statement = model.statement_of(node)
    while statement is not None:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(_names_no_gradient(d) for d in statement.decorator_list):
                return True
        if isinstance(statement, (ast.With, ast.AsyncWith)) and any(
                _names_no_gradient(item.context_expr) for item in statement.items):
            return True
        block = model.block_of(statement)
        statement = block[0] if block is not None else None
        if statement is not None and not isinstance(statement, ast.stmt):
            block = model.block_of(statement)  # an `except` handler or a `match` case
            statement = block[0] if block is not None else None
    return False


def _names_no_gradient(expr) -> bool:
    for node in ast.walk(expr):
        name = node.attr if isinstance(node, ast.Attribute) else \
            node.id if isinstance(node, ast.Name) else None
        if name in _NO_GRADIENT:
            return True
    return False

