"""The result cache: `.numlint_cache/` in the project root.

A file's findings are a pure function of its bytes, the path it is shown as (per-file-ignores,
the path in each diagnostic), the effective configuration and the engine (numlint's version, the
source of the `numlint` package and of the rule catalog, the Python that parses). The cache keys
each result by a hash of exactly those, so a changed file, rule, option or numlint misses and is
checked again; a warm run on an unchanged tree only reads and hashes files.

Layout (as Ruff's `.ruff_cache/`): `.numlint_cache/.gitignore` (`*`), `CACHEDIR.TAG`, and one
file per engine, `<engine key>.cache`. Only check runs read and write it (never `--fix` or
`--diff`), and only results that are facts about the content are stored (not read errors,
oversized files or internal errors). Every failure to read or write the cache is ignored: a
cache problem never fails a run.

The cache is data, never code: its directory can be committed by anyone who can open a pull
request, so reading it must not be able to run anything or fail a run, and damage must never
change an answer (issue 15). The file is one header line and a JSON payload:

    numlint-cache 2 sha256:<hex SHA-256 of the payload> <payload length in bytes>\\n
    {"engine": "<engine key>",
     "entries": {"<entry key>": [<time>, [<diagnostic>, ...], {<module>: <digest> or null}]},
     "summaries": {"<content sha256>:<module>":
                   [<time>, <summary>, {<module>: <digest>}, <the summary's digest>]}}

An entry's third element lists the summaries of other modules its findings depend on (whole-
project analysis, `numlint.run.project`): the entry holds only while each still has that digest
(null: the module was not found). A module's summary is stored by the SHA-256 of its bytes and
its module name, with the summaries it read itself and its own digest; it is validated like an
entry (`ModuleSummary.from_json`) and its dependencies checked when it is used. A warm run
validates the entries that depend on it by its stored digest alone (`summary_digest`): it never
decodes the summary (what the digest of damaged data says is only ever "changed": the entries
are checked again, and the summary, invalid, computed again).

a diagnostic being a JSON array (see `_encode`):

    [code, name, message, path, start row, start column, end row, end column,
     offset start, offset end, noqa_row or null, cell or null, error, fix or null]
    fix: [applicability, message, [[start, end, content], ...]]

A file with another header, version, length or checksum (a flipped byte, a half-written file),
or whose payload is not that shape, is read as empty. An entry is checked field by field when
it is looked up, against the file it describes (the bytes `key` was computed from): every type
exact (an `int` is not a `bool`), the path the one the file is shown as, rows, columns and
offsets inside the file's text (a notebook's joined code cells), a fix's edits inside the text
and not overlapping; an entry that fails any check is a miss (the file is checked again and the
entry replaced). The checksum detects damage, not intent: a crafted file with a valid checksum
passes, so it can claim findings of the right shape for a file, or none (CI checking untrusted
changes should use `--no-cache`), but it cannot run code or fail the run.
Writes go to a temporary file renamed over the cache file, so a reader sees a whole file from
one writer; the checksum makes anything else a miss. Old `<engine key>.pickle` files (numlint
before issue 15) are never opened, and are removed with the other stale files.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from numlint import __version__
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Applicability, Edit, Fix
from numlint.engine.source import Position, SourceText

DIRECTORY = ".numlint_cache"
SUFFIX = ".cache"
MAGIC = b"numlint-cache"
VERSION = 2
MAX_ENTRIES = 200_000
_NOT_CACHED = frozenset({"NL902", "NL905", "NL906"})  # not facts about the file's content
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by numlint.\n")
_HEADER = re.compile(rb"numlint-cache ([0-9]{1,9}) sha256:([0-9a-f]{64}) ([0-9]{1,15})")
_KEY = re.compile(r"[0-9a-f]{40}")  # Cache.key: SHA-256 in hex, its first 40 digits
_SUMMARY_KEY = re.compile(r"[0-9a-f]{64}:[A-Za-z_][A-Za-z0-9_.]*")  # content sha256:module
_SUMMARY_DIGEST = re.compile(r"[0-9a-f]{32}")  # ModuleSummary.digest()
_CODE = re.compile(r"[A-Z]{1,10}[0-9]{1,6}")
_APPLICABILITY = {a.value: a for a in Applicability}
_DIAGNOSTIC_FIELDS = 14
_FIX_FIELDS = 3


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


Entry = List[Any]  # [time, [encoded diagnostic, ...]]: the JSON form, checked on lookup


class Cache:
    """The results of one engine; `get` and `put` by entry key, `save` at the end.

    `get(key)` checks the entry against the file `key` was last computed for (its bytes and the
    path it is shown as): call `key` for a file, then `get` with what it returned."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.file = directory / f"{engine_key()}{SUFFIX}"
        self.entries: Dict[str, Entry] = {}
        self.used: Dict[str, Entry] = {}
        self.summaries: Dict[str, List[Any]] = {}
        self.used_summaries: Dict[str, List[Any]] = {}
        self.changed = False
        self.hits = self.misses = 0
        self._fingerprints: Dict[int, Tuple[object, bytes]] = {}
        self._subject: Optional[Tuple[str, bytes, str]] = None  # the last key's file
        try:
            with open(self.file, "rb") as handle:
                blob = handle.read()
            self.entries, self.summaries = read_cache(blob, engine_key())
        except Exception:  # missing, unreadable or not a cache: start empty
            self.entries, self.summaries = {}, {}

    def key(self, data: bytes, shown: str, config) -> str:
        remembered = self._fingerprints.get(id(config))
        if remembered is None or remembered[0] is not config:
            remembered = (config, config.fingerprint().encode())
            self._fingerprints[id(config)] = remembered
        # SHA-256 (hardware-accelerated where OpenSSL can: about three times BLAKE2b's speed
        # here, and a warm run hashes every file); the content's digest comes first, fixed in
        # length, so that no content and path can spell another pair's.
        content = hashlib.sha256(data).digest()
        digest = hashlib.sha256(content + shown.encode("utf-8", "surrogatepass") + b"\0"
                                + remembered[1])
        key = digest.hexdigest()[:40]
        self._subject = (key, data, shown)
        return key

    def get(self, key: str) -> Optional[List[Diagnostic]]:
        entry = self.entries.get(key)
        subject = self._subject
        diagnostics = None
        if entry is not None and subject is not None and subject[0] == key:
            diagnostics = decode_entry(entry[1], subject[1], subject[2])
            if diagnostics is None:  # does not describe this file: dropped, checked again
                del self.entries[key]
                self.changed = True
        if entry is None or diagnostics is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = entry
        return diagnostics

    def dependencies(self, key: str) -> Dict[str, Optional[str]]:
        """The summaries (module -> digest) the entry `key` depends on; call after a hit."""
        entry = self.entries.get(key)
        found = entry[2] if entry is not None and len(entry) > 2 else {}
        return found if _is_dependencies(found) else {"": None}  # malformed: never valid

    def put(self, key: str, diagnostics: List[Diagnostic],
            dependencies: Optional[Dict[str, Optional[str]]] = None) -> None:
        if any(d.code in _NOT_CACHED for d in diagnostics):
            return
        try:
            entry = [time.time(), [_encode(d) for d in diagnostics]]
        except Exception:  # not a diagnostic this format can hold: not cached
            return
        if dependencies:
            entry.append(dict(dependencies))
        self.entries[key] = entry
        self.used[key] = entry
        self.changed = True

    # -- module summaries ------------------------------------------------------------------------
    def summary(self, content: str, module: str):
        """The stored summary of `module` whose file's bytes hash to `content`, and the
        summaries it read (module -> digest); None if there is none or it is not valid."""
        raw = self.summaries.get(f"{content}:{module}")
        if raw is None:
            return None
        from numlint.engine.semantic.project import ModuleSummary
        try:
            summary = ModuleSummary.from_json(raw[1])
        except Exception:  # not as written: a miss
            return None
        if summary.module != module or not _is_dependencies(raw[2]):
            return None
        self.used_summaries[f"{content}:{module}"] = raw
        return summary, dict(raw[2])

    def summary_digest(self, content: str, module: str
                       ) -> Optional[Tuple[str, Dict[str, Optional[str]]]]:
        """The digest of the stored summary of `module` whose file's bytes hash to `content`
        (`ModuleSummary.digest()`), and the summaries it read; None if there is none.

        As stored, the summary not decoded: a warm run validating its results never builds
        one. A digest that does not match what results recorded only invalidates them."""
        key = f"{content}:{module}"
        raw = self.summaries.get(key)
        if raw is None or type(raw[1]) is not dict or raw[1].get("module") != module:
            return None
        self.used_summaries[key] = raw
        return raw[3], dict(raw[2])

    def put_summary(self, content: str, module: str, summary,
                    dependencies: Dict[str, Optional[str]]) -> None:
        key = f"{content}:{module}"
        raw = [time.time(), summary.to_json(), dict(dependencies), summary.digest()]
        self.summaries[key] = raw
        self.used_summaries[key] = raw
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
            summaries = self.summaries
            if len(summaries) > MAX_ENTRIES:
                summaries = dict(self.used_summaries)
            blob = write_entries(entries, engine_key(), summaries)
            _prepare(self.directory)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(blob)
                os.replace(temporary, self.file)
            except BaseException:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
                raise
        except Exception:  # a cache write failure never fails the run
            pass


