"""Jupyter notebooks (`.ipynb`): checked and fixed as one Python module, as Ruff does.

The Python code cells of a notebook are joined, each followed by a newline, into one module,
so names flow from cell to cell as they do in the kernel. A Python code cell is a cell of type
`code` in a notebook whose language (`language_info.name`, else `kernelspec.language`, if
any) is Python, whose VS Code `languageId` (if any) is Python, and that is not a cell magic (`%%bash`, `%%writefile`, ...; `%%time`,
`%%timeit`, `%%capture` and the other magics whose body is Python are kept, as in Ruff) or an
automagic command (`pip install x`).

IPython syntax is masked line by line with a placeholder of the same length that parses: a line
magic (`%matplotlib inline`), a shell escape (`!pip list`), help (`np.sum?`), auto-call
(`/f x`, `,f a b`, `;f a`) becomes `pass` (or `0`) padded with spaces, keeping its indentation;
`x = !ls` and `x = %who_ls` keep their target (`x = 0`); the continuation lines of a magic
ending in a backslash become blank. Only lines that start a statement are read as IPython
syntax (a `%` or `!=` continuing an expression inside brackets is Python). Since every
placeholder has the length of what it hides, an offset in the masked module is the offset of
the same character in the cells.

Diagnostics are reported against the cell: `cell` is its number among all the notebook's cells,
Markdown included (1-based, as Ruff and VS Code count), and `start`, `end` and `noqa_row` are
rows and columns inside that cell. `offset` and the fix edits are offsets in the joined module,
`NotebookResult.source`; `CellIndex` maps its rows to cells (the output formats use it).

Fixes are applied to the joined module in rounds, as `fix_source` does, and mapped back cell by
cell. Their import clean-up (`numlint.engine.imports`) is computed on the whole joined module:
an import in one cell used in another is used, and a name that appears in a masked IPython line
(`%timeit np.sum(x)`) is never removed; an edit removing a cell's last line takes the newline
before it (not the one between the cells), and a clean-up edit that cannot be placed inside
one cell is not made. A fix with an edit that crosses a cell boundary, or that touches a masked IPython line, is
dropped (never applied, not offered). Only the `source` values of the changed cells are
rewritten in the JSON text, in the cell's own representation (a list of lines or one string)
and the file's own layout (indentation, newlines, ASCII escapes); every other byte of the file
(outputs, metadata, execution counts, key order, trailing newline) stays as it was.

The JSON is read with the standard library (nbformat is not needed). A notebook that is not
UTF-8 is NL903, one with NUL bytes NL904, and one that is not valid JSON or not in notebook
format 4 is NL901 (it does not parse), positioned at the error in the JSON text.
`max-file-size` applies to the notebook's code, not to the file (outputs such as images make
notebook files large).
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

from numlint.engine.check import apply_in_rounds, check_source, meta_diagnostic
from numlint.engine.settings import Config
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Edit, Fix, apply_edits
from numlint.engine.source import Position, SourceText

NOTEBOOK_SUFFIX = ".ipynb"

# Cell magics whose body is Python run in the kernel's namespace (Ruff's list): the cell is
# checked, its first line masked.
TRANSPARENT_CELL_MAGICS = frozenset({
    "capture", "debug", "ipytest", "prun", "pypy", "python", "python3", "time", "timeit"})

# IPython's automagics (Ruff's list): a cell whose first line starts with one of these words
# (not followed by an assignment) is a shell-like command, not Python.
AUTOMAGICS = frozenset({
    "alias", "alias_magic", "autoawait", "autocall", "automagic", "bookmark", "cd", "code_wrap",
    "colors", "conda", "config", "debug", "dhist", "dirs", "doctest_mode", "edit", "env", "gui",
    "history", "killbgscripts", "load", "load_ext", "loadpy", "logoff", "logon", "logstart",
    "logstate", "logstop", "lsmagic", "macro", "magic", "mamba", "matplotlib", "micromamba",
    "notebook", "page", "pastebin", "pdb", "pdef", "pdoc", "pfile", "pinfo", "pinfo2", "pip",
    "popd", "pprint", "precision", "prun", "psearch", "psource", "pushd", "pwd", "pycat", "pylab",
    "quickref", "recall", "rehashx", "reload_ext", "rerun", "reset", "reset_selective", "run",
    "save", "sc", "set_env", "sx", "system", "tb", "time", "timeit", "unalias", "unload_ext",
    "who", "who_ls", "whos", "xdel", "xmode"})
_ASSIGNMENT_OPERATORS = frozenset({
    "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "@=", ">>=", "<<="})

# Lines end as Python's tokenizer (and `SourceText`) ends them.
_LINES = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
# `x = !ls`, `a, b = %sx ls` (IPython's `assign_from_system` / `assign_from_magic`).
_ASSIGN_MAGIC = re.compile(r"([\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)[%!]")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_NON_ASCII_ESCAPE = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_notebook(path) -> bool:
    return str(path).lower().endswith(NOTEBOOK_SUFFIX)


# -- reading -------------------------------------------------------------------------------------

class NotebookError(Exception):
    """The text is not a notebook numlint can read; `position` is in the JSON text."""

    def __init__(self, message: str, position: Position = Position(1, 1),
                 cell: Optional[int] = None):
        super().__init__(message)
        self.position = position
        self.cell = cell  # the index of the cell at fault: its position is found in the text


@dataclass
class Cell:
    """A Python code cell."""

    number: int     # 1-based, among all the notebook's cells
    index: int      # its index in the JSON `cells` list
    text: str       # its source, joined
    as_list: bool   # the source is stored as a list of lines (else as one string)


@dataclass
class Notebook:
    text: str               # the JSON text (without a byte-order mark)
    had_bom: bool
    cells: List[Cell]       # the Python code cells, in order


def read_notebook(data: Union[str, bytes]) -> Notebook:
    """Parse a notebook's JSON (bytes are UTF-8) and find its Python code cells.

    Raises `UnicodeDecodeError`, `ValueError` (NUL bytes) or `NotebookError`."""
    had_bom = False
    if isinstance(data, bytes):
        if b"\0" in data:
            raise ValueError("it contains NUL bytes")
        if data.startswith(codecs.BOM_UTF8):
            data, had_bom = data[len(codecs.BOM_UTF8):], True
        text = data.decode("utf-8")
    else:
        text = data
        if text.startswith("\ufeff"):
            text, had_bom = text[1:], True
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid notebook: not valid JSON: {exc.msg}",
                            Position(exc.lineno, exc.colno)) from None
    except RecursionError:
        raise NotebookError("invalid notebook: the JSON is nested too deeply") from None
    try:
        return Notebook(text, had_bom, _python_cells(document))
    except NotebookError as exc:
        if exc.cell is not None:  # at the cell's `{` in the JSON text
            start = _cell_layout(text)[0].get(exc.cell)
            if start is not None:
                row = text.count("\n", 0, start) + 1
                exc.position = Position(row, start - (text.rfind("\n", 0, start) + 1) + 1)
        raise


def _python_cells(document) -> List[Cell]:
    if not isinstance(document, dict):
        raise NotebookError("invalid notebook: the JSON is not an object")
    version = document.get("nbformat", 4)
    if version != 4:
        raise NotebookError(f"invalid notebook: nbformat {version!r} is not supported; numlint "
                            f"reads notebook format 4 (`jupyter nbconvert --to notebook "
                            f"--nbformat 4` converts it)")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("invalid notebook: no `cells` list")
    # What nbformat's validator requires of every cell (of any language): an object with a
    # `cell_type` and a `source`, a string or a list of strings.
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise NotebookError(f"invalid notebook: cell {index + 1} is not an object",
                                cell=index)
        for key in ("cell_type", "source"):
            if key not in cell:
                raise NotebookError(f"invalid notebook: cell {index + 1} has no `{key}`",
                                    cell=index)
        if not isinstance(cell["cell_type"], str):
            raise NotebookError(f"invalid notebook: the `cell_type` of cell {index + 1} is not "
                                f"a string", cell=index)
        source = cell["source"]
        if not isinstance(source, str) and not (
                isinstance(source, list) and all(isinstance(line, str) for line in source)):
            raise NotebookError(f"invalid notebook: the source of cell {index + 1} is not a "
                                f"string or a list of strings", cell=index)
    language = _language(document.get("metadata"))
    if language is not None and not language.startswith("python"):
        return []  # an R, Julia, ... notebook: nothing to check
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        if isinstance(source, list):
            text, as_list = "".join(source), True
        else:
            text, as_list = source, False
        if _python_cell(cell, text):
            found.append(Cell(index + 1, index, text, as_list))
    return found


def _language(metadata) -> Optional[str]:
    """The notebook's language: `language_info.name` (as Ruff), else `kernelspec.language`."""
    if not isinstance(metadata, dict):
        return None
    for key, name in (("language_info", "name"), ("kernelspec", "language")):
        entry = metadata.get(key)
        if isinstance(entry, dict) and isinstance(entry.get(name), str):
            return entry[name].lower()
    return None


