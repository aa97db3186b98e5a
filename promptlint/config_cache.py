"""The ``[tool]`` table of each ``pyproject.toml`` read before, so that a run need not parse TOML.

Importing ``tomllib`` (with ``datetime``, ``string`` and its patterns) and parsing a project's
``pyproject.toml`` costs about 15% of a one-file pre-commit run. The table is kept in the user's cache
directory, by the file's absolute path, with the file's size, modification and change times (ns) and inode:
any change to the file (an edit, a replacement, a ``touch``) misses, and the file is parsed again. A table
is only kept once its file is two seconds old, so that an edit within the same clock tick as a read (which
the times could not tell apart) is never served. Only plain data is kept (``marshal``: no datetimes, which
TOML allows and a ``[tool]`` table seldom holds); anything else, and every parse error, is parsed each run.
The settings are still validated from the table every run.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Optional, Tuple

    Stamp = Tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode

_FILE = "pyproject-tools.marshal"
_FORMAT = 1
_KEPT = 64  # files remembered; beyond that, the oldest entries go
_SETTLED_NS = 2_000_000_000  # a file changed less than this long ago is not remembered

_entries: Optional[Dict[str, Tuple[Stamp, Any]]] = None


def tool_table(path: str, parse: Callable[[], Any]) -> Any:
    """The ``[tool]`` table of the ``pyproject.toml`` at ``path`` (absolute): remembered from an earlier run
    while the file is unchanged, else ``parse()`` (which raises what it raises, and is never remembered then)."""
    stamp = stamp_of(path)
    if stamp is not None:
        found, tool = lookup(path, stamp)
        if found:
            return tool
    tool = parse()
    if stamp is not None and isinstance(tool, dict) and stamp == stamp_of(path):
        remember(path, stamp, tool)
    return tool


def stamp_of(path: str) -> Optional[Stamp]:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _file() -> Optional[str]:
    from promptlint.rule_index import cache_directory

    directory = cache_directory()
    return os.path.join(directory, _FILE) if directory is not None else None


def _load() -> Dict[str, Tuple[Stamp, Any]]:
    global _entries
    if _entries is None:
        _entries = {}
        path = _file()
        if path is not None:
            import marshal

            try:
                with open(path, "rb") as handle:
                    document = marshal.loads(handle.read())  # one read, not one per object
                if isinstance(document, tuple) and len(document) == 2 and document[0] == _FORMAT:
                    if isinstance(document[1], dict):
                        _entries = document[1]
            except (OSError, EOFError, ValueError, TypeError):
                pass
    return _entries


def lookup(path: str, stamp: Stamp) -> Tuple[bool, Any]:
    """(found, the ``[tool]`` table) remembered for the file at ``path`` (absolute) as it is now."""
    entry = _load().get(path)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stamp:
        return True, entry[1]
    return False, None


def remember(path: str, stamp: Stamp, tool: Any) -> None:
    """Keep ``tool`` (the file's ``[tool]`` table) for the next runs, if it is plain data and the file has
    settled; a cache that cannot be written only costs the parse."""
    import time

    if time.time_ns() - max(stamp[1], stamp[2]) < _SETTLED_NS:
        return
    import marshal

    entries = dict(_load())
    entries.pop(path, None)
    entries[path] = (stamp, tool)
    while len(entries) > _KEPT:
        entries.pop(next(iter(entries)))
    try:
        data = marshal.dumps((_FORMAT, entries))
    except ValueError:  # a datetime, or another value marshal cannot hold
        return
    target = _file()
    if target is None:
        return
    from promptlint.cache_files import write_cache_file

    if not write_cache_file(target, data):
        return
    global _entries
    _entries = entries
