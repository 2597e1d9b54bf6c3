"""Output formats: one module per format, each a `write(report, stream, statistics=False)`
function. `--statistics` is a table in the human formats and a list in `json`; the CI formats
have no statistics form (`STATISTICS_FORMATS`)."""

from __future__ import annotations

from numlint.cli.output import concise, github, gitlab, grouped, json_format, junit, sarif, text

FORMATS = {
    "text": text.write,
    "full": text.write,         # Ruff's name for its default format
    "concise": concise.write,
    "grouped": grouped.write,
    "json": json_format.write,
    "sarif": sarif.write,
    "github": github.write,
    "gitlab": gitlab.write,
    "junit": junit.write,
}

STATISTICS_FORMATS = ("text", "full", "concise", "grouped", "json")
