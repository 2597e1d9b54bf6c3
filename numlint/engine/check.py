"""The per-file pipeline: decode, parse, model, rules, suppression, fixes.

`check_source` and `fix_source` are pure functions of `(source, path, config)`: they read no
files and keep no state, so files can be checked in parallel processes and results cached.
"""

from __future__ import annotations

import ast
import traceback
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Union

from numlint.engine import noqa

from numlint.engine import prefilter
from numlint.engine.settings import Config
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import apply_edits, select_fixes
from numlint.engine.source import BinaryFileError, DecodeError, Position, SourceText

if TYPE_CHECKING:
    from numlint.engine.rule import Rule

MAX_FIX_ROUNDS = 10

Source = Union[str, bytes, SourceText]


def check_source(source: Source, path: Union[str, Path] = "<stdin>",
                 config: Optional[Config] = None) -> List[Diagnostic]:
    """Check one module and return its diagnostics, sorted by position."""
    config = config or Config()
    text, diagnostics = _decode(source, str(path))
    if text is None:
        return diagnostics
    return _check_text(text, str(path), config).diagnostics


@dataclass
class FixResult:
    """The outcome of fixing one module."""

    source: SourceText              # the fixed source (encoding, BOM and newlines kept)
    diagnostics: List[Diagnostic]   # what remains after fixing
    fixed: Dict[str, int] = field(default_factory=dict)  # code -> number of fixes applied
    original: Optional[SourceText] = None

    @property
    def changed(self) -> bool:
        return self.original is not None and self.source.text != self.original.text

    @property
    def fixed_count(self) -> int:
        return sum(self.fixed.values())


def fix_source(source: Source, path: Union[str, Path] = "<stdin>",
               config: Optional[Config] = None, unsafe: bool = False) -> FixResult:
    """Apply fixes to one module in rounds until none applies; return the fixed source and
    the diagnostics that remain. Safe fixes always, unsafe ones with `unsafe=True`."""
    config = config or Config()
    path = str(path)
    text, diagnostics = _decode(source, path)
    if text is None:
        return FixResult(SourceText(""), diagnostics)
    original = text
    text, diagnostics, fixed = apply_in_rounds(
        text, _check_text(text, path, config).diagnostics, unsafe=unsafe,
        apply=lambda current, edits: SourceText(apply_edits(current.text, edits),
                                                current.encoding, current.had_bom),
        python=lambda current: current.text,
        check=lambda current: _check_text(current, path, config).diagnostics,
        broken=lambda message: _internal_error(path, original, message))
    return FixResult(text, diagnostics, fixed, original)


def apply_in_rounds(state, diagnostics: List[Diagnostic], *, unsafe: bool, apply, python,
                    check, broken, allows=None):
    """Apply the diagnostics' fixes in rounds until none applies (at most MAX_FIX_ROUNDS):
    each round takes the non-overlapping fixes that apply (safe ones, unsafe ones with
    `unsafe`, and only those `allows(state, fix)` accepts), makes the new state with
    `apply(state, edits)`, re-parses its Python text `python(state)` and checks it again with
    `check(state)`. A round whose result does not parse is a bug in a rule: its fixes are
    dropped, `broken(message)` is reported, and the state stays as it was.

    Returns the final state, its diagnostics and the number of fixes applied per code; shared
    by modules (`fix_source`) and notebooks (`numlint.run.notebook`)."""
    fixed: Dict[str, int] = defaultdict(int)
    for _ in range(MAX_FIX_ROUNDS):
        fixes = [d for d in diagnostics if d.fix is not None and d.fix.applies(unsafe)
                 and (allows is None or allows(state, d.fix))]
        if not fixes:
            break
        chosen = select_fixes([d.fix for d in fixes if d.fix is not None])
        candidate = apply(state, [e for fix in chosen for e in fix.edits])
        if not parses(python(candidate)):
            failed = [d for d in fixes if d.fix in chosen]
            diagnostics = [d.with_fix(None) if d in failed else d for d in diagnostics]
            diagnostics.append(broken("a fix produced invalid code and was not applied: "
                                      + ", ".join(sorted({d.code for d in failed}))))
            break
        for diagnostic in fixes:
            if diagnostic.fix in chosen:
                fixed[diagnostic.code] += 1
        state = candidate
        diagnostics = check(state)
    return state, diagnostics, dict(fixed)


# -- internals ------------------------------------------------------------------------------------

@dataclass
class _Checked:
    diagnostics: List[Diagnostic]


