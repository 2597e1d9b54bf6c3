"""`--output-format gitlab`: a GitLab Code Quality report (a JSON array), as Ruff writes it:

    {"check_name": "NL102", "description": "NL102: ...", "severity": "major",
     "fingerprint": "...", "location": {"path": "m.py", "positions": {
         "begin": {"line": 5, "column": 12}, "end": {"line": 5, "column": 45}}}}

Paths are relative to `CI_PROJECT_DIR` (GitLab's checkout) when set, else to the working
directory. The fingerprint, which GitLab uses to tell new findings from known ones, hashes the
code, the project-relative path, the message and the flagged source text: not the line (so
moving code does not renew it), not an absolute path and not the run order. Two identical
findings in one file get distinct fingerprints: the second hashes the first's (Ruff's scheme),
in source order. Files that could not be checked (NL9xx) are `critical`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Dict, List, Optional, Set, TextIO

from numlint.engine.diagnostic import Diagnostic
from numlint.cli.output.common import file_positions, relative_to, sources, where
from numlint.run.report import Report
from numlint.engine.source import SourceText


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    root = os.environ.get("CI_PROJECT_DIR")
    texts = sources(report)
    seen: Set[str] = set()
    items: List[Dict] = []
    for diagnostic in report.diagnostics:
        path = relative_to(diagnostic.path, root)
        fingerprint = _fingerprint(diagnostic, path, texts.get(diagnostic.path))
        while fingerprint in seen:
            fingerprint = _hash(fingerprint, diagnostic.code, path)
        seen.add(fingerprint)
        start, end = file_positions(diagnostic)
        description = diagnostic.message
        if diagnostic.cell is not None:
            description = f"{where(diagnostic)}: {description}"
        items.append({
            "check_name": diagnostic.code,
            # GitLab does not show `check_name` in the report: the code leads the description.
            "description": f"{diagnostic.code}: {description}",
            "severity": "critical" if diagnostic.error else "major",
            "fingerprint": fingerprint,
            "location": {
                "path": path,
                "positions": {
                    "begin": {"line": start.row, "column": start.column},
                    "end": {"line": end.row, "column": end.column},
                },
            },
        })
    json.dump(items, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _fingerprint(diagnostic: Diagnostic, path: str, source: Optional[SourceText]) -> str:
    flagged = ""
    if source is not None and not diagnostic.error:
        start, end = diagnostic.offset
        flagged = " ".join(source.text[start:end].split())
    cell = "" if diagnostic.cell is None else str(diagnostic.cell)
    return _hash(diagnostic.code, path, cell, _without_digits_of_sizes(diagnostic), flagged)


def _without_digits_of_sizes(diagnostic: Diagnostic) -> str:
    # NL906 names the file's size, which changes with every edit of a file that stays too
    # large: the same finding must keep its fingerprint.
    if diagnostic.code == "NL906":
        return re.sub(r"[\d,]+ bytes", "bytes", diagnostic.message)
    return diagnostic.message


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
