"""Discovery's answer kept from one run to the next, so that a warm run of a large tree costs a ``stat`` per
folder instead of a walk with exclusion and ``.gitignore`` matching.

An entry is the list of files (and what ``promptlint.reach`` needs of the walk) for one set of arguments,
settings and working directory, with the signature (times, size, inode) of everything the walk was made
from: each path named, each folder scanned (a file created, removed or renamed in a folder changes the
folder's times), each symlink met in one (its target may appear or vanish without its folder changing),
each ignore file looked for and each ``.git`` looked for (absent ones as absent). It is used only when
every one of them is unchanged; anything else walks again. As in the stat index, an entry is stored only
when every time in it is older than the start of the run by ``RACY_NS``, and only for a walk without
errors (their text is the walk's to make) that found at least ``MIN_FILES`` files (below, the walk costs
less than the entry). One JSON file per entry in the cache folder, replaced atomically; written only when the cache
folder exists (creating it would change the project's folder).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from promptlint.discover import Discovered, discover, discover_recorded

RACY_NS = 2_000_000_000  # as ``stat_index.RACY_NS``; its own name, so that tests can set one alone
MIN_FILES = 32
_FORMAT = 1
_KEPT = 8  # entry files (one per arguments, settings and working directory)
_PREFIX = "walk-"


def _signature(path: str, follow: bool) -> Optional[List[int]]:
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


def _key(paths: Sequence[str], settings: Dict[str, Any]) -> str:
    import hashlib
    import json

    import promptlint.discover as discover_module

    code = [_signature(discover_module.__file__, True), _signature(__file__, True)]
    text = json.dumps([_FORMAT, code, os.getcwd(), list(paths), settings], sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()


def discover_cached(
    paths: Sequence[str],
    *,
    directory: Path,
    root: Path,
    exclude: Optional[Sequence[str]] = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
) -> Discovered:
    """``discover``'s answer, from the cache folder ``directory`` when nothing it was made from changed."""
    settings = {
        "root": [os.path.abspath(root), os.path.realpath(root)],
        "exclude": None if exclude is None else list(exclude),
        "extend_exclude": list(extend_exclude),
        "force_exclude": force_exclude,
        "respect_gitignore": respect_gitignore,
    }
    arguments: Dict[str, Any] = {
        "exclude": exclude,
        "extend_exclude": extend_exclude,
        "force_exclude": force_exclude,
        "respect_gitignore": respect_gitignore,
    }
    if not any(os.path.isdir(path) for path in paths):  # named files only: nothing to walk
        return discover(paths, root=root, **arguments)
    started = time.time_ns()
    file = os.path.join(directory, f"{_PREFIX}{_key(paths, settings)[:24]}.json")
    found = _valid(_load(file))
    if found is not None:
        return found
    found, deps = discover_recorded(paths, root=root, **arguments)
    if found.errors or len(found.files) < MIN_FILES or not os.path.isdir(directory):
        return found
    recorded = []
    for path, follow in dict.fromkeys(deps):
        sig = _signature(path, follow)
        if sig is not None and max(sig[0], sig[1]) >= started - RACY_NS:
            return found  # changed too recently to be trusted by its signature
        recorded.append([path, follow, sig])
    entry = {
        "format": _FORMAT,
        "deps": recorded,
        "files": [str(path) for path in found.files],
        "walked": list(found.walked),
        "hidden": list(found.hidden),
    }
    _save(file, entry)
    return found


def _valid(entry: Any) -> Optional[Discovered]:
    """The entry's answer when every signature in it is unchanged."""
    if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
        return None
    try:
        for path, follow, recorded in entry["deps"]:
            if _signature(path, bool(follow)) != recorded:
                return None
        return Discovered(
            tuple(Path(name) for name in entry["files"]),
            (),
            tuple(str(path) for path in entry["walked"]),
            tuple(str(path) for path in entry["hidden"]),
        )
    except (TypeError, ValueError, KeyError):
        return None


def _load(file: str) -> Any:
    """The entry in ``file``; None when it is missing, unreadable or corrupt."""
    import json

    try:
        with open(file, encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None


def _save(file: str, entry: Dict[str, Any]) -> None:
    """Replace ``file`` atomically and keep the ``_KEPT`` most recent entries; a failure costs speed only."""
    import json

    from promptlint.cache_files import write_cache_file

    if not write_cache_file(file, json.dumps(entry, separators=(",", ":")).encode("utf-8")):
        return
    directory = os.path.dirname(file)
    try:
        names = [os.path.join(directory, n) for n in os.listdir(directory) if n.startswith(_PREFIX)]
        if len(names) > _KEPT:
            names.sort(key=lambda name: os.stat(name).st_mtime_ns)
            for name in names[: len(names) - _KEPT]:
                os.unlink(name)
    except OSError:
        pass