# -- the file --------------------------------------------------------------------------------------

def write_entries(entries: Dict[str, Entry], engine: str,
                  summaries: Optional[Dict[str, List[Any]]] = None) -> bytes:
    """The cache file's bytes: the header line, then the JSON payload (ASCII: lone surrogates
    of undecodable file names are escaped, and read back as they were)."""
    payload = json.dumps({"engine": engine, "entries": entries, "summaries": summaries or {}},
                         ensure_ascii=True,
                         allow_nan=False, check_circular=False,
                         separators=(",", ":")).encode("ascii")
    digest = hashlib.sha256(payload).hexdigest()
    return b"%s %d sha256:%s %d\n" % (MAGIC, VERSION, digest.encode(), len(payload)) + payload


def read_entries(blob: bytes, engine: str) -> Dict[str, Entry]:
    """The entries of a cache file; empty if anything about the file is not as written."""
    return read_cache(blob, engine)[0]


def read_cache(blob: bytes, engine: str) -> Tuple[Dict[str, Entry], Dict[str, List[Any]]]:
    """The entries and the module summaries of a cache file (the summaries' shape only: their
    content is validated when used); empty if anything about the file is not as written."""
    header, newline, payload = blob.partition(b"\n")
    match = _HEADER.fullmatch(header) if newline else None
    if match is None or int(match.group(1)) != VERSION or int(match.group(3)) != len(payload):
        return {}, {}
    if hashlib.sha256(payload).hexdigest().encode() != match.group(2):
        return {}, {}
    try:
        data = json.loads(payload, parse_constant=_no_constant)
    except Exception:  # not UTF-8, not JSON, nested too deep, a number too long
        return {}, {}
    if type(data) is not dict or data.get("engine") != engine:
        return {}, {}
    found = data.get("entries")
    if type(found) is not dict:
        return {}, {}
    entries = {}
    for key, entry in found.items():  # the shape saving relies on; the rest on lookup
        if (_KEY.fullmatch(key) and type(entry) is list and len(entry) in (2, 3)
                and type(entry[0]) is float and math.isfinite(entry[0])
                and type(entry[1]) is list
                and (len(entry) == 2 or _is_dependencies(entry[2]))):
            entries[key] = entry
    summaries = {}
    found_summaries = data.get("summaries", {})
    if type(found_summaries) is dict:
        for key, raw in found_summaries.items():
            if (type(key) is str and _SUMMARY_KEY.fullmatch(key) and type(raw) is list
                    and len(raw) == 4 and type(raw[0]) is float and math.isfinite(raw[0])
                    and type(raw[1]) is dict and _is_dependencies(raw[2])
                    and type(raw[3]) is str and _SUMMARY_DIGEST.fullmatch(raw[3])):
                summaries[key] = raw
    return entries, summaries


