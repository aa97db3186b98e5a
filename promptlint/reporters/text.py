"""Human output: ``path:line:col: CODE message``, the source, the suggested fix and the saving.

Plain text when stdout is not a terminal or ``NO_COLOR`` is set; rich styling otherwise. The plain form is
what tests pin, and it never wraps lines.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from promptlint.diagnostics import Diagnostic, Savings
from promptlint.reporters import Report, totals

Line = List[Tuple[str, str]]  # (text, rich style) pieces of one output line


def render_lines(report: Report, quiet: bool = False) -> List[Line]:
    lines: List[Line] = []
    for diagnostic in report.diagnostics:
        lines.extend(_diagnostic(diagnostic))
        lines.append([])
    if quiet:
        return lines
    lines.append(_summary(report))
    money = _money_summary(report)
    if money:
        lines.append(money)
    return lines


def render_plain(report: Report, quiet: bool = False) -> str:
    lines = render_lines(report, quiet)
    if quiet and not report.diagnostics:
        return ""
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


def print_report(report: Report, stream, color: bool, quiet: bool = False) -> None:
    if not color:
        stream.write(render_plain(report, quiet))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)
    for line in render_lines(report, quiet):
        text = Text()
        for piece, style in line:
            text.append(piece, style=style or None)
        console.print(text)


def _diagnostic(d: Diagnostic) -> List[Line]:
    out: List[Line] = [
        [
            (f"{d.path}:{d.line}:{d.column}:", "bold"),
            (" ", ""),
            (d.code, "bold red"),
            (" ", ""),
            (d.message, ""),
        ]
    ]
    width = len(str(d.line + max(len(d.source) - 1, 0)))
    gutter = " " * width + " |"
    out.append([(gutter, "blue")])
    for offset, source in enumerate(d.source):
        number = d.line + offset
        out.append([(f"{number:>{width}} |", "blue"), (" " + source.rstrip(), "")])
        if offset == 0:
            start = d.column - 1
            end = d.end_column - 1 if d.end_line == d.line else len(source.rstrip())
            carets = "^" * max(1, end - start)
            out.append([(gutter, "blue"), (" " + " " * start + carets, "bold red")])
    pad = " " * width
    if d.fix is not None:
        label = "fix" if d.fix.edits else "suggestion"
        out.append(
            [
                (f"{pad} = ", "blue"),
                (f"{label} ({d.fix.applicability}): ", "bold cyan"),
                (d.fix.description, ""),
            ]
        )
        for before in d.fix.before:
            out.append([(f"{pad} |   ", "blue"), ("- " + before.rstrip(), "red")])
        for after in d.fix.after:
            out.append([(f"{pad} |   ", "blue"), ("+ " + after.rstrip(), "green")])
    elif d.help:
        out.append([(f"{pad} = ", "blue"), ("help: ", "bold cyan"), (d.help, "")])
    if d.savings is not None:
        out.append([(f"{pad} = ", "blue"), ("saving: ", "bold green"), (_savings(d.savings), "")])
        for assumption in d.savings.assumptions:
            out.append([(f"{pad}     ", ""), ("· " + assumption, "dim")])
    return out


def _savings(s: Savings) -> str:
    parts = [f"{s.tokens_per_call:,} tokens/call"]
    if s.usd_per_call is not None:
        per_call = f"${abs(s.usd_per_call):.6f}/call"
        parts.append(("-" + per_call) if s.usd_per_call < 0 else per_call)
        parts.append(f"{_usd(s.usd_per_1k_calls)} per 1k calls")
        if s.usd_per_month is not None:
            parts.append(f"{_usd(s.usd_per_month)} per month")
    else:
        parts.append("unpriced")
    model = f" ({s.model})" if s.model else ""
    return " · ".join(parts) + model


def _usd(value: Optional[float]) -> str:
    """Dollars, with a leading minus for a cost increase (a successor model that costs more)."""
    if value is None:
        return "unpriced"
    sign, value = ("-", -value) if value < 0 else ("", value)
    return f"{sign}${value:,.2f}" if value >= 0.01 or value == 0 else f"{sign}${value:.4f}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _summary(report: Report) -> Line:
    checked = _plural(report.files_checked, "file")
    errors = f"; {_plural(len(report.errors), 'file')} could not be checked" if report.errors else ""
    fixed = f"Fixed {_plural(report.fixed, 'issue')}. " if report.fix_mode else ""
    if not report.diagnostics and report.errors:
        return [(f"{fixed}No LLM cost issues found in {checked} checked{errors}.", "bold yellow")]
    if not report.diagnostics:
        return [(f"{fixed}All checks passed: {checked} checked, no LLM cost issues found.", "bold green")]
    files = len({d.path for d in report.diagnostics})
    safe = report.fixable_count(unsafe=False)
    unsafe = report.fixable_count(unsafe=True) - safe
    hints = []
    if safe:
        hints.append(f"{safe:,} fixable with `--fix`")
    if unsafe:
        hints.append(f"{unsafe:,} {'more' if safe else 'fixable'} with `--fix --unsafe-fixes`")
    fixable = f"; {', '.join(hints)}" if hints else ""
    return [
        (
            f"{fixed}Found {_plural(len(report.diagnostics), 'issue')} in {_plural(files, 'file')} "
            f"({checked} checked){fixable}{errors}.",
            "bold",
        )
    ]


def _money_summary(report: Report) -> Optional[Line]:
    summary = totals(report.diagnostics)
    if summary["usd_per_1k_calls"] is None and not summary["unpriced"]:
        return None
    pieces = []
    if summary["usd_per_1k_calls"] is not None:
        pieces.append(f"{_usd(summary['usd_per_1k_calls'])} per 1k calls of each call site")
    if summary["usd_per_month"] is not None:
        pieces.append(f"{_usd(summary['usd_per_month'])} per month at {report.calls_per_month:,} calls/month")
    text = "Estimated savings if fixed: " + (" · ".join(pieces) if pieces else "none priced")
    if summary["unpriced"]:
        text += f" ({_plural(summary['unpriced'], 'finding')} unpriced)"
    return [(text + ".", "bold green")]
