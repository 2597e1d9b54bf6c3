"""Framework table section. Special functions and compositions (NL5xx, second half): sqrt of exp, hypot, logs of
products and densities, x log x, erfc, log-gamma, tanh by hand, ratios of exps, roots of sums of squares.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table._common import Target

SPECS: list = []

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {}
