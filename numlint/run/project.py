"""The project index: which file is which module, and what each module says.

A hazard is often split across modules (a network in `nets.py`, its loss in `train.py`). The
engine asks for the summary of a first-party module by name (`numlint.engine.semantic.project`);
this index answers from the files on disk:

* **Source roots.** Module names come from a file's path below a source root, as Python would
  import it: the `src` setting (as Ruff's: directories relative to the configuration file),
  by default the project root and its `src/` directory. The project root is the directory of
  the nearest configuration file, else of the repository (`.git`), else the working directory
  (`numlint.run.cache.project_root`), so a file gets the same name whether the whole project,
  the file alone (pre-commit, an editor) or stdin with `--stdin-filename` is checked.
  Namespace packages need no `__init__.py`.
* **Summaries on demand.** A summary is computed the first time a check asks for it (read,
  parse, one model walk: no rules), remembered for the process, and stored in the result cache
  by content. It is local: computing it never asks for another module's summary; chains
  through modules are followed when a check asks, and a check's result records the digest of
  every summary on the chain it read, so a change anywhere down it invalidates the result.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:  # the engine is imported with the first file analysed (warm runs never do)
    from numlint.engine.semantic.project import ModuleSummary

SUFFIXES = (".py", ".pyi")
MAX_SUMMARY_SIZE = 5 * 1024 * 1024  # bytes: larger modules are not summarised


class ProjectIndex:
    """Module names and summaries for one project (one set of source roots)."""

    def __init__(self, roots: Sequence[str], store=None):
        # Deepest root first: `src/pkg/m.py` is `pkg.m`, not `src.pkg.m`.
        self.roots = sorted({os.path.abspath(r) for r in roots}, key=len, reverse=True)
        self.store = store  # the result cache (its summary section), or None
        self._paths: Dict[str, Optional[str]] = {}
        self._digests: Dict[str, Optional[str]] = {}
        self._facts: Dict[Tuple[str, frozenset, Optional[str], bool],
                          Optional[Tuple[bool, Dict[str, Optional[str]]]]] = {}
        # The kinds of `numlint.engine.semantic.project.PROVIDABLE` each module's text spells
        # (one scan of a text for all of them; the frozensets are shared).
        self._spelled: Dict[str, frozenset] = {}
        self._kind_sets: Dict[frozenset, frozenset] = {}
        self._definitions: Dict[Tuple[str, str], Tuple[str, List[str], Optional[str]]] = {}
        self._names: Dict[str, Optional[_Names]] = {}
        self._tops: Dict[str, bool] = {}  # (`first_party`)
        self._span_kinds: Dict[Tuple[str, str], frozenset] = {}  # (`_spelled_by`)
        self._imports: Dict[str, Tuple[str, ...]] = {}
        self._summaries: Dict[str, Optional["ModuleSummary"]] = {}
        self._computing: Set[str] = set()
        self.computed: Dict[str, Tuple[str, "ModuleSummary", Dict[str, Optional[str]]]] = {}

    # -- names ----------------------------------------------------------------------------------
    def module_of(self, path: str) -> Optional[Tuple[str, bool]]:
        absolute = os.path.abspath(path)
        stem, suffix = os.path.splitext(absolute)
        if suffix not in SUFFIXES:
            return None
        for root in self.roots:
            prefix = root if root.endswith(os.sep) else root + os.sep
            if not stem.startswith(prefix):
                continue
            parts = stem[len(prefix):].split(os.sep)
            package = parts[-1] == "__init__"
            if package:
                parts = parts[:-1]
            if parts and all(p.isidentifier() for p in parts):
                return ".".join(parts), package
            return None
        return None

    def first_party(self, top: str) -> bool:
        """Whether `top` is a top-level module or package of the project (a namespace
        package's directory counts), remembered per name."""
        found = self._tops.get(top)
        if found is None:
            found = self._tops[top] = self.path_of(top) is not None or any(
                os.path.isdir(os.path.join(root, top)) for root in self.roots)
        return found

    def path_of(self, module: str) -> Optional[str]:
        """The file that `import module` would load from the source roots, if any."""
        if module in self._paths:
            return self._paths[module]
        found = None
        parts = module.split(".")
        if all(p.isidentifier() for p in parts):
            for root in reversed(self.roots):  # the project root before `src/`, as on sys.path
                base = os.path.join(root, *parts)
                for candidate in (base + ".py", os.path.join(base, "__init__.py"), base + ".pyi"):
                    if os.path.isfile(candidate):
                        found = candidate
                        break
                if found:
                    break
        self._paths[module] = found
        return found

    def text_facts(self, module: str, wanted: frozenset, name: Optional[str] = None,
                   transitive: bool = True) -> Optional[Tuple[bool, Dict[str, Optional[str]]]]:
        """(whether anything `module`'s summary leads to can spell one of `wanted` — for
        `name`, what the module hands out under that name —, the digests of the texts read
        when nothing does); None if it is not a first-party module.

        A summary's facts come from its module's own text, or from first-party modules it
        imports (re-exports, delegations, base classes): if neither the module's text nor
        that of any first-party module reachable through import statements spells a kind,
        no chain through its summary can provide it. A name the module only re-exports
        (`from .ops import probs` in a package's `__init__`) is followed to the module that
        defines it first, so that a package importing everything does not answer for each of
        its names. Not `transitive`: only the text of the module defining it is read, and of
        that text, for a function or class defined at its top level, only its own lines (what
        its body can do, not what the functions it calls can: `_Names.spans`). Texts only, no
        parse."""
        key = (module, wanted, name, transitive)
        if key not in self._facts:
            if self.path_of(module) is None or self._spelled_in(module) is None:
                self._facts[key] = None
            else:
                start, chain, defined = self._defined_in(module, name) if name \
                    else (module, [module], None)
                if transitive:
                    reached, read = self._reaches(start, wanted)
                else:
                    spelled = self._spelled_by(start, defined)
                    reached, read = spelled is None or not spelled.isdisjoint(wanted), [start]
                self._facts[key] = (reached, {} if reached else {
                    TEXT + m: self._digest_of(TEXT + m) for m in sorted({*chain, *read})})
        return self._facts[key]

    def _defined_in(self, module: str, name: str) -> Tuple[str, List[str], Optional[str]]:
        """The first-party module whose own definitions `module.name` comes from, following
        re-exports by their text (`from .ops import probs as p`), and the modules read on the
        way. It stops, answering where it is, at a name the module may define itself or import
        from a library, a star import, a cycle or a depth of MAX_DEPTH. Remembered per name:
        a package's `__init__` is asked for the same names by every module importing them.
        The third item is the name there when that module defines it (None: a module itself,
        or where the chain stopped otherwise)."""
        key = (module, name)
        found = self._definitions.get(key)
        if found is None:
            found = self._definitions[key] = self._follow_definition(module, name)
        return found[0], list(found[1]), found[2]

    def _follow_definition(self, module: str, name: str
                           ) -> Tuple[str, List[str], Optional[str]]:
        chain = [module]
        for _ in range(MAX_DEPTH):
            names = self._names_of(module)
            if names is None or names.star:
                return module, chain, None
            if name in names.defined:
                return module, chain, name
            found = names.imported.get(name)
            if found is None:
                return module, chain, None
            source, imported = found
            absolute = _absolute(source, self._package_of(module))
            if absolute is None:
                return module, chain, None
            if self.path_of(f"{absolute}.{imported}") is not None:
                return f"{absolute}.{imported}", chain + [f"{absolute}.{imported}"], None
            if self.path_of(absolute) is None or absolute in chain:
                return module, chain, None  # a library's name (spelled here) or a cycle
            module, name = absolute, imported
            chain.append(module)
        return module, chain, None

    def _spelled_by(self, module: str, name: Optional[str]) -> Optional[frozenset]:
        """The kinds of `numlint.engine.semantic.project.PROVIDABLE` spelled by the lines of
        the function or class `name` defined at the top level of `module` (`_Names.spans`), or
        by the whole text for any other name; None if it cannot be read."""
        names = self._names_of(module)
        if names is None or name is None or name not in names.spans:
            return self._spelled_in(module)
        span = names.spans[name]
        key = (module, name)
        found = self._span_kinds.get(key)
        if found is None:  # each definition's lines scanned once, when first asked
            text = self.text_of(module)
            if text is None:
                return None
            found = self._span_kinds[key] = self._kinds_of(text[span[0]:span[1]])
        return found

    def _names_of(self, module: str) -> Optional["_Names"]:
        """What `module`'s text may define and import, by name (read once per module: each
        module is asked for many names); None if it cannot be read."""
        if module not in self._names:
            text = self.text_of(module)
            self._names[module] = _Names.of(text) if text is not None else None
        return self._names[module]

    def _package_of(self, module: str) -> str:
        path = self.path_of(module) or ""
        return module if os.path.basename(path).startswith("__init__.") \
            else module.rpartition(".")[0]

    def _reaches(self, start: str, wanted: frozenset) -> Tuple[bool, List[str]]:
        """Whether `start` or a first-party module reachable from it through import
        statements spells one of `wanted` (True also when the walk is cut short), and the
        modules whose texts were read to say no: if one of them changes, the answer may."""
        seen = {start}
        queue = [start]
        while queue:
            if len(seen) > MAX_REACHED:
                return True, []  # unknown: the caller summarises
            module = queue.pop()
            spelled = self._spelled_in(module)
            if spelled is not None and not spelled.isdisjoint(wanted):
                return True, []
            for imported in self._first_party_imports(module):
                if imported not in seen:
                    seen.add(imported)
                    queue.append(imported)
        return False, sorted(seen)

    def _spelled_in(self, module: str) -> Optional[frozenset]:
        """The kinds other modules may ask for that `module`'s text spells (None if it cannot
        be read): each text is scanned once for all of them."""
        if module not in self._spelled:
            text = self.text_of(module)
            if text is None:
                return None
            self._spelled[module] = self._kinds_of(text)
        return self._spelled[module]

    def _kinds_of(self, text: str) -> frozenset:
        from numlint.engine.prefilter import spells
        from numlint.engine.semantic.project import PROVIDABLE
        kinds = frozenset(kind for kind in PROVIDABLE if spells(text, (kind,)))
        return self._kind_sets.setdefault(kinds, kinds)

    def _first_party_imports(self, module: str) -> Tuple[str, ...]:
        """The first-party modules the import statements of `module` may load: `from X
        import a, b` loads X and, where they are modules, X.a and X.b; `import a.b` loads a
        and a.b (relative names resolved against the module's package)."""
        found = self._imports.get(module)
        if found is None:
            found = self._imports[module] = tuple(self._imports_of(module))
        return found

    def _imports_of(self, module: str):
        found = self._names_of(module)
        if found is None or self.path_of(module) is None:
            return
        package = self._package_of(module)
        for name, names in found.statements:
            absolute = _absolute(name, package)
            if absolute is None:
                continue
            candidates = [absolute] + [f"{absolute}.{n}" for n in names]
            parts = absolute.split(".")
            candidates += [".".join(parts[:i]) for i in range(1, len(parts))]
            for candidate in candidates:
                if candidate != module and self.path_of(candidate) is not None:
                    yield candidate

    def text_of(self, module: str) -> Optional[str]:
        """Read again at each call (the operating system caches it): kept, the texts of a
        large project would grow the run's memory with its size."""
        path = self.path_of(module)
        data = _read_summarisable(path) if path is not None else None
        return data.decode("utf-8", "replace") if data is not None else None

    # -- summaries -------------------------------------------------------------------------------
    def summary(self, module: str) -> Optional["ModuleSummary"]:
        if module in self._summaries:
            return self._summaries[module]
        if module in self._computing:
            return None  # an import cycle: unknown
        path = self.path_of(module)
        result = None
        if path is not None:
            self._computing.add(module)
            try:
                result = self._summarize(module, path)
            except Exception:  # a failure on another module never fails this one: unknown
                result = None
            finally:
                self._computing.discard(module)
        self._summaries[module] = result
        return result

    def _summarize(self, module: str, path: str) -> Optional["ModuleSummary"]:
        data = _read_summarisable(path)
        if data is None:
            return None
        content = _digest(data)
        if self.store is not None:
            stored = self.store.summary(content, module)
            if stored is not None:
                summary, dependencies = stored
                if all(self._digest_of(m) == d for m, d in dependencies.items()):
                    return summary
        from numlint.engine.semantic.model import SemanticModel
        from numlint.engine.semantic.project import ProjectView, summarize
        from numlint.engine.check import parse_python
        from numlint.engine.source import SourceText
        try:
            text = SourceText.from_bytes(data)
            tree = parse_python(text.text, path)  # with CPython's headroom, warnings silenced
        except (ValueError, SyntaxError, RecursionError, MemoryError):
            return None
        name = self.module_of(path)
        # A summary says what the module itself defines (and re-exports, by name): it never
        # asks for another module's summary, so computing one never cascades through the
        # project (on pandas, one summary had pulled in thirty, their trees alive at once).
        # Chains through other modules are followed when a check asks (`ProjectView.resolve`).
        view = ProjectView(None, module, is_package=bool(name and name[1]))
        model = SemanticModel(tree, view)
        try:
            summary = summarize(model, module)
        except RecursionError:
            return None
        finally:
            model.release()
        self.computed[module] = (content, summary, dict(view.used))
        return summary

    def drain(self) -> List[Tuple[str, str, "ModuleSummary", Dict[str, Optional[str]]]]:
        """The summaries computed since the last call (module, content digest, summary, the
        summaries it read), for the cache; forgotten here."""
        found = [(module, *value) for module, value in self.computed.items()]
        self.computed.clear()
        return found

    def _digest_of(self, module: str) -> Optional[str]:
        """The digest of a module's summary, or for `TEXT + module` of its text (what a
        result depends on when the prefilter read the text instead of the summary)."""
        if module not in self._digests:  # once per module and run (warm runs ask often)
            if module.startswith(TEXT):
                text = self.text_of(module[len(TEXT):])
                self._digests[module] = _digest(text.encode("utf-8", "surrogateescape")) \
                    if text is not None else None
            else:
                stored = self._stored_digest(module)
                if stored is None:
                    summary = self.summary(module)
                    stored = summary.digest() if summary is not None else None
                self._digests[module] = stored
        return self._digests[module]

    def _stored_digest(self, module: str) -> Optional[str]:
        """The digest of `module`'s summary as the store holds it for the module's current
        bytes (its own dependencies still valid), without building the summary; None if the
        store has none (the summary is then computed)."""
        if self.store is None or module in self._summaries or module in self._computing:
            return None
        path = self.path_of(module)
        data = _read_summarisable(path) if path is not None else None
        if data is None:
            return None
        found = self.store.summary_digest(_digest(data), module)
        if found is None:
            return None
        self._computing.add(module)  # (a cycle of dependencies is not valid)
        try:
            valid = all(self._digest_of(m) == d for m, d in found[1].items())
        finally:
            self._computing.discard(module)
        return found[0] if valid else None

    def still_valid(self, dependencies: Dict[str, Optional[str]]) -> bool:
        """Whether the summaries a cached result read are still what they were."""
        return all(self._digest_of(module) == digest for module, digest in dependencies.items())


# Re-exports `text_facts` follows by their text (as `ProjectView.resolve` follows aliases).
MAX_DEPTH = 8
# Modules a reachability walk of `text_facts` visits before it answers "maybe".
MAX_REACHED = 400
# A dependency on a module's text rather than its summary (`ProjectIndex._digest_of`).
TEXT = "text:"

# An import statement: `from X import names` (parenthesized over lines, or continued with a
# backslash) or `import a.b as c, d`, indented or not (imports inside functions count too).
_FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n\\]*(?:\\[^\0][^\n\\]*)*)",
    re.MULTILINE)
_PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;\\]*(?:\\[^\0][^\n#;\\]*)*)",
                           re.MULTILINE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\*")


def _import_statements(text: str):
    """(module, names) of every import statement the text may hold (a superset: comments
    and strings included). The patterns are tried only at the start of the lines where the
    word `import` occurs (a scan of the whole text for line starts costs more)."""
    starts: List[int] = []
    find = text.find
    i = find("import")
    while i >= 0:
        start = text.rfind("\n", 0, i) + 1
        if not starts or starts[-1] != start:
            starts.append(start)
        newline = find("\n", i)
        if newline < 0:
            break
        i = find("import", newline + 1)
    end = 0
    for start in starts:
        if start < end:
            continue  # within the parentheses of the previous statement
        match = _FROM_IMPORT.match(text, start)
        if match is not None:
            end = match.end()
            yield match.group(1), _NAME.findall(match.group(2).partition("#")[0]
                                                if "(" not in match.group(2) else match.group(2))
    for start in starts:
        match = _PLAIN_IMPORT.match(text, start)
        if match is not None:
            for part in match.group(1).replace("\\", " ").split(","):
                words = part.split()
                if words:
                    yield words[0], []


class _Names:
    """What a module's text may define and import, read once: the names it may define itself
    (`def name`, `class name`, `name =`, `name: T` at the start of a line), its import
    statements (`_import_statements`), the names they bind (to the module and name they
    import: the last statement binding a name wins), and whether it has a star import."""

    __slots__ = ("defined", "statements", "imported", "star", "spans")

    def __init__(self, defined: FrozenSet[str], statements: List[Tuple[str, List[str]]],
                 imported: Dict[str, Tuple[str, str]], star: bool,
                 spans: Dict[str, Tuple[int, int]]):
        self.defined = defined
        self.statements = statements
        self.imported = imported
        self.star = star
        # Of each function or class defined at the top level (`def name` at the start of a
        # line), the span of its text: up to the next line opening with `def`, `class`,
        # `async def` or a decorator (a name defined twice: from the first to the end of the
        # last). A line like those inside a string at the top level would end it early.
        self.spans = spans

    @classmethod
    def of(cls, text: str) -> "_Names":
        defined = {m.group(1) for m in _DEFINITION.finditer(text)}
        defined.update(m.group(1) for m in _ASSIGNMENT.finditer(text))
        statements = list(_import_statements(text))
        imported: Dict[str, Tuple[str, str]] = {}
        star = False
        for source, names in statements:
            star = star or any("*" in n for n in names)
            for name, bound in _bindings(names):
                imported[bound] = (source, name)
        spans: Dict[str, Tuple[int, int]] = {}
        tops = list(_TOP_LEVEL.finditer(text))
        for index, match in enumerate(tops):
            if match.group(1) is None:
                continue  # a decorator
            end = tops[index + 1].start() if index + 1 < len(tops) else len(text)
            start, _ = spans.get(match.group(1), (match.start(), end))
            spans[match.group(1)] = (start, end)
        return cls(frozenset(defined), statements, imported, star, spans)


# The names a text may define: a word opening a line after `def`/`class`, or followed by `:`
# or `=` (not `==`).
_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+(\w+)", re.MULTILINE)
_ASSIGNMENT = re.compile(r"^[ \t]*(\w+)[ \t]*(?::|=[^=])", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^(?:@|(?:async[ \t]+def|def|class)[ \t]+(\w+))", re.MULTILINE)


def _bindings(names: List[str]):
    """(imported name, bound name) of an import statement's words (`a as b, c`)."""
    index = 0
    while index < len(names):
        if index + 2 < len(names) and names[index + 1] == "as":
            yield names[index], names[index + 2]
            index += 3
        else:
            yield names[index], names[index]
            index += 1


def _absolute(name: str, package: str) -> Optional[str]:
    """`name` (`.nets`, `..utils`, `pkg.mod`) as an absolute module name, importing from a
    module of `package`; None above the top-level package."""
    if not name.startswith("."):
        return name or None
    level = len(name) - len(name.lstrip("."))
    rest = name[level:]
    parts = package.split(".") if package else []
    if level - 1 >= len(parts):  # above the top-level package: an ImportError
        return None
    base = parts[:len(parts) - (level - 1)]
    return ".".join(base + ([rest] if rest else [])) or None


def _read_summarisable(path: str) -> Optional[bytes]:
    """The bytes of the module at `path`; None if it cannot be read or is over
    MAX_SUMMARY_SIZE (a generated module: not summarised, as `max-file-size`)."""
    try:
        if os.stat(path).st_size > MAX_SUMMARY_SIZE:
            return None
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- one index per project ------------------------------------------------------------------------

_INDEXES: Dict[Tuple[str, ...], ProjectIndex] = {}
_STORE = None  # the run's result cache, where summaries are stored


def use_store(store) -> None:
    """Summaries are read from (and computed ones handed back for) this cache."""
    global _STORE
    _STORE = store


def source_roots(config, path: Optional[str] = None) -> List[str]:
    """The source roots for a file checked with `config`: its `src` setting, relative to the
    configuration's directory, or the project root and its `src/` directory."""
    root = str(config.root) if config.root is not None else _default_root(path)
    if config.src:
        return [os.path.normpath(os.path.join(root, s)) for s in config.src]
    return [root, os.path.join(root, "src")]


def _default_root(path: Optional[str]) -> str:
    """Without a configuration file: the repository's root (`.git`), else the directory
    above the file's outermost package (the directories with an `__init__.py`), else the
    file's directory. The same for every file of a package, whatever is checked."""
    return _root_of_directory(os.path.dirname(os.path.abspath(path)) if path else os.getcwd())


@lru_cache(maxsize=4096)
def _root_of_directory(start: str) -> str:
    repository = _repository_of(start)
    if repository is not None:
        return repository
    current = start
    while os.path.isfile(os.path.join(current, "__init__.py")):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _repository_of(directory: str) -> Optional[str]:
    """The nearest directory holding `.git`, from `directory` up; None if there is none.
    Remembered per directory, so the files of a tree share the walk up from their parents."""
    walked = []
    current = directory
    while current not in _REPOSITORIES:
        walked.append(current)
        if os.path.exists(os.path.join(current, ".git")):
            _REPOSITORIES[current] = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            _REPOSITORIES[current] = None
            break
        current = parent
    found = _REPOSITORIES[current]
    if len(_REPOSITORIES) > 65536:
        _REPOSITORIES.clear()
    for seen in walked:
        _REPOSITORIES[seen] = found
    return found


_REPOSITORIES: Dict[str, Optional[str]] = {}  # directory -> its repository's root (or None)


def index_for(config, path: Optional[str] = None, store=None) -> ProjectIndex:
    """The index of the project `path` belongs to (one per set of source roots, per
    process)."""
    roots = tuple(source_roots(config, path))
    store = store if store is not None else _STORE
    index = _INDEXES.get(roots)
    if index is None:
        index = _INDEXES[roots] = ProjectIndex(roots, store)
    elif store is not None and index.store is None:
        index.store = store
    return index


def fresh_index(config, path: Optional[str] = None, store=None) -> ProjectIndex:
    """A new index for the project of `path`, remembering nothing from earlier runs."""
    return ProjectIndex(source_roots(config, path), store)


def drain_all() -> List[Tuple[str, str, "ModuleSummary", Dict[str, Optional[str]]]]:
    """The summaries this process computed (for the cache), from every index."""
    return [found for index in _INDEXES.values() for found in index.drain()]


def forget() -> None:
    """Drop every index (tests; a long-lived process after files changed)."""
    global _STORE
    _INDEXES.clear()
    _STORE = None
    _REPOSITORIES.clear()
    _root_of_directory.cache_clear()
