"""The import clean-up of fixes as numlint computed it before it was derived from one analysis
of the module (numlint/engine/imports.py): libcst's analysis of the whole module after each
fix. Kept as the reference the differential tests compare the new clean-up with
(tests/test_cleanup_differential.py, benchmarks/cleanup_differential.py); without the size,
cost and per-text budget limits, so that the answers themselves are compared.

The original docstring follows.

Import clean-up after fixes, with libcst.

A fix replaces an expression; the names it no longer uses may leave imports behind
(`np.log(softmax(z))` → `log_softmax(z)` leaves `import numpy as np` and
`from scipy.special import softmax` unused), and the import it adds may belong in an existing
`from` import. `complete(text, edits)` returns a fix's edits plus the import edits they call
for, as edits on the same text, so that they are part of the fix that caused them (in the
JSON `edits`, in `--diff`, in the fixed file):

* **Removed**: each import binding that is unused after the edits and was not unused before
  them (used before, or added by the edits). Usage is libcst's `ScopeProvider`: an import is
  used if any import of its name in its scope has a reference (as
  `libcst.codemod.visitors.GatherUnusedImportsVisitor` decides it), or if the name is listed in
  `__all__`, appears in a string annotation or a `# type:` comment, or is in `keep` (a
  notebook's IPython lines). Never removed: an import carrying `# noqa` (bare or naming
  F401), one in the body of a `try` whose handler catches a failed import (the `try` tests
  availability), one at module level of a package's `__init__.py` (a re-export), `__future__`
  imports, star imports, any import of a module that calls `locals()`, `globals()`, `vars()`,
  `eval` or `exec`, and any import in a one-line suite holding several statements. A removed
  import's own line goes (the comments above it stay); a block left empty gets `pass`.
* **Merged**: a `from m import a` the edits added at module level goes into the module's
  existing unconditional, module-level `from m import ...` above it, in that statement's
  layout (one line or parenthesized, its commas), in its order if its names are sorted
  (appended otherwise) — unless the module writes one name per `from` statement (two
  statements from one module), the statement is a parenthesized import of one name, or the
  merged line would be longer than the module's longest line (at least 79).

Not done (the fix's edits are returned as they are) on a module over 100 KB, or on one whose
scope analysis would be quadratic (one name bound hundreds of times in one scope and read
thousands of times): see `_too_costly`.

The edits are applied, the result is parsed by libcst and analysed, and the changed
statements are rewritten by a libcst transformer; the changed lines become edits on the text
after the fix, which are composed with the fix's edits into edits on the original text. The
result must parse; if anything fails, the fix's own edits are returned unchanged. libcst is
imported only here, and this module only when a fix is applied or shown: checking never
loads it.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from numlint.engine.fix import Edit, apply_edits, matched_lines

_DYNAMIC = frozenset({"locals", "globals", "vars", "eval", "exec"})
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
                   re.IGNORECASE)
_TYPE_COMMENT = re.compile(r"#\s*type:(.*)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDS = re.compile(r"\w+")  # what `\b` delimits
_NAME = re.compile(r"(?<![.\w])[A-Za-z_][A-Za-z0-9_]*")  # a word that is not an attribute
_LINE_END = re.compile(r"\r\n|\r|\n")
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def complete(text: str, edits: Iterable[Edit], path: str = "<unknown>",
             keep: FrozenSet[str] = frozenset()) -> List[Edit]:
    """`edits` and their import clean-up, by libcst's analysis of the text after them."""
    edits = sorted(set(edits))
    if not edits:
        return edits
    try:
        regions = _regions(edits)
        if not _may_need(text, regions):
            return edits
        return _complete(text, edits, regions, path, keep)
    except Exception:  # a clean-up that fails leaves the fix as the rule made it
        return edits


def _complete(text: str, edits: List[Edit], regions, path: str,
              keep: FrozenSet[str]) -> List[Edit]:
    """The edits with their clean-up (`complete`, which catches what this raises)."""
    after = apply_edits(text, edits)
    cleanup = _cleanup(text, after, regions, path, keep)
    if not cleanup:
        return edits
    composed = _compose(edits, after, cleanup)
    result = apply_edits(text, composed)
    if result != apply_edits(after, cleanup):
        return edits  # the composition must mean the edits, then the clean-up
    ast.parse(result)
    return composed


