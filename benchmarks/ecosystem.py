#!/usr/bin/env python3
"""Ecosystem check: numlint over pinned releases of real ML and scientific packages.

numlint's counterpart of Ruff's ecosystem check, for precision: on mature, well-reviewed code
each finding is a real hazard or a false positive to fix. Downloads each package of PACKAGES
with pip (a wheel for any platform, else the sdist), keeps its .py files in a cache, checks them
in-process with numlint's Python API, and prints files and lines checked, findings per package
and rule (NL9xx included), numlint crashes and timings.

Usage (from any directory, with numlint installed, e.g. `pip install -e .`):

    python benchmarks/ecosystem.py                          # every package
    python benchmarks/ecosystem.py --packages jax,scipy --select NL1
    python benchmarks/ecosystem.py --details > triage.txt   # every finding with its source
    python benchmarks/ecosystem.py --offline --json findings.json

Options (details in --help): --packages A,B, --corpus DIR (default benchmarks/.corpus/ecosystem,
gitignored: one <name>-<version>/ per package), --select CODES, --json OUT, --details (every
finding with the 3 source lines around it, for triage), --offline (use the corpus only).

A package that cannot be downloaded is reported and skipped. Progress goes to stderr, the
report to stdout. Exit status: 0, or 1 if numlint raised an exception or reported NL905
(internal error: a numlint bug) on some file, or 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

# Latest release on PyPI for Python 3.11 when pinned. Bump deliberately: findings change.
PACKAGES = {
    "pytorch-lightning": "2.6.6",
    "flax": "0.12.8",
    "dm-haiku": "0.0.17",
    "tensorflow-probability": "0.25.0",
    "pymc": "5.28.5",
    "chainer": "7.8.1",          # sdist only
    "espnet": "202511",
    "fairseq": "0.12.2",         # wheels for CPython 3.6-3.8 only (and an sdist that needs torch)
    "skorch": "1.4.0",
    "dgl": "2.1.0",              # platform wheels
    "jax": "0.10.2",
    "scipy": "1.17.1",           # platform wheels
    "torchvision": "0.29.2",     # platform wheels
    "gluonts": "0.17.0",
}
# Packages whose wheels are for another Python than 3.11 (we only read their .py files).
WHEEL_PYTHON = {"fairseq": "3.8"}
PLATFORMS = ("manylinux1_x86_64", "manylinux2014_x86_64", "manylinux_2_28_x86_64")
DEFAULT_CORPUS = Path(__file__).resolve().parent / ".corpus" / "ecosystem"
MARKER = ".artifact"  # written last: a directory without it is an interrupted extraction


@dataclass
class Package:
    name: str
    version: str
    artifact: str = ""
    error: str = ""                      # why it could not be checked
    files: int = 0
    lines: int = 0
    seconds: float = 0.0
    findings: List = field(default_factory=list)   # numlint Diagnostics
    crashes: List[Tuple[str, str]] = field(default_factory=list)  # (path, traceback)
    sources: Dict[str, bytes] = field(default_factory=dict)  # path -> bytes, files with findings
    slowest: List[Tuple[float, str]] = field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def display(path: Path) -> str:
    """Relative to the working directory when inside it, so that editors can open it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


# -- download and unpack ----------------------------------------------------------------------

def pip_download(name: str, version: str, dest: Path) -> Path:
    """Download `name==version` into `dest` and return the file; raise RuntimeError if no
    attempt works. A wheel for this interpreter, then a pinned wheel for any platform, then
    the sdist."""
    python = WHEEL_PYTHON.get(name, "3.11")
    targets = ["--implementation", "cp", "--python-version", python]
    targets += [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    attempts = [["--only-binary", ":all:"], ["--only-binary", ":all:", *targets],
                ["--no-binary", ":all:", "--use-pep517"]]
    # Exact pins with --no-deps: the user's pip constraints can only make this fail (a cap on
    # torchvision, say), so they are replaced by one that lets old setup.py files, which import
    # pkg_resources, build the metadata pip needs to download an sdist. `--use-pep517` builds
    # it in an isolated environment, where the constraint applies: without it pip runs an sdist
    # that has no pyproject.toml (chainer's) with the running environment's setuptools, which
    # no longer has pkg_resources from version 81 on.
    constraints = dest / "constraints.txt"
    constraints.write_text("setuptools<81\n")
    env = dict(os.environ, PIP_CONSTRAINT=str(constraints), PIP_DISABLE_PIP_VERSION_CHECK="1")
    errors = []
    for extra in attempts:
        out = dest / "out"
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--dest", str(out), *extra, f"{name}=={version}"]
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(str(exc))
            continue
        found = sorted(out.iterdir()) if out.is_dir() else []
        if done.returncode == 0 and found:
            return found[0]
        lines = [l for l in done.stderr.splitlines() if l.startswith("ERROR")]
        errors.append((lines or done.stderr.strip().splitlines() or [""])[-1][:200]
                      or f"pip exited with {done.returncode}")
    raise RuntimeError("; ".join(dict.fromkeys(errors)))


def python_members(archive: Path) -> Iterator[Tuple[str, bytes]]:
    """(relative path, content) of each .py file in a wheel, zip or tar sdist."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.filename.endswith(".py"):
                    yield info.filename, zf.read(info)
        return
    with tarfile.open(archive) as tf:
        for member in tf:
            if member.isfile() and member.name.endswith(".py"):
                yield member.name, tf.extractfile(member).read()


def fetch(package: Package, corpus: Path) -> Path:
    """The package's directory in the corpus, downloaded and unpacked if missing."""
    root = corpus / f"{package.name}-{package.version}"
    if (root / MARKER).is_file():
        package.artifact = (root / MARKER).read_text().strip()
        return root
    log(f"downloading {package.name}=={package.version} ...")
    corpus.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=corpus, prefix=".download-") as tmp:
        archive = pip_download(package.name, package.version, Path(tmp))
        unpacked = Path(tmp) / "unpacked"
        sdist = not archive.name.endswith(".whl")
        for name, data in python_members(archive):
            parts = Path(name).parts[1:] if sdist else Path(name).parts  # sdist: drop name-ver/
            if not parts or Path(name).is_absolute() or ".." in parts:
                continue
            target = unpacked.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        unpacked.mkdir(exist_ok=True)
        (unpacked / MARKER).write_text(archive.name + "\n")
        if root.exists():  # an interrupted extraction
            shutil.rmtree(root)
        unpacked.rename(root)
    package.artifact = archive.name
    return root


