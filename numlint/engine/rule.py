"""What a rule is: its identity, documentation, examples, detector and fix.

A rule is a subclass of `Rule` in one file of `rules/`. The engine calls `check(ctx, op)` for
every canonical operation whose kind the rule lists in `operations`; the rule inspects the
operation and its operands through `ctx` and reports findings, each with an optional fix built
from a stable replacement that `ctx` emits in the framework of the code.
"""

from __future__ import annotations

import enum
import textwrap
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Optional, Tuple

# What a rule may use, in one place: rules import from this module and from the table only.
from numlint.engine.context import Context
from numlint.engine.emit import Arg, Replacement
from numlint.engine.fix import Applicability, Edit, Fix
# What a rule's `requires` may ask of a module's text beyond the kinds it spells.
from numlint.engine.prefilter import (
    TextCondition, has_exponent, has_word, may_hold_large_number, may_hold_small_number, numbers,
)
from numlint.engine.semantic.dataflow import Origin
from numlint.engine.semantic.model import Op, Scope


class Fixability(str, enum.Enum):
    """Whether a rule's findings come with a fix (Ruff's "Fix is always/sometimes available")."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NEVER = "never"

    def __str__(self) -> str:
        return self.value


# -- proofs -----------------------------------------------------------------------------------

# The dtypes a proof runs each example in (see `numlint.authoring.proof`).
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Proof:
    """How to execute an example.

    `extreme` maps the function's parameters to the input that breaks the naive code (nested
    lists); `reference` is a Python expression over those parameters, evaluated with `np`,
    `scipy` and `math` in float64, giving the true result. `benign` gives explicit benign inputs
    where random normal ones do not fit (a positive definite matrix); parameters named in
    `integers` are integer arrays (labels, indices) and `constants` float arrays (one-hot
    labels), both kept as given in the benign run. `bug_fix`: the original is
    wrong even on benign inputs (double softmax), so the fix is compared with the reference.
    `function` defaults to the module's last top-level function. `why` is the one-line lesson
    `numlint rule --demo` prints.

    An accuracy proof (a fix that recovers lost digits rather than an overflow: `log1p`,
    `expm1`) also gives `exact`, an mpmath expression over the parameters, evaluated element
    by element at 50 significant digits on the inputs as rounded to the dtype under test
    (`"mpmath.log1p(x)"`). Then, in each dtype, on the extreme input the naive code must lose
    at least `bits` bits (its error, in units in the last place of the exact value, is at
    least `2**bits`) and the fix must be within `ulps` units in the last place; on benign
    inputs the fix must be within `ulps` or no further from the exact value than the naive
    code (never worse).
    """

    extreme: Dict[str, Any]
    reference: str
    benign: Optional[Dict[str, Any]] = None
    integers: Tuple[str, ...] = ()
    constants: Tuple[str, ...] = ()
    bug_fix: bool = False
    gradient: bool = True
    function: Optional[str] = None
    why: str = ""
    dtypes: Tuple[str, ...] = DTYPES
    exact: Optional[str] = None
    ulps: float = 4.0
    bits: float = 10.0
    # The original breaks by its gradient, not its values (`1 / (1 + exp(-x))` is right at
    # x = -1000 but its gradient is NaN there): in PyTorch and JAX, its gradient on the
    # extreme input must be non-finite instead of its values being wrong.
    naive_gradient: bool = False


# -- examples ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    """A module that shows the rule: `code` with the hazard (or, if `good`, without one) and
    `fixed`, the exact output of the fixer on it. Examples are the rule's tests and the source
    of its documentation."""

    framework: str
    code: str
    fixed: Optional[str] = None
    good: bool = False
    unsafe: bool = False  # the fix is applied only with --unsafe-fixes
    title: str = ""
    proof: Optional[Proof] = None  # how to execute it (see numlint.authoring.proof)


def _module(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def bad(framework: str, code: str, fixed: Optional[str] = None, *, unsafe: bool = False,
        title: str = "", proof: Optional[Proof] = None) -> Example:
    """An example the rule reports; `fixed` is what the fixer makes of it (None: no fix);
    `proof` says how to execute it, to prove the fix (see `numlint.authoring.proof`)."""
    return Example(framework, _module(code), _module(fixed) if fixed is not None else None,
                   unsafe=unsafe, title=title, proof=proof)


def good(framework: str, code: str, *, title: str = "") -> Example:
    """An example the rule must not report."""
    return Example(framework, _module(code), good=True, title=title)


# -- rules ----------------------------------------------------------------------------------------


class Rule:
    """Base class of every rule. Subclasses fill in the class attributes and `check`."""

    code: ClassVar[str]
    name: ClassVar[str]                 # kebab-case slug of the flagged pattern
    summary: ClassVar[str]              # one line, for `numlint rules`
    what: ClassVar[str] = ""            # documentation: What it does
    why: ClassVar[str] = ""             # Why is this bad? (with the input that breaks it)
    fix_safety: ClassVar[str] = ""      # Fix safety
    references: ClassVar[Tuple[str, ...]] = ()
    frameworks: ClassVar[Tuple[str, ...]] = ()
    fixable: ClassVar[Fixability] = Fixability.SOMETIMES
    operations: ClassVar[Tuple[str, ...]] = ()  # kinds of operations `check` is called on
    # For the prefilter: sets of operation kinds that must all occur in a file for the rule to
    # possibly fire (any one set suffices); a set may also hold a `prefilter.TextCondition`.
    requires: ClassVar[Tuple[Tuple[Any, ...], ...]] = ()
    examples: ClassVar[Tuple[Example, ...]] = ()
    meta: ClassVar[bool] = False        # NL9xx: reports about files, not code
    # Outside the default selection (as Ruff's preview rules): enabled only when its code is
    # selected by name (`--select NL503`, `extend-select = ["NL503"]`), because its precision
    # on real code is below 0.9 (`benchmarks/README.md`); `opt_in` says why.
    opt_in: ClassVar[str] = ""

    def check(self, ctx: Context, op: Op) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.code} {self.name}>"


__all__ = ["Rule", "Example", "Proof", "Context", "bad", "good", "Applicability", "Fixability",
           "Arg", "Edit",
           "Fix", "Op", "Origin", "Replacement", "Scope", "TextCondition", "has_exponent",
           "has_word", "may_hold_large_number", "may_hold_small_number", "numbers"]
