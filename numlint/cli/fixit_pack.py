"""numlint's rules as Fixit lint rules (`numlint.fixit`; docs/fixit.md is the user's guide).

With `enable = ["numlint.fixit"]` in a Fixit configuration (`[tool.fixit]` in pyproject.toml, or
fixit.toml), `fixit lint` reports numlint's findings and `fixit fix` applies numlint's safe fixes.

* **One LintRule per numlint rule**, named by its code (`NL101`, ..., and `NL901`-`NL906` for
  the files numlint could not check): Fixit prints the rule's name, so numlint's code is in
  its output (`model.py@8:11 NL101: ...`); Fixit's per-rule selection works by code
  (`disable = ["numlint.fixit:NL601"]`), and so do its suppression comments
  (`# lint-ignore: NL101`, `# lint-fixme: NL101`). The rule's TAGS are `numlint`, its kebab
  name and its frameworks (`fixit --tags torch lint`).
* **One engine, one analysis per module.** The rules do not re-implement numlint: the first
  of them to visit a module runs numlint's check on its text (`numlint.engine.check`, with the
  project's `[tool.numlint]` and module summaries, as `numlint check` does); each rule joins
  that analysis when it visits the module and reports its code's findings when it leaves it.
  `select`, `ignore`, `extend-select`, `per-file-ignores`, `max-file-size`, numlint's `# noqa`
  and `# numlint: noqa` apply as in `numlint check`; Fixit's own enable/disable and
  suppression comments apply on top. Which files are linted is Fixit's decision (numlint's
  `exclude` is not consulted).
* **Findings at their node.** A finding is reported at numlint's exact range, on the deepest
  libcst node whose range contains it (PositionProvider metadata): the node whose range is
  the finding's when there is one (a call, a binary operation ...). Fixit looks for its
  suppression comments from that node, as for any rule.
* **Fixes as node replacements.** A safe fix's text edits become the replacement of the
  smallest node that holds them all, parsed from that node's text with the edits applied
  (an expression keeps its own parentheses around the new one); larger nodes are tried in
  turn (a simple statement, then the module) until one reproduces the edited text exactly,
  which is checked. Fixit applies only the outermost of replacements that nest, so the fixes
  of one run are chosen as numlint chooses one round's (`Analysis.plan`): in source order, a
  fix whose edits overlap, or whose node nests with, those of one chosen before it is
  reported without replacement and offered by the next `fixit fix`. The round's import
  clean-up is numlint's (`numlint.engine.imports.complete` on the round's edits, as `numlint
  check --fix` applies it): when there is one, or a chosen fix must replace the module (it
  adds an import), the module is replaced by the round's result, carried by those fixes (or
  the first fix); the others keep their own replacements inside it. So a run is a round of
  `numlint check --fix`, and what Fixit counts as applied is applied.
  Unsafe and display-only fixes are never replacements (Fixit has no `--unsafe-fixes`):
  their findings are reported without one (`numlint check --fix --unsafe-fixes` applies
  them).
* **Never a crash of Fixit.** Whatever fails in numlint on a module (an invalid
  `[tool.numlint]`, a bug) is one NL905 finding at the top of the module; a finding the rules
  cannot place is reported on the module without a fix. Nothing is raised into Fixit.
* **`fixit test numlint.fixit`** runs numlint's rule examples: a rule's `good` examples are
  its VALID cases and its `bad` ones its INVALID cases, with numlint's fixed module as the
  expected replacement where the fix is safe, import clean-up included (one Fixit run gives
  it for every example of the catalog). INVALID cases are made for the rules numlint's configuration enables where
  the tests run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, ParentNodeProvider, PositionProvider

from fixit import Invalid, LintRule, Valid

from numlint.engine import check as _check
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Applicability, Edit, Fix, apply_edits
from numlint.engine.registry import all_rules
from numlint.engine.rule import Example, Rule
from numlint.engine.source import Position, SourceText

FilePathProvider: Any
try:  # the module's path, from Fixit's configuration (its `FullRepoManager`)
    from libcst.metadata import FilePathProvider
except ImportError:  # pragma: no cover - an old libcst: the working directory's configuration
    FilePathProvider = None

Span = Tuple[int, int]

# -- one analysis per module ----------------------------------------------------------------------


class Analysis:
    """numlint's findings on one libcst module, and their mapping onto its nodes."""

    def __init__(self, module: cst.Module, path: Optional[Path]):
        self.module = module
        self.code = module.code
        self.path = path
        self.diagnostics = diagnose(self.code, path, module.encoding)
        self.by_code: Dict[str, List[Diagnostic]] = defaultdict(list)
        for diagnostic in self.diagnostics:
            self.by_code[diagnostic.code].append(diagnostic)
        self._line_starts: Optional[List[int]] = None
        self.rules: Dict[str, Any] = {}  # code -> the Fixit rule that reports it here
        self._plan: Optional[Dict[str, List[Planned]]] = None
        self._lock = threading.Lock()

    def join(self, rule: Any) -> None:
        """`rule` (a NumlintRule of this module's run) will report its code's findings."""
        with self._lock:
            self.rules[rule.CODE] = rule
            self._plan = None

    def plan(self, rule: Any) -> Dict[str, List[Planned]]:
        """What each joined rule reports: its code's findings, each at its node (the
        suppressed ones left out), with a replacement for the safe fixes Fixit can apply
        together in one run.

        Fixit applies the outermost of replacements that nest (its transformer does not
        look inside a node it replaces), so the fixes are chosen as numlint chooses the
        edits of one round: in source order, a fix whose edits overlap, or whose node nests
        with, one already chosen waits for the next run (reported without replacement).
        When the round calls for an import clean-up, or a fix must replace the module (it
        adds an import), the module's replacement is the round's whole result, numlint's
        (`round`). So every fix Fixit counts as applied is applied, and `fixit fix` run
        again goes on where it stopped."""
        with self._lock:
            if self._plan is None:
                self._plan = self._make_plan(rule)
            return self._plan

    def _make_plan(self, rule: Any) -> Dict[str, List[Planned]]:
        def positions(n: cst.CSTNode) -> Any:
            return rule.get_metadata(PositionProvider, n, None)

        def parent(n: cst.CSTNode) -> Optional[cst.CSTNode]:
            return rule.get_metadata(ParentNodeProvider, n, None)

        planned: Dict[str, List[Planned]] = defaultdict(list)
        fixable: List[Tuple[int, Planned, Fix, cst.CSTNode, cst.CSTNode]] = []
        for code, reporter in self.rules.items():
            for diagnostic in self.by_code.get(code, ()):
                position = _range(diagnostic)
                if diagnostic.error:  # NL9xx: about the file, on the module
                    planned[code].append(Planned(self.module, position, diagnostic.message))
                    continue
                target = self.deepest(diagnostic.offset[0], diagnostic.offset[1], positions)
                if reporter.ignore_lint(target):
                    continue  # Fixit's `# lint-ignore` / `# lint-fixme` for this code
                item = Planned(target, position, diagnostic.message)
                planned[code].append(item)
                fix = diagnostic.fix
                if fix is None or fix.applicability is not Applicability.SAFE:
                    continue
                try:
                    replaced = self.replacement(fix, positions, parent)
                except Exception:  # not expressible: reported without replacement
                    replaced = None
                # Fixit looks for suppression comments from the reported node: a replaced
                # node whose comments would hide the finding is not used (the module has
                # none of its own).
                if replaced is not None and (replaced[0] is target
                                             or not reporter.ignore_lint(replaced[0])):
                    fixable.append((min(e.start for e in fix.edits), item, fix, *replaced))
        # One round, as numlint's: in source order, a fix whose edits overlap those of a fix
        # chosen before it waits for the next run, and so does a fix whose node nests with
        # the node of one chosen before it (Fixit would apply the outer one only).
        chosen: List[Tuple[Planned, Fix, cst.CSTNode, cst.CSTNode]] = []
        edits: List[Edit] = []
        nodes: set = set()  # ids of the chosen nodes
        taken: set = set()  # ids of the chosen nodes and of their ancestors
        for _, item, fix, node, new in sorted(fixable, key=lambda f: f[0]):
            own = [e for e in sorted(set(fix.edits)) if e not in edits]
            if any(e.overlaps(t) for e in own for t in edits):
                continue
            ancestors: List[int] = []
            if not isinstance(node, cst.Module):
                current: Optional[cst.CSTNode] = node
                while current is not None:
                    ancestors.append(id(current))
                    current = parent(current)
                if id(node) in taken or nodes.intersection(ancestors):
                    continue
            chosen.append((item, fix, node, new))
            edits.extend(own)
            if ancestors:
                nodes.add(id(node))
                taken.update(ancestors)
        if not chosen:
            return dict(planned)
        # The round's import clean-up (`numlint.engine.imports.complete`, as in `numlint
        # check --fix`): when there is one, or a fix must replace the module (it adds an
        # import), the round is one replacement of the module by numlint's result. It is
        # carried by the fixes that need the module, or else by the first fix; the others
        # keep their own replacements, inside it (Fixit applies the outermost).
        whole = self.round(edits, any(isinstance(c[2], cst.Module) for c in chosen))
        if whole is None:  # not made: the fixes that need the module wait, no clean-up
            chosen = [c for c in chosen if not isinstance(c[2], cst.Module)]
        for item, _, node, new in chosen:
            item.node, item.replacement = node, new
        if whole is not None and chosen:
            carriers = [c[0] for c in chosen if isinstance(c[2], cst.Module)] or [chosen[0][0]]
            for item in carriers:
                item.node, item.replacement = self.module, whole
        return dict(planned)

    def round(self, edits: Sequence[Edit], whole: bool = False) -> Optional[cst.Module]:
        """The module that numlint's round of `edits` makes, with the import clean-up they
        call for (`numlint.engine.imports.complete`, as `numlint check --fix` applies it).
        None when there is no clean-up and not `whole` (the fixes' own replacements make
        the round), or when the module cannot be made."""
        edits = sorted(set(edits))
        try:
            from numlint.engine import imports
            completed = sorted(set(imports.complete(
                self.code, edits, str(self.path) if self.path is not None else "<stdin>")))
            expected = apply_edits(self.code, completed)
            if not whole and completed == edits:
                return None
            module = cst.parse_module(expected, config=self.module.config_for_parsing)
        except Exception:  # the fixes are applied as they are, without clean-up
            return None
        return module if module.code == expected else None

    # positions: libcst's (1-based line, 0-based character column) <-> character offsets
    def offset(self, position: CodePosition) -> int:
        if self._line_starts is None:
            self._line_starts = SourceText(self.code).line_starts
        starts = self._line_starts
        return starts[min(position.line, len(starts)) - 1] + position.column

    def span(self, node: cst.CSTNode, positions: Callable[[cst.CSTNode], Any]) -> Optional[Span]:
        found = positions(node)
        if found is None:
            return None
        return self.offset(found.start), self.offset(found.end)

    def deepest(self, start: int, end: int,
                positions: Callable[[cst.CSTNode], Any]) -> cst.CSTNode:
        """The deepest node whose range contains `[start, end)` (the module at worst)."""
        node: cst.CSTNode = self.module
        while True:
            for child in node.children:
                span = self.span(child, positions)
                if span is not None and span[0] <= start and end <= span[1]:
                    node = child
                    break
            else:
                return node

    def replacement(self, fix: Fix, positions: Callable[[cst.CSTNode], Any],
                    parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]]
                    ) -> Optional[Tuple[cst.CSTNode, cst.CSTNode]]:
        """(node, its replacement) that makes exactly the fix's edits, or None."""
        edits = sorted(set(fix.edits))
        if not edits:
            return None
        expected = apply_edits(self.code, edits)
        first, last = min(e.start for e in edits), max(e.end for e in edits)
        node: Optional[cst.CSTNode] = self.deepest(first, last, positions)
        while node is not None:
            try:
                new = self._replace(node, expected, positions)
            except Exception:  # this node's text does not parse as one of its kind
                new = None
            if new is not None:
                return node, new
            node = parent(node)
        return None

    def _replace(self, node: cst.CSTNode, expected: str,
                 positions: Callable[[cst.CSTNode], Any]) -> Optional[cst.CSTNode]:
        config = self.module.config_for_parsing
        if isinstance(node, cst.Module):
            new_module = cst.parse_module(expected, config=config)
            return new_module if new_module.code == expected else None
        span = self.span(node, positions)
        if span is None:
            return None
        text = expected[span[0]:len(expected) - (len(self.code) - span[1])]
        if isinstance(node, cst.BaseExpression):
            parsed = cst.parse_expression(text, config=config)
            if self.module.code_for_node(parsed) != text:
                return None
            # The node's range leaves out its parentheses: they stay around the new one.
            return parsed.with_changes(lpar=[*node.lpar, *parsed.lpar],
                                       rpar=[*parsed.rpar, *node.rpar])
        new: cst.CSTNode
        if isinstance(node, cst.SimpleStatementLine):
            line = cst.parse_statement(text + self.module.default_newline, config=config)
            if not isinstance(line, cst.SimpleStatementLine):
                return None
            new = line.with_changes(leading_lines=node.leading_lines,
                                    trailing_whitespace=node.trailing_whitespace)
        elif isinstance(node, cst.BaseSmallStatement):
            line = cst.parse_statement(text + self.module.default_newline, config=config)
            if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
                return None
            new = line.body[0].with_changes(semicolon=node.semicolon)
        else:
            return None  # compound statements and the rest: their parent is tried
        # A statement's text depends on where it stands (indentation): checked in place.
        replaced = self.module.deep_replace(node, new)
        return new if isinstance(replaced, cst.Module) and replaced.code == expected else None


