"""Scopes and bindings of one module, and the one walk over its tree that records them.

The walk (`Walker`) records every scope (module, class, function, lambda, comprehension) with
its bindings, every node that can be an operation with its context (scope, parent node,
statement), the block of every statement, and assignments to attributes (`self.act = ...`). It
fills a `SemanticModel`; everything else is answered lazily from these records.
"""

from __future__ import annotations

import ast
import builtins
import copy
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple


if TYPE_CHECKING:
    from numlint.engine.semantic.model import SemanticModel

BUILTINS = frozenset(dir(builtins))
_MATCH_CASE = getattr(ast, "match_case", ())  # a `case` block of a `match` (3.10+)


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
        self.node = self.parent = None  # type: ignore[assignment]  # released: never read again
        self.bindings.clear()
        self.attributes.clear()
        self.returns.clear()

    def __repr__(self) -> str:
        return f"Scope({self.kind})"


class Walker:
    """The one traversal: records scopes, bindings and operation nodes."""

    def __init__(self, model: SemanticModel):
        self.model = model
        self.operations = model.operations
        self.context = model.context
        self.blocks = model.blocks
        self.bound_names: set = set()
        self.import_qualnames: set = set()
        self.import_bindings: List[Tuple[str, str]] = []  # (bound name, qualified name)

    def run(self, tree: ast.Module) -> None:
        """Walk the module. Nothing recurses on the tree's depth: statements are walked with
        an explicit stack here (an `elif` chain nests as deep as a sum; CPython compiles
        about 3,000 of either) and expressions with another (`expression`). The events
        happen in the order of a recursive pre-order walk: the parts of a statement are
        pushed in reverse, and what follows a body (binding a def's name) as an action."""
        scope = self.model.module_scope
        stack: List[Any] = []
        self._stack = stack
        self.push_body(tree, "body", tree.body, scope)
        pop = stack.pop
        while stack:
            what, node, scope, extra = pop()
            if what is _STATEMENT:
                if extra is not None:
                    self.blocks[node] = extra
                self.statement(node, scope)
            elif what is _EXPRESSION:
                self.expression(node, scope, extra, extra)
            elif what is _CHILD:
                stmt, block = extra
                if block is not None:
                    self.blocks[node] = block
                self.child(node, scope, stmt)
            else:  # an action
                node(*scope)
        self._stack = []
        self.model._bound_names = self.bound_names
        self.model.imported_names = self.import_qualnames
        self.model.import_bindings = self.import_bindings

    def push_body(self, owner: ast.AST, field_name: str, body: List[ast.stmt],
                  scope: Scope) -> None:
        """Walk the statements of a block next, in order (each recorded in `blocks`)."""
        push = self._stack.append
        for child in reversed(body):
            push((_STATEMENT, child, scope, (owner, field_name)))

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
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(stmt, scope)
        elif type(stmt) is ast.ClassDef:
            for expr in stmt.decorator_list + stmt.bases + [k.value for k in stmt.keywords]:
                self.expression(expr, scope, stmt, stmt)
            inner = self.new_scope("class", stmt, scope)
            # The class's name is bound once its body has been walked.
            self._stack.append((_ACTION, self.bind, (scope, stmt.name, Binding("class", stmt)),
                                None))
            self.push_body(stmt, "body", stmt.body, inner)
        elif type(stmt) is ast.Import:
            for alias in stmt.names:
                if alias.asname:
                    name, qualname = alias.asname, alias.name
                else:
                    name = qualname = alias.name.partition(".")[0]
                self.import_qualnames.add(alias.name)
                self.import_bindings.append((name, qualname))
                self.bind(scope, name, Binding("import", stmt, qualname))
        elif type(stmt) is ast.ImportFrom:
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":
                    if scope.kind == "module" and not stmt.level:
                        scope.star_imports.append(module)
                    continue
                qualname = f"{module}.{alias.name}" if stmt.module else f"{module}{alias.name}"
                self.import_qualnames.add(qualname)
                self.import_bindings.append((alias.asname or alias.name, qualname))
                self.bind(scope, alias.asname or alias.name, Binding("import", stmt, qualname))
        elif type(stmt) is ast.Global:
            scope.globals.update(stmt.names)
        elif type(stmt) is ast.Nonlocal:
            scope.nonlocals.update(stmt.names)
        else:
            self.generic_statement(stmt, scope)

    def generic_statement(self, stmt: ast.stmt, scope: Scope) -> None:
        if type(stmt) is ast.Assign:
            value = stmt.value if len(stmt.targets) == 1 else None
            for target in stmt.targets:
                self.bind_target(scope, target, "assign", stmt, value)
        elif type(stmt) is ast.AnnAssign:
            self.bind_target(scope, stmt.target, "assign" if stmt.value else "declare", stmt,
                             stmt.value)
        elif type(stmt) is ast.AugAssign:
            # `x /= n` is the operation `x / n` (its target the left operand, its value the
            # right), recorded before its parts as a `BinOp` would be; its context names the
            # block around it as its parent, so that rules climbing parents stop there.
            self.operations.append(stmt)
            block = self.blocks.get(stmt)
            self.context[stmt] = (scope, block[0] if block is not None else scope.node, stmt)
            # The target as the operation reads it: a copy in load context, at the target's
            # place (written the same as the `x` of `norm(x)` for `ctx.same`).
            read = copy.copy(stmt.target)
            read.ctx = ast.Load()
            self.context[read] = (scope, stmt, stmt)
            self.model.augmented_reads[stmt] = read
            self.bind_target(scope, stmt.target, "augassign", stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.bind_target(scope, stmt.target, "for", stmt)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.bind_target(scope, item.optional_vars, "with", stmt)
        elif type(stmt) is ast.Delete:
            for target in stmt.targets:
                self.bind_target(scope, target, "del", stmt)
        elif type(stmt) is ast.Return:
            scope.returns.append(stmt.value)
        # The statement's parts in order: expressions are walked at once until the first part
        # that holds statements (a body, a handler, a case); from there on, parts are queued.
        queued: List[Any] = []
        for field_name in stmt._fields:
            value = getattr(stmt, field_name)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.expr):
                        if queued:
                            queued.append((_EXPRESSION, item, scope, stmt))
                        else:
                            self.expression(item, scope, stmt, stmt)
                    elif isinstance(item, ast.stmt):
                        queued.append((_STATEMENT, item, scope, (stmt, field_name)))
                    elif isinstance(item, ast.excepthandler) or type(item) is _MATCH_CASE:
                        queued.append((_CHILD, item, scope, (stmt, (stmt, field_name))))
                    elif queued:
                        queued.append((_CHILD, item, scope, (stmt, None)))
                    else:
                        self.child(item, scope, stmt)
            elif isinstance(value, ast.AST):
                if queued:
                    queued.append((_CHILD, value, scope, (stmt, None)))
                else:
                    self.child(value, scope, stmt)
        if queued:
            queued.reverse()
            self._stack.extend(queued)

    def child(self, node: ast.AST, scope: Scope, stmt: ast.stmt) -> None:
        """A part of a statement that is not a statement of its block."""
        if isinstance(node, ast.stmt):
            self._stack.append((_STATEMENT, node, scope, None))
        elif isinstance(node, ast.expr):
            self.expression(node, scope, stmt, stmt)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                self.bind(scope, node.name, Binding("except", node))
            if node.type is not None:
                self.expression(node.type, scope, stmt, stmt)
            self.push_body(node, "body", node.body, scope)
        elif isinstance(node, (ast.withitem, ast.keyword, ast.comprehension)):
            for field_name in node._fields:
                value = getattr(node, field_name)
                if isinstance(value, ast.AST):
                    self.child(value, scope, stmt)
        elif isinstance(node, _MATCH_CASE):  # Python 3.10+
            case: Any = node
            self.pattern(case.pattern, scope, stmt)
            if case.guard is not None:
                self.expression(case.guard, scope, stmt, stmt)
            self.push_body(node, "body", case.body, scope)
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
        # The function's name is bound once its body has been walked.
        self._stack.append((_ACTION, self.bind, (scope, node.name, Binding("def", node)), None))
        self.push_body(node, "body", node.body, inner)

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
    # Expressions are walked with an explicit stack, not by recursion: CPython compiles
    # expressions nested about 3,000 deep (`a + a + ... + a`, chained calls, attributes,
    # subscripts, conditional expressions, lambdas), far beyond Python's recursion limit.
    # The events (context, operations, scopes, bindings) happen in the order a recursive
    # pre-order walk makes them: children are pushed in reverse, and the steps that come
    # between children (a lambda's scope, a comprehension's targets) are pushed as actions.
    # Statements still recurse: they nest at most 100 deep (the tokenizer's indentation limit).
    def expression(self, root: ast.expr, scope: Scope, parent: ast.AST, stmt) -> None:
        context = self.context
        operations = self.operations
        stack: List[Any] = [(root, scope, parent)]
        pop = stack.pop
        push = stack.append
        while stack:
            node, scope, parent = pop()
            if node is None:  # an action: (None, function, arguments)
                action: Any = scope
                arguments: Any = parent
                action(*arguments)
                continue
            kind = type(node)
            context[node] = (scope, parent, stmt)
            if kind is ast.Name or kind is ast.Constant:
                continue
            if kind in _OPERATIONS:
                operations.append(node)
            elif kind is ast.Lambda:
                # Defaults are evaluated in the enclosing scope (their parent is the
                # statement, as for a def); then the lambda's scope, then its body.
                push((None, self._lambda_body, (node, scope, push)))
                for expr in reversed(_argument_expressions(node.args)):
                    push((expr, scope, stmt))
                continue
            elif kind in _COMPREHENSIONS:
                self._comprehension(node, scope, push)
                continue
            elif kind is ast.NamedExpr:
                target_scope = scope
                while target_scope.kind == "comprehension" and target_scope.parent is not None:
                    target_scope = target_scope.parent
                self.bind(target_scope, node.target.id,
                          Binding("walrus", stmt, value=node.value))
                push((node.value, scope, node))
                continue
            elif kind is ast.Yield or kind is ast.YieldFrom:
                scope.generator = True
            fields = _EXPRESSION_FIELDS.get(kind)
            if fields is not None and len(fields) == 1:  # one child: no list to build
                value = getattr(node, fields[0])
                if type(value) is not list:
                    if value is not None:
                        push((value, scope, node))
                    continue
            children = []
            if fields is not None:  # the fields that hold expressions (or None)
                for field_name in fields:
                    value = getattr(node, field_name)
                    if type(value) is list:
                        for item in value:
                            if type(item) is ast.keyword:
                                children.append((item.value, scope, node))
                            elif item is not None:  # (a `**mapping` in a dict display)
                                children.append((item, scope, node))
                    elif value is not None:
                        children.append((value, scope, node))
            else:  # a node this version does not know: look at every field
                for field_name in node._fields:
                    value = getattr(node, field_name)
                    if type(value) is list:
                        for item in value:
                            if isinstance(item, ast.expr):
                                children.append((item, scope, node))
                            elif isinstance(item, ast.keyword):
                                children.append((item.value, scope, node))
                    elif isinstance(value, ast.expr):
                        children.append((value, scope, node))
            if children:
                if len(children) > 1:
                    children.reverse()
                stack.extend(children)

    def _lambda_body(self, node: ast.Lambda, scope: Scope, push) -> None:
        inner = self.new_scope("lambda", node, scope)
        self.bind_parameters(node.args, inner, node)
        push((node.body, inner, node))

    def _comprehension(self, node, scope: Scope, push) -> None:
        """Push a comprehension's parts: the first iterable is evaluated in the enclosing
        scope, the rest in the comprehension's own; each target is bound once its iterable
        has been walked."""
        inner = self.new_scope("comprehension", node, scope)
        parts: List[Any] = []
        for index, generator in enumerate(node.generators):
            parts.append((generator.iter, scope if index == 0 else inner, node))
            parts.append((None, self.bind_target, (inner, generator.target, "for", node)))
            for condition in generator.ifs:
                parts.append((condition, inner, node))
        if isinstance(node, ast.DictComp):
            parts.append((node.key, inner, node))
            parts.append((node.value, inner, node))
        else:
            parts.append((node.elt, inner, node))
        for part in reversed(parts):
            push(part)


