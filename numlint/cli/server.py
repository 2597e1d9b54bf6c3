"""`numlint server`: a language server over stdio (LSP, built on pygls).

* **Diagnostics** when a document is opened or saved, and after each change once the user has
  stopped typing for the debounce delay (300 ms by default; `--debounce MS` or the
  `debounce` initialization option). They are the findings `numlint check` reports for the
  buffer's text: the configuration found for the document's path (`numlint.run.config`, as the
  command line finds it), the project's module summaries for its first-party imports
  (`numlint.run.project`: other modules from disk, the buffer's own text for itself). A file
  the configuration excludes gets none.
* **Code actions**: one quick fix per finding with a fix (safe or unsafe, labelled so; an
  unsafe one is never preferred), `source.fixAll.numlint` (every safe fix, in rounds, as
  `numlint check --fix`), and a quick fix that suppresses a finding with `# noqa: CODE`
  (`numlint check --add-noqa`'s logic, `numlint.engine.noqa.add_directives`).
* **Hover** on a finding: the rule's documentation, the Markdown of `numlint rule CODE`.
* **Notebooks** sent as notebook documents: their Python cells are checked as one module
  (`numlint.run.notebook`), and findings and edits are placed in the cells.

Positions are in the encoding negotiated at initialization (UTF-16 unless the client offers
another); lines end at `\\r\\n`, `\\r` or `\\n`, as the protocol says. Documents are kept here,
not in pygls's workspace, so that both follow the protocol's line ends exactly.

The analysis runs in one worker thread, so the server keeps reading messages (a change while a
check runs supersedes it). Configurations and summaries are cached for the server's life and
forgotten when a file is saved or the client reports changed files (`didChangeWatchedFiles`).
An exception while analysing a document is logged to the client (`window/logMessage`) and
never stops the server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import logging
import os
import sys
import time
import traceback
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from numlint import __version__
from numlint.engine import noqa
from numlint.engine.check import check_module, fix_source, meta_diagnostic
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Applicability, Edit
from numlint.engine.settings import Config
from numlint.engine.source import SourceText
from numlint.run.config import ConfigError, config_for_directory, config_for_path

DEFAULT_DEBOUNCE_MS = 300
SOURCE = "numlint"
FIX_ALL = "source.fixAll.numlint"
PYTHON_SUFFIXES = (".py", ".pyi")
CONFIG_NAMES = (".numlint.toml", "numlint.toml", "pyproject.toml")
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"  # position encodings (LSP's names)

logger = logging.getLogger("numlint.server")


# -- positions --------------------------------------------------------------------------------

def units(text: str, encoding: str) -> int:
    """The length of `text` in the code units of a position encoding."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Lines:
    """A text's lines as the protocol counts them (ended by `\\r\\n`, `\\r` or `\\n`: the
    same as `SourceText`'s), and conversions between character offsets and LSP positions."""

    def __init__(self, text: str, encoding: str = UTF16):
        self.text = text
        self.encoding = encoding
        self.starts: List[int] = SourceText(text).line_starts

    def end(self, line: int) -> int:
        """The offset where line `line` (0-based) ends, before its line end."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
            if self.text.startswith("\r\n", end - 2) and end - 2 >= self.starts[line]:
                return end - 2
            return end - 1
        return len(self.text)

    def position(self, offset: int) -> lsp.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return lsp.Position(line=line,
                            character=units(self.text[start:offset], self.encoding))

    def at(self, row: int, column: int) -> lsp.Position:
        """The LSP position of a numlint position (1-based row and character column)."""
        row = max(1, min(row, len(self.starts)))
        start = self.starts[row - 1]
        return self.position(min(start + max(column, 1) - 1, self.end(row - 1)))

    def offset(self, position: lsp.Position) -> int:
        """The character offset of an LSP position (clamped to its line, as the protocol
        says a character beyond the line's end means its end)."""
        if position.line >= len(self.starts):
            return len(self.text)
        start, end = self.starts[position.line], self.end(position.line)
        segment = self.text[start:end]
        if self.encoding == UTF32 or segment.isascii():
            return start + min(position.character, len(segment))
        count = 0
        for index, char in enumerate(segment):
            if count >= position.character:
                return start + index
            count += units(char, self.encoding)
        return end

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(start), end=self.position(end))