def apply(text: str, edits: Iterable[Edit], path: str = "<unknown>",
          keep: FrozenSet[str] = frozenset()) -> str:
    """`text` with `edits` and their import clean-up applied."""
    return apply_edits(text, complete(text, edits, path, keep))


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


# -- what the analysis would cost ------------------------------------------------------------------

# libcst's `ScopeProvider` links every reference of a name to every assignment of that name
# in the scope it resolves to: its time and memory grow with the sum, over references, of the
# assignments each one reaches. That is about the number of references in ordinary code, but
# a module that binds one name a thousand times in one scope (`import numpy as np` before each
# of a thousand generated functions, a long script reassigning `x`) and uses it thousands of
# times costs millions. The clean-up is not done on such a module (its fixes are applied
# without it), so that fixing stays in proportion to the module's size: at most
# `_COST_PER_BYTE` links per byte of text beyond `_COST_FREE` (real modules make well under
# 0.1 per byte: 0.07 in the most of the 40 biggest files of torch, TensorFlow, SciPy, SymPy).
# libcst's tree and metadata also hold about 1.2 GB per MB of module, 7 times what CPython's
# `ast.parse` of it peaks at (its native parser alone 4.3 times; measured on 0.05-0.9 MB in
# benchmarks/README.md, "Issue 15: the last items"): no clean-up either on a module over
# `_SIZE_LIMIT` characters, so that fixing a big module peaks near its parse, and completing
# each fix of the JSON output costs at most one analysis of that size (304 of the 10,929
# `.py` files of torch, TensorFlow, JAX, SciPy, SymPy, Keras, NumPy and what they require are
# bigger, 2.8%; the default size limit of a checked file is 5 MB).
_COST_FREE = 200_000
_COST_PER_BYTE = 2
_SIZE_LIMIT = 100_000


class _Completed:
    """The last text completed: the characters its clean-ups analysed, and its fixes as
    completed (by their edits, path and kept names)."""

    __slots__ = ("text", "analysed", "fixes")

    def __init__(self, text: Optional[str] = None):
        self.text = text
        self.analysed = 0
        self.fixes: Dict[tuple, List[Edit]] = {}


def _completed(text: str) -> _Completed:
    global _LAST
    if _LAST.text is not text:
        _LAST = _Completed(text)
    return _LAST


_LAST = _Completed()
# Characters of one text the clean-ups of its fixes may analyse (10 analyses of 100 KB): each
# clean-up is one libcst analysis of the whole module, and the JSON and SARIF outputs complete
# each fix on its own, so a module of many fixes that each drop an import cost one analysis per
# fix (910 fixes of a 95 KB module had not finished in 11 minutes). The later fixes of such a
# module come without their clean-up (applied, their imports stay); `--fix` cleans up once per
# round and never reaches it.
CLEANUP_BUDGET = 10 * _SIZE_LIMIT


def _too_costly(text: str) -> bool:
    """Whether the clean-up of `text` is not done (too big, or libcst's scope analysis of it
    would be quadratic)."""
    if len(text) > _SIZE_LIMIT:
        return True
    return _scope_links(text) > _COST_FREE + _COST_PER_BYTE * len(text)


