"""Suppression comments."""

import pytest

from numlint import check_source, fix_source

from conftest import dedent

LINE = "y = torch.log(torch.softmax(x, 1))"
BOTH = "y = torch.log(torch.softmax(x, 1)) + torch.log(torch.exp(x).sum(1))"


def codes(source: str):
    return [d.code for d in check_source("import torch\n" + source + "\n", "m.py")]


@pytest.mark.parametrize("comment,remaining", [
    ("", ["NL101", "NL102"]),
    ("  # noqa", []),
    ("  # noqa: NL101", ["NL102"]),
    ("  # noqa:NL102", ["NL101"]),
    ("  # noqa: NL101, NL102", []),
    ("  # noqa: NL101 NL102", []),
    ("  # NOQA: nl101", ["NL102"]),
    ("  # noqa: NL201", ["NL101", "NL102"]),
    ("  # type: ignore  # noqa: NL102 -- a reason", ["NL101"]),
])
def test_line_suppression(comment, remaining):
    assert codes(BOTH + comment) == remaining


def test_noqa_inside_a_string_does_not_suppress():
    assert codes(LINE + "; s = '# noqa'") == ["NL101"]


def test_noqa_applies_to_the_line_where_the_finding_starts():
    source = "y = torch.log(  # noqa: NL101\n    torch.softmax(x, 1))"
    assert codes(source) == []
    source = "y = torch.log(\n    torch.softmax(x, 1))  # noqa: NL101"
    assert codes(source) == ["NL101"]


def test_file_level_exemption():
    assert codes("# numlint: noqa\n" + BOTH) == []
    assert codes("# numlint: noqa: NL102\n" + BOTH) == ["NL101"]
    assert codes("x = 1  # numlint: noqa\n" + BOTH) == ["NL101", "NL102"]  # own line only
    assert codes('s = """\n# numlint: noqa\n"""\n' + BOTH) == ["NL101", "NL102"]


def test_suppressed_findings_are_not_fixed():
    source = dedent("""
        import torch
        a = torch.log(torch.softmax(x, 1))  # noqa: NL101
        b = torch.log(torch.softmax(x, 1))
        """)
    out = fix_source(source, "m.py").source.text
    assert "a = torch.log(torch.softmax(x, 1))  # noqa: NL101" in out
    assert "b = torch.log_softmax(x, 1)" in out


def test_noqa_row_is_reported():
    (diagnostic,) = check_source("import torch\n\n" + LINE + "\n", "m.py")
    assert diagnostic.noqa_row == 3


ADD_NOQA = dedent('''
    import numpy as np


    def f(x, y):
        a = np.log(np.sum(np.exp(x)))   # keep this comment
        b = np.log(np.sum(np.exp(y)))  # noqa: E501
        c = np.log(np.sum(np.exp(x))) + len("""first
    second""")
        d = np.log(np.sum(np.exp(x))) + \\
            1
        e = (np.log(np.sum(np.exp(x))),
             np.log(np.sum(np.exp(y))))
        return a, b, c, d, e
''')


def test_add_noqa_suppresses_every_finding(run, write):
    """As Ruff's --add-noqa: a directive per line (joined to an existing `# noqa: ...`, after
    any other comment); a finding whose line ends inside a string or with a backslash gets it
    at the end of the string or of the continued lines; the file still parses; a second run
    adds nothing."""
    import ast

    path = write("m.py", ADD_NOQA)
    write("clean.py", "x = 1\n")
    result = run("check", "--add-noqa", ".")
    assert result.exit_code == 0, result.output
    assert "Added 6 noqa directives." in result.stdout
    text = path.read_text()
    ast.parse(text)
    lines = text.splitlines()
    assert lines[4].endswith("# keep this comment  # noqa: NL102")
    assert lines[5].endswith("# noqa: E501, NL102")
    assert lines[6:8] == ['    c = np.log(np.sum(np.exp(x))) + len("""first',
                          'second""")  # noqa: NL102']
    assert lines[8:10] == ["    d = np.log(np.sum(np.exp(x))) + \\",
                           "        1  # noqa: NL102"]
    assert lines[10].endswith("(np.log(np.sum(np.exp(x))),  # noqa: NL102")
    assert lines[11].endswith("# noqa: NL102")
    assert run("check", ".").exit_code == 0
    again = run("check", "--add-noqa", ".")
    assert "Added 0 noqa directives." in again.stdout and path.read_text() == text


