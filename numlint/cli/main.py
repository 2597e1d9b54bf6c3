"""The command line: `numlint check`, `numlint rule`, `numlint rules`, `numlint server`,
`numlint --version`.

Exit status (as Ruff; docs/exit-codes.md): 0 nothing found (or everything fixed), 1 findings
remain, a file could not be read or parsed (NL901-NL904, NL906: findings too), or with --diff
there are fixes to apply; --exit-zero turns 1 into 0. 2 a usage or configuration error, or an
internal failure (numlint itself failed: NL905, a report that cannot be written, a crash).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click

from numlint import __version__
from numlint.run.config import Config, ConfigError, config_for_path, validate_selectors
from numlint.run.mode import Mode
from numlint.cli.output import FORMATS, STATISTICS_FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Diagnostics that are numlint's own failure (exit 2), not a finding about the file.
INTERNAL_FAILURES = frozenset({"NL905"})


def _split_codes(ctx, param, values: Tuple[str, ...]) -> Optional[Tuple[str, ...]]:
    """`--select NL101,NL102 --select NL2` -> ("NL101", "NL102", "NL2")."""
    if not values:
        return None
    if any(not v.replace(",", "").strip() for v in values):
        # `--select ""` would select nothing and report "All checks passed!" (Ruff refuses it)
        raise click.BadParameter("an empty list of codes: give rule codes or prefixes "
                                 "(e.g. NL1, NL102; ALL for every rule)", ctx=ctx, param=param)
    codes = tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())
    try:
        validate_selectors(codes, f"--{param.name.replace('_', '-')}")
    except ConfigError as exc:
        raise click.BadParameter(str(exc).split(" in --")[0], ctx=ctx, param=param) from None
    return codes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="numlint",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """numlint: find numerical hazards in NumPy, SciPy, PyTorch, TensorFlow and JAX code,
    and rewrite them to the stable equivalent."""


@cli.command()
# Not `readable=True`: a path that cannot be read is a finding on it (NL902), as in Ruff, and
# the other paths are still checked.
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--fix/--no-fix", default=False, help="Apply safe fixes.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=False,
              help="Also apply (with --fix) or show unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the fixes as a diff instead of writing them.")
@click.option("--select", multiple=True, callback=_split_codes, metavar="CODES",
              help="Rule codes or prefixes to enable (replaces the configuration's).")
@click.option("--ignore", multiple=True, callback=_split_codes, metavar="CODES",
              help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, callback=_split_codes, metavar="CODES",
              help="Rule codes or prefixes to enable in addition.")
@click.option("--output-format", type=click.Choice(sorted(FORMATS)), default=None,
              envvar="NUMLINT_OUTPUT_FORMAT",
              help="How to print findings (default: `output-format` in [tool.numlint], "
                   "else text).")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path),
              envvar="NUMLINT_OUTPUT_FILE", metavar="PATH",
              help="Write the report to PATH instead of stdout (parent directories are created).")
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even if findings remain.")
@click.option("--stdin-filename", metavar="PATH",
              help="The name of the file read from stdin (`-`), for messages and configuration.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              envvar="NUMLINT_JOBS", help="Processes to check files with (default: the cores).")
@click.option("-n", "--no-cache", is_flag=True,
              help="Neither read nor write the cache (.numlint_cache/ in the project root).")
@click.option("--force-exclude/--no-force-exclude", default=None,
              help="Apply exclude and extend-exclude to files named on the command line too "
                   "(for pre-commit, which names every file).")
@click.option("--show-files", is_flag=True,
              help="List the files that would be checked, and stop.")
@click.option("--show-settings", is_flag=True,
              help="Print the configuration that applies to the first file, and stop.")
@click.option("--add-noqa", is_flag=True,
              help="Suppress every current finding with a `# noqa: CODE` comment on its line.")
def check(paths: Tuple[Path, ...], fix: bool, unsafe_fixes: bool, diff: bool,
          select, ignore, extend_select, output_format: str, output_file: Optional[Path],
          statistics: bool, exit_zero: bool, stdin_filename: Optional[str],
          jobs: Optional[int] = None, no_cache: bool = False,
          force_exclude: Optional[bool] = None, show_files: bool = False,
          show_settings: bool = False, add_noqa: bool = False) -> None:
    """Check PATHS (files or directories; default `.`; `-` reads stdin)."""
    overrides = dict(select=select, ignore=ignore or (), extend_select=extend_select or ())
    overrides["force_exclude"] = force_exclude
    if add_noqa:
        if fix or diff or Path("-") in paths or stdin_filename:
            raise click.UsageError("--add-noqa cannot be combined with --fix, --diff or stdin")
        try:
            sys.exit(_add_noqa(paths or (Path("."),), overrides, jobs=jobs,
                               use_cache=not no_cache, exit_zero=exit_zero))
        except ConfigError as exc:
            _error(str(exc))
            sys.exit(EXIT_ERROR)
    if show_files or show_settings:
        if Path("-") in paths:
            raise click.UsageError("--show-files and --show-settings take paths, not stdin")
        try:
            _show_files_or_settings(paths or (Path("."),), overrides, files=show_files,
                                    settings=show_settings)
        except ConfigError as exc:
            _error(str(exc))
            sys.exit(EXIT_ERROR)
        sys.exit(EXIT_OK)
    try:
        if output_format is None:  # the flag, then the environment, then the configuration
            output_format = _configured_output_format(config_for_path(Path.cwd()))
    except ConfigError as exc:
        _error(str(exc))
        sys.exit(EXIT_ERROR)
    if statistics and output_format not in STATISTICS_FORMATS:
        raise click.UsageError(f"--statistics cannot be used with --output-format "
                               f"{output_format} (use {', '.join(STATISTICS_FORMATS)})")
    mode = Mode.from_flags(fix=fix, diff=diff, unsafe=unsafe_fixes)
    try:
        if paths == (Path("-"),) or (not paths and stdin_filename):
            code = _check_stdin(stdin_filename, overrides, mode, output_format,
                                statistics=statistics,
                                exit_zero=exit_zero, output_file=output_file)
        else:
            if Path("-") in paths:
                raise click.UsageError("`-` (stdin) cannot be combined with other paths")
            code = _check_paths(paths or (Path("."),), overrides, mode, output_format,
                                statistics=statistics,
                                exit_zero=exit_zero, output_file=output_file,
                                jobs=jobs, use_cache=not no_cache)
    except ConfigError as exc:
        _error(str(exc))
        code = EXIT_ERROR
    sys.exit(code)


def _configure(path: Path, overrides, memo: Optional[dict] = None) -> Config:
    """The configuration for `path` with the command line's overrides. With `memo`, one
    object per configuration file (not per directory): each compiles its patterns once."""
    base = config_for_path(path)
    if memo is None:
        return base.with_overrides(**overrides)
    if base not in memo:
        memo[base] = base.with_overrides(**overrides)
    return memo[base]


def _resolver(overrides):
    """`config_for(path)` for one run: per directory, with the command line's overrides,
    one object per configuration file."""
    configs: dict = {}
    overridden: dict = {}

    def config_for(path: Path) -> Config:
        directory = Path(os.path.abspath(path if path.is_dir() else path.parent))
        if directory not in configs:
            configs[directory] = _configure(directory, overrides, overridden)
        return configs[directory]

    return config_for


def _configured_output_format(config: Config) -> str:
    """The `output-format` key of the working directory's configuration, checked against the
    formats this command knows."""
    name = config.output_format
    if name is None:
        return "text"
    if name not in FORMATS:
        where = f"{config.source} [tool.numlint]" if config.source is not None \
            and config.source.name == "pyproject.toml" else str(config.source)
        raise ConfigError(f"{where}: 'output-format' must be one of {', '.join(sorted(FORMATS))}")
    return name


def _check_paths(paths: Sequence[Path], overrides, mode: Mode, output_format, *,
                 statistics, exit_zero, output_file=None, jobs=None, use_cache=True) -> int:
    from numlint.engine.check import meta_diagnostic
    from numlint.run.discovery import discover
    from numlint.run.pool import check_files
    from numlint.run.report import FileResult, Report
    from numlint.run.runner import display_path

    config_for = _resolver(overrides)
    report = Report(mode=mode)
    slots: list = []  # a FileResult, or the index of the file in `files`
    files: List[Tuple[Path, Config]] = []
    for found in discover(paths, config_for):
        if found.error is not None:
            shown = display_path(found.path)
            what = "directory" if os.path.isdir(found.path) else "file"
            slots.append(FileResult(shown, [meta_diagnostic(
                "NL902", shown, f"cannot read the {what}: {found.error}")]))
            continue
        slots.append(len(files))
        assert found.config is not None  # discovery gives every readable file its configuration
        files.append((found.path, found.config))
    cache = None
    if use_cache and not mode.fixing and files:
        from numlint.run.cache import open_cache
        cache = open_cache()
    checked = check_files(files, mode, jobs=jobs, cache=cache)
    report.results.extend(checked[s] if isinstance(s, int) else s for s in slots)
    return _finish(report, output_format, statistics, exit_zero, output_file=output_file)


def _add_noqa(paths: Sequence[Path], overrides, *, jobs=None, use_cache=True,
              exit_zero=False) -> int:
    """`--add-noqa`: check, then write a `# noqa: CODES` directive on the line of every finding
    (merged into an existing one), as Ruff does to adopt a linter on existing code. Files are
    written atomically and only if they still parse; notebooks are left alone."""
    from numlint.engine import noqa
    from numlint.engine.check import parses
    from numlint.run.discovery import describe_os_error, discover
    from numlint.run.notebook import is_notebook
    from numlint.run.pool import check_files
    from numlint.run.runner import read_source, write_fixed

    config_for = _resolver(overrides)
    files = [(found.path, found.config) for found in discover(paths, config_for)
             if found.error is None and found.config is not None]
    cache = None
    if use_cache and files:
        from numlint.run.cache import open_cache
        cache = open_cache()
    total = 0
    errors = False     # numlint failed: exit 2
    unchecked = False  # a file could not be read or parsed: a finding left, exit 1
    for (path, config), result in zip(files, check_files(files, jobs=jobs, cache=cache)):
        findings = [d for d in result.diagnostics if not d.error]
        for error in (d for d in result.diagnostics if d.error):  # not checked: say why
            click.echo(f"{error.path}:{error.start.row}:{error.start.column}: {error.code} "
                       f"{error.message}", err=True)
            errors = errors or error.code in INTERNAL_FAILURES
            unchecked = True
        if not findings:
            continue
        if is_notebook(path):
            click.echo(f"{result.path}: notebooks are not supported by --add-noqa: skipped",
                       err=True)
            continue
        source = read_source(path, config)
        if not hasattr(source, "text") or source.text != result.text():
            click.echo(f"{result.path}: changed while being checked: skipped", err=True)
            continue
        text, added, skipped = noqa.add_directives(source, findings)
        for row in skipped:
            click.echo(f"{result.path}:{row}: not suppressed: no comment can be placed for "
                       f"this line (lone carriage-return line ends make rows ambiguous)",
                       err=True)
        if not added:
            continue
        if not parses(text):  # as fixes: only code that parses again is written
            _error(f"{result.path}: not written: the directives would break the parse")
            errors = True
            continue
        try:
            write_fixed(path, source.to_bytes(text))
        except OSError as exc:
            _error(f"{result.path}: not written: {describe_os_error(exc)}")
            errors = True
            continue
        total += added
    click.echo(f"Added {total} noqa directive{'' if total == 1 else 's'}.")
    return EXIT_ERROR if errors else EXIT_FINDINGS if unchecked and not exit_zero else EXIT_OK


def _show_files_or_settings(paths: Sequence[Path], overrides, *, files: bool,
                            settings: bool) -> None:
    """`--show-files`: the files a check would read, one per line (unreadable ones on stderr).
    `--show-settings`: the configuration of the first of them, as Ruff's flag."""
    from numlint.run.discovery import discover
    from numlint.run.runner import display_path

    config_for = _resolver(overrides)
    first = None
    for found in discover(paths, config_for):
        if found.error is not None:
            if files:
                click.echo(f"{display_path(found.path)}: {found.error}", err=True)
            continue
        if first is None:
            first = found
            if not files:
                break
        click.echo(display_path(found.path))
    if not settings:
        return
    path = first.path if first is not None else Path(paths[0])
    config = first.config if first is not None and first.config is not None \
        else config_for(path)
    for line in _settings_lines(display_path(path), config):
        click.echo(line)


