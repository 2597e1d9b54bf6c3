"""The importer: how a fix names a library function from the module it edits.

Reuses the module's own imports where one reaches the function (`sp.logsumexp` after
`import scipy.special as sp`) and otherwise adds the import statement, in the framework's
conventional style, after the module's leading imports.

A fix never adds a library, and never makes a module depend at import time on one it imports
only under a condition. So an import is added only for a package the module already imports
unconditionally at its top level (`import jax` after `import jax.numpy as jnp`,
`from scipy.special import logsumexp` after `import scipy.linalg`). An import made under a
guard (in `try: ... except ImportError:`, under `if TYPE_CHECKING:` or any other `if`, a loop,
an exception handler) is reused only by a fix whose expression already uses that package (it
runs only where the package is there); an import inside a function is reused in that function.
The standard library is always there: `import math` may be added.
"""

from __future__ import annotations

import ast
import sys
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from numlint.engine import table
from numlint.engine.fix import Edit
from numlint.engine.semantic.model import BUILTINS, SemanticModel, Scope
from numlint.engine.source import SourceText


class Importer:
    """References library functions from a module, reusing the module's own imports.

    `reference("scipy.special:logsumexp", scope)` answers the text that names the function at a
    use in `scope` (`logsumexp`, `sp.logsumexp`, `scipy.special.logsumexp`) and, if the module
    must import something first, the import statement to add. Targets are written
    `module:attribute.path` so that the module boundary is explicit.
    """

    def __init__(self, model: SemanticModel, source: SourceText):
        self.model = model
        self.source = source
        self.text = source.text
        self.newline = source.newline
        self._insertion: Optional[int] = None
        self._reverse: Optional[Dict[str, List[str]]] = None
        self._unguarded: Optional[FrozenSet[str]] = None
        self._guarded: Dict[Tuple[str, int], bool] = {}  # (name, id of its scope): guarded?

    def reference(self, target: str, scope: Scope, site: FrozenSet[str] = frozenset()
                  ) -> Optional[Tuple[str, Optional[Edit]]]:
        """The text naming `target` in `scope`, and the import to add first (or None); None if
        the module cannot name it. `site` is the packages the expression being replaced
        already uses: a guarded import of one of them may be reused.

        The target may be reached through another spelling of its module
        (`table.spellings_of`: `tf` bound to `tensorflow.compat.v2`). An expression written
        with a library whose arrays are its own (`table.own_library`: CuPy) is fixed in that
        library, through the module's imports of it, or not at all; any other expression is
        never fixed in such a library."""
        library = self.library(site)
        if library is False:
            return None
        candidates = [target] if library is None else []
        for spelled in table.spellings_of(target):
            if table.own_library(_package(split_target(spelled)[0])) == library:
                candidates.append(spelled)
        # 1. A visible name bound to the function itself, to a parent attribute path, to the
        #    module, or to a package above it whose import loads the module.
        for candidate in candidates:
            found = self._visible(candidate, scope, site)
            if found is not None:
                return found, None
        # 2. Add an import, of a package the module imports unconditionally only.
        for candidate in candidates:
            module, attrs = split_target(candidate)
            if self.may_import(_package(module)):
                added = self._add_import(module, attrs, scope)
                if added is not None:
                    return added
        return None

    def library(self, site: FrozenSet[str]):
        """The own-array library (`table.own_library`) the packages of `site` belong to: None
        if none, False if several (no fix can be written in both)."""
        owners = {table.own_library(p) for p in site} - {None}
        if len(owners) > 1:
            return False
        return next(iter(owners), None)

    def spells(self, target: str, library: str) -> bool:
        """Whether `library` (an own-array library) has a spelling of `target`."""
        return any(table.own_library(_package(split_target(s)[0])) == library
                   for s in table.spellings_of(target))

    def packages_of(self, name: str, scope: Scope) -> FrozenSet[str]:
        """The top-level packages the imports binding `name` (seen from `scope`) are written
        with, before any alias is resolved (`cp` bound to `cupy`: cupy)."""
        bindings = self.model.lookup(name, scope)[1]
        qualnames = self.model.binding_summary(bindings)[0] if bindings else frozenset()
        return frozenset(_package(q) for q in qualnames if q and not q.startswith("."))

    def _visible(self, target: str, scope: Scope, site: FrozenSet[str]) -> Optional[str]:
        module, attrs = split_target(target)
        parts = f"{module}.{attrs}".split(".")
        module_depth = module.count(".") + 1
        for depth in range(len(parts), 0, -1):
            prefix = ".".join(parts[:depth])
            rest = parts[depth:]
            if depth < module_depth and not self._submodule_loaded(module):
                continue
            meaning = table.canonical(prefix)
            for name in self._names_bound_to(prefix):
                if self.model.name_qualname(name, scope) == meaning and \
                        (_package(prefix) in site or not self._guarded_name(name, scope)):
                    return ".".join([name] + rest)
        return None

    def may_import(self, package: str) -> bool:
        """Whether a fix may add a top-level import of `package`: one the module imports
        unconditionally at its top level, or the standard library's (`math`), which is
        always there."""
        return package in self.unguarded_packages() or package in _STANDARD_LIBRARY

    # -- guards -----------------------------------------------------------------------------------
    def unguarded_packages(self) -> FrozenSet[str]:
        """The top-level packages the module imports unconditionally, at module level, and
        their dependencies (`REQUIRES`): the only ones a fix may add an import of."""
        if self._unguarded is None:
            found = set()
            top = self.model.module_scope
            for bindings in top.bindings.values():
                for binding in bindings:
                    if binding.kind == "import" and binding.qualname and \
                            not binding.qualname.startswith(".") and \
                            self.unconditional(binding.node, top.node):
                        found.add(_package(binding.qualname))
            tree = self.model.tree
            for node in _module_level_statements(tree):  # `from numpy import *` binds no
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                        any(a.name == "*" for a in node.names) and \
                        self.unconditional(node, tree):  # name we record
                    found.add(_package(node.module))
            # A package installs its own dependencies: SciPy code may import NumPy.
            found.update(d for p in list(found) for d in REQUIRES.get(p, ()))
            self._unguarded = frozenset(found)
        return self._unguarded

    def available(self, site: FrozenSet[str] = frozenset()) -> FrozenSet[str]:
        """The packages a fix may use: those imported unconditionally at module level, and
        those the expression being replaced already uses (`site`)."""
        return self.unguarded_packages() | site

    def unconditional(self, statement: ast.AST, stop: ast.AST) -> bool:
        """Whether `statement` runs whenever the body of `stop` (the module, or the function
        it is in) does: not under an `if`, a loop, a `match`, an exception handler or a `try`
        that catches a failed import, and not in a nested function or class."""
        node = statement
        for _ in range(10_000):
            block = self.model.block_of(node)
            if block is None:
                return False
            parent, field = block
            if parent is stop:
                return True
            if isinstance(parent, _GUARDS) or type(parent).__name__ == "match_case":
                return False
            if isinstance(parent, _TRIES) and field in ("body", "orelse") and \
                    any(catches_import_error(h) for h in parent.handlers):
                return False
            if isinstance(parent, _DEFINITIONS):
                return False
            node = parent
        return False

    def _guarded_name(self, name: str, scope: Scope) -> bool:
        """Whether an import binding `name` (as seen from `scope`) is made under a guard."""
        owner, bindings = self.model.lookup(name, scope)
        if owner is None:
            return True
        key = (name, id(owner))
        guarded = self._guarded.get(key)
        if guarded is None:
            guarded = any(b.kind == "import" and not self.unconditional(b.node, owner.node)
                          for b in bindings)
            self._guarded[key] = guarded
        return guarded

    def _submodule_loaded(self, module: str) -> bool:
        """Whether importing a package above `module` makes `module` an attribute path."""
        if module.partition(".")[0] in table.LOADS_SUBMODULES:
            return True
        imported = self.model.imported_names
        return any(q == module or q.startswith(module + ".") for q in imported)

    def _names_bound_to(self, qualname: str) -> List[str]:
        if self._reverse is None:
            reverse: Dict[str, Set[str]] = {}
            for scope in self.model.scopes:
                for name, bindings in scope.bindings.items():
                    for binding in bindings:
                        if binding.kind == "import":
                            reverse.setdefault(binding.qualname or "", set()).add(name)
            self._reverse = {k: sorted(v) for k, v in reverse.items()}
        return self._reverse.get(qualname, [])

    def _add_import(self, module: str, attrs: str, scope: Scope):
        package = module.partition(".")[0]
        first = attrs.partition(".")[0]
        if table.IMPORT_STYLE.get(package) == "from" and self._name_free(first, scope):
            return attrs, self._insert(f"from {module} import {first}")
        # `import package` (or `import package.module` where importing the package does not
        # load the submodule), then spell the full path.
        name = table.CONVENTIONAL_ALIASES.get(package, package) if module == package else package
        if self._name_free(name, scope):
            if module == package or package in table.LOADS_SUBMODULES:
                statement = (f"import {package}" if name == package
                             else f"import {package} as {name}")
            else:
                statement = f"import {module}"
            path = module[len(package):]
            return f"{name}{path}.{attrs}", self._insert(statement)
        return None

    def _name_free(self, name: str, scope: Scope) -> bool:
        """`name` can be bound at module level without changing what any code refers to."""
        if self.model.binds_name_anywhere(name) or name in BUILTINS:
            return False
        return self.model.lookup(name, scope)[1] == []

    def _insert(self, statement: str) -> Edit:
        offset = self.insertion_offset()
        line = statement + self.newline
        if offset == len(self.text) and self.text and not self.text.endswith(("\n", "\r")):
            line = self.newline + statement + self.newline
        return Edit(offset, offset, line)

    def insertion_offset(self) -> int:
        """Where a new import goes: after the imports at the top of the module.

        That is after the last import of the leading block (module docstring, `__future__`
        and other imports); in a module without one, after its docstring, or before its first
        statement (so a shebang, a coding cookie and a leading comment stay first).
        """
        if self._insertion is None:
            self._insertion = self._compute_insertion()
        return self._insertion

    def _compute_insertion(self) -> int:
        body = self.model.tree.body
        anchor: Optional[ast.stmt] = None  # the statement after which to insert
        for index, stmt in enumerate(body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                anchor = stmt
            elif index == 0 and _is_docstring(stmt):
                anchor = stmt
            else:
                break
        starts = self.source.line_starts
        if anchor is None:
            if not body:
                return len(self.text)
            first = body[0]
            row = min([first.lineno] + [d.lineno for d in getattr(first, "decorator_list", [])])
            return starts[row - 1]
        row = anchor.end_lineno or anchor.lineno
        return starts[row] if row < len(starts) else len(self.text)


# Statements whose body runs only under a condition, and definitions (a new scope).
_GUARDS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler)
_TRIES = (ast.Try,) + ((getattr(ast, "TryStar"),) if hasattr(ast, "TryStar") else ())
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# Exceptions a failed import raises, by the names a handler catching them may use.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


