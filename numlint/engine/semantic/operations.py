"""Canonical operations: what an expression computes, in the table's terms.

An `Op` is the answer to "which operation is this node?": its kind (`log`, `sum`, `softmax`,
`matmul`, ...), its form (`function`, `method`, `layer`, `operator`, `model`, `returned`), its
table entry and its arguments bound to parameter names, with axis and keepdims aliases
normalised, so that `op.axis` means the same in every library.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Tuple

from numlint.engine import table
from numlint.engine.table.schema import Spec

if TYPE_CHECKING:
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.semantic.scopes import Scope

# Nodes that can be operations: the walk records them, with their context, for the rules.
# An augmented assignment (`x /= n`, a statement) is its operator's operation, `x / n`: its
# `left` is the target, its `right` the value. A fix must not replace such a node (the
# statement) with an expression: it edits one of its operands (see `Context.fix`).
OPERATION_NODES = (ast.Call, ast.BinOp, ast.UnaryOp, ast.Compare, ast.AugAssign)

# Every comparison is one kind, and a chain (`0 <= p <= 1`) one operation: rules read its `ops`
# and `comparators`.
COMPARE_KIND = "compare"

BINARY_KINDS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
    ast.MatMult: "matmul",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
}
UNARY_KINDS = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}
# Operator kinds the table also spells as functions and methods (`torch.add(a, b)`,
# `x.mul(y)`, `np.power(x, 2)`): `Op.left` and `Op.right` read their two operands.
ARITHMETIC_KINDS = frozenset({"add", "sub", "mul", "div", "pow"})
# Of those, the kinds that were operators only before the table spelled them: a call of one
# whose operands cannot be read is no operation (see `SemanticModel`'s `_sided`).
SIDED_KINDS = ARITHMETIC_KINDS - {"pow"}
TRANSPOSE_ATTRIBUTES = ("T", "mT")


class Op:
    """A canonical operation found in the source.

    `kind` is the operation ("log", "sum", "softmax", "matmul", ...), `form` how it was written
    ("function", "method", "layer", "operator"), `spec` the framework-table entry (None for
    operators), `args` the call's arguments bound to the callable's parameter names (None when
    they cannot be bound, e.g. `*args`), and `keywords` the spelling each keyword argument had.
    """

    __slots__ = ("model", "kind", "form", "spec", "node", "scope", "args", "keywords",
                 "receiver", "layer_args", "layer_keywords", "constructor")

    def __init__(self, model: "SemanticModel", kind: str, form: str, node: ast.AST,
                 scope: Scope,
                 spec: Optional[Spec] = None, args: Optional[Dict[str, ast.expr]] = None,
                 keywords: Optional[Dict[str, str]] = None, receiver: Optional[ast.expr] = None):
        self.model = model
        self.kind = kind
        self.form = form
        self.spec = spec
        self.node = node
        self.scope = scope
        self.args = args
        self.keywords = keywords or {}
        self.receiver = receiver
        self.layer_args: Optional[Dict[str, ast.expr]] = None  # layers: the constructor's arguments
        self.layer_keywords: Dict[str, str] = {}
        self.constructor: Optional[ast.Call] = None  # for layers: the call that built it

    def option(self, param: str) -> Optional[ast.expr]:
        """An argument by parameter name, from the call or, for a layer, its constructor
        (`from_logits=True` of a Keras loss, `reduction=` of a torch loss layer)."""
        if self.layer_args is not None and param in self.layer_args:
            return self.layer_args[param]
        return self.arg(param)

    def __repr__(self) -> str:
        fw = self.spec.framework if self.spec else None
        return f"Op({self.kind}, {self.form}, {fw})"

    # -- arguments -------------------------------------------------------------------------
    @property
    def bound(self) -> bool:
        return self.args is not None

    def arg(self, param: Optional[str]) -> Optional[ast.expr]:
        if param is None or self.args is None:
            return None
        return self.args.get(param)

    @property
    def operand(self) -> Optional[ast.expr]:
        """The array the operation applies to (the receiver of a method call)."""
        if self.form == "method":
            return self.receiver
        if self.form == "operator":
            node = self.node
            if isinstance(node, ast.UnaryOp):
                return node.operand
            if isinstance(node, ast.Attribute):
                return node.value
            return None
        return self.arg(self.spec.operand) if self.spec else None

    @property
    def augmented(self) -> bool:
        """Whether the operation is an augmented assignment (`x /= n`): its node is a
        statement, and a fix edits its value (`right`), never the whole node."""
        return isinstance(self.node, ast.AugAssign)

    @property
    def left(self) -> Optional[ast.expr]:
        """The left operand of a binary operation: of `a + b`, and of its function and method
        spellings (`torch.add(a, b)`, `np.multiply(a, b)`, `a.div(b)`; see `sides`)."""
        if isinstance(self.node, ast.BinOp):
            return self.node.left
        if isinstance(self.node, ast.AugAssign):  # the target, read (in load context)
            return self.model.augmented_reads.get(self.node, self.node.target)
        sides = self.sides()
        return sides[0] if sides is not None else None

    @property
    def right(self) -> Optional[ast.expr]:
        if isinstance(self.node, (ast.BinOp, ast.AugAssign)):
            return self.node.right if isinstance(self.node, ast.BinOp) else self.node.value
        sides = self.sides()
        return sides[1] if sides is not None else None

    def sides(self) -> Optional[Tuple[ast.expr, ast.expr]]:
        """The two operands of a call that computes an operator's kind (`torch.sub(a, b)`,
        `a.mul(b)`, `np.power(a, b)`), when no other argument changes its value; None
        otherwise (`torch.add(a, b, alpha=2)`, `torch.div(a, b, rounding_mode="floor")`,
        `np.add(a, b, out=c)`)."""
        if self.kind not in ARITHMETIC_KINDS or self.spec is None or self.args is None \
                or self.form not in ("function", "method"):
            return None
        positional = self.spec.signature.positional
        if self.form == "method":
            if not positional:
                return None
            first, second, names = self.receiver, self.args.get(positional[0]), positional[:1]
        else:
            if len(positional) < 2:
                return None
            first, second = self.args.get(positional[0]), self.args.get(positional[1])
            names = positional[:2]
        if first is None or second is None:
            return None
        inert = self.spec.roles.inert
        if any(p not in names and p not in inert for p in self.args):
            return None
        return first, second

    @property
    def axis(self) -> Optional[ast.expr]:
        """The explicit axis argument, or None when omitted (see `default_axis`)."""
        return self._role_arg("axis")

    @property
    def keepdims(self) -> Optional[ast.expr]:
        return self._role_arg("keepdims")

    def _role_arg(self, role: str) -> Optional[ast.expr]:
        if self.spec is None:
            return None
        param = getattr(self.spec.roles, role)
        if self.layer_args is not None and param in self.layer_args:
            return self.layer_args[param]
        return self.arg(param)

    @property
    def default_axis(self):
        return self.spec.roles.default_axis if self.spec else None

    def role_keyword(self, role: str) -> Optional[str]:
        """The keyword spelling used for a role (`"axis"`, `"dim"`, ...), None if positional."""
        if self.spec is None:
            return None
        param = getattr(self.spec.roles, role)
        return self.keywords.get(param)

    def extra_args(self) -> Tuple[str, ...]:
        """Arguments given beyond the operand, axis, keepdims and value-neutral ones."""
        if self.args is None:
            return ("*",)
        if self.spec is None:
            return ()
        roles = self.spec.roles
        known = {self.spec.operand, roles.axis, roles.keepdims, *roles.inert}
        return tuple(p for p in self.args if p not in known)

    def is_plain(self, *allowed: str) -> bool:
        """True when the call has no arguments other than its roles (and `allowed`)."""
        return all(p in allowed for p in self.extra_args())

    # -- framework ---------------------------------------------------------------------------
    @property
    def framework(self) -> Optional[str]:
        if self.spec is not None and self.form != "method":
            return self.spec.framework
        if self.form == "method" and self.spec is not None:
            specs = table.METHODS.get(self.spec.name, ())
            if len({s.framework for s in specs}) == 1:
                return self.spec.framework
            return self.model.framework_of(self.receiver, self.scope)
        return None


def unify_frameworks(frameworks: Iterable[Optional[str]]) -> Optional[str]:
    """The one framework a set of operations agrees on (ignoring unknown and plain Python)."""
    found = {f for f in frameworks if f is not None and f != "python"}
    return found.pop() if len(found) == 1 else None


def bind_arguments(spec: Spec, args: List[ast.expr], keywords: List[ast.keyword]):
    """Bind a call's arguments to `spec`'s parameters.

    Returns `(bound, spellings)`: parameter -> argument expression, and parameter -> the
    keyword spelling used. `bound` is None when the call cannot be bound statically.
    """
    return _bind(spec.signature, args, keywords, spec.canonical)


def bind_call(signature, args: List[ast.expr], keywords: List[ast.keyword]):
    """Bind the arguments of a call to a plain signature (no aliases), as `bind_arguments`."""
    return _bind(signature, args, keywords,
                 lambda keyword: keyword if keyword in signature.names else None)


def _bind(signature, args, keywords, canonical):
    bound: Dict[str, ast.expr] = {}
    spellings: Dict[str, str] = {}
    for index, arg in enumerate(args):
        if isinstance(arg, ast.Starred) or index >= len(signature.positional):
            return None, {}
        bound[signature.positional[index]] = arg
    for keyword in keywords:
        if keyword.arg is None:  # **kwargs
            return None, {}
        param = canonical(keyword.arg)
        if param is None or param in bound:
            return None, {}
        bound[param] = keyword.value
        spellings[param] = keyword.arg
    return bound, spellings


def _role_view(spec: Spec, args: Optional[Dict[str, ast.expr]]):
    """How a binding assigns roles, to compare the readings of different libraries."""
    if args is None:
        return None
    roles = spec.roles
    named = {roles.axis: "axis", roles.keepdims: "keepdims"}
    return tuple(sorted((named.get(p, p), id(v)) for p, v in args.items()))
