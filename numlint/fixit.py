"""numlint's rules as Fixit lint rules: `enable = ["numlint.fixit"]` in a Fixit configuration.

One LintRule per numlint rule, named by its code (`NL101` ...), all running on one numlint
analysis per module; built in `numlint.cli.fixit_pack` (docs/fixit.md). Needs Fixit:
`pip install 'numlint[fixit]'`.
"""

try:
    from numlint.cli.fixit_pack import RULES as _RULES
except ImportError as exc:  # pragma: no cover - without the extra
    if exc.name not in ("fixit", "libcst"):
        raise
    raise ImportError(f"numlint.fixit needs Fixit ({exc}): pip install 'numlint[fixit]'",
                      name=exc.name) from exc

globals().update(_RULES)
__all__ = sorted(_RULES)