def test_noqa_of_a_line_inside_a_string_or_continuation_goes_where_it_ends(run, write):
    source = dedent('''
        import numpy as np
        a = np.log(np.sum(np.exp(x))) + len("""
        text""")  # noqa: NL102
        b = np.log(np.sum(np.exp(x))) + \\
            1  # noqa: NL102
        c = np.log(np.sum(np.exp(x))) + \\
            len("""
        text""")
    ''')
    (diagnostic,) = check_source(source, "m.py")
    assert (diagnostic.start.row, diagnostic.noqa_row) == (6, 8)  # a and b: suppressed


def test_add_noqa_keeps_encoding_and_newlines_and_reports_unchecked_files(run, write):
    source = "# -*- coding: latin-1 -*-\nimport numpy as np\r\ns = 'é'\r\n" \
             "y = np.log(np.sum(np.exp(x)))\r\n"
    path = write("m.py", source.encode("latin-1"))
    write("broken.py", "def f(:\n")
    result = run("check", "--add-noqa", ".")
    assert result.exit_code == 1  # broken.py was not checked: a finding left
    assert "broken.py:1:7: NL901" in result.stderr
    assert path.read_bytes() == source.replace(
        "exp(x)))\r\n", "exp(x)))  # noqa: NL102\r\n").encode("latin-1")


def test_add_noqa_is_not_a_fix(run, write):
    write("m.py", ADD_NOQA)
    assert run("check", "--add-noqa", "--fix", ".").exit_code == 2


def test_noqa_of_a_finding_inside_a_multi_line_f_string(run, write):
    source = dedent('''
        import numpy as np
        message = f"""
        {np.log(np.sum(np.exp(x)))}
        """
    ''')
    (diagnostic,) = check_source(source, "m.py")
    assert (diagnostic.start.row, diagnostic.noqa_row) == (3, 4)
    path = write("m.py", source)
    assert "Added 1 noqa directive." in run("check", "--add-noqa", "m.py").stdout
    assert path.read_text().splitlines()[3] == '"""  # noqa: NL102'
    assert run("check", "m.py").exit_code == 0


# -- the scan: a line scan that answers exactly as a tokenization ---------------------------

import io  # noqa: E402
import json  # noqa: E402
import tokenize  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from numlint.engine import noqa  # noqa: E402
from numlint.engine.registry import all_rules  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def tokenized_scan(text):
    """The scan as it was when it tokenized every module: (comments, rows)."""
    comments, following, complete = {}, {}, True
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = (token.start[1], token.string)
            elif token.end[0] > token.start[0] and token.type not in (tokenize.NEWLINE,
                                                                     tokenize.NL):
                for row in range(token.start[0], token.end[0]):
                    following[row] = max(following.get(row, 0), token.end[0])
    except (tokenize.TokenError, SyntaxError, IndentationError):
        complete = False
    rows = {}
    if not complete or "\r" in text.replace("\r\n", ""):
        return comments, rows
    for row, line in enumerate(text.split("\n"), start=1):
        if row not in comments and row not in following and line.rstrip().endswith("\\"):
            following[row] = row + 1
    for row in sorted(following, reverse=True):
        target = following[row]
        rows[row] = rows.get(target, target)
    return comments, rows


def assert_same_scan(text):
    scan = noqa._Scan(text)
    assert (scan.comments, scan.rows) == tokenized_scan(text), repr(text)
    lined = None if noqa._lone_carriage_returns(text) else noqa._line_scan(text)
    if lined is not None:  # the line scan answered itself: as tokenize, before the rows
        assert lined == noqa._token_scan(text), repr(text)
    return lined is not None


