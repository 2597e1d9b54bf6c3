"""The CI output formats (sarif, github, gitlab, junit), the concise and grouped formats,
`--output-file` and the `--statistics` table."""

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from numlint import __version__
from numlint.engine.diagnostic import Diagnostic
from numlint.cli.output import FORMATS, github, gitlab, junit, sarif
from numlint.engine.registry import all_rules
from numlint.run.report import Report
from numlint.run.report import FileResult
from numlint.engine.source import Position

from conftest import LOG_SUM_EXP, LOG_SUM_EXP_FIXED, dedent

SCHEMA_PATH = Path(__file__).with_name("sarif-schema-2.1.0.json")
OFFICIAL_SCHEMA_ID = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                      "sarif-schema-2.1.0.json")

SOFTMAX = dedent("""
    import torch

    def f(x):
        return torch.log(torch.softmax(x, dim=1))
    """)

# The fix adds an import: a fix of two edits, one of them an insertion.
WITH_IMPORT = dedent("""
    import numpy as np
    import scipy


    def f(x):
        return np.log(np.sum(np.exp(x)))
    """)

# Only an unsafe fix (a comment inside the replaced range).
UNSAFE_ONLY = dedent("""
    import torch
    y = torch.log(
        torch.sum(torch.exp(x), dim=1)  # keep me?
    )
    """)

# The same hazard twice in one file: same code, message and flagged text.
TWICE = dedent("""
    import numpy as np


    def f(x):
        return np.log(np.sum(np.exp(x), axis=1))


    def g(x):
        return np.log(np.sum(np.exp(x), axis=1))
    """)

MESSAGE_102 = "`log(sum(exp(x)))` overflows and underflows; use `logsumexp`"


def findings(run, *args):
    """(exit code, stdout) of `numlint check ARGS`."""
    result = run("check", *args)
    return result.exit_code, result.stdout


def notebook_report() -> Report:
    """A notebook finding (row 3 of cell 2) with a fix, as the notebook support reports it."""
    from numlint.engine.fix import Applicability, Edit, Fix
    fix = Fix(Applicability.SAFE, "Replace with `logsumexp`", (Edit(10, 20, "logsumexp(x)"),))
    diagnostic = Diagnostic(code="NL102", name="log-sum-exp", message=MESSAGE_102,
                            path="nb.ipynb", start=Position(3, 5), end=Position(3, 30),
                            fix=fix, offset=(10, 20), cell=2)
    return Report(results=[FileResult("nb.ipynb", [diagnostic], source="x" * 40)])


def render(writer, report: Report) -> str:
    stream = io.StringIO()
    writer(report, stream)
    return stream.getvalue()


# -- exit codes and meta diagnostics, every format ------------------------------------------

@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_exit_codes_are_those_of_every_format(run, write, output_format):
    write("clean.py", "import numpy as np\ny = np.log(x)\n")
    write("m.py", LOG_SUM_EXP)
    write("bad.py", "def f(:\n")
    clean = run("check", "--output-format", output_format, "clean.py")
    assert clean.exit_code == 0 and MESSAGE_102 not in clean.stdout
    result = run("check", "--output-format", output_format, "m.py")
    assert result.exit_code == 1
    assert MESSAGE_102 in result.stdout
    assert run("check", "--output-format", output_format, "--exit-zero", "m.py").exit_code == 0
    broken = run("check", "--output-format", output_format, "bad.py", "m.py")
    # a file that could not be checked is a finding (as in Ruff), reported in every format,
    # beside the others: exit 1, and 0 with --exit-zero
    assert broken.exit_code == 1
    assert "syntax error: invalid syntax" in broken.stdout and MESSAGE_102 in broken.stdout
    only_broken = ("check", "--output-format", output_format, "bad.py")
    assert run(*only_broken).exit_code == 1
    assert run(*only_broken, "--exit-zero").exit_code == 0


