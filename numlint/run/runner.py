"""Checking and fixing files on disk.

Reads bytes (the source's encoding, BOM and newlines are kept exactly), runs the pure per-file
pipeline, and in fix mode writes the result back keeping the file what it was (`write_fixed`):
its mode, owner and group, its hard links, its inode. A file without write permission is
reported (NL902) and not touched. Whatever fails on one file (the parser, the model, a rule,
the fixer, the write) is reported on that file and the run goes on.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path, PurePath

from numlint.engine.check import check_module, fix_source, internal_failure, meta_diagnostic
from numlint.engine.settings import Config
from numlint.engine.diagnostic import Diagnostic
from numlint.run.discovery import describe_os_error
from numlint.run.mode import CHECK, Mode
from numlint.run.project import index_for
from numlint.run.report import FileResult
from numlint.run.notebook import is_notebook, joined_source, lint_notebook
from numlint.engine.fix import unified_diff as line_diff
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
    if isinstance(path, PurePath):  # already in normal form: not parsed again
        return _posix(str(path))
    return Path(path).as_posix()


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def read_source(path: Path, config: Config):
    """The file's `SourceText`, or the NL9xx diagnostic explaining why it cannot be read."""
    shown = display_path(path)
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):  # a FIFO would block the run; a device, worse
            return meta_diagnostic("NL902", shown, "cannot read the file: not a regular file")
        size = status.st_size
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
    mode). Never raises: a failure is reported on the file (NL905), and the others go on."""
    try:
        if is_notebook(path):
            return process_notebook(path, config, mode)
        return _process_module(path, config, mode)
    except Exception as exc:
        shown = display_path(path)
        return FileResult(shown, [internal_failure(shown, "processing the file", exc)])


def _process_module(path: Path, config: Config, mode: Mode) -> FileResult:
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
        file_result.summaries = project.drain()
        return file_result
    result = fix_source(source, shown, config, unsafe=mode.unsafe, project=project)
    file_result = FileResult(shown, result.diagnostics, result.fixed,
                             source=result.source.text if result.diagnostics else None)
    if result.changed:
        file_result.diff = unified_diff(source.text, result.source.text, shown)
        if mode.writes:
            if not _write_fixed(path, result.source.to_bytes(), file_result):
                # Not written: what is reported is the file as it is, unfixed.
                kept = check_module(source, shown, config, project).diagnostics
                file_result.diagnostics = kept + [d for d in file_result.diagnostics
                                                  if d.code == "NL902"]
                file_result.source = source.text
                file_result.diff = ""
    return file_result


def _not_writable(path: Path, shown: str):
    """The NL902 of a file `--fix` must not touch: no write permission (for root too, who the
    system would let write: its mode bits are checked here, as Ruff's refusal to write reads
    them for any other user). None if it may be written."""
    try:
        target = os.path.realpath(path)
        mode = os.stat(target).st_mode
        writable = os.access(target, os.W_OK)
    except OSError as exc:
        return meta_diagnostic("NL902", shown,
                               f"cannot write the fixed file: {describe_os_error(exc)}")
    if writable and mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return None
    return meta_diagnostic("NL902", shown, "not fixed: the file is read-only "
                                           "(no write permission)")


def _write_fixed(path: Path, data: bytes, file_result: FileResult) -> bool:
    """Write a fixed file (`write_fixed`); a failure is reported on the file (NL902)."""
    refused = _not_writable(path, file_result.path)
    if refused is not None:
        file_result.fixed = {}
        file_result.diagnostics.append(refused)
        return False
    try:
        write_fixed(path, data)
        file_result.written = True
        return True
    except OSError as exc:
        file_result.fixed = {}
        file_result.diagnostics.append(meta_diagnostic(
            "NL902", file_result.path,
            f"cannot write the fixed file: {describe_os_error(exc)}"))
        return False


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
        if not _write_fixed(path, fixed, file_result):
            unfixed, _ = notebook_result(data, shown, config, CHECK)
            unfixed.diagnostics += [d for d in file_result.diagnostics if d.code == "NL902"]
            return unfixed
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
    lines = line_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                      f"a/{path}", f"b/{path}")  # difflib's, but linear on big files
    text = ""
    for line in lines:
        text += line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
    return text


def write_fixed(path: Path, data: bytes) -> None:
    """Replace the contents of `path` (through a symlink: of its target) by `data`, keeping
    the file what it was: its mode, owner, group and extended attributes (ACLs), its hard
    links. Raises `OSError`, the file untouched, if it cannot be written; `PermissionError`
    if it has no write permission (root too: its mode bits are read here).

    * Usually atomically (`write_atomic`): a temporary file beside it, given the file's
      mode, owner, group and extended attributes, synced, then renamed over it. A reader
      sees the old text or the new, never a part.
    * In place (`write_in_place`) when a new file cannot be made the same: the file has
      other hard links (a rename would leave them the old text), or its owner, group or
      attributes cannot be given to a new file (another user's file in a group-writable
      project), or the directory is not writable. Crash-safe: the old text is first written
      and synced to a backup beside the file (in the system's temporary directory if the
      file's is not writable), removed once the new text is synced; a crash in between leaves
      the backup, `.NAME.XXXX.numlint-backup`, to restore from.
    """
    target = Path(os.path.realpath(path))
    status = os.stat(target)
    if not os.access(target, os.W_OK) or not status.st_mode & _WRITE_BITS:
        raise PermissionError(errno.EACCES, "the file is read-only (no write permission)",
                              str(path))
    try:
        replaced = status.st_nlink == 1 and write_atomic(target, data, status)
    except PermissionError:  # the directory is not writable (the file is): as Ruff, in place
        replaced = False
    if not replaced:
        write_in_place(target, data)


_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def write_atomic(path: Path, data: bytes, status: "os.stat_result | None" = None) -> bool:
    """Replace `path` by a new file holding `data`, made like it (mode, owner, group,
    extended attributes), by a rename. False, nothing changed, if the new file cannot be
    made like it; `OSError` if it cannot be written at all."""
    target = Path(path)
    status = status or os.stat(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".numlint")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            made = _same_metadata(stream.fileno(), target, status)
            if made:
                os.fsync(stream.fileno())
        if not made:
            os.unlink(temporary)
            return False
        os.replace(temporary, target)
        return True
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _same_metadata(fd: int, target: Path, status: os.stat_result) -> bool:
    """Give the open file `fd` the owner, group, mode and extended attributes of `target`;
    False if the process may not."""
    try:
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (status.st_uid, status.st_gid):
            os.fchown(fd, status.st_uid, status.st_gid)
        os.fchmod(fd, stat.S_IMODE(status.st_mode))  # after chown, which clears set-id bits
    except PermissionError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EINVAL):
            return False
        raise
    try:
        names = os.listxattr(target)
    except (AttributeError, OSError):  # not supported here: there are none to keep
        return True
    try:
        for name in names:
            os.setxattr(fd, name, os.getxattr(target, name))
    except OSError:
        return False
    return True


def write_in_place(target: Path, data: bytes) -> None:
    """Overwrite `target` with `data` in place (its inode, links, owner and attributes kept),
    after a synced backup of its text beside it; the backup is removed once the new text is
    synced. If the write fails the old text is written back, and the error raised."""
    with open(target, "rb") as handle:
        original = handle.read()
    try:
        handle_fd, backup = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".numlint-backup")
    except PermissionError:  # a directory we may not write in: the backup goes to /tmp
        handle_fd, backup = tempfile.mkstemp(prefix=f".{target.name}.",
                                             suffix=".numlint-backup")
    try:
        with os.fdopen(handle_fd, "wb") as stream:
            stream.write(original)
            stream.flush()
            os.fsync(stream.fileno())
        _sync_directory(Path(backup).parent)
    except BaseException:
        _unlink_quietly(backup)
        raise
    try:
        _overwrite(target, data)
    except OSError as exc:
        try:
            _overwrite(target, original)
        except OSError:
            raise OSError(exc.errno, f"{exc.strerror or exc}; the original text is in "
                                     f"{backup}") from exc
        _unlink_quietly(backup)
        raise
    _unlink_quietly(backup)


def _overwrite(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
