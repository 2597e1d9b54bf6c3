"""Fuzzing as a test: generated programs with the catalog's hazards spliced in.

Programs are built from hypothesmith's modules (odd but valid Python: tabs, form feeds, `\\r`
line ends, unicode names) and from generated scaffolds of nested functions, classes and
branches; the code of every rule example (bad and good) is spliced in at statement positions:
whole example modules anywhere, an example function's body inside functions. On each program:

* `check_source` and `fix_source` (safe, and with unsafe fixes) raise nothing and report no
  internal error (NL905), and no syntax error (NL901) on code that parses;
* every fixed text parses, and compiles if the program did;
* a second fix changes nothing, and the findings left after fixing are those a check gives;
* the command line (a temporary project) never exits with 2 and reports the same findings cold,
  warm from its cache, without the cache, with one job and with two; its `--fix` writes only
  files that parse, and a second `--fix` changes nothing.

The fast variant runs in every test run (a fixed derandomized seed, no example database: the
same programs every time). The long variant (thousands of programs, every failure collected
rather than the first one shrunk) and the site-packages sweep (`tests/test_sweep.py`) run
only with `NUMLINT_FUZZ=long`.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import traceback
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from numlint.engine.check import check_source, fix_source
from numlint.engine.registry import all_rules
from numlint.engine.settings import Config

LONG = os.environ.get("NUMLINT_FUZZ", "") == "long"
long_only = pytest.mark.skipif(
    not LONG, reason="long fuzzing: run with NUMLINT_FUZZ=long python -m pytest "
                     "tests/test_fuzz.py tests/test_sweep.py -m slow -s")

# Every rule, the opt-in ones too (they are selected by code).
CODES: Tuple[str, ...] = tuple(rule.code for rule in all_rules())
CONFIG = Config(select=CODES)
INTERNAL = {"NL905"}

# -- the hazards ------------------------------------------------------------------------------


def _function_body(code: str) -> Optional[Tuple[str, str]]:
    """(imports, body) of an example's last top-level function: its module's imports and
    the statements of the function, dedented."""
    tree = ast.parse(code)
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not functions:
        return None
    function = functions[-1]
    lines = code.splitlines(keepends=True)
    first, last = function.body[0].lineno, function.body[-1].end_lineno
    if function.body[0].lineno == function.lineno:
        return None  # `def f(x): return ...` on one line
    body = textwrap.dedent("".join(lines[first - 1:last]))
    imports = "".join(ast.get_source_segment(code, n) + "\n" for n in tree.body
                      if isinstance(n, (ast.Import, ast.ImportFrom)))
    return imports, body


def _hazards() -> Tuple[List[str], List[Tuple[str, str]]]:
    modules, bodies = [], []
    for rule in all_rules():
        for example in rule.examples:
            code = example.code if example.code.endswith("\n") else example.code + "\n"
            modules.append(code)
            body = _function_body(code)
            if body is not None:
                bodies.append(body)
    return modules, bodies


HAZARD_MODULES, HAZARD_BODIES = _hazards()

# -- splicing ---------------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def physical_lines(text: str) -> List[str]:
    """The lines as Python counts them (`\\r\\n`, `\\r` and `\\n` end a line), with their ends."""
    return _LINE.findall(text)


def compiles(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<fuzz>", "exec", dont_inherit=True)
            return True
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return False


def parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
            return True
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return False


Slot = Tuple[int, str, bool]  # (0-based line to insert before, indentation, inside a function)


def slots(text: str) -> List[Slot]:
    """Where a statement may be inserted: before any statement that starts its line, with that
    statement's indentation, and at the end of the module."""
    lines = physical_lines(text)
    found: List[Slot] = []
    tree = ast.parse(text)

    def visit(node: ast.AST, in_function: bool) -> None:
        for field_name, value in ast.iter_fields(node):
            if not isinstance(value, list):
                continue
            for child in value:
                if isinstance(child, ast.stmt):
                    line = lines[child.lineno - 1] if child.lineno <= len(lines) else ""
                    prefix = line.encode("utf-8")[:child.col_offset].decode("utf-8", "replace")
                    if prefix.strip(" \t\f") == "":
                        found.append((child.lineno - 1, prefix, in_function))
                if isinstance(child, ast.AST):
                    inner = in_function or isinstance(child, (ast.FunctionDef,
                                                              ast.AsyncFunctionDef))
                    if isinstance(child, ast.ClassDef):
                        inner = False
                    visit(child, inner)

    visit(tree, False)
    found.append((len(lines), "", False))
    return found


