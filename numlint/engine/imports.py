"""Import clean-up after fixes.

A fix replaces an expression; the names it no longer uses may leave imports behind
(`np.log(softmax(z))` → `log_softmax(z)` leaves `import numpy as np` and
`from scipy.special import softmax` unused), and the import it adds may belong in an existing
`from` import. `complete(text, edits)` returns a fix's edits plus the import edits they call
for, as edits on the same text, so that they are part of the fix that caused them (in the
JSON `edits`, in `--diff`, in the fixed file):

* **Removed**: each import binding that is unused after the edits and was not unused before
  them (used before, or added by the edits). Usage is libcst's `ScopeProvider`'s (replicated
  on `ast`: numlint/engine/import_scopes.py): an import is used if any import of its name in
  its scope has a reference (as `libcst.codemod.visitors.GatherUnusedImportsVisitor` decides
  it), or if the name is listed in `__all__`, appears in a string annotation or a `# type:`
  comment, or is in `keep` (a notebook's IPython lines). Never removed: an import carrying
  `# noqa` (bare or naming F401), one in the body of a `try` whose handler catches a failed
  import (the `try` tests availability), one at module level of a package's `__init__.py` (a
  re-export), `__future__` imports, star imports, any import of a module that calls
  `locals()`, `globals()`, `vars()`, `eval` or `exec`, and any import in a one-line suite
  holding several statements. A removed import's own line goes (the comments above it stay);
  a block left empty gets `pass`.
* **Merged**: a `from m import a` the edits added at module level goes into the module's
  existing unconditional, module-level `from m import ...` above it, in that statement's
  layout (one line or parenthesized, its commas), in its order if its names are sorted
  (appended otherwise) — unless the module writes one name per `from` statement (two
  statements from one module), the statement is a parenthesized import of one name, or the
  merged line would be longer than the module's longest line (at least 79).

How, in proportion to the module and to the number of fixes. The module's text is analysed
once (`import_scopes.analyse`: one `ast` parse and one walk; kept for the last text, whose
fixes the JSON and SARIF outputs and an editor's code actions complete one after another):
which accesses reference which imports, and the scope and binding count at each expression
that is not part of a larger one. A fix's usage is then derived from it: the accesses inside
the expressions the fix rewrites are taken away, the names of the rewritten expressions are
resolved where they stand (as libcst would in the fixed text), the statements it deletes
inside a definition (assignments it folds into the expression that used them) take their
accesses with them, and the imports it adds between top-level statements are bound there. A
fix this derivation does not cover (one that rewrites a binding, a lambda or comprehension, an
annotation, a string that could be a type, a `# type:` comment, a compound statement, or adds
an import elsewhere) is answered by analysing the text after it instead (one more `ast`
analysis). The import statements that change are rewritten
by libcst's transformer on a window of the text: the top-level statements around them (the
one before, for the layout of the lines above a removed statement, and a stand-in for the one
after), so that libcst never reads the whole module. The window's changed lines become edits
on the text after the fix, composed with the fix's edits into edits on the original text; the
rewritten windows and the statements the fix changed must parse. If anything fails, the fix's
own edits are returned unchanged. libcst is imported only here, and this module only when a
fix is applied or shown: checking never loads it.
"""

from __future__ import annotations

import ast
import bisect
import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from numlint.engine import import_scopes as scopes
from numlint.engine.fix import Edit, apply_edits, matched_lines
from numlint.engine.source import line_starts

_DYNAMIC = frozenset({"locals", "globals", "vars", "eval", "exec"})
_TYPE_COMMENT = re.compile(r"#\s*type:(.*)")
_WORDS = re.compile(r"\w+")  # what `\b` delimits
_NAME = re.compile(r"(?<![.\w])[A-Za-z_][A-Za-z0-9_]*")  # a word that is not an attribute
_LINE_END = re.compile(r"\r\n|\r|\n")
_HINTS = frozenset({"cast", "TypeVar", "NewType", "ForwardRef"})
_NEW_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
               ast.NamedExpr)


def complete(text: str, edits: Iterable[Edit], path: str = "<unknown>",
             keep: FrozenSet[str] = frozenset()) -> List[Edit]:
    """`edits` (non-overlapping edits of `text`) and the import clean-up they call for, as
    non-overlapping edits of `text`. Names in `keep` are never removed."""
    edits = sorted(set(edits))
    if not edits:
        return edits
    try:
        regions = _regions(edits)
        if not _may_need(text, regions):
            return edits  # (nothing here reads all of `text` again: JSON output asks per fix)
        key = (tuple(edits), path, keep)
        last = _completed(text)
        if key in last.fixes:
            return list(last.fixes[key])  # asked again (an editor's code actions at each move)
        last.fixes[key] = _complete(text, edits, regions, path, keep)
        return list(last.fixes[key])
    except Exception:  # a clean-up that fails leaves the fix as the rule made it
        return edits


def apply(text: str, edits: Iterable[Edit], path: str = "<unknown>",
          keep: FrozenSet[str] = frozenset()) -> str:
    """`text` with `edits` and their import clean-up applied."""
    return apply_edits(text, complete(text, edits, path, keep))


class _Completed:
    """The last text completed: its analysis (by path and kept names), the keys of the
    imports already unused in it, and its fixes as completed."""

    __slots__ = ("text", "analyses", "fixes")

    def __init__(self, text: Optional[str] = None):
        self.text = text
        self.analyses: Dict[tuple, Tuple[scopes.Analysis, Counter]] = {}
        self.fixes: Dict[tuple, List[Edit]] = {}


def _completed(text: str) -> _Completed:
    global _LAST
    if _LAST.text is not text and _LAST.text != text:
        _LAST = _Completed(text)
    return _LAST


_LAST = _Completed()


def _before(text: str, path: str, keep: FrozenSet[str]) -> Tuple[scopes.Analysis, Counter]:
    """The analysis of the text before the fixes, and the keys of its unused imports: once
    per text (and path and kept names)."""
    last = _completed(text)
    found = last.analyses.get((path, keep))
    if found is None:
        analysis = scopes.analyse(text, path, keep)
        unused = Counter(b.key for b in analysis.bindings if not analysis.in_use(b))
        found = last.analyses[(path, keep)] = (analysis, unused)
    return found


