"""LangChain chains: ``(prompt | llm | parser).invoke({...})``, where ``prompt`` is a chat or string prompt
template and ``llm`` a LangChain chat model built in the module.

The call that runs the chain (``invoke``, ``ainvoke``, ``stream``, ``astream``) is the request: its prompt is
the template's messages, each ``{var}`` placeholder bound to the value the call passes for it (a literal
dict), and its model and platform are the chat model's. Its output cap is left unknown on purpose: the cap is
read, and reported, once, where the chat model is built.

A chat model built in the module and invoked itself (``llm.invoke(messages)``) is a request too: its prompt
is the list of message objects, ``(role, text)`` tuples or dicts it is given (a local list: what the code
appends comes after, and a loop that grows it re-sends it), a formatted template
(``prompt.format_messages(...)``), or a text (one human message).

Not a request here (precision over recall): a template never run through a known chat model, a chat model
from another module or a parameter, a template in jinja2 or mustache syntax or with partial variables, a
pipeline that does not start with the template (``{"context": retriever} | prompt | llm``), ``batch``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from promptlint.extract.class_values import attribute_candidates
from promptlint.extract.langchain_templates import template_text
from promptlint.extract.project import Found
from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.text import TextResolver
from promptlint.extract.tree import attribute_chain, one_line
from promptlint.ir import (
    Dynamic,
    LimitStatus,
    LLMCall,
    OutputLimit,
    PromptPart,
    PromptText,
    Related,
    Volatility,
)

_MAX_DEPTH = 6
_RUN = {"invoke": False, "ainvoke": True, "stream": False, "astream": True}
# Calls on a chat model that leave the request's prompt alone.
_MODEL_ADAPTERS = {
    "bind",
    "with_structured_output",
    "with_retry",
    "with_config",
    "with_fallbacks",
    "bind_tools",
}
_PROMPTS = (
    "langchain_core.prompts",
    "langchain_core.prompts.chat",
    "langchain.prompts",
    "langchain.prompts.chat",
)
_CHAT_TEMPLATES = {f"{package}.ChatPromptTemplate" for package in _PROMPTS}
_MESSAGE_TEMPLATES = {
    f"{package}.{name}": role
    for package in _PROMPTS
    for name, role in (
        ("SystemMessagePromptTemplate", "system"),
        ("HumanMessagePromptTemplate", "user"),
        ("AIMessagePromptTemplate", "assistant"),
    )
}
_PLACEHOLDERS = {f"{package}.MessagesPlaceholder" for package in _PROMPTS}
_MESSAGES = {
    f"{package}.{name}": role
    for package in ("langchain_core.messages", "langchain.schema", "langchain.schema.messages")
    for name, role in (("SystemMessage", "system"), ("HumanMessage", "user"), ("AIMessage", "assistant"))
}
_ROLES = {"system": "system", "human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}
# The provider each chat model's requests go to (its endpoint is the constructor's name).
_PROVIDERS = {"ChatOpenAI": "openai", "AzureChatOpenAI": "openai", "ChatAnthropic": "anthropic"}
_PROVIDERS["ChatGoogleGenerativeAI"] = "google"


@dataclass(frozen=True)
class _Message:
    """One message of a template: a ``str.format`` template, a fixed text (a message object), or a
    ``MessagesPlaceholder``."""

    role: str
    node: cst.CSTNode
    scope: Scope
    template: Optional[str] = None
    text: Optional[cst.BaseExpression] = None
    placeholder: str = ""
    optional: bool = False
    resolver: Optional[TextResolver] = None  # the resolver of the module the template is built in


ModelCall = Callable[[cst.Call], Optional[LLMCall]]


def chain_candidate(site: CallSite) -> bool:
    """Whether ``site`` may run a chain: a cheap test on its callee's name."""
    func = site.node.func
    return isinstance(func, cst.Attribute) and func.attr.value in _RUN


