"""One check run, outside the command line: discover → lint (cached, parallel) → fix → narrow → price.

``check`` takes a ``CheckRequest`` (what to lint and how, already validated) and returns an ``Outcome``
(every finding, error and warning, sorted); it prints nothing and never exits. The CLI turns arguments
into the request and the outcome into output and an exit code; an editor or a service can do the same.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Type

from promptlint.record import Frozen, Record

if TYPE_CHECKING:
    from promptlint.config import Settings
    from promptlint.diagnostics import Diagnostic, FileError
    from promptlint.discover import DiscoveryError
    from promptlint.engine import FileResult
    from promptlint.narrow import Narrowing
    from promptlint.registry import Registry
    from promptlint.rule import Rule
    from promptlint.runner import RunContext, Task

Progress = Callable[[int, int], None]  # (files parsed, files to parse)


class CheckError(Exception):
    """A problem with the request found while running it (a baseline, a git ref, the model data)."""


class FixMode(Enum):
    REPORT = "report"  # change nothing
    WRITE = "write"  # --fix
    DIFF = "diff"  # --diff


class CheckRequest(Frozen):
    """What to lint and how, already validated."""

    __slots__ = (
        "paths",
        "settings",
        "registry",
        "selected",
        "cwd",
        "default_model",
        "calls_per_month",
        "force_exclude",
        "jobs",
        "use_cache",
        "fix",
        "unsafe_fixes",
        "baseline",
        "changed_since",
        "price",
        "stdin",
    )

    def __init__(
        self,
        paths: Sequence[str],
        settings: Settings,
        registry: Registry,
        selected: Sequence[Type[Rule]],
        cwd: Path,
        default_model: Optional[str] = None,  # overrides the configured one
        calls_per_month: Optional[int] = None,  # overrides the configured one
        force_exclude: Optional[bool] = None,  # overrides the configured one
        jobs: int = 1,
        use_cache: bool = True,
        fix: FixMode = FixMode.REPORT,
        unsafe_fixes: bool = False,
        baseline: Optional[Path] = None,  # report only findings this baseline does not know
        changed_since: Optional[str] = None,  # report only findings on lines changed since this git ref
        price: bool = True,
        # The source of the one path in ``paths``, read from stdin: linted as that path (its configuration,
        # per-file-ignores, force-exclude, project files beside it), never read from or written to disk.
        stdin: Optional[bytes] = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.registry = registry
        self.selected = selected
        self.cwd = cwd
        self.default_model = default_model
        self.calls_per_month = calls_per_month
        self.force_exclude = force_exclude
        self.jobs = jobs
        self.use_cache = use_cache
        self.fix = fix
        self.unsafe_fixes = unsafe_fixes
        self.baseline = baseline
        self.changed_since = changed_since
        self.price = price
        self.stdin = stdin


class Outcome(Record):
    """Everything a run found, priced and sorted; what the CLI prints."""

    __slots__ = (
        "reported",
        "found",
        "errors",
        "missing",
        "warnings",
        "files_checked",
        "fixed",
        "diffs",
        "internal_error",
        "fixed_rules",
        "texts",
        "stdin_fixed",
    )

    def __init__(
        self,
        reported: Optional[List[Diagnostic]] = None,  # what the run reports, priced and sorted
        found: Optional[List[Diagnostic]] = None,  # every finding left after fixing, unnarrowed
        errors: Optional[List[FileError]] = None,  # files that could not be linted, sorted
        missing: Optional[List[FileError]] = None,  # paths the user named that do not exist
        warnings: Optional[List[str]] = None,
        files_checked: int = 0,
        fixed: int = 0,
        diffs: Optional[List[str]] = None,
        internal_error: bool = False,  # promptlint's own failure on some file, or a missing path: exit 2
        fixed_rules: Optional[List[Tuple[str, str, str]]] = None,  # (path, code, name) per fix
        texts: Optional[Dict[str, str]] = None,  # the text of each file with reported findings
        stdin_fixed: Optional[bytes] = None,  # with ``stdin`` and --fix: the fixed source, when a fix applied
    ) -> None:
        self.reported = [] if reported is None else reported
        self.found = [] if found is None else found
        self.errors = [] if errors is None else errors
        self.missing = [] if missing is None else missing
        self.warnings = [] if warnings is None else warnings
        self.files_checked = files_checked
        self.fixed = fixed
        self.diffs = [] if diffs is None else diffs
        self.internal_error = internal_error
        self.fixed_rules = [] if fixed_rules is None else fixed_rules
        self.texts = {} if texts is None else texts
        self.stdin_fixed = stdin_fixed


def check(request: CheckRequest, on_progress: Optional[Progress] = None) -> Outcome:
    from promptlint.discover import discover
    from promptlint.source import PathProblem

    settings = request.settings
    force_exclude = settings.force_exclude if request.force_exclude is None else request.force_exclude
    paths = list(request.paths) or ["."]
    if request.stdin is not None:
        found = _stdin_found(paths[0], settings, force_exclude)
    elif request.use_cache:  # a warm run of a large tree reuses the last walk when nothing in it changed
        from promptlint.cache import CACHE_DIRECTORY
        from promptlint.walk_cache import discover_cached

        found = discover_cached(
            paths,
            directory=settings.root / CACHE_DIRECTORY,
            root=settings.root,
            exclude=settings.exclude,
            extend_exclude=settings.extend_exclude,
            force_exclude=force_exclude,
            respect_gitignore=settings.respect_gitignore,
        )
    else:
        found = discover(
            paths,
            root=settings.root,
            exclude=settings.exclude,
            extend_exclude=settings.extend_exclude,
            force_exclude=force_exclude,
            respect_gitignore=settings.respect_gitignore,
        )
    # A path the user named that does not exist stops nothing but is an error (exit 2); problems met while
    # walking (a symlink loop, an unreadable directory) are reported like unreadable files.
    named = set(paths)
    missing = [e for e in found.errors if e.kind is PathProblem.MISSING and e.path in named]
    outcome = Outcome(
        missing=_file_errors(missing),
        files_checked=len(found.files),
        internal_error=bool(missing),
    )
    if missing and not found.files:
        return outcome

    narrowing = _narrowing(request)
    context = _run_context(request)
    tasks = _tasks(found.files, request)
    results = _lint(request, context, tasks, on_progress, found)
    _collect(request, context, tasks, results, narrowing, outcome)
    _group_shared(request, tasks, results, narrowing, outcome)
    outcome.errors[:0] = _file_errors([e for e in found.errors if e not in missing])
    if request.price and outcome.reported:
        outcome.reported = _priced(outcome.reported, settings, request)
    if not settings.fail_on_self_hosted:
        outcome.reported = [_informational(d) for d in outcome.reported]
    outcome.reported.sort(key=lambda d: d.sort_key)
    outcome.errors.sort(key=lambda e: (e.path, e.reason))
    return outcome


def _file_errors(problems: Sequence[DiscoveryError]) -> List[FileError]:
    """Path problems as file errors (``promptlint.diagnostics`` is imported only when there are some)."""
    if not problems:
        return []
    from promptlint.diagnostics import FileError

    return [FileError(problem.path, problem.reason) for problem in problems]


def _stdin_found(path: str, settings: Settings, force_exclude: bool):
    """The one file read from stdin, shown as files named on the command line are; none when
    ``force-exclude`` excludes its path (as ruff does: excluded, it reports nothing)."""
    from promptlint.discover import Discovered, display_path, force_excluded

    if path == "-":
        return Discovered((Path("-"),), ())
    if force_exclude and force_excluded(
        path, root=settings.root, exclude=settings.exclude, extend_exclude=settings.extend_exclude
    ):
        return Discovered((), ())
    return Discovered((Path(display_path(path)),), ())


def _informational(diagnostic: Diagnostic) -> Diagnostic:
    """A finding on a self-hosted request is reported as "info": list prices do not apply to a server of
    one's own, so it does not fail the run unless ``fail-on-self-hosted`` says so."""
    if not diagnostic.self_hosted or diagnostic.severity == "info":
        return diagnostic
    from dataclasses import replace

    return replace(diagnostic, severity="info")


