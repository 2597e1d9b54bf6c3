"""Work in proportion to a module's size: checking and fixing a module four times as big makes
about four times the function calls, whatever the module repeats (a name bound in one scope a
thousand times, a line that occurs everywhere). Calls are counted (`sys.setprofile`), not
timed: the count does not depend on the machine's load; a quadratic step makes the ratio for
four times the module 6-7 or more (measured before it was made linear), a linear one 4."""

from __future__ import annotations

import gc
import random
import sys
import time

import pytest

from numlint.engine import imports
from numlint.engine.check import check_source, fix_source
from numlint.engine.fix import Applicability, Edit, Fix, apply_edits, select_fixes
from numlint.engine.imports import _line_edits

# Each function imports NumPy again (as concatenated examples do): one name, bound once per
# function in the module's scope and read three times per function.
REPEATED = ("import numpy as np\n\n\ndef f_{i}(x):\n"
            "    return np.log(np.sum(np.exp(x)))\n\n\n")
# One import inside a function: the fixes' import clean-up has something to look at.
LOCAL = "def g(x):\n    import numpy as np\n    return np.log(np.sum(np.exp(x)))\n"


def _module(count: int, local: bool = False) -> str:
    return "".join(REPEATED.format(i=i) for i in range(count)) + (LOCAL if local else "")


def _calls(function, *args) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return count


def _ratio(function, small: str, big: str) -> float:
    function(_module(5, True))  # warm: rules and tables loaded
    return _calls(function, big) / _calls(function, small)


def _cpu(function, *args) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.process_time()
        function(*args)
        return time.process_time() - started
    finally:
        if enabled:
            gc.enable()


def test_names_bound_a_thousand_times_are_resolved_once():
    ratio = _ratio(lambda text: check_source(text, "m.py"), _module(200), _module(800))
    assert ratio < 4.6, f"4x the module made {ratio:.1f}x the calls to check"


def test_the_findings_stay_those_of_each_function():
    found = check_source(_module(50), "m.py")
    assert len([d for d in found if d.code == "NL102"]) == 50


def test_fixing_a_module_that_rebinds_a_name_stays_linear():
    """One name bound a thousand times in one scope and read thousands of times: libcst's
    scope analysis linked each read to each binding (quadratic: the clean-up was not done on
    such a module); the analysis the clean-up derives from counts, per set of bindings, the
    reads that reference one of its imports (numlint/engine/import_scopes.py)."""
    small, big = _module(400, True), _module(1600, True)
    ratio = _ratio(lambda text: fix_source(text, "m.py"), small, big)
    assert ratio < 4.6, f"4x the module made {ratio:.1f}x the calls to fix"
    fixed = fix_source(big, "m.py")
    assert fixed.fixed.get("NL102") == 1601
    assert "np.log(np.sum(np.exp(x)))" not in fixed.source.text


def test_select_fixes_takes_those_pairwise_comparison_takes():
    def pairwise(fixes):
        chosen, taken = [], []
        for fix in sorted(fixes, key=lambda f: min(e.start for e in f.edits)):
            new = [e for e in fix.edits if e not in taken]
            if any(e.overlaps(t) for e in new for t in taken):
                continue
            chosen.append(fix)
            taken.extend(new)
        return chosen

    rng = random.Random(0)
    for _ in range(5000):
        fixes = []
        for _ in range(rng.randint(0, 8)):
            edits: list = []
            for _ in range(rng.randint(1, 3)):
                start = rng.randint(0, 20)
                edit = Edit(start, start + rng.choice([0, 0, 1, 2, 3, 5]), rng.choice(["", "x"]))
                if not any(edit.overlaps(other) for other in edits):
                    edits.append(edit)
            fixes.append(Fix(Applicability.SAFE, str(rng.random()), tuple(edits)))
        assert select_fixes(fixes) == pairwise(fixes)


def test_the_clean_up_is_kept_on_ordinary_modules():
    text = "import numpy as np\nfrom scipy.special import logsumexp\n\n\ndef f(x):\n" \
           "    return np.log(np.sum(np.exp(x)))\n"
    fixed = fix_source(text, "m.py").source.text
    assert "import numpy" not in fixed and "logsumexp(x" in fixed