# -- the fix's usage ------------------------------------------------------------------------------

@dataclass
class _Statement:
    """An import statement of the text after the fix (offsets in that text)."""

    start: int
    end: int
    module_level: bool
    module: Optional[str]
    is_from: bool
    in_suite: bool
    inserted: bool
    origin: Any = None   # its `import_scopes.Statement` (in the analysis it comes from)


@dataclass
class _After:
    """What the plan needs of the text after the fix."""

    text: Optional[str]                              # made when a clean-up needs it
    candidates: List[Tuple[_Statement, int, tuple]]   # unused, removable: (statement, alias, key)
    inserted: List[_Statement]
    statements: Any                                  # () -> module-level `from` statements
    units: "_Units"


def _complete(text: str, edits: List[Edit], regions, path: str,
              keep: FrozenSet[str]) -> List[Edit]:
    """The edits with their clean-up (`complete`, which catches what this raises)."""
    before, already = _before(text, path, keep)
    after = _derived(before, text, edits, regions, path, keep)
    if after is None:
        after = _analysed(apply_edits(text, edits), regions, path, keep)
    removals: Dict[int, Tuple[_Statement, Set[int]]] = {}
    for statement, index, key in after.candidates:
        if already[key]:
            continue
        removals.setdefault(statement.start, (statement, set()))[1].add(index)
    if not removals and not any(s.is_from for s in after.inserted):
        return edits  # (the text after the fix is not even made)
    if after.text is None:
        after.text = after.units.text = apply_edits(text, edits)
    after_text = after.text
    merges, dropped = _plan_merges(after, removals)
    if not removals and not merges:
        return edits
    cleanup = _rewrite_windows(after, removals, merges, dropped)
    if not cleanup:
        return edits
    composed = _compose(edits, after_text, cleanup)
    result = apply_edits(text, composed)
    if result != apply_edits(after_text, cleanup):
        return edits  # the composition must mean the edits, then the clean-up
    _check_parses(result, after, regions, cleanup)
    return composed


def _analysed(after_text: str, regions, path: str, keep: FrozenSet[str]) -> _After:
    """The usage after the fix by analysing the text after it (a fix `_derived` does not
    cover)."""
    analysis = scopes.analyse(after_text, path, keep)
    statements = [_Statement(s.start, s.end, s.module_level, s.module, s.is_from, s.in_suite,
                             any(a <= s.start and s.end <= b for a, b, _ in regions), s)
                  for s in analysis.statements]
    by_origin = {id(s.origin): s for s in statements}
    candidates = [(by_origin[id(b.statement)], b.index, b.key) for b in analysis.bindings
                  if b.removable and not analysis.in_use(b)]
    inserted = [s for s in statements if s.inserted]
    units = _Units(after_text, [(u.start, u.end) for u in analysis.units])
    return _After(after_text, candidates, inserted,
                  lambda: [s for s in statements if s.module_level and s.is_from], units)


