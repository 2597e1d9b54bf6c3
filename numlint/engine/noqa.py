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
import sys
import tokenize
from dataclasses import replace
from typing import Dict, List, Optional, Pattern, Tuple

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
    directive belongs at the end of the string or of the continued lines (row -> that row).

    The answers are those of `tokenize`, but the module is not tokenized: a line scan
    (`_line_scan`) follows tokenize's states (inside a string, inside brackets, after a
    backslash, the indentation) and looks into a line only where it holds a quote, a `#` or
    a backslash. Where tokenize would stop at an error or emit an error token that matters
    (an unterminated string, a stray backslash, a bad dedent, brackets open at the end),
    with lone carriage returns, and on Pythons whose tokenize splits f-strings (3.12+), the
    module is tokenized instead (`_token_scan`)."""

    __slots__ = ("comments", "rows")

    def __init__(self, text: str):
        lone = _lone_carriage_returns(text)
        scanned = None if _SPLIT_FSTRINGS or lone else _line_scan(text)
        if scanned is None:
            scanned = _token_scan(text)
        self.comments, following, complete = scanned
        self.rows: Dict[int, int] = {}
        if not complete or lone:
            return  # rows cannot be trusted: every directive stays on its own row
        if "\\" in text:
            for row, line in enumerate(text.split("\n"), start=1):  # rows as tokenize counts
                if "\\" in line and row not in self.comments and row not in following \
                        and line.rstrip().endswith("\\"):
                    following[row] = row + 1
        for row in sorted(following, reverse=True):  # chains: a string, then a backslash, ...
            target = following[row]
            self.rows[row] = self.rows.get(target, target)


_Comments = Dict[int, Tuple[int, str]]
_Scanned = Tuple[_Comments, Dict[int, int], bool]

_SPLIT_FSTRINGS = sys.version_info >= (3, 12)  # FSTRING_START ... tokens, nested quotes


def _token_scan(text: str) -> _Scanned:
    """Comments, the rows of multi-line tokens (row -> the row the token ends on) and whether
    tokenize read the whole module, from a tokenization."""
    comments: _Comments = {}
    following: Dict[int, int] = {}
    complete = True
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = (token.start[1], token.string)
            elif token.end[0] > token.start[0] and token.type not in (tokenize.NEWLINE,
                                                                     tokenize.NL):
                for row in range(token.start[0], token.end[0]):
                    following[row] = max(following.get(row, 0), token.end[0])
    except (tokenize.TokenError, SyntaxError, IndentationError):
        complete = False
    return comments, following, complete


# tokenize's own patterns (Python 3.11): the rest of a string after its opening quotes; and a
# one-line string, or the first line of one continued by a backslash
_END = {quote: re.compile(getattr(tokenize, name)) for quote, name in
        (("'", "Single"), ('"', "Double"), ("'" * 3, "Single3"), ('"' * 3, "Double3"))}
_ONE_LINE = {q: re.compile(q + r"[^\n" + q + r"\\]*(?:\\.[^\n" + q + r"\\]*)*(?:" + q
                           + r"|\\\r?\n)") for q in "'\""}
_SPECIAL = re.compile(r"[#'\"\\]")
_INDENT = re.compile(r"[ \f\t]*")
_COMMENT = re.compile(r"#[^\r\n]*")


def _brackets(code: str) -> int:
    """Opening minus closing brackets in `code` (no strings or comments in it)."""
    return code.count("(") + code.count("[") + code.count("{") \
        - code.count(")") - code.count("]") - code.count("}")


def _line_scan(text: str) -> Optional[_Scanned]:
    """What `_token_scan` returns, without tokenizing: tokenize's line loop (Python 3.11),
    followed only as far as comments, strings, brackets, backslashes and dedents go. None
    where tokenize would stop at an error or emit an error token that could change the
    answers (the caller tokenizes then). The text has no lone carriage returns."""
    comments: _Comments = {}
    following: Dict[int, int] = {}
    lines = text.split("\n")
    last = len(lines) - 1
    end: Optional[Pattern[str]] = None  # the pattern ending the string the scan is inside, if any
    needcont = False  # that string is a one-quote string continued by backslashes
    string_row = 0
    parenlev = 0
    continued = False
    indents = [0]
    for index, raw in enumerate(lines):
        row = index + 1
        if index == last and not raw:  # tokenize's end of input
            break
        line = raw + "\n" if index < last else raw
        pos = 0
        if end is not None:  # inside a string
            match = end.match(line)
            if match is None:
                if needcont and not (line.endswith("\\\n") or line.endswith("\\\r\n")):
                    return None  # an error token: the unterminated string
                continue
            for inside in range(string_row, row):
                following[inside] = max(following.get(inside, 0), row)
            end = None
            pos = match.end()
        elif parenlev == 0 and not continued:  # a new statement: indentation
            pos = _INDENT.match(line).end()  # type: ignore[union-attr]
            if pos == len(line):
                break  # the last line, blank: tokenize stops
            if line[pos] in "#\r\n":
                if line[pos] == "#":
                    comments[row] = (pos, line[pos:].rstrip("\r\n"))
                continue
            if "\t" in line[:pos] or "\f" in line[:pos]:
                column = 0
                for char in line[:pos]:
                    column = column + 1 if char == " " else \
                        (column // 8 + 1) * 8 if char == "\t" else 0
            else:
                column = pos
            if column > indents[-1]:
                indents.append(column)
            elif column < indents[-1]:
                if column not in indents:
                    return None  # IndentationError
                while column < indents[-1]:
                    indents.pop()
        else:
            continued = False
        while True:  # the tokens of the line from pos
            special = _SPECIAL.search(line, pos)
            if special is None:
                parenlev += _brackets(line[pos:])
                break
            at = special.start()
            parenlev += _brackets(line[pos:at])
            char = line[at]
            if char == "#":
                comments[row] = (at, _COMMENT.match(line, at).group())  # type: ignore
                break
            if char == "\\":
                if line[at:] in ("\\\n", "\\\r\n"):
                    continued = True
                    break
                return None  # a stray backslash: an error token
            if line.startswith(char * 3, at):
                match = _END[char * 3].match(line, at + 3)
                if match is None:  # a string of several lines
                    end, needcont, string_row = _END[char * 3], False, row
                    break
                pos = match.end()
                continue
            match = _ONE_LINE[char].match(line, at)
            if match is None:
                return None  # an unterminated string: an error token
            if match.group().endswith(char):
                pos = match.end()
                continue
            end, needcont, string_row = _END[char], True, row  # continued by a backslash
            break
    if end is not None or parenlev != 0 or continued:
        return None  # tokenize's end of input inside a string or a statement
    return comments, following, True


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