def _settings_lines(shown: str, config: Config) -> List[str]:
    def toml(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (tuple, list)):
            return "[" + ", ".join(toml(v) for v in value) + "]"
        return json.dumps(value) if isinstance(value, str) else str(value)

    lines = [f"# settings for {shown}",
             f"# from {config.source}" if config.source else "# from: the defaults "
             "(no numlint.toml, or pyproject.toml with [tool.numlint], above it)"]
    if config.root is not None:
        lines.append(f"# patterns relative to {config.root}")
    lines += [
        f"select = {toml(config.select) if config.select is not None else toml(['ALL'])}",
        f"ignore = {toml(config.ignore)}",
        f"extend-select = {toml(config.extend_select)}",
        f"exclude = {toml(config.exclude)}",
        f"extend-exclude = {toml(config.extend_exclude)}",
        f"force-exclude = {toml(config.force_exclude)}",
        f"respect-gitignore = {toml(config.respect_gitignore)}",
        f"max-file-size = {config.max_file_size}",
        f"output-format = {toml(config.output_format or 'text')}",
        f"src = {toml(list(config.src)) if config.src else toml(['.', 'src'])}",
        f"# rules enabled: {', '.join(r.code for r in config.enabled_rules())}",
    ]
    if config.per_file_ignores:
        lines.append("")
        lines.append("[per-file-ignores]")
        lines += [f"{json.dumps(pattern)} = {toml(codes)}"
                  for pattern, codes in config.per_file_ignores]
    return lines


