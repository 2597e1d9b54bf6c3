#!/usr/bin/env python3
"""One big file through the command line: `numlint check FILE --no-cache` plain, with
`--output-format json`, with `--diff` and with `--fix`, each in a fresh process (its CPU
seconds and peak resident set, from `wait4`; `--fix` on a copy of the file).

    python benchmarks/big_file.py                        # the generated 5 MB module of hazards
    python benchmarks/big_file.py --size 1e6 --kind hazards-hoisted
    python benchmarks/big_file.py --file path/to/module.py --modes json,fix

The generated modules are `benchmarks/memory.py`'s (rule examples concatenated; `hazards`
imports NumPy again before each function, `hazards-hoisted` once at the top). CPU-bound and
single-threaded (`--jobs 1`): the figures do not depend on the machine's load, only on the
Python version.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
MODES = {
    "check": [],
    "json": ["--output-format", "json"],
    "diff": ["--diff"],
    "fix": ["--fix"],
}


def run(path: Path, mode: str, timeout: float) -> Dict[str, float]:
    command = [sys.executable, "-m", "numlint", "check", str(path), "--no-cache", "--jobs", "1",
               "--exit-zero", *MODES[mode]]
    started = time.time()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL,
                                   cwd=str(HERE.parent))
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                status = -1
                break
            time.sleep(0.2)
        size = out.tell()
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "wall_s": time.time() - started, "status": status, "output_mb": size / 2**20}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="5e6", help="bytes of the generated module")
    parser.add_argument("--kind", default="hazards",
                        help="hazards, clean, hazards-hoisted, clean-hoisted")
    parser.add_argument("--file", type=Path, help="measure this file instead")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import memory
    with tempfile.TemporaryDirectory() as scratch:
        if args.file is None:
            path = memory.generated(int(float(args.size)), args.kind.startswith("hazards"),
                                    Path(scratch), hoisted=args.kind.endswith("hoisted"))
        else:
            path = args.file
        print(f"{path.name}: {path.stat().st_size / 2**20:.2f} MB")
        print("| mode | CPU s | peak RSS MB | exit | output MB |\n| --- | ---: | ---: | ---: | ---: |")
        for mode in args.modes.split(","):
            target = path
            if mode == "fix":
                target = Path(scratch) / ("fixed_" + path.name)
                shutil.copyfile(path, target)
            row = run(target, mode, args.timeout)
            status = "timeout" if row["status"] == -1 else os.waitstatus_to_exitcode(
                int(row["status"]))
            print(f"| {mode} | {row['cpu_s']:.1f} | {row['peak_mb']:.0f} | {status} | "
                  f"{row['output_mb']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
