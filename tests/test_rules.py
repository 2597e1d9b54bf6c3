"""Every rule's examples are its tests: a bad example is reported and fixed to exactly the
text the rule documents; a good example is not reported."""

import pytest

from numlint import Config, check_source, fix_source
from numlint.engine.registry import all_rules
from numlint.engine.table.schema import FRAMEWORKS

RULES = [r for r in all_rules() if not r.meta]
EXAMPLES = [
    pytest.param(rule, example,
                 id=f"{rule.code}-{example.framework}-{i}{'-good' if example.good else ''}")
    for rule in RULES for i, example in enumerate(rule.examples)
]


def only(rule):
    return Config(select=(rule.code,))


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_example(rule, example):
    found = check_source(example.code, "example.py", only(rule))
    assert not [d for d in found if d.code.startswith("NL9")], found
    if example.good:
        assert found == [], f"{rule.code} reported a good example: {found}"
        return
    assert [d.code for d in found] and all(d.code == rule.code for d in found), found
    if example.fixed is None:
        assert all(d.fix is None or not d.fix.applies(unsafe=True) for d in found), \
            "an example documented without a fix has one"
        return
    result = fix_source(example.code, "example.py", only(rule), unsafe=example.unsafe)
    assert result.source.text == example.fixed
    assert result.diagnostics == [], "the fixed code is still reported"
    if example.unsafe:
        safe_only = fix_source(example.code, "example.py", only(rule), unsafe=False)
        assert safe_only.source.text == example.code, "an unsafe fix was applied by --fix"
    again = fix_source(result.source.text, "example.py", only(rule), unsafe=True)
    assert again.source.text == result.source.text, "fixing twice changes the code"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    assert rule.code.startswith("NL") and len(rule.code) == 5
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert rule.summary and rule.what.strip() and rule.why.strip()
    assert rule.references, "cite the stable API the rule recommends"
    if rule.fixable != "never":
        assert rule.fix_safety.strip()
    assert rule.operations, "a rule must ask for the operations it inspects"
    assert set(rule.frameworks) <= set(FRAMEWORKS)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_examples_for_every_framework_it_claims(rule):
    bad = {e.framework for e in rule.examples if not e.good}
    good = [e for e in rule.examples if e.good]
    assert set(rule.frameworks) <= bad, f"missing examples for {set(rule.frameworks) - bad}"
    assert good, "a rule needs examples that must stay silent"
    if rule.fixable != "never":
        fixed = {e.framework for e in rule.examples if e.fixed is not None}
        assert set(rule.frameworks) <= fixed, f"no fixed example for {set(rule.frameworks) - fixed}"


def test_codes_and_names_are_unique():
    codes = [r.code for r in all_rules()]
    names = [r.name for r in all_rules()]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_fix_is_proven_in_every_framework_it_claims(rule):
    """Each fixable rule has, in each framework it claims, an example whose fix is executed
    by the proof tests (`tests/test_proof_<framework>.py`)."""
    if rule.fixable == "never":
        return
    proven = {e.framework for e in rule.examples
              if not e.good and e.fixed is not None and e.proof is not None}
    assert set(rule.frameworks) <= proven, \
        f"no executable proof for {sorted(set(rule.frameworks) - proven)}"
    for example in rule.examples:
        assert example.proof is None or (not example.good and example.fixed is not None), \
            "a proof needs a bad example with a fix"


def _framework_conditions(path):
    """Comparisons in a rule's code with a framework's name (`framework == "torch"`)."""
    import ast
    from numlint.engine.table import FRAMEWORK_ORDER
    names = set(FRAMEWORK_ORDER)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            for part in [node.left, *node.comparators]:
                values = part.elts if isinstance(part, (ast.Tuple, ast.List, ast.Set)) else [part]
                if any(isinstance(v, ast.Constant) and v.value in names for v in values):
                    found.append(node.lineno)
    return found


def test_no_rule_names_a_framework_in_a_condition():
    """Framework knowledge lives in the table (its targets' safety, what exists where);
    a rule that branches on a framework's name would need editing for a new framework."""
    from pathlib import Path
    catalog = Path(__file__).resolve().parent.parent / "rules"
    offending = {p.name: lines for p in sorted(catalog.glob("*.py"))
                 if (lines := _framework_conditions(p))}
    assert not offending, offending


def test_the_framework_condition_check_can_fail(tmp_path):
    rule = tmp_path / "rule.py"
    rule.write_text("def f(framework):\n    return framework in ('jax', 'numpy')\n")
    assert _framework_conditions(rule) == [2]


# -- operation kinds: one closed set ------------------------------------------------------------

def test_every_kind_the_engine_produces_is_declared():
    from numlint.engine import table
    from numlint.engine.semantic.operations import BINARY_KINDS, UNARY_KINDS
    from numlint.engine.table.kinds import KINDS
    produced = {spec.kind for spec in table.FUNCTIONS.values()}
    produced |= {spec.kind for specs in table.METHODS.values() for spec in specs}
    produced |= set(BINARY_KINDS.values()) | set(UNARY_KINDS.values()) | {"transpose", "compare"}
    produced |= set(table.CONSTANTS.values())
    assert produced <= set(KINDS), produced - set(KINDS)
    assert set(KINDS) <= produced, f"declared but never produced: {set(KINDS) - produced}"


def test_a_rule_naming_an_unknown_kind_is_an_error():
    import pytest as _pytest
    from numlint.engine.registry import _validate
    from numlint.engine.rule import Rule

    class Typo(Rule):
        code, name, summary = "NL999", "typo", "x"
        operations = ("log",)
        requires = (("log", "sofmax"),)

    with _pytest.raises(ValueError, match="'sofmax'.*did you mean 'softmax'"):
        _validate([Typo()])


def test_a_table_entry_with_an_unknown_kind_is_an_error():
    import pytest as _pytest
    from numlint.engine.table.schema import parse_spec
    with _pytest.raises(ValueError, match="unknown operation kind 'logg'"):
        parse_spec("logg", "numpy", "numpy.log(x)")


def _kind_literals(path):
    """String literals a rule compares with an operation's `kind` (`op.kind == "log"`,
    `kind in ("inv", "pinv")`, `kinds=("softmax",)`)."""
    import ast
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            # `op.kind`, not a scope's kind (`scope.parent.kind == "class"`) nor a binding's
            # (`binding.kind == "import"`)
            if any(isinstance(s, ast.Attribute) and s.attr == "kind"
                   and "scope" not in ast.unparse(s.value)
                   and "binding" not in ast.unparse(s.value) for s in sides):
                for side in sides:
                    values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) \
                        else [side]
                    found += [(v.lineno, v.value) for v in values
                              if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        elif isinstance(node, ast.keyword) and node.arg == "kinds" and \
                isinstance(node.value, (ast.Tuple, ast.List)):
            found += [(v.lineno, v.value) for v in node.value.elts if isinstance(v, ast.Constant)]
    return found


def test_rules_compare_kinds_with_declared_kinds_only():
    from pathlib import Path
    from numlint.engine.table.kinds import KINDS
    catalog = Path(__file__).resolve().parent.parent / "rules"
    unknown = {p.name: [(line, kind) for line, kind in _kind_literals(p) if kind not in KINDS]
               for p in sorted(catalog.glob("*.py"))}
    assert not {k: v for k, v in unknown.items() if v}, unknown
    assert any(_kind_literals(p) for p in catalog.glob("*.py"))  # the scan finds comparisons