def test_the_clean_up_is_done_on_a_module_over_100_kb():
    """No size limit: the analysis is `ast`'s, in proportion to the module."""
    head = "import numpy as np\nfrom scipy.special import logsumexp\n\n\n"
    filler = "".join(f"def f_{i}(x):\n    return x + {i}\n\n\n" for i in range(4000))
    text = head + filler + "def f(x):\n    return np.log(np.sum(np.exp(x)))\n"
    assert len(text) > 100_000
    fixed = fix_source(text, "m.py").source.text
    assert "import numpy" not in fixed and "logsumexp(x" in fixed


# Each function imports NumPy under its own name, and uses it once more: each fix (written
# with the module's `np`) drops a name of its own, which stays in use.
ALIASED = ("import numpy as np{i}\n\n\ndef h_{i}(x):\n    y = np{i}.pi\n"
           "    return np{i}.log(np{i}.sum(np{i}.exp(x))) + y\n\n\n")


def _json(text: str) -> str:
    """The JSON output of a module's findings, each fix with its import clean-up."""
    import io
    from numlint.cli.output import json_format
    from numlint.run.report import FileResult, Report
    stream = io.StringIO()
    json_format.write(Report([FileResult("m.py", check_source(text, "m.py"), source=text)]),
                      stream)
    return stream.getvalue()


def test_the_json_output_of_a_big_module_stays_linear():
    """Every fix of the JSON output is completed with its import clean-up on the module's
    text: the module is analysed once, not once per fix (nor its import lines searched for
    each fix's names)."""
    def module(count: int) -> str:
        return "".join(REPEATED.format(i=i) + ALIASED.format(i=i) for i in range(count))

    _json(module(3))  # warm
    small, big = module(150), module(600)
    ratio = _calls(_json, big) / _calls(_json, small)
    assert ratio < 4.6, f"4x the module made {ratio:.1f}x the calls to write its JSON"
    import json
    fixes = [f["fix"] for f in json.loads(_json(small)) if f["code"] == "NL102"]
    assert len(fixes) == 300 and all(len(f["edits"]) == 1 for f in fixes)


def test_the_json_fixes_are_completed_as_before_on_a_small_module():
    """The per-module facts answer as the per-fix walk did: a fix that leaves an import
    unused removes it (in the JSON edits too), one that keeps a use leaves it."""
    import json
    text = ("import numpy as np\nfrom scipy.special import logsumexp\nimport numpy as xp\n\n\n"
            "def f(x):\n    return np.log(np.sum(np.exp(x)))\n\n\n"
            "def g(x):\n    return xp.log(xp.sum(xp.exp(x))) + xp.pi\n")
    found = {f["location"]["row"]: f["fix"] for f in json.loads(_json(text))
             if f["code"] == "NL102"}
    assert sorted(found) == [7, 11]
    removes = [e for e in found[7]["edits"] if e["content"] == ""]
    assert [e["location"]["row"] for e in removes] == [1]  # `import numpy as np` goes
    assert len(found[11]["edits"]) == 1  # xp is still used: nothing else


@pytest.mark.parametrize("seed", range(4))
def test_line_edits_make_the_new_text(seed):
    rng = random.Random(seed)
    vocabulary = ["import numpy as np\n", "\n", "    return x\n", "x = 1\n", "def f():\n",
                  "pass\n"] + [f"u{i}\n" for i in range(40)]
    for _ in range(400):
        old = [rng.choice(vocabulary) for _ in range(rng.randint(0, 40))]
        new = list(old)
        for _ in range(rng.randint(0, 6)):
            action = rng.random()
            if action < 0.4 and new:
                del new[rng.randrange(len(new))]
            elif action < 0.7:
                new.insert(rng.randint(0, len(new)), rng.choice(vocabulary))
            elif new:
                new[rng.randrange(len(new))] = rng.choice(vocabulary)
        before, after = "".join(old), "".join(new)
        if rng.random() < 0.2:
            before = before.rstrip("\n")
        assert apply_edits(before, _line_edits(before, after)) == after


def test_line_edits_of_changes_spread_over_a_big_module_are_small_and_quick():
    lines = []
    for i in range(20_000):
        lines += [f"def f_{i}(x):\n", "    import numpy as np\n", "    return x\n", "\n"]
    before = "".join(lines)
    after = "".join(line for k, line in enumerate(lines) if not (k % 4 == 1 and k % 400 == 1))
    cpu = _cpu(_line_edits, before, after)  # difflib alone: minutes
    edits = _line_edits(before, after)
    assert apply_edits(before, edits) == after
    assert len(edits) == 200 and all(e.content == "" for e in edits)
    assert all(before[e.start:e.end] == "    import numpy as np\n" for e in edits)
    assert cpu < 2.0, f"{cpu:.1f} s"


