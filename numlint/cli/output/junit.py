"""`--output-format junit`: JUnit XML, as Ruff writes it, for CI systems that show test reports.

One `<testsuite>` per file with findings, one failing `<testcase name="numlint.CODE">` per
finding (`classname` is the path without its suffix, `line` and `column` attributes, the
message in `<failure message=...>`). A file numlint could not check (NL9xx) is an `<error>`,
not a failure. Clean files get no test case; a run without any finding is one passing test
case, `No errors found`, so that the report is never empty (Ruff's convention).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import PurePosixPath
from typing import TextIO

from numlint.cli.output.common import file_positions
from numlint.run.report import Report

# Characters XML 1.0 cannot carry, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: str) -> str:
    return _INVALID_XML.sub("\ufffd", value)


def write(report: Report, stream: TextIO, statistics: bool = False) -> None:
    diagnostics = report.diagnostics
    errors = sum(d.error for d in diagnostics)
    root = ET.Element("testsuites", {
        "name": "numlint", "tests": str(max(len(diagnostics), 1)),
        "failures": str(len(diagnostics) - errors), "errors": str(errors)})
    if not diagnostics:
        suite = ET.SubElement(root, "testsuite", {
            "name": "numlint", "tests": "1", "disabled": "0", "errors": "0", "failures": "0",
            "package": "numlint"})
        ET.SubElement(suite, "testcase", {"name": "No errors found", "classname": "numlint"})
    for path, group in groupby(diagnostics, key=lambda d: d.path):
        found = list(group)
        suite_errors = sum(d.error for d in found)
        suite = ET.SubElement(root, "testsuite", {
            "name": _clean(path), "tests": str(len(found)), "disabled": "0",
            "errors": str(suite_errors), "failures": str(len(found) - suite_errors),
            "package": "numlint"})
        classname = _clean(str(PurePosixPath(path).with_suffix(""))
                           if not path.startswith("<") else path)
        for diagnostic in found:
            start, _ = file_positions(diagnostic)
            case = ET.SubElement(suite, "testcase", {
                "name": f"numlint.{diagnostic.code}", "classname": classname,
                "line": str(start.row), "column": str(start.column)})
            outcome = ET.SubElement(case, "error" if diagnostic.error else "failure",
                                    {"message": _clean(diagnostic.message)})
            if diagnostic.cell is None:
                location = f"line {start.row}, col {start.column}"
            else:
                location = (f"cell {diagnostic.cell}, line {diagnostic.start.row}, "
                            f"col {diagnostic.start.column}")
            outcome.text = _clean(f"{location}, {diagnostic.message}")
    ET.indent(root, space="    ")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
