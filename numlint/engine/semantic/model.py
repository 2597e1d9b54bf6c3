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
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from numlint.engine import table
from numlint.engine.table import losses
from numlint.engine.semantic.dataflow import Dataflow, Origin
from numlint.engine.semantic.project import (
    SINK_KINDS, Fact, Forward, ProjectView, Returned, Sink, forwards_of, is_static,
    positional_parameters, spec_of, standard_module)
from numlint.engine.semantic.operations import (
    BINARY_KINDS, COMPARE_KIND, SIDED_KINDS, TRANSPOSE_ATTRIBUTES, UNARY_KINDS, Op, _role_view,
    bind_arguments, bind_call, unify_frameworks)
from numlint.engine.semantic.scopes import BUILTINS, Binding, Scope, Walker
from numlint.engine.table.schema import Spec

__all__ = ["SemanticModel", "Op", "Scope", "Binding", "Origin", "BUILTINS", "unify_frameworks"]


class SemanticModel:
    """Scopes, bindings, qualified names and operations of one parsed module."""

    def __init__(self, tree: ast.Module, project: Optional[ProjectView] = None):
        self.tree = tree
        # The project around the module (first-party imports), or None: unknown.
        self.project = project
        # While the engine dispatches operations to rules, first-party names are not looked
        # up (no rule dispatches on another module's operation; they matter as the origins
        # of operands, which rules ask for): a module's summary is computed only when a rule
        # needs it. `_skipped` counts the lookups left out, so such answers are not memoised.
        self.local_only = False
        self._skipped = 0
        self.module_scope = Scope("module", tree, None)
        self.scopes: List[Scope] = [self.module_scope]
        self.operations: List[ast.AST] = []  # (expressions and `AugAssign`)
        self._ops: Dict[int, Optional[Op]] = {}
        # Of each augmented assignment (`x /= n`), its target as the operation reads it (`x`,
        # in load context): the left operand of its `Op`.
        self.augmented_reads: Dict[ast.AST, ast.expr] = {}
        self._bound_names: set = set()       # every name bound anywhere in the module
        self.imported_names: Set[str] = set()  # every module or name the module imports
        # Every name an import statement binds, in any scope, and what it imports.
        self.import_bindings: List[Tuple[str, str]] = []
        self._evaluating: set = set()        # functions being looked into (one hop)
        self._aliasing: set = set()          # names being resolved as aliases
        self._qualnames: Dict[Tuple[str, int], Optional[str]] = {}  # (name, scope) -> qualname
        # Whether the text can spell a layer of a kind some rule is called on (`run_rules`
        # says): if not, no call dispatched to a rule is a layer held in a name.
        self.held_layers = True
        # Whether the dispatch met an operation that is a hazardous position (a log, a loss:
        # `SINK_KINDS`; `run_rules` says): if not, no function of the module puts a parameter
        # in one, and `passed_activations` has nothing to look for.
        self.saw_sinks = True
        self._summaries: Dict[int, tuple] = {}  # of each bindings list (`binding_summary`)
        self._returns: Dict[ast.AST, Optional[Tuple[str, Spec, Optional[str]]]] = {}
        self.scope_by_node: Dict[ast.AST, Scope] = {}
        # Of each module-level function (its node), the parameters reaching a hazardous
        # position (`parameter_sinks`); of each scope, the names passed as arguments
        # (`passed_into`); what each value is passed into.
        self._sinks: Optional[Dict[ast.AST, Tuple[Sink, ...]]] = None
        self._class_sinks: Optional[Dict[int, set]] = None  # (`_sink_attributes`)
        self._forwards: Optional[Dict[ast.AST, Tuple[Forward, ...]]] = None
        self._arguments: Dict[Scope, Dict[str, List[Tuple[ast.Name, ast.Call]]]] = {}
        self._passed: Dict[ast.AST, List["Passed"]] = {}
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
        self._qualnames.clear()
        self.augmented_reads.clear()
        self._returns.clear()
        self._sinks = None
        self._class_sinks = None
        self._forwards = None
        self._arguments.clear()
        self._passed.clear()
        self._summaries.clear()
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
            if not base:
                return None
            name = f"{base}.{expr.attr}"
            return table.MODULE_ALIASES.get(name, name)  # `fastmath.sigmoid` is `jax.nn.sigmoid`
        if isinstance(expr, ast.Name):
            return self.name_qualname(expr.id, scope)
        return None

    def name_qualname(self, name: str, scope: Scope) -> Optional[str]:
        # Bindings are not flow-sensitive: a name means the same in the whole scope, so its
        # qualified name is worked out once per scope (not while an alias cycle is followed).
        key = (name, id(scope))
        if key in self._qualnames:
            return self._qualnames[key]
        following = bool(self._aliasing)
        result = self._name_qualname(name, scope)
        if not following:
            self._qualnames[key] = result
        return result

    def _name_qualname(self, name: str, scope: Scope) -> Optional[str]:
        owner, bindings = self.lookup(name, scope)
        if bindings:
            qualnames, others = self.binding_summary(bindings)
            if len(qualnames) == 1 and not others:
                found = next(iter(qualnames))
                return table.canonical(found) if found is not None else None
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

    def binding_summary(self, bindings: List[Binding]
                        ) -> Tuple[FrozenSet[Optional[str]], Tuple[Binding, ...]]:
        """Of one name's bindings in a scope: the qualified names its imports bind, and its
        bindings other than imports and `None` (`except ImportError: np = None` leaves the
        name usable only as the import). Summarised once per list: a module that imports
        `np` a thousand times is not read a thousand times per use of `np`."""
        key = id(bindings)
        summary = self._summaries.get(key)
        if summary is None or summary[0] is not bindings or summary[1] != len(bindings):
            summary = (bindings, len(bindings),
                       frozenset(b.qualname for b in bindings if b.kind == "import"),
                       tuple(b for b in bindings if b.kind not in ("import", "none")))
            self._summaries[key] = summary
        return summary[2], summary[3]

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
    def op(self, expr: Optional[ast.AST], scope: Optional[Scope] = None) -> Optional[Op]:
        """The canonical operation `expr` performs (an expression, or an augmented assignment:
        `x /= n` is `x / n`), or None."""
        if expr is None:
            return None
        key = id(expr)
        if key in self._ops:
            return self._ops[key]
        if scope is None:
            scope = self.scope_of(expr) or self.module_scope
        skipped = self._skipped
        result = self._resolve_op(expr, scope)
        if self._skipped == skipped:
            self._ops[key] = result
        return result

    def _resolve_op(self, expr: ast.AST, scope: Scope) -> Optional[Op]:
        if type(expr) is ast.Compare:  # `a == b`, `x is y`, `0 < t < 1`
            return Op(self, COMPARE_KIND, "operator", expr, scope)
        if type(expr) is ast.Call:
            return self._call_op(expr, scope)
        if type(expr) is ast.BinOp or type(expr) is ast.AugAssign:  # `a / b`, `a /= b`
            op_kind = BINARY_KINDS.get(type(expr.op))
            return Op(self, op_kind, "operator", expr, scope) if op_kind else None
        if type(expr) is ast.UnaryOp:
            op_kind = UNARY_KINDS.get(type(expr.op))
            return Op(self, op_kind, "operator", expr, scope) if op_kind else None
        if isinstance(expr, (ast.Attribute, ast.Name)):
            name = expr.attr if isinstance(expr, ast.Attribute) else expr.id
            if name in table.CONSTANT_NAMES:  # `np.nan`: a constant of a known kind
                constant = table.CONSTANTS.get(self.qualname(expr, scope) or "")
                if constant is not None:
                    return Op(self, constant, "constant", expr, scope)
        if type(expr) is ast.Attribute and expr.attr in TRANSPOSE_ATTRIBUTES:
            if self.qualname(expr.value, scope) is None:
                return Op(self, "transpose", "operator", expr, scope)
        return None

    def _call_op(self, call: ast.Call, scope: Scope) -> Optional[Op]:
        func = call.func
        qualname = self.qualname(func, scope)
        if qualname is not None:
            spec = table.FUNCTIONS.get(qualname)
            if spec is None:
                return self._first_party_call(call, scope, qualname)
            if spec.is_class:
                return None
            args, keywords = bind_arguments(spec, call.args, call.keywords)
            return self._sided(Op(self, spec.kind, "function", call, scope, spec, args, keywords))
        if isinstance(func, ast.Call):  # `nn.Softmax(dim=1)(x)`: a layer built and applied
            layer = self._layer_spec(func, scope)
            if layer is not None:
                return self._layer_op(call, scope, layer, func)
            if self.local_only:  # an origin, looked up when a rule asks (see `_held_op`)
                self._skipped += 1
                return None
            network = self.network_output(func, scope)  # `Discriminator()(x)`
            if network is not None:
                return self._fact_op(network, call, scope, "model")
            return None
        if isinstance(func, ast.Attribute):
            if func.attr == "compile" and (call.keywords or len(call.args) > 1):
                compiled = self._compiled_loss(call, scope, func)
                if compiled is not None:
                    return compiled
            specs = table.METHODS.get(func.attr)
            if specs:
                op = self._method_op(call, scope, func, specs)
                if op is not None:
                    return op
        if isinstance(func, (ast.Name, ast.Attribute)):
            return self._held_op(call, scope)
        return None

    # -- a Keras model compiled with a loss --------------------------------------------------------
    def _compiled_loss(self, call: ast.Call, scope: Scope, func: ast.Attribute) -> Optional[Op]:
        """`model.compile(optimizer, loss=keras.losses.CategoricalCrossentropy(from_logits=True))`
        (or a name holding the loss object): the loss the model is trained with, as an
        operation of the loss's kind and form "compiled". Its constructor's arguments configure
        it (`op.option("from_logits")`), its `receiver` is the model; it has no operand: what
        the loss is given is the model's output (`compiled_output`)."""
        loss = next((k.value for k in call.keywords if k.arg == "loss"), None)
        if loss is None and len(call.args) > 1 and \
                not any(isinstance(a, ast.Starred) for a in call.args[:2]):
            loss = call.args[1]  # `Model.compile(optimizer="rmsprop", loss=None, ...)`
        constructor: Optional[ast.expr] = loss
        where = scope
        if isinstance(loss, (ast.Name, ast.Attribute)):
            held = self.dataflow.value_of(loss, scope)
            constructor, where = held if held is not None else (None, scope)
        if not isinstance(constructor, ast.Call):
            return None
        spec = self._layer_spec(constructor, where)
        if spec is None or spec.kind not in _COMPILED_KINDS:
            return None
        op = Op(self, spec.kind, "compiled", call, scope, spec, {}, {}, func.value)
        return _built_by(op, spec, constructor)

    def compiled_output(self, op: Op) -> Optional[Op]:
        """The activation the output of the model a "compiled" loss trains ends in (its last
        layer `Dense(10, activation="softmax")`, a `Softmax()` layer, a model built by a
        factory of this module or of another), as an operation of form "model"; None if
        unknown."""
        model = op.receiver
        constructor: Optional[ast.expr] = model
        where = op.scope
        if isinstance(model, (ast.Name, ast.Attribute)):
            held = self.dataflow.value_of(model, op.scope)
            constructor, where = held if held is not None else (None, op.scope)
        if not isinstance(constructor, ast.Call):
            return None
        output = self.network_output(constructor, where)
        if output is None and isinstance(model, ast.Name) and not constructor.args and \
                self.qualname(constructor.func, where) in table.SEQUENTIAL:
            output = self._last_added(model, op)  # `model = Sequential(); model.add(...)`
        if output is None:
            return None
        spec = spec_of(output)
        return Op(self, output.kind, "model", op.node, op.scope, spec) if spec is not None \
            else None

    def _last_added(self, model: ast.Name, op: Op) -> Optional[Returned]:
        """What the last layer `model.add(layer)` before `op` (in the same scope) outputs."""
        last: Optional[ast.Call] = None
        node_at = op.node
        position = (getattr(node_at, "lineno", 0), getattr(node_at, "col_offset", 0))
        for node in self.operations:
            if type(node) is ast.Call and type(node.func) is ast.Attribute \
                    and node.func.attr == "add" and type(node.func.value) is ast.Name \
                    and node.func.value.id == model.id and len(node.args) == 1 \
                    and self.scope_of(node) is op.scope \
                    and (node.lineno, node.col_offset) < position:
                if last is None or (node.lineno, node.col_offset) > (last.lineno, last.col_offset):
                    last = node
        if last is None or not isinstance(last.args[0], ast.Call):
            return None
        return self.network_output(last.args[0], op.scope)

    # -- calls through the dataflow ---------------------------------------------------------------
    def _held_op(self, call: ast.Call, scope: Scope) -> Optional[Op]:
        """A call of something held in a name or attribute: a layer (`self.act(h)` after
        `self.act = nn.Softmax(dim=1)`), a model ending in an activation (`model(x)` after
        `model = nn.Sequential(..., nn.Sigmoid())`, or an instance of a same-module class whose
        `forward` always returns one), or a function of the module whose every `return` is the
        same operation (one hop: `self.predict_proba(X)`)."""
        func = call.func
        if self.local_only:
            # While operations are dispatched, only a held layer can be what a rule is called
            # on (a loss layer: `self.criterion(p, y)`); the forms below ("returned",
            # "model") are the origins of operands, looked up when a rule asks.
            self._skipped += 1
            if not self.held_layers:
                return None
            held = self.dataflow.value_of(func, scope)
            if held is not None and isinstance(held[0], ast.Call):
                layer = self._layer_spec(held[0], held[1])
                if layer is not None:
                    return self._layer_op(call, scope, layer, held[0])
            return None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            cls = self.dataflow.self_class(func.value.id, scope)
            if cls is not None:
                method = self.dataflow.method_scope(cls, func.attr)
                if method is not None:
                    return self._returned_op(call, scope, method)
                inherited = self._inherited_method(cls, func.attr)
                if inherited is not None:
                    return self._fact_op(inherited, call, scope, "returned")
            else:
                instance = self._method_of_instance(func, scope)
                if instance is not None:
                    return instance
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
        network = self.network_output(constructor, where)
        if network is not None:
            return self._fact_op(network, call, scope, "model")
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
        if not layers:
            return None
        last: Optional[ast.expr] = layers[-1]
        if isinstance(last, ast.Name):  # `act = nn.Sigmoid()` ... `nn.Sequential(fc, act)`
            held = self.dataflow.value_of(last, scope)
            last = held[0] if held is not None else None
        if not isinstance(last, ast.Call):
            return None
        activation = self._activation_argument(last, scope)
        if activation is not None:
            return activation
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

    def _returned_kind(self, function: Scope) -> Optional[Tuple[str, Spec, Optional[str]]]:
        node = function.node
        if node in self._returns:
            return self._returns[node]
        if node in self._evaluating:
            return None  # recursion
        self._evaluating.add(node)
        result = None
        skipped = self._skipped
        try:
            kinds: Set[str] = set()
            operands: Set[Optional[str]] = set()
            spec = None
            values = _returned_values(function)
            unknown = False
            for value in values:
                found = self.dataflow.origin(value, function).op
                if found is not None and self.softmax_by_hand(found):
                    # `e = exp(v - v.max(1)[:, None]); return e / e.sum(1)[:, None]`
                    hand = table.FUNCTIONS.get(table.NAMED_ACTIVATIONS["softmax"])
                    if hand is not None:
                        kinds.add(hand.kind)
                        spec = hand
                        operands.add(None)
                        continue
                if found is None or found.spec is None or found.form == "operator":
                    unknown = True
                    continue
                kinds.add(found.kind)
                spec = found.spec
                operands.add(self._parameter_of(found.operand, found.scope, function))
            # Every `return` performs the operation; or, for an activation, the ones we know
            # do and the others are unknown: the function may return a probability (as after
            # a branch, a hazard on one path is reported).
            if unknown and not (kinds and kinds <= table.ACTIVATIONS):
                kinds = set()
            if len(kinds) == 1 and spec is not None:
                result = (kinds.pop(), spec, operands.pop() if len(operands) == 1 else None)
            elif values and getattr(node, "name", None) in table.NAMED_ACTIVATIONS:
                named = table.FUNCTIONS.get(table.NAMED_ACTIVATIONS[getattr(node, "name")])
                if named is not None:  # `def softmax(X): ... X /= s; return X`
                    result = (named.kind, named, None)
        finally:
            self._evaluating.discard(node)
        if self._skipped == skipped:  # not while first-party lookups are held back
            self._returns[node] = result
        return result

    def softmax_by_hand(self, op: Op) -> bool:
        """Whether `op` divides exponentials by their sum: `e / e.sum(axis, keepdims=True)`,
        `e / e.sum(1)[:, None]` or `exp(x) / sum(exp(x))`, with `e = exp(...)` (shifted by a
        maximum or not) — a softmax written by hand."""
        if op.kind != "div" or op.left is None or op.right is None:
            return False
        left = self.dataflow.origin(op.left, op.scope)
        if left.op is None or left.op.kind != "exp":
            return False
        right = op.right
        while type(right) is ast.Subscript:  # `[:, np.newaxis]`, `[..., None]`
            right = right.value
        total = self.dataflow.origin(right, op.scope).op
        if total is None or total.kind != "sum" or total.operand is None:
            return False
        summed = self.dataflow.origin(total.operand, total.scope)
        return summed.expr is left.expr or (
            summed.op is not None and summed.op.kind == "exp" and
            ast.dump(summed.expr) == ast.dump(left.expr))

    def _parameter_of(self, expr: Optional[ast.expr], scope: Scope,
                      function: Scope) -> Optional[str]:
        """The parameter of `function` whose value `expr` is, if it is one."""
        if expr is None:
            return None
        origin = self.dataflow.origin(expr, scope)
        if isinstance(origin.expr, ast.Name) and origin.scope is function:
            bindings = function.bindings.get(origin.expr.id, [])
            if len(bindings) == 1 and bindings[0].kind == "param":
                return origin.expr.id
        return None

    def returned_op_of(self, function: Scope) -> Optional[Tuple[str, Spec, Optional[str]]]:
        """The operation every `return` of `function` performs (kind, table entry), and the
        parameter whose value is its operand when they all agree on one."""
        return self._returned_kind(function)

    # -- parameters that reach a hazardous position --------------------------------------------
    def _holds_sink_layer(self, name: str, scope: Scope) -> bool:
        """Whether `name` may hold a loss or log layer: a binding of it is a call of a class
        spelled as one of the table's (`criterion = nn.BCELoss()`, at module level or in the
        function); the operation of a call of it says."""
        return any(binding.kind == "assign" and _builds_sink_layer(binding.value)
                   for binding in self.lookup(name, scope)[1])

    def _holds_sink_layer_attribute(self, func: ast.Attribute, scope: Scope) -> bool:
        """Whether `self.loss` (in a method) may hold a loss or log layer: a method of the
        class assigns it a call of a class spelled as one of the table's
        (`self.loss = nn.BCELoss()` in `__init__`)."""
        cls = scope.parent
        if not isinstance(func.value, ast.Name) or cls is None or cls.kind != "class":
            return False
        return f"{func.value.id}.{func.attr}" in self._sink_attributes(cls)

    def _sink_attributes(self, cls: Scope) -> Set[str]:
        """The attributes (`self.loss`) the methods of a class assign a call of a class
        spelled as a loss or log layer, read once per class."""
        if self._class_sinks is None:
            self._class_sinks = {}
            for method in self.scopes:
                parent = method.parent
                if method.kind != "function" or parent is None or parent.kind != "class":
                    continue
                for key, bindings in method.attributes.items():
                    if any(_builds_sink_layer(binding.value) for binding in bindings):
                        self._class_sinks.setdefault(id(parent), set()).add(key)
        return self._class_sinks.get(id(cls), set())

    def parameter_sinks(self) -> Dict[ast.AST, Tuple[Sink, ...]]:
        """Of each module-level function (by its node), the parameters whose value reaches a
        hazardous position in it: the operand of a `log` (or entries of it selected,
        `log(p[i])`), the prediction argument of a loss (`F.binary_cross_entropy(p, y)`, or
        of a loss object held in a name, `criterion(p, y)` after `criterion = nn.BCELoss()`),
        directly or through local names; also through a call of another function of the
        module that puts its parameter there (`def loss(p): return nll(p)`). Operations the
        parameter reaches only after an operation of its own (`log(p + eps)`, `log(clip(p))`)
        are not hazardous positions. Computed once, from the calls whose name can be such an
        operation."""
        if self._sinks is not None:
            return self._sinks
        found: Dict[ast.AST, List[Sink]] = {}
        local_calls: List[Tuple[ast.Call, Scope]] = []
        names = _sink_names()
        for node in self.operations:
            if type(node) is not ast.Call:
                continue
            func = node.func
            if type(func) is ast.Call:  # `nn.BCELoss()(p, y)`
                func = func.func
            name = _last_name(func)
            if name is None:
                continue
            scope = self.scope_of(node)
            if scope is None or scope.kind != "function" or not self._summarised_function(scope):
                continue
            if name not in names:
                if type(node.func) is ast.Attribute:
                    if not self._holds_sink_layer_attribute(node.func, scope):
                        continue
                elif type(node.func) is not ast.Name:
                    continue
                elif not self._holds_sink_layer(node.func.id, scope):
                    local_calls.append((node, scope))
                    continue
            # (a loss object held in a name or attribute: `criterion(p, y)`, `self.loss(...)`)
            op = self.op(node, scope)
            if op is None or op.kind not in SINK_KINDS:
                continue
            holds = None
            if op.kind != "log":
                holds = losses.prediction(op)
                if holds is None:
                    continue
            parameter = self._sink_parameter(op.operand, scope)
            if parameter is not None:
                sink = Sink(parameter, op.kind, holds, node.lineno)
                found.setdefault(scope.node, [])
                if sink not in found[scope.node]:
                    found[scope.node].append(sink)
        # Through the module's own functions: `loss(p)` calling `nll(p)` (a fixed point, a
        # few rounds: call chains in one module are short).
        for _ in range(3):
            changed = False
            for call, scope in local_calls:
                callee = self._module_function(call.func, scope)
                if callee is None or callee not in found or callee is scope.node:
                    continue
                for argument, parameter in _arguments_by_parameter(
                        call, positional_parameters(callee)):
                    caller_parameter = self._sink_parameter(argument, scope)
                    if caller_parameter is None:
                        continue
                    for sink in list(found[callee]):
                        if sink.parameter != parameter:
                            continue
                        passed = Sink(caller_parameter, sink.kind, sink.holds, sink.line)
                        mine = found.setdefault(scope.node, [])
                        if passed not in mine:
                            mine.append(passed)
                            changed = True
            if not changed:
                break
        self._sinks = {node: tuple(sinks) for node, sinks in found.items()}
        return self._sinks

    def _summarised_function(self, scope: Scope) -> bool:
        """A module-level function, or a method of a module-level class (its sinks serve
        calls in this module: `self.loss(p, y)`; other modules read functions' only)."""
        parent = scope.parent
        return parent is self.module_scope or (
            parent is not None and parent.kind == "class" and parent.parent is self.module_scope)

    def _module_forwards(self) -> Dict[ast.AST, Tuple["Forward", ...]]:
        """Of each module-level function, its parameters passed on to another module's
        functions (`numlint.engine.semantic.project.Forward`), once."""
        if self._forwards is None:
            view = self.project
            self._forwards = forwards_of(self, view.module) \
                if view is not None and view.module is not None else {}
        return self._forwards

    def _sink_parameter(self, expr: Optional[ast.expr], function: Scope) -> Optional[str]:
        """The parameter of `function` that `expr` is (or selects entries of: `p[i]`)."""
        if expr is None:
            return None
        found = self._parameter_of(expr, function, function)
        if found is None and isinstance(expr, ast.Subscript):
            found = self._parameter_of(expr.value, function, function)
        return found

    def _module_function(self, func: ast.expr, scope: Scope) -> Optional[ast.AST]:
        """The node of the module-level function `func` names (its only binding), if any."""
        if not isinstance(func, ast.Name):
            return None
        owner, bindings = self.lookup(func.id, scope)
        if owner is self.module_scope and len(bindings) == 1 and bindings[0].kind == "def":
            return bindings[0].node
        return None

    def passed_into(self, expr: ast.expr, scope: Scope) -> List["Passed"]:
        """Where the value of `expr` (an operation's result) is passed to a function of the
        project that puts that parameter in a hazardous position (`nll(softmax(z))`, or
        `p = softmax(z)` ... `nll(p)`, `nll` a function of this module or of another whose
        summary says so). Each `Passed` names the argument, the call, the sink and the
        function, so a rule reports at the call site: a module checked alone knows the
        functions it calls, never its callers."""
        if expr in self._passed:
            return self._passed[expr]
        found: List[Passed] = []
        for argument, call, where in self._arguments_holding(expr, scope):
            callee = self._callee_sinks(call, where)
            if callee is None:
                continue
            sinks, parameters, name = callee
            for passed, parameter in _arguments_by_parameter(call, parameters):
                if passed is not argument:
                    continue
                for sink in sinks:
                    if sink.parameter == parameter:
                        found.append(Passed(argument, call, sink, name))
        self._passed[expr] = found
        return found

    def passed_activations(self, kinds: FrozenSet[str]) -> List[Op]:
        """The activations among `kinds` that a call of a function or network of the project
        returns (`probs(z)`, `self.predict_proba(X)`, `disc(x)`: forms "returned" and "model")
        where that value is passed, directly or through a name, to a parameter a function of
        the project puts in a hazardous position (`log_lik(probs(z))`, `q = probs(z);
        log_lik(q)` with `log_lik` of this module; `nll(probs(z))` with both imported).

        While operations are dispatched such calls are not resolved (`local_only`): asking
        every call what it returns would summarise every first-party module a module calls.
        So the consumers come first: the calls of the module's own functions and methods with
        sinks, when the walk met a log or a loss (`saw_sinks`); and the calls of a function
        or method of another module of the project (`nll(...)`, `losses.nll(...)`,
        `crit.nll(...)` with `crit = Criterion()`) whose argument is a call of a name imported
        from the project or of this module's function or network (or a name bound to one),
        when the lines defining the callee spell a log or a loss and those of the producer an
        activation (`_passes_imported_call`; `ProjectView.may_lead_to`, not transitive: a
        function passing its parameter on to a third module, or returning another module's
        softmax, is not followed here). Looking wider — every call whose argument may carry
        an activation — cost +10% instructions on whole packages (benchmarks/README.md, stop
        17). `passed_into` then finds the consumer again from the activation."""
        found: List[Op] = []
        local = {getattr(node, "name", "") for node in self.parameter_sinks()} \
            if self.saw_sinks else set()
        imported = self._imported_first_party()
        if not local and not imported:
            return found
        seen: Set[int] = set()
        for node in self.operations:
            if type(node) is not ast.Call or not (node.args or node.keywords):
                continue
            func = node.func
            if type(func) is ast.Name:
                name = func.id
            elif type(func) is ast.Attribute:
                name = func.attr
            else:
                continue
            receiver = func.value if type(func) is ast.Attribute else None
            if name not in local:
                # `nll(probs(z))`, `losses.nll(probs(z))` or `crit.nll(probs(z))` with `nll`,
                # `losses` or `crit`'s class of another module of the project: asked only
                # where an argument is a call of an imported name or of this module's
                # function or network (or a name bound to one).
                if not imported:
                    continue
                if receiver is None:
                    if name not in imported:
                        continue
                elif type(receiver) is not ast.Name or receiver.id == "self" or \
                        not _may_carry_value(node):
                    continue
            scope = self.scope_of(node) or self.module_scope
            if name not in local:
                if type(receiver) is ast.Name and \
                        not self._project_receiver(receiver, scope, imported):
                    continue
                if not self._passes_imported_call(node, scope, imported, kinds):
                    continue
                qualname = self.qualname(func, scope)
                if qualname is not None and (self.project is None or not self.project.may_lead_to(
                        qualname, SINK_KINDS, transitive=False)):
                    continue  # (an instance's method: `_callee_sinks` asks its class)
            callee = self._callee_sinks(node, scope)
            if callee is None:
                continue
            sinks, parameters, _ = callee
            sunk = {sink.parameter for sink in sinks}
            for argument, parameter in _arguments_by_parameter(node, parameters):
                if parameter not in sunk:
                    continue
                producer, where = argument, scope
                if type(argument) is ast.Name:
                    origin = self.dataflow.origin(argument, scope)
                    producer, where = origin.expr, origin.scope
                if type(producer) is not ast.Call or id(producer) in seen or \
                        not self._may_return(producer, where, kinds):
                    continue
                seen.add(id(producer))
                op = self.op(producer, where)
                if op is not None and op.kind in kinds and op.form in ("returned", "model"):
                    found.append(op)
        return found

    def _imported_first_party(self) -> Set[str]:
        """The names the module's import statements bind to another module of the project's
        names (`from .nets import probs`), in any scope."""
        project = self.project
        if project is None:
            return set()
        return {name for name, qualname in self.import_bindings
                if project.first_party(qualname)}

    def _passes_imported_call(self, call: ast.Call, scope: Scope, imported: Set[str],
                              kinds: FrozenSet[str]) -> bool:
        """Whether an argument of `call` (a call of another module's function or method) may
        carry one of the activations `kinds` a function or network of the project returns:
        a call of one of the `imported` names (`probs(z)`, `Discriminator()(x)`) whose own
        lines spell one of `kinds`; a call of this module's function, class or instance of
        one of its classes (`predict(z)`, `Net()(x)`, `net(x)` with `net = Net()`) that
        returns one — asked only once the callee's own lines spell a log or a loss; or a
        name one of whose bindings assigns such a call."""
        project = self.project
        if project is None:
            return False
        leads: List[bool] = []

        def callee_leads() -> bool:  # the gate of the local producers, asked once
            if not leads:
                qualname = self.qualname(call.func, scope)
                leads.append(project.may_lead_to(qualname, SINK_KINDS, transitive=False)
                             if qualname is not None else
                             self._instance_method(call.func, scope) is not None)
            return leads[0]

        def produces(expr, where: Scope) -> bool:
            if type(expr) is not ast.Call:
                return False
            func = expr.func.func if type(expr.func) is ast.Call else expr.func
            if type(func) is not ast.Name:
                return False
            if func.id in imported:
                qualname = self.qualname(func, where)
                return qualname is not None and \
                    project.may_lead_to(qualname, kinds, transitive=False)
            if not self._local_producer(func, where) or not callee_leads():
                return False
            op = self.op(expr, where)
            return op is not None and op.kind in kinds and op.form in ("returned", "model")

        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if produces(argument, scope):
                return True
            if type(argument) is ast.Name:
                owner, bindings = self.lookup(argument.id, scope)
                if any(produces(b.value, owner or scope) for b in bindings):
                    return True
        return False

    def _constructors(self, name: ast.Name, scope: Scope):
        """(what is called or named as the type, its scope) for each binding of `name` that
        is a call (`crit = Criterion()`) or a parameter annotated with a type (`crit:
        Criterion`): what the name may hold an instance of."""
        owner, bindings = self.lookup(name.id, scope)
        for binding in bindings:
            target: Optional[ast.expr] = None
            where = owner
            if type(binding.value) is ast.Call:
                target, where = binding.value.func, self.scope_of(binding.value) or owner
            elif binding.kind == "param":
                target = _annotation(binding.node, name.id)
            if target is not None and where is not None:
                yield target, where

    def _project_receiver(self, receiver: ast.Name, scope: Scope, imported: Set[str]) -> bool:
        """Whether `receiver` (of `receiver.method(...)`) may be a module or a class of the
        project or an instance of one: an `imported` name, or a name some binding of which is
        a call of one (`crit = Criterion()`) or a parameter annotated with one."""
        if receiver.id in imported:
            return True
        for target, _ in self._constructors(receiver, scope):
            while type(target) is ast.Attribute:  # `losses.Criterion()`
                target = target.value
            if type(target) is ast.Name and target.id in imported:
                return True
        return False

    def _local_producer(self, func: ast.Name, scope: Scope) -> bool:
        """Whether `func` names this module's function or class, or an instance of one of its
        classes (`net = Net()`): what such a call returns is read from this module."""
        owner, bindings = self.lookup(func.id, scope)
        if len(bindings) != 1:
            return False
        binding = bindings[0]
        if binding.kind in ("def", "class"):
            return True
        value = binding.value
        if binding.kind != "assign" or type(value) is not ast.Call or \
                type(value.func) is not ast.Name:
            return False
        owner, bindings = self.lookup(value.func.id, owner or scope)
        return len(bindings) == 1 and bindings[0].kind == "class"

    def _may_return(self, call: ast.Call, scope: Scope, kinds: FrozenSet[str]) -> bool:
        """Whether `call` may return one of the activations `kinds` through the project: not
        a function of the table (dispatched as such) and, when another module defines what it
        calls, one whose own lines spell one (`ProjectView.may_lead_to`)."""
        func = call.func
        if type(func) is ast.Call:  # `Discriminator()(x)`: the class called
            func = func.func
        if type(func) is not ast.Name and type(func) is not ast.Attribute:
            return False
        qualname = self.qualname(func, scope)
        if qualname is None:
            return True  # this module's function or method, or a network held in a name
        if qualname in table.FUNCTIONS or standard_module(qualname):
            return False
        return self.project is not None and \
            self.project.may_lead_to(qualname, kinds, transitive=False)

    def _first_party_name(self, func: ast.expr, scope: Scope) -> bool:
        """Whether `func` names something of another module of the project, maybe (an import
        that is neither the table's nor the standard library's)."""
        if type(func) is ast.Call:
            func = func.func
        qualname = self.qualname(func, scope)
        return qualname is not None and qualname not in table.FUNCTIONS and \
            not standard_module(qualname) and self.project is not None and \
            self.project.first_party(qualname)

    def _arguments_holding(self, expr: ast.expr, scope: Scope):
        """The arguments of calls that hold the value of `expr`: `expr` itself as an
        argument, or a name it is assigned to (`p = expr`) whose value there is `expr`."""
        parent = self.parent_of(expr)
        if isinstance(parent, ast.Call) and parent.func is not expr:
            yield expr, parent, scope
            return
        if isinstance(parent, ast.keyword):
            call = self.parent_of(parent)
            if isinstance(call, ast.Call):
                yield expr, call, scope
            return
        statement = self.statement_of(expr)
        if not (isinstance(statement, ast.Assign) and statement.value is expr
                and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)) \
                and not (isinstance(statement, ast.AnnAssign) and statement.value is expr
                         and isinstance(statement.target, ast.Name)):
            return
        target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
        assert isinstance(target, ast.Name)
        for use, call in self._name_arguments(scope).get(target.id, ()):
            where = self.scope_of(use) or scope
            if self.dataflow.origin(use, where).expr is expr:
                yield use, call, where

    def _name_arguments(self, scope: Scope) -> Dict[str, List[Tuple[ast.Name, ast.Call]]]:
        """The names passed as arguments to calls in `scope` (and the scopes it holds)."""
        if scope in self._arguments:
            return self._arguments[scope]
        found: Dict[str, List[Tuple[ast.Name, ast.Call]]] = {}
        root = self.tree if scope is self.module_scope else scope.node
        for node in ast.walk(root):
            if type(node) is ast.Call:
                for argument in node.args:
                    if type(argument) is ast.Name:
                        found.setdefault(argument.id, []).append((argument, node))
                for keyword in node.keywords:
                    if type(keyword.value) is ast.Name:
                        found.setdefault(keyword.value.id, []).append((keyword.value, node))
        self._arguments[scope] = found
        return found

    def _callee_sinks(self, call: ast.Call, scope: Scope):
        """(sinks, positional parameters, name) of the function of the project `call`
        calls, if it puts some parameter in a hazardous position."""
        node = self._module_function(call.func, scope)
        if node is not None:
            sinks = self.parameter_sinks().get(node, ())
            forwards = self._module_forwards().get(node)
            view = self.project
            if forwards and view is not None and view.module is not None:
                # It passes the parameter on to another module's function.
                name = f"{view.module}.{getattr(node, 'name', '?')}"
                sinks += tuple(s for s in view._forwarded(name, forwards, 0) if s not in sinks)
            if not sinks:
                return None
            return sinks, positional_parameters(node), getattr(node, "name", "?")
        if not isinstance(call.func, (ast.Name, ast.Attribute)):
            return None
        method = self._called_method(call.func, scope)
        if method is not None:  # `self.loss(p, y)`, `criterion.loss(p, y)`: this module's
            sinks = self.parameter_sinks().get(method, ())
            if not sinks:
                return None
            parameters = positional_parameters(method)
            if not is_static(method):
                parameters = parameters[1:]  # bound: the first parameter is the instance
            return sinks, parameters, getattr(method, "name", "?")
        fact = self._instance_method(call.func, scope)
        if fact is not None:  # `crit.nll(p, y)`, `crit` an instance of another module's class
            return fact.sinks, fact.parameters, self.project.absolute(fact.qualname) \
                if self.project is not None else fact.qualname
        qualname = self.qualname(call.func, scope)
        if qualname is None or qualname in table.FUNCTIONS or standard_module(qualname):
            return None
        if self.project is None or not self.project.may_lead_to(qualname, SINK_KINDS):
            return None  # no text its summary can come from spells a hazardous position
        fact = self.fact(qualname)
        if fact is None or not fact.sinks:
            return None
        absolute = self.project.absolute(qualname) if self.project is not None else None
        return fact.sinks, fact.parameters, absolute or qualname

    def _instance_method(self, func: ast.expr, scope: Scope) -> Optional[Fact]:
        """The fact of the method `func` names when it is `name.method` with `name` holding an
        instance of another module's class whose summary gives that method sinks (assigned
        from its constructor, or a parameter annotated with it). The class's module is
        summarised only when the class's own lines spell a log or a loss."""
        if type(func) is not ast.Attribute or type(func.value) is not ast.Name or \
                self.project is None or self.dataflow.self_class(func.value.id, scope) is not None:
            return None
        # Cheaply first: some binding of the name must be a call of, or a parameter annotated
        # with, another module's class whose lines spell a log or a loss.
        for target, where in self._constructors(func.value, scope):
            qualname = self.qualname(target, where)
            if qualname is not None and self._first_party_name(target, where) and \
                    self.project.may_lead_to(qualname, SINK_KINDS, transitive=False):
                break
        else:
            return None
        cls = self._instance_class(func.value, scope, SINK_KINDS)[1]
        if cls is None or cls.cls is None or func.attr not in cls.cls.sinks:
            return None
        fact = self.fact(f"{cls.qualname}.{func.attr}")
        return fact if fact is not None and fact.sinks else None

    def _called_method(self, func: ast.expr, scope: Scope) -> Optional[ast.AST]:
        """The node of the method of a class of this module that `func` (`self.loss`,
        `criterion.loss` with `criterion = Criterion()`) names, if any."""
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return None
        cls = self.dataflow.self_class(func.value.id, scope)
        if cls is None:
            cls = self._instance_class(func.value, scope)[0]
        if cls is None:
            return None
        method = self.dataflow.method_scope(cls, func.attr)
        return method.node if method is not None else None

    # -- the project: first-party modules -------------------------------------------------------
    def fact(self, qualname: str) -> Optional[Fact]:
        """What a first-party qualified name refers to (another module's summary)."""
        if self.project is None:
            return None
        if self.local_only:
            self._skipped += 1
            return None
        return self.project.resolve(qualname)

    def _fact_op(self, returned: Returned, call: ast.Call, scope: Scope, form: str) -> Optional[Op]:
        spec = spec_of(returned)
        return Op(self, returned.kind, form, call, scope, spec) if spec is not None else None

    def _first_party_call(self, call: ast.Call, scope: Scope, qualname: str) -> Optional[Op]:
        """A call of a name another module of the project defines: a function whose every
        `return` performs one operation (`probs(z)`), a network it holds (`disc(x)`), or a
        library function it re-exports under another name. Reported, never rewritten here:
        the operation happens in the other module."""
        fact = self.fact(qualname)
        if fact is None:
            return None
        if fact.function_alias is not None:
            spec = table.FUNCTIONS.get(fact.function_alias)
            if spec is None or spec.is_class:
                return None
            return Op(self, spec.kind, "returned", call, scope, spec)
        if fact.returned is None:
            return None
        if fact.returned.form == "returned":
            return self._fact_op(fact.returned, call, scope, "returned")
        if fact.returned.form == "model":  # a name bound to a network: calling it
            return self._fact_op(fact.returned, call, scope, "model")
        return None  # a factory: its result is a network, not an output

    def network_output(self, constructor: ast.Call, scope: Scope,
                       depth: int = 0) -> Optional[Returned]:
        """What calling the result of `constructor` returns, when it builds a network or a
        layer whose output ends in an activation: `nn.Sequential(..., nn.Sigmoid())`,
        `nn.Softmax(dim=1)`, an instance of a class (of this module or another) whose forward
        pass returns one, or the result of a function (of this module or another) that
        builds one. As a fact of form "model"."""
        if depth > 4:
            return None
        layer = self._layer_spec(constructor, scope)
        if layer is not None:
            return Returned(layer.kind, table.spec_key(layer), "model") \
                if layer.kind in table.ACTIVATIONS else None
        final = self._final_activation(constructor, scope)
        if final is not None:
            return Returned(final.kind, table.spec_key(final), "model")
        activation = self._activation_argument(constructor, scope)  # `Dense(10, activation=...)`
        if activation is not None:
            return Returned(activation.kind, table.spec_key(activation), "model")
        if self.qualname(constructor.func, scope) in table.FUNCTIONAL_MODELS:
            return self._functional_output(constructor, scope, depth)
        func = constructor.func
        if isinstance(func, ast.Name):
            owner, bindings = self.lookup(func.id, scope)
            if len(bindings) == 1:
                node = bindings[0].node
                if bindings[0].kind == "class" and isinstance(node, ast.ClassDef):
                    return self._class_output(node)
                if bindings[0].kind == "def":
                    function = self.scope_by_node.get(node)
                    return self._returned_network(function, depth + 1) \
                        if function is not None else None
        qualname = self.qualname(func, scope)
        if qualname is None or qualname in table.FUNCTIONS:
            return None
        fact = self.fact(qualname)
        if fact is None:
            return None
        if fact.cls is not None:
            return fact.cls.output
        if fact.returned is not None and fact.returned.form == "network":
            return Returned(fact.returned.kind, fact.returned.spec, "model")
        return None

    def _functional_output(self, constructor: ast.Call, scope: Scope,
                           depth: int) -> Optional[Returned]:
        """`keras.Model(inputs, outputs)`: the activation `outputs` ends in (a layer applied,
        `Dense(10, activation="softmax")(h)`, or an activation function)."""
        outputs = next((k.value for k in constructor.keywords if k.arg == "outputs"), None)
        if outputs is None and len(constructor.args) > 1 and \
                not any(isinstance(a, ast.Starred) for a in constructor.args[:2]):
            outputs = constructor.args[1]
        if outputs is None:
            return None
        origin = self.dataflow.origin(outputs, scope)
        if not isinstance(origin.expr, ast.Call):
            return None
        if isinstance(origin.expr.func, ast.Call):  # a layer applied
            return self.network_output(origin.expr.func, origin.scope, depth + 1)
        op = self.op(origin.expr, origin.scope)
        if op is not None and op.kind in table.ACTIVATIONS and op.spec is not None:
            return Returned(op.kind, table.spec_key(op.spec), "model")
        return None

    def _class_output(self, cls: ast.ClassDef) -> Optional[Returned]:
        for name in table.FORWARD_METHODS:
            method = self.dataflow.method_scope(cls, name)
            if method is not None:
                found = self._returned_kind(method)
                if found is not None and found[0] in table.ACTIVATIONS:
                    return Returned(found[0], table.spec_key(found[1]), "model")
                return None
        return None

    def _returned_network(self, function: Scope, depth: int = 0) -> Optional[Returned]:
        """A function that builds and returns a network: what calling the network returns
        (every `return` agreeing)."""
        values = _returned_values(function)
        found = None
        for value in values:
            origin = self.dataflow.origin(value, function)
            if not isinstance(origin.expr, ast.Call):
                return None
            network = self.network_output(origin.expr, origin.scope, depth)
            if network is None or (found is not None and network != found):
                return None
            found = network
        return found

    def returned_network(self, function: Scope) -> Optional[Returned]:
        """What the network a factory function returns outputs (form "network")."""
        found = self._returned_network(function)
        return Returned(found.kind, found.spec, "network") if found is not None else None

    def _inherited_method(self, cls: ast.ClassDef, name: str,
                          depth: int = 0) -> Optional[Returned]:
        """`self.predict_proba(X)` in a subclass: what the base class's method returns (a
        base of this module or of another)."""
        if depth > 4:
            return None
        scope = self.scope_of(cls) or self.module_scope
        for base in cls.bases:
            if isinstance(base, ast.Name):
                owner, bindings = self.lookup(base.id, scope)
                node = bindings[0].node if len(bindings) == 1 else None
                if isinstance(node, ast.ClassDef) and bindings[0].kind == "class":
                    method = self.dataflow.method_scope(node, name)
                    if method is not None:
                        found = self._returned_kind(method)
                        if found is not None:
                            return Returned(found[0], table.spec_key(found[1]))
                        return None
                    inherited = self._inherited_method(node, name, depth + 1)
                    if inherited is not None:
                        return inherited
                    continue
            qualname = self.qualname(base, scope)
            fact = self.fact(qualname) if qualname is not None else None
            if fact is not None and fact.cls is not None:
                if name in fact.cls.methods:
                    return fact.cls.methods[name]
                if name in fact.cls.delegations:  # a method returning a function's result
                    delegated = self.fact(f"{fact.qualname}.{name}")
                    return delegated.returned if delegated is not None else None
        return None

    def _method_of_instance(self, func: ast.Attribute, scope: Scope) -> Optional[Op]:
        """`clf.predict_proba(X)` where `clf` holds an instance of a class of the project
        (`clf = SoftmaxRegression()`, or a parameter annotated `clf: SoftmaxRegression`):
        what that method returns."""
        call = self.parent_of(func)
        if not isinstance(call, ast.Call) or not isinstance(func.value, ast.Name):
            return None
        cls_node, cls_fact = self._instance_class(func.value, scope)
        if cls_node is not None:
            method = self.dataflow.method_scope(cls_node, func.attr)
            if method is not None:
                return self._returned_op(call, scope, method)
            inherited = self._inherited_method(cls_node, func.attr)
            return self._fact_op(inherited, call, scope, "returned") if inherited else None
        if cls_fact is not None and func.attr in cls_fact.cls.methods:
            return self._fact_op(cls_fact.cls.methods[func.attr], call, scope, "returned")
        if cls_fact is not None and func.attr in cls_fact.cls.delegations:
            delegated = self.fact(f"{cls_fact.qualname}.{func.attr}")
            if delegated is not None and delegated.returned is not None \
                    and delegated.returned.form == "returned":
                return self._fact_op(delegated.returned, call, scope, "returned")
        return None

    def _instance_class(self, name: ast.Name, scope: Scope,
                        wanted: Optional[FrozenSet[str]] = None):
        """The class (a node of this module, or another module's summary) whose instance
        `name` holds: assigned from its constructor, or annotated. With `wanted`, another
        module's class is looked up only when its own lines spell one of those kinds."""
        held = self.dataflow.value_of(name, scope)
        target: Optional[ast.expr] = None
        where = scope
        if held is not None and isinstance(held[0], ast.Call):
            target, where = held[0].func, held[1]
        else:
            owner, bindings = self.lookup(name.id, scope)
            if owner is scope and len(bindings) == 1 and bindings[0].kind == "param":
                target = _annotation(bindings[0].node, name.id)
        if target is None:
            return None, None
        if isinstance(target, ast.Name):
            owner, bindings = self.lookup(target.id, where)
            node = bindings[0].node if len(bindings) == 1 else None
            if isinstance(node, ast.ClassDef) and bindings[0].kind == "class":
                return node, None
        qualname = self.qualname(target, where)
        if qualname is None or qualname in table.FUNCTIONS or standard_module(qualname):
            return None, None
        if wanted is not None and (self.project is None or
                                   not self.project.may_lead_to(qualname, wanted,
                                                                transitive=False)):
            return None, None
        fact = self.fact(qualname)
        return None, (fact if fact is not None and fact.cls is not None else None)

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

    def _activation_argument(self, constructor: ast.Call, scope: Scope) -> Optional[Spec]:
        """`Dense(10, activation="softmax")`: the activation a Keras layer applies."""
        qualname = self.qualname(constructor.func, scope)
        if qualname not in table.ACTIVATION_LAYERS:
            return None
        name = next((k.value for k in constructor.keywords if k.arg == "activation"), None)
        if name is None and qualname.endswith(".Activation") and constructor.args:
            name = constructor.args[0]  # `Activation("softmax")`
        if not isinstance(name, ast.Constant) or not isinstance(name.value, str):
            return None
        names = table.ACTIVATION_NAMES.get(qualname.partition(".")[0], {})
        target = names.get(name.value)
        return table.FUNCTIONS.get(target) if target else None

    def _layer_op(self, call: ast.Call, scope: Scope, spec: Spec, constructor: ast.Call) -> Op:
        """A layer applied: `constructor` built it (its arguments configure the operation),
        `call` applies it (its arguments bind to the layer's call signature)."""
        args, keywords = bind_call(spec.call_signature, call.args, call.keywords)
        op = Op(self, spec.kind, "layer", call, scope, spec, args, keywords)
        return _built_by(op, spec, constructor)

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
        return self._sided(Op(self, spec.kind, "method", call, scope, spec, args, keywords,
                              receiver))

    def _sided(self, op: Op) -> Optional[Op]:
        """`op`, unless it is a call of an operator's kind (`torch.add`, `np.divide`, `x.mul`)
        whose two operands cannot be read (`alpha=`, `out=`, `rounding_mode=`, `*args`): rules
        read `left` and `right` of every `add`, `sub`, `mul` and `div`, so such a call is
        unknown. So is such a method of a receiver not known to be a tensor: pandas' `df.sub(m)`
        and SciPy's sparse `X.multiply(Y)` are not PyTorch's (a fix would write PyTorch)."""
        if op.kind not in SIDED_KINDS:
            return op
        if op.sides() is None:
            return None
        if op.form == "method" and op.spec is not None \
                and self.framework_of(op.receiver, op.scope) != op.spec.framework:
            return None
        return op

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


