"""Google: ``google.genai`` ``Client().models`` / ``client.aio.models``, and the legacy
``google.generativeai.GenerativeModel``."""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from promptlint.extract.adapters.common import Request, make_call
from promptlint.extract.arguments import collect_arguments, dict_keys
from promptlint.extract.messages import text_parts
from promptlint.extract.provenance import Instance, Qualified, qualify
from promptlint.extract.request_facts import cap_value, with_config
from promptlint.extract.scopes import Scope
from promptlint.extract.text import TextResolver
from promptlint.ir import LimitStatus, LLMCall, OutputLimit, PromptPart

_GENERATE = {"generate_content", "generate_content_stream"}
_LEGACY_GENERATE = {"generate_content", "generate_content_async"}
# ``GenerativeModel(...)`` handles: google.generativeai's, and Vertex AI's (the same constructor and calls).
_MODEL_HANDLES = ("google-legacy", "google-vertex")


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not isinstance(origin, Instance):
        return None
    if origin.family == "google" and len(origin.path) >= 2 and origin.path[-1] in _GENERATE:
        if origin.path[:-1] not in (("models",), ("aio", "models")):
            return None
        return _generate(request, origin, is_async=origin.path[0] == "aio")
    if origin.family in _MODEL_HANDLES and origin.path and origin.path[-1] in _LEGACY_GENERATE:
        if len(origin.path) != 1:
            return None
        return _legacy(request, origin)
    return None


def _generate(request: Request, origin: Instance, is_async: bool) -> LLMCall:
    model, model_node = request.literal("model")
    parts: List[PromptPart] = []
    config = request.args.get("config")
    config_fields = (
        _fields(config, request.scope_of("config"), request.resolver) if config is not None else {}
    )
    complete = True
    if config_fields is None:
        complete = False
    elif "system_instruction" in config_fields:
        value, scope = config_fields["system_instruction"]
        parts.append(text_parts("system", value, scope, request.resolver))
    contents = request.args.get("contents")
    if contents is not None:
        contents_parts, contents_complete = _contents(
            contents, request.scope_of("contents"), request.resolver
        )
        parts.extend(contents_parts)
        complete = complete and contents_complete
    limit = _config_limit(request, config, config_fields)
    endpoint = ".".join(origin.path)
    call = make_call(request, "google", endpoint, model, model_node, parts, complete, limit, is_async)
    return with_config(request, call, config_fields)


def _legacy(request: Request, origin: Instance) -> LLMCall:
    """``GenerativeModel("gemini-…", system_instruction=…, generation_config=…).generate_content(…)``, from
    ``google.generativeai`` or ``vertexai.generative_models``."""
    model: Optional[str] = None
    model_node = None
    parts: List[PromptPart] = []
    constructor_config = None
    constructor_config_fields: Optional[dict] = {}
    if (
        origin.constructor is not None
        and origin.constructor_scope is not None
        # A handle built in another module (a base class's ``__init__``): its prompt parts would point
        # there, so its settings count as unknown, like those of a handle handed in.
        and request.resolver.for_scope(origin.constructor_scope) is request.resolver
    ):
        scope = origin.constructor_scope
        ctor = collect_arguments(origin.constructor.args, scope, request.resolver)
        model_expr = ctor.param("model_name", 0)
        if model_expr is not None:
            model = request.resolver.literal(model_expr, scope)
            model_node = model_expr
        if model is not None and model.startswith("models/"):
            model = model[len("models/") :]
        system = ctor.get("system_instruction")
        if system is not None:
            parts.append(text_parts("system", system, scope, request.resolver))
        constructor_config = ctor.get("generation_config")
        if constructor_config is not None:
            constructor_config_fields = _fields(constructor_config, scope, request.resolver)
        if ctor.unresolved_splat:
            constructor_config_fields = None
    else:
        constructor_config_fields = None  # a model handed in from elsewhere: its settings are unknown
    contents = request.args.param("contents", 0)
    complete = True
    if contents is not None:
        contents_parts, complete = _contents(contents, request.scope_of("contents"), request.resolver)
        parts.extend(contents_parts)
    config = request.args.get("generation_config")
    fields = (
        _fields(config, request.scope_of("generation_config"), request.resolver) if config is not None else {}
    )
    if constructor_config_fields is None or (
        constructor_config_fields and "max_output_tokens" in constructor_config_fields
    ):
        limit = (
            OutputLimit(LimitStatus.UNKNOWN, parameter="max_output_tokens")
            if constructor_config_fields is None
            else OutputLimit(LimitStatus.PRESENT, parameter="max_output_tokens")
        )
    else:
        limit = _config_limit(request, config, fields, config_keyword="generation_config")
        if limit.status is LimitStatus.MISSING:
            limit = OutputLimit(LimitStatus.MISSING, parameter="max_output_tokens")  # fix: no safe spot
    call = make_call(
        request,
        "google",
        "GenerativeModel." + origin.path[-1],
        model,
        model_node,
        parts,
        complete,
        limit,
        origin.path[-1].endswith("async"),
    )
    return with_config(request, call, constructor_config_fields, fields)


