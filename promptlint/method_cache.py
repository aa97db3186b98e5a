"""Compiled dataclass methods, kept between runs.

``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and
``__setattr__`` and compiles it with ``exec`` when the class is created. libcst's nodes are about 200
dataclasses: compiling their methods is about 40% of ``import libcst`` (about 390 M of 985 M instructions,
100 ms), the largest single cost of linting one file with LLM calls.

``install`` gives the ``dataclasses`` module an ``exec`` of its own that looks the source up in a table of
code objects compiled by earlier runs (in the user's cache directory, one file per interpreter build) and
compiles only what is new; ``exec`` then runs the same code object the builtin would have compiled (same
source, file name ``<string>``, no inherited ``__future__`` flags), so every class is what it was. New
code objects are written once linted files have imported what they need (``save``). A missing, unreadable
or foreign file only costs the compilation.

Like the bytecode cache Python writes next to installed modules, the file holds code objects that are run:
it lives in the per-user cache directory (``promptlint.rule_index.cache_directory``), never in a project.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

_MAX_ENTRIES = 8192  # beyond this, a write keeps only what this run used (editing dataclasses adds entries)

_codes: Dict[str, Any] = {}
_new: Dict[str, Any] = {}
_used: set = set()
_path: Optional[str] = None
_installed = False


def install(directory: Optional[str] = None) -> None:
    """Serve the dataclass methods compiled by earlier runs from now on, in this process (and its forks)."""
    global _path, _installed
    if _installed:
        return
    import dataclasses

    if directory is None:
        from promptlint.rule_index import cache_directory

        directory = cache_directory()
    if directory is None:
        return
    _path = os.path.join(directory, _file_name())
    _codes.update(_read(_path))
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # a module global shadows the builtin there
    _installed = True
    import atexit

    atexit.register(save)


def _file_name() -> str:
    import zlib

    build = f"{sys.version}|{sys.implementation.cache_tag}|{sys.executable}|{sys.flags.optimize}"
    return f"dataclass-methods-{zlib.crc32(build.encode('utf-8', 'surrogatepass')):08x}.marshal"


def _read(path: str) -> Dict[str, Any]:
    import marshal

    try:
        with open(path, "rb") as handle:
            table = marshal.loads(handle.read())  # one read: marshal.load reads object by object
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(table, dict) or table.get("") != sys.version:
        return {}
    return table


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    if type(source) is str:
        code = _codes.get(source)
        if type(code) is not _CODE:
            code = _new[source] = compile(source, "<string>", "exec", dont_inherit=True)
        _used.add(source)
        source = code
    exec(source, globals, locals)


_CODE = type(_exec.__code__)


def save() -> None:
    """Write the table when this process compiled something new (once per interpreter build, mostly): at
    exit, and after each file a linter lints (worker processes end without running ``atexit``)."""
    global _new
    if not _new or _path is None:
        return
    import marshal

    table = (
        dict(_codes)
        if len(_codes) + len(_new) <= _MAX_ENTRIES
        else {k: _codes[k] for k in _used if k in _codes}
    )
    table.update(_new)
    table[""] = sys.version
    _codes.update(_new)
    _new = {}
    from promptlint.cache_files import write_cache_file

    try:
        data = marshal.dumps(table)
    except ValueError:
        return
    write_cache_file(_path, data)
