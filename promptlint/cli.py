"""The ``promptlint`` command.

Exit codes: 0 nothing found; 1 findings (or files that could not be read or parsed); 2 a usage or
configuration error, a rule pack that fails to load, or promptlint's own failure on a file (a crashing rule
or any other internal error, or a file that ran past ``file-timeout``, reported as that file's error; still 2
under --exit-zero); 130 interrupted (Ctrl-C, SIGINT) and 143 terminated (SIGTERM), with no report.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence

from promptlint import __version__
from promptlint.reporters import FORMATS, STATISTICS_FORMATS

if TYPE_CHECKING:
    import argparse

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_STYLED_FORMATS = ("text", "full", "concise")  # the formats styled with colour on a terminal
_SUBCOMMANDS = ("check", "rule", "models", "server", "mcp")


class UsageError(Exception):
    """A problem with what the user asked for, reported as one line with exit code 2."""


def _codes(value: str) -> List[str]:
    """A comma-separated list of rule selectors; an empty one is a mistake, never "no rules"."""
    import argparse

    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty rule selector in {value!r}")
    return items


def _positive_int(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (and the compression modules it
    imports) on every run: argparse asks for the width each time it checks an argument."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _parser() -> argparse.ArgumentParser:
    import argparse

    class _HelpFormatter(argparse.HelpFormatter):
        def __init__(
            self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width=None, **kw
        ):
            width = _columns() - 2 if width is None else width
            super().__init__(prog, indent_increment, max_help_position, width, **kw)

    parser = argparse.ArgumentParser(
        prog="promptlint",
        description="Find what makes LLM calls expensive, in the source, and price each fix.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"promptlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser(
        "check", help="lint files and directories (the default command)", formatter_class=_HelpFormatter
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--select", type=_codes, action="extend", help="rules to enable: codes, prefixes, ALL")
    check.add_argument("--extend-select", type=_codes, action="extend", help="rules to enable on top")
    check.add_argument(
        "--ignore", type=_codes, action="extend", help="rules to disable: codes, prefixes, ALL"
    )
    check.add_argument(
        "--output-format",
        choices=tuple(FORMATS),
        default="text",
        help="text (or full: each finding with its source, fix and saving), concise (one line per finding), "
        "json, sarif, github, markdown, rdjson (reviewdog)",
    )
    check.add_argument(
        "--output-file", type=Path, metavar="FILE", help="write the report to FILE (atomically), not stdout"
    )
    check.add_argument(
        "--show-fixes",
        action="store_true",
        help="list the fixes applied (--fix), or available, per file and rule",
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
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="read the source from stdin (PATH `-`) and report it as PATH: its configuration, "
        "per-file-ignores and force-exclude apply; with --fix the fixed source goes to stdout",
    )

    rule = sub.add_parser("rule", help="print a rule's documentation", formatter_class=_HelpFormatter)
    rule.add_argument("code", nargs="?", help="a rule code or name, e.g. LLM201")
    rule.add_argument("--all", action="store_true", help="list every rule")

    sub.add_parser(
        "models",
        help="print the model table in use (prices, limits, sources, date)",
        formatter_class=_HelpFormatter,
    )
    sub.add_parser(
        "server",
        help="run the language server for editors, over stdio",
        description="Run the promptlint language server over stdin/stdout, for editors (LSP). Needs the "
        '`server` extra: pip install "promptlint-cost[server]". Settings come from the nearest '
        "pyproject.toml of each document, as for `promptlint check`.",
    )
    sub.add_parser(
        "mcp",
        help="run the Model Context Protocol server for coding agents, over stdio",
        description="Run the promptlint MCP server over stdin/stdout, for coding agents. Needs Python 3.10 "
        'or later and the `mcp` extra: pip install "promptlint-cost[mcp]".',
    )
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
    from promptlint.quick_args import check_arguments

    args = check_arguments(args_list, tuple(FORMATS))  # a plain check call, without building the parser
    if args is None:
        try:
            args = _parser().parse_args(args_list)
        except SystemExit as exit_:
            return EXIT_ERROR if exit_.code not in (0, None) else EXIT_CLEAN
    try:
        if args.command == "rule":
            return _rule_command(args)
        if args.command == "models":
            return _models_command(args)
        if args.command == "server":
            from promptlint.lsp import run as serve_editors

            return serve_editors()
        if args.command == "mcp":
            from promptlint.mcp_server import run as serve_agents

            return serve_agents()
        return _check_command(args)
    except UsageError as error:
        print(f"promptlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _load_registry(full: bool = False):
    """The installed rules; from the cached index (rule modules imported when a file is linted) unless
    ``full``."""
    from promptlint import rule_index
    from promptlint.registry import PluginError

    try:
        registry = rule_index.load()
        return registry.loaded() if full else registry
    except PluginError as error:
        raise UsageError(str(error)) from error


def _check_command(args: argparse.Namespace) -> int:
    """Arguments → a check request → the pipeline → output and an exit code."""
    from promptlint.pipeline import CheckError, CheckRequest, FixMode, check
    from promptlint.registry import PluginError
    from promptlint.runner import default_jobs

    if args.statistics and args.output_format not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics prints text or json, not {args.output_format}")
    cwd = Path.cwd()
    stdin_path = _stdin_path(args)
    registry = _load_registry()
    config_start = cwd if stdin_path in (None, "-") else Path(stdin_path).absolute().parent
    settings = _settings(args, registry, cwd, config_start)
    selected = _selected_rules(args, settings, registry)
    stdin = sys.stdin.buffer.read() if stdin_path is not None else None
    request = CheckRequest(
        paths=[stdin_path] if stdin_path is not None else args.paths,
        settings=settings,
        registry=registry,
        selected=selected,
        cwd=cwd,
        default_model=args.default_model,
        calls_per_month=args.calls_per_month,
        force_exclude=args.force_exclude,
        jobs=args.jobs if args.jobs is not None else default_jobs(),
        use_cache=not args.no_cache and stdin is None,
        fix=FixMode.DIFF if args.diff else FixMode.WRITE if args.fix else FixMode.REPORT,
        unsafe_fixes=args.unsafe_fixes or settings.unsafe_fixes,
        baseline=args.baseline,
        changed_since=args.changed_since,
        price=args.write_baseline is None,
        stdin=stdin,
    )
    progress = _ProgressBar(args)
    try:
        outcome = check(request, on_progress=progress)
    except (CheckError, PluginError) as error:
        raise UsageError(str(error)) from error
    finally:
        progress.close()
    return _report(args, outcome, settings, registry.classes(selected), stdin)


def _stdin_path(args: argparse.Namespace) -> Optional[str]:
    """The path stdin is linted as (``-`` without ``--stdin-filename``), or None when files are linted."""
    if args.stdin_filename is None and "-" not in args.paths:
        return None
    others = [path for path in args.paths if path != "-"]
    if others:
        raise UsageError(f"standard input is linted alone; remove the other paths ({', '.join(others)})")
    if args.stdin_filename == "":
        raise UsageError("--stdin-filename needs a path")
    for option, given in (("--write-baseline", args.write_baseline), ("--changed-since", args.changed_since)):
        if given is not None:
            raise UsageError(f"{option} does not apply to standard input")
    return args.stdin_filename if args.stdin_filename is not None else "-"


def _report(args: argparse.Namespace, outcome, settings, selected, stdin: Optional[bytes] = None) -> int:
    """Print the outcome as asked, and say how the run ended.

    Reading stdin with --fix, the source (fixed or not) goes to stdout, whole, so that an editor can
    replace its buffer with it, and the report goes to stderr, as ruff does. With --output-file, the report
    (or the patch of --diff) goes to that file instead, written at once when the run is over.
    """
    if stdin is not None and args.fix and not args.diff:
        sys.stdout.flush()
        sys.stdout.buffer.write(outcome.stdin_fixed if outcome.stdin_fixed is not None else stdin)
        sys.stdout.buffer.flush()
        out = sys.stderr
    else:
        out = sys.stdout
    if args.output_file is not None:
        import io

        out = io.StringIO()
    code = _print_report(args, outcome, settings, selected, stdin, out)
    if args.output_file is not None and code is not None:
        from promptlint.outfile import write_text_atomically

        try:
            write_text_atomically(args.output_file, out.getvalue())
        except OSError as error:
            raise UsageError(f"cannot write {args.output_file}: {error.strerror or error}") from error
    return EXIT_ERROR if code is None else code


def _print_report(args, outcome, settings, selected, stdin, out) -> Optional[int]:
    """Write the report to ``out``; the exit code, or None when there is no report (exit 2)."""
    for error in outcome.missing:
        print(f"promptlint: error: {error.path}: {error.reason}", file=sys.stderr)
    if outcome.missing and not outcome.files_checked:
        return None
    if args.write_baseline is not None:
        from promptlint.baseline import write_baseline

        write_baseline(args.write_baseline, outcome.found)
        count = len(outcome.found)
        print(f"Wrote a baseline of {_plural(count, 'finding')} to {args.write_baseline}.", file=sys.stderr)
        return EXIT_ERROR if outcome.internal_error else EXIT_CLEAN

    from promptlint.reporters import RenderOptions, Report, renderer

    calls_per_month = args.calls_per_month or settings.calls_per_month
    report = Report(
        outcome.reported,
        outcome.errors,
        outcome.files_checked,
        calls_per_month,
        fixed=outcome.fixed,
        fix_mode=bool(args.fix),
        fixed_rules=tuple(outcome.fixed_rules),
        texts=outcome.texts,
    )
    for warning in outcome.warnings:
        print(f"promptlint: warning: {warning}", file=sys.stderr)
    for error in outcome.errors:
        print(f"promptlint: error: {error.path}: {error.reason}", file=sys.stderr)
    color = (
        args.output_format in _STYLED_FORMATS and not args.statistics and out is sys.stdout and _use_color()
    )
    options = RenderOptions(
        rules=selected,
        color=color,
        quiet=args.quiet,
        unsafe_fixes=args.unsafe_fixes or settings.unsafe_fixes,
        unsafe_fixes_configured=settings.unsafe_fixes,
        show_fixes=args.show_fixes,
    )
    if args.diff:
        out.write("".join(outcome.diffs))
        if args.show_fixes and outcome.fixed_rules:
            from promptlint.reporters.text import fix_summary

            sys.stderr.write(fix_summary(report, "Would fix") + "\n")
        files = _plural(len(outcome.diffs), "file")
        print(f"Would fix {_plural(outcome.fixed, 'issue')} in {files}.", file=sys.stderr)
        if outcome.internal_error:
            return EXIT_ERROR
        return EXIT_FINDINGS if outcome.diffs else EXIT_CLEAN
    render = renderer(args.output_format, statistics=args.statistics)
    out.write(render(report, options))
    if not outcome.files_checked and not outcome.missing and stdin is None:
        print("promptlint: warning: no Python files found", file=sys.stderr)
    if outcome.internal_error:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    failing = [d for d in outcome.reported if not (d.self_hosted and d.severity == "info")]
    return EXIT_FINDINGS if failing or outcome.errors else EXIT_CLEAN


def _settings(args: argparse.Namespace, registry, cwd: Path, start: Optional[Path] = None):
    """The configuration: ``--config``, or the nearest one above ``start`` (the working directory, or the
    directory of the path stdin is linted as)."""
    from promptlint.config import ConfigError, find_config, load_settings

    try:
        if args.config is not None:
            if not args.config.is_file():
                raise UsageError(f"{args.config}: configuration file not found")
            config_path = args.config
        else:
            config_path = find_config(start if start is not None else cwd)
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


class _ProgressBar:
    """A progress bar on stderr for long runs on a terminal (200 files or more to parse); never in machine
    formats or pipes. The pipeline calls it with (files parsed, files to parse)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._wanted = args.output_format in _STYLED_FORMATS and not args.quiet and sys.stderr.isatty()
        self._progress = None
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self._wanted or total < 200:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            columns = (TextColumn("parsing"), BarColumn(), MofNCompleteColumn())
            self._progress = Progress(*columns, transient=True, console=Console(stderr=True))
            self._progress.start()
            self._bar = self._progress.add_task("parse", total=None)
        self._progress.update(self._bar, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _rule_command(args: argparse.Namespace) -> int:
    from promptlint.docs import rule_document, rules_table

    registry = _load_registry(full=True)
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
