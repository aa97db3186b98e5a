"""A cached index of the installed rule packs, so that a run starts without importing any rule.

Finding the packs means reading every distribution's metadata, and knowing their rules means importing
them: together most of a short run. The index keeps what selection and configuration need (each rule's
code, name, default and option defaults, and each pack's entry point) in the user's cache directory, one
file per interpreter and import path. It is used only while nothing it was built from has changed:

* the interpreter, ``sys.path`` and promptlint's version;
* the distributions on ``sys.path``: the name (which carries the version) and modification time of every
  ``*.dist-info``/``*.egg-info`` entry, so installing, removing, upgrading or reinstalling any distribution
  rebuilds it;
* the size and modification time of every module file of the packs (and of promptlint's rule base class),
  so editing an editable pack rebuilds it too.

Otherwise the packs are loaded as before (errors unchanged) and the index is written again. When a file
is linted, the packs are imported from the entry points the index names and checked against it (see
``LazyRegistry``). The file is JSON; a missing, unreadable or unwritable cache only costs speed.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional, Tuple

from promptlint import __version__
from promptlint.registry import LazyRegistry, Pack, Registry, assemble, describe, installed_packs

_FORMAT = 1
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


def cache_directory() -> Optional[str]:
    """Where the index lives: ``$PROMPTLINT_CACHE_DIR``, else the platform's per-user cache directory."""
    explicit = os.environ.get("PROMPTLINT_CACHE_DIR")
    if explicit:
        return explicit
    if sys.platform == "win32":  # pragma: no cover - not tested on Windows
        base = os.environ.get("LOCALAPPDATA")
    elif sys.platform == "darwin":  # pragma: no cover
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "promptlint") if base else None


def _environment() -> Dict[str, Any]:
    return {
        "format": _FORMAT,
        "promptlint": __version__,
        "python": sys.version,
        "executable": sys.executable,
        "path": list(sys.path),
    }


def _index_path(directory: str, environment: Dict[str, Any]) -> str:
    """One file per environment; a collision of names only costs a rebuild (the file says what it is for)."""
    import zlib

    tag = zlib.crc32(repr(environment).encode("utf-8", "surrogatepass"))
    return os.path.join(directory, f"rules-{tag:08x}.json")


def distributions_fingerprint() -> List[List[Any]]:
    """Per ``sys.path`` entry: its metadata entries with their modification times (a file entry, such as a
    zip, by its own time; a missing one as None)."""
    result: List[List[Any]] = []
    for entry in sys.path:
        directory = entry or "."
        try:
            with os.scandir(directory) as listing:
                found = sorted(
                    [item.name, item.stat().st_mtime_ns]
                    for item in listing
                    if item.name.endswith(_METADATA_SUFFIXES)
                )
        except NotADirectoryError:
            found = _stat_key(directory)
        except OSError:
            found = None
        result.append([entry, found])
    return result


def _stat_key(path: str) -> Optional[List[int]]:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


def _files_fingerprint(paths: List[str]) -> List[List[Any]]:
    return [[path, _stat_key(path)] for path in paths]


def load(directory: Optional[str] = None) -> Any:
    """The installed rules: a ``LazyRegistry`` from a valid index, else every pack loaded now (raising
    ``PluginError`` as ``load_registry`` does) with the index written again for the next run."""
    directory = cache_directory() if directory is None else directory
    if directory is None:
        return _load_packs()[0]
    environment = _environment()
    path = _index_path(directory, environment)
    cached = _read(path, environment)
    if cached is not None:
        return cached
    registry, packs, files = _load_packs()
    _write(path, environment, registry, packs, files)
    return registry


def _read(path: str, environment: Dict[str, Any]) -> Optional[LazyRegistry]:
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        if document["environment"] != environment:
            return None
        if document["distributions"] != distributions_fingerprint():
            return None
        if document["files"] != _files_fingerprint([item[0] for item in document["files"]]):
            return None
        infos = [
            (code, name, bool(default), dict(options)) for code, name, default, options in document["rules"]
        ]
        packs = [(prefix, value, distribution) for prefix, value, distribution in document["packs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None

    def forget() -> None:
        try:
            os.remove(path)
        except OSError:
            pass

    return LazyRegistry(infos, packs, on_stale=forget)


def _load_packs() -> Tuple[Registry, List[Pack], List[str]]:
    """Every pack loaded from the distributions' metadata, and the module files that define them."""
    packs = installed_packs()
    before = set(sys.modules)
    registry = assemble(packs)
    tops = {value.partition(":")[0].strip().split(".")[0] for _, value, _, _ in packs}
    files = set()
    for name in set(sys.modules) - before:
        if name.split(".")[0] in tops:
            file = getattr(sys.modules[name], "__file__", None)
            if file:
                files.add(file)
    for name in ("promptlint.rule", "promptlint.registry"):
        file = getattr(sys.modules.get(name), "__file__", None)
        if file:
            files.add(file)
    declared = sorted({(prefix, value, distribution) for prefix, value, distribution, _ in packs})
    return registry, declared, sorted(files)


def _write(
    path: str, environment: Dict[str, Any], registry: Registry, packs: List[Pack], files: List[str]
) -> None:
    import json

    rules = [list(rule) for rule in describe(registry)]
    if not _same_types(rules) or json.loads(json.dumps(rules)) != rules:
        return  # JSON would not give the options back as they are (a tuple, a NaN): no index
    document = {
        "environment": environment,
        "distributions": distributions_fingerprint(),
        "files": _files_fingerprint(files),
        "rules": [list(rule) for rule in rules],
        "packs": [list(pack) for pack in packs],
    }
    from promptlint.cache_files import write_cache_file

    if write_cache_file(path, json.dumps(document).encode("utf-8")):
        try:
            _prune(os.path.dirname(path))
        except OSError:
            pass


# Index files kept in the cache directory: one per environment (virtualenv, PYTHONPATH) that ran promptlint.
KEPT_INDEXES = 16


def _prune(directory: str) -> None:
    """Remove all but the ``KEPT_INDEXES`` most recently written index files, so that a shared cache
    directory does not grow with every environment that ever ran promptlint; a removed one is rebuilt."""
    names = [name for name in os.listdir(directory) if name.startswith("rules-") and name.endswith(".json")]
    if len(names) <= KEPT_INDEXES:
        return
    paths = sorted((os.path.join(directory, name) for name in names), key=os.path.getmtime, reverse=True)
    for stale in paths[KEPT_INDEXES:]:
        try:
            os.unlink(stale)
        except OSError:
            pass


def _same_types(values: Any) -> bool:
    """Whether every value (recursively) is of a type JSON gives back unchanged."""
    if isinstance(values, dict):
        return all(isinstance(key, str) and _same_types(value) for key, value in values.items())
    if isinstance(values, list):
        return all(_same_types(value) for value in values)
    return values is None or type(values) in (bool, int, float, str)