def _check_stdin(stdin_filename: Optional[str], overrides, mode: Mode, output_format, *,
                 statistics, exit_zero, output_file=None) -> int:
    """Check the source on stdin. With --fix the fixed source goes to stdout (unchanged if no
    fix applies) and the findings to stderr; with --diff the diff goes to stdout."""
    from numlint.engine.check import check_source, fix_source
    from numlint.run.project import fresh_index
    from numlint.run.report import FileResult, Report
    from numlint.run.runner import unified_diff

    name = stdin_filename or "<stdin>"
    config = _configure(Path(stdin_filename) if stdin_filename else Path.cwd(), overrides)
    data = sys.stdin.buffer.read()
    report = Report(mode=mode)
    if stdin_filename and config.force_exclude and config.excluded(Path(stdin_filename)):
        if mode.writes:  # excluded: not checked, the source passes through unchanged
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return _finish(report, output_format, statistics, exit_zero, output_file=output_file,
                       stream=sys.stderr if mode.writes else None)
    if name.lower().endswith(".ipynb"):  # a Jupyter notebook: numlint/notebook.py
        from numlint.run.runner import notebook_result
        result, fixed = notebook_result(data, name, config, mode)
        report.results.append(result)
        if mode.writes:
            sys.stdout.buffer.write(data if fixed is None else fixed)
            sys.stdout.flush()
        return _finish(report, output_format, statistics, exit_zero, output_file=output_file,
                       stream=sys.stderr if mode.writes else None)
    # A file named with --stdin-filename is a module of its project: same findings as on disk.
    project = fresh_index(config, stdin_filename) if stdin_filename else None
    if not mode.fixing:
        diagnostics = check_source(data, name, config, project)
        text = _decoded(data) if diagnostics else None
        report.results.append(FileResult(name, diagnostics, source=text))
        return _finish(report, output_format, statistics, exit_zero, output_file=output_file)
    result = fix_source(data, name, config, unsafe=mode.unsafe, project=project)
    decoded = result.original is not None
    file_result = FileResult(name, result.diagnostics, result.fixed,
                             source=result.source.text if decoded and result.diagnostics
                             else None)
    if result.changed and result.original is not None:
        file_result.diff = unified_diff(result.original.text, result.source.text, name)
    report.results.append(file_result)
    if mode.writes:
        sys.stdout.buffer.write(result.source.to_bytes() if decoded else data)
        sys.stdout.flush()
    return _finish(report, output_format, statistics, exit_zero, stream=sys.stderr,
                   output_file=output_file)


