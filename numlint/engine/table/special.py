"""Framework table section. Special functions and compositions (NL5xx, second half): sqrt of exp, hypot, logs of
products and densities, x log x, erfc, log-gamma, tanh by hand, ratios of exps, roots of sums of squares.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table._common import Target, tf_paths

SPECS: list = []

# A stable rewrite that keeps the function the code already calls, with a new argument:
# `template` applied to each framework's spellings of that function. A target is used only in a
# module that already imports its library (a fix adds no dependency); Python's `math` is a
# framework of its own here, so scalar code stays scalar code.
def _same_function(template: str, spellings: Dict[str, Tuple[str, ...]]):
    return {framework: (Target(functions, template=template,
                               needs_import=functions[0].partition(".")[0]),)
            for framework, functions in spellings.items()}


_EXP = {
    "python": ("math.exp",),
    "numpy": ("numpy.exp",),
    "torch": ("torch.exp",),
    "tensorflow": tuple(tf_paths("exp", "math.exp")),
    "jax": ("jax.numpy.exp",),
    "keras": ("keras.ops.exp",),
}

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    # `sqrt(exp(x))` and `exp(x) ** 0.5` (NL508): `exp(0.5 * x)`, one rounding instead of two,
    # and finite wherever the square root is (the intermediate `exp(x)` is never formed).
    "exp_half": _same_function("{fn}(0.5 * {x})", _EXP),
}
