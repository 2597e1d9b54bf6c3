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
import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Protocol, Tuple

from numlint.engine import table
from numlint.engine.table.schema import Spec

if TYPE_CHECKING:
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.semantic.scopes import Scope

# Summaries follow re-exports and aliases through at most this many modules.
MAX_DEPTH = 8
# A function returning another first-party function's result is followed through at most
# this many delegations (`predict` returns `probs(x)`, which returns a softmax).
MAX_DELEGATIONS = 4
SCHEMA = 4  # bumped when the summaries' shape changes (they are cached)
# The operations whose input is a hazardous position for a parameter: a `log` (of a softmax or
# a sigmoid output it underflows), a loss's prediction argument (probabilities or logits).
SINK_KINDS = frozenset({"log", "binary_cross_entropy", "cross_entropy", "nll_loss"})
# Kinds the summaries of imported modules may provide to the prefilter (`provided_kinds`).
PROVIDABLE = table.PROVIDED_KINDS | SINK_KINDS
# What a loss's prediction argument holds (`numlint.engine.table.losses`).
_HOLDS = ("logits", "probabilities", "log_probabilities")


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
class Delegation:
    """A function whose every `return` is the result of calling one first-party function
    (`return probs(x)`): the callee's absolute qualified name, not looked up when the summary
    is computed (a summary never reads another's), and which of the caller's parameters each
    argument is (`positional[i]`, `keywords[name]`; None: not a parameter). Followed when a
    check asks (`ProjectView.resolve`)."""

    target: str
    positional: Tuple[Optional[str], ...] = ()
    keywords: Dict[str, Optional[str]] = field(default_factory=dict)

    def to_json(self) -> list:
        return [self.target, list(self.positional), dict(self.keywords)]

    @classmethod
    def from_json(cls, data: Any) -> "Delegation":
        target, positional, keywords = data
        if not (isinstance(target, str) and isinstance(positional, list)
                and all(p is None or isinstance(p, str) for p in positional)
                and isinstance(keywords, dict)
                and all(isinstance(k, str) and (v is None or isinstance(v, str))
                        for k, v in keywords.items())):
            raise ValueError("bad delegation")
        return cls(target, tuple(positional), dict(keywords))

    @property
    def passes_parameters(self) -> bool:
        """Whether some argument is a parameter of the caller."""
        return any(p is not None for p in self.positional) or \
            any(p is not None for p in self.keywords.values())

    def argument(self, parameter: Optional[str], parameters: Tuple[str, ...]) -> Optional[str]:
        """The caller's parameter passed as the callee's `parameter` (the callee's positional
        parameters are `parameters`), if one is."""
        if parameter is None:
            return None
        if parameter in self.keywords:
            return self.keywords[parameter]
        if parameter in parameters:
            index = parameters.index(parameter)
            if index < len(self.positional):
                return self.positional[index]
        return None


@dataclass(frozen=True)
class Sink:
    """A parameter of a function whose value reaches a hazardous position in it: the operand
    of a `log` (`kind` "log"), or the prediction argument of a loss (`kind` the loss's, `holds`
    what that argument holds: "logits", "probabilities" or "log_probabilities"). `line` is
    where that operation is, in the function's module (for messages at the call sites)."""

    parameter: str
    kind: str
    holds: Optional[str] = None
    line: int = 0
    # The module of that operation, once read from a summary (not stored: a summary's own
    # sinks are in its module; a function forwarding its parameter gets its callee's).
    module: Optional[str] = field(default=None, compare=False)

    def to_json(self) -> list:
        return [self.parameter, self.kind, self.holds, self.line]

    @classmethod
    def from_json(cls, data: Any) -> "Sink":
        parameter, kind, holds, line = data
        if not (isinstance(parameter, str) and kind in SINK_KINDS
                and (holds is None or holds in _HOLDS)
                and type(line) is int and line >= 0):
            raise ValueError("bad sink")
        return cls(parameter, kind, holds, line)