TRICKY = [
    "",
    "\n",
    "x = 1",
    "x = 1  # noqa",
    "# noqa\n",
    "   ",
    "x = 1\n   ",
    's = "# noqa"\n',
    "s = '# noqa'  # noqa: NL101\n",
    's = """\n# noqa\n"""  # noqa: NL102\n',
    "s = '''a\n'b' '' # noqa\n''' + '''\nc'''  # x\n",
    's = """a""" + """b\n"""\n',
    's = "a\\\n# noqa\\\nb"  # noqa\n',
    's = "a\\\r\nb"  # noqa\r\n',
    "s = 'unterminated # noqa\nx = 1  # noqa\n",
    "s = 'a\\\nunterminated\nx = 1  # noqa\n",
    's = """never closed # noqa\nx = 1\n',
    "f(1,\n  2)  # noqa\n",
    "f(1,\n  2  # noqa\n",
    ")\n(\n# noqa\n",
    "x = 1 + \\\n    2  # noqa\n",
    "x = 1 + \\\n",
    "x = 1 + \\",
    "x = 1 \\  \ny = 2  # noqa\n",
    "x = a\\b  # noqa\n",
    "if x:\n    y = 1\n  z = 2  # noqa\n",
    "if x:\n\ty = 1  # noqa\n        z = 2\n",
    "if x:\n    \ty = 1\n\tz = 2  # noqa\n",
    "if x:\n\f    y = 1  # noqa\n\fz = 2\n",
    "if x:\n    y = [\n1,\n  2]  # noqa\n  # c\nz = 3\n",
    "x = 1\r\ny = 2  # noqa: NL101\r\n",
    "x = 1\ry = 2  # noqa\r",
    "x = 1  # a\rb\ny = '''\n'''\n",
    "# a\r# noqa\n",
    "x = f'{a}' # noqa\ny = f\"\"\"\n{b  # c\n}\"\"\"  # noqa\n",
    "x = rb'\\'' + Rb\"\\\"\"  # noqa\n",
    "x = b'\\\\'  # noqa\nz = r'\\\\\\\n'\n",
    "x = $ # noqa\ny = ? # noqa\n",
    "x = 1\x00  # noqa\n",
    "\ufeff# noqa\nx = 1\n",
    "x = 1  # noqa\x0c\n\x0b# noqa\n",
    "def f():\n    '''doc\n    # noqa\n    '''\n    return 1  # noqa\n",
    "x = (\n    '''a\n'''  # noqa\n    '''b\n''' \\\n)\n",
    "x = 1 + \\\n\\\n    2\n",
    "x = '''\n''' \\\n  + 1  # noqa\n",
    "x = '''\n''' \\\n",
    "# numlint: noqa\n\nx = 1\n",
    "class A:\n    pass\n\n\n# trailing\n",
    "x = [1,\n# noqa\n]  # noqa\n",
    "x = '' '' \"\" '''''' \"\"\"\"\"\"  # noqa\n",
    "x = 'a' '''b\n'''\n",
    "\t\tx = 1\n",
    "if x:\n        y\n\tz  # noqa\n",
    "if x:\n\ty\n    z  # noqa\n",
    "if x:\n  \ty\n\tz  # noqa\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_the_scan_answers_as_tokenize_on_tricky_modules(text):
    assert_same_scan(text)
    assert_same_scan(text.replace("\n", "\r\n"))
    assert_same_scan(text.replace("    ", "\t"))


@pytest.mark.parametrize("text", [
    "if x:\n        y = 1\n\tz = '''\n'''  # noqa\n",
    "if x:\n\f    y = [1,\n  2]\n\f    z = 3 \\\n+ 4  # noqa\n",
    "x = 1  # noqa\r\ns = 'a\\\r\nb'\r\n",    "if x:\r\n    y = 1\r\n  \r\n    z = 2  # noqa\r\n",
])
def test_the_line_scan_answers_itself_on_valid_modules(text):
    assert noqa._line_scan(text) is not None
    assert_same_scan(text)


def test_the_scan_answers_as_tokenize_on_rule_examples_fixtures_and_sources():
    texts = []
    for rule in all_rules():
        for example in rule.examples:
            texts.append(example.code)
            if example.fixed is not None:
                texts.append(example.fixed)
    notebook = json.loads((ROOT / "tests" / "fixtures" / "notebook.ipynb").read_text())
    texts += ["".join(cell["source"]) for cell in notebook["cells"]]
    for directory in ("numlint", "rules", "tests", "benchmarks"):
        texts += [path.read_text(encoding="utf-8")
                  for path in sorted((ROOT / directory).rglob("*.py"))]
    lined = sum(assert_same_scan(text) for text in texts)
    assert len(texts) > 300
    assert lined > 0.9 * len(texts)  # the line scan answers itself on ordinary modules


PIECES = st.sampled_from([
    "x", " ", "\t", "\f", "(", ")", "[", "]", "{", "}", "'", '"', "'''", '"""', "#", "# noqa",
    "# noqa: NL102", "\\", "\\\n", "\n", "\r\n", "\r", "f", "rb", "=", "1", "if x:\n",
    "    ", "\x00", "é", "$",
])


@settings(max_examples=1500, derandomize=True, database=None, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_the_scan_answers_as_tokenize_on_any_text(text):
    assert_same_scan(text)


def test_a_finding_in_a_module_without_noqa_still_gets_its_directive_row():
    source = 'y = np.log(np.sum(np.exp(x))) + \\\n    len("""\n""")\n'
    (diagnostic,) = check_source("import numpy as np\n" + source, "m.py")
    assert (diagnostic.start.row, diagnostic.noqa_row) == (2, 4)
