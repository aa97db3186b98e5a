"""The size of one request, for rules that price the same call on two models (LLM401, LLM402)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from promptlint.ir import Dynamic, LLMCall, Static
from promptlint.rule import RuleContext


@dataclass(frozen=True)
class CallTokens:
    input_tokens: int
    output_tokens: int
    assumptions: Tuple[str, ...]


def call_tokens(
    call: LLMCall,
    context: RuleContext,
    model: Optional[str],
    dynamic_tokens: int,
    output_tokens: Optional[int],
    output_assumption: str,
) -> CallTokens:
    """Input: the static prompt text counted exactly, plus ``dynamic_tokens`` when any part of the prompt is
    only known at run time. Output: ``output_tokens`` as given (with ``output_assumption`` saying why)."""
    parts = call.cache_order
    pieces: List[str] = []
    dynamic = not call.prompt_complete or not parts
    for part in parts:
        for segment in part.text.segments:
            if isinstance(segment, Static):
                pieces.append(segment.text)
            elif isinstance(segment, Dynamic):
                dynamic = True
        if getattr(part, "uncounted", False):
            dynamic = True
    static = context.count_tokens("".join(pieces), model) if pieces else 0
    extra = dynamic_tokens if dynamic else 0
    if static and extra:
        prompt = (
            f"{static:,} tokens of static prompt (counted) plus {extra:,} assumed for the parts known only "
            "at run time (`dynamic-input-tokens`)"
        )
    elif extra:
        prompt = f"the prompt is only known at run time: {extra:,} tokens assumed (`dynamic-input-tokens`)"
    else:
        prompt = f"{static:,} tokens of prompt, all static (counted)"
    assumptions = [prompt]
    assumptions.append(output_assumption)
    assumptions.append("input at the full input price (no cache reads)")
    return CallTokens(static + extra, output_tokens or 0, tuple(assumptions))
