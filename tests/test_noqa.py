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