class Passed:
    """A value passed to a function that puts it in a hazardous position: the `argument`
    holding it, the `call`, the callee's `sink`, and the callee's `name` (a function of this
    module, or the qualified name of another module's)."""

    __slots__ = ("argument", "call", "sink", "name")

    def __init__(self, argument: ast.expr, call: ast.Call, sink: Sink, name: str):
        self.argument = argument
        self.call = call
        self.sink = sink
        self.name = name

    @property
    def function(self) -> str:
        """The callee's own name (`nll`)."""
        return self.name.rpartition(".")[2]

    @property
    def location(self) -> str:
        """Where its hazardous operation is: `line 3`, or `pkg.losses, line 3`."""
        module = self.sink.module or self.name.rpartition(".")[0]
        return f"{module}, line {self.sink.line}" if module else f"line {self.sink.line}"


def _arguments_by_parameter(call: ast.Call, parameters: Tuple[str, ...]):
    """(argument, parameter name) of each argument of `call` whose parameter is known."""
    for index, argument in enumerate(call.args):
        if isinstance(argument, ast.Starred):
            break  # the positions after it are unknown
        if index < len(parameters):
            yield argument, parameters[index]
    for keyword in call.keywords:
        if keyword.arg is not None:
            yield keyword.value, keyword.arg


