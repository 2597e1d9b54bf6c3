"""The semantic model of one module: scopes, bindings, qualified names and canonical operations.

One walk over the `ast` tree records every scope and every name binding in it, and every node
that can be an operation (calls, binary and unary operators), with its scope, its parent and its
statement. Everything else is answered lazily from that record:

* `qualname(expr, scope)`: the fully qualified name an expression refers to, through every
  import form (`import numpy as np`, `from torch import sum as tsum`, star imports of known
  modules), respecting shadowing by any other binding of the name.
* `op(expr)`: the canonical operation an expression performs (`Op`): function form through the
  framework table, method form (`x.exp().sum(-1)`), layer form (`nn.Softmax(dim=1)(x)`) and
  operator form (`a @ b`, `x ** 2`, `-x`, `x.T`), with its arguments bound to parameter names.
* `framework_of(expr)`: which library an array expression belongs to.

Rules only ever see `Op`s; they never name a library API.
"""

from __future__ import annotations

import ast
import builtins
from typing import Dict, Iterable, List, Optional, Tuple

from numlint.engine.semantic import dataflow

from numlint.engine import table
from numlint.engine.table.schema import Spec

BUILTINS = frozenset(dir(builtins))

# Nodes that can be operations: the walk records them, with their context, for the rules.
OPERATION_NODES = (ast.Call, ast.BinOp, ast.UnaryOp)

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
TRANSPOSE_ATTRIBUTES = ("T", "mT")


class Binding:
    """One binding of a name in a scope."""

    __slots__ = ("kind", "node", "qualname", "value")

    def __init__(self, kind: str, node: ast.AST, qualname: Optional[str] = None,
                 value: Optional[ast.expr] = None):
        self.kind = kind          # "import", "assign", "param", "def", "class", "for", ...
        self.node = node          # the statement or node that binds
        self.qualname = qualname  # for imports: what the name refers to
        self.value = value        # for plain assignments: the assigned expression

    def __repr__(self) -> str:
        return f"Binding({self.kind}, {self.qualname or ''})"


class Scope:
    __slots__ = ("kind", "node", "parent", "bindings", "globals", "nonlocals", "star_imports",
                 "attributes", "returns", "generator")

    def __init__(self, kind: str, node: ast.AST, parent: Optional["Scope"]):
        self.kind = kind  # "module", "function", "class", "lambda", "comprehension"
        self.node = node
        self.parent = parent
        self.bindings: Dict[str, List[Binding]] = {}
        self.globals: set = set()
        self.nonlocals: set = set()
        self.star_imports: List[str] = []
        # Assignments to attributes of names in this scope (`self.x = ...`), by "name.attr".
        self.attributes: Dict[str, List[Binding]] = {}
        # For functions: the value of each `return` (None for a bare `return`), and whether
        # the function is a generator (one hop into a function reads these).
        self.returns: List[Optional[ast.expr]] = []
        self.generator = False

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def release(self) -> None:
        self.node = self.parent = None
        self.bindings.clear()
        self.attributes.clear()
        self.returns.clear()

    def __repr__(self) -> str:
        return f"Scope({self.kind})"


