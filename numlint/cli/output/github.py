"""`--output-format github`: GitHub Actions workflow commands, one per finding, which GitHub
shows as annotations on the pull request's diff:

    ::error file=m.py,line=5,col=12,endLine=5,endColumn=45,title=numlint (NL102)::m.py:5:12: NL102 ...

Escaped as the Actions toolkit does: in the data `%`, `\\r` and `\\n`; in property values also
`:` and `,`. Paths are relative to `GITHUB_WORKSPACE` (the checkout) when set, else to the
working directory. A notebook finding is annotated on the notebook as a whole (no line: its
rows are rows of a cell, not of the `.ipynb` file) and its message names the cell.
"""

from __future__ import annotations

import os
from typing import List, TextIO, Tuple

from numlint.cli.output.common import relative_to, where
from numlint.run.report import Report


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    root = os.environ.get("GITHUB_WORKSPACE")
    for diagnostic in report.diagnostics:
        path = relative_to(diagnostic.path, root)
        properties: List[Tuple[str, object]] = [("file", path)]
        if diagnostic.cell is None:
            properties += [("line", diagnostic.start.row), ("col", diagnostic.start.column),
                           ("endLine", diagnostic.end.row),
                           ("endColumn", diagnostic.end.column)]
        properties.append(("title", f"numlint ({diagnostic.code})"))
        rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
        message = f"{path}:{where(diagnostic)}: {diagnostic.code} {diagnostic.message}"
        stream.write(f"::error {rendered}::{escape_data(message)}\n")