# The losses a Keras model may be compiled with that rules ask about.
_COMPILED_KINDS = frozenset({"cross_entropy", "binary_cross_entropy"})

_SINK_NAMES: List[frozenset] = []


def _last_name(func: ast.expr) -> Optional[str]:
    """The name a call is written with: `f` of `f(x)`, `BCELoss` of `nn.BCELoss()`."""
    return func.attr if type(func) is ast.Attribute else \
        func.id if type(func) is ast.Name else None


def _builds_sink_layer(value: Optional[ast.expr]) -> bool:
    """Whether `value` is a call of a class spelled as one of the table's loss or log layers
    (`nn.BCELoss()`): a name or attribute bound to it may hold one."""
    return type(value) is ast.Call and _last_name(value.func) in _sink_names()


def _sink_names() -> frozenset:
    """The last names of the table's spellings of the sink kinds (`log`, `BCELoss`, ...)."""
    if not _SINK_NAMES:
        names = {q.rpartition(".")[2] for q, spec in table.FUNCTIONS.items()
                 if spec.kind in SINK_KINDS}
        names |= {m for m, specs in table.METHODS.items()
                  if any(spec.kind in SINK_KINDS for spec in specs)}
        _SINK_NAMES.append(frozenset(names))
    return _SINK_NAMES[0]


