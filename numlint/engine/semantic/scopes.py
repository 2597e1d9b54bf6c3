"""Scopes and bindings of one module, and the one walk over its tree that records them.

The walk (`Walker`) records every scope (module, class, function, lambda, comprehension) with
its bindings, every node that can be an operation with its context (scope, parent node,
statement), the block of every statement, and assignments to attributes (`self.act = ...`). It
fills a `SemanticModel`; everything else is answered lazily from these records.
"""

from __future__ import annotations

import ast
import builtins
from typing import TYPE_CHECKING, Any, Dict, List, Optional


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

    def run(self, tree: ast.Module) -> None:
        scope = self.model.module_scope
        for stmt in tree.body:
            self.blocks[stmt] = (tree, "body")
            self.statement(stmt, scope)
        self.model._bound_names = self.bound_names
        self.model.imported_names = self.import_qualnames

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
            for child in stmt.body:
                self.blocks[child] = (stmt, "body")
                self.statement(child, inner)
            self.bind(scope, stmt.name, Binding("class", stmt))
        elif type(stmt) is ast.Import:
            for alias in stmt.names:
                if alias.asname:
                    name, qualname = alias.asname, alias.name
                else:
                    name = qualname = alias.name.partition(".")[0]
                self.import_qualnames.add(alias.name)
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
        elif isinstance(node, ast.ExceptHandler):
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
        elif isinstance(node, _MATCH_CASE):  # Python 3.10+
            case: Any = node
            self.pattern(case.pattern, scope, stmt)
            if case.guard is not None:
                self.expression(case.guard, scope, stmt, stmt)
            for child in case.body:
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
        if isinstance(node, (ast.Call, ast.BinOp, ast.UnaryOp, ast.Compare)):
            self.operations.append(node)
        elif type(node) is ast.Lambda:
            self.arguments(node.args, scope, stmt)
            inner = self.new_scope("lambda", node, scope)
            self.bind_parameters(node.args, inner, node)
            self.expression(node.body, inner, node, stmt)
            return
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self.comprehension(node, scope, stmt)
            return
        elif type(node) is ast.NamedExpr:
            target_scope = scope
            while target_scope.kind == "comprehension" and target_scope.parent is not None:
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
