"""The per-file pipeline: decode, parse, model, rules, suppression, fixes.

`check_source` and `fix_source` are pure functions of `(source, path, config)`: they read no
files and keep no state, so files can be checked in parallel processes and results cached.
"""

from __future__ import annotations

import ast
import sys
import threading
import traceback
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
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
    from numlint.engine.semantic.project import Project, ProjectView

MAX_FIX_ROUNDS = 10

Source = Union[str, bytes, SourceText]


def check_source(source: Source, path: Union[str, Path] = "<stdin>",
                 config: Optional[Config] = None,
                 project: Optional[Project] = None) -> List[Diagnostic]:
    """Check one module and return its diagnostics, sorted by position. `project` answers
    for the module's first-party imports (`numlint.run.project`); without it they are
    unknown."""
    return check_module(source, path, config, project).diagnostics


def check_module(source: Source, path: Union[str, Path] = "<stdin>",
                 config: Optional[Config] = None,
                 project: Optional[Project] = None) -> "Checked":
    """`check_source`, with what the check read of the project (`Checked.dependencies`)."""
    config = config or Config()
    try:
        text, diagnostics = _decode(source, str(path))
        if text is None:
            return Checked(diagnostics)
        return contained(_check_text, text, str(path), config, project)
    except Exception as exc:  # a numlint bug on this file: reported on it, never raised
        return Checked([internal_failure(str(path), "checking the file", exc)])


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
               config: Optional[Config] = None, unsafe: bool = False,
               project: Optional[Project] = None) -> FixResult:
    """Apply fixes to one module in rounds until none applies; return the fixed source and
    the diagnostics that remain. Safe fixes always, unsafe ones with `unsafe=True`."""
    config = config or Config()
    path = str(path)
    try:
        text, diagnostics = _decode(source, path)
    except Exception as exc:
        return FixResult(SourceText(""), [internal_failure(path, "reading the source", exc)])
    if text is None:
        return FixResult(SourceText(""), diagnostics)
    try:
        return contained(_fix_text, text, path, config, unsafe, project)
    except Exception as exc:  # nothing is fixed; the findings of a plain check are reported
        found = [d.with_fix(None) for d in check_module(text, path, config, project).diagnostics]
        return FixResult(text, found + [internal_failure(path, "fixing the file", exc)], {},
                         text)


def _fix_text(text: SourceText, path: str, config: Config, unsafe: bool,
              project: Optional[Project]) -> FixResult:
    original = text
    text, diagnostics, fixed = apply_in_rounds(
        text, _check_text(text, path, config, project).diagnostics, unsafe=unsafe,
        apply=lambda current, edits: SourceText(_apply_fixes(current.text, edits, path),
                                                current.encoding, current.had_bom),
        python=lambda current: current.text,
        check=lambda current: _check_text(current, path, config, project).diagnostics,
        broken=lambda message: _internal_error(path, original, message))
    return FixResult(text, diagnostics, fixed, original)


def _apply_fixes(text: str, edits, path: str) -> str:
    """`text` with the fixes' edits and the import clean-up they call for
    (`numlint.engine.imports`: unused imports removed, added ones merged) applied."""
    from numlint.engine import imports  # libcst: loaded only when a file is fixed
    return apply_edits(text, imports.complete(text, edits, path))


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
        applied = set(chosen)  # (fixes are values: one equal to a chosen one is chosen too)
        if not parses(python(candidate)):
            failed = [d for d in fixes if d.fix in applied]
            dropped = {id(d) for d in failed}  # (`fixes` holds the same objects)
            diagnostics = [d.with_fix(None) if id(d) in dropped else d for d in diagnostics]
            diagnostics.append(broken("a fix produced invalid code and was not applied: "
                                      + ", ".join(sorted({d.code for d in failed}))))
            break
        for diagnostic in fixes:
            if diagnostic.fix in applied:
                fixed[diagnostic.code] += 1
        state = candidate
        diagnostics = check(state)
    return state, diagnostics, dict(fixed)


# -- internals ------------------------------------------------------------------------------------

@dataclass
class Checked:
    """One module's diagnostics; the summaries of other modules they depend on (module ->
    digest of what was read, None: not found)."""

    diagnostics: List[Diagnostic]
    dependencies: Dict[str, Optional[str]] = field(default_factory=dict)


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
        parse_python(text)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False


