"""Jupyter notebooks: discovered and checked as one module per notebook, reported per cell,
IPython syntax tolerated, fixed cell by cell with the file's JSON kept (nbformat proves it)."""

import json
import os
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from numlint.run.config import Config
from numlint.engine.fix import Edit
from numlint.run.notebook import (_Module, check_notebook, fix_notebook, is_magic_cell,
                              mask_ipython, read_notebook)

from conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "notebook.ipynb"
LSE = "np.log(np.sum(np.exp(x), axis=1))"
LSE_FIXED = "np.logaddexp.reduce(x, axis=1)"


def notebook(*cells, **metadata) -> str:
    """A notebook's JSON as Jupyter writes it; a str is a code cell, ("markdown", text) not."""
    built = []
    for number, cell in enumerate(cells, 1):
        if isinstance(cell, tuple):
            built.append(new_markdown_cell(cell[1]))
        else:
            built.append(new_code_cell(cell, execution_count=number, outputs=[
                new_output("stream", name="stdout", text=f"output of cell {number}\n")]))
        built[-1]["id"] = f"c{number}"
    return nbformat.writes(new_notebook(cells=built, metadata=metadata))


def sources(path) -> list:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]


@pytest.fixture
def fixture(tmp_path):
    path = tmp_path / "notebook.ipynb"
    shutil.copyfile(FIXTURE, path)
    return path


