"""Every failure belongs to one file (issue 15, item 2), and `--fix` keeps the file (item 4).

Deep expressions (CPython compiles a sum of about 3,000 terms), a model, rule, parser or
fixer that fails on one file, configuration of the wrong shape, paths that cannot be read,
and the metadata of fixed files: mode, owner, hard links, a read-only file.
"""

import ast
import errno
import os
import stat
import subprocess
import sys

import pytest

from numlint import check_source, fix_source
from numlint.engine import check
from numlint.engine.semantic import scopes
from numlint.run import runner

from conftest import LOG_SUM_EXP, LOG_SUM_EXP_FIXED

HAZARD = "import numpy as np\ny = np.log(np.sum(np.exp(x)))\n"


def deep_sum(terms: int, term: str = "a") -> str:
    return HAZARD + "z = " + " + ".join([term] * terms) + "\n"


def codes(found):
    return sorted(d.code for d in found)


# -- deep code: the walk, the parse ---------------------------------------------------------------

def test_a_sum_of_1000_terms_is_checked():
    # Was: RecursionError out of the model walk (check_source raised).
    assert codes(check_source(deep_sum(1000), "m.py")) == ["NL102"]


@pytest.mark.parametrize("make", [
    lambda n: "z = np" + ".a" * n,                      # attributes
    lambda n: "z = f" + "()" * n,                        # calls of calls
    lambda n: "z = x" + "[0]" * n,                       # subscripts
    lambda n: "z = " + "not " * n + "x",                 # unary operators
    lambda n: "z = " + "a if b else " * n + "c",         # conditional expressions
    lambda n: "z = " + "lambda: " * n + "x",             # lambdas (a scope each)
    lambda n: "z = " + " ** ".join(["a"] * n),           # right-nested operators
    lambda n: "z = " + " - ".join(["np.exp(x)"] * n),   # operations all the way down
], ids=["attribute", "call", "subscript", "not", "ifexp", "lambda", "pow", "operations"])
def test_deep_expressions_of_every_kind(make):
    source = HAZARD + make(2000) + "\n"
    compile(source, "m.py", "exec")  # CPython compiles it: numlint must check it
    found = check_source(source, "m.py")
    assert "NL102" in codes(found) and not [d for d in found if d.code.startswith("NL9")]


def test_a_long_elif_chain_is_checked():
    # `elif` nests statements as deep as a sum nests expressions: the statement walk is
    # iterative too.
    source = "import numpy as np\nif a:\n    e = 1\n" + "elif a:\n    e = 1\n" * 2500 + \
        "y = np.log(np.sum(np.exp(x)))\n"
    compile(source, "m.py", "exec")
    assert codes(check_source(source, "m.py")) == ["NL102"]


def test_the_walk_does_not_recurse_on_depth(monkeypatch):
    # Measured on the walk itself, not through the retry with a large stack.
    monkeypatch.setattr(check, "run_deep", _no_retry)
    tree = check.parse_python(deep_sum(2900))
    from numlint.engine.semantic.model import SemanticModel
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200 + _depth())
    try:
        model = SemanticModel(tree)
    finally:
        sys.setrecursionlimit(limit)
    assert len(model.operations) > 2900
    model.release()


def _no_retry(function, *args):
    raise AssertionError("checked again with a large stack: something recursed")


def _depth():
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def test_a_sum_cpython_compiles_parses_however_deep_the_caller():
    # Was: NL901 "maximum recursion depth exceeded during ast construction" for a
    # 2,970-term sum that `python m.py` compiles (numlint parsed deeper in the stack).
    source = deep_sum(2970)
    compiles = subprocess.run([sys.executable, "-c", "import sys; compile(sys.stdin.read(), "
                               "'m.py', 'exec')"], input=source, text=True, capture_output=True)
    assert compiles.returncode == 0, compiles.stderr  # `python m.py` compiles it

    def at_depth(n):
        return at_depth(n - 1) if n else check_source(source, "m.py")

    assert codes(at_depth(300)) == ["NL102"]


def test_what_cpython_cannot_compile_is_a_syntax_error():
    (found,) = check_source(deep_sum(6000), "m.py")
    assert found.code == "NL901" and "recursion" in found.message


