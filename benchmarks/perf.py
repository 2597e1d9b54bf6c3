#!/usr/bin/env python3
"""Speed: numlint against Ruff, flake8, Fixit, TorchFix and the libcst parse floor.

Downloads pinned wheels of real ML packages into a corpus (tiers: `medium` ~600 files: d2l,
torchmetrics, timm; `large` ~4,900 files: + transformers, scikit-learn, keras, pandas), installs
each anchor in its own venv (TorchFix pins an old libcst), and times every tool on the tier in one
run, alternating the tools, several runs each; prints medians, numlint/anchor ratios, files and
lines per second and peak memory (the largest process of the tree, from `wait4`).

    python benchmarks/perf.py                                   # medium tier, fast tools
    python benchmarks/perf.py --tier large --runs 5
    python benchmarks/perf.py --tools numlint,ruff,floor,fixit,torchfix --slow-runs 1
    python benchmarks/perf.py --agreement                       # prefilter vs full check

Tools: `numlint` (cold: --no-cache, default jobs), `numlint-1` (--jobs 1), `numlint-warm`
(cache primed, tree unchanged), `ruff` (--no-cache, default rules), `ruff-warm`, `flake8`,
`floor` (a bare libcst parse of every file, 2 processes), `fixit`, `torchfix` (slow: minutes;
`--slow-runs`). The corpus and venvs live in `--work` (default ~/.cache/numlint-perf, outside
any git repository so that no .gitignore hides the tree). `--agreement` checks that the
prefilter agrees with the full check on every file of a tree (default: the ecosystem corpus).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_perf import run  # noqa: E402
from ecosystem import Package, fetch, log  # noqa: E402

TIERS = {
    "medium": {"d2l": "1.0.3", "torchmetrics": "1.7.1", "timm": "1.0.15"},
}
TIERS["large"] = {**TIERS["medium"], "transformers": "4.46.3", "scikit-learn": "1.5.2",
                  "keras": "3.6.0", "pandas": "2.2.3"}
ANCHORS = {  # venv name -> pinned requirements
    "ruff": ["ruff==0.8.6"],
    "flake8": ["flake8==7.1.1"],
    "fixit": ["fixit==2.1.0"],          # brings libcst: also runs the floor
    "torchfix": ["torchfix==0.7.0"],
}
SLOW = {"fixit", "torchfix"}
DEFAULT_TOOLS = "numlint,numlint-1,numlint-warm,ruff,ruff-warm,floor"
FLOOR = r"""
import sys, multiprocessing, libcst
def parse(path):
    try:
        libcst.parse_module(open(path, 'rb').read())
    except Exception:
        pass
if __name__ == '__main__':
    files = [l for l in open(sys.argv[1]).read().splitlines() if l]
    with multiprocessing.Pool(int(sys.argv[2])) as pool:
        pool.map(parse, files, chunksize=4)
"""


def venv(work: Path, name: str) -> Path:
    """The venv of an anchor (created and installed on first use); returns its bin dir."""
    root = work / "venvs" / name
    bindir = root / "bin"
    if not (root / ".installed").is_file():
        log(f"installing {' '.join(ANCHORS[name])} into {root} ...")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(root)], check=True)
        subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", *ANCHORS[name]], check=True)
        (root / ".installed").write_text("ok\n")
    return bindir


def build_tier(work: Path, tier: str) -> Path:
    """The tier's tree: a hard-linked copy of each package of the corpus."""
    corpus = work / "corpus"
    tree = work / f"tree-{tier}"
    stamp = "".join(f"{name}=={version}\n" for name, version in TIERS[tier].items())
    complete = tree / ".complete"
    if complete.is_file() and complete.read_text() == stamp:
        return tree  # built for exactly these packages
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    for name, version in TIERS[tier].items():
        root = fetch(Package(name, version), corpus)
        shutil.copytree(root, tree / root.name, copy_function=os.link,
                        ignore=shutil.ignore_patterns(".artifact"))
    complete.write_text(stamp)
    return tree


def corpus_size(tree: Path) -> Tuple[List[Path], int, int]:
    files = sorted(p for p in tree.rglob("*.py") if p.is_file())
    lines = size = 0
    for path in files:
        data = path.read_bytes()
        lines += data.count(b"\n")
        size += len(data)
    return files, lines, size