def _is_dependencies(value: Any) -> bool:
    """A map module -> digest (or None), as `put` writes it."""
    return type(value) is dict and all(
        type(k) is str and (v is None or type(v) is str) for k, v in value.items())


def _no_constant(name: str):
    raise ValueError(f"{name} is not a cache value")


def _encode(d: Diagnostic) -> List[Any]:
    fix = d.fix
    encoded_fix = None if fix is None else [
        fix.applicability.value, fix.message, [[e.start, e.end, e.content] for e in fix.edits]]
    return [d.code, d.name, d.message, d.path, d.start.row, d.start.column, d.end.row,
            d.end.column, d.offset[0], d.offset[1], d.noqa_row, d.cell, d.error, encoded_fix]


# -- checking an entry against its file ------------------------------------------------------------

class _Text:
    """What an entry is checked against: the text its diagnostics refer to (a notebook's joined
    code cells), its rows and, for a notebook, the module row each cell starts on."""

    def __init__(self, data: bytes, shown: str):
        self.data = data
        self.text: Optional[str] = None
        self.cells: Optional[Dict[int, Tuple[int, int]]] = None  # cell -> (first row, last)
        from numlint.run.notebook import is_notebook, joined_source
        try:
            if is_notebook(shown):  # as the pool decides (the shown path keeps the name)
                self.text, index = joined_source(data)
            else:
                self.text = SourceText.from_bytes(data).text
                index = None
        except Exception:  # not decodable: only whole-file diagnostics can describe it
            self.text = None
            return
        if self.text is None:
            return
        # The rows are `SourceText`'s (a line ends at `\r\n`, `\r` or `\n`). Without `\r`,
        # splitting at `\n` gives them in C, not one regular expression match per line.
        if "\r" in self.text:
            source = SourceText(self.text)
            self.rows = [source.line(row) for row in range(1, source.line_count() + 1)]
        else:
            self.rows = self.text.split("\n")
        self.lines = len(self.rows)
        if index is not None:
            rows = list(index.rows)
            self.cells = {number: (first, (rows[k + 1] - 1 if k + 1 < len(rows) else self.lines))
                          for k, (number, first) in enumerate(zip(index.numbers, rows))}

    def row(self, row: int, cell: Optional[int]) -> Optional[int]:
        """The row of the text that (cell, row) is on, if there is one."""
        if cell is None:
            return row if 1 <= row <= self.lines else None
        span = self.cells.get(cell) if self.cells is not None else None
        if span is None or row < 1:
            return None
        row = span[0] + row - 1
        return row if row <= min(span[1], self.lines) else None

    def length(self, row: int) -> int:
        """Characters on a row of the text (without its line end)."""
        return len(self.rows[row - 1])


