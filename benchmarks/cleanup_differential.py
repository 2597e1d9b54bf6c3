"""The import clean-up derived from one analysis (numlint/engine/imports.py) against the one it
replaced (libcst's analysis of the module after each fix: tests/cleanup_reference.py): every
fix numlint finds in the given files and directories is completed by both, with the same
text, and their edits compared (and, where they differ, the texts they write).

    python benchmarks/cleanup_differential.py fixtures DIR ... [--limit N] [--seed S]
        [--max-size BYTES]

Prints the counts (files, fixes, fixes with a clean-up, identical edits, same text by other
edits, differences) and each difference."""

from __future__ import annotations

import argparse
import ast
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import cleanup_reference as reference  # noqa: E402

from numlint import check_source  # noqa: E402
from numlint.engine import imports  # noqa: E402
from numlint.engine.fix import apply_edits  # noqa: E402


def compare(text: str, path: str, stats: dict, differences: list) -> None:
    try:
        found = check_source(text, path)
    except Exception:
        return
    fixes = [d.fix for d in found if d.fix is not None]
    if not fixes:
        return
    stats["files"] += 1
    for fix in fixes:
        stats["fixes"] += 1
        started = time.process_time()
        old = reference.complete(text, fix.edits, path)
        stats["old_cpu"] += time.process_time() - started
        started = time.process_time()
        new = imports.complete(text, fix.edits, path)
        stats["new_cpu"] += time.process_time() - started
        if sorted(old) != sorted(set(fix.edits)):
            stats["cleaned"] += 1
        if old == new:
            stats["identical"] += 1
            continue
        if apply_edits(text, old) == apply_edits(text, new):
            stats["same_text"] += 1
            continue
        stats["different"] += 1
        differences.append((path, fix.edits, old, new))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--limit", type=int, default=0, help="files sampled (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-size", type=int, default=400_000)
    args = parser.parse_args(argv)
    files = []
    for name in args.paths:
        path = Path(name)
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    if args.limit and len(files) > args.limit:
        files = random.Random(args.seed).sample(files, args.limit)
    stats = dict(files=0, fixes=0, cleaned=0, identical=0, same_text=0, different=0,
                 old_cpu=0.0, new_cpu=0.0)
    differences: list = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
            if len(text) > args.max_size:
                continue
            ast.parse(text)
        except Exception:
            continue
        compare(text, str(file), stats, differences)
    for path, edits, old, new in differences:
        print("DIFFERENT", path)
        print("   fix:", edits)
        print("   old:", old)
        print("   new:", new)
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                   for k, v in stats.items()))
    return 1 if stats["different"] else 0


if __name__ == "__main__":
    sys.exit(main())
