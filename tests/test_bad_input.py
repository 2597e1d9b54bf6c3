"""Files numlint cannot check get a clear NL9xx diagnostic; the run goes on; no traceback."""

import os

import pytest

from numlint import check_source

from numlint.run import runner
from numlint.engine.semantic.model import SemanticModel

from conftest import LOG_SUM_EXP


def test_syntax_error(run, write):
    write("broken.py", "def f(:\n    pass\n")
    write("good.py", LOG_SUM_EXP)
    result = run("check", ".")
    assert result.exit_code == 1
    assert "broken.py:1:7: NL901 syntax error: invalid syntax" in result.output
    assert "good.py:5:12: NL102" in result.output  # the run went on


def test_syntax_error_position_at_end_of_file():
    (diagnostic,) = check_source("x = (1,\n", "m.py")
    assert diagnostic.code == "NL901" and diagnostic.start.row >= 1


def test_non_utf8_file(run, write):
    write("latin.py", b"x = '\xe9'\n")
    result = run("check", ".")
    assert result.exit_code == 1
    assert "latin.py:1:1: NL903 cannot decode the file: line 1: byte 0xe9 is not valid utf-8" \
        in result.output


def test_declared_encoding_is_honoured(run, write):
    write("latin.py", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    assert run("check", ".").exit_code == 0


def test_unknown_coding_cookie(run, write):
    write("odd.py", b"# -*- coding: klingon -*-\nx = 1\n")
    result = run("check", ".")
    assert result.exit_code == 1 and "NL903" in result.output


def test_binary_file(run, write):
    write("data.py", b"\x00\x01\x02binary")
    result = run("check", ".")
    assert result.exit_code == 1 and "data.py:1:1: NL904 binary file" in result.output


def test_empty_file_is_fine(run, write):
    write("__init__.py", "")
    write("blank.py", "\n\n")
    result = run("check", ".")
    assert result.exit_code == 0 and "All checks passed!" in result.output


def test_unreadable_file(run, write, monkeypatch):
    # Simulated: the suite may run as root, who can read a chmod 000 file.
    path = write("secret.py", LOG_SUM_EXP)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if os.fspath(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(runner, "open", guarded_open, raising=False)
    write("good.py", LOG_SUM_EXP)
    result = run("check", ".")
    assert result.exit_code == 1
    assert "secret.py:1:1: NL902 cannot read the file: Permission denied" in result.output
    assert "good.py:5:12: NL102" in result.output
    assert path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file_for_real(run, write):
    path = write("secret.py", LOG_SUM_EXP)
    path.chmod(0)
    try:
        result = run("check", ".")
        assert result.exit_code == 1 and "NL902" in result.output
    finally:
        path.chmod(0o644)


def test_symlink_loop(run, write, tmp_path):
    os.symlink("loop.py", tmp_path / "loop.py")
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    write("good.py", LOG_SUM_EXP)
    result = run("check", ".")
    assert result.exit_code == 1
    assert "loop.py:1:1: NL902 cannot read the file: symlink loop" in result.output
    assert "a.py:1:1: NL902 cannot read the file: symlink loop" in result.output
    assert "good.py:5:12: NL102" in result.output


def test_symlink_loop_named_explicitly(run, tmp_path):
    os.symlink("loop.py", tmp_path / "loop.py")
    result = run("check", "loop.py")
    assert result.exit_code == 1 and "NL902" in result.output and "symlink loop" in result.output


def test_broken_symlink(run, tmp_path):
    os.symlink("missing.py", tmp_path / "dangling.py")
    result = run("check", ".")
    assert result.exit_code == 1 and "dangling.py:1:1: NL902" in result.output


def test_symlinked_directory_loop_is_not_followed(run, write, tmp_path):
    write("pkg/m.py", LOG_SUM_EXP)
    os.symlink("..", tmp_path / "pkg" / "up")
    result = run("check", ".")
    assert result.exit_code == 1 and result.output.count("NL102 [*]") == 1


def test_a_failing_rule_is_reported_and_the_others_still_run(monkeypatch):
    from numlint.engine.registry import find_rule
    rule = find_rule("NL101")

    def explode(op, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(rule, "check", explode)
    source = "import torch\na = torch.log(torch.softmax(x, 1))\nb = torch.log(torch.exp(x).sum(1))\n"
    found = check_source(source, "m.py")
    codes = [d.code for d in found]
    assert "NL102" in codes and "NL905" in codes
    (error,) = [d for d in found if d.code == "NL905"]
    assert "rule NL101 (log-of-softmax) failed at line 2: RuntimeError: boom" in error.message


def test_a_failing_rule_exits_2_without_traceback(run, write, monkeypatch):
    from numlint.engine.registry import find_rule
    monkeypatch.setattr(find_rule("NL102"), "check",
                        lambda op, ctx: (_ for _ in ()).throw(ValueError("bad")))
    write("m.py", LOG_SUM_EXP)
    result = run("check", "m.py")
    assert result.exit_code == 2 and "NL905" in result.output
    assert "Traceback" not in result.output


def test_deeply_nested_code_does_not_crash():
    source = "x = " + "(" * 150 + "1" + ")" * 150 + "\n"
    found = check_source(source, "m.py")
    assert all(d.code.startswith("NL9") for d in found)


def test_model_handles_every_statement_kind():
    source = """
import a.b as c
from . import sibling
from .. import *
async def f(x, /, y=1, *args, z, **kw):
    async with ctx() as (p, q):
        async for i in it:
            await g(i)
    try:
        pass
    except (ValueError, TypeError) as err:
        del err
    finally:
        pass
    while (n := next(it)):
        yield n
    return [k for k in range(3) if (m := k)], {k: v for k, v in kw.items()}, lambda s=1: s
class K(Base, metaclass=Meta):
    attr: int = 1
    def method(self):
        nonlocal_name = 1
        def inner():
            nonlocal nonlocal_name
            nonlocal_name += 1
        return inner
"""
    import ast
    import sys
    if sys.version_info >= (3, 10):
        source += """
def matcher(x):
    match x:
        case [1, *rest] if rest:
            pass
        case {"k": v, **others}:
            pass
        case Point(x=0) as pt:
            return pt
"""
    model = SemanticModel(ast.parse(source))
    assert len(model.scopes) > 5
