"""`--output-format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run. `tool.driver` names numlint (version, information URI) and describes every rule of
the catalog, NL9xx included (id, name, short and full description, help as text and Markdown,
default level). Each result has its `ruleId` and `ruleIndex`, level `error` (as Ruff), the
message, one physical location (a URI relative to `%SRCROOT%`, the working directory, and a
region with 1-based start and end line and column; columns count Unicode code points, declared
by `columnKind`) and, where the finding has a fix, that fix as replacements of regions.

A notebook finding keeps the notebook's URI; its region is the fallback line 1, column 1 (its
rows are rows of a cell, not of the `.ipynb` file) and the cell, row and column are in the
message and in the result's `properties` (`cell`, `cellRow`, `cellColumn`). Its fix is left out
for the same reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional, TextIO
from urllib.parse import quote

from numlint import __version__
from numlint.engine.diagnostic import Diagnostic
from numlint.engine.fix import Fix
from numlint.cli.output.common import FALLBACK, sources, where
from numlint.run.report import Report
from numlint.engine.source import Position, SourceText

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
DEFAULT_INFORMATION_URI = "https://pypi.org/project/numlint/"


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
            "tool": {"driver": {
                "name": "numlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": information_uri(),
                "rules": [_rule(rule) for rule in rules],
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(Path.cwd())}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def information_uri() -> str:
    """The project's home page from the installed metadata, else its PyPI page."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata
        try:
            meta = metadata("numlint")
        except PackageNotFoundError:
            return DEFAULT_INFORMATION_URI
        for entry in meta.get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("homepage", "home", "repository", "source") and \
                    url.strip():
                return url.strip()
        return meta.get("Home-page") or DEFAULT_INFORMATION_URI  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - broken metadata must not break the report
        return DEFAULT_INFORMATION_URI


def _rule(rule) -> Dict:
    from numlint.authoring.docs import render

    full = rule.what or rule.summary
    if rule.why:
        full = f"{full}\n\n{rule.why}"
    tags = ["numerical-stability"] if not rule.meta else ["numlint"]
    tags += list(rule.frameworks)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": render(rule)},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": tags, "fixable": rule.fixable, "problem.severity": "error"},
    }


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
    replacements: List[Dict] = []
    for edit in sorted(set(fix.edits)):
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
