"""Anthropic: ``Anthropic``/``AsyncAnthropic``/Bedrock/Vertex clients, Messages and legacy Text Completions."""

from __future__ import annotations

from typing import List, Optional

from promptlint.extract.adapters.common import Request, make_call, with_tools
from promptlint.extract.messages import message_list, text_parts
from promptlint.extract.provenance import Instance
from promptlint.extract.request_facts import cap_value
from promptlint.ir import LimitStatus, LLMCall, OutputLimit, PromptPart

_MESSAGES_PATHS = {
    ("messages", "create"),
    ("messages", "stream"),
    ("messages", "parse"),
    ("beta", "messages", "create"),
    ("beta", "messages", "stream"),
    ("beta", "messages", "parse"),
}


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Instance) and origin.family == "anthropic"):
        return None
    is_async = "Async" in origin.cls
    endpoint = ".".join(origin.path)
    model, model_node = request.literal("model")
    if origin.path in _MESSAGES_PATHS:
        parts: List[PromptPart] = []
        complete = True
        system = request.args.get("system")
        if system is not None:
            parts.append(text_parts("system", system, request.scope_of("system"), request.resolver))
        messages = request.args.get("messages")
        if messages is not None:
            listed, listed_complete = message_list(messages, request.scope_of("messages"), request.resolver)
            parts.extend(listed)
            complete = listed_complete
        else:
            complete = False
        # ``max_tokens`` is required by the Messages API: leaving it out is an error, not a cost issue.
        cap = request.args.get("max_tokens")
        value = cap_value(cap, request.scope_of("max_tokens"), request.resolver) if cap is not None else None
        limit = OutputLimit(LimitStatus.NOT_APPLICABLE, value, "max_tokens", node=cap)
        call = make_call(request, "anthropic", endpoint, model, model_node, parts, complete, limit, is_async)
        return with_tools(request, call)
    if origin.path == ("completions", "create"):
        prompt = request.args.get("prompt")
        parts = []
        if prompt is not None:
            parts.append(text_parts("user", prompt, request.scope_of("prompt"), request.resolver))
        limit = OutputLimit(LimitStatus.NOT_APPLICABLE, parameter="max_tokens_to_sample")
        return make_call(
            request, "anthropic", endpoint, model, model_node, parts, prompt is not None, limit, is_async
        )
    return None