class Op:
    """A canonical operation found in the source.

    `kind` is the operation ("log", "sum", "softmax", "matmul", ...), `form` how it was written
    ("function", "method", "layer", "operator"), `spec` the framework-table entry (None for
    operators), `args` the call's arguments bound to the callable's parameter names (None when
    they cannot be bound, e.g. `*args`), and `keywords` the spelling each keyword argument had.
    """

    __slots__ = ("model", "kind", "form", "spec", "node", "scope", "args", "keywords",
                 "receiver", "layer_args", "layer_keywords", "constructor")

    def __init__(self, model: "Model", kind: str, form: str, node: ast.expr, scope: Scope,
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
        self.layer_args = None       # for layers: the constructor's arguments
        self.layer_keywords = {}
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
    def left(self) -> Optional[ast.expr]:
        return self.node.left if isinstance(self.node, ast.BinOp) else None

    @property
    def right(self) -> Optional[ast.expr]:
        return self.node.right if isinstance(self.node, ast.BinOp) else None

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
        if self.form == "method":
            specs = table.METHODS.get(self.spec.name, ())
            if len({s.framework for s in specs}) == 1:
                return self.spec.framework
            return self.model.framework_of(self.receiver, self.scope)
        return None


class Model:
    """Scopes, bindings and operations of one parsed module."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.module_scope = Scope("module", tree, None)
        self.scopes: List[Scope] = [self.module_scope]
        self.operations: List[ast.expr] = []
        self._ops: Dict[int, Optional[Op]] = {}
        self._bound_names: set = set()       # every name bound anywhere in the module
        self._import_qualnames: set = set()  # every module or name the module imports
        self._evaluating: set = set()        # functions being looked into (one hop)
        self._aliasing: set = set()          # names being resolved as aliases
        self._returns: Dict[ast.AST, Optional[Tuple[str, Spec]]] = {}
        self._methods: Dict[ast.AST, list] = {}  # class -> [(method scope, self name)]
        self.scope_by_node: Dict[ast.AST, Scope] = {}
        # Where each node is, kept here rather than on the (caller's) tree: for every
        # expression its (scope, parent node, statement); for every statement its (parent
        # node, field), i.e. the block it is in.
        self.context: Dict[ast.AST, Tuple[Scope, ast.AST, ast.stmt]] = {}
        self.blocks: Dict[ast.AST, Tuple[ast.AST, str]] = {}
        _Walker(self).run(tree)

    def release(self) -> None:
        """Drop every reference the model holds to the tree, once the rules are done.

        The model's records are cyclic (operations point back to the model, scopes to their
        nodes); cleared, nothing cyclic keeps the tree alive, and it is freed by reference
        counting as soon as its last user lets go, instead of waiting for the cyclic garbage
        collector to traverse all of it (numlint.run.pool pauses that collector per file)."""
        self.context.clear()
        self.blocks.clear()
        self._ops.clear()
        self._returns.clear()
        self._methods.clear()
        self.scope_by_node.clear()
        self.operations.clear()
        for scope in self.scopes:
            scope.release()
        self.scopes.clear()

    # -- context of operation nodes -------------------------------------------------------------
    def scope_of(self, node: ast.AST) -> Optional[Scope]:
        ctx = self.context.get(node)
        return ctx[0] if ctx else None

    def parent_of(self, node: ast.AST) -> Optional[ast.AST]:
        """The node an expression is a part of (an expression or a statement)."""
        ctx = self.context.get(node)
        return ctx[1] if ctx else None

    def statement_of(self, node: ast.AST) -> Optional[ast.stmt]:
        """The statement `node` is in (a statement is its own)."""
        if isinstance(node, ast.stmt):
            return node
        ctx = self.context.get(node)
        return ctx[2] if ctx else None

    def block_of(self, statement: ast.AST) -> Optional[Tuple[ast.AST, str]]:
        """The node whose `field` (a list of statements) holds `statement`, as
        (node, field); also for exception handlers and match cases."""
        return self.blocks.get(statement)

    # -- names ------------------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope) -> Tuple[Optional[Scope], List[Binding]]:
        """The scope whose bindings a use of `name` in `scope` refers to, and those bindings."""
        if name in scope.globals:
            target = self.module_scope
            return target, target.bindings.get(name, [])
        if name in scope.bindings and name not in scope.nonlocals:
            return scope, scope.bindings[name]
        current = scope.parent
        while current is not None:
            if current.kind != "class":
                if name in current.bindings or current.kind == "module":
                    return current, current.bindings.get(name, [])
            current = current.parent
        return None, []

    def qualname(self, expr: ast.expr, scope: Scope) -> Optional[str]:
        """The qualified name `expr` refers to (`np.linalg.inv` -> `numpy.linalg.inv`)."""
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope)
            return f"{base}.{expr.attr}" if base else None
        if isinstance(expr, ast.Name):
            return self._name_qualname(expr.id, scope)
        return None

    def _name_qualname(self, name: str, scope: Scope) -> Optional[str]:
        owner, bindings = self.lookup(name, scope)
        if bindings:
            qualnames = {b.qualname for b in bindings if b.kind == "import"}
            # `except ImportError: np = None` leaves the name usable only as the import.
            others = [b for b in bindings if b.kind not in ("import", "none")]
            if len(qualnames) == 1 and not others:
                return qualnames.pop()
            if not qualnames and len(others) == 1:
                return self._alias_qualname(name, others[0], owner)
            return None
        # Unbound in the file: a star import of a known module, else a builtin.
        stars = self.module_scope.star_imports
        for module in stars:
            candidate = f"{module}.{name}"
            if candidate in table.FUNCTIONS or candidate in table.MODULES:
                return candidate
        if stars:
            return None  # it may come from a star import we know nothing about
        if name in BUILTINS:
            return f"builtins.{name}"
        return None

    def _alias_qualname(self, name: str, binding: Binding, owner: Scope) -> Optional[str]:
        """`E = np.mean`, the one binding of `E`: a known function under another name."""
        if binding.kind != "assign" or not isinstance(binding.value, (ast.Name, ast.Attribute)):
            return None
        key = (name, id(owner))
        if key in self._aliasing:
            return None  # `a = b; b = a`
        self._aliasing.add(key)
        try:
            qualname = self.qualname(binding.value, owner)
        finally:
            self._aliasing.discard(key)
        return qualname if qualname in table.FUNCTIONS else None

    def binds_name_anywhere(self, name: str) -> bool:
        """True if any scope of the module binds `name` (used before adding an import)."""
        return name in self._bound_names

    # -- operations -------------------------------------------------------------------------------
    def op(self, expr: Optional[ast.expr], scope: Optional[Scope] = None) -> Optional[Op]:
        """The canonical operation `expr` performs, or None."""
        if expr is None:
            return None
        key = id(expr)
        if key in self._ops:
            return self._ops[key]
        if scope is None:
            scope = self.scope_of(expr) or self.module_scope
        result = self._resolve_op(expr, scope)
        self._ops[key] = result
        return result

    def _resolve_op(self, expr: ast.expr, scope: Scope) -> Optional[Op]:
        kind = type(expr)
        if kind is ast.Call:
            return self._call_op(expr, scope)
        if kind is ast.BinOp:
            op_kind = BINARY_KINDS.get(type(expr.op))
            return Op(self, op_kind, "operator", expr, scope) if op_kind else None
        if kind is ast.UnaryOp:
            op_kind = UNARY_KINDS.get(type(expr.op))
            return Op(self, op_kind, "operator", expr, scope) if op_kind else None
        if kind is ast.Attribute and expr.attr in TRANSPOSE_ATTRIBUTES:
            if self.qualname(expr.value, scope) is None:
                return Op(self, "transpose", "operator", expr, scope)
        return None

    def _call_op(self, call: ast.Call, scope: Scope) -> Optional[Op]:
        func = call.func
        qualname = self.qualname(func, scope)
        if qualname is not None:
            spec = table.FUNCTIONS.get(qualname)
            if spec is None or spec.is_class:
                return None
            args, keywords = bind_arguments(spec, call.args, call.keywords)
            return Op(self, spec.kind, "function", call, scope, spec, args, keywords)
        if isinstance(func, ast.Call):  # `nn.Softmax(dim=1)(x)`: a layer built and applied
            layer = self._layer_spec(func, scope)
            if layer is not None:
                return self._layer_op(call, scope, layer, func)
            return None
        if isinstance(func, ast.Attribute):
            specs = table.METHODS.get(func.attr)
            if specs:
                op = self._method_op(call, scope, func, specs)
                if op is not None:
                    return op
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self._held_op(call, scope)
        return None

    # -- calls through the dataflow ---------------------------------------------------------------
    def _held_op(self, call: ast.Call, scope: Scope) -> Optional[Op]:
        """A call of something held in a name or attribute: a layer (`self.act(h)` after
        `self.act = nn.Softmax(dim=1)`), a model ending in an activation (`model(x)` after
        `model = nn.Sequential(..., nn.Sigmoid())`, or an instance of a same-module class whose
        `forward` always returns one), or a function of the module whose every `return` is the
        same operation (one hop: `self.predict_proba(X)`)."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            cls = dataflow.self_class(self, func.value.id, scope)
            if cls is not None:
                method = dataflow.method_scope(self, cls, func.attr)
                if method is not None:
                    return self._returned_op(call, scope, method)
        if isinstance(func, ast.Name):
            cls = dataflow.self_class(self, func.id, scope)
            if cls is not None:  # `self(x)`
                return self._instance_op(call, scope, cls)
            owner, bindings = self.lookup(func.id, scope)
            if len(bindings) == 1 and bindings[0].kind == "def":
                function = self.scope_by_node.get(bindings[0].node)
                if function is not None:
                    return self._returned_op(call, scope, function)
        held = dataflow.value_of(self, func, scope)
        if held is None or not isinstance(held[0], ast.Call):
            return None
        constructor, where = held
        layer = self._layer_spec(constructor, where)
        if layer is not None:
            op = self._layer_op(call, scope, layer, constructor)
            return op
        final = self._final_activation(constructor, where)
        if final is not None:
            return Op(self, final.kind, "model", call, scope, final)
        if isinstance(constructor.func, ast.Name):
            owner, bindings = self.lookup(constructor.func.id, where)
            if len(bindings) == 1 and bindings[0].kind == "class":
                return self._instance_op(call, scope, bindings[0].node)
        return None

    def _final_activation(self, constructor: ast.Call, scope: Scope) -> Optional[Spec]:
        """The activation layer a container (`nn.Sequential(..., nn.Sigmoid())`,
        `keras.Sequential([..., Softmax()])`) ends with."""
        qualname = self.qualname(constructor.func, scope)
        if qualname not in table.SEQUENTIAL or constructor.keywords:
            return None
        layers = constructor.args
        if len(layers) == 1 and isinstance(layers[0], (ast.List, ast.Tuple)):
            layers = layers[0].elts
        if not layers or not isinstance(layers[-1], ast.Call):
            return None
        last = layers[-1]
        spec = self._layer_spec(last, scope)
        if spec is not None:
            return spec if spec.kind in table.ACTIVATIONS else None
        return self._final_activation(last, scope)

    def _instance_op(self, call: ast.Call, scope: Scope, cls: ast.ClassDef) -> Optional[Op]:
        """`model(x)` for an instance of a module class: what its forward pass returns."""
        for name in table.FORWARD_METHODS:
            method = dataflow.method_scope(self, cls, name)
            if method is not None:
                op = self._returned_op(call, scope, method)
                if op is not None and op.kind in table.ACTIVATIONS:
                    return Op(self, op.kind, "model", call, scope, op.spec)
                return None
        return None

    def _returned_op(self, call: ast.Call, scope: Scope, function: Scope) -> Optional[Op]:
        """One hop into a function: the operation every one of its `return`s performs."""
        found = self._returned_kind(function)
        if found is None:
            return None
        return Op(self, found[0], "returned", call, scope, found[1])

    def _returned_kind(self, function: Scope) -> Optional[Tuple[str, Spec]]:
        node = function.node
        if node in self._returns:
            return self._returns[node]
        if node in self._evaluating:
            return None  # recursion
        self._evaluating.add(node)
        result = None
        try:
            kinds = set()
            spec = None
            values = _returned_values(function)
            for value in values:
                found = dataflow.origin(self, value, function).op
                if found is None or found.spec is None or found.form == "operator":
                    kinds = set()
                    break
                kinds.add(found.kind)
                spec = found.spec
            if len(kinds) == 1 and spec is not None:
                result = (kinds.pop(), spec)
        finally:
            self._evaluating.discard(node)
        self._returns[node] = result
        return result

    def origin(self, expr: ast.expr, scope: Optional[Scope] = None) -> "dataflow.Origin":
        """Where the value of `expr` comes from (see `numlint.engine.semantic.dataflow`)."""
        if scope is None:
            scope = self.scope_of(expr) or self.module_scope
        return dataflow.origin(self, expr, scope)

    def portable(self, origin: "dataflow.Origin", at: ast.expr,
                 copied: Optional[ast.expr] = None) -> bool:
        """Whether the source text of `origin.expr` (or of `copied`, a part of it) means the
        same where `at` is: every name in it is bound the same way there (nothing rebinds it in
        between). A `copied` part that calls anything but a library operation of the table
        is not portable: copying it would run the call again (another forward pass of a
        model, a random draw)."""
        if not origin.remote:
            return True
        if copied is not None:
            for node in ast.walk(copied):
                if isinstance(node, ast.Call):
                    op = self.op(node, origin.scope)
                    if op is None or op.form not in ("function", "method"):
                        return False  # a model, a layer, an unknown function
            origin = dataflow.Origin(copied, origin.scope, True, self)
        at_scope = self.scope_of(at) or self.module_scope
        start = self.statement_of(origin.expr)
        end = self.statement_of(at)
        if start is None or end is None:
            return False
        for node in ast.walk(origin.expr):
            if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                                 ast.GeneratorExp, ast.NamedExpr)):
                return False
            if isinstance(node, ast.Name):
                owner, bindings = self.lookup(node.id, origin.scope)
                if self.lookup(node.id, at_scope)[0] is not owner:
                    return False
                if owner is origin.scope and dataflow.rebound_between(self, bindings, start, end):
                    return False
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and origin.scope is at_scope:
                key = f"{node.value.id}.{node.attr}"
                if dataflow.rebound_between(self, origin.scope.attributes.get(key, []), start, end):
                    return False
        return True

    def _layer_spec(self, constructor: ast.Call, scope: Scope) -> Optional[Spec]:
        qualname = self.qualname(constructor.func, scope)
        spec = table.FUNCTIONS.get(qualname) if qualname else None
        return spec if spec is not None and spec.is_class else None

    def _layer_op(self, call: ast.Call, scope: Scope, spec: Spec, constructor: ast.Call) -> Op:
        """A layer applied: `constructor` built it (its arguments configure the operation),
        `call` applies it (its arguments bind to the layer's call signature)."""
        layer_args, layer_keywords = bind_arguments(spec, constructor.args, constructor.keywords)
        args, keywords = bind_call(spec.call_signature, call.args, call.keywords)
        op = Op(self, spec.kind, "layer", call, scope, spec, args, keywords)
        op.layer_args = layer_args if layer_args is not None else {}
        op.layer_keywords = layer_keywords
        op.constructor = constructor
        if layer_args is None:
            op.args = None
        return op

    def _method_op(self, call: ast.Call, scope: Scope, func: ast.Attribute,
                   specs: Tuple[Spec, ...]) -> Optional[Op]:
        """`x.sum(1)`: a tensor or array method. A call whose arguments do not fit the method's
        signature is some other object's method (`self.log("loss", value)`), not this one."""
        receiver = func.value
        if len({s.framework for s in specs}) == 1:
            candidates = specs[:1]
        else:
            framework = self.framework_of(receiver, scope)
            candidates = tuple(s for s in specs if s.framework == framework) or specs
        bindings = [(s, bind_arguments(s, call.args, call.keywords)) for s in candidates]
        bindings = [(s, b) for s, b in bindings if b[0] is not None]
        if not bindings:
            return None
        spec, (args, keywords) = bindings[0]
        # A receiver of unknown library: keep the arguments only if every library reads them
        # alike (`x.sum(1)` is an axis for NumPy and PyTorch; a second positional is not).
        if len({_role_view(s, b[0]) for s, b in bindings}) > 1:
            args, keywords = None, {}
        return Op(self, spec.kind, "method", call, scope, spec, args, keywords, receiver)

    # -- frameworks -----------------------------------------------------------------------------
    def framework_of(self, expr: Optional[ast.expr], scope: Scope) -> Optional[str]:
        """The library an array expression belongs to, when its operations say so."""
        if expr is None:
            return None
        op = self.op(expr, scope)
        if op is not None:
            if op.form == "operator":
                operands = [op.operand] if op.left is None else [op.left, op.right]
                return unify_frameworks(self.framework_of(o, scope) for o in operands)
            framework = op.framework
            return None if framework == "python" else framework
        if isinstance(expr, ast.Subscript):
            return self.framework_of(expr.value, scope)
        return None

    def imported_frameworks(self) -> Tuple[str, ...]:
        """Array frameworks the module imports, in table order."""
        found = {table.framework_of_module(q) for q in self._import_qualnames}
        return tuple(f for f in table.FRAMEWORK_ORDER if f in found)


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