@dataclass(frozen=True)
class Forward:
    """A function's `parameter` passed to a first-party function of another module, `target`
    (its absolute qualified name as written: not looked up), as its argument at `position` or
    by `keyword`: the callee's sinks become the function's when a check asks."""

    parameter: str
    target: str
    position: Optional[int] = None
    keyword: Optional[str] = None

    def to_json(self) -> list:
        return [self.parameter, self.target, self.position, self.keyword]

    @classmethod
    def from_json(cls, data: Any) -> "Forward":
        parameter, target, position, keyword = data
        if not (isinstance(parameter, str) and isinstance(target, str)
                and ((type(position) is int and position >= 0 and keyword is None)
                     or (position is None and isinstance(keyword, str)))):
            raise ValueError("bad forward")
        return cls(parameter, target, position, keyword)


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
    # Methods that return a first-party function's result (`return probs(X @ self.w)`),
    # followed when asked, and their positional parameters (after `self`).
    delegations: Dict[str, "Delegation"] = field(default_factory=dict)
    parameters: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    # Of each method, the parameters that reach a hazardous position in it (`crit.nll(p)`
    # with `crit = Criterion()`); their positional parameters (after `self`) are above.
    sinks: Dict[str, Tuple["Sink", ...]] = field(default_factory=dict)

    @property
    def kinds(self) -> frozenset:
        """The operation kinds its methods, attributes and instances hand a caller, and where
        its methods put their parameters."""
        found = {r.kind for r in self.methods.values()} | {r.kind for r in self.attributes.values()}
        if self.output is not None:
            found.add(self.output.kind)
        found |= {s.kind for sinks in self.sinks.values() for s in sinks}
        return frozenset(found)

    def to_json(self) -> dict:
        return {"bases": list(self.bases),
                "methods": {k: v.to_json() for k, v in self.methods.items()},
                "output": self.output.to_json() if self.output else None,
                "attributes": {k: v.to_json() for k, v in self.attributes.items()},
                "functions": dict(self.functions),
                "delegations": {k: v.to_json() for k, v in self.delegations.items()},
                "parameters": {k: list(v) for k, v in self.parameters.items()},
                "sinks": {k: [s.to_json() for s in v] for k, v in self.sinks.items()}}

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
        delegations, parameters = data["delegations"], data["parameters"]
        if not isinstance(delegations, dict) or not all(isinstance(k, str) for k in delegations) \
                or not isinstance(parameters, dict) or \
                not all(isinstance(k, str) and isinstance(v, list)
                        and all(isinstance(p, str) for p in v) for k, v in parameters.items()):
            raise ValueError("bad class fact")
        sinks = data["sinks"]
        if not isinstance(sinks, dict) or not all(
                isinstance(k, str) and isinstance(v, list) and v for k, v in sinks.items()):
            raise ValueError("bad class fact")
        return cls(tuple(bases), _returned_map(data["methods"]),
                   Returned.from_json(data["output"]) if data["output"] is not None else None,
                   _returned_map(data["attributes"]), dict(functions),
                   {k: Delegation.from_json(v) for k, v in delegations.items()},
                   {k: tuple(v) for k, v in parameters.items()},
                   {k: tuple(Sink.from_json(s) for s in v) for k, v in sinks.items()})


