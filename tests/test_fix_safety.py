"""Fixes never add a library and never break code that ran (issue 15, item 3).

A fix may use only a namespace the module already has: its imports, or the array namespace
the expression itself uses. It never imports at top level what the module imports only under
a guard (`try: ... except ImportError:`, `if TYPE_CHECKING:`, inside a function): it reuses the
guarded name where the expression already depends on that package, or offers no fix. Where the
library of an expression is unknown (array-API code, `xp.std(x)`) there is no fix. No fix
edits the expression of an f-string's `=` specifier (its text is printed), and no fix calls the
function that encloses it (a decomposition or reference implementation of the same operation).

The first tests reproduce the reports of the issue; the sweeps below apply each class of
mistake to every example of the catalog (the table's targets in every framework the rules
write), so that a new rule or table entry cannot reintroduce it.
"""

import ast
import re
import sys

import pytest

from numlint import Config, check_source, fix_source
from numlint.engine.importer import REQUIRES
from numlint.engine.registry import all_rules

from conftest import dedent


def diagnostics(source: str, select=None):
    config = Config(select=(select,)) if select else Config()
    return check_source(dedent(source), "m.py", config)


def fixed(source: str, unsafe: bool = True, select=None) -> str:
    config = Config(select=(select,)) if select else Config()
    return fix_source(dedent(source), "m.py", config, unsafe=unsafe).source.text


def fixes(source: str, select=None):
    return [d.fix for d in diagnostics(source, select) if d.fix is not None]


# -- the reproductions of issue 15 -----------------------------------------------------------


def test_nl402_never_imports_torch_into_a_module_without_torch():
    # On NumPy floats (or any vector class with .dot and .norm), `torch.clamp` raised
    # TypeError; the module did not depend on torch at all.
    for header in ("", "import numpy as np\n\n"):
        source = header + dedent("""
            def cosine(a, b):
                return a.dot(b) / (a.norm() * b.norm())
            """)
        (diagnostic,) = diagnostics(source)
        assert diagnostic.code == "NL402" and diagnostic.fix is None
        assert "torch" not in fixed(source)


def test_nl402_still_fixes_where_the_module_imports_torch():
    source = """
        import torch

        def cosine(a, b):
            return a.dot(b) / (a.norm() * b.norm())
        """
    assert "torch.clamp(a.norm() * b.norm(), min=1e-7)" in fixed(source)


@pytest.mark.parametrize("guard", [
    "try:\n    import scipy.linalg\nexcept ImportError:\n    scipy = None\n",
    "try:\n    from scipy import linalg\nexcept ImportError:\n    linalg = None\n",
    "try:\n    import scipy.special as sp\nexcept ImportError:\n    sp = None\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import scipy.special\n",
    "def optional():\n    import scipy.special\n    return scipy.special\n",
])
def test_a_guarded_import_is_never_made_unconditional(guard):
    # The module works without SciPy; `import scipy.special` at the top would break it. The
    # NumPy spelling is used instead, and the guarded name is not reused by NumPy code.
    source = "import numpy as np\n" + guard + dedent("""

        def f(x):
            return np.log(np.sum(np.exp(x)))
        """)
    out = fixed(source, unsafe=False)
    assert "return np.logaddexp.reduce(x, axis=None)" in out
    assert out.replace("return np.logaddexp.reduce(x, axis=None)",
                       "return np.log(np.sum(np.exp(x)))") == source


def test_an_import_whose_failure_is_raised_again_is_not_guarded():
    source = """
        import numpy as np
        try:
            import scipy.linalg
        except ImportError as error:
            raise ImportError("this module needs SciPy") from error

        def f(x):
            return np.log(np.sum(np.exp(x)))
        """
    assert "return logsumexp(x)" in fixed(source, unsafe=False)


def test_a_guarded_import_is_reused_by_code_that_already_uses_it():
    # The expression runs only where SciPy is there: reusing `sp` adds no dependency.
    source = """
        import numpy as np
        try:
            import scipy.special as sp
        except ImportError:
            sp = None

        def f(x):
            return np.log(sp.softmax(x, axis=0))
        """
    assert "return sp.log_softmax(x, axis=0)" in fixed(source, unsafe=False)


