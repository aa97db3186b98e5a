"""What every SDK adapter shares: the request being recognised and how output caps are read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence, Tuple

import libcst as cst

from promptlint.extract.arguments import Arguments, dict_keys
from promptlint.extract.context import ModuleContext
from promptlint.extract.messages import tool_definitions
from promptlint.extract.model_choices import model_choices
from promptlint.extract.provenance import Origin
from promptlint.extract.request_facts import cap_value, request_facts
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.text import TextResolver
from promptlint.ir import LimitStatus, LLMCall, ModelCandidate, OutputLimit, PromptPart


@dataclass
class Request:
    """A call whose callee has been traced, with its arguments collected."""

    origin: Origin
    site: CallSite
    node: cst.Call
    args: Arguments
    context: ModuleContext
    # The callee as traced: ``client.models.generate_content`` in ``asyncio.to_thread(client.models…, …)``.
    func: Optional[cst.BaseExpression] = None

    @property
    def resolver(self) -> TextResolver:
        return self.context.resolver

    @property
    def scope(self) -> Scope:
        return self.site.scope

    def scope_of(self, name: str) -> Scope:
        return self.args.scopes.get(name, self.site.scope)

    def literal(self, name: str, index: Optional[int] = None) -> Tuple[Optional[str], Optional[cst.CSTNode]]:
        expr = self.args.param(name, index)
        if expr is None:
            return None, None
        scope = self.args.scopes.get(name, self.site.scope)
        return self.resolver.literal(expr, scope), expr


def keyword_limit(
    request: Request, params: Sequence[str], fix_parameter: str, opaque: Sequence[str] = ()
) -> OutputLimit:
    """A cap passed as a keyword of the call (or through a resolvable ``**mapping``).

    ``opaque`` names keywords that may smuggle the cap in (``extra_body``, ``model_kwargs``): when present
    and not a mapping with known keys, the cap is unknown.
    """
    for name in params:
        if name in request.args.keywords:
            expr = request.args.keywords[name]
            value = cap_value(expr, request.scope_of(name), request.resolver)
            return OutputLimit(LimitStatus.PRESENT, value, name, node=expr)
    if request.args.unresolved_splat:
        return OutputLimit(LimitStatus.UNKNOWN, parameter=fix_parameter)
    for name in opaque:
        value = request.args.keywords.get(name)
        if value is None:
            continue
        keys = dict_keys(value, request.scope_of(name), request.resolver)
        if keys is None:
            return OutputLimit(LimitStatus.UNKNOWN, parameter=fix_parameter)
        for param in params:
            if param in keys:
                expr, expr_scope = keys[param]
                value = cap_value(expr, expr_scope, request.resolver)
                return OutputLimit(LimitStatus.PRESENT, value, param, node=expr)
    return OutputLimit(LimitStatus.MISSING, parameter=fix_parameter, fix_target="call")


def make_call(
    request: Request,
    provider: str,
    endpoint: str,
    model: Optional[str],
    model_node: Optional[cst.CSTNode],
    prompt: Sequence[PromptPart],
    prompt_complete: bool,
    output_limit: OutputLimit,
    is_async: bool = False,
) -> LLMCall:
    return LLMCall(
        provider=provider,
        endpoint=endpoint,
        callee=_one_line(cst.Module([]).code_for_node(request.func or request.node.func)),
        model=model,
        keywords=tuple(sorted(request.args.keywords)),
        has_unresolved_splat=request.args.unresolved_splat,
        prompt=tuple(prompt),
        prompt_complete=prompt_complete,
        output_limit=output_limit,
        is_async=is_async or request.site.awaited,
        in_loop=request.site.in_loop,
        node=request.node,
        model_node=model_node,
        **_where_it_runs(request, provider, endpoint),
        **request_facts(request, provider, model),
        **_model_candidates(request, model, model_node),
    )


def _model_candidates(request: Request, model: Optional[str], model_node: Optional[cst.CSTNode]) -> dict:
    """The literal models the call chooses between, when it chooses between several known ones."""
    if model is not None or not isinstance(model_node, cst.BaseExpression):
        return {}
    scope = next(
        (request.scope_of(name) for name, value in request.args.keywords.items() if value is model_node),
        request.site.scope,
    )
    choices = model_choices(model_node, scope, request.resolver)
    if choices is None or len({value for value, _ in choices}) < 2:
        return {}
    return {"model_candidates": tuple(ModelCandidate(value, node) for value, node in choices)}


def _where_it_runs(request: Request, provider: str, endpoint: str) -> dict:
    """The call's loops, whether it streams, and whether it serves a person interactively (see ``LLMCall``)."""
    from promptlint.extract.kept_history import kept_history
    from promptlint.extract.loops import loop_facts

    site = request.site
    facts: dict = {}
    history = request.args.get("messages") or request.args.get("contents") or request.args.get("input")
    if history is None and provider == "litellm":
        history = request.args.param("messages", 1)
    if site.loops:
        facts["loops"] = loop_facts(site.loops, request.node, site.scope, history)
    if history is not None and not any(loop.history for loop in facts.get("loops", ())):
        kept = kept_history(history, site.scope, request.node)
        if kept is not None:
            facts["kept_history"] = kept
    function = site.scope.enclosing_function()
    node = function.node if function is not None else None
    facts["in_async_function"] = isinstance(node, cst.FunctionDef) and node.asynchronous is not None
    stream = request.args.get("stream")
    facts["streams"] = "stream" in endpoint.rsplit(".", 1)[-1] or (
        stream is not None and not (isinstance(stream, cst.Name) and stream.value in ("False", "None"))
    )
    kind, evidence = request.context.runs_in.of(site.scope)
    facts["runs_in"] = kind
    facts["runs_in_evidence"] = evidence
    return facts


def with_tools(request: Request, call: LLMCall) -> LLMCall:
    """The call with its ``tools=`` definitions, when it passes any."""
    tools = request.args.get("tools")
    if tools is None:
        return call
    return replace(call, tools=tool_definitions(tools, request.scope_of("tools"), request.resolver))


def _one_line(code: str) -> str:
    return " ".join(code.split())


def chat_completion(
    request: Request,
    provider: str,
    endpoint: str,
    caps: Sequence[str],
    fix_parameter: str,
    is_async: bool,
) -> LLMCall:
    """A Chat-Completions-shaped request (``model=``, ``messages=[{"role", "content"}]``, a cap keyword):
    Groq, Together, Mistral and Cohere v2 all take this shape under their own names."""
    from promptlint.extract.messages import message_list

    model, model_node = request.literal("model")
    messages = request.args.get("messages")
    parts: Sequence[PromptPart] = []
    complete = False
    if messages is not None:
        parts, complete = message_list(messages, request.scope_of("messages"), request.resolver)
    limit = keyword_limit(request, caps, fix_parameter, ("extra_body",))
    call = make_call(request, provider, endpoint, model, model_node, parts, complete, limit, is_async)
    return with_tools(request, call)
