"""The flake8 plugin (`numlint.cli.flake8_plugin`): the same findings as `numlint check`, with
flake8 in charge of `# noqa`.

The first tests call the plugin as flake8 does, in process. The last ones run the real flake8;
they need flake8 and the `flake8.extension` entry point `NL` registered in this environment
(`pip install -e '.[test]'` after the entry point is in pyproject.toml), and skip otherwise.
"""

import ast
import importlib.metadata
import importlib.util
import json
import subprocess
import sys

import pytest

from numlint import check_source
from numlint.run.config import Config
from numlint.cli.flake8_plugin import Plugin, diagnostics
from numlint.engine.registry import all_rules

from conftest import LOG_SUM_EXP, ROOT, dedent


def plugin_results(source: str, filename: str = "m.py"):
    """What flake8 receives from the plugin: (row, 0-based column, text)."""
    lines = source.splitlines(keepends=True)
    plugin = Plugin(ast.parse(source), filename, lines)
    return [(row, col, text) for row, col, text, kind in plugin.run() if kind is Plugin]


def numlint_results(source: str, filename: str = "m.py", config=None):
    return [(d.start.row, d.start.column - 1, f"{d.code} {d.message}")
            for d in check_source(source, filename, config or Config())]


def sources():
    """Every example of every rule, and the fixtures: modules without `# noqa`."""
    for rule in all_rules():
        for number, example in enumerate(rule.examples):
            yield f"{rule.code}-{number}", example.code
    for path in sorted((ROOT / "fixtures").glob("*.py")):
        yield path.name, path.read_text(encoding="utf-8")


SOURCES = dict(sources())