def parse_python(text: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, with the headroom CPython has when it compiles a module.

    CPython's parser and its conversion of the tree to Python objects limit nesting by the
    interpreter's recursion limit *minus the depth of the caller*: `python m.py` compiles
    `a + a + ... + a` with about 2,970 terms, while `ast.parse` called 30 frames deep fails
    with "maximum recursion depth exceeded during ast construction" from about 2,880. The
    limit is raised by the caller's depth (and a small margin) for the parse, so a module
    CPython can compile parses here."""
    depth = _depth()
    limit = sys.getrecursionlimit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        sys.setrecursionlimit(limit + depth + _PARSE_MARGIN)
        try:
            return ast.parse(text, filename=filename)
        finally:
            sys.setrecursionlimit(limit)


# Frames CPython counts that `_depth` does not see (C calls on the way to the parser).
_PARSE_MARGIN = 50


def _depth() -> int:
    frame = sys._getframe(1)
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


def parse(text: SourceText, path: str) -> Tuple[Optional[ast.Module], Optional[Diagnostic]]:
    try:
        return parse_python(text.text, path), None
    except SyntaxError as exc:
        row = exc.lineno or 1
        column = exc.offset or 1
        if row > text.line_count():
            row, column = text.line_count(), len(text.line(text.line_count())) + 1
        message = f"syntax error: {exc.msg}"
        return None, meta_diagnostic("NL901", path, message, Position(row, max(column, 1)))
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return None, meta_diagnostic("NL901", path, f"cannot parse the file: {exc}")


# -- containment: every failure belongs to one file -------------------------------------------
# The model walk is iterative (numlint.engine.semantic.scopes), but rules and the model's
# queries recurse on operands, and CPython compiles expressions nested about 3,000 deep. A
# `RecursionError` on a module is therefore not reported at once: the module is checked again
# in a thread with a large stack and a recursion limit that fits it (`contained`). What still
# fails there, or any other exception, is reported on the module (NL905), never raised.
DEEP_STACK_SIZE = 512 * 1024 * 1024   # bytes of address space; pages are used only if touched
DEEP_RECURSION_LIMIT = 100_000        # ~30 frames per level of the deepest tree CPython compiles
_state = threading.local()
_deep_lock = threading.Lock()


def in_deep_stack() -> bool:
    """True in the thread `contained` runs a module again in: there a `RecursionError` is a
    failure to report, not a reason to try again."""
    return getattr(_state, "deep", False)


def contained(function, *args):
    """`function(*args)`; if it raises `RecursionError`, again in a thread with a large stack
    and a high recursion limit (the result or the exception of that run)."""
    try:
        return function(*args)
    except RecursionError:
        if in_deep_stack():
            raise
    return run_deep(function, *args)


def run_deep(function, *args):
    outcome: list = [None, None]

    def target() -> None:
        _state.deep = True
        try:
            outcome[0] = function(*args)
        except BaseException as exc:  # handed to the calling thread
            outcome[1] = exc

    with _deep_lock:  # one deep run at a time: the recursion limit is the interpreter's
        previous_size = threading.stack_size()
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, DEEP_RECURSION_LIMIT))
        try:
            threading.stack_size(DEEP_STACK_SIZE)
            try:
                thread = threading.Thread(target=target, name="numlint-deep", daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous_size)
            thread.join()
        finally:
            sys.setrecursionlimit(limit)
    if outcome[1] is not None:
        raise outcome[1]
    return outcome[0]


def internal_failure(path: str, doing: str, exc: BaseException) -> Diagnostic:
    """The NL905 of a failure outside the rules (the model, the parser, the fixer)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" [{Path(frames[-1].filename).name}:{frames[-1].lineno}]" if frames else ""
    if isinstance(exc, RecursionError):
        detail = "the code is nested too deeply for numlint (RecursionError)"
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return meta_diagnostic("NL905", path, f"internal error while {doing}: {detail}{where}")


def _check_text(text: SourceText, path: str, config: Config,
                project: Optional[Project] = None) -> Checked:
    if noqa.file_exempt(text.text):
        return Checked([])
    tree, error = parse(text, path)
    if tree is None:
        return Checked([error] if error is not None else [])
    rules = config.enabled_rules()
    ignored = set(config.ignored_codes_for(Path(path))) if path != "<stdin>" else set()
    rules = tuple(r for r in rules if not _ignored(r.code, ignored))
    view = _view(project, path)
    checked = Checked([])
    diagnostics = run_rules(tree, text, path, rules, view)
    diagnostics = noqa.filter_diagnostics(diagnostics, text)
    checked.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
    if view is not None:
        checked.dependencies = dict(view.used)
    return checked


def _view(project: Optional[Project], path: str) -> Optional["ProjectView"]:
    if project is None:
        return None
    from numlint.engine.semantic.project import ProjectView
    name = project.module_of(path)
    return ProjectView(project, *name) if name is not None else ProjectView(project, None)


def _ignored(code: str, ignored) -> bool:
    return any(code.startswith(selector) or selector == "ALL" for selector in ignored)


def dispatch_table(rules: Sequence[Rule]) -> Dict[str, Tuple[Rule, ...]]:
    table: Dict[str, List[Rule]] = defaultdict(list)
    for rule in rules:
        for kind in rule.operations:
            table[kind].append(rule)
    return {kind: tuple(found) for kind, found in table.items()}


def run_rules(tree: ast.Module, text: SourceText, path: str, rules: Sequence[Rule],
              project: Optional["ProjectView"] = None) -> List[Diagnostic]:
    """One pass over the module's operations, calling each rule on the kinds it asked for."""
    # The engine is imported with the first file analysed: a run whose results all come
    # from the cache never loads the model, the table or the rules.
    from numlint.engine.semantic.model import SemanticModel
    from numlint.engine.context import Context
    from numlint.engine.semantic.project import SINK_KINDS
    dispatch = dispatch_table(rules)
    if not dispatch:
        return []
    if prefilter.pays(rules) and not prefilter.may_fire(text.text, rules) and not (
            project is not None and prefilter.may_fire(
                text.text, rules,
                project.provided_kinds(tree, prefilter.missing_kinds(
                    text.text, rules, project.providable_for(text.text))))):
        return []  # no rule can fire on this text (numlint.engine.prefilter): no model walk
    model = SemanticModel(tree, project)
    model.held_layers = prefilter.has_any_word(text.text, _layer_names(tuple(dispatch)))
    model.saw_sinks = False
    context = Context(model, text, path)
    failed: Dict[str, str] = {}
    try:
        for node in model.operations:
            model.local_only = True
            try:
                op = model.op(node)
            except Exception as exc:  # a bug in the model: this operation is skipped
                if isinstance(exc, RecursionError) and not in_deep_stack():
                    raise  # checked again with more headroom (`contained`)
                failed.setdefault("model", _describe_model_failure(exc, node))
                continue
            finally:
                model.local_only = False
            if op is not None:
                if op.kind in SINK_KINDS:
                    model.saw_sinks = True
                _dispatch(dispatch, context, op, failed, text)
        # Activations another function returns, passed to one that puts them in a hazardous
        # position (`nll(probs(z))`): found from the consumers, once the walk is done.
        passing = _PASSED_KINDS.intersection(dispatch)
        if passing:
            try:
                returned = model.passed_activations(passing)
            except Exception as exc:
                if isinstance(exc, RecursionError) and not in_deep_stack():
                    raise
                failed.setdefault("model", _describe_model_failure(exc, tree))
                returned = []
            for op in returned:
                _dispatch(dispatch, context, op, failed, text)
    finally:
        model.release()
        context.release()
    diagnostics = _deduplicate(context.diagnostics)
    for code, message in failed.items():
        diagnostics.append(_internal_error(path, text, message))
    return diagnostics


# The activations whose output rules follow into the functions it is passed to
# (`rules/_passed.py`).
_PASSED_KINDS = frozenset({"softmax", "sigmoid"})


def _dispatch(dispatch, context, op, failed: Dict[str, str], text: SourceText) -> None:
    """Call each rule on the kind of `op`; a rule that fails is reported once and not called
    again in this module."""
    for rule in dispatch.get(op.kind, ()):
        if rule.code in failed:
            continue
        context.rule = rule
        try:
            rule.check(context, op)
        except Exception as exc:  # a bug in a rule must not stop the run
            if isinstance(exc, RecursionError) and not in_deep_stack():
                raise  # checked again with more headroom (`contained`)
            failed[rule.code] = _describe_failure(rule, exc, text, op.node)


@lru_cache(maxsize=64)
def _layer_names(kinds: Tuple[str, ...]) -> Tuple[str, ...]:
    """The names of the table's layers that compute one of `kinds` (`nn.CrossEntropyLoss()`
    held in a name and called is a `cross_entropy`): a layer held in a name was built by a
    call that spells its class (`self.loss = nn.CrossEntropyLoss()`, or the import of an
    alias), so a module that spells none holds none."""
    from numlint.engine.table import FUNCTIONS
    return tuple(sorted({qualname.rsplit(".", 1)[-1] for qualname, spec in FUNCTIONS.items()
                         if spec.is_class and spec.kind in kinds}))


def _describe_model_failure(exc: Exception, node) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return (f"the model failed at line {getattr(node, 'lineno', '?')}: "
            f"{type(exc).__name__}: {exc} [{Path(frame.filename).name}:{frame.lineno}]")


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