@dataclass
class Planned:
    """One finding as a Fixit rule reports it."""

    node: cst.CSTNode
    position: CodeRange
    message: str
    replacement: Optional[cst.CSTNode] = None


def diagnose(text: str, path: Optional[Path], encoding: str = "utf-8") -> List[Diagnostic]:
    """numlint's findings on `text`, the module at `path` (its configuration, its project),
    as `numlint check` reports them. Never raises: a failure is one NL905 finding."""
    shown = str(path) if path is not None else "<stdin>"
    try:
        from numlint.run.config import config_for_path
        from numlint.run.project import index_for
        try:
            config = config_for_path(path if path is not None else Path.cwd())
        except Exception as exc:  # an invalid [tool.numlint]: numlint cannot check the file
            return [_failure(shown, f"numlint cannot check the file: {exc}")]
        size = len(text.encode(encoding, errors="replace"))
        if size > config.max_file_size:
            return [_check.meta_diagnostic(
                "NL906", shown, f"file too large ({size:,} bytes > max-file-size "
                                f"{config.max_file_size:,}): skipped")]
        project = index_for(config, shown) if path is not None else None
        return _check.check_module(text, shown, config, project).diagnostics
    except Exception as exc:  # a bug: reported on the file, never raised into Fixit
        return [_failure(shown, f"internal error while checking the file: "
                                f"{type(exc).__name__}: {exc}")]


