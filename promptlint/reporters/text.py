"""Human output: ``path:line:col: CODE message``, the source, the suggested fix and the saving.

Plain text when stdout is not a terminal or ``NO_COLOR`` is set; rich styling otherwise. The plain form is
what tests pin, and it never wraps lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

from promptlint.reporters import RenderOptions, Report, totals
from promptlint.reporters.money import models_of, unpriced_note, usd
from promptlint.savings import COST_INCREASE, unpriced_label

if TYPE_CHECKING:
    from promptlint.diagnostics import Diagnostic, Savings

Line = List[Tuple[str, str]]  # (text, rich style) pieces of one output line


def render_lines(report: Report, quiet: bool = False, options: Optional[RenderOptions] = None) -> List[Line]:
    lines: List[Line] = []
    for diagnostic in report.diagnostics:
        lines.extend(_diagnostic(diagnostic))
        lines.append([])
    if quiet:
        return lines
    if options is not None and options.show_fixes:
        lines.extend(fix_lines(report, options))
    lines.extend(summary_lines(report, options))
    return lines


def summary_lines(report: Report, options: Optional[RenderOptions] = None) -> List[Line]:
    """The closing lines: counts, fixability, and the totals of each kind of figure."""
    configured = options is not None and options.unsafe_fixes_configured
    return [_summary(report, configured), *_money_summary(report)]


def render_plain(report: Report, quiet: bool = False, options: Optional[RenderOptions] = None) -> str:
    lines = render_lines(report, quiet, options)
    if quiet and not report.diagnostics:
        return ""
    return plain(lines)


def plain(lines: List[Line]) -> str:
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


def render(report: Report, options: RenderOptions) -> str:
    """Plain text, or with rich's styles (ANSI escapes) when ``options.color``; never wrapped."""
    if not options.color:
        return render_plain(report, options.quiet, options)
    return styled(render_lines(report, options.quiet, options))


def styled(lines: List[Line]) -> str:
    """The lines with rich's styles (ANSI escapes), never wrapped."""
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, soft_wrap=True)
    for line in lines:
        text = Text()
        for piece, style in line:
            text.append(piece, style=style or None)
        console.print(text)
    return buffer.getvalue()


def fix_lines(report: Report, options: RenderOptions) -> List[Line]:
    """``--show-fixes``: the fixes applied by --fix, or those --fix would apply, per file and rule (ruff's
    listing), then a blank line; nothing when there are none."""
    if report.fix_mode:
        applied = list(report.fixed_rules)
        heading = f"Fixed {_plural(len(applied), 'issue')}:"
    else:
        applied = [
            (d.path, d.code, d.name)
            for d in report.diagnostics
            if d.fix is not None and d.fix.edits and (d.fix.applicability == "safe" or options.unsafe_fixes)
        ]
        flag_needed = options.unsafe_fixes and not options.unsafe_fixes_configured
        how = "`--fix --unsafe-fixes`" if flag_needed else "`--fix`"
        heading = f"{_plural(len(applied), 'fix', 'fixes')} available with {how}:"
    if not applied:
        return []
    return [*_fix_table(heading, applied), []]


def fix_summary(report: Report, verb: str) -> str:
    """The fixes a --diff would apply, listed as ``--show-fixes`` lists them, for stderr."""
    applied = list(report.fixed_rules)
    return plain(_fix_table(f"{verb} {_plural(len(applied), 'issue')}:", applied))


def _fix_table(heading: str, applied: List[Tuple[str, str, str]]) -> List[Line]:
    from collections import Counter

    counts = Counter(applied)
    width = len(str(max(counts.values())))
    lines: List[Line] = [[(heading, "bold green")]]
    for path in sorted({path for path, _, _ in applied}):
        lines.append([("- ", "cyan"), (path, "bold"), (":", "cyan")])
        rows = sorted(
            ((count, code, name) for (where, code, name), count in counts.items() if where == path),
            key=lambda row: (-row[0], row[1]),
        )
        for count, code, name in rows:
            lines.append([(f"    {count:>{width}} × ", ""), (code, "bold red"), (f" ({name})", "")])
    return lines


