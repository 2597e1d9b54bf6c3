"""The command line, through click's runner and as a real subprocess."""

import json
import os
import pty
import subprocess
import sys

import pytest

from numlint import __version__

from conftest import LOG_SUM_EXP, LOG_SUM_EXP_FIXED, ROOT, dedent

SOFTMAX = dedent("""
    import torch

    def f(x):
        return torch.log(torch.softmax(x, dim=1))
    """)


class TestCheck:
    def test_findings_text_and_exit_1(self, run, write):
        write("m.py", LOG_SUM_EXP)
        result = run("check", "m.py")
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert lines[0] == ("m.py:5:12: NL102 [*] `log(sum(exp(x)))` overflows and underflows; "
                            "use `logsumexp`")
        # the code frame, with the caret underline, then the fix as a short diff
        assert "5 |     return np.log(np.sum(np.exp(x), axis=1))" in result.output
        assert "  |            " + "^" * 33 + " NL102" in result.output
        assert "= fix (safe): Replace with `np.logaddexp.reduce`" in result.output
        assert "-     return np.log(np.sum(np.exp(x), axis=1))" in result.output
        assert "+     return np.logaddexp.reduce(x, axis=1)" in result.output
        assert "Found 1 error." in result.output
        assert "[*] 1 fixable with the `--fix` option." in result.output

    def test_clean_tree_exit_0(self, run, write):
        write("m.py", "import numpy as np\ny = np.log(x)\n")
        result = run("check", ".")
        assert result.exit_code == 0 and "All checks passed!" in result.output

    def test_default_path_is_current_directory(self, run, write):
        write("pkg/m.py", LOG_SUM_EXP)
        result = run("check")
        assert result.exit_code == 1 and "pkg/m.py:5:12: NL102" in result.output

    def test_fix_writes_and_exits_0(self, run, write):
        path = write("m.py", LOG_SUM_EXP)
        result = run("check", "--fix", "m.py")
        assert result.exit_code == 0, result.output
        assert path.read_text() == LOG_SUM_EXP_FIXED
        assert "Found 1 error (1 fixed, 0 remaining)." in result.output
        again = run("check", "--fix", "m.py")
        assert again.exit_code == 0 and path.read_text() == LOG_SUM_EXP_FIXED

    def test_fix_leaves_unfixable_findings_and_exits_1(self, run, write):
        path = write("m.py", "import numpy as np\ny = np.log(np.mean(np.exp(x)))\n")
        result = run("check", "--fix", "m.py")
        assert result.exit_code == 1 and "Found 1 error." in result.output
        assert path.read_text() == "import numpy as np\ny = np.log(np.mean(np.exp(x)))\n"

    def test_diff_prints_and_does_not_write(self, run, write):
        path = write("m.py", LOG_SUM_EXP)
        result = run("check", "--diff", "m.py")
        assert result.exit_code == 1
        assert "--- a/m.py" in result.output and "+++ b/m.py" in result.output
        assert "+    return np.logaddexp.reduce(x, axis=1)" in result.output
        assert path.read_text() == LOG_SUM_EXP

    def test_diff_without_changes_exits_0(self, run, write):
        write("m.py", "x = 1\n")
        assert run("check", "--diff", "m.py").exit_code == 0

    def test_unsafe_fixes_are_hidden_then_applied(self, run, write):
        source = dedent("""
            import torch
            y = torch.log(
                torch.sum(torch.exp(x), dim=1)  # keep me?
            )
            """)
        path = write("m.py", source)
        result = run("check", "m.py")
        assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in result.output
        assert "[*]" not in result.output
        run("check", "--fix", "m.py")
        assert path.read_text() == source
        result = run("check", "--fix", "--unsafe-fixes", "m.py")
        assert result.exit_code == 0 and "torch.logsumexp(x, dim=1)" in path.read_text()

    def test_select_ignore_extend_select(self, run, write):
        write("a.py", LOG_SUM_EXP)
        write("b.py", SOFTMAX)
        assert "NL101" not in run("check", "--select", "NL102", ".").output
        assert "NL102" not in run("check", "--ignore", "NL102", ".").output
        both = run("check", "--select", "NL101", "--extend-select", "NL102", ".").output
        assert "NL101" in both and "NL102" in both
        assert run("check", "--select", "NL1", "--ignore", "NL1", ".").exit_code == 0
        # the more specific selector wins, as in Ruff
        assert "NL102" in run("check", "--ignore", "NL1", "--select", "NL102", ".").output
        assert "NL101" in run("check", "--select", "NL101,NL102", ".").output

    @pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
    @pytest.mark.parametrize("value", ["", " ", ","])
    def test_an_empty_selection_is_a_usage_error(self, run, write, option, value):
        write("m.py", LOG_SUM_EXP)
        result = run("check", option, value, "m.py")
        assert result.exit_code == 2, result.output
        assert f"Invalid value for '{option}': an empty list of codes" in result.output
        assert "All checks passed!" not in result.output
        assert run("check", "--exit-zero", option, value, "m.py").exit_code == 2
        # a stray comma beside a code is not an empty selection
        assert run("check", "--select", "NL102,", "m.py").exit_code == 1

    def test_unknown_code_is_a_usage_error(self, run, write):
        write("m.py", LOG_SUM_EXP)
        result = run("check", "--select", "NL999", "m.py")
        assert result.exit_code == 2
        assert "unknown rule code or prefix 'NL999'" in result.output

    def test_exit_zero(self, run, write):
        write("m.py", LOG_SUM_EXP)
        result = run("check", "--exit-zero", "m.py")
        assert result.exit_code == 0 and "NL102" in result.output

    def test_statistics(self, run, write):
        write("a.py", LOG_SUM_EXP + LOG_SUM_EXP.replace("def f", "def g"))
        write("b.py", SOFTMAX)
        result = run("check", "--statistics", ".")
        rows = [line.split() for line in result.output.splitlines()]
        assert rows[0] == ["count", "code", "name", "fixable"]
        assert rows[1] == ["2", "NL102", "log-sum-exp", "2"]
        assert rows[2] == ["1", "NL101", "log-of-softmax", "1"]
        data = json.loads(run("check", "--statistics", "--output-format", "json", ".").output)
        assert data[0] == {"code": "NL102", "name": "log-sum-exp", "count": 2, "fixable": 2}

    def test_missing_path_is_a_finding(self, run):
        result = run("check", "nowhere.py")
        assert result.exit_code == 1 and "NL902" in result.output
        assert run("check", "--exit-zero", "nowhere.py").exit_code == 0


