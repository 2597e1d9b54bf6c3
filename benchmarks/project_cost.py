#!/usr/bin/env python3
"""What whole-project analysis costs: one process checks every file of a tree twice, with the
project index and with a null one (first-party imports unknown), alternating, and prints the
CPU seconds of each pass, the summaries computed on demand and the time spent on them.

    python benchmarks/project_cost.py ~/.cache/numlint-perf/tree-large --rounds 2

CPU time of one process (`time.process_time`), so that a loaded machine disturbs the ratio
less than wall-clock time would; the collector is paused per file as the batch runner does.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path


class NullProject:
    """A project that knows no module: what numlint did before whole-project analysis."""

    def module_of(self, path):
        return None

    def summary(self, module):
        return None

    def text_facts(self, module, wanted):
        return None

    def remember(self, *args):
        pass

    def drain(self):
        return []


def run(files, with_project: bool, select=None):
    import numlint.run.project as project_module
    import numlint.run.runner as runner
    from numlint.engine.settings import Config

    project_module.forget()
    original = runner.index_for
    if not with_project:
        runner.index_for = lambda config, path=None, store=None: NullProject()
    spent = {"seconds": 0.0, "summaries": 0}
    summarize = project_module.ProjectIndex._summarize

    def timed(self, module, path):
        start = time.process_time()
        try:
            return summarize(self, module, path)
        finally:
            spent["seconds"] += time.process_time() - start
            spent["summaries"] += 1

    project_module.ProjectIndex._summarize = timed
    config = Config(select=tuple(select.split(","))) if select else Config()
    findings = 0
    start = time.process_time()
    try:
        for path in files:
            gc.disable()
            findings += len(runner.process_file(path, config).diagnostics)
            gc.collect(0)
            gc.enable()
    finally:
        runner.index_for = original
        project_module.ProjectIndex._summarize = summarize
    return time.process_time() - start, findings, spent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--rounds", type=int, default=1, help="passes of each (alternated)")
    parser.add_argument("--select", help="rules to run, as `--select` (default: the default rules)")
    parser.add_argument("--profile", type=Path,
                        help="write a cProfile of the project passes to this file")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(10_000)
    files = sorted(p for p in args.tree.rglob("*.py") if p.is_file())
    times = {True: [], False: []}
    for _ in range(args.rounds):
        for with_project in (False, True):
            if with_project and args.profile:
                import cProfile
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
                seconds, findings, spent = run(files, with_project, args.select)
                profiler.disable()
                profiler.dump_stats(str(args.profile))
            else:
                seconds, findings, spent = run(files, with_project, args.select)
            times[with_project].append(seconds)
            label = "project" if with_project else "single-file"
            print(f"{label:12} {seconds:7.2f} s CPU, {findings} findings, "
                  f"{spent['summaries']} summaries computed ({spent['seconds']:.2f} s, "
                  f"nested ones counted in their callers too)", flush=True)
    without, with_ = statistics.median(times[False]), statistics.median(times[True])
    print(f"{len(files)} files: median {without:.2f} s without, {with_:.2f} s with "
          f"whole-project analysis ({with_ / without:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
