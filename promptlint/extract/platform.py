"""Where a request is served: the provider's own API, or a platform with its own models and schedules.

Azure OpenAI takes deployment names for ``model``; Bedrock and Vertex AI keep their own retirement dates;
a ``base_url`` may point at any OpenAI-compatible server. Rules that depend on what a model id means on the
provider's own API (retirements, parameter support) stay silent elsewhere.
"""

from __future__ import annotations

from typing import Any, Optional

import libcst as cst

from promptlint.extract.arguments import collect_arguments
from promptlint.extract.literals import UNKNOWN, literal_value
from promptlint.extract.provenance import BEDROCK_RUNTIME, Instance, Qualified
from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver

_CLASS_PLATFORMS = {
    "openai.AzureOpenAI": "azure",
    "openai.AsyncAzureOpenAI": "azure",
    "anthropic.AnthropicBedrock": "bedrock",
    "anthropic.AsyncAnthropicBedrock": "bedrock",
    "anthropic.AnthropicVertex": "vertex",
    "anthropic.AsyncAnthropicVertex": "vertex",
    "vertexai.generative_models.GenerativeModel": "vertex",
    "vertexai.preview.generative_models.GenerativeModel": "vertex",
    BEDROCK_RUNTIME: "bedrock",
}
# Constructor keywords that send requests somewhere other than the provider's own endpoint.
_ENDPOINT_KEYWORDS = frozenset(
    {"base_url", "api_base", "openai_api_base", "anthropic_api_url", "azure_endpoint"}
)
_LANGCHAIN_AZURE = frozenset({"langchain_openai.AzureChatOpenAI"})
# LiteLLM's provider prefixes that mean the provider's own API.
_FIRST_PARTY = frozenset({"openai", "anthropic", "gemini", "deepseek"})
_LITELLM_PLATFORMS = {
    "azure": "azure",
    "azure_ai": "azure",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "vertex_ai": "vertex",
    "vertex_ai_beta": "vertex",
}
# Module attributes of ``openai`` (pre-1.0 and the 1.x module client) that reroute requests.
_OPENAI_MODULE_SETTINGS = {
    "api_type": "azure",
    "api_base": "custom",
    "base_url": "custom",
    "azure_endpoint": "azure",
}


def platform_of(request: Any, provider: str, model: Optional[str]) -> str:
    """``""`` (the provider's own API as far as the code shows), "azure", "bedrock", "vertex", "custom"
    (an endpoint that may be anything) or "unknown" (settings the code hides)."""
    origin = request.origin
    args = request.args
    if isinstance(origin, Instance):
        if origin.cls in _CLASS_PLATFORMS:
            return _CLASS_PLATFORMS[origin.cls]
        if origin.constructor is None or origin.constructor_scope is None:
            return ""
        ctor = collect_arguments(
            tuple(origin.constructor.args),
            origin.constructor_scope,
            request.resolver.for_scope(origin.constructor_scope),
        )
        if ctor.unresolved_splat:
            return "unknown"
        if _ENDPOINT_KEYWORDS & set(ctor.keywords):
            return "custom"
        if "http_options" in ctor.keywords:
            rerouted = _sets_base_url(
                ctor.keywords["http_options"], ctor.scopes["http_options"], request.resolver
            )
            if rerouted is not False:
                return "custom" if rerouted else "unknown"
        if "vertexai" in ctor.keywords:
            value = literal_value(ctor.keywords["vertexai"], ctor.scopes["vertexai"], request.resolver)
            if value is False or value is None:
                return ""
            return "vertex" if value is True else "unknown"
        return ""
    if not isinstance(origin, Qualified):
        return ""
    if args.unresolved_splat:
        return "unknown"
    if provider == "litellm":
        if {"api_base", "base_url", "custom_llm_provider"} & set(args.keywords):
            return "custom"
        if model is not None and "/" in model:
            prefix = model.split("/", 1)[0]
            if prefix in _FIRST_PARTY:
                return ""
            return _LITELLM_PLATFORMS.get(prefix, "custom")
        return ""
    if provider == "langchain":
        if origin.name in _LANGCHAIN_AZURE:
            return "azure"
        if _ENDPOINT_KEYWORDS & set(args.keywords):
            return "custom"
        return ""
    if provider == "openai":
        if "engine" in args.keywords or "deployment_id" in args.keywords:
            return "azure"  # openai<1.0 addressed Azure deployments by ``engine``
        return _openai_module_settings(request.scope, request.resolver)
    return ""


def _openai_module_settings(scope: Scope, resolver: TextResolver) -> str:
    """``openai.api_type = "azure"`` / ``openai.base_url = …`` anywhere in the module reroutes the module
    client."""
    module = scope
    while module.parent is not None:
        module = module.parent
    for mutation in module.mutations.get("openai", []):
        if mutation.method == "setattr" and isinstance(mutation.key, cst.Name):
            found = _OPENAI_MODULE_SETTINGS.get(mutation.key.value)
            if found is not None:
                if mutation.key.value == "api_type":
                    value = literal_value(mutation.value, module, resolver) if mutation.value else UNKNOWN
                    if isinstance(value, str) and value.lower() in ("open_ai", "openai"):
                        continue
                return found
    return ""


def _sets_base_url(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[bool]:
    """Whether google-genai ``http_options`` (a dict or ``HttpOptions(...)``) sets ``base_url``; None when
    its keys cannot be known."""
    if isinstance(expr, cst.Call) and all(arg.keyword is not None and not arg.star for arg in expr.args):
        return any(arg.keyword is not None and arg.keyword.value == "base_url" for arg in expr.args)
    value = literal_value(expr, scope, resolver)
    if isinstance(value, dict):
        return "base_url" in value
    return None
