"""Fix mechanics: formatting and comments survive, imports are added once in the right place,
nested hazards converge in one run, the result always parses, and fixing twice changes nothing."""

import codecs

import pytest

from numlint import Config, check_source, fix_source
from numlint.engine.source import SourceText

from conftest import dedent


def fixed(source: str, unsafe: bool = False) -> str:
    return fix_source(dedent(source), "m.py", unsafe=unsafe).source.text


def test_formatting_and_comments_outside_the_range_survive():
    source = """
        import torch  # the framework


        def loss(   scores ,weights ):   # odd spacing stays
            # a comment on its own line
            value = torch.log(torch.sum(torch.exp(scores), dim=1))  # trailing comment
            return (value*weights).mean( )
        """
    assert fixed(source) == dedent("""
        import torch  # the framework


        def loss(   scores ,weights ):   # odd spacing stays
            # a comment on its own line
            value = torch.logsumexp(scores, dim=1)  # trailing comment
            return (value*weights).mean( )
        """)


def test_operand_formatting_and_comments_inside_it_are_copied_verbatim():
    source = """
        import torch

        y = torch.log(torch.sum(torch.exp(a +   # first part
                                          b), dim=1))
        """
    assert fixed(source) == dedent("""
        import torch

        y = torch.logsumexp(a +   # first part
                                          b, dim=1)
        """)


def test_a_fix_that_would_drop_a_comment_is_unsafe():
    source = dedent("""
        import torch

        y = torch.log(
            torch.sum(torch.exp(x), dim=1)  # sum over classes
        )
        """)
    (diagnostic,) = check_source(source, "m.py")
    assert diagnostic.fix.applicability.value == "unsafe"
    assert fix_source(source, "m.py").source.text == source
    assert "# sum over classes" not in fix_source(source, "m.py", unsafe=True).source.text


def test_parenthesised_receiver_for_method_form():
    assert fixed("""
        import torch
        y = (a + b).exp().sum(-1).log()
        """) == dedent("""
        import torch
        y = (a + b).logsumexp(-1)
        """)


def test_nested_hazards_converge_in_one_run():
    source = """
        import torch
        y = torch.log(torch.softmax(torch.log(torch.softmax(x, 1)), 1))
        """
    result = fix_source(dedent(source), "m.py")
    assert result.source.text == dedent("""
        import torch
        y = torch.log_softmax(torch.log_softmax(x, 1), 1)
        """)
    assert result.fixed == {"NL101": 2} and result.diagnostics == []


def test_fixing_twice_changes_nothing():
    source = dedent("""
        import numpy as np
        from scipy.special import softmax
        a = np.log(softmax(x, axis=0))
        b = np.log(np.exp(x).sum(axis=0))
        """)
    once = fix_source(source, "m.py").source.text
    assert once != source
    assert fix_source(once, "m.py").source.text == once
    assert check_source(once, "m.py") == []


class TestImports:
    def test_added_once_for_several_fixes(self):
        source = """
            import jax.numpy as jnp

            a = jnp.log(jnp.sum(jnp.exp(x), axis=0))
            b = jnp.log(jnp.sum(jnp.exp(y), axis=0))
            """
        # One import of jax for both; jnp, no longer used, goes (numlint/engine/imports.py).
        assert fixed(source) == dedent("""
            import jax

            a = jax.nn.logsumexp(x, axis=0)
            b = jax.nn.logsumexp(y, axis=0)
            """)

    def test_existing_alias_is_reused(self):
        source = """
            import numpy as np
            import scipy.special as sp
            y = np.log(np.sum(np.exp(x)))
            """
        assert fixed(source) == dedent("""
            import scipy.special as sp
            y = sp.logsumexp(x)
            """)

    def test_after_docstring_and_future_import(self):
        source = '''
            """Module docstring."""
            from __future__ import annotations

            import jax.numpy as jnp

            def f(x):
                return jnp.log(jnp.sum(jnp.exp(x)))
            '''
        assert fixed(source) == dedent('''
            """Module docstring."""
            from __future__ import annotations

            import jax

            def f(x):
                return jax.nn.logsumexp(x)
            ''')

    def test_shebang_and_coding_cookie_stay_first(self):
        source = dedent("""
            #!/usr/bin/env python
            # -*- coding: utf-8 -*-
            from numpy import log, exp
            y = log(sum(exp(x)))
            """)
        out = fix_source(source, "m.py").source.text
        # The new import follows them; `log` and `exp`, no longer used, go.
        assert out.splitlines() == ["#!/usr/bin/env python", "# -*- coding: utf-8 -*-",
                                    "import numpy as np", "y = np.logaddexp.reduce(x, axis=0)"]

    def test_local_import_in_function_is_reused(self):
        source = """
            def f(x):
                import torch
                return torch.log(torch.exp(x).sum(1))
            """
        assert fixed(source) == dedent("""
            def f(x):
                import torch
                return torch.logsumexp(x, 1)
            """)

    def test_no_fix_when_the_name_to_import_is_taken(self):
        # `jax` is a local variable here: importing it would change what the code refers to.
        source = dedent("""
            import jax.numpy as jnp

            def f(x, jax):
                return jnp.log(jnp.sum(jnp.exp(x)))
            """)
        (diagnostic,) = check_source(source, "m.py")
        assert diagnostic.fix is None

    def test_from_import_when_scipy_is_imported_but_not_special(self):
        source = """
            import numpy as np
            import scipy.linalg
            y = np.log(np.sum(np.exp(x)))
            """
        assert fixed(source) == dedent("""
            import scipy.linalg
            from scipy.special import logsumexp
            y = logsumexp(x)
            """)


