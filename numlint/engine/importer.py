"""The importer: how a fix names a library function from the module it edits.

Reuses the module's own imports where one reaches the function (`sp.logsumexp` after
`import scipy.special as sp`) and otherwise adds the import statement, in the framework's
conventional style, after the module's leading imports.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

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

    def reference(self, target: str, scope: Scope) -> Optional[Tuple[str, Optional[Edit]]]:
        module, attrs = split_target(target)
        full = f"{module}.{attrs}"
        # 1. A visible name bound to the function itself, to a parent attribute path, to the
        #    module, or to a package above it whose import loads the module.
        parts = full.split(".")
        module_depth = module.count(".") + 1
        for depth in range(len(parts), 0, -1):
            prefix = ".".join(parts[:depth])
            rest = parts[depth:]
            if depth < module_depth and not self._submodule_loaded(module):
                continue
            for name in self._names_bound_to(prefix):
                if self.model.name_qualname(name, scope) == prefix:
                    return ".".join([name] + rest), None
        # 2. Add an import.
        return self._add_import(module, attrs, scope)

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
