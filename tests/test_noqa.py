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