def decode_entry(raw: Any, data: bytes, shown: str) -> Optional[List[Diagnostic]]:
    """The diagnostics an entry holds, if every one of them can describe the file `data` shown
    as `shown`; None (a miss) if anything is not as `_encode` writes it for such a file."""
    if type(raw) is not list:
        return None
    if not raw:
        return []
    try:
        text = _Text(data, shown)
        diagnostics = [_decode(item, text, shown) for item in raw]
    except Exception:  # whatever the entry holds, a failure to read it is a miss
        return None
    if any(d is None for d in diagnostics):
        return None
    return diagnostics  # type: ignore[return-value]


def _decode(item: Any, text: _Text, shown: str) -> Optional[Diagnostic]:
    if type(item) is not list or len(item) != _DIAGNOSTIC_FIELDS:
        return None
    (code, name, message, path, start_row, start_column, end_row, end_column, offset_start,
     offset_end, noqa_row, cell, error, fix) = item
    if not (type(path) is str and path == shown and type(code) is str and type(name) is str
            and type(message) is str and type(error) is bool and _CODE.fullmatch(code)
            and type(start_row) is int and type(start_column) is int
            and type(end_row) is int and type(end_column) is int
            and type(offset_start) is int and type(offset_end) is int
            and (noqa_row is None or type(noqa_row) is int)
            and (cell is None or type(cell) is int)):
        return None
    if (start_row, start_column) > (end_row, end_column):
        return None
    if text.text is None:  # not decodable (or not a notebook): a file error, no text to show
        if not (error and fix is None and noqa_row is None and cell is None
                and offset_start == offset_end == 0
                and 1 <= start_row and end_row <= text.data.count(b"\n") + 1
                and 1 <= start_column and end_column <= len(text.data) + 1):
            return None
    else:
        if cell is not None and text.cells is None:
            return None
        first = text.row(start_row, cell)
        last = text.row(end_row, cell)
        if first is None or last is None:
            return None
        if not (1 <= start_column <= text.length(first) + 1
                and 1 <= end_column <= text.length(last) + 1):
            return None
        if not 0 <= offset_start <= offset_end <= len(text.text):
            return None
        if noqa_row is not None and not 1 <= noqa_row <= text.lines:
            return None
    decoded_fix = None
    if fix is not None:
        decoded_fix = _decode_fix(fix, text)
        if decoded_fix is None:
            return None
    return _diagnostic(code=code, name=name, message=message, path=path,
                       start=_position(row=start_row, column=start_column),
                       end=_position(row=end_row, column=end_column), fix=decoded_fix,
                       offset=(offset_start, offset_end), noqa_row=noqa_row, cell=cell,
                       error=error)


