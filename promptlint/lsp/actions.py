"""What the editor shows and offers for a finding: its message with the saving, its hover text, its fix,
a suppression comment, and a minimal edit for "fix all". Pure functions of a buffer's text and findings.

Positions are promptlint's: 1-based lines, 1-based columns in code points, end exclusive.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import List, Optional

from promptlint.diagnostics import Diagnostic, Edit
from promptlint.lines import LineIndex

_NOQA_CODES_RE = re.compile(
    r"#\s*noqa\s*:\s*[A-Za-z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Za-z]+[0-9]+)*", re.IGNORECASE
)


def rule_link(code: str, name: str) -> str:
    """The rule's documentation, as SARIF's ``helpUri`` gives it."""
    from promptlint.reporters.sarif import HELP_URI

    return f"{HELP_URI}#{code.lower()}-{name}"


def message(d: Diagnostic) -> str:
    """The diagnostic's text: the finding's message and, when it has one, its saving per 1,000 calls."""
    if d.savings is None:
        return d.message
    from promptlint.reporters.money import finding_figure

    label, figure = finding_figure(d.savings)
    return f"{d.message} ({label}: {figure})"


def hover(d: Diagnostic, table_date: Optional[str]) -> str:
    """Markdown for a finding's range: what it costs, the assumptions behind the figure, the table's date."""
    from promptlint.reporters.money import finding_figure, models_of

    lines = [f"**{d.code}** `{d.name}`: {d.message}"]
    s = d.savings
    if s is not None:
        label, figure = finding_figure(s)
        lines += ["", f"**{label.capitalize()}**: {figure}"]
        model = models_of(s)
        details = [f"model `{model}`"] if model else []
        details.append(f"{s.tokens_per_call:,} tokens per call")
        if s.usd_per_month is not None:
            from promptlint.reporters.money import usd

            details.append(f"{usd(s.usd_per_month)} per month")
        lines.append(" · ".join(details))
        if s.assumptions:
            lines += ["", "Assumptions:"] + [f"- {assumption}" for assumption in s.assumptions]
    if d.fix is not None and d.fix.edits:
        lines += ["", f"Fix ({d.fix.applicability}): {d.fix.description}"]
    elif d.help:
        lines += ["", f"Suggestion: {d.help}"]
    if table_date:
        lines += ["", f"Model table of {table_date}."]
    return "\n".join(lines)


def fix_edits(d: Diagnostic, text: str) -> Optional[List[Edit]]:
    """The finding's fix as edits of ``text``, or None when it has none or the result would not parse."""
    if d.fix is None or not d.fix.edits:
        return None
    from promptlint.fixes import apply_edits, parses

    try:
        fixed = apply_edits(text, d.fix.edits)
    except (ValueError, IndexError):
        return None
    return list(d.fix.edits) if parses(fixed) else None


def noqa_edit(text: str, line: int, code: str) -> Optional[Edit]:
    """The edit that adds ``code`` to the suppression comment of ``line`` (``# noqa: CODE``), or None when
    the line's end is not a place for a comment (inside a string, after a backslash) or the result would
    not suppress the code."""
    from promptlint.suppress import suppressions

    index = LineIndex(text)
    if line > len(index.starts):
        return None
    start, end = index.line_start(line), index.line_end(line)
    content = text[start:end]
    if _ends_inside_token(text, line) or content.rstrip().endswith("\\"):
        return None
    existing = _NOQA_CODES_RE.search(_comment(text, line) or "")
    if existing is not None:
        comment_at = content.index(_comment(text, line))
        column = comment_at + existing.end()
        edit = Edit(line, column + 1, line, column + 1, f", {code}")
    else:
        kept = len(content.rstrip())
        edit = Edit(line, kept + 1, line, len(content) + 1, f"  # noqa: {code}")
    from promptlint.fixes import apply_edits

    after = apply_edits(text, [edit])
    return edit if code in suppressions(after).get(line, frozenset()) else None


def _tokens(text: str):
    return list(tokenize.generate_tokens(io.StringIO(text, newline="").readline))


def _comment(text: str, line: int) -> Optional[str]:
    try:
        for token in _tokens(text):
            if token.type == tokenize.COMMENT and token.start[0] == line:
                return token.string
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return None


def _ends_inside_token(text: str, line: int) -> bool:
    """Whether a token (a multi-line string) runs on past the end of ``line``; unknown counts as yes."""
    try:
        return any(
            token.start[0] <= line < token.end[0] for token in _tokens(text) if token.type != tokenize.NL
        )
    except (tokenize.TokenError, SyntaxError, ValueError):
        return True


def whole_edit(before: str, after: str) -> Edit:
    """One edit that turns ``before`` into ``after``: the span between their common prefix and suffix."""
    limit = min(len(before), len(after))
    start = 0
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    index = LineIndex(before)
    line, column = index.position(start)
    end_line, end_column = index.position(len(before) - end)
    return Edit(line, column + 1, end_line, end_column + 1, after[start : len(after) - end])