def _may_carry_value(call: ast.Call) -> bool:
    """Whether an argument of `call` is a call or a name (what may carry a returned value)."""
    return any(type(a) is ast.Call or type(a) is ast.Name for a in call.args) or \
        any(type(k.value) is ast.Call or type(k.value) is ast.Name for k in call.keywords)


def _annotation(function: ast.AST, name: str) -> Optional[ast.expr]:
    """The annotation of parameter `name` of `function` (`model: SoftmaxRegression`)."""
    args = getattr(function, "args", None)
    if not isinstance(args, ast.arguments):
        return None
    for arg in args.posonlyargs + args.args + args.kwonlyargs:
        if arg.arg == name:
            annotation = arg.annotation
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                try:  # a string annotation, "SoftmaxRegression"
                    annotation = ast.parse(annotation.value, mode="eval").body
                except SyntaxError:
                    return None
            return annotation if isinstance(annotation, (ast.Name, ast.Attribute)) else None
    return None


def _returned_values(function: Scope) -> List[ast.expr]:
    """The values of a function's `return` statements (not those of nested functions); empty
    when some `return` has no value or the function is a generator."""
    values = [value for value in function.returns if value is not None]
    if function.generator or len(values) != len(function.returns):
        return []
    return values


def _built_by(op: Op, spec: Spec, constructor: ast.Call) -> Op:
    """`op`, an operation of a layer or loss object, with the arguments its constructor bound
    (`nn.CrossEntropyLoss(reduction="sum")`); no arguments at all if they do not bind."""
    layer_args, layer_keywords = bind_arguments(spec, constructor.args, constructor.keywords)
    op.layer_args = layer_args if layer_args is not None else {}
    op.layer_keywords = layer_keywords
    op.constructor = constructor
    if layer_args is None:
        op.args = None
    return op
