"""``--statistics``: one line per rule, most frequent first, with its fixability and summed savings."""

from __future__ import annotations

import json
from collections import Counter
from typing import List

from promptlint.reporters import Report, totals
from promptlint.reporters.text import _usd


def render(report: Report) -> str:
    counts = Counter(d.code for d in report.diagnostics)
    rows: List[List[str]] = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        matching = [d for d in report.diagnostics if d.code == code]
        fixable = "[*]" if any(d.fix is not None and d.fix.edits for d in matching) else "   "
        saving = totals(matching)["usd_per_1k_calls"]
        rows.append(
            [str(count), code, f"{fixable} {matching[0].name}", _usd(saving) if saving is not None else "-"]
        )
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"{row[0]:>{widths[0]}}\t{row[1]}\t{row[2]:<{widths[2]}}\t{row[3]:>{widths[3]}} per 1k calls"
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    """The same counts as a JSON list, most frequent first (the shape ``ruff --statistics`` gives, plus
    the summed saving)."""
    counts = Counter(d.code for d in report.diagnostics)
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        matching = [d for d in report.diagnostics if d.code == code]
        fixable = sum(1 for d in matching if d.fix is not None and d.fix.edits)
        rows.append(
            {
                "code": code,
                "name": matching[0].name,
                "count": count,
                "fixable": fixable > 0,
                "fixable_count": fixable,
                "usd_per_1k_calls": totals(matching)["usd_per_1k_calls"],
            }
        )
    return json.dumps(rows, indent=2) + "\n"
