"""The extraction stage: a libcst module in, the LLM calls it makes out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Tuple

import libcst as cst

from promptlint.extract.adapters import ADAPTERS
from promptlint.extract.adapters.common import Request
from promptlint.extract.arguments import collect_arguments
from promptlint.extract.candidates import merge_calls
from promptlint.extract.cap_levels import InnerAt, cap_outers
from promptlint.extract.context import ModuleContext
from promptlint.extract.langchain_chains import chain_candidate, chain_request
from promptlint.extract.langchain_wrappers import chain_wrapper
from promptlint.extract.method_wrappers import Receivers, method_calls, method_wrapper
from promptlint.extract.module_index import ModuleIndex
from promptlint.extract.module_strings import string_literals
from promptlint.extract.ordering import with_order_risks
from promptlint.extract.project import ProjectImports, ProjectModule
from promptlint.extract.project_wrappers import imported_wrapper, imported_wrapper_calls, may_send_prompt
from promptlint.extract.prompt_literals import with_prompt_literals
from promptlint.extract.prompt_wrappers import prompt_through
from promptlint.extract.provenance import Alternatives, Qualified, qualify
from promptlint.extract.scopes import CallSite, Scope, build_scopes
from promptlint.extract.signatures import by_signature
from promptlint.extract.text import TextResolver
from promptlint.extract.through_callers import (
    Callers,
    caller_requests,
    imported_caller_requests,
    method_caller_requests,
)
from promptlint.extract.tree import nodes_under
from promptlint.extract.turn_values import with_turn_values
from promptlint.extract.wrappers import (
    Wrapper,
    bind,
    caller_model,
    calls_to,
    find_wrapper,
    function_wrapper,
    through_wrappers,
)
from promptlint.ir import Confidence, LLMCall, ModuleFacts, Platform, Related
from promptlint.modules import Excluded

# How many wrappers deep a prompt is followed (``ask()`` calling ``_complete()`` calling the SDK is two).
_WRAPPER_LEVELS = 4
# Calls that run another callable with the arguments that follow it.
_TRAMPOLINES = {"asyncio.to_thread"}


def extract_calls(
    module: cst.Module,
    source_path: Optional[Path] = None,
    project_root: Optional[Path] = None,
    signatures: bool = True,
    excluded: Optional[Excluded] = None,
) -> Tuple[List[LLMCall], TextResolver]:
    """Every LLM request the module makes, in source order, and the resolver (which lists prompt files read).
    ``signatures``: also the requests recognised by their signature alone (see ``signatures.py``).
    ``excluded``: project paths the configuration excludes, never read for a name (see ``modules``)."""
    builder = build_scopes(module)
    source_dir = source_path.parent if source_path is not None else None
    context = ModuleContext(
        module, builder.calls, source_dir, project_root, source_path, builder.module_scope, excluded
    )
    index = ModuleIndex(module)  # parent links, computed only if a fact needs them
    facts = ModuleFacts(lambda: string_literals(module))
    calls: List[LLMCall] = []
    wrappers: List[Wrapper] = []
    recognised: Dict[int, LLMCall] = {}
    chains: List[CallSite] = []
    made_at: List[Tuple[LLMCall, CallSite]] = []
    for site in builder.calls:
        call = _recognise(site, context, signatures)
        if call is None and chain_candidate(site):
            chains.append(site)
        if call is not None:
            recognised[id(site.node)] = call
            with_facts = _with_facts(call, site.scope, context.resolver.hole_scopes, facts, index)
            with_loops = context.caller_loops.add_to(with_facts, site)
            recursion = context.recursions.of(site, site.node)
            calls.append(replace(with_loops, recursion=recursion) if recursion is not None else with_loops)
            made_at.append((calls[-1], site))
            wrapper = find_wrapper(call, site, lambda name, site=site: _without_splat(site, context, name))
            if wrapper is not None:
                wrappers.append(replace(wrapper, context=context, caller_literal=context.resolver.literal))
    # A chain run inside a wrapper (``def ask(self, q): return self.llm.invoke(q)``) is read again with the
    # caller's arguments bound, as an SDK call is (see ``langchain_wrappers``).
    rereads: Dict[int, Callable[[], Optional[LLMCall]]] = {}
    for site in chains:
        call = chain_request(site, context.resolver, lambda node: recognised.get(id(node)))
        if call is not None:
            calls.append(_with_facts(call, site.scope, context.resolver.hole_scopes, facts, index))
            wrapper = chain_wrapper(call, site, context, recognised, rereads)
            if wrapper is not None:
                wrappers.append(wrapper)
    # Requests seen through the helpers a loop calls: kept apart from the wrappers' levels below, which
    # look for prompts taken from parameters (these carry none), and added last.
    module_callers = Callers(builder.calls)
    through_callers = caller_requests(made_at, module_callers)
    prompted = _Prompted(context.resolver, index, signatures, facts, rereads)
    own = _one_request_each(wrappers)
    calls.extend(through_wrappers(own, builder.calls, prompted))
    imports = context.resolver.imports
    source = context.resolver.source_path
    known: Dict[Path, Dict[str, Wrapper]] = {}

    def wrappers_of(other: ProjectModule) -> Dict[str, Wrapper]:
        if other.path not in known and imports is not None:
            found = _module_wrappers(other, imports, signatures)
            known[other.path] = {
                name: replace(wrapper, caller_literal=context.resolver.literal)
                for name, wrapper in found.items()
            }
        return known.get(other.path, {})

    if imports is not None and source is not None:
        calls.extend(imported_wrapper_calls(builder.calls, imports, source, wrappers_of, prompted))
    methods = {id(wrapper.node): wrapper for wrapper in own if wrapper.kind != "function"}
    receivers = Receivers(imports, source, may_send_prompt)
    calls.extend(method_calls(builder.calls, receivers, methods, wrappers_of, prompted))
    # Wrappers of wrappers, a level at a time: the functions whose call of a wrapper sends a prompt
    # taken from their own parameters.
    sites = {id(site.node): site for site in builder.calls}
    level = calls
    capped = own
    for depth in range(_WRAPPER_LEVELS):
        prompt_outer = prompted.outer([call for call in level if call.related], sites, context)
        # The first level also reaches the wrappers of the project's other modules.
        others = wrappers_of if depth == 0 else None
        capped = cap_outers(builder.calls, _inner_at(capped, receivers, imports, source, others))
        outer = _one_request_each(_merged(prompt_outer, capped))
        if not outer:
            break
        level = through_wrappers(outer, builder.calls, prompted)
        methods = {id(wrapper.node): wrapper for wrapper in outer if wrapper.kind != "function"}
        level += method_calls(builder.calls, receivers, methods, lambda other: {}, prompted)
        calls.extend(level)
    calls.extend(through_callers)
    others_made: Optional[Callable[[ProjectModule], Dict[int, List[Tuple[LLMCall, CallSite]]]]] = None
    if imports is not None and source is not None:
        made_in: Dict[Path, Dict[int, List[Tuple[LLMCall, CallSite]]]] = {}

        def requests_of(other: ProjectModule) -> Dict[int, List[Tuple[LLMCall, CallSite]]]:
            if other.path not in made_in:
                made_in[other.path] = _module_requests(other, imports, signatures)
            return made_in[other.path]

        calls.extend(imported_caller_requests(builder.calls, imports, source, requests_of))
        others_made = requests_of
    local_made: Dict[int, List[Tuple[LLMCall, CallSite]]] = {}
    for made_call, made_site in made_at:
        local_made.setdefault(id(made_site.scope.node), []).append((made_call, made_site))
    calls.extend(
        method_caller_requests(builder.calls, receivers.handing_on(), local_made, others_made, module_callers)
    )
    if context.resolver.origins:
        calls = [_with_origins(call, context.resolver.origins) for call in calls]
    return calls, context.resolver


def _with_origins(call: LLMCall, origins: Dict[int, Tuple[cst.CSTNode, Related]]) -> LLMCall:
    """The call with the origins of the prompt parts it sends: those whose expression is, or holds, the
    node of one of its segments (see ``LLMCall.origins``)."""
    nodes = {id(s.node) for part in call.cache_order for s in part.text.segments if s.node is not None}
    nodes |= {id(part.node) for part in call.cache_order if part.node is not None}
    kept = tuple((node, place) for node, place in origins.values() if nodes & {id(n) for n in subtree(node)})
    return replace(call, origins=kept) if kept else call


def subtree(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node under it, nested scopes included (no recursion: an argument may nest deeply)."""
    return nodes_under(node, enter_nested_scopes=True)