# -- check ------------------------------------------------------------------------------------

PROJECT = True  # --single-file: each file on its own (no first-party summaries)


def check(package: Package, root: Path, config) -> None:
    from numlint import check_source
    from numlint.run.project import ProjectIndex
    # Whole-project analysis: the package's files are modules below its unpacked root (and
    # `src/`), so a network defined in one module is seen where another trains it.
    project = ProjectIndex([str(root), str(root / "src")]) if PROJECT else None
    for path in sorted(p for p in root.rglob("*.py") if p.is_file()):
        shown = display(path)
        data = path.read_bytes()
        package.files += 1
        package.lines += data.count(b"\n") + (not data.endswith(b"\n") and bool(data))
        start = time.perf_counter()
        try:
            found = check_source(data, shown, config, project)
        except Exception:  # a numlint crash must not stop the run: report it
            found = []
            package.crashes.append((shown, traceback.format_exc()))
        elapsed = time.perf_counter() - start
        package.seconds += elapsed
        package.slowest = sorted(package.slowest + [(elapsed, shown)], reverse=True)[:3]
        if found:
            package.findings.extend(found)
            package.sources[shown] = data


# -- report -----------------------------------------------------------------------------------

def source_text(data: bytes):
    """The decoded source (numlint's rows and columns refer to it), or None."""
    from numlint.engine.source import SourceText
    try:
        return SourceText.from_bytes(data)
    except Exception:  # undecodable or binary (reported as NL903/NL904): no source to show
        return None


def print_details(packages: List[Package]) -> None:
    """Every finding as `path:line:col CODE message` and the lines before, at and after it."""
    for package in packages:
        texts: Dict[str, object] = {}
        for d in package.findings:
            print(f"{d.path}:{d.start.row}:{d.start.column} {d.code} {d.message}")
            if d.path not in texts:
                texts[d.path] = source_text(package.sources[d.path])
            text, row = texts[d.path], d.start.row
            for line in range(max(1, row - 1), min(row + 1, text.line_count() if text else 0) + 1):
                print(f"  {'>' if line == row else ' '}{line:6} | {text.line(line)}")
            print()


