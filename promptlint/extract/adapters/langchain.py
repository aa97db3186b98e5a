"""LangChain chat-model constructors: the request settings (model, output cap) are fixed there."""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from promptlint.extract.adapters.common import Request, keyword_limit, make_call
from promptlint.extract.provenance import Qualified
from promptlint.ir import LimitStatus, LLMCall, OutputLimit

# Constructor -> (provider it talks to, keywords that cap output, the keyword a fix adds).
_CONSTRUCTORS = {
    "langchain_openai.ChatOpenAI": ("openai", ("max_tokens", "max_completion_tokens"), "max_tokens"),
    "langchain_openai.AzureChatOpenAI": ("openai", ("max_tokens", "max_completion_tokens"), "max_tokens"),
    "langchain_openai.chat_models.ChatOpenAI": (
        "openai",
        ("max_tokens", "max_completion_tokens"),
        "max_tokens",
    ),
    "langchain_community.chat_models.ChatOpenAI": ("openai", ("max_tokens",), "max_tokens"),
    "langchain.chat_models.ChatOpenAI": ("openai", ("max_tokens",), "max_tokens"),
    "langchain_anthropic.ChatAnthropic": ("anthropic", ("max_tokens", "max_tokens_to_sample"), "max_tokens"),
    "langchain_anthropic.chat_models.ChatAnthropic": (
        "anthropic",
        ("max_tokens", "max_tokens_to_sample"),
        "max_tokens",
    ),
    "langchain_community.chat_models.ChatAnthropic": (
        "anthropic",
        ("max_tokens", "max_tokens_to_sample"),
        "max_tokens",
    ),
    "langchain.chat_models.ChatAnthropic": (
        "anthropic",
        ("max_tokens", "max_tokens_to_sample"),
        "max_tokens",
    ),
    "langchain_google_genai.ChatGoogleGenerativeAI": (
        "google",
        ("max_output_tokens", "max_tokens"),
        "max_output_tokens",
    ),
}


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Qualified) and origin.name in _CONSTRUCTORS):
        return None
    provider, params, fix_parameter = _CONSTRUCTORS[origin.name]
    model, model_node = request.literal("model")
    if model is None:
        model, model_node = request.literal("model_name")
    # ``model_kwargs`` is passed through to the API call, so a cap may hide there.
    limit = keyword_limit(request, params, fix_parameter, ("model_kwargs",))
    if limit.status is LimitStatus.MISSING and _capped_later(request, params):
        limit = OutputLimit(LimitStatus.UNKNOWN, parameter=fix_parameter)
    endpoint = origin.name.rsplit(".", 1)[1]
    return make_call(request, "langchain", endpoint, model, model_node, (), False, limit)


def _may_cap(call: cst.Call, params: Sequence[str]) -> bool:
    """``.bind(max_tokens=…)``, ``.bind(**settings)``, ``.configurable_fields(max_tokens=…)``."""
    return any(
        arg.star == "**" or (arg.keyword is not None and arg.keyword.value in params) for arg in call.args
    )


def _capped_later(request: Request, params: Sequence[str]) -> bool:
    """Whether the model built here is given a cap after construction: ``ChatOpenAI(...).bind(max_tokens=…)``,
    or ``llm = ChatOpenAI(...)`` then ``llm.bind(max_tokens=…)`` in the same scope."""
    receiver = request.site.receiver_of
    if receiver is not None and isinstance(receiver.func, cst.Attribute):
        if receiver.func.attr.value in ("bind", "configurable_fields") and _may_cap(receiver, params):
            return True
    scope = request.site.scope
    for name, bindings in scope.bindings.items():
        if not any(binding.value is request.node for binding in bindings):
            continue
        for mutation in scope.mutations.get(name, []):
            if mutation.method == "bind" and isinstance(mutation.node, cst.Call):
                if _may_cap(mutation.node, params):
                    return True
    return False
