"""The arguments of a plain ``check`` call, read without argparse.

A pre-commit hook runs ``promptlint check --force-exclude FILE...`` at every commit. Importing argparse and
building the whole parser (every subcommand, every option, gettext lookups for each help text) costs about
a sixth of such a run. ``check_arguments`` reads the arguments such calls use: flags, ``--output-format``,
``--config`` and file paths. Anything else (another option, ``-``, ``--``, an abbreviation, a value that
looks like an option, a usage error) is left to argparse, so that the result, and every error message, is
the parser's own; ``tests/test_cli.py`` checks that both give the same namespace.
"""

from __future__ import annotations

from types import SimpleNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Sequence

# What the ``check`` parser gives an option that is not on the command line.
_DEFAULTS: Dict[str, Any] = {
    "command": "check",
    "paths": None,  # a new list per call
    "select": None,
    "extend_select": None,
    "ignore": None,
    "output_format": "text",
    "output_file": None,
    "show_fixes": False,
    "statistics": False,
    "baseline": None,
    "write_baseline": None,
    "changed_since": None,
    "exit_zero": False,
    "config": None,
    "quiet": False,
    "force_exclude": None,
    "default_model": None,
    "calls_per_month": None,
    "fix": False,
    "no_cache": False,
    "jobs": None,
    "unsafe_fixes": False,
    "diff": False,
    "stdin_filename": None,
}
_FLAGS = {
    "--show-fixes": "show_fixes",
    "--statistics": "statistics",
    "--exit-zero": "exit_zero",
    "--quiet": "quiet",
    "-q": "quiet",
    "--force-exclude": "force_exclude",
    "--fix": "fix",
    "--no-cache": "no_cache",
    "--unsafe-fixes": "unsafe_fixes",
    "--diff": "diff",
}
_WITH_VALUE = ("--output-format", "--config")


def check_arguments(argv: Sequence[str], formats: Sequence[str]) -> Optional[SimpleNamespace]:
    """The namespace argparse would give for ``argv`` (``check`` and its arguments), or None for anything
    this reader leaves to argparse. ``formats``: the choices of ``--output-format``."""
    if not argv or argv[0] != "check":
        return None
    values = dict(_DEFAULTS)
    paths = []
    # argparse reads the paths as one run: a path after an option that follows the first paths is an error.
    state = "before"  # "before" the paths, "in" them, "after" them
    tokens = list(argv[1:])
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("-"):
            if state == "after":
                return None
            state = "in"
            paths.append(token)
            continue
        if state == "in":
            state = "after"
        if token in _FLAGS:
            values[_FLAGS[token]] = True
            continue
        name, equals, value = token.partition("=")
        if name not in _WITH_VALUE:
            return None
        if not equals:
            if index >= len(tokens):
                return None
            value = tokens[index]
            index += 1
        if not value or value.startswith("-"):
            return None
        if name == "--output-format":
            if value not in formats:
                return None
            values["output_format"] = value
        else:
            from pathlib import Path

            values["config"] = Path(value)
    values["paths"] = paths
    return SimpleNamespace(**values)
