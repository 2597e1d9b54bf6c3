"""Finding the files to check, as Ruff does.

A directory is walked recursively in sorted order for `.py`, `.pyi` and `.ipynb` (Jupyter
notebook) files, as Ruff's default `include`. Directories matching `exclude` (by default
`.git`, `.venv`, `venv`, `build`, `dist`, `site-packages`, `node_modules`, `__pycache__`, ...)
or `extend-exclude` are skipped, as are paths ignored by `.gitignore` files (those inside the
walked tree, those above it up to the repository root, and `.git/info/exclude`) unless
`respect-gitignore = false`. Symlinked directories are not followed; symlinked files are.
A file named explicitly on the command line is always checked.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import pathspec

from numlint.run.config import CONFIG_FILES, Config, config_for_path

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")  # notebooks: numlint/notebook.py


@dataclass(frozen=True)
class Found:
    """A file to check, with the configuration that applies to it, or a path that could not
    be visited (`error` says why; no `config`)."""

    path: Path
    error: Optional[str] = None
    config: Optional[Config] = None


class _Ignores:
    """The `.gitignore` files that apply below a directory, deepest last, each with the
    absolute directory it is in. (Paths are strings here: the walk visits every file.)"""

    def __init__(self, specs: Tuple[Tuple[str, pathspec.PathSpec], ...] = ()):
        self.specs = specs

    def with_directory(self, directory: str) -> "_Ignores":
        spec = _read_ignore_file(os.path.join(directory, ".gitignore"))
        return _Ignores(self.specs + ((directory, spec),)) if spec else self

    def ignored(self, path: str, is_dir: bool) -> bool:
        # The deepest file with a matching pattern decides (a nested `!pattern` re-includes).
        for base, spec in reversed(self.specs):
            prefix = base if base.endswith(os.sep) else base + os.sep
            if not path.startswith(prefix):
                continue
            relative = path[len(prefix):]
            if os.sep != "/":
                relative = relative.replace(os.sep, "/")
            result = spec.check_file(relative + "/" if is_dir else relative)
            if result.include is not None:
                return bool(result.include)
        return False


def _read_ignore_file(path) -> Optional[pathspec.PathSpec]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _ancestor_ignores(directory: Path) -> _Ignores:
    """`.gitignore` files above `directory` up to its repository root, and the repository's
    `.git/info/exclude`. Outside a repository there are none."""
    chain: List[Path] = []
    current = directory
    root = None
    while True:
        chain.append(current)
        if os.path.exists(os.path.join(current, ".git")):  # False where it cannot be searched
            root = current
            break
        if current.parent == current:
            break
        current = current.parent
    if root is None:
        return _Ignores()
    ignores = _Ignores()
    exclude = _read_ignore_file(root / ".git" / "info" / "exclude")
    if exclude:
        ignores = _Ignores(((str(root), exclude),))
    for ancestor in reversed(chain[1:]):  # the walked directory itself is added by the walk
        ignores = ignores.with_directory(str(ancestor))
    return ignores


def discover(paths: Sequence[Path], config_for: Callable[[Path], Config] = config_for_path,
             suffixes: Tuple[str, ...] = SOURCE_SUFFIXES) -> Iterator[Found]:
    """Yield the files to check under `paths`, each once, in a deterministic order."""
    seen = set()
    for path in paths:
        path = Path(path)
        for found in _discover_one(path, config_for, suffixes):
            key = os.path.normcase(os.path.abspath(found.path))
            if key not in seen:
                seen.add(key)
                yield found


def _discover_one(path: Path, config_for, suffixes) -> Iterator[Found]:
    try:
        is_dir = path.is_dir()
    except OSError as exc:  # e.g. a symlink loop
        yield Found(path, describe_os_error(exc))
        return
    if not is_dir:
        if not os.path.lexists(path):
            yield Found(path, "no such file or directory")
            return
        # Named explicitly: checked whatever its name, and even if excluded unless the
        # configuration forces exclusions (as Ruff's `force-exclude`, for pre-commit).
        config = config_for(path)
        if config.force_exclude and config.excluded(path):
            return  # (a pattern naming a directory matches the files below it, as in a walk)
        yield Found(path, config=config)
        return
    absolute = path.absolute()
    try:
        ignores = _ancestor_ignores(absolute)
    except OSError as exc:  # a directory that cannot be searched: reported, the others go on
        yield Found(path, describe_os_error(exc))
        return
    yield from _walk(str(path), str(absolute), ignores, config_for, suffixes)


def _walk(path: str, absolute: str, ignores: _Ignores, config_for, suffixes,
          inherited: Optional[Config] = None) -> Iterator[Found]:
    """Walk directory `path` (`absolute` once made absolute; both strings). `inherited`: the
    configuration of the directory above, which applies here too unless this directory has
    a configuration file of its own (walked directories are never symlinks)."""
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        yield Found(Path(path), describe_os_error(exc))
        return
    config = inherited
    if config is None or any(e.name in CONFIG_FILES for e in entries):
        config = config_for(Path(absolute))
    if config.respect_gitignore:
        ignores = ignores.with_directory(absolute)
    join = os.path.join
    for entry in entries:
        name = entry.name
        child = join(path, name)
        child_absolute = join(absolute, name)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            if config.excluded(child_absolute, is_dir=True):
                continue
            if config.respect_gitignore and ignores.ignored(child_absolute, True):
                continue
            yield from _walk(child, child_absolute, ignores, config_for, suffixes, config)
            continue
        if not name.endswith(suffixes):
            continue
        if config.excluded(child_absolute):
            continue
        if config.respect_gitignore and ignores.ignored(child_absolute, False):
            continue
        if entry.is_symlink():
            try:
                if os.path.isdir(child):
                    continue  # a symlink to a directory named like a source file
                os.stat(child)
            except OSError as exc:
                yield Found(Path(child), describe_os_error(exc))
                continue
        yield Found(Path(child), config=config)


def describe_os_error(exc: OSError) -> str:
    """A short, user-facing reason for an operating-system error."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "no such file or directory (a broken symlink?)"
    return exc.strerror or str(exc)
