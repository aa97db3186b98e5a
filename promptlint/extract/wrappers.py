"""The project's own wrappers: a function whose body makes an LLM request with fields taken from its
parameters, seen at each of its calls as the request that call sends.

Only what the caller decides is bound: the output cap (a parameter, or ``**kwargs`` forwarded to the SDK
call) and the model (a parameter). The request then carries those fields alone, reported at the caller with
the wrapper's SDK call as a related location; its prompt stays with the wrapper's own request. A caller that
passes ``*args`` or ``**opts`` may pass anything: it is not analysed (precision over recall).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import libcst as cst

from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.tree import nodes_under
from promptlint.ir import Dynamic, FixTarget, LimitStatus, LLMCall, OutputLimit, Related

# Keywords a caller may forward through ``**kwargs`` that cannot carry an output cap: anything else (a
# ``max_tokens``, a ``config``, an ``extra_body``...) may, and the caller is then left alone.
_NO_CAP = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "stream",
        "seed",
        "stop",
        "user",
        "timeout",
        "tools",
        "tool_choice",
        "response_format",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "metadata",
    }
)


@dataclass(frozen=True)
class Wrapper:
    """A function whose request takes its cap or its model from the function's parameters."""

    name: str
    node: cst.FunctionDef
    call: LLMCall  # the request as the wrapper makes it (for ``**kwargs``: as made with none)
    limit_parameter: Optional[cst.Param] = None  # ``max_tokens=max_tokens``
    kwargs_parameter: str = ""  # ``**kwargs`` forwarded to the SDK call, which sets no cap of its own
    model_parameter: Optional[cst.Param] = None  # ``model=model``
    # For a wrapper of another module of the project: its libcst module and its file (see
    # ``project_wrappers``); None and "" for one of the linted module.
    module: Any = None
    path: str = ""
    # The parameters the request's prompt is built from (``messages``, ``system``, a question put into a
    # message), and what re-reading the request with them bound needs: its call site in the wrapper and
    # the extraction context of the wrapper's module (see ``prompt_wrappers``).
    prompt_parameters: Tuple[str, ...] = ()
    site: Any = field(default=None, compare=False, repr=False)
    context: Any = field(default=None, compare=False, repr=False)
    # The text of a caller's argument when it is fixed (the linted module's resolver), for a model passed
    # as a constant; None: literals only.
    caller_literal: Optional[Callable[[cst.BaseExpression, Scope], Optional[str]]] = field(
        default=None, compare=False, repr=False
    )
    # "function" (of the module), or for a method of a class (``name`` is then ``Class.method``): "method",
    # "static" or "class" (see ``method_wrappers``).
    kind: str = "function"
    # For a wrapper of a wrapper: the wrapper its call ``site`` calls (whose request ``call`` is).
    inner: Optional[Wrapper] = field(default=None, compare=False, repr=False)


def _parameters(function: cst.FunctionDef) -> Dict[str, cst.Param]:
    params = function.params
    every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    return {param.name.value: param for param in every}


def _bound_once(scope: Scope, name: str) -> bool:
    """The parameter is never rebound in the function (``max_tokens = max_tokens or 512`` caps it)."""
    bindings = scope.bindings.get(name, [])
    return len(bindings) == 1 and bindings[0].kind == "param"


def _parameter_of(expr: object, scope: Scope, params: Dict[str, cst.Param]) -> Optional[cst.Param]:
    if isinstance(expr, cst.Name) and expr.value in params and _bound_once(scope, expr.value):
        return params[expr.value]
    return None


