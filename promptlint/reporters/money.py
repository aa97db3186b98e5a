"""How every reporter words a figure: dollars, the kind of figure (expected, worst case, cost increase) and
why a finding is unpriced, so that the formats agree and none of them adds a bound to an estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Tuple

from promptlint.savings import COST_INCREASE, WORST_CASE, unpriced_label

if TYPE_CHECKING:
    from promptlint.diagnostics import Savings


def usd(value: Optional[float]) -> str:
    """Dollars, with a leading minus for a negative amount."""
    if value is None:
        return "unpriced"
    sign, value = ("-", -value) if value < 0 else ("", value)
    return f"{sign}${value:,.2f}" if value >= 0.01 or value == 0 else f"{sign}${value:.4f}"


def finding_figure(s: Savings) -> Tuple[str, str]:
    """(label, figure per 1k calls) of one finding, for the one-line formats (GitHub annotations, tables)."""
    if s.usd_per_1k_calls is None:
        return "saving", f"unpriced: {unpriced_label(s.unpriced_reason or 'unknown')}"
    if s.kind == COST_INCREASE:
        return "cost change", f"+{usd(-s.usd_per_1k_calls)} per 1k calls"
    if s.kind == WORST_CASE:
        return "saving", f"up to {usd(s.usd_per_1k_calls)} per 1k calls, worst case"
    return "saving", f"{usd(s.usd_per_1k_calls)} per 1k calls"


def models_of(s: Savings) -> str:
    """The model a figure is priced on, or the change of model for a cost increase."""
    if s.kind == COST_INCREASE and s.compare_model:
        return f"{s.model} → {s.compare_model}"
    return s.model or ""


def kind_cells(summary: Mapping[str, Any], period: str, unit: str = "") -> List[str]:
    """The non-empty totals of ``totals()`` for ``period`` ("1k_calls" or "month"), each labelled, with
    ``unit`` (" per 1k calls") after the amount."""
    cells: List[str] = []
    expected = summary[f"expected_usd_per_{period}"]
    worst = summary[f"worst_case_usd_per_{period}"]
    dearer = summary[f"cost_increase_usd_per_{period}"]
    if expected is not None:
        cells.append(f"{usd(expected)}{unit}")
    if worst is not None:
        cells.append(f"up to {usd(worst)}{unit} (worst case)")
    if dearer is not None:
        cells.append(f"+{usd(dearer)}{unit} (cost increase)")
    return cells


def unpriced_note(summary: Mapping[str, Any]) -> Optional[str]:
    """ "2 findings unpriced: model unknown (1), self-hosted (1)", or None when every finding is priced."""
    count = summary["unpriced"]
    if not count:
        return None
    reasons = summary["unpriced_reasons"]
    listed = ", ".join(f"{unpriced_label(code)} ({n:,})" for code, n in reasons.items())
    noun = "finding" if count == 1 else "findings"
    return f"{count:,} {noun} unpriced: {listed}"
