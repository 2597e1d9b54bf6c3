"""The import clean-up of fixes (numlint/engine/imports.py, libcst): imports a fix leaves
unused are removed, imports it adds are merged into the module's `from` imports, and nothing
else changes (pyflakes is the judge of unused and undefined names)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyflakes import checker, messages

from numlint import Config, check_source, fix_source
from numlint.engine import imports
from numlint.engine.fix import Edit, apply_edits
from numlint.engine.registry import all_rules
from numlint.run.notebook import fix_notebook

import cleanup_reference
from conftest import dedent

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures").glob("*.py"))
EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.code}-{example.framework}-{i}")
    for rule in all_rules() if not rule.meta
    for i, example in enumerate(rule.examples) if not example.good and example.fixed is not None
]


@pytest.fixture(autouse=True)
def against_the_reference(monkeypatch):
    """Every clean-up these tests ask for (directly, or through `fix_source`, the notebooks,
    the CLI in this process) is also asked of the implementation it replaced (libcst's
    analysis of the module after each fix: tests/cleanup_reference.py): both write the same
    text."""
    completed = imports.complete

    def both(text, edits, path="<unknown>", keep=frozenset()):
        edits = list(edits)
        new = completed(text, edits, path, keep)
        old = cleanup_reference.complete(text, edits, path, keep)
        assert new == old or apply_edits(text, new) == apply_edits(text, old), (edits, old, new)
        return new

    monkeypatch.setattr(imports, "complete", both)


def flakes(text: str):
    """pyflakes' unused imports and undefined names."""
    found = checker.Checker(ast.parse(text), filename="m.py").messages
    return {(type(m).__name__, m.message_args[0]) for m in found
            if isinstance(m, (messages.UnusedImport, messages.UndefinedName))}


def fixed(source: str, unsafe: bool = True, path: str = "m.py") -> str:
    return fix_source(dedent(source), path, unsafe=unsafe).source.text


def one_at_a_time(code: str, config: Config, unsafe: bool) -> str:
    """Apply the first fixable finding's fix alone (with its clean-up), check again, repeat."""
    text = code
    for _ in range(100):
        found = [d for d in check_source(text, "m.py", config)
                 if d.fix is not None and d.fix.applies(unsafe)]
        if not found:
            return text
        text = imports.apply(text, found[0].fix.edits, "m.py")
    raise AssertionError("fixing one finding at a time does not end")


# -- every rule example and fixture ----------------------------------------------------------

def test_no_rule_example_is_left_with_an_unused_import():
    """The measure of the issue: rule examples whose fixed output has an unused import (or an
    undefined name) that the original did not (42 of 262 before the clean-up)."""
    left = []
    for param in EXAMPLES:
        rule, example = param.values
        out = fix_source(example.code, "m.py", Config(select=(rule.code,)),
                         unsafe=example.unsafe).source.text
        new = flakes(out) - flakes(example.code)
        if new:
            left.append((param.id, sorted(new)))
    assert len(EXAMPLES) > 200
    assert left == []


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("unsafe", [False, True])
def test_fixtures_are_left_with_no_new_unused_import(path, unsafe):
    code = path.read_text()
    out = fix_source(code, path.name, unsafe=unsafe).source.text
    ast.parse(out)
    assert flakes(out) - flakes(code) == set()
    assert fix_source(out, path.name, unsafe=unsafe).source.text == out


# Every rule example (slow: the whole sweep runs in CI), every tenth in the fast suite, and
# the fixtures.
CASES = [pytest.param(p.values[1].code, Config(select=(p.values[0].code,)), p.values[1].unsafe,
                      id=p.id, marks=() if i % 10 == 0 else pytest.mark.slow)
         for i, p in enumerate(EXAMPLES)] + \
        [pytest.param(p.read_text(), Config(), u, id=f"{p.name}-{u}")
         for p in FIXTURES for u in (False, True)]


@pytest.mark.parametrize("code,config,unsafe", CASES)
def test_one_fix_at_a_time_gives_what_all_fixes_together_give(code, config, unsafe):
    together = fix_source(code, "m.py", config, unsafe=unsafe).source.text
    assert one_at_a_time(code, config, unsafe) == together