def _python_cell(cell: dict, text: str) -> bool:
    metadata = cell.get("metadata")
    vscode = metadata.get("vscode") if isinstance(metadata, dict) else None
    if isinstance(vscode, dict) and vscode.get("languageId", "python") != "python":
        return False
    return not is_magic_cell(text)


def is_magic_cell(text: str) -> bool:
    """The cell is not Python: a cell magic (other than the transparent ones) or automagic."""
    lines = text.splitlines()
    if lines:
        words = lines[0].split()
        if words and words[0] in AUTOMAGICS and not (
                len(words) > 1 and words[1] in _ASSIGNMENT_OPERATORS):
            return True
    for line in lines:
        words = line.split(None, 1)
        if words and len(words[0]) >= 2 and words[0].startswith("%%") \
                and words[0][2:] not in TRANSPARENT_CELL_MAGICS:
            return True
    return False


# -- masking IPython syntax ----------------------------------------------------------------------

def mask_ipython(text: str) -> Tuple[str, List[Tuple[int, int]]]:
    """`text` with each IPython line replaced by a same-length Python placeholder, and the
    `[start, end)` ranges (newline excluded) of the masked lines."""
    out: List[str] = []
    masked: List[Tuple[int, int]] = []
    depth, quote, continued, in_magic = 0, None, False, False
    for match in _LINES.finditer(text):
        line, newline = match.group(1), match.group(2)
        if not line and not newline:
            break
        start = match.start()
        if in_magic:  # the continuation of a magic that ended with a backslash
            out.append(" " * len(line) + newline)
            masked.append((start, start + len(line)))
            in_magic = line.endswith("\\")
            continue
        placeholder = None
        if depth == 0 and quote is None and not continued:
            placeholder = _placeholder(line)
        if placeholder is not None:
            out.append(placeholder + newline)
            masked.append((start, start + len(line)))
            in_magic = line.endswith("\\")
            continue
        depth, quote, continued, _ = _scan(line, depth, quote)
        out.append(line + newline)
    return "".join(out), masked