class _Prompted:
    """The request a call of a wrapper sends with its prompt read through the caller's arguments (see
    ``prompt_wrappers``), for the linted module's resolver and parent links."""

    def __init__(
        self,
        resolver: TextResolver,
        index: ModuleIndex,
        signatures: bool,
        facts: Optional[ModuleFacts] = None,
        rereads: Optional[Dict[int, Callable[[], Optional[LLMCall]]]] = None,
    ) -> None:
        """``facts``: the linted module's, where the caller writes the text; ``rereads``: how to read
        again a request that is no SDK call (a LangChain chain), by ``id`` of its call."""
        self.rereads = rereads or {}
        self.resolver = resolver
        self.index = index
        self.signatures = signatures
        self.facts = facts
        self.made: Dict[int, Wrapper] = {}  # ``id`` of each request read -> the wrapper it went through

    def __call__(
        self, wrapper: Wrapper, site: CallSite, model: Optional[str], resolver: Optional[TextResolver] = None
    ) -> Optional[LLMCall]:
        """``resolver``: that of the caller's module (the linted module's by default)."""
        if wrapper.site is None or wrapper.context is None:
            return None
        sent = prompt_through(
            wrapper, site, resolver or self.resolver, self.index, lambda: self._sent(wrapper), model
        )
        if sent is not None:
            sent = replace(sent, module_facts=self.facts)
            self.made[id(sent)] = wrapper
        return sent

    def _sent(self, wrapper: Wrapper) -> Optional[LLMCall]:
        """The wrapper's request read again (with its parameters bound by the caller): its SDK call, or for
        a wrapper of a wrapper, the request its call of the inner wrapper sends."""
        inner, own, context = wrapper.inner, wrapper.site, wrapper.context
        if inner is None:
            reread = self.rereads.get(id(own.node))
            return reread() if reread is not None else _recognise(own, context, self.signatures)
        binding = bind(inner, own.node)
        model = caller_model(inner, binding[0], own)[0] if binding is not None else None
        return self(inner, own, model, context.resolver)

    def outer(
        self,
        calls: List[LLMCall],
        sites: Dict[int, CallSite],
        context: ModuleContext,
        module: Optional[cst.Module] = None,
        path: str = "",
    ) -> List[Wrapper]:
        """The wrappers of wrappers among the functions that send ``calls`` through a wrapper: those whose
        prompt the request takes from their own parameters. ``context``, ``module`` and ``path``: those of
        the module the calls are made in (None and "" for the linted module)."""
        found: List[Wrapper] = []
        for call in calls:
            inner = self.made.get(id(call))
            site = sites.get(id(call.node))
            if inner is None or site is None:
                continue
            wrapper = find_wrapper(call, site, lambda name: None)
            if wrapper is not None and _reached_again(wrapper, inner):
                continue  # recursion through the wrappers: what is sent is not known
            if wrapper is not None and wrapper.prompt_parameters:
                found.append(
                    replace(
                        wrapper,
                        context=context,
                        caller_literal=context.resolver.literal,
                        inner=inner,
                        module=module,
                        path=path,
                    )
                )
        return found