def print_summary(packages: List[Package], download_seconds: float, wall: float) -> None:
    """One row per package: files, lines, check time and findings per rule; then totals."""
    from numlint import __version__
    checked = [p for p in packages if not p.error]
    print(f"numlint {__version__}: {len(checked)}/{len(packages)} packages checked\n")
    names = {d.code: d.name for p in checked for d in p.findings}
    codes = sorted(names)
    print(f"{'package':24}{'version':>9} {'artifact':>8}{'files':>7}{'lines':>11}{'check s':>9}"
          + "".join(f"{c:>7}" for c in codes) + f"{'total':>7}")
    for p in packages:
        if p.error:
            print(f"{p.name:24}{p.version:>9}  NOT CHECKED: {p.error}")
            continue
        counts = Counter(d.code for d in p.findings)
        kind = "wheel" if p.artifact.endswith(".whl") else "sdist"
        print(f"{p.name:24}{p.version:>9} {kind:>8}{p.files:>7}{p.lines:>11,}{p.seconds:>9.1f}"
              + "".join(f"{counts[c]:>7}" for c in codes) + f"{len(p.findings):>7}")
    files, lines = sum(p.files for p in checked), sum(p.lines for p in checked)
    seconds = sum(p.seconds for p in checked)
    counts = Counter(d.code for p in checked for d in p.findings)
    print(f"{'total':24}{'':>9} {'':>8}{files:>7}{lines:>11,}{seconds:>9.1f}"
          + "".join(f"{counts[c]:>7}" for c in codes) + f"{sum(counts.values()):>7}")
    print("\nRules: " + ("; ".join(f"{c} {names[c]} {counts[c]}" for c in codes) or "no findings"))

    internal = [d for p in checked for d in p.findings if d.code == "NL905"]
    crashes = [(path, tb) for p in checked for path, tb in p.crashes]
    print(f"numlint bugs: {len(internal)} NL905 internal error(s), {len(crashes)} crash(es)")
    for d in internal:
        print(f"  NL905 {d.path}: {d.message}")
    for path, tb in crashes:
        print(f"  CRASH {path}: {tb.strip().splitlines()[-1]}")
    slowest = sorted((s for p in checked for s in p.slowest), reverse=True)[:3]
    if slowest:
        print("Slowest files: " + ", ".join(f"{path} {t:.2f}s" for t, path in slowest))
    rate = lines / seconds if seconds else 0.0
    print(f"Time: check {seconds:.1f}s ({rate:,.0f} lines/s), download and unpack "
          f"{download_seconds:.1f}s, wall {wall:.1f}s")


def write_json(out: Path, packages: List[Package], select) -> None:
    """Everything, for tools: per package counts, findings (Ruff's shape), crashes."""
    from numlint import __version__
    from numlint.cli.output.json_format import diagnostic_to_json
    findings = []
    for p in packages:
        texts = {path: source_text(data) for path, data in p.sources.items()}
        findings += [dict(diagnostic_to_json(d, texts[d.path]), package=p.name)
                     for d in p.findings]
    document = {
        "numlint_version": __version__, "select": list(select) if select else None,
        "packages": [{"name": p.name, "version": p.version, "artifact": p.artifact,
                      "error": p.error or None, "files": p.files, "lines": p.lines,
                      "seconds": round(p.seconds, 3), "findings": len(p.findings)}
                     for p in packages],
        "findings": findings,
        "crashes": [{"package": p.name, "filename": path, "traceback": tb}
                    for p in packages for path, tb in p.crashes],
    }
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--packages", metavar="A,B", help="only these packages (names as in PACKAGES)")
    add("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="DIR",
        help="the cache: one <name>-<version>/ per package (default: %(default)s)")
    add("--select", metavar="CODES", help="rule codes or prefixes, as `numlint check --select`")
    add("--json", type=Path, metavar="OUT",
        help="write packages, findings (Ruff's JSON shape plus `package`) and crashes to OUT")
    add("--details", action="store_true", help="print every finding with 3 lines of source")
    add("--offline", action="store_true", help="download nothing; use the corpus as it is")
    add("--single-file", action="store_true",
        help="check each file on its own, without the summaries of the package's other modules")
    args = parser.parse_args(argv)
    global PROJECT
    PROJECT = not args.single_file
    try:
        from numlint import Config
        from numlint.run.config import ConfigError
    except ImportError:
        parser.error("numlint is not importable: `pip install -e .` from the repository first")
    names = [n.strip() for n in (args.packages or ",".join(PACKAGES)).split(",") if n.strip()]
    unknown = [n for n in names if n not in PACKAGES]
    if unknown:
        parser.error(f"unknown package(s) {', '.join(unknown)}; known: {', '.join(PACKAGES)}")
    select = tuple(c.strip().upper() for c in args.select.split(",")) if args.select else None
    try:  # only our selection: no pyproject.toml found around the corpus applies
        config = Config().with_overrides(select=select)
    except ConfigError as exc:
        parser.error(str(exc))

    wall = time.perf_counter()
    download_seconds = 0.0
    packages = [Package(n, PACKAGES[n]) for n in names]
    for package in packages:
        started = time.perf_counter()
        root = args.corpus / f"{package.name}-{package.version}"
        try:
            if args.offline and not (root / MARKER).is_file():
                raise RuntimeError(f"not in the corpus ({root}) and --offline")
            root = fetch(package, args.corpus)
        except Exception as exc:  # report and go on with the other packages
            package.error = str(exc) or type(exc).__name__
            log(f"{package.name}: {package.error}")
            continue
        finally:
            download_seconds += time.perf_counter() - started
        log(f"checking {package.name}=={package.version} ({package.artifact}) ...")
        check(package, root, config)

    if args.details:
        print_details(packages)
    print_summary(packages, download_seconds, time.perf_counter() - wall)
    if args.json:
        write_json(args.json, packages, select)
        log(f"wrote {args.json}")
    bugs = any(p.crashes or any(d.code == "NL905" for d in p.findings) for p in packages)
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
