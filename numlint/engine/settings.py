"""Settings: what one check of one module is configured with, and which rules it runs.

`Config` is plain data (the keys of `[tool.numlint]`, with defaults), plus the decisions that
are pure functions of it: rule selection (`select`, `extend-select`, `ignore`, most specific
selector wins, as Ruff's), per-file ignores and exclusion patterns. Reading configuration files
is `numlint.run.config`'s job; the output format is a plain string that the command line
validates.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

import pathspec
from pathspec.util import normalize_file

DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".numlint_cache", ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "__pycache__",
    "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
)
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024

KEYS = ("select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude",
        "force-exclude", "respect-gitignore", "max-file-size", "output-format", "src")
_SELECTOR = re.compile(r"^[A-Z]+[0-9]*$")
# A POSIX path that pathlib leaves as it is: no empty or `.` component, no trailing `/`.
_NORMAL_POSIX = re.compile(r"/?(?:(?!\./)[^/]+/)*(?!\.$)[^/]+")


class ConfigError(Exception):
    """A configuration problem the user must fix (reported with exit status 2)."""


def _gitwildmatch(patterns: Sequence[str]):
    """A matcher of gitignore-style `patterns` (`match_file(path) -> bool`): the
    `GitIgnoreSpec`, or where no pattern negates (`!pattern`: the default exclusions and most
    configurations) the same answers from one regular expression (`_AnyOf`)."""
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    return _AnyOf.of(spec) or spec


class _AnyOf:
    """A `GitIgnoreSpec` whose patterns all include (none negates) matches a path exactly when
    one of them does, whatever their order and kind: one search of their alternation instead
    of one search per pattern (the exclusions are tested for every file and directory of a
    walk). The directory marker group each pattern names is made anonymous: a name may appear
    only once in an expression."""

    def __init__(self, regex: "re.Pattern[str]"):
        self.regex = regex

    @classmethod
    def of(cls, spec: pathspec.PathSpec) -> Optional["_AnyOf"]:
        bodies: List[str] = []  # of the patterns that match any segment (see below)
        others: List[str] = []
        for pattern in spec.patterns:
            if pattern.include is None:  # a blank line or a comment
                continue
            regex = getattr(pattern, "regex", None)
            if pattern.include is not True or regex is None:
                return None
            if not isinstance(regex.pattern, str):
                return None
            source = regex.pattern.replace("(?P<ps_d>", "(?:")
            if "(?P<" in source or regex.flags & ~re.UNICODE:
                return None  # not the form this class knows: the spec itself decides
            # `name` and `*.py` (any segment: the default exclusions) compile to
            # `^(?:.+/)?BODY(?:(?:/)|$)`: BODY at the start or after a `/` that follows at
            # least one character. Searched as one alternation of their bodies, a path is
            # scanned once, not once per pattern; any other form is its own alternative.
            segment = _ANY_SEGMENT.fullmatch(source)
            if segment is not None:
                bodies.append(segment.group(1))
            else:
                others.append(f"(?:{source})")
        if not bodies and not others:
            return None
        if bodies:
            others.append("(?:^|(?<=./))(?:" + "|".join(f"(?:{b})" for b in bodies) + ")(?:/|$)")
        return cls(re.compile("|".join(others)))

    def match_file(self, path: str) -> bool:
        return self.regex.search(normalize_file(path)) is not None


_ANY_SEGMENT = re.compile(r"\^\(\?:\.\+/\)\?(.*)\(\?:\(\?:/\)\|\$\)", re.DOTALL)


@dataclass(frozen=True)
class Config:
    select: Optional[Tuple[str, ...]] = None  # None: every rule
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    # Apply exclude/extend-exclude to files named explicitly too (pre-commit names every file).
    force_exclude: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    # How `numlint check` prints findings when neither --output-format nor
    # NUMLINT_OUTPUT_FORMAT says (read from the working directory's configuration).
    output_format: Optional[str] = None
    # Source roots, relative to `root` (as Ruff's `src`): where first-party modules are
    # imported from. Empty: the project root and its `src/` directory.
    src: Tuple[str, ...] = ()
    root: Optional[Path] = None    # directory that relative patterns are relative to
    source: Optional[Path] = None  # the pyproject.toml it came from
    _cache: Dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    # -- selection ---------------------------------------------------------------------------
    def enabled_codes(self) -> FrozenSet[str]:
        if "enabled" not in self._cache:
            from numlint.engine.registry import all_rules
            selectors = (self.select if self.select is not None else ("ALL",))
            selectors = tuple(selectors) + tuple(self.extend_select)
            enabled = set()
            for rule in all_rules():
                if rule.opt_in and rule.code not in selectors:
                    continue  # opt-in: only when named
                chosen = _specificity(rule.code, selectors)
                dropped = _specificity(rule.code, self.ignore)
                if rule.meta or (chosen is not None and (dropped is None or chosen > dropped)):
                    enabled.add(rule.code)
            self._cache["enabled"] = frozenset(enabled)
        return self._cache["enabled"]

    def enabled_rules(self):
        from numlint.engine.registry import all_rules
        codes = self.enabled_codes()
        return tuple(r for r in all_rules() if r.code in codes and not r.meta)

    def ignored_codes_for(self, path: Union[str, Path, None]) -> Tuple[str, ...]:
        """Codes that `per-file-ignores` switches off for `path`."""
        if not self.per_file_ignores or path is None:
            return ()
        relative = self.relative(path)
        ignored: List[str] = []
        for pattern, codes in self.per_file_ignores:
            key = ("pfi", pattern)
            if key not in self._cache:
                self._cache[key] = _gitwildmatch([pattern])
            if self._cache[key].match_file(relative):
                ignored.extend(codes)
        return tuple(ignored)

    # -- exclusion ----------------------------------------------------------------------------
    def excluded(self, path: Union[str, Path], is_dir: bool = False) -> bool:
        if "exclude" not in self._cache:
            self._cache["exclude"] = _gitwildmatch(tuple(self.exclude) + tuple(self.extend_exclude))
        relative = self.relative(path)
        if is_dir:
            relative += "/"
        return self._cache["exclude"].match_file(relative)

    def relative(self, path: Union[str, Path]) -> str:
        """`path` (symlinks resolved) relative to the configuration's root, '/'-separated;
        as given if it is outside the root."""
        if self.root is not None:
            # Not abspath: it would fold `link/..` before the link is resolved.
            text = os.fspath(path)
            real = self._real_path(text if os.path.isabs(text)
                                   else os.path.join(os.getcwd(), text))
            root = str(self.root)
            if real == root:
                return "."
            prefix = root if root.endswith(os.sep) else root + os.sep
            if real.startswith(prefix):
                relative = real[len(prefix):]
                return relative.replace(os.sep, "/") if os.sep != "/" else relative
        if os.sep == "/" and isinstance(path, str) and _NORMAL_POSIX.fullmatch(path):
            return path  # what `Path(path).as_posix()` would give (a walk's paths are such)
        return Path(path).as_posix()

    def _real_path(self, absolute: str) -> str:
        """`os.path.realpath` for the files of a walk: each directory's real path is computed
        once per configuration (realpath costs a system call per path component), and the
        file itself is only checked for being a link."""
        directory, name = os.path.split(absolute)
        if name in (".", ".."):
            return os.path.realpath(absolute)
        key = ("realpath", directory)
        real = self._cache.get(key)
        if real is None:
            real = self._cache[key] = os.path.realpath(directory)
        if not name:
            return real
        candidate = os.path.join(real, name)
        return os.path.realpath(candidate) if os.path.islink(candidate) else candidate

    # -- overrides ----------------------------------------------------------------------------
    def with_overrides(self, select=None, ignore=(), extend_select=(),
                       force_exclude: Optional[bool] = None) -> "Config":
        """Command-line flags: `--select` replaces, `--ignore`/`--extend-select` add,
        `--[no-]force-exclude` replaces."""
        for selectors, option in ((select or (), "--select"), (ignore, "--ignore"),
                                  (extend_select, "--extend-select")):
            validate_selectors(selectors, option)
        return replace(
            self,
            select=tuple(select) if select is not None else self.select,
            ignore=tuple(self.ignore) + tuple(ignore),
            extend_select=tuple(self.extend_select) + tuple(extend_select),
            force_exclude=self.force_exclude if force_exclude is None else force_exclude,
            _cache={},
        )

    def fingerprint(self) -> str:
        """A stable description of everything that changes findings (the cache key, next to
        the engine key, which pins the rule catalog: the selectors then determine the enabled
        rules, so the catalog need not be loaded to compute it)."""
        return repr((self.select, self.extend_select, self.ignore, self.per_file_ignores,
                     self.root and str(self.root), self.src))


def _specificity(code: str, selectors: Iterable[str]) -> Optional[int]:
    """Length of the most specific selector matching `code` (ALL counts as 0)."""
    best = None
    for selector in selectors:
        if selector == "ALL":
            length = 0
        elif code.startswith(selector):
            length = len(selector)
        else:
            continue
        best = length if best is None else max(best, length)
    return best


def validate_selectors(selectors: Iterable[str], where: str) -> None:
    selectors = [s for s in selectors if s != "ALL"]
    if not selectors:
        return  # without loading the rule catalog (a warm cached run never needs it)
    from numlint.engine.registry import all_rules
    codes = [r.code for r in all_rules()]
    for selector in selectors:
        if not _SELECTOR.match(selector) or not any(c.startswith(selector) for c in codes):
            hint = difflib.get_close_matches(selector, codes, n=1)
            suggestion = f" (did you mean {hint[0]}?)" if hint else ""
            raise ConfigError(f"unknown rule code or prefix {selector!r} in {where}{suggestion}; "
                              f"`numlint rules` lists them")
