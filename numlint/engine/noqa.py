"""Suppression comments, as in Ruff and flake8.

* `# noqa: NL102` (several codes separated by commas or spaces) on the line where a diagnostic
  starts suppresses those codes there; a bare `# noqa` suppresses every code on that line.
  A line that ends inside a multi-line string or with a backslash cannot hold a comment: its
  directive goes where the string or the continued lines end (`_Scan.rows`), as in Ruff.
* `# numlint: noqa` on a line of its own exempts the whole file; `# numlint: noqa: NL102`
  exempts it from the listed codes.

Only real comments count: `"# noqa"` inside a string does not suppress anything.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

from numlint.engine.source import SourceText

_CODES = r"[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*"
_LINE = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_FILE = re.compile(rf"^[ \t]*#\s*numlint\s*:\s*noqa(?::\s*(?P<codes>{_CODES}))?\s*$",
                   re.IGNORECASE | re.MULTILINE)

BLANKET = "ALL"  # a suppression of every code


def _codes(match):
    """The codes a match names, or BLANKET."""
    codes = match.group("codes")
    if not codes:
        return BLANKET
    return frozenset(c.upper() for c in re.split(r"[\s,]+", codes) if c)


class _Scan:
    """What one tokenization of a module tells about its comments: `comments`, row -> (column,
    text) of the comment on that row (those read before a tokenize error, if any); `rows`, the
    rows whose `# noqa` goes on a later row, as in Ruff: a line that ends inside a
    string continuing on the next line, or with a backslash, cannot hold a comment; its
    directive belongs at the end of the string or of the continued lines (row -> that row)."""

    __slots__ = ("comments", "rows")

    def __init__(self, text: str):
        self.comments: Dict[int, Tuple[int, str]] = {}
        following: Dict[int, int] = {}
        complete = True
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    self.comments[token.start[0]] = (token.start[1], token.string)
                elif token.end[0] > token.start[0] and token.type not in (tokenize.NEWLINE,
                                                                         tokenize.NL):
                    for row in range(token.start[0], token.end[0]):
                        following[row] = max(following.get(row, 0), token.end[0])
        except (tokenize.TokenError, SyntaxError, IndentationError):
            complete = False
        self.rows: Dict[int, int] = {}
        if not complete or _lone_carriage_returns(text):
            return  # rows cannot be trusted: every directive stays on its own row
        for row, line in enumerate(text.split("\n"), start=1):  # rows as tokenize counts them
            if row not in self.comments and row not in following \
                    and line.rstrip().endswith("\\"):
                following[row] = row + 1
        for row in sorted(following, reverse=True):  # chains: a string, then a backslash, ...
            target = following[row]
            self.rows[row] = self.rows.get(target, target)


def _lone_carriage_returns(text: str) -> bool:
    """Old Mac line ends: tokenize (which splits on \\n) and our rows would disagree."""
    return "\r" in text.replace("\r\n", "")


def file_exemption(text: str):
    """None if the file has no `# numlint: noqa`; else BLANKET or the exempted codes."""
    if "noqa" not in text.lower():
        return None
    matches = list(_FILE.finditer(text))
    if not matches:
        return None
    comments = _Scan(text).comments
    found = False
    codes = set()
    for match in matches:
        row = text.count("\n", 0, match.start()) + 1
        comment = comments.get(row)
        if comment is None or not _FILE.match(comment[1]):
            continue
        found = True
        parsed = _codes(match)
        if parsed == BLANKET:
            return BLANKET
        codes |= parsed
    return frozenset(codes) if found else None


def file_exempt(text: str) -> bool:
    return file_exemption(text) == BLANKET


def filter_diagnostics(diagnostics: List, text: SourceText) -> List:
    """Drop diagnostics suppressed by `# noqa` comments; set `noqa_row` on the others."""
    if not diagnostics:
        return diagnostics
    exempt = file_exemption(text.text)
    scan = None
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.error:
            kept.append(diagnostic)
            continue
        if exempt is not None and diagnostic.code in exempt:
            continue
        if scan is None:  # one tokenization, for files with findings only
            scan = _Scan(text.text)
        row = scan.rows.get(diagnostic.start.row, diagnostic.start.row)
        line = text.line(row) if row <= text.line_count() else ""
        if "#" in line and _LINE.search(line):
            comment = scan.comments.get(row)
            if comment is not None and _suppressed(comment[1], diagnostic.code):
                continue
        kept.append(replace(diagnostic, noqa_row=row))
    return kept


def _suppressed(comment: Optional[str], code: str) -> bool:
    if not comment:
        return False
    for match in _LINE.finditer(comment):
        codes = _codes(match)
        if codes == BLANKET or code in codes:
            return True
    return False


# -- adding directives (`numlint check --add-noqa`) ----------------------------------------

def add_directives(text: SourceText, diagnostics: List) -> Tuple[str, int, List[int]]:
    """`text` with a `# noqa: CODES` directive for each diagnostic (NL9xx errors excepted) on
    its `noqa_row`, as Ruff's `--add-noqa`: codes join an existing `# noqa: ...` comment of
    the line, else `  # noqa: CODES` goes at the end of the line, after any comment.

    A diagnostic's `noqa_row` is already past any string or backslash continuation that its
    first line is part of (`_Scan.rows`). Returns the new text, the number of codes added, and
    the rows where no directive was written (in a file with lone carriage returns, where
    rows cannot be trusted)."""
    wanted: Dict[int, set] = {}
    for diagnostic in diagnostics:
        if not diagnostic.error and diagnostic.noqa_row is not None:
            wanted.setdefault(diagnostic.noqa_row, set()).add(diagnostic.code)
    if not wanted:
        return text.text, 0, []
    if _lone_carriage_returns(text.text):
        return text.text, 0, sorted(wanted)
    scan = _Scan(text.text)
    comments = scan.comments
    blocked = set(scan.rows)  # a noqa_row is never one of these: a guard
    pieces: List[Tuple[int, int, str]] = []  # (start, end, replacement), in source order
    added = 0
    skipped = []
    for row in sorted(wanted):
        if row in blocked or row > text.line_count():
            skipped.append(row)
            continue
        start = text.line_starts[row - 1]
        line = text.line(row)
        comment = comments.get(row)
        codes = sorted(wanted[row])
        if comment is not None:
            column, string = comment
            matches = [m for m in _LINE.finditer(string) if m.group("codes")]
            if matches:
                match = matches[-1]
                missing = [c for c in codes if c not in _codes(match)]
                if missing:
                    at = start + column + match.end("codes")
                    pieces.append((at, at, ", " + ", ".join(missing)))
                    added += len(missing)
                continue
        end = start + len(line.rstrip())
        pieces.append((end, start + len(line), "  # noqa: " + ", ".join(codes)))
        added += len(codes)
    out = []
    previous = 0
    for begin, end, replacement in pieces:
        out.append(text.text[previous:begin])
        out.append(replacement)
        previous = end
    out.append(text.text[previous:])
    return "".join(out), added, skipped