def indent(snippet: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line
                   for line in snippet.splitlines(keepends=True))


def splice(base: str, choices: Sequence[Tuple[int, int, int]]) -> str:
    """Insert hazards into `base`: each choice picks a slot, a hazard and its form (0: an
    example module, 1: an example function's body, only in a function). Insertions that
    would not compile are left out, so the program stays valid Python."""
    text = base if base.endswith(("\n", "\r")) or not base else base + "\n"
    available = slots(text)
    picked = sorted({(available[s % len(available)], h, form) for s, h, form in choices},
                    key=lambda c: -c[0][0])
    for (line, prefix, in_function), hazard, form in picked:
        if form == 1 and in_function and HAZARD_BODIES:
            imports, body = HAZARD_BODIES[hazard % len(HAZARD_BODIES)]
            snippet = imports + body
        else:
            snippet = HAZARD_MODULES[hazard % len(HAZARD_MODULES)]
        lines = physical_lines(text)
        candidate = "".join(lines[:line]) + indent(snippet, prefix) + "".join(lines[line:])
        if compiles(candidate):
            text = candidate
    return text


# -- strategies -------------------------------------------------------------------------------

HEADERS = (
    "def f{n}(x, y=None, *args, **kw):",
    "async def g{n}(x, xp):",
    "class C{n}(Base):",
    "class M{n}(nn.Module):\n{i}def forward(self, x):",
    "if x > {n}:",
    "for i{n} in range(3):",
    "while x:",
    "with ctx() as c{n}:",
    "@decorator\ndef h{n}(x):",
)
CLAUSES = (("try:", ("except ImportError:", "except Exception as e:", "finally:")),
           ("if y:", ("elif z:", "else:")),
           ("match x:", ()))
LEAVES = ("pass", "x = 1", "y = x", "print(x)", "z = np.log(x)", "...")


@st.composite
def scaffolds(draw, depth: int = 0) -> List[str]:
    """Lines of a block (relative indentation `{i}` per level): nested functions, classes,
    branches, loops, handlers, `match`."""
    lines: List[str] = []
    for n in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3 if depth < 3 else 0))
        if kind == 0:
            lines.append(draw(st.sampled_from(LEAVES)))
        elif kind in (1, 2):
            header = draw(st.sampled_from(HEADERS)).format(n=depth * 10 + n, i="{i}")
            header_lines = header.split("\n")
            body = draw(scaffolds(depth + 1))
            extra = "{i}" if "def forward" in header else ""
            lines.extend(header_lines)
            lines.extend("{i}" + extra + line for line in body)
        else:
            head, others = draw(st.sampled_from(CLAUSES))
            if head == "match x:":
                lines.append(head)
                for case in ("case 1:", "case [a, *rest]:", "case _:"):
                    lines.append("{i}" + case)
                    lines.extend("{i}{i}" + line for line in draw(scaffolds(depth + 1)))
                continue
            lines.append(head)
            lines.extend("{i}" + line for line in draw(scaffolds(depth + 1)))
            clauses = [c for c in others if c not in ("else:", "finally:")]
            chosen = draw(st.lists(st.sampled_from(clauses), max_size=2)) if clauses else []
            if head == "try:" and not chosen:
                chosen = ["finally:"]
            elif others and draw(st.booleans()):
                chosen.append(others[-1])  # else: / finally:
            for clause in chosen:
                lines.append(clause)
                lines.extend("{i}" + line for line in draw(scaffolds(depth + 1)))
    return lines