class TestCheck:
    def test_reports_cell_row_and_column_with_the_cells_lines(self, run, fixture):
        result = run("check", "--no-cache", "notebook.ipynb")
        assert result.exit_code == 1
        headers = [line for line in result.output.splitlines() if line.startswith("notebook")]
        assert headers == [
            "notebook.ipynb:cell 3:5:7: NL102 [*] `log(sum(exp(x)))` overflows and underflows; "
            "use `logsumexp`",
            "notebook.ipynb:cell 7:1:13: NL101 log of a softmax output (computed elsewhere) "
            "underflows to `-inf`; use `log_softmax` of the logits",
            "notebook.ipynb:cell 7:5:11: NL102 [*] `log(sum(exp(x)))` overflows and underflows; "
            "use `logsumexp`",
        ]
        # the frame shows the cell's own line under the cell's own row number
        assert "5 | lse = np.log(np.sum(np.exp(scores), axis=1))" in result.output
        assert "1 | log_probs = torch.log(probs)" in result.output
        assert "5 |     print(np.log(np.sum(np.exp(scores[row]))))" in result.output
        assert "+ lse = np.logaddexp.reduce(scores, axis=1)" in result.output

    def test_what_is_not_python_is_not_checked(self, fixture):
        diagnostics = check_notebook(fixture.read_bytes(), "notebook.ipynb")
        assert all(d.code != "NL901" for d in diagnostics)  # magics, shell escapes, help
        # The %%bash cell (4), the raw and Markdown cells hold the same hazard: not reported.
        # The `%time` line of cell 7 holds one too: a magic's text is not Python.
        assert [(d.cell, d.start.row) for d in diagnostics] == [(3, 5), (7, 1), (7, 5)]
        # the noqa comment for NL101 on row 2 of cell 7 suppressed its finding
        assert all(d.noqa_row == d.start.row for d in diagnostics)

    def test_names_flow_between_cells(self):
        text = notebook("import torch", "p = torch.softmax(z, dim=1)", "y = torch.log(p)")
        (diagnostic,) = check_notebook(text, "nb.ipynb")
        assert (diagnostic.code, diagnostic.cell, diagnostic.start.row) == ("NL101", 3, 1)

    def test_cells_are_numbered_among_all_cells(self):
        text = notebook(("markdown", "# title"), "import numpy as np", ("markdown", "text"),
                        f"y = {LSE}")
        (diagnostic,) = check_notebook(text, "nb.ipynb")
        assert (diagnostic.cell, diagnostic.start.row, diagnostic.start.column) == (4, 1, 5)

    def test_json_carries_cell_and_cell_relative_locations(self, run, fixture):
        result = run("check", "--no-cache", "--output-format", "json", "notebook.ipynb")
        first = json.loads(result.stdout)[0]
        assert first["cell"] == 3
        assert first["filename"] == str(fixture)
        assert first["location"] == {"row": 5, "column": 7}
        assert first["end_location"] == {"row": 5, "column": 45}
        assert first["noqa_row"] == 5
        (edit,) = first["fix"]["edits"]
        assert edit["location"] == {"row": 5, "column": 7}
        assert edit["content"] == "np.logaddexp.reduce(scores, axis=1)"

    def test_an_edit_in_another_cell_is_located_in_that_cell(self, run, write):
        write("nb.ipynb", notebook("import numpy as np\nimport scipy", ("markdown", "m"),
                                   "def f(x):\n    return np.log(np.sum(np.exp(x)))"), raw=True)
        result = run("check", "--no-cache", "--output-format", "json", "nb.ipynb")
        (item,) = json.loads(result.stdout)
        assert (item["cell"], item["location"]) == (3, {"row": 2, "column": 12})
        edits = {e["content"]: e["location"] for e in item["fix"]["edits"]}
        assert edits == {"from scipy.special import logsumexp\n": {"row": 1, "column": 1},
                         "logsumexp(x)": {"row": 2, "column": 12}}

    def test_a_warm_cache_reports_the_same(self, run, fixture):
        cold = run("check", "--output-format", "json", "notebook.ipynb")
        warm = run("check", "--output-format", "json", "notebook.ipynb")
        assert (fixture.parent / ".numlint_cache").is_dir()
        assert cold.stdout == warm.stdout and json.loads(warm.stdout)[0]["fix"] is not None
        assert run("check", "notebook.ipynb").stdout == run("check", "notebook.ipynb").stdout

    def test_discovered_in_directories_but_not_in_checkpoints(self, run, tmp_path, fixture):
        (tmp_path / "sub").mkdir()
        shutil.copyfile(fixture, tmp_path / "sub" / "b.ipynb")
        (tmp_path / ".ipynb_checkpoints").mkdir()
        shutil.copyfile(fixture, tmp_path / ".ipynb_checkpoints" / "c-checkpoint.ipynb")
        result = run("check", "--no-cache", "--statistics", "--output-format", "json", ".")
        assert {r["code"]: r["count"] for r in json.loads(result.stdout)} == \
            {"NL101": 2, "NL102": 4}

    def test_noqa_for_the_whole_notebook_and_per_file_ignores(self, run, write):
        write("pyproject.toml", '[tool.numlint.per-file-ignores]\n"*.ipynb" = ["NL101"]\n')
        write("a.ipynb", notebook("import numpy as np", "# numlint: noqa", f"y = {LSE}"),
              raw=True)
        write("b.ipynb", notebook("import torch", "y = torch.log(torch.softmax(x, 1))"),
              raw=True)
        result = run("check", "--no-cache", "a.ipynb", "b.ipynb")
        assert result.exit_code == 0, result.output

    def test_a_syntax_error_is_reported_in_its_cell(self, run, write):
        write("nb.ipynb", notebook("import numpy as np", "x = 1\ny = (2,\n", f"z = {LSE}"),
              raw=True)
        result = run("check", "--no-cache", "nb.ipynb")
        assert result.exit_code == 1
        assert "nb.ipynb:cell 2:" in result.output and "NL901 syntax error" in result.output

    def test_the_size_limit_is_on_the_code_not_on_the_outputs(self, run, write):
        text = notebook("import numpy as np", f"y = {LSE}")
        document = json.loads(text)
        document["cells"][0]["outputs"][0]["text"] = ["x" * 100 + "\n"] * 100  # 10 kB
        for limit in ("2000", "20"):
            write(f"{limit}/nb.ipynb", json.dumps(document, indent=1), raw=True)
            write(f"{limit}/pyproject.toml", f"[tool.numlint]\nmax-file-size = {limit}\n")
        assert "cell 2:1:5: NL102" in run("check", "--no-cache", "2000/nb.ipynb").output
        result = run("check", "--no-cache", "20/nb.ipynb")
        assert result.exit_code == 1 and "NL906 notebook code too large" in result.output

    def test_other_languages_and_cells_are_skipped(self):
        r_notebook = notebook(f"y = {LSE}", language_info={"name": "R"})
        assert check_notebook(r_notebook, "nb.ipynb") == []
        julia = notebook(f"y = {LSE}", kernelspec={"language": "julia", "name": "julia-1.10",
                                                "display_name": "Julia"})
        assert check_notebook(julia, "nb.ipynb") == []
        python = notebook("import numpy as np", f"y = {LSE}",
                          kernelspec={"language": "python", "name": "python3",
                                      "display_name": "Python 3"})
        assert len(check_notebook(python, "nb.ipynb")) == 1
        document = json.loads(notebook("import numpy as np", f"y = {LSE}", f"z = {LSE}"))
        document["cells"][1]["metadata"]["vscode"] = {"languageId": "sql"}
        assert [d.cell for d in check_notebook(json.dumps(document), "nb.ipynb")] == [3]


