"""What the prefilter reads of a text beyond names: number literals (`TextCondition`) and the
first-party modules an import chain reaches (the project index's text gate)."""

import ast
import json
import os
from pathlib import Path

import pytest

from numlint.engine import prefilter
from numlint.engine.registry import all_rules, rules_by_code
from numlint.run import project as run_project

from conftest import ROOT

SOURCES = sorted([*ROOT.glob("numlint/**/*.py"), *ROOT.glob("rules/*.py"),
                  *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py")])
EXAMPLE_CODE = [e.code for r in all_rules() for e in r.examples]


def _literals(text: str):
    """The absolute values of the int and float constants of a module (what rules read)."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            try:
                found.add(abs(float(node.value)))
            except OverflowError:
                found.add(float("inf"))
    return found


TRICKY = """
a = 1_000.5e-3 + .5 + 5. + 0x1F + 0o17 + 0b101 + 1E+3 + 0.000_001 + 3j + 10 ** 400
b = x1e5 + f(2e-9)[0]  # 7e-20 in a comment
c = [0.25, 1e308 * 10, 0_0]
"""


@pytest.mark.parametrize("text", [TRICKY, *EXAMPLE_CODE,
                                  *(p.read_text("utf-8") for p in SOURCES)],
                         ids=lambda t: str(hash(t))[-8:])
def test_numbers_hold_every_numeric_constant(text):
    # A superset of the constants' values: a condition built on it never says no wrongly.
    assert _literals(text) <= prefilter.numbers(text)


def test_numbers_read_the_tricky_spellings():
    found = prefilter.numbers(TRICKY)
    for value in (1.0005, 0.5, 5.0, 31.0, 15.0, 5.0, 1000.0, 1e-6, 0.25, 2e-9, 7e-20):
        assert value in found, value
    assert 1e5 not in found  # the digits ending `x1e5` are part of a name


@pytest.mark.parametrize("text,small,large,exponent", [
    ("x = 0.001 + 999", False, False, False),
    ("eps = 1e-7", True, True, True),
    ("h = 0.00001", True, True, False),   # four digits: a bound, not a reading
    ("h = 0.000_01", True, True, False),
    ("n = 1_000", False, True, False),
    ("n = 2048", False, True, False),
    ("s = x ** 5E-1", True, True, True),
])
def test_cheap_literal_tests(text, small, large, exponent):
    assert prefilter.may_hold_small_number(text) is small
    assert prefilter.may_hold_large_number(text) is large
    assert prefilter.has_exponent(text) is exponent
    values = [v for v in prefilter.numbers(text) if v > 0]
    # The cheap tests are bounds on the literals: never False where a literal is beyond them.
    if any(v < 1e-4 for v in values):
        assert small
    if any(v >= 1000 for v in values):
        assert large


@pytest.mark.parametrize("code,text,fires", [
    ("NL604", "d = (f(x + h) - f(x)) / h\nh = 1e-3\n", False),       # 1e-3 is no tiny step
    ("NL604", "d = (f(x + 1e-12) - f(x)) / 1e-12\n", True),
    ("NL605", "r = (1 - c * c) ** 2\n", False),                    # no 0.5: no root
    ("NL605", "r = (1 - c * c) ** .5\n", True),
    ("NL602", "import torch\ny = torch.log(p + 1e-3)\n", False),   # float32 holds 1e-3
    ("NL602", "import torch\ny = torch.log(1e-10 + 1 - p)\n", True),
    ("NL602", "import torch\ny = torch.log(1 + 1e-4 - p)\n", False),  # float32 keeps 1 + 1e-4
    ("NL602", "import torch\ny = torch.log(1 + 1e-4 - p.half())\n", True),  # float16 does not
    ("NL511", "import numpy as np\ny = np.log(np.sum(p))\n", False),
    ("NL511", "import numpy as np\nfrom scipy import stats\ny = np.log(stats.norm.pdf(x))\n",
     True),
])
def test_text_conditions_decide_the_prefilter(code, text, fires):
    assert prefilter.may_fire(text, [rules_by_code()[code]]) is fires


def test_a_text_condition_is_never_provided_by_imports():
    rule = rules_by_code()["NL604"]
    text = "d = (f(x + h) - f(x)) / h\n"
    everything = frozenset(prefilter.spelling("div").names) | {"div", "sub", "add"}
    assert prefilter.missing_kinds(text, [rule], everything) == frozenset()


# -- the import-reachability gate of the project index ---------------------------------------

def test_import_statements_are_read_over_lines():
    text = ("from . import (a,\n    b)  # c\nfrom ..x.y import z as w\nimport p.q.r as s, t\n"
            "from m import \\\n    n, o\n    import u, \\\n        v\n")
    assert list(run_project._import_statements(text)) == [
        (".", ["a", "b"]), ("..x.y", ["z", "as", "w"]), ("m", ["n", "o"]),
        ("p.q.r", []), ("t", []), ("u", []), ("v", [])]


@pytest.mark.parametrize("name,package,absolute", [
    (".", "pkg", "pkg"), ("..x.y", "pkg.sub", "pkg.x.y"), (".nets", "gan", "gan.nets"),
    ("..", "pkg", None), (".m", "", None), ("os.path", "pkg", "os.path"),
])
def test_relative_names_resolve_as_python_does(name, package, absolute):
    assert run_project._absolute(name, package) == absolute


def _index(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return run_project.ProjectIndex([str(tmp_path)])


def test_the_gate_follows_imports_to_the_module_that_spells_the_kind(tmp_path):
    index = _index(tmp_path, {
        "pkg/__init__.py": "from .api import predict\n",
        "pkg/api.py": "from . import ops\n\ndef predict(x):\n    return ops.probs(x)\n",
        "pkg/ops.py": "import torch\n\ndef probs(z):\n    return torch.softmax(z, -1)\n",
        "pkg/io.py": "import json\n\ndef load(p):\n    return json.load(open(p))\n",
    })
    softmax = frozenset({"softmax"})
    reached, read = index.text_facts("pkg", softmax)
    assert reached and read == {}
    reached, read = index.text_facts("pkg.io", softmax)
    assert not reached and set(read) == {run_project.TEXT + "pkg.io"}
    assert index.computed == {}  # texts only: no module was summarised to answer


def test_a_module_whose_imports_never_spell_the_kind_is_not_summarised(run, write):
    for name, text in {
        "pkg/__init__.py": "from .util import scale\n",
        "pkg/util.py": "def scale(x):\n    return 2 * x\n",
        "pkg/train.py": "import torch\nfrom .util import scale\n\n"
                        "def loss(z):\n    return torch.log(scale(z))\n",
    }.items():
        write(name, text)
    # Few rules: the prefilter tests the text (`prefilter.pays`).
    result = run("check", "--select", "NL1", "--output-format", "json", "pkg/train.py")
    assert result.exit_code == 0 and json.loads(result.output) == []
    cache = Path(".numlint_cache")
    stored = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    text = " ".join(p.read_text("utf-8", "replace") for p in stored)
    assert "text:pkg.util" in text  # the answer depends on util.py's text: recorded
    # Editing util.py so that `scale` returns a softmax makes the cached answer stale.
    write("pkg/util.py", "import torch\n\ndef scale(x):\n    return torch.softmax(x, -1)\n")
    result = run("check", "--select", "NL1", "--output-format", "json", "pkg/train.py")
    found = {(os.path.basename(d["filename"]), d["code"]) for d in json.loads(result.output)}
    assert found == {("train.py", "NL101")}


def test_a_re_exported_name_is_followed_to_its_module(tmp_path):
    # The package's `__init__` imports a module that spells softmax, but `scale` comes from
    # one that does not: asking for `pkg.scale` reads util.py's imports, not the package's.
    index = _index(tmp_path, {
        "pkg/__init__.py": "from .util import scale as scale\nfrom .ops import probs\n",
        "pkg/util.py": "def scale(x):\n    return 2 * x\n",
        "pkg/ops.py": "import torch\n\ndef probs(z):\n    return torch.softmax(z, -1)\n",
        "pkg/alias.py": "from .util import scale as _scale\n\n"
                        "def scale(x):\n    return probs(_scale(x))\n\nfrom .ops import probs\n",
    })
    softmax = frozenset({"softmax"})
    reached, read = index.text_facts("pkg", softmax, "scale")
    assert not reached
    assert set(read) == {run_project.TEXT + "pkg", run_project.TEXT + "pkg.util"}
    assert index.text_facts("pkg", softmax, "probs")[0]
    assert index.text_facts("pkg", softmax)[0]  # the package as a whole reaches ops.py
    # A name the module defines itself is answered from it, whatever it imports.
    assert index.text_facts("pkg.alias", softmax, "scale")[0]


def test_not_transitive_reads_only_the_lines_of_the_definition(tmp_path):
    """`text_facts(..., transitive=False)`: a function or class defined at the top level is
    answered from its own lines (`_Names.spans`), through re-exports; anything else from its
    module's whole text."""
    index = _index(tmp_path, {
        "pkg/__init__.py": "from .ops import fmt as show, probs\nfrom . import ops\n",
        "pkg/ops.py": "import torch\n\n\n@decorate\ndef fmt(p):\n    return repr(p)\n\n\n"
                      "@decorate\nclass Net:\n    def forward(self, z):\n"
                      "        return torch.softmax(z, -1)\n\n\n"
                      "def probs(z):\n    return Net().forward(z)\n\n\nscale = 2\n",
        "pkg/other.py": "from .ops import probs\n\n\ndef f(z):\n    return probs(z)\n",
    })
    softmax = frozenset({"softmax"})
    reached, read = index.text_facts("pkg", softmax, "show", False)
    assert not reached and set(read) == {run_project.TEXT + "pkg", run_project.TEXT + "pkg.ops"}
    assert index.text_facts("pkg", softmax, "show")[0]  # transitive: the whole module
    assert index.text_facts("pkg.ops", softmax, "Net", False)[0]
    assert not index.text_facts("pkg.ops", softmax, "probs", False)[0]
    assert index.text_facts("pkg.ops", softmax, "scale", False)[0]  # not a definition: all
    assert not index.text_facts("pkg.other", softmax, "f", False)[0]
    assert index.text_facts("pkg.other", softmax, "f")[0]


def test_spans_of_top_level_definitions():
    text = ("import x\n\n@dec\ndef a():\n    pass\n\n\nclass B:\n    def c(self):\n"
            "        pass\n'''\ndef d(): in a string\n'''\nasync def e():\n    pass\n"
            "def a():\n    return 1\n")
    spans = run_project._Names.of(text).spans
    assert set(spans) == {"a", "B", "d", "e"}
    b = text[slice(*spans["B"])]
    assert b.startswith("class B:") and "def c" in b
    assert b.endswith("'''\n")  # ended early by `def d` in a string
    assert text[slice(*spans["a"])].startswith("def a():\n    pass")
    assert text[slice(*spans["a"])].endswith("return 1\n")  # both definitions of `a`
    assert text[slice(*spans["e"])] == "async def e():\n    pass\n"


def test_a_star_import_stops_the_following(tmp_path):
    index = _index(tmp_path, {
        "pkg/__init__.py": "from .ops import *\n",
        "pkg/ops.py": "import torch\n\ndef probs(z):\n    return torch.softmax(z, -1)\n",
    })
    assert index.text_facts("pkg", frozenset({"softmax"}), "probs")[0]


# -- the `@` of a matrix product, told from decorators and e-mail addresses ---------------------

MATMUL_AT = {
    "@property\ndef f(self): pass\n": False,
    "class A:\n    @property\n    def f(self): pass\n": False,
    "class A:\n    @_fit_context(\n        prefer=True\n    )\n    def fit(self): pass\n": False,
    "@mark.parametrize('a', [1, 2])\n@mark.parametrize(\"b\", [')'])\ndef test(a, b): pass\n":
        False,
    "@dec\n\n# c\n\nasync def f(): pass\n": False,
    "# Author: A <a@b.org>\nx = 1\n": False,
    "x = 1  # see a@b\n": False,
    '"""\n>>> @dataclass\n... class A: pass\n"""\n': False,
    "y = a @ b\n": True,
    "x @= y\n": True,
    "y = (a\n     @b)\n": True,
    "y = (a\n@b\n)\ndef f(): pass\n": True,
    "y = a \\\n@b\ndef f(): pass\n": True,
    "y = (a\n@b # (\n)\ndef f(): pass\n": True,
    'y = (a\n@b(c, "(")\n)\ndef f(): pass\n': True,
    "y = (a\n@b(c, '''(''')\n)\ndef f(): pass\n": True,
    '"""Author: a@b.org"""\n': True,  # in a string: cannot be told from code
    'a = b = 1\ns = f"""\n# {a @ b}\n"""\n': True,  # an f-string's field on a `#` line
    "s = '@'; y = a@b\n": True,
    "@ property\ndef f(): pass\n": True,
    '"""\n@param x: the input\n"""\n': True,  # in a docstring, not followed by a def
}


@pytest.mark.parametrize("text,product", list(MATMUL_AT.items()))
def test_the_matmul_operator_is_told_from_decorators_and_comments(text, product):
    assert prefilter.may_hold_matmul_operator(text) is product
    ast.parse(text)  # every case is Python


def _has_matmul(text: str) -> bool:
    return any(isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult)
               for node in ast.walk(ast.parse(text)))


@pytest.mark.parametrize("text", [*MATMUL_AT, *EXAMPLE_CODE,
                                  *(p.read_text("utf-8") for p in SOURCES)],
                         ids=lambda t: str(hash(t))[-8:])
def test_a_module_with_a_matrix_product_spells_it(text):
    # A superset: every module whose code holds `@` as an operator is said to.
    if _has_matmul(text):
        assert prefilter.may_hold_matmul_operator(text)
        assert prefilter.spelling("matmul").present(text)


def test_a_decorated_module_does_not_ask_its_imports_for_an_inverse():
    # NL301/NL302 pair an inverse with a product: a module whose only `@` are decorators
    # spells no product, so the prefilter asks no imported module whether it returns an
    # inverse (it would summarise most of a package's imports for nothing).
    text = "from .ops import helper\n\n\nclass A:\n    @property\n    def x(self):\n" \
           "        return helper(self)\n"
    rules = [rules_by_code()["NL301"], rules_by_code()["NL302"]]
    assert not prefilter.may_fire(text, rules)
    assert "inv" not in prefilter.missing_kinds(text, rules, frozenset({"inv", "pinv"}))
    assert "inv" in prefilter.missing_kinds(text.replace("return helper(self)",
                                                         "return helper(self) @ self.w"),
                                            rules, frozenset({"inv", "pinv"}))


# The readings of import statements and definitions (`ProjectIndex._defined_in`) were
# first written as regular expressions over the whole text; the line-by-line readings must
# say the same.
def _imports_by_pattern(text):
    for match in run_project._FROM_IMPORT.finditer(text):
        yield match.group(1), run_project._NAME.findall(
            match.group(2).partition("#")[0] if "(" not in match.group(2) else match.group(2))
    for match in run_project._PLAIN_IMPORT.finditer(text):
        for part in match.group(1).replace("\\", " ").split(","):
            if part.split():
                yield part.split()[0], []


def _defines_by_pattern(text, name):
    import re
    return re.search(rf"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+{re.escape(name)}\b|"
                     rf"^[ \t]*{re.escape(name)}[ \t]*(?::|=[^=])", text, re.MULTILINE) is not None


TRICKY_IMPORTS = ("from . import (a,\n  import_b)\nimport x\nx = 1  # import y\n"
                  "'''\nimport z\n'''\nfrom importlib import import_module\ndef name(): pass\n"
                  "name2: int = 3\n  name3 = 4\nname4 == 5\nclass  name5 : pass\nimport")


@pytest.mark.parametrize("text", [TRICKY_IMPORTS, *(p.read_text("utf-8") for p in SOURCES)],
                         ids=lambda t: str(hash(t))[-8:])
def test_imports_and_definitions_are_read_as_the_patterns_say(text):
    assert list(run_project._import_statements(text)) == list(_imports_by_pattern(text))
    import re
    defined = run_project._Names.of(text).defined
    for name in sorted(set(re.findall(r"[A-Za-z_]\w*", text)))[:400]:
        assert (name in defined) == _defines_by_pattern(text, name), name