def _derived(before: scopes.Analysis, text: str, edits: List[Edit], regions, path: str,
             keep: FrozenSet[str]) -> Optional[_After]:
    """The usage after the fix from the analysis of the text before it, or None where the fix
    is not one this covers (see the module's docstring)."""
    expressions: Dict[int, Tuple[scopes.Expression, List[Edit]]] = {}
    added: List[Tuple[Edit, List[ast.stmt]]] = []
    deleted: List[Edit] = []
    for edit in edits:
        if "#" in edit.content or "type:" in edit.content:
            return None
        statements = _added_imports(before, text, edit)
        if statements is not None:
            added.append((edit, statements))
            continue
        if _deleted_statements(before, text, edit):
            deleted.append(edit)
            continue
        expression = _expression_of(before, edit)
        if expression is None or _touches_type_comment(text, edit):
            return None
        expressions.setdefault(id(expression), (expression, []))[1].append(edit)
    # An expression holding another's: the outer one is rewritten with both.
    outer: List[Tuple[scopes.Expression, List[Edit]]] = []
    for expression, group in sorted(expressions.values(), key=lambda item: (
            item[0].start, -item[0].end)):
        if outer and outer[-1][0].start <= expression.start and \
                expression.end <= outer[-1][0].end:
            outer[-1][1].extend(group)
        else:
            outer.append((expression, list(group)))
    # The bindings the fix adds (names bound nowhere else in the module).
    extra: Dict[str, int] = {}
    new_bindings: List[Tuple[_Statement, int, tuple, Tuple[str, ...]]] = []
    inserted: List[_Statement] = []
    lines: List[Tuple[int, int]] = []   # the lines of the inserted statements
    shift = _Shift(regions)
    for edit, statements in added:
        base = shift.start_of(edit)
        rows = line_starts(edit.content)
        for node in statements:
            assert isinstance(node, (ast.Import, ast.ImportFrom))
            end_row: int = node.end_lineno  # type: ignore[assignment]
            start = base + rows[node.lineno - 1]
            end = base + rows[end_row - 1] + _characters(
                edit.content, rows, end_row, node.end_col_offset)  # type: ignore[arg-type]
            module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 \
                else None
            statement = _Statement(start, end, True, module, isinstance(node, ast.ImportFrom),
                                   False, True)
            inserted.append(statement)
            lines.append((start, base + (rows[end_row] if end_row < len(rows)
                                         else len(edit.content))))
            for index, alias in enumerate(node.names):
                bound, imported, names = scopes.alias_binding(node, module, alias)
                for name in names:
                    if name in before.assigned or name.partition(".")[0] in before.read or \
                            _is_builtin(name.partition(".")[0]):
                        return None
                    extra[name] = min(extra.get(name, edit.start), edit.start)
                removable = not (before.dynamic or _package_init(path))
                new_bindings.append((statement, index, ((), bound, imported), names)
                                    if removable else (statement, -1, (), names))
    # The accesses the rewritten expressions lose, and those they make.
    lost: Dict[Tuple[int, str], int] = {}
    sets: Dict[Tuple[int, str], Any] = {}
    made: Set[Tuple[int, str]] = set()
    for expression, group in outer:
        old = text[expression.start:expression.end]
        new = apply_edits(old, [Edit(e.start - expression.start, e.end - expression.start,
                                     e.content) for e in group])
        old_tree = _expression_tree(old)
        new_tree = _expression_tree(new)
        if old_tree is None or new_tree is None or _special(old_tree) or _special(new_tree):
            return None
        if _overlaps(before.protected_spans, expression.start, expression.end):
            return None
        low = bisect.bisect_left(before.access_offsets, expression.start)
        high = bisect.bisect_left(before.access_offsets, expression.end)
        for offset, (scope, name) in before.accesses[low:high]:
            key = (id(scope), name)
            lost[key] = lost.get(key, 0) + 1
            sets[key] = (scope, name)
        for name in _reads(new_tree, expression.scope, extra):
            for target, offsets in scopes.supports(
                    before, expression.scope, name, [(expression.start, expression.count)],
                    extra or None):
                if offsets:
                    made.add((id(target), name))
    for edit in deleted:
        low = bisect.bisect_left(before.access_offsets, edit.start)
        high = bisect.bisect_left(before.access_offsets, edit.end)
        for offset, (scope, name) in before.accesses[low:high]:
            key = (id(scope), name)
            lost[key] = lost.get(key, 0) + 1
            sets[key] = (scope, name)
    # The sets of bindings left without a reference, and their unused imports.
    candidates: List[Tuple[_Statement, int, tuple]] = []
    unreferenced: Set[Tuple[int, str]] = set()
    for key, count in lost.items():
        if key in made:
            continue
        if len(before.support.get(key, ())) - count <= 0:
            unreferenced.add(key)
    if unreferenced:
        statements_after: Dict[int, _Statement] = {}
        seen: Set[int] = set()
        for key in unreferenced:
            scope, name = sets[key]
            for binding in before.users.get(key, ()):
                if id(binding) in seen or not binding.removable:
                    continue
                seen.add(id(binding))

                def support(scope_, name_, binding=binding) -> bool:
                    k = (id(scope_), name_)
                    if k in made:
                        return True
                    if k in unreferenced:
                        return False
                    return bool(before.support.get(k))

                if before.in_use(binding, support):
                    continue
                origin = binding.statement
                found = statements_after.get(id(origin))
                if found is None:
                    start = shift.to_after(origin.start)
                    found = statements_after[id(origin)] = _Statement(
                        start, start + origin.end - origin.start, origin.module_level,
                        origin.module, origin.is_from, origin.in_suite, False, origin)
                candidates.append((found, binding.index, binding.key))
    for statement, index, key, names in new_bindings:
        if index < 0:
            continue
        if any(n in before.protected or n.partition(".")[0] in before.protected
               for n in names):
            continue
        if any((id(before.module), n) in made for n in names):
            continue
        candidates.append((statement, index, key))
    units = _Units(None, None, before, shift, lines)

    def module_from_statements() -> List[_Statement]:
        found = [s for s in inserted if s.is_from]
        for origin in before.statements:
            if origin.module_level and origin.is_from:
                start = shift.to_after(origin.start)
                found.append(_Statement(start, start + origin.end - origin.start, True,
                                        origin.module, True, False, False, origin))
        return sorted(found, key=lambda s: s.start)

    return _After(None, candidates, inserted, module_from_statements, units)


def _characters(text: str, rows: List[int], row: int, column: int) -> int:
    """A UTF-8 column of a row of `text` in characters."""
    line = text[rows[row - 1]:rows[row] if row < len(rows) else len(text)]
    return column if line.isascii() else len(line.encode("utf-8")[:column].decode("utf-8"))


def _is_builtin(name: str) -> bool:
    import builtins
    return hasattr(builtins, name)


def _package_init(path: str) -> bool:
    return path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"


def _added_imports(before: scopes.Analysis, text: str, edit: Edit) -> Optional[List[ast.stmt]]:
    """The import statements an edit inserts as whole lines between the module's top-level
    statements, or None."""
    content = edit.content
    if edit.start != edit.end or "import" not in content or \
            not content.endswith(("\n", "\r")) or \
            (edit.start > 0 and text[edit.start - 1] not in "\r\n"):
        return None
    try:
        statements = ast.parse(content).body
    except SyntaxError:
        return None
    if not statements or any(not isinstance(s, (ast.Import, ast.ImportFrom)) or s.col_offset
                             or (isinstance(s, ast.ImportFrom) and (
                                 s.module == "__future__" or
                                 any(a.name == "*" for a in s.names)))
                             for s in statements):
        return None
    units = before.units
    index = bisect.bisect_right(before.unit_starts, edit.start) - 1
    if index >= 0 and units[index].start < edit.start < units[index].end:
        return None  # inside a statement
    return statements


_DELETABLE = (ast.Assign, ast.AugAssign, ast.Expr, ast.Pass)


def _deleted_statements(before: scopes.Analysis, text: str, edit: Edit) -> bool:
    """Whether an edit deletes whole lines of simple statements inside a top-level statement
    (a fix folding `e = np.exp(x)` into the expression that used `e`): assignments of names
    no import binds, and expressions, with no scope of their own, cut through no expression.
    Such a deletion takes its accesses away and changes no binding an import's use depends
    on (the binding counts after it shift alike)."""
    start, end = edit.start, edit.end
    if edit.content or start >= end or (start > 0 and text[start - 1] not in "\r\n") or \
            text[end - 1] not in "\r\n":
        return False
    units = before.units
    index = bisect.bisect_right(before.unit_starts, start) - 1
    if index < 0 or not units[index].start < start or end > units[index].end:
        return False
    deleted = text[start:end]
    if _TYPE_COMMENT.search(deleted) or "__all__" in deleted:
        return False
    try:
        statements = ast.parse(textwrap.dedent(deleted)).body
    except (SyntaxError, ValueError):
        return False
    for statement in statements:
        if not isinstance(statement, _DELETABLE):
            return False
        for node in ast.walk(statement):
            if isinstance(node, _NEW_SCOPES):
                return False
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and (
                    node.id in before.imported or not isinstance(node.ctx, ast.Store)):
                return False
            if isinstance(node, ast.Call) and (scopes._full_name(node.func) or "") in _DYNAMIC:
                return False
    if _overlaps(before.protected_spans, start, end):
        return False
    # No expression of the text crosses the deleted lines' bounds.
    expressions = before.expressions
    first = bisect.bisect_left(before.expression_starts, start)
    last = bisect.bisect_left(before.expression_starts, end)
    if any(e.end > end for e in expressions[first:last]):
        return False
    around = _expression_of(before, Edit(start, start, ""), plain_only=False)
    return around is None or around.start >= start