def _placeholder(line: str) -> Optional[str]:
    """The Python placeholder of a line that starts a statement, if it is IPython syntax."""
    code = line.lstrip(" \t")
    if not code:
        return None
    indent = line[:len(line) - len(code)]
    if code[0] in "%!?/,;":  # never the start of a Python statement
        return indent + _filler(len(code))
    assignment = _ASSIGN_MAGIC.match(code)
    if assignment:
        target = assignment.group(1)
        return indent + target + "0".ljust(len(code) - len(target))
    if "?" in code and _scan(code, 0, None)[3]:  # `obj?`, `obj.attr??`: help
        return indent + _filler(len(code))
    return None


def _filler(length: int) -> str:
    return ("pass" if length >= 4 else "0").ljust(length)


def _scan(line: str, depth: int, quote: Optional[str]):
    """Bracket depth, open string quote, backslash continuation after `line`, and whether a
    `?` occurs outside strings and comments."""
    question = False
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if quote is not None:
            if char == "\\":
                i += 2
            elif line.startswith(quote, i):
                i += len(quote)
                quote = None
            else:
                i += 1
            continue
        if char == "#":
            return depth, None, False, question
        if char in "'\"":
            quote = line[i:i + 3] if line[i:i + 3] in ("'''", '"""') else char
            i += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char == "?":
            question = True
        i += 1
    continued = line.endswith("\\")
    if quote in ("'", '"') and not continued:
        quote = None  # an unterminated string ends with its line
    return depth, quote, continued, question


