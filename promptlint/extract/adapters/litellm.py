"""LiteLLM: ``litellm.completion``/``acompletion``, called through the module or an imported name."""

from __future__ import annotations

from typing import List, Optional

from promptlint.extract.adapters.common import Request, keyword_limit, make_call
from promptlint.extract.messages import message_list
from promptlint.extract.provenance import Qualified
from promptlint.ir import LimitStatus, LLMCall, OutputLimit, PromptPart

_FUNCTIONS = {"litellm.completion": False, "litellm.acompletion": True}


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Qualified) and origin.name in _FUNCTIONS):
        return None
    model, model_node = request.literal("model", 0)
    messages = request.args.param("messages", 1)
    parts: List[PromptPart] = []
    complete = False
    if messages is not None:
        parts, complete = message_list(messages, request.scope_of("messages"), request.resolver)
    limit = keyword_limit(request, ("max_tokens", "max_completion_tokens"), "max_tokens", ("extra_body",))
    if request.args.unresolved_star and limit.status is LimitStatus.MISSING:
        limit = OutputLimit(LimitStatus.UNKNOWN, parameter="max_tokens")  # ``*args`` may reach the cap
    endpoint = origin.name.split(".", 1)[1]
    return make_call(
        request, "litellm", endpoint, model, model_node, parts, complete, limit, _FUNCTIONS[origin.name]
    )