def _failure(path: str, message: str) -> Diagnostic:
    """An NL905 finding built without the registry (which may be what failed)."""
    return Diagnostic(code="NL905", name="internal-error", message=message, path=path,
                      start=Position(1, 1), end=Position(1, 1), error=True)


_cache: "OrderedDict[int, Analysis]" = OrderedDict()
_cache_lock = threading.Lock()
_CACHED_MODULES = 8


def analysis_of(module: cst.Module, path: Optional[Path]) -> Analysis:
    """The module's analysis: computed by the first rule that visits it, shared by the
    others (the same module object: Fixit runs every rule on one parsed module)."""
    key = id(module)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None and found.module is module and found.path == path:
            _cache.move_to_end(key)
            return found
        found = Analysis(module, path)
        _cache[key] = found
        while len(_cache) > _CACHED_MODULES:
            _cache.popitem(last=False)
        return found


# -- the rules -------------------------------------------------------------------------------------


class NumlintRule(LintRule):
    """A numlint rule inside Fixit: reports the findings of its code in numlint's analysis
    of the module (never re-checked per rule). Not a rule itself: `numlint.fixit` holds one
    subclass per numlint rule.

    Each rule joins the module's analysis when it visits the module and reports when it
    leaves it: by then every enabled rule has joined, and the fixes can be chosen knowing
    which findings Fixit shows (`Analysis.plan`)."""

    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider) + (
        (FilePathProvider,) if FilePathProvider is not None else ())
    CODE = ""
    VALID: List[Any] = []
    INVALID: List[Any] = []

    def visit_Module(self, node: cst.Module) -> None:
        if not self.CODE:
            return
        try:
            path = (self.get_metadata(FilePathProvider, node, None)
                    if FilePathProvider is not None else None)
            self._analysis: Optional[Analysis] = analysis_of(node, path)
            self._analysis.join(self)
        except Exception as exc:  # pragma: no cover - `diagnose` already contains failures
            self._analysis = None
            self._failed = exc

    def get_visitors(self) -> Dict[str, Callable[[cst.CSTNode], None]]:
        """The rule visits the module alone. libcst's default finds a visitor's methods with
        `inspect.getmembers`, over the thousand or so `visit_*`/`leave_*` of every visitor:
        1.4 ms per rule and module, 50 ms a module for numlint's rules, five times numlint's
        own analysis. Each is wrapped with Fixit's timing hook, as `LintRule.get_visitors`
        does."""
        def timed(name: str, method: Callable[[Any], None]) -> Callable[[cst.CSTNode], None]:
            def visit(node: cst.CSTNode) -> None:
                hook = getattr(self, "_visit_hook", None)
                if hook:
                    with hook(name):
                        return method(node)
                return method(node)
            return visit

        return {name: timed(f"{type(self).__name__}.{name}", getattr(self, name))
                for name in ("visit_Module", "leave_Module")}

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.CODE:
            return
        analysis = getattr(self, "_analysis", None)
        if analysis is None:
            if self.CODE == "NL905":
                exc = getattr(self, "_failed", None)
                self.report(original_node, f"internal error in numlint's Fixit rules: "
                                           f"{type(exc).__name__}: {exc}",
                            position=CodePosition(1, 0))
            return
        try:
            planned = analysis.plan(self).get(self.CODE, ())
        except Exception:  # the mapping failed: numlint's findings on the module, no fix
            planned = [Planned(original_node, _range(d), d.message, None)
                       for d in analysis.by_code.get(self.CODE, ())]
        for item in planned:
            self.report(item.node, item.message, position=item.position,
                        replacement=item.replacement)


