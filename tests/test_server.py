"""`numlint server`: the real server, a subprocess spoken to over stdio with raw JSON-RPC
(tests/lsp_client.py). Every expectation about findings is checked against `numlint check`'s
own output for the same text."""

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lsp_client import LspClient

ROOT = Path(__file__).resolve().parent.parent
DEBOUNCE_MS = 20

HAZARD = textwrap.dedent("""\
    import torch
    import torch.nn.functional as F

    def log_probs(x):
        return torch.log(F.softmax(x, dim=-1))
    """)
CLEAN = HAZARD.replace("torch.log(F.softmax(x, dim=-1))", "F.log_softmax(x, dim=-1)")
# What the quick fix (as `--fix`) makes of HAZARD: `torch` is no longer used and goes.
FIXED = CLEAN.replace("import torch\nimport torch.nn", "import torch.nn")
# NL101's safe fix and NL302's unsafe one (the rules' own examples)
SAFE_AND_UNSAFE = "import numpy as np\n" + HAZARD + textwrap.dedent("""\

    def step(A, b):
        A_inv = np.linalg.inv(A)
        return A_inv @ b
    """)
NOTEBOOK_CAPABILITIES = {"notebookDocument": {"synchronization": {}}}


# -- helpers: an LSP client's view of text, independent of the server's code -------------------

