"""Turn a finding's token savings into money with the dated model table (or the user's overrides)."""

from __future__ import annotations

from typing import Optional

from promptlint.diagnostics import Savings
from promptlint.rule import SavingsBasis

_PER_MILLION = 1_000_000


def price(basis: SavingsBasis, table, calls_per_month: Optional[int]) -> Savings:
    """Price one finding's savings per call, per 1,000 calls and per month (when a volume is configured).

    An unknown model, or a price the table lacks, leaves the dollar figures empty: never a guess.
    """
    tokens = basis.input_tokens + basis.removed_cached_tokens + basis.cached_tokens + basis.output_tokens
    tokens += basis.cache_write_tokens
    assumptions = list(basis.assumptions)
    info = table.lookup(basis.model) if basis.model else None
    usd: Optional[float] = None
    if basis.model is None:
        assumptions.append("model not known statically: set `default-model` to price it")
    elif info is None:
        assumptions.append(f"`{basis.model}` is not in the model table: unpriced")
    elif basis.compare_model is not None:
        usd = _difference(basis, info, table, assumptions)
    else:
        usd = _usd(basis, info)
        if usd is None:
            assumptions.append(f"`{info.id}` lacks a price this saving needs: unpriced")
        else:
            assumptions.append(f"prices: `{info.id}` from the model table of {table.as_of}")
    per_1k = None if usd is None else usd * 1000
    per_month = None if usd is None or calls_per_month is None else usd * calls_per_month
    if per_month is not None:
        assumptions.append(f"{calls_per_month:,} calls per month (`calls-per-month`)")
    return Savings(
        model=info.id if info is not None else basis.model,
        tokens_per_call=tokens,
        usd_per_call=_round(usd),
        usd_per_1k_calls=_round(per_1k),
        usd_per_month=_round(per_month),
        assumptions=tuple(assumptions),
    )


def _difference(basis: SavingsBasis, info, table, assumptions: list) -> Optional[float]:
    """The tokens' price on ``basis.model`` minus their price on ``basis.compare_model``."""
    other = table.lookup(basis.compare_model)
    if other is None:
        assumptions.append(f"`{basis.compare_model}` is not in the model table: unpriced")
        return None
    here, there = _usd(basis, info), _usd(basis, other)
    if here is None or there is None:
        lacking = info.id if here is None else other.id
        assumptions.append(f"`{lacking}` lacks a price this saving needs: unpriced")
        return None
    if there > here:
        assumptions.append(f"`{other.id}` costs more for this request: a negative saving is the extra cost")
    assumptions.append(f"prices: `{info.id}` and `{other.id}` from the model table of {table.as_of}")
    return here - there


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
