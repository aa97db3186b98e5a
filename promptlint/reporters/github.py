"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff."""

from __future__ import annotations

from typing import List

from promptlint.diagnostics import Diagnostic
from promptlint.reporters import RenderOptions, Report
from promptlint.reporters.money import finding_figure, models_of


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def message_of(d: Diagnostic) -> str:
    """The finding, its fix (or help) and its figure, one per line: what a reviewer reads on the diff."""
    message = d.message
    if d.fix is not None:
        message += f"\nfix ({d.fix.applicability}): {d.fix.description}"
    elif d.help:
        message += f"\nhelp: {d.help}"
    if d.savings is not None:
        label, figure = finding_figure(d.savings)
        model = models_of(d.savings)
        message += f"\n{label}: {figure}" + (f" ({model})" if model else "")
    return message


def _line(d: Diagnostic) -> str:
    level = {"error": "error", "info": "notice"}.get(d.severity, "warning")
    message = message_of(d)
    properties = ",".join(
        [
            f"file={_property(d.path)}",
            f"line={d.line}",
            f"col={d.column}",
            f"endLine={d.end_line}",
            f"endColumn={d.end_column}",
            f"title={_property(f'promptlint {d.code} ({d.name})')}",
        ]
    )
    return f"::{level} {properties}::{_data(message)}"


def render(report: Report, options: RenderOptions) -> str:
    lines: List[str] = [_line(d) for d in report.diagnostics]
    for error in report.errors:
        lines.append(f"::error file={_property(error.path)},title=promptlint::{_data(error.reason)}")
    return "".join(line + "\n" for line in lines)