@dataclass(frozen=True)
class ModuleSummary:
    """Everything other modules may ask of one module (see the module docstring)."""

    module: str
    functions: Dict[str, Returned] = field(default_factory=dict)
    classes: Dict[str, ClassSummary] = field(default_factory=dict)
    aliases: Dict[str, str] = field(default_factory=dict)   # name -> qualified name
    values: Dict[str, Returned] = field(default_factory=dict)  # name -> a network it holds
    delegations: Dict[str, Delegation] = field(default_factory=dict)
    # The positional parameters of the functions above whose operand is a parameter, of the
    # delegating ones and of those with sinks (to map a callee's parameter to an argument).
    parameters: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    # Of each function, the parameters that reach a hazardous position in it.
    sinks: Dict[str, Tuple[Sink, ...]] = field(default_factory=dict)
    # Of each function, the parameters it passes to another module's functions (their sinks).
    forwards: Dict[str, Tuple[Forward, ...]] = field(default_factory=dict)

    @property
    def kinds(self) -> frozenset:
        """The operation kinds a caller can obtain from this module: what its functions
        return, and where they put their parameters (`nll(softmax(z))` is a log of a
        softmax)."""
        found = {r.kind for r in self.functions.values()} | {r.kind for r in self.values.values()}
        found |= {s.kind for sinks in self.sinks.values() for s in sinks}
        for cls in self.classes.values():
            found |= cls.kinds
        return frozenset(found)

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "module": self.module,
                "functions": {k: v.to_json() for k, v in self.functions.items()},
                "classes": {k: v.to_json() for k, v in self.classes.items()},
                "aliases": dict(self.aliases),
                "values": {k: v.to_json() for k, v in self.values.items()},
                "delegations": {k: v.to_json() for k, v in self.delegations.items()},
                "parameters": {k: list(v) for k, v in self.parameters.items()},
                "sinks": {k: [s.to_json() for s in v] for k, v in self.sinks.items()},
                "forwards": {k: [f.to_json() for f in v] for k, v in self.forwards.items()}}

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
            delegations = data["delegations"]
            parameters = data["parameters"]
            if not isinstance(delegations, dict) or not isinstance(parameters, dict) or \
                    not all(isinstance(k, str) and isinstance(v, list)
                            and all(isinstance(p, str) for p in v)
                            for k, v in parameters.items()):
                raise ValueError("bad delegations")
            sinks, forwards = data["sinks"], data["forwards"]
            if not all(isinstance(m, dict) and all(isinstance(k, str) and isinstance(v, list)
                                                   and v for k, v in m.items())
                       for m in (sinks, forwards)):
                raise ValueError("bad sinks")
            return cls(data["module"], _returned_map(data["functions"]),
                       {str(k): ClassSummary.from_json(v) for k, v in classes.items()},
                       dict(aliases), _returned_map(data["values"]),
                       {str(k): Delegation.from_json(v) for k, v in delegations.items()},
                       {k: tuple(v) for k, v in parameters.items()},
                       {k: tuple(Sink.from_json(s) for s in v) for k, v in sinks.items()},
                       {k: tuple(Forward.from_json(f) for f in v) for k, v in forwards.items()})
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

    def text_facts(self, module: str, wanted: frozenset, name: Optional[str] = None,
                   transitive: bool = True) -> Optional[Tuple[bool, Dict[str, Optional[str]]]]:
        """Cheap facts about a first-party module's text, before its summary is computed:
        whether it (for `name`, the module defining what it hands out under that name, or
        not `transitive` that name's own lines), or (`transitive`) a first-party module it
        imports, spells any of the kinds `wanted`; and when nothing does, the digests of the
        texts read to say so (dependencies of a result, as summaries are). None if it is not
        found or unreadable."""

    def module_of(self, path: str) -> Optional[Tuple[str, bool]]:
        """The module name a file is imported as, and whether it is a package's
        `__init__`; None outside the project's source roots."""

    def first_party(self, top: str) -> bool:
        """Whether `top` is a top-level module or package of the project."""

    def summary(self, module: str) -> Optional[ModuleSummary]:
        """What module `module` says; None: not first-party, not found, or unreadable."""


