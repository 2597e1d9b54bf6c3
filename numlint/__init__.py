"""numlint: a static analyzer for numerical hazards in Python machine-learning and scientific
code, with stable autofixes in the framework the code already uses."""

__version__ = "0.1.0"

__all__ = ["check_source", "fix_source", "Config", "Diagnostic", "FixResult", "__version__"]

# The public names are imported on first use (PEP 562): `numlint.cli.main` starts without loading
# the checker, the model and the framework table, which a warm cached run never needs.
_LAZY = {"check_source": "numlint.engine.check", "fix_source": "numlint.engine.check",
         "FixResult": "numlint.engine.check", "Config": "numlint.engine.settings",
         "Diagnostic": "numlint.engine.diagnostic"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'numlint' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
