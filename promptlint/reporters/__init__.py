"""Reporters: pure functions from a run's results to text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from promptlint.diagnostics import Diagnostic, FileError


@dataclass(frozen=True)
class Report:
    diagnostics: Sequence[Diagnostic]
    errors: Sequence[FileError]
    files_checked: int
    calls_per_month: Optional[int]
    fixed: int = 0  # fixes applied by --fix
    fix_mode: bool = False

    def fixable_count(self, unsafe: bool) -> int:
        wanted = ("safe", "unsafe") if unsafe else ("safe",)
        return sum(
            1 for d in self.diagnostics if d.fix is not None and d.fix.edits and d.fix.applicability in wanted
        )

    @property
    def fixable(self) -> int:
        return sum(1 for d in self.diagnostics if d.fix is not None and d.fix.edits)


def totals(diagnostics: Sequence[Diagnostic]) -> dict:
    """Summed savings over priced findings (each finding priced per call of its own site)."""
    per_1k: List[float] = [
        d.savings.usd_per_1k_calls
        for d in diagnostics
        if d.savings and d.savings.usd_per_1k_calls is not None
    ]
    per_month: List[float] = [
        d.savings.usd_per_month for d in diagnostics if d.savings and d.savings.usd_per_month is not None
    ]
    return {
        "usd_per_1k_calls": round(sum(per_1k), 6) if per_1k else None,
        "usd_per_month": round(sum(per_month), 6) if per_month else None,
        "priced": len(per_1k),
        "unpriced": sum(
            1 for d in diagnostics if d.savings is not None and d.savings.usd_per_1k_calls is None
        ),
    }
