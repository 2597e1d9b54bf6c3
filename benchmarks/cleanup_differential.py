"""The import clean-up derived from one analysis (numlint/engine/imports.py) against the one it
replaced (libcst's analysis of the module after each fix: tests/cleanup_reference.py): every
fix numlint finds in the given files and directories is completed by both, with the same
text, and their edits compared (and, where they differ, the texts they write).

    python benchmarks/cleanup_differential.py fixtures DIR ... [--limit N] [--seed S]
        [--max-size BYTES]

`--analysis` compares the analyses instead: the unused imports of each module by libcst's
`ScopeProvider` (the old `_analyse`) and by `import_scopes.analyse` (then `fixes` counts
import bindings, `identical` modules).

Prints the counts (files, fixes, fixes with a clean-up, identical edits, same text by other
edits, differences) and each difference.

Real modules rarely hold a hazard whose fix leaves an import unused, so `--synthetic K` adds,
per file, K edits of each of four kinds (seeded): every read of one imported name replaced by
`x` (its import is left unused: a removal), one read of a name replaced by `x`, the lines of a
statement inside a function deleted, and an import line inserted between two top-level
statements with a read replaced by a call of the name it imports (an added binding, used or
not, merged or not)."""

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
from numlint.engine.fix import Edit, apply_edits  # noqa: E402


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


def synthetic(text: str, count: int, rng: random.Random):
    """`count` edits of each kind (see the module's docstring) of `text`."""
    tree = ast.parse(text)
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def span(node):
        return (starts[node.lineno - 1] + len(text[starts[node.lineno - 1]:][:0]) +
                _column(text, starts, node.lineno, node.col_offset),
                starts[node.end_lineno - 1] + _column(text, starts, node.end_lineno,
                                                      node.end_col_offset))

    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).partition(".")[0])
    reads = {}
    loads = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.append(node)
            if node.id in bound:
                top = node
                while isinstance(parents.get(top), ast.Attribute) and parents[top].value is top:
                    top = parents[top]
                reads.setdefault(node.id, []).append(top)
    few = sorted(name for name, found in reads.items() if len(found) <= 3)
    for name in rng.sample(few, min(count, len(few))):
        yield [Edit(*span(node), "x") for node in reads[name]]
    for node in rng.sample(loads, min(count, len(loads))):
        yield [Edit(*span(node), "x")]
    nested = [s for d in ast.walk(tree) if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef))
              for s in d.body[:-1] if isinstance(s, (ast.Assign, ast.Expr, ast.AugAssign))]
    for statement in rng.sample(nested, min(count, len(nested))):
        yield [Edit(starts[statement.lineno - 1], starts[statement.end_lineno], "")]
    body = tree.body
    for _ in range(count if body and loads else 0):
        at = starts[rng.choice(body).lineno - 1]
        node = rng.choice(loads)
        start, end = span(node)
        if start <= at < end:
            continue
        line = rng.choice(["from numpy import logaddexp\n", "import scipy.special\n",
                           "from os import path as logaddexp\n"])
        use = "scipy.special.logsumexp(x)" if "scipy" in line else "logaddexp(x)"
        yield [Edit(at, at, line), Edit(start, end, use)]


def _column(text, starts, row, column):
    line = text[starts[row - 1]:starts[row] if row < len(starts) else len(text)]
    return column if line.isascii() else len(line.encode("utf-8")[:column].decode("utf-8"))


def compare_edits(text: str, path: str, edits, stats: dict, differences: list) -> None:
    edits = sorted(set(edits))
    if any(a.end > b.start for a, b in zip(edits, edits[1:])):
        return
    stats["fixes"] += 1
    started = time.process_time()
    old = reference.complete(text, edits, path)
    stats["old_cpu"] += time.process_time() - started
    started = time.process_time()
    new = imports.complete(text, edits, path)
    stats["new_cpu"] += time.process_time() - started
    if sorted(old) != edits:
        stats["cleaned"] += 1
    if old == new:
        stats["identical"] += 1
    elif apply_edits(text, old) == apply_edits(text, new):
        stats["same_text"] += 1
    else:
        stats["different"] += 1
        differences.append((path, edits, old, new))


def compare_analysis(text: str, path: str, stats: dict, differences: list) -> None:
    """The unused imports of `text` by libcst's analysis and by `import_scopes.analyse`: each
    binding's key and whether it may be removed."""
    from numlint.engine import import_scopes
    try:
        old = reference._analyse(text, path, frozenset())
    except Exception:
        return  # (libcst does not parse it)
    new = import_scopes.analyse(text, path, frozenset())
    stats["files"] += 1
    stats["fixes"] += len(old.bindings)   # (here: bindings)
    left = sorted((b.key, b.removable) for b in old.unused)
    right = sorted((b.key, b.removable) for b in new.bindings if not new.in_use(b))
    if left == right and len(old.bindings) == len(new.bindings):
        stats["identical"] += 1
    else:
        stats["different"] += 1
        differences.append((path, (), left, right))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--limit", type=int, default=0, help="files sampled (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-size", type=int, default=400_000)
    parser.add_argument("--synthetic", type=int, default=0,
                        help="synthetic edits of each kind per file")
    parser.add_argument("--analysis", action="store_true",
                        help="compare the unused imports each analysis finds, not fixes")
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
    for number, file in enumerate(files, 1):
        if number % 50 == 0:
            print(f"[{number}/{len(files)}]", " ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in stats.items()),
                flush=True)
        try:
            text = file.read_text(encoding="utf-8")
            if len(text) > args.max_size:
                continue
            ast.parse(text)
        except Exception:
            continue
        if args.analysis:
            compare_analysis(text, str(file), stats, differences)
        elif args.synthetic:
            stats["files"] += 1
            rng = random.Random(f"{args.seed}:{file}")
            for edits in synthetic(text, args.synthetic, rng):
                compare_edits(text, str(file), edits, stats, differences)
        else:
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
