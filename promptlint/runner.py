"""Lint many files: read and prefilter in this process, serve unchanged files from the cache, and parse the
rest across worker processes. Results come back in the order of the tasks, so output never depends on the
number of workers or on the cache."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from promptlint.config import DEFAULT_FILE_TIMEOUT
from promptlint.prefilter import may_call_llm, stream_may_call_llm
from promptlint.project_pass import DEFER, Coverage, ProjectPass
from promptlint.record import Frozen
from promptlint.results import FileResult
from promptlint.source import (
    DEFAULT_MAX_FILE_SIZE,
    FileTooLarge,
    SourceError,
    SourceFile,
    decode_file,
    read_raw,
    scan_raw,
)

if TYPE_CHECKING:
    from promptlint.engine import LintOptions

# Below this many files to parse, starting worker processes costs more than it saves.
MIN_PARALLEL_FILES = 4
# From this many files on, a worker pool is started at the first file to parse.
EARLY_POOL_FILES = 200


class Task(Frozen):
    """One file to lint, with the rules enabled for it."""

    __slots__ = ("path", "display", "codes", "raw", "through")

    def __init__(
        self,
        path: Path,
        display: str,
        codes: Tuple[str, ...],  # the rules enabled for this file
        raw: Optional[bytes] = None,  # the source to lint instead of the file's (read from stdin)
        # The project modules through which a file that imports no SDK may send a request (see ``reach``).
        through: Tuple[Path, ...] = (),
    ) -> None:
        self.path = path
        self.display = display
        self.codes = codes
        self.raw = raw
        self.through = through


class RunContext(Frozen):
    """Everything a worker needs besides the task; plain data, so it crosses process boundaries."""

    __slots__ = (
        "rule_options",
        "default_model",
        "project_root",
        "models",
        "max_file_size",
        "signature_recognition",
        "file_timeout",
        "exclude",
    )

    def __init__(
        self,
        rule_options: Mapping[str, Mapping[str, Any]],
        default_model: Optional[str],
        project_root: Path,
        models: Optional[Mapping[str, Mapping[str, Any]]] = None,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        signature_recognition: bool = True,
        file_timeout: float = DEFAULT_FILE_TIMEOUT,  # seconds for one file's analysis
        exclude: Tuple[str, ...] = (),  # exclude and extend-exclude, for the project modules imports reach
    ) -> None:
        self.rule_options = rule_options
        self.default_model = default_model
        self.project_root = project_root
        self.models = {} if models is None else models
        self.max_file_size = max_file_size
        self.signature_recognition = signature_recognition
        self.file_timeout = file_timeout
        self.exclude = exclude


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Linter:
    """Lints files for one set of rules per file; one per process."""

    def __init__(self, context: RunContext, registry=None, timeout: Optional[float] = None) -> None:
        from promptlint import method_cache

        method_cache.install()  # before the rules, the engine and libcst create their dataclasses
        if registry is None:
            from promptlint.registry import load_registry

            registry = load_registry()
        self.registry = registry.loaded()  # the rule classes: imported now, when a file is to be linted
        self.context = context
        from promptlint.models import ModelData

        self.models = ModelData(context.models)
        self.timeout = timeout  # in a worker process, the parent keeps the time
        self._options: Dict[Tuple[str, ...], LintOptions] = {}

    def options(self, codes: Tuple[str, ...]) -> LintOptions:
        from promptlint.engine import LintOptions

        if codes not in self._options:
            rules = [rule for rule in self.registry.rules if rule.code in codes]
            self._options[codes] = LintOptions(
                rules=rules,
                rule_options=self.context.rule_options,
                default_model=self.context.default_model,
                project_root=self.context.project_root,
                models=self.context.models,
                signature_recognition=self.context.signature_recognition,
                timeout=self.timeout,
                exclude=self.context.exclude,
            )
        return self._options[codes]

    def lint(self, task: Task, source: SourceFile) -> FileResult:
        from promptlint import method_cache
        from promptlint.engine import lint_source

        result = lint_source(source, task.display, self.options(task.codes), self.models, task.through)
        method_cache.save()  # what linting the file compiled (libcst's nodes, the rules): once per build
        return result


_worker: Optional[Linter] = None


def _start_worker(context: RunContext, registry) -> None:
    global _worker
    import promptlint.deep as deep

    deep.reset()  # a forked child does not inherit the parent's worker thread
    _worker = Linter(context, registry)


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
    coverage: Optional[Coverage] = None,
) -> List[FileResult]:
    """``coverage``: what discovery walked, when the files of the run are every file of the project that
    discovery did not exclude (see ``ProjectPass``)."""
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
    keys: Dict[int, Tuple[Optional[str], SourceFile]] = {}

    def collect(block: bool) -> None:
        assert pool is not None
        for index, ok, value in pool.results(block):
            key, source = keys.pop(index)
            finished(index, key, source, _outcome(tasks[index].display, ok, value, context))

    project = ProjectPass(context.project_root, context.exclude, coverage)

    def lint(index: int, task: Task, raw: Optional[bytes], deferred: bool) -> None:
        """Read, prefilter, serve from the cache or send to be parsed. ``deferred``: the second look at
        a file that imports no SDK, once the run knows which of its files do (``ProjectPass``)."""
        nonlocal pool, total
        try:
            if raw is None:
                raw = _read_if_relevant(task, context.max_file_size)
            if raw is not None:
                through = project.through(task.path, raw, deferred)
                if through is None:
                    raw = None
                elif through is DEFER:
                    project.defer(index, task.path)
                    return
                elif through:
                    task = Task(task.path, task.display, task.codes, task.raw, through)
            elif not deferred:
                project.unknown(task.path)
            if raw is None:
                results[index] = FileResult()
                return
            source = decode_file(task.path, raw)
        except SourceError as error:
            from promptlint.diagnostics import FileError

            results[index] = FileResult(errors=[FileError(task.display, error.reason)])
            return
        except Exception as error:  # promptlint's own failure on this file; the others go on
            from promptlint.diagnostics import internal_error

            results[index] = FileResult(errors=[internal_error(task.display, error)])
            return
        key = cache.key(source.raw, task.path, task.display, task.codes) if cache is not None else None
        hit = cache.get(key) if key is not None else None
        if hit is not None:
            diagnostics, errors, dependencies = hit
            results[index] = FileResult(diagnostics, errors, True, source, dependencies)
            return
        total += 1
        if early:
            if pool is None:
                pool = _pool(context, registry, jobs)
            keys[index] = (key, source)
            pool.submit(index, task, source)
            collect(block=False)
        else:
            pending.append((index, task, source, key))

    try:
        for index, task in enumerate(tasks):
            lint(index, task, None, False)
        for index in project.deferred():
            lint(index, tasks[index], None, True)
        if pool is not None:
            collect(block=True)
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    if pool is not None:
        pool.close()

    workers = min(jobs, len(pending))
    if workers > 1 and len(pending) >= MIN_PARALLEL_FILES:
        _run_parallel(pending, context, registry, workers, finished)
    else:
        linter = Linter(context, registry, timeout=_finite(context.file_timeout)) if pending else None
        for index, task, source, key in pending:
            finished(index, key, source, linter.lint(task, source))
    return [result if result is not None else FileResult() for result in results]


def _finite(seconds: float) -> Optional[float]:
    return seconds if math.isfinite(seconds) else None


def _read_if_relevant(task: Task, max_bytes: int) -> Optional[bytes]:
    """The bytes of a file to parse, or None for one that cannot call an LLM (or has no rule to run): the
    bytes of a file that imports no SDK come back for the project pass (``ProjectPass``).

    The size limit applies only to files that pass the prefilter: a large generated file without an SDK
    import is skipped like any other, and only looked through in bounded pieces.
    """
    if task.raw is not None:
        raw = task.raw
        if len(raw) > max_bytes:
            if task.codes and may_call_llm(raw):
                raise FileTooLarge(max_bytes)
            return None
        return raw if task.codes else None
    try:
        raw = read_raw(task.path, max_bytes=max_bytes)
    except FileTooLarge:
        if task.codes and scan_raw(task.path, stream_may_call_llm):
            raise
        return None
    return raw if task.codes else None


def _outcome(display: str, ok: bool, value, context: RunContext) -> FileResult:
    """A worker's result; a file that ran out of time is that file's error, and so is a worker that failed
    on it (its result could not come back, or the worker died): the other files are still reported."""
    from promptlint.diagnostics import internal_error
    from promptlint.engine import timeout_error
    from promptlint.pool import TimedOut

    if ok:
        return value
    if isinstance(value, TimedOut):
        return FileResult(errors=[timeout_error(display, context.file_timeout)], parsed=True)
    return FileResult(errors=[internal_error(display, value)], parsed=True)


def _pool(context: RunContext, registry, workers: int):
    """Workers that lint with the rules the parent has loaded (a forked worker inherits them)."""
    from promptlint import method_cache
    from promptlint.pool import WorkerPool

    method_cache.install()  # in the parent: forked workers inherit it
    registry = registry.loaded()
    return WorkerPool(workers, _start_worker, (context, registry), _work, context.file_timeout)


def _run_parallel(pending, context: RunContext, registry, workers: int, finished) -> None:
    pool = _pool(context, registry, workers)
    try:
        # Largest files first, so that no worker is left with a big one at the end.
        ordered = sorted(pending, key=lambda item: -len(item[2].raw))
        by_index = {index: (task, source, key) for index, task, source, key in pending}
        for index, task, source, _ in ordered:
            pool.submit(index, task, source)
        for index, ok, value in pool.results():
            task, source, key = by_index[index]
            finished(index, key, source, _outcome(task.display, ok, value, context))
    except BaseException:
        pool.terminate()
        raise
    pool.close()
