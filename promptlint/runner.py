"""Lint many files: read and prefilter in this process, serve unchanged files from the cache, and parse the
rest across worker processes. Results come back in the order of the tasks, so output never depends on the
number of workers or on the cache."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from promptlint.diagnostics import FileError, internal_error
from promptlint.engine import FileResult, LintOptions, lint_source
from promptlint.prefilter import may_call_llm, stream_may_call_llm
from promptlint.source import (
    DEFAULT_MAX_FILE_SIZE,
    FileTooLarge,
    SourceError,
    SourceFile,
    decode_file,
    read_raw,
    scan_raw,
)

# Below this many files to parse, starting worker processes costs more than it saves.
MIN_PARALLEL_FILES = 4
# From this many files on, a worker pool is started at the first file to parse.
EARLY_POOL_FILES = 200


@dataclass(frozen=True)
class Task:
    path: Path
    display: str
    codes: Tuple[str, ...]  # the rules enabled for this file


@dataclass(frozen=True)
class RunContext:
    """Everything a worker needs besides the task; plain data, so it crosses process boundaries."""

    rule_options: Mapping[str, Mapping[str, Any]]
    default_model: Optional[str]
    project_root: Path
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    signature_recognition: bool = True


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Linter:
    """Lints files for one set of rules per file; one per process."""

    def __init__(self, context: RunContext, registry=None) -> None:
        if registry is None:
            from promptlint.registry import load_registry

            registry = load_registry()
        self.registry = registry
        self.context = context
        from promptlint.models import ModelData

        self.models = ModelData(context.models)
        self._options: Dict[Tuple[str, ...], LintOptions] = {}

    def options(self, codes: Tuple[str, ...]) -> LintOptions:
        if codes not in self._options:
            rules = [rule for rule in self.registry.rules if rule.code in codes]
            self._options[codes] = LintOptions(
                rules=rules,
                rule_options=self.context.rule_options,
                default_model=self.context.default_model,
                project_root=self.context.project_root,
                models=self.context.models,
                signature_recognition=self.context.signature_recognition,
            )
        return self._options[codes]

    def lint(self, task: Task, source: SourceFile) -> FileResult:
        return lint_source(source, task.display, self.options(task.codes), self.models)


_worker: Optional[Linter] = None


def _start_worker(context: RunContext) -> None:
    global _worker
    import promptlint.deep as deep

    deep._executor = None  # a forked child does not inherit the parent's worker thread
    _worker = Linter(context)


def _work(task: Task, source: SourceFile) -> FileResult:
    assert _worker is not None
    result = _worker.lint(task, source)
    result.source = None  # the parent has it already
    return result


def lint_tasks(
    tasks: Sequence[Task],
    context: RunContext,
    registry,
    jobs: int,
    cache=None,
    on_progress: Optional[Callable[[int, int], None]] = None,
) -> List[FileResult]:
    results: List[Optional[FileResult]] = [None] * len(tasks)
    pending: List[Tuple[int, Task, SourceFile, Optional[str]]] = []
    done = 0
    total = 0

    def finished(index: int, key: Optional[str], source: SourceFile, result: FileResult) -> None:
        nonlocal done
        result.source = source
        results[index] = result
        if key is not None and cache is not None and not any(e.internal for e in result.errors):
            cache.put(key, result.diagnostics, result.errors, result.dependencies)
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    # On a large run, files to parse go to worker processes as soon as they are found, so that parsing
    # overlaps with reading and prefiltering the rest.
    early = jobs > 1 and len(tasks) >= EARLY_POOL_FILES
    pool = None
    futures: Dict[Any, Tuple[int, Optional[str], SourceFile]] = {}
    try:
        for index, task in enumerate(tasks):
            try:
                raw = _read_if_relevant(task, context.max_file_size)
                if raw is None:
                    results[index] = FileResult()
                    continue
                source = decode_file(task.path, raw)
            except SourceError as error:
                results[index] = FileResult(errors=[FileError(task.display, error.reason)])
                continue
            except Exception as error:  # promptlint's own failure on this file; the others go on
                results[index] = FileResult(errors=[internal_error(task.display, error)])
                continue
            key = cache.key(source.raw, task.path, task.display, task.codes) if cache is not None else None
            hit = cache.get(key) if key is not None else None
            if hit is not None:
                diagnostics, errors, dependencies = hit
                results[index] = FileResult(diagnostics, errors, True, source, dependencies)
                continue
            total += 1
            if early:
                if pool is None:
                    pool = _pool(context, jobs)
                futures[pool.submit(_work, task, source)] = (index, key, source)
            else:
                pending.append((index, task, source, key))
        if pool is not None:
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                index, key, source = futures[future]
                finished(index, key, source, _result(future, tasks[index].display))
    finally:
        if pool is not None:
            pool.shutdown()

    workers = min(jobs, len(pending))
    if workers > 1 and len(pending) >= MIN_PARALLEL_FILES:
        _run_parallel(pending, context, workers, finished)
    else:
        linter = Linter(context, registry) if pending else None
        for index, task, source, key in pending:
            finished(index, key, source, linter.lint(task, source))
    return [result if result is not None else FileResult() for result in results]


def _read_if_relevant(task: Task, max_bytes: int) -> Optional[bytes]:
    """The bytes of a file to parse, or None for one that cannot call an LLM (or has no rule to run).

    The size limit applies only to files that pass the prefilter: a large generated file without an SDK
    import is skipped like any other, and only looked through in bounded pieces.
    """
    try:
        raw = read_raw(task.path, max_bytes=max_bytes)
    except FileTooLarge:
        if task.codes and scan_raw(task.path, stream_may_call_llm):
            raise
        return None
    return raw if task.codes and may_call_llm(raw) else None


def _result(future, display: str) -> FileResult:
    """A worker's result; a worker that failed on the file (its result could not come back, or the worker
    died) is that file's internal error, and the other files are still reported."""
    try:
        return future.result()
    except Exception as error:
        return FileResult(errors=[internal_error(display, error)], parsed=True)


def _pool(context: RunContext, workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork is cheap and inherits the loaded modules, but is only safe while this process has one thread.
    method = "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(context,),
    )


def _run_parallel(pending, context: RunContext, workers: int, finished) -> None:
    from concurrent.futures import as_completed

    pool = _pool(context, workers)
    try:
        # Largest files first, so that no worker is left with a big one at the end.
        ordered = sorted(pending, key=lambda item: -len(item[2].raw))
        futures = {
            pool.submit(_work, task, source): (index, key, source) for index, task, source, key in ordered
        }
        displays = {index: task.display for index, task, _, _ in pending}
        for future in as_completed(futures):
            index, key, source = futures[future]
            finished(index, key, source, _result(future, displays[index]))
    finally:
        pool.shutdown()