@pytest.mark.parametrize("code,config,unsafe", CASES)
def test_a_findings_edits_are_what_fixing_it_alone_writes(code, config, unsafe):
    """The edits the JSON output shows for a finding, applied to the file, give the text
    fixing that finding alone writes: it parses and has no new unused import."""
    for diagnostic in check_source(code, "m.py", config):
        if diagnostic.fix is None:
            continue
        edits = imports.complete(code, diagnostic.fix.edits, "m.py")
        # The rule's edits are kept, or joined into a larger edit with an import edit.
        for edit in diagnostic.fix.edits:
            assert any(e.start <= edit.start and edit.end <= e.end for e in edits)
        out = apply_edits(code, edits)
        ast.parse(out)
        assert flakes(out) - flakes(code) == set()


# -- the issue's module -----------------------------------------------------------------------

ISSUE_MODULE = '''\
"""Scoring."""
import numpy as np
from scipy.special import softmax
import torch
import torch.nn.functional as F
import os  # unused before the fix: the user's business


def log_probs(z):
    return np.log(softmax(z, axis=1))


def torch_log_probs(x):
    return torch.log(F.softmax(x, dim=-1))
'''


def test_check_fix_on_the_issue_module(tmp_path):
    path = tmp_path / "scoring.py"
    path.write_text(ISSUE_MODULE)
    process = subprocess.run([sys.executable, "-m", "numlint", "check", "--fix", str(path)],
                             capture_output=True, text=True, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    out = path.read_text()
    assert flakes(out) - flakes(ISSUE_MODULE) == set()
    assert flakes(out) == {("UnusedImport", "os")}
    assert out == ISSUE_MODULE.replace(
        "import numpy as np\nfrom scipy.special import softmax\nimport torch\n",
        "from scipy.special import log_softmax\n").replace(
        "np.log(softmax(z, axis=1))", "log_softmax(z, axis=1)").replace(
        "torch.log(F.softmax(x, dim=-1))", "F.log_softmax(x, dim=-1)")
    again = subprocess.run([sys.executable, "-m", "numlint", "check", "--fix", str(path)],
                           capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0 and path.read_text() == out


def test_diff_and_json_edits_show_the_import_edits(tmp_path):
    path = tmp_path / "scoring.py"
    path.write_text(ISSUE_MODULE)
    diff = subprocess.run([sys.executable, "-m", "numlint", "check", "--diff", str(path)],
                          capture_output=True, text=True, cwd=tmp_path).stdout
    assert "-import numpy as np\n" in diff and "-import torch\n" in diff
    assert "+from scipy.special import log_softmax\n" in diff
    report = subprocess.run([sys.executable, "-m", "numlint", "check", "--output-format",
                             "json", str(path)], capture_output=True, text=True, cwd=tmp_path)
    findings = json.loads(report.stdout)
    assert [f["code"] for f in findings] == ["NL101", "NL101"]
    first = findings[0]["fix"]["edits"]
    # np and softmax are used only by the first finding: its fix removes both lines and
    # writes log_softmax where softmax was imported.
    assert {"content": "from scipy.special import log_softmax\n",
            "location": {"row": 2, "column": 1},
            "end_location": {"row": 4, "column": 1}} in first
    # torch is used only by the second finding's expression.
    second = findings[1]["fix"]["edits"]
    assert {"content": "", "location": {"row": 4, "column": 1},
            "end_location": {"row": 5, "column": 1}} in second


def test_checking_does_not_load_libcst():
    code = ("import sys\nfrom numlint import check_source\n"
            f"for path in {[str(p) for p in FIXTURES]!r}:\n"
            "    check_source(open(path).read(), path)\n"
            "assert 'libcst' not in sys.modules\n"
            "from numlint import fix_source\n"
            f"fix_source(open({str(FIXTURES[0])!r}).read())\n"
            "assert 'libcst' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- removal ----------------------------------------------------------------------------------

SOFTMAX = """
    import numpy as np
    from scipy.special import softmax
    {extra}

    def f(z):
        return np.log(softmax(z, axis=1))
    """


def _replace_softmax(text: str) -> str:
    """Apply a hand-made fix: `np.log(softmax(z, axis=1))` -> `z`."""
    start = text.index("np.log(softmax(z, axis=1))")
    return imports.apply(text, [Edit(start, start + len("np.log(softmax(z, axis=1))"), "z")],
                         "m.py")


@pytest.mark.parametrize("extra,kept", [
    ("", []),
    ("__all__ = ['softmax']", ["from scipy.special import softmax"]),
    ("x: 'np.ndarray' = None", ["import numpy as np"]),
    ("y = None  # type: np.ndarray", ["import numpy as np"]),
    ("print(globals())", ["import numpy as np", "from scipy.special import softmax"]),
    ("def g():\n    return np.ones(3)", ["import numpy as np"]),
])
def test_removed_unless_still_used(extra, kept):
    source = dedent(SOFTMAX).replace("{extra}", extra)
    out = _replace_softmax(source)
    left = [line for line in out.splitlines() if line.startswith(("import", "from"))]
    assert left == kept
    ast.parse(out)


def test_noqa_and_already_unused_imports_stay():
    source = dedent("""
        import numpy as np  # noqa: F401
        from scipy.special import softmax
        import os
        from math import pi  # noqa

        def f(z):
            return np.log(softmax(z, axis=1)) * pi
        """)
    start = source.index("np.log(softmax(z, axis=1)) * pi")
    out = imports.apply(source, [Edit(start, start + len("np.log(softmax(z, axis=1)) * pi"),
                                      "z")])
    assert out.splitlines()[:3] == ["import numpy as np  # noqa: F401", "import os",
                                    "from math import pi  # noqa"]


def test_guarded_and_package_imports_stay():
    source = dedent("""
        try:
            from scipy.special import softmax
        except ImportError:
            softmax = None
        import numpy as np

        def f(z):
            return np.log(softmax(z, axis=1))
        """)
    out = _replace_softmax(source)
    assert "from scipy.special import softmax" in out and "import numpy" not in out
    package = dedent(SOFTMAX).replace("{extra}", "")
    start = package.index("np.log(softmax(z, axis=1))")
    edits = [Edit(start, start + len("np.log(softmax(z, axis=1))"), "z")]
    assert imports.apply(package, edits, "pkg/__init__.py") == apply_edits(package, edits)


def test_a_block_left_empty_gets_pass_and_comments_stay():
    source = dedent("""
        import sys
        if sys.version_info >= (3, 8):
            # scipy is there
            from scipy.special import softmax

        def f(z):
            def g():
                import numpy as np
                return np.log(softmax(z, axis=1))
            return g
        """)
    out = _replace_softmax(source)
    assert out == dedent("""
        import sys
        if sys.version_info >= (3, 8):
            # scipy is there
            pass

        def f(z):
            def g():
                return z
            return g
        """)


def test_several_imports_on_one_line():
    source = "import os; import numpy as np\nfrom scipy.special import softmax, expit\n" \
             "print(os, expit)\ny = np.log(softmax(z, axis=1))\n"
    start = source.index("np.log")
    out = imports.apply(source, [Edit(start, start + len("np.log(softmax(z, axis=1))"), "z")])
    assert out == "import os\nfrom scipy.special import expit\nprint(os, expit)\ny = z\n"


def test_scopes_are_told_apart():
    source = dedent("""
        import numpy as np

        def f(z):
            import numpy as np
            return np.log(z)

        def g(z):
            return np.exp(z)
        """)
    start = source.index("np.log(z)")
    out = imports.apply(source, [Edit(start, start + len("np.log(z)"), "z")])
    assert out == source.replace("    import numpy as np\n", "").replace("np.log(z)", "z")


# -- merging ----------------------------------------------------------------------------------

def _added(source: str, name: str, old: str, new: str) -> str:
    """A hand-made fix: replace `old` by `new` and add `from scipy.special import name` after
    the leading imports, as the importer does."""
    text = dedent(source)
    start = text.index(old)
    insertion = text.index("\n\n") + 1
    return imports.apply(text, [Edit(start, start + len(old), new),
                                Edit(insertion, insertion,
                                     f"from scipy.special import {name}\n")])


def test_merged_in_sorted_order():
    out = _added("""
        from scipy.special import expit, softmax

        y = expit(x) + softmax(x) + f(x)
        """, "log_softmax", "f(x)", "log_softmax(x)")
    assert out.splitlines()[0] == "from scipy.special import expit, log_softmax, softmax"


def test_merged_at_the_end_of_unsorted_names_and_in_the_place_of_a_removed_one():
    out = _added("""
        from scipy.special import softmax, expit

        y = expit(x) + softmax(x)
        """, "log_softmax", "softmax(x)", "log_softmax(x)")
    assert out.splitlines()[0] == "from scipy.special import expit, log_softmax"
    out = _added("""
        from scipy.special import softmax, expit

        y = expit(x) + softmax(x) + 0
        """, "aaa", "0", "aaa(x)")
    assert out.splitlines()[0] == "from scipy.special import softmax, expit, aaa"


def test_merged_into_a_parenthesized_import():
    out = _added("""
        from scipy.special import (
            expit,
            softmax,
        )

        y = expit(x) + softmax(x) + f(x)
        """, "log_softmax", "f(x)", "log_softmax(x)")
    assert out.startswith("from scipy.special import (\n    expit,\n    log_softmax,\n"
                          "    softmax,\n)\n\ny =")


def test_not_merged_where_the_module_imports_one_name_per_line():
    source = """
        from scipy.special import expit
        from scipy.special import softmax

        y = expit(x) + softmax(x) + f(x)
        """
    out = _added(source, "log_softmax", "f(x)", "log_softmax(x)")
    assert out.splitlines()[:3] == ["from scipy.special import expit",
                                    "from scipy.special import softmax",
                                    "from scipy.special import log_softmax"]


def test_not_merged_into_a_line_that_would_be_too_long():
    names = ", ".join(f"name_{i}" for i in range(9))
    source = f"""
        from scipy.special import {names}

        y = f(x) + {names.replace(', ', ' + ')}
        """
    out = _added(source, "log_softmax", "f(x)", "log_softmax(x)")
    assert out.splitlines()[:2] == [f"from scipy.special import {names}",
                                    "from scipy.special import log_softmax"]


def test_merge_by_the_fixer_and_a_second_fix_changes_nothing():
    source = """
        import numpy as np
        from scipy.special import expit

        def f(z):
            return np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)) + expit(z)
        """
    out = fixed(source)
    assert fixed(out) == out
    assert flakes(out) == set()
    assert sum(line.startswith("from scipy.special") for line in out.splitlines()) <= 1


# -- notebooks ----------------------------------------------------------------------------------

def _notebook(*cells: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": cell} for cell in cells]}, indent=1)


def test_notebook_imports_are_cleaned_across_cells():
    result = fix_notebook(_notebook("import numpy as np\nfrom scipy.special import softmax",
                                    "z = np.zeros((2, 3))",
                                    "y = np.log(softmax(z, axis=1))"))
    assert result.changes == [
        (1, "import numpy as np\nfrom scipy.special import softmax",
         "import numpy as np\nfrom scipy.special import log_softmax"),
        (3, "y = np.log(softmax(z, axis=1))", "y = log_softmax(z, axis=1)")]
    result = fix_notebook(_notebook("import numpy as np\nfrom scipy.special import softmax",
                                    "y = np.log(softmax(z, axis=1))"))
    assert result.changes[0] == (1, "import numpy as np\nfrom scipy.special import softmax",
                                 "from scipy.special import log_softmax")


def test_notebook_names_in_ipython_lines_are_kept():
    result = fix_notebook(_notebook("import numpy as np\nfrom scipy.special import softmax",
                                    "%timeit np.zeros(3)",
                                    "y = np.log(softmax(z, axis=1))"))
    assert result.changes[0][2] == "import numpy as np\nfrom scipy.special import log_softmax"


# -- any edit, not only the rules' --------------------------------------------------------------

def _value_edits(code: str):
    """For each `return`, assignment or expression statement at any depth: an edit replacing
    its value by `0` (a fix that drops every name it used)."""
    tree = ast.parse(code)
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Return, ast.Assign, ast.Expr)) and node.value is not None \
                and not isinstance(node.value, ast.Constant):
            value = node.value
            start = starts[value.lineno - 1] + len(
                code.splitlines(keepends=True)[value.lineno - 1].encode()[:value.col_offset]
                .decode())
            end = starts[value.end_lineno - 1] + len(
                code.splitlines(keepends=True)[value.end_lineno - 1].encode()[
                    :value.end_col_offset].decode())
            yield Edit(start, end, "0")


MODULES = [pytest.param(e.code, id=f"{r.code}-{i}",
                        marks=() if i % 10 == 0 else pytest.mark.slow)
           for r in all_rules() if not r.meta for i, e in enumerate(r.examples)]


@pytest.mark.parametrize("code", MODULES)
def test_any_edit_leaves_no_new_unused_import_and_no_undefined_name(code):
    before = flakes(code)
    for edit in list(_value_edits(code))[:1]:
        out = imports.apply(code, [edit], "m.py")
        ast.parse(out)
        plain = apply_edits(code, [edit])
        assert flakes(out) - before == set(), (edit, out)
        # Only import lines change (and blank lines around them; `pass` fills a block).
        def code_lines(text):
            return [line for line in text.splitlines() if line.strip() and not line.lstrip()
                    .startswith(("import ", "from ")) and line.strip() != "pass"]
        assert code_lines(out) == code_lines(plain)