@lru_cache(maxsize=8)
def _scope_links(text: str) -> int:
    """How many (reference, assignment) pairs libcst's scope analysis of `text` makes, about:
    each name read, times the bindings of that name in the scope it resolves to (the nearest
    function, lambda, comprehension or the module binding it; a class's names are not seen
    from the functions in it). One walk of the tree, with an explicit stack."""
    tree = ast.parse(text)
    module: Dict[str, Any] = {"": None}  # a scope: name -> bindings; "" -> its parent
    reads: List[Tuple[Dict[str, Any], str]] = []
    stack: List[Tuple[ast.AST, Dict[str, Any], Dict[str, Any]]] = [(tree, module, module)]
    while stack:
        node, scope, visible = stack.pop()  # visible: where names read here are looked up
        kind = type(node)
        if kind is ast.Name:
            if isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                reads.append((visible, node.id))  # type: ignore[attr-defined]
            else:
                scope[node.id] = scope.get(node.id, 0) + 1  # type: ignore[attr-defined]
            continue
        bound: Sequence[str] = ()
        if kind is ast.Import or kind is ast.ImportFrom:
            bound = [(a.asname or a.name).partition(".")[0]
                     for a in node.names if a.name != "*"]  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            bound = (node.name,)  # type: ignore[attr-defined]
        for name in bound:
            scope[name] = scope.get(name, 0) + 1
        if kind in _SCOPES:
            # The names a function reads are looked up past the classes around it.
            parent = visible
            while "\0" in parent:
                parent = parent[""]
            inner: Dict[str, Any] = {"": parent}
            if kind is ast.ClassDef:
                inner["\0"] = True  # a class: `\0` is no name
            stack.extend((child, inner, inner) for child in ast.iter_child_nodes(node))
            continue
        if kind is ast.arg:
            scope[node.arg] = scope.get(node.arg, 0) + 1  # type: ignore[attr-defined]
        stack.extend((child, scope, visible) for child in ast.iter_child_nodes(node))
    links = 0
    for where, name in reads:
        current: Optional[Dict[str, Any]] = where
        while current is not None and name not in current:
            current = current[""]
        if current is not None:
            links += current[name]
    return links


# -- the analysis --------------------------------------------------------------------------------

@dataclass
class _Binding:
    """One alias of an import statement."""

    key: Tuple                 # (enclosing definitions, bound name, imported name)
    alias: Any              # libcst.ImportAlias
    statement: Any          # libcst.Import or libcst.ImportFrom
    names: Tuple[str, ...]     # the names it binds, as the scope records them
    removable: bool


@dataclass
class _Statement:
    node: Any               # libcst.Import or libcst.ImportFrom
    line: Any               # its libcst.SimpleStatementLine (None in a one-line suite)
    start: int                 # offsets of the statement in the text
    end: int
    module_level: bool         # a statement of the module's body (not in a block)
    module: Optional[str]      # `from` imports: the module's dotted name (level 0 only)


@dataclass
class _Analysis:
    module: Any
    bindings: List[_Binding] = field(default_factory=list)
    statements: List[_Statement] = field(default_factory=list)
    unused: List[_Binding] = field(default_factory=list)