class TestExitCodes:
    """As Ruff (docs/exit-codes.md): a file that cannot be read or parsed is a finding, exit 1
    (0 with --exit-zero); 2 only for usage and configuration errors and internal failures."""

    @pytest.mark.parametrize("name, content, code", [
        ("syntax.py", "def f(:\n", "NL901"),
        ("newer.py", "type Point = tuple[float, float]\n" if sys.version_info < (3, 12)
         else "match x:\n    case [*a, *b]: pass\n", "NL901"),
        ("latin.py", b"x = 'caf\xe9'\n", "NL903"),
        ("nul.py", b"x = 1\0\n", "NL904"),
    ])
    def test_a_file_that_cannot_be_checked_is_a_finding(self, run, write, name, content,
                                                         code):
        write(name, content, raw=True)
        write("clean.py", "x = 1\n")
        result = run("check", "--no-cache", ".")
        assert result.exit_code == 1 and code in result.output
        assert run("check", "--no-cache", "--exit-zero", ".").exit_code == 0
        assert run("check", "--no-cache", "--fix", ".").exit_code == 1
        assert run("check", "--no-cache", "--fix", "--exit-zero", ".").exit_code == 0
        diff = run("check", "--no-cache", "--diff", ".")
        assert diff.exit_code == 1 and code in diff.output
        assert run("check", "--no-cache", "--diff", "--exit-zero", ".").exit_code == 0

    def test_unreadable_files_say_the_same_whether_named_or_found(self, run, write, tmp_path):
        os.symlink("loop.py", tmp_path / "loop.py")
        found = run("check", "--no-cache", ".")
        named = run("check", "--no-cache", "loop.py")
        assert "loop.py:1:1: NL902 cannot read the file: symlink loop" in found.output
        assert "loop.py:1:1: NL902 cannot read the file: symlink loop" in named.output
        assert "cannot read: " not in found.output + named.output
        assert found.exit_code == named.exit_code == 1
        missing = run("check", "--no-cache", "missing.py")
        assert "missing.py:1:1: NL902 cannot read the file: " in missing.output

    def test_an_internal_failure_exits_2_even_with_exit_zero(self, run, write, monkeypatch):
        from numlint.engine.registry import find_rule
        monkeypatch.setattr(find_rule("NL102"), "check",
                            lambda ctx, op: (_ for _ in ()).throw(ValueError("bad")))
        write("m.py", LOG_SUM_EXP)
        for extra in ((), ("--exit-zero",), ("--diff",), ("--output-format", "json")):
            result = run("check", "--no-cache", *extra, "m.py")
            assert result.exit_code == 2 and "NL905" in result.output, extra

    def test_usage_and_configuration_errors_exit_2_even_with_exit_zero(self, run, write):
        write("m.py", LOG_SUM_EXP)
        assert run("check", "--exit-zero", "--select", "NL999", "m.py").exit_code == 2
        write("pyproject.toml", "[tool.numlint]\nselect = 3\n")
        assert run("check", "--exit-zero", "m.py").exit_code == 2

    def test_add_noqa_with_a_file_it_cannot_check_exits_1(self, run, write):
        write("m.py", LOG_SUM_EXP)
        write("broken.py", "def f(:\n")
        result = run("check", "--no-cache", "--add-noqa", ".")
        assert result.exit_code == 1 and "broken.py:1:7: NL901" in result.stderr
        assert run("check", "--no-cache", "--add-noqa", "--exit-zero", ".").exit_code == 0
        assert "# noqa: NL102" in open("m.py", encoding="utf-8").read()


