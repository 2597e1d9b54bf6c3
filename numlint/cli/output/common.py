"""What several output formats share: the sources diagnostics refer to, how a location is
written (notebook cells included), paths relative to a project root, and the rule catalog.

Notebook diagnostics carry `cell` (1-based) and positions inside that cell. Formats whose
locations point into the file on disk (GitHub annotations, GitLab Code Quality, JUnit, SARIF)
cannot express "row 5 of cell 2" of an `.ipynb` file: like Ruff they give a fallback location
(line 1, column 1, clearly not a position in the cell) and say the cell, row and column in
the message instead.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional, Tuple

from numlint.engine.diagnostic import Diagnostic
from numlint.run.report import Report
from numlint.engine.source import Position, SourceText

FALLBACK = Position(1, 1)


def sources(report: Report) -> "Sources":
    """The text each file's diagnostics refer to (kept only for files with diagnostics)."""
    return Sources(report)


class Sources:
    """The text each file's diagnostics refer to, by path: read when first asked for (from the
    result, or back from the file: `FileResult.text()`), one file at a time. The report's
    diagnostics are in the order of their paths, so each text is read once, and only one is
    held at a time."""

    def __init__(self, report: Report):
        self._results = {r.path: r for r in report.results
                         if r.source is not None or r.source_file is not None}
        self._last: Tuple[Optional[str], Optional[SourceText]] = (None, None)

    def get(self, path: str) -> Optional[SourceText]:
        if path == self._last[0]:
            return self._last[1]
        result = self._results.get(path)
        text = result.text() if result is not None else None
        source = SourceText(text) if text is not None else None
        self._last = (path, source)
        return source


def where(diagnostic: Diagnostic) -> str:
    """`row:col`, or `cell N:row:col` in a notebook (Ruff's spelling)."""
    location = f"{diagnostic.start.row}:{diagnostic.start.column}"
    return location if diagnostic.cell is None else f"cell {diagnostic.cell}:{location}"


def file_positions(diagnostic: Diagnostic):
    """(start, end) positions in the file on disk: the fallback for a notebook cell."""
    if diagnostic.cell is not None:
        return FALLBACK, FALLBACK
    return diagnostic.start, diagnostic.end


def relative_to(path: str, root: Optional[str]) -> str:
    """`path` (as displayed: relative to the working directory when inside it) relative to
    `root` (e.g. the CI's checkout directory), in `/` form; unchanged if outside `root`."""
    if not root or path.startswith("<"):
        return path
    absolute = os.path.abspath(path)
    try:
        return Path(absolute).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path


def fixable_now(diagnostic: Diagnostic, report: Report) -> bool:
    """`--fix` (with `--unsafe-fixes` if given) would apply this diagnostic's fix."""
    return diagnostic.fix is not None and diagnostic.fix.applies(report.unsafe)


# -- where a rule's documentation is ----------------------------------------------------------

RULE_DOCS = "docs/rules"  # in numlint's repository: one page per rule, NL102.md
REPOSITORY_LABELS = ("repository", "source", "source code", "homepage", "home")


@lru_cache(maxsize=None)
def repository_url() -> Optional[str]:
    """numlint's repository, if the installed package's metadata names one (a `Project-URL`
    labelled Repository, Source or Homepage on GitHub or GitLab); None otherwise: no URL is
    made up that may not exist."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata
        try:
            meta = metadata("numlint")
        except PackageNotFoundError:
            return None
        urls = [entry.partition(",") for entry in meta.get_all("Project-URL") or []]
        candidates = [url.strip() for label, _, url in urls
                      if label.strip().lower() in REPOSITORY_LABELS]
        candidates.append((meta.get("Home-page") or "").strip())  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - broken metadata must not break the report
        return None
    for url in candidates:
        if re.match(r"https://(github\.com|gitlab\.com)/[^/\s]+/[^/\s]+/?$", url):
            return url.rstrip("/").removesuffix(".git")
    return None


def rule_url(code: str) -> str:
    """The documentation of rule `code`: `docs/rules/NL102.md`, a path in numlint's
    repository (where `numlint rule NL102` prints the same text), or, when the package's
    metadata names the repository, the URL of that file on its default branch."""
    path = f"{RULE_DOCS}/{code}.md"
    repository = repository_url()
    if repository is None:
        return path
    separator = "/-/blob/HEAD/" if "gitlab.com" in repository else "/blob/HEAD/"
    return repository + separator + path