# -- a run does not hold the text of every file with a finding ------------------------------------

HAZARD = "import numpy as np\n\n\ndef f(x):\n    return np.log(np.sum(np.exp(x)))\n"


def test_a_released_text_is_read_back_while_the_file_holds_it(tmp_path):
    from numlint.run.report import FileResult
    path = tmp_path / "m.py"
    path.write_text(HAZARD, encoding="utf-8")
    result = FileResult("m.py", check_source(HAZARD, "m.py"), source=HAZARD)
    result.release_source(path)
    assert result.source is None and result.text() == HAZARD
    path.write_text(HAZARD + "y = 1\n", encoding="utf-8")  # changed since: not its text
    assert result.text() is None
    path.unlink()
    assert result.text() is None


def test_a_fixed_text_shown_as_a_diff_is_kept():
    from numlint.run.mode import Mode
    from numlint.run.report import FileResult
    result = FileResult("m.py", [], source="fixed\n", diff="--- a\n+++ b\n")
    result.release_source("m.py", Mode.from_flags(diff=True))
    assert result.source == "fixed\n" and result.source_file is None
    written = FileResult("m.py", [], source="fixed\n", diff="--- a\n+++ b\n")
    written.release_source("m.py", Mode.from_flags(fix=True))
    assert written.source is None and written.source_file is not None


def test_outputs_show_the_lines_of_released_texts(tmp_path):
    import json
    import subprocess
    for index in range(3):
        (tmp_path / f"m{index}.py").write_text(HAZARD, encoding="utf-8")
    run = [sys.executable, "-m", "numlint", "check", ".", "--no-cache", "--exit-zero"]
    text = subprocess.run(run + ["--output-format", "full"], cwd=tmp_path, capture_output=True,
                          text=True).stdout
    assert text.count("return np.log(np.sum(np.exp(x)))") >= 3
    found = json.loads(subprocess.run(run + ["--output-format", "json"], cwd=tmp_path,
                                      capture_output=True, text=True).stdout)
    fixes = [f["fix"] for f in found if f["code"] == "NL102"]
    assert len(fixes) == 3 and all(f is not None and f["edits"] for f in fixes)


def test_the_unified_diff_of_a_big_fix_is_difflibs_shape_in_linear_time():
    from numlint.engine.fix import _Anchored, unified_diff
    lines = []
    for i in range(15_000):
        lines += [f"def f_{i}(x):\n", "    return np.log(np.sum(np.exp(x)))\n", "\n"]
    after = [line if k % 30 != 1 else "    return np.logaddexp.reduce(x)\n"
             for k, line in enumerate(lines)]
    matcher = _Anchored(lines, after)
    rebuilt = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            assert lines[i1:i2] == after[j1:j2]
        rebuilt += after[j1:j2]
    assert rebuilt == after
    cpu = _cpu(lambda: list(unified_diff(lines, after, "a/m.py", "b/m.py")))
    diff = list(unified_diff(lines, after, "a/m.py", "b/m.py"))
    assert diff[:2] == ["--- a/m.py\n", "+++ b/m.py\n"]
    assert sum(line.startswith("-    return") for line in diff) == 1500
    assert diff[2] == "@@ -1,5 +1,5 @@\n"
    assert cpu < 2.0, f"{cpu:.1f} s"  # difflib: minutes


# -- a warm run does not decode the files it finds in the cache ------------------------------------

@pytest.mark.parametrize("data, decoded", [
    (HAZARD.encode(), False),
    (("# é\n" + HAZARD).encode("utf-8"), False),
    (b"\xef\xbb\xbf" + HAZARD.encode(), False),                            # a BOM
    (("# -*- coding: latin-1 -*-\n# é\n" + HAZARD).encode("latin-1"), True),  # decoded
])
def test_a_cached_file_is_digested_from_its_bytes(tmp_path, monkeypatch, data, decoded):
    from numlint.engine.source import SourceText
    from numlint.run import pool
    from numlint.run.cache import Cache
    from numlint.run.config import config_for_path
    from numlint.run.report import _digest
    path = tmp_path / "m.py"
    path.write_bytes(data)
    files = [(path, config_for_path(path))]
    cache = Cache(tmp_path / "cache")
    cold = pool.check_files(files, jobs=1, cache=cache, progress=False)
    cache.save()
    calls = []
    from_bytes = SourceText.from_bytes.__func__  # type: ignore[attr-defined]

    def counted(cls, raw):
        calls.append(raw)
        return from_bytes(cls, raw)

    monkeypatch.setattr(SourceText, "from_bytes", classmethod(counted))
    warm = pool.check_files(files, jobs=1, cache=Cache(tmp_path / "cache"), progress=False)
    # Once to check the cache's entry against the file (`numlint.run.cache.decode_entry`);
    # not again to digest it, unless the file is in another encoding.
    assert len(calls) == (2 if decoded else 1)
    monkeypatch.undo()
    assert warm[0].diagnostics == cold[0].diagnostics and warm[0].diagnostics
    assert warm[0].source is None
    text = SourceText.from_bytes(data).text
    assert warm[0].source_file == (str(path), _digest(text)) or decoded
    assert warm[0].text() == cold[0].text() == text


