"""Worker processes that the parent can always stop: one file at a time per worker, so that a file that runs
past its time budget is stopped by ending the worker that has it (a new one takes its place), and Ctrl-C
ends every worker at once.

A worker ignores SIGINT (the parent decides), and on Linux is killed by the kernel if the parent dies
without cleaning up (SIGKILL), so no worker outlives a run.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple

_PR_SET_PDEATHSIG = 1
_STARTED = "started"


class WorkerDied(Exception):
    """The worker process ended while it had the file."""


class TimedOut(Exception):
    """The file was not done within its time budget; its worker was ended."""


@dataclass
class _Running:
    key: Any
    started: Optional[float] = None  # when the worker began the job


def _die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux); elsewhere the closed pipe ends it."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - not Linux
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        pass


def _serve(
    connection, initializer: Callable[..., None], initargs: tuple, function: Callable[..., Any]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    initializer(*initargs)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        connection.send(_STARTED)  # the file's time budget starts now, not while this worker was starting
        try:
            outcome: Tuple[bool, Any] = (True, function(*job))
        except Exception as error:
            outcome = (False, error)
        try:
            connection.send(outcome)
        except Exception as error:  # the result (or the exception) cannot be pickled
            try:
                connection.send((False, error))
            except Exception:
                connection.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


class WorkerPool:
    """``workers`` processes running ``function(*args)`` for each submitted job; ``results()`` yields
    ``(key, ok, value)`` as jobs finish, where a failed job's value is its exception (WorkerDied, TimedOut
    or what the function raised)."""

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None],
        initargs: tuple,
        function: Callable[..., Any],
        timeout: Optional[float],
    ) -> None:
        import multiprocessing

        # fork is cheap and inherits the loaded modules, but is only safe while this process has one thread.
        method = "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"
        self._context = multiprocessing.get_context(method)
        self._size = workers
        self._start_args = (initializer, initargs, function)
        self._timeout = timeout if timeout is not None and math.isfinite(timeout) else None
        self._queue: Deque[Tuple[Any, tuple]] = deque()
        self._idle: List[Any] = []
        self._running: Dict[Any, _Running] = {}  # by worker
        self._workers: List[Any] = []

    def submit(self, key: Any, *args: Any) -> None:
        """Queue a job; it starts at once when a worker is free."""
        self._queue.append((key, args))
        self._dispatch()

    def _spawn(self):
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(child_end, *self._start_args), name="promptlint-worker", daemon=True
        )
        process.start()
        child_end.close()
        worker = (process, parent_end)
        self._workers.append(worker)
        return worker

    def _retire(self, worker) -> None:
        process, connection = worker
        if process.is_alive():
            process.kill()
        process.join()
        connection.close()
        self._workers.remove(worker)

    def _dispatch(self) -> None:
        while self._queue and (self._idle or len(self._workers) < self._size):
            worker = self._idle.pop() if self._idle else self._spawn()
            key, args = self._queue.popleft()
            self._running[worker] = _Running(key)
            worker[1].send(args)

    def results(self, block: bool = True) -> Iterator[Tuple[Any, bool, Any]]:
        """The jobs that finish, until none is left; without ``block``, only those finished already."""
        from multiprocessing.connection import wait

        while True:
            self._dispatch()
            if not self._running:
                return
            wait_for = None if block else 0.0
            started = [running.started for running in self._running.values() if running.started is not None]
            if self._timeout is not None and block and started:
                wait_for = max(0.0, min(started) + self._timeout - time.monotonic())
            by_connection = {worker[1]: worker for worker in self._running}
            for connection in wait(list(by_connection), wait_for):
                worker = by_connection[connection]
                running = self._running[worker]
                try:
                    message = connection.recv()
                except (EOFError, OSError):
                    del self._running[worker]
                    self._retire(worker)
                    yield running.key, False, WorkerDied("the worker process died")
                    continue
                if message == _STARTED:
                    running.started = time.monotonic()
                    continue
                del self._running[worker]
                self._idle.append(worker)
                ok, value = message
                yield running.key, ok, value
            if self._timeout is not None:
                now = time.monotonic()
                for worker, running in list(self._running.items()):
                    if running.started is not None and now - running.started >= self._timeout:
                        del self._running[worker]
                        self._retire(worker)
                        yield running.key, False, TimedOut(self._timeout)
            if not block:
                self._dispatch()
                return

    def close(self) -> None:
        """Let idle workers exit; end any still busy."""
        for _process, connection in list(self._workers):
            try:
                connection.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for worker in list(self._workers):
            worker[0].join(max(0.0, deadline - time.monotonic()))
            self._retire(worker)

    def terminate(self) -> None:
        """End every worker now (Ctrl-C): SIGKILL all first, then reap them."""
        for process, _ in self._workers:
            if process.is_alive():
                process.kill()
        for worker in list(self._workers):
            self._retire(worker)