def _range(diagnostic: Diagnostic) -> CodeRange:
    """numlint's range (1-based character columns) in libcst's terms (0-based)."""
    return CodeRange(CodePosition(diagnostic.start.row, diagnostic.start.column - 1),
                     CodePosition(diagnostic.end.row, diagnostic.end.column - 1))


class _Cases:
    """A rule class's VALID or INVALID cases, made from numlint's examples when they are
    first read (`fixit test`; Fixit's visitor also reads every attribute of its rules), not
    when the rules are loaded. Plain data: no analysis runs to make them."""

    def __init__(self, kind: str):
        self.kind = kind

    def __get__(self, instance: Any, owner: Any) -> List[Any]:
        code = owner.__dict__.get("CODE", "")
        if RULES.get(code) is not owner:
            return []  # the class is being created (Fixit's __init_subclass__ looks)
        key = (code, Path.cwd())
        with _cases_lock:
            if key not in _cases:
                _cases[key] = test_cases(_rule(code), key[1])
            return _cases[key][0 if self.kind == "VALID" else 1]


_cases: Dict[Tuple[str, Path], Tuple[List[Any], List[Any]]] = {}
_cases_lock = threading.Lock()


def _rule(code: str) -> Rule:
    return next(rule for rule in all_rules() if rule.code == code)


