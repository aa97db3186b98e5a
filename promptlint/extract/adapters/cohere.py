"""Cohere: ``ClientV2``/``AsyncClientV2`` ``chat``/``chat_stream`` (messages), and the v1 ``Client``'s
``chat``/``chat_stream`` (``message=``, ``preamble=``, ``chat_history=``); both capped by ``max_tokens``."""

from __future__ import annotations

from typing import List, Optional

from promptlint.extract.adapters.common import Request, chat_completion, keyword_limit, make_call
from promptlint.extract.messages import text_parts
from promptlint.extract.provenance import Instance
from promptlint.ir import Dynamic, LLMCall, PromptPart, PromptText, Volatility

_PATHS = {("chat",), ("chat_stream",)}


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not isinstance(origin, Instance) or origin.family not in ("cohere", "cohere-v1"):
        return None
    if origin.path not in _PATHS:
        return None
    is_async = "Async" in origin.cls
    endpoint = origin.path[0]
    if origin.family == "cohere":
        return chat_completion(request, "cohere", endpoint, ("max_tokens",), "max_tokens", is_async)
    return _v1(request, endpoint, is_async)


def _v1(request: Request, endpoint: str, is_async: bool) -> LLMCall:
    """The v1 chat: the system text in ``preamble``, earlier turns in ``chat_history``, the new turn in
    ``message``."""
    model, model_node = request.literal("model")
    parts: List[PromptPart] = []
    complete = True
    preamble = request.args.get("preamble")
    if preamble is not None:
        parts.append(text_parts("system", preamble, request.scope_of("preamble"), request.resolver))
    history = request.args.get("chat_history")
    if history is not None:
        # Earlier turns in Cohere's own message objects: a part whose text is not read.
        text = PromptText((Dynamic("chat_history", Volatility.PER_REQUEST, history),))
        parts.append(PromptPart("unknown", text, history))
    message = request.args.get("message")
    if message is not None:
        parts.append(text_parts("user", message, request.scope_of("message"), request.resolver))
    else:
        complete = False
    limit = keyword_limit(request, ("max_tokens",), "max_tokens")
    return make_call(request, "cohere", endpoint, model, model_node, parts, complete, limit, is_async)