def test_a_guarded_framework_import_is_reused_but_never_extended():
    source = """
        try:
            import torch
        except ImportError:
            torch = None

        def f(x):
            return torch.log(torch.softmax(x, 1))

        def g(x):
            return x / x.norm(dim=1, keepdim=True)
        """
    out = fixed(source)
    assert "return torch.log_softmax(x, 1)" in out
    # `g` names no library: `x` may be any object with a `norm` method, and `torch` may be
    # None there. `F.normalize` (an import of `torch.nn.functional` at the top) or
    # `torch.clamp` (the guarded name) could break it: no fix.
    assert "import torch.nn" not in out and out.count("import") == 1
    assert "return x / x.norm(dim=1, keepdim=True)" in out


def test_array_api_code_gets_no_fix_in_another_namespace():
    source = """
        import numpy as np

        def zscore(x, xp):
            return (x - xp.mean(x)) / xp.std(x)
        """
    (diagnostic,) = diagnostics(source)
    assert diagnostic.code == "NL402" and diagnostic.fix is None
    assert "np.maximum" not in fixed(source)


def test_array_api_namespace_from_a_call_gets_no_fix():
    source = """
        import numpy as np
        from array_api_compat import array_namespace

        def normalize(v):
            ns = array_namespace(v)
            return (v - ns.mean(v, axis=0)) / ns.std(v, axis=0)
        """
    assert all(d.fix is None for d in diagnostics(source))


def test_array_methods_with_an_axis_are_still_fixed():
    # `x.std(axis)`: `x` is an array (used as an operand), `axis` an axis.
    source = """
        import numpy as np

        def standardize(x, axis):
            return (x - x.mean(axis)) / x.std(axis)
        """
    assert "np.maximum(x.std(axis), 1e-7)" in fixed(source)


def test_no_fix_inside_an_f_string_equals_specifier():
    source = """
        import numpy as np
        print(f"{np.log(np.sum(np.exp(x)))=}")
        print(f"{np.log(np.sum(np.exp(y))) = :.3f}")
        print(f"{np.log(np.sum(np.exp(z)))}")
        """
    found = diagnostics(source)
    assert [d.fix is None for d in found] == [True, True, False]
    out = fixed(source)
    assert 'f"{np.log(np.sum(np.exp(x)))=}"' in out
    assert 'f"{np.log(np.sum(np.exp(y))) = :.3f}"' in out
    assert 'f"{np.logaddexp.reduce(z, axis=None)}"' in out


def test_no_fix_in_a_nested_f_string_whose_text_is_printed():
    source = """
        import numpy as np
        print(f"{f'{np.log(np.sum(np.exp(x)))}'=}")
        """
    assert all(d.fix is None for d in diagnostics(source))


TORCH_LOGSUMEXP = '''
    import torch

    @register_decomposition(aten.logsumexp)
    @out_wrapper()
    def logsumexp(self, dim, keepdim=False):
        if not isinstance(dim, Iterable):
            dim = (dim,)
        if self.numel() == 0:
            return torch.sum(torch.exp(self), dim, keepdim).log()
        maxes = torch.amax(torch.real(self), dim, keepdim=True)
        result = torch.sum(torch.exp(self - maxes), dim, keepdim)
        return result.log().add(maxes)
    '''


def test_no_fix_rewrites_torch_logsumexp_decomposition_into_itself():
    # The fix was `self.logsumexp(dim, keepdim)`: aten.logsumexp dispatches to this very
    # decomposition, which recursed forever.
    found = diagnostics(TORCH_LOGSUMEXP, "NL102")
    assert found and all(d.fix is None for d in found)
    assert fixed(TORCH_LOGSUMEXP) == dedent(TORCH_LOGSUMEXP)


@pytest.mark.parametrize("name,decorator", [
    ("logsumexp", ""),                       # a method of a tensor, named like the target
    ("_logsumexp_ref", "@register(aten.logsumexp)\n"),
    ("logsumexp_decomposition", "@out_wrapper()\n"),
    ("anything", "@register_decomposition(aten.logsumexp.default)\n"),
])
def test_no_fix_calls_the_function_that_encloses_it(name, decorator):
    source = dedent("""
        import torch

        class Tensor(torch.Tensor):
        """) + "    " + decorator.replace("\n", "\n    ") + dedent(f"""
            def {name}(self, dim, keepdim=False):
                return self.exp().sum(dim, keepdim).log()
        """).replace("\n", "\n    ").rstrip() + "\n"
    ast.parse(source)
    found = diagnostics(source, "NL102")
    assert found and all(d.fix is None for d in found), source