# -- SARIF -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_validator():
    import jsonschema
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # the genuine OASIS schema (2.1.0 with errata 01), not a look-alike
    assert schema["id"] == OFFICIAL_SCHEMA_ID
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_and_describes_every_rule(run, write, sarif_validator):
    write("m.py", LOG_SUM_EXP)
    write("bad.py", "def f(:\n")
    code, output = findings(run, "--output-format", "sarif", ".")
    assert code == 1
    log = json.loads(output)
    sarif_validator.validate(log)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "numlint" and driver["version"] == __version__
    assert "informationUri" not in driver  # no repository in the metadata: no made-up page
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    for descriptor, rule in zip(rules, all_rules()):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        first_words = " ".join((rule.what or rule.summary).split()[:6])
        assert descriptor["fullDescription"]["text"].startswith(first_words)
        assert descriptor["help"]["text"] and f"({rule.code})" in descriptor["help"]["markdown"]
    results = {r["ruleId"]: r for r in run_["results"]}
    assert set(results) == {"NL102", "NL901"}
    for result in results.values():
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
    finding = results["NL102"]
    assert finding["message"]["text"] == MESSAGE_102
    (location,) = finding["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "m.py",
                                                                "uriBaseId": "%SRCROOT%"}
    # 1-based, end exclusive: `np.log(...)` on line 5 from column 12, 33 characters
    assert location["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 45}
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    assert "fixes" not in results["NL901"]
    assert results["NL901"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_sarif_rule_descriptions_are_tidy_plain_text(run, write):
    """Issue 16: descriptions began with a newline and held runs of blank lines."""
    write("m.py", LOG_SUM_EXP)
    driver = json.loads(findings(run, "--output-format", "sarif", ".")[1])["runs"][0]["tool"][
        "driver"]
    for descriptor in driver["rules"]:
        texts = [descriptor["shortDescription"]["text"], descriptor["fullDescription"]["text"],
                 descriptor["help"]["text"], descriptor["help"]["markdown"]]
        for text in texts:
            assert text == text.strip() or text == text.strip() + "\n", descriptor["id"]
            assert "\n\n\n" not in text, descriptor["id"]
        full = descriptor["fullDescription"]["text"]
        for paragraph in full.split("\n\n"):  # prose paragraphs are one line each
            if "```" not in paragraph and not re.search(r"^\s*([-*] |\|)", paragraph, re.M):
                assert "\n" not in paragraph, (descriptor["id"], paragraph)
    nl101 = next(d for d in driver["rules"] if d["id"] == "NL101")
    assert nl101["fullDescription"]["text"].startswith("Checks for the logarithm of a softmax")


@pytest.fixture
def repository(monkeypatch):
    """Package metadata that names numlint's repository."""
    import importlib.metadata as metadata
    from email.message import Message
    from numlint.cli.output import common

    meta = Message()
    meta["Name"] = "numlint"
    meta["Project-URL"] = "Documentation, https://example.org/docs"
    meta["Project-URL"] = "Repository, https://github.com/numlint/numlint.git"
    monkeypatch.setattr(metadata, "metadata", lambda name: meta)
    common.repository_url.cache_clear()
    yield "https://github.com/numlint/numlint"
    common.repository_url.cache_clear()


def test_sarif_information_and_help_uris_are_the_repository(run, write, repository,
                                                              sarif_validator):
    write("m.py", LOG_SUM_EXP)
    log = json.loads(findings(run, "--output-format", "sarif", ".")[1])
    sarif_validator.validate(log)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == repository
    nl102 = next(d for d in driver["rules"] if d["id"] == "NL102")
    assert nl102["helpUri"] == f"{repository}/blob/HEAD/docs/rules/NL102.md"


def test_json_url_is_the_rule_documentation(run, write):
    """Issue 16: `url` was null. Until there is a site, the rule's page in the repository."""
    from conftest import ROOT
    write("m.py", LOG_SUM_EXP)
    write("bad.py", "def f(:\n")
    items = json.loads(findings(run, "--output-format", "json", ".")[1])
    assert {item["code"]: item["url"] for item in items} == {
        "NL102": "docs/rules/NL102.md", "NL901": "docs/rules/NL901.md"}
    for item in items:  # (tests/test_docs.py: every rule has its page)
        assert (ROOT / item["url"]).is_file()


def test_json_url_is_absolute_when_the_metadata_names_the_repository(run, write, repository):
    write("m.py", LOG_SUM_EXP)
    (item,) = json.loads(findings(run, "--output-format", "json", "m.py")[1])
    assert item["url"] == f"{repository}/blob/HEAD/docs/rules/NL102.md"


def test_sarif_without_findings_is_valid(run, write, sarif_validator):
    write("clean.py", "x = 1\n")
    code, output = findings(run, "--output-format", "sarif", ".")
    assert code == 0
    log = json.loads(output)
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(all_rules())


def test_the_schema_check_rejects_invalid_sarif(run, write, sarif_validator):
    """The validation is not vacuous: the schema rejects what SARIF forbids."""
    import jsonschema
    write("m.py", LOG_SUM_EXP)
    log = json.loads(findings(run, "--output-format", "sarif", "m.py")[1])
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    region["startLine"] = 0  # SARIF lines are 1-based
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator.validate(log)


def _apply_sarif_fix(text: str, fix: dict) -> str:
    """Apply a SARIF fix's replacements (1-based regions, end column exclusive) to `text`."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    (change,) = fix["artifactChanges"]
    edits = []
    for replacement in change["replacements"]:
        region = replacement["deletedRegion"]
        begin = starts[region["startLine"] - 1] + region["startColumn"] - 1
        end = starts[region["endLine"] - 1] + region["endColumn"] - 1
        edits.append((begin, end, replacement["insertedContent"]["text"]))
    for begin, end, content in sorted(edits, reverse=True):
        text = text[:begin] + content + text[end:]
    return text


@pytest.mark.parametrize("source", [LOG_SUM_EXP, WITH_IMPORT], ids=["one-edit", "with-import"])
def test_sarif_fixes_are_the_fixes_numlint_applies(run, write, sarif_validator, source):
    path = write("m.py", source)
    log = json.loads(findings(run, "--output-format", "sarif", "m.py")[1])
    sarif_validator.validate(log)
    (result,) = log["runs"][0]["results"]
    (fix,) = result["fixes"]
    assert fix["properties"]["applicability"] == "safe"
    assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == "m.py"
    fixed_by_sarif = _apply_sarif_fix(source, fix)
    assert run("check", "--fix", "m.py").exit_code == 0
    assert fixed_by_sarif == path.read_text()
    if source == LOG_SUM_EXP:
        assert fixed_by_sarif == LOG_SUM_EXP_FIXED


def test_sarif_unsafe_fix_is_marked_and_paths_are_uris(run, write, sarif_validator):
    write("dir with space/m.py", UNSAFE_ONLY)
    log = json.loads(findings(run, "--output-format", "sarif", ".")[1])
    sarif_validator.validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["fixes"][0]["properties"]["applicability"] == "unsafe"
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/m.py"


def test_sarif_path_outside_the_working_directory_is_an_absolute_uri(run, write, tmp_path,
                                                                   monkeypatch,
                                                                   sarif_validator):
    path = write("project/m.py", LOG_SUM_EXP)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    log = json.loads(findings(run, "--output-format", "sarif", str(path))[1])
    sarif_validator.validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": path.as_uri()}


def test_sarif_notebook_keeps_the_path_and_names_the_cell(sarif_validator):
    log = json.loads(render(sarif.write, notebook_report()))
    sarif_validator.validate(log)
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "nb.ipynb"
    assert location["region"]["startLine"] == 1  # not a row of the .ipynb file: a fallback
    assert result["properties"] == {"cell": 2, "cellRow": 3, "cellColumn": 5}
    assert result["message"]["text"] == f"cell 2:3:5: {MESSAGE_102}"
    assert "fixes" not in result


# -- GitHub ------------------------------------------------------------------------------------

def test_github_workflow_commands(run, write):
    write("m.py", LOG_SUM_EXP)
    write("bad.py", "def f(:\n")
    code, output = findings(run, "--output-format", "github", ".")
    assert code == 1
    assert output.splitlines() == [
        "::error file=bad.py,line=1,col=7,endLine=1,endColumn=7,title=numlint (NL901)"
        "::bad.py:1:7: NL901 syntax error: invalid syntax",
        "::error file=m.py,line=5,col=12,endLine=5,endColumn=45,title=numlint (NL102)"
        f"::m.py:5:12: NL102 {MESSAGE_102}",
    ]


def test_github_escaping():
    assert github.escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert github.escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    # `%` first: an escape sequence in the value is not decoded by GitHub
    assert github.escape_property("%3A") == "%253A"


def test_github_escapes_paths_and_messages(run, write):
    write("a,b:c.py", LOG_SUM_EXP)
    write("multi.py", "x = (\n")
    output = findings(run, "--output-format", "github", ".")[1]
    line = next(text for text in output.splitlines() if "NL102" in text)
    assert line.startswith("::error file=a%2Cb%3Ac.py,line=5,")
    # the data part keeps `,` and `:` (only properties escape them)
    assert line.endswith(f"::a,b:c.py:5:12: NL102 {MESSAGE_102}")
    for line in output.splitlines():
        assert line.startswith("::error file=")  # one command per line, whatever the message


def test_github_paths_relative_to_the_workspace(run, write, tmp_path, monkeypatch):
    write("pkg/m.py", LOG_SUM_EXP)
    monkeypatch.chdir(tmp_path / "pkg")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    output = findings(run, "--output-format", "github", "m.py")[1]
    assert output.startswith("::error file=pkg/m.py,line=5,")
    assert "::pkg/m.py:5:12: NL102" in output


def test_github_notebook_annotates_the_file_and_names_the_cell():
    output = render(github.write, notebook_report())
    assert output == ("::error file=nb.ipynb,title=numlint (NL102)::nb.ipynb:cell 2:3:5: "
                      f"NL102 {MESSAGE_102}\n")


# -- GitLab ------------------------------------------------------------------------------------

def gitlab_items(run, *args):
    return json.loads(findings(run, "--output-format", "gitlab", *args)[1])


def test_gitlab_code_quality_shape(run, write):
    write("m.py", LOG_SUM_EXP)
    write("bad.py", "def f(:\n")
    items = gitlab_items(run, ".")
    assert [i["check_name"] for i in items] == ["NL901", "NL102"]
    error, finding = items
    assert finding["description"] == f"NL102: {MESSAGE_102}"
    assert finding["severity"] == "major" and error["severity"] == "critical"
    assert finding["location"] == {"path": "m.py", "positions": {
        "begin": {"line": 5, "column": 12}, "end": {"line": 5, "column": 45}}}
    assert re.fullmatch(r"[0-9a-f]{32}", finding["fingerprint"])
    assert finding["fingerprint"] != error["fingerprint"]


def test_gitlab_fingerprints_are_stable(run, write, tmp_path, monkeypatch):
    for project in ("one", "two"):
        write(f"{project}/pkg/m.py", LOG_SUM_EXP)
        write(f"{project}/pkg/n.py", SOFTMAX)
    monkeypatch.chdir(tmp_path / "one")
    first = gitlab_items(run, ".")
    assert gitlab_items(run, ".") == first  # run to run
    # another checkout (another absolute path), run from a subdirectory with GitLab's root
    monkeypatch.chdir(tmp_path / "two" / "pkg")
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "two"))
    assert gitlab_items(run, ".") == first
    # checking one file alone, or the files in another order, changes no fingerprint
    monkeypatch.chdir(tmp_path / "two")
    assert gitlab_items(run, "pkg/n.py", "pkg/m.py") == first
    assert gitlab_items(run, "pkg/n.py") == [i for i in first if i["check_name"] == "NL101"]


def test_gitlab_fingerprint_survives_moving_code_not_changing_it(run, write):
    path = write("m.py", LOG_SUM_EXP)
    (before,) = gitlab_items(run, "m.py")
    path.write_text("# a new first line\n" + LOG_SUM_EXP)
    (moved,) = gitlab_items(run, "m.py")
    assert moved["location"]["positions"]["begin"]["line"] == 6
    assert moved["fingerprint"] == before["fingerprint"]
    path.write_text(LOG_SUM_EXP.replace("np.exp(x)", "np.exp(2 * x)"))
    (changed,) = gitlab_items(run, "m.py")
    assert changed["fingerprint"] != before["fingerprint"]


def test_gitlab_identical_findings_in_one_file_are_distinct(run, write):
    path = write("m.py", TWICE)
    write("other.py", TWICE)
    items = gitlab_items(run, ".")
    assert len(items) == 4
    assert len({i["fingerprint"] for i in items}) == 4
    first, second = (i["fingerprint"] for i in items if i["location"]["path"] == "m.py")
    # in source order: the first of the two keeps its fingerprint when it is alone
    path.write_text(TWICE.split("\n\n\ndef g")[0] + "\n")
    (alone,) = gitlab_items(run, "m.py")
    assert alone["fingerprint"] == first
    path.write_text(TWICE)
    assert [i["fingerprint"] for i in gitlab_items(run, "m.py")] == [first, second]


def test_gitlab_notebook_names_the_cell():
    (item,) = json.loads(render(gitlab.write, notebook_report()))
    assert item["description"] == f"NL102: cell 2:3:5: {MESSAGE_102}"
    assert item["location"]["positions"]["begin"] == {"line": 1, "column": 1}


# -- JUnit -------------------------------------------------------------------------------------

def junit_tree(run, *args):
    code, output = findings(run, "--output-format", "junit", *args)
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return code, ET.fromstring(output)


def test_junit_a_suite_per_file_a_failing_case_per_finding(run, write):
    write("pkg/m.py", TWICE)
    write("n.py", SOFTMAX)
    write("clean.py", "x = 1\n")
    code, root = junit_tree(run, ".")
    assert code == 1
    assert root.tag == "testsuites" and root.get("name") == "numlint"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "3", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["n.py", "pkg/m.py"]  # clean files: no suite
    suite = suites[1]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "2", "0")
    cases = suite.findall("testcase")
    assert [(c.get("name"), c.get("classname"), c.get("line"), c.get("column"))
            for c in cases] == [("numlint.NL102", "pkg/m", "5", "12"),
                                ("numlint.NL102", "pkg/m", "9", "12")]
    failure = cases[1].find("failure")
    assert failure.get("message") == MESSAGE_102
    assert failure.text == f"line 9, col 12, {MESSAGE_102}"


def test_junit_clean_run_is_one_passing_case(run, write):
    write("clean.py", "x = 1\n")
    code, root = junit_tree(run, ".")
    assert code == 0
    (suite,) = root.findall("testsuite")
    (case,) = suite.findall("testcase")
    assert case.get("name") == "No errors found" and list(case) == []
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")


def test_junit_unchecked_file_is_an_error_not_a_failure(run, write):
    write("bad.py", "def f(:\n")
    write("m.py", LOG_SUM_EXP)
    code, root = junit_tree(run, ".")
    assert code == 1
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "1")
    bad = root.find("testsuite[@name='bad.py']")
    assert bad.get("errors") == "1" and bad.get("failures") == "0"
    error = bad.find("testcase/error")
    assert error.get("message") == "syntax error: invalid syntax"
    assert root.find("testsuite[@name='m.py']/testcase/failure") is not None


def test_junit_is_well_formed_whatever_the_message():
    report = notebook_report()
    diagnostic = report.results[0].diagnostics[0]
    odd = Diagnostic(code="NL902", name="unreadable-file", message='<&"\x01> cannot read',
                     path="a&b.py", start=Position(1, 1), end=Position(1, 1), error=True)
    report.results.append(FileResult("a&b.py", [odd]))
    root = ET.fromstring(render(junit.write, report))
    assert root.find("testsuite[@name='a&b.py']/testcase/error").get("message") == \
        "<&\"\ufffd> cannot read"
    notebook_case = root.find("testsuite[@name='nb.ipynb']/testcase")
    assert notebook_case.find("failure").text == f"cell 2, line 3, col 5, {diagnostic.message}"


# -- concise and grouped -----------------------------------------------------------------------

def test_concise_one_line_per_finding_then_the_summary(run, write):
    write("m.py", TWICE)
    write("u.py", UNSAFE_ONLY)
    code, output = findings(run, "--output-format", "concise", ".")
    assert code == 1
    assert output.splitlines() == [
        f"m.py:5:12: NL102 [*] {MESSAGE_102}",
        f"m.py:9:12: NL102 [*] {MESSAGE_102}",
        f"u.py:2:5: NL102 {MESSAGE_102}",
        "Found 3 errors.",
        "[*] 2 fixable with the `--fix` option (1 hidden fix can be enabled with the "
        "`--unsafe-fixes` option).",
    ]
    unsafe = findings(run, "--output-format", "concise", "--unsafe-fixes", "u.py")[1]
    assert unsafe.splitlines()[0] == f"u.py:2:5: NL102 [*] {MESSAGE_102}"


def test_concise_clean(run, write):
    write("clean.py", "x = 1\n")
    assert findings(run, "--output-format", "concise", ".") == (0, "All checks passed!\n")


def test_grouped_by_file(run, write):
    write("m.py", "\n" + TWICE, raw=True)  # rows 6 and 10: right-aligned
    write("bad.py", "def f(:\n")
    code, output = findings(run, "--output-format", "grouped", ".")
    assert code == 1
    assert output.splitlines() == [
        "bad.py:",
        "  1:7 NL901 syntax error: invalid syntax",
        "",
        "m.py:",
        f"   6:12 NL102 [*] {MESSAGE_102}",
        f"  10:12 NL102 [*] {MESSAGE_102}",
        "",
        "Found 3 errors.",
        "[*] 2 fixable with the `--fix` option.",
    ]


def test_grouped_and_concise_notebook_cells():
    report = notebook_report()
    assert render(FORMATS["concise"], report).splitlines()[0] == \
        f"nb.ipynb:cell 2:3:5: NL102 [*] {MESSAGE_102}"
    assert render(FORMATS["grouped"], report).splitlines()[:2] == [
        "nb.ipynb:", f"  cell 2:3:5 NL102 [*] {MESSAGE_102}"]


# -- --statistics ------------------------------------------------------------------------------

def test_statistics_table_then_summary(run, write):
    write("m.py", TWICE)
    write("n.py", SOFTMAX)
    write("u.py", UNSAFE_ONLY)
    code, output = findings(run, "--statistics", ".")
    assert code == 1
    rows = [line.split() for line in output.splitlines()]
    assert rows[0] == ["count", "code", "name", "fixable"]
    assert rows[1] == ["3", "NL102", "log-sum-exp", "2"]  # the unsafe fix is not counted
    assert rows[2] == ["1", "NL101", "log-of-softmax", "1"]
    assert output.splitlines()[3:] == [
        "Found 4 errors.",
        "[*] 3 fixable with the `--fix` option (1 hidden fix can be enabled with the "
        "`--unsafe-fixes` option)."]
    # columns line up: counts right-aligned, codes and names left-aligned
    lines = output.splitlines()[:3]
    assert len({line.index("NL1") for line in lines[1:]}) == 1
    assert lines[1].index("3") == lines[2].index("1")
    unsafe = findings(run, "--statistics", "--unsafe-fixes", ".")[1]
    assert unsafe.splitlines()[1].split() == ["3", "NL102", "log-sum-exp", "3"]


def test_statistics_unfixable_and_errors(run, write):
    write("m.py", "import numpy as np\ny = np.log(np.mean(np.exp(x)))\n")  # no fix
    write("bad.py", "def f(:\n")
    code, output = findings(run, "--statistics", ".")
    assert code == 1
    rows = [line.split() for line in output.splitlines()[1:3]]
    assert sorted(rows) == [["1", "NL102", "log-sum-exp", "-"],
                            ["1", "NL901", "syntax-error", "-"]]
    assert output.splitlines()[3:] == ["Found 2 errors."]


def test_statistics_in_other_formats(run, write):
    write("m.py", TWICE)
    for output_format in ("concise", "grouped", "full"):
        assert findings(run, "--statistics", "--output-format", output_format, ".") == \
            findings(run, "--statistics", ".")
    data = json.loads(findings(run, "--statistics", "--output-format", "json", ".")[1])
    assert data == [{"code": "NL102", "name": "log-sum-exp", "count": 2, "fixable": 2}]
    for output_format in ("sarif", "github", "gitlab", "junit"):
        result = run("check", "--statistics", "--output-format", output_format, ".")
        assert result.exit_code == 2
        assert f"--statistics cannot be used with --output-format {output_format}" in \
            result.output


def test_statistics_clean(run, write):
    write("clean.py", "x = 1\n")
    assert findings(run, "--statistics", ".") == (0, "All checks passed!\n")


def test_statistics_after_fixing(run, write):
    write("m.py", TWICE)
    write("n.py", "import numpy as np\ny = np.log(np.mean(np.exp(x)))\n")
    code, output = findings(run, "--statistics", "--fix", ".")
    assert code == 1
    assert output.splitlines()[1].split() == ["1", "NL102", "log-sum-exp", "-"]
    assert output.splitlines()[-1] == "Found 3 errors (2 fixed, 1 remaining)."


# -- --output-file -----------------------------------------------------------------------------

@pytest.mark.parametrize("output_format", ["text", "sarif", "junit"])
def test_output_file_gets_the_report_stdout_nothing(run, write, tmp_path, output_format):
    write("m.py", LOG_SUM_EXP)
    expected = run("check", "--output-format", output_format, "m.py").stdout
    result = run("check", "--output-format", output_format, "--output-file",
                 "reports/deep/out.txt", "m.py")
    assert result.exit_code == 1  # exit codes do not change
    assert result.stdout == ""
    written = (tmp_path / "reports" / "deep" / "out.txt").read_text(encoding="utf-8")
    assert written == expected and MESSAGE_102 in written
    # an existing report is replaced, and a clean run exits 0
    write("m.py", "x = 1\n")
    assert run("check", "--output-format", output_format, "-o", "reports/deep/out.txt",
               "m.py").exit_code == 0
    assert MESSAGE_102 not in (tmp_path / "reports" / "deep" / "out.txt").read_text()


def test_output_file_with_errors_and_statistics(run, write, tmp_path):
    write("bad.py", "def f(:\n")
    result = run("check", "--statistics", "-o", "stats.txt", ".")
    assert result.exit_code == 1 and result.stdout == ""
    assert "NL901" in (tmp_path / "stats.txt").read_text()


def test_output_file_that_cannot_be_written(run, write, tmp_path):
    write("m.py", LOG_SUM_EXP)
    write("blocker", "a file, not a directory\n")
    result = run("check", "--output-file", "blocker/report.json", "m.py")
    assert result.exit_code == 2
    assert "cannot write the report to blocker/report.json" in result.output


def test_output_file_with_stdin_fix(run, write, tmp_path):
    result = run("check", "-", "--stdin-filename", "m.py", "--fix", "--output-format",
                 "github", "-o", "annotations.txt", input=LOG_SUM_EXP)
    assert result.exit_code == 0
    assert result.stdout == LOG_SUM_EXP_FIXED  # the fixed source, and nothing else
    assert (tmp_path / "annotations.txt").read_text() == ""  # nothing remains
    result = run("check", "-", "--stdin-filename", "m.py", "--output-format", "github",
                 "-o", "annotations.txt", input=LOG_SUM_EXP)
    assert result.exit_code == 1 and result.stdout == ""
    assert (tmp_path / "annotations.txt").read_text().startswith(
        "::error file=m.py,line=5,col=12,")


def test_sarif_to_a_file_in_a_real_process(numlint_process, write, tmp_path, sarif_validator):
    write("src/m.py", LOG_SUM_EXP)
    process = numlint_process("check", "--output-format", "sarif", "--output-file",
                              "results/numlint.sarif", "src")
    assert process.returncode == 1, process.stderr
    assert process.stdout == b""
    log = json.loads((tmp_path / "results" / "numlint.sarif").read_text(encoding="utf-8"))
    sarif_validator.validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/m.py"