def _decode(source: Source, path: str) -> Tuple[Optional[SourceText], List[Diagnostic]]:
    if isinstance(source, SourceText):
        return source, []
    if isinstance(source, str):
        if "\0" in source:
            return None, [meta_diagnostic("NL904", path, "binary file: it contains NUL bytes")]
        return SourceText(source), []
    try:
        return SourceText.from_bytes(source), []
    except BinaryFileError as exc:
        return None, [meta_diagnostic("NL904", path, f"binary file: {exc}")]
    except DecodeError as exc:
        return None, [meta_diagnostic("NL903", path, f"cannot decode the file: {exc}")]


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        return True
    except (SyntaxError, ValueError):
        return False


def parse(text: SourceText, path: str) -> Tuple[Optional[ast.Module], Optional[Diagnostic]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(text.text, filename=path), None
    except SyntaxError as exc:
        row = exc.lineno or 1
        column = exc.offset or 1
        if row > text.line_count():
            row, column = text.line_count(), len(text.line(text.line_count())) + 1
        message = f"syntax error: {exc.msg}"
        return None, meta_diagnostic("NL901", path, message, Position(row, max(column, 1)))
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, meta_diagnostic("NL901", path, f"cannot parse the file: {exc}")


def _check_text(text: SourceText, path: str, config: Config) -> _Checked:
    if noqa.file_exempt(text.text):
        return _Checked([])
    tree, error = parse(text, path)
    if tree is None:
        return _Checked([error] if error is not None else [])
    rules = config.enabled_rules()
    ignored = set(config.ignored_codes_for(Path(path))) if path != "<stdin>" else set()
    rules = tuple(r for r in rules if not _ignored(r.code, ignored))
    diagnostics = run_rules(tree, text, path, rules)
    diagnostics = noqa.filter_diagnostics(diagnostics, text)
    return _Checked(sorted(diagnostics, key=Diagnostic.sort_key))


def _ignored(code: str, ignored) -> bool:
    return any(code.startswith(selector) or selector == "ALL" for selector in ignored)


def dispatch_table(rules: Sequence[Rule]) -> Dict[str, Tuple[Rule, ...]]:
    table: Dict[str, List[Rule]] = defaultdict(list)
    for rule in rules:
        for kind in rule.operations:
            table[kind].append(rule)
    return {kind: tuple(found) for kind, found in table.items()}


def run_rules(tree: ast.Module, text: SourceText, path: str,
              rules: Sequence[Rule]) -> List[Diagnostic]:
    """One pass over the module's operations, calling each rule on the kinds it asked for."""
    # The engine is imported with the first file analysed: a run whose results all come
    # from the cache never loads the model, the table or the rules.
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.context import Context
    dispatch = dispatch_table(rules)
    if not dispatch or not prefilter.may_fire(text.text, rules):
        return []  # no rule can fire on this text (numlint.engine.prefilter): no model walk
    model = SemanticModel(tree)
    context = Context(model, text, path)
    failed: Dict[str, str] = {}
    for node in model.operations:
        op = model.op(node)
        if op is None:
            continue
        for rule in dispatch.get(op.kind, ()):
            if rule.code in failed:
                continue
            context.rule = rule
            try:
                rule.check(context, op)
            except Exception as exc:  # a bug in a rule must not stop the run
                failed[rule.code] = _describe_failure(rule, exc, text, node)
    model.release()
    context.release()
    diagnostics = _deduplicate(context.diagnostics)
    for code, message in failed.items():
        diagnostics.append(_internal_error(path, text, message))
    return diagnostics


def _describe_failure(rule: Rule, exc: Exception, text: SourceText, node) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return (f"rule {rule.code} ({rule.name}) failed at line {getattr(node, 'lineno', '?')}: "
            f"{type(exc).__name__}: {exc} [{Path(frame.filename).name}:{frame.lineno}]")


def _deduplicate(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    seen = set()
    unique = []
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.offset)
        if key not in seen:
            seen.add(key)
            unique.append(diagnostic)
    return unique


def meta_diagnostic(code: str, path: str, message: str,
                    position: Optional[Position] = None) -> Diagnostic:
    from numlint.engine.registry import rules_by_code
    position = position or Position(1, 1)
    return Diagnostic(code=code, name=rules_by_code()[code].name, message=message, path=path,
                      start=position, end=position, error=True)


def _internal_error(path: str, text: SourceText, message: str) -> Diagnostic:
    return meta_diagnostic("NL905", path, message)