def _write_report(path: Path, report, output_format: str, statistics: bool) -> bool:
    """Write the report to `path`, creating its parent directories (as Ruff); False, after an
    error message, if it cannot be written."""
    import io
    buffer = io.StringIO()
    FORMATS[output_format](report, buffer, statistics=statistics)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as stream:
            stream.write(buffer.getvalue())
    except OSError as exc:
        _error(f"cannot write the report to {path}: {exc.strerror or exc}")
        return False
    return True


def _decoded(data: bytes) -> Optional[str]:
    from numlint.engine.source import BinaryFileError, DecodeError, SourceText
    try:
        return SourceText.from_bytes(data).text
    except (BinaryFileError, DecodeError):
        return None


def _finish(report, output_format: str, statistics: bool, exit_zero: bool,
            stream=None, output_file: Optional[Path] = None) -> int:
    """Print the report (to `output_file` if given); return the exit status."""
    if report.diff:
        for result in report.results:
            if result.diff:
                sys.stdout.write(result.diff)
        would_fix = sum(report.fixed.values())
        if would_fix:
            click.echo(f"Would fix {would_fix} error{'s' if would_fix != 1 else ''}.", err=True)
        for error in report.errors:
            _error(f"{error.path}: {error.code} {error.message}")
        if _internal_failure(report):
            return EXIT_ERROR
        if (would_fix or report.errors) and not exit_zero:
            return EXIT_FINDINGS
        return EXIT_OK
    if output_file is not None:
        if not _write_report(output_file, report, output_format, statistics):
            return EXIT_ERROR
    else:
        FORMATS[output_format](report, stream or sys.stdout, statistics=statistics)
    if _internal_failure(report):
        return EXIT_ERROR
    if report.diagnostics and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _internal_failure(report) -> bool:
    """numlint failed on a file (a rule raised: NL905). A file that cannot be read or parsed
    is a finding (exit 1), as in Ruff; only numlint's own failures exit with 2."""
    return any(d.code in INTERNAL_FAILURES for d in report.errors)