def _inner_at(
    capped: List[Wrapper],
    receivers: Receivers,
    imports: Optional[ProjectImports],
    source: Optional[Path],
    wrappers_of: Optional[Callable[[ProjectModule], Dict[str, Wrapper]]],
) -> InnerAt:
    """Which of ``capped`` (or, given ``wrappers_of``, of another module's wrappers) a call site calls."""
    functions = {wrapper.name: wrapper for wrapper in capped if wrapper.kind == "function"}
    methods = {id(wrapper.node): wrapper for wrapper in capped if wrapper.kind != "function"}

    def none(other: ProjectModule) -> Dict[str, Wrapper]:
        return {}

    def at(site: CallSite) -> Optional[Wrapper]:
        found = function_wrapper(site, functions)
        if found is None and (methods or wrappers_of is not None):
            found = method_wrapper(site, receivers, methods, wrappers_of or none)
        if found is None and wrappers_of is not None and imports is not None and source is not None:
            found = imported_wrapper(site, imports, source, wrappers_of, may_send_prompt)
        return found

    return at


def _merged(prompted: List[Wrapper], capped: List[Wrapper]) -> List[Wrapper]:
    """One wrapper per function: one whose prompt its callers pass takes the cap its callers pass too."""
    caps = {id(wrapper.node): wrapper for wrapper in capped}
    merged = []
    for wrapper in prompted:
        cap = caps.pop(id(wrapper.node), None)
        if cap is not None:
            wrapper = replace(
                wrapper,
                limit_parameter=cap.limit_parameter,
                kwargs_parameter=cap.kwargs_parameter,
                call=cap.call,
            )
        merged.append(wrapper)
    return merged + [replace(wrapper, context=None) for wrapper in capped if id(wrapper.node) in caps]


