"""The engine: one source text (and the module summaries it asks for) in, diagnostics and
fixes out. Pure: it reads no files and keeps no state between calls.

source, parse and check (`check`), the semantic model (`semantic/`), the framework table
(`table/`), the rule API (`rule`), the registry of rules, suppression (`noqa`), the prefilter,
and fixes (`fix`, `emit`, `importer`). Nothing here imports `numlint.run`, `numlint.cli` or
`numlint.authoring`.
"""
