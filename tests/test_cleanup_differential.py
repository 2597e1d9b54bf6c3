"""The import clean-up derived from one analysis of the module (numlint/engine/imports.py)
gives what libcst's analysis of the module after each fix gave (tests/cleanup_reference.py,
the implementation it replaced): every fix of the rule examples and fixtures, and of a few
modules of the installed libraries, is completed by both and the edits compared. The full
comparison (thousands of fixes of torch, SciPy, Keras, JAX and the ecosystem corpus) is
`benchmarks/cleanup_differential.py`; its figures are in benchmarks/README.md."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cleanup_reference as reference
from numlint import Config, check_source
from numlint.engine import imports
from numlint.engine.fix import Edit, apply_edits
from numlint.engine.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures").glob("*.py"))
EXAMPLES = [(rule, example) for rule in all_rules() if not rule.meta
            for example in rule.examples if example.fixed is not None]
SITE = Path(ast.__file__).parent  # the standard library: always there, real modules


def _compare(text: str, path: str, config: Config = Config()) -> int:
    """Complete every fix of `text` by both; the number of fixes with a clean-up."""
    cleaned = 0
    for diagnostic in check_source(text, path, config):
        if diagnostic.fix is None:
            continue
        old = reference.complete(text, diagnostic.fix.edits, path)
        new = imports.complete(text, diagnostic.fix.edits, path)
        assert new == old or apply_edits(text, new) == apply_edits(text, old), \
            (path, diagnostic.fix.edits, old, new)
        cleaned += sorted(old) != sorted(set(diagnostic.fix.edits))
    return cleaned


CASES = [pytest.param(example.code, Config(select=(rule.code,)),
                      id=f"{rule.code}-{i}", marks=() if i % 4 == 0 else pytest.mark.slow)
         for i, (rule, example) in enumerate(EXAMPLES)]


@pytest.mark.parametrize("code,config", CASES)
def test_rule_examples_are_completed_as_before(code, config):
    _compare(code, "m.py", config)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixtures_are_completed_as_before(path):
    _compare(path.read_text(), path.name)


def test_the_examples_compared_include_clean_ups():
    cleaned = sum(_compare(example.code, "m.py", Config(select=(rule.code,)))
                  for i, (rule, example) in enumerate(EXAMPLES) if i % 4 == 0)
    assert cleaned >= 10


# Edits that are not rule fixes: each kind of fix the derivation covers, and those it hands
# to an analysis of the text after the fix.
MODULE = '''\
"""Doc."""
import numpy as np
import numpy.linalg
from scipy.special import softmax
import os  # noqa: F401


class A:
    import torch
    x = torch.zeros(3)

    def f(self, z):
        return np.log(softmax(z, axis=1)) + numpy.linalg.norm(z)


def g(z, w=np.pi):
    y = (lambda q: np.exp(q))(z)
    return [softmax(v) for v in y], np.sum(z)


def h(z):
    global np
    return np.abs(z)
'''


def _edits_of(text: str):
    """Every replacement of one name, attribute chain or call by `z` or by `np.exp(z)`,
    insertions of import lines at each top-level boundary, and deletions of each statement
    inside a definition (alone, and with a replacement after it)."""
    tree = ast.parse(text)
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for definition in ast.walk(tree):
        if isinstance(definition, (ast.FunctionDef, ast.ClassDef)):
            for statement in definition.body:
                start = starts[statement.lineno - 1]
                end = starts[statement.end_lineno]
                yield [Edit(start, end, "")]
                following = definition.body[-1]
                if following is not statement and isinstance(following, ast.Return) and \
                        following.value is not None:
                    value = following.value
                    yield [Edit(start, end, ""),
                           Edit(starts[value.lineno - 1] + value.col_offset,
                                starts[value.end_lineno - 1] + value.end_col_offset, "z")]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call)) and hasattr(node, "lineno"):
            start = starts[node.lineno - 1] + node.col_offset
            end = starts[node.end_lineno - 1] + node.end_col_offset
            for content in ("z", "np.exp(z)", "log_softmax(z)"):
                yield [Edit(start, end, content)]
                for statement in tree.body[:3] + tree.body[-2:]:
                    at = starts[statement.lineno - 1]
                    yield [Edit(at, at, "from scipy.special import log_softmax\n"),
                           Edit(start, end, content)]


@pytest.mark.parametrize("text", [MODULE, MODULE.replace("import os  # noqa: F401\n", ""),
                                  MODULE.replace("\n", "\r\n"),
                                  MODULE.replace("\n", "\r\n", 3)],
                         ids=["module", "without-os", "crlf", "mixed-newlines"])
def test_edits_of_every_kind_are_completed_as_before(text):
    compared = 0
    for edits in _edits_of(text):
        if any(a.start < b.end and b.start < a.end for a in edits for b in edits if a is not b):
            continue
        old = reference.complete(text, edits, "m.py")
        new = imports.complete(text, edits, "m.py")
        assert new == old or apply_edits(text, new) == apply_edits(text, old), (edits, old, new)
        compared += 1
    assert compared > 100


@pytest.mark.parametrize("name", ["argparse.py", "typing.py", "dataclasses.py"])
def test_library_modules_are_completed_as_before(name):
    """Edits of every name of a real module (the standard library's)."""
    text = (SITE / name).read_text()
    tree = ast.parse(text)
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    for node in names[::max(1, len(names) // 60)]:
        start = starts[node.lineno - 1] + node.col_offset
        edits = [Edit(start, start + len(node.id), "x")]
        old = reference.complete(text, edits, name)
        new = imports.complete(text, edits, name)
        assert new == old or apply_edits(text, new) == apply_edits(text, old), (edits, old, new)
