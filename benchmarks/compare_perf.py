#!/usr/bin/env python3
"""Seconds, alternated: numlint installs timed in rounds on the same tree.

Each round runs every install once, in turn (a, b, c, a, b, c, ...), so that a change of the
machine's load between minutes falls on all of them alike; prints, for each install, the
median wall and CPU seconds (user + system of the process and the workers it waited for, from
`wait4`), the peak memory, and the ratio of each round's CPU to the first install's in the same
round — the spread of those ratios says how far the figures can be trusted. On a quiet machine
CPU ratios repeat to a few percent; on a loaded one they do not, and `instructions.py` (counts
under callgrind) is the steadier comparison.

    python benchmarks/compare_perf.py --tree TREE --rounds 5 \\
        --install wave1=/path/venv-a/bin/python --install now=/path/venv-b/bin/python \\
        --install "now-w1=/path/venv-b/bin/python --select NL101,NL102"
    python benchmarks/compare_perf.py ... --mode warm     # the cache filled first, then timed
    python benchmarks/compare_perf.py ... --jobs 2        # default 1: one process

`--mode cold` runs `numlint check TREE --exit-zero --no-cache --jobs N`; `--mode warm` fills the
cache once per install (in the tree's project root, `.numlint_cache/`: one file per engine, so
installs do not share entries), then times runs that read it. PYTHON may be a script that sets
the environment and execs a python. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple


def run(command: List[str], cwd: Optional[Path] = None
        ) -> Tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit status, the end of its stderr) of `command`, its
    output discarded (also `perf.py`'s timer).

    Python tools run as installed ones do, with their bytecode cached: an environment that
    sets PYTHONDONTWRITEBYTECODE would make an editable numlint compile its sources on every
    start (about 40 ms), which no `pip install` leaves a user paying."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors,
                                   env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        errors.seek(0)
        tail = errors.read().decode(errors="replace")[-2000:]
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, \
        os.waitstatus_to_exitcode(status), tail


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--install", action="append", required=True, metavar="NAME=PYTHON [ARGS]",
                        help="a name, a python with numlint installed, extra check arguments")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--mode", choices=("cold", "warm"), default="cold")
    args = parser.parse_args(argv)

    commands: Dict[str, List[str]] = {}
    for spec in args.install:
        name, _, rest = spec.partition("=")
        python, *extra = shlex.split(rest)
        command = [python, "-m", "numlint", "check", str(args.tree), "--exit-zero",
                   "--jobs", str(args.jobs), *extra]
        if args.mode == "cold":
            command.append("--no-cache")
        else:
            run(command)  # fill the cache
        commands[name] = command
    results: Dict[str, List[Tuple[float, float, float, int, str]]] = {n: [] for n in commands}
    for round_ in range(args.rounds):
        for name, command in commands.items():
            result = run(command)
            if result[3] not in (0, 1):
                print(f"{name}: exit status {result[3]}: {shlex.join(command)}\n{result[4]}",
                      file=sys.stderr)
                return 2
            results[name].append(result)
            print(f"round {round_ + 1} {name}: wall {result[0]:.2f} s, CPU {result[1]:.2f} s",
                  file=sys.stderr)

    first = next(iter(results))
    print(f"{args.mode}, --jobs {args.jobs}, {args.rounds} rounds alternated, {args.tree}")
    print(f"{'install':<24} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'CPU ratio':>10}  rounds")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        ratios = [r[1] / f[1] for r, f in zip(runs, results[first])]
        spread = f"{min(ratios):.3f}-{max(ratios):.3f}"
        print(f"{name:<24} {wall:>8.2f} {cpu:>8.2f} {peak:>8.0f} "
              f"{statistics.median(ratios):>10.3f}  {spread}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