def chain_request(site: CallSite, resolver: TextResolver, model_call: ModelCall) -> Optional[LLMCall]:
    """The request ``site`` sends when it runs a chain that starts with a known prompt template piped into
    a chat model built in the module (``model_call`` gives the recognised constructor); None otherwise."""
    func = site.node.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _RUN:
        return None
    stages = _stages(func.value, site.scope, 0)
    if stages is None:
        return None
    method = func.attr.value
    if len(stages) == 1:  # ``llm.invoke(messages)``: the chat model itself
        model = _model(stages[0][0], stages[0][1], model_call)
        if model is None:
            return None
        found = _input(_first_argument(site.node), site.scope, resolver, site)
        return _request(site, model, method, tuple(found[0]), found[1], None) if found is not None else None
    template = _template(stages[0][0], stages[0][1], resolver)
    model = _model(stages[1][0], stages[1][1], model_call)
    if template is None or model is None:
        return None
    bound = _bindings(site.node, site.scope, resolver)
    if bound is None:
        return None
    rendered = _rendered(template, stages[0][0], bound, site.node, site.scope, resolver)
    if rendered is None:
        return None
    return _request(site, model, method, tuple(rendered[0]), rendered[1], template[1])


Rendered = Tuple[List[PromptPart], Optional[cst.BaseExpression]]  # the parts, and the history sent in them


def _rendered(
    template: Tuple[List[_Message], Optional[Related]],
    named_as: cst.BaseExpression,
    bound: Tuple[Dict[str, cst.BaseExpression], bool],
    anchor: cst.Call,
    scope: Scope,
    resolver: TextResolver,
) -> Optional[Rendered]:
    """The template's messages with the values ``bound`` (by variable name, and whether others may be
    passed unseen) filled in, and the list a ``MessagesPlaceholder`` is given; None when one is missing."""
    messages, imported = template
    named, has_splat = bound
    parts: List[PromptPart] = []
    history: Optional[cst.BaseExpression] = None
    for message in messages:
        if message.placeholder:
            value = named.get(message.placeholder)
            if value is None:
                if message.optional:
                    continue
                if not has_splat:
                    return None
                parts.append(_unknown(anchor, Volatility.UNKNOWN, "{" + message.placeholder + "}"))
                continue
            history = value if history is None else history
            parts.append(_unknown(value, resolver.volatility(value, scope), one_line(value)))
            continue
        if message.template is not None:
            text = resolver.format_fields(message.template, (), named, has_splat, anchor, scope)
        else:
            assert message.text is not None and message.resolver is not None
            text = message.resolver.resolve(message.text, message.scope)
        if text is None:
            return None
        # A template of another module is reported where this module names it.
        parts.append(PromptPart(message.role, text, named_as if imported is not None else message.node))
    return parts, history


def _first_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return _keyword(call.args, "input")


def _input(
    expr: Optional[cst.BaseExpression], scope: Scope, resolver: TextResolver, site: CallSite, depth: int = 0
) -> Optional[Rendered]:
    """The messages a chat model is invoked with: a literal list of message objects, ``(role, text)``
    tuples or dicts, a local list of them (what the code appends to it comes after), a formatted template
    (``prompt.format_messages(...)``, ``prompt.invoke({...})``), or a text (one human message)."""
    if expr is None or depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        method = expr.func.attr.value
        if method in ("format_messages", "format_prompt", "invoke"):
            template = _template(expr.func.value, scope, resolver)
            if template is None:
                return None
            if method == "invoke":
                bound = _bindings(expr, scope, resolver)
            elif any(arg.keyword is None and arg.star != "**" for arg in expr.args):
                return None
            else:
                named = {a.keyword.value: a.value for a in expr.args if a.keyword is not None}
                bound = named, any(arg.star == "**" for arg in expr.args)
            if bound is None:
                return None
            return _rendered(template, expr.func.value, bound, expr, scope, resolver)
    if isinstance(expr, (cst.List, cst.Tuple)):
        parts: List[PromptPart] = []
        history: Optional[cst.BaseExpression] = None
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                history = element.value if history is None else history
                volatility = resolver.volatility(element.value, scope)
                parts.append(_unknown(element, volatility, one_line(element.value)))
                continue
            part = _input_message(element.value, scope, resolver)
            if part is None:
                return None
            parts.append(part)
        return parts, history
    if isinstance(expr, cst.Name):
        bindings = scope.lookup(expr.value)[1]
        if len(bindings) == 1 and bindings[0].kind == "param":
            return [_unknown(expr, Volatility.PER_REQUEST, expr.value)], expr
        binding = scope.assigned_once(expr.value)
        if binding is None or binding.value is None:
            return None
        if isinstance(binding.value, (cst.List, cst.Tuple)):
            found = _input(binding.value, binding.scope, resolver, site, depth + 1)
            if found is None:
                return None
            parts = list(found[0])
            for mutation in binding.scope.mutations.get(expr.value, []):
                if mutation.method in ("append", "extend"):
                    parts.append(_unknown(mutation.node, Volatility.PER_REQUEST, "…"))
                elif mutation.method != "escape":
                    return None
            return parts, expr
    text = resolver.resolve(expr, scope)
    return [PromptPart("user", text, expr)], None