def _expression_of(before: scopes.Analysis, edit: Edit,
                   plain_only: bool = True) -> Optional[scopes.Expression]:
    """The innermost expression whose parent is not an expression that holds the edit, if
    it is plain (not under an attribute, not in an annotation or a type hint)."""
    starts = before.expression_starts
    index = bisect.bisect_right(starts, edit.start) - 1
    unit = bisect.bisect_right(before.unit_starts, edit.start) - 1
    floor = before.units[unit].start if unit >= 0 else 0
    while index >= 0:
        expression = before.expressions[index]
        if expression.start < floor:
            return None
        if expression.start <= edit.start and edit.end <= expression.end:
            return expression if expression.plain or not plain_only else None
        index -= 1
    return None


def _touches_type_comment(text: str, edit: Edit) -> bool:
    """Whether a line the edit is on holds a `# type:` comment (its names are protected)."""
    line_start = max(text.rfind("\n", 0, edit.start), text.rfind("\r", 0, edit.start)) + 1
    match = _LINE_END.search(text, edit.end)
    line_end = match.start() if match else len(text)
    return bool(_TYPE_COMMENT.search(text, line_start, line_end))


def _overlaps(spans: Sequence[Tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in spans)


def _expression_tree(code: str) -> Optional[ast.AST]:
    try:
        return ast.parse("(" + code + "\n)", mode="eval")
    except (SyntaxError, ValueError):
        return None


def _special(tree: ast.AST) -> bool:
    """Whether an expression binds a name, opens a scope, may hold a type in a string, is
    protected by `_protected_names`, or calls what makes the module dynamic."""
    for node in ast.walk(tree):
        if isinstance(node, _NEW_SCOPES):
            return True
        if isinstance(node, ast.Name) and (node.id == "__all__" or
                                           not isinstance(node.ctx, ast.Load)):
            return True
        if isinstance(node, ast.Call):
            name = scopes._full_name(node.func) or ""
            if name.rpartition(".")[2] in _HINTS or name in _DYNAMIC:
                return True
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and any(
                isinstance(inner, ast.Constant) and isinstance(inner.value, (str, bytes))
                for inner in ast.walk(node.slice)):
            return True
    return False


def _reads(tree: ast.AST, scope: scopes.Scope, extra) -> List[str]:
    """The names an expression reads, each as libcst names it (the longest dotted prefix of
    its attribute chain that the scope binds)."""
    found: List[str] = []
    stack: List[Tuple[ast.AST, Optional[ast.Attribute]]] = [(tree, None)]
    overlay: Optional[Dict[str, Any]] = {name: [] for name in extra} if extra else None
    while stack:
        node, attribute = stack.pop()
        if isinstance(node, ast.Name):
            name = node.id
            if attribute is not None:
                for dotted in scopes._dotted_names(attribute):
                    if scopes.contains(scope, dotted, overlay):
                        name = dotted
                        break
            found.append(name)
            continue
        if isinstance(node, ast.Attribute):
            stack.append((node.value, attribute if attribute is not None else node))
            continue
        if isinstance(node, ast.Call):
            stack.append((node.func, None))
            stack.extend((a, None) for a in node.args)
            stack.extend((k.value, None) for k in node.keywords)
            continue
        stack.extend((child, attribute) for child in ast.iter_child_nodes(node))
    return found


class _Shift:
    """Offsets of the text before the edits as offsets of the text after them."""

    def __init__(self, regions):
        self.regions = regions
        self.starts = [edit.start for _, _, edit in regions]

    def to_after(self, offset: int) -> int:
        """An offset outside the edits (or at an edit's start)."""
        index = bisect.bisect_right(self.starts, offset) - 1
        while index >= 0 and self.regions[index][2].start == offset and \
                self.regions[index][2].end > offset:
            index -= 1  # (at an edit's start: before it)
        if index < 0:
            return offset
        start, end, edit = self.regions[index]
        if offset < edit.end:
            return start  # inside an edit: its start
        return end + (offset - edit.end)

    def start_of(self, edit: Edit) -> int:
        for start, _, e in self.regions:
            if e is edit:
                return start
        raise KeyError(edit)

    def start_of_offset(self, offset: int) -> int:
        index = bisect.bisect_right(self.starts, offset) - 1
        if index < 0:
            return offset
        start, end, edit = self.regions[index]
        if offset <= edit.start:
            return start - (edit.start - offset)
        if offset < edit.end:
            return start
        return end + (offset - edit.end)


class _Units:
    """The module's top-level logical lines in the text after the fix."""

    def __init__(self, text: Optional[str], spans: Optional[List[Tuple[int, int]]],
                 before: Optional[scopes.Analysis] = None, shift: Optional[_Shift] = None,
                 added: Sequence[Tuple[int, int]] = ()):
        self.text = text
        if spans is None:
            assert before is not None and shift is not None
            self.before = before
            self.shift = shift
            self.added = sorted(set(added))   # the inserted lines
            self.spans = None
        else:
            self.spans = spans
            self.starts = [s for s, _ in spans]

    def around(self, offset: int) -> Tuple[Optional[int], Tuple[int, int], Optional[int]]:
        """The start of the unit before the one holding `offset`, that unit, the start of the
        unit after it (None: none)."""
        if self.spans is not None:
            index = bisect.bisect_right(self.starts, offset) - 1
            previous = self.spans[index - 1][0] if index > 0 else None
            following = self.spans[index + 1][0] if index + 1 < len(self.spans) else None
            return previous, self.spans[index], following
        for span in self.added:
            if span[0] <= offset < span[1]:
                return self._around_added(span)
        before = self.before
        # the unit in the text before (offsets outside the fix's edits map back)
        index = self._unit_before(offset)
        units = before.units
        shift = self.shift
        unit = (shift.to_after(units[index].start), shift.to_after(units[index].end))
        previous = shift.to_after(units[index - 1].start) if index > 0 else None
        following = shift.to_after(units[index + 1].start) if index + 1 < len(units) else None
        for a, b in self.added:
            if b <= unit[0] and (previous is None or a > previous):
                previous = a
            if a >= unit[1] and (following is None or a < following):
                following = a
        return previous, unit, following

    def _unit_before(self, offset: int) -> int:
        units = self.before.units
        low, high = 0, len(units) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.shift.to_after(units[middle].start) <= offset:
                low = middle
            else:
                high = middle - 1
        return low

    def _around_added(self, span: Tuple[int, int]):
        units = self.before.units
        shift = self.shift
        previous = None
        following = None
        if units:
            index = self._unit_before(span[0])
            start = shift.to_after(units[index].start)
            if start < span[0]:
                previous = start
                if index + 1 < len(units):
                    following = shift.to_after(units[index + 1].start)
            else:
                following = start
        for a, b in self.added:
            if b <= span[0] and (previous is None or a > previous):
                previous = a
            if a >= span[1] and (following is None or a < following):
                following = a
        return previous, span, following


def _check_parses(result: str, after: _After, regions, cleanup: Sequence[Edit]) -> None:
    """The text after the fix and its clean-up parses where they changed it: the top-level
    statements the fix's edits are in (the rewritten windows were parsed already)."""
    if after.units.spans is not None:
        return  # the text after the fix was analysed whole: it parses
    assert after.text is not None
    size = len(after.text)
    shift = _Shift(_regions(sorted(cleanup)))
    checked: Set[Tuple[int, int]] = set()
    for start, end, _ in regions:
        _, unit, following = after.units.around(start)
        span = (unit[0], following if following is not None else size)
        if span in checked:
            continue
        checked.add(span)
        ast.parse(result[shift.start_of_offset(span[0]):shift.start_of_offset(span[1])
                         if span[1] < size else len(result)])


# -- the plan and the rewrite --------------------------------------------------------------------

def _plan_merges(after: _After, removals):
    """(target statement start -> (statement, its node, aliases to add), starts of the
    inserted statements to drop)."""
    merges: Dict[int, Tuple[_Statement, Any, List[Any]]] = {}
    dropped: Set[int] = set()
    inserted = after.inserted
    if not any(s.is_from and s.module is not None and s.module_level for s in inserted):
        return merges, dropped
    text = after.text
    assert text is not None
    existing = [s for s in after.statements() if not s.inserted and s.module_level and s.is_from]
    nodes: Dict[int, Any] = {}

    def node_of(statement: _Statement):
        if statement.start not in nodes:
            nodes[statement.start] = _statement_node(text[statement.start:statement.end])
        return nodes[statement.start]

    per_module = Counter(s.module for s in existing if s.module is not None)
    if any(count > 1 for count in per_module.values()) and \
            all(s.origin.names == 1 for s in existing):
        return merges, dropped  # one name per `from` statement: the module's style
    limit = max([79] + [len(line.rstrip("\r\n")) for line in text.splitlines()])
    for new in inserted:
        if not new.is_from or new.module is None or not new.module_level or \
                not _alone_on_its_line(text, new):
            continue
        targets = [s for s in existing if s.module == new.module and s.end <= new.start]
        if len(targets) != 1 or per_module[new.module] != 1:
            continue
        target = targets[0]
        if any(scopes.noqa_f401(line) or "isort" in line
               for line in text[target.start:target.end].splitlines()):
            continue
        target_node = node_of(target)
        have = {_dotted(a.name) for a in target_node.names}
        adding = [a for a in node_of(new).names if _dotted(a.name) not in have]
        merges.setdefault(target.start, (target, target_node, []))[2].extend(adding)
        dropped.add(new.start)
    # A merge that would make a line too long, or cannot keep the layout, is not made.
    import libcst as cst
    for start in list(merges):
        target, target_node, extra = merges[start]
        if not extra:
            continue
        removed = removals.get(start, (None, set()))[1]
        merged = _merged_names(target_node, removed, extra)
        if merged is None or (not _parenthesized(target_node) and len(
                cst.Module([]).code_for_node(target_node.with_changes(names=merged))) > limit):
            del merges[start]
            for new in inserted:
                if new.start in nodes and any(a in extra for a in nodes[new.start].names):
                    dropped.discard(new.start)
    return merges, dropped


def _statement_node(code: str):
    import libcst as cst
    return cst.parse_statement(code).body[0]  # type: ignore[index]


def _alone_on_its_line(text: str, statement: _Statement) -> bool:
    """Whether an import statement is the only statement of its line (libcst's
    `SimpleStatementLine` of one statement)."""
    line_start = max(text.rfind("\n", 0, statement.start), text.rfind("\r", 0, statement.start))
    if text[line_start + 1:statement.start].strip():
        return False
    match = _LINE_END.search(text, statement.end)
    rest = text[statement.end:match.start() if match else len(text)].strip()
    if rest.startswith(";"):
        rest = rest[1:].strip()
    return not rest or rest.startswith("#")


def _rewrite_windows(after: _After, removals, merges, dropped: Set[int]) -> List[Edit]:
    """Edits of the text after the fix that remove the `removals`, make the `merges` and drop
    the `dropped` lines: libcst's transformer on windows of the text (the module's
    top-level statements around each change: the one before it, for the lines above a removed
    module-level statement, and a stand-in `pass` for the one after it)."""
    text = after.text
    assert text is not None
    changes: List[Tuple[int, bool]] = []   # (offset of a changed statement, module level)
    statements: Dict[int, _Statement] = {}
    for start, (statement, _) in removals.items():
        changes.append((start, statement.module_level))
        statements[start] = statement
    for start, (statement, _, _) in merges.items():
        changes.append((start, statement.module_level))
        statements[start] = statement
    for new in after.inserted:
        if new.start in dropped:
            changes.append((new.start, True))
            statements[new.start] = new
    windows: List[List[int]] = []   # [start, end (the next unit's start, or the text's end)]
    for offset, module_level in sorted(changes):
        previous, unit, following = after.units.around(offset)
        start = unit[0]
        if module_level:
            start = previous if previous is not None else 0
        end = following if following is not None else len(text)
        windows.append([start, end])
    windows.sort()
    merged: List[List[int]] = []
    for window in windows:
        if merged and window[0] < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], window[1])
        else:
            merged.append(window)
    newline_match = _LINE_END.search(text)
    newline = newline_match.group(0) if newline_match else "\n"
    try:
        return _rewrite_spans(text, merged, newline, statements, removals, merges, dropped)
    except _OtherNewline:
        # A window whose first line ends otherwise than the module's first line: libcst would
        # write the lines it makes with another newline. The whole text is the window.
        return _rewrite_spans(text, [[0, len(text)]], newline, statements, removals, merges,
                              dropped)


