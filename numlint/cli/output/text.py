"""The default, human-readable format, in Ruff's shape:

    path:row:col: CODE [*] message
       |
     5 |     return np.log(np.sum(np.exp(x), axis=1))
       |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ NL102
       |
       = fix (safe): Replace with `logsumexp`
       - return np.log(np.sum(np.exp(x), axis=1))
       + return scipy.special.logsumexp(x, axis=1)

then a summary. `[*]` marks a finding `--fix` would fix. Colour only on a terminal; `NO_COLOR`
turns it off (rich handles both).
"""

from __future__ import annotations

import os
from typing import List, Optional, TextIO, Tuple

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Fix, apply_edits
from numlint.run.report import Report
from numlint.cli.output.common import sources
from numlint.engine.source import SourceText

MAX_FRAME_LINES = 6
TAB_SIZE = 4            # a tab shown as spaces to the next multiple of 4 columns (as Ruff)
MAX_LINE_WIDTH = 120    # longer lines are shown as a window around the flagged range
WINDOW_CONTEXT = 40     # characters shown before the range in such a window
ELLIPSIS = "..."
PRINT_BATCH_LINES = 1000  # lines rendered per `console.print` (bounded: memory stays flat)
_NEWLINE = Text("\n")


def make_console(stream: TextIO) -> Console:
    """A console that styles only on a terminal, and not at all under `NO_COLOR`. Piped
    output is never wrapped (one line per row, for grep and other tools)."""
    plain = bool(os.environ.get("NO_COLOR"))
    terminal = hasattr(stream, "isatty") and stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=True, emoji=False,
                   color_system=None if plain else "auto", no_color=plain,
                   width=None if terminal else 100_000)


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    console = make_console(stream)
    if statistics:
        write_statistics(report, console)
        return
    texts = sources(report)
    # Printed in batches: each `console.print` costs more than the lines it prints (1,355
    # calls took 0.12 s of a warm run printing 156 findings; batched, 0.07 s, same bytes).
    batch: List[Text] = []
    for diagnostic in report.diagnostics:
        batch.append(header(diagnostic, report))
        source = texts.get(diagnostic.path)
        if source is not None and not diagnostic.error:
            batch.extend(frame(diagnostic, source))
            batch.append(Text())
        if len(batch) >= PRINT_BATCH_LINES:
            console.print(_NEWLINE.join(batch))
            batch = []
    if batch:
        console.print(_NEWLINE.join(batch))
    write_summary(report, console)


def header(diagnostic: Diagnostic, report: Report) -> Text:
    text = Text()
    text.append(diagnostic.path, style="bold")
    location = f":{diagnostic.start.row}:{diagnostic.start.column}:"
    if diagnostic.cell is not None:
        location = f":cell {diagnostic.cell}{location}"
    text.append(location, style="cyan")
    text.append(" ")
    text.append(diagnostic.code, style="bold red")
    if diagnostic.fix is not None and diagnostic.fix.applies(report.unsafe):
        text.append(" [*]", style="cyan")
    text.append(" " + diagnostic.message)
    return text


def frame(diagnostic: Diagnostic, source: SourceText) -> List[Text]:
    """The flagged lines with a caret underline, then the fix as a short diff. Tabs are
    expanded (to stops of `TAB_SIZE`, as Ruff) in the line and the underline alike, and a line
    longer than `MAX_LINE_WIDTH` is shown as a window around the flagged range."""
    first, last = diagnostic.start.row, diagnostic.end.row
    shown_last = min(last, first + MAX_FRAME_LINES - 1)
    width = len(str(shown_last))
    gutter = " " * (width + 1) + "|"
    lines = [Text(gutter, style="blue")]
    shift = _cell_shift(diagnostic, source)
    for row in range(first, shown_last + 1):
        line = source.line(row + shift)
        start = diagnostic.start.column - 1 if row == first else _indent(line)
        end = diagnostic.end.column - 1 if row == last else len(line)
        shown, begin, stop = _window(line, start, max(start, end))
        numbered = Text(f"{row:>{width}} | ", style="blue")
        numbered.append(shown)
        lines.append(numbered)
        if stop > begin:
            marker = Text(gutter + " " * (begin + 1), style="blue")
            marker.append("^" * (stop - begin), style="bold red")
            if row == shown_last:
                marker.append(f" {diagnostic.code}", style="bold red")
            lines.append(marker)
    if shown_last < last:
        lines.append(Text(f"{' ' * (width + 1)}| ...", style="blue"))
    lines.append(Text(gutter, style="blue"))
    if diagnostic.fix is not None:
        lines.extend(_fix_lines(diagnostic.fix, source, gutter))
    return lines


def _window(line: str, start: int, end: int) -> Tuple[str, int, int]:
    """`line` as printed, with the character range `[start, end)` of it as display columns
    `[begin, stop)` of the printed text: tabs expanded (the columns count what a terminal
    shows, wide characters as two), and, if the line is longer than `MAX_LINE_WIDTH`, cut to
    a window around the range with `...` where text is left out (as Ruff does)."""
    before = line[:start].expandtabs(TAB_SIZE)
    inside = line[:end].expandtabs(TAB_SIZE)[len(before):]
    text = line.expandtabs(TAB_SIZE)
    low, high = len(before), len(before) + len(inside)
    if cell_len(text) > MAX_LINE_WIDTH:
        left = max(0, low - WINDOW_CONTEXT)
        right = min(len(text), max(high + WINDOW_CONTEXT, left + MAX_LINE_WIDTH))
        right = min(right, left + MAX_LINE_WIDTH)
        if right == len(text):
            left = max(0, min(left, right - MAX_LINE_WIDTH))
        head = ELLIPSIS if left > 0 else ""
        tail = ELLIPSIS if right < len(text) else ""
        text = head + text[left:right] + tail
        low = len(head) + low - left
        high = len(head) + min(high, right) - left
    begin = cell_len(text[:low])
    return text, begin, begin + cell_len(text[low:high])