class TestJson:
    def test_ruff_shape(self, run, write):
        write("m.py", LOG_SUM_EXP)
        result = run("check", "--output-format", "json", "m.py")
        assert result.exit_code == 1
        (item,) = json.loads(result.output)
        assert set(item) == {"cell", "code", "end_location", "filename", "fix", "location",
                             "message", "noqa_row", "url"}
        assert item["code"] == "NL102"
        assert item["location"] == {"row": 5, "column": 12}
        assert item["end_location"] == {"row": 5, "column": 45}
        assert os.path.isabs(item["filename"]) and item["filename"].endswith("m.py")
        assert item["noqa_row"] == 5 and item["cell"] is None
        fix = item["fix"]
        assert fix["applicability"] == "safe"
        assert fix["message"] == "Replace with `np.logaddexp.reduce`"
        assert fix["edits"] == [{"content": "np.logaddexp.reduce(x, axis=1)",
                                 "location": {"row": 5, "column": 12},
                                 "end_location": {"row": 5, "column": 45}}]

    def test_import_edit_is_part_of_the_fix(self, run, write):
        write("m.py", "import jax.numpy as jnp\ny = jnp.log(jnp.sum(jnp.exp(x)))\n")
        (item,) = json.loads(run("check", "--output-format", "json", "m.py").output)
        contents = [e["content"] for e in item["fix"]["edits"]]
        assert contents == ["import jax\n", "jax.nn.logsumexp(x)"]

    def test_unfixable_has_null_fix_and_empty_list_when_clean(self, run, write):
        write("m.py", "import numpy as np\ny = np.log(np.mean(np.exp(x)))\n")
        (item,) = json.loads(run("check", "--output-format", "json", "m.py").output)
        assert item["fix"] is None
        write("m.py", "x = 1\n")
        assert json.loads(run("check", "--output-format", "json", "m.py").output) == []


class TestStdin:
    def test_check(self, run):
        result = run("check", "-", input=LOG_SUM_EXP)
        assert result.exit_code == 1 and "<stdin>:5:12: NL102" in result.output

    def test_stdin_filename_names_the_file(self, run):
        result = run("check", "-", "--stdin-filename", "pkg/model.py", input=LOG_SUM_EXP)
        assert "pkg/model.py:5:12: NL102" in result.output

    def test_fix_writes_the_fixed_source_to_stdout(self, numlint_process):
        process = numlint_process("check", "--fix", "-", input=LOG_SUM_EXP.encode())
        assert process.returncode == 0
        assert process.stdout.decode() == LOG_SUM_EXP_FIXED
        assert b"1 fixed" in process.stderr

    def test_fix_without_changes_echoes_the_input(self, numlint_process):
        source = b"import numpy as np\ny = np.log(np.mean(np.exp(x)))\n"
        process = numlint_process("check", "--fix", "-", input=source)
        assert process.returncode == 1 and process.stdout == source


class TestSubcommands:
    def test_version(self, run):
        result = run("--version")
        assert result.exit_code == 0 and result.output.strip() == f"numlint {__version__}"

    def test_rules_lists_every_rule(self, run):
        result = run("rules")
        assert result.exit_code == 0
        for code, name in (("NL101", "log-of-softmax"), ("NL102", "log-sum-exp"),
                           ("NL901", "syntax-error")):
            line = next(line for line in result.output.splitlines() if line.startswith(code))
            assert name in line
        data = json.loads(run("rules", "--output-format", "json").output)
        nl102 = next(r for r in data if r["code"] == "NL102")
        assert nl102["fixable"] == "sometimes" and "torch" in nl102["frameworks"]

    def test_rule_prints_documentation(self, run):
        result = run("rule", "NL102")
        assert result.exit_code == 0
        text = result.output
        for heading in ("# log-sum-exp (NL102)", "## What it does", "## Why is this bad?",
                        "## Example", "## Use instead", "## Fix safety", "## References"):
            assert heading in text
        assert "[[1000, 1000], [-1000, -1000]]" in text  # the input that breaks it
        assert run("rule", "log-sum-exp").output == text

    def test_unknown_rule(self, run):
        result = run("rule", "NL999")
        assert result.exit_code == 2 and "no rule 'NL999'" in result.output


