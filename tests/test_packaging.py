"""The built wheel works on its own and does not create a top-level `rules` module."""

import subprocess
import sys
import venv
import zipfile

import pytest

from conftest import LOG_SUM_EXP, ROOT

pytestmark = pytest.mark.slow  # builds a wheel and a virtual environment


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (path,) = out.glob("numlint-*.whl")
    return path


def test_wheel_ships_the_catalog_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "numlint/rules/__init__.py" in names
    assert "numlint/rules/nl102_log_sum_exp.py" in names
    assert not [n for n in names if n.startswith("rules/")]
    top_level = {n.split("/")[0] for n in names if not n.startswith("numlint-")}
    assert top_level == {"numlint"}


def test_installed_wheel_runs_in_a_fresh_environment(wheel, tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    work = tmp_path / "work"
    work.mkdir()
    (work / "m.py").write_text(LOG_SUM_EXP)
    rules = subprocess.run([str(environment / "bin" / "numlint"), "rules"], cwd=work,
                           capture_output=True, text=True, timeout=120)
    assert rules.returncode == 0, rules.stderr
    assert "NL101" in rules.stdout and "log-sum-exp" in rules.stdout
    check = subprocess.run([str(environment / "bin" / "numlint"), "check", "m.py"], cwd=work,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 1 and "m.py:5:12: NL102" in check.stdout
    probe = subprocess.run([str(python), "-c", "import rules"], cwd=work, capture_output=True,
                           text=True, timeout=60)
    assert probe.returncode != 0 and "No module named 'rules'" in probe.stderr
    loaded = subprocess.run(
        [str(python), "-c", "import numlint.engine.registry as r; r.all_rules(); "
                            "import numlint.rules; print(numlint.rules.__file__)"],
        cwd=work, capture_output=True, text=True, timeout=60)
    assert str(environment) in loaded.stdout, loaded.stderr