def test_the_parse_leaves_the_recursion_limit_as_it_was():
    limit = sys.getrecursionlimit()
    check_source(deep_sum(6000), "m.py")
    check_source(deep_sum(1000), "m.py")
    assert sys.getrecursionlimit() == limit


def test_expression_fields_match_the_ast():
    left_out = {"op", "ops", "ctx", "attr", "conversion"}
    for kind, fields in scopes._EXPRESSION_FIELDS.items():
        assert fields == tuple(f for f in kind._fields if f not in left_out), kind


# -- containment: one file's failure is that file's --------------------------------------------

def _deep_rule(monkeypatch, depth):
    """NL102 recurses `depth` levels before checking (as a rule recursing on operands)."""
    from numlint.engine.registry import find_rule
    rule = find_rule("NL102")
    original = type(rule).check

    def recurse(n):
        return recurse(n - 1) if n else None

    def check_deeply(self, ctx, op):
        recurse(depth)
        return original(self, ctx, op)

    monkeypatch.setattr(type(rule), "check", check_deeply)


def test_a_rule_recursing_deeply_is_checked_again_with_a_large_stack(monkeypatch):
    # Was: NL905 RecursionError (a valid module, an internal error).
    _deep_rule(monkeypatch, 20_000)
    assert codes(check_source(LOG_SUM_EXP, "m.py")) == ["NL102"]
    assert fix_source(LOG_SUM_EXP, "m.py").source.text == LOG_SUM_EXP_FIXED


def test_a_rule_recursing_forever_is_an_internal_error_on_the_file(monkeypatch):
    _deep_rule(monkeypatch, 10 ** 9)
    source = LOG_SUM_EXP + "import torch\nb = torch.log(torch.softmax(x, 1))\n"
    found = check_source(source, "m.py")
    assert codes(found) == ["NL101", "NL905"]  # the other rule's finding stands
    (error,) = [d for d in found if d.code == "NL905"]
    assert "NL102" in error.message and "RecursionError" in error.message
    assert sys.getrecursionlimit() < 10_000


def _failing_model(monkeypatch, exc=RuntimeError("model bug")):
    from numlint.engine.semantic import model
    real = model.SemanticModel

    def failing(tree, project=None):
        if any(isinstance(n, ast.Name) and n.id == "BOOM" for n in ast.walk(tree)):
            raise exc
        return real(tree, project)

    monkeypatch.setattr(model, "SemanticModel", failing)


def test_check_source_never_raises(monkeypatch):
    # Was: the model's exception out of check_source.
    _failing_model(monkeypatch)
    (found,) = check_source(LOG_SUM_EXP + "BOOM\n", "m.py")
    assert found.code == "NL905" and "RuntimeError: model bug" in found.message
    result = fix_source(LOG_SUM_EXP + "BOOM\n", "m.py")
    assert result.source.text == LOG_SUM_EXP + "BOOM\n" and not result.fixed
    assert "NL905" in codes(result.diagnostics)


def test_a_failing_fixer_fixes_nothing_and_reports_the_findings(monkeypatch):
    def broken(text, edits):
        raise ValueError("overlapping edits")

    monkeypatch.setattr(check, "apply_edits", broken)
    result = fix_source(LOG_SUM_EXP, "m.py")
    assert result.source.text == LOG_SUM_EXP and not result.changed and not result.fixed
    assert codes(result.diagnostics) == ["NL102", "NL905"]
    assert all(d.fix is None for d in result.diagnostics)
    assert "fixing the file: ValueError: overlapping edits" in result.diagnostics[-1].message


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_failing_file_does_not_stop_the_run_or_its_fixes(run, write, monkeypatch, jobs):
    # Was: "internal error", exit 2, no findings for the others, and (with --fix) some
    # files rewritten silently.
    _failing_model(monkeypatch)
    write("bad.py", LOG_SUM_EXP + "BOOM\n")
    for index in range(10):
        write(f"good{index}.py", LOG_SUM_EXP + "#" * 30_000 + "\n")  # enough for a pool
    write("deep.py", deep_sum(1000))
    result = run("check", "--no-cache", "--fix", "--jobs", jobs, ".")
    assert result.exit_code == 2  # an internal failure on one file
    assert "bad.py:1:1: NL905 internal error while checking the file: RuntimeError: model " \
           "bug" in result.output
    assert "internal error: " not in result.output.replace("NL905 internal error", "")
    from pathlib import Path
    assert all(Path(f"good{i}.py").read_text().startswith(LOG_SUM_EXP_FIXED) for i in range(10))
    assert "np.logaddexp.reduce" in Path("deep.py").read_text()
    assert Path("bad.py").read_text() == LOG_SUM_EXP + "BOOM\n"


