"""The cache is data (issue 15): `.numlint_cache/` can be committed by anyone who opens a pull
request, so what is in it can never run code, fail a run or change the findings.

The damage tests are written against whatever file the cache directory holds (they flip and cut
its bytes), so they also describe numlint before the format changed: a pickle, which they fail.
"""

import hashlib
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from numlint.engine.diagnostic import Diagnostic
from numlint.run import cache as cache_module
from numlint.run import pool as parallel
from numlint.run.config import config_for_path
from numlint.run.runner import display_path, process_file

from conftest import LOG_SUM_EXP, ROOT, dedent

LOG_SOFTMAX = dedent("""
    import torch


    def g(z):
        return torch.log(torch.softmax(z, dim=1))
    """)
NOTEBOOK = ROOT / "tests" / "fixtures" / "notebook.ipynb"
HEADER = b"numlint-cache 2 sha256:%s %d\n"  # the documented layout (numlint/run/cache.py)


@pytest.fixture
def project(write, tmp_path):
    """Files with fixes, without, a syntax error, CRLF line ends and a notebook."""
    write("a.py", LOG_SUM_EXP)
    write("b.py", LOG_SOFTMAX)
    write("c.py", "def f(:\n    pass\n")
    write("d.py", "x = 1\n")
    write("e.py", LOG_SUM_EXP.replace("\n", "\r\n").encode())
    shutil.copyfile(NOTEBOOK, tmp_path / "notebook.ipynb")
    return tmp_path


def _check(run, *extra):
    result = run("check", ".", "--output-format", "json", *extra)
    return result.exit_code, result.output


def _cache_file(tmp_path) -> Path:
    """The one file of results in the cache directory, whatever its format."""
    found = [p for p in (tmp_path / ".numlint_cache").iterdir()
             if p.name not in (".gitignore", "CACHEDIR.TAG") and not p.name.startswith(".tmp")]
    assert len(found) == 1, found
    return found[0]


