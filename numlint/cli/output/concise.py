"""`--output-format concise`: one line per finding, `path:row:col: CODE [*] message` (in a
notebook `path:cell N:row:col: ...`), then the summary, as Ruff's concise format. Colour only
on a terminal, as the text format."""

from __future__ import annotations

from typing import TextIO

from numlint.cli.output import text
from numlint.run.report import Report


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    console = text.make_console(stream)
    if statistics:
        text.write_statistics(report, console)
        return
    for diagnostic in report.diagnostics:
        console.print(text.header(diagnostic, report))
    text.write_summary(report, console)