@st.composite
def scaffold_modules(draw) -> str:
    unit = draw(st.sampled_from(("    ", "  ", "\t")))
    newline = draw(st.sampled_from(("\n", "\n", "\r\n")))
    head = "import numpy as np\n" if draw(st.booleans()) else ""
    text = head + newline.join(line.replace("{i}", unit) for line in draw(scaffolds())) + newline
    return text if compiles(text) else "pass\n"


# Built once: each call of from_grammar() builds a LALR parser of Python's grammar (seconds).
GRAMMAR = hypothesmith.from_grammar()


@st.composite
def programs(draw) -> str:
    """A valid Python module with hazards spliced in."""
    base = draw(st.one_of(scaffold_modules(), GRAMMAR,
                          st.tuples(scaffold_modules(), GRAMMAR).map(
                              lambda pair: pair[1] + "\n" + pair[0])))
    if not compiles(base):
        base = "pass\n"
    choices = draw(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000),
                                      st.integers(0, 1)), min_size=1, max_size=5))
    return splice(base, choices)


# -- the invariants ---------------------------------------------------------------------------


def _codes(diagnostics) -> List[Tuple[str, int, int, str]]:
    return [(d.code, d.start.row, d.start.column, d.message) for d in diagnostics]


def violations(source, name: str = "fuzz.py", config: Config = CONFIG,
               unsafe_modes: Sequence[bool] = (False, True)) -> List[str]:
    """What is wrong with numlint on one module (text or bytes); [] when all is well."""
    problems: List[str] = []
    if isinstance(source, bytes):
        try:
            text: Optional[str] = source.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    else:
        text = source
    valid = text is not None and parses(text)
    compiled = valid and text is not None and compiles(text)
    try:
        found = check_source(source, name, config)
    except Exception:
        return [f"check_source raised:\n{traceback.format_exc()}"]
    for d in found:
        if d.code in INTERNAL:
            problems.append(f"check: {d.code} {d.message}")
        if d.code == "NL901" and valid:
            problems.append(f"check: NL901 on code that parses: {d.message}")
    for unsafe in unsafe_modes:
        label = "fix --unsafe-fixes" if unsafe else "fix"
        try:
            result = fix_source(source, name, config, unsafe=unsafe)
        except Exception:
            problems.append(f"{label}: fix_source raised:\n{traceback.format_exc()}")
            continue
        for d in result.diagnostics:
            if d.code in INTERNAL:
                problems.append(f"{label}: {d.code} {d.message}")
        if not result.changed:
            continue
        fixed = result.source.text
        if not parses(fixed):
            problems.append(f"{label}: the fixed text does not parse")
            continue
        if compiled and not compiles(fixed):
            problems.append(f"{label}: the fixed text no longer compiles")
        try:
            again = fix_source(result.source, name, config, unsafe=unsafe)
        except Exception:
            problems.append(f"{label}: the second fix_source raised:\n{traceback.format_exc()}")
            continue
        if again.changed:
            problems.append(f"{label}: a second fix changed the text again:\n"
                            + _diff(fixed, again.source.text))
        if _codes(again.diagnostics) != _codes(result.diagnostics):
            problems.append(f"{label}: the findings left after fixing are not a check's: "
                            f"{_codes(result.diagnostics)} != {_codes(again.diagnostics)}")
    return problems


def _diff(before: str, after: str) -> str:
    import difflib
    return "".join(list(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                             "first fix", "second fix"))[:40])


# -- the command line -------------------------------------------------------------------------