@dataclass(frozen=True)
class Fact:
    """What a first-party qualified name refers to: a function, a class or a value."""

    qualname: str
    returned: Optional[Returned] = None      # a function, or a name holding a network
    cls: Optional[ClassSummary] = None
    function_alias: Optional[str] = None     # a library function under another name
    parameters: Tuple[str, ...] = ()         # a function's positional parameters, if known
    sinks: Tuple[Sink, ...] = ()             # its parameters that reach a hazardous position


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
        self._following: List[str] = []  # the delegations being followed (cycles, depth)
        self._leads: Dict[Tuple[str, FrozenSet[str], bool], bool] = {}  # (`may_lead_to`)

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

    def first_party(self, qualname: str) -> bool:
        """Whether `qualname` (`.nets.probs`, `pkg.losses.nll`) names something of a module
        of the project, by its top-level package alone (no text read)."""
        absolute = self.absolute(qualname)
        if absolute is None or self.project is None:
            return False
        top = absolute.partition(".")[0]
        return top not in table.MODULE_FRAMEWORKS and self.project.first_party(top)

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
        """The kinds other modules' summaries may provide to the prefilter: what their
        functions return, and the hazardous positions their parameters reach."""
        return PROVIDABLE

    def providable_for(self, text: str) -> frozenset:
        """`providable`, for a module whose text is `text`: a hazardous position in an
        imported function matters only to a module that spells an activation to pass it
        (`nll(softmax(z))`), so the sink kinds are asked for only then (a `log` is missing
        from most modules: asking for it everywhere would summarise most imports)."""
        from numlint.engine.prefilter import spelled_here
        if spelled_here(text, table.ACTIVATIONS):
            return PROVIDABLE
        return table.PROVIDED_KINDS

    def provided_kinds(self, tree: ast.Module, wanted: frozenset) -> frozenset:
        """Among `wanted`, the operation kinds the first-party names this module imports (at
        module level) may hand it: all of them once the text of one such module, or of a
        first-party module it leads to, spells one; none when no text does (an answer that
        depends on the texts read). Texts only: no module is summarised here."""
        wanted = wanted & PROVIDABLE
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
                facts = None
                if name is not None:  # `from pkg import module`, a module of the package
                    facts = self._text_facts(f"{absolute}.{name}", wanted)
                    if facts is not None:
                        absolute, name = f"{absolute}.{name}", None
                if facts is None:
                    facts = self._text_facts(absolute, wanted, name)
                if facts is None:
                    continue
                spelled, read = facts
                # Spelled by neither the module nor the first-party modules it imports (which
                # re-exports and delegations reach): nothing it hands out can be one of them.
                if not spelled:
                    self.used.update(read)
                    continue
                # Spelled somewhere it leads: maybe. The module is walked, and its rules ask
                # for a summary only where a first-party value reaches an operand they read.
                # Summarising each such import here to answer exactly cost more than the walks
                # it spared: on the benchmarks' large tier, with the eleven rules of wave 1,
                # 425 summaries for the 3,177 modules asked, one of which they let through.
                return wanted
        return frozenset()

    def may_lead_to(self, qualname: str, wanted: FrozenSet[str], transitive: bool = True) -> bool:
        """Whether the first-party name `qualname` (`.nets.probs`, `pkg.losses.nll`,
        `pkg.crit.Criterion`) may lead to one of the kinds `wanted` by the texts its summary
        can come from (`Project.text_facts`, for the longest prefix that is a first-party
        module and the name after it; not `transitive`: by the text of the module defining it
        only). False for a name of no first-party module (it resolves to nothing); when the
        texts say no, those read become dependencies of the result, as summaries are."""
        key = (qualname, wanted, transitive)
        found = self._leads.get(key)
        if found is None:
            found = self._leads[key] = self._may_lead_to(qualname, wanted, transitive)
        return found

    def _may_lead_to(self, qualname: str, wanted: FrozenSet[str], transitive: bool) -> bool:
        absolute = self.absolute(qualname)
        if absolute is None or self.project is None or \
                absolute.partition(".")[0] in table.MODULE_FRAMEWORKS:
            return False
        wanted = frozenset(wanted) & PROVIDABLE
        parts = absolute.split(".")
        for split in range(len(parts) - 1, 0, -1):
            facts = self.project.text_facts(".".join(parts[:split]), wanted, parts[split],
                                            transitive)
            if facts is None:
                continue
            spelled, read = facts
            if not spelled:
                self.used.update(read)
            return spelled
        return False

    def _text_facts(self, module: str, wanted: frozenset, name: Optional[str] = None):
        """`Project.text_facts`; None if it is not a first-party module."""
        if self.project is None:
            return None
        return self.project.text_facts(module, wanted, name)

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
            if len(rest) != 1:
                return None
            method: Optional[Fact] = None
            if rest[0] in cls.methods:
                method = Fact(qualname, returned=cls.methods[rest[0]])
            elif rest[0] in cls.delegations:
                method = self._delegated(qualname, cls.delegations[rest[0]],
                                         cls.parameters.get(rest[0], ()), depth)
            if rest[0] in cls.sinks:  # where the method puts its parameters
                method = replace(method or Fact(qualname), parameters=cls.parameters[rest[0]],
                                 sinks=tuple(replace(s, module=summary.module)
                                             for s in cls.sinks[rest[0]]))
            return method
        if rest:
            return None
        fact: Optional[Fact] = None
        if name in summary.functions:
            fact = Fact(qualname, returned=summary.functions[name],
                        parameters=summary.parameters.get(name, ()))
        elif name in summary.values:
            fact = Fact(qualname, returned=summary.values[name])
        elif name in summary.delegations:
            fact = self._delegated(qualname, summary.delegations[name],
                                   summary.parameters.get(name, ()), depth)
        sinks = tuple(replace(s, module=summary.module) for s in summary.sinks.get(name, ()))
        if name in summary.forwards:  # and where the functions it passes them to put them
            sinks += tuple(s for s in self._forwarded(qualname, summary.forwards[name], depth)
                           if s not in sinks)
        if sinks:  # where the function puts its parameters, whatever it returns
            fact = replace(fact or Fact(qualname), sinks=sinks,
                           parameters=summary.parameters.get(name, ()))
        return fact

    def _forwarded(self, qualname: str, forwards: Tuple[Forward, ...],
                   depth: int) -> Tuple[Sink, ...]:
        """The sinks a function's parameters reach through the functions of other modules it
        passes them to (as delegations: bounded, a cycle contributes nothing, every summary
        read recorded)."""
        if qualname in self._following or len(self._following) >= MAX_DELEGATIONS:
            return ()
        self._following.append(qualname)
        found: List[Sink] = []
        try:
            for forward in forwards:
                callee = self.resolve(forward.target, depth + 1)
                if callee is None or not callee.sinks:
                    continue
                parameter = forward.keyword
                if parameter is None and forward.position is not None \
                        and forward.position < len(callee.parameters):
                    parameter = callee.parameters[forward.position]
                for sink in callee.sinks:
                    if sink.parameter == parameter:
                        mine = Sink(forward.parameter, sink.kind, sink.holds, sink.line,
                                    sink.module)
                        if mine not in found:
                            found.append(mine)
        finally:
            self._following.pop()
        return tuple(found)

    def _delegated(self, qualname: str, delegation: Delegation, parameters: Tuple[str, ...],
                   depth: int) -> Optional[Fact]:
        """What a delegating function returns: what its callee returns, the callee's operand
        parameter mapped to the caller's. Unknown on a cycle or beyond MAX_DELEGATIONS. Every
        summary read on the way is recorded in `used`, so a cached result depending on it is
        invalidated when any module of the chain changes."""
        if qualname in self._following or len(self._following) >= MAX_DELEGATIONS:
            return None
        self._following.append(qualname)
        try:
            callee = self.resolve(delegation.target, depth + 1)
        finally:
            self._following.pop()
        if callee is None:
            return None
        if callee.function_alias is not None:  # a library function under another name
            spec = table.FUNCTIONS.get(callee.function_alias)
            if spec is None or spec.is_class:
                return None
            return Fact(qualname, returned=Returned(spec.kind, table.spec_key(spec)),
                        parameters=parameters)
        returned = callee.returned
        if returned is not None and returned.form == "returned":
            operand = delegation.argument(returned.operand, callee.parameters)
            return Fact(qualname, returned=Returned(returned.kind, returned.spec, "returned",
                                                    operand), parameters=parameters)
        if returned is not None and returned.form == "model":  # `return disc(x)`: its output
            return Fact(qualname, returned=Returned(returned.kind, returned.spec, "returned"),
                        parameters=parameters)
        if returned is not None and returned.form == "network":  # a factory's factory
            return Fact(qualname, returned=returned, parameters=parameters)
        if callee.cls is not None and callee.cls.output is not None:  # `return Disc()`
            output = callee.cls.output
            return Fact(qualname, returned=Returned(output.kind, output.spec, "network"),
                        parameters=parameters)
        return None


