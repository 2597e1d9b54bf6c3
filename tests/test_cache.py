"""The result cache: hits on unchanged files, misses on any change, never breaks a run."""

import json
import os

from numlint.run import cache as cache_module
from numlint.run import pool as parallel
from numlint.run.config import config_for_directory

from conftest import LOG_SUM_EXP


def _json(result):
    return sorted((os.path.basename(d["filename"]), d["code"], d["location"]["row"])
                  for d in json.loads(result.output))


def _count_checks(monkeypatch):
    checked = []
    real = parallel.process_file

    def counting(path, *args, **kwargs):
        checked.append(os.path.basename(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(parallel, "process_file", counting)
    return checked


def test_warm_run_reads_the_cache(run, write, tmp_path, monkeypatch):
    write("a.py", LOG_SUM_EXP)
    write("b.py", "x = 1\n")
    checked = _count_checks(monkeypatch)
    cold = run("check", ".", "--output-format", "json")
    assert sorted(checked) == ["a.py", "b.py"] and cold.exit_code == 1
    directory = tmp_path / ".numlint_cache"
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert list(directory.glob("*.cache"))
    checked.clear()
    warm = run("check", ".", "--output-format", "json")
    assert checked == [] and warm.exit_code == 1
    assert _json(warm) == _json(cold)
    # The text format shows the source line of a cached finding too.
    text = run("check", ".")
    assert "a.py:5:12: NL102" in text.output and checked == []


def test_changes_miss(run, write, tmp_path, monkeypatch):
    write("a.py", LOG_SUM_EXP)
    write("b.py", "x = 1\n")
    checked = _count_checks(monkeypatch)
    run("check", ".")
    checked.clear()
    write("b.py", LOG_SUM_EXP)  # content
    result = run("check", ".", "--output-format", "json")
    assert checked == ["b.py"]
    assert {f for f, code, _ in _json(result)} == {"a.py", "b.py"}
    checked.clear()
    assert run("check", ".", "--select", "NL101").exit_code == 0  # configuration
    assert sorted(checked) == ["a.py", "b.py"]
    checked.clear()
    write("pyproject.toml", '[tool.numlint]\nper-file-ignores = {"a.py" = ["NL102"]}\n')
    config_for_directory.cache_clear()  # a new process would read it afresh
    result = run("check", ".", "--output-format", "json")
    assert sorted(checked) == ["a.py", "b.py"]
    assert [f for f, _, _ in _json(result)] == ["b.py"]
    checked.clear()
    monkeypatch.setattr(cache_module, "engine_key", lambda: "another-numlint")  # engine
    run("check", ".")
    assert sorted(checked) == ["a.py", "b.py"]


def test_no_cache_and_fix_do_not_use_it(run, write, tmp_path, monkeypatch):
    write("a.py", LOG_SUM_EXP)
    run("check", ".", "--no-cache")
    assert not (tmp_path / ".numlint_cache").exists()
    run("check", ".")
    checked = _count_checks(monkeypatch)
    result = run("check", ".", "--fix")
    assert checked == ["a.py"] and result.exit_code == 0
    assert "logaddexp" in (tmp_path / "a.py").read_text()
    checked.clear()
    assert run("check", ".").exit_code == 0  # the fixed file: new content, checked again
    assert checked == ["a.py"]


def test_clean_removes_it(run, write, tmp_path):
    write("a.py", "x = 1\n")
    run("check", ".")
    assert (tmp_path / ".numlint_cache").is_dir()
    result = run("clean")
    assert result.exit_code == 0 and not (tmp_path / ".numlint_cache").exists()
    assert run("clean").exit_code == 0  # nothing to remove is fine


def test_cache_in_project_root(run, write, tmp_path, monkeypatch):
    write("pyproject.toml", "[tool.numlint]\nselect = ['NL1']\n")
    write("pkg/sub/a.py", LOG_SUM_EXP)
    monkeypatch.chdir(tmp_path / "pkg" / "sub")
    from click.testing import CliRunner
    from numlint.cli.main import cli
    CliRunner().invoke(cli, ["check", "."])
    assert (tmp_path / ".numlint_cache").is_dir()
    assert not (tmp_path / "pkg" / "sub" / ".numlint_cache").exists()


def test_unwritable_or_corrupt_cache_never_fails(run, write, tmp_path, monkeypatch):
    write("a.py", LOG_SUM_EXP)
    (tmp_path / ".numlint_cache").write_text("not a directory")
    result = run("check", ".")
    assert result.exit_code == 1 and "NL102" in result.output
    (tmp_path / ".numlint_cache").unlink()
    run("check", ".")
    for cache_file in (tmp_path / ".numlint_cache").glob("*.cache"):
        cache_file.write_bytes(b"garbage")
    result = run("check", ".")
    assert result.exit_code == 1 and "NL102" in result.output


def test_errors_are_not_cached(run, write, monkeypatch):
    write("a.py", LOG_SUM_EXP)
    write("big.py", "x = 1\n" * 100)
    write("pyproject.toml", "[tool.numlint]\nmax-file-size = 300\n")
    config_for_directory.cache_clear()
    assert "NL906" in run("check", ".").output
    checked = _count_checks(monkeypatch)
    assert "NL906" in run("check", ".").output
    assert checked == ["big.py"]


def test_a_warm_run_does_not_load_the_engine(write, tmp_path):
    """With every result in the cache, the model, the framework table and the rule catalog
    are never imported (about 60 ms of every run's start-up)."""
    import subprocess
    import sys

    write("a.py", LOG_SUM_EXP)
    write("b.py", "x = 1\n")
    script = "\n".join([
        "import sys",
        "from numlint.cli.main import main",
        "try:",
        "    main(['check', '.'])",
        "except SystemExit:",
        "    pass",
        "engine = ('numlint.engine.semantic.model', 'numlint.engine.rule', 'numlint.engine.table', 'numlint.engine.builtin')",
        "print('LOADED', sorted(m for m in sys.modules if m in engine), file=sys.stderr)",
    ])

    def loaded():
        result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        assert "a.py:5:12: NL102" in result.stdout, result.stderr
        return result.stderr.rsplit("LOADED ", 1)[1].strip()

    assert loaded() == ("['numlint.engine.builtin', 'numlint.engine.rule', "
                        "'numlint.engine.semantic.model', 'numlint.engine.table']")
    assert loaded() == "[]"