def timed(command: List[str], cwd: Path) -> Tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of a command; output discarded
    (`compare_perf.run`)."""
    wall, _, peak, status, _ = run(command, cwd)
    return wall, peak, status


def commands(tools: List[str], work: Path, tree: Path, file_list: Path) -> Dict[str, dict]:
    numlint = [sys.executable, "-m", "numlint", "check", str(tree), "--exit-zero"]
    table: Dict[str, dict] = {}
    for tool in tools:
        if tool == "numlint":
            table[tool] = dict(run=numlint + ["--no-cache"])
        elif tool == "numlint-1":
            table[tool] = dict(run=numlint + ["--no-cache", "--jobs", "1"])
        elif tool == "numlint-warm":
            table[tool] = dict(run=numlint, prime=numlint)
        elif tool == "ruff":
            table[tool] = dict(run=[str(venv(work, "ruff") / "ruff"), "check", "--no-cache",
                                    "--exit-zero", str(tree)])
        elif tool == "ruff-warm":
            ruff = [str(venv(work, "ruff") / "ruff"), "check", "--exit-zero", str(tree)]
            table[tool] = dict(run=ruff, prime=ruff)
        elif tool == "flake8":
            table[tool] = dict(run=[str(venv(work, "flake8") / "flake8"), "--exit-zero",
                                    str(tree)])
        elif tool == "floor":
            script = work / "floor.py"
            script.write_text(FLOOR)
            table[tool] = dict(run=[str(venv(work, "fixit") / "python"), str(script),
                                    str(file_list), "2"])
        elif tool == "fixit":
            table[tool] = dict(run=[str(venv(work, "fixit") / "fixit"), "lint", str(tree)])
        elif tool == "torchfix":
            table[tool] = dict(run=[str(venv(work, "torchfix") / "torchfix"), str(tree)])
        else:
            raise SystemExit(f"unknown tool {tool!r}")
    return table


def benchmark(args) -> int:
    work = Path(args.work).expanduser()
    tree = build_tier(work, args.tier)
    files, lines, size = corpus_size(tree)
    file_list = work / f"files-{args.tier}.txt"
    file_list.write_text("\n".join(str(p) for p in files) + "\n")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    table = commands(tools, work, tree, file_list)
    for spec in table.values():
        if "prime" in spec:
            timed(spec["prime"], work)
    times: Dict[str, List[float]] = {t: [] for t in table}
    memory: Dict[str, float] = {t: 0.0 for t in table}
    runs = max(args.runs, args.slow_runs)
    for index in range(runs):
        for tool, spec in table.items():  # alternating: each round runs every tool once
            if tool in SLOW and index >= args.slow_runs:
                continue
            if tool not in SLOW and index >= args.runs:
                continue
            seconds, peak, status = timed(spec["run"], work)
            times[tool].append(seconds)
            memory[tool] = max(memory[tool], peak)
            log(f"run {index + 1}: {tool:13} {seconds:8.2f} s  {peak:7.0f} MB  (exit {status})")
    cpu = platform.processor() or platform.machine()
    model = _cpu_model() or cpu
    print(f"Tier `{args.tier}`: {len(files):,} files, {lines:,} lines, {size / 1e6:.1f} MB; "
          f"{', '.join(f'{k} {v}' for k, v in TIERS[args.tier].items())}.")
    print(f"Machine: {model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}.\n")
    print("| tool | median s | runs | files/s | lines/s | peak MB | numlint / tool |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = statistics.median(times["numlint"]) if times.get("numlint") else None
    for tool, values in times.items():
        if not values:
            continue
        median = statistics.median(values)
        ratio = f"{base / median:.2f}" if base and tool != "numlint" else "-"
        print(f"| {tool} | {median:.2f} | {len(values)} | {len(files) / median:,.0f} | "
              f"{lines / median:,.0f} | {memory[tool]:.0f} | {ratio} |")
    return 0


def _cpu_model() -> Optional[str]:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def agreement(args) -> int:
    """The prefilter agrees with the full check on every file of a tree; how much it skips."""
    from numlint.engine import prefilter
    from numlint.engine.check import check_source
    from numlint.run.config import Config
    root = Path(args.agreement_tree)
    config = Config()
    rules = config.enabled_rules()
    # The engine tests the text only where it pays (`prefilter.pays`); the agreement is
    # checked with the test forced on for the default rules.
    prefilter.MAX_COMBINATIONS = 10 ** 9
    files = sorted(root.rglob("*.py"))
    skipped = skipped_bytes = total_bytes = 0
    disagree = []
    seconds = {"prefilter": 0.0, "with": 0.0, "without": 0.0}
    for path in files:
        data = path.read_bytes()
        total_bytes += len(data)
        text = data.decode("utf-8", "replace")
        start = time.perf_counter()
        may = prefilter.may_fire(text, rules)
        seconds["prefilter"] += time.perf_counter() - start
        if not may:
            skipped += 1
            skipped_bytes += len(data)
        start = time.perf_counter()
        filtered = check_source(data, str(path), config)
        seconds["with"] += time.perf_counter() - start
        prefilter.ENABLED = False
        try:
            start = time.perf_counter()
            full = check_source(data, str(path), config)
            seconds["without"] += time.perf_counter() - start
        finally:
            prefilter.ENABLED = True
        view = [(d.code, d.start, d.message) for d in filtered]
        if view != [(d.code, d.start, d.message) for d in full]:
            disagree.append(str(path))
    print(f"{len(files):,} files, {total_bytes / 1e6:.1f} MB under {root}")
    print(f"prefilter skips {skipped:,} files ({skipped / max(1, len(files)):.0%}), "
          f"{skipped_bytes / 1e6:.1f} MB ({skipped_bytes / max(1, total_bytes):.0%} of bytes)")
    print(f"one process: check with prefilter {seconds['with']:.1f} s, without "
          f"{seconds['without']:.1f} s; the text test itself {seconds['prefilter']:.2f} s")
    print(f"disagreements: {len(disagree)}")
    for path in disagree[:20]:
        print(f"  {path}")
    return 1 if disagree else 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="medium")
    parser.add_argument("--tools", default=DEFAULT_TOOLS,
                        help=f"comma-separated (default {DEFAULT_TOOLS}; also flake8, fixit, "
                             f"torchfix)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each fast tool")
    parser.add_argument("--slow-runs", type=int, default=1, help="runs of fixit and torchfix")
    parser.add_argument("--work", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME", "~/.cache"), "numlint-perf"))
    parser.add_argument("--agreement", action="store_true",
                        help="check the prefilter against the full check instead")
    parser.add_argument("--agreement-tree", default=str(
        Path(__file__).resolve().parent / ".corpus" / "ecosystem"))
    args = parser.parse_args(argv)
    if "numlint" not in args.tools.split(",") and not args.agreement:
        args.tools = "numlint," + args.tools
    return agreement(args) if args.agreement else benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
