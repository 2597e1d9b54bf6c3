"""Suppression comments, as in Ruff and flake8.

* `# noqa: NL102` (several codes separated by commas or spaces) on the line where a diagnostic
  starts suppresses those codes there; a bare `# noqa` suppresses every code on that line.
* `# numlint: noqa` on a line of its own exempts the whole file; `# numlint: noqa: NL102`
  exempts it from the listed codes.

Only real comments count: `"# noqa"` inside a string does not suppress anything.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import replace
from typing import Dict, List, Optional

from numlint.source import SourceText

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


def _comments(text: str) -> Dict[int, str]:
    """Row -> comment text, for every comment of the module."""
    comments: Dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return comments


def file_exemption(text: str):
    """None if the file has no `# numlint: noqa`; else BLANKET or the exempted codes."""
    if "noqa" not in text.lower():
        return None
    matches = list(_FILE.finditer(text))
    if not matches:
        return None
    comments = _comments(text)
    found = False
    codes = set()
    for match in matches:
        row = text.count("\n", 0, match.start()) + 1
        comment = comments.get(row)
        if comment is None or not _FILE.match(comment):
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
    comments = None
    kept = []
    for diagnostic in diagnostics:
        row = diagnostic.start.row
        if diagnostic.error:
            kept.append(diagnostic)
            continue
        if exempt is not None and diagnostic.code in exempt:
            continue
        line = text.line(row) if row <= text.line_count() else ""
        if "#" in line and _LINE.search(line):
            if comments is None:
                comments = _comments(text.text)
            suppressed = _suppressed(comments.get(row), diagnostic.code)
            if suppressed:
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
