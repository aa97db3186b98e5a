"""Prompts sent through the project's own wrappers: ``ask(f"{user.name} ..." + POLICY)`` where ``ask``
puts its parameter into the messages of its SDK call.

The wrapper's request is read again with each parameter bound to the caller's argument (or to its default,
evaluated where the ``def`` is written), exactly as a prompt helper's return is (``prompt_helpers``): a
literal, a constant, an imported constant or a helper's result becomes the text it is, a per-request value
stays a per-request part placed at the caller's argument. Its node is the caller's call of the wrapper;
its ``related`` names the wrapper's SDK call and, as ``Related.within``, the wrapper's function, whose own
request reports what is written there: only what the caller writes is reported here, once. Call-level
facts (the cap, loops, history) are left to the wrapper's own request and ``wrappers.request_through``.

A wrapper of a wrapper (``ask()`` calls ``_complete()``, which makes the request) is read the same way
through each level (``Wrapper.inner``): the inner call's arguments are the outer wrapper's parameters,
bound in turn to its caller's; ``related`` lists every wrapper, the outermost first.

Refused (no request, nothing reported): a ``*args``/``**opts`` argument, a call that does not fit the
signature, a required parameter left out, a wrapper that makes more than one request, and a wrapper reached
again while it is read (recursion).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Dict, Optional, Tuple

import libcst as cst

from promptlint.extract.module_index import ModuleIndex
from promptlint.extract.ordering import with_order_risks
from promptlint.extract.prompt_literals import with_prompt_literals
from promptlint.extract.scopes import CallSite, Scope
from promptlint.extract.text import TextResolver
from promptlint.extract.wrappers import Wrapper, bind
from promptlint.ir import LimitStatus, LLMCall, OutputLimit, Related

_CAP_KEYWORDS = frozenset({"max_tokens", "max_completion_tokens", "max_output_tokens"})

Bound = Tuple[cst.BaseExpression, Scope, TextResolver]


def _bindings(wrapper: Wrapper, site: CallSite, resolver: TextResolver) -> Optional[Dict[int, Bound]]:
    """Each parameter of the wrapper (by ``id`` of its binding) -> its value in this call."""
    found = bind(wrapper, site.node)
    if found is None:
        return None
    passed, _extra = found
    function: Scope = wrapper.site.scope
    scope: Optional[Scope] = site.scope
    while scope is not None:
        if scope is function:
            return None  # the wrapper calls itself: what it sends is not known
        scope = scope.parent
    own = wrapper.context.resolver
    params = wrapper.node.params
    bound: Dict[int, Bound] = {}
    for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
        name = param.name.value
        if name == function.self_name:
            continue
        bindings = function.bindings.get(name, [])
        value = passed.get(name)
        if value is None and param.default is None:
            return None  # a required parameter left out: not a call that runs
        if len(bindings) != 1 or bindings[0].kind != "param":
            continue  # rebound in the body: left unknown
        if value is not None:
            bound[id(bindings[0])] = (value, site.scope, resolver)
        elif function.parent is not None and param.default is not None:
            bound[id(bindings[0])] = (param.default, function.parent, own)
    return bound


def _parts_at_caller(sent: LLMCall, wrapper: Wrapper, site: CallSite) -> LLMCall:
    """A part whose whole content is one of the wrapper's parameters (``{"content": system}``,
    ``system=system``) placed at the argument the caller passes for it, where its text is written."""
    found = bind(wrapper, site.node)
    if found is None:
        return sent
    passed = found[0]
    function: Scope = wrapper.site.scope
    parts = []
    for part in sent.prompt:
        node = part.node
        if isinstance(node, cst.Name) and node.value in passed:
            owner, bindings = function.lookup(node.value)
            if owner is function and len(bindings) == 1 and bindings[0].kind == "param":
                part = replace(part, node=passed[node.value])
        parts.append(part)
    return replace(sent, prompt=tuple(parts))


def prompt_through(
    wrapper: Wrapper,
    site: CallSite,
    resolver: TextResolver,
    index: ModuleIndex,
    recognise: Callable[[], Optional[LLMCall]],
    model: Optional[str],
) -> Optional[LLMCall]:
    """The request the call ``site`` of ``wrapper`` sends, with its prompt read through the caller's
    arguments; ``recognise`` reads the wrapper's SDK call again (in the wrapper's module), ``model`` is the
    model the caller passes or the wrapper's default, for pricing. None when the call cannot be bound."""
    if not wrapper.prompt_parameters or wrapper.site is None or wrapper.context is None:
        return None
    bound = _bindings(wrapper, site, resolver)
    if bound is None:
        return None
    sent = resolver.with_bindings(bound, wrapper.context.resolver, id(wrapper.site.scope), recognise)
    if sent is None:
        return None
    sent = _parts_at_caller(sent, wrapper, site)
    if not sent.related:  # a request through another wrapper had its order risks found there
        sent = with_order_risks(sent, wrapper.site.scope, resolver.hole_scopes)
    # The caller's literals are judged from the caller's call: rewriting one written there is local.
    sent = with_prompt_literals(replace(sent, node=site.node), index, site.scope)
    related = Related(
        f"sent through `{wrapper.name}()`",
        wrapper.site.node,
        wrapper.module,
        wrapper.path,
        within=wrapper.node,
        parameters=wrapper.prompt_parameters,
    )
    return replace(
        sent,
        model=model if model is not None else sent.model,
        model_node=None,
        model_candidates=(),
        # The wrapper's own request reports its cap and the keywords it writes; the caller's keywords are
        # the wrapper's parameters, not the SDK's.
        keywords=tuple(keyword for keyword in sent.keywords if keyword not in _CAP_KEYWORDS),
        output_limit=OutputLimit(LimitStatus.UNKNOWN),
        in_loop=False,
        loops=(),
        caller_loops=(),
        recursion=None,
        kept_history=None,
        turn_values=(),
        related=(related,) + sent.related,  # the outermost wrapper first, as the request reaches them
    )
