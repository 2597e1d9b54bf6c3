"""What one module tells the others: module summaries, and how the model reads them.

Real ML code defines its networks in one module and its losses in another. While a module is
analysed, `summarize` records what other modules may ask of it, as small facts that survive
the process (JSON, cached by content): what each function, method and network returns (the
operation, and which parameter is its operand), each class's bases, its forward pass's output
and what its initializer binds, module-level names bound to networks, and the names it
re-exports. A module being checked reads the summaries of the first-party modules it imports
through a `Project` (the run layer's, or none: then first-party imports are unknown, and
unknown is always an acceptable answer).

The engine never reads files: `Project.summary(module)` is answered by `numlint.run.project`,
which maps module names to files, computes summaries on demand and caches them. Which summaries
a check read, and their digests, are recorded (`ProjectView.used`) so that a cached result is
invalidated when a module it depends on changes.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Protocol, Tuple

from numlint.engine import table
from numlint.engine.table.schema import Spec

if TYPE_CHECKING:
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.semantic.scopes import Scope

# Summaries follow re-exports and aliases through at most this many modules.
MAX_DEPTH = 8
SCHEMA = 1  # bumped when the summaries' shape changes (they are cached)


# -- the facts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Returned:
    """What calling something returns: the operation `kind` (table entry `spec`, by
    `table.spec_key`) and the form of the call: `"returned"`, a function whose every return
    performs it; `"model"`, a network (or layer) whose output ends in that activation (a
    class's instances, a name holding one); `"network"`, a function that builds and returns
    such a network (calling it gives the network, calling that gives the output). `operand`
    is the parameter whose argument is the operation's operand, if one is."""

    kind: str
    spec: str
    form: str = "returned"
    operand: Optional[str] = None

    def to_json(self) -> list:
        return [self.kind, self.spec, self.form, self.operand]

    @classmethod
    def from_json(cls, data: Any) -> "Returned":
        kind, spec, form, operand = data
        if not (isinstance(kind, str) and isinstance(spec, str) and form in ("returned", "model", "network")
                and (operand is None or isinstance(operand, str))):
            raise ValueError("bad returned fact")
        if table.spec_from_key(spec) is None:
            raise ValueError(f"unknown table entry {spec!r}")
        return cls(kind, spec, form, operand)


@dataclass(frozen=True)
class ClassSummary:
    """A class: its bases (qualified names), what its methods return, what calling an
    instance returns (its `forward`/`__call__`/`call`), and what its initializer binds to
    `self.` attributes that matters to callers: a network or layer (`output`) or a function
    (`functions`, by qualified name)."""

    bases: Tuple[str, ...] = ()
    methods: Dict[str, Returned] = field(default_factory=dict)
    output: Optional[Returned] = None
    attributes: Dict[str, Returned] = field(default_factory=dict)
    functions: Dict[str, str] = field(default_factory=dict)

    @property
    def kinds(self) -> frozenset:
        """The operation kinds its methods, attributes and instances hand a caller."""
        found = {r.kind for r in self.methods.values()} | {r.kind for r in self.attributes.values()}
        if self.output is not None:
            found.add(self.output.kind)
        return frozenset(found)

    def to_json(self) -> dict:
        return {"bases": list(self.bases),
                "methods": {k: v.to_json() for k, v in self.methods.items()},
                "output": self.output.to_json() if self.output else None,
                "attributes": {k: v.to_json() for k, v in self.attributes.items()},
                "functions": dict(self.functions)}

    @classmethod
    def from_json(cls, data: Any) -> "ClassSummary":
        if not isinstance(data, dict):
            raise ValueError("bad class fact")
        bases = data["bases"]
        functions = data["functions"]
        if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases) or \
                not isinstance(functions, dict) or \
                not all(isinstance(k, str) and isinstance(v, str) for k, v in functions.items()):
            raise ValueError("bad class fact")
        return cls(tuple(bases), _returned_map(data["methods"]),
                   Returned.from_json(data["output"]) if data["output"] is not None else None,
                   _returned_map(data["attributes"]), dict(functions))


