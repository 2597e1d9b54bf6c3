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
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Protocol, Tuple, Union

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

    def may_provide(self, module: str, name: str, wanted: frozenset) -> Union[None, bool, str]:
        """Whether the summary of `module` may give `name` one of the kinds `wanted`
        (`Definitions.may_provide`), from the module's text: False, no; a qualified name
        (absolute), the name is a re-export of it; None (or True), only the summary can
        tell."""

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
                    quick = self._quick_kinds(absolute, name, wanted)
                    if quick is not None:  # told by the modules' texts: not summarised
                        found |= quick
                        continue
                    fact = self.resolve(f"{absolute}.{name}")
                    if fact is not None:
                        found |= fact.kinds
                    continue
                summary = self.summary(absolute)  # `import m`: what m itself defines
                if summary is not None:
                    found |= summary.kinds
        return frozenset(found & wanted)

    def _quick_kinds(self, module: str, name: str, wanted: frozenset,
                     depth: int = 0) -> Optional[frozenset]:
        """The kinds among `wanted` that `resolve(module.name)` can have, when the texts of
        the modules on the way tell it without a summary (`Definitions`): none, or those of
        a library function re-exported; None if a summary must tell."""
        if self.project is None or depth > MAX_DEPTH:
            return frozenset()  # as `resolve`, beyond its depth: nothing
        answer = self.project.may_provide(module, name, wanted)
        if answer is None or answer is True:
            return None
        if answer is False:
            return frozenset()
        target = answer
        if target.partition(".")[0] in table.MODULE_FRAMEWORKS:
            spec = table.FUNCTIONS.get(target)  # `probs = scipy.special.softmax`, re-exported
            return frozenset({spec.kind}) & wanted if spec is not None else frozenset()
        if target in table.FUNCTIONS:
            return None
        parts = target.split(".")
        for split in range(len(parts) - 1, 0, -1):  # as `resolve`: the longest module first
            prefix = ".".join(parts[:split])
            if self.project.text_facts(prefix, wanted) is None:
                continue  # not a module of the project
            if split != len(parts) - 1:
                return None  # `pkg.mod.Class.method`: the summary tells
            return self._quick_kinds(prefix, parts[-1], wanted, depth + 1)
        return frozenset()

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


# -- what a name's definition can provide, before its module is summarised ----------------------

_GLOBAL = re.compile(r"\bglobal\b")
_LINE_END = re.compile(r"\r\n|\r|\n")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


class Definitions:
    """The top-level statements of a module, indexed for the prefilter: for each, the names
    it binds at module level, the module-level names its text mentions, and which of the
    kinds other modules may be provided (`table.PROVIDED_KINDS`) its text spells.

    A module's summary of a name is computed from the statements that bind it and, through
    the names they mention, from the other top-level statements they reach (a helper, a
    layer bound at module level, a base class, an import of a library function): nothing
    else of the module can change what the name returns. So if the text of those statements
    spells none of the kinds wanted, the summary cannot give the name one of them, and the
    module need not be summarised (a parse, no model walk). Words are taken from the
    statements' whole text (strings and comments too): a superset, as the prefilter's."""

    __slots__ = ("binders", "mentions", "kinds", "imports", "aliases", "unknown")

    def __init__(self, text: str, tree: Optional[ast.Module] = None):
        """From the module's text, cut into its top-level statements at the lines that start
        in the first column (no parse of a function or class body: the cost of a summary is
        its parse and walk); ValueError if the cut cannot be trusted (a statement whose
        brackets or triple quotes do not pair, a part that does not parse): then from
        `tree`, the module parsed, if given."""
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        # A `global` statement binds module-level names from a function; a star import binds
        # names no statement spells: both answered by the summary.
        self.unknown = bool(_GLOBAL.search(text))
        self.binders: Dict[str, List[int]] = {}
        self.mentions: List[frozenset] = []
        self.kinds: List[frozenset] = []
        self.imports: List[bool] = []
        self.aliases: Dict[str, str] = {}  # a name imported once: what it names, as imported
        parts = _statements(text, tree)
        if parts is None:
            raise ValueError("the module's top-level statements cannot be told from its text")
        spellers = {kind: _speller(kind) for kind in table.PROVIDED_KINDS}
        words_of = []
        for number, (segment, bound, imports, star, imported) in enumerate(parts):
            words = frozenset(_IDENTIFIER.findall(segment))
            words_of.append(words)
            self.kinds.append(frozenset(kind for kind, names in spellers.items()
                                        if not names.isdisjoint(words)))
            if star:
                self.unknown = True
            self.imports.append(imports)
            for name in bound:
                self.binders.setdefault(name, []).append(number)
            for name, qualname in imported:
                self.aliases[name] = qualname if name not in self.aliases else ""
        self.aliases = {name: qualname for name, qualname in self.aliases.items()
                        if qualname and len(self.binders.get(name, ())) == 1}
        names = frozenset(self.binders)
        self.mentions = [words & names for words in words_of]

    def may_provide(self, name: str, wanted: frozenset) -> Union[None, bool, str]:
        """False if the module's summary cannot give `name` any of the kinds `wanted`; the
        qualified name it imports it as (relative as spelled) if it only re-exports it; None
        if only the summary can tell (bound in ways not indexed)."""
        if self.unknown:
            return None
        if name in self.aliases:
            return self.aliases[name]
        todo = list(self.binders.get(name, ()))
        if any(self.imports[number] for number in todo):
            return None  # imported in a compound statement, or more than once
        seen = set(todo)
        while todo:
            number = todo.pop()
            if not self.kinds[number].isdisjoint(wanted):
                return True
            for mentioned in self.mentions[number]:
                for other in self.binders.get(mentioned, ()):
                    if other not in seen:
                        seen.add(other)
                        todo.append(other)
        return False


