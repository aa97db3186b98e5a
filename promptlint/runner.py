"""Lint many files: read and prefilter in this process, serve unchanged files from the cache, and parse the
rest across worker processes. Results come back in the order of the tasks, so output never depends on the
number of workers or on the cache."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from promptlint.config import DEFAULT_FILE_TIMEOUT
from promptlint.diagnostics import FileError, internal_error
from promptlint.prefilter import may_call_llm, stream_may_call_llm
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


@dataclass(frozen=True)
class Task:
    path: Path
    display: str
    codes: Tuple[str, ...]  # the rules enabled for this file
    raw: Optional[bytes] = None  # the source to lint instead of the file's (read from stdin)
    # The project modules through which a file that imports no SDK may send a request (see ``reach``).
    through: Tuple[Path, ...] = ()


@dataclass(frozen=True)
class RunContext:
    """Everything a worker needs besides the task; plain data, so it crosses process boundaries."""

    rule_options: Mapping[str, Mapping[str, Any]]
    default_model: Optional[str]
    project_root: Path
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    signature_recognition: bool = True
    file_timeout: float = DEFAULT_FILE_TIMEOUT  # seconds for one file's analysis
    exclude: Tuple[str, ...] = ()  # exclude and extend-exclude, for the project modules imports reach


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Linter:
    """Lints files for one set of rules per file; one per process."""

    def __init__(self, context: RunContext, registry=None, timeout: Optional[float] = None) -> None:
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
        from promptlint.engine import lint_source

        return lint_source(source, task.display, self.options(task.codes), self.models, task.through)


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

    project = ProjectPass(context, coverage)

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
                    task = replace(task, through=through)
            elif not deferred:
                project.unknown(task.path)
            if raw is None:
                results[index] = FileResult()
                return
            source = decode_file(task.path, raw)
        except SourceError as error:
            results[index] = FileResult(errors=[FileError(task.display, error.reason)])
            return
        except Exception as error:  # promptlint's own failure on this file; the others go on
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


@dataclass(frozen=True)
class Coverage:
    """The directories discovery walked (real paths) and what a ``.gitignore`` hid in them."""

    walked: Tuple[str, ...]
    hidden: Tuple[str, ...] = ()


DEFER: Tuple[Path, ...] = (Path("."),)  # ``ProjectPass.through``: decided once every file has been read


class ProjectPass:
    """The prefilter for the files of one run: a file that imports an SDK is linted, and so is one that
    imports from the project a module that does (``reach``, one per project root).

    Reading every module a file imports costs about as much again as the byte prefilter, for every file of
    a large project. When the run's files are all of its project's files (``coverage``), a file that
    imports no SDK is put aside, and looked at again only when a module importing one (or one the run did
    not read: hidden by a ``.gitignore``, or with no rule to run) lies in a folder its imports can reach
    (``_regions``): a project without LLM code, or a file in another part of a repository, costs nothing
    more. What the prefilter says of each file read is kept for the pass, so that no module is read twice.
    """

    def __init__(self, context: RunContext, coverage: Optional[Coverage] = None) -> None:
        self.root = context.project_root.resolve()
        self.exclude = context.exclude
        self.covered = coverage is not None and any(
            str(self.root) == walked or str(self.root).startswith(walked.rstrip(os.sep) + os.sep)
            for walked in coverage.walked
        )
        self._unknown: List[str] = list(coverage.hidden) if coverage is not None else []
        self._reach: Dict[Path, Any] = {}
        self._sdk: Dict[Path, bool] = {}
        self._deferred: List[Tuple[int, Path]] = []
        self._regions: Optional[set] = None
        self._under: Dict[str, bool] = {}

    def through(self, path: Path, raw: bytes, deferred: bool = False) -> Optional[Tuple[Path, ...]]:
        """``()`` for a file that imports an SDK, the project modules it reaches one through otherwise,
        ``DEFER`` for one to look at once every file has been read, and None for a file that cannot
        matter."""
        absolute = Path(os.path.abspath(path))
        if not deferred:
            if may_call_llm(raw):
                self._sdk[absolute] = True
                return ()
            self._sdk[absolute] = False
            if b"import" not in raw:
                return None
            if self.covered:
                return DEFER
        from promptlint.engine import excluded_paths, prompt_root
        from promptlint.reach import Reach

        root = prompt_root(absolute, self.root)
        reach = self._reach.get(root)
        if reach is None:
            reach = self._reach[root] = Reach(root)
            reach.sdk = self._sdk
        excluded = excluded_paths(self.root, self.exclude, os.path.dirname(absolute))
        return reach.through(absolute, raw, excluded) or None

    def unknown(self, path: Path) -> None:
        """A file of the run not read (no rule to run on it, or too large): it may import an SDK."""
        self._unknown.append(os.path.abspath(path))

    def defer(self, index: int, path: Path) -> None:
        self._deferred.append((index, Path(os.path.abspath(path))))

    def deferred(self) -> List[int]:
        """The put-aside files whose imports may reach a module that imports an SDK, by task index."""
        return [index for index, path in self._deferred if self._near(path)]

    def _near(self, path: Path) -> bool:
        if self._regions is None:
            sources = [str(p) for p, sdk in self._sdk.items() if sdk] + self._unknown
            regions = {_region(source, str(self.root)) for source in sources}
            # A package folder a ``pyproject.toml`` maps is importable from anywhere below that file.
            regions.update(mapped for source in sources for mapped in _mapping_scopes(source, str(self.root)))
            regions.discard(None)
            self._regions = regions  # type: ignore[assignment]
        directory = os.path.dirname(str(path))
        return self._is_under(directory)

    def _is_under(self, directory: str) -> bool:
        known = self._under.get(directory)
        if known is None:
            assert self._regions is not None
            parent = os.path.dirname(directory)
            known = directory in self._regions or (parent != directory and self._is_under(parent))
            self._under[directory] = known
        return known


def _mapping_scopes(source: str, root: str) -> List[str]:
    """The folders above ``source``, up to the root, whose ``pyproject.toml`` maps package folders."""
    from promptlint.layout import NO_LAYOUT, layout_of

    found = []
    directory = os.path.dirname(source)
    while True:
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and layout_of(Path(pyproject)) != NO_LAYOUT:
            found.append(directory)
        parent = os.path.dirname(directory)
        if directory == root or parent == directory or not directory.startswith(root):
            return found
        directory = parent


def _region(source: str, root: str) -> Optional[str]:
    """The highest folder from which ``source`` (a module file, or a folder) is importable by a dotted
    name: only a file under it can import it, through its package, a relative import or a re-export."""
    directory, name = os.path.split(source)
    stem = name[:-3] if name.endswith(".py") else name
    if not stem.isidentifier() and stem != "__init__":
        return None
    while directory != root and os.path.basename(directory).isidentifier():
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


def _outcome(display: str, ok: bool, value, context: RunContext) -> FileResult:
    """A worker's result; a file that ran out of time is that file's error, and so is a worker that failed
    on it (its result could not come back, or the worker died): the other files are still reported."""
    from promptlint.engine import timeout_error
    from promptlint.pool import TimedOut

    if ok:
        return value
    if isinstance(value, TimedOut):
        return FileResult(errors=[timeout_error(display, context.file_timeout)], parsed=True)
    return FileResult(errors=[internal_error(display, value)], parsed=True)


def _pool(context: RunContext, registry, workers: int):
    """Workers that lint with the rules the parent has loaded (a forked worker inherits them)."""
    from promptlint.pool import WorkerPool

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