class TestInvalid:
    @pytest.mark.parametrize("text, message, position", [
        ('{\n "cells": [\n  {"cell_type": "code",}\n ]\n}\n',
         "invalid notebook: not valid JSON: Expecting property name enclosed in double quotes",
         (3, 24)),
        ("[1, 2]", "invalid notebook: the JSON is not an object", (1, 1)),
        ('{"nbformat": 4, "metadata": {}}', "invalid notebook: no `cells` list", (1, 1)),
        ('{"nbformat": 3, "worksheets": []}', "invalid notebook: nbformat 3 is not supported",
         (1, 1)),
        ('{"cells": [{"cell_type": "code", "source": 7}]}',
         "invalid notebook: the source of cell 1 is not a string or a list of strings", (1, 12)),
        # nbformat's validator requires `cell_type` and `source` of every cell (issue 16):
        # reported at the cell's position in the JSON text
        ('{\n "cells": [\n  {"cell_type": "code", "source": "x = 1"},\n  {"source": "y"}\n ]\n}\n',
         "invalid notebook: cell 2 has no `cell_type`", (4, 3)),
        ('{\n "cells": [\n  {"cell_type": "markdown", "metadata": {}},\n'
         '  {"cell_type": "code", "source": "x"}\n ]\n}\n',
         "invalid notebook: cell 1 has no `source`", (3, 3)),
        ('{"cells": [{"cell_type": "code", "source": "a"}, {"cell_type": "code", "outputs": []}]}',
         "invalid notebook: cell 2 has no `source`", (1, 50)),
        ('{"cells": [{"cell_type": 3, "source": ""}]}',
         "invalid notebook: the `cell_type` of cell 1 is not a string", (1, 12)),
        ('{"cells": [{"cell_type": "code", "source": ""}, 5]}',
         "invalid notebook: cell 2 is not an object", (1, 49)),
        # a notebook in another language is invalid all the same
        ('{"metadata": {"language_info": {"name": "R"}}, "cells": [{"cell_type": "code"}]}',
         "invalid notebook: cell 1 has no `source`", (1, 58)),
    ])
    def test_not_a_notebook_is_nl901_at_the_json_position(self, text, message, position):
        (diagnostic,) = check_notebook(text, "nb.ipynb")
        assert diagnostic.code == "NL901" and diagnostic.error and diagnostic.cell is None
        assert diagnostic.message.startswith(message)
        assert (diagnostic.start.row, diagnostic.start.column) == position

    def test_a_cell_without_cell_type_or_source_is_invalid_as_nbformat_says(self, run, write):
        nbformat = pytest.importorskip("nbformat")
        valid = json.loads(notebook("import numpy as np", f"y = {LSE}"))
        nbformat.validate(nbformat.from_dict(valid))
        assert check_notebook(json.dumps(valid), "nb.ipynb")[0].code == "NL102"
        for key in ("cell_type", "source"):
            document = json.loads(json.dumps(valid))
            del document["cells"][1][key]
            with pytest.raises(nbformat.ValidationError):
                nbformat.validate(nbformat.from_dict(document))
            text = json.dumps(document, indent=1, sort_keys=True)
            (diagnostic,) = check_notebook(text, "nb.ipynb")
            assert diagnostic.code == "NL901" and diagnostic.cell is None
            assert diagnostic.message == f"invalid notebook: cell 2 has no `{key}`"
            offset = text.rindex("{", 0, text.index('"id": "c2"'))  # where cell 2 begins
            row = text.count("\n", 0, offset) + 1
            assert (diagnostic.start.row, diagnostic.start.column) == \
                (row, offset - text.rfind("\n", 0, offset))
            write("nb.ipynb", text, raw=True)
            result = run("check", "--no-cache", "nb.ipynb")
            assert result.exit_code == 1
            assert f"nb.ipynb:{row}:" in result.output and "NL901 invalid notebook" in result.output

    def test_the_run_goes_on_and_exits_1(self, run, write, fixture):
        write("bad.ipynb", "{not json", raw=True)
        write("latin.ipynb", b'{"cells": [], "x": "caf\xe9"}')
        write("nul.ipynb", b'{"cells": []}\0')
        result = run("check", "--no-cache", ".")
        assert result.exit_code == 1  # files that cannot be checked are findings, as in Ruff
        assert "bad.ipynb:1:2: NL901 invalid notebook: not valid JSON" in result.output
        assert "latin.ipynb:1:1: NL903 cannot decode the notebook: line 1: byte 0xe9" \
            in result.output
        assert "nul.ipynb:1:1: NL904 binary file" in result.output
        assert "notebook.ipynb:cell 3:5:7: NL102" in result.output
        assert run("check", "--no-cache", "--fix", ".").exit_code == 1
        assert run("check", "--no-cache", "--exit-zero", ".").exit_code == 0
        assert (fixture.parent / "bad.ipynb").read_text() == "{not json"