@cli.command("rule")
@click.argument("code")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--demo", is_flag=True,
              help="Run the rule's own example on the input that breaks it, naive and fixed.")
def rule_command(code: str, output_format: str, demo: bool) -> None:
    """Print the documentation of the rule CODE (a code like NL102 or a name)."""
    from numlint.authoring.docs import render
    from numlint.engine.registry import find_rule
    try:
        rule = find_rule(code)
    except KeyError:
        raise click.BadParameter(f"no rule {code!r}; `numlint rules` lists them",
                                 param_hint="CODE") from None
    if demo:
        sys.exit(_demo(rule))
    if output_format == "json":
        click.echo(json.dumps(_rule_json(rule) | {"explanation": render(rule)}, indent=2))
        return
    text = render(rule)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown
        Console().print(Markdown(text))
    else:
        click.echo(text, nl=False)


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: code, name, summary, frameworks and whether it can fix."""
    from numlint.engine.registry import all_rules
    rules = all_rules()
    if output_format == "json":
        click.echo(json.dumps([_rule_json(r) for r in rules], indent=2))
        return
    from numlint.cli.layout import print_lines, rules_lines, width_of
    from numlint.cli.output.text import make_console
    console = make_console(sys.stdout)
    print_lines(console, rules_lines(rules, width_of(sys.stdout, console)))


@cli.command("server")
@click.option("--debounce", type=click.IntRange(min=0), default=None, metavar="MS",
              envvar="NUMLINT_SERVER_DEBOUNCE",
              help="Milliseconds without changes before a changed document is checked "
                   "(default: 300; the client's `debounce` initialization option wins).")
def server_command(debounce: Optional[int]) -> None:
    """Run the language server (LSP) on stdin and stdout, for editors: docs/editors.md."""
    from numlint.cli.server import DEFAULT_DEBOUNCE_MS, serve
    sys.exit(serve(DEFAULT_DEBOUNCE_MS if debounce is None else debounce))


@cli.command("clean")
def clean_command() -> None:
    """Remove the cache (.numlint_cache/ in the project root)."""
    from numlint.run.cache import clean
    try:
        removed = clean()
    except OSError as exc:
        _error(f"cannot remove the cache: {exc.strerror or exc}")
        sys.exit(EXIT_ERROR)
    if removed is not None:
        click.echo(f"Removed {removed}", err=True)


def _demo(rule) -> int:
    """Run the rule's proven examples, one per installed framework, on their extreme input."""
    from rich.text import Text

    from numlint.authoring import proof
    from numlint.cli.layout import demo_lines, print_lines, width_of, wrapped
    from numlint.cli.output.text import make_console
    from numlint.engine.table.schema import FRAMEWORK_NAMES

    examples = [e for e in rule.examples if e.proof is not None]
    if not examples:
        _error(f"{rule.code} has no executable example")
        return EXIT_ERROR
    if proof.missing_modules("numpy"):
        _error("the demo runs the rule's examples with NumPy and SciPy: "
               "pip install numpy scipy (and torch, tensorflow or jax to see those)")
        return EXIT_ERROR
    chosen, skipped = {}, set()
    for example in examples:
        if example.framework in chosen:
            continue
        if proof.missing_modules(example.framework):
            skipped.add(example.framework)
            continue
        chosen[example.framework] = example
    console = make_console(sys.stdout)
    width = width_of(sys.stdout, console)
    title = wrapped(f"{rule.code} {rule.name}: {rule.summary}", width, "")
    print_lines(console, [Text().append(title[0][:len(rule.code)], style="bold")
                          .append(title[0][len(rule.code):])] + [Text(t) for t in title[1:]])
    # Keras picks its backend when first imported; importing TensorFlow first would make it
    # the TensorFlow backend, whose losses hide the hazard of a Keras softmax.
    order = sorted(chosen, key=lambda f: f != "keras")
    outcomes = {f: proof.demo(rule, chosen[f]) for f in order}
    rows = []
    for framework in chosen:
        outcome = outcomes[framework]
        rows.append([(FRAMEWORK_NAMES.get(framework, framework), ""), (_show(outcome.inputs), ""),
                     (_show(outcome.original), "red"), (_show(outcome.fixed), "green"),
                     (_show(outcome.reference) if outcome.reference is not None else "-", "")])
    first = next(iter(chosen.values()), None)
    if first is not None:
        naive, stable = _changed_lines(first.code, proof.fixed_code(rule, first))
        console.print(Text(f"naive:  {naive}", style="red"))
        console.print(Text(f"stable: {stable}", style="green"))
    print_lines(console, demo_lines(rows, width))
    for framework in chosen:
        bits = outcomes[framework].bits
        if bits is not None:
            print_lines(console, [Text(line) for line in wrapped(
                f"{FRAMEWORK_NAMES.get(framework, framework)}: bits recovered "
                f"{_bits(bits[0] - bits[1])} (float64: the naive result loses "
                f"{_bits(bits[0])} bits, the stable {_bits(bits[1])})", width, "")])
    why = next((e.proof.why for e in [*chosen.values(), *examples] if e.proof.why), "")
    if why:
        print_lines(console, [Text(line) for line in wrapped(f"Why: {why}.", width, "")])
    if skipped:
        names = ", ".join(sorted(FRAMEWORK_NAMES.get(f, f) for f in skipped))
        print_lines(console, [Text(line) for line in wrapped(
            f"Not installed, not shown: {names}.", width, "")])
    return EXIT_OK