def _input_message(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[PromptPart]:
    """One message of a list a chat model is invoked with (its text is not a template)."""
    if isinstance(expr, cst.Tuple) and len(expr.elements) == 2:
        role = resolver.literal(expr.elements[0].value, scope)
        if role not in _ROLES:
            return None
        return PromptPart(_ROLES[role], resolver.resolve(expr.elements[1].value, scope), expr)
    if isinstance(expr, cst.Call) and not any(arg.star for arg in expr.args):
        name = _qualified(expr.func, scope) or ""
        content = _argument(expr.args, "content") if name in _MESSAGES else None
        if content is None:
            return None
        return PromptPart(_MESSAGES[name], resolver.resolve(content, scope), expr)
    if isinstance(expr, cst.Dict):
        from promptlint.extract.messages import one_message

        return one_message(expr, scope, resolver)
    return None


def _unknown(node: cst.CSTNode, volatility: Volatility, source: str) -> PromptPart:
    return PromptPart("unknown", PromptText((Dynamic(source, volatility, node),)), node)


def _request(
    site: CallSite,
    model: LLMCall,
    method: str,
    parts: Tuple[PromptPart, ...],
    history: Optional[cst.BaseExpression],
    template: Optional[Related],
) -> LLMCall:
    from promptlint.extract.loops import loop_facts

    loops = loop_facts(site.loops, site.node, site.scope, history) if site.loops else ()
    related = Related(f"sent to the chat model `{model.endpoint}()`", model.node)
    return replace(
        model,
        provider=_PROVIDERS.get(model.endpoint, model.provider),
        endpoint=f"{model.endpoint}.{method}",
        callee=one_line(site.node.func),
        node=site.node,
        model_node=None,
        model_candidates=(),
        keywords=(),
        has_unresolved_splat=False,
        prompt=parts,
        prompt_complete=True,
        output_limit=OutputLimit(LimitStatus.UNKNOWN),
        is_async=_RUN[method] or site.awaited,
        in_loop=site.in_loop,
        loops=loops,
        caller_loops=(),
        streams=method in ("stream", "astream"),
        tools=None,
        schemas=(),
        recursion=None,
        kept_history=None,
        turn_values=(),
        literal_arguments={},
        argument_nodes={},
        reads_first_choice_only=False,
        related=(related,) + ((template,) if template is not None else ()),
    )


def _follow(expr: cst.BaseExpression, scope: Scope) -> Optional[Tuple[cst.BaseExpression, Scope]]:
    """The one value a name bound once, or an attribute with one candidate (``self.chain``), holds."""
    if isinstance(expr, cst.Name):
        binding = scope.assigned_once(expr.value)
        if binding is None or binding.value is None:
            return None
        if any(m.method not in ("escape", "bind") for m in binding.scope.mutations.get(expr.value, [])):
            return None  # ``llm.bind(...)`` returns a new runnable: the model stays as built
        return binding.value, binding.scope
    if isinstance(expr, cst.Attribute):
        candidates = attribute_candidates(expr, scope)
        if candidates is None or len(candidates) != 1 or candidates[0].default:
            return None
        return candidates[0].value, candidates[0].scope
    return None


def _stages(
    expr: cst.BaseExpression, scope: Scope, depth: int
) -> Optional[List[Tuple[cst.BaseExpression, Scope]]]:
    """The runnables of a ``a | b | c`` pipeline, in order (through names bound once)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        left = _stages(expr.left, scope, depth + 1)
        if left is None:
            return None
        right = _stages(expr.right, scope, depth + 1)
        return left + (right if right is not None and len(right) > 1 else [(expr.right, scope)])
    followed = _follow(expr, scope)
    if followed is not None and isinstance(followed[0], cst.BinaryOperation):
        return _stages(followed[0], followed[1], depth + 1)
    return [(expr, scope)]


def _model(expr: cst.BaseExpression, scope: Scope, model_call: ModelCall) -> Optional[LLMCall]:
    """The LangChain chat model a stage is: its constructor, as recognised in the module."""
    for _ in range(_MAX_DEPTH):
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in _MODEL_ADAPTERS:
                expr = func.value
                continue
            found = model_call(expr)
            return found if found is not None and found.provider == "langchain" else None
        followed = _follow(expr, scope)
        if followed is None:
            return None
        expr, scope = followed
    return None


def _qualified(expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
    origin = qualify(expr, scope)
    return origin.name if isinstance(origin, Qualified) else None


def _template(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver
) -> Optional[Tuple[List[_Message], Optional[Related]]]:
    """The messages of the prompt template ``expr`` builds, and where, when it is built in another module of
    the project (imported); None when any message is not known."""
    imported: Optional[Related] = None
    stage = expr
    for _ in range(_MAX_DEPTH):
        if isinstance(expr, cst.Call):
            break
        followed = _follow(expr, scope)
        if followed is None and not imported:
            found = _imported(expr, scope, resolver)
            if found is not None:
                expr, scope, resolver, where = found
                module = where.module
                name = one_line(stage)
                imported = Related(f"prompt template `{name}`", expr, module.module, str(module.path))
                continue
        if followed is None:
            return None
        expr, scope = followed
    messages = _built(expr, scope, resolver)
    if messages is None or (imported is not None and any(message.text is not None for message in messages)):
        return None  # a message object's text is placed where it is written: in the other module
    return [replace(message, resolver=resolver) for message in messages], imported


def _imported(
    expr: cst.BaseExpression, scope: Scope, resolver: TextResolver
) -> Optional[Tuple[cst.BaseExpression, Scope, TextResolver, Found]]:
    """A template built at module level in another module of the project and imported here (``from
    .prompts import SUPPORT``, ``prompts.SUPPORT``)."""
    if resolver.imports is None or resolver.source_path is None:
        return None
    chain = attribute_chain(expr)
    if chain is None:
        return None
    name, attributes = chain
    owner, bindings = scope.lookup(name)
    if owner is None or len(bindings) != 1 or bindings[0].imported is None:
        return None
    if any(m.method != "escape" for m in owner.mutations.get(name, [])):
        return None
    found = resolver.imports.lookup(resolver.source_path, bindings[0], attributes)
    if found is None:
        return None
    return found.value, found.scope, resolver.for_scope(found.scope), found


def _built(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[List[_Message]]:
    if not isinstance(expr, cst.Call) or any(arg.star for arg in expr.args):
        return None
    text = template_text(expr, scope, resolver.literal)
    if text is not None:  # ``PromptTemplate``: one human message
        return [_Message("user", expr, scope, template=text)]
    func = expr.func
    if isinstance(func, cst.Attribute) and _qualified(func.value, scope) in _CHAT_TEMPLATES:
        method = func.attr.value
        if method == "from_template" and len(expr.args) == 1 and expr.args[0].keyword is None:
            literal = _text(expr.args[0].value, scope, resolver)
            return [_Message("user", expr, scope, template=literal)] if literal is not None else None
        if method == "from_messages" and len(expr.args) == 1 and expr.args[0].keyword is None:
            return _messages(expr.args[0].value, scope, resolver)
        return None
    if _qualified(func, scope) in _CHAT_TEMPLATES and len(expr.args) == 1:
        argument = expr.args[0]
        if argument.keyword is None or argument.keyword.value == "messages":
            return _messages(argument.value, scope, resolver)
    return None


def _messages(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[List[_Message]]:
    if isinstance(expr, cst.Name):
        followed = _follow(expr, scope)
        if followed is None:
            return None
        expr, scope = followed
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return None
    found: List[_Message] = []
    for element in expr.elements:
        if not isinstance(element, cst.Element):
            return None
        message = _message(element.value, scope, resolver)
        if message is None:
            return None
        found.append(message)
    return found


def _message(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[_Message]:
    if isinstance(expr, cst.Tuple) and len(expr.elements) == 2:
        role = resolver.literal(expr.elements[0].value, scope)
        text = _text(expr.elements[1].value, scope, resolver)
        if role is None or text is None:
            return None
        if role == "placeholder":
            name = text[1:-1] if text.startswith("{") and text.endswith("}") else ""
            return (
                _Message("unknown", expr, scope, placeholder=name, optional=True)
                if name.isidentifier()
                else None
            )
        return _Message(_ROLES[role], expr, scope, template=text) if role in _ROLES else None
    literal = (
        resolver.literal(expr, scope)
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString))
        else None
    )
    if literal is not None:
        return _Message("user", expr, scope, template=literal)
    if not isinstance(expr, cst.Call) or any(arg.star for arg in expr.args):
        return None
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value == "from_template":
        role = _MESSAGE_TEMPLATES.get(_qualified(func.value, scope) or "")
        if role is None or len(expr.args) != 1 or expr.args[0].keyword is not None:
            return None
        text = _text(expr.args[0].value, scope, resolver)
        return _Message(role, expr, scope, template=text) if text is not None else None
    name = _qualified(func, scope) or ""
    if name in _MESSAGES:
        content = _argument(expr.args, "content")
        return _Message(_MESSAGES[name], expr, scope, text=content) if content is not None else None
    if name in _PLACEHOLDERS:
        variable = _argument(expr.args, "variable_name")
        optional = _keyword(expr.args, "optional")
        if variable is None or any(
            a.keyword is not None and a.keyword.value not in ("variable_name", "optional") for a in expr.args
        ):
            return None
        key = resolver.literal(variable, scope)
        flag = optional is not None and isinstance(optional, cst.Name) and optional.value == "True"
        if optional is not None and not (
            isinstance(optional, cst.Name) and optional.value in ("True", "False")
        ):
            return None
        return _Message("unknown", expr, scope, placeholder=key, optional=flag) if key else None
    return None


def _text(expr: cst.BaseExpression, scope: Scope, resolver: TextResolver) -> Optional[str]:
    """A template's text, when it is known at lint time (a literal, a constant, a prompt file)."""
    literal = resolver.literal(expr, scope)
    if literal is not None:
        return literal
    resolved = resolver.resolve(expr, scope)
    return resolved.static_text if resolved.is_static and resolved.segments else None


def _argument(args: Sequence[cst.Arg], keyword: str) -> Optional[cst.BaseExpression]:
    """The first positional argument, or the one passed as ``keyword``."""
    if args and args[0].keyword is None:
        return args[0].value
    return _keyword(args, keyword)


def _keyword(args: Sequence[cst.Arg], keyword: str) -> Optional[cst.BaseExpression]:
    return next((a.value for a in args if a.keyword is not None and a.keyword.value == keyword), None)


def _bindings(
    call: cst.Call, scope: Scope, resolver: TextResolver
) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:
    """The values the run passes by variable name, and whether others may be passed unseen. A literal dict
    binds its keys; anything else binds nothing and may pass anything."""
    positional = [arg for arg in call.args if arg.keyword is None]
    if not positional or positional[0] is not call.args[0] or positional[0].star:
        return None
    value = positional[0].value
    if not isinstance(value, cst.Dict):
        return {}, True
    named: Dict[str, cst.BaseExpression] = {}
    has_splat = False
    for element in value.elements:
        if isinstance(element, cst.StarredDictElement):
            has_splat = True
            continue
        key = resolver.literal(element.key, scope)
        if key is None:
            return {}, True
        named[key] = element.value
    return named, has_splat
