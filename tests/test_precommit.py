"""The pre-commit hooks (`.pre-commit-hooks.yaml`), run by the real pre-commit.

pre-commit clones a hook repository at a revision and installs it (`pip install .`) in an
environment of its own. The test makes that repository from this checkout's working tree (the
files git tracks or would track, as they are on disk, committed in a temporary repository), so
it tests the code under test, not the last commit; in CI the two are the same. Installing needs
the package index (for numlint's dependencies and its build backend). Marked `slow`
(deselect with `-m "not slow"`); it skips without pre-commit or git.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LOG_SUM_EXP, LOG_SUM_EXP_FIXED, ROOT

pytest.importorskip("pre_commit", reason="needs pre-commit (pip install pre-commit)")
yaml = pytest.importorskip("yaml")  # a dependency of pre-commit

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

HOOKS = ROOT / ".pre-commit-hooks.yaml"

GIT_IDENTITY = ["-c", "user.name=numlint tests", "-c", "user.email=tests@numlint.invalid",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def environment(**extra) -> dict:
    """This process's environment without `GIT_*` variables (set when the tests run inside a
    git hook, they would point git at another repository) and numlint's output settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("NUMLINT_OUTPUT_FORMAT",
                                                      "NUMLINT_OUTPUT_FILE", "NUMLINT_JOBS")}
    env.update(extra)
    return env


def git(*args, cwd):
    return subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, check=True,
                          capture_output=True, text=True, env=environment(), timeout=120).stdout


def notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                   "outputs": [], "source": cell} for cell in cells],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }, indent=1) + "\n"


def test_hooks_file_is_a_valid_manifest_with_both_hooks(tmp_path):
    valid = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
                           capture_output=True, text=True, timeout=120,
                           env=environment(PRE_COMMIT_HOME=str(tmp_path)))
    assert valid.returncode == 0, valid.stdout + valid.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"numlint", "numlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi", "jupyter"]
        assert hook["require_serial"] is True  # numlint runs its own process pool
    # pre-commit names every file: exclusions must apply to named files too (as Ruff's hooks)
    assert hooks["numlint"]["entry"] == "numlint check --force-exclude"
    assert hooks["numlint-fix"]["entry"] == "numlint check --force-exclude --fix"


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory):
    """A git repository with one commit: the working tree of this checkout."""
    try:
        listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    except subprocess.CalledProcessError:
        pytest.skip(f"{ROOT} is not a git checkout")
    repository = tmp_path_factory.mktemp("numlint-hooks")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not os.path.lexists(source) or source.is_dir():
            continue  # deleted in the working tree, or a submodule
        target = repository / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    assert (repository / ".pre-commit-hooks.yaml").is_file()
    git("init", "-q", cwd=repository)
    git("add", "-A", cwd=repository)
    git("commit", "-q", "--no-verify", "-m", "the working tree under test", cwd=repository)
    return repository, git("rev-parse", "HEAD", cwd=repository).strip()


@pytest.fixture
def project(tmp_path, hook_repository):
    """A git repository using both hooks, with a hazard in a module and in a notebook."""
    repository, revision = hook_repository
    root = tmp_path / "project"
    root.mkdir()
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {repository}\n"
        f"    rev: {revision}\n"
        "    hooks:\n"
        "      - id: numlint\n"
        "      - id: numlint-fix\n")
    (root / "model.py").write_text(LOG_SUM_EXP)
    (root / "clean.py").write_text("import numpy as np\ny = np.log(x)\n")
    (root / "analysis.ipynb").write_text(
        notebook("import numpy as np\n", "y = np.log(np.sum(np.exp(x)))\n"))
    # Not Python: pre-commit must not pass it (numlint would report a syntax error).
    (root / "notes.txt").write_text("log(sum(exp(x))) is bad: see\n  model.py\n")
    # Excluded by the project's configuration: pre-commit names it, numlint must skip it.
    (root / "pyproject.toml").write_text("[tool.numlint]\nextend-exclude = ['vendored/']\n")
    (root / "vendored").mkdir()
    (root / "vendored" / "third_party.py").write_text(LOG_SUM_EXP)
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    return root


def run_pre_commit(project: Path, home: Path, *args):
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], cwd=project,
                          capture_output=True, text=True, timeout=600,
                          env=environment(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never"))


@pytest.mark.slow
def test_check_hook_fails_on_a_hazard_and_the_fix_hook_rewrites_it(project, tmp_path):
    home = tmp_path / "pre-commit-home"

    check = run_pre_commit(project, home, "numlint", "--all-files")
    output = check.stdout + check.stderr
    assert check.returncode == 1, output
    assert "model.py:5:12: NL102" in output
    assert "analysis.ipynb" in output and output.count("NL102") >= 2
    assert "clean.py" not in output and "notes.txt" not in output and "NL901" not in output
    assert "vendored" not in output
    assert (project / "model.py").read_text() == LOG_SUM_EXP  # the check hook writes nothing

    fix = run_pre_commit(project, home, "numlint-fix", "--all-files")
    output = fix.stdout + fix.stderr
    # pre-commit fails a hook that modified files, so that the fixes are reviewed and staged
    assert fix.returncode == 1, output
    assert "files were modified by this hook" in output
    assert (project / "model.py").read_text() == LOG_SUM_EXP_FIXED
    cells = json.loads((project / "analysis.ipynb").read_text())["cells"]
    assert "logaddexp" in "".join(cells[1]["source"])
    assert "exp(x)))" not in "".join(cells[1]["source"])

    assert (project / "vendored" / "third_party.py").read_text() == LOG_SUM_EXP
    again = run_pre_commit(project, home, "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("Passed") == 2