def find_wrapper(
    call: LLMCall, site: CallSite, without_splat: Callable[[str], Optional[LLMCall]]
) -> Optional[Wrapper]:
    """The wrapper that makes ``call``, when it is a module-level function whose request takes its cap or
    model from its parameters. ``without_splat(name)`` recognises the call again without ``**name``."""
    if call.provider == "langchain" and not _runs(call):
        return None  # a function building a chat model is a factory: its callers send nothing themselves
    function = site.scope
    if function.kind != "function" or not isinstance(function.node, cst.FunctionDef):
        return None
    owner = function.parent
    if owner is None or owner.kind not in ("module", "class"):
        return None
    node = function.node
    name = node.name.value
    bindings = owner.bindings.get(name, [])
    if len(bindings) != 1 or bindings[0].kind != "def":
        return None
    kind = "function"
    if owner.kind == "class":
        kind = method_kind(function) or ""
        if not kind or not isinstance(owner.node, cst.ClassDef):
            return None
        name = f"{owner.node.name.value}.{name}"
    elif node.decorators:
        return None
    params = _parameters(node)
    limit = call.output_limit
    limit_parameter = None
    if limit.status is LimitStatus.PRESENT:
        limit_parameter = _parameter_of(limit.node, function, params)
    kwargs_parameter = ""
    base = call
    star = node.params.star_kwarg
    splats = [arg for arg in call.node.args if arg.star == "**"] if call.node is not None else []
    if (
        limit.status is LimitStatus.UNKNOWN
        and isinstance(star, cst.Param)
        and len(splats) == 1
        and isinstance(splats[0].value, cst.Name)
        and splats[0].value.value == star.name.value
        and _bound_once(function, star.name.value)
    ):
        again = without_splat(star.name.value)
        if again is not None and again.output_limit.status is LimitStatus.MISSING:
            kwargs_parameter, base = star.name.value, again
    model_parameter = _parameter_of(call.model_node, function, params) if call.model is None else None
    prompt_parameters = _prompt_parameters(call, function, params)
    if prompt_parameters and calls_to(node, node.name.value):
        from promptlint.extract.self_calls import passes_on

        if not passes_on(function, kind, prompt_parameters):
            prompt_parameters = ()  # the wrapper calls itself with another prompt: not followed
    if limit_parameter is None and not kwargs_parameter and model_parameter is None and not prompt_parameters:
        return None
    return Wrapper(
        name,
        node,
        base,
        limit_parameter,
        kwargs_parameter,
        model_parameter,
        prompt_parameters=prompt_parameters,
        site=site,
        kind=kind,
    )


def _runs(call: LLMCall) -> bool:
    """A LangChain request that runs a chat model or chain (``llm.invoke(...)``), not one that builds it."""
    node = call.node
    func = node.func if node is not None else None
    return isinstance(func, cst.Attribute) and func.attr.value in ("invoke", "ainvoke", "stream", "astream")


_DECORATORS = {"staticmethod": "static", "classmethod": "class"}


def method_kind(function: Scope) -> Optional[str]:
    """ "method", "static" or "class" for a method that runs its own body when called (no decorator but
    ``staticmethod``/``classmethod``), else None."""
    node = function.node
    if not isinstance(node, cst.FunctionDef) or function.owner_class is None and not _in_class(function):
        return None
    kinds = []
    for decorator in node.decorators:
        target = decorator.decorator
        if not isinstance(target, cst.Name) or target.value not in _DECORATORS:
            return None
        kinds.append(_DECORATORS[target.value])
    if len(kinds) > 1:
        return None
    return kinds[0] if kinds else "method"


def _in_class(function: Scope) -> bool:
    return function.parent is not None and function.parent.kind == "class"


def calls_to(function: cst.FunctionDef, name: str) -> bool:
    """Whether ``function``'s body calls ``name`` (``name(...)``, ``self.name(...)``, ``cls.name(...)``):
    a wrapper that is reached again while its request is sent (recursion) sends a prompt not known."""
    for current in nodes_under(function.body, enter_nested_scopes=True):
        if isinstance(current, cst.Call):
            func = current.func
            if isinstance(func, cst.Name) and func.value == name:
                return True
            if isinstance(func, cst.Attribute) and func.attr.value == name:
                return True
    return False


def _prompt_parameters(call: LLMCall, function: Scope, params: Dict[str, cst.Param]) -> Tuple[str, ...]:
    """The function's parameters (bound once) that a dynamic part of the request's prompt reads."""
    found = set()
    for part in call.cache_order:
        for segment in part.text.segments:
            if isinstance(segment, Dynamic) and isinstance(segment.node, cst.CSTNode):
                for name in _names(segment.node):
                    if name in params and name != function.self_name and _bound_once(function, name):
                        found.add(name)
    return tuple(sorted(found))


