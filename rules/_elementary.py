"""Patterns the elementary-function rules (NL5xx) share. Not a rule: the registry skips `_`
modules.

Their hazards are sums and differences with a literal `1` (`1 + x`, `1 - x`, `exp(x) - 1`) and
compositions of a few elementwise functions; `offset_from_one()` finds the `x` of `1 + x`,
`framework_for()` the framework to write the fix in (Python's `math` included), `rewrite()`
the fix: a stable function of `x` (or of `-x`).
"""

import ast
from dataclasses import dataclass, replace
from typing import Dict, Optional, Tuple

from numlint.engine.rule import Applicability, Op, Origin

# Expressions a fix can copy from another statement: no call (it would run again).
_IMPURE = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


@dataclass
class Term:
    """`1 + x` (or `1 - x` when `negated`): `x`, and the origin of the sum (the expression a
    name held, when the sum was computed in another statement)."""

    x: ast.expr
    negated: bool
    origin: Origin

    @property
    def remote(self) -> bool:
        return self.origin.remote


def is_one(ctx, expr, scope) -> bool:
    """`1` or `1.0`, written or held in a name (`ONE = 1.0`)."""
    if _is_one_literal(expr):
        return True
    if isinstance(expr, ast.Name):
        origin = ctx.origin(expr, scope)
        return origin is not None and _is_one_literal(origin.expr)
    return False


def _is_one_literal(expr) -> bool:
    return isinstance(expr, ast.Constant) and not isinstance(expr.value, bool) \
        and isinstance(expr.value, (int, float)) and expr.value == 1


def offset_from_one(ctx, expr, scope, owned: Optional[Dict[bool, Tuple[str, ...]]] = None
                    ) -> Optional[Term]:
    """The `x` of `1 + x`, `x + 1` or `1 - x` (negated) that `expr` holds, also through a
    name; None when it holds something else, or when `x` is computed by an operation of a
    kind in `owned[negated]` (another rule's pattern: `1 + exp(x)` is a softplus)."""
    origin = ctx.origin(expr, scope)
    if origin is None or origin.op is None or origin.op.left is None:
        return None  # not a sum or difference of two operands (`torch.add(a, b, alpha=2)`)
    op = origin.op
    if op.kind == "add" and is_one(ctx, op.left, origin.scope):
        term = Term(op.right, False, origin)
    elif op.kind == "add" and is_one(ctx, op.right, origin.scope):
        term = Term(op.left, False, origin)
    elif op.kind == "sub" and is_one(ctx, op.left, origin.scope):
        term = Term(op.right, True, origin)
    else:
        return None
    if owned and kind_of(ctx, term.x, origin.scope) in owned.get(term.negated, ()):
        return None
    return term


def kind_of(ctx, expr, scope) -> Optional[str]:
    """The kind of the operation that computed `expr` (through names), or None."""
    origin = ctx.origin(expr, scope)
    return origin.op.kind if origin is not None and origin.op is not None else None


def framework_for(ctx, stable: str, *ops: Op) -> Optional[str]:
    """The framework to write `stable` in for a pattern made of `ops`: the one their
    functions name when the table has a target there (Python's `math` too: `math.log(1 + x)`
    becomes `math.log1p(x)`), else the one `ctx.framework` infers."""
    named = {o.framework for o in ops if o.framework is not None}
    if len(named) == 1:
        framework = named.pop()
        if ctx.has_target(stable, framework):
            return framework
    return ctx.framework(*ops)


def negated(ctx, expr: ast.expr) -> str:
    """The text of `-expr`, as an argument (`-x`, `-(a + b)`, and `x` for `-x`)."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return ctx.emitter.arg_text(expr.operand)
    return "-" + ctx.emitter.receiver_text(expr)


def portable(ctx, term: Term, at: ast.expr) -> bool:
    """Whether `term.x` can be written at `at` and mean the same there."""
    if not term.remote:
        return True
    if any(isinstance(n, _IMPURE) for n in ast.walk(term.x)):
        return False
    return ctx.portable(term.origin, at, term.x)


def rewrite(ctx, op: Op, term: Term, stable: str, framework: str, *, node=None,
            negate: bool = False, message: str = "Replace with `{callee}`"):
    """The fix replacing `node` (default: `op.node`) by `stable(x)` (`stable(-x)` for
    `1 - x`; `-stable(...)` when `negate`), written like `op`. Safe within one expression,
    unsafe when `x` comes from another statement; None when it cannot be written."""
    node = op.node if node is None else node
    exactness = ctx.safety(stable, framework)
    if exactness is None or not portable(ctx, term, node):
        return None
    targets = ctx.emitter.targets(stable, framework)
    if op.form == "method" and not term.negated and any(t.method for t in targets):
        replacement = ctx.stable(stable, framework, term.x, op.scope, like=op, method=True)
    else:
        x = negated(ctx, term.x) if term.negated else term.x
        replacement = ctx.render(stable, framework, op.scope, like=op, x=x)
    if replacement is not None and term.remote:
        replacement = replace(replacement, copied=[])
    if replacement is not None and negate:
        replacement = replace(replacement, text="-" + replacement.text)
    safety = Applicability.UNSAFE if term.remote else exactness
    fix = ctx.fix(node, replacement, message, safety)
    if fix is not None and negate and _parenthesized(ctx, node):
        # `(1 - exp(x)) * y`: the source's parentheses already hold the negation.
        first = fix.edits[0]
        if first.content.startswith("(-") and first.content.endswith(")"):
            inner = replace(first, content=first.content[1:-1])
            fix = replace(fix, edits=(inner,) + fix.edits[1:])
    return fix


def _parenthesized(ctx, node) -> bool:
    """Whether `node` is written inside its own parentheses (`(a - b) * c`)."""
    start, end = ctx.source.node_range(node)
    text = ctx.source.text
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    parent = ctx.model.parent_of(node)
    return before.endswith("(") and after.startswith(")") and not (
        isinstance(parent, ast.Call) and node in parent.args)


def constant(expr) -> bool:
    """Whether `expr` is made of number literals and mathematical constants only (`0.2`,
    `-1 / 3`, `np.pi / 2`)."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.Attribute):
        return expr.attr in _CONSTANTS and isinstance(expr.value, ast.Name)
    if isinstance(expr, ast.Name):
        return expr.id in _CONSTANTS  # `from math import pi`
    if isinstance(expr, ast.UnaryOp):
        return constant(expr.operand)
    if isinstance(expr, ast.BinOp):
        return constant(expr.left) and constant(expr.right)
    return False


