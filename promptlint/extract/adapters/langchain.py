"""LangChain chat-model constructors: the request settings (model, output cap) are fixed there."""

from __future__ import annotations

from typing import Optional

from promptlint.extract.adapters.common import Request, keyword_limit, make_call
from promptlint.extract.provenance import Qualified
from promptlint.ir import LLMCall

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
    endpoint = origin.name.rsplit(".", 1)[1]
    return make_call(request, "langchain", endpoint, model, model_node, (), False, limit)
