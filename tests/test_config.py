"""`[tool.numlint]` configuration: discovery, validation, selection and exclusion."""

import pytest

from numlint.run.config import Config, ConfigError, config_for_directory

from conftest import LOG_SUM_EXP, dedent

SOFTMAX = "import torch\ny = torch.log(torch.softmax(x, 1))\n"


@pytest.fixture(autouse=True)
def fresh_config_cache():
    config_for_directory.cache_clear()
    yield
    config_for_directory.cache_clear()


def pyproject(write, body: str, where: str = "pyproject.toml"):
    return write(where, "[project]\nname = 'demo'\n\n[tool.numlint]\n" + dedent(body))


def test_select_and_ignore_from_pyproject(run, write):
    pyproject(write, 'select = ["NL101"]')
    write("a.py", LOG_SUM_EXP)
    write("b.py", SOFTMAX)
    result = run("check", ".")
    assert "NL101" in result.output and "NL102" not in result.output
    pyproject(write, 'ignore = ["NL101"]')
    config_for_directory.cache_clear()
    result = run("check", ".")
    assert "NL102" in result.output and "NL101" not in result.output


def test_command_line_overrides_configuration(run, write):
    pyproject(write, 'select = ["NL101"]')
    write("a.py", LOG_SUM_EXP)
    assert "NL102" in run("check", "--select", "NL102", ".").output
    assert "NL102" in run("check", "--extend-select", "NL102", ".").output


def test_nearest_pyproject_wins_and_tables_without_numlint_are_skipped(run, write):
    pyproject(write, 'ignore = ["NL102"]')
    write("sub/pyproject.toml", "[project]\nname = 'sub'\n")  # no [tool.numlint]: skipped
    write("sub/inner/pyproject.toml", "[tool.numlint]\nselect = ['NL102']\n")
    write("sub/a.py", LOG_SUM_EXP)
    write("sub/inner/b.py", LOG_SUM_EXP)
    write("sub/inner/deeper/c.py", LOG_SUM_EXP)
    write("sub/z/d.py", LOG_SUM_EXP)  # walked after inner/: back to the root's
    result = run("check", ".")
    assert "sub/a.py" not in result.output          # root config ignores NL102
    assert "sub/inner/b.py:5:12: NL102" in result.output  # nearest config selects it
    assert "sub/inner/deeper/c.py:5:12: NL102" in result.output
    assert "sub/z/d.py" not in result.output


def test_config_found_walking_up_from_a_checked_file(run, write, tmp_path, monkeypatch):
    pyproject(write, 'ignore = ["NL102"]')
    write("deep/er/m.py", LOG_SUM_EXP)
    monkeypatch.chdir(tmp_path / "deep")
    assert run("check", "er/m.py").exit_code == 0


def test_per_file_ignores(run, write):
    pyproject(write, """
        [tool.numlint.per-file-ignores]
        "tests/*" = ["NL102"]
        "legacy.py" = ["NL1"]
        """)
    write("tests/t.py", LOG_SUM_EXP)
    write("legacy.py", LOG_SUM_EXP + SOFTMAX)
    write("src/m.py", LOG_SUM_EXP)
    result = run("check", ".")
    assert "tests/t.py" not in result.output and "legacy.py" not in result.output
    assert "src/m.py:5:12: NL102" in result.output


def test_exclude_and_extend_exclude(run, write):
    pyproject(write, 'extend-exclude = ["generated", "*_pb2.py"]')
    write("generated/m.py", LOG_SUM_EXP)
    write("model_pb2.py", LOG_SUM_EXP)
    write("venv/lib/m.py", LOG_SUM_EXP)  # excluded by default
    write("src/m.py", LOG_SUM_EXP)
    result = run("check", ".")
    assert result.output.count("NL102 [*]") == 1 and "src/m.py" in result.output
    pyproject(write, 'exclude = ["src"]')  # replaces the defaults
    config_for_directory.cache_clear()
    result = run("check", ".")
    assert "venv/lib/m.py" in result.output and "src/m.py" not in result.output


def test_respect_gitignore_can_be_switched_off(run, write):
    write(".gitignore", "ignored/\n")
    write("ignored/m.py", LOG_SUM_EXP)
    assert run("check", ".").exit_code == 0
    pyproject(write, "respect-gitignore = false")
    config_for_directory.cache_clear()
    assert "ignored/m.py" in run("check", ".").output


