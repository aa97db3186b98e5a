"""One request from the calls each candidate client would make.

When a callee is one of several SDK objects (``Alternatives``: ``OpenAI()`` or ``AzureOpenAI()``, a sync or
an async client, ``litellm.completion`` or ``client.chat.completions.create``), each is recognised on its
own. The call is an LLM request only when every candidate is one, of one provider or of providers that
take the same request (LiteLLM takes OpenAI's chat parameters). What the candidates disagree on is unknown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from promptlint.ir import LimitStatus, LLMCall, OutputLimit, Platform

# Providers whose requests a call may be either of, and the one whose reading stands for them all. An
# OpenAI chat request's parameters (``max_completion_tokens`` included) are accepted by LiteLLM too.
_COMPATIBLE = {frozenset({"openai", "litellm"}): "openai"}


def merge_calls(calls: Sequence[LLMCall]) -> Optional[LLMCall]:
    """The request ``calls`` (one per candidate, in source order) stand for, or None when they differ in kind."""
    providers = frozenset(call.provider for call in calls)
    if len(providers) == 1:
        chosen = calls[0]
    elif providers in _COMPATIBLE:
        chosen = next(call for call in calls if call.provider == _COMPATIBLE[providers])
    else:
        return None
    same_provider = [call for call in calls if call.provider == chosen.provider]
    if len({call.endpoint for call in same_provider}) > 1:
        return None  # ``chat.completions.create`` on one client, ``responses.create`` on the other
    changes: dict = {"is_async": all(call.is_async for call in calls)}
    if len({call.platform for call in calls}) > 1 or len({call.self_hosted for call in calls}) > 1:
        changes["platform"] = Platform.UNKNOWN
        changes["self_hosted"] = ""
    if len({call.output_limit.status for call in calls}) > 1:
        limit = chosen.output_limit
        changes["output_limit"] = OutputLimit(LimitStatus.UNKNOWN, parameter=limit.parameter)
    return replace(chosen, **changes)
