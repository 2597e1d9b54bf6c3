#!/usr/bin/env python3
"""Instructions, not seconds: numlint installs compared by the instructions a check executes.

On a shared, noisy machine wall and CPU times of the same run vary by 30% from one minute to the
next; the instructions a process executes do not (to within 1% between runs). Each install
checks the same sample of a tree under Valgrind's callgrind (`--tool=callgrind`, instruction
counts only, about 50 times slower than a plain run: use a sample of a few hundred files), one
process (`--jobs 1`; with `--jobs N` every worker is counted too), no cache; the installs run
two at a time (the counts do not depend on the load). Prints the instructions of each and their
ratios to the first. PYTHON may be a script that sets the environment and execs a python (its
processes are all counted).

Instructions are not time: SHA-256 runs in few instructions on a CPU with SHA extensions but
callgrind hides them (OpenSSL falls back to a long generic path), and a sample misses what
depends on the whole tree (first-party modules imported from files outside it). Check what
the counts say with alternated timings (`compare_perf`) on the whole tree.

    python benchmarks/instructions.py --tree TREE \\
        --install wave1=/path/venv-a/bin/python --install now=/path/venv-b/bin/python \\
        --install "now-w1=/path/venv-b/bin/python --select NL101,NL102" --sample 500
    python benchmarks/instructions.py ... --warm      # a second, cached run of each

`--warm`: the check is run once without Valgrind to fill the cache (in a working directory of
the install's own, as `compare_perf` does), then counted. Needs `valgrind` on the PATH;
standard library only otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Tuple

_COLLECTED = re.compile(r"Collected : (\d+)")


def sample(tree: Path, size: int, seed: int, into: Path) -> int:
    """Copy `size` `.py` files of `tree` (chosen by `seed`, paths kept) into `into`."""
    files = sorted(p for p in tree.rglob("*.py") if p.is_file())
    chosen = files
    if 0 < size < len(files):
        chosen = random.Random(seed).sample(files, size)
    total = 0
    for path in chosen:
        target = into / path.relative_to(tree)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        total += path.stat().st_size
    return total


def count(name: str, command: List[str], tree: Path, work: Path, warm: bool, jobs: int) -> int:
    cwd = work / f"cwd-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"
    cwd.mkdir(parents=True, exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    check = [*command[:1], "-m", "numlint", "check", str(tree), "--jobs", str(jobs),
             "--exit-zero", *command[1:]]
    if warm:
        subprocess.run(check, cwd=cwd, env=environment, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        check.append("--no-cache")
    out = work / f"{cwd.name}.%p.callgrind"
    result = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                             f"--callgrind-out-file={out}", *check], cwd=cwd, env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = _COLLECTED.findall(result.stderr)
    if result.returncode != 0 or not found:
        raise SystemExit(f"{name}: valgrind failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return sum(int(n) for n in found)  # every process (a wrapper script and the python)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", required=True, type=Path)
    parser.add_argument("--install", action="append", required=True,
                        help="NAME=PYTHON [numlint options]: an install to count (repeat)")
    parser.add_argument("--sample", type=int, default=500, help="files (0: all)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--parallel", type=int, default=2, help="installs counted at once")
    parser.add_argument("--jobs", type=int, default=1,
                        help="numlint's --jobs (the worker processes are counted too)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on the PATH")
    installs: List[Tuple[str, List[str]]] = []
    for spec in args.install:
        name, _, command = spec.partition("=")
        installs.append((name, shlex.split(command)))
    with tempfile.TemporaryDirectory(prefix="numlint-instructions-") as temporary:
        work = Path(temporary)
        tree = work / "tree"
        size = sample(args.tree.resolve(), args.sample, args.seed, tree)
        print(f"{sum(1 for _ in tree.rglob('*.py'))} files, {size / 1e6:.1f} MB "
              f"({'warm' if args.warm else 'cold'}, --jobs {args.jobs})", flush=True)
        with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            counts = list(pool.map(
                lambda item: count(*item, tree, work, args.warm, args.jobs), installs))
    first = counts[0]
    print("| install | instructions | ratio to the first |")
    print("| --- | ---: | ---: |")
    for (name, _), instructions in zip(installs, counts):
        print(f"| {name} | {instructions / 1e9:.2f} G | {instructions / first:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