def _analyse(text: str, path: str, keep: FrozenSet[str]) -> _Analysis:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

    tree = ast.parse(text)
    protected = _protected_names(tree, text) | set(keep)
    dynamic = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                  and n.func.id in _DYNAMIC for n in ast.walk(tree))
    package_init = path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"
    wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    positions = wrapper.resolve(PositionProvider)
    starts = _line_starts(text)
    analysis = _Analysis(wrapper.module)

    def offset(position) -> int:
        return starts[position.line - 1] + position.column

    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            self.definitions: List[str] = []
            self.guards: List[bool] = []    # inside a `try` body that catches ImportError
            self.blocks = 0                 # compound statements around
            self.line = None
            self.suite_size = 0

        def visit_FunctionDef(self, node) -> None:
            self.definitions.append(node.name.value)

        def leave_FunctionDef(self, node) -> None:
            self.definitions.pop()

        def visit_ClassDef(self, node) -> None:
            self.definitions.append(node.name.value)

        def leave_ClassDef(self, node) -> None:
            self.definitions.pop()

        def visit_IndentedBlock(self, node) -> None:
            self.blocks += 1

        def leave_IndentedBlock(self, node) -> None:
            self.blocks -= 1

        def visit_SimpleStatementSuite(self, node) -> None:
            self.blocks += 1
            self.suite_size = len(node.body)

        def leave_SimpleStatementSuite(self, node) -> None:
            self.blocks -= 1
            self.suite_size = 0

        def visit_Try(self, node) -> None:
            self.guards.append(any(_catches_import_error(h) for h in node.handlers))

        def leave_Try(self, node) -> None:
            self.guards.pop()

        def visit_TryStar(self, node) -> None:
            self.guards.append(any(_catches_import_error(h) for h in node.handlers))

        def leave_TryStar(self, node) -> None:
            self.guards.pop()

        def visit_ExceptHandler(self, node) -> None:
            self.guards.append(False)  # a handler's body is not the guarded body

        def leave_ExceptHandler(self, node) -> None:
            self.guards.pop()

        def visit_ExceptStarHandler(self, node) -> None:
            self.guards.append(False)

        def leave_ExceptStarHandler(self, node) -> None:
            self.guards.pop()

        def visit_Else(self, node) -> None:
            self.guards.append(False)

        def leave_Else(self, node) -> None:
            self.guards.pop()

        def visit_Finally(self, node) -> None:
            self.guards.append(False)

        def leave_Finally(self, node) -> None:
            self.guards.pop()

        def visit_SimpleStatementLine(self, node) -> None:
            self.line = node

        def leave_SimpleStatementLine(self, node) -> None:
            self.line = None

        def visit_Import(self, node) -> bool:
            self._statement(node, None)
            return False

        def visit_ImportFrom(self, node) -> bool:
            if isinstance(node.names, cst.ImportStar):
                return False
            module = None
            if not node.relative and node.module is not None:
                module = _dotted(node.module)
            if module == "__future__":
                return False
            self._statement(node, module)
            return False

        def _statement(self, node, module: Optional[str]) -> None:
            where = positions[node]
            start, end = offset(where.start), offset(where.end)
            line = self.line
            module_level = self.blocks == 0
            analysis.statements.append(_Statement(node, line, start, end, module_level, module))
            first_row = where.start.line
            last_row = where.end.line
            noqa = any(_noqa_f401(_line(text, starts, row))
                       for row in range(first_row, last_row + 1))
            guarded = any(self.guards)
            scope = scopes.get(node)
            removable = not (noqa or guarded or dynamic or (package_init and module_level)
                             or (line is None and self.suite_size > 1) or scope is None)
            for alias in node.names:
                imported = _dotted(alias.name)
                if isinstance(node, cst.ImportFrom):
                    imported = f"{'.' * len(node.relative)}{module or ''}:{imported}"
                if alias.asname is not None:
                    bound = alias.asname.name.value
                    names: Tuple[str, ...] = (bound,)
                else:
                    bound = imported.rpartition(":")[2]
                    parts = bound.split(".")
                    names = tuple(".".join(parts[:k]) for k in range(len(parts), 0, -1))
                binding = _Binding((tuple(self.definitions), bound, imported), alias, node,
                                   names, removable)
                analysis.bindings.append(binding)
                if scope is not None and not _in_use(scope, names, protected):
                    analysis.unused.append(binding)

    wrapper.visit(Visitor())
    return analysis


def _in_use(scope, names: Tuple[str, ...], protected: Set[str]) -> bool:
    from libcst.metadata import ImportAssignment
    for name in names:
        if name in protected or name.partition(".")[0] in protected:
            return True
        for assignment in scope[name]:
            if isinstance(assignment, ImportAssignment) and len(assignment.references) > 0:
                return True
    return False


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


def _noqa_f401(line: str) -> bool:
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if codes is None or "F401" in codes.upper():
            return True
    return False


def _catches_import_error(handler) -> bool:
    """Whether a libcst handler may catch a failed import and go on."""
    import libcst as cst
    body = getattr(handler.body, "body", ())
    if body:
        last = body[-1]
        if isinstance(last, cst.SimpleStatementLine) and last.body and \
                isinstance(last.body[-1], cst.Raise):
            return False
    kind = handler.type
    if kind is None:
        return True
    names = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    for name in names:
        text = name.attr.value if isinstance(name, cst.Attribute) else \
            name.value if isinstance(name, cst.Name) else None
        if text is None or text in _IMPORT_ERRORS:
            return True
        if text.endswith(("Error", "Exception", "Warning")):
            continue
        return True
    return False


def _dotted(node) -> str:
    import libcst as cst
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(type(node).__name__)


def _line_starts(text: str) -> List[int]:
    starts = [0]
    starts.extend(m.end() for m in _LINE_END.finditer(text))
    return starts