def minimal_edit(before: str, after: str) -> Optional[Edit]:
    """One edit that turns `before` into `after` (None if they are equal): the whole lines
    between their common prefix and common suffix (whole lines, so that no edit ends between
    the two characters of a `\\r\\n` or of a surrogate pair)."""
    if before == after:
        return None
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    starts = SourceText(before).line_starts
    start = starts[bisect_right(starts, prefix) - 1]
    end = len(before) - suffix
    following = bisect_right(starts, end - 1) if end > start else bisect_right(starts, end)
    if end != start or end not in starts:
        end = starts[following] if following < len(starts) else len(before)
    kept = len(before) - end  # the unchanged tail, common to both
    return Edit(start, end, after[start:len(after) - kept])


# -- documents ---------------------------------------------------------------------------------

@dataclass
class TextDocument:
    uri: str
    text: str
    version: Optional[int]
    language: str
    notebook: Optional[str] = None  # the notebook this document is a cell of

    def apply(self, changes: Sequence[Any], encoding: str) -> None:
        for change in changes:
            if isinstance(change, lsp.TextDocumentContentChangePartial):
                lines = Lines(self.text, encoding)
                start, end = lines.offset(change.range.start), lines.offset(change.range.end)
                if end < start:
                    start, end = end, start
                self.text = self.text[:start] + change.text + self.text[end:]
            else:
                self.text = change.text


@dataclass
class NotebookDocument:
    uri: str
    version: Optional[int]
    cells: List[Tuple[int, str]]  # (kind: 1 markup, 2 code; the cell's document uri)
    metadata: Any = None  # the notebook's metadata, as the client sent it


def unchanged() -> Dict[str, str]:
    """`Analysis.fix_all` of a document that is not checked: nothing changes."""
    return {}


def uri_path(uri: str) -> Optional[str]:
    """The file system path of a `file:` URI (None for `untitled:` and the like)."""
    if not uri.startswith("file:"):
        return None
    try:
        return to_fs_path(uri)
    except Exception:  # a malformed URI: no path
        return None


# -- analysis (no protocol state: runs in the worker thread) ------------------------------------

@dataclass
class Finding:
    uri: str                 # the document it is in (a cell's, in a notebook)
    diagnostic: Diagnostic   # numlint's diagnostic
    range: lsp.Range


@dataclass
class Analysis:
    """What one check found in a text document or a notebook, and how to edit it."""

    key: Tuple                        # what was checked (uris, versions, texts)
    texts: Dict[str, str]             # the text of every document, as checked
    versions: Dict[str, Optional[int]]
    findings: List[Finding]
    encoding: str
    # Maps an offset of the checked module (a notebook's joined cells) to (uri, offset).
    locate: Callable[[int], Tuple[str, int]]
    fix_all: Callable[[], Dict[str, str]]  # the documents' texts after every safe fix
    skipped: Optional[str] = None  # why the document was not checked (excluded, config error)
    # A fix's edits with the import clean-up they call for (as `--fix` applies them; a
    # notebook's quick fixes are the rule's own edits, as its JSON `edits` are).
    complete: Callable[[Sequence[Edit]], Sequence[Edit]] = lambda edits: edits

    def edits(self, numlint_edits: Sequence[Edit]) -> Dict[str, List[lsp.TextEdit]]:
        """numlint's edits (offsets of the checked module) as LSP edits per document."""
        by_uri: Dict[str, List[lsp.TextEdit]] = {}
        for edit in sorted(set(numlint_edits)):
            uri, start = self.locate(edit.start)
            _, end = self.locate(edit.end) if edit.end > edit.start else (uri, start)
            lines = Lines(self.texts[uri], self.encoding)
            by_uri.setdefault(uri, []).append(
                lsp.TextEdit(range=lines.range(start, end), new_text=edit.content))
        return by_uri

    def replacing(self, new_texts: Dict[str, str]) -> Dict[str, List[lsp.TextEdit]]:
        """The edits that turn each document's text into `new_texts[uri]`."""
        by_uri: Dict[str, List[lsp.TextEdit]] = {}
        for uri, after in new_texts.items():
            edit = minimal_edit(self.texts[uri], after)
            if edit is not None:
                lines = Lines(self.texts[uri], self.encoding)
                by_uri[uri] = [lsp.TextEdit(range=lines.range(edit.start, edit.end),
                                            new_text=edit.content)]
        return by_uri


