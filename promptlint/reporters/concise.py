"""``--output-format concise``: one line per finding, ``path:line:col: CODE [*] message`` as ruff prints
them (``[*]`` when ``--fix`` would fix it), then the summary of the text format."""

from __future__ import annotations

from typing import List

from promptlint.diagnostics import Diagnostic
from promptlint.reporters import RenderOptions, Report
from promptlint.reporters.text import Line, fix_lines, plain, styled, summary_lines


def render(report: Report, options: RenderOptions) -> str:
    lines: List[Line] = [_line(d, report, options) for d in report.diagnostics]
    if not options.quiet:
        if options.show_fixes:
            fixes = fix_lines(report, options)
            lines.extend([[], *fixes] if fixes and lines else fixes)
        lines.extend(summary_lines(report, options))
    return styled(lines) if options.color else plain(lines)


def _line(d: Diagnostic, report: Report, options: RenderOptions) -> Line:
    fixable = (
        not report.fix_mode
        and d.fix is not None
        and bool(d.fix.edits)
        and (d.fix.applicability == "safe" or options.unsafe_fixes)
    )
    return [
        (f"{d.path}:{d.line}:{d.column}:", "bold"),
        (" ", ""),
        (d.code, "bold red"),
        (" [*]" if fixable else "", "cyan"),
        (" " + " ".join(d.message.split("\n")), ""),
    ]