def test_a_plain_function_named_like_the_target_is_still_fixed():
    # `F.softplus` cannot call a user's undecorated module-level `def softplus`.
    source = """
        import torch

        def softplus(x):
            return torch.log(1 + torch.exp(x))
        """
    assert "return torch.nn.functional.softplus(x)" in fixed(source, select="NL503")


def test_log_softmax_reference_implementation_is_not_rewritten_into_itself():
    source = """
        import torch

        class Ref:
            def log_softmax(self, x, dim):
                return torch.log(torch.softmax(x, dim))
        """
    found = diagnostics(source, "NL101")
    assert found and all(d.fix is None for d in found)


def test_a_dependency_of_an_imported_package_may_be_imported():
    # SciPy cannot be installed without NumPy; SciPy has no `slogdet`.
    source = """
        import math
        from scipy import linalg

        def log_volume(A):
            return math.log(abs(linalg.det(A)))
        """
    # (`linalg`, no longer used, goes: numlint/engine/imports.py.)
    assert fixed(source, unsafe=False) == dedent("""
        import numpy as np

        def log_volume(A):
            return np.linalg.slogdet(A)[1]
        """)


def test_a_star_import_is_an_import():
    source = """
        from numpy import *

        def f(x):
            return log(sum(exp(x), axis=1))
        """
    out = fixed(source, unsafe=False)
    assert "import numpy as np" in out and "np.logaddexp.reduce(x, axis=1)" in out


def test_the_standard_library_may_be_imported():
    # `math` is always there: importing it adds no dependency (NL601's fix).
    source = """
        def ratio_or_zero(a, b):
            r = a / b
            if r != float("nan"):
                return r
            return 0.0
        """
    assert fixed(source).startswith("import math\n")


# -- sweeps over the catalog: each class of mistake, on every example ------------------------


def _examples():
    for rule in all_rules():
        if rule.meta:
            continue
        for index, example in enumerate(rule.examples):
            if not example.good and example.fixed is not None:
                yield pytest.param(rule, example, id=f"{rule.code}-{example.framework}-{index}")


EXAMPLES = list(_examples())
STDLIB = frozenset(sys.stdlib_module_names)


