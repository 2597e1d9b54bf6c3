"""The context a rule sees while checking one module: the semantic model, the source, the
emitter of stable replacements, and the list of findings."""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
from typing import (TYPE_CHECKING, Any, Callable, Dict, Hashable, List, Optional, Set, Tuple,
                    TypeVar)

from numlint.engine.diagnostic import Diagnostic
from numlint.engine.emit import Emitter, Replacement
from numlint.engine.fix import Applicability, Edit, Fix
from numlint.engine.importer import Importer
from numlint.engine.semantic.dataflow import Origin
from numlint.engine.semantic.model import BUILTINS, SemanticModel, Op, Scope, unify_frameworks
from numlint.engine.source import SourceText

if TYPE_CHECKING:
    from numlint.engine.rule import Rule

T = TypeVar("T")

# ------------------------------------------------------------------


class Context:
    """Everything a rule may ask while checking one module."""

    def __init__(self, model: SemanticModel, source: SourceText, path: str):
        self.model = model
        self.source = source
        self.path = path
        self.importer = Importer(model, source)
        self.emitter = Emitter(model, source, self.importer)
        self.diagnostics: List[Diagnostic] = []
        self.rule: Optional[Rule] = None
        self._memo: Dict[Tuple[str, Hashable], Any] = {}
        self._facts: Dict[Hashable, Any] = {}
        self._origins: Dict[Tuple[int, int], Any] = {}
        self._spelled: Dict[Tuple[str, ...], bool] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, once per module and rule for each `key` (a node, or a tuple with
        nodes): what a rule would otherwise recompute for every operation it is called on.
        Kept here, never on the tree (which is the caller's, flake8's included)."""
        full = (self.rule.code if self.rule is not None else "", key)
        try:
            return self._memo[full]
        except KeyError:
            value = self._memo[full] = compute()
            return value

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, once per module for each `key`, whichever rule asks: a fact of the
        module that several rules read (the dtypes a function names, the names it changes in
        place), computed by a helper they share."""
        return self._fact(("shared", key), compute)

    def _fact(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, once per module for each `key`: a fact of the module itself, the same
        whichever rule asks (the ranges an f-string prints, the names that hold an array
        namespace), which the engine reads to vet every rule's fixes."""
        try:
            return self._facts[key]
        except KeyError:
            value = self._facts[key] = compute()
            return value

    def release(self) -> None:
        """Drop what the context holds of the module's tree."""
        self._memo.clear()
        self._facts.clear()
        self._origins.clear()
        self._spelled.clear()

    def spells(self, *kinds: str) -> bool:
        """Whether the module's text can spell one of `kinds` (the prefilter's test, shared
        with it): a rule called on every comparison of a module asks first whether a NaN is
        written anywhere in it."""
        found = self._spelled.get(kinds)  # asked for every operation of some kinds: no
        if found is None:                   # closure, no key tuple built per call
            from numlint.engine.prefilter import spelled_here
            found = self._spelled[kinds] = spelled_here(self.source.text, kinds)
        return found

    # -- the model ------------------------------------------------------------------------------
    def op(self, expr: Optional[ast.expr], scope: Optional[Scope] = None) -> Optional[Op]:
        return self.model.op(expr, scope)

    def origin(self, expr: Optional[ast.expr], scope: Optional[Scope] = None):
        """Where the value of `expr` comes from: follows names and `self.` attributes to the
        expression assigned to them (`numlint.engine.semantic.dataflow.Origin`: `expr`,
        `scope`, `remote`, `op`). None for None."""
        if expr is None:
            return None
        if scope is None:
            scope = self.model.scope_of(expr) or self.model.module_scope
        # Several rules ask for the same operands (every comparison's sides, every sum's
        # terms): the model does not change while the module is checked, so once is enough.
        key = (id(expr), id(scope))
        found = self._origins.get(key)
        if found is None:
            found = self._origins[key] = self.model.origin(expr, scope)
        return found

    def origins(self, expr: ast.expr, scope: Optional[Scope] = None) -> Tuple[List[Origin], bool]:
        """Every value `expr` may hold after the branches before it (each an `Origin`, with
        `branch` naming where it comes from), and whether the list covers every path. A
        hazard on one path is reported; a guard counts only when `complete` and it holds on
        every path. On straight-line code: `[ctx.origin(expr)]`, complete."""
        if scope is None:
            scope = self.model.scope_of(expr) or self.model.module_scope
        return self.model.dataflow.origins(expr, scope)

    def portable(self, origin, at: ast.expr, copied: Optional[ast.expr] = None) -> bool:
        """Whether `origin.expr`'s text (or `copied`, the part of it a fix copies) can be
        copied to `at` and mean the same there; a copied call never can."""
        return self.model.portable(origin, at, copied)

    def framework(self, *ops: Op) -> Optional[str]:
        """The framework the operations of a pattern agree on.

        Operations that exist in several libraries (`x.sum()`) take the framework of their
        operands; when nothing in the pattern names a library, the module's only imported array
        framework decides. Conflicting libraries give None: no fix.
        """
        frameworks = [op.framework for op in ops]
        if any(f is not None and f != "python" for f in frameworks):
            return unify_frameworks(frameworks)
        imported = self.model.imported_frameworks()
        return imported[0] if len(imported) == 1 else None

    def text(self, node: ast.expr) -> str:
        return self.source.segment(node)

    @staticmethod
    def same(a: Optional[ast.AST], b: Optional[ast.AST]) -> bool:
        """Whether two expressions are written the same (`x` and `x`, `h[:, 0]` and
        `h[:, 0]`), regardless of spacing and parentheses. Pure-looking expressions only: two
        calls are never the same value (`randn(3)` twice)."""
        if a is None or b is None:
            return False
        if any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom))
               for n in ast.walk(a)):
            return False
        return ast.dump(a, annotate_fields=False) == ast.dump(b, annotate_fields=False)

    # -- replacements ---------------------------------------------------------------------------
    def stable(self, stable: str, framework: Optional[str], operand: ast.expr, scope: Scope, *,
               args=None, like: Optional[Op] = None, method: bool = False,
               source_default=None) -> Optional[Replacement]:
        """The stable operation `stable` applied to `operand`, written in `framework`."""
        return self.emitter.call(stable, framework, operand, scope, args=args or {}, like=like,
                                 method=method, source_default=source_default)

    def render(self, stable: str, framework: Optional[str], scope: Scope, *,
               like: Optional[Op] = None, **operands) -> Optional[Replacement]:
        """The table's template for `stable` in `framework`, filled with `operands` (source
        expressions, copied verbatim, or text): `ctx.render("solve", fw, scope, A=a, b=b)`."""
        return self.emitter.render(stable, framework, scope, operands, like=like)

    def has_target(self, stable: str, framework: Optional[str]) -> bool:
        """Whether the table can write `stable` in `framework` (in this module's imports)."""
        return bool(self.emitter.targets(stable, framework))

    def safety(self, stable: str, framework: Optional[str], *,
               single: bool = True) -> Optional[Applicability]:
        """How exact the table says `stable` is in `framework` (its first target): for
        operands known to be single matrices, or (`single=False`) possibly stacks of them.
        None: the table offers no fix there."""
        targets = self.emitter.targets(stable, framework)
        if not targets:
            return None
        target = targets[0]
        value = target.safety if single or target.batched is None else target.batched
        return None if value == "none" else Applicability(value)

    def args_of(self, op: Op, exclude: Tuple[str, ...] = ()):
        return self.emitter.op_args(op, exclude)

    def fix(self, node: ast.expr, replacement: Optional[Replacement], message: str,
            applicability: Applicability = Applicability.SAFE) -> Optional[Fix]:
        """A fix replacing `node` by `replacement`; `{callee}` in `message` names the function
        the replacement calls.

        A comment inside `node` but outside the sub-expressions the replacement copies would be
        lost, so such a fix is downgraded to unsafe (as Ruff does).
        """
        if replacement is None or isinstance(node, ast.AugAssign):
            return None  # `x /= n` is a statement: a fix edits its value, not all of it
        message = message.format(callee=replacement.callee)
        start, end = self.source.node_range(node)
        text = replacement.text
        parent = self.model.parent_of(node)
        if _needs_parentheses(node, parent, text):
            if self._ungrouped(start, end, parent) == (start, end):
                text = f"({text})"  # (else the expression's own parentheses group it)
        elif isinstance(node, _OPERATOR_EXPRESSIONS) and _primary(text):
            start, end = self._ungrouped(start, end, parent)
            source = self.source.text
            if start > 0 and _glued(source[start - 1]):
                text = " " + text  # `return(a - b)`: not `returnnp.var(x)`
            if end < len(source) and _glued(source[end]) and _glued(text[-1]):
                text += " "  # `(a - b)if c else d`, the replacement a name
        if applicability is Applicability.SAFE and self._drops_comment(node, replacement.copied):
            applicability = Applicability.UNSAFE
            message += " (removes a comment)"
        edit = Edit(start, end, text)
        edits = (edit,) + tuple(self._dead_assignments(node, edit)) + \
            tuple(replacement.imports)
        return Fix(applicability, message, edits)

    # -- tidy replacements ----------------------------------------------------------------------
    def _ungrouped(self, start: int, end: int, parent: Optional[ast.AST]) -> Tuple[int, int]:
        """`[start, end)` widened over the parentheses that only group it (`(a - b).T`), for a
        replacement that binds as tightly as anything (a call, a name, an attribute, a
        subscript): kept are those that are syntax (a call's own, `f(a - b)`) and any with
        more than blanks between them and the expression (a comment, a backslash)."""
        text = self.source.text
        call_open = _call_parenthesis(text, self.source.node_range(parent.func)[1]) \
            if isinstance(parent, ast.Call) else None
        if isinstance(parent, ast.ClassDef):
            return start, end
        for _ in range(1000):
            before = start - 1
            while before >= 0 and text[before] in _BLANKS:
                before -= 1
            after = end
            while after < len(text) and text[after] in _BLANKS:
                after += 1
            if before < 0 or after >= len(text) or text[before] != "(" or \
                    text[after] != ")" or before == call_open:
                break
            start, end = before, after + 1
        return start, end

    def _dead_assignments(self, node: ast.expr, edit: Edit) -> List[Edit]:
        """The edits removing the assignments that `edit` (replacing `node`) leaves dead: in
        a function, `name = value` (its only binding there, a plain single-target
        assignment alone on its lines, before the fixed statement in its block, `value`
        free of side effects: names, constants, operators and the table's library
        operations) whose every read is in what the fix removes, which includes the values
        of the assignments it removes (`e = exp(x)`,
        `s = e.sum()`, `log(s)` becoming `logsumexp(x)` removes both). Never a global, a
        nonlocal, a module's or a class's name, an attribute, or a name the function may
        read some other way (`locals()`, `eval`)."""
        kept = _names_read(edit.content)
        scope = self.model.scope_of(node)
        statement = self.model.statement_of(node)
        if kept is None or scope is None or statement is None:
            return []
        home = self.model.block_of(statement)
        if home is None:
            return []
        removed: List[ast.AST] = [node]
        edits: List[Edit] = []
        candidates = [n.id for n in ast.walk(node)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
        seen: Set[str] = set()
        while candidates:
            name = candidates.pop(0)
            if name in seen or name in kept:
                continue
            seen.add(name)
            dead = self._dead_assignment(name, scope, removed, home, statement)
            if dead is None:
                continue
            removal = self._removal(dead)
            if removal is None or removal.start < edit.end and edit.start < removal.end:
                continue
            removed.append(dead)
            edits.append(removal)
            candidates.extend(n.id for n in ast.walk(dead.value)
                              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
        return edits

    def _dead_assignment(self, name: str, scope: Scope, removed: List[ast.AST],
                         home: Tuple[ast.AST, str], fixed: ast.stmt) -> Optional[ast.Assign]:
        """The assignment of `name` (as read in `scope`) that no read outside `removed`
        needs, if it can go (see `_dead_assignments`): before `fixed` in `home`, the block
        of the fixed statement (which therefore never becomes empty)."""
        owner, bindings = self.model.lookup(name, scope)
        if owner is None or owner.kind != "function" or len(bindings) != 1:
            return None
        binding = bindings[0]
        statement = binding.node
        if binding.kind not in ("assign", "none") or not isinstance(statement, ast.Assign) \
                or len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            return None
        region = owner.node
        inside = {id(n) for r in removed for n in ast.walk(r)}
        for sub in ast.walk(region):
            if isinstance(sub, ast.Name) and sub.id == name and id(sub) not in inside and \
                    sub is not statement.targets[0]:
                return None  # read (or deleted) elsewhere
            if isinstance(sub, (ast.Global, ast.Nonlocal)) and name in sub.names:
                return None
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and \
                    sub.func.id in _INTROSPECTION:
                return None
        if self.model.block_of(statement) != home or statement.lineno >= fixed.lineno or \
                not self._pure(statement.value, owner):
            return None
        return statement

    def _pure(self, value: ast.expr, scope: Scope) -> bool:
        """Whether computing `value` has no effect but its result (and perhaps an
        exception): names, constants, operators, displays, subscripts, and calls of the
        table's library functions and array methods on such operands."""
        called = {id(n.func) for n in ast.walk(value) if isinstance(n, ast.Call)}
        for sub in ast.walk(value):
            if isinstance(sub, _PURE_NODES):
                continue
            if isinstance(sub, ast.Call):
                op = self.model.op(sub, scope)
                if op is None or op.form not in ("function", "method"):
                    return False  # a layer, a model, a function of unknown effect
                if any(k.arg == "out" for k in sub.keywords) or (
                        isinstance(sub.func, ast.Attribute) and sub.func.attr.endswith("_")):
                    return False  # writes into an array: `out=`, `x.exp_()`
                continue
            if isinstance(sub, ast.Attribute):
                if id(sub) in called or self.model.qualname(sub, scope) is not None:
                    continue  # checked with its call, or a module's attribute (`np.pi`)
                op = self.model.op(sub, scope)
                if op is not None and op.form == "operator":
                    continue  # `x.T`
            return False
        return True

    def _removal(self, statement: ast.stmt) -> Optional[Edit]:
        """The edit deleting `statement`'s lines, when it is alone on them (no `;`, no
        comment, no line continuation into another statement)."""
        text = self.source.text
        starts = self.source.line_starts
        first = starts[statement.lineno - 1]
        start, end = self.source.node_range(statement)
        last_row = statement.end_lineno or statement.lineno
        line_end = starts[last_row] if last_row < len(starts) else len(text)
        if text[first:start].strip() or text[end:line_end].strip():
            return None
        segment = text[start:end]
        if "#" in segment and self._drops_comment_in(statement):
            return None
        return Edit(first, line_end, "")

    def _drops_comment_in(self, statement: ast.stmt) -> bool:
        segment = self.source.segment(statement)
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
        except (tokenize.TokenError, SyntaxError):
            return True
        return any(t.type == tokenize.COMMENT for t in tokens)

    def _drops_comment(self, node: ast.expr, keep) -> bool:
        segment = self.source.segment(node)
        if "#" not in segment:
            return False
        start = self.source.node_range(node)[0]
        kept = [self.source.node_range(k) for k in keep]
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(f"({segment})").readline))
        except (tokenize.TokenError, SyntaxError):
            return True
        line_starts = SourceText(f"({segment})").line_starts
        for token in tokens:
            if token.type != tokenize.COMMENT:
                continue
            offset = start + line_starts[token.start[0] - 1] + token.start[1] - 1
            if not any(a <= offset < b for a, b in kept):
                return True
        return False

    # -- fixes that could break code that ran ---------------------------------------------------
    def _harmless(self, node: ast.AST, fix: Fix) -> bool:
        """Whether `fix` (of the finding at `node`) keeps working code working. It must not:

        * edit the expression of an f-string's `=` specifier (`f"{expr=}"` prints its text);
        * import a package the module does not import unconditionally at its top level (the
          importer never writes one; a fix built by hand could);
        * call the function that encloses the finding: a decomposition or reference
          implementation of the operation the fix would call (in torch's
          `@register_decomposition(aten.logsumexp) def logsumexp(self, ...)`,
          `self.logsumexp(...)` or `torch.logsumexp(...)` dispatches back to it). A name
          like an enclosing function's (`_operation_name`) counts for a method call (a
          tensor method dispatches to registered implementations), or for any call when a
          function around the finding is decorated (registered) or is a method;
        * rewrite an expression whose library is unknown: array-API code that calls
          functions on a namespace held in a name (`xp.std(x)`, `xp` a parameter).
        """
        for edit in fix.edits:
            for a, b in self._printed_ranges_around(edit.start, edit.end):
                if (a <= edit.start <= b) if edit.start == edit.end else \
                        (edit.start < b and a < edit.end):
                    return False
        enclosing, methods = self._enclosing_names(node)
        for edit in fix.edits:
            added = _import_packages(edit.content)
            if added is not None:
                if not all(self.importer.may_import(p) for p in added):
                    return False
                continue
            module = self._module_test(node) if methods else None
            if enclosing and (_called_names(edit.content, module)
                              - _called_names(self.source.text[edit.start:edit.end],
                                              module)) & enclosing:
                return False
        return not self._unknown_namespace(node)

    def _module_test(self, node: ast.AST) -> Callable[[str], bool]:
        """Whether a name, used where `node` is, refers to an imported module or package (or
        to nothing yet: a package the fix imports)."""
        scope = self.model.scope_of(node) or self.model.module_scope

        def test(name: str) -> bool:
            owner, bindings = self.model.lookup(name, scope)
            if not bindings:
                return name not in BUILTINS
            return not self.model.binding_summary(bindings)[1]  # imports (or `None`) only
        return test

    def _printed_ranges_around(self, start: int, end: int) -> List[Tuple[int, int]]:
        """The ranges an f-string prints (`_printed_ranges`) in the module's top-level
        statements that `[start, end]` touches: each statement is read once per module,
        whichever rule's fix asks, and only if the module has f-strings at all."""
        if not self._fact("has f-strings", lambda: bool(_F_STRING.search(self.source.text))):
            return []
        body = self.model.tree.body
        starts = self._fact("statement starts", lambda: [
            min([self.source.node_range(s)[0]] +
                [self.source.node_range(d)[0] for d in getattr(s, "decorator_list", ())])
            for s in body])
        first = max(bisect.bisect_right(starts, start) - 1, 0)
        last = max(bisect.bisect_right(starts, end) - 1, 0)
        ranges: List[Tuple[int, int]] = []
        for index in range(first, min(last, len(body) - 1) + 1):
            statement = body[index]
            ranges += self._fact(("f-string", index), lambda: self._printed_ranges(statement))
        return ranges

    def _printed_ranges(self, region: ast.AST) -> List[Tuple[int, int]]:
        """The source ranges whose text an f-string in `region` prints: the expression before
        a `=` specifier (`f"{x=}"`), and a whole f-string whose positions cannot be
        trusted."""
        ranges: List[Tuple[int, int]] = []
        text = self.source.text
        for node in ast.walk(region):
            if not isinstance(node, ast.JoinedStr):
                continue
            for part in node.values:
                if not isinstance(part, ast.FormattedValue):
                    continue
                value = part.value
                start, end = self.source.node_range(value)
                try:
                    same = ast.dump(ast.parse(f"({text[start:end]})", mode="eval").body) == \
                        ast.dump(value)
                except SyntaxError:
                    same = False
                if not same:
                    ranges.append(self.source.node_range(node))
                    continue
                after = end
                while after < len(text) and text[after] in " \t\r\n\f":
                    after += 1
                if text.startswith("=", after) and not text.startswith("==", after):
                    ranges.append((start, end))
        return ranges

    def _enclosing_names(self, node: ast.AST) -> Tuple[set, bool]:
        """The operations the functions around `node` may implement, by name: their names
        without affixes (`_logsumexp_ref` -> `logsumexp`) and the names their decorators
        register them for (`@register_decomposition(aten.logsumexp)`); and whether only
        method calls can reach them (no function around `node` is decorated or a method:
        `torch.nn.functional.softplus` cannot call a user's plain `def softplus`)."""
        scope = self.model.scope_of(node) if isinstance(node, ast.expr) else None
        if scope is None:
            statement = self.model.statement_of(node)
            scope = self.model.scope_of(statement) if statement is not None else None
        names = set()
        methods = True
        while scope is not None:
            function = scope.node
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(_operation_name(function.name))
                if function.decorator_list or \
                        (scope.parent is not None and scope.parent.kind == "class"):
                    methods = False
                for decorator in function.decorator_list:
                    for sub in ast.walk(decorator):
                        if isinstance(sub, ast.Attribute):
                            names.add(_operation_name(sub.attr))
            scope = scope.parent
        names.discard("")
        return names, methods

    def _unknown_namespace(self, node: ast.AST) -> bool:
        """Whether `node` calls functions through a name that holds an array namespace of
        unknown library (`xp.std(x)`, `xp` a parameter or `array_namespace(x)`), which the
        model reads as methods of an array `xp`: the library of the expression is unknown."""
        for sub in ast.walk(node):
            if not (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                    and isinstance(sub.func.value, ast.Name) and sub.args):
                continue
            receiver = sub.func.value
            scope = self.model.scope_of(sub)
            if scope is None or self.model.name_qualname(receiver.id, scope) is not None:
                continue
            op = self.model.op(sub, scope)
            if op is None or op.form != "method" or op.spec is None or op.args is None:
                continue
            # What the model read as the axis of a method of the array `xp` is an array
            # passed to a function of the namespace `xp` (`x.sum(1)` is an axis).
            axis = op.args.get(op.spec.roles.axis or "")
            if axis is None or _literal(axis) or not any(axis is a for a in sub.args):
                continue
            owner = self.model.lookup(receiver.id, scope)[0] or scope
            region = owner.node
            if not self._fact(("namespace", receiver.id, region),
                              lambda: _only_attribute_base(receiver.id, region)):
                continue
            if receiver.id in _NAMESPACE_NAMES or (
                    isinstance(axis, ast.Name) and self._fact(
                        ("operand", axis.id, region),
                        lambda: _arithmetic_operand(axis.id, region))):
                return True
        return False

    # -- reporting -------------------------------------------------------------------------------
    def report(self, node: ast.AST, message: str, fix: Optional[Fix] = None) -> None:
        rule = self.rule
        assert rule is not None, "report() is called from a rule's check"
        start, end = self.source.node_range(node)
        if fix is not None and not self._harmless(node, fix):
            fix = None
        self.diagnostics.append(Diagnostic(
            code=rule.code,
            name=rule.name,
            message=message,
            path=self.path,
            start=self.source.position(start),
            end=self.source.position(end),
            fix=fix,
            offset=(start, end),
        ))