def run_cli(directory: Path, *args: str, timeout: float = 3600) -> Tuple[int, list, str]:
    """`numlint check . --output-format json --exit-zero` in `directory`: (exit status,
    findings, standard error)."""
    environment = dict(os.environ)
    environment.pop("NUMLINT_OUTPUT_FORMAT", None)
    completed = subprocess.run(
        [sys.executable, "-m", "numlint", "check", ".", "--output-format", "json",
         "--exit-zero", "--select", ",".join(c for c in CODES if not c.startswith("NL9")),
         *args], cwd=directory, capture_output=True, env=environment, timeout=timeout)
    out = completed.stdout.decode("utf-8", "replace")
    try:
        findings = json.loads(out) if out.strip() else []
    except json.JSONDecodeError:
        findings = [{"unparsable output": out[:2000]}]
    return completed.returncode, findings, completed.stderr.decode("utf-8", "replace")


def _key(finding: dict) -> str:
    return json.dumps(finding, sort_keys=True)


def cli_violations(tree: Path, scratch: Path, timeout: float = 3600) -> List[str]:
    """Run the command line over `tree` (a project of modules) the ways that must agree, then
    fix a copy of it twice; what went wrong."""
    problems: List[str] = []
    runs: Dict[str, list] = {}
    for label, args in (("cold, 2 jobs", ("--jobs", "2")),
                        ("warm, 2 jobs", ("--jobs", "2")),
                        ("no cache, 1 job", ("--no-cache", "--jobs", "1")),
                        ("no cache, 2 jobs", ("--no-cache", "--jobs", "2"))):
        status, findings, stderr = run_cli(tree, *args, timeout=timeout)
        if status != 0:
            problems.append(f"{label}: exit status {status}: {stderr[-2000:]}")
        internal = [f for f in findings if f.get("code") in INTERNAL or "code" not in f]
        problems.extend(f"{label}: {f}" for f in internal)
        runs[label] = sorted(map(_key, findings))
    reference = runs["no cache, 1 job"]
    for label, found in runs.items():
        if found != reference:
            only = sorted(set(found) ^ set(reference))[:10]
            problems.append(f"{label} differs from one job without the cache: {only}")
    copy = scratch / "fixed"
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(".numlint_cache"))
    status, _, stderr = run_cli(copy, "--fix", "--unsafe-fixes", "--no-cache", "--jobs", "2",
                                timeout=timeout)
    if status != 0:
        problems.append(f"--fix: exit status {status}: {stderr[-2000:]}")
    before = {p: p.read_bytes() for p in sorted(copy.rglob("*.py"))}
    for path, data in before.items():
        original = (tree / path.relative_to(copy)).read_bytes()
        if data != original and not parses(data.decode("utf-8", "replace")):
            problems.append(f"--fix: {path.relative_to(copy)} no longer parses")
    status, _, stderr = run_cli(copy, "--fix", "--unsafe-fixes", "--no-cache", "--jobs", "2",
                                timeout=timeout)
    if status != 0:
        problems.append(f"second --fix: exit status {status}: {stderr[-2000:]}")
    for path, data in before.items():
        if path.read_bytes() != data:
            problems.append(f"second --fix changed {path.relative_to(copy)}")
    return problems


def write_project(directory: Path, modules: Sequence[str]) -> None:
    """A package of `modules`, padded with comments so that two jobs use the process pool
    (numlint.run.pool checks small trees in one process)."""
    package = directory / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    padding = "# padding\n" * 3000
    for index, module in enumerate(modules):
        (package / f"m{index:03d}.py").write_text(module + "\n" + padding, encoding="utf-8",
                                                  newline="")


# -- the tests --------------------------------------------------------------------------------

FAST = settings(max_examples=80, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), print_blob=True)


def test_every_example_is_a_hazard_source():
    assert len(HAZARD_MODULES) > 300 and len(HAZARD_BODIES) > 200
    assert all(compiles(code) for code in HAZARD_MODULES)


