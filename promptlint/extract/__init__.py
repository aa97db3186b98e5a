"""The extraction stage: a libcst module in, the LLM calls it makes out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import libcst as cst

from promptlint.extract.adapters import ADAPTERS
from promptlint.extract.adapters.common import Request
from promptlint.extract.arguments import collect_arguments
from promptlint.extract.candidates import merge_calls
from promptlint.extract.context import ModuleContext
from promptlint.extract.langchain_chains import chain_candidate, chain_request
from promptlint.extract.module_index import ModuleIndex
from promptlint.extract.module_strings import string_literals
from promptlint.extract.ordering import with_order_risks
from promptlint.extract.project import ProjectImports, ProjectModule
from promptlint.extract.project_wrappers import imported_wrapper_calls
from promptlint.extract.prompt_literals import with_prompt_literals
from promptlint.extract.prompt_wrappers import prompt_through
from promptlint.extract.provenance import Alternatives, Qualified, qualify
from promptlint.extract.scopes import CallSite, Scope, build_scopes
from promptlint.extract.signatures import by_signature
from promptlint.extract.text import TextResolver
from promptlint.extract.through_callers import Callers, caller_requests, imported_caller_requests
from promptlint.extract.turn_values import with_turn_values
from promptlint.extract.wrappers import Wrapper, find_wrapper, through_wrappers
from promptlint.ir import Confidence, LLMCall, ModuleFacts, Platform
from promptlint.modules import Excluded

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
    for site in chains:
        call = chain_request(site, context.resolver, lambda node: recognised.get(id(node)))
        if call is not None:
            calls.append(_with_facts(call, site.scope, context.resolver.hole_scopes, facts, index))
    calls.extend(caller_requests(made_at, Callers(builder.calls)))
    prompted = _Prompted(context.resolver, index, signatures)
    calls.extend(through_wrappers(_one_request_each(wrappers), builder.calls, prompted))
    imports = context.resolver.imports
    if imports is not None and context.resolver.source_path is not None:
        known: Dict[Path, Dict[str, Wrapper]] = {}

        def wrappers_of(other: ProjectModule) -> Dict[str, Wrapper]:
            if other.path not in known:
                found = _module_wrappers(other, imports, signatures)
                known[other.path] = {
                    name: replace(wrapper, caller_literal=context.resolver.literal)
                    for name, wrapper in found.items()
                }
            return known[other.path]

        calls.extend(
            imported_wrapper_calls(
                builder.calls, imports, context.resolver.source_path, wrappers_of, prompted
            )
        )
        made_in: Dict[Path, Dict[int, List[Tuple[LLMCall, CallSite]]]] = {}

        def requests_of(other: ProjectModule) -> Dict[int, List[Tuple[LLMCall, CallSite]]]:
            if other.path not in made_in:
                made_in[other.path] = _module_requests(other, imports, signatures)
            return made_in[other.path]

        calls.extend(
            imported_caller_requests(builder.calls, imports, context.resolver.source_path, requests_of)
        )
    return calls, context.resolver


class _Prompted:
    """The request a call of a wrapper sends with its prompt read through the caller's arguments (see
    ``prompt_wrappers``), for the linted module's resolver and parent links."""

    def __init__(self, resolver: TextResolver, index: ModuleIndex, signatures: bool) -> None:
        self.resolver = resolver
        self.index = index
        self.signatures = signatures

    def __call__(self, wrapper: Wrapper, site: CallSite, model: Optional[str]) -> Optional[LLMCall]:
        own, context = wrapper.site, wrapper.context
        if own is None or context is None:
            return None
        return prompt_through(
            wrapper,
            site,
            self.resolver,
            self.index,
            lambda: _recognise(own, context, self.signatures),
            model,
        )


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
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "module":
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
    for path in context.resolver.files_read:
        if path not in imports.read:
            imports.read.append(path)
    return found


def _module_requests(
    other: ProjectModule, imports: ProjectImports, signatures: bool
) -> Dict[int, List[Tuple[LLMCall, CallSite]]]:
    """The requests the module-level functions of another module of the project make, by ``id`` of the
    function, recognised in that module with its own context (its files read join the dependencies)."""
    builder = build_scopes(other.module)
    context = ModuleContext(
        other.module, builder.calls, other.path.parent, imports.root, other.path, builder.module_scope
    )
    found: Dict[int, List[Tuple[LLMCall, CallSite]]] = {}
    for site in builder.calls:
        scope = site.scope
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "module":
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