# -- computing a summary -------------------------------------------------------------------------

def summarize(model: "SemanticModel", module: str) -> ModuleSummary:
    """The summary of the module `model` analyses, known to others as `module`."""
    view = model.project
    functions: Dict[str, Returned] = {}
    classes: Dict[str, ClassSummary] = {}
    aliases: Dict[str, str] = {}
    values: Dict[str, Returned] = {}
    delegations: Dict[str, Delegation] = {}
    parameters: Dict[str, Tuple[str, ...]] = {}
    sinks: Dict[str, Tuple[Sink, ...]] = {}
    forwards: Dict[str, Tuple[Forward, ...]] = {}
    by_node = model.parameter_sinks()
    forwarded = forwards_of(model, module)
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
            if binding.node in by_node:
                sinks[name] = by_node[binding.node]
                parameters[name] = positional_parameters(binding.node)
            if binding.node in forwarded:
                forwards[name] = forwarded[binding.node]
                parameters[name] = positional_parameters(binding.node)
            if function is not None:
                returned = returned_fact(model, function)
                delegation = None
                if returned is None or returned.operand is None:
                    delegation = _delegation(model, function, module)
                    if delegation is not None and returned is not None and \
                            not delegation.passes_parameters:
                        delegation = None  # the fact says as much
                if delegation is not None:
                    # Followed when asked: the callee's operand mapped to this function's
                    # parameter (one hop within the module loses it).
                    delegations[name] = delegation
                    parameters[name] = positional_parameters(binding.node)
                elif returned is not None:
                    functions[name] = returned
                    if returned.operand is not None:
                        parameters[name] = positional_parameters(binding.node)
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
    return ModuleSummary(module, functions, classes, aliases, values, delegations, parameters,
                         sinks, forwards)