# A line that starts a top-level statement: in the first column, not blank, not a comment,
# not a closing bracket, not the next clause of a compound statement.
_TOP_LINE = re.compile(r"^(?!(?:else|elif|except|finally)\b)[^\s#)\]}]", re.MULTILINE)
_DEFINITION = re.compile(r"^(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)
_Part = Tuple[str, List[str], bool, bool, List[Tuple[str, str]]]


def _statements(text: str, tree: Optional[ast.Module]) -> Optional[List[_Part]]:
    """The module's top-level statements: (text, names bound, whether it imports, whether
    a star import, the (name, qualified name) pairs an import statement binds). From the
    text if its cut can be trusted, else from `tree`; None if neither."""
    found = _statements_from_text(text)
    if found is not None or tree is None:
        return found
    starts = [0] + [m.end() for m in _LINE_END.finditer(text)]
    parts: List[_Part] = []
    for statement in tree.body:
        first = min([statement.lineno] + [d.lineno for d in
                                          getattr(statement, "decorator_list", ())])
        last = statement.end_lineno or statement.lineno
        segment = text[starts[first - 1]:starts[last] if last < len(starts) else len(text)]
        bound, imports, star = _top_level_bindings(statement, segment)
        imported = _imported(statement) if isinstance(statement, (ast.Import, ast.ImportFrom)) \
            else []
        parts.append((segment, bound, imports, star, imported))
    return parts


def _statements_from_text(text: str) -> Optional[List[_Part]]:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [m.start() for m in _TOP_LINE.finditer(text)
              if m.start() < 2 or text[m.start() - 2] != "\\"]  # not after a backslash
    if not starts:
        return []
    if starts[0] != 0 and text[:starts[0]].strip() and not _only_comments(text[:starts[0]]):
        return None  # an indented first statement: not Python a parser accepts
    segments = []  # (text, whether it joins several first-column lines' statements)
    pending: List[str] = []
    balance: Tuple[int, ...] = (0, 0, 0, 0, 0)
    for start, end in zip(starts, starts[1:] + [len(text)]):
        piece = text[start:end]
        pending.append(piece)
        balance = tuple(a + b for a, b in zip(balance, _balance(piece)))
        if (pending[0].startswith("@") and not _DEFINITION.search(piece)) or \
                balance[0] % 2 or balance[1] % 2 or any(balance[2:]):
            # A decorator, with what it decorates; a string or brackets still open (a module
            # docstring with lines in the first column): with what follows.
            continue
        segments.append(("".join(pending), len(pending) > 1))
        pending, balance = [], (0, 0, 0, 0, 0)
    if pending:
        segments.append(("".join(pending), True))
    parts: List[_Part] = []
    for segment, several in segments:
        definition = None
        if not several:
            definition = _DEFINITION.search(segment) if segment.startswith("@") \
                else _DEFINITION.match(segment)
        if definition is not None:
            parts.append((segment, [definition.group(1)], False, False, []))
            continue
        simple = None if several else _simple_statement(segment)
        if simple is not None:
            parts.append(simple)
            continue
        try:  # what is not one definition is parsed (imports, assignments, joined parts)
            body = ast.parse(segment).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        bound: List[str] = []
        imports = star = False
        imported: List[Tuple[str, str]] = []
        for statement in body:
            names, imports_, star_ = _top_level_bindings(statement, segment)
            bound += names
            imports, star = imports or imports_, star or star_
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imported += _imported(statement)
        parts.append((segment, bound, imports, star, imported))
    return parts


_IMPORT = re.compile(r"import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?"
                     r"(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*)[ \t]*")
_FROM = re.compile(r"from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\(?)([\w \t,\n]*?)(\)?)[ \t]*")
_ASSIGN = re.compile(r"([A-Za-z_]\w*)[ \t]*(?::[^=\n]+)?=(?!=)(.*)", re.DOTALL)
_OTHER_EQUALS = re.compile(r"(?<![=<>!:*/+%&|^@-])=(?!=)|:=")


def _simple_statement(segment: str) -> Optional[_Part]:
    """A one-line import or a single-name assignment, read without a parse (the parse of
    many small statements costs more than the rest); None for anything else."""
    code = segment.rstrip()
    if "#" in code or ";" in code or "\\" in code:
        return None
    match = _IMPORT.fullmatch(code)
    if match is not None:
        imported = []
        for item in match.group(1).split(","):
            words = item.split()
            if len(words) == 3:
                imported.append((words[2], words[0]))
            else:
                head = words[0].partition(".")[0]
                imported.append((head, head))
        return (segment, [n for n, _ in imported], True, False, imported)
    match = _FROM.fullmatch(code)
    if match is not None and bool(match.group(3)) == bool(match.group(5)) and \
            (match.group(3) or "\n" not in match.group(4)) and (match.group(1) or match.group(2)):
        module = match.group(1) + match.group(2)
        imported = []
        for item in match.group(4).split(","):
            words = item.split()
            if not words:
                continue
            if len(words) not in (1, 3) or (len(words) == 3 and words[1] != "as"):
                return None
            qualname = f"{module}.{words[0]}" if match.group(2) else f"{module}{words[0]}"
            imported.append((words[-1], qualname))
        return (segment, [n for n, _ in imported], True, False, imported) if imported else None
    match = _ASSIGN.fullmatch(code)
    if match is not None and not _OTHER_EQUALS.search(match.group(2)):
        return (segment, [match.group(1)], False, False, [])
    return None


def _balance(piece: str) -> Tuple[int, int, int, int, int]:
    """The triple quotes and the unclosed brackets of a part of the text: where they do not
    pair up, the next first-column line is inside a string or brackets (or a string holds a
    bracket: joined too, never wrong)."""
    return (piece.count('"""'), piece.count("\'\'\'"), piece.count("(") - piece.count(")"),
            piece.count("[") - piece.count("]"), piece.count("{") - piece.count("}"))


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _speller(kind: str) -> frozenset:
    """The words that spell `kind` in the prefilter's test, and the names of a project's own
    functions that stand for it (`table.NAMED_ACTIVATIONS`)."""
    from numlint.engine.prefilter import spelling  # the prefilter reads the table; so does this
    words = set(spelling(kind).names)
    for name, qualname in table.NAMED_ACTIVATIONS.items():
        spec = table.FUNCTIONS.get(qualname)
        if spec is not None and spec.kind == kind:
            words.add(name)
    return frozenset(words)


def _imported(statement) -> List[Tuple[str, str]]:
    """The names an import statement binds and what each names (as `Binding.qualname`)."""
    found = []
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                found.append((alias.asname, alias.name))
            else:
                head = alias.name.partition(".")[0]
                found.append((head, head))
    else:
        module = "." * statement.level + (statement.module or "")
        for alias in statement.names:
            if alias.name != "*":
                qualname = f"{module}.{alias.name}" if statement.module else f"{module}{alias.name}"
                found.append((alias.asname or alias.name, qualname))
    return found


# `match` (Python 3.10+): absent from older `ast` modules.
_MATCH_CASE = getattr(ast, "match_case", ())
_MATCH_NAMED = tuple(getattr(ast, n) for n in ("MatchAs", "MatchStar") if hasattr(ast, n))
_MATCH_MAPPING = getattr(ast, "MatchMapping", ())


def _top_level_bindings(statement: ast.stmt, segment: str) -> Tuple[List[str], bool, bool]:
    """The names a top-level statement binds at module level (a superset: every name stored
    in it outside a function or class body), whether it imports, whether it is a star
    import. Only statements and assignment targets are visited (a walrus, `:=` in the text,
    anywhere in the statement)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name], False, False
    bound: List[str] = []
    imports = star = False
    targets: List[ast.AST] = []
    todo: List[ast.AST] = [statement]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imports = True
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    bound.append(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, (ast.Assign, ast.Delete)):
            targets.extend(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets.append(node.target)
        elif isinstance(node, _MATCH_CASE):
            targets.append(node.pattern)
            todo.extend(node.body)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                bound.append(node.name)
            todo.extend(node.body)
        else:
            if isinstance(node, (ast.For, ast.AsyncFor)):
                targets.append(node.target)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                targets.extend(i.optional_vars for i in node.items if i.optional_vars)
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                todo.extend(getattr(node, name, ()))
    if ":=" in segment:
        targets.append(statement)
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.append(node.id)
            elif isinstance(node, _MATCH_NAMED) and node.name:
                bound.append(node.name)
            elif isinstance(node, _MATCH_MAPPING) and node.rest:
                bound.append(node.rest)
    return bound, imports, star


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
