"""JSON output in Ruff's shape, so that tools reading `ruff check --output-format json` read
numlint's output too: a list of objects with `cell`, `code`, `end_location`, `filename`
(absolute), `fix` (`applicability`, `edits`, `message`, or null), `location`, `message`,
`noqa_row` and `url`. Rows and columns are 1-based; columns count characters.

`url` is the rule's documentation, as Ruff's: until numlint has a site, the page in numlint's
repository, `docs/rules/NL102.md` (a path relative to the repository's root), or its absolute
URL when the package's metadata names the repository (`common.rule_url`).

A fix's `edits` are the edits `--fix` makes when that finding's fix is applied alone: the
rule's edits and the import clean-up they call for (`numlint.engine.imports`: an import the
fix leaves unused is removed, an import it adds is merged into an existing `from` import), so
applying one finding's edits leaves no unused import behind. The clean-up is computed only
for a fix that may need one (it removes a name an import binds, or adds an import). In a
notebook the edits are the rule's own; `--fix` and `--diff` clean the imports there too."""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, TextIO

from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Edit, Fix
from numlint.cli.output.common import rule_url, sources
from numlint.run.report import Report
from numlint.engine.source import SourceText


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    if statistics:
        rows = [{"code": code, "name": name, "count": count, "fixable": fixable}
                for code, name, count, fixable in report.statistics()]
        json.dump(rows, stream, indent=2)
        stream.write("\n")
        return
    texts = sources(report)
    cells = {r.path: r.cells for r in report.results if r.cells is not None}  # notebooks
    items = [diagnostic_to_json(d, texts.get(d.path), cells.get(d.path))
             for d in report.diagnostics]
    json.dump(items, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def diagnostic_to_json(diagnostic: Diagnostic, source: Optional[SourceText],
                       cells=None) -> Dict:
    """`cells`: a notebook's `CellIndex`, which turns the rows of the fix's edits (in the
    joined code cells) into rows of their cell, as Ruff does."""
    return {
        "cell": diagnostic.cell,
        "code": diagnostic.code,
        "end_location": _location(diagnostic.end),
        "filename": os.path.abspath(diagnostic.path) if diagnostic.path != "<stdin>"
        else diagnostic.path,
        "fix": _fix(diagnostic.fix, source, cells),
        "location": _location(diagnostic.start),
        "message": diagnostic.message,
        "noqa_row": diagnostic.noqa_row,
        "url": rule_url(diagnostic.code),
    }


def _location(position) -> Dict[str, int]:
    return {"column": position.column, "row": position.row}


def _fix(fix: Optional[Fix], source: Optional[SourceText], cells=None) -> Optional[Dict]:
    if fix is None or source is None:
        return None

    def position(offset: int):
        found = source.position(offset)
        return found if cells is None else cells.position(found)

    edits: List[Dict] = []
    for edit in _with_imports(fix, source, cells):
        edits.append({
            "content": edit.content,
            "end_location": _location(position(edit.end)),
            "location": _location(position(edit.start)),
        })
    return {"applicability": fix.applicability.value, "edits": edits, "message": fix.message}


def _with_imports(fix: Fix, source: SourceText, cells) -> List[Edit]:
    """The fix's edits and the import clean-up they call for (not in a notebook: its joined
    cells hold IPython lines that are not Python)."""
    if cells is not None:
        return sorted(set(fix.edits))
    from numlint.engine import imports  # libcst: loaded only for a fix that needs it
    return imports.complete(source.text, fix.edits)
