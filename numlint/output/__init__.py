"""Output formats: one module per format, each a `write(report, stream)` function."""

from __future__ import annotations

from numlint.output import json_format, text

FORMATS = {
    "text": text.write,
    "json": json_format.write,
}
