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
from promptlint.stat_index import DEFER as DEFER_KIND
from promptlint.stat_index import LARGE, SDK, Signature, StatIndex, signature
from promptlint.stat_index import SKIP as SKIP_KIND

if TYPE_CHECKING:
    from promptlint.engine import LintOptions

# Below this many files to parse, starting worker processes costs more than it saves.
MIN_PARALLEL_FILES = 4
# From this many files on, a worker pool is started at the first file to parse.
EARLY_POOL_FILES = 200
# From this many files on, the stat index spares reading unchanged files (below, loading it costs more).
INDEX_MIN_FILES = 32


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
    index_of = _stat_index(tasks, context, cache)
    absolutes = [project.absolute(task.path) for task in tasks] if index_of is not None else []
    fresh = True  # every file of the run was known to the stat index, unchanged
    complete = True  # every file of the run has an entry in the index now

    def lint(
        index: int, task: Task, raw: Optional[bytes], deferred: bool, known: Optional[Tuple[Path, ...]] = None
    ) -> Optional[Tuple[Path, ...]]:
        """Read, prefilter, serve from the cache or send to be parsed. ``deferred``: the second look at
        a file that imports no SDK, once the run knows which of its files do (``ProjectPass``), where
        ``known`` is the pass's decision when the stat index has it; returns the pass's decision then."""
        nonlocal pool, total, fresh, complete
        through = known
        try:
            sig = None
            absolute = ""
            if index_of is not None and not deferred and task.raw is None and task.codes:
                absolute = absolutes[index]
                sig = signature(absolute)
                kind = index_of.kind(absolute, sig)
                if kind is None:
                    fresh = False
                elif kind != SDK:
                    project.known(index, absolute, kind == DEFER_KIND)
                    if kind != DEFER_KIND:
                        if kind == LARGE:
                            project.unknown(task.path)
                        results[index] = FileResult()
                    return None
            if raw is None:
                raw = _read_if_relevant(task, context.max_file_size)
            if raw is None:
                if not deferred:
                    project.unknown(task.path)
                    if sig is not None:  # too large, and no SDK import in it
                        complete = _record(index_of, absolute, sig, LARGE) and complete
                results[index] = FileResult()
                return None
            if known is None:
                through = project.through(task.path, raw, deferred)
                if sig is not None:
                    kind = SDK if through == () else DEFER_KIND if through is DEFER else SKIP_KIND
                    complete = _record(index_of, absolute, sig, kind) and complete
            if through is None:
                results[index] = FileResult()
                return None
            if through is DEFER:
                project.defer(index, task.path)
                return None
            if through:
                task = Task(task.path, task.display, task.codes, task.raw, through)
            source = decode_file(task.path, raw)
        except SourceError as error:
            from promptlint.diagnostics import FileError

            results[index] = FileResult(errors=[FileError(task.display, error.reason)])
            complete = fresh = False
            return through
        except Exception as error:  # promptlint's own failure on this file; the others go on
            from promptlint.diagnostics import internal_error

            results[index] = FileResult(errors=[internal_error(task.display, error)])
            complete = fresh = False
            return through
        key = cache.key(source.raw, task.path, task.display, task.codes) if cache is not None else None
        hit = cache.get(key) if key is not None else None
        if hit is not None:
            diagnostics, errors = (
                hit  # a result from the cache is not cached again: its dependencies do not matter
            )
            results[index] = FileResult(diagnostics, errors, True, source)
            return through
        total += 1
        if early:
            if pool is None:
                pool = _pool(context, registry, jobs)
            keys[index] = (key, source)
            pool.submit(index, task, source)
            collect(block=False)
        else:
            pending.append((index, task, source, key))
        return through

    def second_look() -> None:
        """The project pass over the files put aside: its decisions from the stat index when nothing they
        depend on changed, else made here (and kept there)."""
        run = (
            _run_key(tasks, absolutes, coverage, context)
            if index_of is not None and project.covered
            else None
        )
        decisions = index_of.decisions(run) if run is not None and fresh else None  # type: ignore[union-attr]
        if decisions is not None and all(
            path in decisions and isinstance(decisions[path], (list, type(None)))
            for _, path in project.put_aside()
        ):
            for index, path in project.put_aside():
                through = decisions.get(path)
                if through is None:
                    results[index] = FileResult()
                else:
                    lint(index, tasks[index], None, True, tuple(Path(p) for p in through))
            return
        made: Dict[str, Optional[List[str]]] = {path: None for _, path in project.put_aside()}
        paths = dict(project.put_aside())
        for index in project.deferred():
            through = lint(index, tasks[index], None, True)
            made[paths[index]] = [str(p) for p in through] if through else None
        if run is not None and complete:
            index_of.keep_decisions(run, made, project.consulted())  # type: ignore[union-attr]

    try:
        for index, task in enumerate(tasks):
            lint(index, task, None, False)
        second_look()
        if index_of is not None:
            if project.covered and complete:
                index_of.forget_except(absolutes)
            cache.save_index(index_of)
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


def _stat_index(tasks: Sequence[Task], context: RunContext, cache) -> Optional[StatIndex]:
    """The stat index for a run of many files (for a few, reading them costs less than loading it)."""
    if cache is None or len(tasks) < INDEX_MIN_FILES:
        return None
    return cache.stat_index(context.max_file_size)


def _record(index_of: StatIndex, absolute: str, sig: Signature, kind: int) -> bool:
    """Keep what the byte gate said of a file read; whether the entry could be kept (see racy entries)."""
    index_of.record(absolute, sig, kind)
    return index_of.settled(sig)


def _run_key(tasks: Sequence[Task], absolutes: List[str], coverage: Optional[Coverage], context) -> str:
    """What the project pass's decisions depend on besides files: the run's files (and which have rules to
    run), the folders walked and what a ``.gitignore`` hid there."""
    import hashlib

    digest = hashlib.sha256(str(context.project_root).encode())
    if coverage is not None:
        digest.update("\0".join(coverage.walked).encode() + b"\1" + "\0".join(coverage.hidden).encode())
    digest.update("\0".join(f"{path}\0{bool(task.codes)}" for task, path in zip(tasks, absolutes)).encode())
    return digest.hexdigest()


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
