"""Run parsing and analysis where deep but valid code cannot crash the process.

libcst's native parser and promptlint's own tree walks recurse once per nesting level. The main thread's
8 MiB stack and Python's default recursion limit of 1,000 are too small for legitimately deep code (a long
``a + b + c + …`` chain, a big nested literal), so that work runs in one worker thread with a large stack
and a higher recursion limit. Code nested deeper than CPython itself accepts is refused before parsing.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

_STACK_BYTES = 512 * 1024 * 1024  # reserved address space; only the pages used are committed
_RECURSION_LIMIT = 60_000
MAX_BRACKET_DEPTH = 200  # CPython's parser refuses deeper nesting ("too many nested parentheses")

_executor: Optional[ThreadPoolExecutor] = None
_BRACKETS = bytes(range(256)).translate(None, b"()[]{}")


def _start() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        previous = threading.stack_size(_STACK_BYTES)
        try:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="promptlint-deep")
            _executor.submit(sys.setrecursionlimit, _RECURSION_LIMIT).result()
        finally:
            threading.stack_size(previous)
    return _executor


def run_deep(function: Callable[..., T], *args) -> T:
    """Call ``function(*args)`` on the large-stack worker thread and return (or raise) its result."""
    return _start().submit(function, *args).result()


def bracket_depth(raw: bytes) -> int:
    """The deepest bracket nesting in the file, counting brackets in strings and comments too (an upper
    bound that only matters for absurd files)."""
    depth = deepest = 0
    for byte in raw.translate(None, _BRACKETS):
        if byte in (40, 91, 123):  # ( [ {
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest
