"""numlint's rules inside Fixit (`numlint.fixit`, built in `numlint.cli.fixit_pack`), run by the
real Fixit as a command: `fixit lint` reports what `numlint check` reports, `fixit fix
--automatic` applies numlint's safe fixes, Fixit's suppression comments and rule selection
work, a module numlint fails on is a finding and not a Fixit crash, and `fixit test
numlint.fixit` passes on numlint's rule examples.

Fixit keeps click below 8.2, which this test environment cannot have, so Fixit runs from an
environment of its own: the Python named by NUMLINT_FIXIT_PYTHON (with Fixit installed and
this checkout's numlint importable, e.g. `pip install fixit && pip install -e .` in a venv), or
else a venv the session builds under pytest's temporary directory (`pip install fixit` and this
checkout, editable: it needs the package index; measured at 22-25 s, 7 s of it CPU, with or
without pip's cache). The tests that run Fixit are marked `slow`. Without the index they
skip, unless NUMLINT_REQUIRE_FRAMEWORKS=1 (CI): then they fail, as the framework-dependent
tests do.
"""

import importlib.util
import json
import os
import re
try:
    import resource
except ImportError:  # pragma: no cover - not on Windows: the build time alone is shown
    resource = None  # type: ignore[assignment]
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, dedent

REQUIRED = os.environ.get("NUMLINT_REQUIRE_FRAMEWORKS") == "1"
FIXTURES = sorted((ROOT / "fixtures").glob("*.py"))
FIXIT_CONFIG = '[tool.fixit]\nenable = ["numlint.fixit"]\n'

