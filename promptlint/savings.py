"""Turn a finding's token savings into money with the dated model table (or the user's overrides).

A figure is either priced or says why it is not (``UNPRICED``), never a zero that only looks like a price;
and it says what kind of figure it is, so that reports never add an upper bound to an expected saving or
count a dearer model as a negative saving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.diagnostics import Savings
    from promptlint.ir import LLMCall
    from promptlint.rule import Finding, SavingsBasis

_PER_MILLION = 1_000_000

# Why a saving has no dollar figure: the code (JSON ``unpriced_reason``) and the words reports show.
UNPRICED = {
    "self-hosted": "self-hosted",
    "model-unknown": "model unknown",
    "model-not-in-table": "model not in the table",
    "max-output-unknown": "model maximum unknown",
    "price-missing": "price not in the table",
    "history-unknown": "history length unknown",
}
EXPECTED, WORST_CASE, COST_INCREASE = "expected", "worst_case", "cost_increase"


def unpriced_label(reason: str) -> str:
    """The words for an unpriced reason (a rule pack's own code is shown as it is)."""
    return UNPRICED.get(reason, reason)


def served_as(finding: Finding, call: LLMCall) -> Finding:
    """``finding`` with its basis told where ``call`` is served: the table's prices are the providers' own,
    so a local or private server leaves the saving unpriced, and a retirement applies only on the
    provider's own API."""
    basis = finding.savings
    if basis is None or (not call.platform and not call.self_hosted):
        return finding
    from dataclasses import replace

    return replace(finding, savings=replace(basis, platform=call.platform, self_hosted=call.self_hosted))


def price(basis: SavingsBasis, table, calls_per_month: Optional[int]) -> Savings:
    """Price one finding's savings per call, per 1,000 calls and per month (when a volume is configured).

    An unknown model, a price the table lacks, or a request served by the user's own server leaves the
    dollar figures empty, with the reason: never a guess.
    """
    tokens = basis.input_tokens + basis.removed_cached_tokens + basis.cached_tokens + basis.output_tokens
    tokens += basis.cache_write_tokens
    assumptions = list(basis.assumptions)
    info = table.lookup(basis.model) if basis.model and not basis.self_hosted else None
    usd: Optional[float] = None
    reason: Optional[str] = None
    if basis.self_hosted:
        reason = "self-hosted"
        assumptions.append(
            f"served by `{basis.self_hosted}`, a local or private server: no list price applies"
        )
    elif basis.model is None:
        reason = "model-unknown"
        assumptions.append("model not known statically: set `default-model` to price it")
    elif info is None:
        reason = "model-not-in-table"
        assumptions.append(f"`{basis.model}` is not in the model table: unpriced")
    elif basis.unpriced is not None:
        reason = basis.unpriced  # the rule's own assumptions say why
    elif basis.compare_model is not None:
        usd, reason = _difference(basis, info, table, assumptions)
    else:
        usd = _usd(basis, info)
        if usd is None:
            reason = "price-missing"
            assumptions.append(f"`{info.id}` lacks a price this saving needs: unpriced")
        else:
            assumptions.extend(_retired_note(basis, info, table))
            assumptions.append(f"prices: `{info.id}` from the model table of {table.as_of}")
    per_1k = None if usd is None else usd * 1000
    per_month = None if usd is None or calls_per_month is None else usd * calls_per_month
    if per_month is not None:
        assumptions.append(f"{calls_per_month:,} calls per month (`calls-per-month`)")
    per_call = _round(usd)
    kind = WORST_CASE if basis.worst_case else EXPECTED
    if per_call is not None and per_call < 0:
        kind = COST_INCREASE
    compare = None
    if basis.compare_model is not None:
        other = table.lookup(basis.compare_model)
        compare = other.id if other is not None else basis.compare_model
    from promptlint.diagnostics import Savings

    return Savings(
        model=info.id if info is not None else basis.model,
        tokens_per_call=tokens,
        usd_per_call=per_call,
        usd_per_1k_calls=_round(per_1k),
        usd_per_month=_round(per_month),
        assumptions=tuple(assumptions),
        kind=kind,
        unpriced_reason=reason,
        compare_model=compare,
    )


def _retired_note(basis: SavingsBasis, info, table) -> List[str]:
    """Say so when the saving is priced on a model its provider has shut down (LLM401 reports it)."""
    if basis.platform or basis.model is None:
        return []
    retirement = table.retirement(basis.model)
    if retirement is None or not retirement.retired or retirement.provider != info.provider:
        return []
    return [f"`{retirement.id}` was retired on {retirement.shutdown}: priced at its last list price"]


def _difference(basis: SavingsBasis, info, table, assumptions: list) -> Tuple[Optional[float], Optional[str]]:
    """The tokens' price on ``basis.model`` minus their price on ``basis.compare_model``, or the reason it
    cannot be priced."""
    other = table.lookup(basis.compare_model)
    if other is None:
        assumptions.append(f"`{basis.compare_model}` is not in the model table: unpriced")
        return None, "model-not-in-table"
    here, there = _usd(basis, info), _usd(basis, other)
    if here is None or there is None:
        lacking = info.id if here is None else other.id
        assumptions.append(f"`{lacking}` lacks a price this saving needs: unpriced")
        return None, "price-missing"
    if there > here:
        assumptions.append(f"`{other.id}` costs more for this request: a cost increase, not a saving")
    assumptions.append(f"prices: `{info.id}` and `{other.id}` from the model table of {table.as_of}")
    return here - there, None


def _usd(basis: SavingsBasis, info) -> Optional[float]:
    total = 0.0
    if basis.input_tokens:
        if info.input is None:
            return None
        total += basis.input_tokens * info.input
    if basis.removed_cached_tokens:
        if info.cache_read is None:
            return None
        total += basis.removed_cached_tokens * info.cache_read
    if basis.cached_tokens:
        if info.input is None or info.cache_read is None:
            return None
        total += basis.cached_tokens * (info.input - info.cache_read)
    if basis.output_tokens:
        if info.output is None:
            return None
        total += basis.output_tokens * info.output
    if basis.cache_write_tokens:
        if info.input is None or info.cache_write is None:
            return None
        total -= basis.cache_write_tokens * (info.cache_write - info.input)
    return total / _PER_MILLION


def _round(value: Optional[float]) -> Optional[float]:
    """Round to a fixed precision so that output is byte-identical across machines."""
    return None if value is None else round(value, 6)
