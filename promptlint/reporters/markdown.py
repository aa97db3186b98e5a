"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment: findings per rule, the
largest savings, totals."""

from __future__ import annotations

from collections import Counter
from typing import Dict, List

from promptlint.reporters import Report, totals
from promptlint.reporters.text import _plural, _usd

TOP = 10


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    diagnostics = report.diagnostics
    summary = totals(diagnostics)
    lines: List[str] = ["## promptlint", ""]
    files = len({d.path for d in diagnostics})
    if not diagnostics:
        lines.append(f"No LLM cost issues found in {_plural(report.files_checked, 'file')}.")
    else:
        headline = f"**{_plural(len(diagnostics), 'issue')}** in {_plural(files, 'file')} ({report.files_checked:,} checked)"
        if summary["usd_per_1k_calls"] is not None:
            headline += (
                f" · estimated savings **{_usd(summary['usd_per_1k_calls'])} per 1k calls** of each site"
            )
        if summary["usd_per_month"] is not None:
            headline += f" · **{_usd(summary['usd_per_month'])} per month**"
        lines.append(headline)
        lines += [
            "",
            "| Rule | Findings | Savings per 1k calls | Savings per month |",
            "|---|---:|---:|---:|",
        ]
        counts = Counter(d.code for d in diagnostics)
        names: Dict[str, str] = {d.code: d.name for d in diagnostics}
        for code in sorted(counts):
            per_rule = totals([d for d in diagnostics if d.code == code])
            lines.append(
                f"| {code} `{names[code]}` | {counts[code]:,} | {_usd(per_rule['usd_per_1k_calls'])} | "
                f"{_usd(per_rule['usd_per_month']) if per_rule['usd_per_month'] is not None else '–'} |"
            )
        priced = [d for d in diagnostics if d.savings is not None and d.savings.usd_per_1k_calls is not None]
        priced.sort(key=lambda d: (-d.savings.usd_per_1k_calls, d.sort_key))
        if priced:
            lines += [
                "",
                "### Largest savings",
                "",
                "| Where | Rule | Issue | Per 1k calls |",
                "|---|---|---|---:|",
            ]
            for d in priced[:TOP]:
                lines.append(
                    f"| `{_cell(d.path)}:{d.line}` | {d.code} | {_cell(d.message)} | "
                    f"{_usd(d.savings.usd_per_1k_calls)} |"
                )
        if summary["unpriced"]:
            lines += [
                "",
                f"{summary['unpriced']:,} findings are unpriced (model unknown or not in the table).",
            ]
    if report.errors:
        lines += ["", f"{_plural(len(report.errors), 'file')} could not be checked:", ""]
        lines += [f"- `{_cell(e.path)}`: {_cell(e.reason)}" for e in report.errors]
    return "\n".join(lines) + "\n"
