"""Rule documentation in Ruff's shape, rendered from the rule's attributes and examples.

The same Markdown is printed by `numlint rule CODE` and written to `docs/rules/` by
`python -m numlint.authoring.docs` (a test keeps the files current).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Dict, List

from numlint.engine.rule import Example, Rule
from numlint.engine.table.schema import FRAMEWORK_NAMES

FIXABLE = {
    "always": "Fix is always available.",
    "sometimes": "Fix is sometimes available.",
    "never": "No fix is available.",
}


def _section(title: str, body: str) -> str:
    return f"## {title}\n{textwrap.dedent(body).strip()}\n"


def _code(example: Example, text: str) -> str:
    label = FRAMEWORK_NAMES.get(example.framework, example.framework)
    if example.title:
        label += f" ({example.title})"
    return f"{label}:\n```python\n{text.rstrip()}\n```\n"


def render(rule: Rule) -> str:
    parts = [f"# {rule.name} ({rule.code})\n", f"{FIXABLE[rule.fixable]}\n"]
    if rule.opt_in:
        parts.append(f"Opt-in: outside the default selection; enabled by its code "
                     f"(`--select {rule.code}`, `extend-select = [\"{rule.code}\"]`). "
                     f"Why: {rule.opt_in}.\n")
    if rule.frameworks:
        names = ", ".join(FRAMEWORK_NAMES.get(f, f) for f in rule.frameworks)
        parts.append(f"Frameworks: {names}.\n")
    parts.append(_section("What it does", rule.what or rule.summary))
    if rule.why:
        parts.append(_section("Why is this bad?", rule.why))
    bad_examples = [e for e in rule.examples if not e.good]
    if bad_examples:
        parts.append("## Example\n" + "\n".join(_code(e, e.code) for e in _first_per_framework(
            bad_examples)))
    fixed = [e for e in bad_examples if e.fixed is not None]
    if fixed:
        parts.append("## Use instead\n" + "\n".join(_code(e, e.fixed or "") for e in
                                                    _first_per_framework(fixed)))
    if rule.fix_safety:
        parts.append(_section("Fix safety", rule.fix_safety))
    if rule.references:
        parts.append("## References\n" + "".join(f"- <{r}>\n" for r in rule.references))
    return "\n".join(parts)


def _first_per_framework(examples: List[Example]) -> List[Example]:
    chosen: Dict[str, Example] = {}
    for example in examples:
        chosen.setdefault(example.framework, example)
    return list(chosen.values())


def rules_index(rules) -> str:
    lines = ["# Rules\n", "| Code | Name | Summary | Fix |", "| --- | --- | --- | --- |"]
    for rule in rules:
        fix = {"always": "yes", "sometimes": "sometimes", "never": ""}[rule.fixable]
        summary = rule.summary.replace("|", "\\|")
        lines.append(f"| {rule.code} | [{rule.name}]({rule.code}.md) | {summary} | {fix} |")
    return "\n".join(lines) + "\n"


def write_docs(directory: Path) -> List[Path]:
    """Write `docs/rules/<CODE>.md` for every rule and the index; return the paths."""
    from numlint.engine.registry import all_rules
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    rules = all_rules()
    for rule in rules:
        path = directory / f"{rule.code}.md"
        path.write_text(render(rule), encoding="utf-8")
        written.append(path)
    index = directory / "README.md"
    index.write_text(rules_index(rules), encoding="utf-8")
    written.append(index)
    return written


def kinds_page() -> str:
    """`docs/kinds.md`: every operation kind, what it means, and the spellings that map to it
    in each framework (functions, methods, layers, operators), generated from the table."""
    from numlint.engine import table
    from numlint.engine.semantic.operations import BINARY_KINDS, TRANSPOSE_ATTRIBUTES, UNARY_KINDS
    from numlint.engine.table.kinds import KINDS
    spellings: Dict[str, Dict[str, List[str]]] = {kind: {} for kind in KINDS}

    def add(kind: str, framework: str, text: str) -> None:
        found = spellings[kind].setdefault(framework, [])
        if text not in found:
            found.append(text)

    for name, spec in sorted(table.FUNCTIONS.items()):
        add(spec.kind, spec.framework, f"`{name}`" + (" (layer)" if spec.is_class else ""))
    for name, specs in sorted(table.METHODS.items()):
        for spec in specs:
            add(spec.kind, spec.framework, f"`x.{name}()`")
    symbols = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@",
               "floordiv": "//", "mod": "%"}
    for kind in BINARY_KINDS.values():
        add(kind, "operator", f"`a {symbols[kind]} b`")
    for kind, symbol in zip(UNARY_KINDS.values(), ("-", "+", "~")):
        add(kind, "operator", f"`{symbol}x`")
    add("compare", "operator", "`a == b`, `a != b`, `a < b`, `a is b`, `a in b`, ...")
    for name, kind in sorted(table.CONSTANTS.items()):
        add(kind, table.framework_of_module(name) or "python", f"`{name}`")
    for attribute in TRANSPOSE_ATTRIBUTES:
        add("transpose", "operator", f"`x.{attribute}`")
    lines = [
        "# Operation kinds",
        "",
        "Generated from the framework table by `python -m numlint.authoring.docs`; do not edit.",
        "",
        "Rules never match a library's names: they ask for the canonical operation behind a node "
        "(`numlint/engine/table/kinds.py`). This page lists every kind and each spelling that "
        "maps to it, per framework. Supporting a new spelling or framework is a table entry "
        "(`numlint/engine/table/`), never a rule change; see "
        "[writing-rules.md](writing-rules.md).",
        "",
    ]
    order = ("operator",) + table.FRAMEWORK_ORDER + ("python",)
    for kind, meaning in KINDS.items():
        lines += [f"## `{kind}`", "", meaning[0].upper() + meaning[1:] + ".", ""]
        for framework in order:
            if framework in spellings[kind]:
                label = "Operators" if framework == "operator" \
                    else FRAMEWORK_NAMES.get(framework, framework)
                lines.append(f"- {label}: " + ", ".join(spellings[kind][framework]))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # python -m numlint.authoring.docs [directory]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules")
    for written_path in write_docs(target):
        print(written_path)
    kinds = target.parent / "kinds.md"
    kinds.write_text(kinds_page(), encoding="utf-8")
    print(kinds)