def _count_checks(monkeypatch):
    checked = []
    real = parallel.process_file

    def counting(path, *args, **kwargs):
        checked.append(os.path.basename(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(parallel, "process_file", counting)
    return checked


# -- nothing in the directory runs --------------------------------------------------------------

class _Exploit:
    """Unpickled, it writes `marker` (what a pull request could plant)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('the cache ran code')",)


def test_a_planted_pickle_never_runs(numlint_process, write, project, tmp_path):
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Exploit(probe)))  # the payload works: unpickling runs it
    assert probe.exists()
    marker = tmp_path / "marker"
    payload = pickle.dumps(_Exploit(marker))

    assert b"NL102" in numlint_process("check", ".").stdout  # the cache written
    directory = tmp_path / ".numlint_cache"
    planted = [_cache_file(tmp_path), directory / f"{cache_module.engine_key()}.pickle"]
    for path in planted:  # over the results file, and where numlint once read its pickle
        path.write_bytes(payload)
    write("d.py", "x = 2\n")  # a changed file: the run reads the cache and writes it
    expected = numlint_process("check", ".", "--no-cache", "--output-format", "json")
    for _ in range(2):
        result = numlint_process("check", ".", "--output-format", "json")
        assert not marker.exists()
        assert (result.returncode, result.stdout) == (expected.returncode, expected.stdout)
        assert b"internal error" not in result.stderr
    assert not (directory / f"{cache_module.engine_key()}.pickle").exists()  # old format: removed


# -- damage is a miss -----------------------------------------------------------------------------

def test_flipped_bytes_and_truncation_never_change_the_findings(run, project, tmp_path):
    expected = _check(run, "--no-cache")
    assert expected[0] != 0 and "NL102" in expected[1] and "NL901" in expected[1]
    assert _check(run) == expected
    target = _cache_file(tmp_path)
    original = target.read_bytes()
    rng = random.Random(15)
    damaged = []
    for _ in range(150):  # one byte flipped anywhere (the first bytes: the header, more often)
        position = rng.randrange(min(len(original), 120) if rng.random() < 0.2 else len(original))
        flipped = bytearray(original)
        flipped[position] ^= rng.randrange(1, 256)
        damaged.append((f"flip at {position}", bytes(flipped)))
    for length in sorted({0, 1, len(original) - 1, *rng.sample(range(len(original)), 60)}):
        damaged.append((f"cut at {length}", original[:length]))
    damaged.append(("doubled", original + original))
    for what, data in damaged:
        target.write_bytes(data)
        assert _check(run) == expected, what
    assert _check(run) == expected  # and what the damaged runs wrote back is sound


# -- a file that is valid JSON and signed, but not what numlint writes ---------------------------

def _read(target: Path):
    header, _, payload = target.read_bytes().partition(b"\n")
    assert header.startswith(b"numlint-cache 2 sha256:"), header[:40]
    return json.loads(payload)


def _sign(target: Path, data, *, raw: bytes = None) -> None:
    payload = raw if raw is not None else json.dumps(data).encode()
    target.write_bytes(HEADER % (hashlib.sha256(payload).hexdigest().encode(), len(payload))
                       + payload)


def _entry_of(data, name: str):
    for entry in data["entries"].values():
        if entry[1] and entry[1][0][3] == name:
            return entry
    raise AssertionError(f"no entry for {name}")


def _set(index, value):
    def change(entry):
        entry[1][0][index] = value
    return change


def _set_fix(index, value):
    def change(entry):
        entry[1][0][13][index] = value
    return change


def _edits(*edits):
    return _set_fix(2, [list(e) for e in edits])


def _call(method, *args):
    def change(entry):
        getattr(entry[1][0], method)(*args)
    return change


ENTRY_DAMAGE = {
    "path is a dict": _set(3, {"a": 1}),
    "path is another file's": _set(3, "b.py"),
    "code is a number": _set(0, 102),
    "code is not a code": _set(0, "rm -rf"),
    "name is null": _set(1, None),
    "message is a list": _set(2, ["x"]),
    "row is a string": _set(4, "5"),
    "row is a bool": _set(4, True),
    "row is a float": _set(4, 5.0),
    "row is 0": _set(4, 0),
    "row past the end": _set(4, 99),
    "row is huge": _set(6, 10 ** 30),
    "column is 0": _set(5, 0),
    "column past its line": _set(7, 500),
    "end before start": _set(6, 1),
    "offset is negative": _set(8, -1),
    "offset past the end": _set(9, 10 ** 6),
    "offsets reversed": _set(9, 0),
    "noqa_row is a string": _set(10, "5"),
    "noqa_row past the end": _set(10, 99),
    "a cell in a .py file": _set(11, 1),
    "error is 0": _set(12, 0),
    "a field too few": _call("pop"),
    "a field too many": _call("append", None),
    "diagnostic is a dict": lambda entry: entry[1].__setitem__(0, {"code": "NL102"}),
    "fix is a string": _set(13, "fix"),
    "applicability unknown": _set_fix(0, "maybe"),
    "applicability null": _set_fix(0, None),
    "fix message is a number": _set_fix(1, 3),
    "no edits": _edits(),
    "edit past the end": _edits((0, 10 ** 6, "x")),
    "edit offset negative": _edits((-1, 3, "x")),
    "edit reversed": _edits((10, 5, "x")),
    "edits overlap": _edits((5, 20, "a"), (10, 30, "b")),
    "edit offset a string": _edits(("5", 20, "a")),
    "edit content a number": _edits((5, 20, 7)),
    "edit is a dict": _set_fix(2, [{"start": 5, "end": 20, "content": "a"}]),
    "diagnostics are a string": lambda entry: entry.__setitem__(1, "x"),
    "time is a string": lambda entry: entry.__setitem__(0, "now"),
    "time is too large for a float": lambda entry: entry.__setitem__(0, 10 ** 400),
}


@pytest.mark.parametrize("what", sorted(ENTRY_DAMAGE))
def test_an_entry_that_is_not_as_written_is_a_miss(run, write, tmp_path, monkeypatch, what):
    write("a.py", LOG_SUM_EXP)
    write("b.py", LOG_SOFTMAX)
    expected = _check(run, "--no-cache")
    assert _check(run) == expected
    target = _cache_file(tmp_path)
    data = _read(target)
    ENTRY_DAMAGE[what](_entry_of(data, "a.py"))
    _sign(target, data)
    checked = _count_checks(monkeypatch)
    assert _check(run) == expected
    assert checked == ["a.py"]  # a.py checked again; b.py's entry still a hit
    checked.clear()
    assert _check(run) == expected and checked == []  # the entry was replaced


FILE_DAMAGE = {
    "another engine": lambda data: data.__setitem__("engine", "0" * 32),
    "entries are a list": lambda data: data.__setitem__("entries", []),
    "payload is a list": lambda data: [data],
    "a NaN time": lambda data: [e.__setitem__(0, float("nan")) for e in data["entries"].values()]
    and None,
    "a number of 5000 digits": None,
    "nested 100000 deep": None,
    "not UTF-8": None,
}
RAW_PAYLOADS = {
    "a number of 5000 digits": lambda text: text[:-1] + ', "x": ' + "9" * 5000 + "}",
    "nested 100000 deep": lambda text: text[:-1] + ', "x": ' + "[" * 100000 + "]" * 100000 + "}",
    "not UTF-8": lambda text: text.replace('"engine"', '"\udcff"'),
}


@pytest.mark.parametrize("what", sorted(FILE_DAMAGE))
def test_a_file_that_is_not_as_written_is_read_as_empty(run, write, tmp_path, monkeypatch, what):
    write("a.py", LOG_SUM_EXP)
    write("b.py", LOG_SOFTMAX)
    expected = _check(run, "--no-cache")
    assert _check(run) == expected
    target = _cache_file(tmp_path)
    data = _read(target)
    if what in RAW_PAYLOADS:
        text = json.dumps(data)
        text = RAW_PAYLOADS[what](text)
        _sign(target, None, raw=text.encode("utf-8", "surrogateescape"))
    else:
        _sign(target, FILE_DAMAGE[what](data) or data)
    checked = _count_checks(monkeypatch)
    assert _check(run) == expected
    assert sorted(checked) == ["a.py", "b.py"]


def test_header_errors_are_misses(run, write, tmp_path, monkeypatch):
    write("a.py", LOG_SUM_EXP)
    expected = _check(run, "--no-cache")
    assert _check(run) == expected
    target = _cache_file(tmp_path)
    header, _, payload = target.read_bytes().partition(b"\n")
    variants = [header.replace(b" 2 ", b" 1 ", 1) + b"\n" + payload,  # another version
                header.replace(b"numlint-cache", b"numlint-cachf") + b"\n" + payload,
                header + b" \n" + payload, payload, header + b"\n" + payload + b" "]
    checked = _count_checks(monkeypatch)
    for blob in variants:
        target.write_bytes(blob)
        checked.clear()
        assert _check(run) == expected and checked == ["a.py"], blob[:80]


# -- round trip -----------------------------------------------------------------------------------

def test_every_field_round_trips(write, tmp_path, monkeypatch):
    """What is read back is what was stored, field for field, for every kind of result; and
    the format holds every field of a Diagnostic (a new field must be added to it)."""
    assert [f.name for f in fields(Diagnostic)] == [
        "code", "name", "message", "path", "start", "end", "fix", "offset", "noqa_row", "cell",
        "error"]
    monkeypatch.chdir(tmp_path)
    write("a.py", LOG_SUM_EXP + "y = np.log(np.sum(np.exp(z)))  # noqa: NL101\n")
    write("b.py", LOG_SOFTMAX)
    write("c.py", "def f(:\n    pass\n")
    write("d.py", b"x = '\xff'\n")
    write("e.py", LOG_SUM_EXP.replace("\n", "\r"))
    shutil.copyfile(NOTEBOOK, tmp_path / "notebook.ipynb")
    seen = set()
    for name in ["a.py", "b.py", "c.py", "d.py", "e.py", "notebook.ipynb"]:
        path = tmp_path / name
        diagnostics = process_file(path, config_for_path(path)).diagnostics
        assert diagnostics, name
        stored = json.loads(json.dumps([cache_module._encode(d) for d in diagnostics]))
        shown = display_path(path)
        assert cache_module.decode_entry(stored, path.read_bytes(), shown) == diagnostics, name
        assert cache_module.decode_entry(stored, path.read_bytes(), "other.py") is None
        for d in diagnostics:
            seen.update(f.name for f in fields(d) if getattr(d, f.name) not in (None, False))
    assert seen == {f.name for f in fields(Diagnostic)}  # every field was set somewhere


def test_clean_removes_both_formats(run, write, tmp_path):
    write("a.py", LOG_SUM_EXP)
    run("check", ".")
    directory = tmp_path / ".numlint_cache"
    (directory / "0123456789abcdef0123456789abcdef.pickle").write_bytes(b"old")
    assert any(directory.glob("*.cache"))
    assert run("clean").exit_code == 0
    assert not directory.exists()


# -- concurrent writers ---------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from numlint.run.cache import open_cache
    from numlint.run.config import config_for_path
    from numlint.run.pool import check_files

    stop, torn, names = Path(sys.argv[1]), sys.argv[2] == "torn", sys.argv[3:]
    files = [(Path(n), config_for_path(Path(n))) for n in names]
    for count in range(1, 400):  # bounded
        if stop.exists():
            break
        cache = open_cache()
        cache.entries.clear()  # every file a miss: this writer's results only, saved
        check_files(files, jobs=1, cache=cache, progress=False)
        if torn:  # then written again in place, in two halves: what a non-atomic copy does
            try:
                blob = cache.file.read_bytes()
                with open(cache.file, "r+b") as stream:
                    stream.write(blob[:len(blob) // 2])
                    stream.flush()
                    time.sleep(0.002)
                    stream.write(blob[len(blob) // 2:])
                    stream.truncate()
            except OSError:
                pass
        Path(sys.argv[2] + ".count").write_text(str(count))
""")

READER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from click.testing import CliRunner
    from numlint.cli.main import cli

    expected, code = Path(sys.argv[1]).read_text(), int(sys.argv[2])

    def saves(mode):
        try:
            return int(Path(mode + ".count").read_text() or 0)
        except (OSError, ValueError):
            return 0

    wrong = rounds = 0
    # Bounded: at least 30 reads, and on until each writer has saved 20 times (at most 400).
    while rounds < 30 or (rounds < 400 and min(saves("atomic"), saves("torn")) < 20):
        rounds += 1
        result = CliRunner().invoke(cli, ["check", ".", "--output-format", "json"])
        if result.output != expected or result.exit_code != code:
            wrong += 1
            print(result.output[-2000:], file=sys.stderr)
    print("WRONG", wrong, "of", rounds, "reads; saves:", saves("atomic"), saves("torn"))
""")


def test_concurrent_writers_never_give_a_reader_wrong_findings(run, project, tmp_path):
    """Two processes write the cache (each its own files' results: the file keeps changing),
    one of them also in place in two halves, while a third reads it and checks (and writes);
    it always reports exactly what an uncached run does. (Writes were already atomic before
    issue 15; the torn writes are what the checksum is for.)"""
    exit_code, expected = _check(run, "--no-cache")
    assert "NL102" in expected
    (tmp_path / "expected.json").write_text(expected)
    environment = dict(os.environ)
    environment.pop("NUMLINT_OUTPUT_FORMAT", None)
    stop = tmp_path / "stop"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(stop), mode, *names],
                                cwd=tmp_path, env=environment)
               for mode, names in (("atomic", ["a.py", "c.py", "e.py"]),
                                   ("torn", ["b.py", "d.py", "notebook.ipynb"]))]
    try:
        reader = subprocess.run([sys.executable, "-c", READER, "expected.json", str(exit_code)],
                                cwd=tmp_path, env=environment, capture_output=True, text=True,
                                timeout=240)
    finally:
        stop.write_text("")
        for writer in writers:
            writer.wait(timeout=120)
    assert "WRONG 0 " in reader.stdout, reader.stdout + reader.stderr[-3000:]
    assert all(writer.returncode == 0 for writer in writers)