class _OtherNewline(ValueError):
    pass


def _rewrite_spans(text: str, merged: List[List[int]], newline: str, statements,
                   removals, merges, dropped: Set[int]) -> List[Edit]:
    edits: List[Edit] = []
    for start, end in merged:
        inside = [o for o in statements if start <= o < end]
        part = text[start:end]
        stub = end < len(text)
        code = part + ("pass" + newline if stub else "")
        new_code = _rewrite_window(code, start, newline, stub,
                                   {o - start: removals[o][1] for o in inside if o in removals},
                                   {o - start: merges[o][2] for o in inside if o in merges},
                                   {o - start for o in inside if o in dropped})
        if new_code is None:
            return []
        if stub:
            tail = "pass" + newline
            if not new_code.endswith(tail):
                raise ValueError("the stand-in statement changed")
            new_code = new_code[:-len(tail)]
        edits.extend(Edit(e.start + start, e.end + start, e.content)
                     for e in _line_edits(part, new_code))
    return edits


def _rewrite_window(code: str, offset: int, newline: str, stub: bool,
                    removals: Dict[int, Set[int]], merges: Dict[int, List[Any]],
                    dropped: Set[int]) -> Optional[str]:
    """`code` (a window) rewritten; offsets relative to it."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = cst.parse_module(code)
    if module.default_newline != newline:
        raise _OtherNewline("the window's newline is not the module's")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    starts = line_starts(code)
    by_offset: Dict[int, Any] = {}
    lines: Dict[int, Any] = {}

    class Find(cst.CSTVisitor):
        line = None

        def visit_SimpleStatementLine(self, node) -> None:
            Find.line = node

        def leave_SimpleStatementLine(self, node) -> None:
            Find.line = None

        def visit_Import(self, node) -> bool:
            self._found(node)
            return False

        def visit_ImportFrom(self, node) -> bool:
            self._found(node)
            return False

        def _found(self, node) -> None:
            where = positions[node].start
            at = starts[where.line - 1] + where.column
            by_offset[at] = node
            lines[at] = Find.line

    wrapper.module.visit(Find())
    removal_ids: Dict[int, Set[int]] = {}
    merge_ids: Dict[int, List[Any]] = {}
    dropped_ids: Set[int] = set()
    for at, indices in removals.items():
        removal_ids[id(by_offset[at])] = indices
    for at, extra in merges.items():
        merge_ids[id(by_offset[at])] = extra
    for at in dropped:
        line = lines[at]
        if line is None:
            raise ValueError("a dropped import outside a line of its own")
        dropped_ids.add(id(line))
    new_code = _rewrite(wrapper.module, removal_ids, merge_ids, dropped_ids)
    ast.parse(new_code)
    return new_code


# -- where the fix's edits are in the text after it ------------------------------------------------

def _regions(edits: Sequence[Edit]) -> List[Tuple[int, int, Edit]]:
    """Each edit's `[start, end)` in the text after the edits (sorted, non-overlapping)."""
    regions = []
    delta = 0
    for edit in edits:
        start = edit.start + delta
        regions.append((start, start + len(edit.content), edit))
        delta += len(edit.content) - (edit.end - edit.start)
    return regions