def split_lines(text):
    """The lines of `text` with their ends, as the protocol counts lines."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text) or [""]


def offset_of(text, position):
    lines = split_lines(text)
    if position["line"] >= len(lines):
        return len(text)
    start = sum(len(line) for line in lines[:position["line"]])
    line = lines[position["line"]].rstrip("\r\n")
    units = line.encode("utf-16-le")[:2 * position["character"]]
    return start + len(units.decode("utf-16-le"))


def position_of(text, offset):
    """The UTF-16 LSP position of a character offset."""
    before = text[:offset]
    lines = split_lines(before)
    last = "" if re.search(r"(\r\n|\r|\n)$", before) else lines[-1]
    line = len(lines) - (0 if re.search(r"(\r\n|\r|\n)$", before) else 1)
    if not before:
        line = 0
    return {"line": line, "character": len(last.encode("utf-16-le")) // 2}


def apply_text_edits(text, edits):
    spans = sorted(((offset_of(text, e["range"]["start"]), offset_of(text, e["range"]["end"]),
                     e["newText"]) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def cli_findings(tmp_path, path, *extra):
    result = subprocess.run([sys.executable, "-m", "numlint", "check", "--output-format",
                             "json", "--no-cache", *extra, str(path)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def cli_fixed(tmp_path, text, name="m.py"):
    result = subprocess.run([sys.executable, "-m", "numlint", "check", "--fix", "--no-cache",
                             "--stdin-filename", str(tmp_path / name), "-"],
                            input=text, capture_output=True, text=True, cwd=tmp_path)
    return result.stdout


def uri(path):
    return Path(path).absolute().as_uri()


def open_document(client, path, text, version=1):
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri(path), "languageId": "python", "version": version, "text": text}})


def change_document(client, path, text, version):
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri(path), "version": version},
        "contentChanges": [{"text": text}]})


def code_actions(client, document_uri, start, end=None, only=None):
    context = {"diagnostics": []}
    if only:
        context["only"] = only
    return client.request("textDocument/codeAction", {
        "textDocument": {"uri": document_uri},
        "range": {"start": start, "end": end or start}, "context": context})


@pytest.fixture
def start_server(tmp_path):
    clients = []

    def start(args=None, options=None, capabilities=None):
        client = LspClient(args or [sys.executable, "-m", "numlint", "server",
                                    "--debounce", "5000"], cwd=tmp_path)
        clients.append(client)
        client.initialize(uri(tmp_path), {"debounce": DEBOUNCE_MS, **(options or {})},
                          capabilities)
        return client

    yield start
    for client in clients:
        client.kill()


# -- the round trip -------------------------------------------------------------------------------

def test_round_trip_diagnostic_fix_hover_change_shutdown(tmp_path, start_server):
    path = tmp_path / "model.py"
    path.write_text(HAZARD)
    [expected] = cli_findings(tmp_path, path)
    client = start_server()
    mark = client.mark()
    open_document(client, path, HAZARD)
    [diagnostic] = client.diagnostics(uri(path), mark)
    assert diagnostic["code"] == expected["code"] == "NL101"
    assert diagnostic["source"] == "numlint"
    assert diagnostic["message"] == expected["message"]
    assert diagnostic["severity"] == 2  # a warning; files that cannot be checked are errors
    assert diagnostic["range"] == {
        "start": {"line": expected["location"]["row"] - 1,
                  "character": expected["location"]["column"] - 1},
        "end": {"line": expected["end_location"]["row"] - 1,
                "character": expected["end_location"]["column"] - 1}}

    actions = code_actions(client, uri(path), diagnostic["range"]["start"])
    [fix] = [a for a in actions if a["title"].startswith("Replace")]
    assert fix["title"] == "Replace with `F.log_softmax` (NL101, safe fix)"
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert fix["diagnostics"][0]["code"] == "NL101"
    fixed = apply_text_edits(HAZARD, fix["edit"]["changes"][uri(path)])
    assert fixed == FIXED == cli_fixed(tmp_path, HAZARD)

    hover = client.request("textDocument/hover", {
        "textDocument": {"uri": uri(path)},
        "position": {"line": diagnostic["range"]["start"]["line"],
                     "character": diagnostic["range"]["start"]["character"] + 3}})
    rule_text = subprocess.run([sys.executable, "-m", "numlint", "rule", "NL101"],
                               capture_output=True, text=True).stdout
    assert hover["contents"] == {"kind": "markdown", "value": rule_text}
    assert hover["range"] == diagnostic["range"]
    assert client.request("textDocument/hover", {
        "textDocument": {"uri": uri(path)}, "position": {"line": 0, "character": 1}}) is None

    mark = client.mark()
    sent = time.monotonic()
    change_document(client, path, fixed, 2)  # the edit applied: the hazard is gone
    assert client.diagnostics(uri(path), mark) == []
    # the initialization option's 20 ms, not the command line's 5000 ms
    assert time.monotonic() - sent < 4.5
    assert client.shutdown_and_exit() == 0


def test_findings_are_the_command_lines(tmp_path, start_server):
    """Every finding of a fixture, with its code and place, as `numlint check` reports it."""
    source = "\n".join((ROOT / "fixtures" / name).read_text() for name in (
        "torch_classifier.py", "numpy_mixture.py", "jax_policy.py", "tf1_model.py"))
    path = tmp_path / "fixtures.py"
    path.write_text(source)
    expected = cli_findings(tmp_path, path)
    assert len(expected) > 3
    client = start_server()
    mark = client.mark()
    open_document(client, path, source)
    found = client.diagnostics(uri(path), mark)
    assert [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1,
             d["range"]["end"]["line"] + 1, d["range"]["end"]["character"] + 1)
            for d in found] == \
        [(e["code"], e["location"]["row"], e["location"]["column"], e["end_location"]["row"],
          e["end_location"]["column"]) for e in expected]


def test_utf16_positions_on_lines_with_non_ascii_text(tmp_path, start_server):
    prefix = 'label = "τ😀"; '
    text = HAZARD.replace("    return torch.log", f"    {prefix}return torch.log")
    text = text.replace("return torch.log", "y = 1; return torch.log")
    path = tmp_path / "unicode.py"
    client = start_server()
    mark = client.mark()
    open_document(client, path, text)
    [diagnostic] = client.diagnostics(uri(path), mark)
    start = text.index("torch.log(F")
    end = text.index("-1))") + len("-1))")
    assert diagnostic["range"] == {"start": position_of(text, start),
                                   "end": position_of(text, end)}
    # the emoji is two UTF-16 code units: the column is one more than the characters'
    line_start = text.rindex("\n", 0, start) + 1
    assert diagnostic["range"]["start"]["character"] == start - line_start + 1
    [fix] = [a for a in code_actions(client, uri(path), diagnostic["range"]["start"])
             if a["title"].startswith("Replace")]
    fixed = apply_text_edits(text, fix["edit"]["changes"][uri(path)])
    assert fixed == cli_fixed(tmp_path, text) != text
    assert prefix in fixed

    # an incremental change after the emoji, in UTF-16 units: `x` becomes `(x * 2)` inside
    # the hazard, which moves nothing before it
    at = text.index("F.softmax(x") + len("F.softmax(")
    mark = client.mark()
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri(path), "version": 2},
        "contentChanges": [{"range": {"start": position_of(text, at),
                                      "end": position_of(text, at + 1)},
                            "text": "(x * 2)"}]})
    changed = text[:at] + "(x * 2)" + text[at + 1:]
    [diagnostic] = client.diagnostics(uri(path), mark)
    assert diagnostic["range"] == {"start": position_of(changed, start),
                                   "end": position_of(changed, end + 6)}
    [fix] = [a for a in code_actions(client, uri(path), diagnostic["range"]["start"])
             if a["title"].startswith("Replace")]
    assert apply_text_edits(changed, fix["edit"]["changes"][uri(path)]) == \
        cli_fixed(tmp_path, changed)


def test_safe_and_unsafe_fixes_and_fix_all(tmp_path, start_server):
    path = tmp_path / "two.py"
    client = start_server()
    mark = client.mark()
    open_document(client, path, SAFE_AND_UNSAFE)
    diagnostics = client.diagnostics(uri(path), mark)
    assert [d["code"] for d in diagnostics] == ["NL101", "NL302"]
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}
    actions = code_actions(client, uri(path), whole["start"], whole["end"])
    titles = [a["title"] for a in actions]
    assert "Replace with `F.log_softmax` (NL101, safe fix)" in titles
    [unsafe] = [a for a in actions if "NL302, unsafe fix" in a["title"]]
    assert unsafe["isPreferred"] is False
    assert {"Suppress NL101 with `# noqa: NL101`",
            "Suppress NL302 with `# noqa: NL302`"} <= set(titles)

    [fix_all] = code_actions(client, uri(path), whole["start"], only=["source.fixAll"])
    assert fix_all["kind"] == "source.fixAll.numlint"
    fixed = apply_text_edits(SAFE_AND_UNSAFE, fix_all["edit"]["changes"][uri(path)])
    assert fixed == cli_fixed(tmp_path, SAFE_AND_UNSAFE)
    assert "F.log_softmax" in fixed and "np.linalg.inv" in fixed  # the unsafe one is not
    assert code_actions(client, uri(path), whole["start"], only=["refactor"]) == []
    assert client.shutdown_and_exit() == 0


def test_suppress_with_noqa(tmp_path, start_server):
    path = tmp_path / "quiet.py"
    client = start_server()
    mark = client.mark()
    open_document(client, path, HAZARD)
    [diagnostic] = client.diagnostics(uri(path), mark)
    [action] = [a for a in code_actions(client, uri(path), diagnostic["range"]["start"])
                if a["title"].startswith("Suppress")]
    quiet = apply_text_edits(HAZARD, action["edit"]["changes"][uri(path)])
    assert quiet == HAZARD.replace("dim=-1))\n", "dim=-1))  # noqa: NL101\n")
    # the same text `numlint check --add-noqa` writes
    path.write_text(HAZARD)
    subprocess.run([sys.executable, "-m", "numlint", "check", "--add-noqa", "--no-cache",
                    str(path)], capture_output=True, cwd=tmp_path)
    assert path.read_text() == quiet
    mark = client.mark()
    change_document(client, path, quiet, 2)
    assert client.diagnostics(uri(path), mark) == []


def test_configuration_and_exclusion(tmp_path, start_server):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.numlint]\nextend-exclude = ["generated/"]\n'
        '[tool.numlint.per-file-ignores]\n"legacy.py" = ["NL101"]\n')
    (tmp_path / "generated").mkdir()
    excluded = tmp_path / "generated" / "out.py"
    legacy = tmp_path / "legacy.py"
    checked = tmp_path / "checked.py"
    client = start_server()
    mark = client.mark()
    open_document(client, excluded, HAZARD)
    open_document(client, legacy, SAFE_AND_UNSAFE)
    open_document(client, checked, HAZARD)
    assert [d["code"] for d in client.diagnostics(uri(checked), mark)] == ["NL101"]
    # documents are checked in order: the first two were done before the third
    published = [m["params"]["uri"] for m in client.notifications[mark:]
                 if m.get("method") == "textDocument/publishDiagnostics"]
    assert uri(excluded) not in published
    assert [d["code"] for d in client.diagnostics(uri(legacy), mark)] == ["NL302"]
    assert code_actions(client, uri(excluded), {"line": 4, "character": 12}) == []


def test_project_summaries_from_disk_and_save(tmp_path, start_server):
    (tmp_path / "nets.py").write_text(
        "import torch\n\ndef probs(z):\n    return torch.softmax(z, dim=-1)\n")
    train = tmp_path / "train.py"
    text = "import torch\nfrom nets import probs\n\ndef f(x):\n    return torch.log(probs(x))\n"
    train.write_text(text)
    expected = cli_findings(tmp_path, train)
    assert expected, "the command line sees the hazard across the two modules"
    client = start_server()
    mark = client.mark()
    open_document(client, train, text)
    found = client.diagnostics(uri(train), mark)
    assert [(d["code"], d["range"]["start"]["line"] + 1) for d in found] == \
        [(e["code"], e["location"]["row"]) for e in expected]
    # nets.py changes on disk and is saved: its summary is read again
    (tmp_path / "nets.py").write_text("def probs(z):\n    return z\n")
    mark = client.mark()
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri(tmp_path / "nets.py")}})
    change_document(client, train, text + "\n", 2)
    assert client.diagnostics(uri(train), mark) == []


def test_notebook_document(tmp_path, start_server):
    notebook = uri(tmp_path / "analysis.ipynb")
    cells = [f"{notebook}#cell{i}" for i in range(3)]
    sources = ["import torch\nimport torch.nn.functional as F\n", "# Heading",
               "x = torch.randn(3)\ny = torch.log(F.softmax(x, dim=-1))"]
    client = start_server(capabilities=NOTEBOOK_CAPABILITIES)
    mark = client.mark()
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": notebook, "notebookType": "jupyter-notebook", "version": 1,
                             "cells": [{"kind": 2, "document": cells[0]},
                                       {"kind": 1, "document": cells[1]},
                                       {"kind": 2, "document": cells[2]}]},
        "cellTextDocuments": [
            {"uri": cells[i], "languageId": "markdown" if i == 1 else "python", "version": 1,
             "text": sources[i]} for i in range(3)]})
    [diagnostic] = client.diagnostics(cells[2], mark)
    assert diagnostic["code"] == "NL101"
    line = sources[2].splitlines()[1]
    assert diagnostic["range"]["start"] == {"line": 1, "character": line.index("torch.log")}
    actions = code_actions(client, cells[2], diagnostic["range"]["start"])
    [fix] = [a for a in actions if a["title"].startswith("Replace")]
    assert list(fix["edit"]["changes"]) == [cells[2]]
    fixed = apply_text_edits(sources[2], fix["edit"]["changes"][cells[2]])
    assert fixed == "x = torch.randn(3)\ny = F.log_softmax(x, dim=-1)"
    [fix_all] = code_actions(client, cells[2], diagnostic["range"]["start"],
                             only=["source.fixAll.numlint"])
    assert apply_text_edits(sources[2], fix_all["edit"]["changes"][cells[2]]) == fixed
    [quiet] = [a for a in actions if a["title"].startswith("Suppress")]
    assert apply_text_edits(sources[2], quiet["edit"]["changes"][cells[2]]).endswith(
        "dim=-1))  # noqa: NL101")
    hover = client.request("textDocument/hover", {"textDocument": {"uri": cells[2]},
                                                  "position": diagnostic["range"]["start"]})
    assert hover["contents"]["value"].startswith("# log-of-softmax (NL101)")

    mark = client.mark()
    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": notebook, "version": 2},
        "change": {"cells": {"textContent": [{
            "document": {"uri": cells[2], "version": 2},
            "changes": [{"range": {"start": {"line": 0, "character": 0},
                                   "end": {"line": 1, "character": len(line)}},
                         "text": fixed}]}]}}})
    assert client.diagnostics(cells[2], mark) == []

    # a new cell inserted after the first: checked with the others (the import is cell 1's)
    added = f"{notebook}#cell3"
    mark = client.mark()
    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": notebook, "version": 3},
        "change": {"cells": {"structure": {
            "array": {"start": 1, "deleteCount": 0, "cells": [{"kind": 2, "document": added}]},
            "didOpen": [{"uri": added, "languageId": "python", "version": 1,
                         "text": "z = torch.log(F.softmax(x, dim=0))\n"}]}}}})
    [diagnostic] = client.diagnostics(added, mark)
    assert diagnostic["code"] == "NL101"
    assert diagnostic["range"]["start"] == {"line": 0, "character": 4}
    # and removed again: its diagnostics are cleared
    mark = client.mark()
    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": notebook, "version": 4},
        "change": {"cells": {"structure": {
            "array": {"start": 1, "deleteCount": 1},
            "didClose": [{"uri": added}]}}}})
    assert client.diagnostics(added, mark) == []
    assert client.shutdown_and_exit() == 0


def test_broken_documents_are_findings_not_failures(tmp_path, start_server):
    client = start_server()
    broken, binary, good = (tmp_path / n for n in ("broken.py", "binary.py", "good.py"))
    mark = client.mark()
    open_document(client, broken, "def f(:\n    pass\n")
    open_document(client, binary, "x = 1\0\n")
    open_document(client, good, HAZARD)
    [syntax] = client.diagnostics(uri(broken), mark)
    assert syntax["code"] == "NL901" and syntax["severity"] == 1
    assert syntax["range"]["start"]["line"] == 0
    assert [d["code"] for d in client.diagnostics(uri(binary), mark)] == ["NL904"]
    assert [d["code"] for d in client.diagnostics(uri(good), mark)] == ["NL101"]
    assert client.shutdown_and_exit() == 0


def test_a_failure_on_one_document_is_logged_and_the_server_goes_on(tmp_path, start_server):
    """numlint itself fails on one document (made to, here): the failure is logged to the
    client, the other documents are checked, and the server exits normally."""
    script = textwrap.dedent(f"""
        import sys
        import numlint.cli.server as server
        original = server.Analyser.text_analysis
        def failing(self, document, *args):
            if "BOOM" in document.text:
                raise RuntimeError("the analysis failed")
            return original(self, document, *args)
        server.Analyser.text_analysis = failing
        sys.exit(server.serve({DEBOUNCE_MS}))
        """)
    client = start_server([sys.executable, "-c", script])
    bad, good = tmp_path / "bad.py", tmp_path / "good.py"
    mark = client.mark()
    open_document(client, bad, "BOOM = 1\n")
    open_document(client, good, HAZARD)
    assert [d["code"] for d in client.diagnostics(uri(good), mark)] == ["NL101"]
    logged = client.wait_for(lambda m: m.get("method") == "window/logMessage"
                             and "the analysis failed" in m["params"]["message"], mark)
    assert logged["params"]["type"] == 1  # an error
    assert code_actions(client, uri(bad), {"line": 0, "character": 0}) == []
    assert client.shutdown_and_exit() == 0


def test_debounce_supersedes_changes_and_closing_clears(tmp_path, start_server):
    path = tmp_path / "typing.py"
    client = start_server(options={"debounce": 500})
    mark = client.mark()
    open_document(client, path, CLEAN)
    for version in range(2, 8):  # typing: only the last text is checked
        change_document(client, path, HAZARD if version % 2 == 0 else CLEAN, version)
    change_document(client, path, HAZARD, 8)
    published = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics",
                                mark)
    # the hazards of versions 2, 4 and 6 were never checked: the first publication is 8's
    assert published["params"]["version"] == 8
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["NL101"]
    mark = client.mark()
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri(path)}})
    assert client.diagnostics(uri(path), mark) == []


def test_exit_without_shutdown_is_an_error(tmp_path, start_server):
    client = start_server()
    client.notify("exit", None)
    assert client.process.wait(30) == 1


def test_the_server_command_does_not_load_pygls_for_other_commands():
    code = ("import sys\nfrom numlint.cli.main import main\n"
            "try:\n    main(['rules'])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(str('pygls' in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip().endswith("False")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-32"])
def test_other_position_encodings_when_the_client_asks_for_them(tmp_path, start_server,
                                                                encoding):
    text = HAZARD.replace("    return torch.log", '    s = "é😀"; return torch.log')
    path = tmp_path / "encoded.py"
    client = start_server(capabilities={"general": {"positionEncodings": [encoding]}})
    mark = client.mark()
    open_document(client, path, text)
    [diagnostic] = client.diagnostics(uri(path), mark)
    line = text.splitlines()[4]
    prefix = line[:line.index("torch.log")]
    assert diagnostic["range"]["start"] == {
        "line": 4, "character": len(prefix.encode(encoding + ("-le" if encoding == "utf-32" else ""))) // (4 if encoding == "utf-32"
                                                                 else 1)}
    # an incremental change in the same units: `x` inside the softmax becomes `y.x`
    at = len((prefix + "torch.log(F.softmax(").encode(encoding + ("-le" if encoding == "utf-32" else ""))) // (
        4 if encoding == "utf-32" else 1)
    mark = client.mark()
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri(path), "version": 2},
        "contentChanges": [{"range": {"start": {"line": 4, "character": at},
                                      "end": {"line": 4, "character": at + 1}},
                            "text": "y.x"}]})
    [diagnostic] = client.diagnostics(uri(path), mark)
    [fix] = [a for a in code_actions(client, uri(path), diagnostic["range"]["start"])
             if a["title"].startswith("Replace")]
    # the replacement, and the removal of `import torch` (no longer used)
    edit, removal = sorted(fix["edit"]["changes"][uri(path)],
                           key=lambda e: -e["range"]["start"]["line"])
    assert edit["newText"] == "F.log_softmax(y.x, dim=-1)"
    assert removal["newText"] == "" and removal["range"]["start"] == {"line": 0, "character": 0}


def test_a_configuration_error_is_shown_once(tmp_path, start_server):
    (tmp_path / "numlint.toml").write_text("select = [\n")
    path = tmp_path / "model.py"
    client = start_server()
    mark = client.mark()
    open_document(client, path, HAZARD)
    shown = client.wait_for(lambda m: m.get("method") == "window/showMessage", mark)
    assert "invalid TOML" in shown["params"]["message"]
    change_document(client, path, HAZARD + "\n", 2)
    open_document(client, tmp_path / "other.py", HAZARD)
    client.request("textDocument/hover", {"textDocument": {"uri": uri(path)},
                                          "position": {"line": 0, "character": 0}})
    assert [m for m in client.notifications[mark:]
            if m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri(path)] == []
    assert client.shutdown_and_exit() == 0


def test_changed_configuration_is_read_again(tmp_path, start_server):
    path = tmp_path / "model.py"
    client = start_server(capabilities={
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}})
    mark = client.mark()
    open_document(client, path, HAZARD)
    assert [d["code"] for d in client.diagnostics(uri(path), mark)] == ["NL101"]
    [registration] = [r for r in client.server_requests
                      if r["method"] == "client/registerCapability"]
    [watching] = registration["params"]["registrations"]
    assert watching["method"] == "workspace/didChangeWatchedFiles"
    assert {"**/*.py", "**/pyproject.toml", "**/numlint.toml", "**/.numlint.toml"} <= {
        w["globPattern"] for w in watching["registerOptions"]["watchers"]}
    (tmp_path / "numlint.toml").write_text('ignore = ["NL101"]\n')
    mark = client.mark()
    client.notify("workspace/didChangeWatchedFiles", {"changes": [
        {"uri": uri(tmp_path / "numlint.toml"), "type": 1}]})
    assert client.diagnostics(uri(path), mark) == []


def test_warm_up_freezes_what_lives_as_long_as_the_server():
    """The engine, table and rules loaded by the warm-up are moved out of the cyclic
    collector's sight (benchmarks/server_latency.py: median 85-117 ms -> 70-82 ms)."""
    import gc

    from numlint.cli.server import warm_up
    gc.unfreeze()
    try:
        warm_up()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
