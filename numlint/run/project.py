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
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

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
        self._facts: Dict[Tuple[str, frozenset], Optional[Tuple[bool, frozenset]]] = {}
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

    def text_facts(self, module: str, wanted: frozenset) -> Optional[Tuple[bool, frozenset]]:
        key = (module, wanted)
        if key not in self._facts:
            from numlint.engine.prefilter import spells
            from numlint.engine.semantic.project import imported_names
            text = self.text_of(module)
            self._facts[key] = None if text is None else (
                spells(text, wanted), frozenset(imported_names(text)) | self._first_party(text))
        return self._facts[key]

    def _first_party(self, text: str) -> frozenset:
        """`{FIRST_PARTY}` if the text imports from a first-party module (relatively, or a
        module found in the source roots): a function of it may return what that module's
        functions return (a delegation), so the prefilter cannot skip it."""
        from numlint.engine.semantic.project import FIRST_PARTY, imported_modules
        for module in imported_modules(text):
            if module.startswith(".") or self.path_of(module) is not None or \
                    self.path_of(module.partition(".")[0]) is not None:
                return frozenset({FIRST_PARTY})
        return frozenset()

    def text_of(self, module: str) -> Optional[str]:
        """Read again at each call (the operating system caches it): kept, the texts of a
        large project would grow the run's memory with its size."""
        text = None
        path = self.path_of(module)
        if path is not None:
            try:
                if os.stat(path).st_size <= MAX_SUMMARY_SIZE:
                    with open(path, "rb") as handle:
                        text = handle.read().decode("utf-8", "replace")
            except OSError:
                text = None
        return text

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
        try:
            if os.stat(path).st_size > MAX_SUMMARY_SIZE:
                return None  # a generated module: not summarised (as `max-file-size`)
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
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
        if module not in self._digests:  # once per module and run (warm runs ask often)
            summary = self.summary(module)
            self._digests[module] = summary.digest() if summary is not None else None
        return self._digests[module]

    def still_valid(self, dependencies: Dict[str, Optional[str]]) -> bool:
        """Whether the summaries a cached result read are still what they were."""
        return all(self._digest_of(module) == digest for module, digest in dependencies.items())


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
    current = start
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    current = start
    while os.path.isfile(os.path.join(current, "__init__.py")):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


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