# Affixes of the names of functions that implement an operation (`_logsumexp_ref`,
# `log_softmax_decomposition`, `naive_logsumexp`): `_operation_name` drops them.
_AFFIXES = frozenset({"ref", "reference", "impl", "implementation", "decomp", "decomposition",
                      "naive", "default", "fallback", "fn", "func", "op", "kernel", "prim",
                      "composite", "eager", "generic", "python", "py"})


def _operation_name(name: str) -> str:
    words = [w for w in name.lower().split("_") if w]
    core = [w for w in words if w not in _AFFIXES]
    return "_".join(core)


def _called_names(text: str, module: Optional[Callable[[str], bool]] = None) -> set:
    """The names of the functions and methods `text` (an expression) calls, as
    `_operation_name`s (`np.logaddexp.reduce(x)`: `logaddexp` and `reduce`); given `module`,
    which says whether a name is a module, only the methods of arrays (`x.logsumexp(1)`, not
    `torch.logsumexp(x, 1)`). Empty if `text` is not an expression."""
    tree = _parse_expression(text)
    if tree is None:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if module is not None:  # methods only: not a function of a module
                if isinstance(func, ast.Attribute) and not _dotted_module(func.value, module):
                    names.add(_operation_name(func.attr))
                continue
            while isinstance(func, ast.Attribute):
                names.add(_operation_name(func.attr))
                func = func.value
            if isinstance(func, ast.Name) and isinstance(node.func, ast.Name):
                names.add(_operation_name(func.id))
    names.discard("")
    return names


