"""numlint as a flake8 plugin: `flake8 --select NL` reports numlint's findings.

Registered as the `flake8.extension` entry point `NL = "numlint.cli.flake8_plugin:Plugin"`.

* **Same findings, same codes, same positions.** flake8 hands the plugin the file's lines and
  its parsed tree (the file is not read again, and not parsed again); the plugin runs numlint's
  rules on them and yields each finding at numlint's row and character column. flake8 adds one
  to a plugin's 0-based column, so `flake8` prints the `path:row:col` that `numlint check` does.
  The message is numlint's, after the code (`NL102 ... overflows and underflows; use
  logsumexp`). Fixes are numlint's alone (`numlint check --fix`): flake8 cannot apply them.
* **flake8 owns `# noqa`.** flake8 applies its own `# noqa` to every plugin's findings, by its
  own rules: codes are prefixes (`# noqa: NL1` silences NL101), the comment must be spelled
  `# noqa` (not `#noqa`), and `--disable-noqa` shows everything. numlint's inline `# noqa`
  differs in those details, and applying both would hide from `--disable-noqa` whatever numlint
  had already suppressed. So the plugin does not apply numlint's inline `# noqa` at all and
  leaves it to flake8 (as flake8-docstrings does with pydocstyle's). `# noqa` and
  `# noqa: NL101, NL102` on the line where a finding starts, as numlint documents them, mean
  the same to both tools.
* **numlint's own configuration still applies**: `select`, `ignore`, `extend-select` and
  `per-file-ignores` of the nearest `[tool.numlint]` (as `numlint check` reads it), and the
  file-level `# numlint: noqa` / `# numlint: noqa: CODES`, which are numlint's settings, not
  inline suppressions. flake8's own `--select`/`--ignore`/`--per-file-ignores` apply on top.
  Which files are checked is flake8's decision (numlint's `exclude` is not consulted). An
  invalid `[tool.numlint]` stops flake8 with the configuration error, as it stops numlint.
* A file that does not parse is flake8's E999; numlint's rules never see it. A rule that fails
  is reported as NL905 at 1:1, and the other findings stand, as in numlint. Whatever else
  fails on a file (the model, a module nested too deeply even for a second try with a large
  stack) is an NL905 at 1:1 too: the plugin never raises into flake8.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from numlint import __version__

from numlint.engine import noqa
from numlint.engine.check import contained, internal_failure, run_rules
from numlint.run.config import Config, config_for_path
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.source import SourceText

# flake8 passes this as the file name of the source read from stdin without
# `--stdin-display-name`.
_STDIN_NAMES = ("stdin", "-", "<stdin>")


class Plugin:
    """The flake8 AST plugin. flake8 calls `Plugin(tree, filename, lines).run()` per file."""

    name = "numlint"
    version = __version__

    def __init__(self, tree: ast.Module, filename: str, lines: Sequence[str]):
        self.tree = tree
        self.filename = filename
        self.lines = lines
        # Read here, not in `run`: flake8 reports an exception raised while it constructs a
        # plugin (an invalid `[tool.numlint]`) as a one-line error, not a traceback.
        self.config = _config_for(filename)

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        try:
            found = diagnostics(self.tree, self.lines, self.filename, self.config)
        except Exception as exc:  # a numlint bug: reported on the file, never a traceback
            found = [internal_failure(self.filename, "checking the file", exc)]
        for diagnostic in found:
            yield (diagnostic.start.row, max(diagnostic.start.column - 1, 0),
                   f"{diagnostic.code} {diagnostic.message}", type(self))


def diagnostics(tree: ast.Module, lines: Sequence[str], filename: str,
                config: Optional[Config] = None) -> List[Diagnostic]:
    """numlint's findings on a module flake8 has read and parsed, without inline `# noqa`.

    This is `numlint.engine.check.check_source` on `"".join(lines)` with the tree already built,
    except that line-level `# noqa` comments are left to flake8.
    """
    text = SourceText("".join(lines))
    exempt = noqa.file_exemption(text.text)
    if exempt == noqa.BLANKET:
        return []
    if config is None:
        config = _config_for(filename)
    ignored = () if filename in _STDIN_NAMES else config.ignored_codes_for(Path(filename))
    rules = tuple(rule for rule in config.enabled_rules()
                  if not any(s == "ALL" or rule.code.startswith(s) for s in ignored))
    project = None
    if filename not in _STDIN_NAMES:  # the module's first-party imports, as `numlint check`
        from numlint.engine.semantic.project import ProjectView
        from numlint.run.project import index_for
        index = index_for(config, filename)
        name = index.module_of(filename)
        project = ProjectView(index, *name) if name is not None else ProjectView(index, None)
    # Rules recurse on operands: a module nested too deeply for them is checked again with
    # a large stack (`contained`), as by `numlint check`.
    found = contained(run_rules, tree, text, filename, rules, project)
    if exempt:
        found = [d for d in found if d.error or d.code not in exempt]
    return sorted(found, key=Diagnostic.sort_key)


def _config_for(filename: str) -> Config:
    """The `[tool.numlint]` configuration that applies to `filename` (flake8's name for it)."""
    return config_for_path(Path.cwd() if filename in _STDIN_NAMES else Path(filename))