class Analyser:
    """Configurations and project indexes for the server's life (forgotten on `invalidate`)."""

    def invalidate(self) -> None:
        from numlint.run import project
        config_for_directory.cache_clear()
        project.forget()

    def configure(self, path: Optional[str], root: Optional[str]) -> Config:
        """The configuration for `path` (for an unsaved buffer: for the workspace root)."""
        where = Path(path) if path is not None else Path(root or os.getcwd()) / "untitled.py"
        return config_for_path(where)

    def settings_for(self, analysis: Analysis, path: Optional[str],
                     root: Optional[str]) -> Optional[Config]:
        """The configuration a document is checked with, or None with `analysis.skipped`
        saying why it is not checked (a configuration error, or excluded by it)."""
        try:
            config = self.configure(path, root)
        except ConfigError as exc:
            analysis.skipped = f"configuration error: {exc}"
            return None
        if path is not None and excluded(config, path):
            analysis.skipped = "excluded by the configuration"
            return None
        return config

    def text_analysis(self, document: TextDocument, root: Optional[str],
                      encoding: str) -> Analysis:
        path = uri_path(document.uri)
        text = document.text
        key = ("text", document.uri, document.version, text)
        texts = {document.uri: text}
        versions = {document.uri: document.version}

        def locate(offset: int) -> Tuple[str, int]:
            return document.uri, offset

        analysis = Analysis(key, texts, versions, [], encoding, locate, unchanged)
        config = self.settings_for(analysis, path, root)
        if config is None:
            return analysis
        shown = path or "<stdin>"
        project = None
        if path is not None:
            from numlint.run.project import index_for
            project = index_for(config, path)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > config.max_file_size:
            diagnostics = [meta_diagnostic(
                "NL906", shown, f"file too large ({size:,} bytes > max-file-size "
                                f"{config.max_file_size:,}): skipped")]
        else:
            diagnostics = check_module(text, shown, config, project).diagnostics
        lines = Lines(text, encoding)
        analysis.findings = [Finding(document.uri, d, lsp.Range(
            start=lines.at(d.start.row, d.start.column), end=lines.at(d.end.row, d.end.column)))
            for d in diagnostics]

        def fix_all() -> Dict[str, str]:
            result = fix_source(text, shown, config, unsafe=False, project=project)
            if result.original is None or not result.changed:
                return {}
            return {document.uri: result.source.text}

        def complete(edits: Sequence[Edit]) -> Sequence[Edit]:
            from numlint.engine import imports  # libcst: loaded only for a quick fix
            return imports.complete(text, edits, shown)

        analysis.fix_all = fix_all
        analysis.complete = complete
        return analysis

    def notebook_analysis(self, notebook: NotebookDocument, cells: Dict[str, TextDocument],
                          root: Optional[str], encoding: str) -> Analysis:
        from numlint.run.notebook import lint_notebook
        path = uri_path(notebook.uri)
        order = [uri for _, uri in notebook.cells]
        texts = {uri: cells[uri].text if uri in cells else "" for uri in order}
        versions = {uri: cells[uri].version if uri in cells else None for uri in order}
        key = ("notebook", notebook.uri, notebook.version,
               tuple((uri, versions[uri], texts[uri]) for uri in order))
        document = notebook_json(notebook, cells)
        numbers = {number: uri for number, uri in enumerate(order, start=1)}
        starts: List[int] = []
        located: List[str] = []

        def locate(offset: int) -> Tuple[str, int]:
            k = max(bisect_right(starts, offset) - 1, 0)
            return located[k], offset - starts[k]

        analysis = Analysis(key, texts, versions, [], encoding, locate, unchanged)
        config = self.settings_for(analysis, path, root)
        if config is None:
            return analysis
        shown = path or "<stdin>"
        result = lint_notebook(document, shown, config)
        if result.index is not None and result.source is not None:
            joined = SourceText(result.source)
            for number, row in zip(result.index.numbers, result.index.rows):
                starts.append(joined.line_starts[row - 1])
                located.append(numbers[number])
        first = order[0] if order else notebook.uri
        for diagnostic in result.diagnostics:
            uri = numbers.get(diagnostic.cell or 0, first)
            text = texts.get(uri, "")
            lines = Lines(text, encoding)
            if diagnostic.cell is None:  # about the whole notebook: on its first cell
                where = lsp.Range(start=lsp.Position(line=0, character=0),
                                  end=lsp.Position(line=0, character=0))
            else:
                where = lsp.Range(start=lines.at(diagnostic.start.row, diagnostic.start.column),
                                  end=lines.at(diagnostic.end.row, diagnostic.end.column))
            analysis.findings.append(Finding(uri, diagnostic, where))

        def fix_all() -> Dict[str, str]:
            fixed = lint_notebook(document, shown, config, fix=True)
            return {numbers[number]: after for number, _, after in fixed.changes
                    if number in numbers}

        analysis.fix_all = fix_all
        return analysis


