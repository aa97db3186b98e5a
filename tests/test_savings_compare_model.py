"""Moved from tests/test_rules_output_model.py (batch file dissolved into one file per rule or concern)."""

from __future__ import annotations

from promptlint.models import load_model_table
from promptlint.rule import SavingsBasis
from promptlint.savings import price


def test_compare_model_prices_the_difference() -> None:
    table = load_model_table()
    basis = SavingsBasis(model="gpt-4.1", compare_model="gpt-4.1-mini", input_tokens=1000, output_tokens=100)
    s = price(basis, table, calls_per_month=None)
    # 1,000 x ($2.00 - $0.40) + 100 x ($8.00 - $1.60) per 1M tokens
    assert (s.tokens_per_call, s.usd_per_call, s.usd_per_1k_calls) == (1100, 0.00224, 2.24)
    assert s.assumptions[-1] == "prices: `gpt-4.1` and `gpt-4.1-mini` from the model table of 2026-11-28"


def test_compare_model_can_cost_more_and_can_be_unpriced() -> None:
    table = load_model_table()
    dearer = price(
        SavingsBasis(model="gpt-4.1-mini", compare_model="gpt-4.1", input_tokens=1000), table, None
    )
    assert dearer.usd_per_call == -0.0016
    assert "`gpt-4.1` costs more for this request: a cost increase, not a saving" in dearer.assumptions
    assert (dearer.kind, dearer.compare_model, dearer.unpriced_reason) == ("cost_increase", "gpt-4.1", None)
    unknown = price(SavingsBasis(model="gpt-4.1", compare_model="gpt-7", input_tokens=10), table, None)
    assert unknown.usd_per_call is None
    assert unknown.assumptions[-1] == "`gpt-7` is not in the model table: unpriced"
    lacking = price(
        SavingsBasis(model="gpt-4.1", compare_model="claude-mythos-preview", input_tokens=10), table, None
    )
    assert lacking.usd_per_call is None
    assert lacking.assumptions[-1] == "`claude-mythos-preview` lacks a price this saving needs: unpriced"


def test_savings_without_compare_model_are_unchanged() -> None:
    s = price(SavingsBasis(model="gpt-4o-mini", output_tokens=15360), load_model_table(), None)
    assert (s.usd_per_call, s.assumptions) == (
        0.009216,
        ("prices: `gpt-4o-mini` from the model table of 2026-11-28",),
    )