def _decode_fix(fix: Any, text: _Text) -> Optional[Fix]:
    if type(fix) is not list or len(fix) != _FIX_FIELDS or text.text is None:
        return None
    applicability, message, raw_edits = fix
    if type(applicability) is not str or applicability not in _APPLICABILITY:
        return None
    if type(message) is not str or type(raw_edits) is not list or not raw_edits:
        return None
    size = len(text.text)
    edits = []
    for edit in raw_edits:
        if type(edit) is not list or len(edit) != 3:
            return None
        start, end, content = edit
        if not (type(start) is int and type(end) is int and type(content) is str
                and 0 <= start <= end <= size):
            return None
        edits.append(_edit(start=start, end=end, content=content))
    if len(edits) > 1:
        last = 0
        for edit in sorted(set(edits)):  # as `apply_edits` takes them: identical ones once
            if edit.start < last:
                return None
            last = edit.end
    return _fix(applicability=_APPLICABILITY[applicability], message=message,
                edits=tuple(edits))


def _builder(cls, sample: Dict[str, Any]):
    """`cls(**fields)`, or a faster equivalent: the instance made as `pickle` makes it, its
    `__dict__` filled (half the time of a frozen dataclass's `__init__`, which sets every field
    through `object.__setattr__`), if that gives exactly what `__init__` gives on `sample`
    (same attributes, no more: a field added to `cls` falls back to `__init__`)."""
    def build(**fields):
        made = _new(cls)
        made.__dict__.update(fields)
        return made
    try:
        if vars(build(**sample)) == vars(cls(**sample)):
            return build
    except Exception:  # slots, a custom __new__: the class's own constructor
        pass
    return cls


_new = object.__new__
_position = _builder(Position, {"row": 1, "column": 1})
_edit = _builder(Edit, {"start": 0, "end": 0, "content": ""})
_fix = _builder(Fix, {"applicability": Applicability.SAFE, "message": "", "edits": ()})
_diagnostic = _builder(Diagnostic, {
    "code": "NL100", "name": "", "message": "", "path": "", "start": Position(1, 1),
    "end": Position(1, 1), "fix": None, "offset": (0, 0), "noqa_row": None, "cell": None,
    "error": False})


# -- the directory ---------------------------------------------------------------------------------

def _prepare(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by numlint.\n*\n", encoding="utf-8")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG, encoding="utf-8")
    current = f"{engine_key()}{SUFFIX}"
    # Other engines' results can never be hit again; `.pickle` files are the old format.
    for stale in [*directory.glob(f"*{SUFFIX}"), *directory.glob("*.pickle")]:
        if stale.name != current:
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
    """Remove the cache directory (every format's files); return it if it existed."""
    directory = cache_directory(start)
    if not directory.is_dir():
        return None
    shutil.rmtree(directory)
    return directory
