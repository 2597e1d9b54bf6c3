"""A diagnostic: one finding in one file, with its location and optional fix."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Tuple

from numlint.engine.fix import Fix
from numlint.engine.source import Position


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    start: Position
    end: Position
    fix: Optional[Fix] = None
    # Character offsets of the flagged range in the source (for fixes and ordering).
    offset: Tuple[int, int] = (0, 0)
    # The row a `# noqa` comment must be on to suppress this diagnostic.
    noqa_row: Optional[int] = None
    # Notebook cell (1-based) the diagnostic is in; None for plain Python files.
    cell: Optional[int] = None
    # NL9xx diagnostics: the file could not be (fully) checked.
    error: bool = field(default=False)

    @property
    def fixable(self) -> bool:
        return self.fix is not None and self.fix.applicability.value != "display-only"

    def sort_key(self):
        return (self.path, self.cell or 0, self.start.row, self.start.column, self.code)

    def with_fix(self, fix: Optional[Fix]) -> "Diagnostic":
        return replace(self, fix=fix)
