"""OpenAI: ``OpenAI``/``AsyncOpenAI``/``AzureOpenAI`` clients and the pre-1.0 module-level API."""

from __future__ import annotations

from typing import List, Optional

from promptlint.extract.adapters.common import Request, keyword_limit, make_call, with_tools
from promptlint.extract.messages import message_list, text_parts
from promptlint.extract.provenance import Instance, Qualified
from promptlint.ir import LimitStatus, LLMCall, OutputLimit, PromptPart

_CHAT_PATHS = {
    ("chat", "completions", "create"),
    ("chat", "completions", "parse"),
    ("chat", "completions", "stream"),
    ("beta", "chat", "completions", "create"),
    ("beta", "chat", "completions", "parse"),
    ("beta", "chat", "completions", "stream"),
}
_RESPONSES_PATHS = {("responses", "create"), ("responses", "parse"), ("responses", "stream")}
_LEGACY = {
    "openai.ChatCompletion.create": "chat",
    "openai.ChatCompletion.acreate": "chat",
    "openai.Completion.create": "completions",
    "openai.Completion.acreate": "completions",
}
# Keywords through which a cap can reach the API unseen.
_OPAQUE = ("extra_body",)


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if isinstance(origin, Instance) and origin.family == "openai":
        is_async = "Async" in origin.cls
        if origin.path in _CHAT_PATHS:
            return _chat(request, is_async, "max_completion_tokens", ".".join(origin.path))
        if origin.path in _RESPONSES_PATHS:
            return _responses(request, is_async, ".".join(origin.path))
        if origin.path == ("completions", "create"):
            return _completions(request, is_async, "completions.create")
        return None
    if isinstance(origin, Qualified) and origin.name.startswith("openai.") and origin.name not in _LEGACY:
        # openai>=1 proxies a default client at module level: ``openai.chat.completions.create(...)``.
        path = tuple(origin.name.split(".")[1:])
        if path in _CHAT_PATHS:
            return _chat(request, False, "max_completion_tokens", ".".join(path))
        if path in _RESPONSES_PATHS:
            return _responses(request, False, ".".join(path))
        if path == ("completions", "create"):
            return _completions(request, False, "completions.create")
        return None
    if isinstance(origin, Qualified) and origin.name in _LEGACY:
        is_async = origin.name.endswith("acreate")
        endpoint = origin.name[len("openai.") :]
        if _LEGACY[origin.name] == "chat":
            # openai<1.0 predates max_completion_tokens.
            return _chat(request, is_async, "max_tokens", endpoint)
        return _completions(request, is_async, endpoint)
    return None


def _model(request: Request):
    return request.literal("model")


def _chat(request: Request, is_async: bool, fix_parameter: str, endpoint: str) -> LLMCall:
    model, model_node = _model(request)
    if model is None and model_node is None:
        model, model_node = request.literal("engine")  # Azure on openai<1.0
    messages = request.args.get("messages")
    parts: List[PromptPart] = []
    complete = False
    if messages is not None:
        parts, complete = message_list(messages, request.scope_of("messages"), request.resolver)
    limit = keyword_limit(request, ("max_completion_tokens", "max_tokens"), fix_parameter, _OPAQUE)
    call = make_call(request, "openai", endpoint, model, model_node, parts, complete, limit, is_async)
    return with_tools(request, call)


def _responses(request: Request, is_async: bool, endpoint: str) -> LLMCall:
    model, model_node = _model(request)
    parts: List[PromptPart] = []
    complete = True
    instructions = request.args.get("instructions")
    if instructions is not None:
        parts.append(
            text_parts("instructions", instructions, request.scope_of("instructions"), request.resolver)
        )
    given = request.args.get("input")
    if given is not None:
        scope = request.scope_of("input")
        listed, complete = message_list(given, scope, request.resolver)
        if listed or complete:
            parts.extend(listed)
        else:
            parts.append(text_parts("user", given, scope, request.resolver))
            complete = True
    if "previous_response_id" in request.args.keywords or "conversation" in request.args.keywords:
        complete = False
    limit = keyword_limit(request, ("max_output_tokens",), "max_output_tokens", _OPAQUE)
    call = make_call(request, "openai", endpoint, model, model_node, parts, complete, limit, is_async)
    return with_tools(request, call)


def _completions(request: Request, is_async: bool, endpoint: str) -> LLMCall:
    """The legacy text-completions endpoint defaults to 16 output tokens: never unbounded."""
    model, model_node = _model(request)
    if model is None and model_node is None:
        model, model_node = request.literal("engine")
    parts: List[PromptPart] = []
    prompt = request.args.get("prompt")
    if prompt is not None:
        parts.append(text_parts("user", prompt, request.scope_of("prompt"), request.resolver))
    limit = OutputLimit(LimitStatus.NOT_APPLICABLE, parameter="max_tokens")
    return make_call(
        request, "openai", endpoint, model, model_node, parts, prompt is not None, limit, is_async
    )