# Packages that cannot be installed without others: where the module imports the first, it
# may import the others (`import numpy as np` in SciPy code adds no dependency).
REQUIRES = {
    "scipy": ("numpy",),
    "jax": ("numpy",),
    "tensorflow": ("numpy",),
    "keras": ("numpy",),
    "sklearn": ("numpy", "scipy"),
    "pandas": ("numpy",),
    **table.spellings.REQUIRES,
}

_STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) - {"__future__"}


def _module_level_statements(tree: ast.Module):
    """The statements that run with the module's body: its own and those of the blocks in
    it (`if`, `try`, `with`, loops, handlers, `match` cases), not those of functions and
    classes. Statements only: walking every expression of a large module was most of the
    cost of a fix's checks."""
    stack: List[ast.AST] = list(reversed(tree.body))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, _DEFINITIONS):
            continue
        children: List[ast.AST] = []
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.stmt):
                children.append(child)
            elif isinstance(child, ast.ExceptHandler) or \
                    type(child).__name__ == "match_case":
                children.extend(getattr(child, "body", ()))
        stack.extend(reversed(children))


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    """Whether `handler` may catch a failed import and go on (bare `except:` does; an
    unknown name is assumed to; a handler that raises again does not go on)."""
    if handler.body and isinstance(handler.body[-1], ast.Raise):
        return False
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for name in names:
        text = name.attr if isinstance(name, ast.Attribute) else \
            name.id if isinstance(name, ast.Name) else None
        if text is None or text in _IMPORT_ERRORS:
            return True
        if text.endswith("Error") or text.endswith("Exception") or text.endswith("Warning"):
            continue  # another exception: `except ValueError`
        return True
    return False


def _package(qualname: str) -> str:
    return qualname.partition(".")[0]


def split_target(target: str) -> Tuple[str, str]:
    """`"numpy:logaddexp.reduce"` -> module and attribute path; without a colon the last
    component is the attribute (`"scipy.special.logsumexp"`)."""
    if ":" in target:
        module, _, attrs = target.partition(":")
        return module, attrs
    module, _, attr = target.rpartition(".")
    return module, attr


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))
