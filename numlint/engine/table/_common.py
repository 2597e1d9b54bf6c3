"""Shorthands shared by the sections of the framework table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from numlint.engine.table.schema import ALL, parse_spec

# Role shorthands.
NP_REDUCE: Dict[str, Any] = dict(axis="axis", keepdims="keepdims", default_axis=ALL)
TORCH_REDUCE: Dict[str, Any] = dict(axis="dim", keepdims="keepdim", default_axis=ALL,
                     aliases={"axis": "dim", "keepdims": "keepdim"})
TF_REDUCE: Dict[str, Any] = dict(axis="axis", keepdims="keepdims", default_axis=ALL, inert=("name",),
                  aliases={"reduction_indices": "axis", "keep_dims": "keepdims"})
TF_ELEMENTWISE: Dict[str, Any] = dict(inert=("name",))

UFUNC = "x, /, out=None, **ufunc_kwargs"


def each(kind: str, framework: str, names, params: str, **roles: Any) -> list:
    """One spec per qualified name, all with the same parameters."""
    return [parse_spec(kind, framework, f"{name}({params})", **roles) for name in names]


def tf_paths(*paths):
    """TensorFlow spellings: every path under `tf`, `tf.compat.v1` (and TF1's top level)."""
    names = []
    for path in paths:
        names += [f"tensorflow.{path}", f"tensorflow.compat.v1.{path}"]
    return names




@dataclass(frozen=True)
class Target:
    """A stable function to rewrite to, in one framework.

    `functions` are equivalent spellings, the first preferred (written `module:attribute` where
    the attribute path has dots, as in `numpy:logaddexp.reduce`); the emitter
    picks the one in the namespace the code already uses (`F.softmax` -> `F.log_softmax`).
    `method` is the tensor-method spelling, if there is one. `full_reduction` says how to reduce
    over every element when the function cannot (torch.logsumexp requires `dim`): "flatten"
    reduces `x.flatten()` over axis 0. `needs_import` is a top-level module the file must already
    import for this target to be used (a fix never adds a dependency the code does not have).
    `template` is used by rewrites that are not "one operand plus reduction arguments".
    """

    functions: Tuple[str, ...]
    method: Optional[str] = None
    full_reduction: Optional[str] = None
    needs_import: Optional[str] = None
    # For `Emitter.render`: the replacement's shape, with `{fn}` for the function (as the
    # module can reach it) and `{name}` for each operand, e.g. `"{fn}({A}, {b})"` or
    # `"{fn}({X}, {y}, rcond=None)[0]"`. An operand followed by `.` or `[` is parenthesised
    # when it is not an atom.
    template: Optional[str] = None
    # Arguments the replacement always passes, as (parameter, value text): torch's `var` must
    # be told `correction=0` to compute the population variance it replaces.
    arguments: Tuple[Tuple[str, str], ...] = ()
    # How exact the rewrite is in this framework (`numlint.engine.fix.Applicability`'s
    # values): "safe" when it equals the original wherever that was finite, "unsafe" when it
    # may differ (TensorFlow's `solve` does not broadcast batch axes as `@` does).
    safety: str = "safe"
    # The same when an operand may be a stack of matrices rather than a single one (the rule
    # knows which): None = as `safety`; "unsafe"; "none" = no fix (PyTorch's `solve` reads a
    # `b` of shape `A.shape[:-1]` as a batch of vectors).
    batched: Optional[str] = None

    @staticmethod
    def qualname(function: str) -> str:
        return function.replace(":", ".")