_LOW_CONFIDENCE = "recognised by its request signature; where the client comes from is not known"


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
    for place in d.related:
        where = f"{place.path}:{place.line}:{place.column}"
        out.append([(f"{pad} = ", "blue"), ("via: ", "bold cyan"), (f"{place.message} ({where})", "")])
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
    if d.confidence == "low":
        out.append([(f"{pad} = ", "blue"), ("low confidence: ", "bold yellow"), (_LOW_CONFIDENCE, "")])
    if d.savings is not None:
        label = "cost change" if d.savings.kind == COST_INCREASE else "saving"
        out.append([(f"{pad} = ", "blue"), (f"{label}: ", "bold green"), (_savings(d.savings), "")])
        for assumption in d.savings.assumptions:
            out.append([(f"{pad}     ", ""), ("· " + assumption, "dim")])
    return out


def _savings(s: Savings) -> str:
    """Tokens and dollars of one finding; a cost increase as a "+" amount; "unpriced" with the reason."""
    parts = [f"{s.tokens_per_call:,} tokens/call"] if s.tokens_per_call else []
    if s.usd_per_call is None:
        parts.append(f"unpriced: {unpriced_label(s.unpriced_reason or 'unknown')}")
    else:
        sign = -1 if s.kind == COST_INCREASE else 1
        plus = "+" if s.kind == COST_INCREASE else ""
        parts.append(f"{plus}{_per_call(sign * s.usd_per_call)}/call")
        parts.append(f"{plus}{usd(sign * s.usd_per_1k_calls)} per 1k calls")
        if s.usd_per_month is not None:
            parts.append(f"{plus}{usd(sign * s.usd_per_month)} per month")
    model = models_of(s)
    return " · ".join(parts) + (f" ({model})" if model else "")


def _per_call(value: float) -> str:
    return f"-${-value:.6f}" if value < 0 else f"${value:.6f}"


_usd = usd  # the other reporters' former import


def _plural(count: int, word: str, words: Optional[str] = None) -> str:
    return f"{count:,} " + (word if count == 1 else words or word + "s")


def _summary(report: Report, unsafe_fixes_configured: bool = False) -> Line:
    """The count line; with `unsafe-fixes = true` configured, a plain `--fix` applies unsafe fixes too, so the
    hint does not send the user to a flag they do not need."""
    checked = _plural(report.files_checked, "file")
    errors = f"; {_plural(len(report.errors), 'file')} could not be checked" if report.errors else ""
    fixed = f"Fixed {_plural(report.fixed, 'issue')}. " if report.fix_mode else ""
    if not report.diagnostics and report.errors:
        return [(f"{fixed}No LLM cost issues found in {checked} checked{errors}.", "bold yellow")]
    if not report.diagnostics:
        return [(f"{fixed}All checks passed: {checked} checked, no LLM cost issues found.", "bold green")]
    files = len({d.path for d in report.diagnostics})
    safe = report.fixable_count(unsafe=unsafe_fixes_configured)
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


def _money_summary(report: Report) -> List[Line]:
    """One line per kind of total (expected, worst case, cost increase) and one for the unpriced: never a
    sum of a bound and an estimate."""
    summary = totals(report.diagnostics)
    volume = f" at {report.calls_per_month:,} calls/month" if report.calls_per_month is not None else ""
    lines: List[Line] = []
    for key, lead, prefix, style in (
        ("expected", "Estimated savings if fixed: ", "", "bold green"),
        ("worst_case", "Worst case, if answers run to their output limit: ", "up to ", "bold"),
        ("cost_increase", "Model changes that cost more, not counted as savings: ", "+", "bold yellow"),
    ):
        per_1k = summary[f"{key}_usd_per_1k_calls"]
        if per_1k is None:
            continue
        text = f"{lead}{prefix}{usd(per_1k)} per 1k calls of each call site"
        per_month = summary[f"{key}_usd_per_month"]
        if per_month is not None:
            text += f" · {prefix}{usd(per_month)} per month{volume}"
        lines.append([(text + ".", style)])
    unpriced = unpriced_note(summary)
    if unpriced:
        lines.append([(unpriced + ".", "yellow")])
    return lines
