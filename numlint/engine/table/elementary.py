"""Framework table section. Elementary functions (NL5xx): log1p, expm1, softplus, sigmoid and log-sigmoid, logaddexp,
special functions (erfc, log-gamma), hypot, x log x, and the stable forms they rewrite to.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every
signature below is checked against the installed library by `tests/test_table_signatures.py`.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.engine.table._common import Target

SPECS: list = []

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {}
