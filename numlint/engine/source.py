"""Source text: decoding as Python does, and conversion between the positions we use.

`ast` reports a node's position as a 1-based line and a column counted in UTF-8 bytes of that
line; diagnostics show 1-based character columns, and fixes are edits on character offsets of
the whole text. `SourceText` converts between the three and keeps what a faithful write-back
needs: the encoding, whether there was a byte-order mark, and the newline style.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from bisect import bisect_right
from itertools import accumulate
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

# Python's tokenizer ends a line at \r\n, \r or \n and nowhere else (not at \f, \v or U+2028).
_PLUS_ONE = (1).__add__
_NEWLINE = re.compile(r"\r\n|\r|\n")


class DecodeError(Exception):
    """The bytes are not text in the encoding Python would use to read them."""


class BinaryFileError(Exception):
    """The bytes hold NUL characters: not a Python source file."""


@dataclass(frozen=True)
class Position:
    """A 1-based row and a 1-based character column."""

    row: int
    column: int


def decode_source(data: bytes) -> Tuple[str, str, bool]:
    """Decode `data` the way the interpreter does (BOM, PEP 263 cookie, default UTF-8).

    Returns `(text, encoding, had_bom)`; raises `BinaryFileError` or `DecodeError`.
    """
    if b"\0" in data:
        raise BinaryFileError("the file contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # An unknown coding cookie, or undecodable bytes in the first two lines.
        _decode_or_explain(data, "utf-8")
        raise DecodeError(str(exc)) from None
    had_bom = encoding == "utf-8-sig"
    if had_bom:
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    return _decode_or_explain(data, encoding), encoding, had_bom


def _decode_or_explain(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DecodeError(
            f"line {line}: byte 0x{data[exc.start]:02x} is not valid {encoding}"
        ) from None


def encode_source(text: str, encoding: str, had_bom: bool) -> bytes:
    data = text.encode(encoding)
    return codecs.BOM_UTF8 + data if had_bom else data


def line_starts(text: str) -> List[int]:
    """The character offset at which each line of `text` starts (index 0 is line 1), lines
    ending at `\r\n`, `\r` or `\n` as Python's tokenizer reads them."""
    if "\r" in text:
        return [0] + [m.end() for m in _NEWLINE.finditer(text)]
    # The common case, in C: each line's length and its `\n`, summed.
    return [0, *accumulate(map(_PLUS_ONE, map(len, text.split("\n")[:-1])))]


def detect_newline(text: str) -> str:
    match = _NEWLINE.search(text)
    return match.group() if match else "\n"


@dataclass
class SourceText:
    """A decoded source file and the position conversions over it."""

    text: str
    encoding: str = "utf-8"
    had_bom: bool = False
    _line_starts: Optional[list] = field(default=None, repr=False)
    _newline: Optional[str] = field(default=None, repr=False)

    @classmethod
    def from_bytes(cls, data: bytes) -> "SourceText":
        text, encoding, had_bom = decode_source(data)
        return cls(text, encoding, had_bom)

    def to_bytes(self, text: Optional[str] = None) -> bytes:
        return encode_source(self.text if text is None else text, self.encoding, self.had_bom)

    @property
    def newline(self) -> str:
        if self._newline is None:
            self._newline = detect_newline(self.text)
        return self._newline

    @property
    def line_starts(self) -> list:
        """Character offset at which each line starts (index 0 is line 1)."""
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return self._line_starts

    def line_count(self) -> int:
        return len(self.line_starts)

    def line(self, row: int) -> str:
        """The text of 1-based line `row`, without its newline."""
        starts = self.line_starts
        start = starts[row - 1]
        end = starts[row] if row < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def offset(self, row: int, byte_col: int) -> int:
        """Character offset of an `ast` position (1-based row, UTF-8 byte column)."""
        start = self.line_starts[row - 1]
        if byte_col == 0:
            return start
        # Fast path: a prefix that is pure ASCII has as many characters as bytes.
        prefix = self.text[start:start + byte_col]
        if prefix.isascii():
            return start + byte_col
        line = self.line(row).encode("utf-8")
        return start + len(line[:byte_col].decode("utf-8", errors="replace"))

    def position(self, offset: int) -> Position:
        """1-based row and character column of a character offset."""
        row = bisect_right(self.line_starts, offset)
        return Position(row, offset - self.line_starts[row - 1] + 1)

    def node_range(self, node) -> Tuple[int, int]:
        """Character offsets `[start, end)` of an `ast` node."""
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )

    def segment(self, node) -> str:
        start, end = self.node_range(node)
        return self.text[start:end]
