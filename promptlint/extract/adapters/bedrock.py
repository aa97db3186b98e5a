"""Amazon Bedrock through boto3: a ``bedrock-runtime`` client's Converse API (``converse``,
``converse_stream``), whose cap is ``inferenceConfig={"maxTokens": N}``, and ``invoke_model`` with an
Anthropic Messages body (``json.dumps({"anthropic_version": ..., "max_tokens": N, ...})``).

Without ``maxTokens`` the answer may run to the model's maximum: "The default value is the maximum allowed
value for the model that you are using" (Bedrock API reference, ``InferenceConfiguration``, read 2026-12).

Only a client built with the literal service name ``"bedrock-runtime"`` is one (see ``provenance``): a Cost
Explorer or S3 client calling a method of the same name is not an LLM request.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from promptlint.extract.adapters.common import Request, make_call
from promptlint.extract.arguments import dict_keys
from promptlint.extract.messages import message_list, text_parts
from promptlint.extract.provenance import Instance, Qualified, qualify
from promptlint.extract.request_facts import cap_value
from promptlint.extract.scopes import Scope
from promptlint.ir import FixTarget, LimitStatus, LLMCall, OutputLimit, PromptPart

_CONVERSE = {"converse", "converse_stream"}
_INVOKE = {"invoke_model", "invoke_model_with_response_stream"}
_CONFIG = "inferenceConfig"
_CAP = "maxTokens"
# Model-specific fields Converse passes through: a ``max_tokens`` there reaches the model too.
_PASSTHROUGH = "additionalModelRequestFields"

Fields = Dict[str, Tuple[cst.BaseExpression, Scope]]


def recognise(request: Request) -> Optional[LLMCall]:
    origin = request.origin
    if not (isinstance(origin, Instance) and origin.family == "bedrock" and len(origin.path) == 1):
        return None
    method = origin.path[0]
    if method in _CONVERSE:
        return _converse(request, method)
    if method in _INVOKE:
        return _invoke_anthropic(request, method)
    return None


def _converse(request: Request, method: str) -> LLMCall:
    model, model_node = request.literal("modelId")
    parts: List[PromptPart] = []
    complete = True
    system = request.args.get("system")
    if system is not None:
        parts.append(text_parts("system", system, request.scope_of("system"), request.resolver))
    messages = request.args.get("messages")
    if messages is not None:
        listed, complete = message_list(messages, request.scope_of("messages"), request.resolver)
        parts.extend(listed)
    else:
        complete = False
    limit = _converse_limit(request)
    return make_call(request, "bedrock", method, model, model_node, parts, complete, limit)


def _converse_limit(request: Request) -> OutputLimit:
    passthrough = request.args.get(_PASSTHROUGH)
    if passthrough is not None:
        keys = dict_keys(passthrough, request.scope_of(_PASSTHROUGH), request.resolver)
        if keys is None or "max_tokens" in keys:
            return OutputLimit(LimitStatus.UNKNOWN, parameter=_CAP, container=_CONFIG)
    config = request.args.get(_CONFIG)
    if config is None:
        if request.args.unresolved_splat:
            return OutputLimit(LimitStatus.UNKNOWN, parameter=_CAP, container=_CONFIG)
        return OutputLimit(
            LimitStatus.MISSING, parameter=_CAP, fix_target=FixTarget.CONFIG_NEW, container=_CONFIG
        )
    fields = dict_keys(config, request.scope_of(_CONFIG), request.resolver)
    if fields is None:
        return OutputLimit(LimitStatus.UNKNOWN, parameter=_CAP, container=_CONFIG)
    if _CAP in fields:
        expr, scope = fields[_CAP]
        return OutputLimit(
            LimitStatus.PRESENT, cap_value(expr, scope, request.resolver), _CAP, node=expr, container=_CONFIG
        )
    if isinstance(config, cst.Dict) and all(isinstance(e, cst.DictElement) for e in config.elements):
        # A dict written in the call: the key goes in it. A dict bound elsewhere may be shared: no fix.
        return OutputLimit(
            LimitStatus.MISSING,
            parameter=_CAP,
            fix_target=FixTarget.DICT_KEY,
            container=_CONFIG,
            container_node=config,
        )
    return OutputLimit(LimitStatus.MISSING, parameter=_CAP, container=_CONFIG)


def _invoke_anthropic(request: Request, method: str) -> Optional[LLMCall]:
    """``invoke_model`` whose body is an Anthropic Messages request; other bodies are not recognised."""
    model, model_node = request.literal("modelId")
    body = _json_body(request)
    if body is None:
        return None
    anthropic = "anthropic_version" in body or (model is not None and "anthropic." in model)
    if not anthropic or "messages" not in body:
        return None
    parts: List[PromptPart] = []
    if "system" in body:
        expr, scope = body["system"]
        parts.append(text_parts("system", expr, scope, request.resolver))
    expr, scope = body["messages"]
    listed, complete = message_list(expr, scope, request.resolver)
    parts.extend(listed)
    # The Messages API requires ``max_tokens`` on Bedrock too: leaving it out is an error, not a cost.
    cap = body.get("max_tokens")
    value = cap_value(cap[0], cap[1], request.resolver) if cap is not None else None
    limit = OutputLimit(LimitStatus.NOT_APPLICABLE, value, "max_tokens", node=cap[0] if cap else None)
    return make_call(request, "anthropic", method, model, model_node, parts, complete, limit)


def _json_body(request: Request) -> Optional[Fields]:
    """The keys of ``body=json.dumps({...})`` (the dict written in the call or bound once to a name)."""
    expr = request.args.get("body")
    scope = request.scope_of("body")
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None or binding.value is None:
            return None
        expr, scope = binding.value, binding.scope
    if not (
        isinstance(expr, cst.Call) and expr.args and expr.args[0].keyword is None and not expr.args[0].star
    ):
        return None
    origin = qualify(expr.func, scope)
    if not (isinstance(origin, Qualified) and origin.name == "json.dumps"):
        return None
    return dict_keys(expr.args[0].value, scope, request.resolver)
