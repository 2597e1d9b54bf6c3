#!/usr/bin/env python3
"""Recall benchmark: does numlint report the real hazards labelled in `recall/labels.json`?

The ecosystem check (`ecosystem.py`) measures precision: every finding on mature code is judged.
This script measures recall: the labels are hazards of numlint's catalogue found by reading the
code of the same corpora (never by running numlint), and each one counts as found when numlint,
checking the package as a project (first-party imports followed, as `ecosystem.py` does),
reports a finding of the label's rule on the label's line, or one line either side (a call or an
expression that spans lines may be reported on its first or its next line), or on one of the
label's `alt_lines` (where a hazard split across functions could as rightly be reported at the
call as at the log it reaches). How the labels were collected, and the held-out rule, are in
`recall/README.md`.

Usage (with numlint importable, e.g. `pip install -e .`):

    python benchmarks/recall.py                      # tuning and held-out, reported apart
    python benchmarks/recall.py --set tuning         # only the labels numlint may be tuned on
    python benchmarks/recall.py --set held-out --json recall.json

Options: --set tuning|held-out|all (default all), --json OUT (every label with its outcome and
the findings on its line), --show-held-out (list the held-out misses too: by default only
their count, so that nobody tunes on them), --labels FILE, --ecosystem DIR and --large DIR
(the two corpora: one <package>-<version>/ directory per package; defaults: the corpora used
to label, see below).
Only the labelled files are checked; the project index computes the summaries of the modules
they import on demand. Exit status: 0; 1 if a labelled file is missing or numlint crashed;
2 for a usage error. Recall is a measurement: misses do not change the exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
DEFAULT_LABELS = HERE / "recall" / "labels.json"
# The corpora the labels were read from: pure .py files of pinned releases, one
# <package>-<version>/ per package (`ecosystem.py` downloads the first into benchmarks/.corpus;
# the second is `perf.py`'s large tier, unpacked).
DEFAULT_ECOSYSTEM = Path("/work/measure/corpus/ecosystem")
DEFAULT_LARGE = Path("/work/measure/perf/tree-large")

# The held-out rule, fixed before any label was written (recall/README.md): every package of
# the two corpora sorted by name, the ones at positions 2, 5, 8, ... are held out.
PACKAGES = sorted([
    "chainer", "dgl", "dm-haiku", "espnet", "fairseq", "flax", "gluonts", "jax", "pymc",
    "pytorch-lightning", "scipy", "skorch", "tensorflow-probability", "torchvision",
    "d2l", "keras", "pandas", "scikit-learn", "timm", "torchmetrics", "transformers",
])
HELD_OUT = {name for i, name in enumerate(PACKAGES) if i % 3 == 2}

SPLITS = ("same-expression", "statements", "branches", "functions", "classes", "modules")
TOLERANCE = 1  # lines either side of the label's line
FIELDS = ("id", "corpus", "package", "path", "line", "rule", "split", "why", "set")


def package_name(directory: str) -> str:
    """`scikit-learn-1.5.2` -> `scikit-learn`; `espnet-202511` -> `espnet`."""
    head, _, version = directory.rpartition("-")
    return head if head and version[:1].isdigit() else directory


def expected_set(label: dict) -> str:
    return "held-out" if package_name(label["package"]) in HELD_OUT else "tuning"


def load_labels(path: Path) -> List[dict]:
    labels = json.loads(path.read_text())
    problems = []
    seen = set()
    for label in labels:
        missing = [f for f in FIELDS if f not in label]
        if missing:
            problems.append(f"{label.get('id', '?')}: missing {', '.join(missing)}")
            continue
        if label["id"] in seen:
            problems.append(f"{label['id']}: duplicate id")
        seen.add(label["id"])
        if label["split"] not in SPLITS:
            problems.append(f"{label['id']}: unknown split {label['split']!r}")
        if label["corpus"] not in ("ecosystem", "large"):
            problems.append(f"{label['id']}: unknown corpus {label['corpus']!r}")
        if label["set"] != expected_set(label):
            problems.append(f"{label['id']}: set {label['set']!r} but the held-out rule says "
                            f"{expected_set(label)!r}")
    if problems:
        raise SystemExit("labels.json is inconsistent:\n  " + "\n  ".join(problems))
    return labels


def run(labels: List[dict], roots: Dict[str, Path]) -> Tuple[List[dict], List[str]]:
    """Check each labelled file once, its package as a project; return one outcome per label
    and the problems (missing files, crashes)."""
    from numlint import Config, check_source
    from numlint.run.project import ProjectIndex

    config = Config()  # every rule, no pyproject.toml around the corpus applies
    problems: List[str] = []
    by_package: Dict[Tuple[str, str], List[dict]] = defaultdict(list)
    for label in labels:
        by_package[(label["corpus"], label["package"])].append(label)
    outcomes = []
    for (corpus, package), group in sorted(by_package.items()):
        root = roots[corpus] / package
        project = ProjectIndex([str(root), str(root / "src")])
        findings: Dict[str, Optional[list]] = {}
        for rel in sorted({label["path"] for label in group}):
            path = root / rel
            if not path.is_file():
                problems.append(f"missing: {path}")
                findings[rel] = None
                continue
            try:
                findings[rel] = check_source(path.read_bytes(), str(path), config, project)
            except Exception:
                problems.append(f"crash: {path}\n{traceback.format_exc()}")
                findings[rel] = None
        for label in group:
            found = findings[label["path"]]
            lines = set(range(label["line"] - TOLERANCE, label["line"] + TOLERANCE + 1))
            lines |= set(label.get("alt_lines", ()))
            near = [d for d in (found or []) if d.start.row in lines]
            hit = [d for d in near if d.code == label["rule"]]
            exact = any(d.start.row == label["line"] or d.start.row in label.get("alt_lines", ())
                        for d in hit)
            outcomes.append(dict(
                label, found=bool(hit), exact=exact, checked=found is not None,
                reported=[f"{d.start.row}:{d.start.column} {d.code} {d.message}" for d in near]))
    return outcomes, problems


def ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100.0 * hits / total:.0f}%)" if total else "-"


def table(title: str, outcomes: List[dict], key: str, order) -> List[str]:
    by_set = {s: [o for o in outcomes if o["set"] == s] for s in ("tuning", "held-out")}
    rows = [f"| {title} | tuning | held-out | all |", "| --- | ---: | ---: | ---: |"]
    keys = [k for k in order if any(o[key] == k for o in outcomes)]
    for k in keys + ["total"]:
        cells = []
        for group in (by_set["tuning"], by_set["held-out"], outcomes):
            chosen = group if k == "total" else [o for o in group if o[key] == k]
            cells.append(ratio(sum(o["found"] for o in chosen), len(chosen)))
        rows.append(f"| {'**total**' if k == 'total' else k} | " + " | ".join(cells) + " |")
    return rows


def report(outcomes: List[dict], show_held_out: bool = False) -> None:
    from numlint import __version__
    rules = sorted({o["rule"] for o in outcomes})
    print(f"numlint {__version__}: {len(outcomes)} labels, "
          f"{sum(o['found'] for o in outcomes)} found "
          f"(rule on the label's line ±{TOLERANCE}, or an alt_line; "
          f"{sum(o['found'] and not o['exact'] for o in outcomes)} only within the tolerance)\n")
    print("\n".join(table("rule", outcomes, "rule", rules)))
    print()
    print("\n".join(table("split", outcomes, "split", SPLITS)))
    misses = [o for o in outcomes if not o["found"]]
    hidden = [] if show_held_out else [o for o in misses if o["set"] == "held-out"]
    misses = [o for o in misses if o not in hidden]
    if misses:
        print(f"\nMisses ({len(misses)}):")
    if hidden:
        print(f"\n{len(hidden)} held-out misses not shown: they are not to be read while "
              "tuning (`--show-held-out` prints them)")
    for o in sorted(misses, key=lambda o: (o["set"], o["rule"], o["id"])):
        print(f"  [{o['set']}] {o['id']} {o['rule']} ({o['split']}) "
              f"{o['package']}/{o['path']}:{o['line']}")
        print(f"      {o['why']}")
        for r in o["reported"]:
            print(f"      numlint there: {r}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("tuning", "held-out", "all"), default="all",
                        help="which labels to measure (default: all, reported apart)")
    parser.add_argument("--json", type=Path, metavar="OUT",
                        help="write every label with its outcome to OUT")
    parser.add_argument("--show-held-out", action="store_true",
                        help="also list the held-out misses (not to be read while tuning)")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, metavar="FILE")
    parser.add_argument("--ecosystem", type=Path, default=DEFAULT_ECOSYSTEM, metavar="DIR",
                        help="the ecosystem corpus (default: %(default)s)")
    parser.add_argument("--large", type=Path, default=DEFAULT_LARGE, metavar="DIR",
                        help="perf.py's large tier, unpacked (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        import numlint  # noqa: F401
    except ImportError:
        parser.error("numlint is not importable: `pip install -e .` from the repository first")
    labels = load_labels(args.labels)
    if args.set != "all":
        labels = [l for l in labels if l["set"] == args.set]
    started = time.perf_counter()
    outcomes, problems = run(labels, {"ecosystem": args.ecosystem, "large": args.large})
    report(outcomes, args.show_held_out)
    print(f"\nTime: {time.perf_counter() - started:.1f}s")
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.json:
        from numlint import __version__
        args.json.write_text(json.dumps(
            {"numlint_version": __version__, "tolerance": TOLERANCE, "set": args.set,
             "labels": outcomes, "problems": problems}, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