def _may_need(before: str, regions) -> bool:
    """A cheap test, without libcst and without parsing the text after the edits (the facts
    of the text before them are parsed once and kept): an edit wrote a top-level
    `from m import` where the module imports from `m` already (a merge), or the edits drop a
    name an import binds (a word that is not an attribute) and that name is bound anywhere
    other than by the module's imports, or none of its other references is left."""
    writes = [edit.content for _, _, edit in regions if "import" in edit.content]
    removed: Counter = Counter()
    added: Counter = Counter()
    for _, _, edit in regions:
        removed.update(_NAME.findall(before, edit.start, edit.end))
        added.update(_NAME.findall(edit.content))
    dropped = list(removed - added)
    if not writes and not _named_by_an_import_line(before, dropped):
        return False  # without parsing anything
    facts = _facts(before, frozenset(dropped))
    if any(_may_merge(facts, content) for content in writes):
        return True
    written = _written_names(regions) if facts.bound else set()
    for name in facts.bound:  # the dropped names an import binds
        if name in facts.local:
            return True
        if name in written:
            continue  # the replacement refers to it: still used
        if not any(not any(e.start <= offset < e.end for _, _, e in regions)
                   for offset in facts.loads.get(name, ())):
            return True
    return False


def _written_names(regions) -> Set[str]:
    """The names the edits' contents refer to (those that are expressions)."""
    names: Set[str] = set()
    for _, _, edit in regions:
        try:
            tree = ast.parse(edit.content.strip(), mode="eval")
        except SyntaxError:
            continue
        names.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return names


def _named_by_an_import_line(text: str, names: Sequence[str]) -> bool:
    """Some of `names` is a word of a line that says `import` (any line may, when an import
    is parenthesized over several lines)."""
    if not names:
        return False
    parenthesized, words = _import_words(text)
    return parenthesized or any(name in words for name in names)


