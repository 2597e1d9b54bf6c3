#!/usr/bin/env python3
"""Memory: numlint's peak on one file against CPython's own `ast.parse` of it.

Every measure runs in a fresh interpreter (`--child`), so nothing one file allocated is
counted for the next: the interpreter imports what the operation needs, warms it up on a small
module (numlint's rules, model and table are loaded), reads the file, and only then measures
the operation, two ways in two separate processes:

* **tracemalloc**: the peak of memory allocated by Python during the operation
  (`tracemalloc.get_traced_memory()`), started after the file was read;
* **RSS**: the growth of the process's peak resident set during the operation (the kernel's
  high-water mark `VmHWM`, reset through `/proc/self/clear_refs` just before, minus the
  resident set then), which also counts what C code allocates.

Operations: `parse` (`ast.parse` of the decoded text), `check` (`numlint.check_source` with
the default rules), `fix` (`numlint.fix_source`, safe fixes). Files: generated modules from 1
KB to 5 MB, made of the rule examples' code with hazards (`bad` examples) and without (`good`
examples, which the prefilter lets through: the model is built), and the biggest real files of
the installed site-packages. `--tier DIR` measures `numlint check DIR --no-cache --jobs 1`
(`--jobs`, `--format`) on growing prefixes of a tree's files (peak RSS of the process or of
its biggest worker, from `wait4`): is the peak flat in the number of files?

    python benchmarks/memory.py                       # sizes, real files (a table)
    python benchmarks/memory.py --sizes 1e3,1e5 --real 0
    python benchmarks/memory.py --sizes 5e5,1e6,2e6,5e6 --kinds hazards --real 0 --ways rss
    python benchmarks/memory.py --tier /work/measure/perf/tree-large --sizes ''
    python benchmarks/memory.py --top FILE            # what holds memory at the check's peak

CPU-bound and single-threaded: the figures do not depend on the machine's load, only on the
Python version (CPython 3.11 for the tables in benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
OPERATIONS = ("parse", "check", "fix")
DEFAULT_SIZES = "1e3,1e4,1e5,1e6,5e6"


# -- the child: one operation on one file, measured one way ------------------------------------

def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _hwm_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def child(operation: str, how: str, path: str) -> Dict[str, float]:
    import ast
    import gc
    import tracemalloc
    warm = "import numpy as np\n\ndef f(x):\n    return np.log(np.sum(np.exp(x)))\n"
    if operation == "parse":
        def run(data: bytes) -> None:
            from numlint.engine.source import decode_source
            text = decode_source(data)[0]
            ast.parse(text)
    else:
        from numlint.engine.check import check_source, fix_source
        if operation == "check":
            def run(data: bytes) -> None:
                check_source(data, path)
        else:
            def run(data: bytes) -> None:
                fix_source(data, path)
    run(warm.encode())
    data = Path(path).read_bytes()
    gc.collect()
    cpu = time.process_time()
    if how == "tracemalloc":
        tracemalloc.start()
        run(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"peak_mb": peak / 2**20, "cpu_s": time.process_time() - cpu}
    reset = _reset_hwm()
    before = _rss_kb() if reset else _hwm_kb()
    run(data)
    return {"peak_mb": (_hwm_kb() - before) / 1024, "cpu_s": time.process_time() - cpu}


def measure(operation: str, how: str, path: Path) -> Dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", operation, how, str(path)],
        capture_output=True, text=True, timeout=3600)
    if completed.returncode != 0:
        raise RuntimeError(f"{operation} {how} {path}: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- the inputs --------------------------------------------------------------------------------

def generated(size: int, hazards: bool, directory: Path, hoisted: bool = False) -> Path:
    """A module of about `size` bytes made of rule examples (bad ones: hazards; good ones: none,
    though the prefilter lets them through), functions renamed so each is defined once.

    As concatenated, each example keeps its imports: the module imports `numpy as np` again
    before each function (thousands of bindings of one name in one scope). `hoisted`: the
    examples' top-level imports, once each, at the top of the module instead (the shape of a
    big hand-written module)."""
    import re
    sys.path.insert(0, str(HERE.parent))
    from numlint.engine.registry import all_rules
    chunks = [e.code for r in all_rules() for e in r.examples
              if e.good != hazards and e.framework in ("numpy", "torch", "jax", "tensorflow")]
    header: Dict[str, None] = {}
    if hoisted:
        bodies = []
        for chunk in chunks:
            lines = chunk.splitlines()
            for line in lines:
                if line.startswith(("import ", "from ")) and not line.endswith(("(", "\\")):
                    header[line] = None
            bodies.append("\n".join(line for line in lines if line not in header))
        chunks = bodies
    parts: List[str] = ["\n".join(header) + "\n\n\n"] if header else []
    total = len(parts[0]) if parts else 0
    index = 0
    while total < size:
        code = re.sub(r"\b(def|class) (\w+)", rf"\1 \2_{index}", chunks[index % len(chunks)])
        parts.append(code + "\n\n")
        total += len(parts[-1])
        index += 1
    text = "".join(parts)
    kind = "hazards" if hazards else "clean"
    path = directory / f"{kind}{'_hoisted' if hoisted else ''}_{size}.py"
    path.write_text(text, encoding="utf-8")
    return path


def biggest_real(count: int) -> List[Path]:
    import importlib.util
    found: List[Path] = []
    for name in ("torch", "tensorflow", "jax", "scipy", "sympy", "keras", "numpy"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            found.extend(Path(location).rglob("*.py"))
    found = sorted({p for p in found if p.is_file()}, key=lambda p: -p.stat().st_size)
    return found[:count]


# -- the large tier ------------------------------------------------------------------------------

def tier(directory: Path, counts: List[int], jobs: int = 1,
         output_format: str = "concise") -> List[Dict[str, float]]:
    files = sorted(p for p in directory.rglob("*.py") if p.is_file())
    rows = []
    for count in counts:
        subset = files[:count] if count else files
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
            listing.write("\n".join(map(str, subset)))
        code = ("import sys\nfrom numlint.cli.main import main\n"
                "paths = open(sys.argv[1]).read().split('\\n')\n"
                f"sys.argv = ['numlint', 'check', '--no-cache', '--jobs', '{jobs}', '--exit-zero',"
                f" '--output-format', '{output_format}', *paths]\nmain()\n")
        started = time.time()
        process = subprocess.Popen([sys.executable, "-c", code, listing.name],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        os.unlink(listing.name)
        rows.append({"files": len(subset), "bytes": sum(p.stat().st_size for p in subset),
                     "peak_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
                     "wall_s": time.time() - started, "status": status})
    return rows


# -- what holds memory ---------------------------------------------------------------------------

def top(path: Path, limit: int = 25) -> None:
    """What the check holds when it holds the most: a tracemalloc snapshot (by traceback) taken
    when the rules are done and the model is about to be released (the tree, the model's
    records, the rules' caches and the text's facts are all alive then)."""
    import tracemalloc
    from numlint.engine.check import check_source
    from numlint.engine.semantic.model import SemanticModel
    check_source(b"import numpy as np\nnp.log(np.sum(np.exp(x)))\n", "warm.py")
    data = path.read_bytes()
    snapshots = []
    release = SemanticModel.release

    def snapshot_then_release(model):
        snapshots.append((tracemalloc.get_traced_memory()[0], tracemalloc.take_snapshot()))
        release(model)

    SemanticModel.release = snapshot_then_release  # type: ignore[method-assign]
    tracemalloc.start(10)
    try:
        check_source(data, str(path))
    finally:
        SemanticModel.release = release  # type: ignore[method-assign]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{path}: {len(data) / 2**20:.2f} MB, traced peak {peak / 2**20:.1f} MB")
    if not snapshots:
        return
    current, snapshot = max(snapshots, key=lambda s: s[0])
    print(f"alive before the model is released: {current / 2**20:.1f} MB")
    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    for stat in snapshot.statistics("traceback")[:limit]:
        print(f"{stat.size / 2**20:8.1f} MB {stat.count:9d} blocks")
        for line in stat.traceback.format()[-10:]:
            print("      " + line)


# -- the command line ------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="sizes in bytes of the generated files, comma-separated ('' none)")
    parser.add_argument("--kinds", default="hazards,clean",
                        help="generated modules: hazards, clean, hazards-hoisted, "
                             "clean-hoisted (imports once at the top), comma-separated")
    parser.add_argument("--real", type=int, default=5, help="the N biggest real files")
    parser.add_argument("--files", default="", help="more files to measure, comma-separated")
    parser.add_argument("--tier", type=Path, help="a tree: peak of a whole run per file count")
    parser.add_argument("--counts", default="100,500,1000,2500,0",
                        help="file counts for --tier (0: all)")
    parser.add_argument("--jobs", type=int, default=1, help="--jobs of the --tier runs "
                        "(the peak is the biggest of the process and its workers)")
    parser.add_argument("--format", default="concise", help="--output-format of the --tier runs")
    parser.add_argument("--operations", default=",".join(OPERATIONS))
    parser.add_argument("--ways", default="tracemalloc,rss")
    parser.add_argument("--json", type=Path, help="write the rows as JSON")
    parser.add_argument("--top", type=Path, help="print what holds memory at a check's peak")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if args.top:
        top(args.top)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        inputs: List[Path] = []
        kinds = args.kinds.split(",")
        for size in [int(float(s)) for s in args.sizes.split(",") if s]:
            inputs += [generated(size, kind.startswith("hazards"), Path(scratch),
                                 hoisted=kind.endswith("hoisted")) for kind in kinds]
        inputs += biggest_real(args.real) if args.real else []
        inputs += [Path(f) for f in args.files.split(",") if f]
        operations = args.operations.split(",")
        ways = args.ways.split(",")
        print("| file | MB | " + " | ".join(f"{o} {w} MB" for w in ways for o in operations)
              + " | check / parse | fix / parse | "
              + " | ".join(f"{o} s/MB" for o in operations) + " |")
        print("| --- | ---: | " + " | ".join("---:" for _ in ways for _ in operations)
              + " | ---: | ---: | " + " | ".join("---:" for _ in operations) + " |")
        for path in inputs:
            row = {"file": str(path), "mb": path.stat().st_size / 2**20}
            for way in ways:
                for operation in operations:
                    measured = measure(operation, way, path)
                    row[f"{operation} {way}"] = measured["peak_mb"]
                    # CPU time in the RSS run (tracemalloc slows the other down)
                    if way == "rss" or f"{operation} cpu" not in row:
                        row[f"{operation} cpu"] = measured["cpu_s"]
            rows.append(row)
            way = ways[0]
            ratios = [row.get(f"{o} {way}", 0) / max(row.get(f"parse {way}", 0), 1e-9)
                      for o in ("check", "fix")]
            name = path.name if path.parent == Path(scratch) else "/".join(path.parts[-3:])
            print(f"| {name} | {row['mb']:.2f} | "
                  + " | ".join(f"{row[f'{o} {w}']:.1f}" for w in ways for o in operations)
                  + f" | {ratios[0]:.2f} | {ratios[1]:.2f} | "
                  + " | ".join(f"{row[f'{o} cpu'] / max(row['mb'], 1e-9):.2f}"
                               for o in operations) + " |", flush=True)
    if args.tier:
        print("\n| files | MB | peak RSS MB | CPU s |\n| ---: | ---: | ---: | ---: |")
        for row in tier(args.tier, [int(c) for c in args.counts.split(",")], args.jobs,
                        args.format):
            rows.append(row)
            print(f"| {row['files']} | {row['bytes'] / 2**20:.1f} | {row['peak_mb']:.0f} | "
                  f"{row['cpu_s']:.1f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