@pytest.mark.parametrize("body,message", [
    ("selct = ['NL101']", "unknown key 'selct'; did you mean 'select'?"),
    ("select = ['NL999']", "unknown rule code or prefix 'NL999'"),
    ("select = 'NL101'", "'select' must be a list of strings"),
    ("ignore = ['nl101x']", "unknown rule code or prefix 'nl101x'"),
    ("respect-gitignore = 'yes'", "'respect-gitignore' must be true or false"),
    ("per-file-ignores = ['x']", "'per-file-ignores' must be a table"),
    ("select = [", "invalid TOML"),
])
def test_configuration_errors_exit_2_without_traceback(run, write, body, message):
    pyproject(write, body)
    write("m.py", "x = 1\n")
    result = run("check", ".")
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_configuration_error_through_a_real_process(numlint_process, write):
    pyproject(write, "bogus = 1")
    write("m.py", "x = 1\n")
    process = numlint_process("check", ".")
    assert process.returncode == 2
    assert b"unknown key 'bogus'" in process.stderr and b"Traceback" not in process.stderr


def test_selector_specificity():
    config = Config(select=("NL1",), ignore=("NL102",))
    assert "NL101" in config.enabled_codes() and "NL102" not in config.enabled_codes()
    config = Config(select=("NL102",), ignore=("NL1",))
    assert "NL102" in config.enabled_codes()
    config = Config(select=("NL1",), ignore=("NL1",))
    assert not {"NL101", "NL102"} & config.enabled_codes()


def test_meta_diagnostics_are_always_enabled():
    assert "NL901" in Config(select=("NL101",)).enabled_codes()


def test_unknown_override_is_rejected():
    with pytest.raises(ConfigError):
        Config().with_overrides(select=("ZZ1",))


def test_relative_paths_resolve_symlinks_as_pathlib_does(tmp_path):
    """`Config.relative` (what exclude and per-file-ignores patterns match) caches directory
    real paths; it must still agree with `Path.resolve().relative_to(root)`."""
    import os

    from numlint.run.config import Config

    base = tmp_path.resolve()
    (base / "root/a/b").mkdir(parents=True)
    (base / "elsewhere/dir").mkdir(parents=True)
    (base / "root/a/b/f.py").write_text("")
    os.symlink(base / "root/a", base / "root/link")
    os.symlink(base / "root/a/b/f.py", base / "root/flink.py")
    config = Config(root=base / "root")
    cases = {"root/a/b/f.py": "a/b/f.py", "root/link/b/f.py": "a/b/f.py",
             "root/flink.py": "a/b/f.py", "root/link/../a": "a", "root/a/b/..": "a",
             "root": ".", "elsewhere/dir": (base / "elsewhere/dir").as_posix()}
    for path, expected in cases.items():
        assert config.relative(base / path) == expected, path
        assert config.relative(str(base / path)) == expected, path


def test_output_format_from_the_configuration(run, write, monkeypatch):
    """As Ruff's `output-format`: the flag, then NUMLINT_OUTPUT_FORMAT, then the key."""
    write("m.py", LOG_SUM_EXP)
    pyproject(write, 'output-format = "concise"')
    concise = run("check", "m.py").output
    assert concise.startswith("m.py:5:12: NL102 ") and "  |" not in concise
    assert run("check", "m.py", "--output-format", "json").output.lstrip().startswith("[")
    monkeypatch.setenv("NUMLINT_OUTPUT_FORMAT", "json")
    assert run("check", "m.py").output.lstrip().startswith("[")
    monkeypatch.delenv("NUMLINT_OUTPUT_FORMAT")
    assert "--statistics cannot be used" in run("check", "m.py", "--statistics",
                                                "--output-format", "sarif").output


def test_unknown_output_format_in_the_configuration(run, write):
    write("m.py", LOG_SUM_EXP)
    pyproject(write, 'output-format = "xml"')
    result = run("check", "m.py")
    assert result.exit_code == 2 and "'output-format' must be one of" in result.output
    assert "concise" in result.output


def test_numlint_toml_files(run, write):
    """As Ruff's ruff.toml: `.numlint.toml` and `numlint.toml` hold the keys at top level and
    win over a pyproject.toml in the same directory; below them, the nearest file applies."""
    from numlint.run.config import config_for_directory

    pyproject(write, 'select = ["NL101"]')
    write("numlint.toml", 'select = ["NL102"]\n')
    write("m.py", LOG_SUM_EXP)
    write("sub/.numlint.toml", 'ignore = ["NL102"]\n')
    write("sub/numlint.toml", 'select = ["NL101"]\n')  # shadowed by .numlint.toml
    write("sub/n.py", LOG_SUM_EXP)
    config_for_directory.cache_clear()
    result = run("check", "--output-format", "concise", ".")
    assert [line.split(":")[0] for line in result.output.splitlines() if "NL102" in line] \
        == ["m.py"]
    settings = run("check", "--show-settings", "sub/n.py").output
    assert settings.splitlines()[1].endswith(".numlint.toml")
    write("numlint.toml", 'select = ["NL102"]\nunknown = 1\n')
    config_for_directory.cache_clear()
    error = run("check", "m.py")
    assert error.exit_code == 2 and "numlint.toml: unknown key 'unknown'" in error.output