def forwards_of(model: "SemanticModel", module: str) -> Dict[ast.AST, Tuple[Forward, ...]]:
    """Of each module-level function, its parameters passed as such to a first-party function
    of another module (`def loss(p, y): return losses.nll(p, y)`). Only calls with a parameter
    among their arguments are looked up."""
    found: Dict[ast.AST, List[Forward]] = {}
    for node in model.operations:
        if type(node) is not ast.Call or type(node.func) not in (ast.Name, ast.Attribute):
            continue
        scope = model.scope_of(node)
        if scope is None or scope.kind != "function" or scope.parent is not model.module_scope:
            continue
        arguments: List[Tuple[ast.expr, Optional[int], Optional[str]]] = []
        for index, argument in enumerate(node.args):
            if isinstance(argument, ast.Starred):
                break
            arguments.append((argument, index, None))
        arguments += [(k.value, None, k.arg) for k in node.keywords if k.arg is not None]
        if not any(type(a) is ast.Name and _is_parameter(scope, a.id) for a, _, _ in arguments):
            continue
        target = _callee(model, node.func, scope, module)
        if target is None or target.startswith(f"{module}."):
            continue  # not first-party, or of this module (`parameter_sinks` follows those)
        for argument, position, keyword in arguments:
            if type(argument) is ast.Name and _is_parameter(scope, argument.id):
                forward = Forward(argument.id, target, position, keyword)
                mine = found.setdefault(scope.node, [])
                if forward not in mine:
                    mine.append(forward)
    return {node: tuple(forwards) for node, forwards in found.items()}


def _is_parameter(scope: "Scope", name: str) -> bool:
    bindings = scope.bindings.get(name, ())
    return len(bindings) == 1 and bindings[0].kind == "param"


