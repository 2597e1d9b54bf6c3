"""numlint's rule catalog: one module per hazard, each defining one `numlint.engine.rule.Rule`.

Installed, this directory is the `numlint.rules` package; `numlint.engine.registry` discovers the
rules in it. See `docs/writing-rules.md`.
"""