@dataclass(frozen=True)
class ModuleSummary:
    """Everything other modules may ask of one module (see the module docstring)."""

    module: str
    functions: Dict[str, Returned] = field(default_factory=dict)
    classes: Dict[str, ClassSummary] = field(default_factory=dict)
    aliases: Dict[str, str] = field(default_factory=dict)   # name -> qualified name
    values: Dict[str, Returned] = field(default_factory=dict)  # name -> a network it holds

    @property
    def kinds(self) -> frozenset:
        """The operation kinds a caller can obtain from this module (for the prefilter)."""
        found = {r.kind for r in self.functions.values()} | {r.kind for r in self.values.values()}
        for cls in self.classes.values():
            found |= cls.kinds
        return frozenset(found)

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "module": self.module,
                "functions": {k: v.to_json() for k, v in self.functions.items()},
                "classes": {k: v.to_json() for k, v in self.classes.items()},
                "aliases": dict(self.aliases),
                "values": {k: v.to_json() for k, v in self.values.items()}}

    @classmethod
    def from_json(cls, data: Any) -> "ModuleSummary":
        """Validated field by field: anything unexpected raises ValueError (a cache miss)."""
        try:
            if not isinstance(data, dict) or data.get("schema") != SCHEMA or \
                    not isinstance(data["module"], str):
                raise ValueError("bad summary")
            aliases = data["aliases"]
            if not isinstance(aliases, dict) or \
                    not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
                raise ValueError("bad aliases")
            classes = data["classes"]
            if not isinstance(classes, dict):
                raise ValueError("bad classes")
            return cls(data["module"], _returned_map(data["functions"]),
                       {str(k): ClassSummary.from_json(v) for k, v in classes.items()},
                       dict(aliases), _returned_map(data["values"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"bad summary: {exc}") from None

    def digest(self) -> str:
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _returned_map(data: Any) -> Dict[str, Returned]:
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ValueError("bad map")
    return {k: Returned.from_json(v) for k, v in data.items()}


# -- the project, as the engine sees it ---------------------------------------------------------

class Project(Protocol):
    """The run layer's view of the project (`numlint.run.project.ProjectIndex`)."""

    def text_facts(self, module: str, wanted: frozenset) -> Optional[Tuple[bool, frozenset]]:
        """Cheap facts about a first-party module's text, before its summary is computed:
        whether it spells any of the kinds `wanted`, and the names its import statements
        mention (`imported_names`); None if it is not found or unreadable."""

    def module_of(self, path: str) -> Optional[Tuple[str, bool]]:
        """The module name a file is imported as, and whether it is a package's
        `__init__`; None outside the project's source roots."""

    def summary(self, module: str) -> Optional[ModuleSummary]:
        """What module `module` says; None: not first-party, not found, or unreadable."""


@dataclass(frozen=True)
class Fact:
    """What a first-party qualified name refers to: a function, a class or a value."""

    qualname: str
    returned: Optional[Returned] = None      # a function, or a name holding a network
    cls: Optional[ClassSummary] = None
    function_alias: Optional[str] = None     # a library function under another name

    @property
    def kinds(self) -> frozenset:
        """The operation kinds a module importing this name can obtain from it."""
        found = set()
        if self.returned is not None:
            found.add(self.returned.kind)
        if self.cls is not None:
            found |= self.cls.kinds
        if self.function_alias is not None:
            spec = table.FUNCTIONS.get(self.function_alias)
            if spec is not None:
                found.add(spec.kind)
        return frozenset(found)


class ProjectView:
    """One module's window on the project: its own module name (to resolve relative
    imports), the summaries it read (and their digests, for the cache), memoised."""

    def __init__(self, project: Optional[Project], module: Optional[str],
                 is_package: bool = False):
        self.project = project
        self.module = module
        self.is_package = is_package
        self.used: Dict[str, Optional[str]] = {}   # module -> digest of what was read
        self._summaries: Dict[str, Optional[ModuleSummary]] = {}

    def absolute(self, qualname: str) -> Optional[str]:
        """`.nets.probs` in module `gan.train` is `gan.nets.probs`; None if it climbs above
        the top-level package or the module's name is unknown."""
        if not qualname.startswith("."):
            return qualname
        if self.module is None:
            return None
        level = len(qualname) - len(qualname.lstrip("."))
        rest = qualname[level:]
        package = self.module.split(".")
        if not self.is_package:
            package = package[:-1]
        if level - 1 >= len(package):  # above the top-level package: an ImportError
            return None
        base = package[:len(package) - (level - 1)]
        return ".".join(base + ([rest] if rest else [])) or None

    def summary(self, module: str) -> Optional[ModuleSummary]:
        if self.project is None or module.partition(".")[0] in table.MODULE_FRAMEWORKS:
            return None
        if module not in self._summaries:
            found = self.project.summary(module)
            self._summaries[module] = found
            self.used[module] = found.digest() if found is not None else None
        return self._summaries[module]

    @property
    def providable(self) -> frozenset:
        """The kinds other modules' summaries may provide to the prefilter."""
        return table.PROVIDED_KINDS

    def provided_kinds(self, tree: ast.Module, wanted: frozenset) -> frozenset:
        """Among `wanted`, the operation kinds the first-party names this module imports (at
        module level) can hand it, from their summaries. A module whose text spells none of
        `wanted` and does not import the name again (a re-export) is not summarised."""
        found: set = set()
        wanted = wanted & table.PROVIDED_KINDS
        if not wanted or self.project is None:
            return frozenset()
        for statement in tree.body:
            pairs: List[Tuple[str, Optional[str]]]
            if isinstance(statement, ast.ImportFrom):
                base = "." * statement.level + (statement.module or "")
                pairs = [(base, a.name) for a in statement.names if a.name != "*"]
            elif isinstance(statement, ast.Import):
                pairs = [(a.name, None) for a in statement.names]
            else:
                continue
            for module, name in pairs:
                absolute = self.absolute(module) if module.strip(".") or name else None
                if absolute is None or absolute.partition(".")[0] in table.MODULE_FRAMEWORKS:
                    continue
                facts = self._text_facts(absolute, wanted)
                if facts is None and name is not None:  # `from pkg import module`
                    absolute, name = f"{absolute}.{name}", None
                    facts = self._text_facts(absolute, wanted)
                if facts is None:
                    continue
                spelled, imported = facts
                if not spelled and (name is None or (name not in imported
                                                     and "*" not in imported)):
                    continue
                if name is not None:
                    fact = self.resolve(f"{absolute}.{name}")
                    if fact is not None:
                        found |= fact.kinds
                    continue
                summary = self.summary(absolute)  # `import m`: what m itself defines
                if summary is not None:
                    found |= summary.kinds
        return frozenset(found & wanted)

    def _text_facts(self, module: str, wanted: frozenset):
        """(whether the module's text spells any of `wanted`, the names its import
        statements mention); None if it is not a first-party module."""
        if self.project is None:
            return None
        return self.project.text_facts(module, wanted)

    def resolve(self, qualname: str, depth: int = 0) -> Optional[Fact]:
        """The fact behind a first-party qualified name, through re-exports and aliases."""
        if self.project is None or depth > MAX_DEPTH:
            return None
        absolute = self.absolute(qualname)
        if absolute is None or absolute.partition(".")[0] in table.MODULE_FRAMEWORKS:
            return None
        parts = absolute.split(".")
        for split in range(len(parts) - 1, 0, -1):
            summary = self.summary(".".join(parts[:split]))
            if summary is None:
                continue
            return self._in_summary(summary, parts[split:], depth)
        return None

    def _in_summary(self, summary: ModuleSummary, path: List[str],
                    depth: int) -> Optional[Fact]:
        name, rest = path[0], path[1:]
        qualname = f"{summary.module}.{'.'.join(path)}"
        if name in summary.aliases:
            target = summary.aliases[name]
            if target in table.FUNCTIONS and not rest:
                return Fact(qualname, function_alias=target)
            return self.resolve(".".join([target] + rest), depth + 1)
        if name in summary.classes:
            cls = summary.classes[name]
            if not rest:
                return Fact(qualname, cls=cls)
            if len(rest) == 1 and rest[0] in cls.methods:
                return Fact(qualname, returned=cls.methods[rest[0]])
            return None
        if rest:
            return None
        if name in summary.functions:
            return Fact(qualname, returned=summary.functions[name])
        if name in summary.values:
            return Fact(qualname, returned=summary.values[name])
        return None


_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t][^\n]*?)?import[ \t]+([^\n#]*)", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\*")


def imported_names(text: str):
    """The names the import statements of `text` mention (on their first line: enough to
    recognise a re-export; `*` for a star import)."""
    for match in _IMPORT_LINE.finditer(text):
        yield from _WORD.findall(match.group(1))


# -- computing a summary -------------------------------------------------------------------------

def summarize(model: "SemanticModel", module: str) -> ModuleSummary:
    """The summary of the module `model` analyses, known to others as `module`."""
    view = model.project
    functions: Dict[str, Returned] = {}
    classes: Dict[str, ClassSummary] = {}
    aliases: Dict[str, str] = {}
    values: Dict[str, Returned] = {}
    scope = model.module_scope
    for name, bindings in scope.bindings.items():
        if len(bindings) != 1:
            continue
        binding = bindings[0]
        if binding.kind == "import" and binding.qualname:
            absolute = view.absolute(binding.qualname) if view is not None else binding.qualname
            if absolute is not None and not absolute.startswith("."):
                aliases[name] = absolute
        elif binding.kind == "def":
            function = model.scope_by_node.get(binding.node)
            if function is not None:
                returned = returned_fact(model, function)
                if returned is not None:
                    functions[name] = returned
        elif binding.kind == "class" and isinstance(binding.node, ast.ClassDef):
            summary = _class_summary(model, binding.node, scope)
            if summary is not None:
                classes[name] = summary
        elif binding.kind == "assign" and binding.value is not None:
            if isinstance(binding.value, (ast.Name, ast.Attribute)):
                qualname = model.qualname(binding.value, scope)
                if qualname is not None and qualname in table.FUNCTIONS:
                    aliases[name] = qualname  # `probs = scipy.special.softmax`
            elif isinstance(binding.value, ast.Call):
                network = model.network_output(binding.value, scope)
                if network is not None:
                    values[name] = network
    return ModuleSummary(module, functions, classes, aliases, values)


def returned_fact(model: "SemanticModel", function: "Scope") -> Optional[Returned]:
    """What a function returns, as a fact: the operation every `return` performs (with the
    parameter that is its operand), or a network ending in an activation (a factory)."""
    found = model.returned_op_of(function)
    if found is not None:
        kind, spec, operand = found
        return Returned(kind, table.spec_key(spec), "returned", operand)
    return model.returned_network(function)


def _class_summary(model: "SemanticModel", cls: ast.ClassDef,
                   scope: "Scope") -> Optional[ClassSummary]:
    bases = []
    for base in cls.bases:
        qualname = model.qualname(base, scope)
        if qualname is not None:
            absolute = model.project.absolute(qualname) if model.project is not None \
                else qualname
            if absolute is not None:
                bases.append(absolute)
    methods: Dict[str, Returned] = {}
    output = None
    for method, _ in model.dataflow.class_methods(cls):
        node = method.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        returned = returned_fact(model, method)
        if returned is not None:
            methods[node.name] = returned
    for name in table.FORWARD_METHODS:
        if name in methods and methods[name].kind in table.ACTIVATIONS:
            forward = methods[name]
            output = Returned(forward.kind, forward.spec, "model")
            break
    attributes: Dict[str, Returned] = {}
    functions: Dict[str, str] = {}
    for method, self_name in model.dataflow.class_methods(cls):
        if getattr(method.node, "name", None) not in table.INITIALIZERS:
            continue
        prefix = f"{self_name}."
        for key, bindings in method.attributes.items():
            if not key.startswith(prefix) or len(bindings) != 1 or bindings[0].value is None:
                continue
            attribute, value = key[len(prefix):], bindings[0].value
            if isinstance(value, (ast.Name, ast.Attribute)):
                qualname = model.qualname(value, method)
                if qualname is not None and qualname in table.FUNCTIONS:
                    functions[attribute] = qualname  # `self.inv = np.linalg.inv`
            elif isinstance(value, ast.Call):
                network = model.network_output(value, method)
                if network is not None:
                    attributes[attribute] = network
    if not (bases or methods or output or attributes or functions):
        return None
    return ClassSummary(tuple(bases), methods, output, attributes, functions)


def spec_of(returned: Returned) -> Optional[Spec]:
    return table.spec_from_key(returned.spec)
