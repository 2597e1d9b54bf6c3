"""Fixes as exact text edits, and their application.

A fix replaces the source range of the hazardous expression; the operands inside it are copied
verbatim from the source, so their formatting and comments survive, and nothing outside the
range changes (a fix that would drop a comment inside the range is downgraded to unsafe). This
is the model Ruff uses, and it maps one to one onto the `edits` of the JSON output.
"""

from __future__ import annotations

import bisect
import difflib
import enum
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Sequence, Set, Tuple


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


# -- line diffs of big texts ---------------------------------------------------------------------

_DIFF_CELLS = 250_000  # the largest gap between anchors given to difflib (lines x lines)


def matched_lines(old: Sequence[str], new: Sequence[str]) -> List[Tuple[int, int]]:
    """Pairs (i, j) of equal lines `old[i] == new[j]`, increasing in both: the longest
    increasing run of the lines that occur once in each text (anchors, as in patience
    diff), and between two anchors difflib's matches. The clean-up changes a few import
    lines of a module that may have a hundred thousand: difflib alone is quadratic in the
    lines between two changes, which is the whole module when they are spread over it."""
    low, high_old, high_new = 0, len(old), len(new)
    while low < high_old and low < high_new and old[low] == new[low]:
        low += 1
    while high_old > low and high_new > low and old[high_old - 1] == new[high_new - 1]:
        high_old -= 1
        high_new -= 1
    pairs = [(k, k) for k in range(low)]
    counts: Dict[str, List[int]] = {}
    for k in range(low, high_old):
        counts.setdefault(old[k], [0, 0, k, 0])[0] += 1
    for k in range(low, high_new):
        entry = counts.get(new[k])
        if entry is not None:
            entry[1] += 1
            entry[3] = k
    unique = sorted((e[2], e[3]) for e in counts.values() if e[0] == 1 and e[1] == 1)
    anchors = _increasing(unique)
    i, j = low, low
    for a, b in anchors + [(high_old, high_new)]:
        if (a - i) * (b - j) <= _DIFF_CELLS:
            matcher = difflib.SequenceMatcher(None, old[i:a], new[j:b], autojunk=False)
            for x, y, size in matcher.get_matching_blocks():
                pairs.extend((i + x + k, j + y + k) for k in range(size))
        pairs.append((a, b))
        i, j = a + 1, b + 1
    pairs.pop()  # the end
    shift = high_old - high_new
    pairs.extend((k + shift, k) for k in range(high_new, len(new)))
    return pairs


def _increasing(pairs: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The longest subsequence of `pairs` (sorted by their first) whose seconds increase."""
    import bisect
    tails: List[int] = []        # the smallest second ending a run of each length
    ends: List[int] = []         # the index in `pairs` of that run's last pair
    previous: List[int] = []
    for index, (_, second) in enumerate(pairs):
        length = bisect.bisect_left(tails, second)
        if length == len(tails):
            tails.append(second)
            ends.append(index)
        else:
            tails[length] = second
            ends[length] = index
        previous.append(ends[length - 1] if length else -1)
    run: List[Tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def unified_diff(old: Sequence[str], new: Sequence[str], fromfile: str, tofile: str,
                 context: int = 3) -> Iterator[str]:
    """`difflib.unified_diff(old, new, fromfile, tofile)`, in time about linear in the lines
    when there are many: difflib's matcher is quadratic in the lines between two changes
    (22 s for the fixes of 2 MB of hazards), so beyond `_EXACT_LINES` lines the matching
    lines are `matched_lines`'s."""
    if len(old) + len(new) <= _EXACT_LINES:
        yield from difflib.unified_diff(old, new, fromfile, tofile, n=context)
        return
    matcher = _Anchored(old, new)
    started = False
    for group in matcher.get_grouped_opcodes(context):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield (f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in old[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in new[j1:j2])


_EXACT_LINES = 20_000


def _range(start: int, stop: int) -> str:
    """A hunk's range as `difflib.unified_diff` writes it."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


class _Anchored(difflib.SequenceMatcher):
    """difflib's matcher with `matched_lines`'s matches."""

    def __init__(self, old: Sequence[str], new: Sequence[str]):
        super().__init__(None, old, new, autojunk=False)
        blocks: List[Tuple[int, int, int]] = []
        for i, j in matched_lines(old, new):
            if blocks and blocks[-1][0] + blocks[-1][2] == i and \
                    blocks[-1][1] + blocks[-1][2] == j:
                blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + 1)
            else:
                blocks.append((i, j, 1))
        self._anchored = [difflib.Match(*b) for b in blocks] + \
            [difflib.Match(len(old), len(new), 0)]

    def get_matching_blocks(self):
        return self._anchored