def _bits(value: float) -> str:
    """Bits of precision, as a demo prints them (every bit of a non-finite result is lost)."""
    return "all" if value == float("inf") else f"{value:.1f}"


def _changed_lines(before: str, after: str):
    """The first line the fix changed, before and after (imports aside)."""
    import difflib
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        text = line[2:].strip()
        if text.startswith(("import ", "from ")):
            continue
        if line.startswith("- "):
            removed.append(text)
        elif line.startswith("+ "):
            added.append(text)
    return (removed[0] if removed else "", added[0] if added else "")


def _show(value) -> str:
    """Compact text of an input or a result."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - the demo requires NumPy
        return str(value)
    if isinstance(value, dict):
        return "\n".join(f"{k} = " + _show(v).replace("\n", "\n" + " " * len(f"{k} = "))
                         for k, v in value.items())
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], np.ndarray):
        return "\n".join(_show(v) for v in value)
    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=float)
    # Values far below 1 (what an accuracy fix is about) in scientific notation, with the
    # digits that tell the naive result from the exact one.
    tiny = bool(np.any((array != 0) & (np.abs(array) < 1e-3)))
    with np.printoptions(precision=9 if tiny else 4, suppress=not tiny, linewidth=60):
        return np.array2string(array)


def _rule_json(rule) -> dict:
    return {"code": rule.code, "name": rule.name, "summary": rule.summary,
            "frameworks": list(rule.frameworks), "fixable": rule.fixable,
            "meta": rule.meta}


def _error(message: str) -> None:
    click.echo(f"numlint: error: {message}", err=True)


def main(args: Optional[List[str]] = None, prog_name: str = "numlint") -> None:
    """Entry point: no traceback ever reaches a user."""
    try:
        cli.main(args=args, prog_name=prog_name, standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
    except Exception as exc:  # pragma: no cover - a bug; reported, not shown as a traceback
        if os.environ.get("NUMLINT_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} "
               f"(set NUMLINT_DEBUG=1 for the traceback, and please report it)")
        sys.exit(EXIT_ERROR)