class TestFix:
    def test_fix_writes_only_changed_sources_and_keeps_the_rest(self, run, fixture):
        before = fixture.read_text(encoding="utf-8")
        result = run("check", "--no-cache", "--fix", "notebook.ipynb")
        assert result.exit_code == 1  # the unsafe NL101 fix was not applied
        assert "Found 3 errors (2 fixed, 1 remaining)." in result.output
        after = fixture.read_text(encoding="utf-8")
        nbformat.validate(nbformat.reads(after, as_version=4))
        # byte for byte what Jupyter (nbformat) would write for the new content
        assert after == nbformat.writes(nbformat.reads(after, as_version=4)) + "\n"
        old, new = json.loads(before), json.loads(after)
        for cell in new["cells"]:
            cell.pop("source")
        for cell in old["cells"]:
            cell.pop("source")
        assert old == new  # outputs, metadata, execution counts, ids
        changed = [i for i, (a, b) in enumerate(zip(sources(FIXTURE), sources(fixture)))
                   if a != b]
        assert changed == [2, 6]
        assert sources(fixture)[2].splitlines()[4] == "lse = np.logaddexp.reduce(scores, axis=1)"
        assert "    %time torch.log(torch.softmax(logits, dim=1))" in sources(fixture)[6]
        # the diff of the two files is exactly the two source lines
        changed_lines = [(a, b) for a, b in zip(before.splitlines(), after.splitlines())
                         if a != b]
        assert len(changed_lines) == 2 and len(before.splitlines()) == len(after.splitlines())

    def test_unsafe_fixes_then_nothing_left_and_no_rewrite(self, run, fixture):
        result = run("check", "--no-cache", "--fix", "--unsafe-fixes", "notebook.ipynb")
        assert result.exit_code == 0, result.output
        assert "log_probs = torch.log_softmax(logits, dim=1)" in sources(fixture)[6]
        stat = os.stat(fixture)
        again = run("check", "--no-cache", "--fix", "--unsafe-fixes", "notebook.ipynb")
        assert again.exit_code == 0 and "All checks passed!" in again.output
        after = os.stat(fixture)
        assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)

    def test_an_unchanged_notebook_is_not_rewritten(self, run, write):
        text = notebook("import numpy as np", "y = np.log(np.mean(np.exp(x)))")  # no fix
        path = write("nb.ipynb", text.replace("\n", "\r\n").encode())
        stat = os.stat(path)
        result = run("check", "--no-cache", "--fix", "nb.ipynb")
        assert result.exit_code == 1
        after = os.stat(path)
        assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)

    def test_diff_shows_changed_cells_and_writes_nothing(self, run, fixture):
        before = fixture.read_bytes()
        result = run("check", "--no-cache", "--diff", "notebook.ipynb")
        assert result.exit_code == 1
        assert "--- a/notebook.ipynb:cell 3\n+++ b/notebook.ipynb:cell 3\n" in result.stdout
        assert "-    print(np.log(np.sum(np.exp(scores[row]))))\n" in result.stdout
        assert "+    print(np.logaddexp.reduce(scores[row], axis=None))\n" in result.stdout
        assert "cell 5" not in result.stdout and fixture.read_bytes() == before

    @pytest.mark.parametrize("style", ["indent=1", "indent=2", "compact", "crlf", "ascii",
                                       "string", "bom", "no-final-newline"])
    def test_the_files_layout_and_representation_are_kept(self, style):
        document = json.loads(notebook("import numpy as np  # café", f"y = {LSE}\nz = 1"))
        if style == "string":
            for cell in document["cells"]:
                cell["source"] = "".join(cell["source"])
        dump = {"indent=2": dict(indent=2), "compact": dict(separators=(",", ":")),
                "ascii": dict(indent=1, ensure_ascii=True)}.get(style, dict(indent=1))
        dump.setdefault("ensure_ascii", False)
        text = json.dumps(document, **dump) + ("" if style == "no-final-newline" else "\n")
        if style == "crlf":
            text = text.replace("\n", "\r\n")
        data = ("\ufeff" if style == "bom" else "") + text
        result = fix_notebook(data.encode("utf-8"), "nb.ipynb")
        assert result.fixed == {"NL102": 1} and result.changes
        # the same document with the fixed source, written the same way
        expected_document = json.loads(text)
        fixed = f"y = {LSE_FIXED}\nz = 1"
        expected_document["cells"][1]["source"] = fixed if style == "string" else \
            [f"y = {LSE_FIXED}\n", "z = 1"]
        expected = json.dumps(expected_document, **dump) + \
            ("" if style == "no-final-newline" else "\n")
        if style == "crlf":
            expected = expected.replace("\n", "\r\n")
        expected = expected.encode("utf-8")
        if style == "bom":
            expected = b"\xef\xbb\xbf" + expected
        assert result.to_bytes() == expected

    def test_a_fix_crossing_a_cell_boundary_is_dropped(self, run, write):
        text = notebook("import numpy as np\ny = np.log(np.sum(np.exp(x),", "axis=1))")
        path = write("nb.ipynb", text, raw=True)
        (diagnostic,) = check_notebook(text, "nb.ipynb")
        assert diagnostic.code == "NL102" and diagnostic.fix is None
        assert (diagnostic.cell, diagnostic.start.row) == (1, 2)
        assert diagnostic.end.row == 2  # kept inside its cell
        result = run("check", "--no-cache", "--fix", "nb.ipynb")
        assert result.exit_code == 1 and path.read_text() == text

    def test_edits_never_touch_ipython_lines_or_cross_cells(self):
        cells = read_notebook(notebook("a = 1\n%time f(x)\nb = 2", "c = 3")).cells
        module = _Module.build(cells, [c.text for c in cells])
        magic = module.original.text.index("%time")
        end_of_magic = module.original.text.index("\nb = 2")
        assert module.edit_cell(Edit(0, 5, "a = 0")) == 0
        assert module.edit_cell(Edit(magic, magic, "import os\n")) == 0  # a line before it
        assert module.edit_cell(Edit(magic, magic, "x")) is None
        assert module.edit_cell(Edit(magic + 1, magic + 2, "x")) is None
        assert module.edit_cell(Edit(end_of_magic, end_of_magic, " # x")) is None
        assert module.edit_cell(Edit(magic - 2, magic, "")) is None  # joins it to a line
        assert module.edit_cell(Edit(end_of_magic + 1, end_of_magic + 6, "b = 1")) == 0
        cell_2 = module.starts[1]
        assert module.edit_cell(Edit(cell_2, cell_2 + 5, "c = 0")) == 1
        assert module.edit_cell(Edit(cell_2 - 1, cell_2, "")) is None  # the separator
        assert module.edit_cell(Edit(cell_2 - 3, cell_2 + 1, "")) is None
        assert module.apply([Edit(0, 5, "a = 0"), Edit(cell_2, cell_2 + 5, "c = 0")]) == \
            ["a = 0\n%time f(x)\nb = 2", "c = 0"]

    def test_api(self):
        text = notebook("import numpy as np", f"y = {LSE}")
        (diagnostic,) = check_notebook(text, "nb.ipynb", Config())
        assert (diagnostic.code, diagnostic.cell, diagnostic.path) == ("NL102", 2, "nb.ipynb")
        result = fix_notebook(text, "nb.ipynb")
        assert result.diagnostics == [] and result.fixed == {"NL102": 1}
        assert sources_of(result.text) == ["import numpy as np", f"y = {LSE_FIXED}"]
        assert fix_notebook(text, "nb.ipynb", Config(select=("NL101",))).changes == []