def positional_parameters(node: Optional[ast.AST]) -> Tuple[str, ...]:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ()
    return tuple(a.arg for a in node.args.posonlyargs + node.args.args)


def _delegation(model: "SemanticModel", function: "Scope", module: str) -> Optional[Delegation]:
    """`return probs(x)` (directly or through local names) in every `return`, `probs` a
    first-party function: imported (its qualified name, as written: not looked up) or a
    function of this module."""
    from numlint.engine.semantic.model import _returned_values
    found: Optional[Delegation] = None
    for value in _returned_values(function):
        origin = model.dataflow.origin(value, function)
        call = origin.expr
        if not isinstance(call, ast.Call) or not isinstance(call.func, (ast.Name, ast.Attribute)):
            return None
        target = _callee(model, call.func, origin.scope, module)
        if target is None:
            return None
        positional: List[Optional[str]] = []
        for argument in call.args:
            if isinstance(argument, ast.Starred):
                break  # the positions after it are unknown
            positional.append(model._parameter_of(argument, origin.scope, function))
        keywords = {k.arg: model._parameter_of(k.value, origin.scope, function)
                    for k in call.keywords if k.arg is not None}
        delegation = Delegation(target, tuple(positional), keywords)
        if found is not None and found != delegation:
            return None  # returns differ: not one delegation
        found = delegation
    return found


def _callee(model: "SemanticModel", func: ast.expr, scope: "Scope",
            module: str) -> Optional[str]:
    """The absolute qualified name of a first-party function called as `func`."""
    if isinstance(func, ast.Name):
        owner, bindings = model.lookup(func.id, scope)
        if owner is model.module_scope and len(bindings) == 1 and bindings[0].kind == "def":
            return f"{module}.{func.id}"
    qualname = model.qualname(func, scope)
    if qualname is None or qualname in table.FUNCTIONS:
        return None
    view = model.project
    absolute = view.absolute(qualname) if view is not None else qualname
    top = absolute.partition(".")[0] if absolute is not None else ""
    if absolute is None or absolute.startswith(".") or top in table.MODULE_FRAMEWORKS or \
            top in _STANDARD_MODULES:
        return None  # not first-party (a project shadowing the standard library: unknown)
    return absolute


_STANDARD_MODULES = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}


def standard_module(qualname: str) -> bool:
    """Whether `qualname` names something of the standard library (or a builtin)."""
    return qualname.partition(".")[0] in _STANDARD_MODULES


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
    delegations: Dict[str, Delegation] = {}
    parameters: Dict[str, Tuple[str, ...]] = {}
    sinks: Dict[str, Tuple[Sink, ...]] = {}
    output = None
    module = model.project.module if model.project is not None else None
    by_node = model.parameter_sinks()
    for statement in cls.body:  # (static methods too, which `class_methods` leaves out)
        if statement in by_node and \
                isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            sinks[statement.name] = by_node[statement]
            parameters[statement.name] = \
                positional_parameters(statement)[0 if is_static(statement) else 1:]
    for method, _ in model.dataflow.class_methods(cls):
        node = method.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        returned = returned_fact(model, method)
        if returned is not None:
            methods[node.name] = returned
        elif module is not None:  # `return probs(X @ self.w)`, `probs` first-party
            delegation = _delegation(model, method, module)
            if delegation is not None:
                delegations[node.name] = delegation
                parameters[node.name] = positional_parameters(node)[1:]  # after `self`
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
    if not (bases or methods or output or attributes or functions or delegations or sinks):
        return None
    return ClassSummary(tuple(bases), methods, output, attributes, functions, delegations,
                        parameters, sinks)


def is_static(function: ast.AST) -> bool:
    """Whether a method is a `@staticmethod` (called without the instance)."""
    return any(isinstance(d, ast.Name) and d.id == "staticmethod"
               for d in getattr(function, "decorator_list", ()))


def spec_of(returned: Returned) -> Optional[Spec]:
    return table.spec_from_key(returned.spec)
