"""The extraction stage: a libcst module in, the LLM calls it makes out."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import libcst as cst

from promptlint.extract.adapters import ADAPTERS
from promptlint.extract.adapters.common import Request
from promptlint.extract.arguments import collect_arguments
from promptlint.extract.context import ModuleContext
from promptlint.extract.provenance import Qualified, qualify
from promptlint.extract.scopes import CallSite, build_scopes
from promptlint.extract.text import TextResolver
from promptlint.ir import LLMCall

# Calls that run another callable with the arguments that follow it.
_TRAMPOLINES = {"asyncio.to_thread"}


def extract_calls(
    module: cst.Module, source_path: Optional[Path] = None, project_root: Optional[Path] = None
) -> Tuple[List[LLMCall], TextResolver]:
    """Every LLM request the module makes, in source order, and the resolver (which lists prompt files read)."""
    builder = build_scopes(module)
    source_dir = source_path.parent if source_path is not None else None
    context = ModuleContext(module, builder.calls, source_dir, project_root)
    calls: List[LLMCall] = []
    for site in builder.calls:
        call = _recognise(site, context)
        if call is not None:
            calls.append(context.caller_loops.add_to(call, site))
    return calls, context.resolver


def _recognise(site: CallSite, context: ModuleContext) -> Optional[LLMCall]:
    node = site.node
    func: cst.BaseExpression = node.func
    args = node.args
    origin = qualify(func, site.scope)
    if isinstance(origin, Qualified) and origin.name in _TRAMPOLINES and args and not args[0].star:
        func = args[0].value
        args = args[1:]
        origin = qualify(func, site.scope)
    if origin is None:
        return None
    arguments = collect_arguments(tuple(args), site.scope, context.resolver)
    request = Request(origin, site, node, arguments, context, func)
    for adapter in ADAPTERS:
        call = adapter(request)
        if call is not None:
            return call
    return None