def _imports(tree: ast.Module, top_level_only: bool = True):
    """(package, guarded) for each import of `tree` (at module level, unless told)."""
    found = []

    def visit(body, guarded):
        for statement in body:
            if isinstance(statement, ast.Import):
                found.extend((a.name.partition(".")[0], guarded) for a in statement.names)
            elif isinstance(statement, ast.ImportFrom) and statement.level == 0:
                found.append((statement.module.partition(".")[0], guarded))
            elif isinstance(statement, (ast.If, ast.Try, ast.For, ast.While, ast.With)):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(statement, field, []):
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child],
                              guarded or not isinstance(statement, ast.With))
            elif not top_level_only and isinstance(
                    statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(statement.body, True)

    visit(tree.body, False)
    return found


def _fix_all(source: str, rule):
    return fix_source(source, "m.py", Config(select=(rule.code,)), unsafe=True).source.text


def _used_names(tree: ast.AST):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_sweep_no_fix_imports_a_library_the_module_does_not_import(rule, example):
    """Every import the module does not need is removed (code written with methods only:
    `x.norm(dim=1)` in a module that imports torch for nothing): the fix must not add it
    back, nor any other library."""
    tree = ast.parse(example.code)
    used = _used_names(tree)
    lines = example.code.splitlines(keepends=True)
    kept = []
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            bound = {(a.asname or a.name).partition(".")[0] for a in statement.names}
            if not bound & used:
                for row in range(statement.lineno - 1, statement.end_lineno):
                    lines[row] = ""
    source = "".join(lines)
    before = {package for package, _ in _imports(ast.parse(source), top_level_only=False)}
    after = {package for package, _ in _imports(ast.parse(_fix_all(source, rule)),
                                                 top_level_only=False)}
    implied = {d for p in before for d in REQUIRES.get(p, ())}
    added = after - before - implied - STDLIB
    assert not added, f"the fix imports {added}, which the module does not import"


def _guard_imports(source: str) -> str:
    """Each top-level import of `source` under `try: ... except ImportError:`."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for statement in reversed(tree.body):
        if not isinstance(statement, (ast.Import, ast.ImportFrom)) or (
                isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
            continue
        names = [(a.asname or a.name).partition(".")[0] for a in statement.names]
        text = "".join(lines[statement.lineno - 1:statement.end_lineno])
        guarded = "try:\n" + "".join("    " + line for line in text.splitlines(keepends=True))
        guarded += "except ImportError:\n" + "".join(f"    {n} = None\n" for n in names)
        lines[statement.lineno - 1:statement.end_lineno] = [guarded]
    return "".join(lines)


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_sweep_guarded_imports_are_never_made_unconditional(rule, example):
    """With every import guarded, a fix may reuse the guarded names its expression already
    uses, and must add no import of a third-party package."""
    source = _guard_imports(example.code)
    out = _fix_all(source, rule)
    added = [p for p, guarded in _imports(ast.parse(out))
             if not guarded and p not in STDLIB]
    assert not added, f"the fix imports {added} unconditionally:\n{out}"


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_sweep_no_fix_in_an_f_string_equals_specifier(rule, example):
    """The reported expression, printed with `=` in an f-string, is left alone."""
    source = example.code
    found = check_source(source, "m.py", Config(select=(rule.code,)))
    edited = 0
    for diagnostic in sorted(found, key=lambda d: -d.offset[0]):
        start, end = diagnostic.offset
        text = source[start:end]
        if any(c in text for c in "\"'\\#\n{}"):
            continue
        candidate = source[:start] + 'f"{' + text + '=}"' + source[end:]
        try:
            ast.parse(candidate)
        except SyntaxError:
            continue
        source, edited = candidate, edited + 1
    if not edited:
        pytest.skip("no reported expression fits in an f-string")
    out = _fix_all(source, rule)
    before = re.findall(r'f"\{[^"]*=\}"', source)
    after = re.findall(r'f"\{[^"]*=\}"', out)
    assert before == after


def _callees(rule, example):
    """The names the example's fix calls that the original does not (`logsumexp`)."""
    def called(text):
        names = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call):
                func = node.func
                names.add(func.attr if isinstance(func, ast.Attribute) else
                          func.id if isinstance(func, ast.Name) else None)
        return names - {None}
    return sorted(called(example.fixed) - called(example.code))


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_sweep_no_fix_calls_the_decomposition_that_encloses_it(rule, example):
    """The function around the hazard renamed after what the fix calls and registered as its
    implementation (`@register_decomposition(aten.logsumexp) def logsumexp`): no fix may
    call it."""
    callees = _callees(rule, example)
    tree = ast.parse(example.code)
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not callees or not functions:
        pytest.skip("the fix calls nothing new, or the example has no function")
    for callee in callees:
        lines = example.code.splitlines(keepends=True)
        for function in reversed(functions):
            row = function.lineno - 1
            lines[row] = re.sub(r"def \w+\(", f"def {callee}(", lines[row], count=1)
            lines.insert(row, f"@register_decomposition(aten.{callee})\n")
        source = "".join(lines)
        found = check_source(source, "m.py", Config(select=(rule.code,)))
        for diagnostic in found:
            if diagnostic.fix is None:
                continue
            new = set()
            for edit in diagnostic.fix.edits:
                try:
                    new |= {n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
                            for n in ast.walk(ast.parse(edit.content.strip(), mode="eval"))
                            if isinstance(n, ast.Call)
                            and isinstance(n.func, (ast.Attribute, ast.Name))}
                except SyntaxError:
                    continue
            assert callee not in new, f"the fix calls `{callee}` inside `def {callee}`"


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_sweep_array_api_code_gets_no_fix_in_a_library_namespace(rule, example):
    """NumPy examples rewritten for the array API: `np.f(...)` becomes `xp.f(...)` with `xp`
    a parameter, `numpy` still imported. A fix must write no library namespace the
    expression does not use (`np.maximum`, `scipy.special.logsumexp`) and import nothing."""
    if example.framework != "numpy" or "import numpy as np" not in example.code:
        pytest.skip("a NumPy example")
    head, _, body = example.code.partition("import numpy as np\n")
    if not re.search(r"\bnp\.", body):
        pytest.skip("no NumPy function to call through a namespace")
    body = re.sub(r"\bnp\.", "xp.", body)
    body = re.sub(r"def (\w+)\(", r"def \1(xp, ", body)
    body = body.replace("(xp, )", "(xp)")
    source = head + "import numpy as np\n" + body
    try:
        tree = ast.parse(source)
    except SyntaxError:
        pytest.skip("not valid once rewritten")
    if not any(isinstance(n, ast.FunctionDef) for n in tree.body):
        pytest.skip("no function to take the namespace")
    found = check_source(source, "m.py", Config(select=(rule.code,)))
    for diagnostic in found:
        if diagnostic.fix is None:
            continue
        for edit in diagnostic.fix.edits:
            assert "import" not in edit.content
            assert not re.search(r"\b(np|numpy|scipy|sp)\.", edit.content), \
                f"{edit.content!r} in array-API code:\n{source}"


