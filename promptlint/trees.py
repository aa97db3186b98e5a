"""Parsed modules kept for the rest of the process, so that a file is parsed with libcst once per process
whether it is linted or read as another file's project module (a wrapper, a prompt constant, a base class).

On the LLM-heavy benchmark corpus half of the modules other files read are files of the run themselves, and
they are the large ones: without this, each was parsed twice in a process (once to lint it, once for its
importers), and again whenever the project memo had let it go. A libcst tree is immutable and every fact
derived from it lives in the scopes, indexes and memos of one analysis, so one tree can serve several
analyses one after the other.

Kept by the file's real path and checked against its decoded text, so an edited file (or a buffer from
stdin that differs from the file on disk) is never served a stale tree. Bounded by the characters of source
kept (a tree takes about 30 bytes per character), least recently used first out.

A tree is never handed to a project lookup while the analysis of the same file as a linted file is using it
(``linting``): a linted module that reaches itself through an import (a re-export in its package's
``__init__.py``) is read as a separate tree, as it always was, so that no node of the linted module is also
a node of "another" module.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, Tuple

_MAX_CHARACTERS = 4 * 1024 * 1024  # source characters kept, about 120 MB of trees

_lock = threading.Lock()
_kept: OrderedDict[str, Tuple[str, Any]] = OrderedDict()
_size = 0
_in_use: Dict[int, int] = {}  # ``id`` of a tree a linted file's analysis uses -> analyses using it


def key(path: Any) -> str:
    """The key of a file: its real path (a linted file's path may be relative, or run through a symlink)."""
    return os.path.realpath(path)


def recall(path_key: str, text: str) -> Optional[Any]:
    """The tree kept for the file with exactly this text, or None."""
    with _lock:
        found = _kept.get(path_key)
        if found is None or found[0] != text:
            return None
        _kept.move_to_end(path_key)
        return found[1]


def keep(path_key: str, text: str, module: Any) -> None:
    """Keep ``module``, the tree of ``text``, the file's text at ``path_key``."""
    global _size
    if len(text) > _MAX_CHARACTERS // 4:
        return  # one huge file would push out everything else
    with _lock:
        old = _kept.pop(path_key, None)
        if old is not None:
            _size -= len(old[0])
        _kept[path_key] = (text, module)
        _size += len(text)
        while _size > _MAX_CHARACTERS and len(_kept) > 1:
            _, (dropped, _module) = _kept.popitem(last=False)
            _size -= len(dropped)


def in_use(module: Any) -> bool:
    """Whether a linted file's analysis is using ``module`` (see the module docstring)."""
    with _lock:
        return id(module) in _in_use


@contextmanager
def linting(module: Any) -> Iterator[None]:
    """Mark ``module`` as the tree of the file being analysed while the block runs."""
    ident = id(module)
    with _lock:
        _in_use[ident] = _in_use.get(ident, 0) + 1
    try:
        yield
    finally:
        with _lock:
            left = _in_use[ident] - 1
            if left:
                _in_use[ident] = left
            else:
                del _in_use[ident]


def clear() -> None:
    """Forget every tree (tests)."""
    global _size
    with _lock:
        _kept.clear()
        _size = 0
