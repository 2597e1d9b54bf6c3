"""Framework table section. Linear algebra: matrix products, transposes, inverses, solves, least squares and
determinants.

Rules name none of these APIs; see `numlint.table` for how sections are merged.
"""

from __future__ import annotations

from typing import Dict, Tuple

from numlint.specs import ALL, IMPLICIT, REQUIRED, parse_spec  # noqa: F401
from numlint.table._common import (  # noqa: F401
    NP_REDUCE, TF_ELEMENTWISE, TF_REDUCE, TORCH_REDUCE, UFUNC, Target, each, tf_paths,
)

SPECS = []

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {}
