"""What a rule is: its identity, documentation, examples, detector and fix.

A rule is a subclass of `Rule` in one file of `rules/`. The engine calls `check(op, ctx)` for
every canonical operation whose kind the rule lists in `operations`; the rule inspects the
operation and its operands through `ctx` and reports findings, each with an optional fix built
from a stable replacement that `ctx` emits in the framework of the code.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from dataclasses import dataclass
from typing import ClassVar, List, Optional, Tuple

from numlint.diagnostic import Diagnostic
from numlint.emit import Arg, Emitter, Replacement
from numlint.fix import Applicability, Edit, Fix
from numlint.importer import Importer
from numlint.model import Model, Op, Scope, unify_frameworks
from numlint.proof import Proof
from numlint.source import SourceText

# -- examples ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A module that shows the rule: `code` with the hazard (or, if `good`, without one) and
    `fixed`, the exact output of the fixer on it. Examples are the rule's tests and the source
    of its documentation."""

    framework: str
    code: str
    fixed: Optional[str] = None
    good: bool = False
    unsafe: bool = False  # the fix is applied only with --unsafe-fixes
    title: str = ""
    proof: Optional[Proof] = None  # how to execute it (see numlint.proof)


def _module(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def bad(framework: str, code: str, fixed: Optional[str] = None, *, unsafe: bool = False,
        title: str = "", proof: Optional[Proof] = None) -> Example:
    """An example the rule reports; `fixed` is what the fixer makes of it (None: no fix);
    `proof` says how to execute it, to prove the fix (see `numlint.proof`)."""
    return Example(framework, _module(code), _module(fixed) if fixed is not None else None,
                   unsafe=unsafe, title=title, proof=proof)


def good(framework: str, code: str, *, title: str = "") -> Example:
    """An example the rule must not report."""
    return Example(framework, _module(code), good=True, title=title)


# -- rules ----------------------------------------------------------------------------------------


class Rule:
    """Base class of every rule. Subclasses fill in the class attributes and `check`."""

    code: ClassVar[str]
    name: ClassVar[str]                 # kebab-case slug of the flagged pattern
    summary: ClassVar[str]              # one line, for `numlint rules`
    what: ClassVar[str] = ""            # documentation: What it does
    why: ClassVar[str] = ""             # Why is this bad? (with the input that breaks it)
    fix_safety: ClassVar[str] = ""      # Fix safety
    references: ClassVar[Tuple[str, ...]] = ()
    frameworks: ClassVar[Tuple[str, ...]] = ()
    fixable: ClassVar[str] = "sometimes"  # "always", "sometimes" or "never"
    operations: ClassVar[Tuple[str, ...]] = ()  # kinds of operations `check` is called on
    # For the prefilter: sets of operation kinds that must all occur in a file for the rule to
    # possibly fire (any one set suffices).
    requires: ClassVar[Tuple[Tuple[str, ...], ...]] = ()
    examples: ClassVar[Tuple[Example, ...]] = ()
    meta: ClassVar[bool] = False        # NL9xx: reports about files, not code

    def check(self, op: Op, ctx: "Context") -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.code} {self.name}>"


# -- the context a rule sees ------------------------------------------------------------------


class Context:
    """Everything a rule may ask while checking one module."""

    def __init__(self, model: Model, source: SourceText, path: str):
        self.model = model
        self.source = source
        self.path = path
        self.importer = Importer(model, source)
        self.emitter = Emitter(model, source, self.importer)
        self.diagnostics: List[Diagnostic] = []
        self.rule: Optional[Rule] = None

    # -- the model ------------------------------------------------------------------------------
    def op(self, expr: Optional[ast.expr], scope: Optional[Scope] = None) -> Optional[Op]:
        return self.model.op(expr, scope)

    def origin(self, expr: Optional[ast.expr], scope: Optional[Scope] = None):
        """Where the value of `expr` comes from: follows names and `self.` attributes to the
        expression assigned to them (`numlint.dataflow.Origin`: `expr`, `scope`, `remote`,
        `op`). None for None."""
        if expr is None:
            return None
        return self.model.origin(expr, scope)

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


__all__ = ["Rule", "Example", "Context", "bad", "good", "Applicability", "Arg", "Proof"]
