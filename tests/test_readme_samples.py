"""The README's sample outputs are what the commands print (issue 16).

Each sample is the fenced block after a `<!-- sample: COMMAND -->` comment. The test runs the
command and compares; `NUMLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_readme_samples.py` writes
the real output into the README instead (review the diff).

* `numlint check fixtures/`: the first two findings as printed (piped), `...`, and the summary.
* `numlint rule NL102 --demo`: the whole output on a machine with NumPy and SciPy only (the
  other frameworks are reported as not installed), piped.
"""

import os
import re
import subprocess
import sys

import pytest

from numlint.authoring import proof

from conftest import ROOT

README = ROOT / "README.md"
UPDATE = bool(os.environ.get("NUMLINT_UPDATE_SNAPSHOTS"))
FINDINGS_SHOWN = 2


def sample(command: str):
    """(start, end) of the text of the sample block of `command` in the README."""
    readme = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- sample: {re.escape(command)} -->\n```\n(.*?)```\n", readme, re.S)
    assert found, f"README has no `<!-- sample: {command} -->` block"
    return readme, found.start(1), found.end(1)


def check_sample(command: str, real: str) -> None:
    readme, start, end = sample(command)
    if UPDATE:
        README.write_text(readme[:start] + real + readme[end:], encoding="utf-8")
        return
    assert readme[start:end] == real, \
        f"README's sample of `{command}` is not what it prints (NUMLINT_UPDATE_SNAPSHOTS=1 " \
        f"pytest tests/test_readme_samples.py rewrites it)"


def excerpt(output: str) -> str:
    """The first findings of a text report, `...`, and the summary."""
    blocks = output.split("\n\n")
    findings, summary = blocks[:-1], blocks[-1]
    shown = "\n\n".join(findings[:FINDINGS_SHOWN])
    if len(findings) > FINDINGS_SHOWN:
        shown += "\n...\n"
    return shown + summary


def test_check_sample_is_the_real_output():
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("COLUMNS", "NUMLINT_OUTPUT_FORMAT", "NO_COLOR")}
    process = subprocess.run([sys.executable, "-m", "numlint", "check", "--no-cache",
                              "fixtures/"], cwd=ROOT, capture_output=True, env=environment,
                             timeout=120)
    assert process.returncode == 1, process.stderr.decode()
    output = process.stdout.decode("utf-8")
    check_sample("numlint check fixtures/", excerpt(output))
    readme, start, _ = sample("numlint check fixtures/")
    first = re.search(r"^(\S+?):\d+:\d+:", readme[start:], re.M)
    assert first and output.startswith(first.group(1)), "the README's first file is not the first printed"


def test_demo_sample_is_the_real_output(run, monkeypatch):
    pytest.importorskip("numpy")
    pytest.importorskip("scipy")
    monkeypatch.setattr(proof, "missing_modules",
                        lambda framework: () if framework == "numpy" else (framework,))
    monkeypatch.delenv("COLUMNS", raising=False)
    result = run("rule", "NL102", "--demo")
    assert result.exit_code == 0, result.output
    check_sample("numlint rule NL102 --demo", result.output)