class TestEncodingsAndNewlines:
    SOURCE = "import torch\ny = torch.log(torch.softmax(x, 1))  # é\n"

    def test_crlf_newlines_are_kept(self):
        source = self.SOURCE.replace("\n", "\r\n").encode()
        result = fix_source(source, "m.py")
        assert result.source.to_bytes() == b"import torch\r\ny = torch.log_softmax(x, 1)  # \xc3\xa9\r\n"

    def test_inserted_import_uses_the_file_newline(self):
        source = "import jax.numpy as jnp\r\ny = jnp.log(jnp.sum(jnp.exp(x)))\r\n".encode()
        out = fix_source(source, "m.py").source.to_bytes()
        assert out == b"import jax\r\ny = jax.nn.logsumexp(x)\r\n"

    def test_bom_is_kept(self):
        source = codecs.BOM_UTF8 + self.SOURCE.encode()
        out = fix_source(source, "m.py").source.to_bytes()
        assert out.startswith(codecs.BOM_UTF8) and b"log_softmax" in out

    def test_declared_encoding_is_kept(self):
        source = ("# -*- coding: latin-1 -*-\n" + self.SOURCE).encode("latin-1")
        result = fix_source(source, "m.py")
        assert codecs.lookup(result.source.encoding) == codecs.lookup("latin-1")
        assert result.source.to_bytes() == ("# -*- coding: latin-1 -*-\nimport torch\n"
                                            "y = torch.log_softmax(x, 1)  # é\n").encode("latin-1")

    def test_columns_count_characters_not_bytes(self):
        source = "import torch\ns = 'ééé'; y = torch.log(torch.softmax(x, 1))\n"
        (diagnostic,) = check_source(source, "m.py")
        assert diagnostic.start.column == source.splitlines()[1].index("torch.log") + 1
        assert fix_source(source, "m.py").source.text.endswith(
            "s = 'ééé'; y = torch.log_softmax(x, 1)\n")

    def test_file_without_final_newline(self):
        source = "import jax.numpy as jnp\ny = jnp.log(jnp.sum(jnp.exp(x)))"
        assert fix_source(source, "m.py").source.text == \
            "import jax\ny = jax.nn.logsumexp(x)"


def test_fix_api_reports_counts_and_remaining():
    source = dedent("""
        import numpy as np
        a = np.log(np.exp(x).sum())
        b = np.log(np.mean(np.exp(x)))
        """)
    result = fix_source(source, "m.py")
    assert result.fixed == {"NL102": 1}
    assert [d.message.startswith("`log(mean(exp(x)))`") for d in result.diagnostics] == [True]
    assert result.changed


@pytest.mark.parametrize("source", [
    "import torch\ny = torch.log(torch.softmax(x, 1), out=buf)\n",      # extra argument on log
    "import numpy as np\ny = np.log(np.sum(np.exp(x), dtype=np.float32))\n",  # sum's dtype
    "import numpy as np, torch\ny = np.log(torch.sum(torch.exp(x)))\n",  # mixed libraries
])
def test_no_fix_when_not_provably_equivalent(source):
    (diagnostic,) = check_source(source, "m.py")
    assert diagnostic.fix is None


def test_selection_limits_fixes():
    source = dedent("""
        import torch
        a = torch.log(torch.softmax(x, 1))
        b = torch.log(torch.exp(x).sum(1))
        """)
    out = fix_source(source, "m.py", Config(select=("NL102",))).source.text
    assert "torch.log(torch.softmax(x, 1))" in out and "torch.logsumexp(x, 1)" in out


def test_sourcetext_roundtrip_positions():
    text = SourceText("a\r\nbé\rc\n")
    assert text.line_starts == [0, 3, 6, 8]
    assert text.line(2) == "bé" and text.position(4).row == 2
