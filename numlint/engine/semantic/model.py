"""The semantic model of one module: scopes, bindings, qualified names and canonical operations.

One walk over the `ast` tree records every scope and every name binding in it, and every node
that can be an operation (calls, binary and unary operators, comparisons), with its scope, its
parent and its statement. Everything else is answered lazily from that record:

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
from typing import Dict, List, Optional, Set, Tuple

from numlint.engine import table
from numlint.engine.semantic.dataflow import Dataflow, Origin
from numlint.engine.semantic.operations import (
    BINARY_KINDS, COMPARE_KIND, TRANSPOSE_ATTRIBUTES, UNARY_KINDS, Op, _role_view, bind_arguments,
    bind_call, unify_frameworks)
from numlint.engine.semantic.scopes import BUILTINS, Binding, Scope, Walker
from numlint.engine.table.schema import Spec

__all__ = ["SemanticModel", "Op", "Scope", "Binding", "Origin", "BUILTINS", "unify_frameworks"]


class SemanticModel:
    """Scopes, bindings, qualified names and operations of one parsed module."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.module_scope = Scope("module", tree, None)
        self.scopes: List[Scope] = [self.module_scope]
        self.operations: List[ast.expr] = []
        self._ops: Dict[int, Optional[Op]] = {}
        self._bound_names: set = set()       # every name bound anywhere in the module
        self.imported_names: Set[str] = set()  # every module or name the module imports
        self._evaluating: set = set()        # functions being looked into (one hop)
        self._aliasing: set = set()          # names being resolved as aliases
        self._returns: Dict[ast.AST, Optional[Tuple[str, Spec]]] = {}
        self.scope_by_node: Dict[ast.AST, Scope] = {}
        # Where each node is, kept here rather than on the (caller's) tree: for every
        # expression its (scope, parent node, statement); for every statement its (parent
        # node, field), i.e. the block it is in.
        self.context: Dict[ast.AST, Tuple[Scope, ast.AST, ast.stmt]] = {}
        self.blocks: Dict[ast.AST, Tuple[ast.AST, str]] = {}
        self.dataflow = Dataflow(self)
        Walker(self).run(tree)

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
        self.dataflow.release()
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
            return self.name_qualname(expr.id, scope)
        return None

    def name_qualname(self, name: str, scope: Scope) -> Optional[str]:
        owner, bindings = self.lookup(name, scope)
        if bindings:
            qualnames = {b.qualname for b in bindings if b.kind == "import"}
            # `except ImportError: np = None` leaves the name usable only as the import.
            others = [b for b in bindings if b.kind not in ("import", "none")]
            if len(qualnames) == 1 and not others:
                return qualnames.pop()
            if not qualnames and len(others) == 1 and owner is not None:
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
        if type(expr) is ast.Compare:  # `a == b`, `x is y`, `0 < t < 1`
            return Op(self, COMPARE_KIND, "operator", expr, scope)
        if type(expr) is ast.Call:
            return self._call_op(expr, scope)
        if type(expr) is ast.BinOp:
            op_kind = BINARY_KINDS.get(type(expr.op))
            return Op(self, op_kind, "operator", expr, scope) if op_kind else None
        if type(expr) is ast.UnaryOp:
            op_kind = UNARY_KINDS.get(type(expr.op))
            return Op(self, op_kind, "operator", expr, scope) if op_kind else None
        if type(expr) is ast.Attribute and expr.attr in TRANSPOSE_ATTRIBUTES:
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
            cls = self.dataflow.self_class(func.value.id, scope)
            if cls is not None:
                method = self.dataflow.method_scope(cls, func.attr)
                if method is not None:
                    return self._returned_op(call, scope, method)
        if isinstance(func, ast.Name):
            cls = self.dataflow.self_class(func.id, scope)
            if cls is not None:  # `self(x)`
                return self._instance_op(call, scope, cls)
            owner, bindings = self.lookup(func.id, scope)
            if len(bindings) == 1 and bindings[0].kind == "def":
                function = self.scope_by_node.get(bindings[0].node)
                if function is not None:
                    return self._returned_op(call, scope, function)
        held = self.dataflow.value_of(func, scope)
        if held is None or not isinstance(held[0], ast.Call):
            return None
        constructor, where = held[0], held[1]
        layer = self._layer_spec(constructor, where)
        if layer is not None:
            op = self._layer_op(call, scope, layer, constructor)
            return op
        final = self._final_activation(constructor, where)
        if final is not None:
            return Op(self, final.kind, "model", call, scope, final)
        if isinstance(constructor.func, ast.Name):
            owner, bindings = self.lookup(constructor.func.id, where)
            node = bindings[0].node if len(bindings) == 1 else None
            if isinstance(node, ast.ClassDef) and bindings[0].kind == "class":
                return self._instance_op(call, scope, node)
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
            method = self.dataflow.method_scope(cls, name)
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
            kinds: Set[str] = set()
            spec = None
            values = _returned_values(function)
            for value in values:
                found = self.dataflow.origin(value, function).op
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

    def origin(self, expr: ast.expr, scope: Optional[Scope] = None) -> "Origin":
        """Where the value of `expr` comes from (see `numlint.engine.semantic.dataflow`)."""
        if scope is None:
            scope = self.scope_of(expr) or self.module_scope
        return self.dataflow.origin(expr, scope)

    def portable(self, origin: "Origin", at: ast.expr,
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
            origin = Origin(copied, origin.scope, True, self)
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
                if owner is origin.scope and self.dataflow.rebound_between(bindings, start, end):
                    return False
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and origin.scope is at_scope:
                key = f"{node.value.id}.{node.attr}"
                if self.dataflow.rebound_between(origin.scope.attributes.get(key, []), start, end):
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
        found = {table.framework_of_module(q) for q in self.imported_names}
        return tuple(f for f in table.FRAMEWORK_ORDER if f in found)


def _returned_values(function: Scope) -> List[ast.expr]:
    """The values of a function's `return` statements (not those of nested functions); empty
    when some `return` has no value or the function is a generator."""
    values = [value for value in function.returns if value is not None]
    if function.generator or len(values) != len(function.returns):
        return []
    return values
