"""The ``promptlint`` command.

Exit codes: 0 nothing found; 1 findings (or files that could not be read or parsed); 2 a usage or
configuration error, a rule pack that fails to load, or promptlint's own failure on a file (a crashing rule
or any other internal error, or a file that ran past ``file-timeout``, reported as that file's error; still 2
under --exit-zero); 130 interrupted (Ctrl-C, SIGINT) and 143 terminated (SIGTERM), with no report.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from promptlint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_SUBCOMMANDS = ("check", "rule", "models")


class UsageError(Exception):
    """A problem with what the user asked for, reported as one line with exit code 2."""


def _codes(value: str) -> List[str]:
    """A comma-separated list of rule selectors; an empty one is a mistake, never "no rules"."""
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty rule selector in {value!r}")
    return items


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptlint",
        description="Find what makes LLM calls expensive, in the source, and price each fix.",
    )
    parser.add_argument("--version", action="version", version=f"promptlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="lint files and directories (the default command)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--select", type=_codes, action="extend", help="rules to enable: codes, prefixes, ALL")
    check.add_argument("--extend-select", type=_codes, action="extend", help="rules to enable on top")
    check.add_argument(
        "--ignore", type=_codes, action="extend", help="rules to disable: codes, prefixes, ALL"
    )
    check.add_argument(
        "--output-format", choices=("text", "json", "sarif", "github", "markdown"), default="text"
    )
    check.add_argument("--statistics", action="store_true", help="counts and savings per rule")
    check.add_argument(
        "--baseline", type=Path, metavar="FILE", help="report only findings not in this baseline"
    )
    check.add_argument("--write-baseline", type=Path, metavar="FILE", help="record today's findings, exit 0")
    check.add_argument(
        "--changed-since", metavar="REF", help="report only findings on lines changed since a git ref"
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when issues are found")
    check.add_argument("--config", type=Path, help="a pyproject.toml to use instead of the nearest one")
    check.add_argument("--quiet", "-q", action="store_true", help="print the diagnostics and nothing else")
    check.add_argument(
        "--force-exclude",
        action="store_true",
        default=None,
        help="apply exclusions even to files named on the command line (as pre-commit passes them)",
    )
    check.add_argument("--default-model", help="the model assumed where a call's model is not a literal")
    check.add_argument(
        "--calls-per-month", type=_positive_int, help="call volume per call site, for monthly figures"
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    check.add_argument(
        "--jobs", "-j", type=_positive_int, help="worker processes (default: the usable cores)"
    )
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: also unsafe fixes")
    check.add_argument("--diff", action="store_true", help="print the diff --fix would apply; change nothing")

    rule = sub.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", nargs="?", help="a rule code or name, e.g. LLM201")
    rule.add_argument("--all", action="store_true", help="list every rule")

    sub.add_parser("models", help="print the model table in use (prices, limits, sources, date)")
    return parser


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM: the run stops, its worker processes are ended, and the exit code is 128 + the
    signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.code = 128 + signum


def _on_signal(signum: int, frame) -> None:
    # The first signal stops the run; any that follow are ignored, so that ending the workers is not cut
    # short (which would leave some behind) and no traceback is printed. (A handler that does nothing, not
    # SIG_IGN: Python reports a signal already on its way when SIG_IGN is set as an error of its own.)
    signal.signal(signal.SIGINT, _ignore)
    signal.signal(signal.SIGTERM, _ignore)
    raise Interrupted(signum)


def _ignore(signum: int, frame) -> None:
    pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command; SIGINT and SIGTERM end it with exit code 130 or 143 and no traceback."""
    try:
        previous = {number: signal.signal(number, _on_signal) for number in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: signals are not ours to handle
        previous = {}
    try:
        code = _main(argv)
    except Interrupted as interrupted:
        # The workers are gone. End now: an orderly interpreter exit would first restore the default signal
        # handlers, and a second signal arriving then would kill the process with another status.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(interrupted.code)
    except KeyboardInterrupt:  # raised by other means than our handler
        return 130
    for number, handler in previous.items():
        signal.signal(number, handler)
    return code


def _main(argv: Optional[Sequence[str]]) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (
        args_list[0] not in _SUBCOMMANDS and args_list[0] not in ("-h", "--help", "--version")
    ):
        args_list.insert(0, "check")
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return EXIT_ERROR if exit_.code not in (0, None) else EXIT_CLEAN
    try:
        if args.command == "rule":
            return _rule_command(args)
        if args.command == "models":
            return _models_command(args)
        return _check_command(args)
    except UsageError as error:
        print(f"promptlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _load_registry():
    from promptlint.registry import PluginError, load_registry

    try:
        return load_registry()
    except PluginError as error:
        raise UsageError(str(error)) from error


def _check_command(args: argparse.Namespace) -> int:
    """discover → lint (cached, parallel) → fix → narrow (baseline, changed lines) → price → report."""
    from promptlint.discover import discover

    if args.statistics and args.output_format not in ("text", "json"):
        raise UsageError(f"--statistics prints text or json, not {args.output_format}")
    cwd = Path.cwd()
    registry = _load_registry()
    settings = _settings(args, registry, cwd)
    selected = _selected_rules(args, settings, registry)
    paths = args.paths or ["."]
    found = discover(
        paths,
        root=settings.root,
        exclude=settings.exclude,
        extend_exclude=settings.extend_exclude,
        force_exclude=settings.force_exclude if args.force_exclude is None else args.force_exclude,
        respect_gitignore=settings.respect_gitignore,
    )
    # A path the user named that does not exist is a usage error (exit 2); problems met while walking
    # (a symlink loop, an unreadable directory) are reported like unreadable files and the rest is linted.
    missing = [e for e in found.errors if e.path in paths and e.reason == "No such file or directory"]
    for error in missing:
        print(f"promptlint: error: {error.path}: {error.reason}", file=sys.stderr)
    if missing and not found.files:
        return EXIT_ERROR

    narrowing = _narrowing(args, cwd)
    tasks = _tasks(found.files, settings, registry, selected)
    results = _lint(args, tasks, settings, registry)
    outcome = _collect(args, tasks, results, selected, settings, narrowing, registry)
    diagnostics, errors = outcome.reported, outcome.errors
    errors[:0] = [_file_error(e) for e in found.errors if e not in missing]
    internal_error = bool(missing) or outcome.internal_error

    if args.write_baseline is not None:
        from promptlint.baseline import write_baseline

        write_baseline(args.write_baseline, outcome.diagnostics)
        count = len(outcome.diagnostics)
        print(f"Wrote a baseline of {_plural(count, 'finding')} to {args.write_baseline}.", file=sys.stderr)
        return EXIT_ERROR if internal_error else EXIT_CLEAN

    calls_per_month = args.calls_per_month or settings.calls_per_month
    if diagnostics:
        diagnostics = _priced(diagnostics, outcome.models, calls_per_month)
    diagnostics.sort(key=lambda d: d.sort_key)
    errors.sort(key=lambda e: (e.path, e.reason))
    from promptlint.reporters import Report

    report = Report(
        diagnostics, errors, len(found.files), calls_per_month, fixed=outcome.fixed, fix_mode=bool(args.fix)
    )
    for warning in outcome.warnings:
        print(f"promptlint: warning: {warning}", file=sys.stderr)
    for error in errors:
        print(f"promptlint: error: {error.path}: {error.reason}", file=sys.stderr)
    if args.diff:
        sys.stdout.write("".join(outcome.diffs))
        files = _plural(len(outcome.diffs), "file")
        print(f"Would fix {_plural(outcome.fixed, 'issue')} in {files}.", file=sys.stderr)
        if internal_error:
            return EXIT_ERROR
        return EXIT_FINDINGS if outcome.diffs else EXIT_CLEAN
    _render(args, report, selected)
    if not found.files and not missing:
        print("promptlint: warning: no Python files found", file=sys.stderr)
    if internal_error:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics or errors else EXIT_CLEAN


def _settings(args: argparse.Namespace, registry, cwd: Path):
    from promptlint.config import ConfigError, find_config, load_settings

    try:
        if args.config is not None:
            if not args.config.is_file():
                raise UsageError(f"{args.config}: configuration file not found")
            config_path = args.config
        else:
            config_path = find_config(cwd)
        settings = load_settings(config_path, registry, cwd)
    except ConfigError as error:
        raise UsageError(str(error)) from error
    return settings


def _selected_rules(args: argparse.Namespace, settings, registry):
    """Command-line ``--select`` replaces the configured one; ignores and extensions add up."""
    try:
        return registry.select(
            args.select if args.select is not None else settings.select,
            [*settings.ignore, *(args.ignore or ())],
            [*settings.extend_select, *(args.extend_select or ())],
        )
    except ValueError as error:
        raise UsageError(str(error)) from error


def _tasks(files, settings, registry, selected):
    """One task per file, with the rules that apply to it after ``per-file-ignores``."""
    from promptlint.runner import Task

    selected_codes = tuple(rule.code for rule in selected)
    tasks = []
    for path in files:
        codes = selected_codes
        per_file_ignored = settings.ignored_for(path)
        if per_file_ignored:
            ignored = {rule.code for selector in per_file_ignored for rule in registry.matching(selector)}
            codes = tuple(code for code in codes if code not in ignored)
        tasks.append(Task(path, str(path), codes))
    return tasks


def _run_context(args: argparse.Namespace, settings):
    from promptlint.runner import RunContext

    return RunContext(
        rule_options=settings.rule_options,
        default_model=args.default_model or settings.default_model,
        project_root=settings.root,
        models=settings.models,
        max_file_size=settings.max_file_size,
        file_timeout=settings.file_timeout,
    )


def _lint(args: argparse.Namespace, tasks, settings, registry):
    from promptlint.runner import default_jobs, lint_tasks

    context = _run_context(args, settings)
    cache = None
    if not args.no_cache:
        from promptlint.cache import CACHE_DIRECTORY, Cache, settings_fingerprint

        fingerprint = settings_fingerprint(
            dict(context.rule_options), context.default_model, dict(context.models), settings.root
        )
        cache = Cache(settings.root / CACHE_DIRECTORY, fingerprint)
    jobs = args.jobs if args.jobs is not None else default_jobs()
    with _progress(args, len(tasks)) as on_progress:
        return lint_tasks(tasks, context, registry, jobs, cache, on_progress)


@dataclass
class _Collected:
    diagnostics: list  # every finding left after fixing
    reported: list  # those the run reports: new against the baseline, on changed lines
    errors: list
    models: object
    fixed: int = 0
    diffs: List[str] = field(default_factory=list)
    internal_error: bool = False
    warnings: List[str] = field(default_factory=list)


def _collect(args: argparse.Namespace, tasks, results, selected, settings, narrowing, registry) -> _Collected:
    """Gather each file's findings and errors, fixing (or diffing) the reported findings that have fixes."""
    from promptlint.engine import LintOptions, ModelData
    from promptlint.fixer import applicable

    context = _run_context(args, settings)
    collected = _Collected([], [], [], ModelData(settings.models))
    fixing = args.fix or args.diff
    for task, result in zip(tasks, results):
        file_diagnostics = result.diagnostics
        file_narrowing = narrowing.for_file(task.path)
        reported = file_narrowing.reported(file_diagnostics)
        if fixing and result.source is not None and any(applicable(d, args.unsafe_fixes) for d in reported):
            options = LintOptions(
                rules=[rule for rule in selected if rule.code in task.codes],
                rule_options=context.rule_options,
                default_model=context.default_model,
                project_root=context.project_root,
                models=context.models,
            )
            outcome = _fix_file(
                result,
                task.path,
                task.display,
                options,
                collected.models,
                args,
                collected.diffs,
                file_narrowing,
            )
            collected.fixed += outcome.applied if outcome.changed and not outcome.error else 0
            if outcome.error:
                collected.errors.append(_file_error(task.display, outcome.error, outcome.internal))
                collected.internal_error = collected.internal_error or outcome.internal
            file_diagnostics, reported = outcome.remaining, outcome.reported
        collected.diagnostics.extend(file_diagnostics)
        collected.reported.extend(reported)
        if result.source is not None:
            collected.warnings.extend(_unknown_suppressions(task.display, result.source.text, registry.rules))
        for error in result.errors:
            collected.internal_error = collected.internal_error or error.internal
            collected.errors.append(error)
    return collected


def _unknown_suppressions(display: str, text: str, rules) -> List[str]:
    from promptlint.suppress import unknown_rules

    codes = frozenset(rule.code for rule in rules)
    names = frozenset(rule.name for rule in rules)
    return [
        f"{display}:{line}: unknown rule `{item}` in a suppression comment; it suppresses nothing"
        for line, item in unknown_rules(text, codes, names)
    ]


def _file_error(error_or_path, reason: Optional[str] = None, internal: bool = False):
    from promptlint.diagnostics import FileError

    if reason is None:
        return FileError(error_or_path.path, error_or_path.reason)
    return FileError(error_or_path, reason, internal)


def _narrowing(args: argparse.Namespace, cwd: Path):
    """What narrows the report (and the fixes): the findings a baseline knows, the lines changed since a ref."""
    from promptlint.narrow import Narrowing

    if args.baseline is None and args.changed_since is None:
        return Narrowing()
    from promptlint.baseline import BaselineError, changed_lines, read_baseline

    try:
        known = read_baseline(args.baseline) if args.baseline is not None else None
        changed = changed_lines(args.changed_since, cwd) if args.changed_since is not None else None
    except BaselineError as error:
        raise UsageError(str(error)) from error
    return Narrowing(known, changed)


def _render(args: argparse.Namespace, report, selected) -> None:
    if args.statistics and args.output_format == "json":
        from promptlint.reporters.statistics import render_json

        sys.stdout.write(render_json(report))
    elif args.statistics:
        from promptlint.reporters.statistics import render

        sys.stdout.write(render(report))
    elif args.output_format == "json":
        from promptlint.reporters.json import render as render_json

        sys.stdout.write(render_json(report))
    elif args.output_format == "sarif":
        from promptlint.reporters.sarif import render as render_sarif

        sys.stdout.write(render_sarif(report, selected))
    elif args.output_format == "github":
        from promptlint.reporters.github import render as render_github

        sys.stdout.write(render_github(report))
    elif args.output_format == "markdown":
        from promptlint.reporters.markdown import render as render_markdown

        sys.stdout.write(render_markdown(report))
    else:
        from promptlint.reporters.text import print_report

        print_report(report, sys.stdout, _use_color(), quiet=args.quiet)


@contextmanager
def _progress(args: argparse.Namespace, total: int):
    """A progress bar on stderr for long runs on a terminal; never in machine formats or pipes."""
    if total < 200 or args.output_format != "text" or args.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), transient=True, console=_stderr_console()
    ) as progress:
        bar = progress.add_task("parse", total=None)

        def update(done: int, pending: int) -> None:
            progress.update(bar, completed=done, total=pending)

        yield update


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _fix_file(result, path: Path, display: str, options, models, args, diffs: List[str], narrowing):
    """Fix one file's reported findings (or only diff them): applied to a fixpoint, written atomically when it
    still parses.

    A failure of promptlint's own while fixing leaves the file unchanged and is this file's error."""
    try:
        return _fix_file_unguarded(result, path, display, options, models, args, diffs, narrowing)
    except Exception as error:
        from promptlint.engine import internal_error
        from promptlint.fixer import FixOutcome

        reason = internal_error(display, error).reason
        text = result.source.text
        remaining = list(result.diagnostics)
        return FixOutcome(
            text,
            text,
            error=reason,
            internal=True,
            remaining=remaining,
            reported=narrowing.reported(remaining),
        )


