"""Checking and fixing files on disk.

Reads bytes (the source's encoding, BOM and newlines are kept exactly), runs the pure per-file
pipeline, and in fix mode writes the result atomically: a temporary file in the same directory,
then a rename over the original (through a symlink, to its target), keeping its permissions.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from pathlib import Path

from numlint.engine.check import check_module, fix_source, meta_diagnostic
from numlint.engine.settings import Config
from numlint.engine.diagnostic import Diagnostic
from numlint.run.discovery import describe_os_error
from numlint.run.mode import CHECK, Mode
from numlint.run.project import index_for
from numlint.run.report import FileResult
from numlint.run.notebook import is_notebook, joined_source, lint_notebook
from numlint.engine.source import BinaryFileError, DecodeError, SourceText


def display_path(path: Path) -> str:
    """The path as the user should see it: relative to the working directory if inside it."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd:
        return "."
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    if absolute.startswith(prefix):  # string work: this runs for every file of a run
        return _posix(absolute[len(prefix):])
    return Path(path).as_posix()


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def read_source(path: Path, config: Config):
    """The file's `SourceText`, or the NL9xx diagnostic explaining why it cannot be read."""
    shown = display_path(path)
    try:
        size = os.stat(path).st_size
        if size > config.max_file_size:
            return meta_diagnostic(
                "NL906", shown, f"file too large ({size:,} bytes > max-file-size "
                                f"{config.max_file_size:,}): skipped")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return meta_diagnostic("NL902", shown, f"cannot read the file: {describe_os_error(exc)}")
    try:
        return SourceText.from_bytes(data)
    except BinaryFileError as exc:
        return meta_diagnostic("NL904", shown, f"binary file: {exc}")
    except DecodeError as exc:
        return meta_diagnostic("NL903", shown, f"cannot decode the file: {exc}")


def process_file(path: Path, config: Config, mode: Mode = CHECK) -> FileResult:
    """Check one file; in fix and diff modes apply the fixes (and write them back in fix
    mode)."""
    if is_notebook(path):
        return process_notebook(path, config, mode)
    shown = display_path(path)
    source = read_source(path, config)
    if isinstance(source, Diagnostic):
        return FileResult(shown, [source])
    project = index_for(config, str(path))
    if not mode.fixing:
        checked = check_module(source, shown, config, project)
        diagnostics = checked.diagnostics
        file_result = FileResult(shown, diagnostics, source=source.text if diagnostics else None,
                                 dependencies=checked.dependencies)
        name = project.module_of(str(path))
        if checked.summary is not None and name is not None:
            project.remember(name[0], source.to_bytes(), checked.summary, checked.dependencies)
        file_result.summaries = project.drain()
        return file_result
    result = fix_source(source, shown, config, unsafe=mode.unsafe, project=project)
    file_result = FileResult(shown, result.diagnostics, result.fixed,
                             source=result.source.text if result.diagnostics else None)
    if result.changed:
        file_result.diff = unified_diff(source.text, result.source.text, shown)
        if mode.writes:
            _write_fixed(path, result.source.to_bytes(), file_result)
    return file_result


def _write_fixed(path: Path, data: bytes, file_result: FileResult) -> None:
    """Write a fixed file atomically; a failure is reported on the file (NL902)."""
    try:
        write_atomic(path, data)
        file_result.written = True
    except OSError as exc:
        file_result.fixed = {}
        file_result.diagnostics.append(meta_diagnostic(
            "NL902", file_result.path,
            f"cannot write the fixed file: {describe_os_error(exc)}"))


def process_notebook(path: Path, config: Config, mode: Mode = CHECK) -> FileResult:
    """`process_file` for a Jupyter notebook (numlint/notebook.py): only the sources of the
    changed cells are written back; an unchanged notebook is not rewritten."""
    shown = display_path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return FileResult(shown, [meta_diagnostic(
            "NL902", shown, f"cannot read the file: {describe_os_error(exc)}")])
    file_result, fixed = notebook_result(data, shown, config, mode)
    if fixed is not None and mode.writes:
        _write_fixed(path, fixed, file_result)
    return file_result


def notebook_result(data: bytes, shown: str, config: Config, mode: Mode = CHECK):
    """The `FileResult` of a notebook's bytes, and its fixed bytes if fixes changed it."""
    result = lint_notebook(data, shown, config, fix=mode.fixing, unsafe=mode.unsafe)
    kept = bool(result.diagnostics)
    file_result = FileResult(shown, result.diagnostics, result.fixed,
                             source=result.source if kept else None,
                             cells=result.index if kept else None)
    if not result.changed:
        return file_result, None
    file_result.diff = result.diff(shown)
    return file_result, result.to_bytes()


def cached_notebook_result(data: bytes, shown: str, diagnostics) -> FileResult:
    """The `FileResult` of a notebook whose diagnostics come from the cache: the text they
    refer to is the notebook's joined code cells (not its JSON), with the cell index."""
    source, cells = joined_source(data) if diagnostics else (None, None)
    return FileResult(shown, list(diagnostics), source=source, cells=cells)


def unified_diff(before: str, after: str, path: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    text = ""
    for line in lines:
        text += line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
    return text


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the contents of `path` by `data` atomically, keeping its permissions."""
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(os.stat(target).st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".numlint")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise

