"""``--statistics``: one line per rule, most frequent first, with its fixability and summed savings (expected
savings, worst-case bounds and cost increases apart)."""

from __future__ import annotations

import json
from collections import Counter
from typing import List

from promptlint.reporters import RenderOptions, Report, totals
from promptlint.reporters.money import kind_cells


def render(report: Report, options: RenderOptions) -> str:
    counts = Counter(d.code for d in report.diagnostics)
    rows: List[List[str]] = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        matching = [d for d in report.diagnostics if d.code == code]
        fixable = "[*]" if any(d.fix is not None and d.fix.edits for d in matching) else "   "
        cells = kind_cells(totals(matching), "1k_calls", " per 1k calls")
        rows.append([str(count), code, f"{fixable} {matching[0].name}", " · ".join(cells) or "-"])
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{row[0]:>{widths[0]}}\t{row[1]}\t{row[2]:<{widths[2]}}\t{row[3]}" for row in rows]
    return "\n".join(lines) + "\n"


def render_json(report: Report, options: RenderOptions) -> str:
    """The same counts as a JSON list, most frequent first (the shape ``ruff --statistics`` gives, plus the
    summed figures of each kind, never added together)."""
    counts = Counter(d.code for d in report.diagnostics)
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        matching = [d for d in report.diagnostics if d.code == code]
        fixable = sum(1 for d in matching if d.fix is not None and d.fix.edits)
        summed = totals(matching)
        rows.append(
            {
                "code": code,
                "name": matching[0].name,
                "count": count,
                "fixable": fixable > 0,
                "fixable_count": fixable,
                "expected_usd_per_1k_calls": summed["expected_usd_per_1k_calls"],
                "worst_case_usd_per_1k_calls": summed["worst_case_usd_per_1k_calls"],
                "cost_increase_usd_per_1k_calls": summed["cost_increase_usd_per_1k_calls"],
                "unpriced": summed["unpriced"],
            }
        )
    return json.dumps(rows, indent=2) + "\n"