def _fix_file_unguarded(result, path: Path, display: str, options, models, args, diffs: List[str], narrowing):
    from promptlint.engine import lint_text, parses
    from promptlint.fixer import encode_like, fix_text, unified_diff, write_atomically

    source = result.source
    outcome = fix_text(
        source.text,
        result.diagnostics,
        lambda text: lint_text(text, path, display, options, models).diagnostics,
        args.unsafe_fixes,
        parses,
        narrowing,
    )
    if outcome.error or not outcome.changed:
        return outcome
    if args.diff:
        diffs.append(unified_diff(display, source.text, outcome.text))
        return outcome
    try:
        write_atomically(path, encode_like(source, outcome.text))
    except UnicodeEncodeError:
        outcome.error = (
            f"the fix cannot be written in the file's encoding ({source.encoding}); file left unchanged"
        )
    except OSError as error:
        outcome.error = f"cannot write the fix: {error.strerror or error}; file left unchanged"
    if outcome.error:
        outcome.remaining = list(result.diagnostics)
        outcome.reported = narrowing.reported(result.diagnostics)
    return outcome


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _priced(diagnostics, models, calls_per_month):
    from dataclasses import replace

    from promptlint.models import ModelDataError
    from promptlint.savings import price

    try:
        table = models.table
    except ModelDataError as error:
        raise UsageError(f"model data: {error}") from error
    return [
        replace(d, savings=price(d.basis, table, calls_per_month)) if d.basis is not None else d
        for d in diagnostics
    ]


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _rule_command(args: argparse.Namespace) -> int:
    from promptlint.docs import rule_document, rules_table

    registry = _load_registry()
    if args.all or args.code is None:
        sys.stdout.write(rules_table(registry))
        return EXIT_CLEAN
    rule = registry.find(args.code)
    if rule is None:
        raise UsageError(f"unknown rule `{args.code}` (see `promptlint rule --all`)")
    sys.stdout.write(rule_document(rule))
    return EXIT_CLEAN


def _models_command(args: argparse.Namespace) -> int:
    from promptlint.config import ConfigError, find_config, load_settings
    from promptlint.docs import models_table
    from promptlint.models import ModelDataError, load_model_table

    registry = _load_registry()
    try:
        settings = load_settings(find_config(Path.cwd()), registry, Path.cwd())
        table = load_model_table(settings.models)
    except (ConfigError, ModelDataError) as error:
        raise UsageError(str(error)) from error
    sys.stdout.write(models_table(table))
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
