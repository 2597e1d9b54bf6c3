"""Rule discovery: every `Rule` subclass defined in a module of the rule catalog.

The catalog is the `rules/` directory at the repository root. An installed wheel carries it as
the `numlint.rules` subpackage; in a source checkout (or an editable install) it is loaded from
`rules/` beside the `numlint` package under that same name, so rules are always
`numlint.rules.<module>` and a top-level `rules` module never exists.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Tuple

if TYPE_CHECKING:
    from numlint.engine.rule import Rule

PACKAGE = "numlint.rules"


def catalog_package():
    try:
        return importlib.import_module(PACKAGE)
    except ModuleNotFoundError:
        pass
    directory = Path(__file__).resolve().parents[2] / "rules"
    init = directory / "__init__.py"
    if not init.is_file():
        raise RuntimeError(f"numlint's rule catalog is missing (looked for {directory})")
    spec = importlib.util.spec_from_file_location(
        PACKAGE, init, submodule_search_locations=[str(directory)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return package


@lru_cache(maxsize=None)
def all_rules() -> Tuple[Rule, ...]:
    """Every rule of the catalog and the meta diagnostics, sorted by code."""
    # Imported here, not above: `catalog_package` (the cache's engine key) must not load
    # the engine.
    from numlint.engine import builtin as meta
    from numlint.engine.rule import Rule
    package = catalog_package()
    rules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue  # helpers shared by several rules (`rules/_patterns.py`)
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        found = [obj for obj in vars(module).values()
                 if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule
                 and obj.__module__ == module.__name__]
        if len(found) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one rule, "
                               f"found {len(found)}")
        cls = found[0]
        # A rule file ends with its examples (module-level EXAMPLES), after the code that
        # they test: a file reads top-down as metadata, docs, check, helpers, examples.
        examples = getattr(module, "EXAMPLES", None)
        if examples is not None:
            cls.examples = tuple(examples)
        rules.append(cls())
    rules.extend(cls() for cls in meta.META_RULES)
    _validate(rules)
    return tuple(sorted(rules, key=lambda r: r.code))


def _validate(rules) -> None:
    from numlint.engine.prefilter import TextCondition
    from numlint.engine.table.kinds import check_kind
    seen: Dict[str, Rule] = {}
    for rule in rules:
        for kind in rule.operations:
            check_kind(kind, f"{rule!r} operations")
        for kinds in rule.requires:
            for kind in kinds:
                if not isinstance(kind, TextCondition):
                    check_kind(kind, f"{rule!r} requires")
        for key in (rule.code, rule.name):
            if key in seen:
                raise RuntimeError(f"{rule!r} and {seen[key]!r} share {key!r}")
            seen[key] = rule


@lru_cache(maxsize=None)
def rules_by_code() -> Dict[str, Rule]:
    return {rule.code: rule for rule in all_rules()}


def find_rule(code_or_name: str) -> Rule:
    """The rule with this code or name (case-insensitive); KeyError if there is none."""
    key = code_or_name.strip()
    for rule in all_rules():
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    raise KeyError(code_or_name)