# -- a run without a cache keeps little per file ---------------------------------------------------

def _project(root, count: int) -> list:
    """`count` modules of a package, each taking the log of the softmax the one before it
    defines (whole-project analysis summarises them), one in ten with a finding of its own."""
    from numlint.run.config import config_for_path
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for index in range(count):
        body = (f"from pkg.m{index - 1} import f{index - 1}\n" if index else "") + \
            f"import numpy as np\n\n\ndef f{index}(z):\n" \
            "    return np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True)\n"
        if index:  # the log of the softmax of the module before: its summary is read
            body += f"\n\ndef h{index}(z):\n    return np.log(f{index - 1}(z))\n"
        if index % 10 == 0:
            body += f"\n\ndef g{index}(x):\n    return np.log(np.sum(np.exp(x)))\n"
        (package / f"m{index}.py").write_text(body)
    paths = sorted(package.glob("m*.py"))
    return [(path, config_for_path(path)) for path in paths]


def _retained(files) -> tuple:
    import tracemalloc
    from numlint.run.pool import check_files
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        results = check_files(files, jobs=1, cache=None, progress=False)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before, results
    finally:
        tracemalloc.stop()


def test_a_run_without_a_cache_keeps_neither_summaries_nor_dependencies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.numlint]\n")
    small = _project(tmp_path / "a", 40) if (tmp_path / "a").mkdir() is None else []
    big = _project(tmp_path / "b", 160) if (tmp_path / "b").mkdir() is None else []
    _retained(small[:3])  # warm: rules and tables loaded
    kept_small, results = _retained(small)
    codes = [d.code for r in results for d in r.diagnostics]
    assert codes.count("NL102") == 4 and codes.count("NL103") >= 39, codes  # summaries read
    assert all(not r.summaries and not r.dependencies for r in results)
    kept_big, _ = _retained(big)
    per_file = (kept_big - kept_small) / (len(big) - len(small))
    print(f"{per_file:.0f} bytes kept per file")
    assert per_file < 3000, f"{per_file:.0f} bytes kept per file until the report"


def test_the_json_output_of_many_clean_ups_stays_linear(monkeypatch):
    """Each fix of the JSON output that leaves an import unused comes with its clean-up, derived
    from one analysis of the module: four times the fixes make about four times the calls.
    (Before: one libcst analysis of the module per such fix, bounded by a budget per text: the
    JSON of a 78 KB module of 910 such fixes took 30.5 s of CPU, 13 fixes with their clean-up;
    benchmarks/README.md, "Issue 15: clean-up from one analysis".)"""
    import json
    from numlint.engine import import_scopes

    def module(count: int) -> str:
        return "".join(ALIASED.replace("    y = np{i}.pi\n", "").format(i=i)
                       for i in range(count))

    _json(module(3))  # warm
    small, big = module(100), module(400)
    ratio = _calls(_json, big) / _calls(_json, small)
    assert ratio < 4.6, f"4x the fixes made {ratio:.1f}x the calls to write the JSON"
    analyses = []
    original = import_scopes.analyse

    def counting(text, *args, **kwargs):
        analyses.append(len(text))
        return original(text, *args, **kwargs)

    monkeypatch.setattr(import_scopes, "analyse", counting)
    fixes = [f["fix"] for f in json.loads(_json(big)) if f["code"] == "NL102"]
    assert len(fixes) == 400
    # Every fix but the first (whose replacement writes `np0.logaddexp`) leaves its own
    # `import numpy as np{i}` unused: the JSON edits remove it.
    cleaned = [f for f in fixes if any(e["content"] == "" for e in f["edits"])]
    assert len(cleaned) == 399
    assert analyses == [len(big)]  # one analysis of the module for all of them
