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
from pathlib import Path
from typing import Dict, Optional

from numlint.engine.diagnostic import Diagnostic
from numlint.run.report import Report
from numlint.engine.source import Position, SourceText

FALLBACK = Position(1, 1)


def sources(report: Report) -> Dict[str, SourceText]:
    """The text each file's diagnostics refer to (kept only for files with diagnostics)."""
    return {r.path: SourceText(r.source) for r in report.results if r.source is not None}


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