@lru_cache(maxsize=8)
def _import_words(text: str) -> Tuple[bool, FrozenSet[str]]:
    """Whether `text` has a parenthesized import, and the words of its lines that say
    `import` (maximal runs of word characters: a name is one of them exactly when
    `\\bname\\b` finds it in such a line). Read once per text: the JSON and SARIF outputs
    complete each fix of a module on the same text, and a set answers each fix at once where
    searching every import line for each name made the output quadratic in a module that
    imports again before each function."""
    return (bool(re.search(r"\bimport\s*\(", text)),
            frozenset(word for line in text.splitlines() if "import" in line
                      for word in _WORDS.findall(line)))


def _may_merge(facts: "_Facts", content: str) -> bool:
    """`content` writes a top-level `from m import` of a module the text imports from."""
    try:
        written = ast.parse(content.strip()).body
    except SyntaxError:
        return False
    return any(isinstance(node, ast.ImportFrom) and node.level == 0 and
               node.module in facts.from_modules for node in written)


@dataclass(frozen=True)
class _Facts:
    """What `_may_need` asks of a module's text about some names."""

    bound: FrozenSet[str]                  # those an import binds (`a` for `import a.b`)
    local: FrozenSet[str]                  # those bound other than by module-scope imports
    loads: Dict[str, Tuple[int, ...]]      # offsets of the references to each
    from_modules: FrozenSet[str]           # modules of the top-level `from m import`s


def _facts(text: str, names: FrozenSet[str]) -> _Facts:
    """The facts of `names` in the module's text: those of all the names its imports bind,
    found by one analysis of the text (`_module_facts`), restricted to `names`. (`local` and
    `loads` are those of the names an import binds: `_may_need` asks of no other.)"""
    facts = _module_facts(text)
    bound = names & facts.bound
    return _Facts(bound, names & facts.local,
                  {name: facts.loads[name] for name in bound if name in facts.loads},
                  facts.from_modules)


@lru_cache(maxsize=8)
def _module_facts(text: str) -> _Facts:
    """The facts of every name an import of the module binds: two walks of the module's
    tree, once per text (kept: one module's fixes are completed one after another on the
    same text, and each drops its own names; parsing the module again for each set of names
    made the JSON output of a big module quadratic). The tree is not kept, so that the
    garbage collector does not walk it again and again."""
    tree = ast.parse(text)
    names = frozenset(
        (alias.asname or alias.name).partition(".")[0]
        for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names)
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    bound: Set[str] = set()
    local: Set[str] = set()
    loads: Dict[str, List[int]] = {}
    stack: List[Tuple[ast.AST, bool]] = [(tree, True)]  # (node, in the module's scope)
    while stack:
        node, module_scope = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            if name in names:
                if isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                    line = lines[node.lineno - 1]  # type: ignore[attr-defined]
                    column = node.col_offset if line.isascii() else len(  # type: ignore
                        line.encode("utf-8")[:node.col_offset].decode(  # type: ignore
                            "utf-8", "replace"))
                    loads.setdefault(name, []).append(
                        starts[node.lineno - 1] + column)  # type: ignore[attr-defined]
                else:
                    local.add(name)
            continue
        if kind is ast.Import or kind is ast.ImportFrom:
            for alias in node.names:  # type: ignore[attr-defined]
                name = (alias.asname or alias.name).partition(".")[0]
                if name in names:
                    bound.add(name)
                    if not module_scope:
                        local.add(name)
            continue
        found: Sequence[str] = ()
        if kind is ast.arg:
            found = (node.arg,)  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            found = (node.name,)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            found = (node.name,)  # type: ignore[attr-defined]
        elif kind in (ast.Global, ast.Nonlocal):
            found = node.names  # type: ignore[attr-defined]
        elif kind.__name__ in ("MatchAs", "MatchStar", "MatchMapping"):
            found = tuple(n for n in (getattr(node, "name", None), getattr(node, "rest", None))
                          if n)
        local.update(n for n in found if n in names)
        inner = module_scope and kind not in _SCOPES
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    modules = frozenset(node.module for node in tree.body
                        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module)
    return _Facts(frozenset(bound), frozenset(local), {k: tuple(v) for k, v in loads.items()},
                  modules)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _parenthesized(node) -> bool:
    return bool(getattr(node, "lpar", None))


def _single_line(module, node, names) -> str:
    return module.code_for_node(node.with_changes(names=names))


def _sort_key(style: str):
    if style == "type":  # isort's order by type: CONSTANTS, Classes, functions
        def key(name: str):
            kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
            return (kind, name.lower())
        return key
    if style == "lower":
        return str.lower
    return lambda name: name


def _merged_names(node, removed: Set[int], adding: List[Any]) -> Optional[List[Any]]:
    """The aliases of `node` less `removed`, with `adding` placed in the statement's order and
    layout; None if the layout cannot be kept."""
    import libcst as cst
    original = list(node.names)
    kept = [a for i, a in enumerate(original) if i not in removed]
    last_comma = original[-1].comma
    if kept and kept[-1] is not original[-1]:
        kept[-1] = kept[-1].with_changes(comma=last_comma)
    if not adding:
        return kept
    separators = [a.comma for a in original[:-1]]
    if separators:
        separator = separators[0]
    elif _parenthesized(node) and len(original) == 1:
        return None  # `(\n    a,\n)`: where a second name goes is not known
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    names = [_dotted(a.name) for a in kept]
    style = next((s for s in ("type", "lower", "plain")
                  if names == sorted(names, key=_sort_key(s))), None)
    result = list(kept)
    for alias in adding:
        new = alias.with_changes(comma=separator)
        if style is None:
            position = len(result)
        else:
            key = _sort_key(style)
            name = key(_dotted(alias.name))
            position = next((i for i, a in enumerate(result) if key(_dotted(a.name)) > name),
                            len(result))
        result.insert(position, new)
    # Every name but the last is followed by the separator; the last keeps the statement's
    # trailing comma (or none).
    result = [a.with_changes(comma=separator) for a in result[:-1]] + \
        [result[-1].with_changes(comma=last_comma)]
    return result


