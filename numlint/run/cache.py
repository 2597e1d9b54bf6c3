"""The result cache: `.numlint_cache/` in the project root.

A file's findings are a pure function of its bytes, the path it is shown as (per-file-ignores,
the path in each diagnostic), the effective configuration and the engine (numlint's version, the
source of the `numlint` package and of the rule catalog, the Python that parses). The cache keys
each result by a hash of exactly those, so a changed file, rule, option or numlint misses and is
checked again; a warm run on an unchanged tree only reads and hashes files.

Layout (as Ruff's `.ruff_cache/`): `.numlint_cache/.gitignore` (`*`), `CACHEDIR.TAG`, and one
file per engine, `<engine key>.pickle`: a dict from entry key to the file's diagnostics. Only
check runs read and write it (never `--fix` or `--diff`), and only results that are facts
about the content are stored (not read errors, oversized files or internal errors). Every
failure to read or write the cache is ignored: a cache problem never fails a run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from numlint import __version__

DIRECTORY = ".numlint_cache"
MAX_ENTRIES = 200_000
_NOT_CACHED = frozenset({"NL902", "NL905", "NL906"})  # not facts about the file's content
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by numlint.\n")


def project_root(start: Optional[Path] = None) -> Path:
    """Where the cache lives: the directory of the nearest configuration file (`numlint.toml`,
    or a `pyproject.toml` with a `[tool.numlint]` table), else the repository root, else the
    working directory."""
    from numlint.run.config import config_for_path
    start = Path(os.path.abspath(start or Path.cwd()))
    config = config_for_path(start)
    if config.source is not None:
        return config.source.parent
    current = start
    while True:
        if (current / ".git").exists():
            return current
        if current.parent == current:
            return start
        current = current.parent


def cache_directory(start: Optional[Path] = None) -> Path:
    return project_root(start) / DIRECTORY


@lru_cache(maxsize=None)
def engine_key() -> str:
    """numlint's version, the Python version and a hash of numlint's and the rules' sources."""
    from numlint.engine.registry import catalog_package
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}|{sys.version}".encode())
    package = Path(__file__).resolve().parent
    catalog = [Path(p) for p in catalog_package().__path__]
    for directory in [package, *catalog]:
        for path in sorted(directory.rglob("*.py")):
            try:
                digest.update(path.relative_to(directory).as_posix().encode())
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"?")
    return digest.hexdigest()


class Cache:
    """The results of one engine; `get` and `put` by entry key, `save` at the end."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.file = directory / f"{engine_key()}.pickle"
        self.entries: Dict[str, Tuple[float, List]] = {}
        self.used: Dict[str, Tuple[float, List]] = {}
        self.changed = False
        self.hits = self.misses = 0
        self._fingerprints: Dict[int, Tuple[object, bytes]] = {}
        try:
            with open(self.file, "rb") as handle:
                entries = pickle.load(handle)
            if isinstance(entries, dict):
                self.entries = entries
        except Exception:  # missing, unreadable or corrupt: start empty
            self.entries = {}

    def key(self, data: bytes, shown: str, config) -> str:
        remembered = self._fingerprints.get(id(config))
        if remembered is None or remembered[0] is not config:
            remembered = (config, config.fingerprint().encode())
            self._fingerprints[id(config)] = remembered
        digest = hashlib.blake2b(data, digest_size=20)
        digest.update(b"\0" + shown.encode("utf-8", "surrogatepass") + b"\0" + remembered[1])
        return digest.hexdigest()

    def get(self, key: str) -> Optional[List]:
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = entry
        return entry[1]

    def put(self, key: str, diagnostics: List) -> None:
        if any(d.code in _NOT_CACHED for d in diagnostics):
            return
        entry = (time.time(), list(diagnostics))
        self.entries[key] = entry
        self.used[key] = entry
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically; errors are ignored."""
        if not self.changed:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:  # keep this run's, then the most recent others
            rest = sorted((kv for kv in entries.items() if kv[0] not in self.used),
                          key=lambda kv: kv[1][0], reverse=True)
            entries = dict(rest[:max(0, MAX_ENTRIES - len(self.used))])
            entries.update(self.used)
        try:
            _prepare(self.directory)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    pickle.dump(entries, stream, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self.file)
            except BaseException:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
                raise
        except Exception:  # a cache write failure never fails the run
            pass


def _prepare(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by numlint.\n*\n", encoding="utf-8")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG, encoding="utf-8")
    for stale in directory.glob("*.pickle"):  # other engines' results can never be hit again
        if stale.name != f"{engine_key()}.pickle":
            try:
                stale.unlink()
            except OSError:
                pass


def open_cache(start: Optional[Path] = None) -> Optional[Cache]:
    try:
        return Cache(cache_directory(start))
    except Exception:
        return None


def clean(start: Optional[Path] = None) -> Optional[Path]:
    """Remove the cache directory; return it if it existed."""
    directory = cache_directory(start)
    if not directory.is_dir():
        return None
    shutil.rmtree(directory)
    return directory