_STATEMENT, _EXPRESSION, _CHILD, _ACTION = "statement", "expression", "child", "action"
# The fields of each expression node that hold expressions (or None, or lists of expressions,
# keywords or None), in the order of `_fields`: operators, contexts and names left out.
_EXPRESSION_FIELDS = {
    ast.BoolOp: ("values",), ast.BinOp: ("left", "right"), ast.UnaryOp: ("operand",),
    ast.IfExp: ("test", "body", "orelse"), ast.Dict: ("keys", "values"), ast.Set: ("elts",),
    ast.Await: ("value",), ast.Yield: ("value",), ast.YieldFrom: ("value",),
    ast.Compare: ("left", "comparators"), ast.Call: ("func", "args", "keywords"),
    ast.FormattedValue: ("value", "format_spec"), ast.JoinedStr: ("values",),
    ast.Attribute: ("value",), ast.Subscript: ("value", "slice"), ast.Starred: ("value",),
    ast.List: ("elts",), ast.Tuple: ("elts",), ast.Slice: ("lower", "upper", "step"),
}
_OPERATIONS = frozenset({ast.Call, ast.BinOp, ast.UnaryOp, ast.Compare})  # (and AugAssign)
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp})


def _argument_expressions(args: ast.arguments) -> List[ast.expr]:
    """The expressions of a signature evaluated where it is defined, in order: defaults,
    then annotations."""
    found = args.defaults + [d for d in args.kw_defaults if d is not None]
    for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if arg is not None and arg.annotation is not None:
            found.append(arg.annotation)
    return found
