"""The import clean-up's cost: peak memory of completing a module's fixes against CPython's
`ast.parse` of it, and CPU for the JSON output of fix-heavy modules.

    python benchmarks/cleanup_cost.py memory [--sizes 1e4,5e4,1e5,2.5e5] [--kinds hazards-hoisted,hazards]
    python benchmarks/cleanup_cost.py json [--implementation new|old]

`memory`: for modules generated as `benchmarks/memory.py` makes them, each measure in a fresh
interpreter, the growth of the peak resident set (VmHWM, reset through /proc/self/clear_refs)
during: `ast.parse` of the text; completing every fix of the module with its import clean-up
(`imports.complete`, as the JSON output does; the findings are computed before the measure);
the same with the implementation it replaced (tests/cleanup_reference.py: libcst's analysis
of the module after the fix; one fix, the first that needs a clean-up: each fix costs the
same); `fix_source` (checking and fixing). `json`: CPU seconds (getrusage, single-threaded)
of the JSON output of two modules: 910 functions each importing NumPy under its own name,
which its fix leaves unused (78 KB), and a 250 KB module of hazards (`memory.py`'s, NumPy
imported again before each function); `--implementation old` runs the clean-up of `OLD_COMMIT` (the
per-text budget version) from git, for comparison.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

ALIASED = ("import numpy as np{i}\n\n\ndef h_{i}(x):\n"
           "    return np{i}.log(np{i}.sum(np{i}.exp(x)))\n\n\n")


# The last commit with the per-text budget (one libcst analysis of the module per fix).
OLD_COMMIT = "4f28a87"


def _old_implementation(commit: str) -> None:
    """Load the clean-up of `commit` as numlint.engine.imports."""
    import importlib.util
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:numlint/engine/imports.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "imports.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("numlint.engine.imports", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["numlint.engine.imports"] = module
    spec.loader.exec_module(module)
    import numlint.engine
    numlint.engine.imports = module


def child(mode: str, path: str) -> dict:
    from memory import _hwm_kb, _reset_hwm, _rss_kb
    import ast
    text = Path(path).read_text()
    warm = "import numpy as np\n\ndef f(x):\n    return np.log(np.sum(np.exp(x)))\n"
    if mode == "parse":
        def run() -> None:
            ast.parse(text)
    elif mode == "fix":
        from numlint.engine.check import fix_source
        fix_source(warm, "m.py")

        def run() -> None:
            fix_source(text, "m.py")
    else:
        from numlint import check_source
        from numlint.engine import imports
        import cleanup_reference
        # Warm: libcst imported, and both clean-ups run once on a small module.
        small = "import numpy as np\nfrom scipy.special import logsumexp\n\n\n" \
            "def f(x):\n    return np.log(np.sum(np.exp(x)))\n"
        for fix in [d.fix for d in check_source(small, "m.py") if d.fix is not None]:
            imports.complete(small, fix.edits, "m.py")
            cleanup_reference.complete(small, fix.edits, "m.py")
        from numlint.engine.fix import Edit
        # The fixes, found by another process (this one has not parsed the module).
        fixes = [[Edit(*e) for e in edits]
                 for edits in json.loads(Path(path + ".fixes.json").read_text())]
        # Both analyse the module whether or not a fix needs a clean-up (`_complete`: past the
        # cheap test that may spare them the analysis): the clean-up's worst case.
        if mode == "old":
            def run() -> None:
                edits = sorted(set(fixes[0]))
                cleanup_reference._complete(text, edits, cleanup_reference._regions(edits),
                                            "m.py", frozenset())
        else:
            def run() -> None:
                for fix in fixes:
                    edits = sorted(set(fix))
                    imports._complete(text, edits, imports._regions(edits), "m.py",
                                      frozenset())
    gc.collect()
    reset = _reset_hwm()
    before = _rss_kb() if reset else _hwm_kb()
    cpu = time.process_time()
    run()
    return {"peak_mb": (_hwm_kb() - before) / 1024, "cpu_s": time.process_time() - cpu}


def _fixes(path: Path) -> None:
    """The module's fixes' edits, next to it (for the children that complete them)."""
    from numlint import check_source
    text = path.read_text()
    edits = [[(e.start, e.end, e.content) for e in d.fix.edits]
             for d in check_source(text, "m.py") if d.fix is not None]
    Path(str(path) + ".fixes.json").write_text(json.dumps(edits))


def measure(mode: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(path)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory(sizes, kinds, old_up_to: float) -> None:
    from memory import generated
    scratch = Path(tempfile.mkdtemp())
    print("| module | KB | parse MB | clean-up MB (every fix) | / parse | its CPU s | "
          "before: MB (one fix) | / parse | fix_source MB | / parse |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        for size in sizes:
            path = generated(int(size), True, scratch, hoisted=kind.endswith("hoisted"))
            _fixes(path)
            parse = measure("parse", path)["peak_mb"]
            measured = measure("new", path)
            new = measured["peak_mb"]
            old = measure("old", path)["peak_mb"] if size <= old_up_to else float("nan")
            fix = measure("fix", path)["peak_mb"]
            kb = path.stat().st_size / 1024
            print(f"| {kind} | {kb:.0f} | {parse:.1f} | {new:.1f} | {new / parse:.2f} | "
                  f"{measured['cpu_s']:.2f} | {old:.1f} | {old / parse:.2f} | {fix:.1f} | "
                  f"{fix / parse:.2f} |", flush=True)


def json_cpu(implementation: str) -> None:
    if implementation == "old":
        _old_implementation(OLD_COMMIT)
    from memory import generated
    from numlint import check_source
    from numlint.cli.output import json_format
    from numlint.run.report import FileResult, Report

    def output(text: str) -> list:
        stream = io.StringIO()
        json_format.write(Report([FileResult("m.py", check_source(text, "m.py"), source=text)]),
                          stream)
        return json.loads(stream.getvalue())

    output("import numpy as np\n\ndef f(x):\n    return np.log(np.sum(np.exp(x)))\n")
    scratch = Path(tempfile.mkdtemp())
    modules = {
        "910 aliased imports (78 KB)": "".join(ALIASED.format(i=i) for i in range(910)),
        "hazards, 250 KB": generated(250_000, True, scratch).read_text(),
    }
    for name, text in modules.items():
        started = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        found = output(text)
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - started
        fixes = [f["fix"] for f in found if f.get("fix")]
        own = [d.fix for d in check_source(text, "m.py") if d.fix is not None]
        # A fix whose JSON edits are not the rule's own: completed with an import clean-up.
        cleaned = sum(1 for f, o in zip(fixes, own) if len(f["edits"]) != len(o.edits) or any(
            e["content"] != r.content for e, r in zip(f["edits"], sorted(o.edits))))
        print(f"{implementation}: {name}: {len(text) / 1024:.0f} KB, {len(fixes)} fixes, "
              f"{cleaned} with their import clean-up, JSON {cpu:.1f} s CPU", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["memory", "json"], nargs="?")
    parser.add_argument("--child", nargs=2)
    parser.add_argument("--sizes", default="1e4,5e4,1e5,2.5e5")
    parser.add_argument("--kinds", default="hazards-hoisted,hazards")
    parser.add_argument("--implementation", default="new", choices=["new", "old"])
    parser.add_argument("--old-up-to", type=float, default=1e5,
                        help="measure the replaced clean-up on modules up to this size")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if args.what == "memory":
        memory([float(s) for s in args.sizes.split(",")], args.kinds.split(","), args.old_up_to)
    else:
        json_cpu(args.implementation)
    return 0


if __name__ == "__main__":
    sys.exit(main())
