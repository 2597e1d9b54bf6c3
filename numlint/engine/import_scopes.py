"""Which imports a module uses, on CPython's `ast`: the answers of libcst's `ScopeProvider`
(the scope analysis the import clean-up of fixes, numlint/engine/imports.py, was defined
with), for import bindings, from one walk of the module's tree.

libcst's analysis is replicated as it decides an import's use, quirks included, so that the
clean-up's answers do not change: an access is a `Name` read or deleted (and, as libcst reads
them, a `match` capture or keyword pattern); it resolves in the scope where it is made to the
nearest scope that binds its name (a class's names are not seen from the scopes inside it;
`global` and `nonlocal` redirect), and within that scope only to bindings made before it in
libcst's visiting order (counted per scope as libcst counts them), else to those of the scope
around; a name read as the start of an attribute chain (`a.b.c`, up to the nearest call) is
read as the longest dotted prefix the scope binds (`import a.b` binds `a.b` and `a`); strings
in annotations and type hints (`typing` subscripts, `cast`, `TypeVar`, `NewType`) are parsed
and their names read. An import is used when any import of one of its names, in the scope
that name resolves to from the import's scope, has a reference.

Where libcst links every read to every binding it reaches (quadratic in a scope that binds
one name hundreds of times), the walk counts, per set of bindings of a name in a scope, the
reads that reference one of its imports, with their offsets (so that a fix's edits can take
some away): a read supports at most two sets. It also keeps, for each expression whose parent
is not an expression (a statement's value or test, a keyword's value, a default...), the
scope and binding count where it is read (so that the names a fix writes there can be
resolved as libcst would resolve them). Reads of names no import binds are not kept, nor is
the tree. One explicit stack: no recursion, however deep the expressions.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from numlint.engine.importer import catches_import_error
from numlint.engine.source import line_starts

GLOBAL, FUNCTION, CLASS, COMPREHENSION = range(4)

_DYNAMIC = frozenset({"locals", "globals", "vars", "eval", "exec"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class Scope:
    """A scope, as libcst's `Scope`: its bindings by name (each `[index, binding]`, the
    binding an `Import` record or None), its `global`/`nonlocal` redirections, and the count
    of assignment-like nodes left in it so far."""

    __slots__ = ("kind", "parent", "assign", "overwrites", "count")

    def __init__(self, kind: int, parent: Optional["Scope"]):
        self.kind = kind
        self.parent = parent
        self.assign: Dict[str, List[Assignment]] = {}
        self.overwrites: Dict[str, "Scope"] = {}
        self.count = 0

    def target(self, name: str) -> "Scope":
        """libcst's `_find_assignment_target`."""
        if self.kind != GLOBAL and name in self.overwrites:
            return visible_parent(self.overwrites[name], self).target(name)
        return self


class Assignment:
    __slots__ = ("scope", "name", "index", "binding", "qualified")

    def __init__(self, scope: Scope, name: str, index: float, binding: Optional["Binding"],
                 qualified: Any = None):
        self.qualified = qualified   # (module, level, aliases) of the import statement
        self.scope = scope
        self.name = name
        self.index = index
        self.binding = binding            # the import alias that made it (None: not an import)


def visible_parent(first: Optional[Scope], frm: Scope) -> Scope:
    """libcst's `_next_visible_parent`: the first scope from `first` up whose names `frm`
    sees (a class's are seen by no scope inside it)."""
    parent = first
    assert parent is not None
    while parent.kind == CLASS:
        parent = parent.parent
        assert parent is not None
    return parent


def resolve(scope: Scope, name: str, frm: Scope,
            extra: Optional[Dict[str, List[Assignment]]] = None) -> Optional[Scope]:
    """The scope whose bindings of `name` an access from `frm` made in `scope` reaches
    (libcst's `_resolve_scope_for_access`); None for a builtin or unbound name. `extra`:
    module-level bindings a fix adds (their names are bound nowhere else)."""
    current: Optional[Scope] = scope
    while current is not None:
        if current.kind == GLOBAL:
            if name in current.assign or (extra is not None and name in extra):
                return current
            return None
        if name in current.overwrites:
            current = visible_parent(current.overwrites[name], frm)
            continue
        if name in current.assign:
            return current
        current = visible_parent(current.parent, frm)
    return None


def contains(scope: Scope, name: str,
             extra: Optional[Dict[str, List[Assignment]]] = None) -> bool:
    """libcst's `name in scope`."""
    current = scope
    while True:
        if current.kind == GLOBAL:
            if name in current.assign or (extra is not None and name in extra):
                return True
            return hasattr(builtins, name)
        if name in current.overwrites:
            current = current.overwrites[name]
            continue
        if name in current.assign:
            return True
        current = visible_parent(current.parent, current)