def test_cases(rule: Rule, where: Optional[Path] = None) -> Tuple[List[Any], List[Any]]:
    """Fixit's VALID and INVALID cases of `rule`, from its examples.

    `fixit test` runs them as modules at `valid.py` and `invalid.py` in the working directory
    (`where`), with numlint's configuration there: a rule that configuration does not enable
    (an opt-in rule not selected, an ignored one) keeps its VALID cases only. An INVALID case
    with a safe fix expects numlint's fixed module as the replacement: one Fixit run gives it
    for every example of the catalog, with the import clean-up numlint's `fixed` shows
    (`reproduces_fix`, checked by tests/test_fixit.py)."""
    where = where or Path.cwd()
    valid: List[Any] = [Valid(example.code) for example in rule.examples if example.good]
    try:
        from numlint.run.config import config_for_path
        enabled = rule.code in config_for_path(where / "invalid.py").enabled_codes()
    except Exception:
        enabled = False
    invalid: List[Any] = []
    if enabled:
        for example in rule.examples:
            if not example.good:
                safe = example.fixed is not None and not example.unsafe
                invalid.append(Invalid(example.code,
                                       expected_replacement=example.fixed if safe else None))
    return valid, invalid


def reproduces_fix(rule: Rule, example: Example, where: Path) -> bool:
    """Whether one `fixit fix` run of the rule on the example gives its `fixed` (with the
    import clean-up numlint's fix calls for), as `fixit test` checks it: Fixit's own engine
    runs the rule on the module `invalid.py` in `where` and applies every replacement."""
    if example.fixed is None or example.unsafe:
        return False
    from fixit.engine import LintRunner
    from fixit.ftypes import Config
    path = where / "invalid.py"
    runner = LintRunner(path, example.code.encode())
    reports = list(runner.collect_violations([RULES[rule.code]()], Config(path=path)))
    if not reports or not any(report.replacement for report in reports):
        return False
    return bool(runner.apply_replacements(reports).bytes.decode() == example.fixed)