# Mathematical constants of `math`, `numpy`, `torch` and `jax.numpy` (`np.pi`, `math.e`).
_CONSTANTS = frozenset({"pi", "e", "tau"})


def variable(expr) -> bool:
    """Whether `expr` is a plain variable: a name, an attribute or an entry of one
    (`counts`, `self.scale`, `counts[i]`)."""
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        expr = expr.value
    return isinstance(expr, ast.Name)


# Functions that round their argument to an integer: the low digits of a log they round are
# lost anyway (`int(math.log(n + 1, 2))`, `math.floor(...)`, `np.ceil(...)`).
_ROUNDING = frozenset({"int", "floor", "ceil", "round", "trunc"})


def rounded(ctx, node) -> bool:
    """Whether the value of `node` is rounded to an integer, through arithmetic around it."""
    current = node
    while True:
        parent = ctx.model.parent_of(current)
        if isinstance(parent, (ast.BinOp, ast.UnaryOp)):
            current = parent
            continue
        if isinstance(parent, ast.Call) and current is not parent.func:
            name = getattr(parent.func, "attr", None) or getattr(parent.func, "id", "")
            return name in _ROUNDING
        return False


def is_minus_one(ctx, expr, scope) -> bool:
    """`-1` or `-1.0` (a negated one, or a name holding it)."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return is_one(ctx, expr.operand, scope)
    if isinstance(expr, ast.Constant) and not isinstance(expr.value, bool) \
            and isinstance(expr.value, (int, float)) and expr.value == -1:
        return True
    if isinstance(expr, ast.Name):
        origin = ctx.origin(expr, scope)
        return origin is not None and origin.expr is not expr \
            and is_minus_one(ctx, origin.expr, origin.scope)
    return False


def under_log(ctx, node) -> bool:
    """Whether `node` is the operand of a log in the same expression (`log(1 - exp(x))`,
    `(1 - x.exp()).log()`)."""
    parent = ctx.model.parent_of(node)
    if isinstance(parent, ast.Attribute):  # the method's call
        parent = ctx.model.parent_of(parent)
    if not isinstance(parent, ast.Call):
        return False
    op = ctx.op(parent, ctx.model.scope_of(node))
    return op is not None and op.kind == "log" and op.operand is node


@dataclass
class Logistic:
    """A sigmoid written by hand, `1 / (1 + exp(-x))` or `exp(x) / (1 + exp(x))`: the exp's
    operand `u` and whether the logit is `-u` (`negated`), as a `Term` to rewrite from."""

    exp: Op
    term: Term


def naive_sigmoid(ctx, node, scope) -> Optional[Logistic]:
    """The sigmoid that the division `node` computes by hand, or None: `1 / (1 + exp(u))`
    (the sigmoid of `-u`), `exp(u) / (1 + exp(u))` and `exp(u) / (exp(u) + 1)` (the sigmoid
    of `u`), with the exponential or the sum also held in names."""
    div = ctx.op(node, scope)
    if div is None or div.kind != "div" or div.left is None:
        return None
    total = offset_from_one(ctx, div.right, scope)
    if total is None or total.negated:
        return None
    inner = ctx.origin(total.x, total.origin.scope)
    exp = inner.op if inner is not None else None
    if exp is None or exp.kind != "exp" or exp.operand is None:
        return None
    where = inner if inner.remote else total.origin
    if is_one(ctx, div.left, scope):
        return Logistic(exp, Term(exp.operand, True, where))
    top = ctx.origin(div.left, scope)
    if top is not None and top.op is not None and top.op.kind == "exp" and (
            top.op.node is exp.node or ctx.same(top.op.operand, exp.operand)):
        if top.remote and not inner.remote:
            where = top
        return Logistic(exp, Term(exp.operand, False, where))
    return None


def logged(ctx, node) -> bool:
    """Whether `node` is, in the same expression, the operand of a log or the `p` of the
    operand `1 - p` of a log (`log(1 - sigmoid(x))`)."""
    if under_log(ctx, node):
        return True
    parent = ctx.model.parent_of(node)
    return isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Sub) \
        and parent.right is node and is_one(ctx, parent.left, ctx.model.scope_of(node)) \
        and under_log(ctx, parent)