def _dotted_module(node: ast.expr, module: Callable[[str], bool]) -> bool:
    """Whether `node` names a module: `torch`, `jax.nn`, `tf.math` (a name `module` says is
    one, or a dotted path of names)."""
    if isinstance(node, ast.Attribute):
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name)
    return isinstance(node, ast.Name) and module(node.id)


def _import_packages(text: str) -> Optional[Set[str]]:
    """The top-level packages `text` imports if it is import statements only, else None."""
    if "import" not in text:
        return None
    try:
        tree = ast.parse(text.strip())
    except SyntaxError:
        return None
    if not tree.body or not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body):
        return None
    packages: Set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            packages.update(a.name.partition(".")[0] for a in statement.names)
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and \
                statement.module:
            packages.add(statement.module.partition(".")[0])
    return packages


def _literal(node: ast.expr) -> bool:
    """An axis-like literal: `1`, `-1`, `(0, 1)`, `None`, `True`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_literal(e) for e in node.elts)
    return isinstance(node, ast.Constant)


# Names array-API code gives the namespace of its arrays (`xp = array_namespace(x)`).
_NAMESPACE_NAMES = frozenset({"xp", "xnp", "anp", "onp", "tnp", "nx", "backend", "namespace"})


def _arithmetic_operand(name: str, region: ast.AST) -> bool:
    """Whether `name` is an operand of arithmetic in `region` (`x - m`): an array, not an
    axis."""
    for node in ast.walk(region):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod) and any(
                isinstance(side, ast.Name) and side.id == name
                for side in (node.left, node.right)):
            return True
    return False


def _only_attribute_base(name: str, region: ast.AST) -> bool:
    """Whether every read of `name` in `region` is `name.attribute`: a namespace, never an
    array operand."""
    parents: Dict[ast.AST, ast.AST] = {}
    for node in ast.walk(region):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    uses = [n for n in ast.walk(region)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    return bool(uses) and all(isinstance(parent := parents.get(n), ast.Attribute) and
                              parent.value is n for n in uses)


# The opening of an f-string (`f"`, `rf'`, `FR"`, ...): a module without one prints no code.
_F_STRING = re.compile(r"(?i)(?:f|fr|rf)['\"]")

# Expressions whose parentheses a replacement that is a primary makes redundant.
_OPERATOR_EXPRESSIONS = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp)
_BLANKS = " \t\f\r\n"
# Calls that read a function's local names by their text.
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec", "dir"})
# Nodes that compute nothing with effects (a call or an attribute is checked on its own).
_PURE_NODES = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
               ast.IfExp, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Subscript, ast.Slice,
               ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context,
               ast.keyword)


def _primary(text: str) -> bool:
    """Whether `text`, as it is (not stripped: a line break outside brackets does not
    parse), is a call, a name, an attribute or a subscript: an expression that binds as
    tightly as any, so that parentheses around it are never needed."""
    try:
        expr = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(expr, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)) and \
        text == text.strip()


def _glued(char: str) -> bool:
    """Whether `char` would join a name or a keyword next to it into one token."""
    return char.isalnum() or char == "_" or char in "'\""


def _call_parenthesis(text: str, position: int) -> Optional[int]:
    """The offset of a call's opening parenthesis, the first `(` from `position` (the end
    of the called expression: only blanks, its closing parentheses, comments and line
    continuations can come between)."""
    while position < len(text):
        char = text[position]
        if char == "(":
            return position
        if char == "#":
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
        else:
            position += 1
    return None


def _names_read(text: str) -> Optional[Set[str]]:
    """The names an expression's text reads; None if it is not an expression."""
    tree = _parse_expression(text)
    if tree is None:
        return None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _parse_expression(text: str) -> Optional[ast.Expression]:
    """`text` parsed as an expression (also one that spans lines outside brackets, as a
    replacement may), or None if it is not one."""
    try:
        return ast.parse(text.strip() or "None", mode="eval")
    except SyntaxError:
        try:
            return ast.parse(f"({text.strip()})", mode="eval")
        except SyntaxError:
            return None


# Contexts in which a replacement that is not an atom must be parenthesised.
_TIGHT_PARENTS = (ast.BinOp, ast.UnaryOp, ast.Attribute, ast.Subscript, ast.Await,
                  ast.Compare, ast.BoolOp)


def _needs_parentheses(node: ast.expr, parent: Optional[ast.AST], text: str) -> bool:
    if parent is None or not isinstance(parent, _TIGHT_PARENTS + (ast.Call,)):
        return False
    if isinstance(parent, ast.Call) and parent.func is not node:
        return False
    try:
        expr = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return True
    return not isinstance(expr, (ast.Call, ast.Name, ast.Attribute, ast.Subscript,
                                 ast.Constant, ast.List, ast.Tuple, ast.Dict))
