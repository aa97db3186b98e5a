"""``[tool.promptlint]`` in the nearest ``pyproject.toml``: found, parsed and validated.

Every key is checked: an unknown key, an unknown rule or option, or a value of the wrong type is an error
that names the file and the key (exit 2), as ruff does.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

from promptlint.record import Frozen
from promptlint.source import DEFAULT_MAX_FILE_SIZE

if TYPE_CHECKING:
    from promptlint.registry import Registry

DEFAULT_FILE_TIMEOUT = 60.0  # seconds


class ConfigError(Exception):
    """A configuration problem, as one line that names the file and the key."""


class Settings(Frozen):
    """The validated configuration of one run (or of one editor document)."""

    __slots__ = (
        "root",
        "config_path",
        "select",
        "extend_select",
        "ignore",
        "exclude",
        "extend_exclude",
        "force_exclude",
        "respect_gitignore",
        "per_file_ignores",
        "default_model",
        "calls_per_month",
        "rule_options",
        "models",
        "max_file_size",
        "signature_recognition",
        "file_timeout",
        "fail_on_self_hosted",
        "unsafe_fixes",
    )

    def __init__(
        self,
        root: Path,  # patterns and per-file-ignores are relative to it: the config file's directory, or cwd
        config_path: Optional[Path] = None,
        select: Optional[Tuple[str, ...]] = None,
        extend_select: Tuple[str, ...] = (),
        ignore: Tuple[str, ...] = (),
        exclude: Optional[Tuple[str, ...]] = None,
        extend_exclude: Tuple[str, ...] = (),
        force_exclude: bool = False,
        respect_gitignore: bool = True,
        per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = (),
        default_model: Optional[str] = None,
        calls_per_month: Optional[int] = None,
        rule_options: Optional[Mapping[str, Mapping[str, Any]]] = None,  # by rule code
        models: Optional[Mapping[str, Mapping[str, Any]]] = None,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,  # bytes; larger files that may call an LLM are refused
        # Recognise a request by its signature when its client's origin is unknown (findings of low
        # confidence).
        signature_recognition: bool = True,
        file_timeout: float = DEFAULT_FILE_TIMEOUT,  # seconds; a file still being analysed then is an error
        # Findings on requests served by a local or private host fail the run (otherwise: severity "info").
        fail_on_self_hosted: bool = False,
        # Unsafe fixes are applied by --fix and offered by the language server (ruff's `unsafe-fixes`).
        unsafe_fixes: bool = False,
    ) -> None:
        self.root = root
        self.config_path = config_path
        self.select = select
        self.extend_select = extend_select
        self.ignore = ignore
        self.exclude = exclude
        self.extend_exclude = extend_exclude
        self.force_exclude = force_exclude
        self.respect_gitignore = respect_gitignore
        self.per_file_ignores = per_file_ignores
        self.default_model = default_model
        self.calls_per_month = calls_per_month
        self.rule_options = {} if rule_options is None else rule_options
        self.models = {} if models is None else models
        self.max_file_size = max_file_size
        self.signature_recognition = signature_recognition
        self.file_timeout = file_timeout
        self.fail_on_self_hosted = fail_on_self_hosted
        self.unsafe_fixes = unsafe_fixes

    def ignored_for(self, path: Path) -> Tuple[str, ...]:
        """The selectors ``per-file-ignores`` applies to ``path``."""
        if not self.per_file_ignores:
            return ()
        try:
            relative = PurePosixPath(path.resolve().relative_to(self.root.resolve()).as_posix())
        except ValueError:
            relative = PurePosixPath(path.as_posix())
        selectors = []
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(str(relative), pattern) or fnmatch.fnmatch(relative.name, pattern):
                selectors.extend(codes)
            elif pattern.endswith("/**") and str(relative).startswith(pattern[:-3] + "/"):
                selectors.extend(codes)
        return tuple(selectors)


_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "exclude",
    "extend-exclude",
    "force-exclude",
    "respect-gitignore",
    "per-file-ignores",
    "default-model",
    "calls-per-month",
    "max-file-size",
    "signature-recognition",
    "file-timeout",
    "fail-on-self-hosted",
    "unsafe-fixes",
    "rules",
    "models",
}


def find_config(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.promptlint]`` table, from ``start`` upwards."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                if "promptlint" in _tool(candidate):
                    return candidate
            except ConfigError:
                # A broken pyproject.toml that may be ours: report it rather than silently skipping it.
                if b"[tool.promptlint" in candidate.read_bytes():
                    raise
    return None


def _tool(path: Path) -> Any:
    """The ``[tool]`` table of a ``pyproject.toml`` (``{}`` without one), from ``config_cache`` when the file
    has not changed since a run parsed it."""
    from promptlint.config_cache import tool_table

    return tool_table(os.path.abspath(path), lambda: _read_toml(path).get("tool", {}))


def _read_toml(path: Path) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python < 3.11
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error


def load_settings(config_path: Optional[Path], registry: Registry, cwd: Path) -> Settings:
    """Read and validate the configuration; with no file, the defaults rooted at ``cwd``."""
    if config_path is None:
        return Settings(root=cwd)
    table = _tool(config_path).get("promptlint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{config_path}: `tool.promptlint` must be a table")
    return _parse(table, config_path, registry)


def _parse(table: Mapping[str, Any], path: Path, registry: Registry) -> Settings:
    where = "tool.promptlint"

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: `{where}.{key}` {problem}")

    for key in table:
        if key not in _KEYS:
            raise fail(key, "is not a promptlint setting")

    def strings(key: str) -> Optional[Tuple[str, ...]]:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail(key, f"must be a list of strings, got {_type(value)}")
        return tuple(value)

    def check_selectors(key: str, selectors: Optional[Tuple[str, ...]]) -> None:
        for selector in selectors or ():
            if not registry.matching(selector):
                raise fail(key, f"names an unknown rule or prefix `{selector}`")

    select = strings("select")
    extend_select = strings("extend-select") or ()
    ignore = strings("ignore") or ()
    for key, selectors in (("select", select), ("extend-select", extend_select), ("ignore", ignore)):
        check_selectors(key, selectors)

    per_file: list = []
    raw_per_file = table.get("per-file-ignores", {})
    if not isinstance(raw_per_file, dict):
        raise fail("per-file-ignores", f"must be a table of glob = [codes], got {_type(raw_per_file)}")
    for pattern, codes in raw_per_file.items():
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise fail(f'per-file-ignores."{pattern}"', f"must be a list of strings, got {_type(codes)}")
        check_selectors(f'per-file-ignores."{pattern}"', tuple(codes))
        per_file.append((pattern, tuple(codes)))

    def boolean(key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise fail(key, f"must be true or false, got {_type(value)}")
        return value

    default_model = table.get("default-model")
    if default_model is not None and not isinstance(default_model, str):
        raise fail("default-model", f"must be a string, got {_type(default_model)}")
    calls = table.get("calls-per-month")
    if calls is not None and (not isinstance(calls, int) or isinstance(calls, bool) or calls <= 0):
        raise fail("calls-per-month", f"must be a positive integer, got {_type(calls)} {calls!r}")
    max_file_size = table.get("max-file-size", DEFAULT_MAX_FILE_SIZE)
    size = _size(max_file_size)
    if size is None:
        raise fail(
            "max-file-size",
            f'must be a size such as "10MiB" or "500KB", or a number of bytes, got {max_file_size!r}',
        )

    file_timeout = table.get("file-timeout", DEFAULT_FILE_TIMEOUT)
    if isinstance(file_timeout, bool) or not isinstance(file_timeout, (int, float)) or not file_timeout > 0:
        raise fail("file-timeout", f"must be a positive number of seconds, got {file_timeout!r}")

    return Settings(
        root=path.parent,
        config_path=path,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        exclude=strings("exclude"),
        extend_exclude=strings("extend-exclude") or (),
        force_exclude=boolean("force-exclude", False),
        respect_gitignore=boolean("respect-gitignore", True),
        per_file_ignores=tuple(per_file),
        default_model=default_model,
        calls_per_month=calls,
        max_file_size=size,
        signature_recognition=boolean("signature-recognition", True),
        file_timeout=float(file_timeout),
        fail_on_self_hosted=boolean("fail-on-self-hosted", False),
        unsafe_fixes=boolean("unsafe-fixes", False),
        rule_options=_rule_options(table.get("rules", {}), registry, fail),
        models=_models(table.get("models", {}), fail),
    )


def _rule_options(raw: Any, registry: Registry, fail) -> Dict[str, Dict[str, Any]]:
    if not isinstance(raw, dict):
        raise fail("rules", f"must be a table of rule = {{option = value}}, got {_type(raw)}")
    result: Dict[str, Dict[str, Any]] = {}
    for key, options in raw.items():
        rule = registry.find(key)
        if rule is None:
            raise fail(f"rules.{key}", "names an unknown rule (use a code such as LLM301 or a rule name)")
        if not isinstance(options, dict):
            raise fail(f"rules.{key}", f"must be a table of options, got {_type(options)}")
        for option, value in options.items():
            if option not in rule.options:
                known = ", ".join(f"`{name}`" for name in rule.options) or "none"
                raise fail(f"rules.{key}.{option}", f"is not an option of {rule.code} (options: {known})")
            default = rule.options[option]
            if not _same_type(default, value):
                raise fail(f"rules.{key}.{option}", f"must be {_type(default)}, got {_type(value)}")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise fail(f"rules.{key}.{option}", "must not be negative")
        result.setdefault(rule.code, {}).update(options)
    return result


def _models(raw: Any, fail) -> Dict[str, Dict[str, Any]]:
    if not isinstance(raw, dict):
        raise fail("models", f"must be a table of model = {{input = …, output = …}}, got {_type(raw)}")
    if not raw:
        return {}
    from promptlint.models import OVERRIDE_KEYS

    for model, fields in raw.items():
        if not isinstance(fields, dict):
            raise fail(f'models."{model}"', f"must be a table, got {_type(fields)}")
        for key, value in fields.items():
            if key not in OVERRIDE_KEYS:
                known = ", ".join(sorted(OVERRIDE_KEYS))
                raise fail(f'models."{model}".{key}', f"is not a model field (fields: {known})")
            if key == "provider":
                if not isinstance(value, str):
                    raise fail(f'models."{model}".{key}', f"must be a string, got {_type(value)}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise fail(f'models."{model}".{key}', f"must be a non-negative number, got {value!r}")
    return dict(raw)


_SIZE_RE = r"\s*([0-9]+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*\Z"  # compiled only for a size given as text
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1 << 10,
    "mb": 1000**2,
    "mib": 1 << 20,
    "gb": 1000**3,
    "gib": 1 << 30,
}


def _size(value: Any) -> Optional[int]:
    """Bytes from a positive integer or a string such as ``"10MiB"``; None when it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if not isinstance(value, str):
        return None
    import re

    match = re.match(_SIZE_RE, value, re.IGNORECASE)
    if match is None:
        return None
    size = int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()]
    return size if size > 0 else None


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return type(default) is type(value)


def _type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)