def test_a_deep_file_in_a_run(run, write):
    write("deep.py", deep_sum(1000))
    write("good.py", LOG_SUM_EXP)
    result = run("check", "--no-cache", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert "deep.py:2:5: NL102" in result.output and "good.py:5:12: NL102" in result.output
    assert "error" not in result.output.lower().replace("found 2 errors", "")


def test_the_flake8_plugin_checks_a_deep_module(tmp_path, monkeypatch):
    from numlint.cli.flake8_plugin import Plugin
    monkeypatch.chdir(tmp_path)
    source = deep_sum(1000)
    lines = source.splitlines(keepends=True)
    found = list(Plugin(ast.parse(source), "m.py", lines).run())
    assert [message.split()[0] for _, _, message, _ in found] == ["NL102"]


def test_the_flake8_plugin_never_raises(tmp_path, monkeypatch):
    from numlint.cli.flake8_plugin import Plugin
    monkeypatch.chdir(tmp_path)
    _failing_model(monkeypatch, RecursionError("maximum recursion depth exceeded"))
    source = LOG_SUM_EXP + "BOOM\n"
    found = list(Plugin(ast.parse(source), "m.py", source.splitlines(keepends=True)).run())
    assert [(row, message.split()[0]) for row, _, message, _ in found] == [(1, "NL905")]
    assert "nested too deeply" in found[0][2]


# -- configuration of the wrong shape -------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("tool = 3\n", "pyproject.toml: 'tool' must be a table ([tool]), not a number"),
    ("[tool]\nnumlint = 5\n",
     "pyproject.toml: 'tool.numlint' must be a table ([tool.numlint]), not a number"),
    ("tool = [1]\n", "pyproject.toml: 'tool' must be a table ([tool]), not an array"),
    ("[tool]\nnumlint = 'NL1'\n", "'tool.numlint' must be a table ([tool.numlint]), not a string"),
    (b"[tool.numlint]\nselect = ['\xff']\n", "pyproject.toml: invalid TOML: not UTF-8"),
])
def test_configuration_of_the_wrong_shape(run, write, text, message):
    # Was: "internal error: AttributeError: 'int' object has no attribute 'get'".
    write("pyproject.toml", text if isinstance(text, bytes) else text.encode())
    write("m.py", LOG_SUM_EXP)
    result = run("check", "m.py")
    assert result.exit_code == 2
    assert message in result.output and "internal error" not in result.output


def test_other_tools_tables_are_not_judged(run, write):
    write("pyproject.toml", "[tool]\nblack = 3\n[tool.ruff]\nline-length = 'x'\n")
    write("m.py", LOG_SUM_EXP)
    assert run("check", "m.py").exit_code == 1


# -- paths that cannot be read ------------------------------------------------------------------

def test_an_unreadable_directory_named_on_the_command_line(run, write, monkeypatch, tmp_path):
    # Was: click's usage error "Path 'secret' is not readable", exit 2, nothing checked.
    # Simulated (the suite may run as root, who reads everything).
    write("secret/m.py", LOG_SUM_EXP)
    write("good.py", LOG_SUM_EXP)
    secret = str(tmp_path / "secret")
    real_access, real_scandir = os.access, os.scandir

    def access(path, mode, *args, **kwargs):
        if os.path.abspath(path) == secret and mode & os.R_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    def scandir(path="."):
        if os.path.abspath(path) == secret:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "scandir", scandir)
    result = run("check", "--no-cache", "--output-format", "concise", "secret", "good.py")
    assert result.exit_code == 1
    assert "secret:1:1: NL902 cannot read the directory: Permission denied" in result.output
    assert "good.py:5:12: NL102" in result.output


def _as_nobody():
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv"):
        return None
    return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.skipif(_as_nobody() is None, reason="needs root and setpriv to drop to nobody")