def excluded(config: Config, path: str) -> bool:
    """Whether `exclude`/`extend-exclude` exclude the file or a directory above it (below the
    configuration's directory), as a walk of the project would."""
    if config.excluded(path):
        return True
    if config.root is None:
        return False
    root = str(config.root)
    directory = os.path.dirname(os.path.abspath(path))
    while directory.startswith(root + os.sep):
        if config.excluded(directory, is_dir=True):
            return True
        directory = os.path.dirname(directory)
    return False


def notebook_json(notebook: NotebookDocument, cells: Dict[str, TextDocument]) -> str:
    """The notebook as `.ipynb` JSON, for `numlint.run.notebook`: every cell in order (so cell
    numbers agree), code cells in another language marked so (VS Code's `languageId`)."""
    out: List[Dict[str, Any]] = []
    for kind, uri in notebook.cells:
        document = cells.get(uri)
        text = document.text if document is not None else ""
        if kind == lsp.NotebookCellKind.Markup:
            out.append({"cell_type": "markdown", "metadata": {}, "source": text})
            continue
        language = document.language if document is not None else "python"
        out.append({"cell_type": "code", "metadata": {"vscode": {"languageId": language}},
                    "source": text, "outputs": [], "execution_count": None})
    metadata = {"language_info": {"name": "python"}}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata,
                       "cells": out})


# -- from numlint's findings to the protocol's ----------------------------------------------------

def lsp_diagnostic(finding: Finding) -> lsp.Diagnostic:
    from numlint.cli.output.common import rule_url
    diagnostic = finding.diagnostic
    url = rule_url(diagnostic.code)
    severity = lsp.DiagnosticSeverity.Error if diagnostic.error \
        else lsp.DiagnosticSeverity.Warning
    return lsp.Diagnostic(
        range=finding.range, message=diagnostic.message, severity=severity,
        code=diagnostic.code, source=SOURCE,
        code_description=lsp.CodeDescription(href=url) if "://" in url else None,
        data={"name": diagnostic.name})


def fix_title(diagnostic: Diagnostic) -> str:
    fix = diagnostic.fix
    assert fix is not None
    safety = "safe fix" if fix.applicability is Applicability.SAFE else "unsafe fix"
    return f"{fix.message} ({diagnostic.code}, {safety})"


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> Tuple[int, int]:
        return (p.line, p.character)
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def contains(where: lsp.Range, position: lsp.Position) -> bool:
    point = (position.line, position.character)
    return (where.start.line, where.start.character) <= point \
        <= (where.end.line, where.end.character)