# -- sweeps over the table: every STABLE target, as the importer would write it --------------


def _stable_targets():
    from numlint.engine import table
    seen = set()
    for name, per_framework in sorted(table.STABLE.items()):
        for framework, targets in sorted(per_framework.items()):
            for target in targets:
                for function in target.functions:
                    if (framework, function) not in seen:
                        seen.add((framework, function))
                        yield pytest.param(framework, function, id=f"{framework}-{function}")


STABLE_TARGETS = list(_stable_targets())
# The one import a module of each framework has.
FRAMEWORK_IMPORT = {"numpy": "import numpy as np", "torch": "import torch",
                    "tensorflow": "import tensorflow as tf", "jax": "import jax.numpy as jnp",
                    "keras": "import keras", "python": "import os"}


def _importer(source: str):
    from numlint.engine.importer import Importer
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.source import SourceText
    model = SemanticModel(ast.parse(source))
    return Importer(model, SourceText(source)), model


@pytest.mark.parametrize("framework,function", STABLE_TARGETS)
def test_table_sweep_a_target_never_imports_another_library(framework, function):
    """Every target of the table, written in a module that imports only its framework's
    package: an import is added only for that package, its dependencies or the standard
    library (`scipy.special.log_softmax` in NumPy code is not written)."""
    source = FRAMEWORK_IMPORT[framework] + "\n\nx = 1\n"
    importer, model = _importer(source)
    reference = importer.reference(function, model.module_scope)
    if reference is None or reference[1] is None:
        return
    added = _import_packages_of(reference[1].content)
    own = {FRAMEWORK_IMPORT[framework].split()[1].partition(".")[0]}
    implied = own | {d for p in own for d in REQUIRES.get(p, ())}
    assert added <= implied | STDLIB, f"{function} imports {added} into {framework} code"


@pytest.mark.parametrize("framework,function", STABLE_TARGETS)
def test_table_sweep_a_guarded_framework_is_never_imported(framework, function):
    """The same with the framework's import guarded: no import of it is added, and its
    guarded name is reused only for code that uses it already."""
    statement = FRAMEWORK_IMPORT[framework]
    names = statement.split()[-1].partition(".")[0]
    source = f"try:\n    {statement}\nexcept ImportError:\n    {names} = None\n\nx = 1\n"
    importer, model = _importer(source)
    reference = importer.reference(function, model.module_scope)
    if reference is not None and reference[1] is not None:
        assert _import_packages_of(reference[1].content) <= STDLIB
    # Code that does not use the package may not reuse the guarded name.
    if reference is not None and reference[1] is None:
        package = statement.split()[1].partition(".")[0]
        assert package in STDLIB or not reference[0].startswith(names + ".") or \
            function.startswith(("math", "builtins")), reference


def _import_packages_of(text: str):
    packages = set()
    for statement in ast.parse(text).body:
        if isinstance(statement, ast.Import):
            packages.update(a.name.partition(".")[0] for a in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            packages.add(statement.module.partition(".")[0])
    return packages
