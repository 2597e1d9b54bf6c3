"""`--output-format grouped`: findings grouped by file, as Ruff's grouped format:

    fixtures/numpy_mixture.py:
       8:12 NL102 [*] `log(sum(exp(x)))` overflows and underflows; use `logsumexp`
      21:5  NL401 [*] ...

then a blank line after each file and the summary. Rows are right-aligned and columns padded
to the widest of the file; a notebook finding reads `cell N:row:col`.
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich.text import Text

from numlint.cli.output import text
from numlint.cli.output.common import fixable_now
from numlint.run.report import Report


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    console = text.make_console(stream)
    if statistics:
        text.write_statistics(report, console)
        return
    for path, group in groupby(report.diagnostics, key=lambda d: d.path):
        diagnostics = list(group)
        row_width = max(len(str(d.start.row)) for d in diagnostics)
        column_width = max(len(str(d.start.column)) for d in diagnostics)
        console.print(Text(f"{path}:", style="underline"))
        for diagnostic in diagnostics:
            line = Text("  ")
            if diagnostic.cell is not None:
                line.append(f"cell {diagnostic.cell}")
                line.append(":", style="cyan")
            line.append(f"{diagnostic.start.row:>{row_width}}")
            line.append(":", style="cyan")
            line.append(f"{diagnostic.start.column:<{column_width}} ")
            line.append(diagnostic.code, style="bold red")
            if fixable_now(diagnostic, report):
                line.append(" [*]", style="cyan")
            line.append(" " + diagnostic.message)
            console.print(line)
        console.print()
    text.write_summary(report, console)