def _names(node: cst.CSTNode) -> List[str]:
    """The names read in ``node`` (not attribute names, not a lambda's or comprehension's own)."""
    names: List[str] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Name):
            names.append(current.value)
        elif isinstance(current, cst.Attribute):
            pending.append(current.value)
        elif isinstance(current, cst.Arg):
            pending.append(current.value)  # not the keyword's name
        elif not isinstance(current, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            pending.extend(current.children)
    return names


def _is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _string(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def bind(wrapper: Wrapper, node: cst.Call) -> Optional[Tuple[Dict[str, cst.BaseExpression], List[str]]]:
    """The caller's arguments by parameter name, and the keywords that go to ``**kwargs``; None when the
    call passes ``*args``/``**opts`` or does not fit the signature."""
    params = wrapper.node.params
    positional = [param.name.value for param in list(params.posonly_params) + list(params.params)]
    named = _parameters(wrapper.node)
    if wrapper.kind in ("method", "class"):
        if not positional:
            return None
        named.pop(positional[0], None)  # ``self``/``cls``: the object the method is called on
        positional = positional[1:]
    bound: Dict[str, cst.BaseExpression] = {}
    extra: List[str] = []
    index = 0
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index >= len(positional):
                return None
            bound[positional[index]] = arg.value
            index += 1
        elif arg.keyword.value in named and named[arg.keyword.value] not in params.posonly_params:
            bound[arg.keyword.value] = arg.value
        elif isinstance(params.star_kwarg, cst.Param):
            extra.append(arg.keyword.value)
        else:
            return None
    return bound, extra


def _limit(wrapper: Wrapper, bound: Dict[str, cst.BaseExpression], extra: List[str]) -> Optional[OutputLimit]:
    """The cap the caller's request has, when the caller decides it; None when the wrapper does."""
    limit = wrapper.call.output_limit
    param = wrapper.limit_parameter
    if param is not None:
        name = param.name.value
        value = bound.get(name, param.default)
        if value is None:  # a required parameter left out: not a call that runs
            return None
        if not _is_none(value):
            return OutputLimit(LimitStatus.PRESENT, parameter=limit.parameter, wrapper_parameter=name)
        target = FixTarget.NONE if name in bound else FixTarget.CALL  # never a second ``max_tokens=``
        return OutputLimit(
            LimitStatus.MISSING, parameter=limit.parameter, fix_target=target, wrapper_parameter=name
        )
    if wrapper.kwargs_parameter:
        missing = all(keyword in _NO_CAP for keyword in extra)
        status = LimitStatus.MISSING if missing else LimitStatus.UNKNOWN
        target = FixTarget.CALL if missing else FixTarget.NONE
        return OutputLimit(
            status, parameter=limit.parameter, fix_target=target, wrapper_parameter=limit.parameter
        )
    return None


# The request a call of a wrapper sends with its prompt read through the caller's arguments, given the
# model it uses (see ``prompt_wrappers``); None when it cannot be read.
Prompted = Callable[[Wrapper, CallSite, Optional[str]], Optional[LLMCall]]


def through_wrappers(
    wrappers: Iterable[Wrapper], sites: Iterable[CallSite], prompted: Optional[Prompted] = None
) -> List[LLMCall]:
    """The requests the module's calls of its own wrappers send, in source order."""
    by_name = {wrapper.name: wrapper for wrapper in wrappers if wrapper.kind == "function"}
    if not by_name:
        return []
    calls: List[LLMCall] = []
    for site in sites:
        wrapper = function_wrapper(site, by_name)
        if wrapper is not None:
            calls.extend(requests_through(wrapper, site, prompted))
    return calls


def function_wrapper(site: CallSite, by_name: Dict[str, Wrapper]) -> Optional[Wrapper]:
    """The module-level function wrapper of ``by_name`` the call ``site`` calls by its name, if any."""
    func = site.node.func
    if not isinstance(func, cst.Name) or func.value not in by_name:
        return None
    wrapper = by_name[func.value]
    owner, bindings = site.scope.lookup(func.value)
    if owner is None or owner.kind != "module" or len(bindings) != 1 or bindings[0].body is None:
        return None
    return wrapper if bindings[0].body.node is wrapper.node else None


def requests_through(wrapper: Wrapper, site: CallSite, prompted: Optional[Prompted]) -> List[LLMCall]:
    """What the call ``site`` of ``wrapper`` sends: the request with the cap and model the caller decides
    (reported at the caller), and the request with the prompt the caller passes (reported where the
    caller writes it)."""
    found: List[LLMCall] = []
    call = request_through(wrapper, site)
    if call is not None:
        found.append(call)
    if prompted is not None and wrapper.prompt_parameters:
        binding = bind(wrapper, site.node)
        if binding is not None:
            sent = prompted(wrapper, site, caller_model(wrapper, binding[0], site)[0])
            if sent is not None:
                found.append(sent)
    return found


def caller_model(
    wrapper: Wrapper, passed: Dict[str, cst.BaseExpression], site: Optional[CallSite] = None
) -> Tuple[Optional[str], Optional[cst.BaseExpression]]:
    """The model the request uses, and the caller's argument that names it (None for the wrapper's
    default): the literal or constant the caller passes for the wrapper's model parameter (a module or
    imported constant, resolved with the caller's resolver), else its default (resolved in the wrapper's
    module); the wrapper's own model when it takes none."""
    param = wrapper.model_parameter
    if param is None:
        return wrapper.call.model, None
    value = passed.get(param.name.value)
    if value is not None:
        model = _string(value)
        if model is None and site is not None and wrapper.caller_literal is not None:
            model = wrapper.caller_literal(value, site.scope)
        return model, value if model is not None else None
    model = _string(param.default)
    function = wrapper.site.scope if wrapper.site is not None else None
    if model is None and param.default is not None and function is not None and wrapper.context is not None:
        if function.parent is not None:
            model = wrapper.context.resolver.literal(param.default, function.parent)
    return model, None


def request_through(wrapper: Wrapper, site: CallSite) -> Optional[LLMCall]:
    """The request the call ``site`` of ``wrapper`` sends, when the caller decides its cap or its model."""
    binding = bind(wrapper, site.node)
    if binding is None:
        return None
    bound, extra = binding
    limit = _limit(wrapper, bound, extra)
    model, model_node = caller_model(wrapper, bound, site)
    if limit is None and model_node is None:
        return None
    base = wrapper.call
    related = Related(f"sent through `{wrapper.name}()`", base.node, wrapper.module, wrapper.path)
    inner = base.related  # for a wrapper of a wrapper: the wrappers its call goes through
    return seen_at_caller(
        base,
        site,
        callee=wrapper.name,
        model=model,
        model_node=model_node,
        output_limit=limit if limit is not None else OutputLimit(LimitStatus.UNKNOWN),
        related=(related,) + inner,
    )


def seen_at_caller(call: LLMCall, site: CallSite, **fields: Any) -> LLMCall:
    """The request ``call`` makes inside a function, as the call ``site`` of that function sends it: what the
    caller does not decide (the prompt, keywords, loops and facts of the function's own body) is cleared, so
    that no finding of the function's own request is made again at the caller; then ``fields`` are set."""
    cleared: Dict[str, Any] = dict(
        node=site.node,
        model_candidates=(),
        keywords=(),
        has_unresolved_splat=False,
        prompt=(),
        prompt_complete=False,
        tools=None,
        schemas=(),
        output_limit=OutputLimit(LimitStatus.UNKNOWN),
        in_loop=site.in_loop,
        loops=(),
        caller_loops=(),
        recursion=None,
        kept_history=None,
        turn_values=(),
        literal_arguments={},
        argument_nodes={},
        reads_first_choice_only=False,
    )
    cleared.update(fields)
    return replace(call, **cleared)