def wanted(only: Optional[Sequence[str]], kind: str) -> bool:
    """Whether a code action of `kind` answers a request for the kinds `only`."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def code_actions(analysis: Analysis, uri: str, where: lsp.Range,
                 only: Optional[Sequence[str]]) -> List[lsp.CodeAction]:
    actions: List[lsp.CodeAction] = []
    here = [f for f in analysis.findings if f.uri == uri and overlaps(f.range, where)]
    if wanted(only, lsp.CodeActionKind.QuickFix):
        for finding in here:
            diagnostic = finding.diagnostic
            fix = diagnostic.fix
            if fix is None or fix.applicability is Applicability.DISPLAY_ONLY:
                continue
            actions.append(lsp.CodeAction(
                title=fix_title(diagnostic), kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[lsp_diagnostic(finding)],
                is_preferred=fix.applicability is Applicability.SAFE,
                edit=lsp.WorkspaceEdit(changes=analysis.edits(analysis.complete(fix.edits)))))
        for finding in here:
            if finding.diagnostic.error or finding.diagnostic.noqa_row is None:
                continue
            changes = suppression(analysis, finding)
            if changes:
                code = finding.diagnostic.code
                actions.append(lsp.CodeAction(
                    title=f"Suppress {code} with `# noqa: {code}`",
                    kind=lsp.CodeActionKind.QuickFix, diagnostics=[lsp_diagnostic(finding)],
                    edit=lsp.WorkspaceEdit(changes=changes)))
    if wanted(only, FIX_ALL) and (only or any(
            f.diagnostic.fix is not None and f.diagnostic.fix.applicability
            is Applicability.SAFE for f in analysis.findings)):
        changes = analysis.replacing(analysis.fix_all())
        if changes:
            actions.append(lsp.CodeAction(title="numlint: fix all safe fixes", kind=FIX_ALL,
                                          edit=lsp.WorkspaceEdit(changes=changes)))
    return actions


def suppression(analysis: Analysis, finding: Finding) -> Dict[str, List[lsp.TextEdit]]:
    """The edit adding `# noqa: CODE` for one finding (`numlint check --add-noqa`'s logic)."""
    text = analysis.texts[finding.uri]
    after, added, _ = noqa.add_directives(SourceText(text), [finding.diagnostic])
    if not added:
        return {}
    return analysis.replacing({finding.uri: after})


def hover(analysis: Analysis, uri: str, position: lsp.Position) -> Optional[lsp.Hover]:
    from numlint.authoring.docs import render
    from numlint.engine.registry import rules_by_code
    here = [f for f in analysis.findings if f.uri == uri and contains(f.range, position)]
    if not here:
        return None
    rules = rules_by_code()
    parts = []
    for code in dict.fromkeys(f.diagnostic.code for f in here):
        rule = rules.get(code)
        if rule is not None:
            parts.append(render(rule))
    if not parts:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                value="\n---\n\n".join(parts)),
                     range=here[0].range)


# -- the server --------------------------------------------------------------------------------

