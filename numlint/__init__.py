"""numlint: a static analyzer for numerical hazards in Python machine-learning and scientific
code, with stable autofixes in the framework the code already uses."""

__version__ = "0.1.0"

from numlint.checker import FixResult, check_source, fix_source  # noqa: E402
from numlint.config import Config  # noqa: E402
from numlint.diagnostic import Diagnostic  # noqa: E402

__all__ = ["check_source", "fix_source", "Config", "Diagnostic", "FixResult", "__version__"]