def _returned_values(function: Scope) -> List[ast.expr]:
    """The values of a function's `return` statements (not those of nested functions); empty
    when some `return` has no value or the function is a generator."""
    if function.generator or any(value is None for value in function.returns):
        return []
    return list(function.returns)


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


class _Walker:
    """The one traversal: records scopes, bindings and operation nodes."""

    def __init__(self, model: Model):
        self.model = model
        self.operations = model.operations
        self.context = model.context
        self.blocks = model.blocks
        self.bound_names: set = set()
        self.import_qualnames: set = set()

    def run(self, tree: ast.Module) -> None:
        scope = self.model.module_scope
        for stmt in tree.body:
            self.blocks[stmt] = (tree, "body")
            self.statement(stmt, scope)
        self.model._bound_names = self.bound_names
        self.model._import_qualnames = self.import_qualnames

    def new_scope(self, kind: str, node: ast.AST, parent: Scope) -> Scope:
        scope = Scope(kind, node, parent)
        self.model.scopes.append(scope)
        self.model.scope_by_node[node] = scope
        return scope

    # -- bindings ---------------------------------------------------------------------------------
    def bind(self, scope: Scope, name: str, binding: Binding) -> None:
        if name in scope.globals:
            scope = self.model.module_scope
        scope.bind(name, binding)
        self.bound_names.add(name)

    def bind_target(self, scope: Scope, target: ast.expr, kind: str, node: ast.AST,
                    value: Optional[ast.expr] = None) -> None:
        if isinstance(target, ast.Name):
            if kind == "assign" and isinstance(value, ast.Constant) and value.value is None:
                kind = "none"
            self.bind(scope, target.id, Binding(kind, node, value=value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = None
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                if not any(isinstance(e, ast.Starred) for e in target.elts + value.elts):
                    values = value.elts
            for index, element in enumerate(target.elts):
                self.bind_target(scope, element, kind, node, values[index] if values else None)
        elif isinstance(target, ast.Starred):
            self.bind_target(scope, target.value, kind, node)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            # `self.act = nn.Softmax(dim=1)`: attributes of a name, for the dataflow.
            key = f"{target.value.id}.{target.attr}"
            scope.attributes.setdefault(key, []).append(Binding(kind, node, value=value))

    # -- statements -------------------------------------------------------------------------------
    def statement(self, stmt: ast.stmt, scope: Scope) -> None:
        kind = type(stmt)
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            self.function(stmt, scope)
        elif kind is ast.ClassDef:
            for expr in stmt.decorator_list + stmt.bases + [k.value for k in stmt.keywords]:
                self.expression(expr, scope, stmt, stmt)
            inner = self.new_scope("class", stmt, scope)
            for child in stmt.body:
                self.blocks[child] = (stmt, "body")
                self.statement(child, inner)
            self.bind(scope, stmt.name, Binding("class", stmt))
        elif kind is ast.Import:
            for alias in stmt.names:
                if alias.asname:
                    name, qualname = alias.asname, alias.name
                else:
                    name = qualname = alias.name.partition(".")[0]
                self.import_qualnames.add(alias.name)
                self.bind(scope, name, Binding("import", stmt, qualname))
        elif kind is ast.ImportFrom:
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":
                    if scope.kind == "module" and not stmt.level:
                        scope.star_imports.append(module)
                    continue
                qualname = f"{module}.{alias.name}" if stmt.module else f"{module}{alias.name}"
                self.import_qualnames.add(qualname)
                self.bind(scope, alias.asname or alias.name, Binding("import", stmt, qualname))
        elif kind is ast.Global:
            scope.globals.update(stmt.names)
        elif kind is ast.Nonlocal:
            scope.nonlocals.update(stmt.names)
        else:
            self.generic_statement(stmt, scope)

    def generic_statement(self, stmt: ast.stmt, scope: Scope) -> None:
        kind = type(stmt)
        if kind is ast.Assign:
            value = stmt.value if len(stmt.targets) == 1 else None
            for target in stmt.targets:
                self.bind_target(scope, target, "assign", stmt, value)
        elif kind is ast.AnnAssign:
            self.bind_target(scope, stmt.target, "assign" if stmt.value else "declare", stmt,
                             stmt.value)
        elif kind is ast.AugAssign:
            self.bind_target(scope, stmt.target, "augassign", stmt)
        elif kind in (ast.For, ast.AsyncFor):
            self.bind_target(scope, stmt.target, "for", stmt)
        elif kind in (ast.With, ast.AsyncWith):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.bind_target(scope, item.optional_vars, "with", stmt)
        elif kind is ast.Delete:
            for target in stmt.targets:
                self.bind_target(scope, target, "del", stmt)
        elif kind is ast.Return:
            scope.returns.append(stmt.value)
        for field_name in stmt._fields:
            value = getattr(stmt, field_name)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, (ast.stmt, ast.excepthandler)) or \
                            type(item).__name__ == "match_case":
                        self.blocks[item] = (stmt, field_name)
                    self.child(item, scope, stmt)
            elif isinstance(value, ast.AST):
                self.child(value, scope, stmt)

    def child(self, node: ast.AST, scope: Scope, stmt: ast.stmt) -> None:
        if isinstance(node, ast.stmt):
            self.statement(node, scope)
        elif isinstance(node, ast.expr):
            self.expression(node, scope, stmt, stmt)
        elif isinstance(node, ast.excepthandler):
            if node.name:
                self.bind(scope, node.name, Binding("except", node))
            if node.type is not None:
                self.expression(node.type, scope, stmt, stmt)
            for child in node.body:
                self.blocks[child] = (node, "body")
                self.statement(child, scope)
        elif isinstance(node, (ast.withitem, ast.keyword, ast.comprehension)):
            for field_name in node._fields:
                value = getattr(node, field_name)
                if isinstance(value, ast.AST):
                    self.child(value, scope, stmt)
        elif type(node).__name__ == "match_case":
            self.pattern(node.pattern, scope, stmt)
            if node.guard is not None:
                self.expression(node.guard, scope, stmt, stmt)
            for child in node.body:
                self.blocks[child] = (node, "body")
                self.statement(child, scope)
        elif type(node).__name__.startswith("Match"):
            self.pattern(node, scope, stmt)
        # Other nodes (operators, type parameters, ...) hold nothing we record.

    def pattern(self, pattern: ast.AST, scope: Scope, stmt: ast.stmt) -> None:
        for field_name in ("name", "rest"):
            name = getattr(pattern, field_name, None)
            if isinstance(name, str):
                self.bind(scope, name, Binding("match", stmt))
        for node in ast.iter_child_nodes(pattern):
            if isinstance(node, ast.expr):
                self.expression(node, scope, stmt, stmt)
            else:
                self.pattern(node, scope, stmt)

    def function(self, node, scope: Scope) -> None:
        for expr in node.decorator_list:
            self.expression(expr, scope, node, node)
        self.arguments(node.args, scope, node)
        if node.returns is not None:
            self.expression(node.returns, scope, node, node)
        inner = self.new_scope("function", node, scope)
        self.bind_parameters(node.args, inner, node)
        for child in node.body:
            self.blocks[child] = (node, "body")
            self.statement(child, inner)
        self.bind(scope, node.name, Binding("def", node))

    def arguments(self, args: ast.arguments, scope: Scope, stmt) -> None:
        """Defaults and annotations are evaluated in the enclosing scope."""
        for expr in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.expression(expr, scope, stmt, stmt)
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.expression(arg.annotation, scope, stmt, stmt)

    def bind_parameters(self, args: ast.arguments, scope: Scope, node) -> None:
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if arg is not None:
                self.bind(scope, arg.arg, Binding("param", node))

    # -- expressions ------------------------------------------------------------------------------
    def expression(self, node: ast.expr, scope: Scope, parent: ast.AST, stmt) -> None:
        kind = type(node)
        self.context[node] = (scope, parent, stmt)
        if kind in (ast.Call, ast.BinOp, ast.UnaryOp):
            self.operations.append(node)
        elif kind is ast.Lambda:
            self.arguments(node.args, scope, stmt)
            inner = self.new_scope("lambda", node, scope)
            self.bind_parameters(node.args, inner, node)
            self.expression(node.body, inner, node, stmt)
            return
        elif kind in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            self.comprehension(node, scope, stmt)
            return
        elif kind is ast.NamedExpr:
            target_scope = scope
            while target_scope.kind == "comprehension":
                target_scope = target_scope.parent
            self.bind(target_scope, node.target.id, Binding("walrus", stmt, value=node.value))
            self.expression(node.value, scope, node, stmt)
            return
        elif kind is ast.Name or kind is ast.Constant:
            return
        elif kind is ast.Yield or kind is ast.YieldFrom:
            scope.generator = True
        for field_name in node._fields:
            value = getattr(node, field_name)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.expr):
                        self.expression(item, scope, node, stmt)
                    elif isinstance(item, ast.keyword):
                        self.expression(item.value, scope, node, stmt)
            elif isinstance(value, ast.expr):
                self.expression(value, scope, node, stmt)

    def comprehension(self, node, scope: Scope, stmt) -> None:
        inner = self.new_scope("comprehension", node, scope)
        for index, generator in enumerate(node.generators):
            # The first iterable is evaluated in the enclosing scope.
            self.expression(generator.iter, scope if index == 0 else inner, node, stmt)
            self.bind_target(inner, generator.target, "for", node)
            for condition in generator.ifs:
                self.expression(condition, inner, node, stmt)
        if isinstance(node, ast.DictComp):
            self.expression(node.key, inner, node, stmt)
            self.expression(node.value, inner, node, stmt)
        else:
            self.expression(node.elt, inner, node, stmt)
