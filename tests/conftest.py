import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from numlint.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run `numlint ARGS...` through click's runner in `tmp_path`; returns the result."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args, input=None):
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def numlint_process(tmp_path):
    """Run numlint as a real subprocess (`python -m numlint`) in `tmp_path`."""

    def invoke(*args, input=None, cwd=None, env=None):
        environment = dict(os.environ)
        environment.pop("NUMLINT_OUTPUT_FORMAT", None)
        environment.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "numlint", *args],
            cwd=cwd or tmp_path, input=input, capture_output=True, env=environment,
            timeout=120,
        )

    return invoke


@pytest.fixture
def write(tmp_path):
    """Write a dedented file under `tmp_path` and return its path."""

    def writer(name: str, text: str, *, raw: bool = False) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text if raw else dedent(text), encoding="utf-8")
        return path

    return writer


LOG_SUM_EXP = dedent("""
    import numpy as np


    def f(x):
        return np.log(np.sum(np.exp(x), axis=1))
    """)

LOG_SUM_EXP_FIXED = dedent("""
    import numpy as np


    def f(x):
        return np.logaddexp.reduce(x, axis=1)
    """)