def _narrowing(request: CheckRequest) -> Narrowing:
    """What narrows the report (and the fixes): the findings a baseline knows, the lines changed since a ref."""
    from promptlint.narrow import Narrowing

    if request.baseline is None and request.changed_since is None:
        return Narrowing()
    from promptlint.baseline import BaselineError, changed_lines, read_baseline

    try:
        known = read_baseline(request.baseline) if request.baseline is not None else None
        changed = (
            changed_lines(request.changed_since, request.cwd) if request.changed_since is not None else None
        )
    except BaselineError as error:
        raise CheckError(str(error)) from error
    return Narrowing(known, changed)


def _run_context(request: CheckRequest) -> RunContext:
    """Everything a worker needs besides its task; built once per run."""
    from promptlint.discover import configured_excludes
    from promptlint.runner import RunContext

    settings = request.settings
    return RunContext(
        rule_options=settings.rule_options,
        default_model=request.default_model or settings.default_model,
        project_root=settings.root,
        models=settings.models,
        max_file_size=settings.max_file_size,
        file_timeout=settings.file_timeout,
        signature_recognition=settings.signature_recognition,
        exclude=configured_excludes(settings.exclude, settings.extend_exclude),
    )


def _tasks(files: Sequence[Path], request: CheckRequest) -> List[Task]:
    """One task per file, with the rules that apply to it after ``per-file-ignores``."""
    from promptlint.runner import Task

    selected_codes = tuple(rule.code for rule in request.selected)
    tasks = []
    for path in files:
        codes = selected_codes
        per_file_ignored = request.settings.ignored_for(path)
        if per_file_ignored:
            matching = request.registry.matching
            ignored = {rule.code for selector in per_file_ignored for rule in matching(selector)}
            codes = tuple(code for code in codes if code not in ignored)
        tasks.append(Task(path, str(path), codes, request.stdin))
    return tasks


