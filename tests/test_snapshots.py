"""Snapshot tests of what a person reads: `numlint check`'s frames, `numlint rules` and
`numlint rule CODE --demo`, at terminal widths of 80 and 100 columns and piped (issue 16).

Each snapshot is a file in tests/snapshots/. After an intended change of the output, rewrite
them (and the README's generated samples, tests/test_readme_samples.py) with

    NUMLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py tests/test_readme_samples.py

and review the diff. Commands run as real processes with stdout piped; a width is given as
`COLUMNS`, which numlint reads when its output is not a terminal (as rich does), and "piped"
runs without it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from numlint.authoring import proof
from numlint.engine.registry import all_rules

from conftest import dedent

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = bool(os.environ.get("NUMLINT_UPDATE_SNAPSHOTS"))
WIDTHS = ("80", "100", "piped")


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {path.name}: run NUMLINT_UPDATE_SNAPSHOTS=1 pytest " \
                           f"tests/test_snapshots.py and review it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path.name} differs (NUMLINT_UPDATE_SNAPSHOTS=1 rewrites it)"


def environment(width: str) -> dict:
    env = dict(os.environ)
    for name in ("COLUMNS", "LINES", "NUMLINT_OUTPUT_FORMAT", "NO_COLOR", "FORCE_COLOR"):
        env.pop(name, None)
    if width != "piped":
        env["COLUMNS"] = width
    return env


def numlint(cwd: Path, width: str, *args: str) -> str:
    process = subprocess.run([sys.executable, "-m", "numlint", *args], cwd=cwd,
                             capture_output=True, env=environment(width), timeout=120)
    assert process.returncode in (0, 1), process.stderr.decode()
    return process.stdout.decode("utf-8")


def check_output(tmp_path: Path, width: str, *args: str) -> str:
    return numlint(tmp_path, width, "check", "--no-cache", *args)


def assert_tidy(text: str, width: str) -> None:
    """No trailing spaces; at a fixed width, no line wider than the terminal."""
    for line in text.splitlines():
        assert line == line.rstrip(), f"trailing spaces: {line!r}"
        if width != "piped":
            assert len(line) <= int(width), f"wider than {width}: {line!r}"


# -- numlint check: the frame under a finding ---------------------------------------------

TABS = ("import numpy as np\n\n\ndef f(x):\n\tif x is not None:\n"
        "\t\ty = np.log(np.sum(np.exp(x), axis=1))\n\t\treturn y\n")


@pytest.mark.parametrize("width", WIDTHS)
def test_tab_indentation_carets_under_the_code(tmp_path, width):
    (tmp_path / "tabs.py").write_text(TABS, encoding="utf-8")
    out = check_output(tmp_path, width, "tabs.py")
    assert_snapshot("check_tabs", out)
    assert "\t" not in out
    lines = out.splitlines()
    code = next(i for i, line in enumerate(lines) if line.startswith("6 |"))
    assert lines[code + 1].index("^") == lines[code].index("np.log")
    assert lines[code + 1].rstrip().endswith("^ NL102")
    assert lines[code + 1].count("^") == len("np.log(np.sum(np.exp(x), axis=1))")
    # the fix's preview is expanded as the frame is
    assert "  -         y = np.log(np.sum(np.exp(x), axis=1))" in lines
    assert "  +         y = np.logaddexp.reduce(x, axis=1)" in lines


TWO_EDITS = dedent("""
    import tensorflow as tf


    def loss(y, logits):
        p = tf.nn.softmax(logits)
        return tf.keras.losses.categorical_crossentropy(y, p)
    """)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_fix_with_two_edits_on_a_line_is_previewed_as_applied(tmp_path, width):
    (tmp_path / "loss.py").write_text(TWO_EDITS, encoding="utf-8")
    out = check_output(tmp_path, width, "--unsafe-fixes", "loss.py")
    assert_snapshot("check_two_edits", out)
    preview = [line for line in out.splitlines() if line.startswith(("  - ", "  + "))]
    assert preview == [  # the assignment the fix leaves dead goes with it
        "  -     p = tf.nn.softmax(logits)",
        "  -     return tf.keras.losses.categorical_crossentropy(y, p)",
        "  +     return tf.keras.losses.categorical_crossentropy(y, logits, from_logits=True)",
    ]


def test_a_fix_with_an_import_and_edits_on_two_lines(tmp_path):
    """An added import is a `+` line of its own; edits on different lines stay apart."""
    (tmp_path / "m.py").write_text(dedent("""
        import numpy as np
        from scipy.special import softmax


        def f(x):
            a = np.log(np.sum(np.exp(x)))
            b = np.log(np.sum(np.exp(x)))
            return a, b
        """), encoding="utf-8")
    out = check_output(tmp_path, "piped", "m.py")
    assert_snapshot("check_import_and_two_lines", out)


LONG = ("import numpy as np\nx = [" + ", ".join(str(i) for i in range(100_000))
        + "]; y = np.log(np.sum(np.exp(x))); z = [" + ", ".join(str(i) for i in range(30_000))
        + "]\n")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_very_long_line_is_shown_as_a_window_around_the_range(tmp_path, width):
    assert len(LONG) > 680_000
    (tmp_path / "long.py").write_text(LONG, encoding="utf-8")
    out = check_output(tmp_path, width, "long.py")
    assert_snapshot("check_long_line", out)
    assert len(out) < 2_000
    assert "2 | ...99995, 99996, 99997, 99998, 99999]; y = np.log(np.sum(np.exp(x))); z = [0, 1" \
        in out
    code = next(line for line in out.splitlines() if line.startswith("2 |"))
    carets = next(line for line in out.splitlines() if "^" in line)
    assert carets.index("^") == code.index("np.log")
    assert carets.count("^") == len("np.log(np.sum(np.exp(x)))")
    assert "+ ... 99996, 99997, 99998, 99999]; y = np.logaddexp.reduce(x, axis=None); z = " \
           "[0, 1" in out


SOFTMAX = dedent("""
    import numpy as np


    def softmax(x):
        return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)
    """)


def test_naive_softmax_fix_title_names_the_rewrite(tmp_path):
    (tmp_path / "soft.py").write_text(SOFTMAX, encoding="utf-8")
    out = check_output(tmp_path, "piped", "soft.py")
    assert_snapshot("check_nl103_numpy", out)
    assert "Replace with `np.exp`" not in out
    assert "= fix (safe): Replace with `np.exp(x - logsumexp(x))`" in out


# -- numlint rules ------------------------------------------------------------------------

# A fixed part of the catalog (the longest names, a rule without a fix), so that a new rule
# does not change the snapshots; every rule is checked by the properties below.
SNAPSHOT_RULES = ("NL101", "NL201", "NL402", "NL901")


def set_width(monkeypatch, width: str) -> None:
    if width == "piped":
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_rules_at_every_width(run, monkeypatch, width):
    import numlint.engine.registry as registry
    every = registry.all_rules()
    set_width(monkeypatch, width)
    out = run("rules").output
    assert_tidy(out, width)
    words = set(re.findall(r"[\w-]+", out))
    for rule in every:
        assert rule.name in words, f"{rule.name} broken or missing"
        assert rule.code in words
    if width == "piped":  # one rule per line, for grep
        assert len(out.splitlines()) == len(every) + 1
    monkeypatch.setattr(registry, "all_rules",
                        lambda: [r for r in every if r.code in SNAPSHOT_RULES])
    assert_snapshot(f"rules_{width}", run("rules").output)


# -- numlint rule CODE --demo -------------------------------------------------------------

def demo_output(run, monkeypatch, width: str, code: str = "NL102") -> str:
    """The demo with NumPy and SciPy only (the other frameworks: not installed), so that the
    snapshot does not depend on what the machine has."""
    pytest.importorskip("numpy")
    pytest.importorskip("scipy")
    monkeypatch.setattr(proof, "missing_modules",
                        lambda framework: () if framework == "numpy" else (framework,))
    set_width(monkeypatch, width)
    result = run("rule", code, "--demo")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_plain_table_at_every_width(run, monkeypatch, width):
    out = demo_output(run, monkeypatch, width)
    assert_snapshot(f"demo_NL102_{width}", out)
    assert_tidy(out, width)
    assert not re.search("[┏┃━│─┡╇]", out), "a plain table, no box"
    # every row of an array whole, under its column
    assert "input:  scores = [[ 1000.  1000.     0.]\n" \
           "                  [-1000. -1000. -1001.]]" in out
    assert "  framework    naive     stable         reference\n" \
           "  NumPy/SciPy  [[ inf]   [[1000.6931]   [[1000.6931]\n" \
           "                [-inf]]   [-999.138 ]]   [-999.138 ]]\n" in out


def test_demo_layout_keeps_arrays_whole_at_80_and_100_columns():
    """With every framework (1-D and 2-D results side by side), as `numlint rule NL102
    --demo` prints on a machine that has them all: no line wider than the terminal, and each
    array row on one line."""
    from numlint.cli.layout import demo_lines
    two_d = "[[ inf]\n [-inf]]", "[[1000.6931]\n [-999.138 ]]"
    one_d = "[ inf -inf]", "[1000.6931 -999.138 ]"
    inputs = "scores = [[ 1000.  1000.     0.]\n         [-1000. -1000. -1001.]]"
    rows = [[(name, ""), (inputs, ""), (naive, "red"), (stable, "green"), (stable, "")]
            for name, (naive, stable) in [("NumPy/SciPy", two_d), ("PyTorch", two_d),
                                          ("TensorFlow", one_d), ("JAX", one_d),
                                          ("Keras", one_d)]]
    for width in (80, 100):
        text = "\n".join(line.plain for line in demo_lines(rows, width))
        assert_tidy(text, str(width))
        assert "  TensorFlow   [ inf -inf]  [1000.6931 -999.138 ]  [1000.6931 -999.138 ]" in text
    # inputs that differ per framework: a column of their own, or a block per framework
    rows[0][1] = ("logits = [1000.]", "")
    for width in (80, 100):
        text = "\n".join(line.plain for line in demo_lines(rows, width))
        assert_tidy(text, str(width))
        assert "[1000.6931 -999.138 ]" in text and "    input:     logits = [1000.]" in text
