"""Which files a run checks."""

import pytest

from numlint.run.config import config_for_directory
from numlint.run.discovery import discover


@pytest.fixture(autouse=True)
def fresh_config_cache():
    config_for_directory.cache_clear()
    yield
    config_for_directory.cache_clear()


def found(tmp_path, *paths):
    return [f.path.relative_to(tmp_path).as_posix() for f in
            discover([tmp_path / p for p in paths] or [tmp_path])]


def test_python_files_recursively_in_sorted_order(tmp_path, write):
    for name in ("b.py", "a.py", "pkg/c.py", "pkg/d.pyi", "notes.txt", "pkg/e.pyc"):
        write(name, "x = 1\n")
    assert found(tmp_path) == ["a.py", "b.py", "pkg/c.py", "pkg/d.pyi"]


@pytest.mark.parametrize("directory", [".git", ".venv", "venv", "build", "dist",
                                       "site-packages", "node_modules", "__pycache__",
                                       ".tox", ".numlint_cache"])
def test_default_excludes(tmp_path, write, directory):
    write(f"{directory}/m.py", "x = 1\n")
    write(f"src/{directory}/m.py", "x = 1\n")
    write("src/ok.py", "x = 1\n")
    assert found(tmp_path) == ["src/ok.py"]


def test_gitignore_nested_files_and_negation(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "*.gen.py\nscratch/\n")
    write("a.gen.py", "x = 1\n")
    write("scratch/m.py", "x = 1\n")
    write("pkg/.gitignore", "!keep.gen.py\nlocal.py\n")
    write("pkg/keep.gen.py", "x = 1\n")
    write("pkg/other.gen.py", "x = 1\n")
    write("pkg/local.py", "x = 1\n")
    write("pkg/m.py", "x = 1\n")
    assert found(tmp_path) == ["pkg/keep.gen.py", "pkg/m.py"]


def test_gitignore_above_the_checked_directory_in_the_same_repository(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "src/generated/\n")
    write(".git/info/exclude", "*.local.py\n")
    write("src/generated/m.py", "x = 1\n")
    write("src/a.local.py", "x = 1\n")
    write("src/m.py", "x = 1\n")
    assert found(tmp_path, "src") == ["src/m.py"]


def test_explicitly_named_files_are_always_checked(tmp_path, write):
    write(".gitignore", "ignored.py\n")
    write("ignored.py", "x = 1\n")
    write("build/m.py", "x = 1\n")
    write("script", "x = 1\n")  # no extension, named explicitly
    assert found(tmp_path, "ignored.py", "build/m.py", "script") == [
        "ignored.py", "build/m.py", "script"]


def test_each_file_once(tmp_path, write):
    write("pkg/m.py", "x = 1\n")
    assert found(tmp_path, "pkg", "pkg/m.py", ".") == ["pkg/m.py"]


def test_missing_path_is_reported(tmp_path):
    (result,) = discover([tmp_path / "nope.py"])
    assert result.error == "no such file or directory"


def test_force_exclude_applies_exclusions_to_named_files(run, write):
    """pre-commit names every staged file; `--force-exclude` (the hooks' default, as Ruff's)
    or `force-exclude = true` makes exclude and extend-exclude apply to them too."""
    from conftest import LOG_SUM_EXP

    write("build/gen.py", LOG_SUM_EXP)           # default exclude: a directory pattern
    write("src/legacy/old.py", LOG_SUM_EXP)      # extend-exclude below
    write("src/m.py", LOG_SUM_EXP)
    files = ("build/gen.py", "src/legacy/old.py", "src/m.py")

    def reported(*args):
        result = run("check", "--output-format", "concise", *args, *files)
        return sorted(line.split(":")[0] for line in result.output.splitlines()
                      if "NL102" in line)

    assert reported() == list(files)             # named: checked even if excluded
    assert reported("--force-exclude") == ["src/legacy/old.py", "src/m.py"]
    write("pyproject.toml", "[tool.numlint]\nforce-exclude = true\n"
                            "extend-exclude = ['src/legacy/']\n")
    config_for_directory.cache_clear()
    assert reported() == ["src/m.py"]
    assert reported("--no-force-exclude") == list(files)
    everything_excluded = run("check", "build/gen.py")
    assert everything_excluded.exit_code == 0, everything_excluded.output


def test_force_exclude_on_stdin(run, write):
    from conftest import LOG_SUM_EXP

    excluded = run("check", "--force-exclude", "--stdin-filename", "build/gen.py", "-",
                   input=LOG_SUM_EXP)
    assert excluded.exit_code == 0 and "NL102" not in excluded.output
    passed_through = run("check", "--force-exclude", "--fix", "--stdin-filename",
                         "build/gen.py", "-", input=LOG_SUM_EXP)
    assert passed_through.stdout == LOG_SUM_EXP
    checked = run("check", "--force-exclude", "--stdin-filename", "src/m.py", "-",
                  input=LOG_SUM_EXP)
    assert checked.exit_code == 1 and "NL102" in checked.output


def test_force_exclude_must_be_a_boolean(run, write):
    write("pyproject.toml", "[tool.numlint]\nforce-exclude = 'yes'\n")
    result = run("check", ".")
    assert result.exit_code == 2 and "'force-exclude' must be true or false" in result.output


def test_display_path_outside_the_working_directory(tmp_path, monkeypatch):
    """A path outside the working directory is shown as given, in normal form, whether it
    comes as a `Path` (the walk's) or as the string the user typed."""
    from pathlib import Path

    from numlint.run.runner import display_path
    inside = tmp_path / "cwd"
    inside.mkdir()
    monkeypatch.chdir(inside)
    for given in ("../other//pkg/./m.py", str(tmp_path / "other" / "m.py"), "/a//b/./c.py"):
        assert display_path(Path(given)) == display_path(given) == Path(given).as_posix()
    assert display_path(Path("m.py")) == "m.py" and display_path(inside) == "."