class TestProcess:
    def test_exit_codes_and_output_through_a_real_process(self, numlint_process, write):
        write("bad.py", LOG_SUM_EXP)
        write("good.py", "x = 1\n")
        assert numlint_process("check", "good.py").returncode == 0
        process = numlint_process("check", "bad.py")
        assert process.returncode == 1
        assert process.stdout.decode().startswith("bad.py:5:12: NL102")
        assert numlint_process("check", "--select", "XX1", "bad.py").returncode == 2

    def test_console_script_runs(self, tmp_path, write):
        write("bad.py", LOG_SUM_EXP)
        script = os.path.join(os.path.dirname(sys.executable), "numlint")
        if not os.path.exists(script):
            pytest.skip("numlint is not installed as a console script in this environment")
        process = subprocess.run([script, "check", "bad.py"], cwd=tmp_path, capture_output=True)
        assert process.returncode == 1 and b"NL102" in process.stdout

    def test_no_colour_when_piped(self, numlint_process, write):
        write("bad.py", LOG_SUM_EXP)
        assert b"\x1b[" not in numlint_process("check", "bad.py").stdout

    def test_colour_on_a_terminal_unless_no_color(self, tmp_path, write):
        write("bad.py", LOG_SUM_EXP)

        def on_terminal(env):
            leader, follower = pty.openpty()
            environment = {k: v for k, v in os.environ.items()
                           if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
            environment.update(env, TERM="xterm-256color", COLUMNS="120")
            process = subprocess.Popen([sys.executable, "-m", "numlint", "check", "bad.py"],
                                       cwd=tmp_path, stdout=follower, stderr=follower,
                                       env=environment)
            os.close(follower)
            output = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            process.wait(timeout=60)
            os.close(leader)
            return output

        assert b"\x1b[" in on_terminal({})
        assert b"\x1b[" not in on_terminal({"NO_COLOR": "1"})


def test_python_dash_m_numlint_help():
    process = subprocess.run([sys.executable, "-m", "numlint", "--help"], capture_output=True,
                             cwd=ROOT)
    assert process.returncode == 0 and b"check" in process.stdout


def test_show_files_lists_what_a_check_reads(run, write):
    from numlint.run.config import config_for_directory

    write("pyproject.toml", "[tool.numlint]\nextend-exclude = ['gen/']\n")
    config_for_directory.cache_clear()
    for name in ("b.py", "a.py", "pkg/c.pyi", "gen/d.py", "build/e.py", "notes.txt"):
        write(name, "x = 1\n")
    result = run("check", "--show-files")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["a.py", "b.py", "pkg/c.pyi"]
    assert run("check", "--show-files", "gen/d.py").output.splitlines() == ["gen/d.py"]
    assert run("check", "--show-files", "--force-exclude", "gen/d.py").output == ""


def test_show_settings_prints_the_resolved_configuration(run, write):
    from numlint.run.config import config_for_directory

    write("pyproject.toml", '[tool.numlint]\nignore = ["NL3"]\n'
                            '[tool.numlint.per-file-ignores]\n"tests/*" = ["NL102"]\n')
    write("sub/pyproject.toml", '[tool.numlint]\nselect = ["NL1"]\n')
    write("m.py", LOG_SUM_EXP)
    write("sub/n.py", LOG_SUM_EXP)
    config_for_directory.cache_clear()
    top = run("check", "--show-settings", "--ignore", "NL4", "m.py")
    assert top.exit_code == 0, top.output
    lines = top.output.splitlines()
    assert lines[0] == "# settings for m.py"
    assert lines[1].startswith("# from ") and lines[1].endswith("pyproject.toml")
    assert 'ignore = ["NL3", "NL4"]' in lines
    from numlint.engine.registry import all_rules
    enabled = [r.code for r in all_rules() if not r.meta and not r.opt_in
               and not r.code.startswith(("NL3", "NL4"))]
    assert f"# rules enabled: {', '.join(enabled)}" in lines  # the catalog grows: computed
    assert '"tests/*" = ["NL102"]' in lines
    nested = run("check", "--show-settings", "sub/n.py").output.splitlines()
    assert 'select = ["NL1"]' in nested and "# rules enabled: NL101, NL102, NL103" in nested
    assert nested[1].endswith(os.path.join("sub", "pyproject.toml"))
