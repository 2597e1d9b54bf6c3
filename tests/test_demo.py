"""`numlint rule CODE --demo`: the rule's own example on the input that breaks it."""

import pytest

from numlint.authoring import proof


def test_demo_shows_the_naive_and_the_stable_result(run, monkeypatch):
    pytest.importorskip("numpy")
    pytest.importorskip("scipy")
    # NumPy only: the other frameworks are reported as not shown.
    monkeypatch.setattr(proof, "missing_modules",
                        lambda framework: () if framework == "numpy" else (framework,))
    result = run("rule", "NL102", "--demo")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "naive:  return np.log(np.sum(np.exp(scores), axis=1, keepdims=True))" in out
    assert "stable: return scipy.special.logsumexp(scores, axis=1, keepdims=True)" in out
    assert "NumPy/SciPy" in out and "inf" in out and "1000.6931" in out
    assert "Not installed, not shown: JAX, Keras, PyTorch, TensorFlow." in out
    assert "Why: exp(1000) overflows to inf" in out


def test_demo_without_numpy_says_what_to_install(run, monkeypatch):
    monkeypatch.setattr(proof, "missing_modules", lambda framework: ("numpy", "scipy"))
    result = run("rule", "NL101", "--demo")
    assert result.exit_code == 2
    assert "pip install numpy scipy" in result.output


def test_demo_of_a_rule_without_executable_examples(run):
    result = run("rule", "NL901", "--demo")
    assert result.exit_code == 2
    assert "NL901 has no executable example" in result.output


def test_demo_of_an_accuracy_fix_shows_the_bits_recovered(run, monkeypatch):
    pytest.importorskip("numpy")
    pytest.importorskip("scipy")
    pytest.importorskip("mpmath")
    monkeypatch.setattr(proof, "missing_modules",
                        lambda framework: () if framework == "numpy" else (framework,))
    result = run("rule", "NL501", "--demo")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "stable: return np.log1p(np.abs(x))" in out
    # 1e-17 in scientific notation: the naive 0 and the exact value are told apart.
    assert "1.000000083e-10" in out and "1.e-17" in out
    assert "NumPy/SciPy: bits recovered 52.5 (float64: the naive result loses 52.5 bits, " \
           "the stable 0.0)" in out