# -- the joined module ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CellIndex:
    """Maps rows of a notebook's joined Python module to (cell, row in the cell)."""

    numbers: Tuple[int, ...]  # the cell number of each Python code cell
    rows: Tuple[int, ...]     # the module row on which each of those cells starts

    def locate(self, row: int) -> Tuple[int, int]:
        """(cell number, 1-based row inside the cell) of a module row."""
        k = max(bisect_right(self.rows, row) - 1, 0)
        return self.numbers[k], row - self.rows[k] + 1

    def position(self, position: Position) -> Position:
        """A module position as a position inside its cell."""
        return Position(self.locate(position.row)[1], position.column)


@dataclass
class _Module:
    """The Python code cells joined into one module, masked and unmasked."""

    cells: List[Cell]
    texts: List[str]                # the cells' current sources
    original: SourceText            # the joined sources, IPython lines included
    python: SourceText              # the same, IPython lines masked: what is checked
    starts: List[int]               # the offset of each cell in the module
    masked: List[Tuple[int, int]]   # module ranges of the masked lines
    index: CellIndex

    @classmethod
    def build(cls, cells: List[Cell], texts: List[str]) -> "_Module":
        starts: List[int] = []
        masked: List[Tuple[int, int]] = []
        python: List[str] = []
        offset = 0
        for text in texts:
            starts.append(offset)
            code, ranges = mask_ipython(text)
            python.append(code + "\n")
            masked.extend((offset + a, offset + b) for a, b in ranges)
            offset += len(text) + 1
        original = SourceText("".join(text + "\n" for text in texts))
        index = CellIndex(tuple(c.number for c in cells),
                          tuple(original.position(s).row for s in starts))
        return cls(cells, texts, original, SourceText("".join(python)), starts, masked, index)

    def end(self, k: int) -> int:
        """The offset just after cell `k`'s source (its separating newline)."""
        return self.starts[k] + len(self.texts[k])

    def cell_of(self, offset: int) -> int:
        return max(bisect_right(self.starts, offset) - 1, 0)

    def edit_cell(self, edit: Edit) -> Optional[int]:
        """The cell an edit applies to; None if it crosses a boundary or touches IPython."""
        k = self.cell_of(edit.start)
        if edit.end > self.end(k):
            return None
        for start, end in self.masked:
            if edit.start == edit.end:
                if start < edit.start <= end or (
                        edit.start == start and not edit.content.endswith("\n")):
                    return None
            elif edit.start <= end and edit.end >= start:
                return None
        return k

    def allows(self, fix: Fix) -> bool:
        return all(self.edit_cell(edit) is not None for edit in fix.edits)

    def apply(self, edits: Sequence[Edit], path: str = "<notebook>") -> List[str]:
        """The cells' sources with `edits` (each inside one cell) and the import clean-up
        they call for (`with_imports`) applied."""
        return self.apply_plain(self.with_imports(edits, path))

    def with_imports(self, edits: Sequence[Edit], path: str = "<notebook>") -> List[Edit]:
        """`edits` and the import clean-up they call for (`numlint.engine.imports`), computed
        on the whole joined module: an import in one cell used in another is used. A name
        that appears in a masked IPython line (`%timeit np.sum(x)`) is never removed. A
        clean-up edit that cannot be placed inside one cell is not made (the fix's own edits
        are applied alone)."""
        from numlint.engine import imports  # libcst: loaded only when fixes are applied
        keep = frozenset(word for start, end in self.masked
                         for word in _WORD.findall(self.original.text[start:end]))
        completed = imports.complete(self.python.text, edits, path, keep)
        fitted = [self._fit(edit) for edit in completed]
        if any(edit is None for edit in fitted):
            return list(edits)
        return [edit for edit in fitted if edit is not None]

    def _fit(self, edit: Edit) -> Optional[Edit]:
        """`edit` inside its cell: a clean-up edit of a cell's last line also takes the
        newline that separates the cells; the cell's own text is edited instead."""
        if self.edit_cell(edit) is not None:
            return edit
        k = self.cell_of(edit.start)
        if edit.end != self.end(k) + 1:
            return None
        if edit.content.endswith("\n"):
            fitted = Edit(edit.start, edit.end - 1, edit.content[:-1])
        elif edit.content == "" and edit.start > self.starts[k]:
            fitted = Edit(edit.start - 1, edit.end - 1, "")  # the line and the newline before
        elif edit.content == "":
            fitted = Edit(edit.start, edit.end - 1, "")
        else:
            return None
        return fitted if self.edit_cell(fitted) is not None else None

    def apply_plain(self, edits: Sequence[Edit]) -> List[str]:
        """The cells' sources with `edits` (each inside one cell) applied."""
        by_cell: Dict[int, List[Edit]] = defaultdict(list)
        for edit in edits:
            k = self.edit_cell(edit)
            if k is None:
                raise ValueError("an edit that crosses cells cannot be applied")
            start = self.starts[k]
            by_cell[k].append(Edit(edit.start - start, edit.end - start, edit.content))
        return [apply_edits(text, by_cell[k]) if k in by_cell else text
                for k, text in enumerate(self.texts)]

    def to_cells(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic of the module as one of its cell (offsets and edits unchanged)."""
        if diagnostic.error and diagnostic.code != "NL901":
            return diagnostic  # about the whole notebook
        number, row = self.index.locate(diagnostic.start.row)
        start = Position(row, diagnostic.start.column)
        end_number, end_row = self.index.locate(diagnostic.end.row)
        if end_number == number:
            end = Position(end_row, diagnostic.end.column)
        else:  # an expression continued in the next cell (Jupyter could not run it)
            k = self.index.numbers.index(number)
            last = self.original.position(self.end(k))
            end = Position(self.index.locate(last.row)[1], last.column)
        noqa_row = diagnostic.noqa_row
        if noqa_row is not None:
            noqa_row = self.index.locate(noqa_row)[1]
        fix = diagnostic.fix
        if fix is not None and not self.allows(fix):
            fix = None
        return replace(diagnostic, start=start, end=end, noqa_row=noqa_row, cell=number,
                       fix=fix)


# -- checking and fixing -------------------------------------------------------------------------

@dataclass
class NotebookResult:
    """The outcome of checking (or fixing) one notebook."""

    diagnostics: List[Diagnostic]
    original: Optional[Notebook] = None     # None if it could not be read
    text: Optional[str] = None              # the notebook's JSON text after fixes
    source: Optional[str] = None            # the joined module the diagnostics' offsets index
    index: Optional[CellIndex] = None       # maps that module's rows to cells
    fixed: Dict[str, int] = field(default_factory=dict)
    changes: List[Tuple[int, str, str]] = field(default_factory=list)  # (cell, before, after)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def to_bytes(self) -> bytes:
        data = (self.text or "").encode("utf-8")
        return codecs.BOM_UTF8 + data if self.original and self.original.had_bom else data

    def diff(self, path: str) -> str:
        """A unified diff of each changed cell (Ruff's `path:cell N` headers)."""
        out: List[str] = []
        for number, before, after in self.changes:
            lines = difflib.unified_diff(
                (before + "\n").splitlines(keepends=True),
                (after + "\n").splitlines(keepends=True),
                fromfile=f"a/{path}:cell {number}", tofile=f"b/{path}:cell {number}")
            out.extend(lines)
        return "".join(out)


def check_notebook(source: Union[str, bytes], path: str = "<stdin>",
                   config: Optional[Config] = None) -> List[Diagnostic]:
    """Check a notebook (its JSON text) and return its diagnostics, sorted by cell and row."""
    return lint_notebook(source, path, config).diagnostics


def fix_notebook(source: Union[str, bytes], path: str = "<stdin>",
                 config: Optional[Config] = None, unsafe: bool = False) -> NotebookResult:
    """Apply fixes to a notebook in rounds; `.text` is the notebook's new JSON text."""
    return lint_notebook(source, path, config, fix=True, unsafe=unsafe)


def lint_notebook(source: Union[str, bytes], path: str = "<stdin>",
                  config: Optional[Config] = None, *, fix: bool = False,
                  unsafe: bool = False) -> NotebookResult:
    """Check a notebook, and with `fix` apply its fixes. A pure function of its arguments."""
    config = config or Config()
    path = str(path)
    try:
        notebook = read_notebook(source)
    except ValueError as exc:
        if isinstance(exc, UnicodeDecodeError):
            line = exc.object.count(b"\n", 0, exc.start) + 1
            message = (f"cannot decode the notebook: line {line}: byte "
                       f"0x{exc.object[exc.start]:02x} is not valid UTF-8")
            return NotebookResult([meta_diagnostic("NL903", path, message)])
        return NotebookResult([meta_diagnostic("NL904", path, f"binary file: {exc}")])
    except NotebookError as exc:
        return NotebookResult([meta_diagnostic("NL901", path, str(exc), exc.position)])
    result = NotebookResult([], notebook, notebook.text)
    if not notebook.cells:
        return result
    cells = notebook.cells
    module = _Module.build(cells, [c.text for c in cells])
    size = len(module.original.text.encode("utf-8"))
    if size > config.max_file_size:
        result.diagnostics = [meta_diagnostic(
            "NL906", path, f"notebook code too large ({size:,} bytes > max-file-size "
                           f"{config.max_file_size:,}): skipped")]
        return result
    diagnostics = check_source(module.python, path, config)
    fixed: Dict[str, int] = {}
    if fix:
        module, diagnostics, fixed = apply_in_rounds(
            module, diagnostics, unsafe=unsafe,
            apply=lambda current, edits: _Module.build(cells, current.apply(edits, path)),
            python=lambda current: current.python.text,
            check=lambda current: check_source(current.python, path, config),
            broken=lambda message: meta_diagnostic("NL905", path, message),
            allows=lambda current, candidate: current.allows(candidate))
    result.diagnostics = sorted((module.to_cells(d) for d in diagnostics),
                                key=lambda d: (d.cell or 0, d.start.row, d.start.column, d.code))
    result.source = module.original.text
    result.index = module.index
    result.fixed = dict(fixed)
    result.changes = [(cell.number, cell.text, text) for cell, text in zip(cells, module.texts)
                      if text != cell.text]
    if result.changes:
        result.text = render_notebook(notebook, {
            cell.index: (text, cell.as_list)
            for cell, text in zip(cells, module.texts) if text != cell.text})
    return result


def joined_source(data: Union[str, bytes]) -> Tuple[Optional[str], Optional[CellIndex]]:
    """The joined code cells a notebook's diagnostics refer to, and their cell index, without
    checking anything (for results read from a cache); (None, None) if it cannot be read."""
    try:
        notebook = read_notebook(data)
    except (ValueError, NotebookError):
        return None, None
    if not notebook.cells:
        return None, None
    module = _Module.build(notebook.cells, [c.text for c in notebook.cells])
    return module.original.text, module.index


# -- writing -------------------------------------------------------------------------------------

def render_notebook(notebook: Notebook, sources: Dict[int, Tuple[str, bool]]) -> str:
    """The notebook's JSON text with the `source` of the cells in `sources` (cell index ->
    (text, as a list of lines)) replaced; every other character stays as it was."""
    text = notebook.text
    spans = _source_spans(text)
    parts = []
    last = 0
    for index in sorted(sources):
        start, end = spans[index]
        value, as_list = sources[index]
        parts.append(text[last:start])
        parts.append(_dump_source(text, start, end, value, as_list))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def split_lines(text: str) -> List[str]:
    """A cell source as nbformat stores it: lines with their `\\n`, the last one without."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _dump_source(document: str, start: int, end: int, value: str, as_list: bool) -> str:
    """`value` serialised where the old source value `document[start:end]` was, in its style."""
    ascii_only = document.isascii() and bool(_NON_ASCII_ESCAPE.search(document))

    def dump(string: str) -> str:
        return json.dumps(string, ensure_ascii=ascii_only)

    if not as_list:
        return dump(value)
    lines = split_lines(value)
    if not lines:
        return "[]"
    old = document[start:end]
    newline = "\r\n" if "\r\n" in document else "\n"
    if "\n" not in document.strip():  # a one-line (compact) document
        separator = ", " if re.search(r'"\s*:\s', document) else ","
        return "[" + separator.join(dump(line) for line in lines) + "]"
    line_start = document.rfind("\n", 0, start) + 1
    key_line = document[line_start:start]
    outer = key_line[:len(key_line) - len(key_line.lstrip(" \t"))]
    item = re.match(r"\[[ \t]*\r?\n([ \t]*)\S", old)
    if item:
        inner = item.group(1)
    else:  # the old list was empty or on one line: indent by the document's unit
        unit = re.search(r"\n([ \t]+)\S", document)
        inner = outer + (unit.group(1) if unit else " ")
    body = ("," + newline).join(inner + dump(line) for line in lines)
    return "[" + newline + body + newline + outer + "]"


def _source_spans(text: str) -> Dict[int, Tuple[int, int]]:
    """Cell index -> `[start, end)` of the cell's `source` value in the JSON text."""
    return _cell_layout(text)[1]


def _cell_layout(text: str) -> Tuple[Dict[int, int], Dict[int, Tuple[int, int]]]:
    """(cell index -> offset of the cell in the JSON text, cell index -> `[start, end)` of
    its `source` value)."""
    decoder = json.JSONDecoder()
    spans: Dict[int, Tuple[int, int]] = {}
    starts: Dict[int, int] = {}

    def space(i: int) -> int:
        match = _JSON_SPACE.match(text, i)
        return match.end() if match is not None else i

    def members(i: int, visit) -> int:
        """Walk the object at `i`, calling `visit(key, i)` -> end of the value."""
        i = space(i + 1)
        while text[i] != "}":
            key, i = decoder.raw_decode(text, i)
            i = space(space(i) + 1)  # the colon
            i = space(visit(key, i))
            if text[i] == ",":
                i = space(i + 1)
        return i + 1

    def value(i: int) -> int:
        return decoder.raw_decode(text, i)[1]

    def cell_members(index: int):
        def visit(key: str, i: int) -> int:
            end = value(i)
            if key == "source":
                spans[index] = (i, end)
            return end
        return visit

    def top(key: str, i: int) -> int:
        if key != "cells" or text[i] != "[":
            return value(i)
        spans.clear()
        starts.clear()
        i = space(i + 1)
        index = 0
        while text[i] != "]":
            starts[index] = i
            i = space(members(i, cell_members(index)) if text[i] == "{" else value(i))
            if text[i] == ",":
                i = space(i + 1)
            index += 1
        return i + 1

    members(space(0), top)
    return starts, spans