class NumlintServer(LanguageServer):
    def __init__(self, debounce_ms: int = DEFAULT_DEBOUNCE_MS):
        super().__init__(
            "numlint", __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            notebook_document_sync=lsp.NotebookDocumentSyncOptions(
                notebook_selector=[lsp.NotebookDocumentFilterWithCells(
                    cells=[lsp.NotebookCellLanguage(language="python")])],
                save=True))
        self.debounce = debounce_ms / 1000
        self.log_timings = False
        self.documents: Dict[str, TextDocument] = {}
        self.notebooks: Dict[str, NotebookDocument] = {}
        self.results: Dict[str, Analysis] = {}
        self.published: Dict[str, bool] = {}  # uri -> it has diagnostics shown
        self.reported: Dict[str, str] = {}    # uri -> the configuration error last shown
        self.tasks: Dict[str, "asyncio.Task[None]"] = {}
        self.analyser = Analyser()
        self.worker = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="numlint-check")
        self.root: Optional[str] = None
        self.shut_down = False

    # -- helpers ------------------------------------------------------------------------------
    @property
    def encoding(self) -> str:
        try:
            encoding = self.workspace.position_encoding
        except RuntimeError:  # not initialized
            return UTF16
        encoding = encoding or UTF16
        return str(getattr(encoding, "value", encoding))  # "utf-16", not the enum's name

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # the connection is gone
            logger.exception("cannot log to the client")

    def target_of(self, uri: str) -> Optional[str]:
        """The uri that is checked as one module: the document's, or its notebook's."""
        document = self.documents.get(uri)
        if document is not None and document.notebook is not None:
            return document.notebook
        if uri in self.notebooks or document is not None:
            return uri
        return None

    def key_of(self, target: str) -> Optional[Tuple]:
        if target in self.notebooks:
            notebook = self.notebooks[target]
            return ("notebook", target, notebook.version, tuple(
                (uri, self.documents[uri].version if uri in self.documents else None,
                 self.documents[uri].text if uri in self.documents else "")
                for _, uri in notebook.cells))
        document = self.documents.get(target)
        if document is None:
            return None
        return ("text", target, document.version, document.text)

    def checked(self, target: str) -> bool:
        if target in self.notebooks:
            return True
        document = self.documents.get(target)
        if document is None:
            return False
        path = uri_path(target)
        return document.language == "python" or (
            path is not None and path.endswith(PYTHON_SUFFIXES))

    def snapshot(self, target: str) -> Callable[[], Analysis]:
        """A function (for the worker) analysing the target as it is now."""
        root, encoding = self.root, self.encoding
        if target in self.notebooks:
            notebook = self.notebooks[target]
            frozen = NotebookDocument(notebook.uri, notebook.version, list(notebook.cells),
                                      notebook.metadata)
            cells = {uri: TextDocument(d.uri, d.text, d.version, d.language, d.notebook)
                     for uri, d in self.documents.items() if d.notebook == target}
            return lambda: self.analyser.notebook_analysis(frozen, cells, root, encoding)
        document = self.documents[target]
        copy = TextDocument(document.uri, document.text, document.version, document.language)
        return lambda: self.analyser.text_analysis(copy, root, encoding)

    async def analysis(self, target: str) -> Optional[Analysis]:
        """The analysis of the target as it is now (the last one if it is current)."""
        key = self.key_of(target)
        if key is None or not self.checked(target):
            return None
        last = self.results.get(target)
        if last is not None and last.key == key:
            return last
        analysis = await self.run(self.snapshot(target))
        if analysis is not None and self.key_of(target) == analysis.key:
            self.results[target] = analysis
        return analysis

    async def run(self, work: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.worker, work)

    # -- diagnostics --------------------------------------------------------------------------
    def schedule(self, target: str, delay: float) -> None:
        running = self.tasks.pop(target, None)
        if running is not None:
            running.cancel()
        self.tasks[target] = asyncio.get_running_loop().create_task(self._lint(target, delay))

    async def _lint(self, target: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.checked(target):
                return
            started = time.perf_counter()
            work = self.snapshot(target)

            def timed() -> Tuple[Analysis, float]:
                cpu = time.thread_time()
                analysis = work()
                return analysis, time.thread_time() - cpu

            analysis, cpu = await self.run(timed)
            if self.key_of(target) != analysis.key:
                return  # changed meanwhile: the next check publishes
            self.results[target] = analysis
            self.publish(target, analysis)
            if self.log_timings:
                self.log(f"checked {target} in {1000 * (time.perf_counter() - started):.1f} ms "
                         f"(cpu {1000 * cpu:.1f} ms)")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failure on one document never stops the server
            self.log(f"numlint failed on {target}: {type(exc).__name__}: {exc}\n"
                     + traceback.format_exc(), lsp.MessageType.Error)
        finally:
            if self.tasks.get(target) is asyncio.current_task():
                del self.tasks[target]

    def publish(self, target: str, analysis: Analysis) -> None:
        by_uri: Dict[str, List[lsp.Diagnostic]] = {uri: [] for uri in analysis.texts}
        for finding in analysis.findings:
            by_uri.setdefault(finding.uri, []).append(lsp_diagnostic(finding))
        if analysis.skipped is not None and analysis.skipped.startswith("configuration"):
            if self.reported.get(target) != analysis.skipped:  # once, not at every keystroke
                self.reported[target] = analysis.skipped
                self.log(f"{target}: not checked: {analysis.skipped}", lsp.MessageType.Warning)
                self.window_show_message(lsp.ShowMessageParams(
                    type=lsp.MessageType.Warning,
                    message=f"numlint: not checked: {analysis.skipped}"))
        else:
            self.reported.pop(target, None)
        for uri, diagnostics in by_uri.items():
            if not diagnostics and not self.published.get(uri):
                continue  # nothing shown, nothing to clear
            self.published[uri] = bool(diagnostics)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri, diagnostics=diagnostics, version=analysis.versions.get(uri)))

    def clear(self, uri: str) -> None:
        self.results.pop(uri, None)
        if self.published.pop(uri, False):
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def invalidate(self) -> None:
        """Files changed on disk: configurations and summaries are read again, and every open
        document is checked again."""
        self.worker.submit(self.analyser.invalidate)
        self.results.clear()
        for target in list(self.notebooks) + [u for u, d in self.documents.items()
                                              if d.notebook is None]:
            self.schedule(target, self.debounce)


