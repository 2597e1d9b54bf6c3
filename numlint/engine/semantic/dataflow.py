"""Local dataflow: which expression a name or a `self.` attribute holds where it is used.

Hazards are often split across statements (`p = softmax(z)` ... `log(p)`), so rules ask for the
*origin* of an expression. The analysis is deliberately small and conservative, in the spirit of
a reviewer reading straight-line code:

* A name used in a function or module body holds the value of the last assignment before the
  use when that assignment is a plain `name = value` (or a simple tuple unpacking) in the same
  block as the use or in a block enclosing it, and no loop around the use (but not around the
  assignment) rebinds the name. Anything else (an assignment in another branch, a loop variable,
  an augmented assignment, `global`/`nonlocal`, a walrus) is unknown.
* A name free in a function (a module-level `model = ...` used in a function) holds the value of
  its only binding in the enclosing scope.
* `self.attr` holds the value of the reaching assignment in the same method, or else of the one
  assignment in the class's `__init__` (or `setup`/`build`), when the class assigns it nowhere
  else.

Unknown is always a safe answer: rules stay silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

from numlint.engine.table import FUNCTIONS, INITIALIZERS, METHODS

if TYPE_CHECKING:  # pragma: no cover
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.semantic.operations import Op
    from numlint.engine.semantic.scopes import Binding, Scope

LOOPS = (ast.For, ast.AsyncFor, ast.While)
WITHS = (ast.With, ast.AsyncWith)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Module)
MAX_BRANCHES = 8  # values followed for one name after branches
MAX_HOPS = 8
# The names a cast is spelled with (functions and methods of the table of kind "cast").
_CAST_NAMES = frozenset(
    {q.rsplit(".", 1)[-1] for q, spec in FUNCTIONS.items() if spec.kind == "cast"}
    | {name for name, specs in METHODS.items() if any(s.kind == "cast" for s in specs)})


@dataclass
class Origin:
    """Where the value of an expression comes from.

    `expr` is the expression that computes it (the input itself when it is not a name or an
    attribute with a known value), `scope` that expression's scope, and `remote` whether it was
    reached through an assignment in another statement (a fix spanning statements is unsafe).
    """

    expr: ast.expr
    scope: "Scope"
    remote: bool
    model: "SemanticModel"
    # When the value is one of several a name may hold after a branch: where it comes from
    # ("the `if` at line 12", for messages); None on straight-line code.
    branch: Optional[str] = None

    @property
    def op(self) -> Optional["Op"]:
        return self.model.op(self.expr, self.scope)


class Dataflow:
    """The dataflow facts of one module, over its `SemanticModel`; owns its caches."""

    def __init__(self, model: "SemanticModel"):
        self.model = model
        self._methods: Dict[ast.AST, List[Tuple["Scope", str]]] = {}  # class -> methods

    def release(self) -> None:
        """Break the cycle with the model (see `SemanticModel.release`)."""
        self._methods.clear()
        self.model = None  # type: ignore[assignment]

    def origin(self, expr: ast.expr, scope: "Scope") -> Origin:
        """Follow names and `self.` attributes back to the expression that computed the value."""
        remote = False
        for _ in range(MAX_HOPS):
            found = self.value_of(expr, scope)
            if found is None:
                break
            expr, scope = found
            remote = True
            # `mean_sq = tf.cast(mean_sq, dtype)`: a name rebound through a cast keeps the
            # origin of the value it casts (the same values, in another dtype).
            cast = self.model.op(expr, scope) if self._may_cast(expr, scope) else None
            if cast is not None and cast.kind == "cast" and \
                    isinstance(cast.operand, (ast.Name, ast.Attribute)) and \
                    self.value_of(cast.operand, scope) is not None:
                expr = cast.operand
        return Origin(expr, scope, remote, self.model)

    def _may_cast(self, expr: ast.expr, scope: "Scope") -> bool:
        """Whether `expr` may be a cast (`tf.cast(x, dt)`, `x.astype(dt)`, or a call of a
        function of this module or an alias, which may return one): its operation is looked up
        only then. An origin is asked for nearly every operand, and the operation of any other
        call can cost a summary of another module (a first-party function) that the caller
        does not need."""
        if type(expr) is not ast.Call:
            return False
        func = expr.func
        if type(func) is ast.Attribute:
            return func.attr in _CAST_NAMES or (
                type(func.value) is ast.Name and self.self_class(func.value.id, scope) is not None)
        if type(func) is ast.Name:
            if func.id in _CAST_NAMES:
                return True
            _, bindings = self.model.lookup(func.id, scope)
            return bool(bindings) and bool(self.model.binding_summary(bindings)[1])
        return False

    def origins(self, expr: ast.expr, scope: "Scope") -> Tuple[List[Origin], bool]:
        """Every value `expr` may hold where it is used, each followed to its origin as
        `origin` does, and whether that list covers every path.

        After a branch (`if`/`else`, `try`/`except`, `match`) a name may hold any branch's
        value: a hazard on one path is a hazard (rules report it, naming the branch), a guard
        counts only if it holds on every path (`complete`). After a loop that binds the name,
        it holds one of the values the loop's body leaves it (at the body's end, a `break` or
        a `continue`), or the value before the loop if the loop never ran: when the name is
        bound before the loop that is unknown (its body usually ran); when it is a local of a
        function unbound before the loop, that path raises `UnboundLocalError` and holds
        nothing, so the loop's values are every value. A path on which a function's local is
        unbound is not counted against `complete` either. Where the name's bindings are
        straight-line this is `[origin(expr)]`, complete."""
        if isinstance(expr, ast.Name):
            use = self.model.statement_of(expr)
            owner, bindings = self.model.lookup(expr.id, scope)
            if use is not None and owner is not None and bindings and \
                    expr.id not in scope.globals and expr.id not in scope.nonlocals and \
                    (owner is scope or _only_comprehensions_between(scope, owner)) and \
                    self.reaching(bindings, use) is None:
                # A local of a function read where no binding reached it raises: such a
                # path holds no value (a parameter is bound at the start; a module's or a
                # class's unbound name is a builtin or a global).
                local = owner.kind == "function" and expr.id not in owner.globals and \
                    expr.id not in owner.nonlocals and all(b.kind != "param" for b in bindings)
                found = self.may_reach(bindings, use, local)
                if found is not None and found[0]:
                    values, complete = found
                    out = []
                    for binding, note in values[:MAX_BRANCHES]:
                        assert binding.value is not None
                        inner = self.origin(binding.value, owner)
                        out.append(Origin(inner.expr, inner.scope, True, self.model, note))
                    return out, complete and len(values) <= MAX_BRANCHES
        return [self.origin(expr, scope)], True

    def may_reach(self, bindings: List["Binding"], use: ast.stmt, local: bool = False
                  ) -> Optional[Tuple[List[Tuple["Binding", Optional[str]]], bool]]:
        """The plain assignments among `bindings` that may reach `use` along some path through
        the branches and loops before it, with a note naming each one's branch, and whether
        every path was accounted for (False when some path reaches the start of the scope
        with the name unbound, unless it is a function's `local`, which raises there).
        None when a path binds the name otherwise (a loop target, an import, an augmented
        assignment), a loop around the use rebinds it later, or a path that skips a loop
        binding it meets an earlier binding."""
        mine = [b for b in bindings if b.node is not use]
        found: List[Tuple["Binding", Optional[str]]] = []
        skipped = False  # some path skipped a loop that binds the name
        current: ast.AST = use
        while True:
            preceding = self._preceding(current)
            if preceding is None:
                return found, local  # the scope's start: the name may be unbound here
            node, before = preceding
            step = self._gather(before, mine, None, found, skipped)
            if step is None:
                return None
            falls, skipped = step
            if not falls:
                return found, True
            if isinstance(node, LOOPS) and any(self._is_ancestor(node, b.node)
                                               for b in mine):
                return None  # a later iteration may rebind it: unknown
            if not hasattr(node, "body") or isinstance(node, SCOPES):
                return found, local  # the scope's start (a parameter, or unbound)
            header = [b for b in mine if b.node is node]  # `if (p := softmax(z)) ...:`
            if header:
                if skipped or len(header) != 1 or header[0].kind != "walrus" or \
                        header[0].value is None:
                    return None
                found.append((header[0], None))
                return found, True
            current = node

    def _preceding(self, current: ast.AST) -> Optional[Tuple[ast.AST, Optional[List[ast.stmt]]]]:
        """The node whose block holds `current` and the statements before it in that block
        (None if `current` is not found in it); None at the start of the scope."""
        block = self.model.block_of(current)
        if block is None:
            return None
        node, field_name = block
        statements = getattr(node, field_name, [])
        index = next((i for i, s in enumerate(statements) if s is current), None)
        return node, (statements[:index] if index is not None else None)

    def _gather(self, before: Optional[List[ast.stmt]], bindings: List["Binding"],
                note: Optional[str], found: List[Tuple["Binding", Optional[str]]],
                skipped: bool) -> Optional[Tuple[bool, bool]]:
        """Adds to `found` the assignments among `bindings` that reach the end of `before`;
        (whether some path falls through them, whether a path so far skipped a loop binding
        the name), or None when that is unknown."""
        result = self._exit(before, bindings, note) if before is not None else None
        if result is None:
            return None
        values, falls, skips = result
        if skipped and values:
            return None  # the value before a loop that may not have run
        found += values
        return falls, skipped or skips

    def _exit(self, statements: List[ast.stmt], bindings: List["Binding"], note: Optional[str]
              ) -> Optional[Tuple[List[Tuple["Binding", Optional[str]]], bool, bool]]:
        """The assignments reaching the end of `statements`, whether some path through
        them binds nothing (falls through to what came before), and whether such a path
        skips a loop that binds the name (what came before reaches the end only if that loop
        never ran: `_loop_exit`)."""
        collected: List[Tuple["Binding", Optional[str]]] = []
        skipped = False
        for statement in reversed(statements):
            inside = [b for b in bindings
                      if b.node is statement or self._is_ancestor(statement, b.node)]
            if not inside:
                continue
            if skipped:
                return None  # the value before a loop that may not have run: unknown
            result = self._statement_exit(statement, inside, note)
            if result is None:
                return None
            values, falls, skips = result
            collected += values
            skipped = skips
            if not falls:
                return collected, False, False
        return collected, True, skipped

    def _statement_exit(self, statement: ast.stmt, bindings: List["Binding"],
                        note: Optional[str]):
        direct = [b for b in bindings if b.node is statement]
        if direct:
            last = direct[-1]
            if last.kind not in ("assign", "walrus") or last.value is None or \
                    isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.If)):
                return None  # a loop target, an import, `x += ...`, a `def`: unknown
            if last.kind == "walrus":
                return None  # inside an expression: whether it ran is not clear
            return [(last, note)], False, False
        line = getattr(statement, "lineno", "?")
        if isinstance(statement, ast.If):
            body = self._exit(statement.body, bindings, f"the `if` branch at line {line}")
            orelse = self._exit(statement.orelse, bindings,
                                f"the `else` branch of the `if` at line {line}")
            if body is None or orelse is None:
                return None
            return body[0] + orelse[0], body[1] or orelse[1], body[2] or orelse[2]
        if isinstance(statement, WITHS):
            return self._exit(statement.body, bindings, note)
        if isinstance(statement, LOOPS):
            return self._loop_exit(statement, bindings)
        if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            try_statement: Any = statement
            final = self._exit(try_statement.finalbody, bindings, note)
            if final is None:
                return None
            if not final[1]:
                return final
            parts = [self._exit(try_statement.body, bindings, f"the `try` at line {line}"),
                     self._exit(try_statement.orelse, bindings, f"the `try` at line {line}")]
            for handler in try_statement.handlers:
                parts.append(self._exit(handler.body, bindings,
                                        f"the `except` at line {handler.lineno}"))
            if any(part is None for part in parts):
                return None
            if final[2] and any(part[0] for part in parts if part):
                return None  # before a loop of the `finally` that may not have run
            return (final[0] + [v for part in parts if part for v in part[0]], True,
                    final[2] or any(part[2] for part in parts if part))
        if type(statement).__name__ == "Match":
            match: Any = statement
            values: List[Tuple["Binding", Optional[str]]] = []
            skipped = False
            for case in match.cases:
                part = self._exit(case.body, bindings, f"a `case` at line {case.pattern.lineno}")
                if part is None:
                    return None
                values += part[0]
                skipped = skipped or part[2]
            return values, True, skipped
        return None

    def _loop_exit(self, loop: ast.stmt, bindings: List["Binding"]):
        """What a loop whose body binds the name leaves in it: the values reaching the end
        of its body, each `continue` and each `break` of it (`values`, no fall-through); and,
        on the path where it never ran (or left before binding), the value from before the
        loop, which is reported as a skip (`_exit`: unknown if the name was bound before)."""
        line = getattr(loop, "lineno", "?")
        keyword = "while" if isinstance(loop, ast.While) else "for"
        note = f"an iteration of the `{keyword}` loop at line {line}"
        if any(self._is_ancestor(loop, b.node) and not self._in_block(b.node, loop, "body")
               for b in bindings):
            return None  # bound in the loop's `else`
        end = self._exit(getattr(loop, "body"), bindings, note)
        if end is None:
            return None
        values = list(end[0])
        # A `while True:` runs its body at least once; any other loop may not run.
        test = getattr(loop, "test", None)
        skipped = not (isinstance(test, ast.Constant) and bool(test.value)) or end[1]
        for jump in _jumps(loop):
            reached = self._back_to(jump, loop, bindings, note)
            if reached is None:
                return None
            values += [v for v in reached[0] if all(v[0] is not w[0] for w in values)]
            skipped = skipped or reached[1]
        return values, True, skipped

    def _back_to(self, start: ast.stmt, stop: ast.stmt, bindings: List["Binding"],
                 note: Optional[str]) -> Optional[Tuple[List[Tuple["Binding", Optional[str]]],
                                                         bool]]:
        """The assignments reaching statement `start` from inside `stop` (a loop around it,
        with no other loop in between), and whether some path reaches the start of `stop`'s
        body with the name unbound inside it."""
        found: List[Tuple["Binding", Optional[str]]] = []
        skipped = False
        current: ast.AST = start
        while True:
            preceding = self._preceding(current)
            if preceding is None:
                return None
            node, before = preceding
            step = self._gather(before, bindings, note, found, skipped)
            if step is None:
                return None
            falls, skipped = step
            if not falls:
                return found, skipped
            if node is stop:
                return found, True
            if isinstance(node, LOOPS) or isinstance(node, SCOPES) or \
                    not hasattr(node, "body") or any(b.node is node for b in bindings):
                return None
            current = node

    def _in_block(self, statement: ast.AST, node: ast.AST, field_name: str) -> bool:
        """Whether `statement` sits (at any depth) in the block `field_name` of `node`."""
        current = self.model.block_of(statement)
        while current is not None:
            if current[0] is node:
                return current[1] == field_name
            current = self.model.block_of(current[0])
        return False

    def value_of(self, expr: ast.expr, scope: "Scope"
                 ) -> Optional[Tuple[ast.expr, "Scope"]]:
        """The expression a name or `self.attr` holds at `expr`, and its scope; None if unknown."""
        use = self.model.statement_of(expr)
        if use is None:
            return None
        if isinstance(expr, ast.Name):
            return self._name_value(expr.id, scope, use)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            return self._attribute_value(expr.value.id, expr.attr, scope, use)
        return None

    def _name_value(self, name: str, scope, use: ast.stmt):
        if name in scope.globals or name in scope.nonlocals:
            return None
        owner, bindings = self.model.lookup(name, scope)
        if owner is None or not bindings:
            return None
        if owner is scope or _only_comprehensions_between(scope, owner):
            binding = self.reaching(bindings, use)
        elif len(bindings) == 1:
            binding = bindings[0]  # a free name: the enclosing scope's only binding
        else:
            return None
        if binding is None or binding.kind != "assign" or binding.value is None:
            return None
        return binding.value, owner

    def _attribute_value(self, base: str, attr: str, scope, use: ast.stmt):
        cls = self.self_class(base, scope)
        if cls is None:
            return None
        key = f"{base}.{attr}"
        local = scope.attributes.get(key)
        if local:
            binding = self.reaching(local, use)
            if binding is None or binding.kind != "assign" or binding.value is None:
                return None
            return binding.value, scope
        # Class-wide: the one assignment, in an initializer.
        found: List[Tuple["Binding", "Scope"]] = []
        for method_scope, self_name in self.class_methods(cls):
            for binding in method_scope.attributes.get(f"{self_name}.{attr}", ()):
                found.append((binding, method_scope))
        if len(found) != 1:
            return None
        binding, method_scope = found[0]
        node = method_scope.node
        if binding.kind != "assign" or binding.value is None or \
                not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                node.name not in INITIALIZERS or self._statement_in_loop(binding.node):
            return None
        return binding.value, method_scope

    # -- classes -------------------------------------------------------------------------------------

    def self_class(self, name: str, scope) -> Optional[ast.ClassDef]:
        """The class whose instance `name` is in `scope`: the first parameter of a method, never
        rebound."""
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "class":
            return None
        function = scope.node
        if any(_decorator_name(d) in ("staticmethod", "classmethod")
               for d in function.decorator_list):
            return None
        params = function.args.posonlyargs + function.args.args
        if not params or params[0].arg != name:
            return None
        bindings = scope.bindings.get(name, [])
        if len(bindings) != 1 or name in scope.globals or name in scope.nonlocals:
            return None
        return scope.parent.node

    def class_methods(self, cls: ast.ClassDef) -> Iterator[Tuple["Scope", str]]:
        """The scopes of a class's instance methods, with the name of their `self` parameter."""
        methods = self._methods.get(cls)
        if methods is None:
            methods = []
            for statement in cls.body:
                candidate = self.model.scope_by_node.get(statement)
                if candidate is None or candidate.kind != "function" or \
                        not isinstance(candidate.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                params = candidate.node.args.posonlyargs + candidate.node.args.args
                if params and self.self_class(params[0].arg, candidate) is cls:
                    methods.append((candidate, params[0].arg))
            self._methods[cls] = methods
        return iter(methods)

    def method_scope(self, cls: ast.ClassDef, name: str) -> Optional["Scope"]:
        """The scope of the method `name` of `cls`, if the class defines it exactly once."""
        found = [s for s, _ in self.class_methods(cls) if getattr(s.node, "name", None) == name]
        if not found:  # `self._proba(decision)` of a @staticmethod or @classmethod
            found = [self.model.scope_by_node[s] for s in cls.body
                     if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name
                     and s in self.model.scope_by_node
                     and any(_decorator_name(d) in ("staticmethod", "classmethod")
                             for d in s.decorator_list)]
        return found[0] if len(found) == 1 else None

    # -- reaching assignments ------------------------------------------------------------------------

    def reaching(self, bindings: List["Binding"], use: ast.stmt) -> Optional["Binding"]:
        """The binding among `bindings` that reaches `use` in straight-line code, or None.

        It is the last binding before the use; it must sit in the use's block or a block enclosing
        it (the body of a `with` counts as its enclosing block: it always runs), and no loop that
        encloses the use but not the binding may rebind the name.
        """
        position = _position(use)
        before = [b for b in bindings if _position(b.node) < position
                  and not self._is_ancestor(b.node, use)]
        if not before:
            return None
        last = max(before, key=lambda b: _position(b.node))
        statement = last.node
        block = self.model.block_of(statement)
        while block is not None and isinstance(block[0], WITHS) and block[1] == "body":
            block = self.model.block_of(block[0])  # `with no_grad(): p = ...` then `log(p)`
        if block is None:
            return None
        current: Optional[ast.AST] = use
        loops: List[ast.AST] = []
        while current is not None:
            parent = self.model.block_of(current)
            if parent is None:
                return None
            if parent == block:
                break
            if isinstance(parent[0], LOOPS):
                loops.append(parent[0])
            current = parent[0]
        else:  # pragma: no cover - the walk always ends at the scope's node
            return None
        for loop in loops:
            if any(self._is_ancestor(loop, b.node) or b.node is loop
                   for b in bindings if b is not last):
                return None
        return last

    def rebound_between(self, bindings: List["Binding"], start: ast.AST, end: ast.AST) -> bool:
        """Whether any of `bindings` may rebind the name between statements `start` and `end`."""
        if not bindings:
            return False
        low, high = _position(start), _position(end)
        for binding in bindings:
            statement = binding.node
            where = _position(statement)
            if low < where < high or (self._is_ancestor(statement, end)
                                        and not self._is_ancestor(statement, start)):
                return True
        # A loop around `end` but not `start` that binds the name.
        current = end
        while True:
            parent = self.model.block_of(current)
            if parent is None or self._is_ancestor(parent[0], start) or parent[0] is start:
                return False
            if isinstance(parent[0], LOOPS) and any(
                    self._is_ancestor(parent[0], b.node) for b in bindings):
                return True
            current = parent[0]

    def _is_ancestor(self, ancestor: ast.AST, node: ast.AST) -> bool:
        """Whether statement `node` is nested (strictly) inside statement `ancestor`."""
        current = self.model.block_of(node)
        while current is not None:
            if current[0] is ancestor:
                return True
            current = self.model.block_of(current[0])
        return False

    def _statement_in_loop(self, statement: ast.AST) -> bool:
        current = self.model.block_of(statement)
        while current is not None:
            if isinstance(current[0], LOOPS):
                return True
            current = self.model.block_of(current[0])
        return False


def _jumps(loop: ast.stmt) -> Iterator[ast.stmt]:
    """The `break` and `continue` statements that leave `loop` (not those of a loop inside
    it, whose `else` still belongs to `loop`), outside functions and classes."""
    stack: List[ast.stmt] = list(getattr(loop, "body"))
    while stack:
        statement = stack.pop()
        if isinstance(statement, (ast.Break, ast.Continue)):
            yield statement
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, LOOPS):
            stack.extend(statement.orelse)
            continue
        for name in ("body", "orelse", "finalbody"):
            stack.extend(getattr(statement, name, ()))
        for handler in getattr(statement, "handlers", ()):
            stack.extend(handler.body)
        for case in getattr(statement, "cases", ()):
            stack.extend(case.body)


def _decorator_name(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _position(node: ast.AST) -> Tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _only_comprehensions_between(scope, owner) -> bool:
    current = scope
    while current is not None and current is not owner:
        if current.kind != "comprehension":
            return False
        current = current.parent
    return current is owner
