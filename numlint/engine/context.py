"""The context a rule sees while checking one module: the semantic model, the source, the
emitter of stable replacements, and the list of findings."""

from __future__ import annotations

import ast
import io
import tokenize
from typing import TYPE_CHECKING, Any, Callable, Dict, Hashable, List, Optional, Tuple, TypeVar

from numlint.engine.diagnostic import Diagnostic
from numlint.engine.emit import Emitter, Replacement
from numlint.engine.fix import Applicability, Edit, Fix
from numlint.engine.importer import Importer
from numlint.engine.semantic.dataflow import Origin
from numlint.engine.semantic.model import SemanticModel, Op, Scope, unify_frameworks
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

    def release(self) -> None:
        """Drop what the context holds of the module's tree."""
        self._memo.clear()

    # -- the model ------------------------------------------------------------------------------
    def op(self, expr: Optional[ast.expr], scope: Optional[Scope] = None) -> Optional[Op]:
        return self.model.op(expr, scope)

    def origin(self, expr: Optional[ast.expr], scope: Optional[Scope] = None):
        """Where the value of `expr` comes from: follows names and `self.` attributes to the
        expression assigned to them (`numlint.engine.semantic.dataflow.Origin`: `expr`, `scope`, `remote`,
        `op`). None for None."""
        if expr is None:
            return None
        return self.model.origin(expr, scope)

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
        if replacement is None:
            return None
        message = message.format(callee=replacement.callee)
        start, end = self.source.node_range(node)
        text = replacement.text
        if _needs_parentheses(node, self.model.parent_of(node), text):
            text = f"({text})"
        if applicability is Applicability.SAFE and self._drops_comment(node, replacement.copied):
            applicability = Applicability.UNSAFE
            message += " (removes a comment)"
        edits = (Edit(start, end, text),) + tuple(replacement.imports)
        return Fix(applicability, message, edits)

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

    # -- reporting -------------------------------------------------------------------------------
    def report(self, node: ast.AST, message: str, fix: Optional[Fix] = None) -> None:
        rule = self.rule
        assert rule is not None, "report() is called from a rule's check"
        start, end = self.source.node_range(node)
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