def warm_up() -> None:
    """Import the engine, the table and the rules (what the first check would), then move
    what they allocated out of the cyclic collector's sight (`gc.freeze`): they live as long
    as the server, and rescanning them made a check's time vary by tens of milliseconds."""
    try:
        check_module("import numpy as np\n\nnp.log(np.exp(1.0))\n", "<warm-up>")
    except Exception:  # never fatal: the first real check reports what is wrong
        logger.exception("warming up failed")
    gc.collect()
    gc.freeze()


def build_server(debounce_ms: int = DEFAULT_DEBOUNCE_MS) -> NumlintServer:
    server = NumlintServer(debounce_ms)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: NumlintServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            settings = options.get("settings", options)
            if isinstance(settings, dict):
                debounce = settings.get("debounce")
                if isinstance(debounce, (int, float)) and not isinstance(debounce, bool) \
                        and debounce >= 0:
                    ls.debounce = debounce / 1000
                ls.log_timings = bool(settings.get("logTimings", False))
        folders = params.workspace_folders or []
        root_uri = folders[0].uri if folders else params.root_uri
        ls.root = (uri_path(root_uri) if root_uri else None) or params.root_path

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: NumlintServer, params: lsp.InitializedParams) -> None:
        ls.worker.submit(warm_up)  # the first document opened is not the one that waits
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [lsp.FileSystemWatcher(glob_pattern=f"**/{pattern}") for pattern in
                    ("*.py", "*.pyi", *CONFIG_NAMES)]
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[
                lsp.Registration(id="numlint-watched-files",
                                 method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                 register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                     watchers=watchers))]))
        except Exception as exc:
            ls.log(f"cannot watch files: {exc}", lsp.MessageType.Warning)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: NumlintServer, params: Any) -> None:
        ls.shut_down = True
        for task in ls.tasks.values():
            task.cancel()
        ls.tasks.clear()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NumlintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.documents[item.uri] = TextDocument(item.uri, item.text, item.version,
                                              item.language_id)
        ls.schedule(item.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NumlintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return
        document.apply(params.content_changes, ls.encoding)
        document.version = params.text_document.version
        ls.schedule(ls.target_of(document.uri) or document.uri, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: NumlintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_path(uri) or ""
        if path.endswith(PYTHON_SUFFIXES) or os.path.basename(path) in CONFIG_NAMES:
            ls.invalidate()  # its summary (or the configuration) changed for the others
        target = ls.target_of(uri)
        if target is not None:
            ls.schedule(target, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NumlintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.pop(uri, None)
        task = ls.tasks.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.clear(uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: NumlintServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
        notebook = params.notebook_document
        ls.notebooks[notebook.uri] = NotebookDocument(
            notebook.uri, notebook.version,
            [(int(cell.kind), cell.document) for cell in notebook.cells],
            notebook.metadata)
        for item in params.cell_text_documents:
            ls.documents[item.uri] = TextDocument(item.uri, item.text, item.version,
                                                  item.language_id, notebook.uri)
        ls.schedule(notebook.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: NumlintServer,
                        params: lsp.DidChangeNotebookDocumentParams) -> None:
        notebook = ls.notebooks.get(params.notebook_document.uri)
        if notebook is None:
            return
        notebook.version = params.notebook_document.version
        change = params.change
        if change.metadata is not None:
            notebook.metadata = change.metadata
        cells = change.cells
        if cells is not None:
            if cells.structure is not None:
                array = cells.structure.array
                new = [(int(cell.kind), cell.document) for cell in array.cells or []]
                removed = notebook.cells[array.start:array.start + array.delete_count]
                notebook.cells[array.start:array.start + array.delete_count] = new
                for item in cells.structure.did_open or []:
                    ls.documents[item.uri] = TextDocument(item.uri, item.text, item.version,
                                                          item.language_id, notebook.uri)
                for closed in cells.structure.did_close or []:
                    ls.documents.pop(closed.uri, None)
                    ls.clear(closed.uri)
                for _, uri in removed:
                    if uri not in {u for _, u in notebook.cells}:
                        ls.clear(uri)
            for data in cells.data or []:
                for k, (_, uri) in enumerate(notebook.cells):
                    if uri == data.document:
                        notebook.cells[k] = (int(data.kind), uri)
            for content in cells.text_content or []:
                document = ls.documents.get(content.document.uri)
                if document is not None:
                    document.apply(content.changes, ls.encoding)
                    document.version = content.document.version
        ls.schedule(notebook.uri, ls.debounce)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: NumlintServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls.notebooks:
            ls.schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: NumlintServer, params: lsp.DidCloseNotebookDocumentParams) -> None:
        notebook = ls.notebooks.pop(params.notebook_document.uri, None)
        task = ls.tasks.pop(params.notebook_document.uri, None)
        if task is not None:
            task.cancel()
        ls.results.pop(params.notebook_document.uri, None)
        for _, uri in notebook.cells if notebook is not None else []:
            ls.documents.pop(uri, None)
            ls.clear(uri)
        for item in params.cell_text_documents:
            ls.documents.pop(item.uri, None)
            ls.clear(item.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: NumlintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if params.changes:
            ls.invalidate()

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll,
                           FIX_ALL], resolve_provider=False))
    async def code_action(ls: NumlintServer,
                          params: lsp.CodeActionParams) -> Optional[List[lsp.CodeAction]]:
        uri = params.text_document.uri
        target = ls.target_of(uri)
        if target is None:
            return None
        try:
            analysis = await ls.analysis(target)
            if analysis is None or analysis.skipped is not None:
                return []
            only = [str(kind) for kind in params.context.only] if params.context.only \
                else None
            return await ls.run(lambda: code_actions(analysis, uri, params.range, only))
        except Exception as exc:
            ls.log(f"numlint failed on {uri} (code actions): {type(exc).__name__}: {exc}\n"
                   + traceback.format_exc(), lsp.MessageType.Error)
            return []

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: NumlintServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        uri = params.text_document.uri
        target = ls.target_of(uri)
        if target is None:
            return None
        try:
            analysis = await ls.analysis(target)
            if analysis is None:
                return None
            return await ls.run(lambda: hover(analysis, uri, params.position))
        except Exception as exc:
            ls.log(f"numlint failed on {uri} (hover): {type(exc).__name__}: {exc}\n"
                   + traceback.format_exc(), lsp.MessageType.Error)
            return None

    return server


def serve(debounce_ms: int = DEFAULT_DEBOUNCE_MS) -> int:
    """Run the server on stdin/stdout until the client says `exit`; the exit status: 0 after
    `shutdown` then `exit`, 1 if the client went away (or said `exit`) without `shutdown`."""
    server = build_server(debounce_ms)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Nothing else may write to the protocol's stream: a stray print goes to stderr.
    sys.stdout = sys.stderr
    try:
        server.start_io(stdin, stdout)
    finally:
        server.worker.shutdown(wait=False, cancel_futures=True)
    return 0 if server.shut_down else 1