def _lint(
    request: CheckRequest, context: RunContext, tasks: List[Task], on_progress, found=None
) -> List[FileResult]:
    from promptlint.runner import Coverage, lint_tasks

    cache = None
    if request.use_cache:
        from promptlint.cache import CACHE_DIRECTORY, Cache, settings_fingerprint

        root = request.settings.root
        fingerprint = settings_fingerprint(
            dict(context.rule_options),
            context.default_model,
            dict(context.models),
            root,
            context.signature_recognition,
            context.exclude,
        )
        cache = Cache(root / CACHE_DIRECTORY, fingerprint)
    coverage = Coverage(found.walked, found.hidden) if found is not None and found.walked else None
    return lint_tasks(tasks, context, request.registry, request.jobs, cache, on_progress, coverage)


def _collect(request, context, tasks, results, narrowing, outcome: Outcome) -> None:
    """Gather each file's findings and errors, fixing (or diffing) the reported findings that have fixes."""
    linter = None
    known = None  # the rule codes and names, for suppression comments: once per run, when a file is read
    for task, result in zip(tasks, results):
        file_diagnostics = result.diagnostics
        file_narrowing = narrowing.for_file(task.path)
        reported = file_narrowing.reported(file_diagnostics)
        wants_fix = request.fix is not FixMode.REPORT and result.source is not None
        if wants_fix:
            from promptlint.fixes import applicable

            wants_fix = any(applicable(d, request.unsafe_fixes) for d in reported)
        if wants_fix:
            if linter is None:
                from promptlint.runner import Linter

                linter = Linter(context, request.registry)
            file_diagnostics, reported = _fix(request, task, result, linter, file_narrowing, outcome)
        outcome.found.extend(file_diagnostics)
        outcome.reported.extend(reported)
        if reported and result.source is not None:
            outcome.texts.setdefault(task.display, result.source.text)
        if result.source is not None:
            if known is None:
                rules = request.registry.rules
                known = (frozenset(rule.code for rule in rules), frozenset(rule.name for rule in rules))
            outcome.warnings.extend(_unknown_suppressions(task.display, result.source.text, *known))
        for error in result.errors:
            outcome.internal_error = outcome.internal_error or error.internal
            outcome.errors.append(error)


