"""The site-packages sweep: every `.py` of the `verify` extra's distributions and what they
require (torch, TensorFlow, JAX, SciPy, Keras, SymPy, NumPy, ... about 11,000 files) is
checked and fixed (in memory, then a copy on disk through the command line) with the fuzz
tests' invariants (`tests/test_fuzz.py`): no internal error, no exception, every fixed file
parses (and compiles if it did), a second fix changes nothing, the same findings cold, warm,
without the cache, with one job and with two.

Minutes of CPU: it runs only with `NUMLINT_FUZZ=long`. Figures (files, bytes, time, peak
memory, the slowest files) are printed; each failure is logged to NUMLINT_FUZZ_LOG.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import re
import resource
import shutil
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from test_fuzz import LOG, cli_violations, long_only, violations

VERIFY = ("numpy", "scipy", "torch", "jax", "jaxlib", "tensorflow-cpu", "keras", "optax",
          "mpmath")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def verify_files() -> Dict[str, List[Tuple[Path, Path]]]:
    """Per installed distribution of the verify extra's closure: (file, its path relative to
    site-packages) of each `.py` file it installed."""
    from packaging.requirements import Requirement
    seen: Dict[str, List[Tuple[Path, Path]]] = {}
    stack = list(VERIFY)
    while stack:
        name = stack.pop()
        if _normal(name) in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            seen[_normal(name)] = []
            continue
        files = []
        for entry in distribution.files or ():
            if str(entry).endswith(".py"):
                located = Path(str(distribution.locate_file(entry)))
                if located.is_file():
                    files.append((located, Path(str(entry))))
        seen[_normal(name)] = files
        for text in distribution.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                stack.append(requirement.name)
    return {name: files for name, files in seen.items() if files}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.slow
@long_only
def test_sweep_site_packages_in_memory():
    packages = verify_files()
    total = sum(len(files) for files in packages.values())
    assert total > 5000, "the verify extra is not installed"
    failures: List[dict] = []
    slowest: List[Tuple[float, str]] = []
    size = 0
    started = time.process_time()
    for name, files in sorted(packages.items()):
        for path, _ in files:
            data = path.read_bytes()
            size += len(data)
            before = time.process_time()
            problems = violations(data, str(path))
            slowest.append((time.process_time() - before, str(path)))
            if problems:
                failures.append({"file": str(path), "problems": problems})
                with LOG.open("a", encoding="utf-8") as log:
                    log.write(json.dumps({"kind": "sweep", "file": str(path),
                                          "problems": problems}) + "\n")
    elapsed = time.process_time() - started
    slowest.sort(reverse=True)
    print(f"\nsweep: {len(packages)} distributions, {total} files, {size / 1e6:.1f} MB, "
          f"{elapsed:.0f} s CPU (check, fix, fix --unsafe-fixes, each fix twice), "
          f"peak RSS {_peak_mb():.0f} MB, {len(failures)} failing files")
    for seconds, path in slowest[:10]:
        print(f"  {seconds:7.2f} s  {path}")
    for failure in failures:
        print(f"FAIL {failure['file']}: {failure['problems'][0][:500]}")
    assert not failures, f"{len(failures)} files fail, see {LOG}"


@pytest.mark.slow
@long_only
def test_sweep_site_packages_command_line(tmp_path):
    packages = verify_files()
    tree = tmp_path / "site"
    count = 0
    for files in packages.values():
        for path, relative in files:
            target = tree / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            count += 1
    started = time.time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    problems = cli_violations(tree, tmp_path)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    # The peak of the biggest process the runs started (a command line or one of its
    # workers): the kernel keeps the largest of the children waited for.
    print(f"\nsweep through the command line: {count} files, 6 runs in "
          f"{time.time() - started:.0f} s wall, {cpu:.0f} s CPU, peak RSS of a process "
          f"{after.ru_maxrss / 1024:.0f} MB")
    for problem in problems:
        print(f"FAIL {problem[:2000]}")
    if problems:
        with LOG.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"kind": "sweep-cli", "problems": problems}) + "\n")
    assert not problems