def _cell_shift(diagnostic: Diagnostic, source: SourceText) -> int:
    """Rows of a notebook diagnostic count from the top of its cell, while the source is the
    notebook's joined code cells (numlint/notebook.py): the row of the cell's first line in it,
    minus one. Found from the diagnostic's offset, which indexes the joined source."""
    if diagnostic.cell is None:
        return 0
    return source.position(diagnostic.offset[0]).row - diagnostic.start.row


def _fix_lines(fix: Fix, source: SourceText, gutter: str) -> List[Text]:
    pad = gutter[:-1]
    lines = [Text(f"{pad}= fix ({fix.applicability.value}): {fix.message}", style="cyan")]
    for sign, line in fix_preview(fix, source):
        style = "red" if sign == "-" else "green"
        lines.append(Text(f"{pad}{sign} {line}", style=style))
    return lines


def fix_preview(fix: Fix, source: SourceText) -> List[Tuple[str, str]]:
    """The lines a fix removes and adds: the whole lines its edits touch, before and after the
    whole fix (edits on the same or adjacent lines are shown once, applied together); an
    inserted line (an import) is only added. Tabs are expanded and long lines cut to a window
    around what changes, as in the frame."""
    text = source.text
    starts = source.line_starts
    blocks: List[List] = []  # [first row, last row, edits]
    inserted: List[Tuple[int, str]] = []
    for edit in sorted(set(fix.edits)):
        first = source.position(edit.start).row
        last = source.position(edit.end).row
        if edit.start == edit.end and edit.start == starts[first - 1]:
            inserted.append((first, edit.content))  # a line of its own, before row `first`
            continue
        if edit.end > edit.start and edit.end == starts[last - 1]:
            last -= 1  # the edit ends with a line end: the next line is untouched
        if blocks and first <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], last)
            blocks[-1][2].append(edit)
        else:
            blocks.append([first, last, [edit]])
    parts: List[Tuple[int, List[Tuple[str, str]]]] = []
    for row, content in inserted:
        parts.append((row, [("+", _cut(line, 0, 0)) for line in content.splitlines()]))
    for first, last, edits in blocks:
        begin = starts[first - 1]
        end = starts[last] if last < len(starts) else len(text)
        before = text[begin:end]
        after = apply_edits(before, [type(e)(e.start - begin, e.end - begin, e.content)
                                     for e in edits])
        prefix = _common_prefix(before, after)
        suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
        lines = [("-", line) for line in _changed_lines(before, prefix, len(before) - suffix)]
        lines += [("+", line) for line in _changed_lines(after, prefix, len(after) - suffix)]
        parts.append((first, lines))
    parts.sort(key=lambda part: part[0])
    return [line for _, lines in parts for line in lines]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _changed_lines(block: str, start: int, end: int) -> List[str]:
    """The lines of `block`, each cut to a window around the part of `[start, end)` in it."""
    shown = []
    offset = 0
    for line in block.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        low = min(max(start - offset, 0), len(bare))
        high = min(max(end - offset, low), len(bare))
        shown.append(_cut(bare, low, high))
        offset += len(line)
    return shown


def _cut(line: str, start: int, end: int) -> str:
    return _window(line, start, end)[0]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def write_summary(report: Report, console: Console) -> None:
    remaining = len(report.diagnostics)
    fixed = sum(report.fixed.values())
    if report.diff:
        return
    if remaining == 0:
        if fixed:
            console.print(f"Found {fixed} {_plural(fixed, 'error')} ({fixed} fixed, 0 remaining).")
        else:
            console.print("All checks passed!", style="green")
        return
    if fixed:
        total = fixed + remaining
        console.print(f"Found {total} {_plural(total, 'error')} ({fixed} fixed, "
                      f"{remaining} remaining).")
    else:
        console.print(f"Found {remaining} {_plural(remaining, 'error')}.")
    applicable, hidden = report.fixable_counts()
    parts = []
    if applicable and not report.fix:
        flag = "--fix --unsafe-fixes" if report.unsafe else "--fix"
        parts.append(f"[*] {applicable} fixable with the `{flag}` option")
    if hidden and not report.unsafe:
        parts.append(f"{hidden} hidden {_plural(hidden, 'fix', 'fixes')} can be enabled with "
                     f"the `--unsafe-fixes` option")
    if parts:
        line = parts[0] if len(parts) == 1 or not parts[0].startswith("[*]") else \
            f"{parts[0]} ({parts[1]})"
        console.print(Text(line + "."))


def write_statistics(report: Report, console: Console) -> None:
    """Ruff's `--statistics` table with a header and the number of fixable findings per code
    (`-` for none), most frequent first, then the usual summary:

        count  code   name            fixable
            5  NL102  log-sum-exp           5
            1  NL905  internal-error        -
        Found 6 errors.
        [*] 5 fixable with the `--fix` option.
    """
    rows = report.statistics()
    if not rows:
        write_summary(report, console)
        return
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("count", justify="right")
    table.add_column("code", style="bold red")
    table.add_column("name")
    table.add_column("fixable", justify="right", style="cyan")
    for code, name, count, fixable in rows:
        table.add_row(str(count), code, name, str(fixable) if fixable else "-")
    console.print(table)
    write_summary(report, console)


def _plural(count: int, word: str, plural: Optional[str] = None) -> str:
    return word if count == 1 else (plural or word + "s")