def _rewrite(module, removals: Dict[int, Set[int]], merges: Dict[int, List[Any]],
             dropped: Set[int]) -> str:
    """`module` with the aliases `removals` names removed (by id of their statement), those of
    `merges` added and the lines `dropped` dropped: libcst's transformer."""
    import libcst as cst

    # The lines the transformer emptied, by id; the nodes are kept here too, so that no id is
    # reused: a line dropped from an inner block is freed, and a new node of an outer block
    # (`return g` after a nested `def g` that lost its import) could get its id, and be
    # dropped as well.
    removed_lines: Dict[int, Any] = {}

    class Rewrite(cst.CSTTransformer):
        def _names(self, original):
            key = id(original)
            if key not in removals and key not in merges:
                return None
            return _merged_names(original, removals.get(key, set()), merges.get(key, []))

        def leave_Import(self, original, updated):
            names = self._names(original)
            if names is None:
                return updated
            return updated.with_changes(names=names) if names else cst.RemoveFromParent()

        def leave_ImportFrom(self, original, updated):
            names = self._names(original)
            if names is None:
                return updated
            return updated.with_changes(names=names) if names else cst.RemoveFromParent()

        def leave_SimpleStatementLine(self, original, updated):
            if id(original) in dropped or not updated.body:
                replacement = updated.with_changes(body=[cst.Pass()])
                removed_lines[id(replacement)] = replacement
                return replacement
            return self._semicolons(original, updated)

        def leave_SimpleStatementSuite(self, original, updated):
            return self._semicolons(original, updated)

        def _semicolons(self, original, updated):
            """The last statement left on a line ends as the line's last one did."""
            if updated.body and len(updated.body) != len(original.body):
                body = list(updated.body)
                body[-1] = body[-1].with_changes(semicolon=original.body[-1].semicolon)
                return updated.with_changes(body=body)
            return updated

        def _body(self, body):
            kept = []
            carried: List[Any] = []
            for statement in body:
                if id(statement) in removed_lines:
                    carried.extend(statement.leading_lines)
                    continue
                if carried:
                    statement = statement.with_changes(
                        leading_lines=_join_lines(carried, statement.leading_lines))
                    carried = []
                kept.append(statement)
            return kept, carried

        def leave_Module(self, original, updated):
            kept, carried = self._body(updated.body)
            if kept and updated.body and id(updated.body[0]) in removed_lines and \
                    not any(line.comment for line in kept[0].leading_lines):
                # The module's first statements went: no blank lines at its top.
                kept[0] = kept[0].with_changes(leading_lines=[])
            return updated.with_changes(body=kept, footer=list(carried) + list(updated.footer))

        def leave_IndentedBlock(self, original, updated):
            kept, carried = self._body(updated.body)
            if not kept:
                kept = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried)]
                carried = []
            return updated.with_changes(body=kept,
                                        footer=list(carried) + list(updated.footer))

    return module.visit(Rewrite()).code


def _dotted(node) -> str:
    import libcst as cst
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(type(node).__name__)


def _join_lines(carried: Sequence[Any], own: Sequence[Any]) -> List[Any]:
    """The lines above a removed statement (its comments, the blank lines that set its group
    apart) joined to those of the next one: no run of blank lines longer than either had."""
    def longest(lines: Sequence[Any]) -> int:
        best = run = 0
        for line in lines:
            run = run + 1 if line.comment is None else 0
            best = max(best, run)
        return best

    limit = max(longest(carried), longest(own))
    joined: List[Any] = []
    run = 0
    for line in list(carried) + list(own):
        run = run + 1 if line.comment is None else 0
        if run <= limit:
            joined.append(line)
    return joined


def _line_edits(before: str, after: str) -> List[Edit]:
    """Edits of `before` that make `after`, line by line."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    edits = []
    i = j = 0
    for a, b in matched_lines(old, new) + [(len(old), len(new))]:
        if a > i or b > j:
            edits.append(Edit(starts[i], starts[a], "".join(new[j:b])))
        i, j = a + 1, b + 1
    return edits


def _compose(edits: Sequence[Edit], after: str, cleanup: Sequence[Edit]) -> List[Edit]:
    """Edits of the original text equivalent to `edits` followed by `cleanup` (edits of the
    text after `edits`): a clean-up edit that touches a fix's edit joins it."""
    regions = _regions(edits)
    # Clusters of overlapping or touching ranges, in the text after the fix.
    items = [(a, b, "fix", e) for a, b, e in regions] + \
        [(c.start, c.end, "clean", c) for c in cleanup]
    items.sort(key=lambda item: (item[0], item[1]))
    clusters: List[List] = []
    for item in items:
        if clusters and item[0] <= clusters[-1][1] and (
                item[2] == "clean" or any(i[2] == "clean" for i in clusters[-1][2])
                or item[0] < clusters[-1][1]):
            clusters[-1][1] = max(clusters[-1][1], item[1])
            clusters[-1][2].append(item)
        else:
            clusters.append([item[0], item[1], [item]])
    result: List[Edit] = []
    for start, end, members in clusters:
        fixes = [m for m in members if m[2] == "fix"]
        cleans = [m[3] for m in members if m[2] == "clean"]
        if not cleans:
            result.extend(m[3] for m in fixes)
            continue
        content = apply_edits(after[start:end],
                              [Edit(c.start - start, c.end - start, c.content) for c in cleans])
        original_start = _to_original(start, regions, first=True)
        original_end = _to_original(end, regions, first=False)
        result.append(Edit(original_start, original_end, content))
    return sorted(result)


def _to_original(offset: int, regions, first: bool) -> int:
    """An offset of the text after the edits as an offset of the text before them: a region's
    start is its edit's start, its end the edit's end."""
    delta = 0
    for start, end, edit in regions:
        if first and offset == start:
            return edit.start
        if not first and offset == end:
            return edit.end
        if offset < start:
            break
        delta = edit.end - end
    return offset + delta
