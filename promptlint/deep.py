"""Run parsing and analysis where deep but valid code cannot crash the process.

libcst's native parser and promptlint's own tree walks recurse once per nesting level. The main thread's
8 MiB stack and Python's default recursion limit of 1,000 are too small for legitimately deep code (a long
``a + b + c + …`` chain, a big nested literal), so that work runs in one worker thread with a large stack
and a higher recursion limit. Code nested deeper than CPython itself accepts is refused before parsing.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

_STACK_BYTES = 512 * 1024 * 1024  # reserved address space; only the pages used are committed
_RECURSION_LIMIT = 60_000
MAX_BRACKET_DEPTH = 200  # CPython's parser refuses deeper nesting ("too many nested parentheses")

_BRACKETS = bytes(range(256)).translate(None, b"()[]{}")


class DeepTimeout(Exception):
    """The work did not finish within its time budget; its thread was left behind."""


class _Worker:
    """One daemon thread with a large stack. A daemon, so that a worker left behind on a file that ran out of
    time (or at Ctrl-C) never keeps the process from exiting."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        previous = threading.stack_size(_STACK_BYTES)
        try:
            thread = threading.Thread(target=self._serve, name="promptlint-deep", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)

    def _serve(self) -> None:
        if hasattr(signal, "pthread_sigmask"):
            # Signals go to the main thread, which may be waiting for this one: delivered here, they would
            # wake nothing, and Ctrl-C would wait for the file to be done.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        if sys.getrecursionlimit() < _RECURSION_LIMIT:
            sys.setrecursionlimit(_RECURSION_LIMIT)
        while True:
            job = self.jobs.get()
            if job is None:
                return
            future, function, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args))
            except BaseException as error:
                future.set_exception(error)


_worker: Optional[_Worker] = None


def reset() -> None:
    """Forget the worker thread: a forked child does not inherit it."""
    global _worker
    _worker = None


def run_deep(function: Callable[..., T], *args, timeout: Optional[float] = None) -> T:
    """Call ``function(*args)`` on the large-stack worker thread and return (or raise) its result.

    Past ``timeout`` seconds, raise DeepTimeout and leave the thread to finish on its own; the next call
    starts a new one. (libcst's parser holds the GIL: a timeout is noticed once it lets go.)
    """
    global _worker
    if _worker is None:
        _worker = _Worker()
    worker = _worker
    future: Future[T] = Future()
    worker.jobs.put((future, function, args))
    try:
        return future.result(timeout)
    except FutureTimeout:
        if _worker is worker:
            _worker = None
        worker.jobs.put(None)  # once done with this file, the abandoned thread ends
        raise DeepTimeout(timeout) from None
    except BaseException:
        if not future.done():  # interrupted (Ctrl-C): the thread may still be busy; do not wait for it
            if _worker is worker:
                _worker = None
            worker.jobs.put(None)
        raise


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
