"""Checking many files: the cache, a process pool, and progress.

`check_files` takes the discovered files (each with its configuration) and returns one
`FileResult` per file, in the order given (output is deterministic whatever the scheduling).
Check runs look each file up in the cache first (`numlint.run.cache`); the files left are checked
in a pool of processes (`--jobs`, default: the usable cores), biggest first so that one large
file does not finish last, or in this process when there are only a few or little to check.
Fixes run in the pool too: every file is fixed and written independently. Nothing but the
results crosses back from a worker; no tree outlives its file.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import stat
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from numlint.engine.settings import Config
from numlint.run.notebook import is_notebook
from numlint.run.mode import CHECK, Mode
from numlint.run.project import forget as forget_projects
from numlint.run.project import drain_all, index_for, use_store
from numlint.run.report import FileResult, bytes_digest
from numlint.engine.check import meta_diagnostic
from numlint.run.runner import cached_notebook_result, display_path, process_file

# Below these, a pool costs more than it saves.
MIN_FILES = 8
MIN_BYTES = 256 * 1024
CHUNK_FILES = 4
# Show a progress bar (on a terminal) from this many files to check.
PROGRESS_FILES = 100

Task = Tuple[int, str, int]  # (index, path, configuration index)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_files(files: Sequence[Tuple[Path, Config]], mode: Mode = CHECK, *,
                jobs: Optional[int] = None, cache=None,
                progress: Optional[bool] = None) -> List[FileResult]:
    """Check (or fix, per `mode`) `files`; results in the same order. `cache` (a
    `numlint.run.cache.Cache`) is used in check mode only. `progress`: None shows a bar on a
    terminal for long runs."""
    forget_projects()  # summaries are computed afresh by every run (files may have changed)
    if cache is not None and not mode.fixing:
        use_store(cache)
    results: List[Optional[FileResult]] = [None] * len(files)
    keys: List[Optional[str]] = [None] * len(files)
    use_cache = cache is not None and not mode.fixing
    pending: List[int] = []
    sizes = {}
    for index, (path, config) in enumerate(files):
        hit = _from_cache(cache, path, config, keys, index) if use_cache else None
        if hit is not None:
            hit.release_source(path, mode)  # the text is read back if the output shows it
            results[index] = hit
            continue
        pending.append(index)
        try:
            sizes[index] = os.stat(path).st_size
        except OSError:
            sizes[index] = 0

    configs: List[Config] = []
    config_index = {}
    tasks: List[Task] = []
    for index in pending:
        config = files[index][1]
        if id(config) not in config_index:
            config_index[id(config)] = len(configs)
            configs.append(config)
        tasks.append((index, str(files[index][0]), config_index[id(config)]))

    jobs = default_jobs() if jobs is None or jobs <= 0 else jobs
    largest = max((c.max_file_size for c in configs), default=0)
    total = sum(min(sizes[i], largest) for i in pending)
    parallel = jobs > 1 and len(tasks) >= MIN_FILES and total >= MIN_BYTES
    show = progress if progress is not None else (len(tasks) >= PROGRESS_FILES
                                                  and sys.stderr.isatty())
    with _Progress(len(tasks), show) as bar:
        if parallel:
            tasks.sort(key=lambda t: -sizes[t[0]])
            for index, result in _run_pool(tasks, configs, jobs, mode):
                _settle(result, files[index][0], mode, use_cache)
                results[index] = result
                bar.advance()
        else:
            _init_worker(configs, mode)
            for task in tasks:
                index, result = _work(task)
                _settle(result, files[index][0], mode, use_cache)
                results[index] = result
                bar.advance()
    if use_cache:
        for index in pending:
            key, result = keys[index], results[index]
            if key is not None and result is not None:
                cache.put(key, result.diagnostics, result.dependencies)
        computed = [s for result in results if result for s in result.summaries]
        for module, content, summary, dependencies in computed + drain_all():
            cache.put_summary(content, module, summary, dependencies)
        cache.save()
    return results  # type: ignore[return-value]


def _settle(result: FileResult, path: Path, mode: Mode, use_cache: bool) -> None:
    """What a result keeps until the report is written: not its text, where the file holds
    it (`FileResult.release_source`), nor, without a cache, what only the cache needs (the
    summaries read and computed while checking: a run over thousands of files held them for
    every file)."""
    result.release_source(path, mode)
    if not use_cache:
        result.dependencies.clear()
        result.summaries.clear()


def _from_cache(cache, path: Path, config: Config, keys, index) -> Optional[FileResult]:
    """The cached result of `path`, if its content is unchanged; records its key."""
    try:
        status = os.stat(path)
        if status.st_size > config.max_file_size or not stat.S_ISREG(status.st_mode):
            return None  # reported (NL906, NL902) by the checker; a FIFO is never opened
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    shown = display_path(path)
    key = cache.key(data, shown, config)
    keys[index] = key
    diagnostics = cache.get(key)
    if diagnostics is None:
        return None
    dependencies = cache.dependencies(key)
    if dependencies and not index_for(config, str(path)).still_valid(dependencies):
        return None  # a module its findings depend on changed: checked again
    if is_notebook(path):  # numlint/notebook.py: diagnostics refer to the joined code cells
        return cached_notebook_result(data, shown, diagnostics)
    result = FileResult(shown, list(diagnostics))
    if diagnostics:
        digest = _utf8_digest(data)
        if digest is not None:  # the file holds the text: read back if an output shows it
            result.source_file = (os.fspath(path), digest)
        else:
            from numlint.engine.source import SourceText
            try:
                result.source = SourceText.from_bytes(data).text
            except Exception:
                pass
    return result


def _utf8_digest(data: bytes) -> Optional[str]:
    """The digest `FileResult` keeps of the text `data` decodes to, from the bytes alone
    when the file is UTF-8 (its BOM left out): a warm run does not decode each cached file
    only to digest it and drop the text. None for another encoding (the text is decoded).
    Bytes that are not valid UTF-8 get a digest too, never compared: `FileResult.text()`
    fails to decode the file and shows no lines, as when the text was not kept."""
    import codecs
    import io
    import tokenize
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return None
    if encoding == "utf-8-sig":
        data = data[len(codecs.BOM_UTF8):]
    elif encoding != "utf-8":
        return None
    return bytes_digest(data)


# -- the pool -------------------------------------------------------------------------------------

_STATE: Tuple = ()


def _init_worker(configs, mode: Mode) -> None:
    global _STATE
    _STATE = (configs, mode)


def _init_pool_worker(configs, mode: Mode, started=None) -> None:
    # What the worker inherited (modules, rules, the table) lives as long as it does: out of
    # the collector's sight, it is never traversed (nor its pages copied after the fork).
    global _STATE
    gc.freeze()
    _STATE = (configs, mode, started)


def _work(task: Task) -> Tuple[int, FileResult]:
    index, path, config = task
    configs, mode = _STATE[:2]
    with _collecting_per_file():
        result = process_file(Path(path), configs[config], mode)  # never raises: per file
    return index, result


class _collecting_per_file:
    """Python's cyclic garbage collector paused while one file is checked, then run once on
    what the file left.

    A file's syntax tree and model are hundreds of thousands of objects. With automatic
    collection the collector runs every 700 allocations, and its older generations traverse
    every live tree again and again: on the large benchmark tier that was 45% of a cold run.
    Paused, nothing is traversed while the file is checked; the tree is then freed by
    reference counting (`SemanticModel.release()` breaks the model's cycles), and one collection of
    the youngest generation takes what little cyclic garbage is left, so memory returns to
    where it was after every file.
    """

    def __enter__(self):
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        gc.collect(0)
        if self.enabled:
            gc.enable()


def _run_pool(tasks, configs, jobs, mode: Mode):
    """Yield `(index, FileResult)` for every task, checked in a pool of processes.

    A worker that dies (killed by the system when out of memory, or the interpreter crashed)
    takes the file it was checking with it, and multiprocessing's pool would wait for that
    result forever. Each worker records, in memory shared with this process, the file it
    starts; once every file still missing was started by a process that no longer exists, or
    was queued behind it in the same chunk, the pool is stopped: the file being checked is
    reported (NL905) and the files behind it are checked again in a new pool."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    size = 1 if len(tasks) < 64 else CHUNK_FILES
    chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
    started = context.Array("q", max(t[0] for t in tasks) + 1, lock=False)
    missing = {t[0] for t in tasks}
    dead: set = set()
    with context.Pool(min(jobs, len(chunks)), initializer=_init_pool_worker,
                      initargs=(configs, mode, started)) as pool:
        iterator = pool.imap_unordered(_work_chunk, chunks, chunksize=1)
        while missing:
            try:
                results = iterator.next(timeout=POLL_SECONDS)
            except multiprocessing.TimeoutError:
                dead |= {started[i] for i in missing if started[i] and not _alive(started[i])}
                if dead and all(_lost(chunk, missing, started, dead) for chunk in chunks
                                if any(t[0] in missing for t in chunk)):
                    break  # nothing more will come: the rest died with its worker
                continue
            except StopIteration:
                break
            for index, result in results:
                missing.discard(index)
                yield index, result
    if not missing:
        return
    again = []
    for task in tasks:
        index = task[0]
        if index not in missing:
            continue
        if started[index] in dead:
            shown = display_path(Path(task[1]))
            yield index, FileResult(shown, [meta_diagnostic(
                "NL905", shown, "internal error: the process checking this file died (killed "
                                "by the system, for instance out of memory, or crashed)")])
        else:
            again.append(task)
    if again:
        yield from _run_pool(again, configs, jobs, mode)


POLL_SECONDS = 0.5  # how often a pool that returns nothing is checked for dead workers


def _lost(chunk, missing, started, dead) -> bool:
    """Whether the missing files of `chunk` died with a worker: one of them was started by
    a dead process (the ones after it in the chunk were never started)."""
    return any(t[0] in missing and started[t[0]] in dead for t in chunk)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _work_chunk(chunk) -> List[Tuple[int, FileResult]]:
    """`_work` on each task of a chunk, recording in shared memory which file is started."""
    started = _STATE[2]
    pid = os.getpid()
    results = []
    for task in chunk:
        started[task[0]] = pid
        results.append(_work(task))
    return results


class _Progress:
    """A rich progress bar on stderr, or nothing."""

    def __init__(self, total: int, show: bool):
        self.total = total
        self.show = show and total > 0
        self.progress: Any = None  # rich's Progress, imported only when shown
        self.task: Any = None

    def __enter__(self) -> "_Progress":
        if self.show:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)
            self.progress = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), console=Console(file=sys.stderr),
                                     transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("check", total=self.total)
        return self

    def advance(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

