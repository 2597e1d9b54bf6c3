#!/usr/bin/env python3
"""CPU cost of the fixes' import clean-up (numlint/engine/imports.py, libcst).

Fixes every `.py` file under DIR in-process twice per repetition, with the clean-up and with
the rule's edits applied alone (the fix path as it was without it), and prints the CPU time of
each pass (`resource.getrusage`, not wall-clock: fair on a shared machine), how many files were
fixed and cleaned, the new unused imports and undefined names pyflakes reports in the fixed
files either way, and the CPU time of the JSON output's extra work in check mode (completing
each fixable finding's edits).

    python benchmarks/fix_imports_cost.py fixtures --repeat 3 --unsafe
"""

from __future__ import annotations

import argparse
import ast
import resource
from pathlib import Path

from pyflakes import checker, messages

from numlint import check_source, fix_source
from numlint.engine import imports
from numlint.engine.source import SourceText

CLEAN = imports.complete


def plain(text, edits, path="<unknown>", keep=frozenset()):
    return sorted(set(edits))


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def flakes(text: str):
    try:
        found = checker.Checker(ast.parse(text), filename="m.py").messages
    except (SyntaxError, ValueError):
        return set()
    return {(type(m).__name__, m.message_args[0]) for m in found
            if isinstance(m, (messages.UnusedImport, messages.UndefinedName))}


def fix_all(files, clean: bool, unsafe: bool):
    imports.complete = CLEAN if clean else plain  # what check.fix_source calls
    start = cpu()
    results = {f: fix_source(f.read_bytes(), str(f), unsafe=unsafe) for f in files}
    return cpu() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--unsafe", action="store_true", help="apply unsafe fixes too")
    args = parser.parse_args()
    files = sorted(args.directory.rglob("*.py"))
    fix_source("import numpy as np\nfrom scipy.special import softmax\n"
               "y = np.log(softmax(z))\n")  # warm: libcst and the catalog imported
    times: dict = {False: [], True: []}
    results: dict = {}
    for _ in range(args.repeat):
        for clean in (False, True):
            spent, results[clean] = fix_all(files, clean, args.unsafe)
            times[clean].append(spent)
    imports.complete = CLEAN
    fixed = [f for f in files if results[False][f].changed]
    cleaned = [f for f in files
               if results[False][f].source.text != results[True][f].source.text]
    lines = sum(f.read_bytes().count(b"\n") for f in files)
    print(f"{len(files)} files, {lines:,} lines (unsafe fixes: {args.unsafe}): "
          f"{len(fixed)} fixed, {len(cleaned)} of them with an import clean-up")
    print("CPU seconds, without the clean-up:", " ".join(f"{t:.2f}" for t in times[False]),
          "| with:", " ".join(f"{t:.2f}" for t in times[True]))
    for clean in (False, True):
        new = sum(len(flakes(results[clean][f].source.text) - flakes(f.read_text(
            errors="replace"))) for f in fixed)
        print(f"new unused imports and undefined names in the fixed files "
              f"({'with' if clean else 'without'} the clean-up): {new}")
    texts = {f: SourceText.from_bytes(f.read_bytes()).text for f in files}
    fixable = {f: [d for d in check_source(texts[f], str(f)) if d.fix is not None]
               for f in files}
    imports._facts.cache_clear()  # nothing kept from the fix passes
    start = cpu()
    count = 0
    for f in files:
        for diagnostic in fixable[f]:
            imports.complete(texts[f], diagnostic.fix.edits)
            count += 1
    print(f"JSON edits of {count} fixable findings (check mode): {cpu() - start:.2f} s CPU "
          f"for their import clean-up")


if __name__ == "__main__":
    main()