def test_opt_in_rules_run_only_when_named():
    """Rules below the precision bar are outside the default selection (as Ruff's preview
    rules): `ALL` or a family prefix does not enable them, their code does."""
    from numlint.engine.registry import all_rules
    opt_in = [r.code for r in all_rules() if r.opt_in]
    assert opt_in, "no opt-in rule to test with"
    code = opt_in[0]
    assert code not in Config().enabled_codes()
    assert code not in Config(select=(code[:3],)).enabled_codes()
    assert code in Config(select=(code,)).enabled_codes()
    assert code in Config(extend_select=(code,)).enabled_codes()
    assert code not in Config(select=(code,), ignore=(code,)).enabled_codes()


# -- exclusion patterns matched as one expression -------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from numlint.engine.settings import DEFAULT_EXCLUDE, _AnyOf, _gitwildmatch  # noqa: E402

import pathspec  # noqa: E402

_PART = st.sampled_from(["a", "b", "build", "dist", ".venv", "x.py", "test_x.py", "a.b",
                         "[ab]", "node_modules", "sub dir", "é", "*.py"])
_PATTERN = st.one_of(
    st.sampled_from(list(DEFAULT_EXCLUDE) + [
        "*.py", "/a", "a/", "a/**/b", "**/b", "b/**", "test_*.py", "a?b", "[ab]/x.py",
        "\\[ab\\]", "a/*.py", "/build/", "**", "*", "dir with space", "#comment", "",
        " ", "x.py ", "a\\ ", "***/b", "a//b", "./a", "!x.py"]),
    st.lists(_PART, min_size=1, max_size=3).map("/".join))
_PATH = st.tuples(st.lists(_PART, min_size=1, max_size=4).map("/".join), st.booleans(),
                  st.sampled_from(["", "/", "./"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_PATTERN, max_size=6), st.lists(_PATH, min_size=1, max_size=8))
def test_one_expression_answers_as_the_spec(patterns, paths):
    """Where no pattern negates, the exclusions are one regular expression: for every path
    (file or directory, relative or not) the same answer as pathspec's `GitIgnoreSpec`."""
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    matcher = _gitwildmatch(patterns)
    negates = any(p.include is False for p in spec.patterns)
    assert isinstance(matcher, _AnyOf) == (not negates and any(
        p.include for p in spec.patterns))
    for path, is_dir, prefix in paths:
        path = prefix + path + ("/" if is_dir else "")
        assert matcher.match_file(path) == spec.match_file(path), (patterns, path)


def test_the_default_exclusions_are_one_expression():
    matcher = Config().with_overrides(extend_select=())
    matcher.excluded("x.py")  # builds the matcher
    compiled = matcher._cache["exclude"]
    assert isinstance(compiled, _AnyOf)
    assert compiled.match_file("pkg/build/x.py") and compiled.match_file(".venv/")
    assert not compiled.match_file("pkg/builder/x.py")
    negated = Config(extend_exclude=("!keep.py",))
    negated.excluded("x.py")
    assert isinstance(negated._cache["exclude"], pathspec.GitIgnoreSpec)


def test_a_normal_path_outside_the_root_is_shown_as_pathlib_would():
    """`Config.relative` returns a normal POSIX path outside the root as it is (no Path
    built for each file of a walk): for every path of up to four components of these kinds,
    with or without leading and trailing slashes, what it returns is pathlib's."""
    import itertools
    from pathlib import PurePosixPath
    from numlint.engine.settings import _NORMAL_POSIX
    parts = ["a", ".", "..", "", ".b", "b.", "..."]
    kept = 0
    for count in range(1, 5):
        for combination in itertools.product(parts, repeat=count):
            for lead, trail in itertools.product(("", "/", "//"), ("", "/")):
                path = lead + "/".join(combination) + trail
                if _NORMAL_POSIX.fullmatch(path):
                    kept += 1
                    assert PurePosixPath(path).as_posix() == path, path
    assert kept > 1000  # the fast path is taken for most of them
    config = Config(root=PurePosixPath("/nowhere/root"))
    assert config.relative("/elsewhere/a/b.py") == "/elsewhere/a/b.py"
    assert config.relative("/elsewhere/./a//b.py") == "/elsewhere/a/b.py"