def _make_rule(rule: Rule) -> Type[NumlintRule]:
    documentation = f"{rule.code} ({rule.name}): {rule.summary}."
    if rule.what:
        documentation += f"\n\n{rule.what}"
    namespace: Dict[str, Any] = {
        "__doc__": documentation,
        "__module__": "numlint.fixit",
        "__qualname__": rule.code,
        "CODE": rule.code,
        "TAGS": {"numlint", rule.name, *rule.frameworks},
        "VALID": _Cases("VALID"),
        "INVALID": _Cases("INVALID"),
        # Whether the rule has fixes Fixit applies (its safe ones).
        "AUTOFIX": any(e.fixed is not None and not e.unsafe for e in rule.examples),
    }
    made: Type[NumlintRule] = type(rule.code, (NumlintRule,), namespace)
    return made


def _make_rules(rules: Sequence[Rule]) -> Dict[str, Type[NumlintRule]]:
    made: Dict[str, Type[NumlintRule]] = {}
    for rule in rules:
        made[rule.code] = _make_rule(rule)
        RULES[rule.code] = made[rule.code]
    return made


RULES: Dict[str, Type[NumlintRule]] = {}
_make_rules(all_rules())

__all__ = ["RULES", "NumlintRule", "Analysis", "analysis_of", "diagnose", "test_cases"]