def test_unreadable_paths_named_on_the_command_line_for_real():
    import shutil
    import tempfile
    from pathlib import Path
    tmp_path = Path(tempfile.mkdtemp(prefix="numlint-nobody-", dir="/tmp"))
    try:
        _unreadable_for_nobody(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _unreadable_for_nobody(tmp_path):
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "m.py").write_text(LOG_SUM_EXP)
    (tmp_path / "closed").chmod(0o700)
    (tmp_path / "good.py").write_text(LOG_SUM_EXP)
    tmp_path.chmod(0o755)
    done = subprocess.run(
        _as_nobody() + [sys.executable, "-m", "numlint", "check", "--no-cache",
                        "--output-format", "concise", "closed", "closed/m.py", "good.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "HOME": str(tmp_path)})
    if "Permission denied" in done.stderr and "python" in done.stderr.lower():
        pytest.skip("nobody cannot run this interpreter")
    assert done.returncode == 1, done.stderr
    assert "closed:1:1: NL902 cannot read the directory: Permission denied" in done.stdout
    assert "closed/m.py:1:1: NL902 cannot read the file: Permission denied" in done.stdout
    assert "good.py:5:12: NL102" in done.stdout
    # Run from a directory whose parent cannot be searched: its files are still checked.
    inner = tmp_path / "private" / "inner"
    inner.mkdir(parents=True)
    (inner / "good.py").write_text(LOG_SUM_EXP)
    inner.chmod(0o777)
    (tmp_path / "private").chmod(0o700)
    done = subprocess.run(
        _as_nobody() + [sys.executable, "-m", "numlint", "check", "--no-cache",
                        "--output-format", "concise", "good.py"],
        cwd=inner, capture_output=True, text=True, timeout=120,
        env={**os.environ, "HOME": str(tmp_path)})
    assert "internal error" not in done.stderr, done.stderr
    assert done.returncode == 1 and "good.py:5:12: NL102" in done.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_named_like_a_module_does_not_block_the_run(tmp_path):
    # Was: the run blocked forever opening it.
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "good.py").write_text(LOG_SUM_EXP)
    done = subprocess.run([sys.executable, "-m", "numlint", "check", "--output-format",
                           "concise", "."], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "pipe.py:1:1: NL902 cannot read the file: not a regular file" in done.stdout
    assert "good.py:5:12: NL102" in done.stdout


# -- --fix keeps the file --------------------------------------------------------------------------

def test_fix_keeps_the_mode(run, write):
    path = write("m.py", LOG_SUM_EXP)
    path.chmod(0o751)
    assert run("check", "--fix", "m.py").exit_code == 0
    assert path.read_text() == LOG_SUM_EXP_FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


def test_fix_keeps_hard_links(run, write, tmp_path):
    # Was: the other name kept the old text (a rename breaks the link).
    path = write("m.py", LOG_SUM_EXP)
    os.link(path, tmp_path / "other_name.txt")
    inode = path.stat().st_ino
    assert run("check", "--fix", "m.py").exit_code == 0
    assert (tmp_path / "other_name.txt").read_text() == LOG_SUM_EXP_FIXED
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert not list(tmp_path.glob(".*numlint*"))  # no backup or temporary file left


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_fix_keeps_the_owner(run, write):
    # Was: the fixed file belonged to the user who ran --fix.
    path = write("m.py", LOG_SUM_EXP)
    os.chown(path, 65534, 65534)
    path.chmod(0o640)
    assert run("check", "--fix", "m.py").exit_code == 0
    status = path.stat()
    assert path.read_text() == LOG_SUM_EXP_FIXED
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (65534, 65534, 0o640)


def test_an_owner_the_process_cannot_give_is_kept_by_writing_in_place(run, write, monkeypatch):
    # As for a user fixing another user's group-writable file: fchown is refused.
    path = write("m.py", LOG_SUM_EXP)
    inode, status = path.stat().st_ino, path.stat()
    real = os.fchown

    def refuse(fd, uid, gid):
        if (uid, gid) != (os.fstat(fd).st_uid, os.fstat(fd).st_gid):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real(fd, uid, gid)

    monkeypatch.setattr(os, "fchown", refuse)
    monkeypatch.setattr(os, "fstat", lambda fd, real_fstat=os.fstat: _other_owner(real_fstat(fd)))
    assert run("check", "--fix", "m.py").exit_code == 0
    assert path.read_text() == LOG_SUM_EXP_FIXED and path.stat().st_ino == inode
    assert path.stat().st_uid == status.st_uid


class _other_owner:
    """A stat result of a new file owned by someone else than the fixed file's owner."""

    def __init__(self, status):
        self._status = status

    def __getattr__(self, name):
        return getattr(self._status, name)

    @property
    def st_uid(self):
        return self._status.st_uid + 1


def test_a_read_only_file_is_reported_and_not_touched(run, write):
    # Was: rewritten anyway (a rename needs only the directory's permission; root writes
    # whatever the mode).
    path = write("m.py", LOG_SUM_EXP)
    path.chmod(0o444)
    write("good.py", LOG_SUM_EXP)
    result = run("check", "--fix", "--output-format", "concise", ".")
    assert path.read_text() == LOG_SUM_EXP and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert "m.py:1:1: NL902 not fixed: the file is read-only (no write permission)" \
        in result.output
    assert "m.py:5:12: NL102 [*]" in result.output  # the finding remains, fixable
    assert (path.parent / "good.py").read_text() == LOG_SUM_EXP_FIXED
    assert result.exit_code == 1


def test_a_read_only_file_without_fixes_is_not_reported(run, write):
    path = write("m.py", "x = 1\n")
    path.chmod(0o444)
    result = run("check", "--fix", "m.py")
    assert result.exit_code == 0 and "NL902" not in result.output


def test_add_noqa_does_not_touch_a_read_only_file(run, write):
    path = write("m.py", LOG_SUM_EXP)
    path.chmod(0o444)
    result = run("check", "--add-noqa", "m.py")
    assert path.read_text() == LOG_SUM_EXP
    assert "read-only" in result.output and result.exit_code == 2


def test_writing_in_place_keeps_a_backup_until_the_new_text_is_synced(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_bytes(b"old text\n")
    seen = []
    real = runner._overwrite

    def overwrite(target, data):
        (backup,) = tmp_path.glob(".m.py.*.numlint-backup")
        seen.append(backup.read_bytes())
        real(target, data)

    monkeypatch.setattr(runner, "_overwrite", overwrite)
    runner.write_in_place(path, b"new\n")
    assert seen == [b"old text\n"] and path.read_bytes() == b"new\n"
    assert not list(tmp_path.glob(".*numlint*"))


def test_a_failed_write_in_place_puts_the_old_text_back(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_bytes(b"old text\n")
    real = runner._overwrite
    calls = []

    def overwrite(target, data):
        calls.append(data)
        if len(calls) == 1:
            real(target, data[:2])  # part of the new text written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(target, data)

    monkeypatch.setattr(runner, "_overwrite", overwrite)
    with pytest.raises(OSError, match="No space left"):
        runner.write_in_place(path, b"new text, longer\n")
    assert path.read_bytes() == b"old text\n"
    assert not list(tmp_path.glob(".*numlint*"))


def test_a_failed_write_reports_the_file_unfixed(run, write, monkeypatch):
    path = write("m.py", LOG_SUM_EXP)

    def full(target, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "write_fixed", full)
    result = run("check", "--fix", "--output-format", "concise", "m.py")
    assert path.read_text() == LOG_SUM_EXP
    assert "m.py:1:1: NL902 cannot write the fixed file: No space left on device" \
        in result.output
    assert "m.py:5:12: NL102 [*]" in result.output and result.exit_code == 1


def test_a_read_only_notebook_is_reported_and_not_touched(run, write):
    import json
    cell = {"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {},
            "outputs": [], "source": "import numpy as np\ny = np.log(np.sum(np.exp(x), axis=1))\n"}
    text = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                      indent=1) + "\n"
    path = write("nb.ipynb", text, raw=True)
    path.chmod(0o444)
    result = run("check", "--fix", "--output-format", "concise", "nb.ipynb")
    assert path.read_text() == text
    assert "nb.ipynb:1:1: NL902 not fixed: the file is read-only" in result.output
    assert "nb.ipynb:cell 1:2:5: NL102 [*]" in result.output and result.exit_code == 1


def test_a_failure_while_processing_a_notebook_is_that_notebooks(run, write, monkeypatch):
    write("nb.ipynb", "{}", raw=True)
    write("good.py", LOG_SUM_EXP)

    def broken(*args, **kwargs):
        raise KeyError("cells")

    monkeypatch.setattr(runner, "lint_notebook", broken)
    result = run("check", "--no-cache", "--output-format", "concise", ".")
    assert "nb.ipynb:1:1: NL905 internal error while processing the file: KeyError" \
        in result.output
    assert "good.py:5:12: NL102" in result.output and result.exit_code == 2


@pytest.mark.parametrize("others", [9, 80])  # chunks of one file, and of several
def test_a_worker_that_dies_loses_only_its_file(run, write, monkeypatch, others):
    # Was: the pool waited forever for the result of a worker killed (out of memory, say).
    import signal
    from numlint.run import pool
    real = pool.process_file

    def process_file(path, config, mode):
        if path.name == "die.py":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, config, mode)

    monkeypatch.setattr(pool, "process_file", process_file)
    monkeypatch.setattr(pool, "POLL_SECONDS", 0.1, raising=False)

    def hung(signum, frame):
        raise TimeoutError("the run is waiting for a dead worker")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        _run_with_a_dying_worker(run, write, others)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run_with_a_dying_worker(run, write, others):
    padding = "#" * (300_000 // others) + "\n"  # enough bytes for a pool
    for index in range(others):
        write(f"m{index:02d}.py", LOG_SUM_EXP + padding)
    write("die.py", LOG_SUM_EXP + "#" * 500_000 + "\n")  # the largest: checked first
    result = run("check", "--no-cache", "--jobs", "2", "--output-format", "concise", ".")
    assert "die.py:1:1: NL905 internal error: the process checking this file died" \
        in result.output
    assert all(f"m{index:02d}.py:5:12: NL102" in result.output for index in range(others))
    assert result.exit_code == 2


def test_a_file_in_a_directory_that_is_not_writable_is_fixed_in_place(run, write, monkeypatch,
                                                                       tmp_path):
    # As Ruff: the file is writable, only its directory is not (simulated: root writes
    # anywhere). The backup goes to the system's temporary directory.
    path = write("m.py", LOG_SUM_EXP)
    inode = path.stat().st_ino
    real = runner.tempfile.mkstemp
    backups = []

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.samefile(dir, tmp_path):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        handle, name = real(*args, dir=dir, **kwargs)
        backups.append(name)
        return handle, name

    monkeypatch.setattr(runner.tempfile, "mkstemp", mkstemp)
    assert run("check", "--fix", "m.py").exit_code == 0
    assert path.read_text() == LOG_SUM_EXP_FIXED and path.stat().st_ino == inode
    assert len(backups) == 1 and not os.path.exists(backups[0])


@pytest.mark.skipif(_as_nobody() is None, reason="needs root and setpriv to drop to nobody")
def test_fixing_for_real_as_another_user():
    # nobody fixes its own file in root's directory (not writable to it: fixed in place), and
    # a group-writable file of root's (it cannot own a new file as root: fixed in place,
    # still root's) and a read-only file of its own (reported, untouched).
    import shutil
    import tempfile
    from pathlib import Path
    tmp_path = Path(tempfile.mkdtemp(prefix="numlint-nobody-", dir="/tmp"))
    try:
        tmp_path.chmod(0o755)
        own = tmp_path / "own.py"
        own.write_text(LOG_SUM_EXP)
        os.chown(own, 65534, 65534)
        shared = tmp_path / "shared.py"
        shared.write_text(LOG_SUM_EXP)
        os.chown(shared, 0, 65534)
        shared.chmod(0o664)
        frozen = tmp_path / "frozen.py"
        frozen.write_text(LOG_SUM_EXP)
        os.chown(frozen, 65534, 65534)
        frozen.chmod(0o444)
        done = subprocess.run(
            _as_nobody() + [sys.executable, "-m", "numlint", "check",
                            "--no-cache", "--fix", "--output-format", "concise", "."],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
            env={**os.environ, "HOME": str(tmp_path)})
        assert "internal error" not in done.stderr, done.stderr + done.stdout
        assert own.read_text() == LOG_SUM_EXP_FIXED and own.stat().st_uid == 65534
        assert shared.read_text() == LOG_SUM_EXP_FIXED
        assert (shared.stat().st_uid, shared.stat().st_gid) == (0, 65534)
        assert frozen.read_text() == LOG_SUM_EXP
        assert "frozen.py:1:1: NL902 not fixed: the file is read-only" in done.stdout
        assert done.returncode == 1
    finally:
        shutil.rmtree(tmp_path)
