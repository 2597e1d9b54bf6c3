"""Framework table section. Comparisons and precision (NL6xx): NaN comparisons, epsilons below a dtype's spacing,
finite-difference steps, and the dtypes a module computes in.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table._common import Target

SPECS: list = []

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {}