def sources_of(text: str) -> list:
    return ["".join(c["source"]) for c in json.loads(text)["cells"]]


class TestStdin:
    def test_check_and_fix_a_notebook_on_stdin(self, numlint_process):
        text = notebook("import numpy as np", f"y = {LSE}")
        check = numlint_process("check", "-", "--stdin-filename", "nb.ipynb",
                                input=text.encode())
        assert check.returncode == 1
        assert b"nb.ipynb:cell 2:1:5: NL102" in check.stdout
        fixed = numlint_process("check", "--fix", "-", "--stdin-filename", "nb.ipynb",
                                input=text.encode())
        assert fixed.returncode == 0 and b"1 fixed" in fixed.stderr
        assert sources_of(fixed.stdout.decode()) == ["import numpy as np", f"y = {LSE_FIXED}"]
        nbformat.validate(nbformat.reads(fixed.stdout.decode(), as_version=4))


class TestMasking:
    @pytest.mark.parametrize("source", [
        "%matplotlib inline\nimport numpy as np",
        "!pip install torch\nfiles = !ls -la\na, b = %sx echo 1\n",
        "np.sum?\nnp.sum??\n?np.sum\n%timeit?\n",
        "for i in range(3):\n    !echo $i\n    %ls\n",
        "!echo a \\\n   b \\\n   c\nx = 1\n",
        "/print 1 2\n,print a b\n;print a b\n",
        "%%time\nx = 1\n",
        "if x:\n    !l\n",
    ])
    def test_ipython_lines_become_same_length_python(self, source):
        masked, ranges = mask_ipython(source)
        assert len(masked) == len(source) and ranges
        compile(masked, "<cell>", "exec")
        for start, end in ranges:
            assert source[start:end].strip() != masked[start:end].strip()
        kept = [line for line in source.splitlines() if not line.lstrip().startswith(
            ("%", "!", "?", "/", ",", ";")) and "=" not in line and "?" not in line
            and not line.startswith("   ")]
        assert all(line in masked.splitlines() for line in kept)

    @pytest.mark.parametrize("source", [
        "x = (a\n     % b)\n",                    # a modulo continuing an expression
        "y = (a\n != b)\n",                      # a comparison
        's = """\n%not a magic\n!nor this?\n"""\n',  # inside a string
        "x = 1  # is this a question?\ns = 'or this?'\n",
        "z = a \\\n    % b\n",                     # after a backslash continuation
    ])
    def test_python_is_left_alone(self, source):
        assert mask_ipython(source) == (source, [])

    def test_cell_magics(self):
        assert is_magic_cell("%%bash\necho hi")
        assert is_magic_cell("x = 1\n%%writefile out.py\n")
        assert is_magic_cell("pip install torch")
        assert is_magic_cell("cd -")
        assert not is_magic_cell("%%time\nx = 1")
        assert not is_magic_cell("%%capture output\nprint(1)")
        assert not is_magic_cell("time = 3")
        assert not is_magic_cell("run(x)")