def test_there_are_sources_with_findings():
    assert len(SOURCES) > 50
    assert sum(bool(numlint_results(s)) for s in SOURCES.values()) > 40


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_plugin_reports_what_check_source_reports(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no pyproject.toml: the default configuration
    source = SOURCES[name]
    assert plugin_results(source) == numlint_results(source)


def test_columns_are_zero_based_characters_and_messages_start_with_the_code():
    source = 'import numpy as np\nd = {"é": 1, "k": np.log(np.sum(np.exp(x)))}\n'
    (row, col, text), = plugin_results(source)
    # 18 characters precede the call (numlint shows column 19; flake8 adds 1 to a plugin's
    # column); the AST's col_offset is 19, counting `é` as two UTF-8 bytes.
    assert (row, col) == (2, 18)
    assert text.startswith("NL102 `log(sum(exp(x)))` overflows")


def test_inline_noqa_is_left_to_flake8():
    source = dedent("""
        import numpy as np
        a = np.log(np.sum(np.exp(x)))  # noqa: NL102
        b = np.log(np.sum(np.exp(x)))  # noqa
        """)
    assert numlint_results(source) == []
    assert [row for row, _, _ in plugin_results(source)] == [2, 3]


def test_file_level_exemptions_still_apply(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hazards = dedent("""
        import numpy as np
        import torch
        a = np.log(np.sum(np.exp(x)))
        b = torch.log(torch.softmax(x, 1))
        """)
    assert [t[:5] for _, _, t in plugin_results(hazards)] == ["NL102", "NL101"]
    partial = "# numlint: noqa: NL102\n" + hazards
    assert [t[:5] for _, _, t in plugin_results(partial)] == ["NL101"]
    assert plugin_results("# numlint: noqa\n" + hazards) == []


def test_tool_numlint_configuration_applies(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.numlint]\nignore = ["NL101"]\n'
        '[tool.numlint.per-file-ignores]\n"tests/*" = ["NL102"]\n')
    source = dedent("""
        import numpy as np
        import torch
        a = np.log(np.sum(np.exp(x)))
        b = torch.log(torch.softmax(x, 1))
        """)
    main, test = tmp_path / "m.py", tmp_path / "tests" / "t.py"
    assert [t[:5] for _, _, t in plugin_results(source, str(main))] == ["NL102"]
    assert plugin_results(source, str(test)) == []


def test_diagnostics_accepts_an_explicit_configuration():
    found = diagnostics(ast.parse(LOG_SUM_EXP), LOG_SUM_EXP.splitlines(True), "m.py",
                        Config(select=("NL1",), ignore=("NL102",)))
    assert found == []
    found = diagnostics(ast.parse(LOG_SUM_EXP), LOG_SUM_EXP.splitlines(True), "m.py",
                        Config(select=("NL102",)))
    assert [d.code for d in found] == ["NL102"]


def test_a_failing_rule_is_nl905_and_the_other_findings_stand(monkeypatch):
    from numlint.engine.registry import find_rule

    def broken(self, op, context):
        raise RuntimeError("boom")

    monkeypatch.setattr(type(find_rule("NL101")), "check", broken)
    source = dedent("""
        import numpy as np
        import torch
        a = np.log(np.sum(np.exp(x)))
        b = torch.log(torch.softmax(x, 1))
        """)
    results = plugin_results(source)
    assert [(row, col, text[:5]) for row, col, text in results] == [(1, 0, "NL905"),
                                                                    (3, 4, "NL102")]
    assert "boom" in results[0][2]


# -- the real flake8 ------------------------------------------------------------------------------

def _registered() -> bool:
    return any(entry.value == "numlint.cli.flake8_plugin:Plugin"
               for entry in importlib.metadata.entry_points(group="flake8.extension"))


requires_flake8 = pytest.mark.skipif(
    importlib.util.find_spec("flake8") is None or not _registered(),
    reason="needs flake8 and numlint installed with its `flake8.extension` entry point "
           "(pip install -e '.[test]')")

FLAKE8_SOURCE = dedent("""
    import numpy as np
    import torch

    a = np.log(np.sum(np.exp(x)))
    b = np.log(np.sum(np.exp(x)))  # noqa: NL102
    c = np.log(np.sum(np.exp(x)))  # noqa: NL1
    d = {"é": 1, "k": np.log(np.sum(np.exp(x)))}
    e = torch.log(torch.softmax(x, 1))  # noqa
    f = torch.log(torch.softmax(x, 1))  # noqa: E501
    """)


def flake8(*args, cwd):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def concise(output: str):
    """`path:row:col: CODE` of each line of flake8's or numlint's output."""
    return [line.split(" ")[0] + " " + line.split(" ")[1] for line in output.splitlines()
            if line.count(":") >= 3]


@requires_flake8
def test_flake8_reports_numlint_findings_at_numlint_positions(tmp_path):
    (tmp_path / "m.py").write_text(FLAKE8_SOURCE, encoding="utf-8")
    everything = flake8("--select", "NL", "--disable-noqa", "m.py", cwd=tmp_path)
    assert everything.returncode == 1, everything.stderr
    shown = concise(everything.stdout)
    assert shown == ["m.py:4:5: NL102", "m.py:5:5: NL102", "m.py:6:5: NL102",
                     "m.py:7:19: NL102", "m.py:8:5: NL101", "m.py:9:5: NL101"]
    assert "m.py:4:5: NL102 `log(sum(exp(x)))` overflows and underflows; use `logsumexp`" \
        in everything.stdout
    # numlint itself, at the same places (with the noqa comments removed: numlint's own
    # would hide rows 5 and 8)
    (tmp_path / "n.py").write_text(FLAKE8_SOURCE.replace("# noqa", "#"), encoding="utf-8")
    numlint = subprocess.run(
        [sys.executable, "-m", "numlint", "check", "--output-format", "json", "n.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    found = json.loads(numlint.stdout)
    assert [f"m.py:{d['location']['row']}:{d['location']['column']}: {d['code']}"
            for d in found] == shown


@requires_flake8
def test_flake8_applies_its_own_noqa(tmp_path):
    (tmp_path / "m.py").write_text(FLAKE8_SOURCE, encoding="utf-8")
    result = flake8("--select", "NL", "m.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    # to flake8, the NL1 of row 6 is a prefix (numlint would not accept it); row 9 names only
    # E501, not NL101
    assert concise(result.stdout) == ["m.py:4:5: NL102", "m.py:7:19: NL102", "m.py:9:5: NL101"]
    ignored = flake8("--select", "NL", "--extend-ignore", "NL102", "m.py", cwd=tmp_path)
    assert concise(ignored.stdout) == ["m.py:9:5: NL101"]


@requires_flake8
def test_flake8_clean_file_and_configuration_error(tmp_path):
    (tmp_path / "m.py").write_text("import numpy as np\ny = np.log(x)\n")
    clean = flake8("--select", "NL", "m.py", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")
    (tmp_path / "pyproject.toml").write_text('[tool.numlint]\nselct = ["NL1"]\n')
    broken = flake8("--select", "NL", "m.py", cwd=tmp_path)
    assert broken.returncode == 1
    assert "unknown key 'selct'" in broken.stdout + broken.stderr
    assert "Traceback" not in broken.stderr


def test_the_plugin_sees_hazards_split_across_modules(tmp_path):
    """As `numlint check`: the network defined in nets.py is seen where train.py trains it."""
    from numlint.cli.flake8_plugin import diagnostics
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "nets.py").write_text(
        "import torch\n\ndef probs(z):\n    return torch.softmax(z, dim=-1)\n")
    source = "import torch\nfrom .nets import probs\n\ndef nll(z):\n    return torch.log(probs(z))\n"
    path = tmp_path / "pkg" / "train.py"
    path.write_text(source)
    import ast
    found = diagnostics(ast.parse(source), source.splitlines(keepends=True), str(path))
    assert [(d.code, d.start.row) for d in found] == [("NL101", 5)]