class Statement:
    """An import statement (not a star import, not `__future__`)."""

    __slots__ = ("start", "end", "in_suite", "module_level", "module", "is_from", "names",
                 "top", "bindings", "noqa", "first_row", "last_row")

    start: int
    end: int
    in_suite: bool
    module_level: bool
    module: Optional[str]
    is_from: bool
    names: int           # how many aliases
    top: int             # the unit (top-level logical line) it is in
    noqa: bool
    first_row: int
    last_row: int

    def __init__(self) -> None:
        self.bindings: List[Binding] = []


class Binding:
    """One alias of an import statement, as the clean-up sees it."""

    __slots__ = ("key", "statement", "index", "names", "removable", "scope", "bound")

    def __init__(self, key: Tuple, statement: Statement, index: int, names: Tuple[str, ...],
                 removable: bool, scope: Scope, bound: str):
        self.key = key
        self.statement = statement
        self.index = index            # of the alias in its statement
        self.names = names            # the names it binds, longest first
        self.removable = removable
        self.scope = scope            # the scope of the import statement
        self.bound = bound


class Expression:
    """An expression whose parent is not an expression, read in `scope` at `count`."""

    __slots__ = ("start", "end", "scope", "count", "plain", "unit")

    def __init__(self, start: int, end: int, scope: Scope, count: int, plain: bool, unit: int):
        self.start = start
        self.end = end
        self.scope = scope
        self.count = count
        self.plain = plain   # not under an attribute, not in an annotation or a type hint
        self.unit = unit     # the top-level line it is in


class Unit:
    """A logical line of the module's body (a statement, or statements joined by `;`): its
    first line's start (its first decorator's), its end (the end of its last line), the
    module's binding count before it."""

    __slots__ = ("start", "end", "count")

    def __init__(self, start: int, end: int, count: int):
        self.start = start
        self.end = end
        self.count = count


class Analysis:
    """What the clean-up asks of one text."""

    def __init__(self, text: str):
        self.text = text
        self.module = Scope(GLOBAL, None)
        self.statements: List[Statement] = []
        self.bindings: List[Binding] = []
        self.expressions: List[Expression] = []
        self.expression_starts: List[int] = []
        self.units: List[Unit] = []
        self.unit_starts: List[int] = []
        self.protected: Set[str] = set()
        self.protected_spans: List[Tuple[int, int]] = []   # nodes whose strings protect names
        self.dynamic: bool = False
        self.dynamic_spans: List[Tuple[int, int]] = []
        self.assigned: Set[str] = set()      # every name bound anywhere (dotted import names too)
        self.imported: Set[str] = set()      # every name an import binds (and their first parts)
        self.read: Set[str] = set()          # every name read anywhere
        # offsets of the accesses that reference an import of each (scope, name) set
        self.support: Dict[Tuple[int, str], List[int]] = {}
        self.accesses: List[Tuple[int, Tuple[Scope, str]]] = []   # (offset, set), sorted
        self.access_offsets: List[int] = []
        self.facts: Dict[Tuple[int, str], Any] = {}
        # the bindings each set is one of the sets of (one per name a binding binds)
        self.users: Dict[Tuple[int, str], List[Binding]] = {}

    # -- usage ----------------------------------------------------------------------------

    def in_use(self, binding: Binding, support=None) -> bool:
        """Whether `binding` is used (`support(scope, name)`: whether that set of bindings
        has a referenced import; by default, in this text)."""
        protected = self.protected
        for name in binding.names:
            if name in protected or name.partition(".")[0] in protected:
                return True
            scope = resolve(binding.scope, name, binding.scope)
            if scope is None:
                continue
            if support is not None:
                if support(scope, name):
                    return True
            elif self.support.get((id(scope), name)):
                return True
        return False