def _capped(wrapper: Wrapper) -> bool:
    """Whether its callers already pass the wrapper's cap (as a parameter or through ``**kwargs``)."""
    return wrapper.limit_parameter is not None or bool(wrapper.kwargs_parameter)


def _reached_again(wrapper: Wrapper, inner: Optional[Wrapper]) -> bool:
    """Whether a wrapper the outer ``wrapper`` sends through calls it again."""
    name = wrapper.node.name.value
    while inner is not None:
        if inner.node is wrapper.node or calls_to(inner.node, name):
            return True
        inner = inner.inner
    return False


def _one_request_each(wrappers: List[Wrapper]) -> List[Wrapper]:
    """The wrappers, the prompt of one that makes several requests left unread (which one a caller's
    arguments reach is not known)."""
    counts: Dict[int, int] = {}
    for wrapper in wrappers:
        counts[id(wrapper.node)] = counts.get(id(wrapper.node), 0) + 1
    return [
        replace(wrapper, prompt_parameters=()) if counts[id(wrapper.node)] > 1 else wrapper
        for wrapper in wrappers
    ]


def _module_wrappers(other: ProjectModule, imports: ProjectImports, signatures: bool) -> Dict[str, Wrapper]:
    """The wrappers another module of the project defines, by name, recognised in that module with its own
    context; what it was resolved through joins the linted module's dependencies."""
    builder = build_scopes(other.module)
    context = ModuleContext(
        other.module,
        builder.calls,
        other.path.parent,
        imports.root,
        other.path,
        builder.module_scope,
        imports.finder.excluded,
    )
    found: Dict[str, Wrapper] = {}
    requests: Dict[str, int] = {}
    for site in builder.calls:
        scope = site.scope
        if scope.kind != "function" or scope.parent is None or scope.parent.kind not in ("module", "class"):
            continue
        if scope.parent.kind == "class" and (
            scope.parent.parent is None or scope.parent.parent.kind != "module"
        ):
            continue
        call = _recognise(site, context, signatures)
        if call is None:
            continue
        wrapper = find_wrapper(call, site, lambda name, site=site: _without_splat(site, context, name))
        if wrapper is not None:
            found[wrapper.name] = replace(wrapper, module=other.module, path=str(other.path), context=context)
            requests[wrapper.name] = requests.get(wrapper.name, 0) + 1
    for name, count in requests.items():
        if count > 1:
            found[name] = replace(found[name], prompt_parameters=())
    # Its wrappers of wrappers (``ask()`` calling ``_complete()``), a level at a time, read in its module.
    prompted = _Prompted(context.resolver, ModuleIndex(other.module), signatures)
    level = list(found.values())
    sites = {id(site.node): site for site in builder.calls}
    for _ in range(_WRAPPER_LEVELS):
        functions = [wrapper for wrapper in level if wrapper.kind == "function"]
        sent = through_wrappers(functions, builder.calls, prompted)
        outer = prompted.outer(sent, sites, context, other.module, str(other.path))
        level = [wrapper for wrapper in _one_request_each(outer) if wrapper.name not in found]
        if not level:
            break
        found.update((wrapper.name, wrapper) for wrapper in level)
    # Its wrappers of wrappers for the cap, through its own functions and methods.
    receivers = Receivers(None, None, may_send_prompt)
    capped = list(found.values())
    for _ in range(_WRAPPER_LEVELS):
        capped = cap_outers(
            builder.calls, _inner_at(capped, receivers, None, None, None), other.module, str(other.path)
        )
        capped = [w for w in capped if w.name not in found or not _capped(found[w.name])]
        if not capped:
            break
        for wrapper in capped:
            known = found.get(wrapper.name)
            if known is None:
                found[wrapper.name] = replace(wrapper, context=context)
            else:
                found[wrapper.name] = replace(
                    known,
                    limit_parameter=wrapper.limit_parameter,
                    kwargs_parameter=wrapper.kwargs_parameter,
                    call=wrapper.call,
                )
    for path in context.resolver.files_read:
        if path not in imports.read:
            imports.read.append(path)
    return found


