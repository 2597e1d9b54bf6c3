"""The outcome of a run, as the output formats and the exit status see it."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from numlint.engine.diagnostic import Diagnostic
from numlint.run.mode import CHECK, Mode

if TYPE_CHECKING:  # notebooks are loaded only for notebooks
    from numlint.run.notebook import CellIndex


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    fixed: Dict[str, int] = field(default_factory=dict)
    diff: str = ""          # unified diff of the fixes (fix and diff modes)
    written: bool = False   # the fixed source was written back
    source: Optional[str] = None  # the text the diagnostics refer to (kept only if any)
    # Instead of `source`, where the same text is on disk: (path, digest of the text), read
    # back when an output needs it (`text()`); see `release_source`.
    source_file: Optional[Tuple[str, str]] = None
    # Notebooks: `source` is the joined code cells; this maps its rows to cells.
    cells: Optional[CellIndex] = None
    # The summaries of other modules the findings depend on (module -> digest; None: the
    # module was not found), for the cache.
    dependencies: Dict[str, Optional[str]] = field(default_factory=dict)
    # Module summaries computed while checking (module, content digest, summary, the
    # summaries it read), handed to the cache by the main process.
    summaries: List[Tuple[str, str, Any, Dict[str, Optional[str]]]] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(d.error for d in self.diagnostics)

    def text(self) -> Optional[str]:
        """The text the diagnostics refer to: `source`, or the file it was released to if
        the file still holds that text (None if it changed since, or cannot be read)."""
        if self.source is not None or self.source_file is None:
            return self.source
        path, digest = self.source_file
        try:
            from numlint.engine.source import SourceText
            with open(path, "rb") as handle:
                text = SourceText.from_bytes(handle.read()).text
        except Exception:  # unreadable now: the findings are reported without their lines
            return None
        return text if _digest(text) == digest else None

    def release_source(self, path: "os.PathLike[str] | str", mode: Mode = CHECK) -> None:
        """Hold where the text is instead of the text, when the file `path` holds it: a run
        over thousands of files does not keep the text of every file with a finding until
        the report is written (most formats never show it). The file holds the text checked
        in check mode, and the text fixed when fixes are written back (or the text as it was,
        when the file could not be written); not with `--diff` when something was fixed,
        nor for a notebook (the text is its joined code cells)."""
        if self.source is None or self.cells is not None:
            return
        if mode.fixing and not mode.writes and self.diff:
            return
        self.source_file = (os.fspath(path), _digest(self.source))
        self.source = None


def _digest(text: str) -> str:
    return bytes_digest(text.encode("utf-8", "surrogatepass"))


def bytes_digest(data: bytes) -> str:
    """The digest `FileResult.source_file` keeps, of a text's UTF-8 bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Report:
    results: List[FileResult] = field(default_factory=list)
    mode: Mode = CHECK

    @property
    def fix(self) -> bool:
        """Fixes were applied (or shown, with --diff)."""
        return self.mode.fixing

    @property
    def unsafe(self) -> bool:
        return self.mode.unsafe

    @property
    def diff(self) -> bool:
        return self.mode.diff

    @property
    def diagnostics(self) -> List[Diagnostic]:
        found = [d for r in self.results for d in r.diagnostics]
        return sorted(found, key=Diagnostic.sort_key)

    @property
    def fixed(self) -> Counter:
        total: Counter = Counter()
        for result in self.results:
            total.update(result.fixed)
        return total

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.error]

    def fixable_counts(self):
        """(applicable now, hidden behind --unsafe-fixes) among remaining diagnostics."""
        applicable = hidden = 0
        for diagnostic in self.diagnostics:
            fix = diagnostic.fix
            if fix is None:
                continue
            if fix.applies(self.unsafe):
                applicable += 1
            elif fix.applicability.value == "unsafe":
                hidden += 1
        return applicable, hidden

    def statistics(self):
        """Rows (code, name, count, fixable count), most frequent first."""
        counts: Counter = Counter()
        fixable: Counter = Counter()
        names = {}
        for diagnostic in self.diagnostics:
            counts[diagnostic.code] += 1
            names[diagnostic.code] = diagnostic.name
            if diagnostic.fix is not None and diagnostic.fix.applies(self.unsafe):
                fixable[diagnostic.code] += 1
        return [(code, names[code], count, fixable[code])
                for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