class _Walk:
    """libcst's `ScopeVisitor` on an `ast` tree (see the module's docstring)."""

    def __init__(self, text: str, tree: ast.Module, path: str, keep: frozenset):
        self.text = text
        self.result = Analysis(text)
        self.starts = line_starts(text)
        self.ascii = text.isascii()
        self.package_init = path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"
        self.tree = tree
        self.keep = keep
        self.scope = self.result.module
        # (access scope, name, enclosing attribute, offset, index)
        self.deferred: List[Tuple[Scope, str, Optional[ast.Attribute], int, int]] = []
        self.attributes: List[Optional[ast.Attribute]] = [None]
        self.annotation: List[bool] = [False]
        self.hint: List[bool] = [False]
        self.ignored = 0
        self.string: Optional[int] = None   # offset of the string annotation being read
        self.definitions: List[str] = []
        self.guards = 0
        self.unit = 0
        self.typing = "typing" in text
        self.roots: Set[str] = set()   # the names the module's imports bind (first parts)
        self.statements_seen: Dict[Tuple[int, str], Tuple[int, Set[Any]]] = {}

    # -- positions --------------------------------------------------------------------------

    def offset(self, row: int, column: int) -> int:
        start = self.starts[row - 1]
        if self.ascii:
            return start + column
        end = self.starts[row] if row < len(self.starts) else len(self.text)
        line = self.text[start:end]
        if line.isascii():
            return start + column
        return start + len(line.encode("utf-8")[:column].decode("utf-8", "replace"))

    def start_of(self, node) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end_of(self, node) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    # -- the walk ---------------------------------------------------------------------------

    def run(self) -> Analysis:
        result = self.result
        tree = self.tree
        result.protected = _protected_names(tree, self.text) | set(self.keep)
        self.prepare(tree)
        stack: List[Any] = []
        body = tree.body
        for index in range(len(body) - 1, -1, -1):
            stack.append((self.visit_unit_statement, body[index]))
        self.stack = stack
        while stack:
            function, argument = stack.pop()
            function(argument)
        self.infer()
        result.accesses.sort(key=lambda item: item[0])
        result.access_offsets = [offset for offset, _ in result.accesses]
        result.expressions.sort(key=lambda e: (e.start, -e.end))
        result.expression_starts = [e.start for e in result.expressions]
        result.unit_starts = [u.start for u in result.units]
        return result

    def prepare(self, tree: ast.Module) -> None:
        """The module's logical lines (units) and whether it calls `locals()` & co."""
        result = self.result
        body = tree.body
        previous_end_row = 0
        for node in body:
            end_row: int = node.end_lineno  # type: ignore[assignment]
            row = node.lineno
            decorators = getattr(node, "decorator_list", None)
            if decorators:
                row = min(d.lineno for d in decorators)
            if result.units and row == previous_end_row:
                # joined by `;` to the unit before
                result.units[-1].end = self._line_end(end_row)
            else:
                result.units.append(Unit(self.starts[row - 1], self._line_end(end_row), 0))
            previous_end_row = end_row
        for node in ast.walk(tree):  # type: ignore[assignment]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.roots.update((a.asname or a.name).partition(".")[0] for a in node.names)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in _DYNAMIC:
                result.dynamic = True
                result.dynamic_spans.append((self.start_of(node), self.end_of(node)))

    def _line_end(self, row: int) -> int:
        return self.starts[row] if row < len(self.starts) else len(self.text)

    def push(self, function, argument) -> None:
        self.stack.append((function, argument))

    def visit_unit_statement(self, node) -> None:
        units = self.result.units
        start = self.start_of(node)
        while self.unit + 1 < len(units) and units[self.unit + 1].start <= start:
            self.unit += 1
        if units[self.unit].count == 0 and self.unit_first(node):
            units[self.unit].count = self.result.module.count
        self.visit_statement((node, True, None))

    def unit_first(self, node) -> bool:
        unit = self.result.units[self.unit]
        row = node.lineno
        decorators = getattr(node, "decorator_list", None)
        if decorators:
            row = min(d.lineno for d in decorators)
        return self.starts[row - 1] == unit.start

    # statements: (node, module level, (suite size) or None for an indented block)
    def visit_statement(self, item) -> None:
        node, module_level, suite = item
        kind = type(node)
        push = self.push
        push(self.leave_count, None) if kind in _ASSIGNMENT_STATEMENTS else None
        if kind is ast.Import or kind is ast.ImportFrom:
            self.visit_import(node, module_level, suite)
            return
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            self.visit_function(node)
            return
        if kind is ast.ClassDef:
            self.visit_class(node)
            return
        if kind in (ast.Global, ast.Nonlocal):
            for name in node.names:
                if self.scope.kind == GLOBAL:
                    if kind is ast.Nonlocal:
                        raise SyntaxError("nonlocal at module level")
                    continue
                parent = self.scope.parent
                assert parent is not None
                self.scope.overwrites[name] = self.result.module if kind is ast.Global \
                    else parent
            return
        if kind in (ast.For, ast.AsyncFor):
            self.body(node.orelse, node)
            self.body(node.body, node)
            push(self.visit_expr, (node.iter, True))
            push(self.bump, None)
            push(self.visit_expr, (node.target, True))
            return
        if kind in (ast.While, ast.If):
            self.body(node.orelse, node)
            self.body(node.body, node)
            push(self.visit_expr, (node.test, True))
            return
        if kind in (ast.With, ast.AsyncWith):
            self.body(node.body, node)
            for item_ in reversed(node.items):
                push(self.bump, None)  # the WithItem
                if item_.optional_vars is not None:
                    push(self.bump, None)  # its AsName
                    push(self.visit_expr, (item_.optional_vars, True))
                push(self.visit_expr, (item_.context_expr, True))
            return
        if kind is ast.Try or kind.__name__ == "TryStar":
            guard = any(catches_import_error(h) for h in node.handlers)
            if guard:
                self.guards += 1
                push(self.unguard, None)
            self.body(node.finalbody, node)
            self.body(node.orelse, node)
            for handler in reversed(node.handlers):
                self.body(handler.body, handler)
                if handler.name is not None:
                    push(self.bump, None)
                    push(self.store_name, (handler.name, handler))
                if handler.type is not None:
                    push(self.visit_expr, (handler.type, True))
            self.body(node.body, node)
            return
        if kind.__name__ == "Match":
            for case in reversed(node.cases):
                self.body(case.body, case)
                if case.guard is not None:
                    push(self.visit_expr, (case.guard, True))
                push(self.visit_pattern, case.pattern)
            push(self.visit_expr, (node.subject, True))
            return
        if kind is ast.Assign or kind is ast.AugAssign:
            targets = node.targets if kind is ast.Assign else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                self.result.protected_spans.append((self.start_of(node.value),
                                                    self.end_of(node.value)))
        if kind is ast.Assign:
            push(self.visit_expr, (node.value, True))
            for target in reversed(node.targets):
                push(self.visit_expr, (target, True))
            return
        if kind is ast.AnnAssign:
            if node.value is not None:
                push(self.visit_expr, (node.value, True))
            push(self.visit_annotation, node.annotation)
            push(self.visit_expr, (node.target, True))
            return
        if kind is ast.AugAssign:
            push(self.visit_expr, (node.value, True))
            push(self.visit_expr, (node.target, True))
            return
        # the other simple statements: their expressions, in order
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        for child in reversed(children):
            push(self.visit_expr, (child, True))

    def unguard(self, _) -> None:
        self.guards -= 1

    def bump(self, _) -> None:
        self.scope.count += 1

    def leave_count(self, _) -> None:
        self.scope.count += 1

    def body(self, statements: Sequence[ast.stmt], parent) -> None:
        """Push a block's statements (in reverse: the stack pops them in order)."""
        if not statements:
            return
        first = statements[0]
        line_start = self.starts[first.lineno - 1]
        before = self.text[line_start:self.start_of(first)]
        suite = len(statements) if before.strip() else None  # a one-line suite
        for statement in reversed(statements):
            self.push(self.visit_statement, (statement, False, suite))

    def visit_import(self, node, module_level: bool, suite) -> None:
        result = self.result
        scope = self.scope
        if isinstance(node, ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                return
            module = node.module if node.level == 0 else None
            if module == "__future__":
                return
        else:
            module = None
        statement = Statement()
        statement.start = self.start_of(node)
        statement.end = self.end_of(node)
        statement.first_row = node.lineno
        statement.last_row = node.end_lineno
        statement.module_level = module_level
        statement.module = module
        statement.is_from = isinstance(node, ast.ImportFrom)
        statement.names = len(node.names)
        statement.in_suite = suite is not None
        statement.top = self.unit
        noqa = any(noqa_f401(self._line(row)) for row in range(node.lineno, node.end_lineno + 1))
        statement.noqa = noqa
        removable = not (noqa or self.guards or result.dynamic or
                         (self.package_init and module_level) or
                         (suite is not None and suite > 1))
        result.statements.append(statement)
        # qualified names are read from the import statement (typing's: libcst's rule)
        qualified = (node.module if isinstance(node, ast.ImportFrom) else None,
                     node.level if isinstance(node, ast.ImportFrom) else 0,
                     tuple((a.name, a.asname) for a in node.names))
        for index, alias in enumerate(node.names):
            bound, imported, names = alias_binding(node, module, alias)
            binding = Binding((tuple(self.definitions), bound, imported), statement, index,
                              names, removable, scope, bound)
            statement.bindings.append(binding)
            result.bindings.append(binding)
            for name in names:
                target = scope.target(name)
                assignment = Assignment(target, name, target.count, binding, qualified)
                target.assign.setdefault(name, []).append(assignment)
                result.assigned.add(name)
                result.imported.add(name)
                result.imported.add(name.partition(".")[0])

    def _line(self, row: int) -> str:
        if row - 1 >= len(self.starts):
            return ""
        return self.text[self.starts[row - 1]:self._line_end(row)]

    def record(self, name: str) -> None:
        target = self.scope.target(name)
        target.assign.setdefault(name, []).append(Assignment(target, name, target.count, None))
        self.result.assigned.add(name)

    def visit_function(self, node) -> None:
        push = self.push
        self.record(node.name)
        outer = self.scope
        inner = Scope(FUNCTION, outer)
        # after the body: the decorators and the return annotation, in the outer scope
        if node.returns is not None:
            push(self.visit_annotation, node.returns)
        for decorator in reversed(node.decorator_list):
            push(self.visit_expr, (decorator, True))
        push(self.set_scope, outer)
        push(self.pop_definition, None)
        self.body(node.body, node)
        push(self.bump, None)  # Parameters left, in the function's scope
        self.parameters(node.args, inner)
        push(self.push_definition, node.name)
        push(self.set_scope, inner)

    def parameters(self, arguments: ast.arguments, inner: Scope) -> None:
        """Push the parameters: each name bound in `inner`, its default then its annotation
        read in the scope around."""
        positional = arguments.posonlyargs + arguments.args
        defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(arguments.defaults))
        defaults += list(arguments.defaults)
        items: List[Tuple[ast.arg, Optional[ast.expr]]] = list(zip(positional, defaults))
        if arguments.vararg is not None:
            items.append((arguments.vararg, None))
        items.extend(zip(arguments.kwonlyargs, arguments.kw_defaults))
        if arguments.kwarg is not None:
            items.append((arguments.kwarg, None))
        for arg, default in reversed(items):
            self.push(self.parameter, (arg, default, inner))

    def parameter(self, item) -> None:
        arg, default, inner = item
        inner_target = inner.target(arg.arg)
        inner_target.assign.setdefault(arg.arg, []).append(
            Assignment(inner_target, arg.arg, inner_target.count, None))
        self.result.assigned.add(arg.arg)
        outer = inner.parent
        push = self.push
        current = self.scope
        push(self.set_scope, current)
        if arg.annotation is not None:
            push(self.visit_annotation, arg.annotation)
        if default is not None:
            push(self.visit_expr, (default, True))
        push(self.set_scope, outer)

    def set_scope(self, scope: Scope) -> None:
        self.scope = scope

    def push_definition(self, name: str) -> None:
        self.definitions.append(name)

    def pop_definition(self, _) -> None:
        self.definitions.pop()

    def visit_class(self, node: ast.ClassDef) -> None:
        push = self.push
        self.record(node.name)
        outer = self.scope
        inner = Scope(CLASS, outer)
        push(self.set_scope, outer)
        push(self.pop_definition, None)
        self.body(node.body, node)
        push(self.push_definition, node.name)
        push(self.set_scope, inner)
        for keyword in reversed(node.keywords):
            push(self.visit_expr, (keyword.value, True))
        for base in reversed(node.bases):
            push(self.visit_expr, (base, True))
        for decorator in reversed(node.decorator_list):
            push(self.visit_expr, (decorator, True))

    def visit_annotation(self, node: ast.expr) -> None:
        self.annotation.append(True)
        self.push(self.pop_annotation, None)
        self.push(self.visit_expr, (node, True))

    def pop_annotation(self, _) -> None:
        self.annotation.pop()

    def store_name(self, item) -> None:
        name, _ = item
        self.record(name)

    # -- patterns (libcst reads their names) -------------------------------------------------

    def visit_pattern(self, node) -> None:
        push = self.push
        kind = type(node).__name__
        if kind == "MatchValue":
            push(self.visit_expr, (node.value, True))
        elif kind == "MatchSingleton":
            pass
        elif kind == "MatchSequence":
            for p in reversed(node.patterns):
                push(self.visit_pattern, p)
        elif kind == "MatchMapping":
            if node.rest is not None:
                push(self.read_name, (node.rest, self.end_of(node) - 1 - len(node.rest)))
            for key, p in reversed(list(zip(node.keys, node.patterns))):
                push(self.visit_pattern, p)
                push(self.visit_expr, (key, True))
        elif kind == "MatchClass":
            for attr, p in reversed(list(zip(node.kwd_attrs, node.kwd_patterns))):
                push(self.visit_pattern, p)
                push(self.read_name, (attr, self.start_of(p)))
            for p in reversed(node.patterns):
                push(self.visit_pattern, p)
            push(self.visit_expr, (node.cls, True))
        elif kind == "MatchStar":
            if node.name is not None:
                push(self.read_name, (node.name, self.end_of(node) - len(node.name)))
        elif kind == "MatchAs":
            if node.name is not None:
                push(self.read_name, (node.name, self.end_of(node) - len(node.name)))
            if node.pattern is not None:
                push(self.visit_pattern, node.pattern)
        elif kind == "MatchOr":
            for p in reversed(node.patterns):
                push(self.visit_pattern, p)

    def read_name(self, item) -> None:
        name, offset = item
        self.access(name, offset, None)

    # -- expressions -----------------------------------------------------------------------

    def access(self, name: str, offset: int, attribute) -> None:
        self.result.read.add(name)
        if name not in self.roots:
            return  # no import binds it: it references no import (and is not kept)
        if self.string is not None:
            offset = self.string
        self.deferred.append((self.scope, name, attribute, offset, self.scope.count))

    def visit_expr(self, item) -> None:
        node, top = item
        kind = type(node)
        push = self.push
        if top and self.string is None and getattr(node, "ctx", None).__class__ \
                in (type(None), ast.Load):
            self.result.expressions.append(Expression(
                self.start_of(node), self.end_of(node), self.scope, self.scope.count,
                self.attributes[-1] is None and not self.annotation[-1] and not self.hint[-1]
                and not self.ignored, self.unit))
        if kind is ast.Name:
            if isinstance(node.ctx, ast.Store):
                self.record(node.id)
            else:
                self.access(node.id, self.start_of(node), self.attributes[-1])
            return
        if kind is ast.Attribute:
            if self.attributes[-1] is None:
                self.attributes[-1] = node
                push(self.leave_attribute, node)
            push(self.visit_expr, (node.value, not isinstance(node.ctx, ast.Load)))
            return
        if kind is ast.Call:
            self.visit_call(node)
            return
        if kind is ast.Subscript:
            self.visit_subscript(node)
            return
        if kind is ast.Constant:
            if isinstance(node.value, (str, bytes)) and (self.hint[-1] or self.annotation[-1]) \
                    and not self.ignored:
                self.string_annotation(node)
            return
        if kind is ast.JoinedStr:
            for value in reversed(node.values):
                if isinstance(value, ast.FormattedValue):
                    push(self.visit_expr, (value, False))
            return
        if kind is ast.Lambda:
            outer = self.scope
            inner = Scope(FUNCTION, outer)
            push(self.set_scope, outer)
            push(self.visit_expr, (node.body, False))
            push(self.bump, None)
            self.parameters(node.args, inner)
            push(self.set_scope, inner)
            return
        if kind in _COMPREHENSIONS:
            self.visit_comprehension(node)
            return
        if kind is ast.NamedExpr:
            push(self.bump, None)
            push(self.visit_expr, (node.value, False))
            push(self.visit_expr, (node.target, False))
            return
        if kind is ast.IfExp:  # libcst reads it in the text's order
            push(self.visit_expr, (node.orelse, False))
            push(self.visit_expr, (node.test, False))
            push(self.visit_expr, (node.body, False))
            return
        if kind is ast.Dict:
            for key, value in reversed(list(zip(node.keys, node.values))):
                push(self.visit_expr, (value, False))
                if key is not None:
                    push(self.visit_expr, (key, False))
            return
        for child in reversed(list(ast.iter_child_nodes(node))):
            if isinstance(child, ast.expr):
                push(self.visit_expr, (child, False))
            elif isinstance(child, ast.keyword):
                push(self.visit_expr, (child.value, True))

    def leave_attribute(self, node) -> None:
        if self.attributes[-1] is node:
            self.attributes[-1] = None

    def visit_call(self, node: ast.Call) -> None:
        push = self.push
        self.attributes.append(None)
        self.hint.append(False)
        push(self.leave_call, None)
        names = self.qualified(_full_name(node.func))
        arguments: List[Tuple[ast.expr, bool]] = [(a, False) for a in node.args] + \
            [(k.value, True) for k in node.keywords]
        if "typing.NewType" in names or "typing.TypeVar" in names:
            for argument, top in reversed(arguments[1:]):
                push(self.visit_expr, (argument, top))
            push(self.set_hint, True)
            push(self.visit_expr, (node.func, False))
            return
        if "typing.cast" in names:
            for argument, top in reversed(arguments[1:]):
                push(self.visit_expr, (argument, top))
            if arguments:
                push(self.pop_hint, None)
                push(self.visit_expr, (arguments[0][0], arguments[0][1]))
                push(self.push_hint, True)
            push(self.visit_expr, (node.func, False))
            return
        for argument, top in reversed(arguments):
            push(self.visit_expr, (argument, top))
        push(self.visit_expr, (node.func, False))

    def leave_call(self, _) -> None:
        self.attributes.pop()
        self.hint.pop()

    def set_hint(self, value: bool) -> None:
        self.hint[-1] = value

    def push_hint(self, value: bool) -> None:
        self.hint.append(value)

    def pop_hint(self, _) -> None:
        self.hint.pop()

    def visit_subscript(self, node: ast.Subscript) -> None:
        push = self.push
        hint = False
        ignored = False
        if isinstance(node.value, ast.Name):
            names = self.qualified(node.value.id)
            if any(n.startswith(("typing.", "typing_extensions.")) for n in names):
                hint = True
            if "typing.Literal" in names or "typing_extensions.Literal" in names:
                ignored = True
        self.hint.append(hint)
        if ignored:
            self.ignored += 1
        push(self.leave_subscript, ignored)
        # Under an assignment or a `del`, the subscript's parts are read as expressions of
        # their own (`x[x == np.nan] = 0`).
        stored = not isinstance(node.ctx, ast.Load)
        push(self.visit_expr, (node.slice, stored))
        push(self.visit_expr, (node.value, stored))

    def leave_subscript(self, ignored: bool) -> None:
        self.hint.pop()
        if ignored:
            self.ignored -= 1

    def visit_comprehension(self, node) -> None:
        push = self.push
        generators = node.generators
        outer = self.scope
        inner = Scope(COMPREHENSION, outer)
        push(self.set_scope, outer)
        if isinstance(node, ast.DictComp):
            push(self.visit_expr, (node.value, False))
            push(self.visit_expr, (node.key, False))
        else:
            push(self.visit_expr, (node.elt, False))
        # the inner generators, nested: target, iter, ifs, the next ones, then the count
        for generator in reversed(generators[1:]):
            push(self.bump, None)
        for generator in reversed(generators[1:]):
            for condition in reversed(generator.ifs):
                push(self.visit_expr, (condition, True))
            push(self.visit_expr, (generator.iter, True))
            push(self.visit_expr, (generator.target, True))
        first = generators[0]
        for condition in reversed(first.ifs):
            push(self.visit_expr, (condition, True))
        push(self.bump, None)
        push(self.visit_expr, (first.target, True))
        push(self.set_scope, inner)
        push(self.visit_expr, (first.iter, True))

    def string_annotation(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                return
        if not value:
            return
        try:
            parsed = ast.parse(value)  # type: ignore[arg-type]
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return
        top = self.string is None
        push = self.push
        if top:
            push(self.end_string, None)
        for statement in reversed(parsed.body):
            push(self.visit_parsed, statement)
        if top:
            push(self.begin_string, self.start_of(node))

    def begin_string(self, offset: int) -> None:
        self.string = offset

    def end_string(self, _) -> None:
        self.string = None

    def visit_parsed(self, statement) -> None:
        """A statement of a string annotation: its expressions (no position of its own)."""
        if isinstance(statement, ast.Expr):
            self.push(self.visit_expr, (statement.value, False))
        else:
            for child in reversed([c for c in ast.iter_child_nodes(statement)
                                   if isinstance(c, ast.expr)]):
                self.push(self.visit_expr, (child, False))

    # -- qualified names (typing's) ----------------------------------------------------------

    def qualified(self, full_name: Optional[str]) -> Set[str]:
        """The import-qualified names libcst's `get_qualified_names_for` gives `full_name` in
        the current scope, now (typing's are all that is asked)."""
        if not full_name or not self.typing:
            return set()  # (no import can name typing's: the module never spells it)
        prefix: Optional[str] = full_name
        statements: Set[Any] = set()
        while prefix:
            if contains(self.scope, prefix):
                scope = resolve(self.scope, prefix, self.scope)
                if scope is not None:
                    statements = self.distinct(scope, prefix)
                break
            index = prefix.rfind(".")
            prefix = None if index == -1 else prefix[:index]
        results: Set[str] = set()
        for statement in statements:
            module_name, level, aliases = statement
            module = ("." * level + (module_name or "")) if level else (module_name or "")
            for real_full, asname in aliases:
                if real_full == "*":
                    continue
                parts = real_full.split(".")
                for real_name in (".".join(parts[:i]) for i in range(len(parts), 0, -1)):
                    as_name = real_name
                    if module and module.endswith("."):
                        real_name = f"{module}{real_name}"
                    elif module:
                        real_name = f"{module}.{real_name}"
                    if asname:
                        as_name = asname
                    if full_name.startswith(as_name):
                        remaining = full_name.split(as_name, 1)[1]
                        if remaining and not remaining.startswith("."):
                            continue
                        remaining = remaining.lstrip(".")
                        results.add(f"{real_name}.{remaining}" if remaining else real_name)
                        break
        return results

    def distinct(self, scope: Scope, name: str) -> Set[Any]:
        """The distinct import statements of the bindings of `name` in `scope` so far (kept
        up to date as bindings are added: a name imported a thousand times in one scope is
        read once per distinct statement, not once per binding)."""
        key = (id(scope), name)
        assignments = scope.assign.get(name, [])
        seen, found = self.statements_seen.get(key, (0, set()))
        if seen < len(assignments):
            found = set(found)
            found.update(a.qualified for a in assignments[seen:] if a.qualified is not None)
            self.statements_seen[key] = (len(assignments), found)
        return found

    # -- libcst's `infer_accesses` ------------------------------------------------------------

    def infer(self) -> None:
        """Group the accesses by (scope, name) as libcst does, and count, for each set of
        bindings of a name in a scope, the accesses that make one of its imports referenced
        (`support`, with `supports`): an import is referenced by an access resolving to its
        set, from another scope or made after it, and by an access made in its own scope
        before a binding of that scope that shadows it (libcst's `record_accesses`). Linear:
        an access supports at most two sets (libcst links it to every binding it reaches)."""
        result = self.result
        groups: Dict[Tuple[int, str], Tuple[Scope, List[Tuple[int, int]]]] = {}
        for scope, name, attribute, offset, index in self.deferred:
            if attribute is not None:
                for dotted in _dotted_names(attribute):
                    if contains(scope, dotted):
                        name = dotted
                        break
            group = groups.get((id(scope), name))
            if group is None:
                group = groups[(id(scope), name)] = (scope, [])
            group[1].append((offset, index))
        self.deferred = []
        for (_, name), (scope, found) in groups.items():
            for target, offsets in supports(result, scope, name, found):
                result.support.setdefault((id(target), name), []).extend(offsets)
                result.accesses.extend((offset, (target, name)) for offset in offsets)
        for offsets in result.support.values():
            offsets.sort()
        for binding in result.bindings:
            for name in binding.names:
                where = resolve(binding.scope, name, binding.scope)
                if where is not None:
                    result.users.setdefault((id(where), name), []).append(binding)


class _SetFacts:
    __slots__ = ("first_import", "last")

    def __init__(self, first_import: Optional[float], last: float):
        self.first_import = first_import   # the lowest index of an import in the set
        self.last = last                   # the highest index of any binding in it


def set_facts(result: "Analysis", scope: Scope, name: str) -> _SetFacts:
    key = (id(scope), name)
    facts = result.facts.get(key)
    if facts is None:
        assignments = scope.assign[name]
        imports = [a.index for a in assignments if a.binding is not None]
        facts = result.facts[key] = _SetFacts(min(imports) if imports else None,
                                              max(a.index for a in assignments))
    return facts


def supports(result: "Analysis", scope: Scope, name: str, found: Sequence[Tuple[int, float]],
             extra: Optional[Dict[str, Any]] = None):
    """The sets (scope, offsets of the accesses) whose imports the accesses `found` ((offset,
    index) pairs, made in `scope`, of `name`) reference. `extra`: the names of the module's
    bindings a fix adds, each with the offset where it is added (they are bound nowhere else:
    the accesses at or after that offset, or from another scope, reference it)."""
    if extra is not None and name in extra:
        target = resolve(scope, name, scope, extra)
        if target is None:
            return []
        if target is not scope:
            return [(target, [offset for offset, _ in found])]
        added = extra[name]
        later = [offset for offset, _ in found if offset >= added]
        return [(target, later)] if later else []
    target = resolve(scope, name, scope)
    if target is None:
        return []
    facts = set_facts(result, target, name)
    out = []
    if target is not scope:
        if facts.first_import is not None:
            out.append((target, [offset for offset, _ in found]))
        return out
    first = facts.first_import
    if first is not None:
        later = [offset for offset, index in found if first < index]
        if later:
            out.append((target, later))
    if target.kind != GLOBAL:  # (a module-level name's shadowed bindings are builtins)
        earlier = [offset for offset, index in found if facts.last >= index]
        if earlier:
            parent = target.parent
            assert parent is not None
            shadowed = resolve(parent, name, parent)
            if shadowed is not None and set_facts(result, shadowed, name).first_import \
                    is not None:
                out.append((shadowed, earlier))
    return out


def _dotted_names(node) -> List[str]:
    """libcst's `_gen_dotted_names` of an attribute (the names only)."""
    if isinstance(node, ast.Name):
        return [node.id]
    if not isinstance(node, ast.Attribute):
        return []
    value = node.value
    if isinstance(value, ast.Call):
        value = value.func
        if isinstance(value, (ast.Attribute, ast.Name)):
            return _dotted_names(value)
        return []
    if isinstance(value, (ast.Attribute, ast.Name)):
        inner = _dotted_names(value)
        if not inner:
            return []
        return [f"{inner[0]}.{node.attr}"] + inner
    return []


def _full_name(node) -> Optional[str]:
    """libcst's `get_full_name_for_node` of a call's function."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _full_name(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    if isinstance(node, ast.Call):
        return _full_name(node.func)
    if isinstance(node, ast.Subscript):
        return _full_name(node.value)
    return None


_ASSIGNMENT_STATEMENTS = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Import,
                                    ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                    ast.ClassDef, ast.Global, ast.Nonlocal})

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
                   re.IGNORECASE)
_TYPE_COMMENT = re.compile(r"#\s*type:(.*)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def noqa_f401(line: str) -> bool:
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if codes is None or "F401" in codes.upper():
            return True
    return False


def alias_binding(node, module: Optional[str],
                  alias: ast.alias) -> Tuple[str, str, Tuple[str, ...]]:
    """The name an alias of an import statement binds, what it imports (`m:name` for a `from`
    import of `module`, the statement's level-0 module; a relative import's module is left out,
    as it always was) and the names the scope records for it (`a.b`, `a` for `import a.b`)."""
    imported = alias.name
    if isinstance(node, ast.ImportFrom):
        imported = f"{'.' * node.level}{module or ''}:{imported}"
    if alias.asname is not None:
        return alias.asname, imported, (alias.asname,)
    bound = imported.rpartition(":")[2]
    parts = bound.split(".")
    return bound, imported, tuple(".".join(parts[:k]) for k in range(len(parts), 0, -1))


def _protected_names(tree: ast.Module, text: str) -> Set[str]:
    """Names used where libcst's scopes do not look: `__all__`, string annotations,
    `# type:` comments."""
    names: Set[str] = set()

    def strings(node: Optional[ast.AST]) -> None:
        if node is None:
            return
        for inner in ast.walk(node):
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                names.update(_WORD.findall(inner.value))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            strings(node.returns)
            arguments = node.args
            for arg in (arguments.posonlyargs + arguments.args + arguments.kwonlyargs
                        + [a for a in (arguments.vararg, arguments.kwarg) if a is not None]):
                strings(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            strings(node.annotation)
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                strings(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else \
                func.id if isinstance(func, ast.Name) else ""
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    func.value.id == "__all__":
                strings(node)
            elif name in ("cast", "TypeVar", "NewType", "ForwardRef"):
                strings(node)
    for match in _TYPE_COMMENT.finditer(text):
        names.update(_WORD.findall(match.group(1)))
    return names


def analyse(text: str, path: str, keep: frozenset, tree: Optional[ast.Module] = None) -> Analysis:
    """The analysis of `text` (raises SyntaxError if it does not parse)."""
    if tree is None:
        tree = ast.parse(text)
    return _Walk(text, tree, path, keep).run()