def _module_requests(
    other: ProjectModule, imports: ProjectImports, signatures: bool
) -> Dict[int, List[Tuple[LLMCall, CallSite]]]:
    """The requests the module-level functions and the methods of another module of the project make, by
    ``id`` of the function, recognised in that module with its own context (its files read join the dependencies)."""
    builder = build_scopes(other.module)
    context = ModuleContext(
        other.module, builder.calls, other.path.parent, imports.root, other.path, builder.module_scope
    )
    found: Dict[int, List[Tuple[LLMCall, CallSite]]] = {}
    for site in builder.calls:
        scope = site.scope
        if scope.kind != "function" or scope.parent is None or scope.parent.kind not in ("module", "class"):
            continue
        call = _recognise(site, context, signatures)
        if call is not None:
            found.setdefault(id(scope.node), []).append((call, site))
    for path in context.resolver.files_read:
        if path not in imports.read:
            imports.read.append(path)
    return found


def _without_splat(site: CallSite, context: ModuleContext, name: str) -> Optional[LLMCall]:
    """The request ``site`` makes when its ``**name`` argument is empty (a wrapper's forwarded kwargs)."""
    node = site.node
    args = tuple(
        arg for arg in node.args if not (arg.star == "**" and getattr(arg.value, "value", None) == name)
    )
    origin = qualify(node.func, site.scope)
    if origin is None or isinstance(origin, Alternatives):
        return None
    arguments = collect_arguments(args, site.scope, context.resolver)
    return _adapt(Request(origin, site, node, arguments, context, node.func))


def _with_facts(
    call: LLMCall, scope: Scope, hole_scopes: Mapping[int, Scope], facts: ModuleFacts, index: ModuleIndex
) -> LLMCall:
    """The call with the facts rules read instead of the syntax: the module's, the order risks of its prompt
    and schemas, and the literals its prompt parts begin with. ``scope`` is the call site's."""
    with_risks = with_order_risks(replace(call, module_facts=facts), scope, hole_scopes)
    return with_turn_values(with_prompt_literals(with_risks, index, scope), scope)


def _recognise(site: CallSite, context: ModuleContext, signatures: bool) -> Optional[LLMCall]:
    node = site.node
    func: cst.BaseExpression = node.func
    args = node.args
    origin = qualify(func, site.scope)
    if isinstance(origin, Qualified) and origin.name in _TRAMPOLINES and args and not args[0].star:
        func = args[0].value
        args = args[1:]
        origin = qualify(func, site.scope)
    confidence = Confidence.HIGH
    if origin is None and signatures:
        origin = by_signature(func, node, site.scope) if args is node.args else None
        confidence = Confidence.LOW
    if origin is None:
        return None
    arguments = collect_arguments(tuple(args), site.scope, context.resolver)
    if confidence is Confidence.LOW:
        call = _adapt(Request(origin, site, node, arguments, context, func))
        return replace(call, confidence=confidence, platform=Platform.UNKNOWN) if call is not None else None
    if isinstance(origin, Alternatives):
        calls = []
        for option in origin.options:
            call = _adapt(Request(option, site, node, arguments, context, func))
            if call is None:
                return None  # one of the candidates is not an LLM request
            calls.append(call)
        return merge_calls(calls)
    return _adapt(Request(origin, site, node, arguments, context, func))


def _adapt(request: Request) -> Optional[LLMCall]:
    for adapter in ADAPTERS:
        call = adapter(request)
        if call is not None:
            return call
    return None
