"""`--output-format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run. `tool.driver` names numlint (version; `informationUri` only when the package's
metadata names its repository, so that it never points at a page that does not exist) and
describes every rule of the catalog, NL9xx included (id, name, short and full description as
plain text, help as text and Markdown, `helpUri` when it can be an absolute URL, default
level). Each result has its `ruleId` and `ruleIndex`, level `error` (as Ruff), the
message, one physical location (a URI relative to `%SRCROOT%`, the working directory, and a
region with 1-based start and end line and column; columns count Unicode code points, declared
by `columnKind`) and, where the finding has a fix, that fix as replacements of regions: the
rule's edits and their import clean-up (`numlint.engine.imports`), as `--fix` makes them.

A notebook finding keeps the notebook's URI; its region is the fallback line 1, column 1 (its
rows are rows of a cell, not of the `.ipynb` file) and the cell, row and column are in the
message and in the result's `properties` (`cell`, `cellRow`, `cellColumn`). Its fix is left out
for the same reason.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Dict, List, Optional, TextIO
from urllib.parse import quote

from numlint import __version__
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Fix
from numlint.cli.output.common import FALLBACK, repository_url, rule_url, sources, where
from numlint.run.report import Report
from numlint.engine.source import Position, SourceText

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    json.dump(sarif_log(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def sarif_log(report: Report) -> Dict:
    from numlint.engine.registry import all_rules

    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    texts = sources(report)
    results = [_result(d, index, texts.get(d.path)) for d in report.diagnostics]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": _driver(rules)},
            "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(Path.cwd())}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _driver(rules) -> Dict:
    driver: Dict = {"name": "numlint", "version": __version__, "semanticVersion": __version__}
    uri = information_uri()
    if uri is not None:
        driver["informationUri"] = uri
    driver["rules"] = [_rule(rule) for rule in rules]
    return driver


def information_uri() -> Optional[str]:
    """numlint's repository when the installed metadata names one; else None, and the log has
    no `informationUri` (optional in SARIF): it never points at a page that does not exist."""
    return repository_url()


def plain(text: str) -> str:
    """Documentation text as SARIF's plain-text descriptions want it: no leading or trailing
    blank lines, paragraphs separated by one blank line, the lines of a paragraph joined (the
    source wraps them at 100 columns; viewers wrap for themselves). Lists and code blocks keep
    their lines."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.strip())]
    joined = []
    for paragraph in paragraphs:
        if not paragraph.strip():
            continue
        lines = paragraph.split("\n")
        if "```" in paragraph or any(line.lstrip().startswith(("- ", "* ", "|"))
                                     or line.startswith("    ") for line in lines):
            joined.append(paragraph)
        else:
            joined.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(joined)


def _rule(rule) -> Dict:
    from numlint.authoring.docs import render

    full = plain(rule.what or rule.summary)
    if rule.why:
        full = f"{full}\n\n{plain(rule.why)}"
    tags = ["numerical-stability"] if not rule.meta else ["numlint"]
    tags += list(rule.frameworks)
    described: Dict = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": plain(rule.summary)},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": re.sub(r"\n{3,}", "\n\n", render(rule).strip()) + "\n"},
    }
    url = rule_url(rule.code)
    if "://" in url:  # SARIF's helpUri is an absolute URI
        described["helpUri"] = url
    described["defaultConfiguration"] = {"level": "error"}
    described["properties"] = {"tags": tags, "fixable": str(rule.fixable),
                               "problem.severity": "error"}
    return described


def _result(diagnostic: Diagnostic, index: Dict[str, int],
            source: Optional[SourceText]) -> Dict:
    artifact = _artifact(diagnostic.path)
    message = diagnostic.message
    result: Dict = {"ruleId": diagnostic.code, "level": "error"}
    if diagnostic.code in index:
        result["ruleIndex"] = index[diagnostic.code]
    if diagnostic.cell is None:
        region = _region(diagnostic.start, diagnostic.end)
    else:
        region = _region(FALLBACK, FALLBACK)
        message = f"{where(diagnostic)}: {message}"
        result["properties"] = {"cell": diagnostic.cell, "cellRow": diagnostic.start.row,
                                "cellColumn": diagnostic.start.column}
    result["message"] = {"text": message}
    result["locations"] = [{"physicalLocation": {"artifactLocation": artifact,
                                                 "region": region}}]
    if diagnostic.fix is not None and diagnostic.fix.edits and source is not None \
            and diagnostic.cell is None:
        result["fixes"] = [_fix(diagnostic.fix, artifact, source)]
    return result


def _fix(fix: Fix, artifact: Dict, source: SourceText) -> Dict:
    from numlint.engine import imports  # libcst: loaded only for a fix that needs it
    replacements: List[Dict] = []
    for edit in imports.complete(source.text, fix.edits):  # with its import clean-up
        replacements.append({
            "deletedRegion": _region(source.position(edit.start), source.position(edit.end)),
            "insertedContent": {"text": edit.content},
        })
    return {
        "description": {"text": f"{fix.message} ({fix.applicability.value} fix)"},
        "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
        "properties": {"applicability": fix.applicability.value},
    }


def _region(start: Position, end: Position) -> Dict[str, int]:
    return {"startLine": start.row, "startColumn": start.column,
            "endLine": end.row, "endColumn": end.column}


def _artifact(path: str) -> Dict[str, str]:
    """A URI relative to %SRCROOT% for a path inside the working directory (as displayed), an
    absolute `file:` URI for one outside it."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _directory_uri(directory: Path) -> str:
    uri = directory.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"