# `path@line:column Rule: message`, Fixit's default output (line 1-based, column 0-based).
LINE = re.compile(r"^(?P<path>\S+)@(?P<row>\d+):(?P<column>\d+) (?P<rule>\w+): (?P<message>.*?)"
                  r"(?P<autofix> \(has autofix\))?$")


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"NUMLINT_REQUIRE_FRAMEWORKS=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fixit_python(tmp_path_factory) -> str:
    """A Python with Fixit and this checkout's numlint."""
    python = os.environ.get("NUMLINT_FIXIT_PYTHON")
    if not python:
        env = tmp_path_factory.mktemp("fixit-env")
        started = time.perf_counter()
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
        try:
            subprocess.run([sys.executable, "-m", "venv", str(env)], check=True,
                           capture_output=True, timeout=300)
            python = str(env / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
            installed = subprocess.run(
                [python, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                 "fixit", "-e", str(ROOT)], capture_output=True, text=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            _unavailable(f"cannot build an environment with Fixit: {exc}")
        if installed.returncode != 0:
            _unavailable("cannot install Fixit and numlint in a venv (`pip install fixit -e .`):"
                         f"\n{installed.stdout[-2000:]}{installed.stderr[-2000:]}")
        message = f"\nFixit environment built in {time.perf_counter() - started:.1f} s"
        if resource and cpu:
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            message += (f" ({used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime:.1f} s"
                        " of CPU)")
        sys.stderr.write(message + "\n")
    found = subprocess.run(
        [python, "-c", "import fixit, numlint; print(fixit.__version__); print(numlint.__file__)"],
        capture_output=True, text=True, timeout=120)
    if found.returncode != 0:
        _unavailable(f"{python} cannot import fixit and numlint: {found.stderr[-2000:]}")
    version, where = found.stdout.split()
    # The environment must run the code under test, not another numlint.
    assert Path(where).resolve() == (ROOT / "numlint" / "__init__.py").resolve(), where
    return python


def test_numlint_fixit_names_the_extra_it_needs():
    """Without Fixit, importing the rule pack says what to install (this environment has no
    Fixit: it needs click 8.2)."""
    if importlib.util.find_spec("fixit") is not None:
        import numlint.fixit
        assert "NL101" in numlint.fixit.__all__
        return
    with pytest.raises(ImportError, match=r"pip install 'numlint\[fixit\]'"):
        import numlint.fixit  # noqa: F401


def fixit(python: str, *args: str, cwd: Path, wrapper: str = ""):
    """Run `fixit ARGS` in `cwd` (`python -m fixit`, or the `wrapper` code before Fixit's
    command line in one process)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    if wrapper:
        command = [python, "-c", wrapper + "\nimport sys\nfrom fixit.cli import main\n"
                   "sys.argv = ['fixit', *sys.argv[1:]]\nmain()\n", *args]
    else:
        command = [python, "-m", "fixit", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=600)


def reported(result):
    """numlint's findings in Fixit's output: {(path, row, 0-based column, code, message,
    has autofix)}. Fixit's own rules' findings (it enables `fixit.rules` by default) are left
    out."""
    found = set()
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match and re.fullmatch(r"NL\d{3}", match["rule"]):
            found.add((match["path"], int(match["row"]), int(match["column"]), match["rule"],
                       match["message"], bool(match["autofix"])))
    return found


def numlint_check(*args: str, cwd: Path):
    return subprocess.run([sys.executable, "-m", "numlint", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={k: v for k, v in os.environ.items()
                               if k != "NUMLINT_OUTPUT_FORMAT"})


def numlint_findings(cwd: Path):
    """`numlint check --output-format json .`'s findings, as `reported` gives Fixit's."""
    result = numlint_check("--output-format", "json", "--no-cache", ".", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    found = set()
    for item in json.loads(result.stdout):
        path = Path(item["filename"])
        shown = path.relative_to(cwd.resolve()) if path.is_absolute() else path
        fix = item.get("fix") or {}
        found.add((shown.as_posix(), item["location"]["row"], item["location"]["column"] - 1,
                   item["code"], item["message"], fix.get("applicability") == "safe"))
    return found


def project(tmp_path: Path, files, config: str = FIXIT_CONFIG) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    for path in files:
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.mark.slow
def test_lint_reports_what_numlint_check_reports(fixit_python, tmp_path):
    """Every fixture, with a `[tool.numlint]` that switches one finding off: the same
    findings at the same places, with numlint's codes and messages, and an autofix exactly
    where numlint has a safe fix."""
    config = FIXIT_CONFIG + '\n[tool.numlint]\nper-file-ignores = {"tf1_model.py" = ["NL101"]}\n'
    where = project(tmp_path, FIXTURES, config)
    result = fixit(fixit_python, "lint", ".", cwd=where)
    assert "EXCEPTION" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    found = reported(result)
    expected = numlint_findings(where)
    assert len(expected) >= 7 and any(f[-1] for f in expected)
    assert not any(f[0] == "tf1_model.py" and f[3] == "NL101" for f in expected)
    assert found == expected


MAX_RUNS = 5


def fix_until_stable(python: str, where: Path, *paths: str):
    """`fixit fix --automatic PATHS` run until a run changes nothing (at most MAX_RUNS):
    the outputs of the runs that changed something."""
    def snapshot():
        return {p: p.read_bytes() for p in sorted(where.glob("*.py"))}

    runs = []
    for _ in range(MAX_RUNS):
        before = snapshot()
        result = fixit(python, "fix", "--automatic", *paths, cwd=where)
        assert "EXCEPTION" not in result.stdout + result.stderr, result.stdout + result.stderr
        if snapshot() == before:
            return runs
        runs.append(result)
    pytest.fail(f"`fixit fix` still changes files after {MAX_RUNS} runs")


@pytest.mark.slow
def test_fix_applies_numlint_fixes(fixit_python, tmp_path):
    """`fixit fix --automatic`, run until it changes nothing, makes of the fixtures exactly
    what `numlint check --fix` makes, import clean-up included, and it takes one run (each run
    is one round of numlint's fixes, with the round's clean-up); then `fixit lint` finds
    nothing of numlint's."""
    with_fixit = project(tmp_path / "fixit", FIXTURES)
    with_numlint = project(tmp_path / "numlint", FIXTURES)
    runs = fix_until_stable(fixit_python, with_fixit, ".")
    assert numlint_check("--fix", "--no-cache", ".", cwd=with_numlint).returncode == 0
    changed = 0
    for path in FIXTURES:
        fixed = (with_numlint / path.name).read_text(encoding="utf-8")
        assert (with_fixit / path.name).read_text(encoding="utf-8") == fixed, path.name
        changed += fixed != path.read_text(encoding="utf-8")
    assert changed == 4
    assert len(runs) == 1, [r.stderr for r in runs]
    assert reported(fixit(fixit_python, "lint", ".", cwd=with_fixit)) == set()


MIXED = dedent("""
    import numpy as np
    import torch
    from scipy.special import softmax


    def log_probs(z):
        return np.log(softmax(z, axis=1))


    def log_partition(x):
        return torch.log(torch.sum(torch.exp(x), dim=1))
    """)


@pytest.mark.slow
def test_a_fix_that_adds_an_import_is_applied_with_the_others(fixit_python, tmp_path):
    """NL101's fix here adds `from scipy.special import log_softmax`, and with NL102's fix
    `import numpy as np` and `softmax` are no longer used. One run applies both fixes (and
    counts two) with the import clean-up: the result is `numlint check --fix`'s, and a second
    run finds nothing to fix."""
    where = project(tmp_path, [])
    (where / "mixed.py").write_text(MIXED, encoding="utf-8")
    (where / "reference.py").write_text(MIXED, encoding="utf-8")
    assert numlint_check("--fix", "--no-cache", "reference.py", cwd=where).returncode == 0
    reference = (where / "reference.py").read_text(encoding="utf-8")
    assert "from scipy.special import log_softmax\n" in reference
    assert "import numpy" not in reference and "softmax," not in reference

    runs = fix_until_stable(fixit_python, where, "mixed.py")
    assert len(runs) == 1
    assert {(f[3], f[5]) for f in reported(runs[0])} == {("NL101", True), ("NL102", True)}
    assert "2 fixes applied" in runs[0].stderr, runs[0].stderr
    assert (where / "mixed.py").read_text(encoding="utf-8") == reference
    assert reported(fixit(fixit_python, "lint", "mixed.py", cwd=where)) == set()


NESTED = dedent("""
    import numpy as np
    from scipy.special import softmax


    def f(z):
        return np.log(softmax(np.log(softmax(z))))
    """)


@pytest.mark.slow
def test_nested_fixes_take_one_run_each(fixit_python, tmp_path):
    """Two fixes one inside the other: a round of numlint's applies the outer one (their
    edits overlap), so does a `fixit fix` run; the next run applies the inner one, with the
    import clean-up: two runs, and the result is `numlint check --fix`'s."""
    where = project(tmp_path, [])
    (where / "nested.py").write_text(NESTED, encoding="utf-8")
    (where / "reference.py").write_text(NESTED, encoding="utf-8")
    assert numlint_check("--fix", "--no-cache", "reference.py", cwd=where).returncode == 0
    reference = (where / "reference.py").read_text(encoding="utf-8")
    runs = fix_until_stable(fixit_python, where, "nested.py")
    assert (where / "nested.py").read_text(encoding="utf-8") == reference
    assert "import numpy" not in reference, reference
    assert len(runs) == 2, [r.stdout for r in runs]


SUPPRESSED = dedent("""
    import numpy as np


    def a(x):
        return np.log(np.sum(np.exp(x), axis=1))  # lint-ignore: NL102


    def b(x):
        # lint-fixme: NL102
        return np.log(np.sum(np.exp(x), axis=1))


    def c(x):
        return np.log(np.sum(np.exp(x), axis=1))  # lint-ignore: NL101


    def d(x):
        return np.log(np.sum(np.exp(x), axis=1))  # lint-ignore


    def e(x):
        return np.log(np.sum(np.exp(x), axis=1))  # noqa: NL102
    """)


@pytest.mark.slow
def test_fixit_suppression_comments_and_rule_selection(fixit_python, tmp_path):
    """`# lint-ignore: NL102` and `# lint-fixme: NL102` silence NL102 (and `fixit fix` leaves
    those lines alone), a comment naming another rule does not, a bare `# lint-ignore` does;
    numlint's own `# noqa` still applies. `fixit --rules` selects numlint's rules by code."""
    where = project(tmp_path, [])
    module = where / "suppressed.py"
    module.write_text(SUPPRESSED, encoding="utf-8")
    found = reported(fixit(fixit_python, "lint", "suppressed.py", cwd=where))
    assert {(f[1], f[3]) for f in found} == {(14, "NL102")}

    only = fixit(fixit_python, "--rules", "numlint.fixit:NL101", "lint", "suppressed.py",
                 cwd=where)
    assert only.returncode == 0 and reported(only) == set(), only.stdout

    fixit(fixit_python, "fix", "--automatic", "suppressed.py", cwd=where)
    lines = module.read_text(encoding="utf-8").splitlines()
    assert lines[13] == "    return np.logaddexp.reduce(x, axis=1)  # lint-ignore: NL101"
    assert sum("np.log(np.sum(np.exp(x), axis=1))" in line for line in lines) == 4


@pytest.mark.slow
def test_invalid_numlint_configuration_is_a_finding_not_a_crash(fixit_python, tmp_path):
    """numlint cannot check files under an invalid `[tool.numlint]` (`numlint check` stops
    with exit code 2); under Fixit each file gets one NL905 finding and the run goes on."""
    where = project(tmp_path, FIXTURES[:2], FIXIT_CONFIG + "\n[tool.numlint]\nselect = 3\n")
    assert numlint_check(".", cwd=where).returncode == 2
    result = fixit(fixit_python, "lint", ".", cwd=where)
    output = result.stdout + result.stderr
    assert "EXCEPTION" not in output and "Traceback" not in output, output
    assert result.returncode == 1, output
    found = reported(result)
    assert {(f[0], f[1], f[2], f[3]) for f in found} == {
        (path.name, 1, 0, "NL905") for path in FIXTURES[:2]}
    assert all("numlint cannot check the file" in f[4] and "select" in f[4] for f in found)


FAILING_ENGINE = """
import numlint.engine.check

def check_module(*args, **kwargs):
    raise RuntimeError("the engine failed")

numlint.engine.check.check_module = check_module
"""


@pytest.mark.slow
def test_a_failure_in_numlint_is_a_finding_not_a_crash(fixit_python, tmp_path):
    """numlint's engine raising on a module (a bug) is one NL905 finding on it; Fixit reports
    no exception, and its own rules still run."""
    where = project(tmp_path, [ROOT / "fixtures" / "numpy_mixture.py"])
    result = fixit(fixit_python, "lint", "numpy_mixture.py", cwd=where, wrapper=FAILING_ENGINE)
    output = result.stdout + result.stderr
    assert "EXCEPTION" not in output and "Traceback" not in output, output
    assert result.returncode == 1, output
    assert reported(result) == {
        ("numpy_mixture.py", 1, 0, "NL905",
         "internal error while checking the file: RuntimeError: the engine failed", False)}



CASES = """
import json
from numlint.cli.fixit_pack import RULES, reproduces_fix
from numlint.engine.registry import all_rules
from pathlib import Path
counts = {"valid": 0, "invalid": 0, "replacements": 0, "safe": 0, "missing": []}
for rule in all_rules():
    cls = RULES[rule.code]
    counts["valid"] += len(cls.VALID)
    counts["invalid"] += len(cls.INVALID)
    counts["replacements"] += sum(1 for case in cls.INVALID if case.expected_replacement)
    for number, example in enumerate(rule.examples):
        if not example.good and example.fixed is not None and not example.unsafe:
            counts["safe"] += 1
            if not reproduces_fix(rule, example, Path.cwd()):
                counts["missing"].append(f"{rule.code} example {number}")
print(json.dumps(counts))
"""


@pytest.mark.slow
def test_fixit_test_runs_numlint_examples(fixit_python, tmp_path):
    """`fixit test numlint.fixit` runs every rule's examples as Fixit's VALID/INVALID cases
    (with the opt-in rules selected) and passes; every safe fix of the examples is expected,
    and obtained, as one Fixit run's replacements (the import clean-up included: numlint's
    `fixed` texts have it)."""
    from numlint.engine.registry import all_rules
    opt_in = [rule.code for rule in all_rules() if rule.opt_in]
    config = FIXIT_CONFIG + f"\n[tool.numlint]\nextend-select = {json.dumps(opt_in)}\n"
    where = project(tmp_path, [], config)
    counted = subprocess.run([fixit_python, "-c", CASES], cwd=where, capture_output=True,
                             text=True, timeout=600)
    assert counted.returncode == 0, counted.stderr
    counts = json.loads(counted.stdout)
    rules = all_rules()
    assert counts["valid"] == sum(e.good for r in rules for e in r.examples)
    assert counts["invalid"] == sum(not e.good for r in rules for e in r.examples)
    assert counts["safe"] > 100
    assert counts["missing"] == [], "fixes one Fixit run does not reproduce"
    assert counts["replacements"] == counts["safe"]

    result = fixit(fixit_python, "test", "numlint.fixit", cwd=where)
    ran = re.search(r"Ran (\d+) tests", result.stderr)
    assert result.returncode == 0 and ran, result.stderr[-3000:]
    assert int(ran[1]) == counts["valid"] + counts["invalid"]
