"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment: findings per rule, the
largest savings, totals."""

from __future__ import annotations

from collections import Counter
from typing import Dict, List

from promptlint.reporters import RenderOptions, Report, totals
from promptlint.reporters.money import kind_cells, unpriced_note, usd
from promptlint.reporters.text import _plural
from promptlint.savings import COST_INCREASE, WORST_CASE

TOP = 10
_HEADLINE = (
    ("expected", "estimated savings **{}** of each site", ""),
    ("worst_case", "worst case **up to {}**", "up to "),
    ("cost_increase", "model changes that cost more **+{}**", "+"),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report, options: RenderOptions) -> str:
    diagnostics = report.diagnostics
    summary = totals(diagnostics)
    lines: List[str] = ["## promptlint", ""]
    files = len({d.path for d in diagnostics})
    if not diagnostics:
        lines.append(f"No LLM cost issues found in {_plural(report.files_checked, 'file')}.")
    else:
        headline = f"**{_plural(len(diagnostics), 'issue')}** in {_plural(files, 'file')} ({report.files_checked:,} checked)"
        for key, words, prefix in _HEADLINE:
            per_1k = summary[f"{key}_usd_per_1k_calls"]
            if per_1k is None:
                continue
            headline += " · " + words.format(f"{usd(per_1k)} per 1k calls")
            per_month = summary[f"{key}_usd_per_month"]
            if per_month is not None:
                headline += f" · **{prefix}{usd(per_month)} per month**"
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
            per_1k = "; ".join(kind_cells(per_rule, "1k_calls")) or "unpriced"
            per_month = "; ".join(kind_cells(per_rule, "month")) or "–"
            lines.append(f"| {code} `{names[code]}` | {counts[code]:,} | {per_1k} | {per_month} |")
        priced = [
            d
            for d in diagnostics
            if d.savings is not None
            and d.savings.usd_per_1k_calls is not None
            and d.savings.kind != COST_INCREASE
        ]
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
                amount = usd(d.savings.usd_per_1k_calls)
                if d.savings.kind == WORST_CASE:
                    amount = f"up to {amount} (worst case)"
                lines.append(f"| `{_cell(d.path)}:{d.line}` | {d.code} | {_cell(d.message)} | {amount} |")
        unpriced = unpriced_note(summary)
        if unpriced:
            lines += ["", unpriced + "."]
    if report.errors:
        lines += ["", f"{_plural(len(report.errors), 'file')} could not be checked:", ""]
        lines += [f"- `{_cell(e.path)}`: {_cell(e.reason)}" for e in report.errors]
    return "\n".join(lines) + "\n"
