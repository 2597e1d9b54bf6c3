"""Checking in a process pool: the same results, in the same order, as one process."""

import json

import pytest

from numlint.run import pool as parallel
from numlint.run.config import Config
from numlint.run.runner import process_file

from conftest import LOG_SUM_EXP, dedent

SOFTMAX = dedent("""
    import numpy as np

    def softmax(x):
        e = np.exp(x)
        return e / e.sum()
""")


@pytest.fixture
def tree(write):
    files = []
    for i in range(24):
        body = [LOG_SUM_EXP, SOFTMAX, "x = 1\n", "def f(:\n"][i % 4]
        # Padding makes the tree big enough to be worth a pool.
        files.append(write(f"pkg/m{i:02d}.py", body + "\n" + "# padding\n" * (1200 + 300 * i)))
    return files


def test_pool_gives_the_same_results_in_order(tree, monkeypatch):
    files = [(p, Config()) for p in tree]
    started = []
    real = parallel._run_pool
    monkeypatch.setattr(parallel, "_run_pool",
                        lambda *a: started.append(1) or real(*a))
    pooled = parallel.check_files(files, jobs=2)
    assert started, "24 files of 300 KB must be checked in a pool"
    serial = [process_file(p, c) for p, c in files]
    assert [r.path for r in pooled] == [r.path for r in serial]
    assert [r.path.rsplit("/", 1)[-1] for r in pooled] == [p.name for p in tree]
    assert [[(d.code, d.start, d.message) for d in r.diagnostics] for r in pooled] == \
        [[(d.code, d.start, d.message) for d in r.diagnostics] for r in serial]
    assert {d.code for r in pooled for d in r.diagnostics} == {"NL102", "NL103", "NL901"}


def test_few_files_stay_in_process(write, monkeypatch):
    files = [(write(f"m{i}.py", LOG_SUM_EXP), Config()) for i in range(3)]
    monkeypatch.setattr(parallel, "_run_pool", lambda *a: pytest.fail("no pool for 3 files"))
    results = parallel.check_files(files, jobs=4)
    assert [r.diagnostics[0].code for r in results] == ["NL102"] * 3


def test_cli_jobs_are_deterministic(tree, numlint_process, tmp_path):
    outputs = []
    for jobs in ("1", "2"):
        result = numlint_process("check", "pkg", "--no-cache", "--jobs", jobs,
                                 "--output-format", "json")
        assert result.returncode == 1  # the syntax errors are findings
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    assert len({d["filename"] for d in outputs[0]}) == 18


def test_fix_in_parallel(tree, numlint_process, tmp_path):
    result = numlint_process("check", "pkg", "--fix", "--jobs", "2")
    assert result.returncode == 1  # only the syntax errors remain
    fixed = (tmp_path / "pkg" / "m00.py").read_text()
    assert "logaddexp" in fixed and fixed.endswith("# padding\n")
    after = numlint_process("check", "pkg", "--output-format", "json")
    remaining = {d["code"] for d in json.loads(after.stdout)}
    assert "NL102" not in remaining and "NL901" in remaining


def test_progress_bar_only_when_asked(tree, capsys, monkeypatch):
    files = [(p, Config()) for p in tree[:4]]
    parallel.check_files(files, jobs=1, progress=False)
    assert capsys.readouterr().err == ""
    advanced = []
    real = parallel._Progress.advance
    monkeypatch.setattr(parallel._Progress, "advance",
                        lambda self: advanced.append(self.progress is not None) or real(self))
    parallel.check_files(files, jobs=1, progress=True)
    assert advanced == [True] * 4


def test_progress_bar_silent_when_not_a_tty(tree, numlint_process):
    result = numlint_process("check", "pkg", "--no-cache", "--output-format", "json")
    assert b"checking" not in result.stderr


def test_default_jobs_is_the_usable_cores():
    assert parallel.default_jobs() >= 1


def test_each_file_is_checked_with_the_cycle_collector_paused(write, monkeypatch):
    import gc

    files = [(write(f"m{i}.py", LOG_SUM_EXP), Config()) for i in range(2)]
    seen = []
    real = parallel.process_file
    monkeypatch.setattr(parallel, "process_file",
                        lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    assert gc.isenabled()
    results = parallel.check_files(files, jobs=1)
    assert seen == [False, False]
    assert gc.isenabled()  # restored after every file
    assert [r.diagnostics[0].code for r in results] == ["NL102"] * 2


def test_one_configuration_object_per_configuration_file(write, monkeypatch, tmp_path):
    """Directories under one pyproject.toml share one Config (its patterns compiled once),
    also with command-line overrides."""
    from click.testing import CliRunner

    from numlint.cli import main as cli

    write("pyproject.toml", "[tool.numlint]\nextend-exclude = ['skip']\n")
    for directory in ("a", "b/c", "d"):
        write(f"{directory}/m.py", LOG_SUM_EXP)
    captured = []
    real = parallel.check_files
    monkeypatch.setattr(parallel, "check_files",
                        lambda files, *a, **k: captured.extend(files) or real(files, *a, **k))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.cli, ["check", ".", "--no-cache", "--ignore", "NL1"])
    assert result.exit_code == 0, result.output
    assert len(captured) == 3
    assert len({id(config) for _, config in captured}) == 1
    assert captured[0][1].ignore == ("NL1",)
