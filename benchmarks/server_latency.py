"""How long `numlint server` takes to publish diagnostics after a change to a 2,000-line buffer.

Starts the real server over stdio (tests/lsp_client.py), opens a generated 2,000-line module
of a project (a `pyproject.toml` with `[tool.numlint]`, a first-party module it imports, so
the configuration and the module summaries are in play), then types: each edit is one
incremental `didChange` on a line in the middle of the buffer, alternately adding and
removing a hazard, and the time until the `publishDiagnostics` of that version is measured.
The debounce is subtracted. Reported: the median and the spread of

* wall time from `didChange` to `publishDiagnostics`, minus the debounce;
* the server's CPU time for the check (its worker thread's `thread_time`, as the server logs it
  with the `logTimings` initialization option), which a busy machine does not inflate;
* the server process's whole CPU time per edit (/proc, user + system), reading and writing
  the messages included.

    python benchmarks/server_latency.py [--edits 21] [--debounce 100] [--lines 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from lsp_client import LspClient  # noqa: E402

BLOCK = '''

class Classifier{n}(nn.Module):
    """A small classifier ({n})."""

    def __init__(self, width):
        super().__init__()
        self.layer = nn.Linear(width, width)
        self.scale = width ** 0.5

    def forward(self, x):
        h = self.layer(x) / self.scale
        return F.log_softmax(h, dim=-1)


def train_step{n}(model, batch, targets, optimizer):
    optimizer.zero_grad()
    logits = model(batch)
    loss = F.nll_loss(logits, targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate{n}(model, batches):
    total = 0.0
    for batch, targets in batches:
        with torch.no_grad():
            scores = probabilities(model(batch))
            total += (scores.argmax(-1) == targets).float().mean().item()
            total -= torch.log(probabilities(model(batch))).mean().item()
    return total / max(len(batches), 1)


def normalise{n}(x, eps=1e-6):
    mean = x.mean(dim=0, keepdim=True)
    std = x.std(dim=0, keepdim=True)
    return (x - mean) / (std + eps)
'''

HEADER = '''"""A generated module for the server's latency benchmark."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import probabilities
'''

HAZARD_LINE = "    hazard = torch.log(F.softmax(x, dim=-1))\n"
SAFE_LINE = "    hazard = F.log_softmax(x, dim=-1)\n"


def make_buffer(lines: int) -> str:
    parts = [HEADER]
    n = 0
    while sum(p.count("\n") for p in parts) < lines - 4:
        parts.append(BLOCK.format(n=n))
        n += 1
    text = "".join(parts)
    kept = text.splitlines(keepends=True)[:lines - 3]
    return "".join(kept) + "\n\ndef edited(x):\n" + SAFE_LINE


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=21)
    parser.add_argument("--debounce", type=int, default=100, help="milliseconds")
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / "pyproject.toml").write_text('[tool.numlint]\nignore = ["NL6"]\n')
        (project / "helpers.py").write_text(
            "import torch\n\ndef probabilities(z):\n    return torch.softmax(z, dim=-1)\n")
        path = project / "model.py"
        text = make_buffer(args.lines)
        path.write_text(text)
        uri = path.as_uri()
        line_count = text.count("\n")
        edited_line = line_count - 1  # 0-based: the body line of `edited`

        client = LspClient([sys.executable, "-m", "numlint", "server"], cwd=project)
        try:
            client.initialize(project.as_uri(), {"debounce": args.debounce,
                                                 "logTimings": True})
            mark = client.mark()
            started = time.perf_counter()
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text}})
            first = client.diagnostics(uri, mark)
            client.wait_for(lambda m: m.get("method") == "window/logMessage"
                            and m["params"]["message"].startswith("checked "), mark)
            opened = time.perf_counter() - started
            walls, cpus, process = [], [], []
            version = 1
            for edit in range(args.edits):
                version += 1
                new, old = (HAZARD_LINE, SAFE_LINE) if edit % 2 == 0 else (SAFE_LINE,
                                                                          HAZARD_LINE)
                mark = client.mark()
                before = process_cpu(client.process.pid)
                sent = time.perf_counter()
                client.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {
                        "start": {"line": edited_line, "character": 0},
                        "end": {"line": edited_line, "character": len(old) - 1}},
                        "text": new.rstrip("\n")}]})
                message = client.wait_for(
                    lambda m: m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri and m["params"].get("version") == version,
                    mark)
                received = client.received_at[client.notifications.index(message)]
                walls.append(1000 * (received - sent) - args.debounce)
                timing = client.wait_for(lambda m: m.get("method") == "window/logMessage"
                                         and m["params"]["message"].startswith("checked "),
                                         mark)
                cpus.append(float(re.search(r"cpu ([0-9.]+) ms",
                                            timing["params"]["message"]).group(1)))
                time.sleep(0.05)  # the server's own bookkeeping after publishing
                process.append(1000 * (process_cpu(client.process.pid) - before))
                found = len(message["params"]["diagnostics"])
                assert found == len(first) + (edit % 2 == 0), (found, len(first))
            code = client.shutdown_and_exit()
        finally:
            client.kill()

    def describe(values):
        values = sorted(values)
        return (f"median {statistics.median(values):6.1f} ms  (min {values[0]:.1f}, "
                f"max {values[-1]:.1f})")

    print(f"buffer: {line_count} lines, {len(first)} findings; {args.edits} edits; "
          f"debounce {args.debounce} ms; first diagnostics after open {1000 * opened:.0f} ms")
    print(f"didChange -> publishDiagnostics, minus the debounce: {describe(walls)}")
    print(f"check CPU time in the server (worker thread):   {describe(cpus)}")
    print(f"server process CPU time per edit (/proc):       {describe(process)}")
    print(f"exit status after shutdown + exit: {code}")


if __name__ == "__main__":
    main()