def _line(text: str, starts: List[int], row: int) -> str:
    if row - 1 >= len(starts):
        return ""
    end = starts[row] if row < len(starts) else len(text)
    return text[starts[row - 1]:end]


# -- the plan and the rewrite --------------------------------------------------------------------

def _cleanup(before: str, after: str, regions, path: str,
             keep: FrozenSet[str]) -> List[Edit]:
    """Edits of `after` that remove the imports the edits made unused and merge the `from`
    imports they added."""
    analysis = _analyse(after, path, keep)
    inserted = [s for s in analysis.statements
                if any(a <= s.start and s.end <= b for a, b, _ in regions)]
    removals: Dict[int, Set[int]] = {}   # id(statement) -> indices of aliases to remove
    candidates = [b for b in analysis.unused if b.removable]
    if candidates:
        already = _unused_before(before, path, keep)
        for binding in candidates:
            if already[binding.key]:
                continue
            names = list(binding.statement.names)
            index = next(i for i, a in enumerate(names) if a is binding.alias)
            removals.setdefault(id(binding.statement), set()).add(index)
    merges, dropped = _plan_merges(analysis, inserted, removals, after)
    if not removals and not merges:
        return []
    new_code = _rewrite(analysis, removals, merges, dropped)
    if new_code == after:
        return []
    ast.parse(new_code)
    return _line_edits(after, new_code)


@lru_cache(maxsize=8)
def _unused_before(before: str, path: str, keep: FrozenSet[str]) -> Counter:
    """The imports unused in the text before the edits, by key: the same for every fix of a
    module (the JSON and SARIF outputs complete each fix on the same text), so analysed once
    per text; only the keys are kept, not libcst's tree."""
    return Counter(b.key for b in _analyse(before, path, keep).unused)


def _plan_merges(analysis: _Analysis, inserted: List[_Statement], removals, text: str):
    """(target statement id -> aliases to add, ids of inserted lines to drop)."""
    import libcst as cst
    merges: Dict[int, List[Any]] = {}
    dropped: Set[int] = set()
    if not inserted:
        return merges, dropped
    existing = [s for s in analysis.statements if s.module_level and s not in inserted
                and s.line is not None and isinstance(s.node, cst.ImportFrom)]
    per_module = Counter(s.module for s in existing if s.module is not None)
    if any(count > 1 for count in per_module.values()) and \
            all(len(s.node.names) == 1 for s in existing):
        return merges, dropped  # one name per `from` statement: the module's style
    limit = max([79] + [len(line.rstrip("\r\n")) for line in text.splitlines()])
    for new in inserted:
        node = new.node
        if not isinstance(node, cst.ImportFrom) or new.module is None or \
                not new.module_level or new.line is None or len(new.line.body) != 1:
            continue
        targets = [s for s in existing if s.module == new.module and s.end <= new.start]
        if len(targets) != 1 or per_module[new.module] != 1:
            continue
        target = targets[0]
        if any(_noqa_f401(line) or "isort" in line
               for line in text[target.start:target.end].splitlines()):
            continue
        have = {_dotted(a.name) for a in target.node.names}
        aliases: Any = node.names  # never a star: star imports are not recorded
        adding = [a for a in aliases if _dotted(a.name) not in have]
        merges.setdefault(id(target.node), []).extend(adding)
        dropped.add(id(new.line))
    # A merge that would make a line too long, or cannot keep the layout, is not made.
    for statement in existing:
        extra = merges.get(id(statement.node))
        if not extra:
            continue
        merged = _merged_names(statement.node, removals.get(id(statement.node), set()), extra)
        if merged is None or (not _parenthesized(statement.node) and len(
                _single_line(analysis.module, statement.node, merged)) > limit):
            del merges[id(statement.node)]
            for new in inserted:
                if any(a in extra for a in new.node.names):
                    dropped.discard(id(new.line))
    return merges, dropped


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


def _rewrite(analysis: _Analysis, removals: Dict[int, Set[int]],
             merges: Dict[int, List[Any]], dropped: Set[int]) -> str:
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

    return analysis.module.visit(Rewrite()).code


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
        content = apply_edits(after[start:end], [Edit(c.start - start, c.end - start, c.content)
                                                  for c in cleans])
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