def test_splicing_puts_hazards_in_functions_classes_and_branches():
    base = ("class A:\n\tdef m(self, x):\n\t\tif x:\n\t\t\tpass\n\t\telse:\n\t\t\tpass\n"
            "def f(y):\r\n    for i in y:\r\n        pass\r\n")
    places = slots(base)
    assert [(line, prefix) for line, prefix, _ in places] == [
        (0, ""), (1, "\t"), (2, "\t\t"), (3, "\t\t\t"), (5, "\t\t\t"), (6, ""), (7, "    "),
        (8, "        "), (9, "")]
    assert [inside for _, _, inside in places] == [False, False, True, True, True, False,
                                                   True, True, False]
    for i in range(len(places)):
        one = splice(base, [(i, i, 1)])
        assert one != base and compiles(one)
    spliced = splice(base, [(i, i, 1) for i in range(len(places))])
    assert compiles(spliced)
    assert spliced.count("\n") > base.count("\n") + 3 * len(places)
    assert check_source(spliced, "s.py", CONFIG), "hazards spliced in are found"


def test_the_invariants_can_fail(monkeypatch):
    """The oracle is live: a fixer that is not idempotent, a fix that breaks the code and a
    check that raises are each reported."""
    import test_fuzz
    from numlint.engine.source import SourceText
    program = HAZARD_MODULES[0]
    assert violations(program) == []
    real = test_fuzz.fix_source

    def growing(source, *args, **kwargs):
        result = real(source, *args, **kwargs)
        result.source = SourceText(result.source.text + "x = 1\n")
        return result

    monkeypatch.setattr(test_fuzz, "fix_source", growing)
    assert any("second fix changed" in p for p in violations(program))

    def breaking(source, *args, **kwargs):
        result = real(source, *args, **kwargs)
        result.source = SourceText(result.source.text + "def (:\n")
        return result

    monkeypatch.setattr(test_fuzz, "fix_source", breaking)
    assert any("does not parse" in p for p in violations(program))
    monkeypatch.setattr(test_fuzz, "fix_source", real)

    def raising(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(test_fuzz, "check_source", raising)
    assert violations(program)[0].startswith("check_source raised")


@FAST
@given(programs())
def test_fuzz_programs(program):
    assert compiles(program)
    assert violations(program) == []


@settings(FAST, max_examples=2)
@given(st.lists(programs(), min_size=8, max_size=10))
def test_fuzz_command_line(tmp_path_factory, modules):
    root = tmp_path_factory.mktemp("fuzz")
    write_project(root / "project", modules)
    assert cli_violations(root / "project", root) == []


# -- the long variant -------------------------------------------------------------------------

LOG = Path(os.environ.get("NUMLINT_FUZZ_LOG", "/tmp/numlint-fuzz-long.jsonl"))
PROGRAMS = int(os.environ.get("NUMLINT_FUZZ_PROGRAMS", "3000"))
PROJECTS = int(os.environ.get("NUMLINT_FUZZ_PROJECTS", "20"))


def _collect(kind: str, found: list, program, problems) -> None:
    found.append(problems)
    with LOG.open("a", encoding="utf-8") as log:
        log.write(json.dumps({"kind": kind, "program": program, "problems": problems}) + "\n")


@pytest.mark.slow
@long_only
def test_fuzz_long_programs():
    """Thousands of programs; every failing one is logged (NUMLINT_FUZZ_LOG), not shrunk."""
    found: list = []
    count = [0]

    @settings(max_examples=PROGRAMS, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(programs())
    def run(program):
        count[0] += 1
        problems = violations(program)
        if problems:
            _collect("program", found, program, problems)

    run()
    print(f"\nfuzzed {count[0]} programs, {len(found)} failing (log: {LOG})")
    assert not found, f"{len(found)} failing programs, see {LOG}"


@pytest.mark.slow
@long_only
def test_fuzz_long_command_line(tmp_path_factory):
    found: list = []
    count = [0]

    @settings(max_examples=PROJECTS, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(st.lists(programs(), min_size=10, max_size=30))
    def run(modules):
        count[0] += 1
        root = tmp_path_factory.mktemp("fuzz")
        write_project(root / "project", modules)
        problems = cli_violations(root / "project", root)
        if problems:
            _collect("project", found, modules, problems)

    run()
    print(f"\nfuzzed {count[0]} projects through the command line, {len(found)} failing")
    assert not found, f"{len(found)} failing projects, see {LOG}"
