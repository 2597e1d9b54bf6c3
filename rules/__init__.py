"""numlint's rule catalog: one module per hazard, each defining one `numlint.rule.Rule`.

Installed, this directory is the `numlint.rules` package; `numlint.registry` discovers the
rules in it. See `docs/writing-rules.md`.
"""
