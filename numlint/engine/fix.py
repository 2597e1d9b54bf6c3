"""Fixes as exact text edits, and their application.

A fix replaces the source range of the hazardous expression; the operands inside it are copied
verbatim from the source, so their formatting and comments survive, and nothing outside the
range changes (a fix that would drop a comment inside the range is downgraded to unsafe). This
is the model Ruff uses, and it maps one to one onto the `edits` of the JSON output.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Set, Tuple


class Applicability(str, enum.Enum):
    """How sure a fix is (Ruff's vocabulary, so tools reading Ruff's JSON read ours)."""

    SAFE = "safe"                  # exactly equivalent wherever the original was finite
    UNSAFE = "unsafe"              # changes values or needs a judgement: --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # a suggestion: shown, never applied

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the characters `[start, end)` of the source by `content`."""

    start: int
    end: int
    content: str

    def overlaps(self, other: "Edit") -> bool:
        if self.start == self.end == other.start == other.end:
            return True  # two insertions at one point: their order would be arbitrary
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: Tuple[Edit, ...]

    def applies(self, unsafe: bool) -> bool:
        if self.applicability is Applicability.SAFE:
            return True
        return unsafe and self.applicability is Applicability.UNSAFE


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (identical duplicates are applied once)."""
    parts: List[str] = []
    last = 0
    for edit in sorted(set(edits)):
        if edit.start < last:
            raise ValueError("overlapping edits")
        parts.append(text[last:edit.start])
        parts.append(edit.content)
        last = edit.end
    parts.append(text[last:])
    return "".join(parts)


def select_fixes(fixes: Sequence[Fix]) -> List[Fix]:
    """Choose fixes whose edits do not overlap, in source order; the rest wait a round.

    An edit identical to one already chosen (the same import, say) is shared, not a conflict.
    The edits taken do not overlap one another, so in the order of their starts their ends
    increase too: an edit overlaps one of them if the last one starting before its end ends
    after its start (found by bisection: the thousands of fixes of a big module are not
    compared pairwise)."""
    chosen: List[Fix] = []
    taken: Set[Edit] = set()
    spans: List[Tuple[int, int]] = []   # (start, end) of the edits taken, in order
    insertions: Set[int] = set()        # where an empty edit was taken
    for fix in sorted(fixes, key=lambda f: min(e.start for e in f.edits)):
        new = [e for e in fix.edits if e not in taken]
        if any(_overlaps_taken(e, spans, insertions) for e in new):
            continue
        chosen.append(fix)
        for edit in new:
            if edit not in taken:
                taken.add(edit)
                bisect.insort(spans, (edit.start, edit.end))
                if edit.start == edit.end:
                    insertions.add(edit.start)
    return chosen


def _overlaps_taken(edit: Edit, spans: List[Tuple[int, int]], insertions: Set[int]) -> bool:
    """`edit.overlaps(t)` for some edit `t` of `spans` (sorted, not overlapping each other)."""
    if edit.start == edit.end and edit.start in insertions:
        return True  # two insertions at one point
    # The spans starting before `edit` ends; of those, the last ends the furthest.
    index = bisect.bisect_left(spans, (edit.end, -1)) - 1
    return index >= 0 and spans[index][1] > edit.start
