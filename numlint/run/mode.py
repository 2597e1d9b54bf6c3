"""What a run does with the fixes it finds: Ruff's `check`, `check --fix`, `check --diff`, each
with or without `--unsafe-fixes`."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Action(enum.Enum):
    CHECK = "check"  # report findings (and which are fixable)
    FIX = "fix"      # apply the fixes and write the files back
    DIFF = "diff"    # apply the fixes in memory and print them as a diff; write nothing


@dataclass(frozen=True)
class Mode:
    action: Action = Action.CHECK
    unsafe: bool = False  # --unsafe-fixes: unsafe fixes are applied (or shown) too

    @classmethod
    def from_flags(cls, *, fix: bool = False, diff: bool = False, unsafe: bool = False) -> "Mode":
        """`--diff` wins over `--fix`, as in Ruff."""
        action = Action.DIFF if diff else Action.FIX if fix else Action.CHECK
        return cls(action, unsafe)

    @property
    def fixing(self) -> bool:
        """Fixes are computed and applied (in memory, at least)."""
        return self.action is not Action.CHECK

    @property
    def writes(self) -> bool:
        """Fixed files are written back."""
        return self.action is Action.FIX

    @property
    def diff(self) -> bool:
        return self.action is Action.DIFF


CHECK = Mode()
