"""NL9xx: diagnostics about a file rather than its code (it could not be read, decoded or
parsed, or a rule failed on it). They are always reported and cannot be suppressed by
`# noqa`. As in Ruff, a file that cannot be read, decoded or parsed is a finding like any
other: the run exits with 1 (0 with `--exit-zero`). NL905 is numlint's own failure, and makes
the run exit with 2 (docs/exit-codes.md)."""

from __future__ import annotations

from numlint.engine.rule import Fixability, Rule


class _Meta(Rule):
    meta = True
    fixable = Fixability.NEVER
    frameworks = ()


class SyntaxErrorRule(_Meta):
    code = "NL901"
    name = "syntax-error"
    summary = "The file is not valid Python (or not a valid notebook) and could not be checked"
    what = ("Reports a file that does not parse, with the parser's message and position. For a "
            "Jupyter notebook (`.ipynb`), that is code cells that do not parse as one module "
            "(reported in the cell), or a file that is not valid JSON, not in notebook "
            "format 4, or with a cell that lacks what nbformat's validator requires (a "
            "`cell_type`, a `source` string or list of strings), reported at the error's line "
            "and column in the JSON text.")
    why = ("numlint reads code without running it; code it cannot parse it cannot check. "
           "numlint parses with the Python that runs it, so syntax newer than that "
           "interpreter is reported here too: run numlint under the project's Python. "
           "In notebooks, IPython's line magics (`%time`), shell escapes (`!ls`) and help "
           "(`obj?`) are understood; a cell that is a cell magic (`%%bash`) is skipped.")


class UnreadableFileRule(_Meta):
    code = "NL902"
    name = "unreadable-file"
    summary = "The file could not be read (permissions, a broken symlink or a symlink loop)"
    what = "Reports a file that the operating system refused to read, with its reason."
    why = ("A file that cannot be read cannot be checked; the run goes on with the others. "
           "As any finding, it makes the run exit with status 1 (0 with `--exit-zero`).")


class DecodeErrorRule(_Meta):
    code = "NL903"
    name = "decode-error"
    summary = "The file is not text in its declared encoding (UTF-8 unless a coding cookie says otherwise)"
    what = ("Reports a file whose bytes are not valid in the encoding Python would read it in: "
            "UTF-8, or the encoding of a PEP 263 `# -*- coding: ... -*-` line.")
    why = "Python itself would refuse to import such a file."


class BinaryFileRule(_Meta):
    code = "NL904"
    name = "binary-file"
    summary = "The file holds binary data (NUL bytes), not Python source"
    what = "Reports a file with a Python extension that contains NUL bytes."
    why = "Python source never contains NUL bytes; such a file is data misnamed as code."


class InternalErrorRule(_Meta):
    code = "NL905"
    name = "internal-error"
    summary = "A rule failed on this file; the other rules' findings are still reported"
    what = "Reports that a rule raised an unexpected error on this file, naming the rule."
    why = ("A bug in numlint, not in your code. The file's other findings are reported as "
           "usual, and the run exits with status 2 (even with `--exit-zero`): please report "
           "the error with the file that triggers it.")


class FileTooLargeRule(_Meta):
    code = "NL906"
    name = "file-too-large"
    summary = "The file exceeds the configured size limit and was skipped"
    what = "Reports a file larger than `max-file-size` (default 5 MB), which is skipped."
    why = ("Parsing a very large generated file costs memory and time for no findings; raise "
           "`max-file-size` in `[tool.numlint]` to check it anyway.")


META_RULES = (SyntaxErrorRule, UnreadableFileRule, DecodeErrorRule, BinaryFileRule,
              InternalErrorRule, FileTooLargeRule)
