"""Configuration files: the nearest `.numlint.toml`, `numlint.toml` or `pyproject.toml` with a
`[tool.numlint]` table, parsed into `numlint.engine.settings.Config`.

Each file is checked with the configuration of the nearest configuration file, walking up from
the file's directory (as Ruff does with `.ruff.toml`, `ruff.toml` and `pyproject.toml`);
command-line flags override it. Relative patterns (`exclude`, `per-file-ignores`) are relative
to the directory of the file that declares them.
"""

from __future__ import annotations

import difflib
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

# Config, ConfigError and validate_selectors are re-exported for the faces.
from numlint.engine.settings import KEYS, Config, ConfigError, validate_selectors  # noqa: F401

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib


# -- loading ------------------------------------------------------------------------------------
# The files a directory's configuration can come from, first found wins (as Ruff's
# `.ruff.toml`, `ruff.toml`, `pyproject.toml`): the first two hold the keys at top level and
# always apply; a `pyproject.toml` applies only if it has a `[tool.numlint]` table.
CONFIG_FILES = (".numlint.toml", "numlint.toml", "pyproject.toml")


def load_config_file(path: Path) -> Optional[Config]:
    """The configuration in `path` (one of CONFIG_FILES), or None for a `pyproject.toml`
    without a `[tool.numlint]` table."""
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason} at byte "
                          f"{exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.name != "pyproject.toml":
        return parse_config(document, path, where=str(path))
    # Other tools' tables are not ours to judge, but the path to ours must be tables:
    # `tool = 3` or `[tool] numlint = 5` is an error naming the key, not "no configuration".
    tool = document.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table ([tool]), not {_kind(tool)}")
    section = tool.get("numlint")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'tool.numlint' must be a table ([tool.numlint]), not "
                          f"{_kind(section)}")
    return parse_config(section, path)


def _kind(value: Any) -> str:
    """What a TOML value is, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def parse_config(section: dict, path: Path, where: Optional[str] = None) -> Config:
    where = where or f"{path} [tool.numlint]"
    for key in section:
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ConfigError(f"{where}: unknown key {key!r}{suggestion} "
                              f"(known keys: {', '.join(KEYS)})")

    def strings(key) -> Optional[Tuple[str, ...]]:
        if key not in section:
            return None
        value = section[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key!r} must be a list of strings")
        return tuple(value)

    values: Dict[str, Any] = {}
    for key in ("select", "ignore", "extend-select"):
        selectors = strings(key)
        if selectors is not None:
            validate_selectors(selectors, f"{where} {key}")
            values[key.replace("-", "_")] = selectors
    for key in ("exclude", "extend-exclude", "src"):
        patterns = strings(key)
        if patterns is not None:
            values[key.replace("-", "_")] = patterns
    if "per-file-ignores" in section:
        table = section["per-file-ignores"]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: 'per-file-ignores' must be a table of "
                              f"pattern = [codes]")
        entries = []
        for pattern, codes in table.items():
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise ConfigError(f"{where}: per-file-ignores {pattern!r} must be a list of codes")
            validate_selectors(codes, f"{where} per-file-ignores {pattern!r}")
            entries.append((pattern, tuple(codes)))
        values["per_file_ignores"] = tuple(entries)
    for key in ("respect-gitignore", "force-exclude"):
        if key in section:
            if not isinstance(section[key], bool):
                raise ConfigError(f"{where}: {key!r} must be true or false")
            values[key.replace("-", "_")] = section[key]
    if "max-file-size" in section:
        size = section["max-file-size"]
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ConfigError(f"{where}: 'max-file-size' must be a positive number of bytes")
        values["max_file_size"] = size
    if "output-format" in section:
        # A plain name here; the command line knows the formats and checks it
        # (`numlint.cli.main`), naming this file.
        name = section["output-format"]
        if not isinstance(name, str):
            raise ConfigError(f"{where}: 'output-format' must be a string")
        values["output_format"] = name
    return Config(root=path.parent.resolve(), source=path, **values)


@lru_cache(maxsize=4096)
def config_for_directory(directory: Path) -> Config:
    """The configuration that applies to files in `directory` (cached per directory): from
    the first of CONFIG_FILES in it that applies, else from its parent's."""
    for name in CONFIG_FILES:
        candidate = directory / name
        if _is_file(candidate):
            config = load_config_file(candidate)
            if config is not None:
                return config
    parent = directory.parent
    if parent == directory:
        return Config()
    return config_for_directory(parent)


def _is_file(path: Path) -> bool:
    """Whether `path` is a file; False where the directory cannot be searched (the walk
    reports that directory as unreadable)."""
    try:
        return path.is_file()
    except OSError:
        return False


def config_for_path(path: Path) -> Config:
    path = Path(path).absolute()
    # os.path.isdir: False (not an error) where a directory above cannot be searched; such
    # paths are reported unreadable (NL902) by the walk.
    directory = path if os.path.isdir(path) else path.parent
    return config_for_directory(Path(_normalise(directory)))


def _normalise(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path)
