"""Plain-text layouts for `numlint rules` and `numlint rule CODE --demo`, for any width.

A layout is a list of rich `Text` lines, printed without further wrapping (`print_lines`): the
width decisions are taken here, so that nothing is ever broken mid-word or mid-row by the
console, and no line carries trailing padding. The width is the terminal's; piped, `COLUMNS`
if it is set (as rich and click read it), else unlimited: one row per line, for grep.

* `rules`: a table, one rule per line, when it fits the width (always, piped); otherwise one
  block per rule: `code  name  fix`, then the summary and the frameworks, wrapped at words.
* the demo: the input (when every framework shares it), then a table, framework per row,
  arrays kept whole (a cell is a block of lines), when it fits; otherwise one block per
  framework, `label: value` with the value's lines aligned.
"""

from __future__ import annotations

import os
import textwrap
from typing import List, Optional, Sequence, TextIO, Tuple

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

UNLIMITED = 100_000
GAP = "  "  # between columns


def width_of(stream: TextIO, console: Optional[Console] = None) -> int:
    """The width to lay out for: the terminal's; piped, `COLUMNS` if set, else unlimited."""
    if hasattr(stream, "isatty") and stream.isatty():
        return (console or Console(file=stream)).width
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else UNLIMITED


def print_lines(console: Console, lines: Sequence[Text]) -> None:
    """Print laid-out lines as they are: no wrapping, trailing spaces removed."""
    for line in lines:
        line = line.copy()
        line.rstrip()
        console.print(line, soft_wrap=True, overflow="ignore", crop=False)


Cell = Tuple[str, str]  # (text, possibly with newlines; style)


def table(header: Sequence[str], rows: Sequence[Sequence[Cell]],
          indent: str = "") -> List[Text]:
    """A borderless table: a bold header line, then the rows; a cell with several lines
    (an array) takes several lines of its row, every line in its column."""
    columns = len(header)
    widths = [cell_len(h) for h in header]
    for row in rows:
        for i, (value, _) in enumerate(row):
            widths[i] = max([widths[i]] + [cell_len(part) for part in value.split("\n")])
    lines = [Text(indent + GAP.join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
                  style="bold")]
    for row in rows:
        parts = [value.split("\n") for value, _ in row]
        for k in range(max(len(p) for p in parts)):
            line = Text(indent)
            for i in range(columns):
                piece = parts[i][k] if k < len(parts[i]) else ""
                line.append(piece, style=row[i][1])
                if i < columns - 1:
                    line.append(" " * (widths[i] - cell_len(piece)) + GAP)
            line.rstrip()
            lines.append(line)
    return lines


def table_width(header: Sequence[str], rows: Sequence[Sequence[Cell]],
                indent: str = "") -> int:
    return max(cell_len(line.plain) for line in table(header, rows, indent))


def wrapped(text: str, width: int, indent: str) -> List[str]:
    """`text` wrapped at spaces to `width` columns, every line after `indent`; a word longer
    than the line is kept whole (never broken)."""
    return textwrap.wrap(text, width=max(width, len(indent) + 20), initial_indent=indent,
                         subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False) or [indent]


def labelled(label: str, value: str, style: str, indent: str) -> List[Text]:
    """`label value` with the value's further lines aligned under its first."""
    pad = " " * cell_len(label)
    return [Text(indent + (label if k == 0 else pad) + " ").append(part, style=style)
            for k, part in enumerate(value.split("\n"))]


def rules_lines(rules, width: int) -> List[Text]:
    """`numlint rules`: a table when a rule fits on one line, else a block per rule."""
    def fix_of(rule) -> str:
        return str(rule.fixable) if str(rule.fixable) != "never" else "-"

    rows = [[(rule.code, "bold red"), (rule.name, ""), (rule.summary, ""),
             (", ".join(rule.frameworks) or "-", ""), (fix_of(rule), "cyan")]
            for rule in rules]
    header = ("code", "name", "summary", "frameworks", "fix")
    if table_width(header, rows) <= width:
        return table(header, rows)
    name_width = max(len(rule.name) for rule in rules)
    indent = " " * (max(len(rule.code) for rule in rules) + len(GAP))
    lines: List[Text] = []
    for rule in rules:
        if lines:
            lines.append(Text())
        first = Text()
        first.append(rule.code.ljust(len(indent) - len(GAP)), style="bold red")
        first.append(GAP + rule.name.ljust(name_width) + GAP)
        fix = fix_of(rule)
        first.append(f"fix: {fix}" if fix != "-" else "no fix", style="cyan")
        lines.append(first)
        lines.extend(Text(line) for line in wrapped(rule.summary, width, indent))
        frameworks = ", ".join(rule.frameworks)
        if frameworks:
            lines.extend(Text(line) for line in wrapped(f"frameworks: {frameworks}", width,
                                                          indent))
    return lines


def demo_lines(rows: Sequence[Sequence[Cell]], width: int) -> List[Text]:
    """The demo's results, one row per framework: (framework, input, naive, stable,
    reference), each a cell whose lines are the rows of an array. An input every framework
    shares is printed once, above the table."""
    header: Tuple[str, ...] = ("framework", "input", "naive", "stable", "reference")
    indent = GAP
    lines: List[Text] = []
    if rows and len({row[1][0] for row in rows}) == 1:
        lines.extend(labelled("input: ", rows[0][1][0], rows[0][1][1], ""))
        header = header[:1] + header[2:]
        rows = [[*row[:1], *row[2:]] for row in rows]
    if table_width(header, rows, indent) <= width:
        return lines + table(header, rows, indent)
    label_width = max(len(h) for h in header[1:]) + 1
    for row in rows:
        lines.append(Text(indent + row[0][0], style="bold"))
        for name, (value, style) in zip(header[1:], row[1:]):
            lines.extend(labelled(f"{name}:".ljust(label_width), value, style, indent * 2))
    return lines
