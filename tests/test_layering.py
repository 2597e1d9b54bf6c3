"""numlint's parts and the direction of their imports (docs/architecture.md, "Parts").

    numlint/cli/        the faces          may use run, authoring, engine
    numlint/authoring/  tools for authors  may use engine
    numlint/run/        files on disk      may use engine
    numlint/engine/     one source text    uses nothing above it; finds rules by discovery only
    rules/              the catalog        may use engine.rule and engine.table only
    numlint/*.py        the top            __init__ (lazy public names), __main__ (the entry
                                           point), fixit (the Fixit rule pack under the name
                                           Fixit configurations use): may use cli and engine

Every import is checked, at module level and inside functions (a function-level import is
allowed for start-up speed, but only downward), `if TYPE_CHECKING:` ones included.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "numlint"
CATALOG = ROOT / "rules"

# part -> the parts it may import (itself always included)
ALLOWED = {
    "cli": {"cli", "run", "authoring", "engine", "top"},
    "authoring": {"authoring", "engine", "top"},
    "run": {"run", "engine", "top"},
    "engine": {"engine", "top"},
    "rules": {"rules", "engine.rule", "engine.table"},
    # __init__'s lazy public names, __main__'s entry point, `numlint.fixit` (cli's Fixit rules)
    "top": {"top", "cli", "engine"},
}
MAX_TOP_MODULES = 8
TOP_MODULES = ("__init__", "__main__", "__version__", "fixit")


def module_name(path: Path) -> str:
    if path.is_relative_to(CATALOG):
        parts = ("numlint", "rules") + path.relative_to(CATALOG).with_suffix("").parts
    else:
        parts = ("numlint",) + path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def source_files() -> List[Path]:
    return sorted(PACKAGE.rglob("*.py")) + sorted(CATALOG.rglob("*.py"))


def imports(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, absolute module) for every `numlint` import in the file, anywhere in it."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from numlint.engine import noqa` imports a module
                yield node.lineno, f"{target}.{alias.name}"


def part_of(module: str) -> str:
    """The part a `numlint.*` module belongs to (`engine.rule` and `engine.table` are named
    finely, for the catalog's rule)."""
    parts = module.split(".")
    if parts[0] != "numlint":
        return "external"
    if len(parts) == 1 or parts[1] in TOP_MODULES:
        return "top"
    if parts[1] == "engine" and len(parts) > 2 and parts[2] in ("rule", "table"):
        return f"engine.{parts[2]}"
    return parts[1]


def _known(module: str) -> bool:
    """Whether `module` names one of numlint's modules or packages (not an attribute)."""
    parts = module.split(".")
    if parts[:2] == ["numlint", "rules"]:
        base = CATALOG.joinpath(*parts[2:])
    else:
        base = PACKAGE.joinpath(*parts[1:])
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def graph() -> Dict[str, Set[str]]:
    edges: Dict[str, Set[str]] = {}
    for path in source_files():
        edges[module_name(path)] = {target for _, target in imports(path)
                                    if target.startswith("numlint") and _known(target)}
    return edges


def coarse(part: str) -> str:
    return part.split(".")[0]


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
    source = module_name(path)
    mine = coarse(part_of(source))
    allowed = ALLOWED[mine]
    wrong = []
    for line, target in imports(path):
        if not target.startswith("numlint") or not _known(target):
            continue
        theirs = part_of(target)
        if theirs in allowed or coarse(theirs) in allowed and mine != "rules":
            continue
        if mine == "rules" and coarse(theirs) == "rules":
            continue
        wrong.append(f"line {line}: {target} ({theirs})")
    assert not wrong, f"{source} ({mine}) may import only {sorted(allowed)}: {wrong}"


def test_the_engine_finds_rules_only_by_discovery():
    """No engine module imports the catalog by name: the registry walks it."""
    for path in (PACKAGE / "engine").rglob("*.py"):
        for line, target in imports(path):
            assert not target.startswith("numlint.rules"), (path, line, target)


def test_no_import_cycle_spans_two_folders():
    """Cycles inside one folder (the model and its dataflow in `semantic/`) are allowed; a
    cycle through two folders means a part depends on one above it."""
    edges = graph()
    folder = {m: m.rpartition(".")[0] if not (PACKAGE / Path(*m.split(".")[1:]) / "__init__.py"
                                              ).is_file() else m for m in edges}
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    components: List[List[str]] = []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in edges.get(node, ()):
            if successor not in edges:
                continue
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    spanning = [sorted(c) for c in components if len({folder[m] for m in c}) > 1]
    assert not spanning, spanning


def test_few_modules_at_the_top():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= MAX_TOP_MODULES, top


def test_the_checker_catches_an_upward_import(tmp_path):
    """The test above can fail: an engine module importing the command line is reported."""
    fake = tmp_path / "numlint"
    (fake / "engine").mkdir(parents=True)
    (fake / "cli").mkdir()
    (fake / "cli" / "__init__.py").write_text("")
    (fake / "cli" / "main.py").write_text("")
    (fake / "engine" / "__init__.py").write_text("")
    bad = fake / "engine" / "bad.py"
    bad.write_text("def f():\n    from numlint.cli.main import main\n")
    globals()["PACKAGE"], saved = fake, PACKAGE
    try:
        with pytest.raises(AssertionError, match="numlint.cli.main"):
            test_imports_point_down(bad)
    finally:
        globals()["PACKAGE"] = saved