def _fields(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[dict]:
    """The fields of a config given as a dict or as ``GenerateContentConfig(...)``-style keywords."""
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None:
            return None
        owner = binding.scope
        mutations = owner.mutations.get(expr.value, [])
        if mutations and all(m.method == "setattr" for m in mutations):
            # ``config = GenerateContentConfig(...)`` then ``config.max_output_tokens = n``.
            fields = _fields(binding.value, binding.scope, resolver)
            if fields is None:
                return None
            for mutation in mutations:
                if isinstance(mutation.key, cst.Name) and mutation.value is not None:
                    fields[mutation.key.value] = (mutation.value, owner)
                else:
                    return None
            return fields
        if mutations:
            return dict_keys(expr, scope, resolver)
        return _fields(binding.value, binding.scope, resolver)
    if isinstance(expr, cst.Call) and not (isinstance(expr.func, cst.Name) and expr.func.value == "dict"):
        if not _is_config_class(expr.func, scope):
            return None  # ``self._config(temperature=0)``: a helper may add anything to what it builds
        arguments = collect_arguments(expr.args, scope, resolver)
        if arguments.unresolved_splat or arguments.positional or arguments.unresolved_star:
            return None
        return {name: (value, arguments.scopes[name]) for name, value in arguments.keywords.items()}
    return dict_keys(expr, scope, resolver)


def _is_config_class(func: cst.BaseExpression, scope: Scope) -> bool:
    """``types.GenerateContentConfig``, ``genai.GenerationConfig`` and the like, traced to a google import."""
    origin = qualify(func, scope)
    return (
        isinstance(origin, Qualified)
        and origin.name.startswith(("google.genai.", "google.generativeai.", "vertexai."))
        and origin.name.endswith("Config")
    )


def _config_limit(
    request: Request,
    config: Optional[cst.BaseExpression],
    fields: Optional[dict],
    config_keyword: str = "config",
) -> OutputLimit:
    if config is None:
        if request.args.unresolved_splat:
            return OutputLimit(LimitStatus.UNKNOWN, parameter="max_output_tokens")
        return OutputLimit(LimitStatus.MISSING, parameter="max_output_tokens", fix_target="config-new")
    if fields is None:
        return OutputLimit(LimitStatus.UNKNOWN, parameter="max_output_tokens")
    if "max_output_tokens" in fields:
        expr, expr_scope = fields["max_output_tokens"]
        value = cap_value(expr, expr_scope, request.resolver)
        return OutputLimit(LimitStatus.PRESENT, value, "max_output_tokens", node=expr)
    return OutputLimit(LimitStatus.MISSING, parameter="max_output_tokens")


def _contents(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver
) -> Tuple[List[PromptPart], bool]:
    """``contents="…"`` or a list of strings; typed ``Content`` objects are opaque."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        parts: List[PromptPart] = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                return parts, False
            value = element.value
            if isinstance(value, (cst.Dict, cst.Call)):
                return parts, False
            parts.append(text_parts("user", value, scope, resolver))
        return parts, True
    return [text_parts("user", expr, scope, resolver)], True
