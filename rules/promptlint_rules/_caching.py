"""What the caching rules (LLM101, LLM102, LLM103, LLM105) share: cache order, who owns a changing value,
the minimum cacheable length, and the price model of a cache breakpoint."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from promptlint.ir import Dynamic, LLMCall, PromptPart, Static, Volatility
from promptlint.rule import RuleContext, SavingsBasis

# Parts that come before the conversation: a changing value there breaks the cache of every message.
NON_MESSAGE_ROLES = ("tools", "system", "instructions", "developer")


def early(parts: Sequence[PromptPart], index: int) -> bool:
    """Whether ``parts[index]`` comes before the last user message: the tools, the system prompt or
    instructions, or a message followed by a later user message. A value that changes on every call there
    is LLM102's (volatile-prefix); in the last user message, or where it cannot be told, it is LLM101's."""
    if parts[index].role in NON_MESSAGE_ROLES:
        return True
    return any(part.role == "user" for part in parts[index + 1 :])


def owned_by_volatile_prefix(
    parts: Sequence[PromptPart], index: int, segment: object, call: Optional[LLMCall] = None
) -> bool:
    """The split between LLM101 and LLM102: a segment that changes on every call, early in the request, or
    one that changes on every turn of a re-sent history with messages after it (``before_messages``)."""
    if call is not None and turn_value_before_messages(call, parts, index, segment):
        return True
    return isinstance(segment, Dynamic) and segment.volatility is Volatility.PER_CALL and early(parts, index)


def turn_value_before_messages(
    call: LLMCall, parts: Sequence[PromptPart], index: int, segment: object
) -> bool:
    """A value the code changes on every turn of the history the call re-sends (``LLMCall.turn_values``),
    ahead of conversation messages: in the tools, the system prompt or instructions (the history is in the
    messages, which come after them), or in a message that later messages follow. Every turn is a new prefix
    from there on."""
    if call.turn_value(segment) is None:
        return False
    return parts[index].role in NON_MESSAGE_ROLES or any(
        part.role not in NON_MESSAGE_ROLES for part in parts[index + 1 :]
    )


def min_cacheable(context: RuleContext, model: Optional[str]) -> Optional[int]:
    """The model's minimum cacheable prefix, from the model table; None when not known."""
    info = context.model_info(model)
    return info.min_cacheable if info is not None and info.min_cacheable else None


def explicit_breakpoints(context: RuleContext, model: Optional[str]) -> bool:
    """Whether the model only caches at breakpoints (see ``ModelInfo.caches_at_breakpoints_only``)."""
    info = context.model_info(model)
    return info is not None and info.caches_at_breakpoints_only


def static_prefix(parts: Sequence[PromptPart]) -> List[PromptPart]:
    """The leading parts that are the same on every request: static text, or values fixed for the process.
    A part with content that is not text (an image, a document) ends it: that content may vary."""
    prefix: List[PromptPart] = []
    for part in parts:
        if part.uncounted or any(
            isinstance(segment, Dynamic) and segment.volatility is not Volatility.PER_PROCESS
            for segment in part.text.segments
        ):
            break
        prefix.append(part)
    return prefix


def static_text(segments: Sequence[object]) -> str:
    return "".join(segment.text for segment in segments if isinstance(segment, Static))


def breakpoint_savings(
    context: RuleContext, model: Optional[str], tokens: int, hit_rate: float, extra: Tuple[str, ...] = ()
) -> Tuple[SavingsBasis, Optional[float]]:
    """The saving of caching ``tokens`` of prefix per call: a share ``hit_rate`` of calls reads them at the
    cache-read price, the others write them at the cache-write price. Returns the basis and, when the table
    prices it, the net saving per call in USD per 1M tokens (negative when caching would cost more)."""
    hit_rate = min(max(hit_rate, 0.0), 1.0)
    writes = int(round(tokens * (1 - hit_rate)))
    reads = tokens - writes
    percent = f"{hit_rate:.0%}"
    assumptions = (
        f"{percent} of calls read the prefix from the cache, the others write it (`hit-rate`)",
    ) + extra
    basis = SavingsBasis(model=model, cached_tokens=reads, cache_write_tokens=writes, assumptions=assumptions)
    info = context.model_info(model)
    net: Optional[float] = None
    if info is not None and None not in (info.input, info.cache_read, info.cache_write):
        net = reads * (info.input - info.cache_read) - writes * (info.cache_write - info.input)
    return basis, net


def short(source: str, limit: int = 40) -> str:
    flat = " ".join(source.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def flatten(parts: Sequence[PromptPart]) -> List[Tuple[int, object]]:
    """Every segment of the request in cache order, with the index of its part."""
    return [(index, segment) for index, part in enumerate(parts) for segment in part.text.segments]