def _group_shared(request, tasks, results, narrowing, outcome: Outcome) -> None:
    """A prompt several requests send, reported once at its definition when the run reports on the
    definition's file (see ``shared``); after every file's findings are known, so that the result does not
    depend on the number of workers or on the cache."""
    if not any(d.shared is not None for d in outcome.found):
        return  # nothing to import on the start-up path of a run without such findings
    from promptlint.shared import regroup

    files: Dict[str, int] = {}

    def definition(file: str, code: str) -> Optional[str]:
        if not files:  # the run's files, resolved once there is a group to place
            for number, task in enumerate(tasks):
                files.setdefault(str(task.path.resolve()), number)
        index = files.get(file)
        return tasks[index].display if index is not None and code in tasks[index].codes else None

    pricer: List[Callable[[Diagnostic], Diagnostic]] = []

    def price(diagnostic: Diagnostic) -> Diagnostic:
        if not pricer:  # the model table, loaded once there is a group to price
            pricer.append(_pricer(request))
        return pricer[0](diagnostic)

    by_display = {task.display: index for index, task in enumerate(tasks)}

    def reported_by_run(diagnostic: Diagnostic) -> bool:
        task = tasks[by_display[diagnostic.path]]
        return bool(narrowing.for_file(task.path).reported([diagnostic]))

    outcome.found, outcome.reported, added = regroup(
        outcome.found, outcome.reported, definition, price if request.price else None, reported_by_run
    )
    for diagnostic in added:
        index = by_display[diagnostic.path]
        source = results[index].source
        if diagnostic.path not in outcome.texts:
            text = source.text if source is not None else _read_text(tasks[index].path)
            if text is not None:
                outcome.texts[diagnostic.path] = text


def _read_text(path: Path) -> Optional[str]:
    from promptlint.source import SourceError, read_source

    try:
        return read_source(path).text
    except SourceError:
        return None


def _pricer(request: CheckRequest) -> Callable[[Diagnostic], Diagnostic]:
    """Prices one finding as ``_priced`` does (for the findings a shared prompt's finding adds up)."""
    from dataclasses import replace

    from promptlint.models import ModelDataError, load_model_table
    from promptlint.savings import price

    settings = request.settings
    try:
        table = load_model_table(settings.models)
    except ModelDataError as error:
        raise CheckError(f"model data: {error}") from error
    calls_per_month = request.calls_per_month or settings.calls_per_month

    def priced(d: Diagnostic) -> Diagnostic:
        return replace(d, savings=price(d.basis, table, calls_per_month)) if d.basis is not None else d

    return priced


def _fix(request, task, result, linter, narrowing, outcome: Outcome) -> Tuple[list, list]:
    from promptlint.engine import lint_text
    from promptlint.fixes import encode_like, fix_file

    options = linter.options(task.codes)

    def lint(text: str) -> List[Diagnostic]:
        return lint_text(text, task.path, task.display, options, linter.models).diagnostics

    fixed, patch = fix_file(
        result.source,
        result.diagnostics,
        task.display,
        lint,
        unsafe=request.unsafe_fixes,
        diff_only=request.fix is FixMode.DIFF or task.raw is not None,  # stdin: never write a file
        narrowing=narrowing,
    )
    if patch is not None and request.fix is FixMode.DIFF:
        outcome.diffs.append(patch)
    elif patch is not None:
        try:
            outcome.stdin_fixed = encode_like(result.source, fixed.text)
        except UnicodeEncodeError:
            encoding = result.source.encoding
            fixed.error = (
                f"the fix cannot be written in the source's encoding ({encoding}); source left unchanged"
            )
            fixed.remaining = list(result.diagnostics)
            fixed.reported = narrowing.reported(result.diagnostics)
    if not fixed.error and request.fix is FixMode.WRITE:
        outcome.texts[task.display] = fixed.text  # what the remaining findings' positions refer to
    if fixed.error:
        from promptlint.diagnostics import FileError

        outcome.errors.append(FileError(task.display, fixed.error, fixed.internal))
        outcome.internal_error = outcome.internal_error or fixed.internal
    elif fixed.changed:
        outcome.fixed += fixed.applied
        outcome.fixed_rules.extend((task.display, code, name) for code, name in fixed.applied_rules)
    return fixed.remaining, fixed.reported


def _unknown_suppressions(display: str, text: str, codes: frozenset, names: frozenset) -> List[str]:
    from promptlint.suppress import unknown_rules

    return [
        f"{display}:{line}: unknown rule `{item}` in a suppression comment; it suppresses nothing"
        for line, item in unknown_rules(text, codes, names)
    ]


def _priced(diagnostics: List[Diagnostic], settings: Settings, request: CheckRequest) -> List[Diagnostic]:
    priced = _pricer(request)
    return [priced(d) for d in diagnostics]
