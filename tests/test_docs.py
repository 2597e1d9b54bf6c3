"""Documentation stays in step with the code."""

import re

from numlint.authoring.docs import kinds_page, render, rules_index
from numlint.engine.registry import all_rules

from conftest import ROOT


def test_generated_rule_docs_are_current():
    """`python -m numlint.authoring.docs` regenerates docs/rules/ after a rule changes."""
    directory = ROOT / "docs" / "rules"
    for rule in all_rules():
        path = directory / f"{rule.code}.md"
        assert path.is_file(), f"{path} is missing: run `python -m numlint.authoring.docs`"
        assert path.read_text(encoding="utf-8") == render(rule), \
            f"{path} is stale: run `python -m numlint.authoring.docs`"
    assert (directory / "README.md").read_text(encoding="utf-8") == rules_index(all_rules())
    documented = {p.stem for p in directory.glob("NL*.md")}
    assert documented == {r.code for r in all_rules()}, "docs for a rule that no longer exists"


def test_generated_kinds_page_is_current():
    """docs/kinds.md lists every operation kind and its spellings, from the table."""
    path = ROOT / "docs" / "kinds.md"
    assert path.is_file() and path.read_text(encoding="utf-8") == kinds_page(), \
        f"{path} is stale: run `python -m numlint.authoring.docs`"
    assert "## `softmax`" in kinds_page() and "`torch.nn.Softmax` (layer)" in kinds_page()


def test_readme_lists_every_rule():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert re.search(rf"\|\s*{rule.code}\s*\|\s*`?{rule.name}`?\s*(\(opt-in\))?\s*\|",
                         readme), \
            f"README's rule table lacks {rule.code}"
        assert ("(opt-in)" in re.search(rf"\|\s*{rule.code}\s*\|[^|]*\|", readme).group(0)) \
            == bool(rule.opt_in), f"README's table must mark {rule.code} opt-in exactly when it is"


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"<!-- test-command -->\n```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    assert command, "README must mark its test command with <!-- test-command -->"
    for line in command.group(1).splitlines():
        assert line.strip() in ci, f"CI does not run the README's `{line.strip()}`"
