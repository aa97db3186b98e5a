"""Wrappers imported from the project's other modules: ``from .llm import ask`` then ``ask(...)``, or
``from . import llm`` then ``llm.ask(...)``, analysed like a call of a wrapper of the linted module.

The wrapper's module is read only when its bytes import an LLM SDK (the prefilter's gate) and name a prompt
keyword (``messages=``, ``system=``...), an output cap or a ``**`` forward (``may_send_prompt``; without
the caller's prompt followed, only a cap or ``**``: ``may_wrap``): a function of a module that makes no request is no wrapper this analysis reports through,
whatever its name; a module imported for its helpers, types or errors is not parsed. Its request is recognised in its own
module, with its own imports and clients, once per lint of the caller; the module and everything it was
resolved through are cache dependencies of the caller (``ProjectImports.read``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import libcst as cst

from promptlint.extract.project import ProjectImports, ProjectModule
from promptlint.extract.provenance import single_binding
from promptlint.extract.scopes import CallSite
from promptlint.extract.wrappers import Prompted, Wrapper, requests_through
from promptlint.ir import LLMCall
from promptlint.prefilter import may_call_llm

_CAP_OR_SPLAT = re.compile(rb"max_\w*tokens|\*\*")
# A prompt keyword of an SDK call (``messages=``, ``system=``...): where a caller's prompt may be sent.
_PROMPT_KEYWORD = re.compile(rb"\b(?:messages|system|prompt|input|contents|instructions)\s*=")

WrappersOf = Callable[[ProjectModule], Dict[str, Wrapper]]


def may_wrap(raw: bytes) -> bool:
    """Whether a module's bytes could hold a wrapper whose cap its caller passes: an SDK import, and an
    output cap keyword or a ``**`` forward somewhere."""
    return _CAP_OR_SPLAT.search(raw) is not None and may_call_llm(raw)


def may_send_prompt(raw: bytes) -> bool:
    """Whether a module's bytes could hold a wrapper whose prompt or cap its caller passes: an SDK import,
    and a prompt keyword, an output cap keyword or a ``**`` forward somewhere."""
    return (
        _PROMPT_KEYWORD.search(raw) is not None or _CAP_OR_SPLAT.search(raw) is not None
    ) and may_call_llm(raw)


def _callee(func: cst.BaseExpression) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """``ask`` -> (ask, ()), ``llm.ask`` -> (llm, (ask,)); None for any other callee."""
    if isinstance(func, cst.Name):
        return func.value, ()
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.value.value, (func.attr.value,)
    return None


def imported_wrapper_calls(
    sites: Iterable[CallSite],
    imports: ProjectImports,
    source_path: Path,
    wrappers_of: WrappersOf,
    prompted: Optional[Prompted] = None,
) -> List[LLMCall]:
    """The requests the module's calls of wrappers imported from the project send, in source order.
    ``wrappers_of`` gives the wrappers of a module of the project by function name."""
    calls: List[LLMCall] = []
    gate = may_send_prompt if prompted is not None else may_wrap
    for site in sites:
        wrapper = imported_wrapper(site, imports, source_path, wrappers_of, gate)
        if wrapper is not None:
            calls.extend(requests_through(wrapper, site, prompted))
    return calls


def imported_wrapper(
    site: CallSite,
    imports: ProjectImports,
    source_path: Path,
    wrappers_of: WrappersOf,
    gate: Callable[[bytes], bool],
) -> Optional[Wrapper]:
    """The wrapper imported from the project that the call ``site`` calls (``ask(...)``, ``llm.ask(...)``),
    if any; ``gate`` decides from its bytes whether the wrapper's module is read."""
    callee = _callee(site.node.func)
    if callee is None:
        return None
    name, attributes = callee
    owner, bindings = site.scope.lookup(name)
    binding = single_binding(bindings)
    if owner is None or binding is None or binding.imported is None or owner.mutations.get(name):
        return None
    defined = imports.definition(source_path, binding, attributes, gate=gate)
    if defined is None or defined.binding.kind != "def" or defined.binding.body is None:
        return None
    node = defined.binding.body.node
    if not isinstance(node, cst.FunctionDef):
        return None
    wrapper = wrappers_of(defined.module).get(node.name.value)
    return wrapper if wrapper is not None and wrapper.node is node else None
